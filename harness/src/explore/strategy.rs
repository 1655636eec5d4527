//! proptest strategies for [`Case`]: every fault kind with its settings and
//! targeting, workload size, rate and concurrency, maintenance windows with migration
//! loss, client restarts and asynchronous processing, all within [`Bounds`].
//!
//! Each value's simplest form is what shrinking moves toward: no rule, one invoice,
//! no window, no restart, synchronous processing, targeting and settings absent.

use std::time::Duration;

use mock_tax_platform::faults::{
    CommitThenReset, CommitThenTimeout, Corrupt, CorruptTarget, DropAfterAck, Duplicate,
    DuplicateWithoutPointer, ErrorAfterCommit, FaultKind, InvoiceField, Latency, PartialDrop,
    PartialWrite, RateLimit, Reject, ResetBeforeStore, SlowQuery, StuckProcessing,
    TimeoutBeforeStore, TokenExpiry, VisibilityLag,
};
use mock_tax_platform::plan::{MaintenanceWindow, Migration, MigrationSince};
use proptest::prelude::*;
use proptest::sample::select;

use super::bounds::Bounds;
use super::case::{Case, RuleCase, Window};

/// Every fault kind, simplest first: shrinking moves a rule's kind toward the front.
pub const KINDS: &[&str] = &[
    "drop_after_ack",
    "reject",
    "partial_write",
    "corrupt",
    "duplicate",
    "error_after_commit",
    "commit_then_reset",
    "reset_before_store",
    "duplicate_without_pointer",
    "rate_limit",
    "token_expiry",
    "visibility_lag",
    "latency",
    "slow_query",
    "stuck_processing",
    "timeout_before_store",
    "commit_then_timeout",
];

/// What the strategy needs beyond the bounds.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Whether the client can be restarted by the harness.
    pub can_restart: bool,
    /// Whether invoice numbers are known in advance (no run id), so rules may target
    /// a number prefix.
    pub numbers_known: bool,
}

/// Generated scenarios within `bounds`.
pub fn cases(bounds: &Bounds, shape: Shape) -> BoxedStrategy<Case> {
    let rule = rule(bounds, shape);
    let rules = proptest::collection::vec(rule, 0..=bounds.max_rules);
    let maintenance = if bounds.maintenance {
        proptest::option::of(window()).boxed()
    } else {
        Just(None).boxed()
    };
    let restart = if bounds.restarts && shape.can_restart {
        any::<bool>().boxed()
    } else {
        Just(false).boxed()
    };
    let processing = if bounds.async_processing {
        proptest::option::of(50u64..=500).boxed()
    } else {
        Just(None).boxed()
    };
    // Shrinking works through these in order: fewer invoices first makes every
    // later candidate cheaper to run.
    (
        1..=bounds.max_invoices,
        rules,
        maintenance,
        restart,
        processing,
        1usize..=8,
        // Shrinks toward 200 per second: a faster, shorter run.
        (0u32..=180).prop_map(|slower| 200 - slower),
        // Never below 300 ms: a shorter linger races the client's own delivery
        // (faults cleared before they fire), and a minimal script should fail every time.
        select(vec![300u64, 600, 1000]),
    )
        .prop_map(
            |(
                count,
                rules,
                maintenance,
                restart,
                processing_delay_ms,
                concurrency,
                rate,
                linger_ms,
            )| {
                Case {
                    count,
                    rate,
                    concurrency,
                    linger_ms,
                    rules,
                    maintenance,
                    restart,
                    processing_delay_ms,
                }
            },
        )
        .boxed()
}

fn rule(bounds: &Bounds, shape: Shape) -> BoxedStrategy<RuleCase> {
    // A union, not `prop_flat_map`: a flat map regenerates its settings each time
    // shrinking backs off, and can cycle without end.
    let kinds = proptest::strategy::Union::new(bounds.kinds.iter().map(|k| fault(k)));
    let decades = if shape.numbers_known {
        proptest::option::of(0..=(bounds.max_invoices - 1) / 10).boxed()
    } else {
        Just(None).boxed()
    };
    let windows = if bounds.windows {
        proptest::option::of(
            (proptest::option::of(0u64..=1200), 200u64..=3000)
                .prop_map(|(opens_ms, len_ms)| Window { opens_ms, len_ms }),
        )
        .boxed()
    } else {
        Just(None).boxed()
    };
    (
        kinds,
        proptest::option::of((5u32..=100).prop_map(|p| f64::from(p) / 100.0)),
        proptest::option::of(1u64..=5),
        proptest::option::of(2u64..=4),
        decades,
        windows,
    )
        .prop_map(
            |(fault, probability, first, every, decade, window)| RuleCase {
                fault,
                probability,
                first,
                every,
                decade,
                window,
            },
        )
        .boxed()
}

