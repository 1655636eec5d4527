//! Fault kinds: one file per kind, each a small settings struct implementing [`Fault`],
//! all listed in [`FaultKind`] (serde-tagged by `kind`).
//!
//! A fault only says *what* it does to a request it has been chosen for, as an
//! [`Effect`] the request path interprets. Whether it is chosen — route, seller,
//! number prefix, `first`, `every`, window, probability, `max` — is the engine's job
//! ([`crate::chaos::engine`]). See `FAULTS.md` for how to add a kind.

use serde::{Deserialize, Serialize};
use tax_api::Route;

use crate::chaos::engine::RequestFacts;
use crate::chaos::plan::RouteTarget;
use crate::chaos::seeded::DecisionRng;

pub use catalog::{KindInfo, CATALOG, TARGETING};
pub use commit_then_reset::CommitThenReset;
pub use commit_then_timeout::CommitThenTimeout;
pub use corrupt::{Corrupt, CorruptTarget};
pub use damage::{Damage, InvoiceField};
pub use drop_after_ack::DropAfterAck;
pub use duplicate::Duplicate;
pub use duplicate_without_pointer::DuplicateWithoutPointer;
pub use effect::Effect;
pub use error_after_commit::ErrorAfterCommit;
pub use latency::Latency;
pub use partial_write::{PartialDrop, PartialWrite};
pub use rate_limit::RateLimit;
pub use reject::Reject;
pub use reset_before_store::ResetBeforeStore;
pub use slow_query::SlowQuery;
pub use stuck_processing::StuckProcessing;
pub use timeout_before_store::TimeoutBeforeStore;
pub use token_expiry::TokenExpiry;
pub use visibility_lag::VisibilityLag;

/// What every fault kind implements. `kind`, `routes` and `effect` are required; the
/// rest have defaults that suit a fault acting on every request it is chosen for.
pub trait Fault {
    /// The `kind` tag, e.g. `"partial_write"`.
    fn kind(&self) -> &'static str;

    /// The routes it can act on, and the one a rule targets when it names none.
    fn routes(&self) -> Routes;

    /// Whether the fault can act on this particular request. Requests it cannot act on
    /// are not counted as matched, so `first`, `every` and `max` count only real chances.
    fn applies(&self, _request: &RequestFacts<'_>) -> bool {
        true
    }

    /// Whether `applies` reads [`RequestFacts::existing`]; the upload path looks the
    /// number up in the store only when some loaded rule says so.
    fn needs_existing(&self) -> bool {
        false
    }

    /// Checks the settings; the message names the setting and what was expected.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }

    /// What the request path does. `rng` is seeded from the decision's identity, so
    /// settings drawn from it are reproducible.
    fn effect(&self, rng: &mut DecisionRng) -> Effect;
}

/// The routes of the `/v1` API that faults can target (`on = "any"`).
pub const API_ROUTES: &[Route] = &[Route::Upload, Route::Get, Route::Query, Route::Verify];

/// Every route a fault can target: the `/v1` routes, and KSeF's authentication and
/// session calls, which only a rule naming them (`on = "auth"`, `on = "session"`)
/// targets.
pub const FAULT_ROUTES: &[Route] = &[
    Route::Upload,
    Route::Get,
    Route::Query,
    Route::Verify,
    Route::Auth,
    Route::Session,
];

/// Which API routes a fault kind can act on, and the one a rule targets when it
/// names none (`on`). A rule naming a route its kind cannot act on is refused when
/// the plan is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Routes {
    /// The route a rule without `on` targets.
    pub default: RouteTarget,
    /// Every route the kind can act on.
    pub supported: &'static [Route],
}

impl Routes {
    /// Uploads only: the fault is about what gets stored.
    pub const UPLOADS: Routes = Routes {
        default: RouteTarget::Upload,
        supported: &[Route::Upload],
    };
    /// Reads only (get, query, verify); queries unless the rule says otherwise.
    pub const READS: Routes = Routes {
        default: RouteTarget::Query,
        supported: &[Route::Get, Route::Query, Route::Verify],
    };
    /// Any route, the four `/v1` ones unless the rule says otherwise.
    pub const ANY: Routes = Routes {
        default: RouteTarget::Any,
        supported: FAULT_ROUTES,
    };
    /// Any route, uploads unless the rule says otherwise.
    pub const ANY_UPLOADS_BY_DEFAULT: Routes = Routes {
        default: RouteTarget::Upload,
        supported: FAULT_ROUTES,
    };
    /// Uploads, and KSeF session calls (which commit too: the session opens or
    /// closes); uploads unless the rule says otherwise.
    pub const UPLOADS_AND_SESSIONS: Routes = Routes {
        default: RouteTarget::Upload,
        supported: &[Route::Upload, Route::Session],
    };

