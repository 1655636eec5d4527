use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::chaos::faults::{Corrupt, CorruptTarget, FaultKind, Latency, Reject};
use crate::chaos::plan::Plan;

const SELLER: &str = "91110000MA01ABCD1X";

fn engine(seed: u64, rules_json: &str) -> Engine {
    let plan = Plan::from_json_str(&format!(r#"{{"faults": {rules_json}}}"#)).unwrap();
    Engine::new(seed, plan.faults).unwrap()
}

fn upload<'a>(number: &'a str, attempt: u32) -> RequestFacts<'a> {
    RequestFacts {
        route: Route::Upload,
        seller: Some(SELLER),
        number: Some(number),
        key: number,
        attempt,
        elapsed: Duration::ZERO,
        existing: false,
    }
}

/// Which of `n` sequential uploads (numbers `N0`, `N1`, …) a rule fires on.
fn fired_indices(engine: &Engine, n: usize) -> Vec<usize> {
    let numbers: Vec<String> = (0..n).map(|i| format!("N{i}")).collect();
    numbers
        .iter()
        .enumerate()
        .filter(|(_, num)| !engine.decide(&upload(num, 0)).is_clean())
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn first_n_fires_on_the_first_n_matching_requests_only() {
    let e = engine(1, r#"[{"kind": "reject", "first": 3}]"#);
    assert_eq!(fired_indices(&e, 10), [0, 1, 2]);
    assert_eq!(e.stats()[0].matched, 10);
    assert_eq!(e.stats()[0].fired, 3);
}

#[test]
fn every_nth_fires_on_the_nth_2nth_and_3nth_matching_request() {
    let e = engine(1, r#"[{"kind": "reject", "every": 3}]"#);
    assert_eq!(fired_indices(&e, 10), [2, 5, 8]);
}

#[test]
fn max_caps_how_often_a_rule_fires() {
    let e = engine(1, r#"[{"kind": "reject", "every": 2, "max": 2}]"#);
    assert_eq!(fired_indices(&e, 10), [1, 3]);
    assert_eq!(e.stats()[0].fired, 2);
}

#[test]
fn zero_means_no_limit_for_first_every_and_max() {
    let e = engine(
        1,
        r#"[{"kind": "reject", "first": 0, "every": 0, "max": 0}]"#,
    );
    assert_eq!(fired_indices(&e, 4), [0, 1, 2, 3]);
}

#[test]
fn at_least_hits_the_first_matching_requests_the_draw_spares() {
    let e = engine(
        1,
        r#"[{"kind": "reject", "probability": 0.0, "at_least": 2}]"#,
    );
    assert_eq!(fired_indices(&e, 10), [0, 1]);
    assert_eq!((e.stats()[0].matched, e.stats()[0].fired), (10, 2));
}

#[test]
fn at_least_adds_only_the_fires_the_draw_did_not_give() {
    let drawn = |rules: &str| fired_indices(&engine(3, rules), 200);
    let alone = drawn(r#"[{"kind": "reject", "probability": 0.02, "name": "r"}]"#);
    let owed = drawn(r#"[{"kind": "reject", "probability": 0.02, "name": "r", "at_least": 1}]"#);
    assert!(alone.first() != Some(&0), "seed 3 spares the first request");
    let mut expected = vec![0];
    expected.extend(&alone);
    assert_eq!(
        owed, expected,
        "the first request is owed, the rest is the draw"
    );
}

#[test]
fn at_least_respects_every_and_is_met_by_drawn_fires() {
    let e = engine(
        1,
        r#"[{"kind": "reject", "probability": 0.0, "every": 3, "at_least": 2}]"#,
    );
    assert_eq!(fired_indices(&e, 12), [2, 5]);
    let sure = engine(1, r#"[{"kind": "reject", "at_least": 1}]"#);
    assert_eq!(
        fired_indices(&sure, 4),
        [0, 1, 2, 3],
        "probability 1 fires anyway"
    );
}

#[test]
fn a_window_limits_a_rule_to_requests_within_after_and_until() {
    let e = engine(1, r#"[{"kind": "reject", "after": "2s", "until": "5s"}]"#);
    let at = |secs: u64| {
        let mut r = upload("N", 0);
        r.elapsed = Duration::from_millis(secs);
        !e.decide(&r).is_clean()
    };
    assert_eq!(
        [at(1_999), at(2_000), at(4_999), at(5_000)],
        [false, true, true, false]
    );
}

#[test]
fn seller_and_number_prefix_target_only_their_requests() {
    let e = engine(
        1,
        &format!(r#"[{{"kind": "reject", "seller": "{SELLER}", "number_prefix": "2511"}}]"#),
    );
    assert!(!e.decide(&upload("25110001", 0)).is_clean());
    assert!(e.decide(&upload("26110001", 0)).is_clean());
    let mut other = upload("25110001", 0);
    other.seller = Some("OTHER");
    assert!(e.decide(&other).is_clean());
    let mut no_number = upload("q", 0);
    no_number.number = None;
    assert!(e.decide(&no_number).is_clean());
}

#[test]
fn a_rule_targets_only_its_route() {
    let e = engine(1, r#"[{"kind": "rate_limit", "on": "verify"}]"#);
    let mut verify = upload("N", 0);
    verify.route = Route::Verify;
    assert!(e.decide(&upload("N", 0)).is_clean());
    assert!(!e.decide(&verify).is_clean());
    let mut status = upload("N", 0);
    status.route = Route::Status;
    let any = engine(1, r#"[{"kind": "rate_limit", "on": "any"}]"#);
    assert!(any.decide(&status).is_clean());
    assert!(!any.decide(&verify).is_clean());
}

#[test]
fn auth_and_session_are_targeted_only_by_name_never_by_any() {
    let at = |route: Route| {
        let mut facts = upload("N", 0);
        facts.route = route;
        facts
    };
    let any = engine(1, r#"[{"kind": "rate_limit", "on": "any"}]"#);
    assert!(any.decide(&at(Route::Auth)).is_clean());
    assert!(any.decide(&at(Route::Session)).is_clean());
    let auth = engine(1, r#"[{"kind": "rate_limit", "on": "auth"}]"#);
    assert!(!auth.decide(&at(Route::Auth)).is_clean());
    assert!(auth.decide(&at(Route::Session)).is_clean());
    assert!(auth.decide(&at(Route::Upload)).is_clean());
    let session = engine(1, r#"[{"kind": "error_after_commit", "on": "session"}]"#);
    assert!(!session.decide(&at(Route::Session)).is_clean());
    assert!(session.decide(&at(Route::Auth)).is_clean());
}

#[test]
fn probability_matches_the_seeded_draw_exactly_over_2000_requests() {
    let e = engine(
        42,
        r#"[{"kind": "reject", "probability": 0.3, "name": "p"}]"#,
    );
    let numbers: Vec<String> = (0..2000).map(|i| format!("INV-{i:05}")).collect();
    let mut fired = 0;
    for n in &numbers {
        let hit = !e.decide(&upload(n, 0)).is_clean();
        // The documented formula:
        // unit(combine(derive(seed, ["chance", rule]), request_hash(key, attempt))) < p.
        let draw = unit_f64(crate::chaos::seeded::combine(
            derive(42, &[b"chance", b"p"]),
            crate::chaos::seeded::request_hash(n, 0),
        ));
        assert_eq!(hit, draw < 0.3, "{n}");
        fired += usize::from(hit);
    }
    // Fixed for seed 42: a change here means every recorded seed replays differently.
    assert_eq!(fired, FIRED_AT_SEED_42);
    // And it is a plausible draw: within 4 standard deviations of 600.
    assert!((600usize.abs_diff(fired)) < 82, "{fired}");
}

const FIRED_AT_SEED_42: usize = 582;

#[test]
fn decisions_do_not_depend_on_the_order_requests_arrive_in() {
    let rules = r#"[
        {"kind": "latency", "low": "1ms", "high": "50ms", "probability": 0.5},
        {"kind": "corrupt", "field": "line", "probability": 0.2},
        {"kind": "reject", "probability": 0.3}
    ]"#;
    let numbers: Vec<String> = (0..60).map(|i| format!("N{i}")).collect();
    let requests: Vec<(usize, u32)> = (0..3u32)
        .flat_map(|attempt| (0..numbers.len()).map(move |i| (i, attempt)))
        .collect();
    let run = |order: &[(usize, u32)]| {
        let e = engine(7, rules);
        let mut out = BTreeMap::new();
        for &(i, attempt) in order {
            let d = e.decide(&upload(&numbers[i], attempt));
            out.insert((i, attempt), (d.delay, d.rule_label(), d.effect));
        }
        out
    };
    // Second order: invoices interleaved differently, each invoice's attempts still in order.
    let mut other: Vec<(usize, u32)> = Vec::new();
    for i in (0..numbers.len()).rev() {
        other.extend((0..3).map(|a| (i, a)));
    }
    let a = run(&requests);
    let b = run(&other);
    assert_eq!(a, b);
    assert!(a.values().any(|v| v.2.is_some()), "some rule fired");
    assert_ne!(run(&requests), {
        let e = engine(8, rules);
        requests
            .iter()
            .map(|&(i, at)| {
                let d = e.decide(&upload(&numbers[i], at));
                ((i, at), (d.delay, d.rule_label(), d.effect))
            })
            .collect::<BTreeMap<_, _>>()
    });
}

#[test]
fn delays_add_up_and_the_first_outcome_ends_the_search() {
    let e = engine(
        1,
        r#"[
            {"kind": "latency", "delay": "10ms"},
            {"kind": "latency", "delay": "5ms", "name": "slow"},
            {"kind": "reject", "status": 502},
            {"kind": "duplicate"}
        ]"#,
    );
    let d = e.decide(&upload("N", 0));
    assert_eq!(d.delay, Duration::from_millis(15));
    assert!(matches!(
        d.effect,
        Some(Effect::Respond { status: 502, .. })
    ));
    assert_eq!(d.rule_label().as_deref(), Some("latency#1+slow+reject#1"));
    assert_eq!(d.kind_label().as_deref(), Some("latency+latency+reject"));
    assert_eq!(
        e.stats()[3].matched,
        0,
        "rules after the outcome are not tried"
    );
}

#[test]
fn duplicate_without_pointer_only_matches_uploads_of_known_numbers() {
    let e = engine(1, r#"[{"kind": "duplicate_without_pointer", "first": 1}]"#);
    assert!(e.decide(&upload("N", 0)).is_clean());
    let mut again = upload("N", 1);
    again.existing = true;
    assert_eq!(e.decide(&again).effect, Some(Effect::StripOriginalRef));
    assert_eq!(e.stats()[0].matched, 1);
    assert!(e.needs_existing(&upload("N", 2)));
    let prefixed = engine(
        1,
        r#"[{"kind": "duplicate_without_pointer", "number_prefix": "ZZ"}]"#,
    );
    assert!(
        !prefixed.needs_existing(&upload("N", 0)),
        "no lookup when no such rule targets it"
    );
    assert!(!engine(1, r#"[{"kind": "reject"}]"#).needs_existing(&upload("N", 0)));
}

#[test]
fn replacing_the_rules_keeps_the_counters_of_rules_that_stay() {
    let e = engine(1, r#"[{"kind": "reject", "name": "r", "max": 2}]"#);
    assert_eq!(fired_indices(&e, 3), [0, 1]);
    let mut rules = e.rules();
    rules.push(crate::chaos::plan::FaultRule::new(FaultKind::Corrupt(
        Corrupt {
            field: CorruptTarget::Amount,
        },
    )));
    let next = e.replaced(rules).unwrap();
    assert_eq!(next.stats()[0].fired, 2);
    let d = next.decide(&upload("X", 0));
    assert_eq!(d.rule_label().as_deref(), Some("corrupt#1"), "r is spent");
}

#[test]
fn a_decision_without_rules_is_clean() {
    let e = Engine::new(1, vec![]).unwrap();
    assert_eq!(e.decide(&upload("N", 0)), Decision::default());
    let e = Engine::new(
        1,
        vec![crate::chaos::plan::FaultRule::new(FaultKind::Latency(
            Latency::fixed(Duration::from_millis(3)),
        ))],
    )
    .unwrap();
    assert_eq!(e.decide(&upload("N", 0)).delay, Duration::from_millis(3));
    let _ = Reject::default();
}
