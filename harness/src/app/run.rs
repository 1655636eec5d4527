//! `invoice-chaos run`: loads every script, takes this shard's share, runs up to
//! `--jobs` at once, and ends with a closing line, `junit.xml`, `results.json`,
//! `summary.md` and the worst outcome as the exit code.

use std::future::Future;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use quick_junit::TestSuite;

use super::{load_all, print_result};
use crate::exit::Exit;
use crate::judge::judge;
use crate::report;
use crate::results::{relative_dir, Results, ScriptResult};
use crate::runner::{self, Event, Interrupt, Live, RunError, RunOptions, RunOutput};
use crate::script::{Overrides, Scenario};
use crate::shard::Shard;

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
    /// scripts, `--shard` and `--ci`: `<reports>/junit.xml`).
    pub junit: Option<PathBuf>,
    /// How many scenarios run at once (`--jobs`).
    pub jobs: NonZeroUsize,
    /// Run only this share of the scripts (`--shard K/N`).
    pub shard: Option<Shard>,
    /// The CI gate: quiet, JUnit always written, one closing line only.
    pub ci: bool,
}

/// How long interrupted scenarios get to collect, stop what they started and hand
/// over their records before they are dropped without a report.
const INTERRUPTED_BOUND: Duration = Duration::from_secs(20);

/// One scenario's contribution to the closing files.
struct Done {
    suite: TestSuite,
    result: ScriptResult,
    /// The full terminal summary of a run that did not pass, shown at the end of a
    /// `--jobs` run (a sequential run prints it as the run ends).
    details: Option<String>,
    /// Its JSON line, printed in script order.
    json: Option<String>,
}

/// `invoice-chaos run`: the exit code is the worst outcome. When a future from
/// `interrupted` resolves (with the signal's name), no further scenario starts and
/// every scenario under way stops issuing, collects what it can, stops the client
/// program and the platform it started, and writes its report marked `interrupted`;
/// the exit code is 130. A second signal meanwhile drops them at once (what they
/// started is still stopped, without waiting for it) and writes nothing more.
pub async fn run<F, Fut>(args: RunArgs, interrupted: F) -> Exit
where
    F: Fn() -> Fut,
    Fut: Future<Output = &'static str>,
{
    let mut scenarios = match load_all(&args.scripts, &args.overrides) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let quiet = args.quiet || args.ci;
    if let Some(shard) = args.shard {
        let total = scenarios.len();
        scenarios.retain(|s| shard.takes(&s.name));
        if !quiet && !args.json {
            crate::say!("shard {shard}: {} of {total} script(s)", scenarios.len());
        }
    }
    let several = scenarios.len() > 1 || args.shard.is_some() || args.ci;
    let side_by_side = args.jobs.get() > 1 && scenarios.len() > 1;
    let (interrupter, interrupt) = Interrupt::channel();
    let opts = RunOptions {
        reports_dir: args.reports_dir.clone(),
        // Progress bars of scenarios running side by side would overwrite each other.
        quiet: quiet || side_by_side,
        interrupt,
    };
    let mut live = Live::new(scenarios.len(), quiet || args.json || !side_by_side);
    let mut done: Vec<Option<Done>> = scenarios.iter().map(|_| None).collect();
    let mut json_printed = 0;
    let mut first = std::pin::pin!(interrupted());
    let mut signal: Option<&'static str> = None;
    let mut ahead = runner::Ahead::start(scenarios.clone(), &opts, args.jobs);
    let mut running = std::collections::BTreeSet::new();
    loop {
        let event = match signal {
            None => tokio::select! {
                event = ahead.next() => event,
                caught = &mut first => {
                    signal = Some(caught);
                    interrupter.send(caught);
                    let names: Vec<&str> =
                        running.iter().map(|&i: &usize| scenarios[i].path.as_str()).collect();
                    let names = match names.len() {
                        0 => "the scenarios under way".to_string(),
                        _ => names.join(", "),
                    };
                    live.note(&format!(
                        "\ninterrupted ({caught}): stopping {names}; collecting what was issued \
                         and writing the report (at most {}); no further scenario starts. What \
                         the harness started for them (a client program, a platform) is stopped.",
                        humantime::format_duration(INTERRUPTED_BOUND)
                    ));
                    continue;
                }
            },
            Some(_) => {
                let again = interrupted();
                tokio::select! {
                    event = tokio::time::timeout(INTERRUPTED_BOUND, ahead.next()) => match event {
                        Ok(event) => event,
                        Err(_) => {
                            for &i in &running {
                                eprintln!(
                                    "{} did not stop within {}: no report was written for it",
                                    scenarios[i].path,
                                    humantime::format_duration(INTERRUPTED_BOUND)
                                );
                            }
                            return Exit::Interrupted;
                        }
                    },
                    again = again => {
                        for &i in &running {
                            eprintln!(
                                "interrupted again ({again}): {} stopped at once; no report \
                                 was written for it",
                                scenarios[i].path
                            );
                        }
                        return Exit::Interrupted;
                    }
                }
            }
        };
        let Some(event) = event else { break };
        let (index, outcome) = match event {
            Event::Started(index) => {
                running.insert(index);
                live.started(index, &scenarios[index].name);
                continue;
            }
            Event::Finished(index, outcome) => (index, *outcome),
        };
        running.remove(&index);
        let finished = finish(&scenarios[index], outcome, &args, side_by_side);
        if side_by_side && !quiet && !args.json {
            live.finished(index, &one_line(&finished.result));
        }
        done[index] = Some(finished);
        if args.json {
            while let Some(Some(ready)) = done.get(json_printed) {
                if let Some(line) = &ready.json {
                    crate::say!("{line}");
                }
                json_printed += 1;
            }
        }
    }
    drop(live);
    let finished: Vec<Done> = done.into_iter().flatten().collect();
    if let Some(caught) = signal {
        eprintln!(
            "interrupted ({caught}): {} of {} scenario(s) ran; the others did not start",
            finished.len(),
            scenarios.len()
        );
    }
    if side_by_side && !quiet && !args.json {
        for details in finished.iter().filter_map(|d| d.details.as_deref()) {
            crate::say_raw!("\n{details}");
        }
    }
    let mut results = Results {
        exit_code: 0,
        scripts: finished.iter().map(|d| d.result.clone()).collect(),
    };
    let mut exit = results.exit();
    if signal.is_some() {
        exit = exit.worst(Exit::Interrupted);
    }
    results.exit_code = exit.code();
    let mut closing = results.tally().line();
    if several && !args.ci {
        // With --json, stdout holds nothing but the reports.
        if args.json {
            eprintln!("{closing}");
        } else {
            crate::say!("{closing}");
        }
    }
    let junit = match (&args.junit, several) {
        (Some(path), _) => Some(path.clone()),
        (None, true) => Some(args.reports_dir.join("junit.xml")),
        (None, false) => None,
    };
    if let Some(path) = junit {
        let suites = finished.into_iter().map(|d| d.suite).collect();
        match write_junit(&path, suites) {
            Ok(()) if args.ci => closing.push_str(&format!("; junit: {}", path.display())),
            Ok(()) if !args.json => crate::say!("junit: {}", path.display()),
            Ok(()) => {}
            Err(e) => {
                eprintln!("error: {e}");
                exit = exit.worst(Exit::HarnessError);
            }
        }
    }
    if several {
        if let Err(e) = results.write(&args.reports_dir) {
            eprintln!("error: {e}");
            exit = exit.worst(Exit::HarnessError);
        }
    }
    if args.ci {
        crate::say!("{closing}");
    }
    exit
}

