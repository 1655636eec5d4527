//! Real requests to every documented operation, each answer checked by
//! [`Document::check`]: successes, errors, damaged records, both truth forms.

use std::time::Duration;

use mock_tax_platform::{Config, Platform};
use reqwest::{Client, Method};
use serde_json::{json, Value};

use super::Document;
use crate::common::*;

/// A control-plane call (the platform under test has no control token).
pub fn control(platform: &Platform, method: Method, path: &str) -> reqwest::RequestBuilder {
    Client::new().request(method, format!("{}{path}", platform.control_url()))
}

/// Uploads, reads, queries and verifies, including damaged records and errors.
pub async fn exercise_the_api(doc: &Document, platform: &Platform) {
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
pub async fn exercise_submissions(doc: &Document) {
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
pub async fn exercise_the_control_plane(doc: &Document, platform: &Platform) {
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
