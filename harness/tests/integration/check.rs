//! The checker: one test per cell of the DESIGN §5 table, UNEXPECTED, each
//! inconclusive cause and each `[expect]` bound.

use harness::check::{check, Class, ClientState, Inconclusive, PlatformState, Verdict};
use harness::outcome::{ClientExit, RunProblem};
use tax_api::{Integrity, LedgerStatus, StoreEffect};

use crate::support::{self, fired, issue, list, request, store};

const N: &str = "25117000000000000001";

#[derive(Clone, Copy)]
enum Platform {
    Intact,
    Partial,
    Corrupted,
    Missing,
    Duplicated,
}

/// One invoice issued and accepted, listed as `client` says, held as `platform` says.
fn cell(client: Option<LedgerStatus>, platform: Platform, expected: Class) {
    let mut run = support::run();
    run.expect.max_false_flag_ratio = 1.0;
    issue(&mut run, N, true);
    if let Some(status) = client {
        list(&mut run, N, status, None);
    }
    match platform {
        Platform::Intact => store(&mut run, N, Integrity::Intact, None),
        Platform::Partial => store(&mut run, N, Integrity::Partial, Some("r1")),
        Platform::Corrupted => store(&mut run, N, Integrity::Corrupted, Some("r1")),
        Platform::Missing => {}
        Platform::Duplicated => store(&mut run, N, Integrity::Duplicated, Some("r1")),
    }

    let result = check(&run);

    assert_eq!(result.counts.judged, 1);
    assert_eq!(
        result.counts.get(expected),
        1,
        "counts: {:?}",
        result.counts
    );
    if expected.is_violation() {
        assert_eq!(result.verdict, Verdict::Fail);
        assert_eq!(result.violations.len(), 1);
        assert_eq!(result.violations[0].class, expected);
        assert_eq!(result.violations[0].number, N);
    } else {
        assert_eq!(result.verdict, Verdict::Pass, "{:?}", result.violations);
        assert!(result.violations.is_empty());
    }
}

macro_rules! cells {
    ($($name:ident: $client:expr, $platform:ident => $class:ident;)*) => {
        $(#[test]
        fn $name() {
            cell($client, Platform::$platform, Class::$class);
        })*
    };
}

const CONFIRMED: Option<LedgerStatus> = Some(LedgerStatus::Confirmed);
const FLAGGED: Option<LedgerStatus> = Some(LedgerStatus::Flagged);
const PENDING: Option<LedgerStatus> = Some(LedgerStatus::Pending);
const ABSENT: Option<LedgerStatus> = None;

cells! {
    confirmed_and_intact_is_ok: CONFIRMED, Intact => Ok;
    confirmed_but_partial_is_silent_partial: CONFIRMED, Partial => SilentPartial;
    confirmed_but_corrupted_is_silent_corruption: CONFIRMED, Corrupted => SilentCorruption;
    confirmed_but_missing_is_lost: CONFIRMED, Missing => Lost;
    confirmed_but_duplicated_is_duplicate: CONFIRMED, Duplicated => Duplicate;
    flagged_but_intact_is_a_false_flag: FLAGGED, Intact => FalseFlag;
    flagged_and_partial_is_rightly_flagged: FLAGGED, Partial => Flagged;
    flagged_and_corrupted_is_rightly_flagged: FLAGGED, Corrupted => Flagged;
    flagged_and_missing_is_rightly_flagged: FLAGGED, Missing => Flagged;
    flagged_and_duplicated_is_rightly_flagged: FLAGGED, Duplicated => Flagged;
    pending_and_intact_is_unresolved: PENDING, Intact => Unresolved;
    pending_and_partial_is_unresolved: PENDING, Partial => Unresolved;
    pending_and_corrupted_is_unresolved: PENDING, Corrupted => Unresolved;
    pending_and_missing_is_unresolved: PENDING, Missing => Unresolved;
    pending_and_duplicated_is_unresolved: PENDING, Duplicated => Unresolved;
    absent_and_intact_is_forgotten: ABSENT, Intact => Forgotten;
    absent_and_partial_is_forgotten: ABSENT, Partial => Forgotten;
    absent_and_corrupted_is_forgotten: ABSENT, Corrupted => Forgotten;
    absent_and_missing_is_forgotten: ABSENT, Missing => Forgotten;
    absent_and_duplicated_is_forgotten: ABSENT, Duplicated => Forgotten;
}

