//! The attempt counter: how many requests about one (route, seller, number) came
//! before this one, the `attempt` every fault decision keys on.
//!
//! Keyed by a 96-bit fingerprint rather than the triple. Measured by `cargo bench
//! -p mock-tax-platform --bench store_layouts` against the triple kept exactly
//! (the same shards), a million keys: 36 bytes per key instead of 138 (3.9× less,
//! counted from capacities), a new key counted 2.3–2.5× faster (no key
//! allocation), a known one 1.3–1.4× faster (two runs). The price, collision odds
//! of n² / 2⁹⁷ for n keys, is stated in `FAULTS.md`.

use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use hashbrown::HashTable;
use tax_api::Route;

use crate::store::fasthash::{spread, FxHasher};

/// Attempts by a 96-bit fingerprint of (route, seller, number): no key allocation
/// per request and 16-byte entries; a collision is out of reach (6 × 10⁻¹⁶ for
/// ten million keys; `FAULTS.md`). Sharded by the fingerprint, so the two worker
/// threads rarely take one lock.
#[derive(Debug, Default)]
pub(crate) struct AttemptCounter {
    shards: [Mutex<HashTable<Attempts>>; SHARDS],
}

const SHARDS: usize = 16;

impl AttemptCounter {
    /// The attempt index of this request about `number` on `route` for `seller`:
    /// 0 for the first, 1 for the next, … Counted in arrival order.
    pub(crate) fn next(&self, route: Route, seller: &str, number: &str) -> u32 {
        let (sip, fx) = fingerprint(route, seller, number);
        let shard = &self.shards[(sip % SHARDS as u64) as usize];
        // The table hashes the Fx half: the SipHash half's low bits picked the
        // shard, so within a shard they are all alike.
        let mut attempts = shard.lock().unwrap_or_else(|e| e.into_inner());
        let entry = attempts
            .entry(spread(fx), |a| a.sip == sip && a.fx == fx, |a| spread(a.fx))
            .or_insert(Attempts { sip, fx, count: 0 })
            .into_mut();
        let attempt = entry.count;
        entry.count = entry.count.saturating_add(1);
        attempt
    }

    /// Forgets every count.
    pub(crate) fn clear(&self) {
        for shard in &self.shards {
            shard.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}

/// One key's count. Every upload of a new number adds one, and probing a table
/// that large misses the cache: the entry is kept to 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Attempts {
    sip: u64,
    fx: u32,
    count: u32,
}

/// A SipHash-1-3 digest and an Fx digest of the same key, independent functions
/// (fixed keys, so stable within a run). One SipHash pass instead of two: the
/// second pass was a tenth of the journal's cost per upload.
fn fingerprint(route: Route, seller: &str, number: &str) -> (u64, u32) {
    fn digest<H: Hasher>(mut hasher: H, route: Route, seller: &str, number: &str) -> u64 {
        route.hash(&mut hasher);
        seller.hash(&mut hasher);
        number.hash(&mut hasher);
        hasher.finish()
    }
    let sip = digest(std::hash::DefaultHasher::new(), route, seller, number);
    // The low half: Fx mixes every byte into it.
    let fx = digest(FxHasher::default(), route, seller, number) as u32;
    (sip, fx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_count_per_route_seller_and_number() {
        let counter = AttemptCounter::default();
        let attempts: Vec<u32> = [
            (Route::Upload, "S", "N1"),
            (Route::Upload, "S", "N1"),
            (Route::Upload, "S", "N2"),
            (Route::Get, "S", "N1"),
            (Route::Upload, "T", "N1"),
            (Route::Upload, "S", "N1"),
        ]
        .iter()
        .map(|(route, seller, number)| counter.next(*route, seller, number))
        .collect();
        assert_eq!(attempts, vec![0, 1, 0, 0, 0, 2]);
    }

    #[test]
    fn every_key_keeps_its_count_while_the_counter_grows() {
        let counter = AttemptCounter::default();
        let numbers: Vec<String> = (0..5000).map(|i| format!("B{i:018}")).collect();
        for round in 0..3 {
            for number in &numbers {
                assert_eq!(counter.next(Route::Upload, "S", number), round);
            }
        }
        assert_eq!(counter.next(Route::Get, "S", &numbers[0]), 0);
        counter.clear();
        assert_eq!(counter.next(Route::Upload, "S", &numbers[0]), 0);
    }
}
