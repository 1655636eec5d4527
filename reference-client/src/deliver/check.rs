//! Does the platform's copy match what the client sent? The read-back check behind
//! every robust confirmation.

use tax_api::hash::same_content;
use tax_api::{Invoice, StoredInvoice};

/// How a stored copy differs from the invoice sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Damage {
    /// Lines or fields are missing.
    Partial(String),
    /// Something is altered.
    Corrupted(String),
}

impl Damage {
    /// The flag reason for a person.
    pub(crate) fn reason(&self) -> String {
        match self {
            Damage::Partial(d) => format!("PARTIAL: {d}"),
            Damage::Corrupted(d) => format!("CORRUPTED: {d}"),
        }
    }
}

fn dropped_text(sent: &Invoice, stored: &Invoice) -> Option<&'static str> {
    let pairs = [
        ("buyer_tax_id", &sent.buyer_tax_id, &stored.buyer_tax_id),
        ("buyer_name", &sent.buyer_name, &stored.buyer_name),
        ("issued_at", &sent.issued_at, &stored.issued_at),
        ("currency", &sent.currency, &stored.currency),
    ];
    pairs
        .into_iter()
        .find(|(_, a, b)| !a.is_empty() && b.is_empty())
        .map(|(name, _, _)| name)
}

/// `Ok(())` when the stored copy is complete and equal in content to `sent`: its
/// `content_hash` and `line_count` agree with ours (`ours` is `sent`'s content hash,
/// computed when the invoice was accepted) and its fields compare equal.
pub(crate) fn compare(sent: &Invoice, ours: &str, stored: &StoredInvoice) -> Result<(), Damage> {
    let sent_lines = sent.lines.len();
    if stored.line_count < sent_lines || stored.invoice.lines.len() < sent_lines {
        return Err(Damage::Partial(format!(
            "the platform holds {} of {} lines",
            stored.line_count.min(stored.invoice.lines.len()),
            sent_lines
        )));
    }
    if let Some(field) = dropped_text(sent, &stored.invoice) {
        return Err(Damage::Partial(format!("the platform holds no {field}")));
    }
    if stored.content_hash != ours {
        return Err(Damage::Corrupted(format!(
            "stored content_hash {} differs from the sent {}",
            stored.content_hash, ours
        )));
    }
    if stored.line_count != sent_lines || !same_content(sent, &stored.invoice) {
        return Err(Damage::Corrupted(
            "the stored fields differ from the sent invoice".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::invoice;

    fn stored(inv: &Invoice) -> StoredInvoice {
        StoredInvoice {
            invoice: inv.clone(),
            platform_ref: "P-1".into(),
            line_count: inv.lines.len(),
            content_hash: tax_api::content_hash(inv),
            received_at: "2025-05-02T08:57:33Z".into(),
            persisted_at: "2025-05-02T08:57:33Z".into(),
        }
    }

    #[test]
    fn an_exact_copy_passes() {
        let inv = invoice("N-1");
        assert_eq!(
            compare(&inv, &tax_api::content_hash(&inv), &stored(&inv)),
            Ok(())
        );
    }

    #[test]
    fn a_copy_without_lines_is_partial() {
        let inv = invoice("N-1");
        let mut damaged = inv.clone();
        damaged.lines.clear();
        let err = compare(&inv, &tax_api::content_hash(&inv), &stored(&damaged)).unwrap_err();
        assert!(matches!(err, Damage::Partial(_)), "{err:?}");
        assert!(err.reason().contains("0 of 1 lines"), "{}", err.reason());
    }

    #[test]
    fn an_altered_field_is_corruption() {
        let inv = invoice("N-1");
        let mut damaged = inv.clone();
        damaged.buyer_name.push('X');
        assert!(matches!(
            compare(&inv, &tax_api::content_hash(&inv), &stored(&damaged)),
            Err(Damage::Corrupted(_))
        ));
    }

    #[test]
    fn a_hash_that_disagrees_with_identical_fields_is_corruption() {
        let inv = invoice("N-1");
        let mut s = stored(&inv);
        s.content_hash = "00".into();
        assert!(matches!(
            compare(&inv, &tax_api::content_hash(&inv), &s),
            Err(Damage::Corrupted(_))
        ));
    }
}
