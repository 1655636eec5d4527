//! What exploration shows while it works: one live line on a terminal (runs,
//! findings, inconclusive runs, shrink steps, current size), and milestone lines.

use std::io::IsTerminal;

/// Counters of one exploration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Scenarios run, search and shrinking together.
    pub runs: u64,
    /// Runs with a `fail` verdict.
    pub findings: u64,
    /// Runs that could not vouch for a verdict.
    pub inconclusive: u64,
    /// Search findings that did not fail again on re-run (not findings).
    pub flaky: u64,
    /// Shrink candidates tried.
    pub shrink_steps: u64,
    /// Shrink candidates kept.
    pub shrink_kept: u64,
}

impl Stats {
    /// `3 inconclusive`, or `3 inconclusive, 1 flaky` when a search finding did not
    /// fail again.
    pub fn not_findings(&self) -> String {
        if self.flaky == 0 {
            format!("{} inconclusive", self.inconclusive)
        } else {
            format!("{} inconclusive, {} flaky", self.inconclusive, self.flaky)
        }
    }
}

/// The live line and the milestones.
pub struct Progress {
    live: bool,
    quiet: bool,
}

impl Progress {
    /// Live only on a terminal, and not with `--quiet`.
    pub fn new(quiet: bool) -> Self {
        Progress {
            live: !quiet && std::io::stderr().is_terminal(),
            quiet,
        }
    }

    /// Redraws the live line.
    pub fn update(&self, phase: &str, stats: &Stats, size: &str) {
        if self.live {
            eprint!(
                "\r\x1b[K{phase}: {} runs, {} findings, {} inconclusive, {} shrink steps ({} kept) | {size}",
                stats.runs, stats.findings, stats.inconclusive, stats.shrink_steps, stats.shrink_kept
            );
        }
    }

    /// A line that stays, printed over the live line.
    pub fn milestone(&self, line: &str) {
        if self.quiet {
            return;
        }
        if self.live {
            eprint!("\r\x1b[K");
        }
        eprintln!("{line}");
    }

    /// Clears the live line before the closing lines go to stdout.
    pub fn finish(&self) {
        if self.live {
            eprint!("\r\x1b[K");
        }
    }
}
