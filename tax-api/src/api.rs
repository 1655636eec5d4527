//! Request and response bodies of the platform's `/v1` routes (DESIGN §2).

use serde::{Deserialize, Serialize};

use crate::invoice::{Invoice, InvoiceKind, InvoiceLine, Totals};

/// Largest `page_size` a reconciliation query may ask for.
pub const MAX_PAGE_SIZE: u32 = 250;
/// `page_size` when the query names none.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// 201 answer to `POST /v1/invoices` in synchronous mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadAccepted {
    /// The invoice number, echoed.
    pub number: String,
    /// The platform's own id for the stored record.
    pub platform_ref: String,
    /// Always `ISSUED` for a synchronous accept.
    pub status: SubmissionState,
    /// When the platform received the upload (RFC 3339, UTC).
    pub received_at: String,
}

/// 202 answer to `POST /v1/invoices` in asynchronous mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionAccepted {
    /// Poll `GET /v1/submissions/{submission_id}` for the outcome.
    pub submission_id: String,
    /// Always `RECEIVED`.
    pub status: SubmissionState,
}

/// Where an asynchronous submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubmissionState {
    /// Accepted for processing.
    Received,
    /// Being processed.
    Processing,
    /// Stored and issued.
    Issued,
    /// Refused; see `error`.
    Rejected,
    /// The number already exists with different content.
    Duplicate,
    /// The platform gave up on it; the client must resubmit.
    SystemAborted,
}

/// `GET /v1/submissions/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionStatus {
    /// The submission id.
    pub submission_id: String,
    /// The invoice number it carries.
    pub number: String,
    /// Where it stands.
    pub status: SubmissionState,
    /// Set once `ISSUED`.
    #[serde(default)]
    pub platform_ref: Option<String>,
    /// Set when `REJECTED`, `DUPLICATE` or `SYSTEM_ABORTED`.
    #[serde(default)]
    pub error: Option<crate::error::ApiError>,
}

/// `GET /v1/invoices/{number}`: the record as the platform holds it. A record damaged
/// by a fault carries what was really stored, so `content_hash` and `line_count` may
/// differ from what the client sent — that is how a careful client notices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredInvoiceWire")]
pub struct StoredInvoice {
    /// The stored fields; a dropped text field reads as an empty string.
    #[serde(flatten)]
    pub invoice: Invoice,
    /// The platform's id for the record.
    pub platform_ref: String,
    /// Number of lines actually stored.
    pub line_count: usize,
    /// [`crate::content_hash`] of what is stored.
    pub content_hash: String,
    /// When the upload was received (RFC 3339, UTC).
    pub received_at: String,
    /// When the record was persisted (RFC 3339, UTC).
    pub persisted_at: String,
}

/// How a [`StoredInvoice`] is read: every field at one level, in one pass. Reading
/// the flattened invoice directly makes serde buffer the whole record first, which
/// was a visible share of a careful client's read-back. Unknown fields are ignored,
/// as they are when reading through `flatten`.
#[derive(Deserialize)]
struct StoredInvoiceWire {
    number: String,
    request_serial: String,
    seller_tax_id: String,
    buyer_tax_id: String,
    buyer_name: String,
    kind: InvoiceKind,
    issued_at: String,
    currency: String,
    lines: Vec<InvoiceLine>,
    totals: Totals,
    platform_ref: String,
    line_count: usize,
    content_hash: String,
    received_at: String,
    persisted_at: String,
}

impl From<StoredInvoiceWire> for StoredInvoice {
    fn from(w: StoredInvoiceWire) -> StoredInvoice {
        StoredInvoice {
            invoice: Invoice {
                number: w.number,
                request_serial: w.request_serial,
                seller_tax_id: w.seller_tax_id,
                buyer_tax_id: w.buyer_tax_id,
                buyer_name: w.buyer_name,
                kind: w.kind,
                issued_at: w.issued_at,
                currency: w.currency,
                lines: w.lines,
                totals: w.totals,
            },
            platform_ref: w.platform_ref,
            line_count: w.line_count,
            content_hash: w.content_hash,
            received_at: w.received_at,
            persisted_at: w.persisted_at,
        }
    }
}

/// Which time a reconciliation query filters on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeField {
    /// The invoice's own `issued_at`.
    #[default]
    IssuedAt,
    /// When the platform received it.
    ReceivedAt,
}

/// `POST /v1/invoices/query`: one page of a reconciliation by period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryRequest {
    /// Must be the authenticated seller.
    pub seller_tax_id: String,
    /// Inclusive lower bound (RFC 3339).
    pub from: String,
    /// Exclusive upper bound (RFC 3339).
    pub to: String,
    /// Which time `from`/`to` apply to.
    #[serde(default)]
    pub by: TimeField,
    /// 1..=250; default 100 when absent (`null` is refused, as the schema says).
    #[serde(default, deserialize_with = "present")]
    pub page_size: Option<u32>,
    /// `next_cursor` of the previous page; absent for the first.
    #[serde(default)]
    pub cursor: Option<String>,
}

/// An optional field that, when given, must hold a value: `null` is an error
/// rather than a silent default.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// One page of query results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryPage {
    /// The records on this page, in a stable order.
    pub items: Vec<StoredInvoice>,
    /// Whether another page follows.
    pub has_more: bool,
    /// Pass this as `cursor` for the next page.
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// The platform's write sequence when the first page was served; records written
    /// after it are not in this paging run, so paging never repeats or skips one.
    pub high_water_mark: u64,
}

/// `POST /v1/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The invoice number.
    pub number: String,
    /// The total the buyer has on paper.
    pub total_incl_tax: i64,
}

/// Outcome of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyResult {
    /// The record exists with that total.
    Match,
    /// The record exists with another total.
    Mismatch,
    /// No such record.
    NotFound,
}

/// Answer to `POST /v1/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyResponse {
    /// The invoice number, echoed.
    pub number: String,
    /// The outcome.
    pub result: VerifyResult,
}

/// The platform's operating state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperatingState {
    /// Everything answers.
    Normal,
    /// Faults are active that slow or fail some requests.
    Degraded,
    /// A maintenance window is open: writes answer 503.
    Maintenance,
}

/// A maintenance window announced on `GET /v1/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncedWindow {
    /// Start (RFC 3339, UTC).
    pub starts_at: String,
    /// Planned end (RFC 3339, UTC).
    pub ends_at: String,
    /// Whether reads are refused too.
    pub reads: bool,
}

/// `GET /v1/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformStatus {
    /// Current state.
    pub state: OperatingState,
    /// Open and upcoming maintenance windows.
    #[serde(default)]
    pub windows: Vec<AnnouncedWindow>,
}
