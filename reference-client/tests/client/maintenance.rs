//! Maintenance windows and migration loss: robust mode reconciles by period and
//! uploads again what the migration took; naive mode never notices.

use std::time::Duration;

use mock_tax_platform::Platform;
use reference_client::Mode;
use serde_json::json;

use crate::common::*;

async fn maintenance(platform: &Platform, body: serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/_chaos/maintenance", platform.control_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "{:?}", resp.text().await);
}

/// Issues invoices, settles, then runs a window whose migration loses half of the
/// records, with more invoices issued during the window. Returns the verdict and how
/// many records the migration took.
async fn migration_loss(mode: Mode) -> (Verdict, Vec<String>, tax_api::ReconcileSummary, usize) {
    let platform = platform(None).await;
    let dir = tempfile::tempdir().unwrap();
    let client = start_client(config(&platform, dir.path(), mode)).await;
    let mut numbers = issue(client.addr(), "before", 30).await;
    settled(client.addr(), Duration::from_secs(60)).await;
    maintenance(
        &platform,
        json!({"duration": "30s", "retry_after": "1s", "migration": {"lose": 0.5, "since": "start"}}),
    )
    .await;
    numbers.extend(issue(client.addr(), "during", 10).await);
    maintenance(&platform, json!({"stop": true})).await;
    let lost = truth(&platform)
        .await
        .records
        .iter()
        .filter(|r| r.integrity == tax_api::Integrity::LostInMigration)
        .count();
    settled(client.addr(), Duration::from_secs(60)).await;
    let summary = reconcile(client.addr()).await;
    let ledger = settled(client.addr(), Duration::from_secs(60)).await;
    let verdict = judge(&numbers, &ledger, &truth(&platform).await);
    client.shutdown().await;
    platform.shutdown().await;
    (verdict, numbers, summary, lost)
}

#[tokio::test]
async fn robust_mode_reuploads_what_a_migration_lost() {
    let (verdict, numbers, _, lost) = migration_loss(Mode::Robust).await;
    assert!(lost > 0, "the migration lost nothing");
    assert_nothing_lost_silently(&verdict, &numbers);
    assert_eq!(verdict.flagged, 0, "{verdict:?}");
}

#[tokio::test]
async fn naive_mode_never_notices_a_migration_loss() {
    let (verdict, _, summary, lost) = migration_loss(Mode::Naive).await;
    assert!(lost > 0, "the migration lost nothing");
    assert_eq!(summary, tax_api::ReconcileSummary::default());
    assert!(!verdict.silent.is_empty(), "{verdict:?}");
}
