//! `invoice-chaos merge DIR… --out DIR`: the report directories of a library's shards
//! (one per CI machine) become one: every run directory, one `junit.xml`, one
//! `results.json`, `summary.md` and `index.html`, and one exit code, the worst of the parts.

use std::path::{Path, PathBuf};

use crate::exit::Exit;
use crate::report;
use crate::results::{Results, RESULTS_FILE};

/// Settings of `invoice-chaos merge`.
#[derive(Debug, Clone)]
pub struct MergeArgs {
    /// Report directories written by `run` (each holds `results.json`).
    pub dirs: Vec<PathBuf>,
    /// Where the merged directory is written.
    pub out: PathBuf,
}

/// Merges, prints the closing line and returns the aggregate exit code.
pub fn merge(args: &MergeArgs) -> Exit {
    match merge_into(args) {
        Ok(merged) => {
            crate::say!("{}", merged.tally().line());
            crate::say!("merged: {}", args.out.display());
            merged.exit()
        }
        Err(MergeError::Input(message)) => {
            eprintln!("error: {message}");
            Exit::BadInput
        }
        Err(MergeError::Output(message)) => {
            eprintln!("error: {message}");
            Exit::HarnessError
        }
    }
}

/// A part that cannot be read is the user's mistake; a merged file that cannot be
/// written is the harness's.
enum MergeError {
    Input(String),
    Output(String),
}

fn merge_into(args: &MergeArgs) -> Result<Results, MergeError> {
    let mut merged = Results::default();
    let mut suites = Vec::new();
    let mut copies = Vec::new();
    for dir in &args.dirs {
        let part = Results::read(dir).map_err(|e| {
            MergeError::Input(format!(
                "{e} (merge reads the {RESULTS_FILE} that `invoice-chaos run` writes for \
                 several scripts, --shard or --ci)"
            ))
        })?;
        for script in &part.scripts {
            match &script.report_dir {
                Some(run_dir) => {
                    let junit = dir.join(run_dir).join("junit.xml");
                    let text = std::fs::read_to_string(&junit)
                        .map_err(|e| MergeError::Input(format!("{}: {e}", junit.display())))?;
                    suites.push(
                        inner_suites(&text)
                            .ok_or_else(|| {
                                MergeError::Input(format!(
                                    "{}: expected a <testsuites> document",
                                    junit.display()
                                ))
                            })?
                            .to_string(),
                    );
                    copies.push((dir.join(run_dir), args.out.join(run_dir)));
                }
                None => {
                    let error = script.error.as_deref().unwrap_or("no verdict");
                    let suite =
                        report::harness_error_suite(&script.scenario, &script.script, error);
                    let text = report::render_junit_all(vec![suite])
                        .map_err(|e| MergeError::Output(e.to_string()))?;
                    suites.push(inner_suites(&text).unwrap_or_default().to_string());
                }
            }
            merged.scripts.push(script.clone());
        }
        merged.exit_code = Exit::from_code(merged.exit_code)
            .worst(Exit::from_code(part.exit_code))
            .code();
    }
    let out_err =
        |path: &Path, e: std::io::Error| MergeError::Output(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(&args.out).map_err(|e| out_err(&args.out, e))?;
    for (from, to) in &copies {
        copy_dir(from, to).map_err(|e| out_err(to, e))?;
    }
    let junit = args.out.join("junit.xml");
    std::fs::write(&junit, junit_document(&suites)).map_err(|e| out_err(&junit, e))?;
    merged
        .write(&args.out)
        .map_err(|e| MergeError::Output(e.to_string()))?;
    report::write_index(&args.out).map_err(|e| MergeError::Output(e.to_string()))?;
    Ok(merged)
}

/// What lies inside the root `<testsuites …>` element of a JUnit document: its
/// `<testsuite>` elements, as written.
fn inner_suites(document: &str) -> Option<&str> {
    let start = document.find("<testsuites")?;
    let open_end = start + document[start..].find('>')?;
    if document[..open_end].ends_with('/') {
        return Some("");
    }
    let close = document.rfind("</testsuites>")?;
    (close > open_end).then(|| document[open_end + 1..close].trim_matches('\n'))
}

/// One JUnit document over the given `<testsuite>` elements, with the totals that CI
/// tools show, counted from the suites' own attributes.
fn junit_document(suites: &[String]) -> String {
    let (mut tests, mut failures, mut errors, mut time) = (0u64, 0u64, 0u64, 0f64);
    for suites in suites {
        for tag in suites.split("<testsuite ").skip(1) {
            let tag = tag.split('>').next().unwrap_or_default();
            tests += attribute(tag, "tests").unwrap_or(0.0) as u64;
            failures += attribute(tag, "failures").unwrap_or(0.0) as u64;
            errors += attribute(tag, "errors").unwrap_or(0.0) as u64;
            time += attribute(tag, "time").unwrap_or(0.0);
        }
    }
    let mut doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"invoice-chaos\" \
         tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">\n"
    );
    for part in suites.iter().filter(|s| !s.is_empty()) {
        doc.push_str(part);
        doc.push('\n');
    }
    doc.push_str("</testsuites>\n");
    doc
}

/// The number in `name="…"` of a start tag's attributes.
fn attribute(tag: &str, name: &str) -> Option<f64> {
    let key = format!(" {name}=\"");
    let at = format!(" {tag}").find(&key)? + key.len() - 1;
    let value = tag.get(at..)?.split('"').next()?;
    value.parse().ok()
}

/// Copies a run directory (files and subdirectories).
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const DOC: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"invoice-chaos\" tests=\"3\" failures=\"1\" errors=\"0\" time=\"1.500\">\n    <testsuite name=\"a\" tests=\"3\" disabled=\"0\" errors=\"0\" failures=\"1\" time=\"1.500\">\n    </testsuite>\n</testsuites>\n";

    #[test]
    fn the_merged_document_holds_every_suite_and_their_totals() {
        let a = inner_suites(DOC).unwrap().to_string();
        let b = a
            .replace("name=\"a\"", "name=\"b\"")
            .replace("failures=\"1\"", "failures=\"0\"");
        let doc = junit_document(&[a, b]);
        assert!(
            doc.contains("tests=\"6\" failures=\"1\" errors=\"0\" time=\"3.000\""),
            "{doc}"
        );
        assert!(doc.contains("<testsuite name=\"a\"") && doc.contains("<testsuite name=\"b\""));
    }

    #[test]
    fn an_empty_report_has_no_suites_and_a_non_junit_file_is_refused() {
        assert_eq!(
            inner_suites("<testsuites name=\"x\" tests=\"0\"/>"),
            Some("")
        );
        assert_eq!(inner_suites("<html></html>"), None);
    }
}
