//! Executes a scenario's steps in order against the platform and the client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::client::ClientSystem;
use crate::outcome::{RuleFires, RunProblem, TimelineEvent};
use crate::platform::PlatformHandle;
use mock_tax_platform::plan::MaintenanceWindow;

use crate::script::Step;
use crate::workload::{issue, Generator, IssueLog, IssuePlan};

use super::collect::rule_stats;
use super::settle::settle;

/// Everything the steps act on, and what they record.
pub struct StepRunner<'a> {
    /// The platform.
    pub platform: &'a PlatformHandle,
    /// The client system.
    pub client: &'a mut ClientSystem,
    /// The workload.
    pub generator: Arc<Generator>,
    /// Invoices issued so far.
    pub log: Arc<IssueLog>,
    /// When the run started.
    pub started: Instant,
    /// How long an invoice is retried while the client is unreachable.
    pub retry_for: Duration,
    /// Issue steps still running in the background.
    pub issuing: JoinSet<()>,
    /// The run's timeline.
    pub timeline: Vec<TimelineEvent>,
    /// Problems that void the verdict.
    pub problems: Vec<RunProblem>,
    /// Names of the fault rules in force, for `clear_faults`.
    pub faults: Vec<String>,
    /// Every fault rule and maintenance window the run applied, as sent.
    pub applied: Applied,
    /// Statistics of rules already removed (the platform forgets them on removal).
    pub removed_stats: Vec<RuleFires>,
    issue_ordinal: usize,
}

/// The plan as the run applied it, step by step.
#[derive(Debug, Default, serde::Serialize)]
pub struct Applied {
    /// Fault rules, in the order added.
    pub faults: Vec<serde_json::Value>,
    /// Maintenance windows, in the order opened.
    pub maintenance: Vec<serde_json::Value>,
}

impl<'a> StepRunner<'a> {
    /// A runner with nothing done yet.
    pub fn new(
        platform: &'a PlatformHandle,
        client: &'a mut ClientSystem,
        generator: Arc<Generator>,
        log: Arc<IssueLog>,
        started: Instant,
        retry_for: Duration,
    ) -> Self {
        StepRunner {
            platform,
            client,
            generator,
            log,
            started,
            retry_for,
            issuing: JoinSet::new(),
            timeline: Vec::new(),
            problems: Vec::new(),
            faults: Vec::new(),
            applied: Applied::default(),
            removed_stats: Vec::new(),
            issue_ordinal: 0,
        }
    }

    pub(super) fn event(&mut self, kind: &str, detail: String) {
        let at_ms = self.started.elapsed().as_millis() as u64;
        tracing::info!(at_ms, kind, "{detail}");
        self.timeline.push(TimelineEvent {
            at_ms,
            kind: kind.to_string(),
            detail,
        });
    }

    /// Runs every step; stops at the first step that fails (recording why).
    pub async fn run_all(&mut self, steps: &[Step]) {
        for (index, step) in steps.iter().enumerate() {
            // A client program that exited ends the run unless a restart brings it back.
            // Issue steps are left to finish: they stop at once, and recording what
            // was in flight keeps the platform's copies from reading as unexpected.
            let restart_ahead = steps[index..]
                .iter()
                .any(|s| matches!(s, Step::RestartClient(_)));
            let contract = self.client.contract();
            if let Some(why) = contract.as_ref().and_then(|c| c.gone()) {
                if !restart_ahead {
                    self.event("stopped", format!("{why}: the remaining steps are skipped"));
                    return;
                }
                if matches!(step, Step::Issue(_) | Step::Reconcile(_) | Step::Settle(_)) {
                    self.event("skipped", format!("step {index} ({}): {why}", step.kind()));
                    continue;
                }
            }
            let outcome = match contract.filter(|_| !restart_ahead) {
                Some(c) => tokio::select! {
                    outcome = self.run_step(index, step) => outcome,
                    () = c.wait_gone() => Ok(()),
                },
                None => self.run_step(index, step).await,
            };
            if let Some(why) = self.client.contract().and_then(|c| c.gone()) {
                if !restart_ahead {
                    self.event(
                        "stopped",
                        format!(
                            "{why}: step {index} ({}) and the rest are skipped",
                            step.kind()
                        ),
                    );
                    return;
                }
            }
            if let Err(detail) = outcome {
                tracing::error!(step = index, kind = step.kind(), "step failed: {detail}");
                self.event(
                    "step_failed",
                    format!("step {index} ({}): {detail}", step.kind()),
                );
                self.problems.push(RunProblem::StepFailed {
                    step: index,
                    detail,
                });
                // The run is void: stop issuing rather than retry into a broken setup.
                self.issuing.abort_all();
                return;
            }
        }
    }

