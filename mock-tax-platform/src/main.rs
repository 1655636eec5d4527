//! `mock-tax-platform`: serve the mock e-invoice platform until Ctrl-C or SIGTERM.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use mock_tax_platform::{
    parse_size, parse_token_pair, plan, read_tokens_file, workers, Config, KeyMaterial,
    KsefSettings,
};
use tokio::net::TcpListener;

// Every upload keeps a record and a journal entry, and parsing allocates a dozen
// strings per request; mimalloc's thread-local free lists cut that cost (and the
// heap-growth syscalls) well below the system allocator's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A mock government e-invoice platform with a ground-truth control plane.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Address the API (and, by default, the control plane) listens on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve the control plane (`/_chaos/…`) on this address instead.
    #[arg(long, value_name = "ADDR")]
    control_listen: Option<SocketAddr>,
    /// Bearer token the control plane requires: mandatory when --listen or
    /// --control-listen is not loopback; an empty one is refused.
    #[arg(long, value_name = "TOKEN", env = "CHAOS_CONTROL_TOKEN")]
    control_token: Option<String>,
    /// Master seed of the run.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// A seller's token, `SELLER_TAX_ID=TOKEN`; repeatable. With none, every request is accepted.
    #[arg(long = "token", value_name = "SELLER_TAX_ID=TOKEN")]
    tokens: Vec<String>,
    /// A file of `SELLER_TAX_ID=TOKEN` lines (`#` comments allowed).
    #[arg(long = "tokens", value_name = "FILE")]
    tokens_file: Option<PathBuf>,
    /// Answer uploads 202 and process them after this delay (e.g. `2s`); default synchronous 201.
    #[arg(long, value_name = "DURATION", value_parser = plan::duration::parse_bounded)]
    processing_delay: Option<Duration>,
    /// Largest request body in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = mock_tax_platform::DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// Fault rules and maintenance windows to install at start (TOML, or JSON when
    /// the file ends in `.json`); change them later through `/_chaos/plan`.
    #[arg(long, value_name = "FILE")]
    plan: Option<PathBuf>,
    /// Time a client has to send a request's headers (e.g. `10s`).
    #[arg(long, value_name = "DURATION", value_parser = plan::duration::parse_bounded,
          default_value = "10s")]
    header_read_timeout: Duration,
    /// Time a client has to send a request's body (e.g. `10s`); a slower one gets 408.
    #[arg(long, value_name = "DURATION", value_parser = plan::duration::parse_bounded,
          default_value = "10s")]
    body_read_timeout: Duration,
    /// Memory budget of the journal (e.g. `1GiB`, `512MiB`, bytes); past it,
    /// entries are counted as dropped (`GET /_chaos/stats` → `journal.dropped`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "1GiB")]
    journal_limit: usize,
    /// Threads serving connections, each connection pinned to one; default one per
    /// CPU. 0 serves them on a work-stealing runtime instead.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// KSeF (`/v2`): the platform's RSA private key, PEM (PKCS#8 or PKCS#1);
    /// default: the committed test-only key. Needs --ksef-cert.
    #[arg(long, value_name = "FILE", requires = "ksef_cert")]
    ksef_key: Option<PathBuf>,
    /// KSeF (`/v2`): the PEM certificate of --ksef-key's public key, as
    /// `/v2/security/public-key-certificates` publishes it. Needs --ksef-key.
    #[arg(long, value_name = "FILE", requires = "ksef_key")]
    ksef_cert: Option<PathBuf>,
    /// KSeF (`/v2`): records a metadata query returns before it answers `isTruncated`.
    #[arg(long, default_value_t = mock_tax_platform::KSEF_DEFAULT_QUERY_LIMIT)]
    ksef_query_limit: usize,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person watching; files and CI logs get plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let cli = Cli::parse();
    let workers = cli.workers.unwrap_or_else(workers::one_per_cpu);
    // With workers, this runtime only accepts connections and waits for a stop signal.
    let served = workers::accepting_runtime(workers)
        .context("cannot start the async runtime")
        .and_then(|runtime| runtime.block_on(serve(cli, workers)));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A message, never a backtrace: these are a user's mistakes or the
            // machine's refusals (a typo in a plan, a port in use), not bugs.
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each said once: some errors already
/// include their cause in their own message.
fn one_line(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain().map(ToString::to_string) {
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

async fn serve(cli: Cli, workers: usize) -> anyhow::Result<()> {
    // Refused before anything listens, even briefly, on a public address.
    mock_tax_platform::check_control_token(
        cli.listen,
        cli.control_listen.unwrap_or(cli.listen),
        cli.control_token.as_deref(),
    )?;
    let mut tokens = match &cli.tokens_file {
        Some(path) => read_tokens_file(path)?,
        None => Default::default(),
    };
    for pair in &cli.tokens {
        let (seller, token) = parse_token_pair("--token", pair)?;
        tokens.insert(seller, token);
    }
    let config = Config {
        seed: cli.seed,
        tokens,
        processing_delay: cli.processing_delay,
        body_limit: cli.body_limit,
        header_read_timeout: cli.header_read_timeout,
        body_read_timeout: cli.body_read_timeout,
        journal_limit: cli.journal_limit,
        control_token: cli.control_token,
        workers,
        plan: match &cli.plan {
            Some(path) => mock_tax_platform::plan::Plan::from_path(path)?,
            None => Default::default(),
        },
        ksef: KsefSettings {
            keys: match (&cli.ksef_key, &cli.ksef_cert) {
                (Some(key), Some(cert)) => Some(std::sync::Arc::new(load_ksef_keys(key, cert)?)),
                _ => None,
            },
            query_limit: cli.ksef_query_limit,
        },
    };
    let api = TcpListener::bind(cli.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cli.listen))?;
    let control = match cli.control_listen {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} for the control plane"))?,
        ),
        None => None,
    };
    let stop = async {
        let signal = stop_signal().await;
        tracing::info!("{signal} received");
    };
    mock_tax_platform::run_with_control(api, control, config, stop).await?;
    Ok(())
}

/// Reads and checks `--ksef-key` and `--ksef-cert`, naming the file at fault.
fn load_ksef_keys(key: &Path, cert: &Path) -> anyhow::Result<KeyMaterial> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    };
    KeyMaterial::from_pem(&read(key)?, &read(cert)?)
        .with_context(|| format!("{} and {}", key.display(), cert.display()))
}

/// Resolves with the signal's name on Ctrl-C or, on Unix, SIGTERM (`docker stop`, a
/// cancelled CI job, a service manager), so both end in a graceful shutdown rather
/// than an abrupt exit. A signal that cannot be listened for is logged and never
/// resolves it.
///
/// The same helper, line for line, is in all three binaries (`mock-tax-platform`,
/// `reference-client`, `invoice-chaos`): the one crate they all depend on, `tax-api`,
/// is the wire contract and stays free of I/O and tokio, so sharing it would take a
/// crate of its own for twenty lines. Change all three together.
async fn stop_signal() -> &'static str {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "Ctrl-C",
        () = terminate => "SIGTERM",
    }
}
