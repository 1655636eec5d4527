//! The columns a CSV ledger may hold, and the user's own names for them
//! (`--column number=InvoiceNo,status=State`, or `[client] columns` in a script).

use std::collections::BTreeMap;
use std::fmt;

/// A column the ledger reader understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    /// The invoice number (required).
    Number,
    /// `confirmed`, `flagged` or `pending`, in any case (required).
    Status,
    /// Why the entry is flagged or pending.
    Reason,
    /// The platform's reference.
    PlatformRef,
    /// The seller the invoice is for: tells the checker whose records to look at.
    SellerTaxId,
    /// When the invoice was issued (RFC 3339): tells the checker which period the ledger covers.
    IssuedAt,
}

impl Column {
    /// Every column, in the order messages list them.
    pub const ALL: [Column; 6] = [
        Column::Number,
        Column::Status,
        Column::Reason,
        Column::PlatformRef,
        Column::SellerTaxId,
        Column::IssuedAt,
    ];

    /// The column's own name, as a header may spell it.
    pub fn name(self) -> &'static str {
        match self {
            Column::Number => "number",
            Column::Status => "status",
            Column::Reason => "reason",
            Column::PlatformRef => "platform_ref",
            Column::SellerTaxId => "seller_tax_id",
            Column::IssuedAt => "issued_at",
        }
    }

    /// The column a name stands for, compared like headers are.
    pub fn named(name: &str) -> Option<Column> {
        let wanted = normalise(name);
        Column::ALL.into_iter().find(|c| c.name() == wanted)
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How header names are compared: case, surrounding blanks, and ` ` or `-` for `_`
/// do not matter (`Platform Ref` is `platform_ref`).
pub(crate) fn normalise(name: &str) -> String {
    name.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The user's header name for some columns; the others keep their own names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    names: BTreeMap<Column, String>,
}

/// A column mapping that names no known column or is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ColumnMapError(pub String);

impl ColumnMap {
    /// Maps `column` to the header `header`.
    pub fn insert(&mut self, column: &str, header: &str) -> Result<(), ColumnMapError> {
        let Some(c) = Column::named(column) else {
            return Err(ColumnMapError(format!(
                "expected a column among {}, found {column:?}",
                known()
            )));
        };
        if header.trim().is_empty() {
            return Err(ColumnMapError(format!(
                "expected a header name for {c}, found nothing"
            )));
        }
        if self.names.insert(c, header.trim().to_string()).is_some() {
            return Err(ColumnMapError(format!(
                "expected {c} mapped once, found it again"
            )));
        }
        Ok(())
    }

    /// Parses `number=InvoiceNo,status=State` (the `--column` flag; it may be repeated).
    pub fn parse_into(&mut self, text: &str) -> Result<(), ColumnMapError> {
        for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
            let Some((column, header)) = pair.split_once('=') else {
                return Err(ColumnMapError(format!(
                    "expected COLUMN=HEADER (e.g. number=InvoiceNo), found {pair:?}"
                )));
            };
            self.insert(column, header)?;
        }
        Ok(())
    }

    /// The column a header names, under this mapping.
    pub fn column_of(&self, header: &str) -> Option<Column> {
        let wanted = normalise(header);
        if let Some((c, _)) = self.names.iter().find(|(_, h)| normalise(h) == wanted) {
            return Some(*c);
        }
        Column::named(header).filter(|c| !self.names.contains_key(c))
    }

    /// The header name expected for `column`.
    pub fn header_of(&self, column: Column) -> &str {
        self.names
            .get(&column)
            .map_or(column.name(), String::as_str)
    }

    /// Whether the user mapped no column.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The known columns, for messages.
pub(crate) fn known() -> String {
    Column::ALL
        .iter()
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(", ")
}
