//! Runs one scenario end to end: start the platform and the client, run the steps,
//! collect the ledger, truth and journal into a [`RunRecord`].

mod ahead;
pub(crate) mod collect;
mod interrupt;
mod live;
mod preflight;
mod progress;
mod settle;
mod steps;
mod unwired;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

pub use ahead::{Ahead, Event};
pub(crate) use collect::rule_stats;
pub use interrupt::Interrupt;
pub use live::Live;

use crate::client::{ClientEnv, ClientSystem, ExitSeen};
use crate::outcome::{ClientExit, ClientInfo, Lifecycle, RunProblem, RunRecord, TimelineEvent};
use crate::platform::{PlatformError, PlatformHandle};
use crate::script::{AdapterSpec, Scenario, Step};
use crate::workload::{Generator, IssueLog};

/// Why a run could not be carried out at all (exit code 255).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The platform could not be started or reached.
    #[error(transparent)]
    Platform(#[from] PlatformError),
    /// The run's report or state directory could not be created.
    #[error("cannot create {path}: {detail}")]
    Dir {
        /// The directory.
        path: String,
        /// Why.
        detail: String,
    },
}

/// How to run, beyond the script.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Parent of the run's report directory.
    pub reports_dir: PathBuf,
    /// Hide the progress bar.
    pub quiet: bool,
    /// Ctrl-C or SIGTERM: stop issuing, collect briefly, report what was issued.
    pub interrupt: Interrupt,
}

/// What a run produced.
pub struct RunOutput {
    /// The data for the checker and the reports.
    pub record: RunRecord,
    /// `reports/<scenario>-<UTC time>/`, already created.
    pub report_dir: PathBuf,
}

