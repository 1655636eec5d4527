//! The store's compact form of an invoice: one byte string (postcard) instead of
//! the parsed struct's dozen heap allocations. The store keeps every upload of a
//! run, so its size per record is what the platform's memory — and the page faults
//! of growing it — scale with; reads unpack a copy.
//!
//! Measured by `cargo bench -p mock-tax-platform --bench store_layouts` against
//! keeping the parsed invoice: the upload bench's invoice takes 188 bytes in one
//! allocation instead of 621 in nine (3.3× less, counted from sizes). Packing costs
//! what cloning the parsed invoice costs (1.0–1.1× faster, two runs); reading a copy
//! back costs 2.6× a clone, a price paid per read, which are far rarer than uploads.

use tax_api::Invoice;

/// An invoice as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum PackedInvoice {
    /// The usual form.
    Bytes(Box<[u8]>),
    /// Kept as parsed if encoding ever fails, so nothing is lost.
    Plain(Box<Invoice>),
}

impl PackedInvoice {
    /// Packs `invoice`.
    pub fn pack(invoice: &Invoice) -> Self {
        // Encoded on the stack first, so the kept copy is one allocation of its exact
        // size rather than a growing Vec reallocated several times and then shrunk.
        let mut scratch = [0u8; 1024];
        if let Ok(bytes) = postcard::to_slice(invoice, &mut scratch) {
            return PackedInvoice::Bytes(Box::from(&*bytes));
        }
        match postcard::to_allocvec(invoice) {
            Ok(bytes) => PackedInvoice::Bytes(bytes.into_boxed_slice()),
            Err(err) => {
                tracing::warn!(error = %err, number = %invoice.number, "cannot pack an invoice; keeping it as parsed");
                PackedInvoice::Plain(Box::new(invoice.clone()))
            }
        }
    }

    /// A copy of the invoice; `None` only if bytes this module wrote fail to decode.
    pub fn unpack(&self) -> Option<Invoice> {
        match self {
            PackedInvoice::Bytes(bytes) => match postcard::from_bytes(bytes) {
                Ok(invoice) => Some(invoice),
                Err(err) => {
                    tracing::error!(error = %err, "a stored invoice does not decode");
                    None
                }
            },
            PackedInvoice::Plain(invoice) => Some((**invoice).clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tax_api::{InvoiceKind, InvoiceLine};

    #[test]
    fn packing_round_trips_every_field_and_is_smaller_than_the_struct() {
        let mut invoice = Invoice::example();
        invoice.kind = InvoiceKind::Red;
        invoice.buyer_name = "北京 \"quoted\" \\ name".into();
        invoice.lines.push(InvoiceLine {
            description: String::new(),
            quantity: -3,
            unit_price: i64::MAX,
            tax_rate: 0,
            amount: i64::MIN,
            tax: -1,
        });
        let packed = PackedInvoice::pack(&invoice);
        let PackedInvoice::Bytes(bytes) = &packed else {
            panic!("not packed: {packed:?}");
        };
        assert!(bytes.len() < 256, "{} bytes", bytes.len());
        assert_eq!(packed.unpack(), Some(invoice));
    }

    #[test]
    fn an_invoice_too_big_for_the_scratch_buffer_packs_too() {
        let mut invoice = Invoice::example();
        invoice.buyer_name = "x".repeat(5000);
        let packed = PackedInvoice::pack(&invoice);
        assert!(matches!(packed, PackedInvoice::Bytes(_)));
        assert_eq!(packed.unpack(), Some(invoice));
    }

    #[test]
    fn bytes_that_do_not_decode_give_none_not_a_panic() {
        assert_eq!(PackedInvoice::Bytes(Box::new([0xff; 3])).unpack(), None);
    }
}