#[test]
fn confirmed_but_lost_in_migration_is_lost_and_chains_the_migration() {
    let mut run = support::run();
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Confirmed, None);
    store(&mut run, N, Integrity::LostInMigration, Some("migration-1"));
    request(&mut run, Some(N), None, Some(201), StoreEffect::Stored);
    request(&mut run, None, None, Some(200), StoreEffect::Migration);

    let result = check(&run);

    assert_eq!(result.counts.lost, 1);
    let v = &result.violations[0];
    assert_eq!(v.platform.state, PlatformState::Missing);
    assert!(v.detail.contains("migration-1"), "{}", v.detail);
    assert_eq!(v.chain.len(), 2);
    assert_eq!(v.chain[1].effect, StoreEffect::Migration);
}

#[test]
fn causal_chain_holds_only_this_invoices_requests_in_time_order_with_rules() {
    let mut run = support::run();
    issue(&mut run, N, true);
    issue(&mut run, "other", true);
    list(&mut run, N, LedgerStatus::Confirmed, None);
    list(&mut run, "other", LedgerStatus::Confirmed, None);
    store(&mut run, "other", Integrity::Intact, None);
    request(
        &mut run,
        Some(N),
        Some(("r1", "timeout_before_store")),
        None,
        StoreEffect::None,
    );
    request(
        &mut run,
        Some("other"),
        None,
        Some(201),
        StoreEffect::Stored,
    );
    request(
        &mut run,
        Some(N),
        Some(("r2", "drop_after_ack")),
        Some(201),
        StoreEffect::Dropped,
    );

    let result = check(&run);

    assert_eq!(result.violations.len(), 1);
    let chain = &result.violations[0].chain;
    let seqs: Vec<u64> = chain.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![0, 2]);
    assert_eq!(chain[1].rule.as_deref(), Some("r2"));
    assert_eq!(chain[1].effect, StoreEffect::Dropped);
    assert_eq!(result.violations[0].client.status, ClientState::Confirmed);
}

#[test]
fn refused_unlisted_and_never_stored_is_refused_not_forgotten() {
    let mut run = support::run();
    issue(&mut run, N, false);

    let result = check(&run);

    assert_eq!(result.counts.refused, 1);
    assert_eq!(result.verdict, Verdict::Pass);
}

#[test]
fn refused_and_unlisted_but_stored_anyway_is_forgotten() {
    let mut run = support::run();
    issue(&mut run, N, false);
    store(&mut run, N, Integrity::Intact, None);

    let result = check(&run);

    assert_eq!(result.counts.forgotten, 1);
    assert!(result.violations[0].detail.contains("refused"));
}

#[test]
fn refused_invoice_the_ledger_confirms_is_judged_like_any_confirmed_one() {
    let mut run = support::run();
    issue(&mut run, N, false);
    list(&mut run, N, LedgerStatus::Confirmed, None);

    let result = check(&run);

    assert_eq!(result.counts.lost, 1);
    assert_eq!(result.violations[0].client.accepted, Some(false));
    assert!(result.violations[0].detail.contains("refused this invoice"));
}

#[test]
fn intact_record_whose_content_differs_from_the_issued_invoice_is_silent_corruption() {
    let mut run = support::run();
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Confirmed, None);
    store(&mut run, N, Integrity::Intact, None);
    let record = &mut run.truth.as_mut().unwrap().records[0];
    record.stored.as_mut().unwrap().buyer_name = "Someone Else".into();

    let result = check(&run);

    assert_eq!(result.counts.silent_corruption, 1);
}

#[test]
fn a_sale_reissued_under_a_new_number_is_unexpected_and_names_the_original() {
    let mut run = support::run();
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Confirmed, None);
    store(&mut run, N, Integrity::Intact, None);
    store(&mut run, "25117000000000000099", Integrity::Intact, None);
    let copy = &mut run.truth.as_mut().unwrap().records[1];
    copy.stored.as_mut().unwrap().request_serial = "fresh-serial".into();

    let result = check(&run);

    assert_eq!(result.counts.ok, 1);
    assert_eq!(result.counts.unexpected, 1);
    let v = &result.violations[0];
    assert_eq!(v.class, Class::Unexpected);
    assert_eq!(v.number, "25117000000000000099");
    assert_eq!(v.platform.same_sale_as.as_deref(), Some(N));
    assert_eq!(result.verdict, Verdict::Fail);
}

