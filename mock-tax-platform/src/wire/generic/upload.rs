//! `POST /v1/invoices`: the upload, in explicit phases so fault effects slot in
//! where they happen on a real platform:
//!
//! 1. authenticate — 401 before anything else;
//! 2. parse — 413, 400; counts the attempt for the number;
//! 3. maintenance gate — an open window answers 503 `MAINTENANCE` (journaled with
//!    the number and the window), then validation — 422;
//! 4. decide — what the platform will do with this attempt ([`UploadDecision`]);
//! 5. store — check-and-insert in one store call ([`crate::store::Store::upload`]);
//! 6. respond — 201 (sync) or 202 (async), or 409 `DUPLICATE`.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use hyper::body::Incoming;
use hyper::Request;
use tax_api::{ApiError, ErrorCode, Invoice, Route, SubmissionAccepted, SubmissionState};

use crate::clock::stamp;
use crate::state::AppState;
use crate::wire::auth;
use crate::wire::commit::commit_upload;
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::{self, Response};
use crate::wire::upload_plan::{plan as upload_plan, UploadPlan};

use super::{authenticated_json, JsonRequest};
use crate::store::submissions::{Outcome, Submission};
use crate::store::{Keep, UploadOutcome};

/// What the platform does with one validated upload attempt: what the store keeps,
/// and the fault rule that chose it when one did (the engine's own answer is
/// [`crate::chaos::engine::Decision`]).
#[derive(Debug, Clone)]
pub struct UploadDecision {
    /// What the store keeps.
    pub keep: Keep,
    /// Name of the fault rule that chose this, for the journal.
    pub rule: Option<String>,
    /// Kind of that fault, for the journal.
    pub fault: Option<String>,
}

impl Default for UploadDecision {
    fn default() -> Self {
        UploadDecision {
            keep: Keep::Intact,
            rule: None,
            fault: None,
        }
    }
}

/// Serves `POST /v1/invoices`.
pub async fn upload(
    state: &Arc<AppState>,
    req: Request<Incoming>,
    exchange: &mut Exchange<'_>,
) -> Result<Response, ApiError> {
    // 1. Authenticate, then 2. parse (the raw body is dropped once parsed).
    let JsonRequest {
        seller,
        conn,
        body: invoice,
    } = authenticated_json::<Invoice>(state, req, exchange).await?;
    let attempt = exchange.count_attempt(&invoice.seller_tax_id, &invoice.number);
    exchange.entry().request_serial = Some(invoice.request_serial.clone());
    // 3. Maintenance gate, once the journal knows which invoice was refused.
    let entered = chaos::enter(state, exchange, Route::Upload)?;
    auth::check_seller(seller.as_deref(), &invoice.seller_tax_id)?;
    tax_api::validate(&invoice)?;
    if exchange.entry().seller_tax_id.is_none() {
        exchange.entry().seller_tax_id = Some(invoice.seller_tax_id.clone());
    }

    // 4. Decide, then wait out any delay with no lock held.
    let hit = chaos::decide_upload(state, &entered, exchange, &invoice, attempt).await;
    let cause = hit.rule.clone().unwrap_or_default();
    let (keep, after) = match upload_plan(hit.effect, &invoice, &cause) {
        UploadPlan::AnswerNow(effect) => {
            return Ok(
                chaos::answer_without_store(state, conn.as_ref(), exchange, &effect)
                    .await
                    .unwrap_or_else(|| respond::error(&ApiError::internal())),
            );
        }
        UploadPlan::DuplicateWithoutPointer => {
            // The platform holds the number: answer "duplicate" without pointing at it.
            return Err(ApiError::duplicate(&invoice.number, None));
        }
        UploadPlan::Store { keep, after } => (keep, after),
    };
    let fault = exchange.entry().fault.clone();
    let decision = UploadDecision {
        keep,
        rule: hit.rule,
        fault,
    };
    exchange.entry().rule.clone_from(&decision.rule);
    exchange.entry().fault.clone_from(&decision.fault);

    // 5. Store.
    let delay = state.config.processing_delay;
    let (now, received_at) = state.clock.now();
    let done_at = now.saturating_add(delay.unwrap_or(Duration::ZERO));
    let outcome = commit_upload(
        state,
        exchange,
        &invoice,
        decision.keep,
        &after,
        &cause,
        (received_at, done_at),
    )
    .outcome;

    // 5b. Effects that act after the commit.
    if let Some(status) = after.error_status {
        exchange.entry().error_code = Some(ErrorCode::Internal);
        return Ok(chaos::error_with_status(&ApiError::internal(), status));
    }
    if let Some(effect) = &after.cut {
        if let Some(response) =
            chaos::answer_without_store(state, conn.as_ref(), exchange, effect).await
        {
            return Ok(response);
        }
    }

    // 6. Respond.
    match delay {
        None if !after.stuck => respond_sync(&invoice.number, outcome),
        _ => Ok(respond_async(
            state,
            Pending {
                seller_tax_id: invoice.seller_tax_id,
                number: invoice.number,
                now,
                done_at,
                stuck: after.stuck,
            },
            outcome,
        )),
    }
}

