//! The migration a maintenance window runs when it ends, as a pure function over
//! record descriptors: which records it loses, strips of their lines, or reverts.
//!
//! Eligible records are those not covered by a checkpoint (or all, with
//! `since = "start"`), within the migration's `from`..`to` range when given. They are
//! ordered by a hash of (seed, window name, record key) — never by arrival order — and
//! the first `round(lose × n)` are lost, the next `round(strip_lines × n)` stripped,
//! the next `round(revert × n)` reverted (halves round away from zero; each at least
//! `at_least` when its fraction is above 0).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::chaos::plan::{Migration, MigrationSince};
use crate::chaos::seeded::derive;

/// What the migration needs to know about one stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordDescriptor<'a> {
    /// A stable identity, e.g. `"{seller}/{number}"`.
    pub key: &'a str,
    /// When it was written, relative to the plan's start.
    pub written_at: Duration,
    /// Whether a checkpoint covers it.
    pub checkpointed: bool,
}

/// What a migration does to one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigrationFate {
    /// The record is gone.
    Lost,
    /// The record keeps its header and loses every line item.
    StripLines,
    /// The record goes back to its checkpointed version (gone if it has none).
    Revert,
}

/// Chooses each affected record's fate; returns `(index into records, fate)` in index order.
pub fn choose(
    seed: u64,
    window: &str,
    migration: &Migration,
    records: &[RecordDescriptor<'_>],
) -> Vec<(usize, MigrationFate)> {
    let mut eligible: Vec<(u64, usize)> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| is_eligible(migration, r))
        .map(|(i, r)| {
            let order = derive(seed, &[b"migration", window.as_bytes(), r.key.as_bytes()]);
            (order, i)
        })
        .collect();
    // Ties (astronomically unlikely) fall back to the key, never to arrival order.
    eligible.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| records[a.1].key.cmp(records[b.1].key))
    });
    let n = eligible.len();
    let mut chosen = Vec::new();
    let mut taken = 0usize;
    for (fraction, fate) in [
        (migration.lose, MigrationFate::Lost),
        (migration.strip_lines, MigrationFate::StripLines),
        (migration.revert, MigrationFate::Revert),
    ] {
        let least = if fraction > 0.0 {
            usize::try_from(migration.at_least).unwrap_or(usize::MAX)
        } else {
            0
        };
        let count = share(fraction, n).max(least).min(n - taken);
        chosen.extend(
            eligible[taken..taken + count]
                .iter()
                .map(|&(_, i)| (i, fate)),
        );
        taken += count;
    }
    chosen.sort_by_key(|&(i, _)| i);
    chosen
}

/// Whether a record is within the migration's reach.
fn is_eligible(migration: &Migration, record: &RecordDescriptor<'_>) -> bool {
    let tier_ok = match migration.since {
        MigrationSince::Checkpoint => !record.checkpointed,
        MigrationSince::Start => true,
    };
    tier_ok
        && migration.from.map_or(true, |f| record.written_at >= f)
        && migration.to.map_or(true, |t| record.written_at < t)
}