#[test]
fn a_ledger_entry_for_a_number_never_issued_is_unexpected() {
    let mut run = support::run();
    list(&mut run, "ghost", LedgerStatus::Confirmed, None);

    let result = check(&run);

    assert_eq!(result.counts.unexpected, 1);
    assert_eq!(result.violations[0].seller_tax_id, None);
}

#[test]
fn another_sellers_records_are_not_unexpected() {
    let mut run = support::run();
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Confirmed, None);
    store(&mut run, N, Integrity::Intact, None);
    store(&mut run, "foreign", Integrity::Intact, None);
    run.truth.as_mut().unwrap().records[1].seller_tax_id = "OTHER-SELLER".into();

    let result = check(&run);

    assert_eq!(result.counts.unexpected, 0);
    assert_eq!(result.verdict, Verdict::Pass);
}

#[test]
fn ledger_only_mode_judges_the_ledgers_own_entries() {
    let mut run = support::run();
    run.client.adapter = "ledger".into();
    list(&mut run, N, LedgerStatus::Confirmed, None);
    list(&mut run, "b", LedgerStatus::Confirmed, None);
    store(&mut run, N, Integrity::Intact, None);
    store(&mut run, "unlisted", Integrity::Intact, None);

    let result = check(&run);

    assert_eq!(result.counts.judged, 2);
    assert_eq!(result.counts.ok, 1);
    assert_eq!(result.counts.lost, 1);
    assert_eq!(result.counts.unexpected, 1);
}

#[test]
fn a_run_that_judged_no_invoice_is_inconclusive() {
    let result = check(&support::run());

    assert_eq!(result.verdict, Verdict::Inconclusive);
    assert_eq!(result.inconclusive, vec![Inconclusive::NothingJudged]);
}

#[test]
fn a_scheduled_fault_that_never_fired_makes_the_run_inconclusive() {
    let mut run = healthy_run();
    fired(&mut run, "r1", "partial_write", 0);

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Inconclusive);
    assert!(matches!(
        &result.inconclusive[0],
        Inconclusive::FaultNeverFired { rule, .. } if rule == "r1"
    ));
}

/// A run with one invoice confirmed and stored intact: nothing to object to.
fn healthy_run() -> harness::outcome::RunRecord {
    let mut run = support::run();
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Confirmed, None);
    store(&mut run, N, Integrity::Intact, None);
    run
}

#[test]
fn an_unfired_fault_is_fine_when_faults_need_not_fire() {
    let mut run = healthy_run();
    run.expect.faults_must_fire = false;
    fired(&mut run, "r1", "partial_write", 0);

    assert_eq!(check(&run).verdict, Verdict::Pass);
}

#[test]
fn a_client_that_never_became_healthy_makes_the_run_inconclusive() {
    let mut run = healthy_run();
    run.problems.push(RunProblem::ClientNeverHealthy {
        detail: "connection refused".into(),
    });

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Inconclusive);
    assert!(matches!(
        result.inconclusive[0],
        Inconclusive::Run(RunProblem::ClientNeverHealthy { .. })
    ));
}

#[test]
fn a_run_problem_is_written_in_the_report_as_the_problem_itself() {
    let problem = RunProblem::StepFailed {
        step: 2,
        detail: "no answer".into(),
    };
    let written = serde_json::to_value(Inconclusive::Run(problem.clone())).unwrap();
    assert_eq!(
        written,
        serde_json::json!({"kind": "step_failed", "step": 2, "detail": "no answer"})
    );
    let read: Inconclusive = serde_json::from_value(written).unwrap();
    assert_eq!(read, Inconclusive::Run(problem));
    let never: Inconclusive =
        serde_json::from_value(serde_json::json!({"kind": "nothing_judged"})).unwrap();
    assert_eq!(never, Inconclusive::NothingJudged);
}

