//! How a stored copy differs from what the client sent (partial writes, corruption).

use serde::{Deserialize, Serialize};
use tax_api::{Integrity, Invoice};

/// A text field a partial write can drop; a dropped field is stored as an empty string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceField {
    /// `buyer_tax_id`.
    BuyerTaxId,
    /// `buyer_name`.
    BuyerName,
    /// `currency`.
    Currency,
    /// `issued_at` (a record without it drops out of queries by issue time).
    IssuedAt,
}

/// One concrete alteration, decided when the fault fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// Keep only the first `n` lines (0: the header alone).
    KeepLines(usize),
    /// Store these fields empty.
    DropFields(Vec<InvoiceField>),
    /// Add `delta` minor units to `totals.total_incl_tax`.
    AlterTotal(i64),
    /// Replace `buyer_tax_id` with a near miss.
    AlterBuyerTaxId,
    /// Add `delta` to one line's `unit_price` and `amount` (chosen by `index` modulo the line count).
    AlterLine {
        /// Which line, taken modulo the number of lines.
        index: usize,
        /// Minor units added.
        delta: i64,
    },
}

impl Damage {
    /// The integrity a record stored with this damage has.
    pub fn integrity(&self) -> Integrity {
        match self {
            Damage::KeepLines(_) | Damage::DropFields(_) => Integrity::Partial,
            Damage::AlterTotal(_) | Damage::AlterBuyerTaxId | Damage::AlterLine { .. } => {
                Integrity::Corrupted
            }
        }
    }

    /// Applies the damage to a copy of the invoice; returns whether anything changed
    /// (keeping 3 lines of a 2-line invoice changes nothing).
    pub fn apply(&self, invoice: &mut Invoice) -> bool {
        match self {
            Damage::KeepLines(n) => {
                let before = invoice.lines.len();
                invoice.lines.truncate(*n);
                invoice.lines.len() != before
            }
            Damage::DropFields(fields) => {
                let mut changed = false;
                for field in fields {
                    let slot = match field {
                        InvoiceField::BuyerTaxId => &mut invoice.buyer_tax_id,
                        InvoiceField::BuyerName => &mut invoice.buyer_name,
                        InvoiceField::Currency => &mut invoice.currency,
                        InvoiceField::IssuedAt => &mut invoice.issued_at,
                    };
                    changed |= !slot.is_empty();
                    slot.clear();
                }
                changed
            }
            Damage::AlterTotal(delta) => {
                invoice.totals.total_incl_tax =
                    invoice.totals.total_incl_tax.saturating_add(*delta);
                *delta != 0
            }
            Damage::AlterBuyerTaxId => {
                let last = invoice.buyer_tax_id.pop();
                let replacement = match last {
                    Some('0') => '1',
                    Some(_) | None => '0',
                };
                invoice.buyer_tax_id.push(replacement);
                true
            }
            Damage::AlterLine { index, delta } => {
                let count = invoice.lines.len();
                match invoice.lines.get_mut(index % count.max(1)) {
                    Some(line) => {
                        line.unit_price = line.unit_price.saturating_add(*delta);
                        line.amount = line.amount.saturating_add(*delta);
                        *delta != 0
                    }
                    None => false,
                }
            }
        }
    }
}
