//! `docs/openapi/tax-platform.yaml` documents exactly the routes the platform serves,
//! and every answer the platform gives matches the schema the document declares.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::*;

mod document;
mod exercise;

use document::Document;
use exercise::{control, exercise_submissions, exercise_the_api, exercise_the_control_plane};

fn served() -> BTreeSet<(String, String)> {
    mock_tax_platform::ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect()
}

#[test]
fn every_served_route_is_documented_and_every_documented_route_is_served() {
    let doc = Document::load();
    let documented = doc.operations();
    let served = served();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
}

#[tokio::test]
async fn every_documented_operation_answers_as_the_document_declares() {
    let doc = Document::load();
    let platform = start(two_sellers()).await;
    exercise_the_api(&doc, &platform).await;
    exercise_submissions(&doc).await;
    exercise_the_control_plane(&doc, &platform).await;
    let unexercised = doc.unexercised();
    assert!(
        unexercised.is_empty(),
        "documented operations this test never called: {unexercised:?}"
    );
}

#[tokio::test]
async fn the_document_and_the_platform_refuse_the_same_bad_requests() {
    let doc = Document::load();
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    let mut blank_serial = serde_json::to_value(invoice(SELLER, "B-1")).unwrap();
    blank_serial["request_serial"] = json!("");
    let mut huge_quantity = serde_json::to_value(invoice(SELLER, "B-2")).unwrap();
    huge_quantity["lines"][0]["quantity"] = json!(9_223_372_036_854_775_808u64);
    let mut reserved = serde_json::to_value(invoice(SELLER, "query")).unwrap();
    reserved["request_serial"] = json!("s-query");
    let period = json!({"seller_tax_id": SELLER, "from": "2000-01-01T00:00:00Z",
                        "to": "2100-01-01T00:00:00Z"});
    let mut empty_cursor = period.clone();
    empty_cursor["cursor"] = json!("");
    let mut null_page = period.clone();
    null_page["page_size"] = Value::Null;
    let requests = [
        ("/v1/invoices", blank_serial),
        ("/v1/invoices", huge_quantity),
        ("/v1/invoices", reserved),
        ("/v1/invoices/query", empty_cursor),
        ("/v1/invoices/query", null_page),
        (
            "/v1/verify",
            json!({"number": "B-1", "total_incl_tax": 9_223_372_036_854_775_808u64}),
        ),
    ];
    for (path, body) in requests {
        assert!(
            doc.validate_request("POST", path, &body).is_err(),
            "the document accepts {body} for POST {path}"
        );
        expect_error(api.post_json(path, &body).await, 400, "VALIDATION_FAILED").await;
    }
    let null_every = json!({"checkpoint_every": null});
    assert!(doc
        .validate_request("PUT", "/_chaos/plan", &null_every)
        .is_err());
    let response = control(&platform, Method::PUT, "/_chaos/plan")
        .json(&null_every)
        .send()
        .await
        .unwrap();
    expect_error(response, 400, "VALIDATION_FAILED").await;
    // And what both accept.
    let period_ok = doc.validate_request("POST", "/v1/invoices/query", &period);
    assert_eq!(period_ok, Ok(()));
}

#[test]
fn the_schemas_refuse_fields_the_platform_never_sends() {
    let doc = Document::load();
    let stored = json!({
        "number": "N", "request_serial": "s", "seller_tax_id": "S", "buyer_tax_id": "",
        "buyer_name": "", "kind": "blue", "issued_at": "", "currency": "", "lines": [],
        "totals": {"amount_excl_tax": 0, "tax": 0, "total_incl_tax": 0},
        "platform_ref": "PLT-0000000001", "line_count": 0, "content_hash": "h",
        "received_at": "2025-01-01T00:00:00Z", "persisted_at": "2025-01-01T00:00:00Z"
    });
    assert_eq!(doc.validate_component("StoredInvoice", &stored), Ok(()));
    let mut extra = stored.clone();
    extra["surprise"] = json!(1);
    assert!(doc.validate_component("StoredInvoice", &extra).is_err());
    let end =
        json!({"end": true, "seed": 0, "records": 0, "high_water_mark": 0, "next_cursor": null});
    assert_eq!(doc.validate_component("TruthEnd", &end), Ok(()));
    assert!(doc
        .validate_component("TruthEnd", &json!({"end": true}))
        .is_err());
}

#[tokio::test]
async fn a_wrong_method_is_a_405_that_lists_only_the_methods_the_path_takes() {
    let doc = Document::load();
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, Some(TOKEN));
    for method in [Method::GET, Method::DELETE] {
        let response = api
            .http
            .request(method.clone(), format!("{}/v1/invoices/query", api.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "POST", "{method}");
        let body = expect_error(response, 405, "METHOD_NOT_ALLOWED").await;
        assert_eq!(body["details"]["allowed"], json!(["POST"]));
        assert_eq!(doc.validate_component("Error", &body), Ok(()));
    }
}
