//! The `run`, `validate` and `list` commands, called by the thin `invoice-chaos` binary.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use crate::check::ledger_file::{ledger_run, ColumnMap, LedgerCheck};
use crate::exit::Exit;
use crate::judge::judge;
use crate::judge::Judged;
use crate::outcome::{RunRecord, Scope};
use crate::platform::ControlPlane;
use crate::report;
use crate::runner::{self, Interrupt, RunOptions};
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
    /// Where the JUnit file covering every script goes (default for several
    /// scripts: `<reports>/junit.xml`).
    pub junit: Option<PathBuf>,
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

/// How long an interrupted scenario gets to collect, stop what it started and
/// hand over its record before it is dropped without a report.
const INTERRUPTED_BOUND: Duration = Duration::from_secs(20);

/// `invoice-chaos run`: runs each scenario in turn; the exit code is the worst outcome.
/// When a future from `interrupted` resolves (with the signal's name), the scenario
/// under way stops issuing, collects what it can, stops the client program and the
/// platform it started, and writes its report marked `interrupted`; no later scenario
/// starts, and the exit code is 130. A second signal meanwhile drops the scenario at
/// once (what it started is still stopped, without waiting for it) and writes nothing.
pub async fn run<F, Fut>(args: RunArgs, interrupted: F) -> Exit
where
    F: Fn() -> Fut,
    Fut: Future<Output = &'static str>,
{
    let scenarios = match load_all(&args.scripts, &args.overrides) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let (interrupter, interrupt) = Interrupt::channel();
    let opts = RunOptions {
        reports_dir: args.reports_dir.clone(),
        // Progress bars of scenarios running side by side would overwrite each other.
        quiet: args.quiet || args.jobs.get() > 1,
        interrupt,
    };
    let mut first = std::pin::pin!(interrupted());
    let mut exit = Exit::Pass;
    let mut tally = Tally::default();
    let mut suites = Vec::new();
    // A signal stops the scenario under way; the closing line and JUnit file still cover
    // what ran.
    let mut stopped = false;
    let mut ahead = runner::Ahead::start(scenarios.clone(), &opts, args.jobs);
    for (done, scenario) in scenarios.iter().enumerate() {
        // Pinned outside the select: the outcome must survive the first signal.
        let mut running = std::pin::pin!(ahead.next());
        let mut signal = None;
        let outcome = tokio::select! {
            outcome = &mut running => outcome,
            caught = &mut first => {
                signal = Some(caught);
                interrupter.send(caught);
                eprintln!(
                    "\ninterrupted ({caught}): stopping {}; collecting what was issued and \
                     writing its report (at most {}). What the harness started for it \
                     (a client program, a platform) is stopped.",
                    scenario.path,
                    humantime::format_duration(INTERRUPTED_BOUND)
                );
                let again = interrupted();
                tokio::select! {
                    outcome = tokio::time::timeout(INTERRUPTED_BOUND, &mut running) => match outcome {
                        Ok(outcome) => outcome,
                        Err(_) => {
                            eprintln!(
                                "{} did not stop within {}: no report was written for it",
                                scenario.path,
                                humantime::format_duration(INTERRUPTED_BOUND)
                            );
                            return Exit::Interrupted;
                        }
                    },
                    again = again => {
                        eprintln!(
                            "interrupted again ({again}): {} stopped at once; no report was written for it",
                            scenario.path
                        );
                        return Exit::Interrupted;
                    }
                }
            }
        };
        let out = match outcome {
            Ok(out) => out,
            Err(e) => {
                eprintln!("error: {}: {e}", scenario.path);
                tally.add(Exit::HarnessError);
                suites.push(report::harness_error_suite(
                    &scenario.name,
                    &scenario.path,
                    &e.to_string(),
                ));
                exit = exit.worst(Exit::HarnessError);
                if signal.is_some() {
                    return Exit::Interrupted;
                }
                continue;
            }
        };
        let judged = match judge(&out.record, &out.report_dir) {
            Ok(j) => j,
            Err(e) => {
                let message = format!("writing the report to {}: {e}", out.report_dir.display());
                eprintln!("error: {message}");
                tally.add(Exit::HarnessError);
                suites.push(report::harness_error_suite(
                    &scenario.name,
                    &scenario.path,
                    &message,
                ));
                exit = exit.worst(Exit::HarnessError);
                if signal.is_some() {
                    return Exit::Interrupted;
                }
                continue;
            }
        };
        update_index(&args.reports_dir);
        suites.push(report::junit_suite(&out.record, &judged.result));
        let outcome = print_result(&out.record, &judged, args.json);
        tally.add(outcome);
        exit = exit.worst(outcome);
        if let Some(caught) = signal {
            eprintln!(
                "interrupted ({caught}): {} of {} scenario(s) had finished before {}",
                done,
                scenarios.len(),
                scenario.path
            );
            stopped = true;
            break;
        }
    }
    let several = scenarios.len() > 1;
    if several {
        // With --json, stdout holds nothing but the reports.
        if args.json {
            eprintln!("{}", tally.line());
        } else {
            crate::say!("{}", tally.line());
        }
    }
    let junit = match (&args.junit, several) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => Some(args.reports_dir.join("junit.xml")),
        (None, false) => None,
    };
    if let Some(path) = junit {
        let written = report::render_junit_all(suites).and_then(|xml| {
            let io = |source| report::ReportError::Io {
                path: path.display().to_string(),
                source,
            };
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            std::fs::write(&path, xml).map_err(io)
        });
        match written {
            Ok(()) if !args.json => crate::say!("junit: {}", path.display()),
            Ok(()) => {}
            Err(e) => {
                eprintln!("error: {e}");
                exit = exit.worst(Exit::HarnessError);
            }
        }
    }
    if stopped {
        return Exit::Interrupted;
    }
    exit
}

