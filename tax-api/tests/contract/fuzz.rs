//! Fuzz tests (proptest) of the invoice model: validation and the content hash never
//! panic on any numbers, a consistent invoice always validates, and an invoice keeps
//! its content hash through its JSON form. `PROPTEST_CASES` sets the case count.

use proptest::prelude::*;
use tax_api::{content_hash, expected_tax, validate, Invoice, InvoiceLine, Totals};

fn any_number() -> impl Strategy<Value = i64> {
    prop_oneof![-5i64..100_000, Just(i64::MAX), Just(i64::MIN), any::<i64>()]
}

/// A line whose amount and tax follow from its quantity, price and rate.
fn consistent_line() -> impl Strategy<Value = InvoiceLine> {
    (
        "[A-Za-z][A-Za-z ]{0,19}",
        1i64..1000,
        0i64..1_000_000,
        0i64..3000,
    )
        .prop_map(|(description, quantity, unit_price, tax_rate)| {
            let amount = quantity * unit_price;
            InvoiceLine {
                description,
                quantity,
                unit_price,
                tax_rate,
                amount,
                tax: expected_tax(amount, tax_rate).unwrap(),
            }
        })
}

fn invoice_with(lines: Vec<InvoiceLine>, totals: Totals) -> Invoice {
    Invoice {
        lines,
        totals,
        ..Invoice::example()
    }
}

proptest! {
    #[test]
    fn expected_tax_rounds_half_away_from_zero_without_overflow(
        amount in any_number(),
        rate in any_number(),
    ) {
        let exact = i128::from(amount) * i128::from(rate);
        let rounded = (exact + exact.signum() * 5_000) / 10_000;
        prop_assert_eq!(expected_tax(amount, rate), i64::try_from(rounded).ok());
    }

    #[test]
    fn validation_and_the_hash_never_panic_on_any_numbers(
        lines in proptest::collection::vec(
            (any_number(), any_number(), any_number(), any_number(), any_number()),
            0..4,
        ),
        totals in (any_number(), any_number(), any_number()),
    ) {
        let lines = lines
            .into_iter()
            .map(|(quantity, unit_price, tax_rate, amount, tax)| InvoiceLine {
                description: "x".into(),
                quantity,
                unit_price,
                tax_rate,
                amount,
                tax,
            })
            .collect();
        let invoice = invoice_with(
            lines,
            Totals { amount_excl_tax: totals.0, tax: totals.1, total_incl_tax: totals.2 },
        );
        let _verdict = validate(&invoice);
        prop_assert_eq!(content_hash(&invoice).len(), 64);
    }

    #[test]
    fn a_consistent_invoice_validates_and_keeps_its_hash_through_json(
        lines in proptest::collection::vec(consistent_line(), 1..8),
    ) {
        let mut invoice = invoice_with(lines, Totals { amount_excl_tax: 0, tax: 0, total_incl_tax: 0 });
        invoice.totals = invoice.computed_totals().unwrap();
        prop_assert!(validate(&invoice).is_ok(), "{:?}", validate(&invoice));
        let json = serde_json::to_string(&invoice).unwrap();
        let read: Invoice = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(content_hash(&read), content_hash(&invoice));
        prop_assert_eq!(read, invoice);
    }
}
