//! `--shard K/N`, `merge` and `--ci`: a library split over machines and put back together.

use std::path::Path;

use crate::support::{invoice_chaos, script_file};

/// The scripts `validate --shard` lists: `ok <path>: <name> (N steps)`.
fn validated(args: &[&str]) -> Vec<String> {
    let out = invoice_chaos(args);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| line.split(':').next().unwrap().to_string())
        .collect()
}

#[test]
fn the_library_s_three_shards_together_hold_each_script_exactly_once() {
    let all = validated(&["validate", "../scenarios"]);
    let mut shards: Vec<String> = (1..=3)
        .flat_map(|k| validated(&["validate", "../scenarios", "--shard", &format!("{k}/3")]))
        .collect();
    shards.sort();
    let mut expected = all.clone();
    expected.sort();
    assert_eq!(shards, expected);
    assert!(all.len() >= 10, "{all:?}");
    // Nobody holds all: the split spreads the library.
    for k in 1..=3 {
        let one = validated(&["validate", "../scenarios", "--shard", &format!("{k}/3")]);
        assert!(one.len() < all.len(), "shard {k}/3: {one:?}");
    }
}

/// A five-invoice robust run; `extra` adds steps or settings.
fn script(name: &str, extra: &str) -> String {
    format!(
        "name = \"{name}\"\nseed = 3\n\n[client]\nadapter = \"reference\"\nmode = \"robust\"\n\
         {extra}\n[[steps]]\nissue = {{ count = 5 }}\n\n[[steps]]\nsettle = {{ timeout = \"20s\" }}\n"
    )
}

/// A directory of six small scripts, two of them inconclusive (a rule that cannot fire).
fn library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let plain = "\n[expect]\nfaults_must_fire = false\n";
    let never = "\n[[steps]]\nfault = { kind = \"reject\", number_prefix = \"XX\" }\n";
    for (name, extra) in [
        ("alpha", plain),
        ("bravo", never),
        ("charlie", plain),
        ("delta", plain),
        ("echo", never),
        ("foxtrot", plain),
    ] {
        std::fs::write(dir.path().join(format!("{name}.toml")), script(name, extra)).unwrap();
    }
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn tests_in(junit: &str) -> usize {
    junit.matches("<testcase ").count()
}

#[test]
fn the_merge_of_three_shards_equals_one_ci_run_of_the_whole_library() {
    let library = library();
    let lib = library.path().to_str().unwrap();
    let whole = tempfile::tempdir().unwrap();
    let whole_dir = whole.path().to_str().unwrap();
    let junit = whole.path().join("gate").join("junit.xml");

    let single = invoice_chaos(&[
        "run",
        lib,
        "--ci",
        "--reports",
        whole_dir,
        "--junit",
        junit.to_str().unwrap(),
    ]);

    assert_eq!(single.status.code(), Some(2), "{single:?}");
    let stdout = String::from_utf8(single.stdout).unwrap();
    assert_eq!(
        stdout,
        format!(
            "6 scripts: 4 passed, 0 failed, 2 inconclusive; junit: {}\n",
            junit.display()
        ),
        "--ci prints one closing line"
    );
    assert_eq!(read(&junit).matches("<testsuite ").count(), 6);

    let shards: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut codes = Vec::new();
    for (k, dir) in shards.iter().enumerate() {
        let out = invoice_chaos(&[
            "run",
            lib,
            "--shard",
            &format!("{}/3", k + 1),
            "--ci",
            "--reports",
            dir.path().to_str().unwrap(),
        ]);
        codes.push(out.status.code());
    }
    let merged = tempfile::tempdir().unwrap();
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|d| d.path().to_str().unwrap()));
    args.extend(["--out", merged.path().to_str().unwrap()]);
    let merge = invoice_chaos(&args);

    assert!(
        codes.iter().all(|c| [Some(0), Some(2)].contains(c)),
        "{codes:?}"
    );
    assert_eq!(merge.status.code(), Some(2), "{merge:?}");
    assert_eq!(
        read(&merged.path().join("summary.md")),
        read(&whole.path().join("summary.md"))
    );
    assert!(
        read(&whole.path().join("summary.md")).contains("| `"),
        "a table of scripts"
    );
    let merged_junit = read(&merged.path().join("junit.xml"));
    assert_eq!(tests_in(&merged_junit), tests_in(&read(&junit)));
    assert_eq!(merged_junit.matches("<testsuite ").count(), 6);
    // Every run directory came along, so the merged directory is complete.
    let run_dirs = std::fs::read_dir(merged.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("report.json").is_file())
        .count();
    assert_eq!(run_dirs, 6);
    let index = read(&merged.path().join("index.html"));
    assert_eq!(
        index.matches("/report.html\"").count(),
        6,
        "the index links every run"
    );
}

#[test]
fn merge_refuses_a_directory_without_results_and_names_the_file() {
    let empty = tempfile::tempdir().unwrap();
    let out_dir = tempfile::tempdir().unwrap();

    let out = invoice_chaos(&[
        "merge",
        empty.path().to_str().unwrap(),
        "--out",
        out_dir.path().join("merged").to_str().unwrap(),
    ]);

    assert_eq!(out.status.code(), Some(254));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains(&empty.path().join("results.json").display().to_string()),
        "{stderr}"
    );
    assert!(
        !out_dir.path().join("merged").exists(),
        "nothing is written"
    );
}

#[test]
fn a_malformed_shard_is_refused_with_what_was_expected() {
    let (_dir, script) = script_file("a.toml", &script("a", ""));

    let out = invoice_chaos(&["run", script.to_str().unwrap(), "--shard", "4/3"]);

    assert_eq!(out.status.code(), Some(254));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("expected K/N with 1 <= K <= N"), "{stderr}");
}
