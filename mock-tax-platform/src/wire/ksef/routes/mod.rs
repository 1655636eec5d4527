//! The `/v2` routes: one file per group, and the table that dispatches to them.

use http::Method;
use tax_api::{ErrorCode, Route};

use super::context::Ctx;
use super::errors::KsefError;
use crate::chaos::engine::RequestFacts;
use crate::chaos::faults::Effect;
use crate::chaos::Entered;
use crate::server::conn::ConnHandle;
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::Response;

pub mod auth;
pub mod calls;
pub mod download;
pub mod invoice;
pub mod query;
pub mod send;
pub mod session;
pub mod upo;

/// One served `/v2` route, with its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `GET /security/public-key-certificates`.
    Certificates,
    /// `POST /auth/challenge`.
    Challenge,
    /// `POST /auth/ksef-token`.
    KsefToken,
    /// `POST /auth/xades-signature`.
    Xades,
    /// `POST /auth/token/redeem`.
    Redeem,
    /// `POST /auth/token/refresh`.
    Refresh,
    /// `GET /auth/{ref}`.
    AuthStatus(String),
    /// `POST /sessions/online`.
    OpenSession,
    /// `POST /sessions/online/{ref}/invoices`.
    Send(String),
    /// `POST /sessions/online/{ref}/close`.
    Close(String),
    /// `GET /sessions/{ref}`.
    SessionStatus(String),
    /// `GET /sessions/{ref}/invoices` (`false`) and `…/invoices/failed` (`true`).
    List(String, bool),
    /// `GET /sessions/{ref}/invoices/{invoiceRef}`.
    InvoiceStatus(String, String),
    /// `GET /sessions/{ref}/invoices/{invoiceRef}/upo`.
    UpoByReference(String, String),
    /// `GET /sessions/{ref}/invoices/ksef/{ksefNumber}/upo`.
    UpoByKsefNumber(String, String),
    /// `GET /sessions/{ref}/upo/{upoRef}`.
    SessionUpo(String, String),
    /// `POST /invoices/query/metadata`.
    Metadata,
    /// `GET /invoices/ksef/{ksefNumber}`.
    Download(String),
}

/// Every served route as (method, path template), for the docs and the OpenAPI test.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/v2/security/public-key-certificates"),
    ("POST", "/v2/auth/challenge"),
    ("POST", "/v2/auth/ksef-token"),
    ("POST", "/v2/auth/xades-signature"),
    ("GET", "/v2/auth/{referenceNumber}"),
    ("POST", "/v2/auth/token/redeem"),
    ("POST", "/v2/auth/token/refresh"),
    ("POST", "/v2/sessions/online"),
    ("POST", "/v2/sessions/online/{referenceNumber}/invoices"),
    ("POST", "/v2/sessions/online/{referenceNumber}/close"),
    ("GET", "/v2/sessions/{referenceNumber}"),
    ("GET", "/v2/sessions/{referenceNumber}/invoices"),
    ("GET", "/v2/sessions/{referenceNumber}/invoices/failed"),
    (
        "GET",
        "/v2/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}",
    ),
    (
        "GET",
        "/v2/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo",
    ),
    (
        "GET",
        "/v2/sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo",
    ),
    (
        "GET",
        "/v2/sessions/{referenceNumber}/upo/{upoReferenceNumber}",
    ),
    ("POST", "/v2/invoices/query/metadata"),
    ("GET", "/v2/invoices/ksef/{ksefNumber}"),
];

impl Op {
    /// The route a `/v2` request takes, or `None` (404).
    pub fn find(method: &Method, path: &str) -> Option<Op> {
        let rest = path.strip_prefix("/v2/")?;
        let s: Vec<&str> = rest.split('/').collect();
        let p = |i: usize| s[i].to_owned();
        let get = method == Method::GET;
        let post = method == Method::POST;
        Some(match s.as_slice() {
            ["security", "public-key-certificates"] if get => Op::Certificates,
            ["auth", "challenge"] if post => Op::Challenge,
            ["auth", "ksef-token"] if post => Op::KsefToken,
            ["auth", "xades-signature"] if post => Op::Xades,
            ["auth", "token", "redeem"] if post => Op::Redeem,
            ["auth", "token", "refresh"] if post => Op::Refresh,
            ["auth", r] if get && !r.is_empty() => Op::AuthStatus(p(1)),
            ["sessions", "online"] if post => Op::OpenSession,
            ["sessions", "online", r, "invoices"] if post && !r.is_empty() => Op::Send(p(2)),
            ["sessions", "online", r, "close"] if post && !r.is_empty() => Op::Close(p(2)),
            ["sessions", r] if get && !r.is_empty() => Op::SessionStatus(p(1)),
            ["sessions", _, "invoices"] if get => Op::List(p(1), false),
            ["sessions", _, "invoices", "failed"] if get => Op::List(p(1), true),
            ["sessions", _, "invoices", "ksef", _, "upo"] if get => Op::UpoByKsefNumber(p(1), p(4)),
            ["sessions", _, "invoices", r, "upo"] if get && !r.is_empty() => {
                Op::UpoByReference(p(1), p(3))
            }
            ["sessions", _, "invoices", r] if get && !r.is_empty() => Op::InvoiceStatus(p(1), p(3)),
            ["sessions", _, "upo", r] if get && !r.is_empty() => Op::SessionUpo(p(1), p(3)),
            ["invoices", "query", "metadata"] if post => Op::Metadata,
            ["invoices", "ksef", n] if get && !n.is_empty() => Op::Download(p(2)),
            _ => return None,
        })
    }

