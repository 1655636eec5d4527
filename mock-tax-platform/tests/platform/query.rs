//! `POST /v1/invoices/query`: period filter, cursor paging, validation.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::common::*;

fn period() -> Value {
    json!({
        "seller_tax_id": SELLER,
        "from": "2025-05-01T00:00:00+08:00",
        "to": "2025-06-01T00:00:00+08:00",
        "page_size": 250,
    })
}

/// Pages through the whole query; returns every number seen, in order.
async fn page_all(api: &Api, mut request: Value) -> (Vec<String>, Vec<u64>) {
    let mut numbers = Vec::new();
    let mut marks = Vec::new();
    loop {
        let (status, page) = status_json(api.post_json("/v1/invoices/query", &request).await).await;
        assert_eq!(status, 200, "{page}");
        marks.push(page["high_water_mark"].as_u64().unwrap());
        for item in page["items"].as_array().unwrap() {
            numbers.push(item["number"].as_str().unwrap().to_owned());
        }
        if !page["has_more"].as_bool().unwrap() {
            assert!(page["next_cursor"].is_null());
            return (numbers, marks);
        }
        request["cursor"] = page["next_cursor"].clone();
    }
}

async fn upload_many(api: &Api, prefix: &str, count: usize) {
    for i in 0..count {
        let (status, body) = status_json(
            api.upload(&invoice(SELLER, &format!("{prefix}{i:05}")))
                .await,
        )
        .await;
        assert_eq!(status, 201, "{body}");
    }
}

#[tokio::test]
async fn paging_through_1200_records_sees_each_exactly_once() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    upload_many(&api, "P", 1200).await;
    let (numbers, marks) = page_all(&api, period()).await;
    let unique: HashSet<&String> = numbers.iter().collect();
    assert_eq!(numbers.len(), 1200);
    assert_eq!(unique.len(), 1200);
    assert_eq!(marks.len(), 5, "250 per page");
    assert!(marks.iter().all(|m| *m == marks[0]));
}

#[tokio::test]
async fn paging_while_uploads_continue_neither_skips_nor_repeats() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    upload_many(&api, "A", 1000).await;
    let writer = {
        let api = api.clone();
        tokio::spawn(async move { upload_many(&api, "B", 400).await })
    };
    let mut request = period();
    request["page_size"] = json!(50);
    let (numbers, marks) = page_all(&api, request).await;
    writer.await.unwrap();
    let unique: HashSet<&String> = numbers.iter().collect();
    assert_eq!(unique.len(), numbers.len(), "a record was repeated");
    for i in 0..1000 {
        assert!(unique.contains(&format!("A{i:05}")), "A{i:05} was skipped");
    }
    // Every record written before the first page is in the run; none after it.
    let mark = marks[0];
    assert_eq!(numbers.len() as u64, mark);
    // A new paging run sees everything.
    let (all, _) = page_all(&api, period()).await;
    assert_eq!(all.len(), 1400);
}

#[tokio::test]
async fn the_period_filter_excludes_invoices_outside_it() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut early = invoice(SELLER, "EARLY");
    early.issued_at = "2025-04-30T23:59:59+08:00".to_owned();
    let mut edge = invoice(SELLER, "EDGE");
    edge.issued_at = "2025-06-01T00:00:00+08:00".to_owned();
    for inv in [&early, &edge, &invoice(SELLER, "IN")] {
        api.upload(inv).await;
    }
    let (numbers, _) = page_all(&api, period()).await;
    assert_eq!(
        numbers,
        vec!["IN".to_owned()],
        "from inclusive, to exclusive"
    );
}

#[tokio::test]
async fn received_at_queries_filter_on_arrival_time() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    api.upload(&invoice(SELLER, "INV-1")).await;
    let mut request = period();
    request["by"] = json!("received_at");
    let (numbers, _) = page_all(&api, request.clone()).await;
    assert!(numbers.is_empty(), "issued in 2025, received now");
    request["from"] = json!("2000-01-01T00:00:00Z");
    request["to"] = json!("2999-01-01T00:00:00Z");
    let (numbers, _) = page_all(&api, request).await;
    assert_eq!(numbers, vec!["INV-1".to_owned()]);
}

#[tokio::test]
async fn a_query_shows_only_the_authenticated_sellers_records() {
    let platform = start(two_sellers()).await;
    let a = Api::new(&platform, Some(TOKEN));
    let b = Api::new(&platform, Some(OTHER_TOKEN));
    a.upload(&invoice(SELLER, "A-1")).await;
    b.upload(&invoice(OTHER_SELLER, "B-1")).await;
    let (numbers, _) = page_all(&a, period()).await;
    assert_eq!(numbers, vec!["A-1".to_owned()]);
    expect_error(
        b.post_json("/v1/invoices/query", &period()).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
}

#[tokio::test]
async fn page_size_above_250_is_400_naming_page_size() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut request = period();
    request["page_size"] = json!(251);
    let body = expect_error(
        api.post_json("/v1/invoices/query", &request).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["details"]["field"], "page_size");
}

#[tokio::test]
async fn a_forged_or_foreign_cursor_is_400_naming_cursor() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    upload_many(&api, "C", 3).await;
    let mut request = period();
    request["page_size"] = json!(1);
    let (_, page) = status_json(api.post_json("/v1/invoices/query", &request).await).await;
    // The cursor of one period replayed on another.
    request["cursor"] = page["next_cursor"].clone();
    request["to"] = json!("2025-07-01T00:00:00+08:00");
    let body = expect_error(
        api.post_json("/v1/invoices/query", &request).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["details"]["field"], "cursor");
    request["cursor"] = json!("not-a-cursor");
    expect_error(
        api.post_json("/v1/invoices/query", &request).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
}

#[tokio::test]
async fn a_bad_period_bound_is_400_naming_it() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut request = period();
    request["from"] = json!("May 1st");
    let body = expect_error(
        api.post_json("/v1/invoices/query", &request).await,
        400,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(body["details"]["field"], "from");
}
