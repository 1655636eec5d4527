//! Checker throughput: judges a run of one million invoices and prints the time.
//!
//! `cargo bench -p harness --bench check` (optionally `-- <invoices>`). Plain `main`
//! with `std::time::Instant`: builds the run once, then times `check` three times
//! and prints the fastest and the slowest.

use std::time::Instant;

use chrono::{TimeZone, Utc};
use harness::check::check;
use harness::outcome::{ClientInfo, Expect, IssuedInvoice, RunRecord};
use tax_api::{
    Integrity, Invoice, JournalEntry, Ledger, LedgerEntry, LedgerStatus, Route, StoreEffect,
    TruthRecord, TruthSnapshot,
};

const SELLER: &str = "91110000MA01ABCD1X";

fn invoice(i: u64) -> Invoice {
    Invoice {
        number: format!("{:020}", 25_117_000_000_000_000u64 + i),
        request_serial: format!("order-{i:012}"),
        seller_tax_id: SELLER.into(),
        ..Invoice::example()
    }
}

fn journal_entry(seq: u64, number: &str, rule: Option<&str>, effect: StoreEffect) -> JournalEntry {
    JournalEntry {
        seq,
        at: "2026-01-02T03:04:05.000Z".into(),
        elapsed_ms: seq,
        route: Route::Upload,
        method: "POST".into(),
        path: "/v1/invoices".into(),
        seller_tax_id: Some(SELLER.into()),
        number: Some(number.into()),
        attempt: Some(0),
        request_serial: None,
        rule: rule.map(str::to_string),
        fault: rule.map(str::to_string),
        status: Some(201),
        error_code: None,
        effect,
        note: None,
    }
}

/// 97 % ok, 1 % lost, 1 % silently partial, 0.5 % flagged, 0.5 % pending.
fn build(n: u64) -> RunRecord {
    let mut issued = Vec::with_capacity(n as usize);
    let mut entries = Vec::with_capacity(n as usize);
    let mut records = Vec::with_capacity(n as usize);
    let mut journal = Vec::with_capacity(n as usize + n as usize / 10);
    for i in 0..n {
        let inv = invoice(i);
        let number = inv.number.clone();
        let (status, integrity, rule) = match i % 200 {
            0 | 1 => (LedgerStatus::Confirmed, None, Some("drop")),
            2 | 3 => (
                LedgerStatus::Confirmed,
                Some(Integrity::Partial),
                Some("partial"),
            ),
            4 => (LedgerStatus::Flagged, Some(Integrity::Intact), None),
            5 => (LedgerStatus::Pending, Some(Integrity::Intact), None),
            _ => (LedgerStatus::Confirmed, Some(Integrity::Intact), None),
        };
        let effect = match integrity {
            None => StoreEffect::Dropped,
            Some(Integrity::Partial) => StoreEffect::StoredPartial,
            _ => StoreEffect::Stored,
        };
        journal.push(journal_entry(journal.len() as u64, &number, rule, effect));
        if i % 10 == 0 {
            journal.push(journal_entry(
                journal.len() as u64,
                &number,
                None,
                StoreEffect::None,
            ));
        }
        if let Some(integrity) = integrity {
            let mut stored = inv.clone();
            if integrity == Integrity::Partial {
                stored.lines.clear();
            }
            records.push(TruthRecord {
                seller_tax_id: SELLER.into(),
                number: number.clone(),
                platform_ref: format!("ref-{i}"),
                integrity,
                sent_hash: String::new(),
                stored_hash: None,
                sent_line_count: 1,
                stored_line_count: stored.lines.len(),
                copies: 1,
                cause: rule.map(str::to_string),
                persisted_at: "2026-01-02T03:04:05.000Z".into(),
                checkpointed: true,
                stored: Some(stored),
                ksef: None,
            });
        }
        entries.push(LedgerEntry {
            number,
            status,
            reason: None,
            platform_ref: Some(format!("ref-{i}")),
        });
        issued.push(IssuedInvoice {
            invoice: inv,
            accepted: true,
            at_ms: i / 100,
        });
    }
    RunRecord {
        scenario: "bench".into(),
        description: String::new(),
        script_path: None,
        seed: 1,
        client: ClientInfo {
            adapter: "reference".into(),
            mode: Some("naive".into()),
            target: None,
        },
        started_at: Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
        finished_at: Utc.timestamp_opt(60, 0).single().unwrap_or_default(),
        issued,
        ledger: Some(Ledger { entries }),
        truth: Some(TruthSnapshot { seed: 1, records }),
        journal,
        plan: serde_json::Value::Null,
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

/// Nanoseconds this thread has spent on a CPU (Linux), so a busy machine does not
/// inflate the figure; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn main() {
    let n: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let built = Instant::now();
    let run = build(n);
    println!(
        "built {n} invoices, {} truth records, {} journal entries in {:.2?}",
        run.truth.as_ref().map_or(0, |t| t.records.len()),
        run.journal.len(),
        built.elapsed()
    );
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut violations = 0;
    for _ in 0..3 {
        let cpu_start = cpu_ns();
        let start = Instant::now();
        let result = check(&run);
        times.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, cpu_ns()) {
            cpu.push(std::time::Duration::from_nanos(b.saturating_sub(a)));
        }
        violations = result.violations.len();
        drop(result);
    }
    times.sort();
    cpu.sort();
    println!(
        "check: {n} invoices, {violations} violations: wall fastest {:.3?}, slowest {:.3?}",
        times[0],
        times[times.len() - 1]
    );
    if let (Some(fastest), Some(slowest)) = (cpu.first(), cpu.last()) {
        println!("check: on-CPU time fastest {fastest:.3?}, slowest {slowest:.3?}");
    }
}
