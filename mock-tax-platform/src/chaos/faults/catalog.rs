//! What `invoice-chaos faults` prints: each kind's purpose, settings and one example
//! rule. The tests hold it to [`FaultKind`]: every kind is listed, every setting
//! named is one the kind's struct reads (and no other), and every example loads.

/// One fault kind as a person reads about it.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    /// The `kind` tag.
    pub kind: &'static str,
    /// What the client sees and what the platform keeps.
    pub summary: &'static str,
    /// The kind's own settings: name and meaning (with its default).
    pub settings: &'static [(&'static str, &'static str)],
    /// One rule as a script writes it.
    pub example: &'static str,
}

/// Settings every rule takes beside its kind's own; the engine applies them.
pub const TARGETING: &[(&str, &str)] = &[
    ("name", "cited by stats and reports (default: kind#N)"),
    (
        "on",
        "upload | get | query | verify | any (default: the kind's route)",
    ),
    (
        "probability",
        "chance per matching request, 0-1 (default 1)",
    ),
    ("first", "only the first N matching requests (0 = no limit)"),
    ("every", "only every Nth matching request (0 = every one)"),
    ("max", "at most N fires (0 = no cap)"),
    ("at_least", "at least N fires, whatever the draw"),
    ("seller", "only this seller's tax id"),
    ("number_prefix", "only invoice numbers starting so"),
    ("after / until", "window from the plan's start, e.g. \"2s\""),
];

