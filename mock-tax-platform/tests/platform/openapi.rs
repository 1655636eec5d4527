//! `docs/openapi/tax-platform.yaml` documents exactly the routes the platform serves,
//! and every answer the platform gives matches the schema the document declares.

use std::collections::BTreeSet;
use std::time::Duration;

use mock_tax_platform::Config;
use reqwest::{Client, Method};
use serde_json::{json, Value};

use crate::common::*;

mod document;

use document::Document;

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

/// A control-plane call (the platform under test has no control token).
fn control(
    platform: &mock_tax_platform::Platform,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    Client::new().request(method, format!("{}{path}", platform.control_url()))
}

/// Uploads, reads, queries and verifies, including damaged records and errors.
async fn exercise_the_api(doc: &Document, platform: &mock_tax_platform::Platform) {
    let api = Api::new(platform, Some(TOKEN));
    let upload = "/v1/invoices";
    let sent = invoice(SELLER, "INV-1");
    doc.check("POST", upload, api.upload(&sent).await, 201)
        .await;
    doc.check("POST", upload, api.upload(&sent).await, 201)
        .await;
    let mut changed = sent.clone();
    changed.buyer_name = "Someone Else".into();
    doc.check("POST", upload, api.upload(&changed).await, 409)
        .await;
    let mut blank_serial = invoice(SELLER, "INV-2");
    blank_serial.request_serial = String::new();
    doc.check("POST", upload, api.upload(&blank_serial).await, 400)
        .await;
    let mut bad_total = invoice(SELLER, "INV-3");
    bad_total.totals.total_incl_tax += 1;
    doc.check("POST", upload, api.upload(&bad_total).await, 422)
        .await;
    let anonymous = Api::new(platform, None);
    doc.check("POST", upload, anonymous.upload(&sent).await, 401)
        .await;
    // Damaged records: blank fields, no lines, an altered amount, two copies.
    for rule in [
        json!({"kind": "partial_write", "drop": "fields",
               "fields": ["buyer_name", "issued_at", "currency"], "number_prefix": "FLD"}),
        json!({"kind": "partial_write", "drop": "lines", "number_prefix": "LIN"}),
        json!({"kind": "corrupt", "number_prefix": "COR"}),
        json!({"kind": "duplicate", "number_prefix": "DUP"}),
    ] {
        let response = control(platform, Method::POST, "/_chaos/faults")
            .json(&rule)
            .send()
            .await
            .unwrap();
        doc.check("POST", "/_chaos/faults", response, 201).await;
    }
    for number in ["FLD-1", "LIN-1", "COR-1", "DUP-1"] {
        doc.check(
            "POST",
            upload,
            api.upload(&invoice(SELLER, number)).await,
            201,
        )
        .await;
    }

    let read = "/v1/invoices/{number}";
    for number in ["INV-1", "FLD-1", "LIN-1", "COR-1", "DUP-1"] {
        let body = doc
            .check(
                "GET",
                read,
                api.get(&format!("/v1/invoices/{number}")).await,
                200,
            )
            .await;
        assert_eq!(body["number"], number);
    }
    doc.check("GET", read, api.get("/v1/invoices/NOPE").await, 404)
        .await;
    doc.check("GET", read, anonymous.get("/v1/invoices/INV-1").await, 401)
        .await;

    let query = "/v1/invoices/query";
    let period = json!({"seller_tax_id": SELLER, "from": "2000-01-01T00:00:00Z",
                        "to": "2100-01-01T00:00:00Z", "by": "received_at", "page_size": 250});
    let page = doc
        .check("POST", query, api.post_json(query, &period).await, 200)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 6, "{page}");
    let mut empty_cursor = period.clone();
    empty_cursor["cursor"] = json!("");
    doc.check(
        "POST",
        query,
        api.post_json(query, &empty_cursor).await,
        400,
    )
    .await;
    let mut null_page = period.clone();
    null_page["page_size"] = Value::Null;
    doc.check("POST", query, api.post_json(query, &null_page).await, 400)
        .await;

    let verify = "/v1/verify";
    let matching = json!({"number": "INV-1", "total_incl_tax": 101700});
    let body = doc
        .check("POST", verify, api.post_json(verify, &matching).await, 200)
        .await;
    assert_eq!(body["result"], "MATCH");
    let too_big = r#"{"number": "INV-1", "total_incl_tax": 9223372036854775808}"#;
    doc.check("POST", verify, api.post_raw(verify, too_big).await, 400)
        .await;

    let body = doc
        .check("GET", "/v1/status", api.get("/v1/status").await, 200)
        .await;
    assert_eq!(body["state"], "degraded");
}

