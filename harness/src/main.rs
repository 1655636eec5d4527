//! `invoice-chaos`: parses the command line and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use harness::app::{self, CheckArgs, RunArgs};
use harness::exit::Exit;
use harness::explore::{explore, ExploreArgs};
use harness::script::{ClientMode, Overrides, Unfired};

/// Chaos and fault-injection runs for billing systems that report invoices to a tax platform.
#[derive(Parser)]
#[command(name = "invoice-chaos", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario scripts (a file, several, or every *.toml in a directory).
    #[command(after_help = harness::help::run())]
    Run {
        /// Scenario scripts or directories of them.
        #[arg(required = true, value_name = "SCRIPT|DIR")]
        scripts: Vec<String>,
        /// Delivery mode of the client, overriding the script.
        #[arg(long, value_enum, value_name = "MODE")]
        client_mode: Option<Mode>,
        /// Master seed, overriding the script.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Where run directories are written.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        reports: PathBuf,
        /// Use a running platform at this URL instead of the embedded one.
        #[arg(long, value_name = "URL")]
        platform_url: Option<String>,
        /// Issue at most N invoices per issue step (a quick, smaller run of the same script).
        #[arg(long, value_name = "N")]
        max_count: Option<std::num::NonZeroU64>,
        /// Run id in the invoice numbers (1-9999), as a replay line gives it; by default
        /// a fresh one when the client or platform keeps state between runs.
        #[arg(long, value_name = "ID", value_parser = clap::value_parser!(u16).range(1..=9999))]
        run_id: Option<u16>,
        #[command(flatten)]
        secrets: Secrets,
        /// Write one JUnit file covering every script here (default for several
        /// scripts: <reports>/junit.xml).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// What a scheduled fault rule that never fired does: `warn` keeps the verdict
        /// and says so, `inconclusive` makes the run inconclusive. Default: the
        /// script's `faults_must_fire` (inconclusive unless it says otherwise).
        #[arg(long, value_enum, value_name = "WHAT")]
        unfired: Option<UnfiredArg>,
        /// Run up to N scenarios at once, each with its own platform and client (default:
        /// the number of CPUs). A line per finished script, a live line of what runs.
        #[arg(long, value_name = "N")]
        jobs: Option<std::num::NonZeroUsize>,
        /// Run only share K of N of the scripts, chosen by a stable hash of each
        /// script's name (a CI matrix of N machines; combine them with `merge`).
        #[arg(long, value_name = "K/N")]
        shard: Option<harness::shard::Shard>,
        /// The CI gate: no progress, no per-script output, JUnit always written
        /// (<reports>/junit.xml unless --junit), one closing line, the worst exit code.
        #[arg(long)]
        ci: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Print each run's result as one line of JSON on stdout (JSON Lines).
        #[arg(long)]
        json: bool,
    },
    /// Parse and check scripts without running anything.
    #[command(after_help = harness::help::VALIDATE)]
    Validate {
        /// Scenario scripts or directories of them.
        #[arg(required = true, value_name = "SCRIPT|DIR")]
        scripts: Vec<String>,
        /// List only the scripts `run --shard K/N` would run.
        #[arg(long, value_name = "K/N")]
        shard: Option<harness::shard::Shard>,
    },
    /// Check an exported ledger against a running platform's truth (no driving).
    #[command(after_help = harness::help::check())]
    Check {
        /// The exported ledger: JSON lines, a `GET /ledger` document, or CSV.
        #[arg(long, value_name = "FILE")]
        ledger: PathBuf,
        /// The invoices the billing system issued, when known: one per line, either its
        /// full upload body as JSON (content is then compared too) or just its number.
        #[arg(long, value_name = "FILE")]
        issued: Option<PathBuf>,
        /// Your CSV ledger's own header for a column, e.g. `number=InvoiceNo,status=State`
        /// (columns: number, status, reason, platform_ref, seller_tax_id, issued_at).
        #[arg(long = "column", value_name = "COLUMN=HEADER")]
        columns: Vec<String>,
        /// The seller whose platform records the ledger must account for (default: the
        /// ledger's seller_tax_id column, else the sellers of the records it lists).
        #[arg(long, value_name = "TAX_ID")]
        seller: Option<String>,
        /// Earliest issue time checked for records the ledger does not list (RFC 3339 or
        /// YYYY-MM-DD; default: the ledger's issue-time range).
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Latest issue time checked (RFC 3339 or YYYY-MM-DD, that whole day in UTC).
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// The platform holding the truth.
        #[arg(long, value_name = "URL")]
        platform_url: String,
        /// Bearer token of the platform's control plane, if it asks for one.
        #[arg(
            long,
            value_name = "TOKEN",
            env = "CHAOS_CONTROL_TOKEN",
            hide_env_values = true
        )]
        control_token: Option<String>,
        /// Where the report directory is written.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        reports: PathBuf,
        /// Print the report as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Generate scenarios against a client until one fails, then shrink it to a
    /// minimal script (see EXPLORE.md).
    #[command(after_help = harness::help::explore())]
    Explore {
        /// The base script: client, platform, [expect] and [explore] bounds.
        #[arg(value_name = "BASE_SCRIPT")]
        base: String,
        /// How long to search for a finding, e.g. 2m, 30s; shrinking gets as long again.
        #[arg(long, value_name = "DURATION", default_value = "10m",
              value_parser = humantime::parse_duration)]
        budget: std::time::Duration,
        /// Try at most N scenarios while searching.
        #[arg(long, value_name = "N")]
        runs: Option<u64>,
        /// Exploration seed: the same seed generates the same scenarios.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Where the <UTC time>/ folder of a finding is written.
        #[arg(long, value_name = "DIR", default_value = "explore")]
        out: PathBuf,
        /// Delivery mode of the client, overriding the base script.
        #[arg(long, value_enum, value_name = "MODE")]
        client_mode: Option<Mode>,
        /// A shrink candidate is kept only if each of K runs fails with the same class.
        #[arg(long, value_name = "K", default_value_t = 2,
              value_parser = clap::value_parser!(u32).range(1..=20))]
        confirm: u32,
        /// Scenarios run at once while searching (shrinking runs one at a time).
        #[arg(long, value_name = "N", default_value_t = 1)]
        jobs: usize,
        /// Use a running platform at this URL instead of the embedded one.
        #[arg(long, value_name = "URL")]
        platform_url: Option<String>,
        #[command(flatten)]
        secrets: Secrets,
        /// No progress line.
        #[arg(long)]
        quiet: bool,
    },
    /// Write `index.html` in a reports directory: every run in it, newest first.
    Index {
        /// The reports directory.
        #[arg(default_value = "reports")]
        dir: PathBuf,
    },
    /// Compare two runs from their report directories: counts per class, fault fires,
    /// invoices violating in one and not the other. Exits 1 if B is worse than A.
    Diff {
        /// The earlier run's report directory (or its report.json).
        #[arg(value_name = "RUN_A")]
        a: PathBuf,
        /// The later run's report directory (or its report.json).
        #[arg(value_name = "RUN_B")]
        b: PathBuf,
        /// Print the comparison as JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Where diff.html is written (default: RUN_B/diff.html).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// List each script's name and description.
    #[command(after_help = harness::help::LIST)]
    List {
        /// Directory of scripts.
        #[arg(value_name = "DIR", default_value = "scenarios")]
        dir: String,
    },
    /// List every fault kind a script can schedule: its settings and an example rule.
    #[command(after_help = harness::help::FAULTS)]
    Faults,
    /// Print a shell completion script for bash, zsh or fish.
    #[command(after_help = harness::help::COMPLETIONS)]
    Completions {
        /// The shell.
        #[arg(value_name = "SHELL")]
        shell: CompletionShell,
    },
    /// Combine the report directories of several runs (a CI matrix's shards) into one:
    /// every run directory, one junit.xml, one summary.md, one exit code.
    #[command(after_help = harness::help::MERGE)]
    Merge {
        /// Report directories written by `run` (each holds results.json).
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
        /// Where the combined report directory is written.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Internal: how the `command` adapter runs a client program, so that the
    /// program never outlives the harness.
    #[cfg(unix)]
    #[command(name = "__supervise-client", hide = true)]
    SuperviseClient {
        /// How long the program gets after SIGTERM.
        #[arg(long)]
        grace_ms: u64,
        /// The client's state directory, removed if the harness dies.
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// Program and arguments.
        #[arg(last = true, required = true)]
        argv: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Naive,
    Robust,
}

/// The platform's secrets, from the environment (a CI's secret store) or the command
/// line, so that scripts never hold them; `run` and `explore` take the same two.
#[derive(Args)]
struct Secrets {
    /// Bearer token of the platform's control plane, overriding the script.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "CHAOS_CONTROL_TOKEN",
        hide_env_values = true
    )]
    control_token: Option<String>,
    /// The seller's bearer token on the platform, overriding the script.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "CHAOS_PLATFORM_TOKEN",
        hide_env_values = true
    )]
    platform_token: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Clone, Copy, ValueEnum)]
