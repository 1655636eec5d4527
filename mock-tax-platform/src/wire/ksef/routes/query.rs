//! `POST /v2/invoices/query/metadata` (research §1.6): filters, `pageOffset` as a
//! page index, `pageSize` 10–250, `hasMore`, `isTruncated` at the configured
//! limit, and the permanent-storage high-water mark: no record may ever appear at
//! or below a published `permanentStorageHwmDate`, so the HWM stops before the
//! first record still processing or hidden by `visibility_lag`.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use tax_api::Route;

use super::super::context::{self as h, Ctx};
use super::super::dates::{parse, rfc3339};
use super::super::errors::KsefError;
use super::super::state::{progress, SentInvoice};
use super::download::{held, Held};
use crate::server::conn::ConnHandle;
use crate::wire::exchange::Exchange;
use crate::wire::faulted as chaos;
use crate::wire::respond::Response;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DateRange {
    date_type: String,
    from: String,
    #[serde(default)]
    to: Option<String>,
    /// ksef2 sends `null` for "not set".
    #[serde(default)]
    restrict_to_permanent_storage_hwm_date: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Filters {
    subject_type: String,
    date_range: DateRange,
    #[serde(default)]
    ksef_number: Option<String>,
    #[serde(default)]
    invoice_number: Option<String>,
    #[serde(default)]
    seller_nip: Option<String>,
}

/// Which date a query ranges over.
#[derive(Clone, Copy, PartialEq)]
enum DateType {
    Issue,
    Invoicing,
    PermanentStorage,
}

fn money(minor: i64) -> Value {
    // KSeF sends amounts as JSON numbers; two decimals are exact enough for display.
    json!((minor as f64) / 100.0)
}

fn invoice_type(rodzaj: &str) -> &'static str {
    match rodzaj {
        "KOR" => "Kor",
        "ZAL" => "Zal",
        "ROZ" => "Roz",
        "UPR" => "Upr",
        "KOR_ZAL" => "KorZal",
        "KOR_ROZ" => "KorRoz",
        _ => "Vat",
    }
}

/// The HWM at `wall`: just before the earliest record that is kept but not yet
/// final and visible, or `wall` when there is none.
pub fn high_water_mark(invoices: &[SentInvoice], ctx: &Ctx<'_>) -> DateTime<Utc> {
    invoices
        .iter()
        .filter_map(|inv| {
            let is = inv.issued.as_ref().filter(|is| is.kept)?;
            let pending = progress(inv.accepted, inv.ready_at, ctx.now).is_some()
                || ctx.now < is.visible_from;
            pending.then_some(is.stored - TimeDelta::microseconds(1))
        })
        .fold(ctx.wall, DateTime::min)
}

