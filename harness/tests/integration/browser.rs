//! `report.html`, `index.html` and `diff.html` in a real browser (headless Chromium):
//! no console or script errors, a timeline of non-zero size, a filter that changes
//! what is shown. A probe script is put at the top of a copy of each page; on `load`
//! it acts on the page and writes what it saw into the DOM, which `--dump-dom` prints.
//! Without Chromium the test is skipped, unless `CI` is set: there it must run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::check::check;
use harness::diff::{compare, render_diff_html};
use harness::report::read::read_report;
use harness::report::write_all;
use harness::report::write_index;
use serde_json::Value;
use tax_api::Integrity;

use crate::report::failing_run;
use crate::support::store;

/// How long one browser launch may take before the test gives up on it (a hung
/// browser must fail the test, not hang CI).
const LAUNCH_BOUND: Duration = Duration::from_secs(120);

/// Records what goes wrong from the first line of the page on, then runs the page's
/// checks (`ACTIONS`, which fill `r`) on `load` and writes `r` into `#probe-result`.
const PROBE: &str = r#"<script>
var __errors = [];
window.addEventListener('error', function (e) {
  __errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)) || 'a resource failed'));
}, true);
window.addEventListener('unhandledrejection', function (e) { __errors.push('rejection: ' + e.reason); });
document.addEventListener('securitypolicyviolation', function (e) {
  __errors.push('blocked: ' + e.violatedDirective + ' ' + e.blockedURI);
});
['error', 'warn'].forEach(function (level) {
  var original = console[level];
  console[level] = function () {
    __errors.push('console.' + level + ': ' + Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
});
window.addEventListener('load', function () {
  var r = {};
  function visible(selector) {
    return Array.prototype.filter.call(document.querySelectorAll(selector),
      function (el) { return el.getClientRects().length > 0; }).length;
  }
  function choose(id, value) {
    var select = document.getElementById(id);
    select.value = value;
    select.dispatchEvent(new Event('change'));
  }
  try { ACTIONS } catch (e) { __errors.push('probe: ' + e); }
  r.errors = __errors;
  var out = document.createElement('pre');
  out.id = 'probe-result';
  out.textContent = JSON.stringify(r);
  document.body.appendChild(out);
});
</script>"#;

const REPORT_ACTIONS: &str = r#"
  var box = document.getElementById('timeline').getBoundingClientRect();
  r.svg = [box.width, box.height];
  r.lanes = document.querySelectorAll('#timeline rect.fault').length;
  r.filter_visible = visible('#filter');
  r.all = visible('#violations details');
  choose('f-class', 'LOST');
  r.lost = visible('#violations details');
  r.shown_text = document.getElementById('f-shown').textContent;
  choose('f-class', '');
  choose('f-cause', 'r-partial');
  r.by_cause = visible('#violations details');
  choose('f-cause', '');
  r.again = visible('#violations details');
"#;

const INDEX_ACTIONS: &str = r#"
  r.rows = visible('#runs tr') - 1;
  r.links = Array.prototype.map.call(document.querySelectorAll('#runs a'), function (a) { return a.getAttribute('href'); });
"#;

const DIFF_ACTIONS: &str = r#"
  r.classes = visible('#classes tr') - 1;
  r.saved = visible('#saved tr') - 1;
  r.bad_rows = document.querySelectorAll('#classes tr.bad').length;
"#;

/// The Chromium binary, or `None` (the test is then skipped) when it is absent and
/// this is not CI.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .into_iter()
        .chain(["chromium", "chromium-browser"].iter().flat_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(move |dir| dir.join(name))
                .collect::<Vec<_>>()
        }))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but Chromium was not found: install the Debian package `chromium` \
             (.ci/run does) or set CHROMIUM to its path"
        );
        eprintln!(
            "SKIPPED: the browser test needs Chromium (Debian package `chromium`), which is \
             not installed; in CI (CI set) it runs"
        );
    }
    found
}

