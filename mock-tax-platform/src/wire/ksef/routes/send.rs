//! `POST /v2/sessions/online/{ref}/invoices`: the KSeF upload. Synchronous checks
//! (token, session, encrypted size and hash: 400 21402/21403), the maintenance
//! gate, then what KSeF does asynchronously, decided here at once and revealed by
//! the status over the processing delay: decrypt (435), verify and parse FA(3)
//! (430), check the seller (410), then the same fault decision and store phase as
//! `POST /v1/invoices` (`chaos::upload::plan`), rendered the KSeF way.

use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use tax_api::{Invoice, Route};

use super::super::context::{self as h, Ctx};
use super::super::crypto::{aes_decrypt, b64_decode, sha256_b64};
use super::super::errors::KsefError;
use super::super::fa3;
use super::super::ids::{ksef_number, reference_number, RefKind};
use super::super::state::{Issued, Outcome, SentInvoice};
use super::session::owned;
use crate::chaos::faults::Effect;
use crate::server::conn::ConnHandle;
use crate::store::UploadOutcome;
use crate::wire::commit::{commit_upload, Committed};
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::Response;
use crate::wire::upload_plan::{plan as upload_plan, UploadPlan};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendRequest {
    invoice_hash: String,
    invoice_size: u64,
    encrypted_invoice_hash: String,
    encrypted_invoice_size: u64,
    encrypted_invoice_content: String,
}

/// What one send leaves behind, before it is recorded.
struct Sent {
    session: String,
    invoice_hash: String,
    accepted: Duration,
    ready_at: Duration,
    outcome: Outcome,
    issued: Option<Issued>,
    /// `Fa/P_2`, once read.
    number: Option<String>,
}

/// Serves the send.
pub async fn send(
    ctx: &mut Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
    reference: &str,
) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    exchange.entry().seller_tax_id = Some(grant.nip.clone());
    let req: SendRequest = ctx.json().await?;
    let (key, iv) = {
        let ksef = ctx.state.ksef.lock();
        let session = owned(&ksef, reference, &grant.nip)?;
        if session.closed.is_some() {
            return Err(KsefError::bad(
                21180,
                "Status sesji nie pozwala na wykonanie operacji.",
                "the session is closed",
            ));
        }
        (session.key, session.iv)
    };
    let ct = b64_decode(&req.encrypted_invoice_content)
        .ok_or_else(|| KsefError::validation("encryptedInvoiceContent is not base64"))?;
    if ct.len() as u64 != req.encrypted_invoice_size {
        return Err(KsefError::bad(
            21402,
            "Nieprawidłowy rozmiar pliku.",
            format!(
                "encryptedInvoiceSize {} but the content has {} bytes",
                req.encrypted_invoice_size,
                ct.len()
            ),
        ));
    }
    if sha256_b64(&ct) != req.encrypted_invoice_hash {
        return Err(KsefError::bad(
            21403,
            "Nieprawidłowy skrót pliku.",
            "encryptedInvoiceHash is not the SHA-256 of the content",
        ));
    }
    let state = ctx.state;
    let entered = chaos::enter(state, exchange, Route::Upload).map_err(KsefError::from)?;
    let delay = state.config.processing_delay.unwrap_or(Duration::ZERO);
    let mut sent = Sent {
        session: reference.to_owned(),
        invoice_hash: req.invoice_hash.clone(),
        accepted: ctx.now,
        ready_at: ctx.now.saturating_add(delay),
        outcome: Outcome::new(200, "Sukces"),
        issued: None,
        number: None,
    };
    // What KSeF checks after accepting: each failure is a status, not an HTTP error.
    let plain = match aes_decrypt(&key, &iv, &ct) {
        Some(p) => p,
        None => {
            sent.outcome = Outcome::new(435, "Błąd odszyfrowania pliku")
                .with_detail("the content does not decrypt with the session's AES key and IV");
            return Ok(record(ctx, exchange, sent));
        }
    };
    if plain.len() as u64 != req.invoice_size || sha256_b64(&plain) != req.invoice_hash {
        sent.outcome = Outcome::new(430, "Błąd weryfikacji pliku faktury")
            .with_detail("invoiceHash or invoiceSize does not match the decrypted invoice");
        return Ok(record(ctx, exchange, sent));
    }
    let (invoice, facts) = match fa3::read(&plain) {
        Ok(read) => read,
        Err(e) => {
            sent.outcome =
                Outcome::new(430, "Błąd weryfikacji pliku faktury").with_detail(e.to_string());
            return Ok(record(ctx, exchange, sent));
        }
    };
    sent.number = Some(invoice.number.clone());
    exchange.entry().number = Some(invoice.number.clone());
    if invoice.seller_tax_id != grant.nip {
        sent.outcome = Outcome::new(410, "Nieprawidłowy zakres uprawnień").with_detail(format!(
            "Podmiot1 NIP {} is not the session's context {}",
            invoice.seller_tax_id, grant.nip
        ));
        return Ok(record(ctx, exchange, sent));
    }

    // The same decision as `/v1`: one attempt counter per (seller, number).
    let attempt = exchange.count_attempt(&invoice.seller_tax_id, &invoice.number);
    let hit = chaos::decide_upload(state, &entered, exchange, &invoice, attempt).await;
    let cause = hit.rule.clone().unwrap_or_default();
    let (keep, after) = match upload_plan(hit.effect, &invoice, &cause) {
        UploadPlan::AnswerNow(Effect::Respond { status: 550, .. }) => {
            sent.outcome = Outcome::new(550, "Operacja została anulowana przez system")
                .with_detail("Przetwarzanie zostało przerwane z przyczyn wewnętrznych systemu. Spróbuj ponownie.");
            return Ok(record(ctx, exchange, sent));
        }
        UploadPlan::AnswerNow(Effect::Respond {
            status,
            code,
            retry_after,
        }) => {
            return Err(super::injected(status, code, retry_after));
        }
        UploadPlan::AnswerNow(effect) => {
            return Ok(chaos::answer_without_store(state, conn, exchange, &effect)
                .await
                .unwrap_or_else(|| KsefError::Internal.render(false, "", ctx.wall)));
        }
        UploadPlan::DuplicateWithoutPointer => {
            sent.outcome = duplicate(None, &invoice);
            return Ok(record(ctx, exchange, sent));
        }
        UploadPlan::Store { keep, after } => (keep, after),
    };

    // Store, as `/v1` does.
    let (now, received_at) = state.clock.now();
    let done_at = now.saturating_add(delay);
    let Committed {
        outcome,
        persisted_at,
        visible_from,
    } = commit_upload(
        state,
        exchange,
        &invoice,
        keep,
        &after,
        &cause,
        (received_at, done_at),
    );
    sent.ready_at = if after.stuck { Duration::MAX } else { done_at };
    match outcome {
        UploadOutcome::Stored {
            platform_ref, kept, ..
        } => {
            sent.issued = Some(Issued {
                ksef_number: String::new(),
                twin: (after.copies > 1).then(String::new),
                seller: invoice.seller_tax_id.clone(),
                number: invoice.number.clone(),
                platform_ref,
                kept,
                original: Arc::from(plain),
                sent_hash: tax_api::content_hash(&invoice),
                invoice,
                facts,
                acquired: state.clock.wall_at(done_at),
                stored: persisted_at,
                visible_from,
            });
        }
        UploadOutcome::Existing { .. } => {
            let original = {
                let ksef = state.ksef.lock();
                ksef.by_key
                    .get(&(
                        invoice.seller_tax_id.clone(),
                        facts.invoice_type.clone(),
                        invoice.number.clone(),
                    ))
                    .and_then(|&i| {
                        let inv = &ksef.invoices[i];
                        inv.issued
                            .as_ref()
                            .map(|is| (is.ksef_number.clone(), inv.session.clone()))
                    })
            };
            sent.outcome = duplicate(original, &invoice);
        }
    }
    let response = record(ctx, exchange, sent);
    // Effects after the commit: the invoice is recorded and will be issued, but
    // the client hears an error or nothing.
    if let Some(status) = after.error_status {
        return Err(if (502..=504).contains(&status) {
            KsefError::Gateway {
                status,
                retry_after: None,
            }
        } else {
            KsefError::Internal
        });
    }
    if let Some(effect) = &after.cut {
        if let Some(cut) = chaos::answer_without_store(state, conn, exchange, effect).await {
            return Ok(cut);
        }
    }
    Ok(response)
}