/// Every fault kind, in the order of [`FaultKind`](super::FaultKind).
pub const CATALOG: &[KindInfo] = &[
    KindInfo {
        kind: "drop_after_ack",
        summary: "answers success, stores nothing",
        settings: &[],
        example: r#"{ kind = "drop_after_ack", probability = 0.02, at_least = 1 }"#,
    },
    KindInfo {
        kind: "reject",
        summary: "answers 5xx (or an abort code such as 550), stores nothing",
        settings: &[
            ("status", "500-599 (default 503)"),
            ("retry_after", "Retry-After seconds to send (default none)"),
        ],
        example: r#"{ kind = "reject", status = 503, probability = 0.02 }"#,
    },
    KindInfo {
        kind: "reset_before_store",
        summary: "TCP reset before anything is stored",
        settings: &[],
        example: r#"{ kind = "reset_before_store", on = "upload", probability = 0.02 }"#,
    },
    KindInfo {
        kind: "commit_then_reset",
        summary: "stores the record, then resets the connection",
        settings: &[],
        example: r#"{ kind = "commit_then_reset", probability = 0.03, at_least = 1 }"#,
    },
    KindInfo {
        kind: "commit_then_timeout",
        summary: "stores the record, then never answers",
        settings: &[],
        example: r#"{ kind = "commit_then_timeout", probability = 0.03 }"#,
    },
    KindInfo {
        kind: "timeout_before_store",
        summary: "never answers, stores nothing",
        settings: &[],
        example: r#"{ kind = "timeout_before_store", on = "upload", probability = 0.03 }"#,
    },
    KindInfo {
        kind: "error_after_commit",
        summary: "stores the record, then answers 5xx",
        settings: &[("status", "500-599 (default 500)")],
        example: r#"{ kind = "error_after_commit", status = 500, probability = 0.03 }"#,
    },
    KindInfo {
        kind: "partial_write",
        summary: "answers success, stores the header without some lines or fields",
        settings: &[
            ("drop", "lines | fields"),
            (
                "keep",
                "with drop = \"lines\": leading lines kept (default 0)",
            ),
            ("fields", "with drop = \"fields\": fields stored empty"),
        ],
        example: r#"{ kind = "partial_write", drop = "lines", keep = 1, probability = 0.05 }"#,
    },
    KindInfo {
        kind: "corrupt",
        summary: "answers success, stores one field altered",
        settings: &[("field", "amount | tax_id | line (default amount)")],
        example: r#"{ kind = "corrupt", field = "amount", probability = 0.03 }"#,
    },
    KindInfo {
        kind: "duplicate",
        summary: "answers success, stores two copies under different references",
        settings: &[],
        example: r#"{ kind = "duplicate", probability = 0.02 }"#,
    },
    KindInfo {
        kind: "duplicate_without_pointer",
        summary: "answers 409 DUPLICATE without original_ref to an upload of a known number",
        settings: &[],
        example: r#"{ kind = "duplicate_without_pointer", probability = 0.5 }"#,
    },
    KindInfo {
        kind: "visibility_lag",
        summary: "stores the record, but reads answer 404 for a while",
        settings: &[("lag", "how long the record stays invisible (default 2s)")],
        example: r#"{ kind = "visibility_lag", lag = "1s", probability = 0.05 }"#,
    },
    KindInfo {
        kind: "stuck_processing",
        summary: "accepts asynchronously (202); the submission stays PROCESSING",
        settings: &[("store", "store the record anyway (default false)")],
        example: r#"{ kind = "stuck_processing", store = true, probability = 0.02 }"#,
    },
    KindInfo {
        kind: "latency",
        summary: "delays the answer: fixed, uniform or log-normal",
        settings: &[
            ("delay", "fixed delay"),
            ("low", "uniform delay: lower bound (with high)"),
            ("high", "uniform delay: upper bound (with low)"),
            ("median", "log-normal delay: the median"),
            ("sigma", "log-normal delay: the spread (default 0.5)"),
        ],
        example: r#"{ kind = "latency", median = "80ms", sigma = 0.8, on = "upload" }"#,
    },
    KindInfo {
        kind: "rate_limit",
        summary: "answers 429 RATE_LIMITED with Retry-After",
        settings: &[("retry_after", "the Retry-After sent (default 1s)")],
        example: r#"{ kind = "rate_limit", retry_after = "1s", on = "upload", probability = 0.03 }"#,
    },
    KindInfo {
        kind: "token_expiry",
        summary: "answers 401 as if the bearer token had expired",
        settings: &[],
        example: r#"{ kind = "token_expiry", on = "upload", probability = 0.02 }"#,
    },
    KindInfo {
        kind: "slow_query",
        summary: "delays a read, or hangs without an answer",
        settings: &[
            ("delay", "how long the read is delayed"),
            ("hang", "never answer (default false)"),
        ],
        example: r#"{ kind = "slow_query", delay = "2s", on = "query" }"#,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chaos::faults::FaultKind;
    use crate::chaos::plan::rule::RULE_KEYS;
    use crate::chaos::plan::Plan;

    /// The names serde lists after "expected" in `message` (`a`, `a` or `b`, one of
    /// `a`, `b`, …); empty for "there are no fields".
    fn expected_names(message: &str) -> Vec<String> {
        let Some((_, list)) = message.split_once("expected ") else {
            assert!(message.contains("there are no fields"), "{message}");
            return Vec::new();
        };
        list.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    fn error_of(value: serde_json::Value) -> String {
        match serde_json::from_value::<FaultKind>(value) {
            Ok(kind) => panic!("expected an error, found {kind:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn the_catalog_lists_every_fault_kind_in_order() {
        let kinds = expected_names(&error_of(serde_json::json!({ "kind": "no_such_kind" })));
        let listed: Vec<&str> = CATALOG.iter().map(|k| k.kind).collect();
        assert_eq!(listed, kinds);
    }

    #[test]
    fn each_kind_names_exactly_the_settings_its_struct_reads() {
        for info in CATALOG {
            let message = error_of(serde_json::json!({ "kind": info.kind, "no_such_setting": 1 }));
            let mut read = expected_names(&message);
            read.sort();
            let mut named: Vec<String> = info.settings.iter().map(|(s, _)| s.to_string()).collect();
            named.sort();
            assert_eq!(named, read, "settings of {}", info.kind);
        }
    }

    #[test]
    fn every_example_loads_as_a_rule_of_its_kind() {
        for info in CATALOG {
            let plan = Plan::from_toml_str(&format!("faults = [{}]", info.example))
                .unwrap_or_else(|e| panic!("example of {}: {e}", info.kind));
            assert_eq!(plan.faults.len(), 1);
            assert_eq!(plan.faults[0].fault.name(), info.kind);
        }
    }

    #[test]
    fn the_targeting_settings_are_the_ones_every_rule_reads() {
        let mut listed: Vec<&str> = TARGETING
            .iter()
            .flat_map(|(names, _)| names.split(" / "))
            .filter(|name| *name != "kind")
            .collect();
        listed.sort();
        let mut read: Vec<&str> = RULE_KEYS.iter().copied().filter(|k| *k != "kind").collect();
        read.sort();
        assert_eq!(listed, read);
    }
}
