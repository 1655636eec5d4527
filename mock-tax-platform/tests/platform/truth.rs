//! `GET /_chaos/truth`: streamed, as one JSON document or as JSON lines with an end
//! line, filtered by seller and number range, paged by cursor.

use serde_json::Value;
use tax_api::{TruthEnd, TruthRecord, TruthSnapshot};

use crate::common::*;

/// Three records of `SELLER` (N1, N2, N3) and two of `OTHER_SELLER` (M1, M2), interleaved.
async fn five_records() -> mock_tax_platform::Platform {
    let platform = start(two_sellers()).await;
    let mine = Api::new(&platform, Some(TOKEN));
    let theirs = Api::new(&platform, Some(OTHER_TOKEN));
    for (api, seller, number) in [
        (&mine, SELLER, "N1"),
        (&theirs, OTHER_SELLER, "M1"),
        (&mine, SELLER, "N2"),
        (&theirs, OTHER_SELLER, "M2"),
        (&mine, SELLER, "N3"),
    ] {
        assert_eq!(api.upload(&invoice(seller, number)).await.status(), 201);
    }
    platform
}

/// The record lines and the end line of a JSON-lines truth.
async fn lines(
    platform: &mock_tax_platform::Platform,
    query: &str,
) -> (Vec<TruthRecord>, TruthEnd) {
    let response = reqwest::get(format!("{}/_chaos/truth?{query}", platform.control_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let end: TruthEnd = serde_json::from_str(lines.pop().unwrap()).unwrap();
    let records = lines
        .into_iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (records, end)
}

fn numbers(records: &[TruthRecord]) -> Vec<&str> {
    records.iter().map(|r| r.number.as_str()).collect()
}

#[tokio::test]
async fn the_truth_is_streamed_in_chunks_not_sent_as_one_sized_body() {
    let platform = five_records().await;
    for query in ["", "?format=jsonl"] {
        let response = reqwest::get(format!("{}/_chaos/truth{query}", platform.control_url()))
            .await
            .unwrap();
        assert_eq!(
            response.headers()["transfer-encoding"],
            "chunked",
            "{query}"
        );
        assert!(
            response.headers().get("content-length").is_none(),
            "{query}"
        );
    }
}

#[tokio::test]
async fn the_json_form_is_still_one_snapshot_in_write_order() {
    let platform = five_records().await;
    let truth: TruthSnapshot = control_get(&platform, "/_chaos/truth").await;
    assert_eq!(numbers(&truth.records), ["N1", "M1", "N2", "M2", "N3"]);
    let empty: Value = control_get(&start(two_sellers()).await, "/_chaos/truth").await;
    assert_eq!(empty, serde_json::json!({"seed": 0, "records": []}));
}

#[tokio::test]
async fn json_lines_end_with_a_line_that_counts_the_records() {
    let platform = five_records().await;
    let (records, end) = lines(&platform, "format=jsonl").await;
    assert_eq!(numbers(&records), ["N1", "M1", "N2", "M2", "N3"]);
    assert_eq!((end.end, end.records, end.seed), (true, 5, 0));
    assert_eq!((end.high_water_mark, end.next_cursor), (5, None));
}

#[tokio::test]
async fn a_seller_and_a_number_range_filter_the_truth() {
    let platform = five_records().await;
    let (records, end) = lines(
        &platform,
        &format!("format=jsonl&seller={SELLER}&number_from=N2&number_to=N3"),
    )
    .await;
    assert_eq!(numbers(&records), ["N2", "N3"]);
    assert_eq!(end.records, 2);
    let snapshot: TruthSnapshot =
        control_get(&platform, &format!("/_chaos/truth?seller={OTHER_SELLER}")).await;
    assert_eq!(numbers(&snapshot.records), ["M1", "M2"]);
}

#[tokio::test]
async fn paging_by_cursor_returns_every_record_once_and_none_written_later() {
    let platform = five_records().await;
    let mut seen = Vec::new();
    let mut query = "format=jsonl&limit=2".to_owned();
    let mut pages = 0;
    loop {
        let (records, end) = lines(&platform, &query).await;
        pages += 1;
        seen.extend(records.into_iter().map(|r| r.number));
        if pages == 1 {
            let api = Api::new(&platform, Some(TOKEN));
            api.upload(&invoice(SELLER, "LATE")).await;
        }
        match end.next_cursor {
            Some(cursor) => query = format!("format=jsonl&limit=2&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, ["N1", "M1", "N2", "M2", "N3"]);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn bad_truth_parameters_are_validation_errors_naming_the_parameter() {
    let platform = five_records().await;
    for (query, field) in [
        ("format=csv", "format"),
        ("format=jsonl&limit=0", "limit"),
        ("format=jsonl&cursor=nonsense", "cursor"),
        ("limit=2", "format"),
        ("numbr_from=N1", "numbr_from"),
    ] {
        let response = reqwest::get(format!("{}/_chaos/truth?{query}", platform.control_url()))
            .await
            .unwrap();
        let body = expect_error(response, 400, "VALIDATION_FAILED").await;
        assert_eq!(body["details"]["field"], field, "{query}");
    }
}
