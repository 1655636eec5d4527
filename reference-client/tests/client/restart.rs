//! Kill -9 and restart: the outbox resumes delivery; nothing accepted is lost or sent
//! under a new identity.

use std::collections::HashSet;
use std::time::Duration;

use reference_client::Mode;
use serde_json::json;
use tax_api::{Integrity, LedgerStatus};

use crate::common::*;

fn isolated(config: reference_client::ClientConfig) -> reference_client::IsolatedClient {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    reference_client::spawn_isolated(config, listener).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_mid_delivery_resumes_and_loses_nothing() {
    let platform = platform(None).await;
    // Slow uploads so the kill lands mid-delivery.
    install(
        &platform,
        json!({"kind": "latency", "delay": "20ms", "probability": 1.0}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&platform, dir.path(), Mode::Robust);
    cfg.workers = 8;
    cfg.fsync = true;
    cfg.delivery_deadline = Duration::from_secs(120);

    let first = isolated(cfg.clone());
    let numbers = issue(first.addr(), "KILL", 1000).await;
    let before = ledger(first.addr()).await;
    first.kill();
    assert_eq!(before.entries.len(), 1000);
    let pending = before
        .entries
        .iter()
        .filter(|e| e.status == LedgerStatus::Pending)
        .count();
    assert!(
        pending > 0,
        "delivery finished before the kill; the test proves nothing"
    );

    let second = isolated(cfg);
    settled(second.addr(), Duration::from_secs(120)).await;
    reconcile(second.addr()).await;
    let after = settled(second.addr(), Duration::from_secs(120)).await;
    second.kill();

    assert_eq!(after.entries.len(), 1000);
    let confirmed = after
        .entries
        .iter()
        .filter(|e| e.status == LedgerStatus::Confirmed)
        .count();
    assert_eq!(
        confirmed,
        1000,
        "{:?}",
        after
            .entries
            .iter()
            .find(|e| e.status != LedgerStatus::Confirmed)
    );
    let truth = truth(&platform).await;
    let issued: HashSet<&str> = numbers.iter().map(String::as_str).collect();
    let stored: HashSet<&str> = truth.records.iter().map(|r| r.number.as_str()).collect();
    assert_eq!(stored, issued, "lost or unexpected numbers");
    assert!(truth
        .records
        .iter()
        .all(|r| r.integrity == Integrity::Intact && r.copies == 1));
    for e in journal(&platform).await {
        if let (Some(n), Some(s)) = (e["number"].as_str(), e["request_serial"].as_str()) {
            assert_eq!(
                s,
                format!("order-{n}"),
                "{n} was sent under another identity"
            );
        }
    }
}
