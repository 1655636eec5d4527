//! Shared helpers: a platform, a client, issuing invoices, waiting for delivery to
//! settle, reading the truth, and judging ledger against truth.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use mock_tax_platform::{Config, Platform};
use reference_client::{ClientConfig, Mode, RunningClient};
use serde_json::Value;
use tax_api::{
    Integrity, Invoice, InvoiceKind, InvoiceLine, Ledger, LedgerStatus, Totals, TruthSnapshot,
};

pub const SELLER: &str = "91110000MA01ABCD1X";
pub const TOKEN: &str = "seller-secret";

/// A platform with one seller and its token; `processing_delay` makes uploads asynchronous.
pub async fn platform(processing_delay: Option<Duration>) -> Platform {
    mock_tax_platform::start(Config {
        seed: 7,
        tokens: BTreeMap::from([(SELLER.to_owned(), TOKEN.to_owned())]),
        processing_delay,
        ..Config::default()
    })
    .await
    .unwrap()
}

/// Client settings scaled down so a fault test finishes in seconds.
pub fn config(platform: &Platform, dir: &std::path::Path, mode: Mode) -> ClientConfig {
    let mut c = ClientConfig::new(platform.base_url(), SELLER, dir);
    c.token = Some(TOKEN.to_owned());
    c.mode = mode;
    c.workers = 16;
    c.queue_capacity = 64;
    c.request_timeout = Duration::from_millis(400);
    c.delivery_deadline = Duration::from_secs(15);
    c.backoff_base = Duration::from_millis(10);
    c.backoff_cap = Duration::from_millis(300);
    c.poll_interval = Duration::from_millis(25);
    c.readback_retries = 6;
    c.status_interval = Duration::from_millis(100);
    c.fsync = false;
    c
}

pub async fn start_client(config: ClientConfig) -> RunningClient {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    reference_client::start(config, listener).await.unwrap()
}

/// A valid invoice under `number`; lines vary with `i` so contents differ.
pub fn invoice(number: &str, i: usize) -> Invoice {
    let lines: Vec<InvoiceLine> = (0..1 + i % 3)
        .map(|l| {
            let quantity = 1 + (i + l) as i64 % 5;
            let unit_price = 10_000 + 137 * l as i64;
            let amount = quantity * unit_price;
            InvoiceLine {
                description: format!("Item {l}"),
                quantity,
                unit_price,
                tax_rate: 1300,
                amount,
                tax: tax_api::expected_tax(amount, 1300).unwrap(),
            }
        })
        .collect();
    let amount: i64 = lines.iter().map(|l| l.amount).sum();
    let tax: i64 = lines.iter().map(|l| l.tax).sum();
    Invoice {
        number: number.to_owned(),
        request_serial: format!("order-{number}"),
        seller_tax_id: SELLER.to_owned(),
        buyer_tax_id: "91110108MA02EFGH2Y".to_owned(),
        buyer_name: "Beijing Example Trading Co.".to_owned(),
        kind: InvoiceKind::Blue,
        issued_at: format!("2025-05-02T16:{:02}:{:02}+08:00", (i / 60) % 60, i % 60),
        currency: "CNY".to_owned(),
        lines,
        totals: Totals {
            amount_excl_tax: amount,
            tax,
            total_incl_tax: amount + tax,
        },
    }
}

