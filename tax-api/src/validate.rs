//! Validation of an uploaded invoice: field checks first (`VALIDATION_FAILED`),
//! then the arithmetic (`TOTALS_MISMATCH`), so a client learns the first real problem.

use crate::error::ApiError;
use crate::invoice::{Invoice, InvoiceKind};

/// Longest `request_serial` the platform accepts.
pub const MAX_REQUEST_SERIAL_LEN: usize = 40;
/// Longest invoice number the platform accepts.
pub const MAX_NUMBER_LEN: usize = 40;
/// The one number a path cannot name: `/v1/invoices/query` is the query route.
pub const RESERVED_NUMBER: &str = "query";
/// Most line items one invoice may carry.
pub const MAX_LINES: usize = 1000;

/// `round(amount × tax_rate / 10000)`, half away from zero, without floats.
pub fn expected_tax(amount: i64, tax_rate: i64) -> Option<i64> {
    let product = i128::from(amount) * i128::from(tax_rate);
    let half = 5_000i128;
    let rounded = if product >= 0 {
        (product + half) / 10_000
    } else {
        (product - half) / 10_000
    };
    i64::try_from(rounded).ok()
}

fn require_text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    require_text_at(|| field.to_owned(), value, max)
}

/// [`require_text`] with the field name built only for an error: a per-line name
/// built eagerly was an allocation per line of every valid upload.
fn require_text_at(
    field: impl FnOnce() -> String,
    value: &str,
    max: usize,
) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        let field = field();
        return Err(ApiError::validation(
            &field,
            format!("{field} must not be empty"),
        ));
    }
    // A string of at most `max` bytes has at most `max` characters: count only longer ones.
    if value.len() > max && value.chars().count() > max {
        let field = field();
        return Err(ApiError::validation(
            &field,
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(())
}

/// Checks an invoice as the platform does on upload.
pub fn validate(invoice: &Invoice) -> Result<(), ApiError> {
    require_text("number", &invoice.number, MAX_NUMBER_LEN)?;
    if !invoice
        .number
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::validation(
            "number",
            "number may hold only ASCII letters, digits, '-' and '_'",
        ));
    }
    if invoice.number == RESERVED_NUMBER {
        return Err(ApiError::validation(
            "number",
            "number \"query\" is reserved: /v1/invoices/query is the reconciliation route, \
             so an invoice under that number could never be read back",
        ));
    }
    require_text(
        "request_serial",
        &invoice.request_serial,
        MAX_REQUEST_SERIAL_LEN,
    )?;
    require_text("seller_tax_id", &invoice.seller_tax_id, 40)?;
    require_text("buyer_tax_id", &invoice.buyer_tax_id, 40)?;
    require_text("buyer_name", &invoice.buyer_name, 200)?;
    if chrono::DateTime::parse_from_rfc3339(&invoice.issued_at).is_err() {
        return Err(ApiError::validation(
            "issued_at",
            format!(
                "issued_at {:?} is not an RFC 3339 time with offset",
                invoice.issued_at
            ),
        ));
    }
    if invoice.currency.len() != 3 || !invoice.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(ApiError::validation(
            "currency",
            format!(
                "currency {:?} is not a three-letter ISO 4217 code",
                invoice.currency
            ),
        ));
    }
    if invoice.lines.is_empty() {
        return Err(ApiError::validation(
            "lines",
            "an invoice needs at least one line",
        ));
    }
    if invoice.lines.len() > MAX_LINES {
        return Err(ApiError::validation(
            "lines",
            format!("an invoice may carry at most {MAX_LINES} lines"),
        ));
    }
    for (i, line) in invoice.lines.iter().enumerate() {
        let field = |name: &str| format!("lines[{i}].{name}");
        require_text_at(|| field("description"), &line.description, 200)?;
        let sign_ok = match invoice.kind {
            InvoiceKind::Blue => line.quantity > 0,
            InvoiceKind::Red => line.quantity < 0,
        };
        if !sign_ok {
            return Err(ApiError::validation(
                &field("quantity"),
                format!(
                    "{} must be {} on a {} invoice",
                    field("quantity"),
                    if invoice.kind == InvoiceKind::Blue {
                        "positive"
                    } else {
                        "negative"
                    },
                    invoice.kind.as_str()
                ),
            ));
        }
        if line.unit_price < 0 {
            return Err(ApiError::validation(
                &field("unit_price"),
                format!("{} must not be negative", field("unit_price")),
            ));
        }
        if !(0..=10_000).contains(&line.tax_rate) {
            return Err(ApiError::validation(
                &field("tax_rate"),
                format!("{} must be 0..=10000 basis points", field("tax_rate")),
            ));
        }
        let amount = line.quantity.checked_mul(line.unit_price).ok_or_else(|| {
            ApiError::validation(&field("amount"), format!("{} overflows", field("amount")))
        })?;
        if amount != line.amount {
            return Err(ApiError::totals_mismatch(
                &field("amount"),
                amount,
                line.amount,
            ));
        }
        let tax = expected_tax(line.amount, line.tax_rate).ok_or_else(|| {
            ApiError::validation(&field("tax"), format!("{} overflows", field("tax")))
        })?;
        if tax != line.tax {
            return Err(ApiError::totals_mismatch(&field("tax"), tax, line.tax));
        }
    }
    let sums = invoice
        .computed_totals()
        .ok_or_else(|| ApiError::validation("totals", "totals overflow"))?;
    let t = &invoice.totals;
    if sums.amount_excl_tax != t.amount_excl_tax {
        return Err(ApiError::totals_mismatch(
            "totals.amount_excl_tax",
            sums.amount_excl_tax,
            t.amount_excl_tax,
        ));
    }
    if sums.tax != t.tax {
        return Err(ApiError::totals_mismatch("totals.tax", sums.tax, t.tax));
    }
    if sums.total_incl_tax != t.total_incl_tax {
        return Err(ApiError::totals_mismatch(
            "totals.total_incl_tax",
            sums.total_incl_tax,
            t.total_incl_tax,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Invoice {
        Invoice::example()
    }

    #[test]
    fn design_example_is_valid() {
        assert_eq!(validate(&example()), Ok(()));
    }

    #[test]
    fn text_limits_count_characters_not_bytes() {
        let mut inv = example();
        inv.buyer_name = "é".repeat(200);
        assert_eq!(validate(&inv), Ok(()));
        inv.buyer_name.push('é');
        let err = validate(&inv).unwrap_err();
        assert_eq!(err.details["field"], "buyer_name");
        assert!(err.message.contains("longer than 200"), "{}", err.message);
    }

    #[test]
    fn a_blank_line_description_names_the_line() {
        let mut inv = example();
        inv.lines[0].description = "  ".into();
        let err = validate(&inv).unwrap_err();
        assert_eq!(err.details["field"], "lines[0].description");
    }

    #[test]
    fn tax_rounds_half_away_from_zero() {
        assert_eq!(expected_tax(50, 1000), Some(5));
        assert_eq!(expected_tax(5, 1000), Some(1)); // 0.5 rounds up
        assert_eq!(expected_tax(4, 1000), Some(0)); // 0.4 rounds down
        assert_eq!(expected_tax(-5, 1000), Some(-1));
    }

    #[test]
    fn wrong_total_is_totals_mismatch_naming_the_field() {
        let mut inv = example();
        inv.totals.total_incl_tax += 1;
        let err = validate(&inv).unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::TotalsMismatch);
        assert_eq!(err.details["field"], "totals.total_incl_tax");
    }

    #[test]
    fn wrong_line_tax_is_totals_mismatch() {
        let mut inv = example();
        inv.lines[0].tax = 11699;
        assert_eq!(validate(&inv).unwrap_err().details["field"], "lines[0].tax");
    }

    #[test]
    fn empty_buyer_name_is_validation_failed() {
        let mut inv = example();
        inv.buyer_name = " ".into();
        let err = validate(&inv).unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::ValidationFailed);
        assert_eq!(err.details["field"], "buyer_name");
    }

    #[test]
    fn long_request_serial_is_rejected() {
        let mut inv = example();
        inv.request_serial = "x".repeat(41);
        assert_eq!(
            validate(&inv).unwrap_err().details["field"],
            "request_serial"
        );
    }

    #[test]
    fn the_number_query_is_reserved_for_the_query_route() {
        let mut inv = example();
        inv.number = "query".into();
        assert_eq!(validate(&inv).unwrap_err().details["field"], "number");
        inv.number = "query-1".into();
        assert_eq!(validate(&inv), Ok(()));
    }

    #[test]
    fn bad_issued_at_and_no_lines_are_rejected() {
        let mut inv = example();
        inv.issued_at = "2025-05-02 16:57".into();
        assert_eq!(validate(&inv).unwrap_err().details["field"], "issued_at");
        let mut inv = example();
        inv.lines.clear();
        assert_eq!(validate(&inv).unwrap_err().details["field"], "lines");
    }
}