/// One kind's settings. Unknown names cannot occur ([`KINDS`] is checked by the bounds).
fn fault(kind: &'static str) -> BoxedStrategy<FaultKind> {
    let ms = Duration::from_millis;
    match kind {
        "reject" => select(vec![500u16, 503, 502, 550])
            .prop_map(|status| {
                FaultKind::Reject(Reject {
                    status,
                    retry_after: None,
                })
            })
            .boxed(),
        "partial_write" => prop_oneof![
            proptest::option::of(0usize..3).prop_map(|keep| FaultKind::PartialWrite(
                PartialWrite {
                    drop: PartialDrop::Lines,
                    keep,
                    fields: Vec::new(),
                }
            )),
            select(vec![
                InvoiceField::BuyerName,
                InvoiceField::BuyerTaxId,
                InvoiceField::Currency,
                InvoiceField::IssuedAt,
            ])
            .prop_map(|field| FaultKind::PartialWrite(PartialWrite {
                drop: PartialDrop::Fields,
                keep: None,
                fields: vec![field],
            })),
        ]
        .boxed(),
        "corrupt" => select(vec![
            CorruptTarget::Amount,
            CorruptTarget::TaxId,
            CorruptTarget::Line,
        ])
        .prop_map(|field| FaultKind::Corrupt(Corrupt { field }))
        .boxed(),
        "duplicate" => Just(FaultKind::Duplicate(Duplicate {})).boxed(),
        "error_after_commit" => select(vec![500u16, 502, 503])
            .prop_map(|status| FaultKind::ErrorAfterCommit(ErrorAfterCommit { status }))
            .boxed(),
        "commit_then_reset" => Just(FaultKind::CommitThenReset(CommitThenReset {})).boxed(),
        "reset_before_store" => Just(FaultKind::ResetBeforeStore(ResetBeforeStore {})).boxed(),
        "duplicate_without_pointer" => Just(FaultKind::DuplicateWithoutPointer(
            DuplicateWithoutPointer {},
        ))
        .boxed(),
        "rate_limit" => Just(FaultKind::RateLimit(RateLimit {
            retry_after: ms(1000),
        }))
        .boxed(),
        "token_expiry" => Just(FaultKind::TokenExpiry(TokenExpiry {})).boxed(),
        "visibility_lag" => (100u64..=2000)
            .prop_map(move |lag| FaultKind::VisibilityLag(VisibilityLag { lag: ms(lag) }))
            .boxed(),
        "latency" => (10u64..=1500)
            .prop_map(move |d| FaultKind::Latency(Latency::fixed(ms(d))))
            .boxed(),
        "slow_query" => (10u64..=2000)
            .prop_map(move |d| {
                FaultKind::SlowQuery(SlowQuery {
                    delay: Some(ms(d)),
                    hang: false,
                })
            })
            .boxed(),
        "stuck_processing" => any::<bool>()
            .prop_map(|store| FaultKind::StuckProcessing(StuckProcessing { store }))
            .boxed(),
        "timeout_before_store" => {
            Just(FaultKind::TimeoutBeforeStore(TimeoutBeforeStore {})).boxed()
        }
        "commit_then_timeout" => Just(FaultKind::CommitThenTimeout(CommitThenTimeout {})).boxed(),
        _ => Just(FaultKind::DropAfterAck(DropAfterAck {})).boxed(),
    }
}

/// A window of 0.2–1.5 s, maybe refusing reads, maybe with a migration that loses,
/// strips or reverts up to 40 %, 30 % and 30 % of the records since the checkpoint.
fn window() -> impl Strategy<Value = MaintenanceWindow> {
    let migration = (0u32..=40, 0u32..=30, 0u32..=30, any::<bool>()).prop_map(
        |(lose, strip, revert, from_start)| Migration {
            lose: f64::from(lose) / 100.0,
            strip_lines: f64::from(strip) / 100.0,
            revert: f64::from(revert) / 100.0,
            since: if from_start {
                MigrationSince::Start
            } else {
                MigrationSince::Checkpoint
            },
            from: None,
            to: None,
            at_least: Default::default(),
        },
    );
    (
        200u64..=1500,
        any::<bool>(),
        proptest::option::of(migration),
    )
        .prop_map(|(ms, reads, migration)| MaintenanceWindow {
            reads,
            migration,
            ..MaintenanceWindow::now(Duration::from_millis(ms))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};

    fn runner(seed: u8) -> TestRunner {
        TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &[seed; 32]),
        )
    }

    const SHAPE: Shape = Shape {
        can_restart: true,
        numbers_known: true,
    };

    #[test]
    fn every_kind_has_a_strategy_of_its_own_name() {
        let mut r = runner(1);
        for kind in KINDS {
            let f = fault(kind).new_tree(&mut r).unwrap().current();
            assert_eq!(f.name(), *kind);
            assert!(f.as_fault().validate().is_ok(), "{kind}");
        }
    }

    #[test]
    fn generated_cases_stay_within_the_bounds() {
        let bounds = Bounds {
            kinds: vec!["reject", "duplicate"],
            max_invoices: 7,
            max_rules: 2,
            maintenance: false,
            restarts: false,
            windows: false,
            ..Bounds::default()
        };
        let mut r = runner(2);
        for _ in 0..200 {
            let c = cases(&bounds, SHAPE).new_tree(&mut r).unwrap().current();
            assert!((1..=7).contains(&c.count));
            assert!(c.rules.len() <= 2);
            assert!(c.maintenance.is_none() && !c.restart);
            assert!(
                c.rules.iter().all(|r| r.window.is_none()),
                "windows = false"
            );
            assert!(c
                .rules
                .iter()
                .all(|r| ["reject", "duplicate"].contains(&r.fault.name())));
        }
    }

    #[test]
    fn the_same_seed_generates_the_same_cases() {
        let draw = |seed| {
            let mut r = runner(seed);
            (0..20)
                .map(|_| {
                    cases(&Bounds::default(), SHAPE)
                        .new_tree(&mut r)
                        .unwrap()
                        .current()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
        assert_ne!(draw(3), draw(4));
    }
}
