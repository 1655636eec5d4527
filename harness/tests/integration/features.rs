//! One feature set across the workspace: each binary resolves every dependency it
//! shares with the harness with the same features, so building one after another
//! reuses the build (see workspace-features/Cargo.toml).

use std::collections::BTreeMap;
use std::process::Command;

/// `package version` → its features, as `cargo tree` resolves them for `package`.
fn features_of(package: &str) -> BTreeMap<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--locked", "--offline", "-p", package])
        .args(["-e", "normal,build", "--prefix", "none", "-f", "{p}|{f}"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once('|'))
        .map(|(p, f)| {
            let p = p.replace(" (*)", "").replace(" (proc-macro)", "");
            (p, f.replace(" (*)", ""))
        })
        .collect()
}

#[test]
fn the_platform_and_the_client_share_the_harness_s_feature_set() {
    let harness = features_of("harness");
    assert!(harness.len() > 50, "{harness:?}");
    for binary in ["mock-tax-platform", "reference-client"] {
        let differing: Vec<String> = features_of(binary)
            .into_iter()
            .filter_map(|(package, features)| {
                let theirs = harness.get(&package)?;
                (theirs != &features)
                    .then(|| format!("{package}: harness [{theirs}], {binary} [{features}]"))
            })
            .collect();
        assert!(
            differing.is_empty(),
            "add these to workspace-features/Cargo.toml:\n{}",
            differing.join("\n")
        );
    }
}
