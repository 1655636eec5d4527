//! One test per fault kind: what the client sees, and what the truth holds after.

use std::time::Duration;

use mock_tax_platform::Platform;
use serde_json::json;
use tax_api::{Integrity, StoreEffect};

use super::support::*;
use crate::common::*;

#[tokio::test]
async fn drop_after_ack_answers_success_and_stores_nothing() {
    let (platform, api) = start_with_rule(json!({"kind": "drop_after_ack"})).await;
    let (status, body) = status_json(api.upload(&invoice(SELLER, "N1")).await).await;
    assert_eq!(status, 201, "{body}");
    assert!(body["platform_ref"].is_string());
    assert!(truth_of(&platform, "N1").await.is_none());
    let entries = journal(&platform).await;
    let upload = uploads_of(&entries, "N1")[0];
    assert_eq!(upload.effect, StoreEffect::Dropped);
    assert_eq!(upload.rule.as_deref(), Some("drop_after_ack#1"));
    assert_eq!(upload.fault.as_deref(), Some("drop_after_ack"));
}

#[tokio::test]
async fn reject_answers_its_status_and_stores_nothing() {
    let (platform, api) = start_with_rule(json!({"kind": "reject", "status": 550})).await;
    let response = api.upload(&invoice(SELLER, "N1")).await;
    assert_eq!(response.status().as_u16(), 550);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "SYSTEM_ABORTED");
    assert_eq!(body["retryable"], true);
    assert!(truth_of(&platform, "N1").await.is_none());
}

#[tokio::test]
async fn reset_before_store_resets_the_connection_and_stores_nothing() {
    let (platform, _) = start_with_rule(json!({"kind": "reset_before_store"})).await;
    expect_reset_and_nothing_stored(&platform).await;
}

/// An upload under `reset_before_store` sees a reset, and the truth holds nothing.
pub async fn expect_reset_and_nothing_stored(platform: &Platform) {
    let addr = platform.addr();
    let read = tokio::task::spawn_blocking(move || raw_upload(addr, "N1"))
        .await
        .unwrap();
    assert_eq!(read, Err(std::io::ErrorKind::ConnectionReset));
    assert!(truth_of(platform, "N1").await.is_none());
    let entries = journal(platform).await;
    assert_eq!(uploads_of(&entries, "N1")[0].status, None);
}

#[tokio::test]
async fn commit_then_reset_resets_the_connection_but_keeps_the_full_record() {
    let (platform, api) = start_with_rule(json!({"kind": "commit_then_reset"})).await;
    let err = upload_err(&api, "N1").await;
    assert!(is_reset(&err), "expected a reset, found {err:?}");
    let record = truth_of(&platform, "N1").await.unwrap();
    assert_eq!(record.integrity, Integrity::Intact);
    assert_eq!(record.copies, 1);
}

#[tokio::test]
async fn commit_then_timeout_never_answers_but_keeps_the_full_record() {
    let (platform, api) = start_with_rule(json!({"kind": "commit_then_timeout"})).await;
    let err = upload_err(&impatient(&api, Duration::from_millis(300)), "N1").await;
    assert!(err.is_timeout(), "expected a timeout, found {err:?}");
    let record = truth_of(&platform, "N1").await.unwrap();
    assert_eq!(record.integrity, Integrity::Intact);
    let entries = journal(&platform).await;
    assert_eq!(uploads_of(&entries, "N1")[0].status, None);
}

#[tokio::test]
async fn timeout_before_store_never_answers_and_stores_nothing() {
    let (platform, api) = start_with_rule(json!({"kind": "timeout_before_store"})).await;
    let err = upload_err(&impatient(&api, Duration::from_millis(300)), "N1").await;
    assert!(err.is_timeout(), "expected a timeout, found {err:?}");
    assert!(truth_of(&platform, "N1").await.is_none());
}

#[tokio::test]
async fn a_hung_request_ends_when_the_platform_shuts_down() {
    let (platform, api) = start_with_rule(json!({"kind": "timeout_before_store"})).await;
    expect_hung_request_to_end_at_shutdown(platform, api).await;
}

/// An upload held under `timeout_before_store` ends when the platform shuts down,
/// before the client's own timeout.
pub async fn expect_hung_request_to_end_at_shutdown(platform: Platform, api: Api) {
    let pending = tokio::spawn(async move { upload_err(&api, "N1").await });
    // Wait until the platform has the request (the journal shows it), then stop it.
    loop {
        if !journal(&platform).await.is_empty() {
            break;
        }
        tokio::task::yield_now().await;
    }
    platform.shutdown().await;
    let err = pending.await.unwrap();
    assert!(
        !err.is_timeout(),
        "the client saw the connection end, not its own timeout"
    );
}

