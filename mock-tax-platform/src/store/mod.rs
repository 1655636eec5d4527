//! The record store: every invoice as the platform actually keeps it, keyed by
//! (seller, number), with the metadata the truth endpoint reports.
//!
//! One `std::sync::Mutex` guards the map; it is held only for the map operation
//! itself (never across an `.await`). Each record gets a write sequence number
//! once, at insertion, and keeps it: paging by that sequence can therefore never
//! skip or repeat a record. Each seller's records sit in a [`Chunked`] list in
//! sequence order with an index by number, so an upload is two cheap inserts and a
//! page is a binary search plus a walk.
//!
//! The store keeps every upload of a run, so records are compact: the invoice
//! packed into one byte string ([`PackedInvoice`]), the seller shared, the
//! reference kept as its number, the index holding positions rather than keys.
//!
//! Hashes are computed when read, not on upload: an intact record's `sent_hash`
//! is the hash of what is stored. Anything that changes a record goes through
//! [`Store::update`] or [`Store::update_all`], which pin `sent_hash` first.

use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;
use tax_api::hash::same_content;
use tax_api::{Integrity, Invoice, StoredInvoice, TruthRecord};

use crate::clock::stamp;
use crate::store::chunked::Chunked;
use crate::store::fasthash::{spread, FxHashMap};
use crate::store::packed::PackedInvoice;

pub mod chunked;
pub mod fasthash;
pub mod journal;
pub mod packed;
pub mod submissions;
mod truth;

pub use truth::TruthFilter;

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
    stored: Option<PackedInvoice>,
    /// What only a damaged record has; most records have none of it.
    marks: Option<Box<Marks>>,
    /// The number in the platform's reference for the (first) copy.
    ref_no: u64,
    /// When the upload arrived.
    pub received_at: DateTime<Utc>,
    /// When it was persisted.
    pub persisted_at: DateTime<Utc>,
    /// [`Record::visible_from`] in nanoseconds of run time.
    visible_from_nanos: u64,
    /// `issued_at` of the stored copy in Unix milliseconds, for period queries;
    /// [`NO_TIME`] when it does not parse.
    issued_at_ms: i64,
    /// Lines the client sent.
    sent_line_count: u32,
    /// Copies held (2+ when a fault duplicated it).
    pub copies: u32,
    /// Its fate, as the truth endpoint reports it.
    pub integrity: Integrity,
    /// Whether a checkpoint covers it (durable across a maintenance migration).
    pub checkpointed: bool,
}

/// The texts a fault or a migration leaves on a record.
#[derive(Debug, Clone, Default)]
struct Marks {
    /// `content_hash` of what the client sent; `None` while `stored` is exactly
    /// what was sent (then it is the hash of `stored`, computed when read).
    sent_hash: Option<Box<str>>,
    /// The fault rule or migration that damaged it.
    cause: Option<Box<str>>,
}

/// `issued_at_ms` of a record whose `issued_at` does not parse. No RFC 3339 time
/// chrono parses is this far back.
const NO_TIME: i64 = i64::MIN;

fn nanos(d: Duration) -> u64 {
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
fn platform_ref(n: u64) -> String {
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
fn pack(invoice: &Invoice) -> (PackedInvoice, i64) {
    let issued_at_ms =
        DateTime::parse_from_rfc3339(&invoice.issued_at).map_or(NO_TIME, |t| t.timestamp_millis());
    (PackedInvoice::pack(invoice), issued_at_ms)
}

/// What the upload's store phase keeps of the incoming invoice.
#[derive(Debug, Clone)]
pub enum Keep {
    /// The invoice exactly as sent.
    Intact,
    /// A damaged copy instead (a fault's doing), with its integrity and cause.
    Damaged {
        /// What is kept.
        copy: Box<Invoice>,
        /// `partial` or `corrupted`.
        integrity: Integrity,
        /// The rule responsible.
        cause: String,
    },
    /// Nothing, although a reference is minted (the client may still be told success).
    Nothing,
}

/// Everything the store phase needs besides the invoice itself.
#[derive(Debug, Clone)]
pub struct Write {
    /// What to keep.
    pub keep: Keep,
    /// Arrival time.
    pub received_at: DateTime<Utc>,
    /// Persist time.
    pub persisted_at: DateTime<Utc>,
    /// Run time from which reads see the record.
    pub visible_from: Duration,
    /// Copies to hold (1 normally).
    pub copies: u32,
}

/// What happened to an upload in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadOutcome {
    /// No live record held the number; a reference was minted and `kept` says
    /// whether anything was written.
    Stored {
        /// The new reference.
        platform_ref: String,
        /// When the record was received (as stamped).
        received_at: DateTime<Utc>,
        /// Whether a record was written (false for [`Keep::Nothing`]).
        kept: bool,
    },
    /// A live record already holds the number.
    Existing {
        /// Its reference.
        platform_ref: String,
        /// When it was received.
        received_at: DateTime<Utc>,
        /// Whether the incoming content equals what is stored (idempotent re-upload).
        same_content: bool,
    },
}

/// The half of a number's hash that its index entry keeps.
fn hash_number(number: &str) -> u32 {
    // The low half: Fx mixes every byte into it (see `fasthash`'s tests).
    FxBuildHasher.hash_one(number) as u32
}

/// An index entry: a record's position and half its number's hash. Growing the
/// index rehashes from the entries alone instead of reading every record's number
/// (two cache misses each, a visible part of an upload's cost while the store
/// grew), and a probe compares numbers only when the halves match.
#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u32,
    /// Position in the seller's records; a seller would need terabytes of records
    /// to pass `u32::MAX`.
    index: u32,
}

