//! Builders shared by the unit tests.

use tax_api::Invoice;

/// A valid one-line invoice for seller `S1` under `number`.
pub(crate) fn invoice(number: &str) -> Invoice {
    Invoice {
        number: number.into(),
        request_serial: format!("serial-{number}"),
        seller_tax_id: "S1".into(),
        buyer_tax_id: "B1".into(),
        buyer_name: "Buyer Ltd".into(),
        ..Invoice::example()
    }
}