/// An asynchronous platform: 202 and the submission's status.
async fn exercise_submissions(doc: &Document) {
    let platform = start(Config {
        processing_delay: Some(Duration::from_secs(3600)),
        ..two_sellers()
    })
    .await;
    let api = Api::new(&platform, Some(TOKEN));
    let accepted = doc
        .check(
            "POST",
            "/v1/invoices",
            api.upload(&invoice(SELLER, "A-1")).await,
            202,
        )
        .await;
    let id = accepted["submission_id"].as_str().unwrap();
    let path = "/v1/submissions/{id}";
    let body = doc
        .check(
            "GET",
            path,
            api.get(&format!("/v1/submissions/{id}")).await,
            200,
        )
        .await;
    assert_eq!(body["number"], "A-1");
    doc.check("GET", path, api.get("/v1/submissions/NOPE").await, 404)
        .await;
}

/// Every control route, after the API traffic above.
async fn exercise_the_control_plane(doc: &Document, platform: &mock_tax_platform::Platform) {
    let get = |path: &'static str| control(platform, Method::GET, path);
    let truth = "/_chaos/truth";
    let body = doc
        .check("GET", truth, get(truth).send().await.unwrap(), 200)
        .await;
    assert_eq!(body["records"].as_array().unwrap().len(), 5, "{body}");
    let lines = doc
        .check(
            "GET",
            truth,
            get("/_chaos/truth?format=jsonl").send().await.unwrap(),
            200,
        )
        .await;
    assert_eq!(lines.as_array().unwrap().last().unwrap()["records"], 5);
    let paged = doc
        .check(
            "GET",
            truth,
            get("/_chaos/truth?format=jsonl&limit=2")
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
    assert!(paged[2]["next_cursor"].is_string(), "{paged}");
    doc.check(
        "GET",
        truth,
        get("/_chaos/truth?format=xml").send().await.unwrap(),
        400,
    )
    .await;

    let journal = "/_chaos/journal";
    doc.check("GET", journal, get(journal).send().await.unwrap(), 200)
        .await;
    doc.check(
        "GET",
        journal,
        get("/_chaos/journal?since=x").send().await.unwrap(),
        400,
    )
    .await;
    doc.check(
        "GET",
        "/_chaos/version",
        get("/_chaos/version").send().await.unwrap(),
        200,
    )
    .await;
    doc.check(
        "GET",
        "/_chaos/stats",
        get("/_chaos/stats").send().await.unwrap(),
        200,
    )
    .await;
    doc.check(
        "GET",
        "/_chaos/plan",
        get("/_chaos/plan").send().await.unwrap(),
        200,
    )
    .await;

    let faults = "/_chaos/faults";
    let bad_rule = json!({"kind": "no_such_kind"});
    let response = control(platform, Method::POST, faults)
        .json(&bad_rule)
        .send()
        .await
        .unwrap();
    doc.check("POST", faults, response, 400).await;
    let delete = "/_chaos/faults/{name}";
    let response = control(platform, Method::DELETE, "/_chaos/faults/corrupt%231")
        .send()
        .await
        .unwrap();
    doc.check("DELETE", delete, response, 200).await;
    let response = control(platform, Method::DELETE, "/_chaos/faults/nope")
        .send()
        .await
        .unwrap();
    doc.check("DELETE", delete, response, 404).await;

    let maintenance = "/_chaos/maintenance";
    let later = json!({"after": "1h", "duration": "10m"});
    let response = control(platform, Method::POST, maintenance)
        .json(&later)
        .send()
        .await
        .unwrap();
    let opened = doc.check("POST", maintenance, response, 200).await;
    assert!(
        opened["starts_at_ms"].as_u64().unwrap() >= 3_600_000,
        "{opened}"
    );
    let status = Api::new(platform, None).get("/v1/status").await;
    let status = doc.check("GET", "/v1/status", status, 200).await;
    assert_eq!(status["windows"].as_array().unwrap().len(), 1, "{status}");
    let stop = json!({"stop": true});
    let response = control(platform, Method::POST, maintenance)
        .json(&stop)
        .send()
        .await
        .unwrap();
    doc.check("POST", maintenance, response, 200).await;
    let response = control(platform, Method::POST, maintenance)
        .json(&json!({"stop": false}))
        .send()
        .await
        .unwrap();
    doc.check("POST", maintenance, response, 400).await;

    let checkpoint = "/_chaos/checkpoint";
    let response = control(platform, Method::POST, checkpoint)
        .send()
        .await
        .unwrap();
    doc.check("POST", checkpoint, response, 200).await;

    let plan = "/_chaos/plan";
    let null_every = json!({"checkpoint_every": null});
    let response = control(platform, Method::PUT, plan)
        .json(&null_every)
        .send()
        .await
        .unwrap();
    doc.check("PUT", plan, response, 400).await;
    let every = json!({"checkpoint_every": "5s"});
    let response = control(platform, Method::PUT, plan)
        .json(&every)
        .send()
        .await
        .unwrap();
    doc.check("PUT", plan, response, 200).await;

    let reset = "/_chaos/reset";
    let response = control(platform, Method::POST, reset).send().await.unwrap();
    doc.check("POST", reset, response, 200).await;
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
