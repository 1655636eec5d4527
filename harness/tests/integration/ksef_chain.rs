//! A KSeF invoice's causal chain: the journal entries the platform's KSeF dialect
//! writes about a dropped invoice (send, status polls 100 → 150 → 200 with the KSeF
//! number, UPO, download answering 21164) all land in the violation's chain, in
//! order, and every report shows their notes — from entries written as the dialect
//! writes them, and from the platform's own journal after a real KSeF exchange.

use std::path::Path;

use harness::check::check;
use harness::report::{render_html, render_markdown, terminal_summary};
use serde_json::Value;
use tax_api::{JournalEntry, LedgerStatus, Route, StoreEffect, TruthSnapshot};

use crate::support::{self, issue, list, SELLER};

const N: &str = "FV/2026/7";
const KSEF: &str = "91110000MA-20260102-0A1B2C3D4E5F-7A";
const SESSION: &str = "20260102-SO-0000000001-0A1B2C3D4E-01";
const INVOICE: &str = "20260102-EE-0000000002-0A1B2C3D4E-02";

/// One journal entry as the KSeF dialect writes it about invoice `N`.
fn entry(
    seq: u64,
    method: &str,
    path: &str,
    status: u16,
    effect: StoreEffect,
    note: &str,
) -> JournalEntry {
    JournalEntry {
        seq,
        at: format!("2026-01-02T03:04:{:02}.000Z", 5 + seq),
        elapsed_ms: 100 * seq,
        route: if method == "POST" {
            Route::Upload
        } else {
            Route::Get
        },
        method: method.into(),
        path: path.into(),
        seller_tax_id: Some(SELLER.into()),
        number: Some(N.into()),
        attempt: (method == "POST").then_some(0),
        request_serial: None,
        rule: (method == "POST").then(|| "drop".into()),
        fault: (method == "POST").then(|| "drop_after_ack".into()),
        status: Some(status),
        error_code: None,
        effect,
        note: Some(note.into()),
    }
}

fn notes() -> Vec<String> {
    vec![
        format!("send ksef_session={SESSION} ksef_invoice_ref={INVOICE} ksef_number={KSEF}"),
        "status 100".into(),
        "status 150".into(),
        format!("status 200 ksefNumber={KSEF}"),
        format!("upo ksefNumber={KSEF}"),
        format!("download 21164 not found ksefNumber={KSEF}"),
    ]
}

#[test]
fn a_naive_clients_lost_ksef_invoice_shows_send_statuses_and_21164_in_every_report() {
    let mut run = support::run();
    issue(&mut run, N, true);
    list(&mut run, N, LedgerStatus::Confirmed, None);
    let status = format!("/v2/sessions/{SESSION}/invoices/{INVOICE}");
    let paths = [
        format!("/v2/sessions/online/{SESSION}/invoices"),
        status.clone(),
        status.clone(),
        status.clone(),
        format!("{status}/upo"),
        format!("/v2/invoices/ksef/{KSEF}"),
    ];
    for (i, (path, note)) in paths.iter().zip(notes()).enumerate() {
        let (method, code, effect) = match i {
            0 => ("POST", 202, StoreEffect::Dropped),
            5 => ("GET", 400, StoreEffect::None),
            _ => ("GET", 200, StoreEffect::None),
        };
        run.journal
            .push(entry(i as u64, method, path, code, effect, &note));
    }

    let result = check(&run);

    assert_eq!(result.violations.len(), 1);
    let chain: Vec<&str> = result.violations[0]
        .chain
        .iter()
        .filter_map(|e| e.note.as_deref())
        .collect();
    assert_eq!(chain, notes());
    let terminal = terminal_summary(&run, &result, Path::new("report"));
    let markdown = render_markdown(&run, &result);
    let html = render_html(&run, &check(&run));
    for note in notes() {
        assert!(
            terminal.contains(&format!("({note})")),
            "terminal lacks {note}:\n{terminal}"
        );
        // summary.md escapes Markdown's emphasis characters.
        let escaped = note.replace('_', "\\_");
        assert!(markdown.contains(&escaped), "summary.md lacks {escaped}");
        assert!(html.contains(&note), "report.html lacks {note}");
    }
    let at = |text: &str, note: &str| text.find(note).unwrap();
    assert!(at(&terminal, "status 100") < at(&terminal, "status 150"));
    assert!(at(&terminal, "status 150") < at(&terminal, "status 200"));
    assert!(at(&terminal, "status 200") < at(&terminal, "download 21164"));
}

