//! Platform settings, shared by the library entry points and the binary's flags.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Default largest request body: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Default time a client has to send a request's headers.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default memory budget of the journal: 1 GiB, about six million entries of about
/// 170 bytes (an upload's; see the README), so a few million uploads with their
/// read-backs.
pub const DEFAULT_JOURNAL_LIMIT: usize = 1 << 30;
/// Default time a client has to send a request's body, once a handler reads it.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How a platform instance behaves. `Default` is the plain synchronous platform:
/// seed 0, no tokens (every request accepted), 1 MiB bodies.
#[derive(Debug, Clone)]
pub struct Config {
    /// Master seed of the run; every seeded decision derives from it.
    pub seed: u64,
    /// Bearer token per seller tax id. Empty: every request is accepted, any seller.
    pub tokens: BTreeMap<String, String>,
    /// `Some`: uploads answer 202 and become visible after this delay (async mode).
    pub processing_delay: Option<Duration>,
    /// Largest request body in bytes; larger ones get 413 `PAYLOAD_TOO_LARGE`.
    pub body_limit: usize,
    /// Time a connection has to deliver a request's headers, so idle half-open
    /// connections cannot pile up.
    pub header_read_timeout: Duration,
    /// Time a request's whole body has to arrive; a slower one gets 408
    /// `REQUEST_TIMEOUT`, so a slow sender cannot hold a connection forever.
    pub body_read_timeout: Duration,
    /// Most bytes the journal's entries may take; past it, entries are counted as
    /// dropped instead of kept (`GET /_chaos/stats` → `journal`).
    pub journal_limit: usize,
    /// Bearer token the control plane (`/_chaos/…`) requires, when set.
    pub control_token: Option<String>,
    /// Fault rules and maintenance windows installed at start (`--plan FILE`).
    pub plan: crate::chaos::plan::Plan,
    /// Threads that serve connections, each pinned to one (see [`crate::server::workers`]).
    /// 0: connections are served on the runtime that started the platform, as an
    /// embedded platform sharing a process with its client wants.
    pub workers: usize,
    /// The KSeF 2.0 dialect's key material and query limit (`/v2`).
    pub ksef: crate::wire::ksef::KsefSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            seed: 0,
            tokens: BTreeMap::new(),
            processing_delay: None,
            body_limit: DEFAULT_BODY_LIMIT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            journal_limit: DEFAULT_JOURNAL_LIMIT,
            control_token: None,
            plan: crate::chaos::plan::Plan::default(),
            workers: 0,
            ksef: Default::default(),
        }
    }
}

/// A token specification that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A `SELLER=TOKEN` pair without `=` or with an empty side.
    #[error("{origin}: expected SELLER_TAX_ID=TOKEN, found {found:?}")]
    Malformed {
        /// Where the pair came from (`--token` or `FILE:LINE`).
        origin: String,
        /// The text as given.
        found: String,
    },
    /// The tokens file could not be read.
    #[error("cannot read tokens file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A byte size that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("expected a size in bytes such as 1073741824, 512MiB or 1GiB, found {found:?}")]
pub struct SizeError {
    /// The text as given.
    pub found: String,
}

/// Parses a byte size: a whole number, optionally followed by `KiB`, `MiB` or
/// `GiB` (also `K`, `M`, `G`; all powers of 1024).
pub fn parse_size(text: &str) -> Result<usize, SizeError> {
    let error = || SizeError {
        found: text.to_owned(),
    };
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let number: usize = number.parse().map_err(|_| error())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" => 10,
        "m" | "mib" => 20,
        "g" | "gib" => 30,
        _ => return Err(error()),
    };
    number.checked_mul(1 << shift).ok_or_else(error)
}

/// Parses one `SELLER_TAX_ID=TOKEN` pair; `origin` names where it came from in errors.
pub fn parse_token_pair(origin: &str, text: &str) -> Result<(String, String), TokenError> {
    let malformed = || TokenError::Malformed {
        origin: origin.to_owned(),
        found: text.to_owned(),
    };
    let (seller, token) = text.split_once('=').ok_or_else(malformed)?;
    let (seller, token) = (seller.trim(), token.trim());
    if seller.is_empty() || token.is_empty() {
        return Err(malformed());
    }
    Ok((seller.to_owned(), token.to_owned()))
}

/// Reads a tokens file: one `SELLER_TAX_ID=TOKEN` per line; blank lines and `#` comments skipped.
pub fn read_tokens_file(path: &Path) -> Result<BTreeMap<String, String>, TokenError> {
    let text = std::fs::read_to_string(path).map_err(|source| TokenError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let mut tokens = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let origin = format!("{}:{}", path.display(), i + 1);
        let (seller, token) = parse_token_pair(&origin, line)?;
        tokens.insert(seller, token);
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_pair_without_equals_names_what_was_expected() {
        let err = parse_token_pair("--token", "seller-only").unwrap_err();
        assert!(err.to_string().contains("expected SELLER_TAX_ID=TOKEN"));
    }

    #[test]
    fn sizes_read_plain_bytes_and_binary_units() {
        assert_eq!(parse_size("1048576").unwrap(), 1 << 20);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("1 GiB").unwrap(), 1 << 30);
        assert_eq!(parse_size("64k").unwrap(), 64 << 10);
        let err = parse_size("lots").unwrap_err();
        assert!(err.to_string().contains("512MiB"), "{err}");
        assert!(parse_size("1TiB").is_err());
    }

    #[test]
    fn tokens_file_skips_comments_and_reads_pairs() {
        let dir = std::env::temp_dir().join(format!("tokens-{}", std::process::id()));
        std::fs::write(&dir, "# sellers\n\nA=one\nB = two\n").unwrap();
        let tokens = read_tokens_file(&dir).unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(tokens.get("A").map(String::as_str), Some("one"));
        assert_eq!(tokens.get("B").map(String::as_str), Some("two"));
    }
}
