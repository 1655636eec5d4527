//! The checker's hash maps use rustc's Fx hash: SipHash resists flooding by hostile
//! keys, which a run's own invoice numbers are not, and costs several times more on
//! the million-key maps of a large run.

pub(super) use rustc_hash::{FxHashMap, FxHasher};

/// An empty map with room for `n` keys.
pub(super) fn map_with_capacity<K, V>(n: usize) -> FxHashMap<K, V> {
    FxHashMap::with_capacity_and_hasher(n, Default::default())
}