fn respond_sync(number: &str, outcome: UploadOutcome) -> Result<Response, ApiError> {
    match outcome {
        UploadOutcome::Stored {
            platform_ref,
            received_at,
            ..
        }
        | UploadOutcome::Existing {
            platform_ref,
            received_at,
            same_content: true,
        } => Ok(respond::json_body(
            StatusCode::CREATED,
            accepted_body(number, &platform_ref, &stamp(received_at)),
        )),
        UploadOutcome::Existing { platform_ref, .. } => {
            Err(ApiError::duplicate(number, Some(&platform_ref)))
        }
    }
}

/// The 201 body, byte for byte what `respond::json` writes for [`UploadAccepted`]
/// (a test holds them equal): every upload sends it, and serde's generic path
/// was a visible part of an upload's cost.
fn accepted_body(number: &str, platform_ref: &str, received_at: &str) -> Vec<u8> {
    fn string(body: &mut Vec<u8>, value: &str) {
        // Writing to a Vec cannot fail; serde_json escapes whatever needs it.
        let _ = serde_json::to_writer(&mut *body, value);
    }
    let mut body = Vec::with_capacity(96 + number.len() + platform_ref.len());
    body.extend_from_slice(br#"{"number":"#);
    string(&mut body, number);
    body.extend_from_slice(br#","platform_ref":"#);
    string(&mut body, platform_ref);
    body.extend_from_slice(br#","status":"ISSUED","received_at":"#);
    string(&mut body, received_at);
    body.extend_from_slice(b"}\n");
    body
}

/// An asynchronous submission about to be recorded.
struct Pending {
    seller_tax_id: String,
    number: String,
    now: Duration,
    done_at: Duration,
    stuck: bool,
}

fn respond_async(state: &AppState, pending: Pending, outcome: UploadOutcome) -> Response {
    let Pending {
        seller_tax_id,
        number,
        now,
        done_at,
        stuck,
    } = pending;
    let outcome = match outcome {
        UploadOutcome::Stored { platform_ref, .. }
        | UploadOutcome::Existing {
            platform_ref,
            same_content: true,
            ..
        } => Outcome::Issued { platform_ref },
        UploadOutcome::Existing { platform_ref, .. } => Outcome::Failed {
            state: SubmissionState::Duplicate,
            error: ApiError::duplicate(&number, Some(&platform_ref)),
        },
    };
    let submission_id = state.submissions.create(Submission {
        seller_tax_id,
        number,
        accepted_at: now,
        ready_at: done_at,
        outcome,
        stuck,
    });
    respond::json(
        StatusCode::ACCEPTED,
        &SubmissionAccepted {
            submission_id,
            status: SubmissionState::Received,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tax_api::UploadAccepted;

    #[test]
    fn the_accepted_body_is_what_serde_writes() {
        for number in ["25117000000000000001", "with \"quote\" and \\ and é"] {
            let mut expected = serde_json::to_vec(&UploadAccepted {
                number: number.to_owned(),
                platform_ref: "PLT-0000000042".to_owned(),
                status: SubmissionState::Issued,
                received_at: "2025-05-02T08:57:33.123Z".to_owned(),
            })
            .unwrap();
            expected.push(b'\n');
            let written = accepted_body(number, "PLT-0000000042", "2025-05-02T08:57:33.123Z");
            assert_eq!(String::from_utf8(written), String::from_utf8(expected));
        }
    }
}
