//! `GET /v1/invoices/{number}`, `GET /v1/submissions/{id}`, `POST /v1/verify`,
//! `GET /v1/status`, and isolation between sellers.

use std::time::Duration;

use mock_tax_platform::Config;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn get_returns_the_stored_record_with_line_count_hash_and_persisted_at() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let sent = invoice(SELLER, "INV-1");
    let (_, accepted) = status_json(api.upload(&sent).await).await;
    let (status, body) = status_json(api.get("/v1/invoices/INV-1").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["platform_ref"], accepted["platform_ref"]);
    assert_eq!(body["line_count"], 1);
    assert_eq!(body["lines"].as_array().unwrap().len(), 1);
    assert_eq!(body["content_hash"], tax_api::content_hash(&sent));
    assert!(body["persisted_at"].as_str().is_some());
    assert_eq!(body["totals"]["total_incl_tax"], sent.totals.total_incl_tax);
}

#[tokio::test]
async fn get_of_an_unknown_number_is_404_not_found() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    expect_error(api.get("/v1/invoices/NOPE").await, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn a_seller_gets_404_for_another_sellers_invoice() {
    let platform = start(two_sellers()).await;
    let owner = Api::new(&platform, Some(TOKEN));
    let other = Api::new(&platform, Some(OTHER_TOKEN));
    owner.upload(&invoice(SELLER, "INV-1")).await;
    let body = expect_error(other.get("/v1/invoices/INV-1").await, 404, "NOT_FOUND").await;
    let unknown = expect_error(other.get("/v1/invoices/NEVER").await, 404, "NOT_FOUND").await;
    // The answer must not reveal that the number exists for someone else.
    assert_eq!(
        body["message"].as_str().unwrap().replace("INV-1", "X"),
        unknown["message"].as_str().unwrap().replace("NEVER", "X")
    );
}

#[tokio::test]
async fn the_same_number_is_independent_per_seller() {
    let platform = start(two_sellers()).await;
    let a = Api::new(&platform, Some(TOKEN));
    let b = Api::new(&platform, Some(OTHER_TOKEN));
    let (sa, ra) = status_json(a.upload(&invoice(SELLER, "INV-1")).await).await;
    let (sb, rb) = status_json(b.upload(&invoice(OTHER_SELLER, "INV-1")).await).await;
    assert_eq!((sa, sb), (201, 201));
    assert_ne!(ra["platform_ref"], rb["platform_ref"]);
    let (_, got) = status_json(b.get("/v1/invoices/INV-1").await).await;
    assert_eq!(got["seller_tax_id"], OTHER_SELLER);
}

#[tokio::test]
async fn a_seller_gets_404_for_another_sellers_submission() {
    let config = Config {
        processing_delay: Some(Duration::from_secs(60)),
        ..two_sellers()
    };
    let platform = start(config).await;
    let owner = Api::new(&platform, Some(TOKEN));
    let other = Api::new(&platform, Some(OTHER_TOKEN));
    let (_, accepted) = status_json(owner.upload(&invoice(SELLER, "INV-1")).await).await;
    let id = accepted["submission_id"].as_str().unwrap();
    expect_error(
        other.get(&format!("/v1/submissions/{id}")).await,
        404,
        "NOT_FOUND",
    )
    .await;
    expect_error(owner.get("/v1/submissions/SUB-404").await, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn get_without_a_token_is_401() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, None);
    expect_error(api.get("/v1/invoices/INV-1").await, 401, "UNAUTHORIZED").await;
}

#[tokio::test]
async fn verify_answers_match_mismatch_and_not_found() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let sent = invoice(SELLER, "INV-1");
    api.upload(&sent).await;
    let total = sent.totals.total_incl_tax;
    for (number, total, expected) in [
        ("INV-1", total, "MATCH"),
        ("INV-1", total + 1, "MISMATCH"),
        ("INV-2", total, "NOT_FOUND"),
    ] {
        let request = json!({"number": number, "total_incl_tax": total});
        let (status, body) = status_json(api.post_json("/v1/verify", &request).await).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["result"], expected, "{number} {total}");
    }
}

#[tokio::test]
async fn verify_does_not_see_another_sellers_invoice() {
    let platform = start(two_sellers()).await;
    Api::new(&platform, Some(TOKEN))
        .upload(&invoice(SELLER, "INV-1"))
        .await;
    let other = Api::new(&platform, Some(OTHER_TOKEN));
    let request = json!({"number": "INV-1", "total_incl_tax": 101_700});
    let (_, body) = status_json(other.post_json("/v1/verify", &request).await).await;
    assert_eq!(body["result"], "NOT_FOUND");
}

#[tokio::test]
async fn status_says_normal_with_no_windows() {
    let platform = start(two_sellers()).await;
    let (status, body) = status_json(Api::new(&platform, None).get("/v1/status").await).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"state": "normal", "windows": []}));
}
