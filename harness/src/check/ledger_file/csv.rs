//! CSV ledgers (RFC 4180): a header naming `number`, `status` and optionally
//! `reason` and `platform_ref`, in any order; quoted fields may hold commas, `""`
//! and line breaks. Errors name the line and column where the field starts.

use tax_api::{LedgerEntry, LedgerStatus};

use super::{syntax, LedgerFileError};

/// One CSV field with where it started.
struct Field {
    text: String,
    line: usize,
    column: usize,
}

impl Field {
    /// An empty field starting at `line`:`column`.
    fn empty_at(line: usize, column: usize) -> Self {
        Field {
            text: String::new(),
            line,
            column,
        }
    }
}

/// RFC 4180 records: quoted fields may hold commas, `""` and line breaks.
fn csv_records(path: &str, text: &str) -> Result<Vec<Vec<Field>>, LedgerFileError> {
    let mut records = Vec::new();
    let mut record: Vec<Field> = Vec::new();
    let (mut line, mut column) = (1usize, 1usize);
    let mut chars = text.chars().peekable();
    let mut field = Field::empty_at(line, column);
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        let (here_line, here_column) = (line, column);
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    column += 1;
                    field.text.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.text.push(c);
            }
            continue;
        }
        match c {
            '"' if field.text.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' => {
                return Err(syntax(
                    path,
                    here_line,
                    here_column,
                    "expected a quote only at the start of a field, found one inside it",
                ));
            }
            ',' => {
                record.push(std::mem::replace(&mut field, Field::empty_at(line, column)));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::replace(&mut field, Field::empty_at(line, column)));
                was_quoted = false;
                if !(record.len() == 1 && record[0].text.trim().is_empty()) {
                    records.push(std::mem::take(&mut record));
                } else {
                    record.clear();
                }
            }
            _ if was_quoted && !c.is_whitespace() => {
                return Err(syntax(
                    path,
                    here_line,
                    here_column,
                    format!("expected a comma after a quoted field, found {c:?}"),
                ));
            }
            _ => field.text.push(c),
        }
    }
    if quoted {
        return Err(syntax(
            path,
            field.line,
            field.column,
            "expected a closing quote, found the end of the file",
        ));
    }
    if !field.text.is_empty() || !record.is_empty() || was_quoted {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

const COLUMNS: [&str; 4] = ["number", "status", "reason", "platform_ref"];

pub(super) fn csv_entries(
    path: &str,
    text: &str,
) -> Result<Vec<(usize, LedgerEntry)>, LedgerFileError> {
    let mut records = csv_records(path, text)?.into_iter();
    let Some(header) = records.next() else {
        return Ok(Vec::new());
    };
    let mut slot: [Option<usize>; 4] = [None; 4];
    for (i, f) in header.iter().enumerate() {
        let name = f.text.trim().trim_start_matches('\u{feff}');
        let Some(k) = COLUMNS.iter().position(|c| *c == name) else {
            return Err(syntax(path, f.line, f.column, format!("expected a column named number, status, reason or platform_ref, found {name:?}")));
        };
        if slot[k].is_some() {
            return Err(syntax(
                path,
                f.line,
                f.column,
                format!("expected column {name} once, found it again"),
            ));
        }
        slot[k] = Some(i);
    }
    let (Some(number_at), Some(status_at)) = (slot[0], slot[1]) else {
        let missing = if slot[0].is_none() {
            "number"
        } else {
            "status"
        };
        return Err(syntax(path, 1, 1, format!("expected a header with a {missing} column (number,status,reason,platform_ref), found none")));
    };
    let mut out = Vec::new();
    for record in records {
        let line = record.first().map_or(1, |f| f.line);
        if record.len() != header.len() {
            let last = record.last().map_or(1, |f| f.column);
            return Err(syntax(
                path,
                line,
                last,
                format!(
                    "expected {} fields as in the header, found {}",
                    header.len(),
                    record.len()
                ),
            ));
        }
        let number = &record[number_at];
        if number.text.trim().is_empty() {
            return Err(syntax(
                path,
                number.line,
                number.column,
                "expected an invoice number, found an empty field",
            ));
        }
        let status = &record[status_at];
        let parsed = match status.text.trim() {
            "confirmed" => LedgerStatus::Confirmed,
            "flagged" => LedgerStatus::Flagged,
            "pending" => LedgerStatus::Pending,
            other => {
                return Err(syntax(
                    path,
                    status.line,
                    status.column,
                    format!("expected confirmed, flagged or pending, found {other:?}"),
                ));
            }
        };
        let optional = |k: usize| {
            slot[k]
                .map(|i| record[i].text.clone())
                .filter(|t| !t.trim().is_empty())
        };
        out.push((
            line,
            LedgerEntry {
                number: number.text.trim().to_string(),
                status: parsed,
                reason: optional(2),
                platform_ref: optional(3),
            },
        ));
    }
    Ok(out)
}