/// How the scripts of one `run` ended, for the closing line.
#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
    inconclusive: usize,
    errors: usize,
}

impl Tally {
    fn add(&mut self, outcome: Exit) {
        match outcome {
            Exit::Pass => self.passed += 1,
            Exit::Fail => self.failed += 1,
            Exit::Inconclusive => self.inconclusive += 1,
            Exit::BadInput | Exit::HarnessError | Exit::Interrupted => self.errors += 1,
        }
    }

    /// `12 scripts: 11 passed, 1 failed, 0 inconclusive` (and harness errors, if any).
    fn line(&self) -> String {
        let total = self.passed + self.failed + self.inconclusive + self.errors;
        let mut line = format!(
            "{total} scripts: {} passed, {} failed, {} inconclusive",
            self.passed, self.failed, self.inconclusive
        );
        if self.errors > 0 {
            line.push_str(&format!(", {} harness error(s)", self.errors));
        }
        line
    }
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
    // One read of the stats: the platform's rules (for information) and its journal's
    // budget (whether the chains can be complete).
    let (fault_stats, journal_budget) = match control.stats().await {
        Ok(stats) => (
            runner::rule_stats(&stats),
            runner::collect::journal_budget(&stats),
        ),
        Err(e) => {
            tracing::warn!("{e}");
            (Vec::new(), None)
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
fn update_index(reports_dir: &std::path::Path) {
    if let Err(e) = report::write_index(reports_dir) {
        eprintln!("warning: the run index was not updated: {e}");
    }
}

/// Prints one run's result (the terminal summary, or `report.json` with `--json`).
fn print_result(record: &RunRecord, judged: &Judged, json: bool) -> Exit {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closing_line_counts_every_outcome_and_names_harness_errors_only_when_there_are_some() {
        let mut tally = Tally::default();
        for outcome in [Exit::Pass, Exit::Pass, Exit::Fail, Exit::Inconclusive] {
            tally.add(outcome);
        }
        assert_eq!(
            tally.line(),
            "4 scripts: 2 passed, 1 failed, 1 inconclusive"
        );
        tally.add(Exit::HarnessError);
        assert_eq!(
            tally.line(),
            "5 scripts: 2 passed, 1 failed, 1 inconclusive, 1 harness error(s)"
        );
    }
}
