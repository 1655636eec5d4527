//! `invoice-chaos diff RUN_A RUN_B`: what changed from one run to the next, read from
//! their `report.json` files only — verdicts, counts per class, fault fires, the
//! invoices that violate in one run and not the other, migrations side by side.
//! Exit 1 if B is worse than A in any violation class, so a rehearsal can gate on
//! "no worse than before".
//!
//! - `compare`: the comparison itself (what `--json` prints).
//! - `terminal`: the table for a terminal.
//! - `html`: `diff.html`.

mod compare;
mod html;
mod terminal;

use std::path::{Path, PathBuf};

pub use compare::{compare, Diff};
pub use html::render_diff_html;
pub(crate) use terminal::render_terminal;

use crate::exit::Exit;
use crate::report::read::{read_report, report_path};

/// Settings of `invoice-chaos diff`.
#[derive(Debug, Clone)]
pub struct DiffArgs {
    /// The earlier run's directory (or its `report.json`).
    pub a: PathBuf,
    /// The later run's directory (or its `report.json`).
    pub b: PathBuf,
    /// Print the comparison as JSON instead of the table.
    pub json: bool,
    /// Where `diff.html` goes (default: in B's directory).
    pub html: Option<PathBuf>,
}

/// Where `diff.html` goes by default: beside B's `report.json`.
fn default_html(b: &Path) -> PathBuf {
    report_path(b)
        .parent()
        .map_or_else(|| PathBuf::from("diff.html"), |d| d.join("diff.html"))
}

/// `invoice-chaos diff`: prints the comparison, writes `diff.html`, and exits 0 if B
/// is no worse than A, 1 if it is worse, 2 if a run is inconclusive, 254 if a report
/// cannot be read, 255 if `diff.html` cannot be written.
pub fn diff_command(args: &DiffArgs) -> Exit {
    let read = |p: &Path| {
        read_report(p).map_err(|e| {
            eprintln!("error: {e}");
            Exit::BadInput
        })
    };
    let (a, b) = match (read(&args.a), read(&args.b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let diff = compare(
        &args.a.display().to_string(),
        &a,
        &args.b.display().to_string(),
        &b,
    );
    let html_path = args.html.clone().unwrap_or_else(|| default_html(&args.b));
    if let Err(e) = std::fs::write(&html_path, render_diff_html(&diff)) {
        eprintln!("error: cannot write {}: {e}", html_path.display());
        return Exit::HarnessError;
    }
    if args.json {
        match serde_json::to_string_pretty(&diff) {
            Ok(text) => crate::say!("{text}"),
            Err(e) => {
                eprintln!("error: cannot render the comparison as JSON: {e}");
                return Exit::HarnessError;
            }
        }
    } else {
        crate::say_raw!("{}", render_terminal(&diff));
        crate::say!("  html: {}", html_path.display());
    }
    diff.exit()
}
