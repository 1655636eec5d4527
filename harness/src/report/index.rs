//! `index.html` of a reports directory: every run in it, newest first, with its
//! scenario, time, seed, client, verdict and counts per violation class, linked to
//! its `report.html`. Rewritten after each run and by `invoice-chaos index DIR`.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::html::{esc, CSP, STYLE};
use super::read::{read_report, RunReport};
use super::ReportError;
use crate::check::Class;

/// One run directory and what its report says (or why it could not be read).
struct Entry {
    dir: String,
    report: Result<RunReport, String>,
    /// Whether `invoice-chaos diff` left a `diff.html` in the folder.
    has_diff: bool,
}

/// A link to a file inside a run directory; names are percent-encoded so that any
/// folder name stays one relative link.
fn href(dir: &str, file: &str) -> String {
    let mut out = String::new();
    for b in dir.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    format!("{out}/{file}")
}

fn entries(dir: &Path) -> Result<Vec<Entry>, ReportError> {
    let io = |source| ReportError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut entries = Vec::new();
    for item in std::fs::read_dir(dir).map_err(io)? {
        let item = item.map_err(io)?;
        let path = item.path();
        if !path.join("report.json").is_file() {
            continue;
        }
        entries.push(Entry {
            dir: item.file_name().to_string_lossy().into_owned(),
            report: read_report(&path).map_err(|e| e.to_string()),
            has_diff: path.join("diff.html").is_file(),
        });
    }
    // Newest first; the start time sorts as text (RFC 3339, UTC), ties by folder.
    entries.sort_by(|a, b| {
        let start = |e: &Entry| e.report.as_ref().map(|r| r.started_at.clone()).ok();
        start(b).cmp(&start(a)).then_with(|| b.dir.cmp(&a.dir))
    });
    Ok(entries)
}

/// Renders the index page of these runs.
fn render_index(title: &str, entries: &[Entry]) -> String {
    // Only the violation classes some run has, so the table stays narrow.
    let classes: Vec<Class> = Class::violations()
        .filter(|c| {
            entries
                .iter()
                .any(|e| e.report.as_ref().is_ok_and(|r| r.count(c.as_str()) > 0))
        })
        .collect();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{CSP}<title>Runs in {}</title><style>{STYLE}</style></head><body><h1>Runs in {}</h1><p>{} run(s), newest first.</p>",
        esc(title),
        esc(title),
        entries.len()
    );
    out.push_str("<table id=runs><tr><th>run</th><th>scenario</th><th>started (UTC)</th><th>seed</th><th>client</th><th>verdict</th><th>judged</th><th>false flags</th>");
    for class in &classes {
        let _ = write!(out, "<th>{}</th>", class.as_str());
    }
    out.push_str("</tr>\n");
    for entry in entries {
        let mut link = format!(
            "<a href=\"{}\">{}</a>",
            esc(&href(&entry.dir, "report.html")),
            esc(&entry.dir)
        );
        if entry.has_diff {
            let _ = write!(
                link,
                " (<a href=\"{}\">diff</a>)",
                esc(&href(&entry.dir, "diff.html"))
            );
        }
        let report = match &entry.report {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(
                    out,
                    "<tr class=bad><td>{link}</td><td colspan={}>unreadable: {}</td></tr>",
                    7 + classes.len(),
                    esc(e)
                );
                continue;
            }
        };
        let verdict = esc(&report.verdict);
        let _ = write!(
            out,
            "<tr><td>{link}</td><td>{}</td><td>{}</td><td class=n>{}</td><td>{}</td><td><span class=\"verdict {verdict}\">{}</span></td><td class=n>{}</td><td class=n>{}</td>",
            esc(&report.scenario),
            esc(&report.started_at.replace('T', " ")),
            report.seed,
            esc(&report.client.label()),
            verdict.to_uppercase(),
            report.count("judged"),
            report.count("false_flag"),
        );
        for class in &classes {
            let n = report.count(class.as_str());
            let bad = if n > 0 { " bad" } else { "" };
            let _ = write!(out, "<td class=\"n{bad}\">{n}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></body></html>\n");
    out
}

/// Writes `<dir>/index.html` listing every run directory in `dir`. The page is
/// written aside and renamed into place, so a reader never sees half of it.
pub fn write_index(dir: &Path) -> Result<PathBuf, ReportError> {
    let entries = entries(dir)?;
    let title = dir
        .file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
    let path = dir.join("index.html");
    let aside = dir.join(format!(".index.html.{}", std::process::id()));
    let io = |p: &Path| {
        let shown = p.display().to_string();
        move |source| ReportError::Io {
            path: shown,
            source,
        }
    };
    std::fs::write(&aside, render_index(&title, &entries)).map_err(io(&aside))?;
    std::fs::rename(&aside, &path).map_err(io(&path))?;
    Ok(path)
}

/// `invoice-chaos index DIR`: writes `DIR/index.html` and prints its path.
pub fn index_command(dir: &Path) -> crate::exit::Exit {
    if !dir.is_dir() {
        eprintln!(
            "error: {}: expected a reports directory, found none",
            dir.display()
        );
        return crate::exit::Exit::BadInput;
    }
    match write_index(dir) {
        Ok(path) => {
            crate::say!("index: {}", path.display());
            crate::exit::Exit::Pass
        }
        Err(e) => {
            eprintln!("error: {e}");
            crate::exit::Exit::HarnessError
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_percent_encode_folder_names() {
        assert_eq!(href("a b&c", "report.html"), "a%20b%26c/report.html");
        assert_eq!(href("run-1_x.y", "report.html"), "run-1_x.y/report.html");
    }
}
