//! The journal: one entry per request the platform answered (or cut off), cheap to
//! append, plus the attempt counter per (route, seller, number) that fault
//! decisions key on. Entries are kept compact and formatted only when read.

use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::Method;
use tax_api::{ErrorCode, JournalEntry, Route, StoreEffect};

use crate::chunked::Chunked;
use crate::clock::stamp;
use crate::fasthash::{FxHashMap, FxHasher};

/// One journaled request, as kept in memory; [`Entry::to_wire`] gives the
/// `tax_api::JournalEntry` served on `/_chaos/journal`.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Run time the request arrived.
    pub elapsed: Duration,
    /// Wall time the request arrived.
    pub at: DateTime<Utc>,
    /// Which route.
    pub route: Route,
    /// HTTP method.
    pub method: Method,
    /// Request path.
    pub path: String,
    /// The authenticated (or, without tokens, the named) seller.
    pub seller_tax_id: Option<String>,
    /// The invoice number the request concerned.
    pub number: Option<String>,
    /// Attempt index for that number on this route.
    pub attempt: Option<u32>,
    /// The upload's `request_serial`.
    pub request_serial: Option<String>,
    /// The fault rule that fired, by name.
    pub rule: Option<String>,
    /// The kind of that fault.
    pub fault: Option<String>,
    /// HTTP status sent; `None` when the connection was reset or left hanging.
    pub status: Option<u16>,
    /// Error code sent.
    pub error_code: Option<ErrorCode>,
    /// What the request did to the store.
    pub effect: StoreEffect,
    /// Free text.
    pub note: Option<String>,
}

impl Entry {
    /// A fresh entry for a request arriving at (`elapsed`, `at`).
    pub fn new(
        elapsed: Duration,
        at: DateTime<Utc>,
        route: Route,
        method: Method,
        path: String,
    ) -> Self {
        Entry {
            elapsed,
            at,
            route,
            method,
            path,
            seller_tax_id: None,
            number: None,
            attempt: None,
            request_serial: None,
            rule: None,
            fault: None,
            status: None,
            error_code: None,
            effect: StoreEffect::None,
            note: None,
        }
    }

    /// The wire form, with its position in the journal.
    pub fn to_wire(&self, seq: u64) -> JournalEntry {
        JournalEntry {
            seq,
            at: stamp(self.at),
            elapsed_ms: u64::try_from(self.elapsed.as_millis()).unwrap_or(u64::MAX),
            route: self.route,
            method: self.method.as_str().to_owned(),
            path: self.path.clone(),
            seller_tax_id: self.seller_tax_id.clone(),
            number: self.number.clone(),
            attempt: self.attempt,
            request_serial: self.request_serial.clone(),
            rule: self.rule.clone(),
            fault: self.fault.clone(),
            status: self.status,
            error_code: self.error_code.map(|c| c.as_str().to_owned()),
            effect: self.effect,
            note: self.note.clone(),
        }
    }
}

/// Append-only request log and attempt counter. Each lock is held for one push or
/// one counter bump only.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<Chunked<Entry>>,
    /// Attempts by a 128-bit fingerprint of (route, seller, number): no key
    /// allocation per request and small entries; a collision is out of reach.
    attempts: Mutex<FxHashMap<u128, u32>>,
}

/// A SipHash-1-3 digest and an Fx digest of the same key, independent functions
/// (fixed keys, so stable within a run). One SipHash pass instead of two: the
/// second pass was a tenth of the journal's cost per upload.
fn fingerprint(route: Route, seller: &str, number: &str) -> u128 {
    fn digest<H: Hasher>(mut hasher: H, route: Route, seller: &str, number: &str) -> u64 {
        route.hash(&mut hasher);
        seller.hash(&mut hasher);
        number.hash(&mut hasher);
        hasher.finish()
    }
    let sip = digest(std::hash::DefaultHasher::new(), route, seller, number);
    let fx = digest(FxHasher::default(), route, seller, number);
    (u128::from(sip) << 64) | u128::from(fx)
}

impl Journal {
    /// The attempt index of this request about `number` on `route` for `seller`:
    /// 0 for the first, 1 for the next, … Counted in arrival order.
    pub fn next_attempt(&self, route: Route, seller: &str, number: &str) -> u32 {
        let key = fingerprint(route, seller, number);
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let counter = attempts.entry(key).or_insert(0);
        let attempt = *counter;
        *counter = counter.saturating_add(1);
        attempt
    }

    /// Appends an entry.
    pub fn append(&self, entry: Entry) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entry);
    }

    /// Entries with `seq >= since`, in order, in wire form.
    pub fn since(&self, since: u64) -> Vec<JournalEntry> {
        let start = usize::try_from(since).unwrap_or(usize::MAX);
        let slice: Vec<Entry> = {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.iter_from(start).cloned().collect()
        };
        slice
            .iter()
            .enumerate()
            .map(|(i, e)| e.to_wire((start + i) as u64))
            .collect()
    }

    /// Forgets every entry and attempt count.
    pub fn clear(&self) {
        *self.entries.lock().unwrap_or_else(|e| e.into_inner()) = Chunked::default();
        self.attempts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_count_per_route_seller_and_number() {
        let journal = Journal::default();
        let attempts: Vec<u32> = [
            (Route::Upload, "S", "N1"),
            (Route::Upload, "S", "N1"),
            (Route::Upload, "S", "N2"),
            (Route::Get, "S", "N1"),
            (Route::Upload, "T", "N1"),
            (Route::Upload, "S", "N1"),
        ]
        .iter()
        .map(|(route, seller, number)| journal.next_attempt(*route, seller, number))
        .collect();
        assert_eq!(attempts, vec![0, 1, 0, 0, 0, 2]);
    }

    #[test]
    fn entries_get_their_position_and_since_skips_earlier_ones() {
        let journal = Journal::default();
        for path in ["/a", "/b", "/c"] {
            let mut entry = Entry::new(
                Duration::from_millis(1500),
                Utc::now(),
                Route::Status,
                Method::GET,
                path.to_owned(),
            );
            entry.status = Some(200);
            journal.append(entry);
        }
        let tail = journal.since(1);
        assert_eq!(tail.len(), 2);
        assert_eq!((tail[0].seq, tail[0].path.as_str()), (1, "/b"));
        assert_eq!(tail[0].elapsed_ms, 1500);
        assert!(journal.since(99).is_empty());
    }
}
