//! The client contract itself (DESIGN §3) against a platform without faults.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use reference_client::Mode;
use serde_json::{json, Value};
use tax_api::LedgerStatus;

use crate::common::*;

async fn post(addr: std::net::SocketAddr, path: &str, body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}{path}"))
        .json(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn healthz_answers_once_started_and_unknown_routes_get_the_error_envelope() {
    let platform = platform(None).await;
    let dir = tempfile::tempdir().unwrap();
    let client = start_client(config(&platform, dir.path(), Mode::Robust)).await;
    let health = reqwest::get(format!("http://{}/healthz", client.addr()))
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let missing = reqwest::get(format!("http://{}/nowhere", client.addr()))
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], "NOT_FOUND");
    let wrong = reqwest::get(format!("http://{}/invoices", client.addr()))
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 405);
    client.shutdown().await;
}

#[tokio::test]
async fn intake_refuses_a_malformed_body_or_another_sellers_invoice() {
    let platform = platform(None).await;
    let dir = tempfile::tempdir().unwrap();
    let client = start_client(config(&platform, dir.path(), Mode::Robust)).await;
    let (status, body) = post(client.addr(), "/invoices", &json!({"number": 1})).await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "VALIDATION_FAILED");
    let mut other = invoice("X-1", 1);
    other.seller_tax_id = "91310000MA1K0002ZZ".into();
    let (status, body) = post(
        client.addr(),
        "/invoices",
        &serde_json::to_value(&other).unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("expected seller_tax_id"),
        "{body}"
    );
    assert!(ledger(client.addr()).await.entries.is_empty());
    client.shutdown().await;
}

#[tokio::test]
async fn intake_is_idempotent_per_number_and_refuses_new_content_under_a_known_number() {
    let platform = platform(None).await;
    let dir = tempfile::tempdir().unwrap();
    let client = start_client(config(&platform, dir.path(), Mode::Robust)).await;
    let inv = serde_json::to_value(invoice("SAME-1", 1)).unwrap();
    assert_eq!(
        post(client.addr(), "/invoices", &inv).await,
        (202, json!({"number": "SAME-1"}))
    );
    assert_eq!(post(client.addr(), "/invoices", &inv).await.0, 202);
    let mut changed = invoice("SAME-1", 1);
    changed.buyer_name = "Another Buyer".into();
    let (status, body) = post(
        client.addr(),
        "/invoices",
        &serde_json::to_value(&changed).unwrap(),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("DUPLICATE")));
    assert_eq!(ledger(client.addr()).await.entries.len(), 1);
    client.shutdown().await;
}

#[tokio::test]
async fn without_faults_every_invoice_is_confirmed_with_its_platform_ref_and_reconciles_clean() {
    let platform = platform(None).await;
    let dir = tempfile::tempdir().unwrap();
    let client = start_client(config(&platform, dir.path(), Mode::Robust)).await;
    let numbers = issue(client.addr(), "CLEAN", 50).await;
    let ledger = settled(client.addr(), Duration::from_secs(60)).await;
    assert_eq!(ledger.entries.len(), 50);
    for e in &ledger.entries {
        assert_eq!(e.status, LedgerStatus::Confirmed, "{e:?}");
        assert!(
            e.platform_ref.as_deref().is_some_and(|r| !r.is_empty()),
            "{e:?}"
        );
        assert_eq!(e.reason, None);
    }
    let summary = reconcile(client.addr()).await;
    assert_eq!(
        (summary.checked, summary.flagged, summary.reuploaded),
        (50, 0, 0)
    );
    let verdict = judge(&numbers, &ledger, &truth(&platform).await);
    assert_eq!(verdict.confirmed_intact, 50, "{verdict:?}");
    client.shutdown().await;
}

/// request_serial of every upload in the journal, per invoice number.
async fn serials(platform: &mock_tax_platform::Platform) -> HashMap<String, HashSet<String>> {
    let mut by_number: HashMap<String, HashSet<String>> = HashMap::new();
    for e in journal(platform).await {
        if e["route"] == "upload" {
            if let (Some(n), Some(s)) = (e["number"].as_str(), e["request_serial"].as_str()) {
                by_number
                    .entry(n.to_owned())
                    .or_default()
                    .insert(s.to_owned());
            }
        }
    }
    by_number
}

#[tokio::test]
async fn robust_mode_keeps_the_request_serial_across_retries_and_naive_mode_does_not() {
    for mode in [Mode::Robust, Mode::Naive] {
        let platform = platform(None).await;
        install(
            &platform,
            json!({"kind": "reject", "status": 500, "probability": 0.5}),
        )
        .await;
        let dir = tempfile::tempdir().unwrap();
        let client = start_client(config(&platform, dir.path(), mode)).await;
        issue(client.addr(), "SERIAL", 20).await;
        settled(client.addr(), Duration::from_secs(60)).await;
        let serials = serials(&platform).await;
        let most = serials.values().map(HashSet::len).max().unwrap();
        match mode {
            Mode::Robust => assert_eq!(most, 1, "{serials:?}"),
            Mode::Naive => assert!(most > 1, "{serials:?}"),
        }
        client.shutdown().await;
        platform.shutdown().await;
    }
}

fn documented() -> std::collections::BTreeSet<(String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/openapi/client-contract.yaml"
    );
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let mut routes = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        for method in item.as_mapping().unwrap().keys() {
            let (method, path) = (method.as_str().unwrap(), path.as_str().unwrap());
            routes.insert((method.to_uppercase(), path.to_owned()));
        }
    }
    routes
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes_the_client_serves() {
    let served: std::collections::BTreeSet<(String, String)> = reference_client::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(documented(), served);
    let platform = platform(None).await;
    let dir = tempfile::tempdir().unwrap();
    let client = start_client(config(&platform, dir.path(), Mode::Robust)).await;
    let http = reqwest::Client::new();
    for (method, path) in served {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = http
            .request(method.clone(), format!("http://{}{path}", client.addr()))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        assert!(
            status != 404 && status != 405,
            "{method} {path} answered {status}"
        );
    }
    client.shutdown().await;
}
