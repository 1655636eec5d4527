//! An append-only sequence kept in fixed-size chunks, for the store's records and
//! the journal's entries. A plain `Vec` that holds every request of a run doubles
//! now and then, copying hundreds of megabytes into freshly faulted pages while a
//! lock is held; under load that copy was the largest single cost of an upload.
//! Here a full chunk is never moved again: growing copies at most one chunk.
//! Measured by `cargo bench -p mock-tax-platform --bench store_layouts`, a million
//! 120-byte records (a store record's size) pushed against a `Vec` in one run: the
//! longest single push, what an upload waits for behind the lock, 16× to 360×
//! shorter (1.7 ms and 0.1 ms against 27 ms and 35 ms, two runs on a loaded
//! machine), and all pushes together 2.4–2.7× faster.
//!
//! The first chunk grows like a `Vec`, so a list that stays short (the store keeps
//! one per seller) costs what a short `Vec` costs; later chunks are allocated
//! full-size at once, because growing each one by doubling measurably slowed
//! uploads (10% in the upload bench).

/// Elements per full chunk: large enough that the chunk list stays short, small
/// enough that copying a growing chunk is cheap. A power of two, so a growing
/// chunk's capacity ends exactly at it.
const CHUNK: usize = 4096;

/// An append-only `Vec` replacement that never reallocates stored elements.
#[derive(Debug, Clone)]
pub struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Appends `value`; returns its index.
    pub fn push(&mut self, value: T) -> usize {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(value),
            Some(_) => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(chunk);
            }
            None => self.chunks.push(vec![value]),
        }
        self.len += 1;
        self.len - 1
    }

    /// The element at `index`.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// The element at `index`, mutably.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.chunks.get_mut(index / CHUNK)?.get_mut(index % CHUNK)
    }

    /// Elements from `start` on, in order.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> + '_ {
        let first = start / CHUNK;
        self.chunks
            .iter()
            .skip(first)
            .enumerate()
            .flat_map(move |(i, chunk)| {
                let skip = if i == 0 { start % CHUNK } else { 0 };
                chunk.iter().skip(skip)
            })
    }

    /// All elements, in order (the tests' view; the store pages with `get`).
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flatten()
    }

    /// All elements, mutably, in order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.chunks.iter_mut().flatten()
    }

    /// The index of the first element for which `pred` is false, given that `pred`
    /// holds for a prefix of the sequence and fails for the rest (as
    /// [`slice::partition_point`]).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        // The first chunk whose last element fails `pred` holds the boundary.
        let full = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(&mut pred));
        match self.chunks.get(full) {
            Some(chunk) => full * CHUNK + chunk.partition_point(pred),
            None => self.len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(n: usize) -> Chunked<usize> {
        let mut c = Chunked::default();
        for i in 0..n {
            assert_eq!(c.push(i * 2), i);
        }
        c
    }

    #[test]
    fn indexes_and_iterates_across_chunk_boundaries() {
        let n = CHUNK * 2 + 7;
        let mut c = filled(n);
        assert_eq!(c.iter().count(), n);
        assert_eq!(c.get(CHUNK), Some(&(CHUNK * 2)));
        assert_eq!(c.get(n), None);
        assert!(c.iter().copied().eq((0..n).map(|i| i * 2)));
        for start in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, n - 1, n, n + 5] {
            assert!(
                c.iter_from(start).copied().eq((start..n).map(|i| i * 2)),
                "from {start}"
            );
        }
        *c.get_mut(CHUNK + 1).unwrap() = 1;
        c.iter_mut().for_each(|v| *v += 1);
        assert_eq!(c.get(CHUNK + 1), Some(&2));
        assert_eq!(c.get(0), Some(&1));
    }

    #[test]
    fn a_short_list_holds_little_more_than_its_elements() {
        let c = filled(10);
        assert!(c.chunks[0].capacity() < 64, "{}", c.chunks[0].capacity());
        let c = filled(CHUNK + 1);
        assert_eq!(c.chunks[0].capacity(), CHUNK);
        assert_eq!(c.chunks[1].capacity(), CHUNK);
    }

    #[test]
    fn partition_point_matches_the_slice_version() {
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK * 3] {
            let c = filled(n);
            let plain: Vec<usize> = c.iter().copied().collect();
            for cut in [
                0,
                1,
                CHUNK,
                CHUNK * 2 - 1,
                CHUNK * 2,
                CHUNK * 2 + 1,
                n * 2 + 9,
            ] {
                assert_eq!(
                    c.partition_point(|&v| v < cut),
                    plain.partition_point(|&v| v < cut),
                    "n {n}, cut {cut}"
                );
            }
        }
    }
}