#[tokio::test]
async fn error_after_commit_answers_500_but_keeps_the_full_record() {
    let (platform, api) = start_with_rule(json!({"kind": "error_after_commit"})).await;
    expect_error(api.upload(&invoice(SELLER, "N1")).await, 500, "INTERNAL").await;
    let record = truth_of(&platform, "N1").await.unwrap();
    assert_eq!(record.integrity, Integrity::Intact);
}

#[tokio::test]
async fn partial_write_answers_success_and_keeps_the_header_without_lines() {
    let (platform, api) = start_with_rule(json!({"kind": "partial_write", "drop": "lines"})).await;
    let (status, _) = status_json(api.upload(&invoice(SELLER, "N1")).await).await;
    assert_eq!(status, 201);
    let record = truth_of(&platform, "N1").await.unwrap();
    assert_eq!(record.integrity, Integrity::Partial);
    assert_eq!((record.sent_line_count, record.stored_line_count), (1, 0));
    assert_eq!(record.cause.as_deref(), Some("partial_write#1"));
    let (_, stored) = status_json(api.get("/v1/invoices/N1").await).await;
    assert_eq!(stored["line_count"], 0);
    assert_ne!(stored["content_hash"], record.sent_hash);
}

#[tokio::test]
async fn partial_write_of_fields_keeps_the_lines_but_empties_the_fields() {
    let (platform, api) = start_with_rule(
        json!({"kind": "partial_write", "drop": "fields", "fields": ["buyer_name"]}),
    )
    .await;
    api.upload(&invoice(SELLER, "N1")).await;
    let record = truth_of(&platform, "N1").await.unwrap();
    assert_eq!(record.integrity, Integrity::Partial);
    assert_eq!(record.stored.unwrap().buyer_name, "");
    assert_eq!(record.stored_line_count, 1);
}

#[tokio::test]
async fn corrupt_answers_success_and_keeps_one_field_altered() {
    let (platform, api) = start_with_rule(json!({"kind": "corrupt", "field": "amount"})).await;
    let sent = invoice(SELLER, "N1");
    let (status, _) = status_json(api.upload(&sent).await).await;
    assert_eq!(status, 201);
    let record = truth_of(&platform, "N1").await.unwrap();
    assert_eq!(record.integrity, Integrity::Corrupted);
    let stored = record.stored.unwrap();
    assert_ne!(stored.totals.total_incl_tax, sent.totals.total_incl_tax);
    assert_eq!(stored.lines, sent.lines);
    let (_, verify) = status_json(
        api.post_json(
            "/v1/verify",
            &json!({"number": "N1", "total_incl_tax": sent.totals.total_incl_tax}),
        )
        .await,
    )
    .await;
    assert_eq!(verify["result"], "MISMATCH");
}

#[tokio::test]
async fn duplicate_answers_success_and_keeps_two_copies() {
    let (platform, api) = start_with_rule(json!({"kind": "duplicate"})).await;
    let (status, _) = status_json(api.upload(&invoice(SELLER, "N1")).await).await;
    assert_eq!(status, 201);
    let record = truth_of(&platform, "N1").await.unwrap();
    assert_eq!(record.integrity, Integrity::Duplicated);
    assert_eq!(record.copies, 2);
    let entries = journal(&platform).await;
    assert_eq!(
        uploads_of(&entries, "N1")[0].effect,
        StoreEffect::StoredDuplicate
    );
    let period = json!({
        "seller_tax_id": SELLER,
        "from": "2025-05-01T00:00:00+08:00",
        "to": "2025-06-01T00:00:00+08:00",
    });
    let (_, page) = status_json(api.post_json("/v1/invoices/query", &period).await).await;
    let listed: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["number"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["N1", "N1"], "reconciliation sees both copies");
}

#[tokio::test]
async fn a_query_page_of_duplicated_records_stays_within_page_size() {
    let (_platform, api) = start_with_rule(json!({"kind": "duplicate"})).await;
    for number in ["N1", "N2", "N3"] {
        assert_eq!(api.upload(&invoice(SELLER, number)).await.status(), 201);
    }
    let mut request = json!({
        "seller_tax_id": SELLER,
        "from": "2025-05-01T00:00:00+08:00",
        "to": "2025-06-01T00:00:00+08:00",
        "page_size": 3,
    });
    let mut listed = Vec::new();
    loop {
        let (status, page) = status_json(api.post_json("/v1/invoices/query", &request).await).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 3, "a page of {} items: {page}", items.len());
        listed.extend(
            items
                .iter()
                .map(|i| i["number"].as_str().unwrap().to_owned()),
        );
        if page["has_more"] != true {
            break;
        }
        request["cursor"] = page["next_cursor"].clone();
    }
    assert_eq!(listed, ["N1", "N1", "N2", "N2", "N3", "N3"]);
}

