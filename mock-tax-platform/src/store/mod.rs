//! The record store: every invoice as the platform actually keeps it, keyed by
//! (seller, number), with the metadata the truth endpoint reports.
//!
//! One `std::sync::Mutex` guards the map; it is held only for the map operation
//! itself (never across an `.await`). Each record gets a write sequence number
//! once, at insertion, and keeps it: paging by that sequence can therefore never
//! skip or repeat a record. Each seller's records sit in a
//! [`Chunked`](chunked::Chunked) list in sequence order with an index by number,
//! so an upload is two cheap inserts and a page is a binary search plus a walk.
//!
//! The store keeps every upload of a run, so records are compact: the invoice
//! packed into one byte string ([`PackedInvoice`](packed::PackedInvoice)), the
//! seller shared, the reference kept as its number, the index holding positions
//! rather than keys.
//!
//! Hashes are computed when read, not on upload: an intact record's `sent_hash`
//! is the hash of what is stored. Anything that changes a record goes through
//! [`Store::update`] or [`Store::update_all`], which pin `sent_hash` first.
//!
//! Here: the [`Store`], its reads and in-place changes. Beside it: `upload` (the
//! store phase of an upload: check, then insert), `record` (one [`Record`]),
//! `seller` (one seller's records), `index` (their index by number), `truth` (the
//! truth read page by page), `packed`, `chunked` and `fasthash` (the compact
//! layouts), `journal` and `submissions`.

use std::sync::Mutex;
use std::time::Duration;

use crate::store::fasthash::FxHashMap;
use seller::SellerRecords;

pub mod chunked;
pub mod fasthash;
mod index;
pub mod journal;
pub mod packed;
mod record;
mod seller;
pub mod submissions;
mod truth;
mod upload;

pub use record::Record;
pub use truth::TruthFilter;
pub use upload::{Keep, UploadOutcome, Write};

#[derive(Debug, Default)]
struct Inner {
    /// Last sequence handed out; 0 means none yet.
    last_seq: u64,
    sellers: FxHashMap<Box<str>, SellerRecords>,
}

/// The store. See the module docs for its locking and ordering guarantees.
#[derive(Debug, Default)]
pub struct Store {
    inner: Mutex<Inner>,
}

/// One page of a sequence-ordered scan.
#[derive(Debug)]
pub struct Scan {
    /// Matching records, in write order.
    pub records: Vec<Record>,
    /// Whether more matching records exist up to the high-water mark.
    pub has_more: bool,
}

impl Store {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The last write sequence handed out: the high-water mark of a new paging run.
    pub fn high_water_mark(&self) -> u64 {
        self.lock().last_seq
    }

    /// Whether a record of `seller` holds something under `number` now (lost
    /// records do not), whatever its visibility. Reads only: unlike
    /// [`Store::update`] it pins nothing.
    pub fn holds(&self, seller: &str, number: &str) -> bool {
        self.lock()
            .sellers
            .get(seller)
            .and_then(|s| s.get(number))
            .is_some_and(Record::has_stored)
    }

    /// A copy of the record a reader at run time `now` sees, if any. `seller`
    /// `None` (no tokens configured) searches every seller, oldest record first.
    pub fn get_visible(&self, seller: Option<&str>, number: &str, now: Duration) -> Option<Record> {
        let inner = self.lock();
        let find = |s: &SellerRecords| s.get(number).filter(|r| r.visible(now)).cloned();
        match seller {
            Some(seller) => inner.sellers.get(seller).and_then(find),
            None => inner
                .sellers
                .values()
                .filter_map(find)
                .min_by_key(|r| r.seq),
        }
    }

    /// Records of `seller` with `after < seq <= high_water_mark` that are visible at
    /// `now` and pass `filter`, in write order: as many as list at most `limit`
    /// items, a record counting once per copy it holds. A page always gets at least
    /// one record (the cursor cannot split one), so only a record with more copies
    /// than `limit` makes a page longer than `limit`.
    pub fn scan(
        &self,
        seller: &str,
        after: u64,
        high_water_mark: u64,
        limit: usize,
        now: Duration,
        filter: impl Fn(&Record) -> bool,
    ) -> Scan {
        let inner = self.lock();
        let Some(shard) = inner.sellers.get(seller) else {
            return Scan {
                records: Vec::new(),
                has_more: false,
            };
        };
        if after >= high_water_mark {
            return Scan {
                records: Vec::new(),
                has_more: false,
            };
        }
        let start = shard.records.partition_point(|r| r.seq <= after);
        let matching = shard
            .records
            .iter_from(start)
            .take_while(|r| r.seq <= high_water_mark)
            .filter(|r| r.visible(now) && filter(r));
        let mut records = Vec::new();
        let mut items = 0usize;
        let mut has_more = false;
        for record in matching {
            let copies = record.copies.max(1) as usize;
            if items >= limit || (!records.is_empty() && items + copies > limit) {
                has_more = true;
                break;
            }
            items += copies;
            records.push(record.clone());
        }
        Scan { records, has_more }
    }

