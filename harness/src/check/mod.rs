//! The oracle (DESIGN §5): joins what the workload issued, what the client's ledger
//! says and what the platform really holds, classifies every invoice, and reaches a
//! verdict a QA lead and a CI server can trust.
//!
//! [`check`] runs in time linear in the size of the run: hash maps for the joins and
//! one pass over the journal for the causal chains of the violations.
//!
//! # Layout
//!
//! - `class`: the DESIGN §5 table — [`Class`], [`ClientState`], [`PlatformState`], [`classify`].
//! - `index` (with `fxhash`): one hashed index over invoice numbers for the join.
//! - `join`: issued × ledger × truth, including `UNEXPECTED` records and ledger entries.
//! - `scope`: which platform records a ledger must account for (its seller and period).
//! - `content`: comparing sales regardless of number ([`SaleKey`]).
//! - `evidence`: the platform column, the detail sentence and both sides' views.
//! - `explain`: missing and differing fields, and the rule whose fire caused a violation.
//! - `chain`: causal chains from one pass over the journal.
//! - `bounds`: the invoices behind a broken `[expect]` bound, false flags included.
//! - `maintenance`: windows and migrations, and what the client caught of the latter.
//! - `verdict`: invariants with `[expect]` bounds, inconclusive reasons, the verdict.
//! - [`ledger_file`]: reading exported ledgers for `invoice-chaos check --ledger`.

mod bounds;
mod chain;
mod class;
mod content;
mod evidence;
mod explain;
mod fxhash;
mod index;
mod join;
pub mod ledger_file;
mod maintenance;
mod scope;
mod verdict;

use serde::{Deserialize, Serialize};
use tax_api::{Integrity, JournalEntry, LedgerStatus};

use crate::outcome::{RunProblem, RunRecord};

pub use bounds::{BoundInvoice, FlaggedInvoice, FALSE_FLAG_RATIO};
pub use class::{classify, Class, ClientState, PlatformState};
pub use content::{same_sale, SaleKey};
pub use explain::{Cause, FieldDiff};
pub use maintenance::{Maintenance, MigrationOutcome, WindowSpan};
pub use verdict::{Inconclusive, Invariant, Measure, Verdict};

/// The checker's judgement of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// pass, fail or inconclusive.
    pub verdict: Verdict,
    /// Whether the invoices could be judged at all (truth and ledger were read).
    pub judged: bool,
    /// How many invoices fell into each class.
    pub counts: Counts,
    /// Each invariant with its bound from `[expect]`, observed value and outcome.
    pub invariants: Vec<Invariant>,
    /// Why the run could not reach a verdict, when it could not.
    pub inconclusive: Vec<Inconclusive>,
    /// Every violation, in issue order, then unexpected records in platform order.
    pub violations: Vec<Violation>,
    /// What the run tolerated or assumed, for people (columns ignored, which records
    /// a ledger was checked against).
    pub notes: Vec<String>,
    /// The invoices behind each broken `[expect]` bound.
    #[serde(default)]
    pub bound_invoices: Vec<BoundInvoice>,
    /// Every invoice flagged although stored intact, with its chain.
    #[serde(default)]
    pub false_flags: Vec<FlaggedInvoice>,
    /// The maintenance windows and what their migrations did.
    #[serde(default)]
    pub maintenance: Maintenance,
}

/// How many invoices fell into each class; serialised in this field order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Invoices judged against the table (issued ones, or ledger entries in ledger-only mode).
    pub judged: u64,
    /// See [`Class::Ok`].
    pub ok: u64,
    /// See [`Class::FalseFlag`].
    pub false_flag: u64,
    /// See [`Class::Flagged`].
    pub flagged: u64,
    /// See [`Class::Refused`].
    pub refused: u64,
    /// See [`Class::Lost`].
    #[serde(rename = "LOST")]
    pub lost: u64,
    /// See [`Class::SilentPartial`].
    #[serde(rename = "SILENT_PARTIAL")]
    pub silent_partial: u64,
    /// See [`Class::SilentCorruption`].
    #[serde(rename = "SILENT_CORRUPTION")]
    pub silent_corruption: u64,
    /// See [`Class::Duplicate`].
    #[serde(rename = "DUPLICATE")]
    pub duplicate: u64,
    /// See [`Class::Unresolved`].
    #[serde(rename = "UNRESOLVED")]
    pub unresolved: u64,
    /// See [`Class::Forgotten`].
    #[serde(rename = "FORGOTTEN")]
    pub forgotten: u64,
    /// See [`Class::Unexpected`].
    #[serde(rename = "UNEXPECTED")]
    pub unexpected: u64,
    /// See [`Class::ClientExited`]: exits of the client program, not invoices.
    #[serde(rename = "CLIENT_EXITED", default)]
    pub client_exited: u64,
    /// See [`Class::ContradictoryLedger`].
    #[serde(rename = "CONTRADICTORY_LEDGER")]
    pub contradictory_ledger: u64,
    /// Not a class: ledger entries that repeat an earlier entry's number with the same
    /// status. Tolerated (the client's word does not change) and not judged again.
    pub ledger_repeats: u64,
}

