//! The maintenance section's two tables — windows, and what each migration did —
//! as columns and plain cells, so `summary.md` and `report.html` show the same
//! table and each adds only its own escaping and emphasis.

use crate::check::{MigrationOutcome, WindowSpan};

/// A column: its heading and whether its cells are numbers (aligned right).
pub(crate) struct Column {
    pub title: &'static str,
    pub numeric: bool,
}

const fn col(title: &'static str, numeric: bool) -> Column {
    Column { title, numeric }
}

pub(crate) const WINDOW_COLUMNS: [Column; 4] = [
    col("window", false),
    col("start", true),
    col("end", true),
    col("reads", false),
];

pub(crate) const MIGRATION_COLUMNS: [Column; 9] = [
    col("migration", false),
    col("kind", false),
    col("since", false),
    col("eligible", true),
    col("lost", true),
    col("stripped", true),
    col("reverted", true),
    col("client caught", true),
    col("client missed", true),
];

/// What the migration table's "caught" and "missed" mean.
pub(crate) const MIGRATION_LEGEND: &str =
    "Caught: the invoice ended flagged, or uploaded again and intact. Missed: it ended as a violation.";

/// "allowed" or "refused": whether a window let reads through.
pub(crate) fn reads_word(w: &WindowSpan) -> &'static str {
    if w.reads_allowed {
        "allowed"
    } else {
        "refused"
    }
}

/// A window's row, unescaped; an unnamed window shows `—`.
pub(crate) fn window_cells(w: &WindowSpan) -> [String; 4] {
    [
        w.name.clone().unwrap_or_else(|| "—".to_string()),
        format!("+{} ms", w.start_ms),
        format!("+{} ms", w.end_ms),
        reads_word(w).to_string(),
    ]
}

/// A migration's row, unescaped.
pub(crate) fn migration_cells(g: &MigrationOutcome) -> [String; 9] {
    [
        g.name.clone(),
        g.kind.clone(),
        g.since.clone(),
        g.eligible.to_string(),
        g.lost.to_string(),
        g.stripped.to_string(),
        g.reverted.to_string(),
        g.caught.to_string(),
        g.missed.to_string(),
    ]
}
