//! The maintenance schedule: which windows are open, what they refuse, and which have
//! ended and owe their migration. Pure bookkeeping over offsets from the plan's start,
//! so it can be driven lazily (on every request) and tested without a clock.

use std::time::Duration;

use tax_api::Route;

use crate::chaos::plan::{MaintenanceWindow, Migration};

/// A window placed on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledWindow {
    /// The window as planned (named).
    pub window: MaintenanceWindow,
    /// Opens at this offset from the plan's start.
    pub start: Duration,
    /// Closes at this offset.
    pub end: Duration,
    /// Whether its migration has run.
    pub migrated: bool,
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// The window refusing it.
    pub window: String,
    /// `Retry-After` seconds.
    pub retry_after_secs: u64,
}

/// A window that has ended and whose migration is due now.
#[derive(Debug, Clone, PartialEq)]
pub struct DueMigration {
    /// The window's name.
    pub window: String,
    /// When it ended (offset from the plan's start).
    pub ended_at: Duration,
    /// What to do; `None` for a window without migration.
    pub migration: Option<Migration>,
}

/// All windows of a plan plus those opened at run time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    windows: Vec<ScheduledWindow>,
}

impl Schedule {
    /// The plan's windows (already named by `Plan::normalized`).
    pub fn new(windows: &[MaintenanceWindow]) -> Self {
        Schedule {
            windows: windows
                .iter()
                .map(|w| {
                    let start = w.after.unwrap_or_default();
                    ScheduledWindow {
                        window: w.clone(),
                        start,
                        end: start.saturating_add(w.duration),
                        migrated: false,
                    }
                })
                .collect(),
        }
    }

    /// Every window, in the order added.
    pub fn windows(&self) -> &[ScheduledWindow] {
        &self.windows
    }

    /// Places `window` on the timeline `after` from `now` (at `now` without one);
    /// returns its name and its span.
    pub fn open_now(
        &mut self,
        mut window: MaintenanceWindow,
        now: Duration,
    ) -> (String, Duration, Duration) {
        let name = match window.name.clone() {
            Some(n) => n,
            None => {
                let taken: Vec<String> = self
                    .windows
                    .iter()
                    .filter_map(|w| w.window.name.clone())
                    .collect();
                crate::chaos::plan::next_free_name("maintenance", &taken)
            }
        };
        let start = now.saturating_add(window.after.unwrap_or_default());
        let end = start.saturating_add(window.duration);
        window.name = Some(name.clone());
        window.after = Some(start);
        self.windows.push(ScheduledWindow {
            end,
            start,
            window,
            migrated: false,
        });
        (name, start, end)
    }

    /// Closes every open window at `now` (their migrations become due); returns their names.
    pub fn close_now(&mut self, now: Duration) -> Vec<String> {
        let mut closed = Vec::new();
        for w in &mut self.windows {
            if w.start <= now && now < w.end {
                w.end = now;
                closed.extend(w.window.name.clone());
            }
        }
        closed
    }

    /// Whether a request to `route` at `now` is refused, and with what `Retry-After`.
    pub fn gate(&self, route: Route, now: Duration) -> Option<Gate> {
        let refused = |w: &ScheduledWindow| match route {
            Route::Upload => true,
            Route::Get | Route::Query | Route::Verify => w.window.reads,
            _ => false,
        };
        self.windows
            .iter()
            .filter(|w| w.start <= now && now < w.end && refused(w))
            .map(|w| {
                let retry = w.window.retry_after.unwrap_or(w.end.saturating_sub(now));
                Gate {
                    window: w.window.name.clone().unwrap_or_default(),
                    retry_after_secs: ceil_secs(retry).max(1),
                }
            })
            .max_by_key(|g| g.retry_after_secs)
    }

    /// Whether any window is open at `now`.
    pub fn is_open(&self, now: Duration) -> bool {
        self.windows.iter().any(|w| w.start <= now && now < w.end)
    }

    /// Windows open now or still to come, for `/v1/status`.
    pub fn announced(&self, now: Duration) -> impl Iterator<Item = &ScheduledWindow> {
        self.windows.iter().filter(move |w| now < w.end)
    }

