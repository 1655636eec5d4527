use std::time::Duration;

use super::*;
use crate::chaos::faults::{FaultKind, Latency, PartialDrop, PartialWrite};

#[test]
fn a_toml_rule_reads_kind_settings_and_targeting_side_by_side() {
    let plan = Plan::from_toml_str(
        r#"
        checkpoint_every = "5s"
        [[faults]]
        kind = "partial_write"
        drop = "lines"
        keep = 1
        probability = 0.1
        on = "upload"
        first = 3
        seller = "91110000MA01ABCD1X"
        number_prefix = "2511"
        after = "2s"
        until = "10s"
        max = 50
        at_least = 2
        "#,
    )
    .unwrap();
    let rule = &plan.faults[0];
    assert_eq!(rule.name.as_deref(), Some("partial_write#1"));
    assert_eq!(
        rule.fault,
        FaultKind::PartialWrite(PartialWrite {
            drop: PartialDrop::Lines,
            keep: Some(1),
            fields: vec![]
        })
    );
    assert_eq!(rule.probability, Some(0.1));
    assert_eq!(rule.on, Some(RouteTarget::Upload));
    assert_eq!(
        (rule.first, rule.max, rule.at_least),
        (Some(3), Some(50), Some(2))
    );
    assert_eq!(rule.after, Some(Duration::from_secs(2)));
    assert_eq!(rule.until, Some(Duration::from_secs(10)));
    assert_eq!(plan.checkpoint_every, Some(Duration::from_secs(5)));
}

#[test]
fn an_unknown_kind_is_an_error_naming_the_known_kinds() {
    let err = Plan::from_toml_str("[[faults]]\nkind = \"partial_wirte\"\n").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("partial_wirte"), "{text}");
    assert!(text.contains("partial_write"), "{text}");
    assert!(text.contains("line 2, column 1"), "{text}");
}

