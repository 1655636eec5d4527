//! One seller's records: in write order in a [`Chunked`] list, found by number
//! through a [`NumberIndex`] that keeps positions rather than keys.

use std::sync::Arc;

use crate::store::chunked::Chunked;
use crate::store::index::NumberIndex;
use crate::store::record::Record;

#[derive(Debug)]
pub(super) struct SellerRecords {
    /// The seller. Its records do not repeat it: a count bumped per upload on one
    /// `Arc` was a cache line both worker threads wrote to.
    pub(super) seller: Arc<str>,
    /// Positions in `records`, found by hashing the number: no key is stored twice.
    by_number: NumberIndex,
    /// In write-sequence order (appended under the lock, so always sorted).
    pub(super) records: Chunked<Record>,
}

impl SellerRecords {
    pub(super) fn new(seller: &str) -> Self {
        SellerRecords {
            seller: Arc::from(seller),
            by_number: NumberIndex::default(),
            records: Chunked::default(),
        }
    }

    pub(super) fn position(&self, number: &str) -> Option<usize> {
        let records = &self.records;
        self.by_number.find(number, |i| {
            records.get(i).is_some_and(|r| &*r.number == number)
        })
    }

    pub(super) fn get(&self, number: &str) -> Option<&Record> {
        self.records.get(self.position(number)?)
    }

    /// Puts `record` at index `replace` (a record a migration lost), or appends it.
    pub(super) fn place(&mut self, replace: Option<usize>, record: Record) {
        match replace.and_then(|i| self.records.get_mut(i)) {
            Some(slot) => *slot = record,
            None => {
                let index = self.records.push(record);
                if let Some(record) = self.records.get(index) {
                    self.by_number.insert(&record.number, index);
                }
            }
        }
    }

    pub(super) fn get_mut(&mut self, number: &str) -> Option<&mut Record> {
        let i = self.position(number)?;
        self.records.get_mut(i)
    }
}
