//! Builders shared by the unit tests.

use tax_api::{Invoice, InvoiceKind, InvoiceLine, Totals};

/// A valid one-line invoice for seller `S1` under `number`.
pub(crate) fn invoice(number: &str) -> Invoice {
    Invoice {
        number: number.into(),
        request_serial: format!("serial-{number}"),
        seller_tax_id: "S1".into(),
        buyer_tax_id: "B1".into(),
        buyer_name: "Buyer Ltd".into(),
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