#[derive(Debug)]
struct SellerRecords {
    /// The seller. Its records do not repeat it: a count bumped per upload on one
    /// `Arc` was a cache line both worker threads wrote to.
    seller: Arc<str>,
    /// Positions in `records`, found by hashing the number: no key is stored twice.
    by_number: HashTable<Slot>,
    /// In write-sequence order (appended under the lock, so always sorted).
    records: Chunked<Record>,
}

impl SellerRecords {
    fn new(seller: &str) -> Self {
        SellerRecords {
            seller: Arc::from(seller),
            by_number: HashTable::new(),
            records: Chunked::default(),
        }
    }

    fn position(&self, number: &str) -> Option<usize> {
        let records = &self.records;
        let hash = hash_number(number);
        self.by_number
            .find(spread(hash), |slot| {
                slot.hash == hash
                    && records
                        .get(slot.index as usize)
                        .is_some_and(|r| &*r.number == number)
            })
            .map(|slot| slot.index as usize)
    }

    fn get(&self, number: &str) -> Option<&Record> {
        self.records.get(self.position(number)?)
    }

    /// Puts `record` at index `replace` (a record a migration lost), or appends it.
    fn place(&mut self, replace: Option<usize>, record: Record) {
        match replace.and_then(|i| self.records.get_mut(i)) {
            Some(slot) => *slot = record,
            None => {
                let hash = hash_number(&record.number);
                let index = u32::try_from(self.records.push(record)).unwrap_or(u32::MAX);
                self.by_number
                    .insert_unique(spread(hash), Slot { hash, index }, |slot| spread(slot.hash));
            }
        }
    }

    fn get_mut(&mut self, number: &str) -> Option<&mut Record> {
        let i = self.position(number)?;
        self.records.get_mut(i)
    }
}

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

    /// The store phase of an upload: if a live record holds `(seller, number)`,
    /// compares contents (`tax_api::hash::same_content` against what is stored, so
    /// a damaged record makes a faithful retry a `DUPLICATE`) and writes nothing;
    /// otherwise mints a reference and keeps what `write.keep` says. Check and insert
    /// happen under one lock, so two concurrent uploads of one number never both
    /// store. A record a migration lost is replaced in place (keeping its sequence).
    pub fn upload(&self, incoming: &Invoice, write: Write) -> UploadOutcome {
        // Hash a damaged record's original outside the lock.
        let damaged_sent_hash = match &write.keep {
            Keep::Damaged { .. } => Some(tax_api::content_hash(incoming).into_boxed_str()),
            Keep::Intact | Keep::Nothing => None,
        };
        // A body limit far below 4 GiB keeps the count within u32.
        let sent_line_count = u32::try_from(incoming.lines.len()).unwrap_or(u32::MAX);
        // Pack what will be kept (and read its issue time) before taking the lock.
        let (kept, integrity, cause) = match write.keep {
            Keep::Nothing => (None, Integrity::Intact, None),
            Keep::Intact => (Some(pack(incoming)), Integrity::Intact, None),
            Keep::Damaged {
                copy,
                integrity,
                cause,
            } => (Some(pack(&copy)), integrity, Some(cause.into_boxed_str())),
        };
        let (seller, number) = (incoming.seller_tax_id.as_str(), incoming.number.as_str());
        let mut guard = self.lock();
        let inner = &mut *guard;
        let shard = match inner.sellers.get_mut(seller) {
            Some(shard) => shard,
            // Looked up by reference first: `entry` needs an owned key, an
            // allocation per upload although the seller is almost always known.
            None => inner
                .sellers
                .entry(Box::from(seller))
                .or_insert_with(|| SellerRecords::new(seller)),
        };
        let mut replace = None;
        if let Some(i) = shard.position(number) {
            if let Some(existing) = shard.records.get(i) {
                match existing.stored() {
                    Some(held) => {
                        return UploadOutcome::Existing {
                            platform_ref: existing.platform_ref(),
                            received_at: existing.received_at,
                            same_content: same_content(&held, incoming),
                        }
                    }
                    None => replace = Some((i, existing.seq)),
                }
            }
        }
        inner.last_seq += 1;
        let ref_no = inner.last_seq;
        let seq = replace.map_or(ref_no, |(_, seq)| seq);
        let Some((packed, issued_at_ms)) = kept else {
            return UploadOutcome::Stored {
                platform_ref: platform_ref(ref_no),
                received_at: write.received_at,
                kept: false,
            };
        };
        let marks = (damaged_sent_hash.is_some() || cause.is_some()).then(|| {
            Box::new(Marks {
                sent_hash: damaged_sent_hash,
                cause,
            })
        });
        let record = Record {
            seq,
            number: Box::from(number),
            stored: Some(packed),
            marks,
            ref_no,
            received_at: write.received_at,
            persisted_at: write.persisted_at,
            visible_from_nanos: nanos(write.visible_from),
            issued_at_ms,
            sent_line_count,
            copies: write.copies,
            integrity,
            checkpointed: false,
        };
        shard.place(replace.map(|(i, _)| i), record);
        UploadOutcome::Stored {
            platform_ref: platform_ref(ref_no),
            received_at: write.received_at,
            kept: true,
        }
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

    #[test]
    fn platform_refs_are_the_sequence_zero_padded_to_ten_digits() {
        for n in [0, 1, 42, 9_999_999_999, 10_000_000_000, u64::MAX] {
            assert_eq!(platform_ref(n), format!("PLT-{n:010}"));
        }
    }
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
    fn a_record_stays_within_120_bytes() {
        assert!(
            std::mem::size_of::<Record>() <= 120,
            "{} bytes",
            std::mem::size_of::<Record>()
        );
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
