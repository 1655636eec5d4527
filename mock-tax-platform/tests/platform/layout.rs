//! The layout's promise, checked on the source: what the platform *is* (`store/`,
//! `chaos/`) never reaches up into how it is spoken to (`wire/`, `control/`, the
//! router, the server, the shared request state), and nothing below the seam
//! imports hyper. A `use crate::…` that breaks it fails here, naming the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level module a file belongs to: `chaos` for `src/chaos/engine/mod.rs`,
/// `router` for `src/router.rs`.
fn top_module(src: &Path, file: &Path) -> String {
    let first = file.strip_prefix(src).unwrap().components().next().unwrap();
    let name = first.as_os_str().to_str().unwrap();
    name.strip_suffix(".rs").unwrap_or(name).to_owned()
}

/// The first segment of every `crate::x` path in `text`, with the line it is on.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let tail = &rest[at + "crate::".len()..];
            let name: String = tail
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `$crate::` in a macro names this crate too. A `crate::{…}` group is
            // kept as `{`, which no module may import: the check cannot see inside.
            if !name.is_empty() {
                found.push((line_no + 1, name));
            } else if tail.starts_with('{') {
                found.push((line_no + 1, "{".to_owned()));
            }
            rest = tail;
        }
    }
    found
}

struct Graph {
    /// Module → the modules it names, each with one place it does.
    edges: BTreeMap<String, BTreeMap<String, String>>,
    /// Files that mention hyper, by module.
    hyper: BTreeMap<String, Vec<String>>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut hyper: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in sources(&src) {
        let module = top_module(&src, &file);
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(&src).unwrap().display().to_string();
        for (line, target) in crate_paths(&text) {
            if target != module {
                edges
                    .entry(module.clone())
                    .or_default()
                    .entry(target)
                    .or_insert_with(|| format!("src/{shown}:{line}"));
            }
        }
        if text.contains("hyper") {
            hyper.entry(module).or_default().push(shown);
        }
    }
    Graph { edges, hyper }
}

#[test]
fn the_import_graph_sees_the_modules_it_checks() {
    let graph = graph();
    // A guard on the guard: were the paths not found, every check below would pass.
    let wire = &graph.edges["wire"];
    assert!(
        wire.contains_key("store") && wire.contains_key("chaos"),
        "{wire:?}"
    );
    assert!(graph.hyper.contains_key("wire"), "{:?}", graph.hyper);
}

#[test]
fn the_store_and_chaos_import_nothing_above_the_seam() {
    let graph = graph();
    // Below the seam a module may name the other, the run clock, and nothing else.
    let below = ["store", "chaos"];
    let allowed = ["store", "chaos", "clock"];
    let mut wrong = Vec::new();
    for module in below {
        for (target, place) in graph.edges.get(module).into_iter().flatten() {
            if !allowed.contains(&target.as_str()) {
                wrong.push(format!("{place}: {module}/ imports crate::{target}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn nothing_below_the_seam_imports_hyper() {
    let graph = graph();
    for module in ["store", "chaos"] {
        assert_eq!(graph.hyper.get(module), None, "{module}/ mentions hyper");
    }
}

#[test]
fn chaos_the_store_and_the_wire_layer_form_no_cycle() {
    let graph = graph();
    let nodes = ["chaos", "store", "wire"];
    // Depth-first search over the edges between these three modules.
    fn reaches(
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        nodes: &[&str],
        from: &str,
        to: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in edges.get(from).into_iter().flat_map(|e| e.keys()) {
            if !nodes.contains(&next.as_str()) || !seen.insert(next.clone()) {
                continue;
            }
            if next == to || reaches(edges, nodes, next, to, seen) {
                return true;
            }
        }
        false
    }
    for node in nodes {
        assert!(
            !reaches(&graph.edges, &nodes, node, node, &mut BTreeSet::new()),
            "{node}/ reaches itself through {:?}",
            graph.edges.get(node)
        );
    }
}
