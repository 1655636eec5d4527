//! The effect a chosen fault has on one request, interpreted by the request path.

use std::time::Duration;

use tax_api::ErrorCode;

use super::Damage;

/// What the request path does for a request a fault was chosen for. Delays are
/// awaited outside any lock; everything else replaces or alters the normal handling.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Wait, then handle the request normally (latency, a slow read).
    Delay(Duration),
    /// Answer with this error and store nothing.
    Respond {
        /// HTTP status; may be non-standard (e.g. 550).
        status: u16,
        /// Error code in the envelope.
        code: ErrorCode,
        /// `Retry-After` seconds, when the answer carries one.
        retry_after: Option<u64>,
    },
    /// Reset the TCP connection (SO_LINGER 0); store first when `commit`.
    Reset {
        /// Whether the record is stored before the reset.
        commit: bool,
    },
    /// Hold the connection without answering until the client gives up or the server
    /// shuts down; store first when `commit`.
    Hang {
        /// Whether the record is stored before the hang.
        commit: bool,
    },
    /// Answer as if stored, store nothing.
    AckWithoutStore,
    /// Store a damaged copy, answer success.
    StoreDamaged(Damage),
    /// Store the record, then answer this 5xx status.
    ErrorAfterCommit {
        /// HTTP status sent after the commit.
        status: u16,
    },
    /// Store two copies under different platform references, answer success.
    StoreTwice,
    /// The number is already known: answer 409 `DUPLICATE` without `original_ref`.
    StripOriginalRef,
    /// Store normally, but reads of this record answer 404 for this long.
    HideFor(Duration),
    /// Accept asynchronously; the submission stays `PROCESSING`; store when `store`.
    StuckProcessing {
        /// Whether the record is stored although the submission never completes.
        store: bool,
    },
}

impl Effect {
    /// Whether this effect lets normal handling continue after it (only delays do).
    pub fn is_delay(&self) -> bool {
        matches!(self, Effect::Delay(_))
    }
}
