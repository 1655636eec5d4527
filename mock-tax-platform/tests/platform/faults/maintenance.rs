//! Maintenance windows: the gate, `/v1/status`, checkpoints, and the migration that
//! runs when a window ends.

use std::collections::BTreeSet;
use std::time::Duration;

use mock_tax_platform::migration::{choose, MigrationFate, RecordDescriptor};
use mock_tax_platform::plan::Migration;
use reqwest::Method;
use serde_json::json;
use tax_api::{Integrity, StoreEffect};

use super::support::*;
use crate::common::*;

#[tokio::test]
async fn an_open_window_refuses_uploads_with_503_and_retry_after_and_status_says_so() {
    let (platform, api) = start_with(1, json!({})).await;
    let (status, body) = control(
        &platform,
        Method::POST,
        "/_chaos/maintenance",
        Some(json!({"duration": "1h"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["window"], "maintenance#1");
    let response = api.upload(&invoice(SELLER, "N1")).await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 3000, "{retry_after}");
    expect_error(response, 503, "MAINTENANCE").await;
    let entries = journal(&platform).await;
    let gated = uploads_of(&entries, "N1")[0];
    assert_eq!(gated.status, Some(503));
    assert_eq!(gated.rule.as_deref(), Some("maintenance#1"));
    assert_eq!(gated.fault.as_deref(), Some("maintenance"));
    let (_, state) = status_json(api.get("/v1/status").await).await;
    assert_eq!(state["state"], "maintenance");
    assert_eq!(state["windows"].as_array().unwrap().len(), 1);
    expect_error(api.get("/v1/invoices/N1").await, 404, "NOT_FOUND").await;
    let (status, body) = control(
        &platform,
        Method::POST,
        "/_chaos/maintenance",
        Some(json!({"stop": true})),
    )
    .await;
    assert_eq!((status, &body["stopped"]), (200, &json!(["maintenance#1"])));
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        201
    );
    let (_, state) = status_json(api.get("/v1/status").await).await;
    assert_eq!(state["state"], "normal");
}

#[tokio::test]
async fn a_window_with_reads_refuses_reads_too() {
    let (platform, api) = start_with(1, json!({})).await;
    api.upload(&invoice(SELLER, "N1")).await;
    control(
        &platform,
        Method::POST,
        "/_chaos/maintenance",
        Some(json!({"duration": "1h", "reads": true, "retry_after": "7s"})),
    )
    .await;
    let response = api.get("/v1/invoices/N1").await;
    assert_eq!(response.headers()["retry-after"], "7");
    expect_error(response, 503, "MAINTENANCE").await;
}

#[tokio::test]
async fn a_planned_window_in_the_future_is_announced_but_not_yet_enforced() {
    let (_platform, api) = start_with(
        1,
        json!({"maintenance": [{"after": "1h", "duration": "10m"}]}),
    )
    .await;
    let (_, state) = status_json(api.get("/v1/status").await).await;
    assert_eq!(state["state"], "normal");
    assert_eq!(state["windows"].as_array().unwrap().len(), 1);
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        201
    );
}

