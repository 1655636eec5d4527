//! Hand-built run records for checker and report tests.

use chrono::{TimeZone, Utc};
use harness::outcome::{ClientInfo, Expect, IssuedInvoice, RuleFires, RunRecord};
use tax_api::{
    Integrity, Invoice, InvoiceKind, InvoiceLine, JournalEntry, Ledger, LedgerEntry, LedgerStatus,
    Route, StoreEffect, Totals, TruthRecord, TruthSnapshot,
};

/// The `invoice-chaos` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_invoice-chaos");

/// A mock platform with default settings, running on `rt` on 127.0.0.1:0: the
/// "platform someone already runs" of the remote, re-run and ledger tests.
pub fn running_platform(rt: &tokio::runtime::Runtime) -> mock_tax_platform::Platform {
    rt.block_on(mock_tax_platform::start(
        mock_tax_platform::Config::default(),
    ))
    .unwrap()
}

/// Writes a script as `name` in a fresh temporary directory, which lives as long as
/// the returned guard.
pub fn script_file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join(name);
    std::fs::write(&script, text).unwrap();
    (dir, script)
}

/// Runs the binary from the crate directory (so script paths in messages are
/// relative), without the caller's `RUST_LOG`.
pub fn invoice_chaos(args: &[&str]) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

pub const SELLER: &str = "91110000MA01ABCD1X";

pub fn invoice(number: &str) -> Invoice {
    let lines = vec![
        InvoiceLine {
            description: "Office chair".into(),
            quantity: 2,
            unit_price: 45000,
            tax_rate: 1300,
            amount: 90000,
            tax: 11700,
        },
        InvoiceLine {
            description: "Desk lamp".into(),
            quantity: 1,
            unit_price: 10000,
            tax_rate: 1300,
            amount: 10000,
            tax: 1300,
        },
    ];
    Invoice {
        number: number.into(),
        request_serial: format!("order-{number}"),
        seller_tax_id: SELLER.into(),
        buyer_tax_id: "91110108MA02EFGH2Y".into(),
        buyer_name: "Beijing Example Trading Co.".into(),
        kind: InvoiceKind::Blue,
        issued_at: "2025-05-02T16:57:33+08:00".into(),
        currency: "CNY".into(),
        lines,
        totals: Totals {
            amount_excl_tax: 100000,
            tax: 13000,
            total_incl_tax: 113000,
        },
    }
}

/// An empty, readable run: truth and ledger present, no faults scheduled.
pub fn run() -> RunRecord {
    RunRecord {
        scenario: "unit".into(),
        description: "hand-built".into(),
        script_path: Some("scenarios/unit.toml".into()),
        seed: 7,
        client: ClientInfo {
            adapter: "reference".into(),
            mode: Some("robust".into()),
            target: None,
        },
        started_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        finished_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 15).unwrap(),
        issued: Vec::new(),
        ledger: Some(Ledger::default()),
        truth: Some(TruthSnapshot {
            seed: 7,
            records: Vec::new(),
        }),
        journal: Vec::new(),
        plan: serde_json::json!({"faults": [], "maintenance": []}),
        fault_stats: Vec::new(),
        expect: Expect::default(),
        problems: Vec::new(),
        timeline: Vec::new(),
        replay_flags: Vec::new(),
        journal_budget: None,
        lifecycle: Default::default(),
        issued_numbers: Vec::new(),
        scope: Default::default(),
        notes: Vec::new(),
        migrations: Vec::new(),
    }
}

pub fn issue(run: &mut RunRecord, number: &str, accepted: bool) {
    let at_ms = run.issued.len() as u64 * 100;
    run.issued.push(IssuedInvoice {
        invoice: invoice(number),
        accepted,
        at_ms,
    });
}

pub fn list(run: &mut RunRecord, number: &str, status: LedgerStatus, reason: Option<&str>) {
    run.ledger.as_mut().unwrap().entries.push(LedgerEntry {
        number: number.into(),
        status,
        reason: reason.map(str::to_string),
        platform_ref: Some(format!("ref-{number}")),
    });
}

/// Stores a truth record for `number` with the given fate; content follows the fate.
pub fn store(run: &mut RunRecord, number: &str, integrity: Integrity, cause: Option<&str>) {
    let sent = invoice(number);
    let mut stored = sent.clone();
    let mut copies = 1;
    match integrity {
        Integrity::Partial => stored.lines.truncate(0),
        Integrity::Corrupted => stored.buyer_name = "Altered Co.".into(),
        Integrity::Duplicated => copies = 2,
        Integrity::LostInMigration => copies = 0,
        Integrity::Intact => {}
    }
    let lost = integrity == Integrity::LostInMigration;
    run.truth.as_mut().unwrap().records.push(TruthRecord {
        seller_tax_id: SELLER.into(),
        number: number.into(),
        platform_ref: format!("ref-{number}"),
        integrity,
        sent_hash: tax_api::content_hash(&sent),
        stored_hash: (!lost).then(|| tax_api::content_hash(&stored)),
        sent_line_count: sent.lines.len(),
        stored_line_count: if lost { 0 } else { stored.lines.len() },
        copies,
        cause: cause.map(str::to_string),
        persisted_at: "2026-01-02T03:04:06.000Z".into(),
        checkpointed: false,
        stored: (!lost).then_some(stored),
        ksef: None,
    });
}

/// Appends a journal entry about `number` (an upload unless `route` says otherwise).
pub fn request(
    run: &mut RunRecord,
    number: Option<&str>,
    fault: Option<(&str, &str)>,
    status: Option<u16>,
    effect: StoreEffect,
) {
    let seq = run.journal.len() as u64;
    let attempt = run
        .journal
        .iter()
        .filter(|e| e.number.as_deref() == number && number.is_some())
        .count() as u32;
    run.journal.push(JournalEntry {
        seq,
        at: format!("2026-01-02T03:04:{:02}.000Z", 5 + seq),
        elapsed_ms: 1000 * seq,
        route: if number.is_some() {
            Route::Upload
        } else {
            Route::Control
        },
        method: "POST".into(),
        path: if number.is_some() {
            "/v1/invoices".into()
        } else {
            "/_chaos/maintenance".into()
        },
        seller_tax_id: number.map(|_| SELLER.to_string()),
        number: number.map(str::to_string),
        attempt: number.map(|_| attempt),
        request_serial: number.map(|n| format!("order-{n}")),
        rule: fault.map(|f| f.0.to_string()),
        fault: fault.map(|f| f.1.to_string()),
        status,
        error_code: None,
        effect,
        note: if effect == StoreEffect::Migration {
            Some("migration lost 1 record".into())
        } else {
            None
        },
    });
}

pub fn fired(run: &mut RunRecord, rule: &str, kind: &str, fired: u64) {
    run.fault_stats.push(RuleFires {
        rule: rule.into(),
        kind: kind.into(),
        fired,
        matched: fired + 3,
        scheduled: true,
    });
}
