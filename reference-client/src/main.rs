//! `reference-client`: serve the client contract and deliver invoices to a tax platform.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use reference_client::{ClientConfig, Mode};

// The platform binary's allocator too: every invoice is parsed, encoded and sent
// twice over HTTP, and the system allocator was an eighth of the client's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A reference billing client with a durable outbox (naive or robust delivery).
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Base URL of the tax platform.
    #[arg(long, value_name = "URL", env = "TAX_PLATFORM_URL")]
    platform_url: String,
    /// The seller's bearer token.
    #[arg(long, value_name = "TOKEN", env = "TAX_PLATFORM_TOKEN")]
    token: Option<String>,
    /// The seller's tax id.
    #[arg(long, value_name = "TAX_ID", env = "TAX_SELLER_ID")]
    seller_id: String,
    /// Port to serve the client contract on (0: any free port, printed on start).
    #[arg(long, value_name = "PORT", env = "PORT", default_value_t = 0)]
    port: u16,
    /// Address to bind.
    #[arg(long, value_name = "HOST", default_value = "127.0.0.1")]
    host: String,
    /// Directory of the durable outbox.
    #[arg(
        long,
        value_name = "DIR",
        env = "CLIENT_STATE_DIR",
        default_value = "client-state"
    )]
    state_dir: PathBuf,
    /// Delivery mode: naive or robust.
    #[arg(
        long,
        value_name = "MODE",
        env = "CLIENT_MODE",
        default_value = "robust"
    )]
    mode: Mode,
    /// Concurrent deliveries.
    #[arg(long, value_name = "N", env = "CLIENT_WORKERS", default_value_t = 64)]
    workers: usize,
    /// Open invoices read ahead from the outbox.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    queue_capacity: usize,
    /// Per-request timeout towards the platform, e.g. `5s`, `800ms`.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = humantime::parse_duration)]
    request_timeout: Duration,
    /// How long the robust mode may try before flagging an invoice, e.g. `60s`.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = humantime::parse_duration)]
    delivery_deadline: Duration,
    /// Most uploads per invoice.
    #[arg(long, value_name = "N", default_value_t = 8)]
    max_attempts: u32,
    /// Seed of the retry jitter.
    #[arg(long, value_name = "N", default_value_t = 0)]
    jitter_seed: u64,
    /// Commit without fsync (survives a process kill, not an OS crash).
    #[arg(long)]
    no_fsync: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        // Colour codes only for a person watching; files and CI logs get plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match serve(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A message, never a backtrace: a bad setting or a port in use is not a bug.
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

async fn serve(cli: Cli) -> anyhow::Result<()> {
    let mut config = ClientConfig::new(cli.platform_url, cli.seller_id, cli.state_dir);
    config.token = cli.token;
    config.mode = cli.mode;
    config.workers = cli.workers;
    config.queue_capacity = cli.queue_capacity;
    config.request_timeout = cli.request_timeout;
    config.delivery_deadline = cli.delivery_deadline;
    config.max_attempts = cli.max_attempts;
    config.jitter_seed = cli.jitter_seed;
    config.fsync = !cli.no_fsync;
    config.validate()?;
    let listener = tokio::net::TcpListener::bind((cli.host.as_str(), cli.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", cli.host, cli.port))?;
    println!(
        "reference-client ({}) listening on http://{}",
        config.mode,
        listener.local_addr()?
    );
    let stop = async {
        stop_signal().await;
    };
    reference_client::run(listener, config, stop).await?;
    println!("reference-client stopped");
    Ok(())
}

/// Resolves with the signal's name on Ctrl-C or, on Unix, SIGTERM (`docker stop`, a
/// service manager): both stop the client gracefully, its outbox kept for the next
/// start. A signal that cannot be listened for is logged and never resolves it.
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
