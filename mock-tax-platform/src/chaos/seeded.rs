//! Seeded, order-independent randomness: every fault decision is a pure function of
//! the run's seed and the decision's identity (rule, request key, attempt), so two runs
//! with the same seed and the same per-invoice request sequence decide the same way
//! whatever the interleaving across invoices.
//!
//! The mix is hand-written (FNV-1a over the inputs, then the SplitMix64 finaliser) so
//! it is stable across Rust versions and platforms, unlike `DefaultHasher`.

/// FNV-1a 64-bit offset basis.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Folds the seed and each part into one well-mixed `u64`. Parts are separated so
/// `("ab", "c")` and `("a", "bc")` differ.
pub fn derive(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = FNV_OFFSET;
    for byte in seed.to_le_bytes() {
        h = (h ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
    }
    for part in parts {
        for &byte in *part {
            h = (h ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        }
        // A separator that cannot be confused with a length-0 part boundary.
        h = (h ^ 0xff).wrapping_mul(FNV_PRIME);
        h = (h ^ part.len() as u64).wrapping_mul(FNV_PRIME);
    }
    splitmix64_finish(h)
}

/// The SplitMix64 output function: turns a weakly mixed value into a uniform one.
fn splitmix64_finish(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The hash of one request's identity — its key (invoice number) and attempt index —
/// computed once per request and combined with each rule's seeded hash by [`combine`].
pub fn request_hash(key: &str, attempt: u32) -> u64 {
    derive(0, &[key.as_bytes(), &attempt.to_le_bytes()])
}

/// One decision's value: a rule's `derive(seed, [purpose, rule name])` combined with
/// a [`request_hash`]. Pure in (seed, purpose, rule, key, attempt), and cheap enough
/// to evaluate for every rule on every request.
pub fn combine(rule: u64, request: u64) -> u64 {
    splitmix64_finish(rule ^ request.rotate_left(29).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// A SplitMix64 stream, seeded by [`derive`], that a fault draws its own settings from
/// (which line to corrupt, how long a uniform latency lasts).
#[derive(Debug, Clone)]
pub struct DecisionRng {
    state: u64,
}

impl DecisionRng {
    /// A stream starting from `seed`.
    pub fn new(seed: u64) -> Self {
        DecisionRng { state: seed }
    }

    /// The next uniformly distributed `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        splitmix64_finish(self.state)
    }

    /// A uniform float in `[0, 1)` with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        unit_f64(self.next_u64())
    }

    /// A uniform integer in `[0, n)`; 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for fault settings, and branch-free.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Maps a `u64` to `[0, 1)` using its top 53 bits.
pub fn unit_f64(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_is_stable_across_builds() {
        // A fixed vector: if this changes, every recorded seed replays differently.
        assert_eq!(
            derive(7, &[b"rule", b"n-1", &0u32.to_le_bytes()]),
            2_837_845_887_269_352_227
        );
        assert_ne!(derive(7, &[b"ab", b"c"]), derive(7, &[b"a", b"bc"]));
        assert_ne!(derive(7, &[b"x"]), derive(8, &[b"x"]));
    }

    #[test]
    fn unit_floats_stay_in_the_half_open_interval() {
        assert_eq!(unit_f64(0), 0.0);
        assert!(unit_f64(u64::MAX) < 1.0);
    }

    #[test]
    fn below_never_reaches_its_bound() {
        let mut rng = DecisionRng::new(3);
        assert!((0..1000).all(|_| rng.below(5) < 5));
        assert_eq!(rng.below(0), 0);
    }
}
