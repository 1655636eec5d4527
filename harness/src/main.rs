//! `invoice-chaos`: parses the command line and hands over to the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use harness::app::{self, RunArgs};
use harness::exit::Exit;
use harness::script::{ClientMode, Overrides};

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
    Run {
        /// Scenario scripts or directories of them.
        #[arg(required = true, value_name = "SCRIPT|DIR")]
        scripts: Vec<String>,
        /// Delivery mode of the client, overriding the script.
        #[arg(long, value_enum)]
        client_mode: Option<Mode>,
        /// Master seed, overriding the script.
        #[arg(long)]
        seed: Option<u64>,
        /// Where run directories are written.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        reports: PathBuf,
        /// Use a running platform at this URL instead of the embedded one.
        #[arg(long, value_name = "URL")]
        platform_url: Option<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Print each run's result as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Parse and check scripts without running anything.
    Validate {
        /// Scenario scripts or directories of them.
        #[arg(required = true, value_name = "SCRIPT|DIR")]
        scripts: Vec<String>,
    },
    /// List each script's name and description.
    List {
        /// Directory of scripts.
        #[arg(default_value = "scenarios")]
        dir: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Naive,
    Robust,
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
    harness::logging::init();
    let exit = match cli.command {
        Command::Validate { scripts } => app::validate(&scripts),
        Command::List { dir } => app::list(&dir),
        Command::Run {
            scripts,
            client_mode,
            seed,
            reports,
            platform_url,
            quiet,
            json,
        } => {
            let overrides = Overrides {
                mode: client_mode.map(|m| match m {
                    Mode::Naive => ClientMode::Naive,
                    Mode::Robust => ClientMode::Robust,
                }),
                seed,
                platform_url,
            };
            let args = RunArgs {
                scripts,
                overrides,
                reports_dir: reports,
                quiet,
                json,
            };
            match tokio::runtime::Runtime::new() {
                Ok(rt) => rt.block_on(app::run(args)),
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    Exit::HarnessError
                }
            }
        }
    };
    ExitCode::from(exit.code())
}
