//! `journal.jsonl`: the platform's journal as the run collected it, one entry a line,
//! so a person can grep it and a tool can replay the causal chains.

use tax_api::JournalEntry;

use super::ReportError;

/// Renders the journal as JSON lines, in journal order.
pub fn render_journal(journal: &[JournalEntry]) -> Result<String, ReportError> {
    let mut out = String::with_capacity(journal.len() * 200);
    for entry in journal {
        let line = serde_json::to_string(entry).map_err(|e| ReportError::Render {
            file: "journal.jsonl",
            message: e.to_string(),
        })?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}
