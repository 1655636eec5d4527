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
