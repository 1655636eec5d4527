//! `violations.csv` and `flagged.csv`: the invoices a billing team has to look at,
//! one row each, for a spreadsheet. Every violation is listed (the other formats
//! show the first few); `flagged.csv` holds the false flags, the other cost of a
//! client: intact invoices a person will check for nothing.

use super::text::{client_str, faults_seen, fields_str, platform_str};
use super::ReportError;
use crate::check::CheckResult;

const VIOLATION_COLUMNS: [&str; 14] = [
    "number",
    "seller_tax_id",
    "class",
    "cause_rule",
    "fault_kind",
    "client_status",
    "client_reason",
    "platform_state",
    "missing_fields",
    "differing_fields",
    "copies",
    "issued_at_ms",
    "platform_ref",
    "detail",
];

const FLAGGED_COLUMNS: [&str; 8] = [
    "number",
    "seller_tax_id",
    "client_reason",
    "platform_state",
    "platform_ref",
    "issued_at_ms",
    "faults_seen",
    "requests",
];

fn render_error(file: &'static str) -> impl Fn(String) -> ReportError {
    move |message| ReportError::Render { file, message }
}

fn finish(writer: ::csv::Writer<Vec<u8>>, file: &'static str) -> Result<String, ReportError> {
    let bytes = writer
        .into_inner()
        .map_err(|e| render_error(file)(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| render_error(file)(e.to_string()))
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(String::new, |v| v.to_string())
}

/// A cell a spreadsheet shows as text: client reasons and stored values come from
/// systems under test, and a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return would run as a formula when the file is opened (OWASP "CSV injection"). Such
/// a cell gets a leading `'`, which spreadsheets hide; a plain number stays as it is.
fn text(value: String) -> String {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value
    }
}

/// Renders `violations.csv`: a header, then one row per violation in report order.
pub fn render_violations_csv(result: &CheckResult) -> Result<String, ReportError> {
    const FILE: &str = "violations.csv";
    let fail = |e: ::csv::Error| render_error(FILE)(e.to_string());
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(VIOLATION_COLUMNS).map_err(fail)?;
    for v in &result.violations {
        let cause = v.cause.as_ref();
        let differing = if v.differing_fields.is_empty() {
            String::new()
        } else {
            fields_str(v).unwrap_or_default()
        };
        w.write_record([
            text(v.number.clone()),
            text(opt(v.seller_tax_id.as_deref())),
            v.class.as_str().to_string(),
            text(opt(cause.map(|c| c.rule.as_str()))),
            opt(cause.map(|c| c.kind.as_str())),
            client_str(v.client.status).to_string(),
            text(opt(v.client.reason.as_deref())),
            platform_str(v.platform.state).to_string(),
            v.missing_fields.join(" "),
            text(differing),
            opt(v.copies),
            opt(v.client.issued_at_ms),
            text(opt(v.platform.platform_ref.as_deref())),
            text(v.detail.clone()),
        ])
        .map_err(fail)?;
    }
    finish(w, FILE)
}

/// Renders `flagged.csv`: a header, then one row per invoice the client flagged
/// although the platform holds it intact, with the faults its requests met.
pub fn render_flagged_csv(result: &CheckResult) -> Result<String, ReportError> {
    const FILE: &str = "flagged.csv";
    let fail = |e: ::csv::Error| render_error(FILE)(e.to_string());
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(FLAGGED_COLUMNS).map_err(fail)?;
    for f in &result.false_flags {
        w.write_record([
            text(f.number.clone()),
            text(opt(f.seller_tax_id.as_deref())),
            text(opt(f.client.reason.as_deref())),
            "intact".to_string(),
            text(opt(f.platform_ref.as_deref())),
            opt(f.client.issued_at_ms),
            text(faults_seen(&f.chain).join("; ")),
            f.chain.len().to_string(),
        ])
        .map_err(fail)?;
    }
    finish(w, FILE)
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn formulas_are_neutralised_and_numbers_and_plain_text_kept() {
        for (cell, shown) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+cmd", "'+1+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-12.5", "-12.5"),
            ("+7", "+7"),
            ("timeout after 3 tries", "timeout after 3 tries"),
            ("", ""),
        ] {
            assert_eq!(text(cell.to_string()), shown, "{cell:?}");
        }
    }
}