    /// Changes one record in place (for faults that act after storing). The write
    /// sequence must not be changed. Returns `None` when there is no such record.
    pub fn update<R>(
        &self,
        seller: &str,
        number: &str,
        change: impl FnOnce(&mut Record) -> R,
    ) -> Option<R> {
        let mut inner = self.lock();
        let record = inner.sellers.get_mut(seller)?.get_mut(number)?;
        record.pin_sent_hash();
        Some(change(record))
    }

    /// Changes every record in place, in write order, with the seller that holds
    /// it (for maintenance migrations). Pins every record's `sent_hash` first, so it
    /// is slow on a big store: fine for a migration, not for a per-request path.
    pub fn update_all(&self, mut change: impl FnMut(&str, &mut Record)) {
        let mut inner = self.lock();
        let mut all: Vec<(&str, &mut Record)> = inner
            .sellers
            .values_mut()
            .flat_map(|s| {
                let seller = &*s.seller;
                s.records.iter_mut().map(move |r| (seller, r))
            })
            .collect();
        all.sort_by_key(|(_, r)| r.seq);
        for (seller, record) in all {
            record.pin_sent_hash();
            change(seller, record);
        }
    }

    /// Every record ever stored, in write order, in one snapshot: for tests only,
    /// since the truth endpoint streams it page by page ([`Store::truth_page`]).
    #[cfg(test)]
    pub fn truth(&self, seed: u64) -> tax_api::TruthSnapshot {
        let page = self.truth_page(
            0,
            self.high_water_mark(),
            &TruthFilter::default(),
            usize::MAX,
        );
        tax_api::TruthSnapshot {
            seed,
            records: page.records,
        }
    }

    /// Forgets everything, sequence included.
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use tax_api::{Integrity, Invoice};

    pub(super) fn invoice(seller: &str, number: &str) -> Invoice {
        Invoice {
            number: number.to_owned(),
            request_serial: format!("s-{number}"),
            seller_tax_id: seller.to_owned(),
            ..Invoice::example()
        }
    }

    pub(super) fn write(keep: Keep) -> Write {
        let now = Utc::now();
        Write {
            keep,
            received_at: now,
            persisted_at: now,
            visible_from: Duration::ZERO,
            copies: 1,
        }
    }

    #[test]
    fn every_number_is_found_again_after_the_index_has_grown_many_times() {
        let store = Store::default();
        let numbers: Vec<String> = (0..5000).map(|i| format!("B00000000{i:09}")).collect();
        let mut refs = Vec::new();
        for number in &numbers {
            match store.upload(&invoice("S", number), write(Keep::Intact)) {
                UploadOutcome::Stored { platform_ref, .. } => refs.push(platform_ref),
                other => panic!("{number}: {other:?}"),
            }
        }
        for (number, stored_ref) in numbers.iter().zip(&refs) {
            assert!(store.holds("S", number), "{number} not found");
            match store.upload(&invoice("S", number), write(Keep::Intact)) {
                UploadOutcome::Existing {
                    platform_ref,
                    same_content: true,
                    ..
                } => assert_eq!(&platform_ref, stored_ref),
                other => panic!("{number}: {other:?}"),
            }
        }
        assert!(!store.holds("S", "B000000000000005000"));
        assert!(!store.holds("T", &numbers[0]));
    }

    #[test]
    fn a_scan_bounded_by_the_high_water_mark_ignores_later_writes() {
        let store = Store::default();
        for i in 0..10 {
            store.upload(&invoice("S", &format!("N{i}")), write(Keep::Intact));
        }
        let mark = store.high_water_mark();
        let first = store.scan("S", 0, mark, 4, Duration::ZERO, |_| true);
        store.upload(&invoice("S", "LATE"), write(Keep::Intact));
        let after = first.records.last().unwrap().seq;
        let rest = store.scan("S", after, mark, 100, Duration::ZERO, |_| true);
        let numbers: Vec<&str> = first
            .records
            .iter()
            .chain(&rest.records)
            .map(|r| &*r.number)
            .collect();
        assert!(first.has_more);
        assert!(!rest.has_more);
        assert_eq!(numbers.len(), 10);
        assert!(!numbers.contains(&"LATE"));
    }

