//! The client contract (DESIGN §3) served over HTTP/1.1 with hyper:
//! `GET /healthz`, `POST /invoices`, `POST /reconcile`, `GET /ledger`; plus
//! `GET /stats` (counts by status), a cheap way to watch delivery settle.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use serde::Serialize;
use tax_api::{ApiError, ErrorCode, Invoice, Ledger};
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::deliver::Ctx;
use crate::outbox::{now_ms, Intake};
use crate::reconcile::Reconciler;

/// Every route the client serves, as (method, path): what
/// `docs/openapi/client-contract.yaml` documents, checked by a test.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("POST", "/invoices"),
    ("POST", "/reconcile"),
    ("GET", "/ledger"),
    ("GET", "/stats"),
];

/// Largest `POST /invoices` body accepted.
const MAX_BODY: usize = 1 << 20;

/// What the request handlers share.
pub(crate) struct App {
    pub ctx: Arc<Ctx>,
    pub wake: Arc<Notify>,
    pub reconciler: Arc<Reconciler>,
}

type Resp = Response<Full<Bytes>>;

/// The 202 body of `POST /invoices`.
#[derive(Serialize)]
struct Accepted<'a> {
    number: &'a str,
}

fn json(status: StatusCode, body: &impl Serialize) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Full::new(Bytes::from(bytes)));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    resp
}

fn error(err: &ApiError) -> Resp {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json(status, err)
}

async fn handle(app: Arc<App>, req: Request<Incoming>) -> Result<Resp, Infallible> {
    let resp = match (req.method(), req.uri().path()) {
        (&Method::GET, "/healthz") => json(StatusCode::OK, &serde_json::json!({"status": "ok"})),
        (&Method::POST, "/invoices") => intake(&app, req).await,
        (&Method::POST, "/reconcile") => match app.reconciler.run().await {
            Ok(summary) => json(StatusCode::OK, &summary),
            Err(e) => {
                tracing::warn!(error = %e, "reconciliation failed");
                error(&ApiError::new(ErrorCode::SystemAborted, e.to_string()))
            }
        },
        (&Method::GET, "/ledger") => match app.ctx.outbox.ledger().await {
            Ok(entries) => json(StatusCode::OK, &Ledger { entries }),
            Err(e) => {
                tracing::error!(error = %e, "reading the ledger failed");
                error(&ApiError::internal())
            }
        },
        (&Method::GET, "/stats") => match app.ctx.outbox.counts().await {
            Ok(counts) => json(StatusCode::OK, &counts),
            Err(e) => {
                tracing::error!(error = %e, "counting the outbox failed");
                error(&ApiError::internal())
            }
        },
        (_, "/healthz" | "/invoices" | "/reconcile" | "/ledger" | "/stats") => {
            error(&ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} is not allowed on {}", req.method(), req.uri().path()),
            ))
        }
        (_, path) => error(&ApiError::not_found(format!(
            "no route {path}; expected /healthz, /invoices, /reconcile, /ledger or /stats"
        ))),
    };
    Ok(resp)
}

async fn intake(app: &App, req: Request<Incoming>) -> Resp {
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return error(&ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!("expected an invoice of at most {MAX_BODY} bytes: {e}"),
            ))
        }
    };
    let invoice: Invoice = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => {
            return error(&ApiError::validation(
                "body",
                format!("expected one invoice as JSON: {e}"),
            ))
        }
    };
    let ours = &app.ctx.config.seller_id;
    if &invoice.seller_tax_id != ours {
        return error(&ApiError::validation(
            "seller_tax_id",
            format!(
                "expected seller_tax_id {ours}, found {}",
                invoice.seller_tax_id
            ),
        ));
    }
    if invoice.number.trim().is_empty() || invoice.request_serial.trim().is_empty() {
        return error(&ApiError::validation(
            "number",
            "number and request_serial must not be empty",
        ));
    }
    let number = invoice.number.clone();
    let deadline = i64::try_from(app.ctx.config.delivery_deadline.as_millis()).unwrap_or(i64::MAX);
    match app
        .ctx
        .outbox
        .accept(invoice, now_ms().saturating_add(deadline))
        .await
    {
        Ok(Intake::New) => {
            app.wake.notify_one();
            json(StatusCode::ACCEPTED, &Accepted { number: &number })
        }
        Ok(Intake::Same) => json(StatusCode::ACCEPTED, &Accepted { number: &number }),
        Ok(Intake::Conflict) => error(&ApiError::duplicate(&number, None)),
        Err(e) => {
            tracing::error!(error = %e, "storing an invoice failed");
            error(&ApiError::internal())
        }
    }
}

/// Serves the contract until `shutdown` resolves, then lets open connections finish
/// (for at most five seconds).
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let svc = hyper::service::service_fn(move |req| handle(app.clone(), req));
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(5)) => {}
    }
}