/// Runs one checked scenario.
pub async fn run(scenario: &Scenario, opts: &RunOptions) -> Result<RunOutput, RunError> {
    // An unseeded script gets a short random seed, reported so the run can be replayed.
    let seed = scenario
        .seed
        .unwrap_or_else(|| u64::from(rand::random::<u32>()));
    let started_at = Utc::now();
    let started = Instant::now();
    let report_dir = make_report_dir(&opts.reports_dir, &scenario.name, started_at)?;
    let state = tempfile::Builder::new()
        .prefix("invoice-chaos-client-")
        .tempdir()
        .map_err(|e| RunError::Dir {
            path: "client state dir".into(),
            detail: e.to_string(),
        })?;
    let seller = scenario.client.seller_tax_id.clone();
    tracing::info!(scenario = %scenario.name, seed, "starting the platform");
    let platform = PlatformHandle::start(&scenario.platform, seed, &seller).await?;

    let env = ClientEnv {
        platform_url: platform.base_url.clone(),
        token: platform.token.clone(),
        seller_tax_id: seller.clone(),
        state_dir: state.path().to_path_buf(),
        report_dir: report_dir.clone(),
        health_timeout: scenario.client.health_timeout,
        seed,
    };
    let log = Arc::new(IssueLog::new(started));
    let mut problems = Vec::new();
    let mut timeline = Vec::new();
    let mut client_info = describe(&scenario.client.adapter);
    let mut applied = steps::Applied::default();
    let mut removed_stats = Vec::new();
    let mut armed = Vec::new();
    let mut run_id = scenario.run_id;
    let mut known = HashSet::new();
    let mut interrupt = opts.interrupt.clone();
    let mut interrupted = None;
    let starting = tokio::select! {
        started = ClientSystem::start(&scenario.client, &env) => Some(started),
        signal = interrupt.signalled() => {
            interrupted = Some(signal);
            None
        }
    };
    let mut client = match starting {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            tracing::error!("{e}");
            problems.push(RunProblem::ClientNeverHealthy {
                detail: e.to_string(),
            });
            None
        }
    };

    let mut ready = None;
    if let Some(client) = client.as_mut() {
        client_info = client.info();
        let workload = Generator::new(seed, &seller).with_profile(scenario.workload);
        let keeps_state = scenario.keeps_state();
        match preflight::preflight(&platform, client, &workload, run_id, keeps_state).await {
            Ok(pre) => {
                run_id = pre.run_id;
                known = pre.known;
                if let Some(id) = run_id {
                    timeline.push(TimelineEvent {
                        at_ms: started.elapsed().as_millis() as u64,
                        kind: "run_id".into(),
                        detail: format!(
                            "run id {id} in every invoice number (the first is {})",
                            workload.clone().with_run_id(run_id).number(0, 0)
                        ),
                    });
                }
                ready = Some(client);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if let Some(client) = ready {
        let total = scenario
            .steps
            .iter()
            .map(|s| {
                if let Step::Issue(i) = s {
                    i.count.get()
                } else {
                    0
                }
            })
            .sum();
        let progress = progress::Progress::start(opts.quiet, total, log.clone(), client.contract());
        let generator = Arc::new(
            Generator::new(seed, &seller)
                .with_profile(scenario.workload)
                .with_run_id(run_id),
        );
        let retry_for = scenario
            .client
            .health_timeout
            .saturating_add(Duration::from_secs(30));
        let mut runner = steps::StepRunner::new(
            &platform,
            client,
            generator,
            log.clone(),
            started,
            retry_for,
        );
        let cut_short = tokio::select! {
            () = async {
                runner.run_all(&scenario.steps).await;
                runner.join_issuing().await;
            } => None,
            signal = interrupt.signalled() => Some(signal),
        };
        if let Some(signal) = cut_short {
            // Issue no more, but let what is in flight finish: an invoice the client
            // took must be in the issue log, or its platform record reads as unexpected.
            if let Some(c) = runner.client.contract() {
                c.set_gone(Some(format!("the run was interrupted ({signal})")));
            }
            let in_flight = runner.join_issuing();
            if tokio::time::timeout(interrupt::IN_FLIGHT_BOUND, in_flight)
                .await
                .is_err()
            {
                runner.issuing.abort_all();
            }
            runner.event(
                "interrupted",
                format!("{signal}: no further steps; collecting what was issued"),
            );
            interrupted = Some(signal);
        }
        progress.finish();
        problems.append(&mut runner.problems);
        timeline.append(&mut runner.timeline);
        applied = std::mem::take(&mut runner.applied);
        removed_stats = std::mem::take(&mut runner.removed_stats);
        armed = std::mem::take(&mut runner.faults);
    }

    let collecting = collect::collect(&platform, client.as_ref(), removed_stats, &armed);
    let mut collected = if interrupted.is_some() {
        collect::within(interrupt::COLLECT_BOUND, collecting).await
    } else {
        collecting.await
    };
    problems.extend(std::mem::take(&mut collected.problems));
    set_aside(&mut collected, &known);
    let issued = log.snapshot();
    // A journal that dropped entries for want of room cannot show that a request never came.
    let journal_complete =
        collected.journal_read && collected.journal_budget.as_ref().map_or(0, |b| b.dropped) == 0;
    if let (Some(ledger), true) = (&collected.ledger, journal_complete) {
        problems.extend(unwired::unwired(
            &issued,
            ledger,
            &collected.journal,
            collected.truth.as_ref(),
            &platform.base_url,
            platform.is_embedded(),
        ));
    }
    // Read after collecting: an exit noticed meanwhile is still reported.
    let exits: Vec<ClientExit> = client
        .as_ref()
        .map(ClientSystem::exits)
        .unwrap_or_default()
        .into_iter()
        .map(|seen| client_exit(seen, started, &log))
        .collect();
    timeline.extend(exits.iter().map(exit_event));
    timeline.sort_by_key(|e| e.at_ms);
    // Leave a running platform as we found it: disarm the rules this run added.
    for name in armed {
        if let Err(e) = platform.control.remove_fault(&name).await {
            tracing::warn!("removing fault rule {name} after the run: {e}");
        }
    }
    if let Some(c) = client {
        c.stop().await;
    }
    platform.stop().await;
    drop(state);

    let record = RunRecord {
        scenario: scenario.name.clone(),
        description: scenario.description.clone(),
        script_path: Some(scenario.path.clone()),
        seed,
        client: client_info,
        started_at,
        finished_at: Utc::now(),
        issued,
        ledger: collected.ledger,
        truth: collected.truth,
        journal: collected.journal,
        plan: serde_json::to_value(&applied).unwrap_or_default(),
        fault_stats: collected.fault_stats,
        expect: scenario.expect.clone(),
        problems,
        timeline,
        replay_flags: replay_flags(scenario, run_id),
        journal_budget: collected.journal_budget,
        lifecycle: Lifecycle {
            interrupted: interrupted.map(str::to_string),
            client_exits: exits,
        },
        issued_numbers: Vec::new(),
        scope: collected.scope,
        notes: collected.notes,
        migrations: collected.migrations,
    };
    Ok(RunOutput { record, report_dir })
}

/// Leaves out the invoices the client or the platform held before the run (numbers
/// of earlier runs): they are not this run's to judge.
fn set_aside(collected: &mut collect::Collected, known: &HashSet<String>) {
    if known.is_empty() {
        return;
    }
    if let Some(ledger) = collected.ledger.as_mut() {
        ledger.entries.retain(|e| !known.contains(&e.number));
    }
    if let Some(truth) = collected.truth.as_mut() {
        truth.records.retain(|r| !known.contains(&r.number));
    }
}

/// An exit the adapter saw, in the record's terms.
fn client_exit(seen: ExitSeen, started: Instant, log: &IssueLog) -> ClientExit {
    let ms = |at: Instant| {
        u64::try_from(at.saturating_duration_since(started).as_millis()).unwrap_or(u64::MAX)
    };
    let ledger_read_at_ms = seen.ledger_at.map(ms);
    let at_ms = ms(seen.at);
    let read = ledger_read_at_ms.unwrap_or(0);
    let accepted_after_ledger = log
        .snapshot()
        .iter()
        .filter(|i| i.accepted && i.at_ms >= read && i.at_ms <= at_ms)
        .count() as u64;
    ClientExit {
        at_ms,
        code: seen.exit.code,
        signal: seen.exit.signal,
        restarted: seen.restarted,
        log_tail: seen.log_tail,
        ledger_read_at_ms,
        accepted_after_ledger,
    }
}

/// The timeline's mark of an exit.
fn exit_event(e: &ClientExit) -> TimelineEvent {
    let back = if e.restarted {
        "; a later restart_client step started it again"
    } else {
        ""
    };
    TimelineEvent {
        at_ms: e.at_ms,
        kind: "client_exited".into(),
        detail: format!("the client program exited by itself ({}){back}", e.how()),
    }
}

/// What the replay command must repeat besides the script, seed and mode: the
/// running platform (script or `--platform-url`), a `--max-count` cap, `--unfired` and
/// the run id that makes the same invoice numbers.
fn replay_flags(scenario: &Scenario, run_id: Option<u16>) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(id) = run_id {
        flags.extend(["--run-id".to_owned(), id.to_string()]);
    }
    if let Some(url) = &scenario.platform.url {
        flags.extend(["--platform-url".to_owned(), url.clone()]);
    }
    if let Some(max) = scenario.max_count {
        flags.extend(["--max-count".to_owned(), max.to_string()]);
    }
    if let Some(unfired) = scenario.unfired {
        flags.extend(["--unfired".to_owned(), unfired.as_str().to_owned()]);
    }
    flags
}

fn describe(adapter: &AdapterSpec) -> ClientInfo {
    let (mode, target) = match adapter {
        AdapterSpec::Reference { mode } => (Some(mode.as_str().to_string()), None),
        AdapterSpec::Command { argv, mode, .. } => {
            (mode.map(|m| m.as_str().to_string()), Some(argv.join(" ")))
        }
        AdapterSpec::Url { url } => (None, Some(url.clone())),
        AdapterSpec::Ledger { path, .. } => (None, Some(path.display().to_string())),
    };
    ClientInfo {
        adapter: adapter.name().to_string(),
        mode,
        target,
    }
}

/// `reports/<scenario>-<UTC time>/`, with a numeric suffix if two runs share a second.
pub(crate) fn make_report_dir(
    parent: &Path,
    scenario: &str,
    at: chrono::DateTime<Utc>,
) -> Result<PathBuf, RunError> {
    let safe: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let stamp = at.format("%Y%m%dT%H%M%SZ");
    let fail = |p: &Path, e: std::io::Error| RunError::Dir {
        path: p.display().to_string(),
        detail: e.to_string(),
    };
    std::fs::create_dir_all(parent).map_err(|e| fail(parent, e))?;
    for n in 0..1000 {
        let name = if n == 0 {
            format!("{safe}-{stamp}")
        } else {
            format!("{safe}-{stamp}-{n}")
        };
        let dir = parent.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(fail(&dir, e)),
        }
    }
    Err(RunError::Dir {
        path: parent.display().to_string(),
        detail: "too many runs in one second".into(),
    })
}
