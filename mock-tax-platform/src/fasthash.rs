//! A small, fast, non-cryptographic hasher (the Fx hash rustc uses) for the
//! store's and journal's maps, whose keys are short ids. The default SipHash
//! showed up in upload profiles; flooding resistance is not needed by a mock.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// Fx hasher state.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // Multiplication only carries low bits upwards, so ids that differ in their
        // last bytes would share low bits (the bucket index). Mix high into low.
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// A `HashMap` using [`FxHasher`].
pub type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(value: &str) -> u64 {
        BuildHasherDefault::<FxHasher>::default().hash_one(value)
    }

    #[test]
    fn ids_differing_only_at_the_end_spread_over_low_bits() {
        let buckets: std::collections::HashSet<u64> = (0..1000)
            .map(|i| hash(&format!("B0000000000{i:05}")) & 1023)
            .collect();
        assert!(buckets.len() > 500, "{} distinct buckets", buckets.len());
    }

    #[test]
    fn different_short_ids_hash_differently() {
        assert_ne!(hash("INV-00001"), hash("INV-00002"));
        assert_ne!(hash("A"), hash("B"));
        assert_eq!(hash("same"), hash("same"));
    }
}
