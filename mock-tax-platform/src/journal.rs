//! The journal: one entry per request the platform answered (or cut off), cheap to
//! append, plus the attempt counter per (route, seller, number) that fault
//! decisions key on. Entries are kept compact and formatted only when read.

use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use http::Method;
use tax_api::{ErrorCode, JournalEntry, Route, StoreEffect};

use crate::chunked::Chunked;
use crate::clock::stamp;
use crate::fasthash::{spread, FxHasher};

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

/// An entry as the journal keeps it: the fixed fields, and every text field in
/// one allocation. About half the memory of an [`Entry`] and its strings, and the
/// journal holds one per request of the run.
#[derive(Debug, Clone)]
struct Kept {
    elapsed_nanos: u64,
    at: DateTime<Utc>,
    route: Route,
    status: Option<u16>,
    error_code: Option<ErrorCode>,
    effect: StoreEffect,
    attempt: Option<u32>,
    /// Method, path, then the optional texts in [`Kept::optional`] order.
    text: Box<str>,
    /// Where each of the [`Kept::FIELDS`] texts ends in `text`.
    ends: [u32; Kept::FIELDS],
    /// Bit `i` set: optional text `i` is present (absent and empty differ).
    present: u8,
}

impl Kept {
    const FIELDS: usize = 8;

    /// The optional texts of an entry, in the order they are kept: the one list
    /// both packing and unpacking go by.
    fn optional(entry: &mut Entry) -> [&mut Option<String>; Kept::FIELDS - 2] {
        [
            &mut entry.seller_tax_id,
            &mut entry.number,
            &mut entry.request_serial,
            &mut entry.rule,
            &mut entry.fault,
            &mut entry.note,
        ]
    }

    fn new(mut entry: Entry) -> Kept {
        // Method and path are moved out so the optional texts can be borrowed mutably.
        let method = std::mem::replace(&mut entry.method, Method::GET);
        let path = std::mem::take(&mut entry.path);
        let optional = Kept::optional(&mut entry).map(|text| text.as_deref());
        let texts = [Some(method.as_str()), Some(path.as_str())]
            .into_iter()
            .chain(optional);
        let len = texts.clone().flatten().map(str::len).sum();
        let mut text = String::with_capacity(len);
        let mut ends = [0u32; Kept::FIELDS];
        let mut present = 0u8;
        for (i, field) in texts.enumerate() {
            if let Some(value) = field {
                text.push_str(value);
                if i >= 2 {
                    present |= 1 << (i - 2);
                }
            }
            // Entries come from HTTP requests far below 4 GiB.
            ends[i] = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        Kept {
            elapsed_nanos: u64::try_from(entry.elapsed.as_nanos()).unwrap_or(u64::MAX),
            at: entry.at,
            route: entry.route,
            status: entry.status,
            error_code: entry.error_code,
            effect: entry.effect,
            attempt: entry.attempt,
            text: text.into_boxed_str(),
            ends,
            present,
        }
    }

    fn field(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text.get(start..self.ends[i] as usize).unwrap_or("")
    }

    fn optional_field(&self, i: usize) -> Option<String> {
        (self.present & (1 << i) != 0).then(|| self.field(i + 2).to_owned())
    }

    fn entry(&self) -> Entry {
        let mut entry = Entry::new(
            Duration::from_nanos(self.elapsed_nanos),
            self.at,
            self.route,
            Method::from_bytes(self.field(0).as_bytes()).unwrap_or(Method::GET),
            self.field(1).to_owned(),
        );
        for (i, text) in Kept::optional(&mut entry).into_iter().enumerate() {
            *text = self.optional_field(i);
        }
        entry.attempt = self.attempt;
        entry.status = self.status;
        entry.error_code = self.error_code;
        entry.effect = self.effect;
        entry
    }
}

/// Append-only request log and attempt counter. Each lock is held for one push or
/// one counter bump only.
#[derive(Debug, Default)]
pub struct Journal {
    entries: Mutex<Chunked<Kept>>,
    /// Attempts by a 96-bit fingerprint of (route, seller, number): no key
    /// allocation per request and 16-byte entries; a collision is out of reach
    /// (about 10⁻¹⁵ for ten million keys). Sharded by the fingerprint, so the two
    /// worker threads rarely take one lock.
    attempts: [Mutex<HashTable<Attempts>>; ATTEMPT_SHARDS],
}

const ATTEMPT_SHARDS: usize = 16;

/// One key's count. Every upload of a new number adds one, and probing a table
/// that large misses the cache: the entry is kept to 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Attempts {
    sip: u64,
    fx: u32,
    count: u32,
}

