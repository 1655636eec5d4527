//! What each compact layout of the platform gains over the plain version, in one
//! run: `cargo bench -p mock-tax-platform --bench store_layouts`.
//!
//! The layouts are private to the crate, so this bench compiles their very source
//! files (`#[path]`): it measures the code the platform runs, beside the plain
//! version anyone would write first. Memory is counted from sizes and capacities
//! (bytes asked of the allocator, its rounding not counted), so those figures are
//! the same on every machine. Times are ratios within this one run: the two
//! versions alternate `ROUNDS` times and each side's median is taken, so a loaded
//! machine slows both alike. A measurement, not a test: it asserts only that both
//! versions computed the same thing.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
// The platform's files below bring their unit tests and helpers this bench does not use.
#![allow(dead_code, unused_imports)]

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rustc_hash::{FxBuildHasher, FxHashMap};
use tax_api::{Invoice, Route};

// The platform's own files.
#[path = "../src/store/journal/attempts.rs"]
mod attempts;
#[path = "../src/store/chunked.rs"]
mod chunked;
#[path = "../src/chaos/counter.rs"]
mod counter;
#[path = "../src/store/fasthash.rs"]
mod fasthash;
#[path = "../src/store/index.rs"]
mod index;
#[path = "../src/store/packed.rs"]
mod packed;

/// The paths those files import each other by.
mod store {
    pub(crate) use super::fasthash;
}

use attempts::AttemptCounter;
use chunked::Chunked;
use counter::SpreadCount;
use index::NumberIndex;
use packed::PackedInvoice;

/// Records (or keys) per measurement: a long run's worth, small enough for a shared machine.
const N: usize = 1_000_000;
/// Alternations of the two versions of each time measurement.
const ROUNDS: usize = 5;
const SELLER: &str = "91110000MA01ABCD1X";

/// Invoice numbers as `bench/upload.lua` makes them.
fn numbers() -> Vec<String> {
    (0..N).map(|i| format!("B{:02}{:014}", i % 2, i)).collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs `plain` and `ours` alternately; prints both medians and plain / ours.
fn compare(
    what: &str,
    per: usize,
    mut plain: impl FnMut() -> Duration,
    mut ours: impl FnMut() -> Duration,
) {
    let (mut p, mut o) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        p.push(plain());
        o.push(ours());
    }
    let (p, o) = (median(p), median(o));
    let ns = |d: Duration| d.as_nanos() as f64 / per as f64;
    println!(
        "  {what}: plain {:.1} ns, ours {:.1} ns per op: {:.2}x",
        ns(p),
        ns(o),
        p.as_secs_f64() / o.as_secs_f64()
    );
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

/// Heap bytes a parsed invoice holds beyond its struct.
fn invoice_heap(invoice: &Invoice) -> usize {
    let strings = [
        &invoice.number,
        &invoice.request_serial,
        &invoice.seller_tax_id,
        &invoice.buyer_tax_id,
        &invoice.buyer_name,
        &invoice.issued_at,
        &invoice.currency,
    ];
    strings.iter().map(|s| s.capacity()).sum::<usize>()
        + invoice.lines.capacity() * std::mem::size_of::<tax_api::InvoiceLine>()
        + invoice
            .lines
            .iter()
            .map(|l| l.description.capacity())
            .sum::<usize>()
}

/// The upload bench's invoice, parsed as the platform parses a body.
fn upload_invoice(number: &str) -> Invoice {
    let body = format!(
        r#"{{"number":"{number}","request_serial":"s-{number}","seller_tax_id":"{SELLER}",
"buyer_tax_id":"91110108MA02EFGH2Y","buyer_name":"Beijing Example Trading Co.","kind":"blue",
"issued_at":"2025-05-02T16:57:33+08:00","currency":"CNY","lines":[{{"description":"Office chair",
"quantity":2,"unit_price":45000,"tax_rate":1300,"amount":90000,"tax":11700}}],
"totals":{{"amount_excl_tax":90000,"tax":11700,"total_incl_tax":101700}}}}"#
    );
    serde_json::from_str(&body).unwrap()
}

