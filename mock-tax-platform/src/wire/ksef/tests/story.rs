//! What the control plane tells about a KSeF invoice: the truth names its KSeF
//! number and session, and the journal tells its story (send, statuses, UPO,
//! download) under its invoice number, so a violation's causal chain shows it.

use serde_json::{json, Value};

use super::support::*;

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

#[tokio::test]
async fn the_truth_names_the_ksef_number_and_session_of_a_ksef_upload() {
    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    let invoice_ref = c.send_ok(&fa3("FV/T/1")).await;
    let st = c.invoice_status(&invoice_ref).await;
    let ksef_number = st["ksefNumber"].as_str().unwrap();
    let want = json!({
        "ksef_number": ksef_number,
        "session_reference": c.session,
        "invoice_reference": invoice_ref,
    });

    let truth: Value = serde_json::from_str(&control(&platform, "/_chaos/truth").await).unwrap();
    assert_eq!(truth["records"][0]["number"], "FV/T/1");
    assert_eq!(truth["records"][0]["ksef"], want, "{truth}");
    let streamed = lines(&control(&platform, "/_chaos/truth?format=jsonl").await);
    assert_eq!(streamed[0]["ksef"], want, "{streamed:?}");
    assert_eq!(streamed[1]["end"], true);
}

#[tokio::test]
async fn a_dropped_invoice_journals_its_send_statuses_upo_and_21164_under_its_number() {
    let platform = start(1, json!({"faults": [{"kind": "drop_after_ack"}]})).await;
    let c = Client::ready(&platform).await;
    let invoice_ref = c.send_ok(&fa3("FV/D/1")).await;
    let codes = [
        c.poll_status(&invoice_ref).await["status"]["code"].clone(),
        c.poll_status(&invoice_ref).await["status"]["code"].clone(),
    ];
    assert_eq!(codes, [json!(100), json!(150)]);
    let st = c.poll_status(&invoice_ref).await;
    let ksef = st["ksefNumber"].as_str().unwrap().to_owned();
    let upo = format!("/sessions/{}/invoices/{invoice_ref}/upo", c.session);
    assert_eq!(c.get(&upo).await.status, 200);
    assert_eq!(c.get(&format!("/invoices/ksef/{ksef}")).await.status, 400);

    let journal = lines(&control(&platform, "/_chaos/journal").await);
    let story: Vec<(String, String)> = journal
        .iter()
        .filter(|e| e["number"] == "FV/D/1")
        .map(|e| {
            assert_eq!(e["seller_tax_id"], NIP, "{e}");
            (
                e["route"].as_str().unwrap().to_owned(),
                e["note"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let want = [
        (
            "upload",
            format!(
                "send ksef_session={} ksef_invoice_ref={invoice_ref} ksef_number={ksef}",
                c.session
            ),
        ),
        ("get", "status 100".to_owned()),
        ("get", "status 150".to_owned()),
        ("get", format!("status 200 ksefNumber={ksef}")),
        ("get", format!("upo ksefNumber={ksef}")),
        ("get", format!("download 21164 not found ksefNumber={ksef}")),
    ]
    .map(|(route, note)| (route.to_owned(), note));
    assert_eq!(story, want);
}

#[tokio::test]
async fn status_polls_go_100_150_then_final_and_a_listing_does_not_count_as_a_poll() {
    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    let invoice_ref = c.send_ok(&fa3("FV/P/1")).await;
    let listed = c
        .get(&format!("/sessions/{}/invoices", c.session))
        .await
        .json();
    assert_eq!(listed["invoices"][0]["status"]["code"], 200, "{listed}");
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(c.poll_status(&invoice_ref).await["status"]["code"].clone());
    }
    assert_eq!(codes, [json!(100), json!(150), json!(200), json!(200)]);
}
