//! A KSeF invoice's causal chain: the journal entries the platform's KSeF dialect
//! writes about a dropped invoice (send, status polls 100 → 150 → 200 with the KSeF
//! number, UPO, download answering 21164) all land in the violation's chain, in
//! order, and every report shows their notes.

use std::path::Path;

use harness::check::check;
use harness::report::{render_html, render_markdown, terminal_summary};
use tax_api::{JournalEntry, LedgerStatus, Route, StoreEffect};

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
