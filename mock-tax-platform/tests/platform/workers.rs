//! A platform serving its connections on worker threads (`Config::workers`, the
//! binary's default): requests, socket faults and shutdown behave as on the
//! caller's runtime.

use std::time::Duration;

use mock_tax_platform::plan::Plan;
use mock_tax_platform::Platform;
use serde_json::json;

use crate::common::*;
use crate::faults::kinds::{
    expect_hung_request_to_end_at_shutdown, expect_reset_and_nothing_stored,
};
use crate::faults::support::*;
use crate::shutdown::expect_to_stop_when_dropped;

async fn start_on_workers(plan: serde_json::Value) -> (Platform, Api) {
    let config = mock_tax_platform::Config {
        workers: 2,
        plan: Plan::from_json_str(&plan.to_string()).unwrap(),
        ..two_sellers()
    };
    let platform = start(config).await;
    let api = Api::new(&platform, Some(TOKEN));
    (platform, api)
}

#[tokio::test]
async fn uploads_over_many_connections_are_all_stored() {
    let (platform, api) = start_on_workers(json!({})).await;
    let mut uploads = Vec::new();
    for i in 0..8 {
        // A client each, so the uploads arrive on eight connections.
        let api = Api::new(&platform, Some(TOKEN));
        uploads.push(tokio::spawn(async move {
            api.upload(&invoice(SELLER, &format!("W-{i}")))
                .await
                .status()
        }));
    }
    for upload in uploads {
        assert_eq!(upload.await.unwrap(), 201);
    }
    let mut numbers: Vec<String> = truth(&platform)
        .await
        .records
        .into_iter()
        .map(|r| r.number)
        .collect();
    numbers.sort();
    let expected: Vec<String> = (0..8).map(|i| format!("W-{i}")).collect();
    assert_eq!(numbers, expected);
    drop(api);
    tokio::time::timeout(Duration::from_secs(30), platform.shutdown())
        .await
        .expect("idle keep-alive connections must not hold shutdown up");
}

#[tokio::test]
async fn a_reset_fault_resets_a_connection_served_on_a_worker() {
    let (platform, _) = start_on_workers(json!({"faults": [{"kind": "reset_before_store"}]})).await;
    expect_reset_and_nothing_stored(&platform).await;
}

#[tokio::test]
async fn a_hung_request_on_a_worker_ends_when_the_platform_shuts_down() {
    let (platform, api) =
        start_on_workers(json!({"faults": [{"kind": "timeout_before_store"}]})).await;
    expect_hung_request_to_end_at_shutdown(platform, api).await;
}

#[tokio::test]
async fn dropping_a_platform_with_workers_stops_serving() {
    let (platform, _) = start_on_workers(json!({})).await;
    expect_to_stop_when_dropped(platform).await;
}
