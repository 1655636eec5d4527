//! Per-invoice status (`GET /v2/sessions/{ref}/invoices/{invoiceRef}`):
//! 100 → 150 → 200 / 430 / 435 / 440 / 450 / 550, or 150 for ever when stuck.

use chrono::TimeDelta;
use http::StatusCode;
use serde_json::{json, Value};

use super::super::context::{self as h, Ctx};
use super::super::dates::rfc3339;
use super::super::errors::KsefError;
use super::super::state::{progress, SentInvoice};
use super::session::owned;
use crate::wire::respond::Response;

/// The `SessionInvoiceStatusResponse` of `inv` as seen now.
pub fn status_body(inv: &SentInvoice, ctx: &Ctx<'_>, origin: &str) -> Value {
    let mut body = json!({
        "ordinalNumber": inv.ordinal,
        "referenceNumber": inv.reference,
        "invoiceHash": inv.invoice_hash,
        "invoicingDate": rfc3339(inv.invoicing_date),
        "invoicingMode": "Online",
    });
    if let Some(code) = progress(inv.accepted, inv.ready_at, ctx.now) {
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
    ksef: &'i super::super::state::Inner,
    reference: &str,
    invoice_ref: &str,
    nip: &str,
) -> Result<&'i SentInvoice, KsefError> {
    owned(ksef, reference, nip)?;
    ksef.by_reference
        .get(invoice_ref)
        .map(|&i| &ksef.invoices[i])
        .filter(|inv| inv.session == reference)
        .ok_or_else(|| {
            KsefError::bad(
                21404,
                "Nie znaleziono faktury o wskazanym numerze referencyjnym.",
                invoice_ref.to_owned(),
            )
        })
}

/// `GET /v2/sessions/{ref}/invoices/{invoiceRef}`.
pub fn status(ctx: &Ctx<'_>, reference: &str, invoice_ref: &str) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let ksef = ctx.state.ksef.lock();
    let inv = find(&ksef, reference, invoice_ref, &grant.nip)?;
    Ok(h::json(
        StatusCode::OK,
        &status_body(inv, ctx, &ctx.origin()),
    ))
}
