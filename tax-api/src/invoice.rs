//! The invoice exactly as a billing client uploads it (DESIGN §2).
//!
//! Money is integer minor units (fen, cents) and tax rates are basis points
//! (1300 = 13 %), so no float ever touches an amount.

use serde::{Deserialize, Serialize};

/// One invoice as uploaded by the seller's billing system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    /// The client's invoice number, unique per seller.
    pub number: String,
    /// Idempotency key chosen by the client (≤ 40 chars); a correct client never
    /// regenerates it on retry. Not part of the content hash.
    pub request_serial: String,
    /// The issuing company's tax id; must match the authenticated seller.
    pub seller_tax_id: String,
    /// The buyer's tax id.
    pub buyer_tax_id: String,
    /// The buyer's registered name.
    pub buyer_name: String,
    /// `blue` for a normal invoice, `red` for a credit note (negative amounts).
    pub kind: InvoiceKind,
    /// Issue time, RFC 3339 with offset, kept exactly as sent.
    pub issued_at: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The line items; at least one.
    pub lines: Vec<InvoiceLine>,
    /// Sums over the lines.
    pub totals: Totals,
}

/// Normal invoice or credit note.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceKind {
    /// A normal invoice: positive quantities.
    Blue,
    /// A credit note reversing an earlier invoice: negative quantities.
    Red,
}

impl InvoiceKind {
    /// The wire spelling, as used in the canonical encoding.
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceKind::Blue => "blue",
            InvoiceKind::Red => "red",
        }
    }
}

/// One line item. `amount = quantity × unit_price`; `tax = round(amount × tax_rate / 10000)`, half up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvoiceLine {
    /// What was sold.
    pub description: String,
    /// Whole units; negative only on a red invoice.
    pub quantity: i64,
    /// Price per unit in minor units, excluding tax.
    pub unit_price: i64,
    /// Tax rate in basis points (1300 = 13 %).
    pub tax_rate: i64,
    /// `quantity × unit_price`, minor units.
    pub amount: i64,
    /// Tax on `amount`, minor units, rounded half away from zero.
    pub tax: i64,
}

/// Invoice totals: the sums over the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Sum of line amounts.
    pub amount_excl_tax: i64,
    /// Sum of line taxes.
    pub tax: i64,
    /// `amount_excl_tax + tax`.
    pub total_incl_tax: i64,
}

impl Invoice {
    /// The upload body DESIGN §2 shows (also `docs/examples/invoice.json`): a valid
    /// one-line invoice that tests, benches and examples start from and then adjust.
    pub fn example() -> Invoice {
        Invoice {
            number: "25117000000000000001".into(),
            request_serial: "order-2025-000001".into(),
            seller_tax_id: "91110000MA01ABCD1X".into(),
            buyer_tax_id: "91110108MA02EFGH2Y".into(),
            buyer_name: "Beijing Example Trading Co.".into(),
            kind: InvoiceKind::Blue,
            issued_at: "2025-05-02T16:57:33+08:00".into(),
            currency: "CNY".into(),
            lines: vec![InvoiceLine {
                description: "Office chair".into(),
                quantity: 2,
                unit_price: 45000,
                tax_rate: 1300,
                amount: 90000,
                tax: 11700,
            }],
            totals: Totals {
                amount_excl_tax: 90000,
                tax: 11700,
                total_incl_tax: 101700,
            },
        }
    }

    /// Totals computed from the lines, for building invoices and checking them.
    pub fn computed_totals(&self) -> Option<Totals> {
        let mut amount: i64 = 0;
        let mut tax: i64 = 0;
        for line in &self.lines {
            amount = amount.checked_add(line.amount)?;
            tax = tax.checked_add(line.tax)?;
        }
        Some(Totals {
            amount_excl_tax: amount,
            tax,
            total_incl_tax: amount.checked_add(tax)?,
        })
    }
}
