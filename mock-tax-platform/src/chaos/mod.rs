//! The fault engine, maintenance schedule and checkpoints as one running platform
//! uses them: what `/_chaos/plan` reads and writes, what every request consults.
//!
//! Times here are *plan time*: run-clock time since the plan was installed, which
//! is what `after`/`until` and window offsets are relative to. One `RwLock` guards
//! the plan; it is held for bookkeeping only, never across an `.await`.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockWriteGuard};
use std::time::Duration;

use tax_api::control::{ChaosStats, MigrationReport};
use tax_api::Route;

use crate::chaos::engine::Engine;
use crate::chaos::maintenance::{DueMigration, Gate, Schedule, ScheduledWindow};
use crate::chaos::plan::{FaultRule, MaintenanceWindow, Plan, PlanError};

pub mod counter;
pub mod engine;
pub mod faults;
pub mod maintenance;
pub mod migration;
pub mod plan;
pub mod seeded;

/// What [`Chaos::enter`] hands a request.
#[derive(Debug)]
pub struct Entered {
    /// The engine to decide with.
    pub engine: Arc<Engine>,
    /// Plan time of the request.
    pub plan_time: Duration,
    /// The window refusing this route now, if any.
    pub gate: Option<Gate>,
}

/// One piece of deferred work, in the order it must happen.
#[derive(Debug, Clone, PartialEq)]
pub enum Due {
    /// Mark every record written before this plan time as checkpointed.
    Checkpoint(Duration),
    /// Run a window's migration.
    Migrate(DueMigration),
}

#[derive(Debug)]
struct Inner {
    /// The plan as installed, with rules as currently loaded.
    plan: Plan,
    engine: Arc<Engine>,
    schedule: Schedule,
    /// Run-clock time the plan was installed.
    started: Duration,
    /// Plan time through which records are checkpointed.
    checkpointed_through: Option<Duration>,
}

/// The chaos side of the platform state.
#[derive(Debug)]
pub struct Chaos {
    seed: u64,
    inner: RwLock<Inner>,
    /// Run-clock nanoseconds at which deferred work next falls due (`u64::MAX`:
    /// never), republished after every change, so the check every request makes
    /// ([`Chaos::take_due`]) takes no lock.
    next_due_nanos: AtomicU64,
    migrations: Mutex<Vec<MigrationReport>>,
}

/// Write access to the plan that, on release, republishes when work next falls due.
struct PlanWrite<'a> {
    guard: RwLockWriteGuard<'a, Inner>,
    next_due_nanos: &'a AtomicU64,
}

impl Deref for PlanWrite<'_> {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.guard
    }
}

impl DerefMut for PlanWrite<'_> {
    fn deref_mut(&mut self) -> &mut Inner {
        &mut self.guard
    }
}

impl Drop for PlanWrite<'_> {
    fn drop(&mut self) {
        // Still under the write lock: no reader sees the change without the new time.
        self.next_due_nanos
            .store(self.guard.next_due_nanos(), Ordering::Release);
    }
}

