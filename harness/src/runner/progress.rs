//! The terminal progress bar: issued / confirmed / flagged / pending, refreshed from the
//! client's ledger. Hidden when stdout is not a terminal or with `--quiet`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use tax_api::{Ledger, LedgerStatus};

use crate::client::ContractClient;
use crate::workload::IssueLog;

/// Counts of ledger statuses among the entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Confirmed entries.
    pub confirmed: u64,
    /// Flagged entries.
    pub flagged: u64,
    /// Pending entries.
    pub pending: u64,
}

impl Tally {
    /// Counts a ledger.
    pub fn of(ledger: &Ledger) -> Tally {
        let mut t = Tally::default();
        for e in &ledger.entries {
            match e.status {
                LedgerStatus::Confirmed => t.confirmed += 1,
                LedgerStatus::Flagged => t.flagged += 1,
                LedgerStatus::Pending => t.pending += 1,
            }
        }
        t
    }
}

/// The bar and the task that refreshes it; dropping it clears the bar.
pub struct Progress {
    bar: ProgressBar,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// Starts the bar for `total` invoices, unless hidden.
    pub fn start(
        quiet: bool,
        total: u64,
        log: Arc<IssueLog>,
        client: Option<Arc<ContractClient>>,
    ) -> Progress {
        if quiet || !std::io::stdout().is_terminal() {
            return Progress {
                bar: ProgressBar::hidden(),
                task: None,
            };
        }
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] issued {pos}/{len} {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        let refresh = bar.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tick.tick().await;
                refresh.set_position(log.count());
                if let Some(c) = &client {
                    if let Ok(ledger) = c.ledger().await {
                        let t = Tally::of(&ledger);
                        refresh.set_message(format!(
                            "· confirmed {} · flagged {} · pending {}",
                            t.confirmed, t.flagged, t.pending
                        ));
                    }
                }
            }
        });
        Progress {
            bar,
            task: Some(task),
        }
    }

    /// Stops refreshing and clears the bar.
    pub fn finish(mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
