//! Causal chains: for each violation (and each false flag), the journal entries about
//! its invoice in time order — the requests, the rule that fired on each, the
//! responses and store effects.

use tax_api::{Integrity, JournalEntry, StoreEffect};

use super::fxhash::{map_with_capacity, FxHashMap};
use super::index::key;
use super::{FlaggedInvoice, Violation};

/// An invoice whose chain is wanted.
struct Target<'a> {
    number: &'a str,
    seller: Option<&'a str>,
    /// Whether a migration that names no invoice may be what took this one.
    migrated: bool,
}

/// Fills `chain` on every violation and false flag with one pass over the journal.
pub(super) fn attach(
    violations: &mut [Violation],
    flags: &mut [FlaggedInvoice],
    journal: &[JournalEntry],
) {
    let migration_hit = |v: &Violation| {
        v.platform.integrity == Some(Integrity::LostInMigration)
            || v.platform
                .cause
                .as_deref()
                .is_some_and(|c| c.contains("migration"))
    };
    let targets: Vec<Target<'_>> = violations
        .iter()
        .map(|v| Target {
            number: &v.number,
            seller: v.seller_tax_id.as_deref(),
            migrated: migration_hit(v),
        })
        .chain(flags.iter().map(|f| Target {
            number: &f.number,
            seller: f.seller_tax_id.as_deref(),
            migrated: false,
        }))
        .collect();
    let mut chains = collect(&targets, journal).into_iter();
    for (v, chain) in violations.iter_mut().zip(chains.by_ref()) {
        v.chain = chain;
    }
    for (f, chain) in flags.iter_mut().zip(chains) {
        f.chain = chain;
    }
}

/// The chain of each target, in target order.
fn collect(targets: &[Target<'_>], journal: &[JournalEntry]) -> Vec<Vec<JournalEntry>> {
    let mut chains: Vec<Vec<JournalEntry>> = vec![Vec::new(); targets.len()];
    if targets.is_empty() {
        return chains;
    }
    let mut by_number: FxHashMap<u64, Vec<usize>> = map_with_capacity(targets.len());
    for (i, t) in targets.iter().enumerate() {
        by_number.entry(key(t.number)).or_default().push(i);
    }
    // Hashing every entry's number in its own pass lets those reads overlap.
    let keys: Vec<u64> = journal
        .iter()
        .map(|e| e.number.as_deref().map_or(0, key))
        .collect();
    for (entry, k) in journal.iter().zip(keys) {
        match entry.number.as_deref() {
            Some(number) => {
                let Some(found) = by_number.get(&k) else {
                    continue;
                };
                for &i in found {
                    let t = &targets[i];
                    if t.number != number {
                        continue;
                    }
                    let same_seller = match (&entry.seller_tax_id, t.seller) {
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
                for (i, t) in targets.iter().enumerate() {
                    if t.migrated {
                        chains[i].push(entry.clone());
                    }
                }
            }
            None => {}
        }
    }
    for chain in &mut chains {
        chain.sort_by_key(|e| (e.elapsed_ms, e.seq));
    }
    chains
}