impl Counts {
    fn slot(&mut self, class: Class) -> &mut u64 {
        match class {
            Class::Ok => &mut self.ok,
            Class::FalseFlag => &mut self.false_flag,
            Class::Flagged => &mut self.flagged,
            Class::Refused => &mut self.refused,
            Class::Lost => &mut self.lost,
            Class::SilentPartial => &mut self.silent_partial,
            Class::SilentCorruption => &mut self.silent_corruption,
            Class::Duplicate => &mut self.duplicate,
            Class::Unresolved => &mut self.unresolved,
            Class::Forgotten => &mut self.forgotten,
            Class::Unexpected => &mut self.unexpected,
            Class::ClientExited => &mut self.client_exited,
            Class::ContradictoryLedger => &mut self.contradictory_ledger,
        }
    }

    /// How many invoices fell into `class`.
    pub fn get(&self, class: Class) -> u64 {
        match class {
            Class::Ok => self.ok,
            Class::FalseFlag => self.false_flag,
            Class::Flagged => self.flagged,
            Class::Refused => self.refused,
            Class::Lost => self.lost,
            Class::SilentPartial => self.silent_partial,
            Class::SilentCorruption => self.silent_corruption,
            Class::Duplicate => self.duplicate,
            Class::Unresolved => self.unresolved,
            Class::Forgotten => self.forgotten,
            Class::Unexpected => self.unexpected,
            Class::ClientExited => self.client_exited,
            Class::ContradictoryLedger => self.contradictory_ledger,
        }
    }

    /// All violations together.
    pub fn violations(&self) -> u64 {
        Class::violations().map(|c| self.get(c)).sum()
    }

    pub(crate) fn add(&mut self, class: Class) {
        *self.slot(class) += 1;
    }
}

/// One invoice that broke the property, with the evidence a person needs to see why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Which violation.
    pub class: Class,
    /// The invoice number.
    pub number: String,
    /// The seller, when known (always, except for ledger entries the platform never saw).
    pub seller_tax_id: Option<String>,
    /// One sentence for people saying what went wrong.
    pub detail: String,
    /// The fault rule whose fire caused it; `None` when no fault touched it.
    #[serde(default)]
    pub cause: Option<Cause>,
    /// Fields the platform's record lacks (`lines`, `buyer_name`, …) when it holds
    /// the invoice partially.
    #[serde(default)]
    pub missing_fields: Vec<String>,
    /// Fields the platform's record holds differently, when it holds it corrupted.
    #[serde(default)]
    pub differing_fields: Vec<FieldDiff>,
    /// Copies the platform holds, when it holds more than one.
    #[serde(default)]
    pub copies: Option<u32>,
    /// What the client said.
    pub client: ClientView,
    /// What the platform holds.
    pub platform: PlatformView,
    /// The causal chain: every journal entry about this invoice, in time order, with
    /// the rule that fired on it, the response and what it did to the store.
    pub chain: Vec<JournalEntry>,
}

/// The client's side of a violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    /// Whether the client answered 202 when the workload issued it; `None` when the
    /// workload never issued this number.
    pub accepted: Option<bool>,
    /// Milliseconds since the start of the run when it was issued.
    pub issued_at_ms: Option<u64>,
    /// The ledger's final status (`absent` when not listed).
    pub status: ClientState,
    /// The ledger's reason.
    pub reason: Option<String>,
    /// The platform reference the client recorded.
    pub platform_ref: Option<String>,
    /// For `CONTRADICTORY_LEDGER`: every ledger entry listing this number, in ledger
    /// order; empty otherwise.
    pub ledger_entries: Vec<LedgerRow>,
}

