//! The invoices behind a broken `[expect]` bound. A run that fails only because too
//! many intact invoices were flagged has no violation to show, so the bound names
//! its invoices itself — with their chains and the client's reason, like a violation.

use serde::{Deserialize, Serialize};
use tax_api::JournalEntry;

use super::class::Class;
use super::{ClientView, Invariant, Violation};

/// The invariant name of the false-flag bound.
pub const FALSE_FLAG_RATIO: &str = "false_flag_ratio";

/// An invoice the client flagged although the platform holds it intact: safe, but a
/// person's time spent on nothing (`flagged.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedInvoice {
    /// The invoice number.
    pub number: String,
    /// The seller, when known.
    pub seller_tax_id: Option<String>,
    /// What the client said (status `flagged`, its reason).
    pub client: ClientView,
    /// The platform's reference of the record it holds intact.
    pub platform_ref: Option<String>,
    /// Every journal entry about the invoice, in time order.
    pub chain: Vec<JournalEntry>,
}

/// One invoice behind a broken bound (`false_flag_ratio`, `LOST`, `UNRESOLVED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundInvoice {
    /// The invariant whose bound broke, as `invariants[].name` spells it.
    pub bound: String,
    /// The invoice number.
    pub number: String,
    /// Every journal entry about the invoice, in time order.
    pub chain: Vec<JournalEntry>,
    /// The reason the client's ledger gives.
    pub client_reason: Option<String>,
}

/// The invoices of every broken bound, bound by bound in invariant order.
pub(super) fn bound_invoices(
    invariants: &[Invariant],
    violations: &[Violation],
    flags: &[FlaggedInvoice],
) -> Vec<BoundInvoice> {
    let mut out = Vec::new();
    for inv in invariants.iter().filter(|i| !i.holds) {
        let bound = inv.name.clone();
        if inv.name == FALSE_FLAG_RATIO {
            out.extend(flags.iter().map(|f| BoundInvoice {
                bound: bound.clone(),
                number: f.number.clone(),
                chain: f.chain.clone(),
                client_reason: f.client.reason.clone(),
            }));
            continue;
        }
        let class = [Class::Lost, Class::Unresolved]
            .into_iter()
            .find(|c| c.as_str() == inv.name);
        let Some(class) = class else { continue };
        let behind = violations.iter().filter(|v| v.class == class);
        out.extend(behind.map(|v| BoundInvoice {
            bound: bound.clone(),
            number: v.number.clone(),
            chain: v.chain.clone(),
            client_reason: v.client.reason.clone(),
        }));
    }
    out
}
