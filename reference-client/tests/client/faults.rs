//! One test per fault kind: robust mode ends with every invoice confirmed-and-intact or
//! flagged; naive mode, under the faults that fool it, confirms an invoice the platform
//! does not hold intact.

use std::time::Duration;

use reference_client::{ClientConfig, Mode};
use serde_json::{json, Value};

use crate::common::*;

/// What one run under faults produced.
struct Run {
    verdict: Verdict,
    numbers: Vec<String>,
    fired: usize,
}

/// Installs `rules`, issues `count` invoices through a client in `mode`, waits for
/// delivery to settle, reconciles, and judges the ledger against the truth.
async fn run_under(
    mode: Mode,
    rules: &[Value],
    kind: &str,
    count: usize,
    processing_delay: Option<Duration>,
    tweak: impl FnOnce(&mut ClientConfig),
) -> Run {
    let platform = platform(processing_delay).await;
    for rule in rules {
        install(&platform, rule.clone()).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(&platform, dir.path(), mode);
    tweak(&mut cfg);
    let client = start_client(cfg).await;
    let numbers = issue(client.addr(), kind, count).await;
    settled(client.addr(), Duration::from_secs(60)).await;
    reconcile(client.addr()).await;
    let ledger = settled(client.addr(), Duration::from_secs(60)).await;
    let truth = truth(&platform).await;
    let fired = fired(&platform, kind).await;
    client.shutdown().await;
    platform.shutdown().await;
    Run {
        verdict: judge(&numbers, &ledger, &truth),
        numbers,
        fired,
    }
}

async fn robust_under(rules: &[Value], kind: &str) -> Run {
    robust_with(rules, kind, None, |_| {}).await
}

async fn robust_with(
    rules: &[Value],
    kind: &str,
    processing_delay: Option<Duration>,
    tweak: impl FnOnce(&mut ClientConfig),
) -> Run {
    let run = run_under(Mode::Robust, rules, kind, 30, processing_delay, tweak).await;
    assert!(run.fired > 0, "the {kind} fault never fired");
    assert_nothing_lost_silently(&run.verdict, &run.numbers);
    run
}

async fn naive_under(rules: &[Value], kind: &str, processing_delay: Option<Duration>) -> Run {
    let run = run_under(Mode::Naive, rules, kind, 30, processing_delay, |_| {}).await;
    assert!(run.fired > 0, "the {kind} fault never fired");
    run
}

#[tokio::test]
async fn robust_mode_reuploads_or_flags_what_the_platform_dropped_after_ack() {
    let run = robust_under(
        &[json!({"kind": "drop_after_ack", "probability": 0.3})],
        "drop_after_ack",
    )
    .await;
    assert!(run.verdict.confirmed_intact > 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_retries_rejections_with_backoff() {
    robust_under(
        &[json!({"kind": "reject", "status": 503, "probability": 0.4})],
        "reject",
    )
    .await;
}

#[tokio::test]
async fn robust_mode_survives_resets_before_and_after_the_commit() {
    robust_under(
        &[
            json!({"kind": "reset_before_store", "probability": 0.2}),
            json!({"kind": "commit_then_reset", "probability": 0.2}),
        ],
        "commit_then_reset",
    )
    .await;
}

#[tokio::test]
async fn robust_mode_looks_up_an_invoice_whose_upload_timed_out_after_the_commit() {
    let run = robust_under(
        &[json!({"kind": "commit_then_timeout", "probability": 0.3})],
        "commit_then_timeout",
    )
    .await;
    assert_eq!(run.verdict.flagged, 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_resends_an_invoice_whose_upload_timed_out_before_the_store() {
    robust_under(
        &[json!({"kind": "timeout_before_store", "probability": 0.3})],
        "timeout_before_store",
    )
    .await;
}

#[tokio::test]
async fn robust_mode_confirms_after_an_error_that_followed_the_commit() {
    let run = robust_under(
        &[json!({"kind": "error_after_commit", "probability": 0.4})],
        "error_after_commit",
    )
    .await;
    assert_eq!(run.verdict.flagged, 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_flags_partial_writes_it_reads_back() {
    let run = robust_under(
        &[json!({"kind": "partial_write", "probability": 0.3})],
        "partial_write",
    )
    .await;
    assert!(run.verdict.flagged > 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_flags_records_stored_without_a_field() {
    let rule = json!({"kind": "partial_write", "drop": "fields", "fields": ["buyer_name"], "probability": 0.3});
    let run = robust_under(&[rule], "partial_write").await;
    assert!(run.verdict.flagged > 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_flags_corrupted_records() {
    let run = robust_under(&[json!({"kind": "corrupt", "probability": 0.3})], "corrupt").await;
    assert!(run.verdict.flagged > 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_reads_the_original_after_a_409_without_a_pointer() {
    let rules = [
        json!({"kind": "duplicate_without_pointer", "probability": 1.0}),
        // Longer than the read-back budget, so the client uploads again and meets the 409.
        json!({"kind": "visibility_lag", "lag": "1500ms", "probability": 1.0}),
    ];
    let run = robust_under(&rules, "duplicate_without_pointer").await;
    assert_eq!(run.verdict.flagged, 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_waits_out_visibility_lag_before_concluding() {
    let run = robust_under(
        &[json!({"kind": "visibility_lag", "lag": "300ms", "probability": 0.5})],
        "visibility_lag",
    )
    .await;
    assert_eq!(run.verdict.flagged, 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_flags_a_submission_stuck_in_processing_at_its_deadline() {
    let run = robust_with(
        &[json!({"kind": "stuck_processing", "probability": 0.3})],
        "stuck_processing",
        Some(Duration::from_millis(20)),
        |c| c.delivery_deadline = Duration::from_secs(3),
    )
    .await;
    assert!(run.verdict.flagged > 0, "{:?}", run.verdict);
    assert!(run.verdict.confirmed_intact > 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_rides_out_latency() {
    let rule = json!({"kind": "latency", "low": "5ms", "high": "600ms", "probability": 0.5});
    robust_under(&[rule], "latency").await;
}

#[tokio::test]
async fn robust_mode_honours_rate_limits() {
    let rule = json!({"kind": "rate_limit", "retry_after": "1s", "probability": 0.2});
    let run = robust_under(&[rule], "rate_limit").await;
    assert_eq!(run.verdict.flagged, 0, "{:?}", run.verdict);
}

#[tokio::test]
async fn robust_mode_retries_a_refused_token_a_few_times() {
    robust_under(
        &[json!({"kind": "token_expiry", "probability": 0.2})],
        "token_expiry",
    )
    .await;
}

#[tokio::test]
async fn robust_mode_retries_slow_reads() {
    let rule = json!({"kind": "slow_query", "delay": "600ms", "on": "get", "probability": 0.3});
    robust_under(&[rule], "slow_query").await;
}

#[tokio::test]
async fn naive_mode_confirms_an_invoice_the_platform_dropped_after_ack() {
    let run = naive_under(
        &[json!({"kind": "drop_after_ack", "probability": 0.3})],
        "drop_after_ack",
        None,
    )
    .await;
    assert!(!run.verdict.silent.is_empty(), "{:?}", run.verdict);
}

#[tokio::test]
async fn naive_mode_confirms_a_partial_write() {
    let run = naive_under(
        &[json!({"kind": "partial_write", "probability": 0.3})],
        "partial_write",
        None,
    )
    .await;
    assert!(!run.verdict.silent.is_empty(), "{:?}", run.verdict);
}

#[tokio::test]
async fn naive_mode_confirms_an_upload_that_timed_out_before_the_store() {
    let run = naive_under(
        &[json!({"kind": "timeout_before_store", "probability": 0.3})],
        "timeout_before_store",
        None,
    )
    .await;
    assert!(!run.verdict.silent.is_empty(), "{:?}", run.verdict);
}

#[tokio::test]
async fn naive_mode_confirms_a_submission_that_never_completes() {
    let run = naive_under(
        &[json!({"kind": "stuck_processing", "probability": 0.3})],
        "stuck_processing",
        Some(Duration::from_millis(20)),
    )
    .await;
    assert!(!run.verdict.silent.is_empty(), "{:?}", run.verdict);
}

#[tokio::test]
async fn nothing_stays_pending_when_the_platform_is_unreachable() {
    // Bound but never listening: connections are refused, and the port stays ours, so a
    // server started meanwhile (this test's own client) cannot be given it.
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    for mode in [Mode::Robust, Mode::Naive] {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = ClientConfig::new(url.clone(), SELLER, dir.path());
        cfg.mode = mode;
        cfg.delivery_deadline = Duration::from_secs(1);
        cfg.backoff_base = Duration::from_millis(10);
        cfg.backoff_cap = Duration::from_millis(100);
        let client = start_client(cfg).await;
        issue(client.addr(), "UNREACHABLE", 5).await;
        let ledger = settled(client.addr(), Duration::from_secs(30)).await;
        for e in &ledger.entries {
            assert_eq!(e.status, tax_api::LedgerStatus::Flagged, "{mode}: {e:?}");
            let reason = e.reason.as_deref().unwrap_or_default();
            let expected: &[&str] = match mode {
                Mode::Robust => &["DEADLINE", "GAVE_UP"],
                Mode::Naive => &["GAVE_UP"],
            };
            assert!(
                expected.iter().any(|x| reason.starts_with(x)),
                "{mode}: {reason}"
            );
            assert!(reason.contains("Connect"), "{mode}: {reason}");
        }
        client.shutdown().await;
    }
}

/// A platform that answers every request 429 with `Retry-After: retry_after` (seconds):
/// what no mock rule may send (the mock refuses waits past 7 days), but a real platform can.
async fn always_rate_limited(retry_after: &'static str) -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                // Read the head and the body it announces, then answer and close.
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_ascii_lowercase();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let body = r#"{"code":"RATE_LIMITED","message":"slow down","retryable":true,"details":{}}"#;
                let answer = format!(
                    "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
                     retry-after: {retry_after}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn robust_mode_flags_at_its_deadline_when_retry_after_is_beyond_any_clock() {
    // u64::MAX seconds: waiting that long overflowed the wait's instant and killed the
    // delivery, leaving the invoices pending for good.
    let addr = always_rate_limited("18446744073709551615").await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = ClientConfig::new(format!("http://{addr}"), SELLER, dir.path());
    cfg.token = Some(TOKEN.to_owned());
    cfg.mode = Mode::Robust;
    cfg.request_timeout = Duration::from_millis(400);
    cfg.backoff_base = Duration::from_millis(10);
    cfg.backoff_cap = Duration::from_millis(300);
    cfg.status_interval = Duration::from_millis(100);
    cfg.fsync = false;
    cfg.delivery_deadline = Duration::from_secs(1);
    let client = start_client(cfg).await;
    let numbers = issue(client.addr(), "huge-retry-after", 3).await;
    let ledger = settled(client.addr(), Duration::from_secs(20)).await;
    client.shutdown().await;
    assert_eq!(ledger.entries.len(), numbers.len());
    for e in &ledger.entries {
        assert_eq!(e.status, tax_api::LedgerStatus::Flagged, "{e:?}");
        let reason = e.reason.as_deref().unwrap_or_default();
        assert!(reason.starts_with("DEADLINE"), "{reason}");
        assert!(reason.contains("RATE_LIMITED"), "{reason}");
    }
}