/// One entry of the client's ledger as it stood, with its place in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// 1-based position among the ledger's entries (its data row, for a CSV export).
    pub position: usize,
    /// The entry's status.
    pub status: LedgerStatus,
    /// The entry's reason.
    pub reason: Option<String>,
    /// The entry's platform reference.
    pub platform_ref: Option<String>,
}

/// The platform's side of a violation, from its ground truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformView {
    /// The table column the invoice fell into.
    pub state: PlatformState,
    /// The truth's own integrity verdict; `None` when the platform never stored it.
    pub integrity: Option<Integrity>,
    /// The platform's reference of the first stored copy.
    pub platform_ref: Option<String>,
    /// Copies held now.
    pub copies: u32,
    /// Lines the client sent, when stored.
    pub sent_line_count: Option<usize>,
    /// Lines held now, when stored.
    pub stored_line_count: Option<usize>,
    /// The fault rule or migration that damaged it, per the truth.
    pub cause: Option<String>,
    /// For an unexpected record: the issued invoice recording the same sale.
    pub same_sale_as: Option<String>,
}

/// Judges one run: classifies every invoice, checks the `[expect]` bounds, and
/// decides pass, fail or inconclusive. Never panics, whatever the record holds.
///
/// A run of the `ledger` adapter with no issued invoices judges the ledger's own
/// entries (the client's word on what it owned) instead of an issued list.
pub fn check(run: &RunRecord) -> CheckResult {
    let voided = run.problems.iter().any(RunProblem::voids_judgement);
    let mut watch = maintenance::Watch::new(&run.migrations);
    let judged = match (&run.truth, &run.ledger) {
        (Some(truth), Some(ledger)) if !voided => {
            let mut joined = join::join(run, ledger, truth, &mut watch);
            chain::attach(
                &mut joined.violations,
                &mut joined.false_flags,
                &run.journal,
            );
            for v in &mut joined.violations {
                explain_cause(v, run);
            }
            Some(joined)
        }
        _ => None,
    };
    let mut notes = run.notes.clone();
    let mut scope_unknown = None;
    let (mut counts, violations, false_flags, is_judged) = match judged {
        Some(j) => {
            notes.extend(j.scope_note);
            scope_unknown = j.scope_unknown;
            (j.counts, j.violations, j.false_flags, true)
        }
        None => (Counts::default(), Vec::new(), Vec::new(), false),
    };
    let exits = &run.lifecycle.client_exits;
    counts.client_exited = exits.iter().filter(|e| !e.restarted).count() as u64;
    let invariants = if is_judged {
        verdict::invariants(&counts, &run.expect)
    } else {
        // A client program that exited fails the run even when nothing else could be read.
        verdict::invariants(&counts, &run.expect)
            .into_iter()
            .filter(|i| i.name == Class::ClientExited.as_str() && !i.holds)
            .collect()
    };
    let mut inconclusive = verdict::inconclusive(run);
    if is_judged && counts.judged == 0 {
        inconclusive.push(Inconclusive::NothingJudged);
    }
    if let Some(detail) = scope_unknown {
        inconclusive.push(Inconclusive::ScopeUnknown { detail });
    }
    let verdict = verdict::decide(is_judged, &invariants, &inconclusive);
    let bound_invoices = bounds::bound_invoices(&invariants, &violations, &false_flags);
    CheckResult {
        verdict,
        judged: is_judged,
        counts,
        invariants,
        inconclusive,
        violations,
        notes,
        bound_invoices,
        false_flags,
        maintenance: maintenance::summarise(run, &watch),
    }
}

/// Names the rule whose fire caused `v`, in its fields and at the end of its sentence.
fn explain_cause(v: &mut Violation, run: &RunRecord) {
    v.cause = explain::cause(
        v.class,
        &v.chain,
        v.platform.cause.as_deref(),
        v.platform.integrity,
        &run.fault_stats,
    );
    if let Some(c) = &v.cause {
        v.detail
            .push_str(&format!(" (cause: {} rule {})", c.kind, c.rule));
    }
}