    /// Whether the kind can act on `route`.
    pub fn supports(&self, route: Route) -> bool {
        self.supported.contains(&route)
    }
}

/// A fault kind without settings: its struct (`{}` in a plan, unknown keys refused)
/// and its [`Fault`] impl from the kind tag, its routes, its one effect and any
/// further trait items.
macro_rules! fault_without_settings {
    (
        $(#[$doc:meta])*
        $name:ident, $kind:literal, $routes:expr, $effect:expr
        $(, { $($more:tt)* })?
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {}

        impl $crate::chaos::faults::Fault for $name {
            fn kind(&self) -> &'static str {
                $kind
            }

            fn routes(&self) -> $crate::chaos::faults::Routes {
                $routes
            }

            fn effect(
                &self,
                _rng: &mut $crate::chaos::seeded::DecisionRng,
            ) -> $crate::chaos::faults::Effect {
                $effect
            }

            $($($more)*)?
        }
    };
}

/// Every fault kind, tagged by `kind` in plans (`kind = "partial_write"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer success, store nothing.
    DropAfterAck(DropAfterAck),
    /// Answer 5xx (or an abort code such as 550), store nothing.
    Reject(Reject),
    /// TCP reset before anything is stored.
    ResetBeforeStore(ResetBeforeStore),
    /// Store the record, then reset the connection.
    CommitThenReset(CommitThenReset),
    /// Store the record, then never answer.
    CommitThenTimeout(CommitThenTimeout),
    /// Never answer, store nothing.
    TimeoutBeforeStore(TimeoutBeforeStore),
    /// Store the record, then answer 500.
    ErrorAfterCommit(ErrorAfterCommit),
    /// Answer success, store the header without some lines or fields.
    PartialWrite(PartialWrite),
    /// Answer success, store one field altered.
    Corrupt(Corrupt),
    /// Answer success, store two copies.
    Duplicate(Duplicate),
    /// Answer 409 `DUPLICATE` without `original_ref` to an upload of a known number.
    DuplicateWithoutPointer(DuplicateWithoutPointer),
    /// Store the record, but reads answer 404 for a while.
    VisibilityLag(VisibilityLag),
    /// Accept asynchronously; the submission stays `PROCESSING`.
    StuckProcessing(StuckProcessing),
    /// Delay the answer: fixed, uniform or log-normal.
    Latency(Latency),
    /// Answer 429 `RATE_LIMITED` with `Retry-After`.
    RateLimit(RateLimit),
    /// Answer 401 as if the token had expired.
    TokenExpiry(TokenExpiry),
    /// Delay or hang a read.
    SlowQuery(SlowQuery),
}

impl FaultKind {
    /// The settings as the one trait every kind implements: the only per-kind `match`.
    pub fn as_fault(&self) -> &dyn Fault {
        match self {
            FaultKind::DropAfterAck(f) => f,
            FaultKind::Reject(f) => f,
            FaultKind::ResetBeforeStore(f) => f,
            FaultKind::CommitThenReset(f) => f,
            FaultKind::CommitThenTimeout(f) => f,
            FaultKind::TimeoutBeforeStore(f) => f,
            FaultKind::ErrorAfterCommit(f) => f,
            FaultKind::PartialWrite(f) => f,
            FaultKind::Corrupt(f) => f,
            FaultKind::Duplicate(f) => f,
            FaultKind::DuplicateWithoutPointer(f) => f,
            FaultKind::VisibilityLag(f) => f,
            FaultKind::StuckProcessing(f) => f,
            FaultKind::Latency(f) => f,
            FaultKind::RateLimit(f) => f,
            FaultKind::TokenExpiry(f) => f,
            FaultKind::SlowQuery(f) => f,
        }
    }

    /// The `kind` tag.
    pub fn name(&self) -> &'static str {
        self.as_fault().kind()
    }
}

mod catalog;
mod commit_then_reset;
mod commit_then_timeout;
mod corrupt;
mod damage;
mod drop_after_ack;
mod duplicate;
mod duplicate_without_pointer;
mod effect;
mod error_after_commit;
mod latency;
mod partial_write;
mod rate_limit;
mod reject;
mod reset_before_store;
mod slow_query;
mod stuck_processing;
mod timeout_before_store;
mod token_expiry;
mod visibility_lag;

#[cfg(test)]
mod tests;