/// The platform's own journal and truth after a KSeF client sent one invoice that
/// `drop_after_ack` dropped: send, three status polls, the UPO, the download.
async fn drive_a_dropped_ksef_invoice(number: &str) -> (Vec<JournalEntry>, TruthSnapshot) {
    use mock_tax_platform::ksef_client_side::{
        open_request, sample_fa3, send_request, token_request, SAMPLE_NIP,
    };
    let config = mock_tax_platform::Config {
        seed: 1,
        tokens: [(SAMPLE_NIP.to_owned(), "ksef-token-1".to_owned())].into(),
        plan: mock_tax_platform::plan::Plan::from_json_str(
            r#"{"faults": [{"kind": "drop_after_ack"}]}"#,
        )
        .unwrap(),
        ..mock_tax_platform::Config::default()
    };
    let platform = mock_tax_platform::start(config).await.unwrap();
    let http = reqwest::Client::new();
    let v2 = format!("http://{}/v2", platform.addr());
    let call = |method: reqwest::Method, path: String, bearer: &str, body: Option<Value>| {
        let mut req = http
            .request(method, format!("{v2}{path}"))
            .bearer_auth(bearer);
        if let Some(body) = body {
            req = req.json(&body);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    let json = |(_, text): (u16, String)| serde_json::from_str::<Value>(&text).unwrap();
    let (post, get) = (reqwest::Method::POST, reqwest::Method::GET);

    let challenge = json(call(post.clone(), "/auth/challenge".into(), "", None).await);
    let body = token_request(&challenge, SAMPLE_NIP, "ksef-token-1").unwrap();
    let started = json(call(post.clone(), "/auth/ksef-token".into(), "", Some(body)).await);
    let auth_token = started["authenticationToken"]["token"].as_str().unwrap();
    let auth_ref = started["referenceNumber"].as_str().unwrap();
    call(get.clone(), format!("/auth/{auth_ref}"), auth_token, None).await;
    let tokens = json(call(post.clone(), "/auth/token/redeem".into(), auth_token, None).await);
    let access = tokens["accessToken"]["token"].as_str().unwrap();
    let (key, iv) = ([7; 32], [9; 16]);
    let open = Some(open_request(&key, &iv).unwrap());
    let session = json(call(post.clone(), "/sessions/online".into(), access, open).await);
    let session = session["referenceNumber"].as_str().unwrap();
    let send = Some(send_request(&key, &iv, sample_fa3(number).as_bytes()));
    let path = format!("/sessions/online/{session}/invoices");
    let sent = json(call(post, path, access, send).await);
    let status = format!(
        "/sessions/{session}/invoices/{}",
        sent["referenceNumber"].as_str().unwrap()
    );
    let mut last = Value::Null;
    for _ in 0..3 {
        last = json(call(get.clone(), status.clone(), access, None).await);
    }
    let ksef_number = last["ksefNumber"].as_str().unwrap();
    call(get.clone(), format!("{status}/upo"), access, None).await;
    let (code, _) = call(get, format!("/invoices/ksef/{ksef_number}"), access, None).await;
    assert_eq!(code, 400);

    let control = format!("http://{}", platform.control_addr());
    let read = |path: &str| {
        let url = format!("{control}{path}");
        async move { reqwest::get(url).await.unwrap().text().await.unwrap() }
    };
    let journal = read("/_chaos/journal")
        .await
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let truth = serde_json::from_str(&read("/_chaos/truth").await).unwrap();
    platform.shutdown().await;
    (journal, truth)
}

#[test]
fn the_platforms_own_journal_of_a_dropped_ksef_invoice_gives_the_chain_its_ksef_story() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (journal, truth) = rt.block_on(drive_a_dropped_ksef_invoice(N));
    let mut run = support::run();
    issue(&mut run, N, true);
    run.issued[0].invoice.seller_tax_id = mock_tax_platform::ksef_client_side::SAMPLE_NIP.into();
    list(&mut run, N, LedgerStatus::Confirmed, None);
    run.journal = journal;
    run.truth = Some(truth);

    let result = check(&run);

    assert_eq!(result.violations.len(), 1, "{:?}", result.violations);
    let notes: Vec<&str> = result.violations[0]
        .chain
        .iter()
        .filter_map(|e| e.note.as_deref())
        .collect();
    let shapes = [
        "send ksef_session=",
        "status 100",
        "status 150",
        "status 200 ksefNumber=",
        "upo ksefNumber=",
        "download 21164 not found ksefNumber=",
    ];
    assert_eq!(notes.len(), shapes.len(), "{notes:?}");
    for (note, shape) in notes.iter().zip(shapes) {
        assert!(note.starts_with(shape), "{note:?} is not {shape:?}…");
    }
    let terminal = terminal_summary(&run, &result, Path::new("report"));
    assert!(
        terminal.contains("(download 21164 not found ksefNumber="),
        "{terminal}"
    );
}
