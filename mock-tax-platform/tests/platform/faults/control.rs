//! The plan's control plane: read, replace, add, delete, stats, and strict parsing.

use reqwest::Method;
use serde_json::json;

use super::support::*;
use crate::common::*;

#[tokio::test]
async fn a_plan_put_as_toml_reads_back_as_named_json() {
    let (platform, api) = start_with(1, json!({})).await;
    let toml = "[[faults]]\nkind = \"reject\"\nstatus = 502\nfirst = 1\n";
    let response = reqwest::Client::new()
        .put(format!("{}/_chaos/plan", platform.control_url()))
        .header("content-type", "application/toml")
        .body(toml)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let (_, plan) = control(&platform, Method::GET, "/_chaos/plan", None).await;
    assert_eq!(plan["faults"][0]["name"], "reject#1");
    assert_eq!(plan["faults"][0]["status"], 502);
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        502
    );
}

#[tokio::test]
async fn a_plan_with_an_unknown_key_is_refused_naming_the_key() {
    let (platform, _) = start_with(1, json!({})).await;
    let (status, body) = control(
        &platform,
        Method::PUT,
        "/_chaos/plan",
        Some(json!({"faults": [{"kind": "partial_write", "dorp": "lines"}]})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("dorp"), "{body}");
    let (status, body) = add_rule(&platform, json!({"kind": "lost_in_space"})).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("lost_in_space"),
        "{body}"
    );
}

#[tokio::test]
async fn rules_can_be_added_and_deleted_one_at_a_time() {
    let (platform, api) = start_with(1, json!({})).await;
    let (status, body) = add_rule(
        &platform,
        json!({"kind": "rate_limit", "name": "slow-down"}),
    )
    .await;
    assert_eq!((status, &body["name"]), (201, &json!("slow-down")));
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        429
    );
    let (status, _) = control(&platform, Method::DELETE, "/_chaos/faults/slow-down", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        201
    );
    let (status, body) = control(&platform, Method::DELETE, "/_chaos/faults/slow-down", None).await;
    assert_eq!((status, &body["code"]), (404, &json!("NOT_FOUND")));
}

#[tokio::test]
async fn a_rule_name_is_percent_decoded_from_the_delete_path() {
    let (platform, _api) = start_with(1, json!({})).await;
    let (status, body) = add_rule(
        &platform,
        json!({"kind": "rate_limit", "name": "slow down/1 ü"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let path = "/_chaos/faults/slow%20down%2F1%20%C3%BC";
    let (status, body) = control(&platform, Method::DELETE, path, None).await;
    assert_eq!((status, &body["deleted"]), (200, &json!("slow down/1 ü")));
    let (status, body) = control(&platform, Method::DELETE, "/_chaos/faults/%FF", None).await;
    assert_eq!(
        (status, &body["code"]),
        (400, &json!("VALIDATION_FAILED")),
        "{body}"
    );
}

#[tokio::test]
async fn stats_count_matches_and_fires_per_rule_and_the_journal_names_the_rule() {
    let (platform, api) =
        start_with_rule(json!({"kind": "corrupt", "every": 2, "name": "c"})).await;
    for i in 0..4 {
        api.upload(&invoice(SELLER, &format!("N{i}"))).await;
    }
    let s = stats(&platform).await;
    assert_eq!(
        s["rules"],
        json!([{"name": "c", "kind": "corrupt", "matched": 4, "fired": 2}])
    );
    let entries = journal(&platform).await;
    let named: Vec<_> = entries
        .iter()
        .filter(|e| e.rule.as_deref() == Some("c"))
        .collect();
    assert_eq!(named.len(), 2);
    assert!(named
        .iter()
        .all(|e| e.effect == tax_api::StoreEffect::StoredCorrupted));
}

#[tokio::test]
async fn reset_starts_the_plan_again_with_fresh_counters() {
    let (platform, api) = start_with_rule(json!({"kind": "reject", "first": 1})).await;
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        503
    );
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        201
    );
    control(&platform, Method::POST, "/_chaos/reset", None).await;
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        503
    );
}
