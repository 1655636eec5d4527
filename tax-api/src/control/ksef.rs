//! What the truth adds for an invoice sent through the KSeF 2.0 dialect: the names
//! KSeF gave it, so a KSeF client's ledger can be joined to the truth by them.

use serde::{Deserialize, Serialize};

/// The KSeF names of one stored invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KsefIdentity {
    /// The KSeF number assigned at acquisition (`{NIP}-{YYYYMMDD}-{hex}-{crc}`).
    pub ksef_number: String,
    /// The online session (`SO…` reference) it was sent in.
    pub session_reference: String,
    /// The invoice's own reference in that session (`EE…`).
    pub invoice_reference: String,
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use crate::{Integrity, KsefIdentity, TruthRecord};

    fn record(ksef: Option<KsefIdentity>) -> TruthRecord {
        TruthRecord {
            seller_tax_id: "5265877635".into(),
            number: "FV/1".into(),
            platform_ref: "PLT-0000000001".into(),
            integrity: Integrity::Intact,
            sent_hash: "h".into(),
            stored_hash: Some("h".into()),
            sent_line_count: 1,
            stored_line_count: 1,
            copies: 1,
            cause: None,
            persisted_at: "2026-01-01T00:00:00.000Z".into(),
            checkpointed: false,
            stored: None,
            ksef,
        }
    }

    #[test]
    fn a_v1_record_serialises_without_a_ksef_field_and_reads_back() {
        let text = serde_json::to_string(&record(None)).unwrap();
        assert!(!text.contains("ksef"), "{text}");
        let back: TruthRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back, record(None));
    }

    #[test]
    fn a_ksef_record_carries_its_number_and_session_both_ways() {
        let ids = KsefIdentity {
            ksef_number: "5265877635-20260101-0123456789AB-CD".into(),
            session_reference: "20260101-SO-0000000001-0123456789-01".into(),
            invoice_reference: "20260101-EE-0000000002-0123456789-02".into(),
        };
        let value: Value = serde_json::to_value(record(Some(ids.clone()))).unwrap();
        assert_eq!(
            value["ksef"],
            json!({
                "ksef_number": ids.ksef_number,
                "session_reference": ids.session_reference,
                "invoice_reference": ids.invoice_reference,
            })
        );
        let back: TruthRecord = serde_json::from_value(value).unwrap();
        assert_eq!(back.ksef, Some(ids));
    }
}
