//! Causal chains: for each violation, the journal entries about its invoice in time
//! order — the requests, the rule that fired on each, the responses and store effects.

use tax_api::{Integrity, JournalEntry, StoreEffect};

use super::fxhash::{map_with_capacity, FxHashMap};
use super::index::key;
use super::Violation;

/// Fills `chain` on every violation with one pass over the journal.
pub(super) fn attach(violations: &mut [Violation], journal: &[JournalEntry]) {
    if violations.is_empty() {
        return;
    }
    let mut by_number: FxHashMap<u64, Vec<usize>> = map_with_capacity(violations.len());
    for (i, v) in violations.iter().enumerate() {
        by_number.entry(key(&v.number)).or_default().push(i);
    }
    // Hashing every entry's number in its own pass lets those reads overlap.
    let keys: Vec<u64> = journal
        .iter()
        .map(|e| e.number.as_deref().map_or(0, key))
        .collect();
    let mut chains: Vec<Vec<JournalEntry>> = vec![Vec::new(); violations.len()];
    let migration_hit = |v: &Violation| {
        v.platform.integrity == Some(Integrity::LostInMigration)
            || v.platform
                .cause
                .as_deref()
                .is_some_and(|c| c.contains("migration"))
    };
    for (entry, k) in journal.iter().zip(keys) {
        match entry.number.as_deref() {
            Some(number) => {
                let Some(targets) = by_number.get(&k) else {
                    continue;
                };
                for &i in targets {
                    let v = &violations[i];
                    if v.number != number {
                        continue;
                    }
                    let same_seller = match (&entry.seller_tax_id, &v.seller_tax_id) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    };
                    if same_seller {
                        chains[i].push(entry.clone());
                    }
                }
            }
            // A migration that names no invoice may still be what took this one.
            None if entry.effect == StoreEffect::Migration => {
                for (i, v) in violations.iter().enumerate() {
                    if migration_hit(v) {
                        chains[i].push(entry.clone());
                    }
                }
            }
            None => {}
        }
    }
    for (v, mut chain) in violations.iter_mut().zip(chains) {
        chain.sort_by_key(|e| (e.elapsed_ms, e.seq));
        v.chain = chain;
    }
}
