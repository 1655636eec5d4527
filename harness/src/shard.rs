//! `--shard K/N`: one machine's share of a script library. A script belongs to the
//! shard its name hashes to, so the split depends on nothing but the names: adding,
//! editing or removing one script never moves another to a different shard.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Whether the script named `name` belongs to this shard.
    pub fn takes(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % self.count == self.index - 1
    }
}

/// FNV-1a, 64 bits: fixed by its definition, unlike `std`'s hashers, which may change
/// between Rust releases and would move scripts between shards.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let expected = || format!("expected K/N with 1 <= K <= N, such as 2/3, found {text:?}");
        let (k, n) = text.split_once('/').ok_or_else(expected)?;
        let (index, count) = match (k.trim().parse::<u64>(), n.trim().parse::<u64>()) {
            (Ok(index), Ok(count)) => (index, count),
            _ => return Err(expected()),
        };
        if index == 0 || index > count {
            return Err(expected());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_name_belongs_to_exactly_one_shard() {
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for i in 0..200 {
            let name = format!("scenario-{i}");
            let owners = shards.iter().filter(|s| s.takes(&name)).count();
            assert_eq!(owners, 1, "{name}");
        }
    }

    #[test]
    fn the_hash_is_the_published_fnv1a() {
        // Test vectors of FNV-1a 64.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_shard_outside_its_count_or_malformed_is_refused_with_what_was_expected() {
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/3/5"] {
            let err = bad.parse::<Shard>().unwrap_err();
            assert!(err.contains("expected K/N"), "{bad}: {err}");
        }
        assert_eq!("2/3".parse::<Shard>().unwrap().to_string(), "2/3");
    }
}