    /// The route the journal files it under and fault rules target: the send is an
    /// upload, reads are `get`, the metadata query is `query`, the authentication
    /// `auth`, session open and close `session`, the rest `status`.
    pub fn route(&self) -> Route {
        match self {
            Op::Send(_) => Route::Upload,
            Op::KsefToken | Op::Xades => Route::Auth,
            Op::OpenSession | Op::Close(_) => Route::Session,
            Op::Metadata => Route::Query,
            Op::InvoiceStatus(..)
            | Op::UpoByReference(..)
            | Op::UpoByKsefNumber(..)
            | Op::SessionUpo(..)
            | Op::Download(_) => Route::Get,
            _ => Route::Status,
        }
    }

    /// Whether a maintenance window refuses it as a write (auth and session changes).
    fn writes(&self) -> bool {
        matches!(
            self,
            Op::Challenge
                | Op::KsefToken
                | Op::Xades
                | Op::Redeem
                | Op::Refresh
                | Op::OpenSession
                | Op::Close(_)
        )
    }
}

/// Runs the handler of `op`.
pub async fn dispatch(
    op: Op,
    ctx: &mut Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
) -> Result<Response, KsefError> {
    if op.writes() {
        chaos::enter(ctx.state, exchange, Route::Upload).map_err(KsefError::from)?;
    }
    match op {
        Op::Certificates => auth::certificates(ctx),
        Op::Challenge => auth::challenge(ctx),
        Op::KsefToken => Box::pin(auth::ksef_token(ctx, exchange, conn)).await,
        Op::Xades => Box::pin(auth::xades(ctx, exchange, conn)).await,
        Op::AuthStatus(r) => auth::status(ctx, &r),
        Op::Redeem => auth::redeem(ctx),
        Op::Refresh => auth::refresh(ctx),
        Op::OpenSession => {
            let proceed = match session_fault(ctx, exchange, conn, "session/open").await {
                Ok(proceed) => proceed,
                Err(instead) => return instead,
            };
            let done = Box::pin(session::open(ctx)).await;
            calls::after(exchange, "session/open", proceed, done)
        }
        Op::Send(r) => Box::pin(send::send(ctx, exchange, conn, &r)).await,
        Op::Close(r) => {
            let proceed = match session_fault(ctx, exchange, conn, "session/close").await {
                Ok(proceed) => proceed,
                Err(instead) => return instead,
            };
            let done = session::close(ctx, &r);
            calls::after(exchange, "session/close", proceed, done)
        }
        Op::SessionStatus(r) => session::status(ctx, &r),
        Op::List(r, failed) => session::list(ctx, &r, failed),
        Op::InvoiceStatus(r, i) => {
            let entered = chaos::enter(ctx.state, exchange, Route::Get).map_err(KsefError::from)?;
            let key = format!("{r}/{i}");
            let nip = ctx.access()?.nip;
            invoice::name_in_journal(ctx, exchange, &nip, &i);
            let attempt = ctx.state.journal.next_attempt(Route::Get, &nip, &key);
            let facts = chaos::facts(&entered, Route::Get, Some(&nip), None, &key, attempt);
            if let Some(answer) = read_fault(ctx, exchange, conn, &entered, &facts).await {
                return answer;
            }
            invoice::status(ctx, exchange, &r, &i)
        }
        Op::UpoByReference(r, i) => upo::by_reference(ctx, exchange, &r, &i),
        Op::UpoByKsefNumber(r, k) => upo::by_ksef_number(ctx, exchange, &r, &k),
        Op::SessionUpo(r, u) => upo::session_page(ctx, &r, &u),
        Op::Metadata => Box::pin(query::metadata(ctx, exchange, conn)).await,
        Op::Download(k) => Box::pin(download::download(ctx, exchange, conn, &k)).await,
    }
}

/// The fault decision for a session call by the access token's seller.
async fn session_fault(
    ctx: &Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
    key: &str,
) -> Result<calls::Proceed, calls::Instead> {
    let seller = ctx.access().ok().map(|g| g.nip);
    calls::decide(ctx, exchange, conn, Route::Session, key, seller.as_deref()).await
}

/// How an injected error answer looks on the KSeF wire.
pub fn injected(status: u16, code: ErrorCode, retry_after: Option<u64>) -> KsefError {
    match (code, status) {
        (ErrorCode::RateLimited, _) => KsefError::RateLimited {
            retry_after: retry_after.unwrap_or(1),
        },
        (ErrorCode::Unauthorized, _) => KsefError::Unauthorized("Token dostępowy wygasł.".into()),
        (_, 502..=504) => KsefError::Gateway {
            status,
            retry_after,
        },
        _ => KsefError::Internal,
    }
}

/// The fault decision for a read, its delay, and the answer a fault gives instead
/// of the read (an error, a reset, a hang); `None`: go on and read.
pub async fn read_fault(
    ctx: &Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
    entered: &Entered,
    facts: &RequestFacts<'_>,
) -> Option<Result<Response, KsefError>> {
    let hit = chaos::decide(entered, exchange, facts);
    chaos::pause(ctx.state, hit.delay).await;
    match hit.effect? {
        Effect::Respond {
            status,
            code,
            retry_after,
        } => Some(Err(injected(status, code, retry_after))),
        e @ (Effect::Reset { .. } | Effect::Hang { .. }) => {
            chaos::answer_without_store(ctx.state, conn, exchange, &e)
                .await
                .map(Ok)
        }
        _ => None,
    }
}
