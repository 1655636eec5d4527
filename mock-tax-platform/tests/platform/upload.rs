//! `POST /v1/invoices`: success, idempotency, duplicates, validation, auth, async mode.

use std::time::Duration;

use mock_tax_platform::Config;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn upload_answers_201_issued_with_a_platform_ref() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let (status, body) = status_json(api.upload(&invoice(SELLER, "INV-1")).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["number"], "INV-1");
    assert_eq!(body["status"], "ISSUED");
    assert!(body["platform_ref"].as_str().is_some_and(|r| !r.is_empty()));
    assert!(body["received_at"].as_str().is_some());
}

#[tokio::test]
async fn reupload_of_the_same_content_returns_the_original_record() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let first = invoice(SELLER, "INV-1");
    let (_, original) = status_json(api.upload(&first).await).await;
    let mut retry = first.clone();
    retry.request_serial = "a-new-serial".to_owned();
    let (status, again) = status_json(api.upload(&retry).await).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["platform_ref"], original["platform_ref"]);
    assert_eq!(again["received_at"], original["received_at"]);
    let truth = truth(&platform).await;
    assert_eq!(truth["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn same_number_with_different_content_is_409_duplicate_pointing_at_the_original() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let (_, original) = status_json(api.upload(&invoice(SELLER, "INV-1")).await).await;
    let mut changed = invoice(SELLER, "INV-1");
    changed.buyer_name = "Someone Else Ltd.".to_owned();
    let body = expect_error(api.upload(&changed).await, 409, "DUPLICATE").await;
    assert_eq!(body["details"]["original_ref"], original["platform_ref"]);
    assert_eq!(body["retryable"], false);
}

#[tokio::test]
async fn lines_that_do_not_add_up_are_422_totals_mismatch() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut bad = invoice(SELLER, "INV-1");
    bad.totals.total_incl_tax += 1;
    let body = expect_error(api.upload(&bad).await, 422, "TOTALS_MISMATCH").await;
    assert_eq!(body["details"]["field"], "totals.total_incl_tax");
}

#[tokio::test]
async fn a_missing_field_is_400_naming_the_field() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut value = serde_json::to_value(invoice(SELLER, "INV-1")).unwrap();
    value.as_object_mut().unwrap().remove("buyer_name");
    let body = expect_error(
        api.post_json("/v1/invoices", &value).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["details"]["field"], "buyer_name");
}

#[tokio::test]
async fn a_wrongly_typed_nested_field_is_400_naming_its_path() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut value = serde_json::to_value(invoice(SELLER, "INV-1")).unwrap();
    value["lines"][0]["quantity"] = Value::from("two");
    let body = expect_error(
        api.post_json("/v1/invoices", &value).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["details"]["field"], "lines[0].quantity");
}

#[tokio::test]
async fn an_empty_number_is_400_naming_number() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let body = expect_error(
        api.upload(&invoice(SELLER, "")).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["details"]["field"], "number");
}

#[tokio::test]
async fn upload_without_a_token_is_401() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, None);
    expect_error(
        api.upload(&invoice(SELLER, "INV-1")).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
}

#[tokio::test]
async fn upload_with_a_wrong_token_is_401() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some("not-a-token"));
    expect_error(
        api.upload(&invoice(SELLER, "INV-1")).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
}

#[tokio::test]
async fn uploading_for_another_seller_is_401_and_stores_nothing() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(OTHER_TOKEN));
    let body = expect_error(
        api.upload(&invoice(SELLER, "INV-1")).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
    assert_eq!(body["details"]["field"], "seller_tax_id");
    assert!(truth(&platform).await["records"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn with_no_tokens_configured_any_seller_may_upload() {
    let platform = start(Config::default()).await;
    let api = Api::new(&platform, None);
    let (status, _) = status_json(api.upload(&invoice("ANY-SELLER-1", "INV-1")).await).await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn async_mode_answers_202_and_the_submission_starts_received() {
    let config = Config {
        processing_delay: Some(Duration::from_secs(3600)),
        ..two_sellers()
    };
    let platform = start(config).await;
    let api = Api::new(&platform, Some(TOKEN));
    let (status, accepted) = status_json(api.upload(&invoice(SELLER, "INV-1")).await).await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["status"], "RECEIVED");
    let id = accepted["submission_id"].as_str().unwrap();
    let (status, sub) = status_json(api.get(&format!("/v1/submissions/{id}")).await).await;
    assert_eq!(status, 200, "{sub}");
    assert_eq!(sub["status"], "RECEIVED");
    assert_eq!(sub["number"], "INV-1");
    // Not yet issued, so not yet readable.
    expect_error(api.get("/v1/invoices/INV-1").await, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn async_mode_with_zero_delay_issues_at_once() {
    let config = Config {
        processing_delay: Some(Duration::ZERO),
        ..two_sellers()
    };
    let platform = start(config).await;
    let api = Api::new(&platform, Some(TOKEN));
    let (_, accepted) = status_json(api.upload(&invoice(SELLER, "INV-1")).await).await;
    let id = accepted["submission_id"].as_str().unwrap();
    let (_, sub) = status_json(api.get(&format!("/v1/submissions/{id}")).await).await;
    assert_eq!(sub["status"], "ISSUED", "{sub}");
    let (_, stored) = status_json(api.get("/v1/invoices/INV-1").await).await;
    assert_eq!(sub["platform_ref"], stored["platform_ref"]);
}

#[tokio::test]
async fn async_duplicate_ends_as_a_duplicate_submission_with_the_original_ref() {
    let config = Config {
        processing_delay: Some(Duration::ZERO),
        ..two_sellers()
    };
    let platform = start(config).await;
    let api = Api::new(&platform, Some(TOKEN));
    let (_, first) = status_json(api.upload(&invoice(SELLER, "INV-1")).await).await;
    let first_id = first["submission_id"].as_str().unwrap();
    let (_, first_sub) = status_json(api.get(&format!("/v1/submissions/{first_id}")).await).await;
    let mut changed = invoice(SELLER, "INV-1");
    changed.buyer_name = "Changed".to_owned();
    let (status, second) = status_json(api.upload(&changed).await).await;
    assert_eq!(status, 202);
    let id = second["submission_id"].as_str().unwrap();
    let (_, sub) = status_json(api.get(&format!("/v1/submissions/{id}")).await).await;
    assert_eq!(sub["status"], "DUPLICATE", "{sub}");
    assert_eq!(
        sub["error"]["details"]["original_ref"],
        first_sub["platform_ref"]
    );
}

pub async fn truth(platform: &mock_tax_platform::Platform) -> Value {
    control_get(platform, "/_chaos/truth").await
}
