//! Targeting over HTTP: first N, every Nth, window, seller, prefix, max, and the
//! probability draw checked exactly against the engine's documented function.

use std::time::Duration;

use mock_tax_platform::engine::{Engine, RequestFacts};
use mock_tax_platform::plan::Plan;
use serde_json::{json, Value};

use super::support::*;
use crate::common::*;

/// Uploads N0..N{n} in order; returns the indices answered with `status`.
async fn statuses(api: &Api, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(
            api.upload(&invoice(SELLER, &format!("N{i}")))
                .await
                .status()
                .as_u16(),
        );
    }
    out
}

fn hits(statuses: &[u16], status: u16) -> Vec<usize> {
    (0..statuses.len())
        .filter(|&i| statuses[i] == status)
        .collect()
}

#[tokio::test]
async fn first_n_rejects_only_the_first_n_uploads() {
    let (platform, api) = start_with_rule(json!({"kind": "reject", "first": 2})).await;
    assert_eq!(hits(&statuses(&api, 5).await, 503), [0, 1]);
    let s = stats(&platform).await;
    assert_eq!(s["rules"][0]["matched"], 5);
    assert_eq!(s["rules"][0]["fired"], 2);
}

#[tokio::test]
async fn every_nth_rejects_every_third_upload() {
    let (_p, api) = start_with_rule(json!({"kind": "reject", "every": 3})).await;
    assert_eq!(hits(&statuses(&api, 7).await, 503), [2, 5]);
}

#[tokio::test]
async fn max_stops_a_rule_after_its_cap() {
    let (_p, api) = start_with_rule(json!({"kind": "reject", "max": 3})).await;
    assert_eq!(hits(&statuses(&api, 6).await, 503), [0, 1, 2]);
}

#[tokio::test]
async fn a_window_in_the_future_does_not_fire_yet_and_one_in_the_past_no_longer() {
    let (_p, api) = start_with_rule(json!({"kind": "reject", "after": "1h"})).await;
    assert!(hits(&statuses(&api, 3).await, 503).is_empty());
    let (_p, api) = start_with_rule(json!({"kind": "reject", "until": "1h"})).await;
    assert_eq!(hits(&statuses(&api, 3).await, 503), [0, 1, 2]);
}

#[tokio::test]
async fn seller_targeting_spares_other_sellers() {
    let (platform, api) = start_with_rule(json!({"kind": "reject", "seller": OTHER_SELLER})).await;
    let (mine, _) = status_json(api.upload(&invoice(SELLER, "A")).await).await;
    let other = Api::new(&platform, Some(OTHER_TOKEN));
    let theirs = other
        .upload(&invoice(OTHER_SELLER, "B"))
        .await
        .status()
        .as_u16();
    assert_eq!((mine, theirs), (201, 503));
}

#[tokio::test]
async fn number_prefix_targeting_spares_other_numbers() {
    let (_p, api) = start_with_rule(json!({"kind": "reject", "number_prefix": "2511"})).await;
    let a = api
        .upload(&invoice(SELLER, "25110001"))
        .await
        .status()
        .as_u16();
    let b = api
        .upload(&invoice(SELLER, "26110001"))
        .await
        .status()
        .as_u16();
    assert_eq!((a, b), (503, 201));
}

#[tokio::test]
async fn route_targeting_rejects_gets_but_not_uploads() {
    let (_p, api) = start_with_rule(json!({"kind": "reject", "on": "get", "status": 502})).await;
    assert_eq!(
        api.upload(&invoice(SELLER, "N1")).await.status().as_u16(),
        201
    );
    assert_eq!(api.get("/v1/invoices/N1").await.status().as_u16(), 502);
}

#[tokio::test]
async fn probability_fires_exactly_where_the_seeded_draw_says_over_1000_uploads() {
    let rule = json!({"kind": "reject", "probability": 0.25, "name": "p"});
    let (platform, api) = start_with(42, json!({"faults": [rule.clone()]})).await;
    let plan = Plan::from_json_str(&json!({"faults": [rule]}).to_string()).unwrap();
    let oracle = Engine::new(42, plan.faults).unwrap();
    let got = statuses(&api, 1000).await;
    let mut expected = Vec::new();
    for i in 0..1000 {
        let number = format!("N{i}");
        let facts = RequestFacts {
            route: tax_api::Route::Upload,
            seller: Some(SELLER),
            number: Some(&number),
            key: &number,
            attempt: 0,
            elapsed: Duration::ZERO,
            existing: false,
        };
        expected.push(if oracle.decide(&facts).is_clean() {
            201
        } else {
            503
        });
    }
    assert_eq!(got, expected);
    let fired = hits(&got, 503).len();
    assert!((200..300).contains(&fired), "about a quarter fire: {fired}");
    let s: Value = stats(&platform).await;
    assert_eq!(s["rules"][0]["fired"], fired);
}