#[test]
fn unreadable_truth_makes_the_run_inconclusive_and_judges_nothing() {
    let mut run = support::run();
    issue(&mut run, N, true);
    run.truth = None;

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Inconclusive);
    assert!(!result.judged);
    assert_eq!(result.counts.judged, 0);
    assert!(matches!(
        result.inconclusive[0],
        Inconclusive::Run(RunProblem::TruthUnreadable { .. })
    ));
}

#[test]
fn unreadable_ledger_makes_the_run_inconclusive() {
    let mut run = support::run();
    run.ledger = None;
    run.problems.push(RunProblem::LedgerUnreadable {
        detail: "GET /ledger answered 500".into(),
    });

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Inconclusive);
    assert_eq!(result.inconclusive.len(), 1, "no second, generic reason");
}

#[test]
fn a_failed_step_makes_the_run_inconclusive() {
    let mut run = healthy_run();
    run.problems.push(RunProblem::StepFailed {
        step: 3,
        detail: "maintenance could not start".into(),
    });

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Inconclusive);
    assert!(result.inconclusive[0].describe().contains("step 3"));
}

#[test]
fn a_violation_fails_the_run_even_when_it_is_also_inconclusive() {
    let mut run = support::run();
    fired(&mut run, "r1", "partial_write", 0);
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Confirmed, None);

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Fail);
    assert_eq!(result.inconclusive.len(), 1);
}

fn lost_run(lost: usize) -> harness::outcome::RunRecord {
    let mut run = support::run();
    for i in 0..lost {
        let n = format!("lost-{i}");
        issue(&mut run, &n, true);
        list(&mut run, &n, LedgerStatus::Confirmed, None);
    }
    run
}

#[test]
fn lost_invoices_within_the_expect_bound_pass() {
    let mut run = lost_run(2);
    run.expect.lost = 2;

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Pass);
    assert_eq!(result.violations.len(), 2, "still reported");
}

#[test]
fn lost_invoices_beyond_the_expect_bound_fail() {
    let mut run = lost_run(3);
    run.expect.lost = 2;

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Fail);
    let lost = result.invariants.iter().find(|i| i.name == "LOST").unwrap();
    assert!(!lost.holds);
}

#[test]
fn unresolved_invoices_within_and_beyond_the_expect_bound() {
    let mut run = support::run();
    for n in ["a", "b"] {
        issue(&mut run, n, true);
        list(&mut run, n, LedgerStatus::Pending, Some("retrying"));
    }
    run.expect.unresolved = 2;
    assert_eq!(check(&run).verdict, Verdict::Pass);

    run.expect.unresolved = 1;
    assert_eq!(check(&run).verdict, Verdict::Fail);
}

#[test]
fn false_flag_ratio_within_and_beyond_the_expect_bound() {
    let mut run = support::run();
    for i in 0..4 {
        let n = format!("n{i}");
        issue(&mut run, &n, true);
        store(&mut run, &n, Integrity::Intact, None);
        let status = if i == 0 {
            LedgerStatus::Flagged
        } else {
            LedgerStatus::Confirmed
        };
        list(&mut run, &n, status, Some("could not verify"));
    }
    run.expect.max_false_flag_ratio = 0.25;
    assert_eq!(check(&run).verdict, Verdict::Pass);

    run.expect.max_false_flag_ratio = 0.2;
    let result = check(&run);
    assert_eq!(result.verdict, Verdict::Fail);
    assert!(
        result.violations.is_empty(),
        "false flags are not violations"
    );
}

