//! Faults on KSeF's authentication and session calls (`on = "auth"`, `on =
//! "session"`): the decision for one call and what it does there. A refusal with
//! status 550 on an authentication is KSeF's own abort: the call is accepted and
//! the authentication's status becomes 550. A 5xx after the commit on a session
//! call answers the error although the session opened or closed. Any other error,
//! a reset or a hang replaces the answer, as on `/v1`.

use tax_api::Route;

use super::super::context::Ctx;
use super::super::errors::KsefError;
use crate::chaos::faults::Effect;
use crate::server::conn::ConnHandle;
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::Response;

/// How the call goes on after the fault decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proceed {
    /// As if no fault fired (a delay may have been waited out).
    Normally,
    /// Accept the authentication, whose status then ends at 550.
    AbortAuth,
    /// Do the call, then answer this 5xx instead of its answer.
    ThenFail(u16),
}

/// The answer a fault gives instead of the call.
pub type Instead = Result<Response, KsefError>;

/// Decides the call `key` (e.g. `session/close`) on `route` by `seller`, waits out
/// any delay, and says how to go on, or gives the answer that replaces the call.
pub async fn decide(
    ctx: &Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
    route: Route,
    key: &str,
    seller: Option<&str>,
) -> Result<Proceed, Instead> {
    // Authentication and session routes pass every maintenance gate: a window
    // refuses them (as writes) before this.
    let entered = chaos::enter(ctx.state, exchange, route).map_err(|e| Err(e.into()))?;
    exchange.entry().seller_tax_id = seller.map(str::to_owned);
    let attempt = ctx
        .state
        .journal
        .next_attempt(route, seller.unwrap_or(""), key);
    exchange.entry().attempt = Some(attempt);
    let facts = chaos::facts(&entered, route, seller, None, key, attempt);
    let hit = chaos::decide(&entered, exchange, &facts);
    chaos::pause(ctx.state, hit.delay).await;
    match hit.effect {
        None => Ok(Proceed::Normally),
        Some(Effect::Respond { status: 550, .. }) if route == Route::Auth => Ok(Proceed::AbortAuth),
        Some(Effect::Respond {
            status,
            code,
            retry_after,
        }) => Err(Err(super::injected(status, code, retry_after))),
        Some(Effect::ErrorAfterCommit { status }) => Ok(Proceed::ThenFail(status)),
        Some(effect) => match chaos::answer_without_store(ctx.state, conn, exchange, &effect).await
        {
            Some(answer) => Err(Ok(answer)),
            // No kind that acts on these routes has another effect.
            None => Ok(Proceed::Normally),
        },
    }
}

/// The answer after the call `key`, which `proceed` may say must fail once done:
/// the journal notes that it was done before the error.
pub fn after(
    exchange: &mut Exchange<'_>,
    key: &str,
    proceed: Proceed,
    done: Result<Response, KsefError>,
) -> Result<Response, KsefError> {
    match (proceed, done) {
        (Proceed::ThenFail(status), Ok(_)) => {
            exchange.entry().note = Some(format!("{key} done, then answered {status}"));
            Err(if (502..=504).contains(&status) {
                KsefError::Gateway {
                    status,
                    retry_after: None,
                }
            } else {
                KsefError::Internal
            })
        }
        (_, done) => done,
    }
}
