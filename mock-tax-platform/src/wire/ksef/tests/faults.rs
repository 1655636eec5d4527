//! Each fault kind as KSeF shows it, decided by the same engine as `/v1`.

use serde_json::{json, Value};

use super::super::crypto::sha256_b64;
use super::support::*;

fn rule(rule: Value) -> Value {
    json!({"faults": [rule]})
}

fn journal_sends(journal: &str) -> Vec<Value> {
    journal
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["route"] == "upload")
        .collect()
}

#[tokio::test]
async fn drop_after_ack_is_200_with_a_number_and_upo_then_21164_and_absent_from_metadata() {
    let platform = start(1, rule(json!({"kind": "drop_after_ack"}))).await;
    let c = Client::ready(&platform).await;
    let invoice_ref = c.send_ok(&fa3("FV/D/1")).await;
    let st = c.invoice_status(&invoice_ref).await;
    assert_eq!(st["status"]["code"], 200, "{st}");
    let ksef = st["ksefNumber"].as_str().unwrap();
    let upo = c
        .get(&format!(
            "/sessions/{}/invoices/{invoice_ref}/upo",
            c.session
        ))
        .await;
    assert_eq!(upo.status, 200);
    let got = c.get(&format!("/invoices/ksef/{ksef}")).await;
    assert_eq!(
        (got.status, exception_code(&got)),
        (400, 21164),
        "{}",
        got.text
    );
    let found = c.metadata("", all_mine()).await.json();
    assert_eq!(found["invoices"], json!([]));
    let truth: Value = serde_json::from_str(&control(&platform, "/_chaos/truth").await).unwrap();
    assert_eq!(truth["records"], json!([]));
    assert_eq!(
        journal_sends(&control(&platform, "/_chaos/journal").await)[0]["effect"],
        "dropped"
    );
}

#[tokio::test]
async fn commit_then_reset_cuts_the_send_and_a_blind_resend_is_440_with_pointers() {
    let platform = start(1, rule(json!({"kind": "commit_then_reset", "first": 1}))).await;
    let c = Client::ready(&platform).await;
    let body = c.send_body(fa3("FV/R/1").as_bytes());
    let cut = c
        .http
        .post(format!("{}/sessions/online/{}/invoices", c.base, c.session))
        .bearer_auth(&c.access)
        .json(&body)
        .send()
        .await;
    assert!(cut.is_err(), "the connection is reset: {cut:?}");
    // A robust client looks at the session before resending: the invoice is there.
    let listed = c
        .get(&format!("/sessions/{}/invoices", c.session))
        .await
        .json();
    assert_eq!(listed["invoices"][0]["status"]["code"], 200, "{listed}");
    let original = listed["invoices"][0]["ksefNumber"].clone();
    let st = c.invoice_status(&c.send_ok(&fa3("FV/R/1")).await).await;
    assert_eq!(st["status"]["code"], 440, "{st}");
    assert_eq!(st["status"]["extensions"]["originalKsefNumber"], original);
}

#[tokio::test]
async fn error_after_commit_is_a_legacy_500_and_the_resend_is_440() {
    let platform = start(1, rule(json!({"kind": "error_after_commit", "first": 1}))).await;
    let c = Client::ready(&platform).await;
    let r = c.send(&fa3("FV/E/1")).await;
    assert_eq!((r.status, exception_code(&r)), (500, 500), "{}", r.text);
    let st = c.invoice_status(&c.send_ok(&fa3("FV/E/1")).await).await;
    assert_eq!(st["status"]["code"], 440, "{st}");
}

#[tokio::test]
async fn duplicate_without_pointer_is_440_without_extensions() {
    let platform = start(1, rule(json!({"kind": "duplicate_without_pointer"}))).await;
    let c = Client::ready(&platform).await;
    let first = c.invoice_status(&c.send_ok(&fa3("FV/P/1")).await).await;
    assert_eq!(first["status"]["code"], 200, "{first}");
    let st = c.invoice_status(&c.send_ok(&fa3("FV/P/1")).await).await;
    assert_eq!(st["status"]["code"], 440, "{st}");
    assert!(st["status"].get("extensions").is_none(), "{st}");
    assert!(!st["status"]["details"][0]
        .as_str()
        .unwrap()
        .contains(first["ksefNumber"].as_str().unwrap()));
}