/// `round(fraction × n)`, halves away from zero, never more than `n`.
fn share(fraction: f64, n: usize) -> usize {
    let exact = (fraction.clamp(0.0, 1.0) * n as f64).round();
    (exact as usize).min(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(keys: &[String], checkpointed_below: usize) -> Vec<RecordDescriptor<'_>> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| RecordDescriptor {
                key: k,
                written_at: Duration::from_millis(i as u64 * 10),
                checkpointed: i < checkpointed_below,
            })
            .collect()
    }

    fn keys(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("S/{i:04}")).collect()
    }

    #[test]
    fn lose_half_takes_exactly_half_of_the_uncheckpointed_records() {
        let keys = keys(30);
        let recs = records(&keys, 10);
        let m = Migration {
            lose: 0.5,
            ..Migration::default()
        };
        let chosen = choose(7, "maintenance#1", &m, &recs);
        assert_eq!(chosen.len(), 10);
        assert!(chosen
            .iter()
            .all(|&(i, f)| i >= 10 && f == MigrationFate::Lost));
    }

    #[test]
    fn the_choice_depends_on_keys_not_on_arrival_order() {
        let keys = keys(40);
        let recs = records(&keys, 0);
        let mut reversed = recs.clone();
        reversed.reverse();
        let m = Migration {
            lose: 0.25,
            strip_lines: 0.25,
            ..Migration::default()
        };
        let pick = |rs: &[RecordDescriptor<'_>]| {
            let mut v: Vec<(String, MigrationFate)> = choose(3, "w", &m, rs)
                .into_iter()
                .map(|(i, f)| (rs[i].key.to_owned(), f))
                .collect();
            v.sort();
            v
        };
        assert_eq!(pick(&recs), pick(&reversed));
        assert_eq!(pick(&recs).len(), 20);
    }

    #[test]
    fn another_seed_chooses_other_records() {
        let keys = keys(40);
        let recs = records(&keys, 0);
        let m = Migration {
            lose: 0.5,
            ..Migration::default()
        };
        assert_ne!(choose(1, "w", &m, &recs), choose(2, "w", &m, &recs));
    }

    #[test]
    fn fates_are_disjoint_and_sized_by_their_fractions() {
        let keys = keys(20);
        let recs = records(&keys, 0);
        let m = Migration {
            lose: 0.1,
            strip_lines: 0.2,
            revert: 0.3,
            ..Migration::default()
        };
        let chosen = choose(9, "w", &m, &recs);
        let count = |f| chosen.iter().filter(|c| c.1 == f).count();
        assert_eq!(
            (
                count(MigrationFate::Lost),
                count(MigrationFate::StripLines),
                count(MigrationFate::Revert)
            ),
            (2, 4, 6)
        );
        let mut idx: Vec<usize> = chosen.iter().map(|c| c.0).collect();
        idx.dedup();
        assert_eq!(idx.len(), 12);
    }

    #[test]
    fn at_least_takes_a_record_for_each_fate_a_small_run_would_round_to_none() {
        let keys = keys(10);
        let recs = records(&keys, 0);
        let m = Migration {
            lose: 0.03,
            strip_lines: 0.02,
            ..Migration::default()
        };
        assert!(choose(5, "w", &m, &recs).is_empty(), "3% of 10 rounds to 0");
        let m = Migration { at_least: 1, ..m };
        let fates: Vec<MigrationFate> =
            choose(5, "w", &m, &recs).into_iter().map(|c| c.1).collect();
        let mut sorted = fates.clone();
        sorted.sort();
        assert_eq!(sorted, [MigrationFate::Lost, MigrationFate::StripLines]);
        let two = Migration { at_least: 2, ..m };
        let keep_one = records(&keys[..3], 0);
        assert_eq!(
            choose(5, "w", &two, &keep_one).len(),
            3,
            "never more than are eligible"
        );
    }

    #[test]
    fn a_time_range_limits_the_migration_to_records_written_within_it() {
        let keys = keys(20);
        let recs = records(&keys, 0);
        let m = Migration {
            lose: 1.0,
            from: Some(Duration::from_millis(50)),
            to: Some(Duration::from_millis(100)),
            ..Migration::default()
        };
        let lost: Vec<usize> = choose(1, "w", &m, &recs).into_iter().map(|c| c.0).collect();
        assert_eq!(lost, vec![5, 6, 7, 8, 9]);
    }

    #[test]
    fn since_start_reaches_checkpointed_records_too() {
        let keys = keys(10);
        let recs = records(&keys, 10);
        let m = Migration {
            lose: 1.0,
            ..Migration::default()
        };
        assert!(choose(1, "w", &m, &recs).is_empty());
        let m = Migration {
            lose: 1.0,
            since: MigrationSince::Start,
            ..Migration::default()
        };
        assert_eq!(choose(1, "w", &m, &recs).len(), 10);
    }
}