#[test]
fn an_unknown_key_is_an_error_naming_the_key() {
    let err = Plan::from_toml_str("[[faults]]\nkind = \"partial_write\"\ndorp = \"lines\"\n")
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("unknown field `dorp`"), "{text}");
    let err =
        Plan::from_json_str(r#"{"faults": [{"kind": "reject", "probabilty": 0.5}]}"#).unwrap_err();
    assert!(err.to_string().contains("probabilty"), "{err}");
    let err = Plan::from_json_str(r#"{"fautls": []}"#).unwrap_err();
    assert!(err.to_string().contains("fautls"), "{err}");
}

#[test]
fn a_missing_kind_is_an_error() {
    let err = Plan::from_json_str(r#"{"faults": [{"probability": 0.5}]}"#).unwrap_err();
    assert!(err.to_string().contains("missing field `kind`"), "{err}");
}

#[test]
fn a_bad_duration_names_what_was_expected() {
    let err = Plan::from_toml_str("[[faults]]\nkind = \"reject\"\nafter = \"soon\"\n").unwrap_err();
    assert!(err.to_string().contains("expected a duration"), "{err}");
}

#[test]
fn settings_that_make_no_sense_are_refused() {
    for (json, needle) in [
        (r#"{"kind": "reject", "probability": 1.5}"#, "probability"),
        (r#"{"kind": "reject", "status": 404}"#, "5xx"),
        (
            r#"{"kind": "partial_write", "on": "query"}"#,
            "cannot act on `query`",
        ),
        (r#"{"kind": "latency"}"#, "found none"),
        (
            r#"{"kind": "reject", "after": "5s", "until": "1s"}"#,
            "until",
        ),
        (
            r#"{"kind": "slow_query", "on": "upload", "delay": "1s"}"#,
            "cannot act",
        ),
    ] {
        let err = Plan::from_json_str(&format!(r#"{{"faults": [{json}]}}"#)).unwrap_err();
        assert!(err.to_string().contains(needle), "{json}: {err}");
    }
}

#[test]
fn generated_names_skip_names_already_taken() {
    let plan = Plan::from_json_str(
        r#"{"faults": [{"kind": "reject"}, {"kind": "reject", "name": "reject#1"}, {"kind": "reject"}]}"#,
    )
    .unwrap();
    let names: Vec<_> = plan
        .faults
        .iter()
        .map(|r| r.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["reject#2", "reject#1", "reject#3"]);
}

#[test]
fn duplicate_rule_names_are_refused() {
    let err = Plan::from_json_str(
        r#"{"faults": [{"kind": "reject", "name": "a"}, {"kind": "duplicate", "name": "a"}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("unique"), "{err}");
}

#[test]
fn a_plan_survives_a_json_round_trip_and_a_toml_round_trip() {
    let plan = Plan::from_toml_str(
        r#"
        [[faults]]
        kind = "latency"
        median = "100ms"
        sigma = 0.3
        on = "any"
        [[faults]]
        kind = "corrupt"
        field = "tax_id"
        every = 3
        [[maintenance]]
        after = "2s"
        duration = "1s"
        reads = true
        migration = { lose = 0.5, since = "checkpoint", from = "1s", at_least = 2 }
        "#,
    )
    .unwrap();
    let json = serde_json::to_string(&plan).unwrap();
    assert_eq!(Plan::from_json_str(&json).unwrap(), plan);
    let toml_text = toml::to_string(&plan).unwrap();
    assert_eq!(Plan::from_toml_str(&toml_text).unwrap(), plan);
    assert!(json.contains(r#""kind":"latency""#), "{json}");
    assert!(json.contains(r#""median":"100ms""#), "{json}");
}

#[test]
fn every_kind_can_be_read_with_its_defaults() {
    let kinds = [
        "drop_after_ack",
        "reject",
        "reset_before_store",
        "commit_then_reset",
        "commit_then_timeout",
        "timeout_before_store",
        "error_after_commit",
        "partial_write",
        "corrupt",
        "duplicate",
        "duplicate_without_pointer",
        "visibility_lag",
        "stuck_processing",
        "rate_limit",
        "token_expiry",
    ];
    for kind in kinds {
        let plan = Plan::from_json_str(&format!(r#"{{"faults": [{{"kind": "{kind}"}}]}}"#))
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(plan.faults[0].fault.name(), kind);
    }
    let plan = Plan::from_json_str(
        r#"{"faults": [{"kind": "latency", "delay": "1s"}, {"kind": "slow_query", "hang": true}]}"#,
    )
    .unwrap();
    assert_eq!(
        plan.faults[0].fault,
        FaultKind::Latency(Latency::fixed(Duration::from_secs(1)))
    );
    assert_eq!(plan.faults[1].route(), RouteTarget::Query);
}

#[test]
fn migration_fractions_over_one_are_refused() {
    let err = Plan::from_json_str(
        r#"{"maintenance": [{"duration": "1s", "migration": {"lose": 0.6, "revert": 0.6}}]}"#,
    )
    .unwrap_err();
    assert!(err.to_string().contains("must not exceed 1"), "{err}");
}

#[test]
fn at_least_over_max_is_refused() {
    let err = Plan::from_json_str(r#"{"faults": [{"kind": "reject", "at_least": 3, "max": 2}]}"#)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`at_least` (3) must not exceed `max` (2)"),
        "{err}"
    );
}

#[test]
fn adding_and_removing_a_rule_keeps_names_unique() {
    let mut plan = Plan::default();
    let a = plan
        .add_rule(FaultRule::new(FaultKind::Duplicate(Default::default())))
        .unwrap();
    let b = plan
        .add_rule(FaultRule::new(FaultKind::Duplicate(Default::default())))
        .unwrap();
    assert_eq!((a.as_str(), b.as_str()), ("duplicate#1", "duplicate#2"));
    let mut named = FaultRule::new(FaultKind::Duplicate(Default::default()));
    named.name = Some(a.clone());
    assert!(plan.add_rule(named).is_err());
    assert!(plan.remove_rule(&a));
    assert!(!plan.remove_rule(&a));
    assert_eq!(plan.faults.len(), 1);
}

#[test]
fn a_rule_inside_a_scenario_step_reports_the_line_of_an_unknown_kind() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Step {
        fault: FaultRule,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Scenario {
        steps: Vec<Step>,
    }
    let text = "[[steps]]\nfault = { kind = \"partial_wirte\", probability = 0.1 }\n";
    let message = toml::from_str::<Scenario>(text).unwrap_err().to_string();
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("partial_wirte"), "{message}");
    let ok: Scenario =
        toml::from_str("[[steps]]\nfault = { kind = \"duplicate\", max = 2 }\n").unwrap();
    assert_eq!(ok.steps[0].fault.max, Some(2));
}

#[test]
fn nan_and_infinite_numbers_are_refused_wherever_they_are_written() {
    for (toml, needle) in [
        (
            "[[faults]]\nkind = \"latency\"\nmedian = \"1ms\"\nsigma = nan\n",
            "a finite number",
        ),
        (
            "[[faults]]\nkind = \"partial_write\"\ndrop = \"lines\"\nkeep = -inf\n",
            "a finite number",
        ),
        (
            "[[faults]]\nkind = \"reject\"\nprobability = nan\n",
            "probability",
        ),
        (
            "[[faults]]\nkind = \"reject\"\nprobability = -0.5\n",
            "probability",
        ),
        (
            "[[maintenance]]\nduration = \"1s\"\nmigration = { lose = nan }\n",
            "lose",
        ),
        (
            "[[maintenance]]\nduration = \"1s\"\nmigration = { strip_lines = -inf }\n",
            "strip_lines",
        ),
    ] {
        let err = Plan::from_toml_str(toml).unwrap_err();
        assert!(err.to_string().contains(needle), "{toml}: {err}");
    }
}

#[test]
fn durations_longer_than_a_week_are_refused_naming_the_limit() {
    for json in [
        r#"{"faults": [{"kind": "reject", "after": "300000000000y"}]}"#,
        r#"{"faults": [{"kind": "latency", "delay": "8days"}]}"#,
        r#"{"maintenance": [{"duration": "18446744073709551615s"}]}"#,
        r#"{"maintenance": [{"duration": "1s", "retry_after": "1000years"}]}"#,
        r#"{"checkpoint_every": "30days"}"#,
    ] {
        let err = Plan::from_json_str(json).unwrap_err();
        assert!(err.to_string().contains("at most 7days"), "{json}: {err}");
    }
    assert!(Plan::from_json_str(r#"{"maintenance": [{"duration": "7days"}]}"#).is_ok());
}

#[test]
fn a_typo_in_a_plan_file_is_reported_once_at_the_keys_own_line_and_column() {
    let dir = std::env::temp_dir().join(format!("plan-typo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[[faults]]\nkind = \"latency\"\ndelay = \"1s\"\n  probabilty = 0.5\n",
    )
    .unwrap();
    let err = Plan::from_path(&path).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("{}:4:3: ", path.display())),
        "{text}"
    );
    assert_eq!(text.matches("probabilty").count(), 1, "{text}");
    assert!(std::error::Error::source(&err).is_none(), "{text}");
}

#[test]
fn a_setting_of_the_wrong_type_is_placed_at_the_setting() {
    let text = "[[faults]]\nkind = \"partial_write\"\ndrop = \"lines\"\nkeep = \"x\"\n";
    let err = Plan::from_toml_str(text).unwrap_err().to_string();
    assert!(err.contains("line 4, column 1"), "{err}");
    assert!(err.contains("setting `keep`"), "{err}");
}

#[test]
fn a_plan_that_ends_before_a_value_says_so() {
    let err = Plan::from_toml_str("checkpoint_every =")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "invalid plan TOML at line 1, column 19: expected a value, found the end of the plan"
    );
}
