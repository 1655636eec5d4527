//! `GET /v2/invoices/ksef/{ksefNumber}` (research §1.7): the XML as sent, with
//! `x-ms-meta-hash`; 400 21165 while it is not yet visible, 21164 when the
//! platform does not hold it (dropped after the ack, lost in a migration). A
//! record a fault or migration damaged is written back from what is stored, so
//! its hash no longer matches `invoiceHash`.

use std::time::Duration;

use http::header::HeaderValue;
use http::StatusCode;
use tax_api::{Invoice, Route};

use super::super::context::{self as h, Ctx};
use super::super::crypto::sha256_b64;
use super::super::errors::KsefError;
use super::super::fa3;
use super::super::state::Issued;
use crate::server::conn::ConnHandle;
use crate::state::AppState;
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::Response;

/// What the store holds of an issued invoice now.
pub enum Held {
    /// Visible, with what is stored.
    Visible(Box<Invoice>),
    /// Stored but not visible yet (processing, `visibility_lag`).
    Pending,
    /// Not held: never stored, lost, or replaced by a later upload of the number.
    Gone,
}

/// What the store holds of `is` at run time `now`.
pub fn held(state: &AppState, is: &Issued, now: Duration) -> Held {
    match state.store.get_visible(Some(&is.seller), &is.number, now) {
        Some(r) if r.platform_ref() == is.platform_ref => r
            .stored()
            .map_or(Held::Gone, |i| Held::Visible(Box::new(i))),
        Some(_) => Held::Gone,
        None if is.kept && now < is.visible_from && state.store.holds(&is.seller, &is.number) => {
            Held::Pending
        }
        None => Held::Gone,
    }
}

fn not_found(number: &str) -> KsefError {
    KsefError::bad(
        21164,
        "Faktura o podanym identyfikatorze nie istnieje.",
        number.to_owned(),
    )
}

/// Serves the download.
pub async fn download(
    ctx: &Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
    number: &str,
) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    exchange.entry().seller_tax_id = Some(grant.nip.clone());
    if !super::super::ids::is_ksef_number(number) {
        return Err(KsefError::validation(format!(
            "{number:?} is not a KSeF number"
        )));
    }
    let issued = {
        let ksef = ctx.state.ksef.lock();
        ksef.by_ksef_number
            .get(number)
            .and_then(|&i| ksef.invoices[i].issued.clone())
            .filter(|is| is.seller == grant.nip || is.invoice.buyer_tax_id == grant.nip)
    };
    let Some(is) = issued else {
        exchange.entry().note = Some(format!("download 21164 not found ksefNumber={number}"));
        return Err(not_found(number));
    };
    let entered = chaos::enter(ctx.state, exchange, Route::Get).map_err(KsefError::from)?;
    let attempt = exchange.count_attempt(&is.seller, &is.number);
    let facts = chaos::facts(
        &entered,
        Route::Get,
        Some(&is.seller),
        Some(&is.number),
        &is.number,
        attempt,
    );
    if let Some(answer) = super::read_fault(ctx, exchange, conn, &entered, &facts).await {
        return answer;
    }
    let now = ctx.state.clock.elapsed();
    let (bytes, what) = match held(ctx.state, &is, now) {
        Held::Visible(stored) if tax_api::content_hash(&stored) == is.sent_hash => {
            (is.original.to_vec(), "as sent")
        }
        Held::Visible(stored) => (fa3::write(&stored, &is.facts), "damaged, hash differs"),
        Held::Pending => {
            exchange.entry().note = Some(format!(
                "download 21165 not yet visible ksefNumber={number}"
            ));
            return Err(KsefError::bad(
                21165,
                "Faktura o podanym numerze KSeF nie jest jeszcze dostępna. Spróbuj ponownie później.",
                number.to_owned(),
            ));
        }
        Held::Gone => {
            exchange.entry().note = Some(format!("download 21164 not found ksefNumber={number}"));
            return Err(not_found(number));
        }
    };
    exchange.entry().note = Some(format!("download ksefNumber={number} {what}"));
    let hash = sha256_b64(&bytes);
    let mut response = h::bytes(StatusCode::OK, "application/xml", bytes);
    if let Ok(value) = HeaderValue::from_str(&hash) {
        response.headers_mut().insert("x-ms-meta-hash", value);
    }
    Ok(response)
}
