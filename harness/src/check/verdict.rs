//! From counts to a verdict: the invariants with their `[expect]` bounds, the reasons
//! a run is inconclusive, and the Jepsen-style pass / fail / inconclusive decision.

use serde::{Deserialize, Serialize};

use super::class::Class;
use super::Counts;
use crate::outcome::{Expect, RunProblem, RunRecord};

/// The outcome of a run; its exit code follows Jepsen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every invariant held and the run tested what it meant to.
    Pass,
    /// An invariant broke: a violation beyond its `[expect]` bound.
    Fail,
    /// The run could not show either (a fault never fired, the client never became
    /// healthy, truth or ledger unreadable, a step failed).
    Inconclusive,
}

impl Verdict {
    /// 0 pass, 1 fail, 2 inconclusive.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Pass => 0,
            Verdict::Fail => 1,
            Verdict::Inconclusive => 2,
        }
    }

    /// The word used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// Why a run is inconclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inconclusive {
    /// A scheduled fault rule never fired while `faults_must_fire` is set: the run did
    /// not test what the script meant it to.
    FaultNeverFired {
        /// The rule's name.
        rule: String,
        /// Its fault kind.
        fault: String,
        /// How many requests matched its targeting.
        matched: u64,
    },
    /// Truth and ledger were read, but there was no invoice to judge: a run that
    /// issued nothing cannot vouch for the client.
    NothingJudged,
    /// Ctrl-C or SIGTERM stopped the run before its steps ended: its counts cover
    /// the invoices issued until then, some of them still on their way.
    Interrupted {
        /// `Ctrl-C` or `SIGTERM`.
        signal: String,
    },
    /// A ledger check could not tell whose records, issued when, the ledger must
    /// account for, so records it does not list went unchecked.
    ScopeUnknown {
        /// What is unknown and which flag supplies it.
        detail: String,
    },
    /// The run itself went wrong (the client never became healthy, the truth or
    /// the ledger could not be read, a step failed). Written as the problem is,
    /// `kind` included.
    #[serde(untagged)]
    Run(RunProblem),
}

impl Inconclusive {
    /// One sentence for people.
    pub fn describe(&self) -> String {
        match self {
            Inconclusive::FaultNeverFired {
                rule,
                fault,
                matched,
            } => format!(
                "fault rule {rule} ({fault}) never fired ({matched} requests matched its targeting)"
            ),
            Inconclusive::NothingJudged => {
                "no invoice was issued or listed, so nothing was judged".to_string()
            }
            Inconclusive::Interrupted { signal } => format!(
                "the run was interrupted ({signal}) before its steps ended; it covers the \
                 invoices issued until then"
            ),
            Inconclusive::ScopeUnknown { detail } => detail.clone(),
            Inconclusive::Run(problem) => problem.describe(),
        }
    }
}

/// A value an invariant measured or allows: a count, or a ratio of judged invoices.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Measure {
    /// A number of invoices.
    Count(u64),
    /// A fraction of the judged invoices.
    Ratio(f64),
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Measure::Count(n) => write!(f, "{n}"),
            Measure::Ratio(r) => write!(f, "{:.2}%", r * 100.0),
        }
    }
}

/// One property the run must keep, with its bound and what was observed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invariant {
    /// A violation class (`LOST`, …) or `false_flag_ratio`.
    pub name: String,
    /// What it promises, for people.
    pub description: String,
    /// What the run showed.
    pub observed: Measure,
    /// The most `[expect]` tolerates.
    pub allowed: Measure,
    /// Whether `observed` stays within `allowed`.
    pub holds: bool,
}

fn count_invariant(class: Class, observed: u64, allowed: u64) -> Invariant {
    Invariant {
        name: class.as_str().to_string(),
        description: class.invariant().to_string(),
        observed: Measure::Count(observed),
        allowed: Measure::Count(allowed),
        holds: observed <= allowed,
    }
}

/// The invariants in report order: one per violation class, then the false-flag ratio.
pub(super) fn invariants(counts: &Counts, expect: &Expect) -> Vec<Invariant> {
    let mut out: Vec<Invariant> = Class::violations()
        .map(|class| {
            let allowed = match class {
                Class::Lost => expect.lost,
                Class::Unresolved => expect.unresolved,
                _ => 0,
            };
            count_invariant(class, counts.get(class), allowed)
        })
        .collect();
    let ratio = if counts.judged == 0 {
        0.0
    } else {
        counts.false_flag as f64 / counts.judged as f64
    };
    out.push(Invariant {
        name: "false_flag_ratio".to_string(),
        description: "flagged-but-intact invoices stay within the tolerated share".to_string(),
        observed: Measure::Ratio(ratio),
        allowed: Measure::Ratio(expect.max_false_flag_ratio),
        holds: ratio <= expect.max_false_flag_ratio,
    });
    out
}

/// Every reason the run cannot vouch for its own result.
pub(super) fn inconclusive(run: &RunRecord) -> Vec<Inconclusive> {
    let mut out: Vec<Inconclusive> = run
        .lifecycle
        .interrupted
        .iter()
        .map(|signal| Inconclusive::Interrupted {
            signal: signal.clone(),
        })
        .collect();
    out.extend(run.problems.iter().cloned().map(Inconclusive::Run));
    let reported = |out: &[Inconclusive], what: fn(&RunProblem) -> bool| {
        out.iter()
            .any(|r| matches!(r, Inconclusive::Run(problem) if what(problem)))
    };
    if run.truth.is_none() && !reported(&out, |p| matches!(p, RunProblem::TruthUnreadable { .. })) {
        out.push(Inconclusive::Run(RunProblem::TruthUnreadable {
            detail: "the run collected no truth snapshot".to_string(),
        }));
    }
    if run.ledger.is_none() && !reported(&out, |p| matches!(p, RunProblem::LedgerUnreadable { .. }))
    {
        out.push(Inconclusive::Run(RunProblem::LedgerUnreadable {
            detail: "the run collected no ledger".to_string(),
        }));
    }
    if run.expect.faults_must_fire {
        // Only the rules this run added had to fire; others were already there.
        let unfired = run
            .fault_stats
            .iter()
            .filter(|s| s.scheduled && s.fired == 0);
        out.extend(unfired.map(|s| Inconclusive::FaultNeverFired {
            rule: s.rule.clone(),
            fault: s.kind.clone(),
            matched: s.matched,
        }));
    }
    out
}

/// A broken invariant fails the run even when it is also inconclusive: a violation
/// found is real whatever else went wrong. Otherwise any reason makes it inconclusive.
/// An interrupted run is inconclusive whatever it found: invoices still on their way
/// when it stopped would read as violations.
pub(super) fn decide(judged: bool, invariants: &[Invariant], reasons: &[Inconclusive]) -> Verdict {
    let interrupted = reasons
        .iter()
        .any(|r| matches!(r, Inconclusive::Interrupted { .. }));
    if interrupted {
        Verdict::Inconclusive
    } else if invariants.iter().any(|i| !i.holds) {
        Verdict::Fail
    } else if !judged || !reasons.is_empty() {
        Verdict::Inconclusive
    } else {
        Verdict::Pass
    }
}