/// Judges a finished scenario, writes its reports and, in a sequential run, prints
/// its summary as it ends.
fn finish(
    scenario: &Scenario,
    outcome: Result<RunOutput, RunError>,
    args: &RunArgs,
    side_by_side: bool,
) -> Done {
    let error = |message: String| {
        eprintln!("error: {}: {message}", scenario.path);
        Done {
            suite: report::harness_error_suite(&scenario.name, &scenario.path, &message),
            result: ScriptResult {
                script: scenario.path.clone(),
                scenario: scenario.name.clone(),
                verdict: "harness error".into(),
                exit_code: Exit::HarnessError.code(),
                seed: None,
                replay: None,
                report_dir: None,
                error: Some(message),
            },
            details: None,
            json: None,
        }
    };
    let out = match outcome {
        Ok(out) => out,
        Err(e) => return error(e.to_string()),
    };
    let judged = match judge(&out.record, &out.report_dir) {
        Ok(j) => j,
        Err(e) => {
            return error(format!(
                "writing the report to {}: {e}",
                out.report_dir.display()
            ))
        }
    };
    super::update_index(&args.reports_dir);
    let record = &out.record;
    let exit = judged.exit();
    let mut json = None;
    let mut details = None;
    if args.json {
        match report::render_json_line(record, &judged.result) {
            Ok(line) => json = Some(line),
            Err(e) => return error(e.to_string()),
        }
    } else if side_by_side {
        details = (exit != Exit::Pass).then(|| {
            format!(
                "{}  files:  {}/\n",
                report::terminal_summary(record, &judged.result, &judged.paths.dir),
                judged.paths.dir.display()
            )
        });
    } else if !args.ci {
        print_result(record, &judged, false);
    }
    Done {
        suite: report::junit_suite(record, &judged.result),
        result: ScriptResult {
            script: scenario.path.clone(),
            scenario: record.scenario.clone(),
            verdict: judged.result.verdict.as_str().to_string(),
            exit_code: exit.code(),
            seed: Some(record.seed),
            replay: Some(report::replay_command(record)),
            report_dir: Some(relative_dir(&out.report_dir, &args.reports_dir)),
            error: None,
        },
        details,
        json,
    }
}

/// `PASS          a-lag   reports/a-lag-…/`: one finished scenario of a `--jobs` run.
fn one_line(result: &ScriptResult) -> String {
    let verdict = result.verdict.to_uppercase();
    let place = match (&result.report_dir, &result.error) {
        (Some(dir), _) => format!("{dir}/"),
        (None, Some(error)) => error.clone(),
        (None, None) => String::new(),
    };
    format!("{verdict:<13} {}  {place}", result.scenario)
}

fn write_junit(path: &std::path::Path, suites: Vec<TestSuite>) -> Result<(), report::ReportError> {
    let xml = report::render_junit_all(suites)?;
    let io = |source| report::ReportError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, xml).map_err(io)
}