#[tokio::test]
async fn visibility_lag_is_200_with_a_number_then_21165_and_a_lagging_hwm() {
    let platform = start(1, rule(json!({"kind": "visibility_lag", "lag": "1h"}))).await;
    let c = Client::ready(&platform).await;
    let st = c.invoice_status(&c.send_ok(&fa3("FV/V/1")).await).await;
    assert_eq!(st["status"]["code"], 200, "{st}");
    assert!(st.get("permanentStorageDate").is_none(), "{st}");
    let got = c
        .get(&format!(
            "/invoices/ksef/{}",
            st["ksefNumber"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (got.status, exception_code(&got)),
        (400, 21165),
        "{}",
        got.text
    );
    let found = c.metadata("", all_mine()).await.json();
    assert_eq!(found["invoices"], json!([]));
    let hwm = found["permanentStorageHwmDate"].as_str().unwrap();
    assert!(
        hwm < st["acquisitionDate"].as_str().unwrap(),
        "{hwm} lags behind {st}"
    );
}

#[tokio::test]
async fn stuck_processing_stays_150_and_the_closed_session_170() {
    let platform = start(1, rule(json!({"kind": "stuck_processing"}))).await;
    let c = Client::ready(&platform).await;
    let invoice_ref = c.send_ok(&fa3("FV/S/1")).await;
    for _ in 0..3 {
        assert_eq!(c.invoice_status(&invoice_ref).await["status"]["code"], 150);
    }
    c.post(&format!("/sessions/online/{}/close", c.session), None)
        .await;
    let session = c.get(&format!("/sessions/{}", c.session)).await.json();
    assert_eq!(session["status"]["code"], 170, "{session}");
    let upo = c
        .get(&format!(
            "/sessions/{}/invoices/{invoice_ref}/upo",
            c.session
        ))
        .await;
    assert_eq!((upo.status, exception_code(&upo)), (400, 21178));
}

#[tokio::test]
async fn rate_limit_is_429_with_retry_after_and_the_ksef_body() {
    let platform = start(1, rule(json!({"kind": "rate_limit", "retry_after": "30s"}))).await;
    let c = Client::ready(&platform).await;
    let r = c.send(&fa3("FV/Q/1")).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(r.headers["retry-after"], "30");
    assert_eq!(r.json()["status"]["code"], 429);
}

#[tokio::test]
async fn reject_550_is_the_async_status_550_and_token_expiry_a_401() {
    let platform = start(1, rule(json!({"kind": "reject", "status": 550}))).await;
    let c = Client::ready(&platform).await;
    let st = c.invoice_status(&c.send_ok(&fa3("FV/X/1")).await).await;
    assert_eq!(st["status"]["code"], 550, "{st}");
    let platform = start(1, rule(json!({"kind": "token_expiry"}))).await;
    let c = Client::ready(&platform).await;
    let r = c.send(&fa3("FV/X/1")).await;
    assert_eq!(
        (r.status, r.headers["content-type"].to_str().unwrap()),
        (401, "application/problem+json")
    );
}

#[tokio::test]
async fn a_reject_503_is_the_gateways_html_page() {
    let platform = start(
        1,
        rule(json!({"kind": "reject", "status": 503, "retry_after": 7})),
    )
    .await;
    let c = Client::ready(&platform).await;
    let r = c.send(&fa3("FV/H/1")).await;
    assert_eq!(r.status, 503);
    assert!(r.text.starts_with("<!DOCTYPE html>"), "{}", r.text);
}

#[tokio::test]
async fn partial_write_and_corrupt_show_on_download_as_a_hash_that_does_not_match() {
    for (fault, check) in [
        (
            json!({"kind": "partial_write", "drop": "lines"}),
            "no lines",
        ),
        (json!({"kind": "corrupt", "field": "amount"}), "gross"),
    ] {
        let platform = start(1, rule(fault.clone())).await;
        let c = Client::ready(&platform).await;
        let xml = fa3("FV/C/1");
        let st = c.invoice_status(&c.send_ok(&xml).await).await;
        let got = c
            .get(&format!(
                "/invoices/ksef/{}",
                st["ksefNumber"].as_str().unwrap()
            ))
            .await;
        assert_eq!(got.status, 200, "{fault}");
        let hash = got.headers["x-ms-meta-hash"].to_str().unwrap();
        assert_ne!(hash, sha256_b64(xml.as_bytes()), "{fault}");
        assert_eq!(hash, sha256_b64(got.text.as_bytes()));
        if check == "no lines" {
            assert!(!got.text.contains("<FaWiersz>"), "{}", got.text);
        } else {
            let row = &c.metadata("", all_mine()).await.json()["invoices"][0];
            assert_ne!(row["grossAmount"], 133.8, "{row}");
        }
    }
}

#[tokio::test]
async fn duplicate_is_two_metadata_rows_with_one_invoice_number() {
    let platform = start(1, rule(json!({"kind": "duplicate"}))).await;
    let c = Client::ready(&platform).await;
    c.send_ok(&fa3("FV/2X/1")).await;
    let rows = c.metadata("", all_mine()).await.json()["invoices"].clone();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["invoiceNumber"], rows[1]["invoiceNumber"]);
    assert_ne!(rows[0]["ksefNumber"], rows[1]["ksefNumber"]);
}

#[tokio::test]
async fn maintenance_is_an_html_503_with_retry_after_announced_by_x_system_warning() {
    let platform = start(
        1,
        json!({"maintenance": [{"after": "1h", "duration": "10m"}]}),
    )
    .await;
    let c = Client::new(&platform);
    let announced = c.get("/security/public-key-certificates").await;
    assert_eq!(announced.status, 200);
    let warning = announced.headers["x-system-warning"].to_str().unwrap();
    assert!(warning.starts_with("[MAINTENANCE]"), "{warning}");

    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    let opened = reqwest::Client::new()
        .post(format!(
            "http://{}/_chaos/maintenance",
            platform.control_addr()
        ))
        .json(&json!({"duration": "1h"}))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    for r in [
        c.send(&fa3("FV/W/1")).await,
        c.post("/auth/challenge", None).await,
    ] {
        assert_eq!(r.status, 503, "{}", r.text);
        assert!(r.headers.contains_key("retry-after"));
        assert!(r.text.contains("<html>"), "{}", r.text);
    }
}

#[tokio::test]
async fn migration_loss_removes_issued_invoices_below_a_published_hwm() {
    let platform = start(3, json!({})).await;
    let c = Client::ready(&platform).await;
    let st = c.invoice_status(&c.send_ok(&fa3("FV/G/1")).await).await;
    let before = c.metadata("", all_mine()).await.json();
    assert_eq!(before["invoices"].as_array().unwrap().len(), 1);
    assert!(
        before["permanentStorageHwmDate"].as_str().unwrap()
            >= st["permanentStorageDate"].as_str().unwrap()
    );
    let http = reqwest::Client::new();
    let url = format!("http://{}/_chaos/maintenance", platform.control_addr());
    http.post(&url)
        .json(&json!({"duration": "1h", "migration": {"lose": 1.0}}))
        .send()
        .await
        .unwrap();
    http.post(&url)
        .json(&json!({"stop": true}))
        .send()
        .await
        .unwrap();
    let after = c.metadata("", all_mine()).await.json();
    assert_eq!(after["invoices"], json!([]), "{after}");
    let got = c
        .get(&format!(
            "/invoices/ksef/{}",
            st["ksefNumber"].as_str().unwrap()
        ))
        .await;
    assert_eq!(exception_code(&got), 21164);
}

#[tokio::test]
async fn the_same_seed_makes_the_same_decisions_for_a_ksef_flow() {
    async fn run(seed: u64) -> Vec<(Value, Value)> {
        let platform = start(
            seed,
            rule(json!({"kind": "drop_after_ack", "probability": 0.5})),
        )
        .await;
        let c = Client::ready(&platform).await;
        for i in 0..16 {
            c.send_ok(&fa3(&format!("FV/S/{i}"))).await;
        }
        let mut sends: Vec<(Value, Value)> =
            journal_sends(&control(&platform, "/_chaos/journal").await)
                .into_iter()
                .map(|e| (e["number"].clone(), e["effect"].clone()))
                .collect();
        sends.sort_by_key(|(n, _)| n.to_string());
        sends
    }
    let a = run(11).await;
    assert_eq!(a, run(11).await);
    let dropped = a.iter().filter(|(_, e)| e == "dropped").count();
    assert!(dropped > 0 && dropped < 16, "{a:?}");
}