    /// Waits for every background issue step to finish.
    pub async fn join_issuing(&mut self) {
        while self.issuing.join_next().await.is_some() {}
    }

    async fn run_step(&mut self, index: usize, step: &Step) -> Result<(), String> {
        let control = &self.platform.control;
        match step {
            Step::Issue(s) => {
                let plan = IssuePlan {
                    ordinal: self.issue_ordinal,
                    count: s.count.get(),
                    rate: s.rate.as_ref().map(|r| *r.get_ref()),
                    concurrency: s.concurrency.get(),
                    retry_for: self.retry_for,
                };
                self.issue_ordinal += 1;
                let rate = plan
                    .rate
                    .map_or("unbounded".to_string(), |r| format!("{r}/s"));
                self.event(
                    "issue",
                    format!(
                        "issuing {} invoices at {rate}, {} in flight",
                        plan.count, plan.concurrency
                    ),
                );
                self.issuing.spawn(issue(
                    plan,
                    self.generator.clone(),
                    self.client.contract(),
                    self.log.clone(),
                ));
            }
            Step::Fault(rule) => {
                let mut rule = rule.clone();
                let kind = rule.fault.name().to_string();
                let name = rule
                    .name
                    .get_or_insert_with(|| format!("{kind}-step{}", index + 1))
                    .clone();
                let body = serde_json::to_value(&rule).map_err(|e| e.to_string())?;
                control.add_fault(&body).await.map_err(|e| e.to_string())?;
                self.event("fault", format!("fault rule {name} added: {body}"));
                self.applied.faults.push(body);
                self.faults.push(name);
            }
            Step::ClearFaults(_) => {
                let stats = control.stats().await.map_err(|e| e.to_string())?;
                let gone = std::mem::take(&mut self.faults);
                self.removed_stats.extend(
                    rule_stats(&stats)
                        .into_iter()
                        .filter(|s| gone.contains(&s.rule)),
                );
                for name in gone {
                    control
                        .remove_fault(&name)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                self.event("clear_faults", "every fault rule removed".into());
            }
            Step::Wait(d) => {
                self.event("wait", format!("waiting {d}"));
                tokio::time::sleep(d.get()).await;
            }
            Step::Maintenance(m) => self.maintenance(m).await?,
            Step::Checkpoint(_) => {
                control.checkpoint().await.map_err(|e| e.to_string())?;
                self.event("checkpoint", "platform checkpoint taken".into());
            }
            Step::RestartClient(_) => {
                self.event(
                    "restart",
                    "killing the client (SIGKILL) and starting it again".into(),
                );
                if let Err(e) = self.client.restart().await {
                    self.problems.push(RunProblem::ClientNeverHealthy {
                        detail: e.to_string(),
                    });
                    return Err(format!("the client did not come back: {e}"));
                }
                self.event("restarted", "the client is healthy again".into());
            }
            Step::Reconcile(_) => {
                let Some(c) = self.client.contract() else {
                    return Err("the client cannot reconcile".into());
                };
                match c.reconcile(Duration::from_secs(300)).await {
                    Ok(Some(s)) => self.event(
                        "reconcile",
                        format!(
                            "checked {}, flagged {}, re-uploaded {}",
                            s.checked, s.flagged, s.reuploaded
                        ),
                    ),
                    Ok(None) => self.event("reconcile", "the client has no /reconcile".into()),
                    Err(e) => return Err(e.to_string()),
                }
            }
            Step::Settle(s) => {
                self.event(
                    "settle",
                    format!("waiting for the issue steps, then up to {}", s.timeout),
                );
                self.join_issuing().await;
                let detail = settle(self.client, &self.log, s.timeout.get()).await;
                self.event("settled", detail);
            }
        }
        Ok(())
    }

    async fn maintenance(&mut self, m: &MaintenanceWindow) -> Result<(), String> {
        let body = serde_json::to_value(m).map_err(|e| e.to_string())?;
        let control = &self.platform.control;
        control
            .maintenance(&body)
            .await
            .map_err(|e| e.to_string())?;
        self.applied.maintenance.push(body.clone());
        let lasts = humantime::format_duration(m.duration);
        self.event(
            "maintenance_start",
            format!("maintenance window for {lasts}: {body}"),
        );
        tokio::time::sleep(m.after.unwrap_or_default().saturating_add(m.duration)).await;
        self.event("maintenance_end", "maintenance window over".into());
        Ok(())
    }
}