#[test]
fn an_invoice_issued_twice_is_judged_once() {
    let mut run = support::run();
    issue(&mut run, N, true);
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Confirmed, None);
    store(&mut run, N, Integrity::Intact, None);

    assert_eq!(check(&run).counts.judged, 1);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn status(k: u8) -> Option<LedgerStatus> {
        match k {
            0 => Some(LedgerStatus::Confirmed),
            1 => Some(LedgerStatus::Flagged),
            2 => Some(LedgerStatus::Pending),
            _ => None,
        }
    }

    fn integrity(k: u8) -> Option<Integrity> {
        match k {
            0 => Some(Integrity::Intact),
            1 => Some(Integrity::Partial),
            2 => Some(Integrity::Corrupted),
            3 => Some(Integrity::LostInMigration),
            4 => Some(Integrity::Duplicated),
            _ => None,
        }
    }

    proptest! {
        #[test]
        fn every_issued_invoice_lands_in_exactly_one_class_and_every_violation_is_listed(
            cells in proptest::collection::vec((0u8..4, 0u8..6, any::<bool>()), 0..40)
        ) {
            let mut run = support::run();
            run.expect.max_false_flag_ratio = 1.0;
            for (i, (client, platform, accepted)) in cells.iter().enumerate() {
                let n = format!("n{i}");
                issue(&mut run, &n, *accepted);
                if let Some(s) = status(*client) {
                    list(&mut run, &n, s, None);
                }
                if let Some(fate) = integrity(*platform) {
                    store(&mut run, &n, fate, None);
                }
            }

            let result = check(&run);

            let classified: u64 = Class::ALL
                .iter()
                .filter(|c| **c != Class::Unexpected)
                .map(|c| result.counts.get(*c))
                .sum();
            prop_assert_eq!(classified, cells.len() as u64);
            prop_assert_eq!(result.counts.judged, cells.len() as u64);
            prop_assert_eq!(result.counts.unexpected, 0);
            prop_assert_eq!(result.violations.len() as u64, result.counts.violations());
            let verdict = if result.counts.violations() > 0 {
                Verdict::Fail
            } else if cells.is_empty() {
                Verdict::Inconclusive
            } else {
                Verdict::Pass
            };
            prop_assert_eq!(result.verdict, verdict);
        }
    }
}

#[test]
fn the_same_number_issued_by_two_sellers_is_judged_for_each_seller() {
    let mut run = support::run();
    issue(&mut run, N, true);
    issue(&mut run, N, true);
    run.issued[1].invoice.seller_tax_id = "OTHER-SELLER".into();
    list(&mut run, N, LedgerStatus::Confirmed, None);
    store(&mut run, N, Integrity::Intact, None);

    let result = check(&run);

    assert_eq!(result.counts.judged, 2);
    assert_eq!(result.counts.ok, 1);
    assert_eq!(
        result.counts.lost, 1,
        "the other seller's copy is not on the platform"
    );
    assert_eq!(
        result.violations[0].seller_tax_id.as_deref(),
        Some("OTHER-SELLER")
    );
}

fn exit(restarted: bool) -> ClientExit {
    ClientExit {
        at_ms: 1500,
        code: Some(3),
        signal: None,
        restarted,
        log_tail: vec!["panic: out of memory".into()],
        ledger_read_at_ms: Some(1000),
        accepted_after_ledger: 0,
    }
}

#[test]
fn a_client_program_that_exited_fails_the_run_with_client_exited() {
    let mut run = healthy_run();
    run.lifecycle.client_exits.push(exit(false));

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Fail);
    assert_eq!(result.counts.get(Class::ClientExited), 1);
    let broken: Vec<&str> = result
        .invariants
        .iter()
        .filter(|i| !i.holds)
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(broken, ["CLIENT_EXITED"]);
}

#[test]
fn a_client_program_that_exited_fails_the_run_even_when_its_ledger_was_never_read() {
    let mut run = healthy_run();
    run.ledger = None;
    run.lifecycle.client_exits.push(exit(false));

    let result = check(&run);

    assert!(!result.judged);
    assert_eq!(result.verdict, Verdict::Fail);
    assert_eq!(result.invariants.len(), 1, "{:?}", result.invariants);
}

#[test]
fn a_client_program_that_a_later_step_restarted_is_no_violation() {
    let mut run = healthy_run();
    run.lifecycle.client_exits.push(exit(true));

    let result = check(&run);

    assert_eq!(result.verdict, Verdict::Pass);
    assert_eq!(result.counts.get(Class::ClientExited), 0);
}

#[test]
fn an_interrupted_run_is_inconclusive_even_with_invoices_still_pending() {
    let mut run = support::run();
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Pending, None);
    run.lifecycle.interrupted = Some("SIGTERM".into());

    let result = check(&run);

    assert_eq!(result.counts.unresolved, 1);
    assert_eq!(result.verdict, Verdict::Inconclusive);
    assert_eq!(
        result.inconclusive[0],
        Inconclusive::Interrupted {
            signal: "SIGTERM".into()
        }
    );
}
