//! Control-plane types served under `/_chaos`: the ground truth of what the platform
//! really stored, the journal of every request it answered, and the
//! fault engine's and journal's counts (`GET /_chaos/stats`).

use serde::{Deserialize, Serialize};

use crate::invoice::Invoice;

mod ksef;
mod stats;

pub use ksef::KsefIdentity;
pub use stats::{ChaosStats, JournalUsage, MigrationReport, PlatformStats, RuleStats};

/// What happened to a record, judged against what the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Integrity {
    /// Stored complete and exactly as sent.
    Intact,
    /// Stored without some or all lines, or without some fields.
    Partial,
    /// Stored with a field altered, or reverted to an older version.
    Corrupted,
    /// Stored once, then lost by a maintenance migration.
    LostInMigration,
    /// Stored more than once under different platform references.
    Duplicated,
}

/// One record in `GET /_chaos/truth`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthRecord {
    /// The seller that uploaded it.
    pub seller_tax_id: String,
    /// The invoice number.
    pub number: String,
    /// The platform's reference of the first stored copy.
    pub platform_ref: String,
    /// Its fate.
    pub integrity: Integrity,
    /// Hash of the content the client sent (what an intact record would hash to).
    pub sent_hash: String,
    /// Hash of what is stored now; `None` when nothing is (lost in migration).
    #[serde(default)]
    pub stored_hash: Option<String>,
    /// Lines the client sent.
    pub sent_line_count: usize,
    /// Lines stored now.
    pub stored_line_count: usize,
    /// How many copies the platform holds (2+ for `duplicated`, 0 when lost).
    pub copies: u32,
    /// The fault rule or migration that damaged it, when one did.
    #[serde(default)]
    pub cause: Option<String>,
    /// When it was first persisted (RFC 3339, UTC).
    pub persisted_at: String,
    /// Whether it was covered by a checkpoint (durable across a migration).
    pub checkpointed: bool,
    /// The stored content, when any is.
    #[serde(default)]
    pub stored: Option<Invoice>,
    /// What KSeF called it, for an invoice sent through the KSeF dialect; absent
    /// (and not serialised) for `/v1` uploads, so their truth is unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ksef: Option<KsefIdentity>,
}

/// `GET /_chaos/truth`: every record, in write order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TruthSnapshot {
    /// The platform's seed for this run.
    pub seed: u64,
    /// One entry per (seller, number) ever stored.
    pub records: Vec<TruthRecord>,
}

/// The last line of `GET /_chaos/truth?format=jsonl`. A stream is complete only
/// when it ends with this line and `records` equals the record lines before it: a
/// reader that misses it has a truncated truth and must not judge by it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TruthEnd {
    /// Always `true`: what tells this line from a record.
    pub end: bool,
    /// The platform's seed for this run.
    pub seed: u64,
    /// Record lines sent before this one.
    pub records: u64,
    /// The write sequence the read is bounded by: records written after it began
    /// are not in it (a cursor keeps the first page's mark).
    pub high_water_mark: u64,
    /// Pass this as `cursor` for the rest when `limit` cut the read short; `None`
    /// when every matching record up to the high-water mark has been sent.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// The API route a request went to, as fault rules target it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// `POST /v1/invoices`.
    Upload,
    /// `GET /v1/invoices/{number}` and `GET /v1/submissions/{id}`.
    Get,
    /// `POST /v1/invoices/query`.
    Query,
    /// `POST /v1/verify`.
    Verify,
    /// `GET /v1/status`, and the KSeF calls no fault targets (challenge, polls).
    Status,
    /// KSeF authentication: `POST /v2/auth/ksef-token` and `/v2/auth/xades-signature`.
    Auth,
    /// KSeF online session open and close (`POST /v2/sessions/online[/{ref}/close]`).
    Session,
    /// Anything under `/_chaos`.
    Control,
    /// A path the platform does not serve.
    Unknown,
}

/// What a request did to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreEffect {
    /// Nothing was written.
    None,
    /// A new record was stored complete.
    Stored,
    /// The same content was already stored; nothing changed.
    Idempotent,
    /// A new record was stored damaged (partial).
    StoredPartial,
    /// A new record was stored damaged (corrupted).
    StoredCorrupted,
    /// A second copy was stored.
    StoredDuplicate,
    /// The client was told it succeeded, but nothing was stored.
    Dropped,
    /// A migration removed or damaged records.
    Migration,
}

/// One line of `GET /_chaos/journal` (JSON lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the journal, from 0.
    pub seq: u64,
    /// When the request arrived (RFC 3339, UTC, milliseconds).
    pub at: String,
    /// Milliseconds since the platform (or its last reset) started.
    pub elapsed_ms: u64,
    /// Which route.
    pub route: Route,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// The authenticated seller, when known.
    #[serde(default)]
    pub seller_tax_id: Option<String>,
    /// The invoice number the request concerned, when it named one.
    #[serde(default)]
    pub number: Option<String>,
    /// 0 for the first request about this number on this route, 1 for the next, …
    #[serde(default)]
    pub attempt: Option<u32>,
    /// The `request_serial` of an upload.
    #[serde(default)]
    pub request_serial: Option<String>,
    /// The fault rule that fired on this request, by name.
    #[serde(default)]
    pub rule: Option<String>,
    /// The kind of that fault.
    #[serde(default)]
    pub fault: Option<String>,
    /// HTTP status sent; `None` when the connection was reset or left hanging.
    #[serde(default)]
    pub status: Option<u16>,
    /// Error code sent, if any.
    #[serde(default)]
    pub error_code: Option<String>,
    /// What the request did to the store.
    pub effect: StoreEffect,
    /// Free text for migrations and other platform-side events.
    #[serde(default)]
    pub note: Option<String>,
}
