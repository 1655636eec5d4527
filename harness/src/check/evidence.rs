//! The evidence attached to each judged invoice: which table column the platform's
//! record falls into, one sentence for people, and the client's and platform's views.

use tax_api::{Invoice, LedgerEntry, LedgerStatus, TruthRecord};

use super::class::{Class, ClientState, PlatformState};
use super::content::same_content;
use super::explain::FieldDiff;
use super::{ClientView, LedgerRow, PlatformView};

/// The table column for an invoice, and a note when the harness, not the truth,
/// found the damage (the client stored something other than what was issued).
pub(super) fn platform_state(
    invoice: Option<&Invoice>,
    record: Option<&TruthRecord>,
) -> (PlatformState, Option<&'static str>) {
    let Some(r) = record else {
        return (PlatformState::Missing, None);
    };
    let state = PlatformState::from_integrity(r.integrity);
    if state != PlatformState::Intact {
        return (state, None);
    }
    if r.copies > 1 {
        return (PlatformState::Duplicated, None);
    }
    if let (Some(issued), Some(stored)) = (invoice, &r.stored) {
        if !same_content(issued, stored) {
            let state = if stored.lines.len() < issued.lines.len() {
                PlatformState::Partial
            } else {
                PlatformState::Corrupted
            };
            return (
                state,
                Some("the platform kept what the client sent, but that differs from the invoice the workload issued"),
            );
        }
    }
    (PlatformState::Intact, None)
}

/// What the platform lacks or altered, in a few words: ` without lines, buyer_name`,
/// ` (totals.total_incl_tax 113000 → 113042)`; empty when nothing is known.
fn damage(missing: &[String], differing: &[FieldDiff]) -> String {
    if !missing.is_empty() {
        return format!(" without {}", missing.join(", "));
    }
    if differing.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = differing
        .iter()
        .take(3)
        .map(|d| format!("{} {} → {}", d.field, d.expected, d.actual))
        .collect();
    let more = differing.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!("; {more} more")
    } else {
        String::new()
    };
    format!(" ({}{more})", shown.join("; "))
}

/// The sentence for people. The rule that caused it is added once the causal chain
/// is known.
pub(super) fn describe(
    class: Class,
    state: PlatformState,
    r: Option<&TruthRecord>,
    accepted: Option<bool>,
    missing: &[String],
    differing: &[FieldDiff],
) -> String {
    let damage = damage(missing, differing);
    let held = match state {
        PlatformState::Intact => "holds it intact".to_string(),
        PlatformState::Partial => format!("holds it partially{damage}"),
        PlatformState::Corrupted => format!("holds it corrupted{damage}"),
        PlatformState::Missing => "holds nothing".to_string(),
        PlatformState::Duplicated => {
            format!("holds {} copies", r.map_or(0, |r| r.copies))
        }
    };
    match class {
        Class::Lost => "confirmed by the client, but the platform holds nothing".to_string(),
        Class::SilentPartial => {
            let (sent, stored) = r.map_or((0, 0), |r| (r.sent_line_count, r.stored_line_count));
            format!(
                "confirmed by the client, but stored partially{damage} ({stored} of {sent} lines)"
            )
        }
        Class::SilentCorruption => {
            format!("confirmed by the client, but the stored content differs from what was issued{damage}")
        }
        Class::Duplicate => format!("confirmed by the client, but the platform {held}"),
        Class::Unresolved => {
            format!("still pending when the run ended; the platform {held}")
        }
        Class::Forgotten if accepted == Some(false) => format!(
            "refused by the client and missing from its ledger, yet the platform {held}"
        ),
        Class::Forgotten => format!(
            "accepted by the client (202) but missing from its ledger; the platform {held}"
        ),
        Class::ContradictoryLedger => format!(
            "the client's ledger gives it different statuses, so which one the client acts on is unknown; the platform {held}"
        ),
        other => format!("{}: the platform {held}", other.meaning()),
    }
}

pub(super) fn client_view(
    status: ClientState,
    entry: Option<&LedgerEntry>,
    accepted: Option<bool>,
    at_ms: Option<u64>,
) -> ClientView {
    ClientView {
        accepted,
        issued_at_ms: at_ms,
        status,
        reason: entry.and_then(|e| e.reason.clone()),
        platform_ref: entry.and_then(|e| e.platform_ref.clone()),
        ledger_entries: Vec::new(),
    }
}

/// A ledger status as the ledger spells it.
pub(super) fn status_word(status: LedgerStatus) -> &'static str {
    match status {
        LedgerStatus::Confirmed => "confirmed",
        LedgerStatus::Flagged => "flagged",
        LedgerStatus::Pending => "pending",
    }
}

/// Every entry in `positions` (indices into `entries`), for a contradictory ledger.
pub(super) fn ledger_rows(entries: &[LedgerEntry], positions: &[usize]) -> Vec<LedgerRow> {
    positions
        .iter()
        .filter_map(|&i| {
            entries.get(i).map(|e| LedgerRow {
                position: i + 1,
                status: e.status,
                reason: e.reason.clone(),
                platform_ref: e.platform_ref.clone(),
            })
        })
        .collect()
}

pub(super) fn platform_view(state: PlatformState, r: Option<&TruthRecord>) -> PlatformView {
    PlatformView {
        state,
        integrity: r.map(|r| r.integrity),
        platform_ref: r.map(|r| r.platform_ref.clone()),
        copies: r.map_or(0, |r| r.copies),
        sent_line_count: r.map(|r| r.sent_line_count),
        stored_line_count: r.map(|r| r.stored_line_count),
        cause: r.and_then(|r| r.cause.clone()),
        same_sale_as: None,
    }
}
