//! Contract tests: the published content-hash vectors and the wire shapes.

// Test helpers outside #[test] functions may panic: the panic is the failure report.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod fuzz;

use tax_api::{canonical_encoding, content_hash, validate, ApiError, ErrorCode, Invoice};

#[derive(serde::Deserialize)]
struct VectorFile {
    encoding: String,
    vectors: Vec<Vector>,
}

#[derive(serde::Deserialize)]
struct Vector {
    name: String,
    invoice: Invoice,
    canonical: String,
    content_hash: String,
}

fn vectors() -> VectorFile {
    let text = include_str!("../vectors.json");
    serde_json::from_str(text).expect("vectors.json parses")
}

#[test]
fn published_vectors_match_the_canonical_encoding_and_hash() {
    let file = vectors();
    assert_eq!(file.encoding, "invoice-chaos-content-v1");
    assert!(file.vectors.len() >= 3);
    for v in &file.vectors {
        let encoded = String::from_utf8(canonical_encoding(&v.invoice)).unwrap();
        assert_eq!(encoded, v.canonical, "canonical encoding of {}", v.name);
        assert_eq!(
            content_hash(&v.invoice),
            v.content_hash,
            "content_hash of {}",
            v.name
        );
    }
}

#[test]
fn every_published_vector_is_a_valid_invoice() {
    for v in vectors().vectors {
        assert_eq!(validate(&v.invoice), Ok(()), "{} should validate", v.name);
    }
}

#[test]
fn request_serial_does_not_change_the_hash_but_content_does() {
    let mut inv = vectors().vectors.remove(0).invoice;
    let original = content_hash(&inv);
    inv.request_serial = "retry-with-another-serial".into();
    assert_eq!(content_hash(&inv), original);
    inv.lines[0].description.push('!');
    assert_ne!(content_hash(&inv), original);
}

#[test]
fn same_content_agrees_with_comparing_canonical_encodings_field_by_field() {
    let sent = Invoice::example();
    let mut variants: Vec<Invoice> = Vec::new();
    let mut v = |f: &dyn Fn(&mut Invoice)| {
        let mut x = sent.clone();
        f(&mut x);
        variants.push(x);
    };
    v(&|_| {});
    v(&|i| i.request_serial.push('X'));
    v(&|i| i.number.push('X'));
    v(&|i| i.seller_tax_id.push('X'));
    v(&|i| i.buyer_tax_id.push('X'));
    v(&|i| i.buyer_name.push('X'));
    v(&|i| i.kind = tax_api::InvoiceKind::Red);
    v(&|i| i.issued_at.push('X'));
    v(&|i| i.currency.push('X'));
    v(&|i| i.lines.clear());
    v(&|i| i.lines.push(i.lines[0].clone()));
    v(&|i| i.lines[0].description.push('X'));
    v(&|i| i.lines[0].quantity += 1);
    v(&|i| i.lines[0].unit_price += 1);
    v(&|i| i.lines[0].tax_rate += 1);
    v(&|i| i.lines[0].amount += 1);
    v(&|i| i.lines[0].tax += 1);
    v(&|i| i.totals.amount_excl_tax += 1);
    v(&|i| i.totals.tax += 1);
    v(&|i| i.totals.total_incl_tax += 1);
    let mut differing = 0;
    for other in &variants {
        let by_encoding = canonical_encoding(&sent) == canonical_encoding(other);
        assert_eq!(
            tax_api::hash::same_content(&sent, other),
            by_encoding,
            "{other:?}"
        );
        differing += usize::from(!by_encoding);
    }
    // Only the unchanged copy and the one with another request_serial agree.
    assert_eq!(differing, variants.len() - 2);
}

#[test]
fn a_stored_record_reads_back_what_was_written_ignoring_unknown_fields() {
    let inv = Invoice::example();
    let stored = tax_api::StoredInvoice {
        invoice: inv.clone(),
        platform_ref: "P-1".into(),
        line_count: 1,
        content_hash: content_hash(&inv),
        received_at: "2025-05-02T08:57:33Z".into(),
        persisted_at: "2025-05-02T08:57:34Z".into(),
    };
    let mut record = serde_json::to_value(&stored).unwrap();
    assert_eq!(
        record["number"],
        inv.number.as_str(),
        "the invoice is flattened"
    );
    record["unknown_field"] = serde_json::json!(1);
    let back: tax_api::StoredInvoice = serde_json::from_value(record.clone()).unwrap();
    assert_eq!(back, stored);
    record.as_object_mut().unwrap().remove("lines");
    assert!(serde_json::from_value::<tax_api::StoredInvoice>(record).is_err());
}

#[test]
fn dropping_lines_changes_the_hash() {
    let mut inv = vectors().vectors.remove(1).invoice;
    let original = content_hash(&inv);
    inv.lines.truncate(1);
    assert_ne!(content_hash(&inv), original);
}

#[test]
fn upload_body_with_an_unknown_field_is_refused_by_the_model() {
    let body = r#"{"number":"1","request_serial":"s","seller_tax_id":"a","buyer_tax_id":"b",
        "buyer_name":"c","kind":"blue","issued_at":"2025-05-02T16:57:33+08:00","currency":"CNY",
        "lines":[],"totals":{"amount_excl_tax":0,"tax":0,"total_incl_tax":0},"extra":1}"#;
    let err = serde_json::from_str::<Invoice>(body).unwrap_err();
    assert!(err.to_string().contains("extra"), "{err}");
}

#[test]
fn error_envelope_serialises_with_code_message_retryable_details() {
    let err = ApiError::duplicate("42", Some("PR-1"));
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["code"], "DUPLICATE");
    assert_eq!(json["retryable"], false);
    assert_eq!(json["details"]["original_ref"], "PR-1");
    assert_eq!(err.status(), 409);
    let back: ApiError = serde_json::from_value(json).unwrap();
    assert_eq!(back, err);
}

#[test]
fn every_error_code_has_its_documented_status() {
    let table = [
        (ErrorCode::ValidationFailed, 400, "VALIDATION_FAILED"),
        (ErrorCode::TotalsMismatch, 422, "TOTALS_MISMATCH"),
        (ErrorCode::Unauthorized, 401, "UNAUTHORIZED"),
        (ErrorCode::Duplicate, 409, "DUPLICATE"),
        (ErrorCode::NotFound, 404, "NOT_FOUND"),
        (ErrorCode::RateLimited, 429, "RATE_LIMITED"),
        (ErrorCode::Maintenance, 503, "MAINTENANCE"),
        (ErrorCode::Internal, 500, "INTERNAL"),
    ];
    for (code, status, wire) in table {
        assert_eq!(code.status(), status);
        assert_eq!(serde_json::to_value(code).unwrap(), wire);
        assert_eq!(code.as_str(), wire);
    }
}

#[test]
fn the_example_invoice_is_the_documented_upload_body() {
    let body = include_str!("../../../docs/examples/invoice.json");
    let documented: Invoice = serde_json::from_str(body).unwrap();
    assert_eq!(documented, Invoice::example());
    assert_eq!(validate(&Invoice::example()), Ok(()));
}