/// Serves the query.
pub async fn metadata(
    ctx: &mut Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    exchange.entry().seller_tax_id = Some(grant.nip.clone());
    let page_size = match ctx.param("pageSize") {
        None => 10,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (10..=250).contains(n))
            .ok_or_else(|| {
                KsefError::validation(format!("pageSize {s:?} must be between 10 and 250"))
            })?,
    };
    let page = match ctx.param("pageOffset") {
        None => 0,
        Some(s) => s.parse::<usize>().map_err(|_| {
            KsefError::validation(format!("pageOffset {s:?} must be a page index ≥ 0"))
        })?,
    };
    let descending = match ctx.param("sortOrder").as_deref() {
        None | Some("Asc") => false,
        Some("Desc") => true,
        Some(other) => {
            return Err(KsefError::validation(format!(
                "sortOrder {other:?} must be Asc or Desc"
            )))
        }
    };
    let filters: Filters = ctx.json().await?;
    let date_type = match filters.date_range.date_type.as_str() {
        "Issue" => DateType::Issue,
        "Invoicing" => DateType::Invoicing,
        "PermanentStorage" => DateType::PermanentStorage,
        other => {
            return Err(KsefError::validation(format!(
                "dateRange.dateType {other:?} is not Issue, Invoicing or PermanentStorage"
            )))
        }
    };
    let buyer_side = match filters.subject_type.as_str() {
        "Subject1" => false,
        "Subject2" => true,
        other => {
            return Err(KsefError::validation(format!(
                "subjectType {other:?}: only Subject1 and Subject2 are served"
            )))
        }
    };
    let from = parse(&filters.date_range.from)
        .ok_or_else(|| KsefError::validation("dateRange.from is not an RFC 3339 date-time"))?;
    let mut to =
        match &filters.date_range.to {
            Some(t) => Some(parse(t).ok_or_else(|| {
                KsefError::validation("dateRange.to is not an RFC 3339 date-time")
            })?),
            None => None,
        };

    let entered = chaos::enter(ctx.state, exchange, Route::Query).map_err(KsefError::from)?;
    let key = format!(
        "{}|{}|{:?}|{page}",
        grant.nip, filters.date_range.from, filters.date_range.to
    );
    let attempt = ctx
        .state
        .journal
        .next_attempt(Route::Query, &grant.nip, &key);
    let facts = chaos::facts(
        &entered,
        Route::Query,
        Some(&grant.nip),
        None,
        &key,
        attempt,
    );
    if let Some(answer) = super::read_fault(ctx, exchange, conn, &entered, &facts).await {
        return answer;
    }

    let ksef = ctx.state.ksef.lock();
    let hwm = high_water_mark(&ksef.invoices, ctx);
    if filters.date_range.restrict_to_permanent_storage_hwm_date == Some(true)
        && date_type == DateType::PermanentStorage
    {
        if from > hwm {
            return Err(KsefError::bad(
                21183,
                "Zakres dat poza dostępnym zakresem.",
                "dateRange.from is after permanentStorageHwmDate",
            ));
        }
        to = Some(to.map_or(hwm, |t| t.min(hwm)));
    }
    let now = ctx.state.clock.elapsed();
    let mut rows: Vec<(DateTime<Utc>, Value)> = Vec::new();
    for inv in &ksef.invoices {
        let Some(is) = inv.issued.as_ref() else {
            continue;
        };
        if inv.outcome.code != 200 || progress(inv.accepted, inv.ready_at, now).is_some() {
            continue;
        }
        let party = if buyer_side {
            &is.invoice.buyer_tax_id
        } else {
            &is.seller
        };
        if *party != grant.nip {
            continue;
        }
        let Held::Visible(stored) = held(ctx.state, is, now) else {
            continue;
        };
        let at = match date_type {
            DateType::Issue => NaiveDate::parse_from_str(&is.facts.issue_date, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map_or(inv.invoicing_date, |d| d.and_utc()),
            DateType::Invoicing => inv.invoicing_date,
            DateType::PermanentStorage => is.stored,
        };
        if at < from || to.is_some_and(|t| at > t) {
            continue;
        }
        if filters
            .invoice_number
            .as_ref()
            .is_some_and(|n| *n != is.number)
            || filters.seller_nip.as_ref().is_some_and(|n| *n != is.seller)
        {
            continue;
        }
        for number in std::iter::once(&is.ksef_number).chain(is.twin.as_ref()) {
            if filters.ksef_number.as_ref().is_some_and(|k| k != number) {
                continue;
            }
            rows.push((at, json!({
                "ksefNumber": number,
                "invoiceNumber": is.number,
                "issueDate": is.facts.issue_date,
                "invoicingDate": rfc3339(inv.invoicing_date),
                "acquisitionDate": rfc3339(is.acquired),
                "permanentStorageDate": rfc3339(is.stored),
                "seller": {"nip": is.seller, "name": is.facts.seller_name},
                "buyer": {
                    "identifier": {"type": is.facts.buyer_id_type, "value": stored.buyer_tax_id},
                    "name": stored.buyer_name,
                },
                "netAmount": money(stored.totals.amount_excl_tax),
                "grossAmount": money(stored.totals.total_incl_tax),
                "vatAmount": money(stored.totals.tax),
                "currency": stored.currency,
                "invoicingMode": "Online",
                "invoiceType": invoice_type(&is.facts.invoice_type),
                "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
                "isSelfInvoicing": false,
                "hasAttachment": false,
                "invoiceHash": inv.invoice_hash,
            })));
        }
    }
    drop(ksef);
    rows.sort_by_key(|(at, _)| *at);
    if descending {
        rows.reverse();
    }
    let limit = ctx.state.config.ksef.query_limit.max(1);
    let truncated = rows.len() > limit;
    rows.truncate(limit);
    let start = page.saturating_mul(page_size).min(rows.len());
    let end = start.saturating_add(page_size).min(rows.len());
    let last_page = end == rows.len();
    let invoices: Vec<Value> = rows.drain(start..end).map(|(_, v)| v).collect();
    Ok(h::json(
        StatusCode::OK,
        &json!({
            "hasMore": !last_page || truncated,
            "isTruncated": truncated && last_page,
            "permanentStorageHwmDate": rfc3339(hwm),
            "invoices": invoices,
        }),
    ))
}
