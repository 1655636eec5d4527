//! The index by number of one seller's records: positions found by hashing the
//! number, each entry a position and half the number's hash, so no number is
//! stored twice and growing the index never reads a record.
//!
//! Measured by `cargo bench -p mock-tax-platform --bench store_layouts` against a
//! map keyed by the number (`FxHashMap<Box<str>, u32>`), a million numbers of one
//! seller: 18.9 bytes per entry instead of 69.4 (3.7× less, counted from
//! capacities), inserting 2.4–3.1× faster, finding as fast or a little faster
//! (1.0–1.2×; ranges over two runs).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::store::fasthash::spread;

/// Positions of numbers in a list the caller keeps (the seller's records).
#[derive(Debug, Default)]
pub(crate) struct NumberIndex {
    slots: HashTable<Slot>,
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

/// The half of a number's hash that its index entry keeps.
fn hash_number(number: &str) -> u32 {
    // The low half: Fx mixes every byte into it (see `fasthash`'s tests).
    FxBuildHasher.hash_one(number) as u32
}

impl NumberIndex {
    /// The position of `number`; `holds(i)` says whether position `i` holds it
    /// (asked only when the hash halves match).
    pub(crate) fn find(&self, number: &str, holds: impl Fn(usize) -> bool) -> Option<usize> {
        let hash = hash_number(number);
        self.slots
            .find(spread(hash), |slot| {
                slot.hash == hash && holds(slot.index as usize)
            })
            .map(|slot| slot.index as usize)
    }

    /// Records that position `index` holds `number`, which the index does not hold yet.
    pub(crate) fn insert(&mut self, number: &str, index: usize) {
        let hash = hash_number(number);
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        self.slots
            .insert_unique(spread(hash), Slot { hash, index }, |slot| spread(slot.hash));
    }

    /// Entries the table has room for (what its memory scales with).
    #[allow(dead_code)] // Read by `benches/store_layouts.rs`, which counts bytes per entry.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_number_again_and_no_other() {
        let numbers: Vec<String> = (0..3000).map(|i| format!("B{i:018}")).collect();
        let mut index = NumberIndex::default();
        for (i, number) in numbers.iter().enumerate() {
            index.insert(number, i);
        }
        for (i, number) in numbers.iter().enumerate() {
            assert_eq!(index.find(number, |at| numbers[at] == *number), Some(i));
        }
        let absent = "B999999999999999999";
        assert_eq!(index.find(absent, |at| numbers[at] == absent), None);
    }
}
