//! Expands the command line's `<SCRIPT|DIR>...` into script files.

use std::path::Path;

use super::ScriptError;

/// Each argument that is a directory becomes its `*.toml` files, sorted by name;
/// anything else is taken as a script path (and fails later if it cannot be read).
pub fn discover(args: &[String]) -> Result<Vec<String>, ScriptError> {
    let mut scripts = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if !path.is_dir() {
            scripts.push(arg.clone());
            continue;
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| ScriptError::whole_file(arg, format!("cannot list the directory: {e}")))?;
        let mut found: Vec<String> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
            .map(|p| p.display().to_string())
            .collect();
        if found.is_empty() {
            return Err(ScriptError::whole_file(
                arg,
                "expected a directory holding *.toml scenario scripts, found none",
            ));
        }
        found.sort();
        scripts.extend(found);
    }
    Ok(scripts)
}
