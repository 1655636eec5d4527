//! What one scenario run collected, handed from the runner to the checker and the reports.
//!
//! The runner fills a [`RunRecord`]; [`crate::check`] judges it; the report writers
//! render both. Keeping this one plain data type between them lets each part be
//! tested on its own with hand-built records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tax_api::{Invoice, JournalEntry, Ledger, TruthSnapshot};

/// Everything a run produced that the verdict depends on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// The scenario's `name`.
    pub scenario: String,
    /// The scenario's `description`.
    pub description: String,
    /// The script the scenario came from, as the user named it; `None` for generated scenarios.
    pub script_path: Option<String>,
    /// The master seed the run used (after any `--seed` override).
    pub seed: u64,
    /// Which client system was driven and how.
    pub client: ClientInfo,
    /// Wall-clock start of the run.
    pub started_at: DateTime<Utc>,
    /// Wall-clock end of the run.
    pub finished_at: DateTime<Utc>,
    /// Every invoice the workload issued to the client (accepted with 202 or not).
    pub issued: Vec<IssuedInvoice>,
    /// The client's ledger at the end; `None` when it could not be read.
    pub ledger: Option<Ledger>,
    /// The platform's ground truth at the end; `None` when it could not be read.
    pub truth: Option<TruthSnapshot>,
    /// The platform's journal, in order.
    pub journal: Vec<JournalEntry>,
    /// The fault plan as it was applied, in the control plane's JSON shape.
    pub plan: serde_json::Value,
    /// How often each scheduled fault rule fired.
    pub fault_stats: Vec<RuleStats>,
    /// The pass bounds from the script's `[expect]`.
    pub expect: Expect,
    /// Things that went wrong with the run itself, which make the verdict inconclusive.
    pub problems: Vec<RunProblem>,
    /// Steps and platform events in time order, for the report's timeline.
    pub timeline: Vec<TimelineEvent>,
    /// Command-line flags the run depended on that the script does not hold
    /// (`--platform-url`, `--max-count`), for the replay command.
    #[serde(default)]
    pub replay_flags: Vec<String>,
    /// How the run and the client program ended, when not as planned.
    #[serde(default)]
    pub lifecycle: Lifecycle,
}

/// How a run or its client program ended early.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// The signal (`Ctrl-C`, `SIGTERM`) that stopped the run before its steps ended;
    /// its report covers the invoices issued until then.
    pub interrupted: Option<String>,
    /// Every time the client program exited without the harness asking it to.
    pub client_exits: Vec<ClientExit>,
}

/// The client program exited by itself during the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientExit {
    /// Milliseconds since the run started when the harness noticed.
    pub at_ms: u64,
    /// Its exit code, when it exited by itself.
    pub code: Option<i32>,
    /// The signal that ended it, when a signal did.
    pub signal: Option<i32>,
    /// Whether a later `restart_client` step started it again (then it is no violation).
    pub restarted: bool,
    /// The last lines of `client.log`.
    pub log_tail: Vec<String>,
    /// When the last ledger the program served was read (ms since the start of the
    /// run); `None` if it never served one. Its invoices are judged on that ledger.
    pub ledger_read_at_ms: Option<u64>,
    /// Invoices the program took (202) that were issued after that read: the ledger
    /// cannot list them, so they count as `FORGOTTEN` whatever the program did.
    pub accepted_after_ledger: u64,
}

impl ClientExit {
    /// "exit code 3" or "signal 9".
    pub fn how(&self) -> String {
        match (self.code, self.signal) {
            (Some(code), _) => format!("exit code {code}"),
            (None, Some(sig)) => format!("signal {sig}"),
            (None, None) => "an unknown status".to_string(),
        }
    }

    /// What the judgement of its invoices rests on, for people.
    pub fn ledger_note(&self) -> String {
        let read = match self.ledger_read_at_ms {
            Some(ms) => format!("its last ledger was read at +{ms} ms"),
            None => "it never served a ledger".to_string(),
        };
        match self.accepted_after_ledger {
            0 => read,
            n => format!("{read}; {n} invoice(s) it took after that count as FORGOTTEN"),
        }
    }
}

/// The client system under test.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientInfo {
    /// `reference`, `command`, `url` or `ledger`.
    pub adapter: String,
    /// `naive` or `robust` for the reference client; `None` otherwise.
    pub mode: Option<String>,
    /// Program and arguments (command), URL (url) or file (ledger).
    pub target: Option<String>,
}

/// One invoice handed to the client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssuedInvoice {
    /// The invoice as sent to the client's `POST /invoices`.
    pub invoice: Invoice,
    /// Whether the client answered 202 (took ownership). An invoice the client refused
    /// is still reported, but the client never owned it.
    pub accepted: bool,
    /// Milliseconds since the run started when it was issued.
    pub at_ms: u64,
}

/// Fires of one fault rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RuleStats {
    /// The rule's name (given or generated).
    pub rule: String,
    /// Its fault kind, e.g. `partial_write`.
    pub kind: String,
    /// How many requests it fired on.
    pub fired: u64,
    /// How many requests it was considered for (matched its targeting).
    pub matched: u64,
}

/// Pass bounds; the defaults are zero tolerance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Expect {
    /// Most `LOST` invoices tolerated.
    pub lost: u64,
    /// Most `UNRESOLVED` (still pending) invoices tolerated.
    pub unresolved: u64,
    /// Most flagged-but-intact invoices tolerated, as a fraction of issued.
    pub max_false_flag_ratio: f64,
    /// A scheduled fault that never fired makes the run inconclusive.
    pub faults_must_fire: bool,
}

impl Default for Expect {
    fn default() -> Self {
        Expect {
            lost: 0,
            unresolved: 0,
            max_false_flag_ratio: 0.05,
            faults_must_fire: true,
        }
    }
}

/// Why a run could not reach a verdict on the client.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunProblem {
    /// The client never answered `GET /healthz` with 200 before its deadline.
    ClientNeverHealthy {
        /// What was seen instead.
        detail: String,
    },
    /// `GET /_chaos/truth` failed.
    TruthUnreadable {
        /// What was seen instead.
        detail: String,
    },
    /// `GET /ledger` (or the ledger file) failed.
    LedgerUnreadable {
        /// What was seen instead.
        detail: String,
    },
    /// Any other step that failed in a way that voids the run.
    StepFailed {
        /// Index of the step in the script, from 0.
        step: usize,
        /// What happened.
        detail: String,
    },
}

impl RunProblem {
    /// One sentence for people.
    pub fn describe(&self) -> String {
        match self {
            RunProblem::ClientNeverHealthy { detail } => {
                format!("the client never became healthy: {detail}")
            }
            RunProblem::TruthUnreadable { detail } => {
                format!("the platform's truth could not be read: {detail}")
            }
            RunProblem::LedgerUnreadable { detail } => {
                format!("the client's ledger could not be read: {detail}")
            }
            RunProblem::StepFailed { step, detail } => format!("step {step} failed: {detail}"),
        }
    }
}

/// One point on the run's timeline.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TimelineEvent {
    /// Milliseconds since the run started.
    pub at_ms: u64,
    /// `step`, `fault`, `maintenance_start`, `maintenance_end`, `restart`, `settle`, …
    pub kind: String,
    /// A short description for people.
    pub detail: String,
}
