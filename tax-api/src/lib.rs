//! The wire contract of the Invoice Chaos mock e-invoice platform.
//!
//! This crate is what a real billing client would depend on: the invoice model,
//! the request and response bodies, the error envelope, validation, the canonical
//! content hash, and the control-plane types (ground truth and journal). It does
//! no I/O, so every other crate in the workspace can share it.
//!
//! # Layout
//!
//! - [`invoice`]: the invoice as uploaded — integer minor units, basis-point tax rates.
//! - [`validate`]: field checks and arithmetic checks (`VALIDATION_FAILED`, `TOTALS_MISMATCH`).
//! - [`hash`]: the canonical encoding and `content_hash` (SHA-256), documented in
//!   `docs/content-hash.md` with test vectors in `tax-api/tests/vectors.json`.
//! - [`error`]: the one error envelope `{code, message, retryable, details}` and its codes.
//! - [`api`]: request and response bodies of the platform's `/v1` routes.
//! - [`control`]: ground-truth records, journal entries and stats served under `/_chaos`.
//! - [`client`]: the client contract a billing system under test speaks (ledger, reconcile).

pub mod api;
pub mod client;
pub mod control;
pub mod error;
pub mod hash;
pub mod invoice;
pub mod validate;

pub use api::{
    OperatingState, PlatformStatus, QueryPage, QueryRequest, StoredInvoice, SubmissionAccepted,
    SubmissionState, SubmissionStatus, TimeField, UploadAccepted, VerifyRequest, VerifyResponse,
    VerifyResult, MAX_PAGE_SIZE,
};
pub use client::{Ledger, LedgerEntry, LedgerStatus, ReconcileSummary};
pub use control::{
    Integrity, JournalEntry, KsefIdentity, Route, StoreEffect, TruthEnd, TruthRecord, TruthSnapshot,
};
pub use error::{ApiError, ErrorCode};
pub use hash::{canonical_encoding, content_hash};
pub use invoice::{Invoice, InvoiceKind, InvoiceLine, Totals};
pub use validate::{expected_tax, validate};
