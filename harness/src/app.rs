//! The `run`, `validate` and `list` commands, called by the thin `invoice-chaos` binary.

use std::future::Future;
use std::path::PathBuf;

use crate::check::ledger_file::{ledger_run, LedgerCheck};
use crate::exit::Exit;
use crate::judge::judge;
use crate::judge::Judged;
use crate::outcome::RunRecord;
use crate::platform::ControlPlane;
use crate::runner::{self, RunOptions};
use crate::script::{discover, Overrides, Scenario, ScriptError};

/// Settings of `invoice-chaos run`.
#[derive(Debug, Clone)]
pub struct RunArgs {
    /// Scripts and directories of scripts.
    pub scripts: Vec<String>,
    /// Command-line overrides of the scripts' settings.
    pub overrides: Overrides,
    /// Parent of the report directories.
    pub reports_dir: PathBuf,
    /// No progress bar.
    pub quiet: bool,
    /// Print each run's result as one JSON line on stdout.
    pub json: bool,
    /// How many scenarios run at once (`--jobs`).
    pub jobs: std::num::NonZeroUsize,
}

/// Loads every script, or reports every bad one; nothing runs unless all are good.
fn load_all(args: &[String], overrides: &Overrides) -> Result<Vec<Scenario>, Exit> {
    let paths = discover(args).map_err(|e| {
        eprintln!("error: {e}");
        Exit::BadInput
    })?;
    let mut scenarios = Vec::new();
    let mut errors: Vec<ScriptError> = Vec::new();
    for path in &paths {
        match Scenario::load(path) {
            Ok(mut s) => {
                s.apply(overrides);
                match s.check_runnable() {
                    Ok(()) => scenarios.push(s),
                    Err(e) => errors.push(e),
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        return Ok(scenarios);
    }
    for e in &errors {
        eprintln!("error: {e}\n");
    }
    eprintln!("{} script(s) invalid; nothing was started", errors.len());
    Err(Exit::BadInput)
}

/// `invoice-chaos run`: runs each scenario in turn; the exit code is the worst outcome.
/// When `interrupted` resolves (with the signal's name), the scenario under way is
/// dropped — which stops the client program and the platform it started — and no
/// later one starts.
pub async fn run(args: RunArgs, interrupted: impl Future<Output = &'static str>) -> Exit {
    let scenarios = match load_all(&args.scripts, &args.overrides) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let opts = RunOptions {
        reports_dir: args.reports_dir.clone(),
        // Progress bars of scenarios running side by side would overwrite each other.
        quiet: args.quiet || args.jobs.get() > 1,
    };
    let mut interrupted = std::pin::pin!(interrupted);
    let mut exit = Exit::Pass;
    let mut ahead = runner::Ahead::start(scenarios.clone(), &opts, args.jobs);
    for (done, scenario) in scenarios.iter().enumerate() {
        let outcome = tokio::select! {
            outcome = ahead.next() => outcome,
            signal = &mut interrupted => {
                eprintln!(
                    "\ninterrupted ({signal}): {} stopped before its verdict, and no report \
                     was written for it; {} of {} scenario(s) had finished. What the \
                     harness started for it (a client program, a platform) is stopped.",
                    scenario.path,
                    done,
                    scenarios.len()
                );
                return Exit::Interrupted;
            }
        };
        let out = match outcome {
            Ok(out) => out,
            Err(e) => {
                eprintln!("error: {}: {e}", scenario.path);
                exit = exit.worst(Exit::HarnessError);
                continue;
            }
        };
        let judged = match judge(&out.record, &out.report_dir) {
            Ok(j) => j,
            Err(e) => {
                eprintln!(
                    "error: writing the report to {}: {e}",
                    out.report_dir.display()
                );
                exit = exit.worst(Exit::HarnessError);
                continue;
            }
        };
        exit = exit.worst(print_result(&out.record, &judged, args.json));
    }
    exit
}

/// `invoice-chaos validate`: parse and check only.
pub fn validate(scripts: &[String]) -> Exit {
    match load_all(scripts, &Overrides::default()) {
        Ok(scenarios) => {
            for s in scenarios {
                crate::say!("ok {}: {} ({} steps)", s.path, s.name, s.steps.len());
            }
            Exit::Pass
        }
        Err(exit) => exit,
    }
}

/// `invoice-chaos list [DIR]`: each script's name and description.
pub fn list(dir: &str) -> Exit {
    let paths = match discover(&[dir.to_string()]) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let mut exit = Exit::Pass;
    for path in paths {
        match Scenario::load(&path) {
            Ok(s) => crate::say!("{:<28} {}  ({path})", s.name, s.description),
            Err(e) => {
                crate::say!("{:<28} INVALID: {e}", path);
                exit = Exit::BadInput;
            }
        }
    }
    exit
}

/// Settings of `invoice-chaos check`: an exported ledger against a running platform.
#[derive(Debug, Clone)]
pub struct CheckArgs {
    /// The exported ledger (JSON lines, a `GET /ledger` document, or CSV).
    pub ledger: PathBuf,
    /// JSON lines of the invoices the billing system issued, when known.
    pub issued: Option<PathBuf>,
    /// The platform holding the truth.
    pub platform_url: String,
    /// Bearer token of its control plane, if it asks for one.
    pub control_token: Option<String>,
    /// Parent of the report directory.
    pub reports_dir: PathBuf,
    /// Print the report as JSON on stdout.
    pub json: bool,
}

/// `invoice-chaos check`: judges an exported ledger against a platform's truth.
pub async fn check_ledger(args: CheckArgs) -> Exit {
    let started_at = chrono::Utc::now();
    let control = match ControlPlane::new(&args.platform_url, args.control_token.clone()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::HarnessError;
        }
    };
    let truth = control.truth().await.map_err(|e| e.to_string());
    let journal = control.journal().await.unwrap_or_else(|e| {
        tracing::warn!("{e}");
        Vec::new()
    });
    let record = match ledger_run(LedgerCheck {
        ledger_path: &args.ledger,
        issued_path: args.issued.as_deref(),
        platform_url: &args.platform_url,
        truth,
        journal,
        started_at,
        finished_at: chrono::Utc::now(),
    }) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let dir = match runner::make_report_dir(&args.reports_dir, &record.scenario, started_at) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::HarnessError;
        }
    };
    match judge(&record, &dir) {
        Ok(judged) => print_result(&record, &judged, args.json),
        Err(e) => {
            eprintln!("error: writing the report to {}: {e}", dir.display());
            Exit::HarnessError
        }
    }
}

/// Prints one run's result (the terminal summary, or `report.json` with `--json`).
fn print_result(record: &RunRecord, judged: &Judged, json: bool) -> Exit {
    if json {
        match crate::report::render_json(record, &judged.result) {
            Ok(text) => crate::say!("{}", text.trim_end()),
            Err(e) => {
                eprintln!("error: {e}");
                return Exit::HarnessError;
            }
        }
    } else {
        crate::say_raw!(
            "{}",
            crate::report::terminal_summary(record, &judged.result, &judged.paths.dir)
        );
        crate::say!("  files:  {}/", judged.paths.dir.display());
    }
    judged.exit()
}
