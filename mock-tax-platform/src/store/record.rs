//! One stored record: what the store keeps of an upload, kept narrow because the
//! store holds one per upload of a run, and how it reads back as the API's and the
//! truth endpoint's views.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tax_api::{Integrity, Invoice, StoredInvoice, TruthRecord};

use crate::clock::stamp;
use crate::store::packed::PackedInvoice;

/// One stored record: the invoice as stored (packed, never the raw body) and the
/// metadata the truth endpoint reports. The store holds one per upload of a run,
/// so the fields are kept narrow (120 bytes where plain types took 160).
#[derive(Debug, Clone)]
pub struct Record {
    /// Write sequence, assigned once at insertion; orders queries and the truth.
    pub seq: u64,
    /// The invoice number.
    pub number: Box<str>,
    /// What is stored now; `None` once a migration lost it.
    pub(super) stored: Option<PackedInvoice>,
    /// What only a damaged record has; most records have none of it.
    pub(super) marks: Option<Box<Marks>>,
    /// The number in the platform's reference for the (first) copy.
    pub(super) ref_no: u64,
    /// When the upload arrived.
    pub received_at: DateTime<Utc>,
    /// When it was persisted.
    pub persisted_at: DateTime<Utc>,
    /// [`Record::visible_from`] in nanoseconds of run time.
    pub(super) visible_from_nanos: u64,
    /// `issued_at` of the stored copy in Unix milliseconds, for period queries;
    /// [`NO_TIME`] when it does not parse.
    pub(super) issued_at_ms: i64,
    /// Lines the client sent.
    pub(super) sent_line_count: u32,
    /// Copies held (2+ when a fault duplicated it).
    pub copies: u32,
    /// Its fate, as the truth endpoint reports it.
    pub integrity: Integrity,
    /// Whether a checkpoint covers it (durable across a maintenance migration).
    pub checkpointed: bool,
}

/// The texts a fault or a migration leaves on a record.
#[derive(Debug, Clone, Default)]
pub(super) struct Marks {
    /// `content_hash` of what the client sent; `None` while `stored` is exactly
    /// what was sent (then it is the hash of `stored`, computed when read).
    pub(super) sent_hash: Option<Box<str>>,
    /// The fault rule or migration that damaged it.
    pub(super) cause: Option<Box<str>>,
}

/// `issued_at_ms` of a record whose `issued_at` does not parse. No RFC 3339 time
/// chrono parses is this far back.
pub(super) const NO_TIME: i64 = i64::MIN;