/// Status 440; with the original's KSeF number and session when `original` is known.
fn duplicate(original: Option<(String, String)>, invoice: &Invoice) -> Outcome {
    let mut outcome = Outcome::new(440, "Duplikat faktury");
    match original {
        Some((ksef, session)) => {
            outcome = outcome.with_detail(format!(
                "Duplikat faktury. Faktura o numerze KSeF: {ksef} została już prawidłowo przesłana do systemu w sesji: {session}"
            ));
            outcome.extensions = Some(json!({
                "originalSessionReferenceNumber": session,
                "originalKsefNumber": ksef,
            }));
        }
        None => {
            outcome = outcome.with_detail(format!(
                "Duplikat faktury. Faktura o numerze {} została już przesłana do systemu.",
                invoice.number
            ));
        }
    }
    outcome
}

/// Records the sent invoice (minting its reference and, when issued, its KSeF
/// numbers) and answers 202.
fn record(ctx: &Ctx<'_>, exchange: &mut Exchange<'_>, sent: Sent) -> Response {
    let seed = ctx.state.config.seed;
    let mut ksef = ctx.state.ksef.lock();
    let n = ksef.next_seq();
    let reference = reference_number(RefKind::Invoice, ctx.wall, seed, n);
    let index = ksef.invoices.len();
    let mut note = format!(
        "send ksef_session={} ksef_invoice_ref={reference}",
        sent.session
    );
    let mut issued = sent.issued;
    if let Some(is) = issued.as_mut() {
        is.ksef_number = ksef_number(&is.seller, is.acquired, seed, n);
        ksef.by_ksef_number.insert(is.ksef_number.clone(), index);
        if let Some(twin) = is.twin.as_mut() {
            let m = ksef.next_seq();
            *twin = ksef_number(&is.seller, is.acquired, seed, m);
            ksef.by_ksef_number.insert(twin.clone(), index);
        }
        ksef.by_key.insert(
            (
                is.seller.clone(),
                is.facts.invoice_type.clone(),
                is.number.clone(),
            ),
            index,
        );
        ksef.by_platform_ref.insert(is.platform_ref.clone(), index);
        note.push_str(&format!(" ksef_number={}", is.ksef_number));
    }
    let ordinal = match ksef.sessions.get_mut(&sent.session) {
        Some(session) => {
            session.invoices.push(index);
            session.updated = ctx.wall;
            session.invoices.len()
        }
        None => 0,
    };
    ksef.by_reference.insert(reference.clone(), index);
    ksef.invoices.push(SentInvoice {
        reference: reference.clone(),
        session: sent.session,
        ordinal,
        invoice_hash: sent.invoice_hash,
        invoicing_date: ctx.wall,
        accepted: sent.accepted,
        ready_at: sent.ready_at,
        outcome: sent.outcome,
        issued,
        number: sent.number,
        polls: 0,
    });
    exchange.entry().note = Some(note);
    h::json(StatusCode::ACCEPTED, &json!({"referenceNumber": reference}))
}