/// Runs Chromium headless on `page` with `extra` flags and returns its stdout.
fn chromium_run(browser: &Path, scratch: &Path, extra: &[String], page: &Path) -> String {
    let profile = tempfile::tempdir_in(scratch).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let output = rt.block_on(async {
        let child = tokio::process::Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("Chromium starts");
        tokio::time::timeout(LAUNCH_BOUND, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("Chromium did not finish {} in time", page.display()))
            .unwrap()
    });
    assert!(
        output.status.success(),
        "Chromium failed on {}: {}\n{}",
        page.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Loads a probed copy of `page`, runs `actions` in it and returns what they found.
fn probe(browser: &Path, scratch: &Path, page: &Path, actions: &str) -> Value {
    let html = std::fs::read_to_string(page).unwrap();
    let head = html.find("<head>").expect("a <head>") + "<head>".len();
    let probed = format!(
        "{}{}{}",
        &html[..head],
        PROBE.replace("ACTIONS", actions),
        &html[head..]
    );
    // Beside the original, so that relative links resolve the same way.
    let copy = page.with_file_name(format!(
        "probe-{}",
        page.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&copy, probed).unwrap();
    let dom = chromium_run(browser, scratch, &["--dump-dom".to_string()], &copy);
    let start = dom
        .find("<pre id=\"probe-result\">")
        .unwrap_or_else(|| panic!("the probe did not run on {}:\n{dom}", page.display()))
        + "<pre id=\"probe-result\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let result: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        result["errors"],
        serde_json::json!([]),
        "{} logged errors",
        page.display()
    );
    result
}

/// Saves a screenshot of `page` as `png` and checks it is a picture.
fn screenshot(browser: &Path, scratch: &Path, page: &Path, png: &Path) {
    chromium_run(
        browser,
        scratch,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1100,1400".to_string(),
        ],
        page,
    );
    let bytes = std::fs::read(png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{} is not a screenshot of a page ({} bytes)",
        png.display(),
        bytes.len()
    );
}

#[test]
fn report_index_and_diff_pages_render_without_errors_and_the_filter_narrows_the_list() {
    let Some(browser) = chromium() else { return };
    let scratch = tempfile::Builder::new()
        .prefix("browser-test")
        .tempdir()
        .unwrap();
    // Arrange: a failing run (A) and a run where the partial write is caught (B).
    let reports = scratch.path().join("reports");
    let failing = failing_run();
    let a_dir = reports.join("golden-rehearsal-a");
    let a = write_all(&a_dir, &failing, &check(&failing)).unwrap();
    let mut better = failing_run();
    better.started_at += chrono::Duration::minutes(5);
    better.finished_at += chrono::Duration::minutes(5);
    better
        .truth
        .as_mut()
        .unwrap()
        .records
        .retain(|r| r.number != "C-3");
    store(&mut better, "C-3", Integrity::Intact, None);
    let b_dir = reports.join("golden-rehearsal-b");
    write_all(&b_dir, &better, &check(&better)).unwrap();
    let index = write_index(&reports).unwrap();
    let diff = compare(
        "a",
        &read_report(&a_dir).unwrap(),
        "b",
        &read_report(&b_dir).unwrap(),
    );
    let diff_page = b_dir.join("diff.html");
    std::fs::write(&diff_page, render_diff_html(&diff)).unwrap();

    // Act and assert: the report.
    let report = probe(&browser, scratch.path(), &a.html, REPORT_ACTIONS);
    assert!(
        report["svg"][0].as_f64().unwrap() > 100.0 && report["svg"][1].as_f64().unwrap() > 50.0,
        "timeline size {}",
        report["svg"]
    );
    assert!(report["lanes"].as_u64().unwrap() > 0, "fault fires drawn");
    assert_eq!(report["filter_visible"], 1, "the script shows the filter");
    assert_eq!(
        report["all"], 5,
        "LOST B-2 and G-7, SILENT_PARTIAL C-3, SILENT_CORRUPTION E-5, DUPLICATE F-6 shown"
    );
    assert_eq!(
        report["lost"], 2,
        "the class filter leaves the two LOST ones"
    );
    assert_eq!(report["shown_text"], "2 of 5 shown");
    assert_eq!(
        report["by_cause"], 1,
        "the cause filter leaves the r-partial one"
    );
    assert_eq!(
        report["again"], 5,
        "clearing the filter shows every violation"
    );

    // The index: both runs, newest first, each linked to its report.
    let index_seen = probe(&browser, scratch.path(), &index, INDEX_ACTIONS);
    assert_eq!(index_seen["rows"], 2);
    assert_eq!(
        index_seen["links"],
        serde_json::json!([
            "golden-rehearsal-b/report.html",
            "golden-rehearsal-a/report.html"
        ])
    );

    // The diff: B saved C-3, and no violation class grew.
    let diff_seen = probe(&browser, scratch.path(), &diff_page, DIFF_ACTIONS);
    assert_eq!(diff_seen["saved"], 1);
    assert_eq!(diff_seen["bad_rows"], 0);
    assert!(diff_seen["classes"].as_u64().unwrap() >= 9);

    for (page, png) in [
        (&a.html, "report.png"),
        (&index, "index.png"),
        (&diff_page, "diff.png"),
    ] {
        screenshot(&browser, scratch.path(), page, &scratch.path().join(png));
    }
    // Kept for a person to look at when asked to.
    if std::env::var_os("KEEP_SCREENSHOTS").is_some() {
        eprintln!("screenshots kept in {}", scratch.keep().display());
    }
}
