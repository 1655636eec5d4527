//! UPO downloads (research §1.5): per invoice by reference or KSeF number, and the
//! session's page. 400 21178 until the UPO exists. The XML is unsigned (no client
//! checks MF's signature). A per-invoice UPO is journaled under the invoice's
//! number, with whether it was there.

use std::fmt::Write as _;

use http::StatusCode;

use super::super::context::{self as h, Ctx};
use super::super::dates::rfc3339;
use super::super::errors::KsefError;
use super::super::state::{progress, Inner, SentInvoice};
use super::invoice::find;
use super::session::{owned, session_status};
use crate::wire::exchange::Exchange;
use crate::wire::respond::Response;

fn not_ready(what: &str) -> KsefError {
    KsefError::bad(
        21178,
        "Nie znaleziono UPO dla wskazanych parametrów.",
        what.to_owned(),
    )
}

fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The `<Dokument>` of an issued invoice; `None` while it is not issued.
fn document(inv: &SentInvoice, ctx: &Ctx<'_>) -> Option<String> {
    if progress(inv.accepted, inv.ready_at, ctx.now).is_some() || inv.outcome.code != 200 {
        return None;
    }
    let is = inv.issued.as_ref()?;
    Some(format!(
        "<Dokument><NipSprzedawcy>{}</NipSprzedawcy><NumerKSeFDokumentu>{}</NumerKSeFDokumentu>\
         <NumerFaktury>{}</NumerFaktury><DataWystawieniaFaktury>{}</DataWystawieniaFaktury>\
         <DataPrzeslaniaDokumentu>{}</DataPrzeslaniaDokumentu><DataNadaniaNumeruKSeF>{}</DataNadaniaNumeruKSeF>\
         <SkrotDokumentu>{}</SkrotDokumentu><TrybWysylki>Online</TrybWysylki></Dokument>",
        esc(&is.seller),
        is.ksef_number,
        esc(&is.number),
        esc(&is.facts.issue_date),
        rfc3339(inv.invoicing_date),
        rfc3339(is.acquired),
        inv.invoice_hash,
    ))
}

fn upo(session: &str, nip: &str, documents: &[String]) -> Response {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Potwierdzenie xmlns=\"http://upo.schematy.mf.gov.pl/KSeF/v4-3\">",
    );
    let _ = write!(
        x,
        "<NazwaPodmiotuPrzyjmujacego>Ministerstwo Finansów (Invoice Chaos mock)</NazwaPodmiotuPrzyjmujacego>\
         <NumerReferencyjnySesji>{session}</NumerReferencyjnySesji><Uwierzytelnienie><IdKontekstu><Nip>{nip}</Nip>\
         </IdKontekstu></Uwierzytelnienie>"
    );
    for d in documents {
        x.push_str(d);
    }
    x.push_str("</Potwierdzenie>\n");
    h::bytes(StatusCode::OK, "application/xml", x.into_bytes())
}

/// Files a per-invoice UPO request under the invoice's number, with what it got.
fn journal(exchange: &mut Exchange<'_>, nip: &str, inv: Option<&SentInvoice>, doc: bool) {
    let entry = exchange.entry();
    entry.seller_tax_id = Some(nip.to_owned());
    if let Some(number) = inv.and_then(|inv| inv.number.clone()) {
        entry.number = Some(number);
    }
    let ksef_number = inv
        .and_then(|inv| inv.issued.as_ref())
        .map(|is| format!(" ksefNumber={}", is.ksef_number))
        .unwrap_or_default();
    entry.note = Some(if doc {
        format!("upo{ksef_number}")
    } else {
        format!("upo 21178 not ready{ksef_number}")
    });
}

/// `GET /v2/sessions/{ref}/invoices/{invoiceRef}/upo`.
pub fn by_reference(
    ctx: &Ctx<'_>,
    exchange: &mut Exchange<'_>,
    reference: &str,
    invoice_ref: &str,
) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let ksef = ctx.state.ksef.lock();
    let inv = find(&ksef, reference, invoice_ref, &grant.nip)?;
    let doc = document(inv, ctx);
    journal(exchange, &grant.nip, Some(inv), doc.is_some());
    let doc = doc.ok_or_else(|| not_ready(invoice_ref))?;
    Ok(upo(reference, &grant.nip, &[doc]))
}

/// `GET /v2/sessions/{ref}/invoices/ksef/{ksefNumber}/upo`.
pub fn by_ksef_number(
    ctx: &Ctx<'_>,
    exchange: &mut Exchange<'_>,
    reference: &str,
    number: &str,
) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let ksef = ctx.state.ksef.lock();
    owned(&ksef, reference, &grant.nip)?;
    let inv = ksef
        .by_ksef_number
        .get(number)
        .map(|&i| &ksef.invoices[i])
        .filter(|inv| inv.session == reference);
    let doc = inv.and_then(|inv| document(inv, ctx));
    journal(exchange, &grant.nip, inv, doc.is_some());
    let doc = doc.ok_or_else(|| not_ready(number))?;
    Ok(upo(reference, &grant.nip, &[doc]))
}

/// `GET /v2/sessions/{ref}/upo/{upoReferenceNumber}`: once the session is processed.
pub fn session_page(ctx: &Ctx<'_>, reference: &str, upo_ref: &str) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let ksef: std::sync::MutexGuard<'_, Inner> = ctx.state.ksef.lock();
    let session = owned(&ksef, reference, &grant.nip)?;
    if session.upo_ref != upo_ref || session_status(&ksef, session, ctx.now).0 != 200 {
        return Err(not_ready(upo_ref));
    }
    let docs: Vec<String> = session
        .invoices
        .iter()
        .filter_map(|&i| document(&ksef.invoices[i], ctx))
        .collect();
    Ok(upo(reference, &grant.nip, &docs))
}
