//! The journal: one entry per request the platform answered (or cut off), cheap to
//! append, plus the attempt counter per (route, seller, number) that fault
//! decisions key on. Entries are kept compact (`kept`) and formatted only when read.
//!
//! The journal has a memory budget ([`Journal::new`]): once its entries take that
//! many bytes it keeps no more and counts what it dropped, so a run never loses
//! causal chains silently (`GET /_chaos/stats` says `journal.dropped`). Untied
//! entries (see `kept`) are kept only while the journal uses less than
//! [`UNTIED_SHARE`] of its budget, so noise cannot crowd out evidence.

mod kept;

use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use http::Method;
use tax_api::control::JournalUsage;
use tax_api::{ErrorCode, JournalEntry, Route, StoreEffect};

use crate::clock::stamp;
use crate::store::chunked::Chunked;
use crate::store::fasthash::{spread, FxHasher};
use kept::Kept;

/// Untied entries are kept while the journal uses less than this share of its
/// budget (1/`UNTIED_SHARE`).
const UNTIED_SHARE: usize = 8;

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
#[derive(Debug)]
pub struct Journal {
    entries: Mutex<Entries>,
    /// Most bytes the kept entries may take ([`Kept::cost`]).
    limit_bytes: usize,
    /// Attempts by a 96-bit fingerprint of (route, seller, number): no key
    /// allocation per request and 16-byte entries; a collision is out of reach
    /// (about 10⁻¹⁵ for ten million keys). Sharded by the fingerprint, so the two
    /// worker threads rarely take one lock.
    attempts: [Mutex<HashTable<Attempts>>; ATTEMPT_SHARDS],
}

const ATTEMPT_SHARDS: usize = 16;

/// The kept entries and the budget's accounting, under one lock.
#[derive(Debug, Default)]
struct Entries {
    kept: Chunked<Kept>,
    /// How many are kept.
    count: u64,
    /// What the kept entries cost, by [`Kept::cost`].
    bytes: usize,
    /// Tied entries not kept because the budget was spent.
    dropped: u64,
    /// Run time of the first of them.
    first_dropped: Option<Duration>,
    /// Untied entries not kept.
    untied_dropped: u64,
}

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
    /// An empty journal that keeps at most `limit_bytes` of entries.
    pub fn new(limit_bytes: usize) -> Self {
        Journal {
            entries: Mutex::default(),
            limit_bytes,
            attempts: Default::default(),
        }
    }

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

    /// Appends an entry, unless the budget is spent (then it is counted as dropped).
    pub fn append(&self, entry: Entry) {
        let elapsed = entry.elapsed;
        // Packed before the lock is taken.
        let kept = Kept::new(entry);
        let (cost, untied) = (kept.cost(), kept.untied());
        let room = if untied {
            self.limit_bytes / UNTIED_SHARE
        } else {
            self.limit_bytes
        };
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.bytes.saturating_add(cost) <= room {
            entries.bytes += cost;
            entries.count += 1;
            entries.kept.push(kept);
        } else if untied {
            entries.untied_dropped += 1;
        } else {
            entries.dropped += 1;
            entries.first_dropped.get_or_insert(elapsed);
        }
    }

    /// How many entries are kept, what they cost and what was dropped.
    pub fn usage(&self) -> JournalUsage {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        JournalUsage {
            entries: entries.count,
            bytes: entries.bytes as u64,
            limit_bytes: self.limit_bytes as u64,
            dropped: entries.dropped,
            first_dropped_at_ms: entries
                .first_dropped
                .map(|at| u64::try_from(at.as_millis()).unwrap_or(u64::MAX)),
            untied_dropped: entries.untied_dropped,
        }
    }

    /// Entries with `seq >= since`, in order, in wire form.
    pub fn since(&self, since: u64) -> Vec<JournalEntry> {
        let start = usize::try_from(since).unwrap_or(usize::MAX);
        let slice: Vec<Kept> = {
            let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.kept.iter_from(start).cloned().collect()
        };
        slice
            .iter()
            .enumerate()
            .map(|(i, e)| e.entry().to_wire((start + i) as u64))
            .collect()
    }

    /// Forgets every entry and attempt count.
    pub fn clear(&self) {
        *self.entries.lock().unwrap_or_else(|e| e.into_inner()) = Entries::default();
        for shard in &self.attempts {
            shard.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_entry_costs_what_the_readme_says() {
        // mock-tax-platform/README.md quotes this figure; update both together.
        let mut entry = upload_entry("25117000000000000001");
        entry.seller_tax_id = Some("91110000MA01ABCD1X".to_owned());
        entry.request_serial = Some("order-2025-000001".to_owned());
        entry.attempt = Some(0);
        entry.effect = StoreEffect::Stored;
        assert_eq!(Kept::new(entry).cost(), 159);
    }

    #[test]
    fn attempts_count_per_route_seller_and_number() {
        let journal = Journal::new(1 << 30);
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
        let journal = Journal::new(1 << 30);
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
    fn entries_get_their_position_and_since_skips_earlier_ones() {
        let journal = Journal::new(1 << 30);
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

    fn upload_entry(number: &str) -> Entry {
        let mut entry = Entry::new(
            Duration::from_millis(7),
            Utc::now(),
            Route::Upload,
            Method::POST,
            "/v1/invoices".to_owned(),
        );
        entry.number = Some(number.to_owned());
        entry.status = Some(201);
        entry
    }

    fn unauthorized_entry(path: String) -> Entry {
        let mut entry = Entry::new(Duration::ZERO, Utc::now(), Route::Get, Method::GET, path);
        entry.status = Some(401);
        entry
    }

    #[test]
    fn past_its_budget_the_journal_keeps_nothing_more_and_counts_it() {
        let one = Kept::new(upload_entry("N-0")).cost();
        let journal = Journal::new(3 * one);
        for i in 0..5 {
            journal.append(upload_entry(&format!("N-{i}")));
        }
        let usage = journal.usage();
        assert_eq!((usage.entries, usage.dropped), (3, 2));
        assert_eq!(usage.bytes, 3 * one as u64);
        assert_eq!(usage.first_dropped_at_ms, Some(7));
        assert_eq!(journal.since(0).len(), 3);
        journal.clear();
        assert_eq!(journal.usage().dropped, 0);
    }

    #[test]
    fn unauthenticated_noise_costs_little_and_cannot_crowd_out_evidence() {
        let journal = Journal::new(1024 * 1024);
        // 10 000 requests with 8 KB paths: 80 MB if kept whole.
        for _ in 0..10_000 {
            journal.append(unauthorized_entry(format!(
                "/v1/invoices/{}",
                "9".repeat(8192)
            )));
        }
        let usage = journal.usage();
        assert!(
            usage.bytes <= 1024 * 1024 / UNTIED_SHARE as u64,
            "{usage:?}"
        );
        assert!(usage.untied_dropped > 0, "{usage:?}");
        assert_eq!(usage.dropped, 0);
        journal.append(upload_entry("N-1"));
        assert_eq!(journal.usage().entries, usage.entries + 1);
    }
}
