//! How replay lines name this program: `invoice-chaos` when that is what the shell
//! finds on `PATH`, else the path of the running binary (after `cargo run`, or an
//! install outside `PATH`), so a printed replay line runs as printed.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The name on `PATH`.
const NAME: &str = "invoice-chaos";

static PROGRAM: OnceLock<String> = OnceLock::new();

/// The command replay lines start with; `invoice-chaos` until [`locate`] has run
/// (in library use and tests, which render reports without a binary).
pub fn program() -> &'static str {
    PROGRAM.get().map(String::as_str).unwrap_or(NAME)
}

/// Called once by the binary: decides how replay lines name it.
pub fn locate() {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let path = std::env::var_os("PATH").unwrap_or_default();
    let _ = PROGRAM.set(naming(&exe, std::env::split_paths(&path)));
}

/// `invoice-chaos` if the first `invoice-chaos` in `path_dirs` is `exe`, else `exe`.
fn naming(exe: &Path, path_dirs: impl IntoIterator<Item = PathBuf>) -> String {
    let same = |found: &Path| match (found.canonicalize(), exe.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let first_on_path = path_dirs
        .into_iter()
        .map(|dir| dir.join(NAME))
        .find(|candidate| candidate.is_file());
    match first_on_path {
        Some(found) if same(&found) => NAME.to_string(),
        _ => exe.display().to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_binary_first_on_path_is_named_by_its_name_and_any_other_by_its_path() {
        let (on_path, elsewhere) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let installed = on_path.path().join(NAME);
        let other = elsewhere.path().join(NAME);
        std::fs::write(&installed, "").unwrap();
        std::fs::write(&other, "").unwrap();

        let dirs = || vec![on_path.path().to_path_buf()];
        assert_eq!(naming(&installed, dirs()), NAME);
        assert_eq!(naming(&other, dirs()), other.display().to_string());
        assert_eq!(naming(&other, Vec::new()), other.display().to_string());
    }
}
