use std::time::Duration;

use super::*;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn chaos(plan_json: &str) -> Chaos {
    Chaos::new(1, Plan::from_json_str(plan_json).unwrap(), Duration::ZERO).unwrap()
}

#[test]
fn periodic_checkpoints_are_due_once_per_boundary_passed() {
    let c = chaos(r#"{"checkpoint_every": "5s"}"#);
    assert!(c.take_due(secs(4)).is_empty());
    assert_eq!(c.take_due(secs(12)), [Due::Checkpoint(secs(10))]);
    assert!(c.take_due(secs(14)).is_empty());
    assert_eq!(c.take_due(secs(15)), [Due::Checkpoint(secs(15))]);
}

#[test]
fn a_migration_sees_the_checkpoint_of_its_own_end_not_of_the_late_request() {
    let c = chaos(
        r#"{"checkpoint_every": "5s",
            "maintenance": [{"after": "6s", "duration": "2s", "migration": {"lose": 1.0}}]}"#,
    );
    let due = c.take_due(secs(23));
    assert_eq!(due.len(), 3, "{due:?}");
    assert_eq!(due[0], Due::Checkpoint(secs(5)));
    assert!(matches!(&due[1], Due::Migrate(m) if m.ended_at == secs(8)));
    assert_eq!(due[2], Due::Checkpoint(secs(20)));
}

#[test]
fn plan_time_starts_when_the_plan_is_installed() {
    let c = chaos(r#"{"maintenance": [{"after": "2s", "duration": "1s"}]}"#);
    c.set_plan(
        Plan::from_json_str(r#"{"maintenance": [{"after": "2s", "duration": "1s"}]}"#).unwrap(),
        secs(100),
    )
    .unwrap();
    assert_eq!(c.enter(Route::Upload, secs(101)).plan_time, secs(1));
    assert!(c.enter(Route::Upload, secs(101)).gate.is_none());
    assert!(c.enter(Route::Upload, secs(102)).gate.is_some());
}

#[test]
fn adding_a_rule_keeps_the_others_counting() {
    let c = chaos(r#"{"faults": [{"kind": "reject", "name": "r"}]}"#);
    let facts = crate::chaos::engine::RequestFacts {
        route: Route::Upload,
        seller: None,
        number: Some("N"),
        key: "N",
        attempt: 0,
        elapsed: Duration::ZERO,
        existing: false,
    };
    c.enter(Route::Upload, Duration::ZERO).engine.decide(&facts);
    let name = c
        .add_rule(FaultRule::new(crate::chaos::faults::FaultKind::Duplicate(
            crate::chaos::faults::Duplicate {},
        )))
        .unwrap();
    assert_eq!(name, "duplicate#1");
    assert_eq!(c.stats().rules[0].fired, 1);
    assert!(c.remove_rule("r"));
    assert_eq!(c.plan().faults.len(), 1);
}
