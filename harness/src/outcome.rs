//! What one scenario run collected, handed from the runner to the checker and the reports.
//!
//! The runner fills a [`RunRecord`]; [`crate::check`] judges it; the report writers
//! render both. Keeping this one plain data type between them lets each part be
//! tested on its own with hand-built records.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use tax_api::control::MigrationReport;
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
    pub fault_stats: Vec<RuleFires>,
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
    /// The platform journal's budget and what it dropped; `None` when the platform
    /// did not say (its stats could not be read, or it predates the budget).
    #[serde(default)]
    pub journal_budget: Option<JournalBudget>,
    /// How the run and the client program ended, when not as planned.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// Invoices known to be issued by number only (`check --issued` with plain
    /// numbers): judged like `issued`, without comparing content.
    #[serde(default)]
    pub issued_numbers: Vec<String>,
    /// Whose records, issued when, a ledger is checked against, as the user or the
    /// ledger file declared it; what is left open the checker derives.
    #[serde(default)]
    pub scope: Scope,
    /// Things the run tolerated and tells the user once (e.g. ledger columns ignored).
    #[serde(default)]
    pub notes: Vec<String>,
    /// What each maintenance window's migration did, as the platform counted it.
    #[serde(default)]
    pub migrations: Vec<MigrationReport>,
}

/// The platform journal's memory budget, from `GET /_chaos/stats` → `journal`.
/// The verdict joins truth and ledger, not the journal; the causal chains come
/// from the journal, so a dropped entry can leave a chain incomplete.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct JournalBudget {
    /// Entries about an invoice, a fault or a store change the platform did not keep.
    pub dropped: u64,
    /// Platform run time (ms) of the first of them.
    pub first_dropped_at_ms: Option<u64>,
    /// The budget in bytes (the platform's `--journal-limit`).
    pub limit_bytes: u64,
}

impl JournalBudget {
    /// The warning a report shows when entries were dropped; `None` otherwise.
    pub fn warning(&self) -> Option<String> {
        (self.dropped > 0).then(|| {
            let from = self
                .first_dropped_at_ms
                .map_or(String::new(), |ms| format!(" from {ms} ms of platform time on"));
            format!(
                "the platform's journal reached its limit of {} bytes and dropped {} entries{from}: \
                 causal chains after that are incomplete (the verdict, which joins truth and \
                 ledger, is not affected); raise the platform's --journal-limit",
                self.limit_bytes, self.dropped
            )
        })
    }
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

/// The platform records a ledger check looks at for `UNEXPECTED` ones: those of
/// `sellers`, issued within `from..=to`. Set by flags (`--seller`, `--from`, `--to`)
/// or a ledger file's `seller_tax_id` and `issued_at` columns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    /// The sellers; empty when not declared.
    pub sellers: Vec<String>,
    /// Where `sellers` came from, for the report.
    pub sellers_source: Option<String>,
    /// Earliest issue time; `None` when not declared.
    pub from: Option<DateTime<FixedOffset>>,
    /// Latest issue time; `None` when not declared.
    pub to: Option<DateTime<FixedOffset>>,
    /// Where `from`/`to` came from, for the report.
    pub period_source: Option<String>,
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

/// Fires of one fault rule in a run, as the run record keeps them: the platform's
/// counts (`tax_api::control::RuleStats`) and whether this run scheduled the rule.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RuleFires {
    /// The rule's name (given or generated).
    pub rule: String,
    /// Its fault kind, e.g. `partial_write`.
    pub kind: String,
    /// How many requests it fired on.
    pub fired: u64,
    /// How many requests it was considered for (matched its targeting).
    pub matched: u64,
    /// Whether this run added the rule. Only those must fire: a rule already on a
    /// running platform (`reset = false`, a ledger check) is reported for information.
    #[serde(default = "scheduled_by_default")]
    pub scheduled: bool,
}

/// Records written before `scheduled` existed held only the run's own rules.
fn scheduled_by_default() -> bool {
    true
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
    #[serde(deserialize_with = "fraction")]
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

/// A fraction from 0 to 1: NaN, infinities and negatives would make every
/// comparison with it false, and the run fail with every invoice ok.
fn fraction<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let f = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&f) {
        Ok(f)
    } else {
        Err(serde::de::Error::custom(format!(
            "expected a fraction from 0 to 1 (e.g. 0.05 for 5%), found {f}"
        )))
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
    /// The platform never received a request for most of the invoices the client
    /// confirmed: the client is talking to another platform (or confirms without
    /// uploading). Its invoices cannot be judged against this platform's truth.
    Unwired {
        /// What was seen, and what to check.
        detail: String,
    },
    /// Invoices left by earlier runs could not be kept apart from this run's: the
    /// client or the platform already held numbers of this run id (a replay against
    /// kept state), or what they hold could not be read. Nothing was issued.
    LeftoverState {
        /// What was found, and what to do.
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
            RunProblem::Unwired { detail } => {
                format!("the client and the platform are not wired together: {detail}")
            }
            RunProblem::LeftoverState { detail } => {
                format!("state left by an earlier run: {detail}")
            }
        }
    }

    /// Whether the invoices cannot be judged at all: their classes would describe the
    /// wiring or the leftovers, not the client, so no count may fail the run.
    pub fn voids_judgement(&self) -> bool {
        matches!(
            self,
            RunProblem::Unwired { .. } | RunProblem::LeftoverState { .. }
        )
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