/// Posts `count` invoices `PREFIX-0000…` to the client, 16 at a time; returns their numbers.
pub async fn issue(client: SocketAddr, prefix: &str, count: usize) -> Vec<String> {
    let http = reqwest::Client::new();
    let numbers: Vec<String> = (0..count).map(|i| format!("{prefix}-{i:05}")).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in numbers.chunks(count.div_ceil(16).max(1)) {
        let (http, chunk) = (http.clone(), chunk.to_vec());
        tasks.spawn(async move {
            for number in chunk {
                let i: usize = number.rsplit('-').next().unwrap().parse().unwrap();
                let resp = http
                    .post(format!("http://{client}/invoices"))
                    .json(&invoice(&number, i))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    resp.status().as_u16(),
                    202,
                    "{number}: {:?}",
                    resp.text().await
                );
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    numbers
}

pub async fn ledger(client: SocketAddr) -> Ledger {
    reqwest::get(format!("http://{client}/ledger"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Polls the ledger until nothing is pending (at most `limit`); returns it.
pub async fn settled(client: SocketAddr, limit: Duration) -> Ledger {
    let give_up = tokio::time::Instant::now() + limit;
    loop {
        let l = ledger(client).await;
        let pending = l
            .entries
            .iter()
            .filter(|e| e.status == LedgerStatus::Pending)
            .count();
        if pending == 0 {
            return l;
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "{pending} invoices still pending after {limit:?}: {:?}",
            l.entries.iter().find(|e| e.status == LedgerStatus::Pending)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn reconcile(client: SocketAddr) -> tax_api::ReconcileSummary {
    let resp = reqwest::Client::new()
        .post(format!("http://{client}/reconcile"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.json().await.unwrap()
}

pub async fn truth(platform: &Platform) -> TruthSnapshot {
    reqwest::get(format!("{}/_chaos/truth", platform.control_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Journal entries (JSON lines) of the platform.
pub async fn journal(platform: &Platform) -> Vec<Value> {
    let text = reqwest::get(format!("{}/_chaos/journal", platform.control_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Installs one fault rule through the control plane, as the harness does.
pub async fn install(platform: &Platform, rule: Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/_chaos/faults", platform.control_url()))
        .json(&rule)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    assert_eq!(
        status,
        201,
        "installing {rule}: {}",
        resp.text().await.unwrap()
    );
}

/// How many requests a fault of `kind` acted on, by the journal.
pub async fn fired(platform: &Platform, kind: &str) -> usize {
    journal(platform)
        .await
        .iter()
        .filter(|e| e["fault"].as_str() == Some(kind))
        .count()
}

/// What the checker would say about each issued invoice.
#[derive(Debug, Default)]
pub struct Verdict {
    pub confirmed_intact: usize,
    pub flagged: usize,
    /// Confirmed, but the platform holds it damaged, twice, or not at all.
    pub silent: Vec<String>,
    /// Still pending or absent from the ledger.
    pub unresolved: Vec<String>,
}

pub fn judge(numbers: &[String], ledger: &Ledger, truth: &TruthSnapshot) -> Verdict {
    let by_number: HashMap<&str, _> = ledger
        .entries
        .iter()
        .map(|e| (e.number.as_str(), e))
        .collect();
    let held: HashMap<&str, _> = truth
        .records
        .iter()
        .filter(|r| r.seller_tax_id == SELLER)
        .map(|r| (r.number.as_str(), r))
        .collect();
    let mut v = Verdict::default();
    for n in numbers {
        match by_number.get(n.as_str()).map(|e| e.status) {
            Some(LedgerStatus::Flagged) => v.flagged += 1,
            Some(LedgerStatus::Confirmed) => match held.get(n.as_str()) {
                Some(r) if r.integrity == Integrity::Intact && r.copies == 1 => {
                    v.confirmed_intact += 1
                }
                Some(r) => v.silent.push(format!("{n}: {:?}", r.integrity)),
                None => v.silent.push(format!("{n}: missing")),
            },
            _ => v.unresolved.push(n.clone()),
        }
    }
    v
}

/// Robust mode's promise: every invoice confirmed-and-intact or flagged.
pub fn assert_nothing_lost_silently(v: &Verdict, numbers: &[String]) {
    assert!(
        v.silent.is_empty(),
        "confirmed but not intact: {:?}",
        v.silent
    );
    assert!(v.unresolved.is_empty(), "unresolved: {:?}", v.unresolved);
    assert_eq!(v.confirmed_intact + v.flagged, numbers.len(), "{v:?}");
}
