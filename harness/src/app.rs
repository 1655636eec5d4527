//! The `run`, `validate`, `list` and `check` commands, called by the thin
//! `invoice-chaos` binary.

mod run;

pub use run::{run, RunArgs};

use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use crate::check::ledger_file::{ledger_run, ColumnMap, LedgerCheck};
use crate::exit::Exit;
use crate::judge::judge;
use crate::judge::Judged;
use crate::outcome::{RunRecord, Scope};
use crate::platform::ControlPlane;
use crate::report;
use crate::runner;
use crate::script::{discover, Overrides, Scenario, ScriptError};

/// Loads every script, or reports every bad one; nothing runs unless all are good.
pub(crate) fn load_all(args: &[String], overrides: &Overrides) -> Result<Vec<Scenario>, Exit> {
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

/// `invoice-chaos validate`: parse and check only; with a shard, list only its share.
pub fn validate(scripts: &[String], shard: Option<crate::shard::Shard>) -> Exit {
    match load_all(scripts, &Overrides::default()) {
        Ok(scenarios) => {
            let mine = scenarios
                .into_iter()
                .filter(|s| shard.map_or(true, |shard| shard.takes(&s.name)));
            for s in mine {
                crate::say!("ok {}: {} ({} steps)", s.path, s.name, s.steps.len());
            }
            Exit::Pass
        }
        Err(exit) => exit,
    }
}

/// `invoice-chaos list [DIR]`: each script's name and description.
pub fn list(dir: &str) -> Exit {
    if !std::path::Path::new(dir).is_dir() {
        eprintln!(
            "error: {dir}: no such directory here ({}); `invoice-chaos list DIR` lists the \
             scripts in DIR, by default ./scenarios",
            std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| "the current directory".into())
        );
        return Exit::BadInput;
    }
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
    /// The invoices the billing system issued (bodies or numbers), when known.
    pub issued: Option<PathBuf>,
    /// `--column COLUMN=HEADER,…`: the CSV ledger's own header names.
    pub columns: Vec<String>,
    /// `--seller`: whose platform records the ledger must account for.
    pub seller: Option<String>,
    /// `--from`: earliest issue time checked (RFC 3339 or a date).
    pub from: Option<String>,
    /// `--to`: latest issue time checked (RFC 3339 or a date).
    pub to: Option<String>,
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
    let (columns, scope, replay_flags) = match check_scope(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::BadInput;
        }
    };
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
    // One read of the stats: the platform's rules (for information), its journal's
    // budget (whether the chains can be complete) and the migrations it ran (what the
    // report's maintenance section says each took and whether the ledger caught it).
    let (fault_stats, journal_budget, migrations) = match control.stats().await {
        Ok(stats) => (
            runner::rule_stats(&stats),
            runner::collect::journal_budget(&stats),
            stats.chaos.migrations,
        ),
        Err(e) => {
            tracing::warn!("{e}");
            (Vec::new(), None, Vec::new())
        }
    };
    let mut record = match ledger_run(LedgerCheck {
        ledger_path: &args.ledger,
        issued_path: args.issued.as_deref(),
        platform_url: &args.platform_url,
        truth,
        journal,
        fault_stats,
        columns: &columns,
        scope,
        replay_flags,
        started_at,
        finished_at: chrono::Utc::now(),
    }) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::BadInput;
        }
    };
    record.journal_budget = journal_budget;
    record.migrations = migrations;
    for note in &record.notes {
        eprintln!("note: {note}");
    }
    let dir = match runner::make_report_dir(&args.reports_dir, &record.scenario, started_at) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::HarnessError;
        }
    };
    match judge(&record, &dir) {
        Ok(judged) => {
            update_index(&args.reports_dir);
            print_result(&record, &judged, args.json)
        }
        Err(e) => {
            eprintln!("error: writing the report to {}: {e}", dir.display());
            Exit::HarnessError
        }
    }
}

/// The `check` flags that shape what is read and judged, and the same flags for the
/// replay command.
fn check_scope(args: &CheckArgs) -> Result<(ColumnMap, Scope, Vec<String>), String> {
    let mut columns = ColumnMap::default();
    let mut replay = Vec::new();
    for text in &args.columns {
        columns
            .parse_into(text)
            .map_err(|e| format!("--column {text}: {e}"))?;
        replay.extend(["--column".to_string(), text.clone()]);
    }
    let mut scope = Scope::default();
    if let Some(seller) = &args.seller {
        scope.sellers = vec![seller.clone()];
        scope.sellers_source = Some("--seller".into());
        replay.extend(["--seller".to_string(), seller.clone()]);
    }
    if let Some(from) = &args.from {
        scope.from = Some(parse_time(from, false).map_err(|e| format!("--from: {e}"))?);
        replay.extend(["--from".to_string(), from.clone()]);
    }
    if let Some(to) = &args.to {
        scope.to = Some(parse_time(to, true).map_err(|e| format!("--to: {e}"))?);
        replay.extend(["--to".to_string(), to.clone()]);
    }
    if let (Some(from), Some(to)) = (scope.from, scope.to) {
        if from > to {
            return Err(format!(
                "expected --from no later than --to, found {from} after {to}"
            ));
        }
    }
    if scope.from.is_some() || scope.to.is_some() {
        scope.period_source = Some("--from/--to".into());
    }
    Ok((columns, scope, replay))
}

/// RFC 3339, or a date standing for its first (or, with `end`, last) millisecond in UTC.
fn parse_time(text: &str, end: bool) -> Result<DateTime<FixedOffset>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        format!("expected an RFC 3339 time (2025-05-02T16:57:33+08:00) or a date (2025-05-02), found {text:?}")
    })?;
    let time = if end {
        NaiveTime::from_hms_milli_opt(23, 59, 59, 999)
    } else {
        NaiveTime::from_hms_opt(0, 0, 0)
    };
    let naive = date.and_time(time.unwrap_or_default());
    Ok(naive.and_utc().fixed_offset())
}

/// Rewrites `index.html` of the reports directory after a run. One that cannot be
/// written is warned about: the run's own reports are what counts.
pub(crate) fn update_index(reports_dir: &std::path::Path) {
    if let Err(e) = report::write_index(reports_dir) {
        eprintln!("warning: the run index was not updated: {e}");
    }
}

/// Prints one run's result (the terminal summary, or `report.json` with `--json`).
pub(crate) fn print_result(record: &RunRecord, judged: &Judged, json: bool) -> Exit {
    if json {
        match report::render_json_line(record, &judged.result) {
            Ok(line) => crate::say!("{line}"),
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
