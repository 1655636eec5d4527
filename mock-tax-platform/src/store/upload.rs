//! The store phase of an upload: what to keep ([`Write`], [`Keep`]), the one
//! check-and-insert ([`Store::upload`]) and what came of it ([`UploadOutcome`]).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tax_api::hash::same_content;
use tax_api::{Integrity, Invoice};

use crate::store::record::{nanos, pack, platform_ref, Marks, Record};
use crate::store::seller::SellerRecords;
use crate::store::Store;

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

impl Store {
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
}
