//! End-to-end throughput of the robust client against the embedded platform with no
//! faults: invoices posted to `POST /invoices` until every one is confirmed (uploaded,
//! read back and checked).
//!
//! `cargo bench -p reference-client --bench throughput`
//! Environment: `BENCH_INVOICES` (default 100000), `BENCH_PRODUCERS` (64),
//! `BENCH_WORKERS` (128), `BENCH_FSYNC` (`1`: fsync every commit; default `0`).
//!
//! The load generator runs in the same process and its CPU counts, so it is kept lean:
//! hyper's pooled client (keep-alive, one connection per producer), each invoice built
//! and serialised, posted, and its 202 awaited.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use reference_client::{ClientConfig, Mode};
use serde_json::Value;

// Client and platform run here in one process; give it the allocator both of their
// binaries use, so the figure is the one their deployment would see.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tax_api::{Invoice, InvoiceKind, InvoiceLine, Totals};

const SELLER: &str = "91110000MA01ABCD1X";
const TOKEN: &str = "bench-secret";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn invoice(i: usize) -> Invoice {
    let quantity = 1 + (i % 5) as i64;
    let amount = quantity * 45_000;
    let tax = tax_api::expected_tax(amount, 1300).unwrap();
    Invoice {
        number: format!("B{i:09}"),
        request_serial: format!("order-{i:09}"),
        seller_tax_id: SELLER.into(),
        buyer_tax_id: "91110108MA02EFGH2Y".into(),
        buyer_name: "Beijing Example Trading Co.".into(),
        kind: InvoiceKind::Blue,
        issued_at: format!(
            "2025-05-02T{:02}:{:02}:{:02}+08:00",
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60
        ),
        currency: "CNY".into(),
        lines: vec![InvoiceLine {
            description: "Office chair".into(),
            quantity,
            unit_price: 45_000,
            tax_rate: 1300,
            amount,
            tax,
        }],
        totals: Totals {
            amount_excl_tax: amount,
            tax,
            total_incl_tax: amount + tax,
        },
    }
}

/// CPU seconds this process has used (user + system), from `/proc/self/stat` on Linux.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

async fn stats(http: &reqwest::Client, addr: std::net::SocketAddr) -> Value {
    http.get(format!("http://{addr}/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let total = env("BENCH_INVOICES", 100_000);
    let producers = env("BENCH_PRODUCERS", 64);
    let fsync = env("BENCH_FSYNC", 0) == 1;
    let platform = mock_tax_platform::start(mock_tax_platform::Config {
        tokens: BTreeMap::from([(SELLER.to_owned(), TOKEN.to_owned())]),
        ..mock_tax_platform::Config::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = ClientConfig::new(platform.base_url(), SELLER, dir.path());
    config.token = Some(TOKEN.into());
    config.mode = Mode::Robust;
    config.workers = env("BENCH_WORKERS", 128);
    config.queue_capacity = 4096;
    config.delivery_deadline = Duration::from_secs(600);
    config.fsync = fsync;
    // The client on its own runtime and threads (`reference-client`, `outbox`), so a
    // profiler can tell its CPU from the platform's and the load generator's.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let client = reference_client::spawn_isolated(config, listener).unwrap();
    let addr = client.addr();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(producers)
        .build()
        .unwrap();

    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let load = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(producers)
        .build::<_, Full<Bytes>>(HttpConnector::new());
    let uri: hyper::Uri = format!("http://{addr}/invoices").parse().unwrap();
    for p in 0..producers {
        let (load, uri) = (load.clone(), uri.clone());
        tasks.spawn(async move {
            for i in (p..total).step_by(producers) {
                let body = serde_json::to_vec(&invoice(i)).unwrap();
                let req = hyper::Request::post(uri.clone())
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(Full::new(Bytes::from(body)))
                    .unwrap();
                let resp = load.request(req).await.unwrap();
                assert_eq!(resp.status().as_u16(), 202);
                resp.into_body().collect().await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let accepted = started.elapsed();
    let last = loop {
        let s = stats(&http, addr).await;
        if s["open"].as_u64() == Some(0) {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let settled = started.elapsed();
    let secs = settled.as_secs_f64();
    let cpu = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    println!(
        "reference-client robust, {total} invoices, {producers} producers, fsync={fsync}: \
         accepted in {:.2}s ({:.0}/s), all settled in {secs:.2}s -> {:.0} invoices/s end to end; \
         confirmed {}, flagged {}; CPU {} (client, platform and load generator together)",
        accepted.as_secs_f64(),
        total as f64 / accepted.as_secs_f64(),
        total as f64 / secs,
        last["confirmed"],
        last["flagged"],
        match cpu {
            Some(cpu) => format!(
                "{cpu:.2}s = {:.0} us per invoice, {:.0} invoices/s per fully available core",
                cpu * 1e6 / total as f64,
                total as f64 / cpu
            ),
            None => "not measured".into(),
        },
    );
    client.kill();
    platform.shutdown().await;
}
