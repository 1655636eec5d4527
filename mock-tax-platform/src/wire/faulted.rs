//! What a request handler calls: the maintenance gate, the fault decision, and the
//! effects that act on the connection itself (delay, reset, hang).
//!
//! Every wait here is an `.await` that ends when the server shuts down, and none is
//! entered with a lock held.

use std::time::Duration;

use http::StatusCode;
use tax_api::{ApiError, ErrorCode, Route};

use crate::chaos::engine::RequestFacts;
use crate::chaos::faults::Effect;
use crate::chaos::maintenance::Gate;
use crate::chaos::Entered;
use crate::server::conn::ConnHandle;
use crate::state::AppState;
use crate::wire::exchange::Exchange;
use crate::wire::respond::{self, Response};

/// The engine's verdict for one request, with the rule named for the journal.
#[derive(Debug, Clone, Default)]
pub struct Hit {
    /// Delay to await before acting.
    pub delay: Duration,
    /// The outcome-deciding effect, if any.
    pub effect: Option<Effect>,
    /// The fired rules' names (joined with `+`), also the `cause` of damaged records.
    pub rule: Option<String>,
}

/// The plan's view of this request — engine, plan time — or 503 `MAINTENANCE` with
/// `Retry-After` when a window refuses this route now.
/// A refused request's journal entry names the window (`rule`) and `maintenance` (`fault`).
pub fn enter(
    state: &AppState,
    exchange: &mut Exchange<'_>,
    route: Route,
) -> Result<Entered, ApiError> {
    let entered = state.chaos.enter(route, exchange.arrived());
    match &entered.gate {
        None => Ok(entered),
        Some(Gate {
            window,
            retry_after_secs,
        }) => {
            let entry = exchange.entry();
            entry.rule = Some(window.clone());
            entry.fault = Some("maintenance".to_owned());
            Err(ApiError::new(
                ErrorCode::Maintenance,
                format!(
                    "the platform is in maintenance ({window}); retry after {retry_after_secs}s"
                ),
            )
            .with_detail("window", window.as_str())
            .with_detail("retry_after_secs", *retry_after_secs))
        }
    }
}

/// The facts of a request about `key`.
pub fn facts<'a>(
    entered: &Entered,
    route: Route,
    seller: Option<&'a str>,
    number: Option<&'a str>,
    key: &'a str,
    attempt: u32,
) -> RequestFacts<'a> {
    RequestFacts {
        route,
        seller,
        number,
        key,
        attempt,
        elapsed: entered.plan_time,
        existing: false,
    }
}

/// Asks the engine and notes the fired rules in the journal entry.
pub fn decide(entered: &Entered, exchange: &mut Exchange<'_>, facts: &RequestFacts<'_>) -> Hit {
    let decision = entered.engine.decide(facts);
    if decision.is_clean() {
        return Hit::default();
    }
    let rule = decision.rule_label();
    let entry = exchange.entry();
    entry.rule.clone_from(&rule);
    entry.fault = decision.kind_label();
    Hit {
        delay: decision.delay,
        effect: decision.effect,
        rule,
    }
}

/// The fault decision for one upload, in any dialect: one attempt counter per
/// (seller, number), the record's existence asked only when a rule needs it, and
/// the delay waited out with no lock held.
pub async fn decide_upload(
    state: &AppState,
    entered: &Entered,
    exchange: &mut Exchange<'_>,
    invoice: &tax_api::Invoice,
    attempt: u32,
) -> Hit {
    let mut facts = facts(
        entered,
        Route::Upload,
        Some(&invoice.seller_tax_id),
        Some(&invoice.number),
        &invoice.number,
        attempt,
    );
    facts.existing = entered.engine.needs_existing(&facts)
        && state.store.holds(&invoice.seller_tax_id, &invoice.number);
    let hit = decide(entered, exchange, &facts);
    pause(state, hit.delay).await;
    hit
}

/// Waits `delay`, or less if the server starts shutting down.
pub async fn pause(state: &AppState, delay: Duration) {
    if delay.is_zero() {
        return;
    }
    tokio::select! {
        () = tokio::time::sleep(delay) => {}
        () = state.shutting_down() => {}
    }
}

/// An error answer with a status the code alone would not give (502, 550, …).
pub fn error_with_status(err: &ApiError, status: u16) -> Response {
    let mut response = respond::error(err);
    if let Ok(status) = StatusCode::from_u16(status) {
        *response.status_mut() = status;
    }
    response
}

/// Answers an effect that replaces the response without touching the store
/// (`Respond`, `Reset`, `Hang`); `None` for any other effect.
pub async fn answer_without_store(
    state: &AppState,
    conn: Option<&ConnHandle>,
    exchange: &mut Exchange<'_>,
    effect: &Effect,
) -> Option<Response> {
    match effect {
        Effect::Respond {
            status,
            code,
            retry_after,
        } => {
            let mut err = ApiError::new(*code, injected_message(*code));
            if let Some(secs) = retry_after {
                err = err.with_detail("retry_after_secs", *secs);
            }
            exchange.entry().error_code = Some(*code);
            Some(error_with_status(&err, *status))
        }
        Effect::Reset { .. } => Some(reset(conn, exchange).await),
        Effect::Hang { .. } => Some(hang(state, conn, exchange).await),
        _ => None,
    }
}

fn injected_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::RateLimited => "too many requests; retry after the time in Retry-After",
        ErrorCode::Unauthorized => "the bearer token has expired",
        ErrorCode::Internal => "the platform failed to process the request",
        _ => "the platform aborted processing; submit again later",
    }
}

/// Cuts the connection with a TCP RST. The journal gets the entry now, without a
/// status; the returned future never completes (it is dropped with the connection).
pub async fn reset(conn: Option<&ConnHandle>, exchange: &mut Exchange<'_>) -> Response {
    exchange.record_unanswered();
    match conn {
        Some(conn) => {
            conn.reset();
            std::future::pending::<Response>().await
        }
        None => respond::error(&ApiError::internal()),
    }
}

/// Holds the connection without answering until the client closes it or the server
/// shuts down, then resets it. The journal gets the entry now, without a status.
pub async fn hang(
    state: &AppState,
    conn: Option<&ConnHandle>,
    exchange: &mut Exchange<'_>,
) -> Response {
    exchange.record_unanswered();
    match conn {
        Some(conn) => {
            tokio::select! {
                () = conn.closed_by_peer() => {}
                () = state.shutting_down() => {}
            }
            reset(Some(conn), exchange).await
        }
        None => {
            state.shutting_down().await;
            respond::error(&ApiError::internal())
        }
    }
}

/// Everything a read route does before reading, after [`enter`]: the decision, its
/// delay, and any answer a fault gives instead (an error, a reset, a hang).
/// `Some(_)`: send that instead of reading.
pub async fn before_read(
    state: &AppState,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
    entered: &Entered,
    facts: &RequestFacts<'_>,
) -> Option<Response> {
    let hit = decide(entered, exchange, facts);
    pause(state, hit.delay).await;
    match &hit.effect {
        Some(effect) => answer_without_store(state, conn, exchange, effect).await,
        None => None,
    }
}
