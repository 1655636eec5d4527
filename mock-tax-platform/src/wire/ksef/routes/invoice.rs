//! Per-invoice status (`GET /v2/sessions/{ref}/invoices/{invoiceRef}`):
//! 100 → 150 → 200 / 430 / 435 / 440 / 450 / 550, or 150 for ever when stuck.
//! Each poll is journaled under the invoice's number with the status it showed,
//! so a violation's causal chain tells the KSeF story.

use chrono::TimeDelta;
use http::StatusCode;
use serde_json::{json, Value};

use super::super::context::{self as h, Ctx};
use super::super::dates::rfc3339;
use super::super::errors::KsefError;
use super::super::state::{shown, Inner, SentInvoice};
use super::session::owned;
use crate::wire::exchange::Exchange;
use crate::wire::respond::Response;

/// The `SessionInvoiceStatusResponse` of `inv` as seen now by its `poll`-th status
/// poll (`None`: a listing).
pub fn status_body(inv: &SentInvoice, ctx: &Ctx<'_>, origin: &str, poll: Option<u32>) -> Value {
    let mut body = json!({
        "ordinalNumber": inv.ordinal,
        "referenceNumber": inv.reference,
        "invoiceHash": inv.invoice_hash,
        "invoicingDate": rfc3339(inv.invoicing_date),
        "invoicingMode": "Online",
    });
    if let Some(code) = shown(inv, poll, ctx.now) {
        let description = if code == 100 {
            "Przyjęto fakturę do dalszego przetwarzania"
        } else {
            "Trwa przetwarzanie"
        };
        body["status"] = json!({"code": code, "description": description});
        return body;
    }
    let o = &inv.outcome;
    let mut status = json!({"code": o.code, "description": o.description});
    if !o.details.is_empty() {
        status["details"] = json!(o.details);
    }
    if let Some(ext) = &o.extensions {
        status["extensions"] = ext.clone();
    }
    body["status"] = status;
    if let Some(issued) = inv.issued.as_ref().filter(|_| o.code == 200) {
        body["invoiceNumber"] = json!(issued.number);
        body["ksefNumber"] = json!(issued.ksef_number);
        body["acquisitionDate"] = json!(rfc3339(issued.acquired));
        if ctx.now >= issued.visible_from {
            body["permanentStorageDate"] = json!(rfc3339(issued.stored));
        }
        body["upoDownloadUrl"] = json!(format!(
            "{origin}/v2/sessions/{}/invoices/{}/upo",
            inv.session, inv.reference
        ));
        body["upoDownloadUrlExpirationDate"] = json!(rfc3339(ctx.wall + TimeDelta::days(3)));
    }
    body
}

/// The invoice `invoice_ref` of session `reference`, for the context NIP.
pub fn find<'i>(
    ksef: &'i Inner,
    reference: &str,
    invoice_ref: &str,
    nip: &str,
) -> Result<&'i SentInvoice, KsefError> {
    let i = find_index(ksef, reference, invoice_ref, nip)?;
    Ok(&ksef.invoices[i])
}

/// The index of [`find`]'s invoice.
fn find_index(
    ksef: &Inner,
    reference: &str,
    invoice_ref: &str,
    nip: &str,
) -> Result<usize, KsefError> {
    owned(ksef, reference, nip)?;
    ksef.by_reference
        .get(invoice_ref)
        .copied()
        .filter(|&i| ksef.invoices[i].session == reference)
        .ok_or_else(|| {
            KsefError::bad(
                21404,
                "Nie znaleziono faktury o wskazanym numerze referencyjnym.",
                invoice_ref.to_owned(),
            )
        })
}

/// Files the request under the invoice's number in the journal, when the invoice
/// is known and its XML was read: before any fault decision, so a faulted poll is
/// in the chain too.
pub fn name_in_journal(ctx: &Ctx<'_>, exchange: &mut Exchange<'_>, nip: &str, invoice_ref: &str) {
    let number = {
        let ksef = ctx.state.ksef.lock();
        ksef.by_reference
            .get(invoice_ref)
            .map(|&i| &ksef.invoices[i])
            .filter(|inv| {
                ksef.sessions
                    .get(&inv.session)
                    .is_some_and(|s| s.nip == nip)
            })
            .and_then(|inv| inv.number.clone())
    };
    let entry = exchange.entry();
    entry.seller_tax_id = Some(nip.to_owned());
    if number.is_some() {
        entry.number = number;
    }
}

/// The journal note of a status answer: the code, and the KSeF number once
/// issued or the original's on a duplicate.
fn note(body: &Value) -> String {
    let status = &body["status"];
    let mut note = format!("status {}", status["code"]);
    if let Some(n) = body["ksefNumber"].as_str() {
        note.push_str(&format!(" ksefNumber={n}"));
    }
    if let Some(n) = status["extensions"]["originalKsefNumber"].as_str() {
        note.push_str(&format!(" originalKsefNumber={n}"));
    }
    note
}

/// `GET /v2/sessions/{ref}/invoices/{invoiceRef}`.
pub fn status(
    ctx: &Ctx<'_>,
    exchange: &mut Exchange<'_>,
    reference: &str,
    invoice_ref: &str,
) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let body = {
        let mut ksef = ctx.state.ksef.lock();
        let i = find_index(&ksef, reference, invoice_ref, &grant.nip)?;
        let inv = &mut ksef.invoices[i];
        let poll = inv.polls;
        inv.polls = inv.polls.saturating_add(1);
        status_body(inv, ctx, &ctx.origin(), Some(poll))
    };
    exchange.entry().note = Some(note(&body));
    Ok(h::json(StatusCode::OK, &body))
}
