//! The ground truth read a page at a time, in write order across every seller, so
//! `GET /_chaos/truth` can stream a store of any size holding one page in memory.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use tax_api::TruthRecord;

use super::{Record, Store};

/// Which records a truth read covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TruthFilter {
    /// Only this seller's records.
    pub seller: Option<String>,
    /// Only numbers at or after this one (byte order).
    pub number_from: Option<String>,
    /// Only numbers at or before this one (byte order).
    pub number_to: Option<String>,
}

impl TruthFilter {
    fn matches(&self, record: &Record) -> bool {
        let number = &*record.number;
        self.number_from
            .as_deref()
            .map_or(true, |from| number >= from)
            && self.number_to.as_deref().map_or(true, |to| number <= to)
    }
}

/// One page of the truth.
#[derive(Debug)]
pub struct TruthPage {
    /// Matching records, in write order.
    pub records: Vec<TruthRecord>,
    /// The last write sequence the page looked at; the next page starts after it.
    pub reached: u64,
    /// Whether records up to the high-water mark are still unread.
    pub more: bool,
}

/// Most records one page looks at, matching or not: a filter that matches rarely
/// must not hold the store's lock for a walk over the whole store.
const VISIT_BUDGET: usize = 16 * 1024;

impl Store {
    /// Records with `after < seq <= high_water_mark` that pass `filter`, in write
    /// order: at most `limit` of them, from at most [`VISIT_BUDGET`] looked at. The
    /// lock is held only to copy the page's records; they are converted outside it.
    pub fn truth_page(
        &self,
        after: u64,
        high_water_mark: u64,
        filter: &TruthFilter,
        limit: usize,
    ) -> TruthPage {
        let mut copied: Vec<(Arc<str>, Record)> = Vec::new();
        let mut reached = after;
        let mut more = false;
        {
            let inner = self.lock();
            let shards: Vec<_> = match &filter.seller {
                Some(seller) => inner.sellers.get(seller.as_str()).into_iter().collect(),
                None => inner.sellers.values().collect(),
            };
            // Each seller's records are in write order: merge them by sequence.
            let mut heads = BinaryHeap::new();
            let push = |heads: &mut BinaryHeap<_>, shard: usize, position: usize| {
                if let Some(record) = shards[shard].records.get(position) {
                    if record.seq <= high_water_mark {
                        heads.push(Reverse((record.seq, shard, position)));
                    }
                }
            };
            for (i, shard) in shards.iter().enumerate() {
                let start = shard.records.partition_point(|r| r.seq <= after);
                push(&mut heads, i, start);
            }
            let mut visited = 0;
            while let Some(&Reverse((seq, shard, position))) = heads.peek() {
                if copied.len() >= limit || visited >= VISIT_BUDGET {
                    more = true;
                    break;
                }
                heads.pop();
                visited += 1;
                reached = seq;
                if let Some(record) = shards[shard].records.get(position) {
                    if filter.matches(record) {
                        copied.push((Arc::clone(&shards[shard].seller), record.clone()));
                    }
                }
                push(&mut heads, shard, position + 1);
            }
        }
        TruthPage {
            records: copied.iter().map(|(s, r)| r.to_truth(s)).collect(),
            reached,
            more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::{invoice, write};
    use crate::store::Keep;

    fn numbers(page: &TruthPage) -> Vec<String> {
        page.records
            .iter()
            .map(|r| format!("{}/{}", r.seller_tax_id, r.number))
            .collect()
    }

    fn three_sellers() -> Store {
        let store = Store::default();
        for i in 0..6 {
            let seller = ["A", "B", "C"][i % 3];
            store.upload(&invoice(seller, &format!("N{i}")), write(Keep::Intact));
        }
        store
    }

    #[test]
    fn pages_follow_write_order_across_sellers_without_gaps_or_repeats() {
        let store = three_sellers();
        let mark = store.high_water_mark();
        let all = TruthFilter::default();
        let first = store.truth_page(0, mark, &all, 4);
        store.upload(&invoice("A", "LATE"), write(Keep::Intact));
        let rest = store.truth_page(first.reached, mark, &all, 4);
        assert!(first.more);
        assert!(!rest.more);
        assert_eq!(numbers(&first), ["A/N0", "B/N1", "C/N2", "A/N3"]);
        assert_eq!(numbers(&rest), ["B/N4", "C/N5"]);
    }

    #[test]
    fn a_filter_keeps_one_seller_and_a_number_range() {
        let store = three_sellers();
        let mark = store.high_water_mark();
        let filter = TruthFilter {
            seller: Some("A".into()),
            number_from: Some("N1".into()),
            number_to: Some("N3".into()),
        };
        let page = store.truth_page(0, mark, &filter, 10);
        assert_eq!(numbers(&page), ["A/N3"]);
        assert!(!page.more);
        let nobody = TruthFilter {
            seller: Some("Z".into()),
            ..TruthFilter::default()
        };
        assert!(store.truth_page(0, mark, &nobody, 10).records.is_empty());
    }

    #[test]
    fn a_page_stops_after_its_visit_budget_when_little_matches() {
        let store = Store::default();
        for i in 0..VISIT_BUDGET + 10 {
            store.upload(&invoice("A", &format!("N{i:06}")), write(Keep::Intact));
        }
        let mark = store.high_water_mark();
        let filter = TruthFilter {
            number_from: Some("X".into()),
            ..TruthFilter::default()
        };
        let first = store.truth_page(0, mark, &filter, 10);
        assert!(first.records.is_empty());
        assert!(first.more);
        assert_eq!(first.reached, VISIT_BUDGET as u64);
        let rest = store.truth_page(first.reached, mark, &filter, 10);
        assert!(!rest.more);
        assert_eq!(rest.reached, mark);
    }
}
