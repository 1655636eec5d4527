//! The journal: one entry per request the platform answered (or cut off), cheap to
//! append, plus the attempt counter per (route, seller, number) that fault
//! decisions key on (`attempts`). Entries are kept compact (`kept`) and formatted
//! only when read.
//!
//! The journal has a memory budget ([`Journal::new`]): once its entries take that
//! many bytes it keeps no more and counts what it dropped, so a run never loses
//! causal chains silently (`GET /_chaos/stats` says `journal.dropped`). Untied
//! entries (see `kept`) are kept only while the journal uses less than
//! [`UNTIED_SHARE`] of its budget, so noise cannot crowd out evidence.

mod attempts;
mod kept;

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use http::Method;
use tax_api::control::JournalUsage;
use tax_api::{ErrorCode, JournalEntry, Route, StoreEffect};

use crate::clock::stamp;
use crate::store::chunked::Chunked;
use attempts::AttemptCounter;
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
    attempts: AttemptCounter,
}

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
        self.attempts.next(route, seller, number)
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
        self.attempts.clear();
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
