//! The client contract (DESIGN §3): what a billing system under test answers on
//! `GET /ledger` and `POST /reconcile`. The harness reads these; any client writes them.

use serde::{Deserialize, Serialize};

/// What the client believes about one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LedgerStatus {
    /// The client has proof the platform holds the invoice, complete and correct.
    Confirmed,
    /// The client could not prove it and has raised it for a person.
    Flagged,
    /// Delivery is still in progress.
    Pending,
}

/// One invoice in the client's ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The invoice number the client issued.
    pub number: String,
    /// Where delivery stands.
    pub status: LedgerStatus,
    /// Why it is flagged (or pending), for a person; `null` when confirmed.
    #[serde(default)]
    pub reason: Option<String>,
    /// The platform's reference, once the client has one.
    #[serde(default)]
    pub platform_ref: Option<String>,
}

/// `GET /ledger`: every invoice the client knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// One entry per invoice number.
    pub entries: Vec<LedgerEntry>,
}

/// `POST /reconcile`: what one reconciliation pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileSummary {
    /// Invoices compared against the platform.
    pub checked: u64,
    /// Invoices newly flagged.
    pub flagged: u64,
    /// Invoices uploaded again because the platform no longer held them.
    pub reuploaded: u64,
}