enum UnfiredArg {
    Warn,
    Inconclusive,
}

impl Mode {
    fn client_mode(self) -> ClientMode {
        match self {
            Mode::Naive => ClientMode::Naive,
            Mode::Robust => ClientMode::Robust,
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => Exit::BadInput.code(),
            });
        }
    };
    #[cfg(unix)]
    if let Command::SuperviseClient {
        grace_ms,
        state_dir,
        argv,
    } = cli.command
    {
        return ExitCode::from(harness::client::supervisor::supervise(
            harness::client::supervisor::SuperviseArgs {
                argv,
                state_dir,
                grace: std::time::Duration::from_millis(grace_ms),
            },
        ));
    }
    harness::logging::init();
    harness::program::locate();
    match cli.command {
        Command::Faults => {
            harness::say_raw!("{}", harness::fault_list::render());
            return ExitCode::SUCCESS;
        }
        Command::Completions { shell } => {
            let shell = match shell {
                CompletionShell::Bash => clap_complete::Shell::Bash,
                CompletionShell::Zsh => clap_complete::Shell::Zsh,
                CompletionShell::Fish => clap_complete::Shell::Fish,
            };
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "invoice-chaos", &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Command::Merge { dirs, out } => {
            let args = harness::merge::MergeArgs { dirs, out };
            return ExitCode::from(harness::merge::merge(&args).code());
        }
        _ => {}
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Exit::HarnessError.code());
        }
    };
    let exit = match cli.command {
        #[cfg(unix)]
        Command::SuperviseClient { .. } => Exit::HarnessError,
        // Answered above, before the runtime starts.
        Command::Faults | Command::Completions { .. } | Command::Merge { .. } => Exit::HarnessError,
        Command::Validate { scripts, shard } => app::validate(&scripts, shard),
        Command::List { dir } => app::list(&dir),
        Command::Index { dir } => harness::report::index_command(&dir),
        Command::Diff { a, b, json, html } => {
            harness::diff::diff_command(&harness::diff::DiffArgs { a, b, json, html })
        }
        Command::Run {
            scripts,
            client_mode,
            seed,
            reports,
            platform_url,
            max_count,
            run_id,
            secrets,
            junit,
            unfired,
            jobs,
            shard,
            ci,
            quiet,
            json,
        } => {
            let overrides = Overrides {
                mode: client_mode.map(Mode::client_mode),
                seed,
                platform_url,
                max_count,
                run_id,
                control_token: secrets.control_token,
                platform_token: secrets.platform_token,
                unfired: unfired.map(|u| match u {
                    UnfiredArg::Warn => Unfired::Warn,
                    UnfiredArg::Inconclusive => Unfired::Inconclusive,
                }),
            };
            let args = RunArgs {
                scripts,
                overrides,
                reports_dir: reports,
                quiet,
                json,
                junit,
                jobs: jobs.unwrap_or_else(cpus),
                shard,
                ci,
            };
            runtime.block_on(app::run(args, stop_signal))
        }
        Command::Explore {
            base,
            budget,
            runs,
            seed,
            out,
            client_mode,
            confirm,
            jobs,
            platform_url,
            secrets,
            quiet,
        } => {
            let args = ExploreArgs {
                base,
                budget,
                runs,
                seed,
                out,
                overrides: Overrides {
                    mode: client_mode.map(Mode::client_mode),
                    platform_url,
                    control_token: secrets.control_token,
                    platform_token: secrets.platform_token,
                    ..Overrides::default()
                },
                confirm,
                jobs,
                quiet,
            };
            runtime.block_on(explore(args, stop_signal()))
        }
        Command::Check {
            ledger,
            issued,
            columns,
            seller,
            from,
            to,
            platform_url,
            control_token,
            reports,
            json,
        } => {
            if control_token.is_none() && std::env::var_os("TAX_CONTROL_TOKEN").is_some() {
                eprintln!(
                    "warning: TAX_CONTROL_TOKEN is no longer read; set CHAOS_CONTROL_TOKEN, \
                     as the platform does"
                );
            }
            let args = CheckArgs {
                ledger,
                issued,
                columns,
                seller,
                from,
                to,
                platform_url,
                control_token,
                reports_dir: reports,
                json,
            };
            runtime.block_on(app::check_ledger(args))
        }
    };
    ExitCode::from(exit.code())
}

/// The default of `run --jobs`: as many scenarios at once as the machine has CPUs
/// (their runs mostly wait on timers, so this rarely saturates them).
fn cpus() -> std::num::NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN)
}

/// Resolves with the signal's name on Ctrl-C or, on Unix, SIGTERM (a cancelled CI
/// job, `timeout`), so the run stops the client program it started instead of
/// leaving it running. A signal that cannot be listened for is logged and never
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
