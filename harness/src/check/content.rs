//! Comparing invoices by content, ignoring `number` and `request_serial`.
//!
//! `content_hash` covers the number, so it cannot spot the same sale re-issued under
//! a new number. [`SaleKey`] hashes and compares every other field, without
//! allocating, so the checker can look a stored record up among issued invoices.

use std::hash::{Hash, Hasher};

use tax_api::Invoice;

/// An invoice's content without its number and request serial: the sale itself.
#[derive(Debug, Clone, Copy)]
pub struct SaleKey<'a>(pub &'a Invoice);

impl PartialEq for SaleKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        same_sale(self.0, other.0)
    }
}

impl Eq for SaleKey<'_> {}

impl Hash for SaleKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let i = self.0;
        i.seller_tax_id.hash(state);
        i.buyer_tax_id.hash(state);
        i.buyer_name.hash(state);
        i.kind.hash(state);
        i.issued_at.hash(state);
        i.currency.hash(state);
        i.lines.hash(state);
        i.totals.hash(state);
    }
}

/// Whether two invoices record the same sale, and whether a stored record carries
/// exactly the content that was issued.
pub use tax_api::hash::{same_content, same_sale};