/// A SipHash-1-3 digest and an Fx digest of the same key, independent functions
/// (fixed keys, so stable within a run). One SipHash pass instead of two: the
/// second pass was a tenth of the journal's cost per upload.
fn fingerprint(route: Route, seller: &str, number: &str) -> (u64, u32) {
    fn digest<H: Hasher>(mut hasher: H, route: Route, seller: &str, number: &str) -> u64 {
        route.hash(&mut hasher);
        seller.hash(&mut hasher);
        number.hash(&mut hasher);
        hasher.finish()
    }
    let sip = digest(std::hash::DefaultHasher::new(), route, seller, number);
    // The low half: Fx mixes every byte into it.
    let fx = digest(FxHasher::default(), route, seller, number) as u32;
    (sip, fx)
}

impl Journal {
    /// The attempt index of this request about `number` on `route` for `seller`:
    /// 0 for the first, 1 for the next, … Counted in arrival order.
    pub fn next_attempt(&self, route: Route, seller: &str, number: &str) -> u32 {
        let (sip, fx) = fingerprint(route, seller, number);
        let shard = &self.attempts[(sip % ATTEMPT_SHARDS as u64) as usize];
        // The table hashes the Fx half: the SipHash half's low bits picked the
        // shard, so within a shard they are all alike.
        let mut attempts = shard.lock().unwrap_or_else(|e| e.into_inner());
        let entry = attempts
            .entry(spread(fx), |a| a.sip == sip && a.fx == fx, |a| spread(a.fx))
            .or_insert(Attempts { sip, fx, count: 0 })
            .into_mut();
        let attempt = entry.count;
        entry.count = entry.count.saturating_add(1);
        attempt
    }

    /// Appends an entry.
    pub fn append(&self, entry: Entry) {
        // Packed before the lock is taken.
        let kept = Kept::new(entry);
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(kept);
    }

    /// Entries with `seq >= since`, in order, in wire form.
    pub fn since(&self, since: u64) -> Vec<JournalEntry> {
        let start = usize::try_from(since).unwrap_or(usize::MAX);
        let slice: Vec<Kept> = {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.iter_from(start).cloned().collect()
        };
        slice
            .iter()
            .enumerate()
            .map(|(i, e)| e.entry().to_wire((start + i) as u64))
            .collect()
    }

    /// Forgets every entry and attempt count.
    pub fn clear(&self) {
        *self.entries.lock().unwrap_or_else(|e| e.into_inner()) = Chunked::default();
        for shard in &self.attempts {
            shard.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
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
    fn every_key_keeps_its_count_while_the_counter_grows() {
        let journal = Journal::default();
        let numbers: Vec<String> = (0..5000).map(|i| format!("B{i:018}")).collect();
        for round in 0..3 {
            for number in &numbers {
                assert_eq!(journal.next_attempt(Route::Upload, "S", number), round);
            }
        }
        assert_eq!(journal.next_attempt(Route::Get, "S", &numbers[0]), 0);
        journal.clear();
        assert_eq!(journal.next_attempt(Route::Upload, "S", &numbers[0]), 0);
    }

    #[test]
    fn a_kept_entry_gives_back_every_field_and_tells_absent_from_empty() {
        let mut entry = Entry::new(
            Duration::from_nanos(1_234_567_891),
            Utc::now(),
            Route::Upload,
            Method::from_bytes(b"PATCH").unwrap(),
            "/v1/invoices/å".to_owned(),
        );
        entry.seller_tax_id = Some("S".to_owned());
        entry.number = Some(String::new());
        entry.rule = Some("drop-1+lag".to_owned());
        entry.note = Some("migration after w (lost)".to_owned());
        entry.attempt = Some(3);
        entry.status = Some(503);
        entry.error_code = Some(ErrorCode::Maintenance);
        entry.effect = StoreEffect::StoredPartial;
        let back = Kept::new(entry.clone()).entry();
        assert_eq!(back.to_wire(7), entry.to_wire(7));
        assert_eq!(back.number.as_deref(), Some(""));
        assert_eq!(back.request_serial, None);
        assert_eq!(back.fault, None);
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