pub(super) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Record {
    /// Whether reads at run time `now` see it.
    pub fn visible(&self, now: Duration) -> bool {
        self.stored.is_some() && now >= self.visible_from()
    }

    /// Reads treat the record as absent before this run time (async processing,
    /// visibility lag). `Duration::ZERO`: visible at once.
    pub fn visible_from(&self) -> Duration {
        Duration::from_nanos(self.visible_from_nanos)
    }

    /// The fault rule or migration that damaged it.
    pub fn cause(&self) -> Option<&str> {
        self.marks.as_ref()?.cause.as_deref()
    }

    /// Names the fault rule or migration that damaged it.
    pub fn set_cause(&mut self, cause: impl Into<Box<str>>) {
        self.marks.get_or_insert_with(Box::default).cause = Some(cause.into());
    }

    fn sent_hash(&self) -> Option<&str> {
        self.marks.as_ref()?.sent_hash.as_deref()
    }

    /// Whether anything is stored (a migration may have lost it).
    pub fn has_stored(&self) -> bool {
        self.stored.is_some()
    }

    /// A copy of what is stored.
    pub fn stored(&self) -> Option<Invoice> {
        self.stored.as_ref().and_then(PackedInvoice::unpack)
    }

    /// Replaces what is stored (`None`: lost). Goes through [`Store::update`] or
    /// [`Store::update_all`], which pin `sent_hash` first.
    pub fn set_stored(&mut self, invoice: Option<Invoice>) {
        let (stored, issued_at_ms) = match &invoice {
            Some(invoice) => {
                let (packed, issued_at_ms) = pack(invoice);
                (Some(packed), issued_at_ms)
            }
            None => (None, NO_TIME),
        };
        self.stored = stored;
        self.issued_at_ms = issued_at_ms;
    }

    /// `issued_at` of the stored copy in Unix milliseconds, when it parses.
    pub fn issued_at_ms(&self) -> Option<i64> {
        (self.issued_at_ms != NO_TIME).then_some(self.issued_at_ms)
    }

    /// The platform's reference for the record.
    pub fn platform_ref(&self) -> String {
        platform_ref(self.ref_no)
    }

    /// Fixes `sent_hash` from the stored copy before anything changes it.
    pub fn pin_sent_hash(&mut self) {
        if self.sent_hash().is_none() {
            if let Some(hash) = self.stored().map(|i| tax_api::content_hash(&i)) {
                self.marks.get_or_insert_with(Box::default).sent_hash = Some(hash.into());
            }
        }
    }

    /// The record as `GET /v1/invoices/{number}` shows it; `None` when nothing is stored.
    pub fn to_stored_invoice(&self) -> Option<StoredInvoice> {
        let invoice = self.stored()?;
        Some(StoredInvoice {
            line_count: invoice.lines.len(),
            content_hash: tax_api::content_hash(&invoice),
            invoice,
            platform_ref: self.platform_ref(),
            received_at: stamp(self.received_at),
            persisted_at: stamp(self.persisted_at),
        })
    }

    /// The record as `GET /_chaos/truth` shows it; `seller` holds it.
    pub fn to_truth(&self, seller: &str) -> TruthRecord {
        let stored = self.stored();
        let stored_hash = stored.as_ref().map(tax_api::content_hash);
        TruthRecord {
            seller_tax_id: seller.to_owned(),
            number: self.number.to_string(),
            platform_ref: self.platform_ref(),
            integrity: self.integrity,
            sent_hash: self
                .sent_hash()
                .map(str::to_owned)
                .or_else(|| stored_hash.clone())
                .unwrap_or_default(),
            stored_hash,
            sent_line_count: self.sent_line_count as usize,
            stored_line_count: stored.as_ref().map_or(0, |i| i.lines.len()),
            copies: if stored.is_some() { self.copies } else { 0 },
            cause: self.cause().map(str::to_owned),
            persisted_at: stamp(self.persisted_at),
            checkpointed: self.checkpointed,
            stored,
            ksef: None,
        }
    }
}

/// `PLT-` and the sequence, zero-padded to ten digits (`format!("PLT-{n:010}")`,
/// written directly: the formatter showed up in every upload's profile).
pub(super) fn platform_ref(n: u64) -> String {
    let mut digits = [b'0'; 20];
    let mut v = n;
    let mut len = 0;
    while v > 0 || len < 10 {
        digits[19 - len] = b'0' + (v % 10) as u8;
        v /= 10;
        len += 1;
    }
    let mut out = String::with_capacity(4 + len);
    out.push_str("PLT-");
    digits[20 - len..]
        .iter()
        .for_each(|&d| out.push(char::from(d)));
    out
}

/// The packed copy of `invoice` and its `issued_at` in Unix milliseconds
/// ([`NO_TIME`] when it does not parse): what a record keeps of what it stores.
pub(super) fn pack(invoice: &Invoice) -> (PackedInvoice, i64) {
    let issued_at_ms =
        DateTime::parse_from_rfc3339(&invoice.issued_at).map_or(NO_TIME, |t| t.timestamp_millis());
    (PackedInvoice::pack(invoice), issued_at_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_refs_are_the_sequence_zero_padded_to_ten_digits() {
        for n in [0, 1, 42, 9_999_999_999, 10_000_000_000, u64::MAX] {
            assert_eq!(platform_ref(n), format!("PLT-{n:010}"));
        }
    }

    #[test]
    fn a_record_stays_within_120_bytes() {
        assert!(
            std::mem::size_of::<Record>() <= 120,
            "{} bytes",
            std::mem::size_of::<Record>()
        );
    }
}
