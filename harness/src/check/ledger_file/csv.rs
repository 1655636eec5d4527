//! CSV ledgers as billing systems export them, read with the `csv` crate: `,`, `;` or
//! tab between fields (sniffed from the header), an optional UTF-8 BOM, header names
//! in any case and order, the user's own names for them ([`ColumnMap`]), columns the
//! checker does not use ignored (and said so once), statuses in any case. Errors name
//! the line and column where the field starts.

use chrono::{DateTime, FixedOffset};
use csv::StringRecord;
use tax_api::{LedgerEntry, LedgerStatus};

use super::columns::{known, Column, ColumnMap};
use super::{syntax, LedgerExport, LedgerFileError};

/// The delimiter that occurs most often, outside quotes, on the header line (`,` on a tie).
fn sniff(text: &str) -> u8 {
    let header = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in &mut counts {
                if b == *d {
                    *n += 1;
                }
            }
        }
    }
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// Where each field of the record starting at byte `start` (on line `line`) begins,
/// and where a quote left open to the end of the file was opened.
struct Scan {
    fields: Vec<(usize, usize)>,
    open_quote: Option<(usize, usize)>,
}

fn scan(text: &str, start: usize, line: usize, delimiter: u8) -> Scan {
    let before = text.get(..start).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    let mut at = (line, column);
    let mut fields = vec![at];
    let mut quoted = false;
    let mut field_start = true;
    let mut chars = text.get(start..).unwrap_or("").chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            at = (at.0 + 1, 1);
        } else {
            at.1 += 1;
        }
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    at.1 += 1;
                } else {
                    quoted = false;
                }
            }
            continue;
        }
        if c == '"' && field_start {
            quoted = true;
        } else if c == char::from(delimiter) {
            fields.push(at);
            field_start = true;
            continue;
        } else if c == '\n' {
            break;
        }
        field_start = false;
    }
    let open_quote = quoted.then(|| fields.last().copied().unwrap_or((line, 1)));
    Scan { fields, open_quote }
}

/// The reader's own positions: 1-based line of a record, and its byte offset.
struct Place {
    line: usize,
    byte: usize,
}

fn place(record: &StringRecord) -> Place {
    record
        .position()
        .map_or(Place { line: 1, byte: 0 }, |p| Place {
            line: usize::try_from(p.line()).unwrap_or(usize::MAX),
            byte: usize::try_from(p.byte()).unwrap_or(usize::MAX),
        })
}

/// Line and column where field `i` of a record starts.
fn field_at(text: &str, at: &Place, i: usize, delimiter: u8) -> (usize, usize) {
    let scan = scan(text, at.byte, at.line, delimiter);
    scan.fields
        .get(i)
        .or(scan.fields.last())
        .copied()
        .unwrap_or((at.line, 1))
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "commas",
    }
}

/// Reads a CSV ledger.
pub(super) fn csv_ledger(
    path: &str,
    text: &str,
    columns: &ColumnMap,
) -> Result<LedgerExport, LedgerFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = sniff(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e
                .position()
                .map_or(1, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
            syntax(path, line, 1, format!("expected CSV text, found {e}"))
        })?;
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push(record);
    }
    // The reader takes a quote left open as running to the end of the file: refuse it.
    if let Some(at) = rows.last().map(place) {
        if let Some((line, col)) = scan(text, at.byte, at.line, delimiter).open_quote {
            return Err(syntax(
                path,
                line,
                col,
                "expected a closing quote, found the end of the file",
            ));
        }
    }
    let mut export = LedgerExport::default();
    let mut rows = rows.into_iter();
    let Some(header) = rows.next() else {
        return Ok(export);
    };
    let header_at = place(&header);
    let mut slot: Vec<Option<usize>> = vec![None; Column::ALL.len()];
    let mut ignored = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let Some(column) = columns.column_of(name) else {
            ignored.push(format!("{:?}", name.trim()));
            continue;
        };
        if slot[column as usize].replace(i).is_some() {
            let (line, col) = field_at(text, &header_at, i, delimiter);
            return Err(syntax(
                path,
                line,
                col,
                format!("expected one column for {column}, found {name:?} as a second one"),
            ));
        }
    }
    for required in [Column::Number, Column::Status] {
        if slot[required as usize].is_none() {
            let found: Vec<String> = header.iter().map(|h| format!("{:?}", h.trim())).collect();
            return Err(syntax(
                path,
                header_at.line,
                1,
                format!(
                    "expected a header with a {required} column (named {:?}; name yours with \
                     --column {required}=HEADER), found {} separated by {}",
                    columns.header_of(required),
                    found.join(", "),
                    delimiter_name(delimiter)
                ),
            ));
        }
    }
    if !ignored.is_empty() {
        export.notes.push(format!(
            "{path}: ignored column(s) {} (the checker reads {}; map one with --column COLUMN=HEADER)",
            ignored.join(", "),
            known()
        ));
    }
    for record in rows {
        let at = place(&record);
        if record.len() != header.len() {
            let (line, col) = field_at(text, &at, record.len().saturating_sub(1), delimiter);
            return Err(syntax(
                path,
                line,
                col,
                format!(
                    "expected {} fields as in the header, found {}",
                    header.len(),
                    record.len()
                ),
            ));
        }
        let cell = |c: Column| slot[c as usize].and_then(|i| record.get(i)).map(str::trim);
        let locate = |c: Column| field_at(text, &at, slot[c as usize].unwrap_or(0), delimiter);
        let number = cell(Column::Number).unwrap_or("");
        if number.is_empty() {
            let (line, col) = locate(Column::Number);
            return Err(syntax(
                path,
                line,
                col,
                "expected an invoice number, found an empty field",
            ));
        }
        let status = cell(Column::Status).unwrap_or("");
        let parsed = match status.to_ascii_lowercase().as_str() {
            "confirmed" => LedgerStatus::Confirmed,
            "flagged" => LedgerStatus::Flagged,
            "pending" => LedgerStatus::Pending,
            _ => {
                let (line, col) = locate(Column::Status);
                return Err(syntax(
                    path,
                    line,
                    col,
                    format!("expected confirmed, flagged or pending, found {status:?}"),
                ));
            }
        };
        if let Some(seller) = cell(Column::SellerTaxId).filter(|s| !s.is_empty()) {
            export.sellers.insert(seller.to_string());
        }
        if let Some(issued) = cell(Column::IssuedAt).filter(|s| !s.is_empty()) {
            let Ok(time) = DateTime::parse_from_rfc3339(issued) else {
                let (line, col) = locate(Column::IssuedAt);
                return Err(syntax(
                    path,
                    line,
                    col,
                    format!("expected an RFC 3339 time such as 2025-05-02T16:57:33+08:00, found {issued:?}"),
                ));
            };
            widen(&mut export.issued, time);
        }
        let optional = |c: Column| cell(c).filter(|t| !t.is_empty()).map(str::to_string);
        export.ledger.entries.push(LedgerEntry {
            number: number.to_string(),
            status: parsed,
            reason: optional(Column::Reason),
            platform_ref: optional(Column::PlatformRef),
        });
    }
    Ok(export)
}

/// Stretches `range` to include `time`.
fn widen(
    range: &mut Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
    time: DateTime<FixedOffset>,
) {
    *range = Some(match *range {
        Some((from, to)) => (from.min(time), to.max(time)),
        None => (time, time),
    });
}
