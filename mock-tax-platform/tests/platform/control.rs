//! The control plane: truth, journal, reset, version, token, separate listener.

use mock_tax_platform::Config;
use serde_json::Value;
use tokio::net::TcpListener;

use crate::common::*;

async fn journal(platform: &mock_tax_platform::Platform) -> Vec<Value> {
    let text = reqwest::get(format!("{}/_chaos/journal", platform.control_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test]
async fn truth_lists_every_stored_record_as_intact_with_its_hashes() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let sent = invoice(SELLER, "INV-1");
    api.upload(&sent).await;
    let truth = crate::upload::truth(&platform).await;
    let record = &truth["records"][0];
    assert_eq!(truth["seed"], 0);
    assert_eq!(record["number"], "INV-1");
    assert_eq!(record["integrity"], "intact");
    assert_eq!(record["sent_hash"], tax_api::content_hash(&sent));
    assert_eq!(record["stored_hash"], record["sent_hash"]);
    assert_eq!(record["copies"], 1);
    assert_eq!(record["stored"]["number"], "INV-1");
}

#[tokio::test]
async fn journal_is_json_lines_with_route_status_effect_and_attempt_per_number() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let inv = invoice(SELLER, "INV-1");
    api.upload(&inv).await;
    api.upload(&inv).await;
    api.get("/v1/invoices/INV-1").await;
    let entries = journal(&platform).await;
    let uploads: Vec<&Value> = entries.iter().filter(|e| e["route"] == "upload").collect();
    assert_eq!(uploads.len(), 2);
    assert_eq!(uploads[0]["attempt"], 0);
    assert_eq!(uploads[1]["attempt"], 1);
    assert_eq!(uploads[0]["effect"], "stored");
    assert_eq!(uploads[1]["effect"], "idempotent");
    assert_eq!(uploads[0]["status"], 201);
    assert_eq!(uploads[0]["number"], "INV-1");
    let get = entries.iter().find(|e| e["route"] == "get").unwrap();
    assert_eq!(
        (get["attempt"].clone(), get["status"].clone()),
        (0.into(), 200.into())
    );
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (0..entries.len() as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn journal_records_error_codes() {
    let platform = start(two_sellers()).await;
    Api::new(&platform, None)
        .upload(&invoice(SELLER, "X"))
        .await;
    let entries = journal(&platform).await;
    assert_eq!(entries[0]["status"], 401);
    assert_eq!(entries[0]["error_code"], "UNAUTHORIZED");
}

#[tokio::test]
async fn reset_forgets_records_and_journal() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    api.upload(&invoice(SELLER, "INV-1")).await;
    let response = reqwest::Client::new()
        .post(format!("{}/_chaos/reset", platform.control_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let truth = crate::upload::truth(&platform).await;
    assert!(truth["records"].as_array().unwrap().is_empty());
    expect_error(api.get("/v1/invoices/INV-1").await, 404, "NOT_FOUND").await;
    let entries = journal(&platform).await;
    assert!(
        entries.iter().all(|e| e["route"] != "upload"),
        "{entries:?}"
    );
    assert_eq!(entries[0]["path"], "/_chaos/reset");
}

#[tokio::test]
async fn version_names_the_platform_and_seed() {
    let config = Config {
        seed: 42,
        ..two_sellers()
    };
    let platform = start(config).await;
    let (status, body) = status_json(
        reqwest::get(format!("{}/_chaos/version", platform.control_url()))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "mock-tax-platform");
    assert_eq!(body["seed"], 42);
}

#[tokio::test]
async fn a_control_token_guards_the_control_plane() {
    let config = Config {
        control_token: Some("ops".to_owned()),
        ..two_sellers()
    };
    let platform = start(config).await;
    let url = format!("{}/_chaos/truth", platform.control_url());
    let client = reqwest::Client::new();
    expect_error(client.get(&url).send().await.unwrap(), 401, "UNAUTHORIZED").await;
    let ok = client.get(&url).bearer_auth("ops").send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_separate_control_listener_serves_only_the_control_plane() {
    let api = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let control = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let platform = mock_tax_platform::start_on(two_sellers(), api, Some(control))
        .await
        .unwrap();
    assert_ne!(platform.addr(), platform.control_addr());
    let on_api = reqwest::get(format!("{}/_chaos/truth", platform.base_url()))
        .await
        .unwrap();
    expect_error(on_api, 404, "NOT_FOUND").await;
    let on_control = reqwest::get(format!("{}/_chaos/truth", platform.control_url()))
        .await
        .unwrap();
    assert_eq!(on_control.status(), 200);
    let status_on_control = reqwest::get(format!("{}/v1/status", platform.control_url()))
        .await
        .unwrap();
    expect_error(status_on_control, 404, "NOT_FOUND").await;
}
