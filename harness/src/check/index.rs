//! One hash index over invoice numbers for the join: for each number, its truth
//! records, its ledger entries and whether a subject already claimed it.
//!
//! Keys are 64-bit hashes of the number, so probing never dereferences a key string
//! (a cache miss per probe on a million-entry table); the records and entries
//! behind a key are chained and compared by number, so hash collisions only cost time.

use std::hash::Hasher;

use tax_api::{LedgerEntry, TruthRecord};

use super::fxhash::{map_with_capacity, FxHashMap, FxHasher};

const NONE: u32 = u32::MAX;

fn index(i: u32) -> Option<usize> {
    (i != NONE).then_some(i as usize)
}

fn to_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NONE)
}

/// Hash of an invoice number, with a final mix so every bit depends on every byte.
pub(super) fn key(number: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(number.as_bytes());
    let mut k = h.finish() ^ number.len() as u64;
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

#[derive(Clone, Copy)]
struct Slot {
    /// Latest truth record under this key; earlier ones chain through `truth_next`.
    truth: u32,
    /// Latest ledger entry under this key; earlier ones chain through `ledger_next`.
    ledger: u32,
    /// The first subject judged under this key, by the caller's numbering.
    seen: u32,
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            truth: NONE,
            ledger: NONE,
            seen: NONE,
        }
    }
}

/// What one subject's key led to in the table, before comparing numbers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Probe {
    truth: u32,
    ledger: u32,
    seen_before: u32,
}

/// Where one number's truth record and ledger entry are, once looked up.
#[derive(Debug, Clone, Copy)]
pub(super) struct Found {
    /// The subject first judged under this number's key, if another was.
    pub seen_before: Option<usize>,
    /// Index of the earliest matching truth record.
    pub truth: Option<usize>,
    /// Index of the first ledger entry with this number.
    pub ledger: Option<usize>,
    /// How many later ledger entries list the number again.
    pub ledger_repeats: u32,
    /// Whether those entries disagree on the status.
    pub ledger_contradicts: bool,
}

/// The ledger entries listing one number: the first, how many more, and whether
/// their statuses differ. Found in the same walk that finds the first.
struct Entries {
    first: Option<usize>,
    repeats: u32,
    contradicts: bool,
}

pub(super) struct NumberIndex<'a> {
    records: &'a [TruthRecord],
    entries: &'a [LedgerEntry],
    slots: FxHashMap<u64, Slot>,
    truth_next: Vec<u32>,
    ledger_next: Vec<u32>,
}

impl<'a> NumberIndex<'a> {
    pub(super) fn new(records: &'a [TruthRecord], entries: &'a [LedgerEntry]) -> Self {
        let mut slots: FxHashMap<u64, Slot> =
            map_with_capacity(records.len().max(entries.len()) + 16);
        // Hashing in its own pass lets the table inserts below overlap their cache misses.
        let truth_keys: Vec<u64> = records.iter().map(|r| key(&r.number)).collect();
        let ledger_keys: Vec<u64> = entries.iter().map(|e| key(&e.number)).collect();
        let mut truth_next = vec![NONE; records.len()];
        for (i, &k) in truth_keys.iter().enumerate() {
            let slot = slots.entry(k).or_default();
            truth_next[i] = slot.truth;
            slot.truth = to_u32(i);
        }
        let mut ledger_next = vec![NONE; entries.len()];
        for (i, &k) in ledger_keys.iter().enumerate() {
            let slot = slots.entry(k).or_default();
            ledger_next[i] = slot.ledger;
            slot.ledger = to_u32(i);
        }
        NumberIndex {
            records,
            entries,
            slots,
            truth_next,
            ledger_next,
        }
    }

    fn earliest_truth(&self, head: u32, seller: Option<&str>, number: &str) -> Option<usize> {
        let mut at = index(head);
        let mut found = None;
        while let Some(i) = at {
            let r = &self.records[i];
            if r.number == number && seller.map_or(true, |s| r.seller_tax_id == s) {
                found = Some(i);
            }
            at = index(self.truth_next[i]);
        }
        found
    }

    fn entries_of(&self, head: u32, number: &str) -> Entries {
        let mut at = index(head);
        let mut found = Entries {
            first: None,
            repeats: 0,
            contradicts: false,
        };
        while let Some(i) = at {
            let entry = &self.entries[i];
            if entry.number == number {
                if let Some(later) = found.first {
                    found.repeats += 1;
                    found.contradicts |= self.entries[later].status != entry.status;
                }
                found.first = Some(i);
            }
            at = index(self.ledger_next[i]);
        }
        found
    }

    /// Every ledger entry listing `number`, in ledger order.
    pub(super) fn all_entries(&self, number: &str) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = self.slots.get(&key(number)).and_then(|s| index(s.ledger));
        while let Some(i) = at {
            if self.entries[i].number == number {
                out.push(i);
            }
            at = index(self.ledger_next[i]);
        }
        out.reverse();
        out
    }

    /// Claims every subject's key in subject order (subject `id` is its position in
    /// `numbers`), recording the first subject under each key. Probing in one pass of
    /// its own lets the table's cache misses overlap; [`NumberIndex::resolve`] then
    /// follows each probe to the records.
    pub(super) fn claim_all<'n>(&mut self, numbers: impl Iterator<Item = &'n str>) -> Vec<Probe> {
        let keys: Vec<u64> = numbers.map(key).collect();
        keys.iter()
            .enumerate()
            .map(|(id, &k)| {
                let slot = self.slots.entry(k).or_default();
                let seen_before = index(slot.seen);
                if seen_before.is_none() {
                    slot.seen = to_u32(id);
                }
                Probe {
                    truth: slot.truth,
                    ledger: slot.ledger,
                    seen_before: seen_before.map_or(NONE, to_u32),
                }
            })
            .collect()
    }

    /// The records behind one subject's probe, compared by number (and seller).
    pub(super) fn resolve(&self, probe: &Probe, seller: Option<&str>, number: &str) -> Found {
        let entries = self.entries_of(probe.ledger, number);
        Found {
            seen_before: index(probe.seen_before),
            truth: self.earliest_truth(probe.truth, seller, number),
            ledger: entries.first,
            ledger_repeats: entries.repeats,
            ledger_contradicts: entries.contradicts,
        }
    }

    /// The first ledger entry listing `number`, without claiming anything.
    pub(super) fn ledger_entry(&self, number: &str) -> Option<usize> {
        let slot = self.slots.get(&key(number))?;
        self.entries_of(slot.ledger, number).first
    }
}
