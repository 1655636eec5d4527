//! The journal's memory budget: what unauthenticated requests may cost, and the
//! count of dropped entries the control plane reports.

use mock_tax_platform::Config;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn unauthenticated_requests_with_long_paths_cost_the_journal_little() {
    let platform = start(two_sellers()).await;
    let api = Api::new(&platform, None);
    let long = "9".repeat(8 * 1024);
    for i in 0..50 {
        let path = if i % 2 == 0 {
            format!("/v1/invoices/{long}")
        } else {
            format!("/{long}")
        };
        let status = api.get(&path).await.status().as_u16();
        assert!(status == 401 || status == 404, "{status}");
    }
    let stats: Value = control_get(&platform, "/_chaos/stats").await;
    let journal = &stats["journal"];
    assert_eq!(journal["entries"], 50, "{stats}");
    // Kept whole, fifty 8 KB paths alone would be 400 KB.
    let bytes = journal["bytes"].as_u64().unwrap();
    assert!(bytes < 50 * 200, "{journal}");
    assert_eq!(journal["dropped"], 0);
}

#[tokio::test]
async fn uploads_past_the_journal_limit_are_counted_as_dropped_in_the_stats() {
    let config = Config {
        journal_limit: 400,
        ..two_sellers()
    };
    let platform = start(config).await;
    let api = Api::new(&platform, Some(TOKEN));
    for i in 0..5 {
        assert_eq!(
            api.upload(&invoice(SELLER, &format!("INV-{i}")))
                .await
                .status(),
            201
        );
    }
    let stats: Value = control_get(&platform, "/_chaos/stats").await;
    let journal = &stats["journal"];
    assert_eq!(journal["limit_bytes"], 400, "{stats}");
    let (kept, dropped) = (
        journal["entries"].as_u64().unwrap(),
        journal["dropped"].as_u64().unwrap(),
    );
    assert_eq!(kept + dropped, 5, "{journal}");
    assert!(dropped >= 3, "{journal}");
    assert!(journal["first_dropped_at_ms"].is_u64(), "{journal}");
    // The store keeps every record: only the journal is bounded.
    let truth = crate::upload::truth(&platform).await;
    assert_eq!(truth["records"].as_array().unwrap().len(), 5);
}
