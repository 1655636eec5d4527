//! Two platforms with one seed inject the same faults into the same invoices, whatever
//! order the invoices arrive in.

use std::collections::BTreeMap;

use serde_json::json;

use super::support::*;
use crate::common::*;

fn plan() -> serde_json::Value {
    json!({"faults": [
        {"kind": "partial_write", "probability": 0.2},
        {"kind": "corrupt", "field": "line", "probability": 0.2},
        {"kind": "reject", "probability": 0.3}
    ]})
}

/// Per invoice: the statuses of its two attempts and its final integrity.
async fn run(order: &[usize]) -> BTreeMap<String, (Vec<Option<u16>>, Option<String>)> {
    let (platform, api) = start_with(99, plan()).await;
    for &i in order {
        // Each invoice is sent twice; its own attempts stay in order.
        api.upload(&invoice(SELLER, &format!("D{i}"))).await;
    }
    let entries = journal(&platform).await;
    let truth = truth(&platform).await;
    let mut out = BTreeMap::new();
    for i in 0..30 {
        let number = format!("D{i}");
        let statuses = uploads_of(&entries, &number)
            .iter()
            .map(|e| e.status)
            .collect();
        let integrity = truth
            .records
            .iter()
            .find(|r| r.number == number)
            .map(|r| format!("{:?} {:?}", r.integrity, r.stored_hash));
        out.insert(number, (statuses, integrity));
    }
    out
}

#[tokio::test]
async fn one_seed_gives_the_same_faults_to_the_same_invoices_in_any_order() {
    let forward: Vec<usize> = (0..30).chain(0..30).collect();
    let mut interleaved: Vec<usize> = Vec::new();
    for i in (0..30).rev() {
        interleaved.extend([i, i]);
    }
    let a = run(&forward).await;
    let b = run(&interleaved).await;
    assert_eq!(a, b);
    let faulted = a
        .values()
        .filter(|(s, i)| {
            s.contains(&Some(503)) || i.as_deref().is_some_and(|i| !i.starts_with("Intact"))
        })
        .count();
    assert!(faulted > 0, "some invoices were faulted");
}
