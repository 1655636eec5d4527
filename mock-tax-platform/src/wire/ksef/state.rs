//! What the KSeF dialect remembers besides the store: challenges, authentication
//! operations and tokens, online sessions with their AES keys, and each invoice
//! sent (its reference, KSeF number, original bytes and outcome). One mutex, held
//! only for map operations, never across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tax_api::{Invoice, KsefIdentity, TruthRecord};

use super::fa3::Fa3Facts;

/// A challenge handed out by `POST /v2/auth/challenge`.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// `timestampMs` the client must echo inside its encrypted token.
    pub timestamp_ms: i64,
    /// Run time it was issued; it lives 10 minutes.
    pub issued: Duration,
}

/// One authentication operation (`AU…`).
#[derive(Debug, Clone)]
pub struct AuthOp {
    /// The context NIP it authenticates.
    pub nip: String,
    /// `Token` or `XadesSignature`.
    pub method: &'static str,
    /// Final status: 200, or 450 with the reason.
    pub outcome: (u16, String),
    /// Run time its status becomes final.
    pub ready_at: Duration,
    /// When it started.
    pub started: DateTime<Utc>,
    /// Whether `redeem` was already called (a second one is refused).
    pub redeemed: bool,
}

/// A token's grant.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The context NIP.
    pub nip: String,
    /// Expiry.
    pub valid_until: DateTime<Utc>,
}

/// An online session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The context NIP that opened it.
    pub nip: String,
    /// AES-256 key the client encrypts invoices with.
    pub key: [u8; 32],
    /// The session's IV, reused for every invoice.
    pub iv: [u8; 16],
    /// When it was opened.
    pub created: DateTime<Utc>,
    /// Run time it was closed, if it was.
    pub closed: Option<Duration>,
    /// When it was closed (or last changed).
    pub updated: DateTime<Utc>,
    /// Indices into the invoice list, in send order.
    pub invoices: Vec<usize>,
    /// Reference of its (single) UPO page.
    pub upo_ref: String,
}

/// An invoice's final KSeF status.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// 200, 430, 435, 440, 450, 550, …
    pub code: u16,
    /// The status description.
    pub description: String,
    /// Details, if any.
    pub details: Vec<String>,
    /// `extensions` (the 440's pointers to the original), if any.
    pub extensions: Option<Value>,
}

impl Outcome {
    /// A status with no details.
    pub fn new(code: u16, description: &str) -> Self {
        Outcome {
            code,
            description: description.to_owned(),
            details: Vec::new(),
            extensions: None,
        }
    }

    /// The same with one detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.details.push(detail.into());
        self
    }
}

/// One invoice sent in a session.
#[derive(Debug, Clone)]
pub struct SentInvoice {
    /// `EE…` reference.
    pub reference: String,
    /// The session it was sent in.
    pub session: String,
    /// 1-based position in the session.
    pub ordinal: usize,
    /// `invoiceHash` as declared.
    pub invoice_hash: String,
    /// When it was received.
    pub invoicing_date: DateTime<Utc>,
    /// Run time it was received.
    pub accepted: Duration,
    /// Run time its status becomes final (`Duration::MAX`: stuck at 150).
    pub ready_at: Duration,
    /// Final status.
    pub outcome: Outcome,
    /// Set once it was issued (status 200).
    pub issued: Option<Issued>,
    /// `Fa/P_2` once the XML was read: what the journal files its requests under.
    pub number: Option<String>,
    /// Status polls answered so far: the first shows 100 and the second 150, so a
    /// client sees the whole 100 → 150 → final sequence even when processing is
    /// instant.
    pub polls: u32,
}

/// What an issued invoice adds.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Its KSeF number.
    pub ksef_number: String,
    /// A second KSeF number when the platform holds two copies (`duplicate`).
    pub twin: Option<String>,
    /// The seller NIP and invoice number the store keys it by.
    pub seller: String,
    /// `Fa/P_2`.
    pub number: String,
    /// The store's reference for this upload: a later record under the same number
    /// (after this one was dropped) is not this invoice.
    pub platform_ref: String,
    /// Whether the store kept anything (`drop_after_ack` keeps nothing).
    pub kept: bool,
    /// The XML exactly as sent, for download.
    pub original: Arc<[u8]>,
    /// `content_hash` of the generic invoice as sent.
    pub sent_hash: String,
    /// The generic invoice as sent (for metadata when the store lost it).
    pub invoice: Invoice,
    /// FA(3) facts beyond the generic invoice.
    pub facts: Fa3Facts,
    /// Acquisition (KSeF number assignment) time.
    pub acquired: DateTime<Utc>,
    /// Permanent storage time: the metadata's date and the HWM's measure.
    pub stored: DateTime<Utc>,
    /// Run time from which reads see it.
    pub visible_from: Duration,
}