fn packed_records() {
    println!("packed records (store/packed.rs), the upload bench's invoice:");
    let invoice = upload_invoice("B00000000000000001");
    let plain = std::mem::size_of::<Invoice>() + invoice_heap(&invoice);
    let packed = PackedInvoice::pack(&invoice);
    let PackedInvoice::Bytes(bytes) = &packed else {
        panic!("not packed")
    };
    let ours = std::mem::size_of::<PackedInvoice>() + bytes.len();
    let allocations = 1 + 7 + invoice.lines.len();
    println!(
        "  bytes per invoice: parsed {plain} in {allocations} allocations, packed {ours} in 1: {:.2}x less",
        plain as f64 / ours as f64
    );
    assert_eq!(packed.unpack().as_ref(), Some(&invoice));
    let invoices: Vec<Invoice> = numbers()
        .iter()
        .take(N / 10)
        .map(|n| upload_invoice(n))
        .collect();
    compare(
        "keep a copy (clone the parsed invoice / pack it)",
        invoices.len(),
        || timed(|| invoices.iter().for_each(|i| drop(black_box(i.clone())))),
        || {
            timed(|| {
                invoices
                    .iter()
                    .for_each(|i| drop(black_box(PackedInvoice::pack(i))))
            })
        },
    );
    let kept: Vec<PackedInvoice> = invoices.iter().map(PackedInvoice::pack).collect();
    compare(
        "read a copy (clone the parsed invoice / unpack it)",
        invoices.len(),
        || timed(|| invoices.iter().for_each(|i| drop(black_box(i.clone())))),
        || timed(|| kept.iter().for_each(|p| drop(black_box(p.unpack())))),
    );
}

/// A stand-in for a store record: the same 120 bytes.
#[derive(Clone, Copy)]
struct Record120([u64; 15]);

/// Total time of `N` pushes and the longest single push (what the store's lock is
/// held for while an upload waits).
fn pushes(mut push: impl FnMut(Record120)) -> (Duration, Duration) {
    let mut longest = Duration::ZERO;
    let start = Instant::now();
    for i in 0..N {
        let one = Instant::now();
        push(Record120([i as u64; 15]));
        longest = longest.max(one.elapsed());
    }
    (start.elapsed(), longest)
}

fn chunked_storage() {
    println!("chunked storage (store/chunked.rs), {N} records of 120 bytes:");
    let (mut plain, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let mut v = Vec::new();
        plain.push(pushes(|r| v.push(r)));
        assert_eq!(v.len(), N);
        drop(v);
        let mut c = Chunked::default();
        ours.push(pushes(|r| {
            c.push(r);
        }));
        assert!(c.get(N - 1).is_some());
    }
    let total = |v: &[(Duration, Duration)]| median(v.iter().map(|p| p.0).collect());
    let longest = |v: &[(Duration, Duration)]| median(v.iter().map(|p| p.1).collect());
    println!(
        "  all pushes: Vec {:?}, Chunked {:?}: {:.2}x",
        total(&plain),
        total(&ours),
        total(&plain).as_secs_f64() / total(&ours).as_secs_f64()
    );
    println!(
        "  longest single push (lock held): Vec {:?}, Chunked {:?}: {:.0}x shorter",
        longest(&plain),
        longest(&ours),
        longest(&plain).as_secs_f64() / longest(&ours).as_secs_f64()
    );
}

/// Bytes a hashbrown table with room for `capacity` entries of `entry` bytes takes.
fn table_bytes(capacity: usize, entry: usize) -> usize {
    let buckets = (capacity * 8 / 7).next_power_of_two();
    buckets * (entry + 1)
}

fn half_hash_index() {
    println!("half-hash index (store/index.rs), {N} numbers of one seller:");
    let numbers = numbers();
    // The numbers live in the records; the index finds their positions.
    let mut records: Chunked<Box<str>> = Chunked::default();
    for n in &numbers {
        records.push(Box::from(n.as_str()));
    }
    let mut index = NumberIndex::default();
    let mut map: FxHashMap<Box<str>, u32> = FxHashMap::default();
    for (i, n) in numbers.iter().enumerate() {
        index.insert(n, i);
        map.insert(Box::from(n.as_str()), i as u32);
    }
    let ours = table_bytes(index.capacity(), 8) as f64 / N as f64;
    let plain = (table_bytes(map.capacity(), std::mem::size_of::<(Box<str>, u32)>())
        + numbers.iter().map(String::len).sum::<usize>()) as f64
        / N as f64;
    println!(
        "  bytes per entry: map keyed by number {plain:.1}, half-hash index {ours:.1}: {:.2}x less",
        plain / ours
    );
    compare(
        "insert",
        N,
        || {
            timed(|| {
                let mut map: FxHashMap<Box<str>, u32> = FxHashMap::default();
                for (i, n) in numbers.iter().enumerate() {
                    map.insert(Box::from(n.as_str()), i as u32);
                }
                black_box(map);
            })
        },
        || {
            timed(|| {
                let mut index = NumberIndex::default();
                for (i, n) in numbers.iter().enumerate() {
                    index.insert(n, i);
                }
                black_box(index);
            })
        },
    );
    compare(
        "find",
        N,
        || {
            timed(|| {
                numbers
                    .iter()
                    .for_each(|n| assert!(black_box(map.get(n.as_str())).is_some()))
            })
        },
        || {
            timed(|| {
                numbers.iter().for_each(|n| {
                    let at = index.find(n, |i| records.get(i).is_some_and(|r| **r == **n));
                    assert!(black_box(at).is_some());
                })
            })
        },
    );
}