impl Chaos {
    /// Installs `plan` (normalized) at run time `now`.
    pub fn new(seed: u64, plan: Plan, now: Duration) -> Result<Chaos, PlanError> {
        let inner = Inner::install(seed, plan, now)?;
        Ok(Chaos {
            seed,
            next_due_nanos: AtomicU64::new(inner.next_due_nanos()),
            inner: RwLock::new(inner),
            migrations: Mutex::new(Vec::new()),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> PlanWrite<'_> {
        PlanWrite {
            guard: self.inner.write().unwrap_or_else(|e| e.into_inner()),
            next_due_nanos: &self.next_due_nanos,
        }
    }

    /// Everything a request needs from the plan, under one read lock: the engine,
    /// plan time, and the maintenance gate for `route`.
    pub fn enter(&self, route: Route, now: Duration) -> Entered {
        let inner = self.read();
        let plan_time = now.saturating_sub(inner.started);
        Entered {
            engine: Arc::clone(&inner.engine),
            plan_time,
            gate: inner.schedule.gate(route, plan_time),
        }
    }

    /// The run-clock time the plan was installed.
    pub fn started(&self) -> Duration {
        self.read().started
    }

    /// The plan as it stands: loaded rules (named) and every window, including
    /// those opened at run time (with their start as `after`).
    pub fn plan(&self) -> Plan {
        let inner = self.read();
        Plan {
            faults: inner.engine.rules(),
            maintenance: inner
                .schedule
                .windows()
                .iter()
                .map(|w| {
                    let mut window = w.window.clone();
                    window.after = Some(w.start);
                    window.duration = w.end.saturating_sub(w.start);
                    window
                })
                .collect(),
            checkpoint_every: inner.plan.checkpoint_every,
        }
    }

    /// Replaces the whole plan; counters and plan time start again at `now`.
    pub fn set_plan(&self, plan: Plan, now: Duration) -> Result<(), PlanError> {
        let next = Inner::install(self.seed, plan, now)?;
        *self.write() = next;
        Ok(())
    }

    /// Adds one rule; returns its name. Other rules keep their counters.
    pub fn add_rule(&self, rule: FaultRule) -> Result<String, PlanError> {
        let mut inner = self.write();
        let mut plan = inner.plan.clone();
        plan.faults = inner.engine.rules();
        let name = plan.add_rule(rule)?;
        let engine = inner.engine.replaced(plan.faults.clone())?;
        inner.engine = Arc::new(engine);
        inner.plan = plan;
        Ok(name)
    }

    /// Removes the named rule; whether there was one.
    pub fn remove_rule(&self, name: &str) -> bool {
        let mut inner = self.write();
        let mut rules = inner.engine.rules();
        let before = rules.len();
        rules.retain(|r| r.name.as_deref() != Some(name));
        if rules.len() == before {
            return false;
        }
        match inner.engine.replaced(rules.clone()) {
            Ok(engine) => {
                inner.engine = Arc::new(engine);
                inner.plan.faults = rules;
                true
            }
            // Removing a rule from a valid set cannot make it invalid.
            Err(_) => false,
        }
    }

    /// Opens a window at run time `now`, or `after` from then; returns its name and
    /// plan-time span.
    pub fn open_window(
        &self,
        window: MaintenanceWindow,
        now: Duration,
    ) -> Result<(String, Duration, Duration), PlanError> {
        window.validate()?;
        let mut inner = self.write();
        let at = now.saturating_sub(inner.started);
        Ok(inner.schedule.open_now(window, at))
    }

    /// Closes every open window at run time `now`; returns their names.
    pub fn close_windows(&self, now: Duration) -> Vec<String> {
        let mut inner = self.write();
        let at = now.saturating_sub(inner.started);
        inner.schedule.close_now(at)
    }

    /// Whether a window is open, any rule is loaded, and the windows open or to come
    /// (plan-time spans), for `/v1/status`.
    pub fn status(&self, now: Duration) -> (bool, bool, Vec<ScheduledWindow>) {
        let inner = self.read();
        let at = now.saturating_sub(inner.started);
        (
            inner.schedule.is_open(at),
            !inner.engine.rules().is_empty(),
            inner.schedule.announced(at).cloned().collect(),
        )
    }

    /// The first window not yet over at run time `now`, if any: what a KSeF answer
    /// announces. Cheaper than [`Chaos::status`] on a path every `/v2` request takes.
    pub fn next_window(&self, now: Duration) -> Option<ScheduledWindow> {
        let inner = self.read();
        let at = now.saturating_sub(inner.started);
        let next = inner.schedule.announced(at).next().cloned();
        next
    }

    /// Takes the checkpoints and migrations due by run time `now`, in order.
    pub fn take_due(&self, now: Duration) -> Vec<Due> {
        let now_nanos = u64::try_from(now.as_nanos()).unwrap_or(u64::MAX);
        if now_nanos < self.next_due_nanos.load(Ordering::Acquire) {
            return Vec::new();
        }
        let mut inner = self.write();
        // Another request may have taken the work between the check and the lock.
        if now_nanos < inner.next_due_nanos() {
            return Vec::new();
        }
        let at = now.saturating_sub(inner.started);
        let every = inner.plan.checkpoint_every;
        let mut due = Vec::new();
        for migration in inner.schedule.take_due(at) {
            inner.periodic_checkpoint(every, migration.ended_at, &mut due);
            due.push(Due::Migrate(migration));
        }
        inner.periodic_checkpoint(every, at, &mut due);
        due
    }

    /// Notes an on-demand checkpoint at run time `now`; returns its plan time.
    pub fn checkpoint_now(&self, now: Duration) -> Duration {
        let mut inner = self.write();
        let at = now.saturating_sub(inner.started);
        inner.checkpointed_through = Some(inner.checkpointed_through.map_or(at, |c| c.max(at)));
        at
    }

    /// Files a migration's report.
    pub fn record_migration(&self, report: MigrationReport) {
        self.migrations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(report);
    }

    /// Rule counters, migrations and the checkpoint mark.
    pub fn stats(&self) -> ChaosStats {
        let (rules, through) = {
            let inner = self.read();
            (inner.engine.stats(), inner.checkpointed_through)
        };
        ChaosStats {
            seed: self.seed,
            rules,
            migrations: self
                .migrations
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            checkpointed_through_ms: through.map(millis),
        }
    }

    /// Starts the installed plan again at run time zero (on `/_chaos/reset`):
    /// counters, windows opened at run time, checkpoints and migrations are forgotten.
    pub fn reset(&self) {
        let mut inner = self.write();
        let plan = inner.plan.clone();
        if let Ok(fresh) = Inner::install(self.seed, plan, Duration::ZERO) {
            *inner = fresh;
        }
        self.migrations
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

impl Inner {
    fn install(seed: u64, plan: Plan, now: Duration) -> Result<Inner, PlanError> {
        let plan = plan.normalized()?;
        let engine = Engine::new(seed, plan.faults.clone())?;
        Ok(Inner {
            schedule: Schedule::new(&plan.maintenance),
            engine: Arc::new(engine),
            plan,
            started: now,
            checkpointed_through: None,
        })
    }

    /// Run-clock nanoseconds at which deferred work next falls due — the end of a
    /// window not yet migrated, or the next periodic checkpoint — or `u64::MAX`
    /// when nothing is scheduled. Work is due at `now` once `now` reaches it.
    fn next_due_nanos(&self) -> u64 {
        let window_end = self
            .schedule
            .windows()
            .iter()
            .filter(|w| !w.migrated)
            .map(|w| w.end)
            .min();
        let checkpoint = self
            .plan
            .checkpoint_every
            .filter(|every| !every.is_zero())
            .map(|every| {
                self.checkpointed_through
                    .unwrap_or_default()
                    .saturating_add(every)
            });
        window_end
            .into_iter()
            .chain(checkpoint)
            .min()
            .and_then(|at| u64::try_from(self.started.checked_add(at)?.as_nanos()).ok())
            .unwrap_or(u64::MAX)
    }

    /// Queues the periodic checkpoint reached by plan time `at`, if it is new.
    fn periodic_checkpoint(&mut self, every: Option<Duration>, at: Duration, due: &mut Vec<Due>) {
        let Some(every) = every.filter(|e| !e.is_zero()) else {
            return;
        };
        let k = at.as_nanos() / every.as_nanos();
        let boundary =
            Duration::from_nanos(u64::try_from(k * every.as_nanos()).unwrap_or(u64::MAX));
        if boundary.is_zero() || self.checkpointed_through.is_some_and(|c| c >= boundary) {
            return;
        }
        self.checkpointed_through = Some(boundary);
        due.push(Due::Checkpoint(boundary));
    }
}

/// Whole milliseconds of a duration, saturating.
pub fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
