//! What the tests of a scenario library share: the README table saying what each
//! script's naive run fails with, the scripts on disk, and reading a broken invariant.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// `script name → what the naive run fails with` (`passes` for smoke), from the first
/// and last columns of the README's only five-column table (script … naive fails with).
pub fn naive_expectations(readme: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(readme).unwrap();
    text.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect::<Vec<_>>()
        })
        .filter(|cells| cells.len() == 5)
        .map(|cells| {
            let unquote = |c: &str| c.trim_matches('`').to_string();
            (unquote(cells[0]), unquote(cells[4]))
        })
        .collect()
}

/// The `.toml` scripts directly in `dir`, by file stem, sorted.
pub fn script_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Whether the report's invariant `name` (a class or `false_flag_ratio`) is broken.
pub fn broken(report: &Value, name: &str) -> bool {
    report["invariants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["name"] == name && i["holds"] == false)
}