fn fx_hash() {
    println!("Fx hash for short ids (store/fasthash.rs), {N} numbers:");
    let numbers = numbers();
    fn fill<S: BuildHasher + Default>(numbers: &[String]) -> HashMap<&str, u32, S> {
        let mut map = HashMap::with_hasher(S::default());
        for (i, n) in numbers.iter().enumerate() {
            map.insert(n.as_str(), i as u32);
        }
        map
    }
    compare(
        "insert and find (SipHash / Fx)",
        N,
        || {
            timed(|| {
                let map = fill::<RandomState>(&numbers);
                numbers
                    .iter()
                    .for_each(|n| assert!(map.contains_key(n.as_str())));
            })
        },
        || {
            timed(|| {
                let map = fill::<FxBuildHasher>(&numbers);
                numbers
                    .iter()
                    .for_each(|n| assert!(map.contains_key(n.as_str())));
            })
        },
    );
}

/// An attempt key kept exactly: (route, seller, number).
type ExactKey = (Route, Box<str>, Box<str>);

/// The attempt counter keyed exactly: the triple itself, sharded the same way.
#[derive(Default)]
struct ExactCounter {
    shards: [Mutex<FxHashMap<ExactKey, u32>>; 16],
}

impl ExactCounter {
    fn next(&self, route: Route, seller: &str, number: &str) -> u32 {
        let key = (route, Box::from(seller), Box::from(number));
        let shard = (FxBuildHasher.hash_one(&key) % 16) as usize;
        let mut map = self.shards[shard].lock().unwrap();
        let count = map.entry(key).or_insert(0);
        let attempt = *count;
        *count += 1;
        attempt
    }

    fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let map = s.lock().unwrap();
                table_bytes(map.capacity(), std::mem::size_of::<(ExactKey, u32)>())
                    + map.keys().map(|(_, s, n)| s.len() + n.len()).sum::<usize>()
            })
            .sum()
    }
}

fn attempt_fingerprint() {
    println!("96-bit attempt fingerprint (store/journal/attempts.rs), {N} keys:");
    let numbers = numbers();
    // Every upload of a new number counts a new key; a retry finds it.
    let plain = || {
        let counter = ExactCounter::default();
        let d = timed(|| {
            for n in &numbers {
                assert_eq!(counter.next(Route::Upload, SELLER, n), 0);
            }
        });
        (d, counter)
    };
    let ours = || {
        let counter = AttemptCounter::default();
        let d = timed(|| {
            for n in &numbers {
                assert_eq!(counter.next(Route::Upload, SELLER, n), 0);
            }
        });
        (d, counter)
    };
    let exact = plain().1;
    let exact_bytes = exact.bytes() as f64 / N as f64;
    // 16-byte entries in 16 shards of about N / 16 each.
    let ours_bytes = 16.0 * table_bytes(N / 16, 16) as f64 / N as f64;
    println!(
        "  bytes per key: exact key {exact_bytes:.1}, fingerprint {ours_bytes:.1}: {:.2}x less",
        exact_bytes / ours_bytes
    );
    compare("count a new key", N, || plain().0, || ours().0);
    let counter = AttemptCounter::default();
    numbers.iter().for_each(|n| {
        counter.next(Route::Upload, SELLER, n);
    });
    compare(
        "count a key seen before",
        N,
        || {
            timed(|| {
                numbers
                    .iter()
                    .for_each(|n| assert!(exact.next(Route::Upload, SELLER, n) > 0))
            })
        },
        || {
            timed(|| {
                numbers
                    .iter()
                    .for_each(|n| assert!(counter.next(Route::Upload, SELLER, n) > 0))
            })
        },
    );
}

/// Two threads adding `N` each to one counter.
fn two_threads(add: impl Fn() + Sync) -> Duration {
    timed(|| {
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| (0..N).for_each(|_| add()));
            }
        })
    })
}

fn spread_count() {
    println!("SpreadCount (chaos/counter.rs), 2 threads adding {N} each:");
    compare(
        "add one (one AtomicU64 / SpreadCount)",
        2 * N,
        || {
            let count = AtomicU64::new(0);
            let d = two_threads(|| {
                count.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(count.load(Ordering::Relaxed), 2 * N as u64);
            d
        },
        || {
            let count = SpreadCount::default();
            let d = two_threads(|| count.increment());
            assert_eq!(count.get(), 2 * N as u64);
            d
        },
    );
}

fn main() {
    println!(
        "store layouts against the plain version ({ROUNDS} alternating rounds, medians; load average {})",
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".into())
    );
    packed_records();
    chunked_storage();
    half_hash_index();
    fx_hash();
    attempt_fingerprint();
    spread_count();
}
