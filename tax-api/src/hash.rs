//! The canonical encoding of an invoice's content and its SHA-256 `content_hash`.
//!
//! The encoding is a byte string a client in any language can build without a JSON
//! library: a header line, then one line per field, `name:byte_length:value\n`, in
//! a fixed order. Integers are written in decimal with a leading `-` when negative.
//! `request_serial` is left out: it identifies an attempt, not the invoice's content.
//! `docs/content-hash.md` documents it and `tax-api/tests/vectors.json` holds test vectors.

use sha2::{Digest, Sha256};

use crate::invoice::Invoice;

/// First line of every canonical encoding; changes if the encoding ever does.
pub const ENCODING_HEADER: &str = "invoice-chaos-content-v1\n";

fn push_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    out.extend_from_slice(value.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(value.as_bytes());
    out.push(b'\n');
}

/// The canonical bytes of an invoice's content.
pub fn canonical_encoding(invoice: &Invoice) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + invoice.lines.len() * 160);
    out.extend_from_slice(ENCODING_HEADER.as_bytes());
    push_field(&mut out, "number", &invoice.number);
    push_field(&mut out, "seller_tax_id", &invoice.seller_tax_id);
    push_field(&mut out, "buyer_tax_id", &invoice.buyer_tax_id);
    push_field(&mut out, "buyer_name", &invoice.buyer_name);
    push_field(&mut out, "kind", invoice.kind.as_str());
    push_field(&mut out, "issued_at", &invoice.issued_at);
    push_field(&mut out, "currency", &invoice.currency);
    push_field(&mut out, "line_count", &invoice.lines.len().to_string());
    for (i, line) in invoice.lines.iter().enumerate() {
        push_field(
            &mut out,
            &format!("lines.{i}.description"),
            &line.description,
        );
        push_field(
            &mut out,
            &format!("lines.{i}.quantity"),
            &line.quantity.to_string(),
        );
        push_field(
            &mut out,
            &format!("lines.{i}.unit_price"),
            &line.unit_price.to_string(),
        );
        push_field(
            &mut out,
            &format!("lines.{i}.tax_rate"),
            &line.tax_rate.to_string(),
        );
        push_field(
            &mut out,
            &format!("lines.{i}.amount"),
            &line.amount.to_string(),
        );
        push_field(&mut out, &format!("lines.{i}.tax"), &line.tax.to_string());
    }
    let t = &invoice.totals;
    push_field(
        &mut out,
        "totals.amount_excl_tax",
        &t.amount_excl_tax.to_string(),
    );
    push_field(&mut out, "totals.tax", &t.tax.to_string());
    push_field(
        &mut out,
        "totals.total_incl_tax",
        &t.total_incl_tax.to_string(),
    );
    out
}

/// Lowercase hex SHA-256 of [`canonical_encoding`].
pub fn content_hash(invoice: &Invoice) -> String {
    hex::encode(Sha256::digest(canonical_encoding(invoice)))
}

/// Whether two invoices carry the same content (the `request_serial` may differ):
/// exactly when their [`canonical_encoding`]s are equal — the encoding is
/// length-prefixed, so equal encodings mean equal fields — but without building
/// them. Clients, the platform and the checker all ask this per invoice.
pub fn same_content(a: &Invoice, b: &Invoice) -> bool {
    a.number == b.number && same_sale(a, b)
}

/// Whether two invoices record the same sale: every field but the number and the
/// request serial (a resend under a new number is the same sale).
pub fn same_sale(a: &Invoice, b: &Invoice) -> bool {
    a.seller_tax_id == b.seller_tax_id
        && a.buyer_tax_id == b.buyer_tax_id
        && a.buyer_name == b.buyer_name
        && a.kind == b.kind
        && a.issued_at == b.issued_at
        && a.currency == b.currency
        && a.lines == b.lines
        && a.totals == b.totals
}