#[tokio::test]
async fn migration_loses_exactly_the_chosen_half_of_the_records_since_the_checkpoint() {
    let seed = 5;
    let (platform, api) = start_with(seed, json!({})).await;
    let numbers: Vec<String> = (0..30).map(|i| format!("M{i:03}")).collect();
    for n in &numbers[..10] {
        api.upload(&invoice(SELLER, n)).await;
    }
    let (_, cp) = control(&platform, Method::POST, "/_chaos/checkpoint", None).await;
    assert_eq!(cp["checkpointed"], 10);
    for n in &numbers[10..] {
        api.upload(&invoice(SELLER, n)).await;
    }
    let migration = json!({"lose": 0.5, "since": "checkpoint"});
    control(
        &platform,
        Method::POST,
        "/_chaos/maintenance",
        Some(json!({"duration": "1h", "migration": migration})),
    )
    .await;
    let (_, stopped) = control(
        &platform,
        Method::POST,
        "/_chaos/maintenance",
        Some(json!({"stop": true})),
    )
    .await;
    assert_eq!(stopped["migrations"][0]["eligible"], 20);

    // The oracle: the same pure choice over the same records.
    let keys: Vec<String> = numbers.iter().map(|n| format!("{SELLER}/{n}")).collect();
    let descriptors: Vec<RecordDescriptor<'_>> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| RecordDescriptor {
            key,
            written_at: Duration::ZERO,
            checkpointed: i < 10,
        })
        .collect();
    let plan = Migration {
        lose: 0.5,
        ..Migration::default()
    };
    let expected: BTreeSet<String> = choose(seed, "maintenance#1", &plan, &descriptors)
        .into_iter()
        .filter(|(_, fate)| *fate == MigrationFate::Lost)
        .map(|(i, _)| numbers[i].clone())
        .collect();
    assert_eq!(expected.len(), 10);

    let truth = truth(&platform).await;
    let lost: BTreeSet<String> = truth
        .records
        .iter()
        .filter(|r| r.integrity == Integrity::LostInMigration)
        .map(|r| r.number.clone())
        .collect();
    assert_eq!(lost, expected);
    assert!(truth
        .records
        .iter()
        .filter(|r| r.checkpointed)
        .all(|r| r.integrity == Integrity::Intact));
    for r in truth.records.iter().filter(|r| lost.contains(&r.number)) {
        assert_eq!((r.copies, r.stored_hash.as_deref()), (0, None));
        assert_eq!(r.cause.as_deref(), Some("maintenance#1 (lost)"));
    }
    let lost_number = lost.iter().next().unwrap();
    expect_error(
        api.get(&format!("/v1/invoices/{lost_number}")).await,
        404,
        "NOT_FOUND",
    )
    .await;
    let entries = journal(&platform).await;
    let migrated: Vec<_> = entries
        .iter()
        .filter(|e| e.effect == StoreEffect::Migration)
        .collect();
    assert_eq!(
        migrated.len(),
        11,
        "one summary and one entry per lost record"
    );
    assert!(migrated
        .iter()
        .all(|e| e.fault.as_deref() == Some("migration")));
}

#[tokio::test]
async fn migration_can_strip_lines_instead_of_losing_records() {
    let (platform, api) = start_with(3, json!({})).await;
    for i in 0..4 {
        api.upload(&invoice(SELLER, &format!("S{i}"))).await;
    }
    control(
        &platform,
        Method::POST,
        "/_chaos/maintenance",
        Some(json!({"duration": "1h", "migration": {"strip_lines": 1.0}})),
    )
    .await;
    control(
        &platform,
        Method::POST,
        "/_chaos/maintenance",
        Some(json!({"stop": true})),
    )
    .await;
    let truth = truth(&platform).await;
    assert_eq!(truth.records.len(), 4);
    assert!(truth
        .records
        .iter()
        .all(|r| r.integrity == Integrity::Partial && r.stored_line_count == 0));
}

#[tokio::test]
async fn a_window_longer_than_any_calendar_is_refused_and_the_longest_is_served() {
    // The first one's end lies past the last date chrono can hold, the second's past
    // what a duration holds: both are refused with the limit, never a panic.
    for duration in ["200000000y", "18446744073709551615s"] {
        let (platform, _api) = start_with(1, json!({})).await;
        let (status, body) = control(
            &platform,
            Method::POST,
            "/_chaos/maintenance",
            Some(json!({"duration": duration})),
        )
        .await;
        assert_eq!(status, 400, "{duration}: {body}");
        assert_eq!(body["code"], "VALIDATION_FAILED", "{duration}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains("7days"),
            "{body}"
        );
    }
    // The longest window accepted is served, with wall-clock times that fit.
    let (platform, api) = start_with(1, json!({})).await;
    let (status, body) = control(
        &platform,
        Method::POST,
        "/_chaos/maintenance",
        Some(json!({"duration": "7days"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, state) = status_json(api.get("/v1/status").await).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["state"], "maintenance", "{state}");
    let response = api.upload(&invoice(SELLER, "N1")).await;
    expect_error(response, 503, "MAINTENANCE").await;
}
