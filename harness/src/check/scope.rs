//! Which platform records a ledger must account for. A driven run issued every
//! invoice itself, so every record of its seller counts. A ledger check meets a
//! platform that may hold months of records: only those of the ledger's seller,
//! issued within the ledger's period, can be `UNEXPECTED`. What the user or the
//! ledger file did not declare is derived from what the ledger lists; what cannot be
//! derived is said, never guessed.

use std::collections::HashSet;

use chrono::{DateTime, FixedOffset};
use tax_api::TruthRecord;

use crate::outcome::{IssuedInvoice, Scope};

/// An inclusive range of issue times.
type Period = (DateTime<FixedOffset>, DateTime<FixedOffset>);

/// The records to look at for `UNEXPECTED` ones.
pub(super) struct Window<'a> {
    sellers: HashSet<&'a str>,
    /// `None`: any time (a driven run).
    from: Option<DateTime<FixedOffset>>,
    to: Option<DateTime<FixedOffset>>,
    bounded: bool,
}

/// What was decided, for the report.
pub(super) struct Decided<'a> {
    pub window: Window<'a>,
    /// One sentence saying which records were checked and why.
    pub note: Option<String>,
    /// Why the records the ledger does not list could not be checked.
    pub unknown: Option<String>,
}

fn issue_time(invoice: &tax_api::Invoice) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(&invoice.issued_at).ok()
}

fn widen(range: Option<Period>, t: DateTime<FixedOffset>) -> Option<Period> {
    Some(match range {
        Some((from, to)) => (from.min(t), to.max(t)),
        None => (t, t),
    })
}

impl Window<'_> {
    /// Whether an unclaimed record falls inside the window.
    pub(super) fn holds(&self, r: &TruthRecord) -> bool {
        if !self.sellers.contains(r.seller_tax_id.as_str()) {
            return false;
        }
        if !self.bounded {
            return true;
        }
        // A record with no readable content (lost by a migration) cannot be placed in time.
        let Some(t) = r.stored.as_ref().and_then(issue_time) else {
            return false;
        };
        self.from.map_or(true, |f| t >= f) && self.to.map_or(true, |to| t <= to)
    }
}

/// The window of a driven run: every record of the judged sellers.
pub(super) fn whole<'a>(judged_sellers: HashSet<&'a str>) -> Decided<'a> {
    Decided {
        window: Window {
            sellers: judged_sellers,
            from: None,
            to: None,
            bounded: false,
        },
        note: None,
        unknown: None,
    }
}

/// The window of a ledger check: declared in `scope`, or derived from the issued
/// invoices, else from the platform records the ledger's numbers matched.
pub(super) fn of_ledger<'a>(
    scope: &'a Scope,
    judged_sellers: HashSet<&'a str>,
    issued: &[IssuedInvoice],
    matched: impl Iterator<Item = &'a TruthRecord>,
) -> Decided<'a> {
    let (sellers, sellers_source) = if scope.sellers.is_empty() {
        (
            judged_sellers,
            "the sellers of the platform records and issued invoices its numbers name",
        )
    } else {
        (
            scope.sellers.iter().map(String::as_str).collect(),
            scope.sellers_source.as_deref().unwrap_or("declared"),
        )
    };
    let (period, period_source) = if scope.from.is_some() || scope.to.is_some() {
        (
            Some((scope.from, scope.to)),
            scope.period_source.as_deref().unwrap_or("declared"),
        )
    } else if !issued.is_empty() {
        let range = issued
            .iter()
            .filter_map(|i| issue_time(&i.invoice))
            .fold(None, widen);
        (
            range.map(|(f, t)| (Some(f), Some(t))),
            "the issued invoices' issue times",
        )
    } else {
        let range = matched
            .filter_map(|r| r.stored.as_ref().and_then(issue_time))
            .fold(None, widen);
        (
            range.map(|(f, t)| (Some(f), Some(t))),
            "the issue times of the platform records its numbers name",
        )
    };
    let mut names: Vec<&str> = sellers.iter().copied().collect();
    names.sort_unstable();
    let unknown = if names.is_empty() {
        Some(
            "the ledger's seller is unknown (no seller_tax_id column, and none of its numbers \
             is on the platform), so records it does not list were not checked: pass --seller"
                .to_string(),
        )
    } else if period.is_none() {
        Some(format!(
            "the period the ledger covers is unknown (no issued_at column, and none of its \
             numbers is on the platform with its content), so records of {} it does not list \
             were not checked: pass --from and --to",
            names.join(", ")
        ))
    } else {
        None
    };
    let (from, to) = period.unwrap_or((None, None));
    let show =
        |t: Option<DateTime<FixedOffset>>| t.map_or("any time".to_string(), |t| t.to_rfc3339());
    let note = unknown.is_none().then(|| {
        format!(
            "records the ledger does not list were looked for among those of {} ({sellers_source}) \
             issued from {} to {} ({period_source})",
            names.join(", "),
            show(from),
            show(to)
        )
    });
    Decided {
        window: Window {
            sellers: if unknown.is_some() {
                HashSet::new()
            } else {
                sellers
            },
            from,
            to,
            bounded: true,
        },
        note,
        unknown,
    }
}