    #[test]
    fn a_scan_page_counts_each_copy_of_a_duplicated_record() {
        let store = Store::default();
        for i in 0..5 {
            let copies = if i % 2 == 0 { 2 } else { 1 };
            let write = Write {
                copies,
                ..write(Keep::Intact)
            };
            store.upload(&invoice("S", &format!("N{i}")), write);
        }
        let mark = store.high_water_mark();
        // Copies 2, 1, 2, 1, 2: pages of at most 3 items.
        let mut pages = Vec::new();
        let mut after = 0;
        loop {
            let page = store.scan("S", after, mark, 3, Duration::ZERO, |_| true);
            let numbers: Vec<String> = page.records.iter().map(|r| r.number.to_string()).collect();
            after = page.records.last().map_or(after, |r| r.seq);
            pages.push(numbers);
            if !page.has_more {
                break;
            }
        }
        assert_eq!(pages, [vec!["N0", "N1"], vec!["N2", "N3"], vec!["N4"]]);
        // A record with more copies than the page holds still gets a page of its own.
        let one = store.scan("S", 0, mark, 1, Duration::ZERO, |_| true);
        assert_eq!(one.records.len(), 1);
        assert!(one.has_more);
    }

    #[test]
    fn a_damaged_record_keeps_the_hash_of_what_was_sent() {
        let store = Store::default();
        let sent = invoice("S", "N1");
        let mut copy = sent.clone();
        copy.lines.clear();
        let keep = Keep::Damaged {
            copy: Box::new(copy),
            integrity: Integrity::Partial,
            cause: "rule-1".to_owned(),
        };
        store.upload(&sent, write(keep));
        let truth = store.truth(0).records.remove(0);
        assert_eq!(truth.sent_hash, tax_api::content_hash(&sent));
        assert_ne!(truth.stored_hash.as_deref(), Some(truth.sent_hash.as_str()));
        assert_eq!((truth.sent_line_count, truth.stored_line_count), (1, 0));
        assert_eq!(truth.integrity, Integrity::Partial);
    }

    #[test]
    fn update_pins_the_sent_hash_before_a_record_is_lost() {
        let store = Store::default();
        let sent = invoice("S", "N1");
        store.upload(&sent, write(Keep::Intact));
        store.update("S", "N1", |r| {
            r.stored = None;
            r.integrity = Integrity::LostInMigration;
        });
        let truth = store.truth(0).records.remove(0);
        assert_eq!(truth.sent_hash, tax_api::content_hash(&sent));
        assert_eq!((truth.stored_hash, truth.copies), (None, 0));
        assert!(store.get_visible(Some("S"), "N1", Duration::ZERO).is_none());
    }

    #[test]
    fn a_lost_record_is_replaced_by_a_new_upload_of_its_number() {
        let store = Store::default();
        store.upload(&invoice("S", "N1"), write(Keep::Intact));
        store.update("S", "N1", |r| r.stored = None);
        let outcome = store.upload(&invoice("S", "N1"), write(Keep::Intact));
        assert!(matches!(outcome, UploadOutcome::Stored { kept: true, .. }));
        assert_eq!(store.truth(0).records.len(), 1);
        assert!(store.get_visible(Some("S"), "N1", Duration::ZERO).is_some());
    }

    #[test]
    fn keeping_nothing_mints_a_ref_but_stores_no_record() {
        let store = Store::default();
        let outcome = store.upload(&invoice("S", "N1"), write(Keep::Nothing));
        assert!(matches!(outcome, UploadOutcome::Stored { kept: false, .. }));
        assert!(store.truth(0).records.is_empty());
    }

    #[test]
    fn a_record_is_invisible_before_its_visible_from_time() {
        let store = Store::default();
        let mut w = write(Keep::Intact);
        w.visible_from = Duration::from_secs(5);
        store.upload(&invoice("S", "N1"), w);
        assert!(store
            .get_visible(None, "N1", Duration::from_secs(4))
            .is_none());
        assert!(store
            .get_visible(None, "N1", Duration::from_secs(5))
            .is_some());
    }
}