#[tokio::test]
async fn duplicate_without_pointer_answers_409_without_original_ref_to_a_retry() {
    let (platform, api) = start_with_rule(json!({"kind": "duplicate_without_pointer"})).await;
    let inv = invoice(SELLER, "N1");
    let (first, _) = status_json(api.upload(&inv).await).await;
    assert_eq!(
        first, 201,
        "the first upload of a number is not a duplicate"
    );
    let body = expect_error(api.upload(&inv).await, 409, "DUPLICATE").await;
    assert!(body["details"].get("original_ref").is_none(), "{body}");
    let record = truth_of(&platform, "N1").await.unwrap();
    assert_eq!((record.integrity, record.copies), (Integrity::Intact, 1));
}

#[tokio::test]
async fn visibility_lag_hides_a_stored_record_from_reads() {
    let (platform, api) = start_with_rule(json!({"kind": "visibility_lag", "lag": "1h"})).await;
    let inv = invoice(SELLER, "N1");
    let (status, _) = status_json(api.upload(&inv).await).await;
    assert_eq!(status, 201);
    expect_error(api.get("/v1/invoices/N1").await, 404, "NOT_FOUND").await;
    let (_, verify) = status_json(
        api.post_json(
            "/v1/verify",
            &json!({"number": "N1", "total_incl_tax": inv.totals.total_incl_tax}),
        )
        .await,
    )
    .await;
    assert_eq!(verify["result"], "NOT_FOUND");
    assert_eq!(
        truth_of(&platform, "N1").await.unwrap().integrity,
        Integrity::Intact
    );
}

#[tokio::test]
async fn stuck_processing_accepts_but_the_submission_stays_processing() {
    let (platform, api) = start_with_rule(json!({"kind": "stuck_processing"})).await;
    let (status, body) = status_json(api.upload(&invoice(SELLER, "N1")).await).await;
    assert_eq!(status, 202, "{body}");
    let id = body["submission_id"].as_str().unwrap().to_owned();
    let (_, sub) = status_json(api.get(&format!("/v1/submissions/{id}")).await).await;
    assert_eq!(sub["status"], "PROCESSING");
    assert!(truth_of(&platform, "N1").await.is_none());
}

#[tokio::test]
async fn latency_delays_the_answer_but_the_request_is_then_handled() {
    let (platform, api) = start_with_rule(json!({"kind": "latency", "delay": "30s"})).await;
    let err = upload_err(&impatient(&api, Duration::from_millis(300)), "N1").await;
    assert!(
        err.is_timeout(),
        "a 30s delay outlasts a 300ms client: {err:?}"
    );
    let (platform2, api2) = start_with_rule(json!({"kind": "latency", "delay": "5ms"})).await;
    let (status, _) = status_json(api2.upload(&invoice(SELLER, "N2")).await).await;
    assert_eq!(status, 201);
    assert_eq!(
        truth_of(&platform2, "N2").await.unwrap().integrity,
        Integrity::Intact
    );
    let entries = journal(&platform2).await;
    assert_eq!(
        uploads_of(&entries, "N2")[0].fault.as_deref(),
        Some("latency")
    );
    drop(platform);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_stores_nothing() {
    let (platform, api) = start_with_rule(json!({"kind": "rate_limit", "retry_after": "2s"})).await;
    let response = api.upload(&invoice(SELLER, "N1")).await;
    assert_eq!(response.headers()["retry-after"], "2");
    expect_error(response, 429, "RATE_LIMITED").await;
    assert!(truth_of(&platform, "N1").await.is_none());
}

#[tokio::test]
async fn token_expiry_answers_401_and_stores_nothing() {
    let (platform, api) = start_with_rule(json!({"kind": "token_expiry", "on": "upload"})).await;
    expect_error(
        api.upload(&invoice(SELLER, "N1")).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
    assert!(truth_of(&platform, "N1").await.is_none());
}

#[tokio::test]
async fn slow_query_hangs_a_query_past_the_client_timeout() {
    let (platform, api) = start_with_rule(json!({"kind": "slow_query", "hang": true})).await;
    api.upload(&invoice(SELLER, "N1")).await;
    let query = json!({"seller_tax_id": SELLER, "from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"});
    let err = impatient(&api, Duration::from_millis(300))
        .http
        .post(format!("{}/v1/invoices/query", api.base))
        .bearer_auth(TOKEN)
        .json(&query)
        .send()
        .await
        .expect_err("the query hangs");
    assert!(err.is_timeout(), "{err:?}");
    let (status, _) = status_json(api.get("/v1/invoices/N1").await).await;
    assert_eq!(status, 200, "gets are not targeted by a query rule");
    assert_eq!(
        truth_of(&platform, "N1").await.unwrap().integrity,
        Integrity::Intact
    );
}

#[tokio::test]
async fn slow_query_with_a_delay_still_answers_a_get() {
    let (_platform, api) =
        start_with_rule(json!({"kind": "slow_query", "on": "get", "delay": "5ms"})).await;
    api.upload(&invoice(SELLER, "N1")).await;
    let (status, body) = status_json(api.get("/v1/invoices/N1").await).await;
    assert_eq!(status, 200, "{body}");
}
