//! The record store: every invoice as the platform actually keeps it, keyed by
//! (seller, number), with the metadata the truth endpoint reports.
//!
//! One `std::sync::Mutex` guards the map; it is held only for the map operation
//! itself (never across an `.await`), and hashing happens outside it. Each record
//! gets a write sequence number once, at insertion, and keeps it: paging by that
//! sequence can therefore never skip or repeat a record.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tax_api::hash::same_content;
use tax_api::{Integrity, Invoice, StoredInvoice, TruthRecord, TruthSnapshot};

use crate::clock::stamp;

/// One stored record. Compact: the parsed invoice as stored, never the raw body.
#[derive(Debug, Clone)]
pub struct Record {
    /// Write sequence, assigned once at insertion; orders queries and the truth.
    pub seq: u64,
    /// The seller that uploaded it.
    pub seller_tax_id: String,
    /// The invoice number.
    pub number: String,
    /// What is stored now; `None` once a migration lost it.
    pub stored: Option<Invoice>,
    /// `content_hash` of `stored`, kept so reads need not rehash.
    pub stored_hash: Option<String>,
    /// `content_hash` of what the client sent.
    pub sent_hash: String,
    /// Lines the client sent.
    pub sent_line_count: usize,
    /// The platform's reference for the (first) copy.
    pub platform_ref: String,
    /// When the upload arrived.
    pub received_at: DateTime<Utc>,
    /// When it was persisted.
    pub persisted_at: DateTime<Utc>,
    /// Reads treat the record as absent before this run time (async processing,
    /// visibility lag). `Duration::ZERO`: visible at once.
    pub visible_from: Duration,
    /// Its fate, as the truth endpoint reports it.
    pub integrity: Integrity,
    /// The fault rule or migration that damaged it.
    pub cause: Option<String>,
    /// Copies held (2+ when a fault duplicated it).
    pub copies: u32,
    /// Whether a checkpoint covers it (durable across a maintenance migration).
    pub checkpointed: bool,
    /// `issued_at` of the stored copy in Unix milliseconds, for period queries.
    issued_at_ms: Option<i64>,
}

impl Record {
    /// Whether reads at run time `now` see it.
    pub fn visible(&self, now: Duration) -> bool {
        self.stored.is_some() && now >= self.visible_from
    }

    /// `issued_at` of the stored copy in Unix milliseconds, when it parses.
    pub fn issued_at_ms(&self) -> Option<i64> {
        self.issued_at_ms
    }

    /// The record as `GET /v1/invoices/{number}` shows it; `None` when nothing is stored.
    pub fn to_stored_invoice(&self) -> Option<StoredInvoice> {
        let invoice = self.stored.clone()?;
        let content_hash = self
            .stored_hash
            .clone()
            .unwrap_or_else(|| tax_api::content_hash(&invoice));
        Some(StoredInvoice {
            line_count: invoice.lines.len(),
            invoice,
            platform_ref: self.platform_ref.clone(),
            content_hash,
            received_at: stamp(self.received_at),
            persisted_at: stamp(self.persisted_at),
        })
    }

    /// The record as `GET /_chaos/truth` shows it.
    pub fn to_truth(&self) -> TruthRecord {
        TruthRecord {
            seller_tax_id: self.seller_tax_id.clone(),
            number: self.number.clone(),
            platform_ref: self.platform_ref.clone(),
            integrity: self.integrity,
            sent_hash: self.sent_hash.clone(),
            stored_hash: self.stored_hash.clone(),
            sent_line_count: self.sent_line_count,
            stored_line_count: self.stored.as_ref().map_or(0, |i| i.lines.len()),
            copies: if self.stored.is_some() {
                self.copies
            } else {
                0
            },
            cause: self.cause.clone(),
            persisted_at: stamp(self.persisted_at),
            checkpointed: self.checkpointed,
            stored: self.stored.clone(),
        }
    }
}

