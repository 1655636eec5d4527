//! Robust mode under faults that meet asynchronous submissions, where a delivery spans
//! many polls and can outlive a reconciliation pass.

use std::time::Duration;

use reference_client::Mode;
use serde_json::json;
use tax_api::LedgerStatus;

use crate::common::*;

/// One client against a platform that processes uploads for `processing_delay`, with
/// `rule` installed and `count` invoices issued. Returns the platform, client and numbers.
async fn start_async(
    processing_delay: Duration,
    rule: serde_json::Value,
    prefix: &str,
    count: usize,
) -> (
    mock_tax_platform::Platform,
    reference_client::RunningClient,
    Vec<String>,
    tempfile::TempDir,
) {
    let platform = platform(Some(processing_delay)).await;
    install(&platform, rule).await;
    let dir = tempfile::tempdir().unwrap();
    let client = start_client(config(&platform, dir.path(), Mode::Robust)).await;
    let numbers = issue(client.addr(), prefix, count).await;
    (platform, client, numbers, dir)
}

#[tokio::test]
async fn robust_mode_confirms_an_invoice_whose_polls_met_scattered_refused_tokens() {
    // Every second read is refused: never two in a row, yet over a second of processing
    // far more than the client's limit of refusals in a row. Counting them all flagged
    // an invoice the platform stored intact.
    let rule = json!({"kind": "token_expiry", "on": "get", "every": 2});
    let (platform, client, numbers, _dir) =
        start_async(Duration::from_secs(1), rule, "scattered-401", 1).await;
    let ledger = settled(client.addr(), Duration::from_secs(30)).await;
    let truth = truth(&platform).await;
    let fired = fired(&platform, "token_expiry").await;
    client.shutdown().await;
    platform.shutdown().await;
    assert!(
        fired >= 4,
        "only {fired} refusals: the scenario needs more than 3"
    );
    let verdict = judge(&numbers, &ledger, &truth);
    assert_eq!(verdict.confirmed_intact, 1, "{verdict:?} {ledger:?}");
}

#[tokio::test]
async fn robust_mode_rides_out_a_short_run_of_refused_tokens() {
    // Eight polls in a row refused, then the outage is over: well under a second of
    // backoff, far shorter than a token refused for good.
    let rule = json!({"kind": "token_expiry", "on": "get", "first": 8});
    let (platform, client, numbers, _dir) =
        start_async(Duration::from_millis(100), rule, "short-401-run", 1).await;
    let ledger = settled(client.addr(), Duration::from_secs(30)).await;
    let truth = truth(&platform).await;
    let fired = fired(&platform, "token_expiry").await;
    client.shutdown().await;
    platform.shutdown().await;
    let verdict = judge(&numbers, &ledger, &truth);
    assert_eq!(verdict.confirmed_intact, 1, "{verdict:?} {ledger:?}");
    assert_eq!(fired, 8);
}

#[tokio::test]
async fn robust_mode_keeps_uploading_through_a_short_run_of_refused_uploads() {
    // More refused uploads than the client's upload limit: none reached the store, so
    // the limit must not turn a half-second auth outage into a flag.
    let rule = json!({"kind": "token_expiry", "on": "upload", "first": 9});
    let (platform, client, numbers, _dir) =
        start_async(Duration::from_millis(50), rule, "refused-uploads", 1).await;
    let ledger = settled(client.addr(), Duration::from_secs(30)).await;
    let truth = truth(&platform).await;
    let fired = fired(&platform, "token_expiry").await;
    client.shutdown().await;
    platform.shutdown().await;
    let verdict = judge(&numbers, &ledger, &truth);
    assert_eq!(verdict.confirmed_intact, 1, "{verdict:?} {ledger:?}");
    assert_eq!(fired, 9);
}

#[tokio::test]
async fn robust_mode_flags_an_invoice_whose_token_is_refused_every_time() {
    let rule = json!({"kind": "token_expiry"});
    let (platform, client, _numbers, _dir) =
        start_async(Duration::from_millis(50), rule, "always-401", 1).await;
    let ledger = settled(client.addr(), Duration::from_secs(30)).await;
    client.shutdown().await;
    platform.shutdown().await;
    let entry = &ledger.entries[0];
    assert_eq!(entry.status, LedgerStatus::Flagged, "{entry:?}");
    let reason = entry.reason.as_deref().unwrap_or_default();
    assert!(reason.starts_with("UNAUTHORIZED"), "{reason}");
}

#[tokio::test]
async fn robust_mode_flags_a_double_record_whose_submission_outlived_a_reconciliation() {
    // Reconciliation runs while every submission is still processing, so the pass has
    // nothing confirmed to check; the deliveries then confirm records stored twice
    // unless they count the copies themselves.
    let rule = json!({"kind": "duplicate"});
    let (platform, client, numbers, _dir) =
        start_async(Duration::from_millis(400), rule, "async-double", 4).await;
    let summary = reconcile(client.addr()).await;
    assert_eq!(summary.checked, 0, "a record was confirmed before the pass");
    let ledger = settled(client.addr(), Duration::from_secs(30)).await;
    let truth = truth(&platform).await;
    let fired = fired(&platform, "duplicate").await;
    client.shutdown().await;
    platform.shutdown().await;
    assert_eq!(fired, numbers.len());
    let verdict = judge(&numbers, &ledger, &truth);
    assert_nothing_lost_silently(&verdict, &numbers);
    assert_eq!(verdict.flagged, numbers.len(), "{verdict:?}");
    for e in &ledger.entries {
        let reason = e.reason.as_deref().unwrap_or_default();
        assert!(reason.starts_with("DUPLICATED"), "{e:?}");
    }
}

#[tokio::test]
async fn robust_mode_confirms_a_stored_record_whose_submission_stays_processing() {
    // The platform stored the record but its submission never leaves PROCESSING: a
    // look-up by number proves it stored long before the delivery deadline.
    let rule = json!({"kind": "stuck_processing", "store": true});
    let (platform, client, numbers, _dir) =
        start_async(Duration::from_millis(50), rule, "stuck-but-stored", 2).await;
    let ledger = settled(client.addr(), Duration::from_secs(30)).await;
    let truth = truth(&platform).await;
    let fired = fired(&platform, "stuck_processing").await;
    client.shutdown().await;
    platform.shutdown().await;
    assert_eq!(fired, numbers.len());
    let verdict = judge(&numbers, &ledger, &truth);
    assert_eq!(
        verdict.confirmed_intact,
        numbers.len(),
        "{verdict:?} {ledger:?}"
    );
}