/// Everything the dialect remembers.
#[derive(Debug, Default)]
pub struct Inner {
    /// Last sequence used for reference numbers.
    pub seq: u64,
    /// By challenge string.
    pub challenges: HashMap<String, Challenge>,
    /// By `AU…` reference.
    pub auths: HashMap<String, AuthOp>,
    /// Authentication token → `AU…` reference.
    pub auth_tokens: HashMap<String, String>,
    /// Access tokens.
    pub access: HashMap<String, Grant>,
    /// Refresh tokens.
    pub refresh: HashMap<String, Grant>,
    /// By `SO…` reference.
    pub sessions: HashMap<String, Session>,
    /// Every invoice sent, in order.
    pub invoices: Vec<SentInvoice>,
    /// `EE…` reference → index.
    pub by_reference: HashMap<String, usize>,
    /// KSeF number (and twin numbers) → index.
    pub by_ksef_number: HashMap<String, usize>,
    /// (seller, `RodzajFaktury`, `P_2`) → the index of the issued invoice: KSeF's
    /// duplicate key, for the 440's pointers.
    pub by_key: HashMap<(String, String, String), usize>,
    /// The store's platform reference of an issued invoice → its index: how a
    /// truth record finds its KSeF names.
    pub by_platform_ref: HashMap<String, usize>,
}

impl Inner {
    /// The next sequence number for an identifier.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

/// The dialect's state, one per platform.
#[derive(Debug, Default)]
pub struct KsefState {
    inner: Mutex<Inner>,
}

impl KsefState {
    /// The state, locked.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Forgets everything (`POST /_chaos/reset`).
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }

    /// Adds the KSeF number and session to each truth record of an invoice sent
    /// through KSeF; `/v1` records are left as they are.
    pub fn annotate(&self, records: &mut [TruthRecord]) {
        let inner = self.lock();
        if inner.by_platform_ref.is_empty() {
            return;
        }
        for record in records {
            let Some(&i) = inner.by_platform_ref.get(&record.platform_ref) else {
                continue;
            };
            let inv = &inner.invoices[i];
            if let Some(is) = inv
                .issued
                .as_ref()
                .filter(|is| is.seller == record.seller_tax_id)
            {
                record.ksef = Some(KsefIdentity {
                    ksef_number: is.ksef_number.clone(),
                    session_reference: inv.session.clone(),
                    invoice_reference: inv.reference.clone(),
                });
            }
        }
    }
}

/// The status an invoice shows to its `poll`-th status poll (from 0; `None` for a
/// listing, which does not count as a poll) at `now`: 100 to the first poll, 150
/// to the second, then 150 until it is final at `ready_at`. A listing goes by time
/// alone ([`progress`]).
pub fn shown(inv: &SentInvoice, poll: Option<u32>, now: Duration) -> Option<u16> {
    let by_time = progress(inv.accepted, inv.ready_at, now);
    match poll {
        None => by_time,
        Some(0) => Some(100),
        Some(1) => Some(150),
        Some(_) => by_time.map(|_| 150),
    }
}

/// The status of something final at `ready_at`, seen at `now`: 100 in the first
/// half of its processing time, 150 in the second, then final.
pub fn progress(accepted: Duration, ready_at: Duration, now: Duration) -> Option<u16> {
    if now >= ready_at {
        return None;
    }
    let half = accepted.saturating_add(ready_at.saturating_sub(accepted) / 2);
    Some(if now < half && ready_at != Duration::MAX {
        100
    } else {
        150
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processing_goes_100_then_150_then_final_and_stuck_stays_150() {
        let s = Duration::from_secs;
        assert_eq!(progress(s(10), s(20), s(12)), Some(100));
        assert_eq!(progress(s(10), s(20), s(16)), Some(150));
        assert_eq!(progress(s(10), s(20), s(20)), None);
        assert_eq!(progress(s(10), s(10), s(10)), None);
        assert_eq!(progress(s(10), Duration::MAX, s(10)), Some(150));
        assert_eq!(progress(s(10), Duration::MAX, s(1_000_000)), Some(150));
    }
}