fn parse_ms(issued_at: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(issued_at)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// What the upload's store phase keeps of the incoming invoice.
#[derive(Debug, Clone)]
#[allow(dead_code)] // Seam for the fault engine; nothing in the plain platform needs it yet.
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
    /// `content_hash` of the incoming invoice (computed outside the lock).
    pub sent_hash: String,
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

#[derive(Debug, Default)]
struct SellerRecords {
    by_number: HashMap<String, u64>,
    by_seq: BTreeMap<u64, Record>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Last sequence handed out; 0 means none yet.
    last_seq: u64,
    sellers: HashMap<String, SellerRecords>,
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
    /// compares contents and writes nothing; otherwise mints a reference and keeps
    /// what `write.keep` says. Check and insert happen under one lock, so two
    /// concurrent uploads of one number never both store.
    pub fn upload(&self, incoming: Invoice, write: Write) -> UploadOutcome {
        let mut inner = self.lock();
        let seller = incoming.seller_tax_id.clone();
        if let Some(existing) = inner.sellers.get(&seller).and_then(|s| {
            let seq = s.by_number.get(&incoming.number)?;
            s.by_seq.get(seq).filter(|r| r.stored.is_some())
        }) {
            return UploadOutcome::Existing {
                platform_ref: existing.platform_ref.clone(),
                received_at: existing.received_at,
                same_content: existing
                    .stored
                    .as_ref()
                    .is_some_and(|s| same_content(s, &incoming)),
            };
        }
        inner.last_seq += 1;
        let seq = inner.last_seq;
        let platform_ref = format!("PLT-{seq:010}");
        let sent_line_count = incoming.lines.len();
        let (stored, stored_hash, integrity, cause) = match write.keep {
            Keep::Nothing => {
                return UploadOutcome::Stored {
                    platform_ref,
                    received_at: write.received_at,
                    kept: false,
                }
            }
            Keep::Intact => (incoming, write.sent_hash.clone(), Integrity::Intact, None),
            Keep::Damaged {
                copy,
                integrity,
                cause,
            } => {
                let hash = tax_api::content_hash(&copy);
                (*copy, hash, integrity, Some(cause))
            }
        };
        let record = Record {
            seq,
            seller_tax_id: seller.clone(),
            number: stored.number.clone(),
            issued_at_ms: parse_ms(&stored.issued_at),
            stored: Some(stored),
            stored_hash: Some(stored_hash),
            sent_hash: write.sent_hash,
            sent_line_count,
            platform_ref: platform_ref.clone(),
            received_at: write.received_at,
            persisted_at: write.persisted_at,
            visible_from: write.visible_from,
            integrity,
            cause,
            copies: write.copies,
            checkpointed: false,
        };
        let shard = inner.sellers.entry(seller).or_default();
        if let Some(old) = shard.by_number.insert(record.number.clone(), seq) {
            // A record lost in migration is replaced by the new upload.
            shard.by_seq.remove(&old);
        }
        shard.by_seq.insert(seq, record);
        UploadOutcome::Stored {
            platform_ref,
            received_at: write.received_at,
            kept: true,
        }
    }

    /// A copy of the record a reader at run time `now` sees, if any. `seller`
    /// `None` (no tokens configured) searches every seller, oldest record first.
    pub fn get_visible(&self, seller: Option<&str>, number: &str, now: Duration) -> Option<Record> {
        let inner = self.lock();
        let find = |s: &SellerRecords| {
            let seq = s.by_number.get(number)?;
            s.by_seq.get(seq).filter(|r| r.visible(now)).cloned()
        };
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
    /// `now` and pass `filter`, in write order, at most `limit` of them.
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
        let mut matching = shard
            .by_seq
            .range(after + 1..=high_water_mark)
            .map(|(_, r)| r)
            .filter(|r| r.visible(now) && filter(r));
        let records: Vec<Record> = matching.by_ref().take(limit).cloned().collect();
        let has_more = matching.next().is_some();
        Scan { records, has_more }
    }

    #[allow(dead_code)] // Seam for the fault engine; nothing in the plain platform needs it yet.
    /// Changes one record in place (for faults that act after storing). The write
    /// sequence must not be changed. Returns `None` when there is no such record.
    pub fn update<R>(
        &self,
        seller: &str,
        number: &str,
        change: impl FnOnce(&mut Record) -> R,
    ) -> Option<R> {
        let mut inner = self.lock();
        let shard = inner.sellers.get_mut(seller)?;
        let seq = *shard.by_number.get(number)?;
        shard.by_seq.get_mut(&seq).map(change)
    }

    #[allow(dead_code)] // Seam for the fault engine; nothing in the plain platform needs it yet.
    /// Changes every record in place, in write order (for maintenance migrations).
    pub fn update_all(&self, mut change: impl FnMut(&mut Record)) {
        let mut inner = self.lock();
        let mut all: Vec<&mut Record> = inner
            .sellers
            .values_mut()
            .flat_map(|s| s.by_seq.values_mut())
            .collect();
        all.sort_by_key(|r| r.seq);
        for record in all {
            change(record);
        }
    }

    /// Every record ever stored, in write order, as the truth endpoint reports it.
    pub fn truth(&self, seed: u64) -> TruthSnapshot {
        let mut records: Vec<Record> = {
            let inner = self.lock();
            inner
                .sellers
                .values()
                .flat_map(|s| s.by_seq.values().cloned())
                .collect()
        };
        records.sort_by_key(|r| r.seq);
        TruthSnapshot {
            seed,
            records: records.iter().map(Record::to_truth).collect(),
        }
    }

    /// Forgets everything, sequence included.
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }
}