    /// Marks every window that has ended by `now` as migrated and returns them, in
    /// the order they ended.
    pub fn take_due(&mut self, now: Duration) -> Vec<DueMigration> {
        let mut due: Vec<DueMigration> = self
            .windows
            .iter_mut()
            .filter(|w| !w.migrated && w.end <= now)
            .map(|w| {
                w.migrated = true;
                DueMigration {
                    window: w.window.name.clone().unwrap_or_default(),
                    ended_at: w.end,
                    migration: w.window.migration.clone(),
                }
            })
            .collect();
        due.sort_by_key(|d| d.ended_at);
        due
    }
}

/// Whole seconds, rounded up.
pub fn ceil_secs(d: Duration) -> u64 {
    d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn window(after: u64, duration: u64, reads: bool) -> MaintenanceWindow {
        MaintenanceWindow {
            name: Some(format!("w{after}")),
            after: Some(secs(after)),
            reads,
            ..MaintenanceWindow::now(secs(duration))
        }
    }

    #[test]
    fn a_window_ending_past_what_a_duration_holds_gates_without_overflow() {
        let far = MaintenanceWindow {
            after: Some(Duration::MAX),
            ..MaintenanceWindow::now(Duration::MAX)
        };
        let s = Schedule::new(&[window(0, 1, false), far]);
        assert_eq!(s.windows()[1].end, Duration::MAX);
        assert_eq!(ceil_secs(Duration::MAX), u64::MAX);
        assert!(s.gate(Route::Upload, Duration::from_millis(500)).is_some());
    }

    #[test]
    fn a_window_refuses_writes_with_the_time_left_as_retry_after() {
        let s = Schedule::new(&[window(2, 3, false)]);
        assert_eq!(s.gate(Route::Upload, secs(1)), None);
        let g = s.gate(Route::Upload, Duration::from_millis(2500)).unwrap();
        assert_eq!(g.retry_after_secs, 3);
        assert_eq!(
            s.gate(Route::Get, secs(3)),
            None,
            "reads pass unless reads = true"
        );
        assert_eq!(s.gate(Route::Upload, secs(5)), None);
    }

    #[test]
    fn a_window_with_reads_refuses_reads_but_never_status() {
        let s = Schedule::new(&[window(0, 3, true)]);
        assert!(s.gate(Route::Query, secs(1)).is_some());
        assert!(s.gate(Route::Status, secs(1)).is_none());
    }

    #[test]
    fn a_migration_is_due_once_after_its_window_ends() {
        let mut s = Schedule::new(&[window(0, 3, false), window(1, 1, false)]);
        assert!(s.take_due(secs(1)).is_empty());
        let due = s.take_due(secs(4));
        assert_eq!(
            due.iter().map(|d| d.window.as_str()).collect::<Vec<_>>(),
            ["w1", "w0"]
        );
        assert!(s.take_due(secs(9)).is_empty());
    }

    #[test]
    fn closing_now_ends_open_windows_early() {
        let mut s = Schedule::default();
        let (name, start, end) = s.open_now(MaintenanceWindow::now(secs(60)), secs(5));
        assert_eq!(
            (name.as_str(), start, end),
            ("maintenance#1", secs(5), secs(65))
        );
        assert!(s.is_open(secs(6)));
        assert_eq!(s.close_now(secs(7)), [name]);
        assert!(!s.is_open(secs(7)));
        assert_eq!(s.take_due(secs(7))[0].ended_at, secs(7));
    }

    #[test]
    fn a_window_opened_with_after_starts_that_long_from_now() {
        let mut s = Schedule::default();
        let window = MaintenanceWindow {
            after: Some(secs(10)),
            ..MaintenanceWindow::now(secs(3))
        };
        let (_, start, end) = s.open_now(window, secs(5));
        assert_eq!((start, end), (secs(15), secs(18)));
        assert!(!s.is_open(secs(14)));
        assert!(s.is_open(secs(15)));
        assert_eq!(s.windows()[0].window.after, Some(secs(15)));
    }
}
