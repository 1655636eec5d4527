//! `docs/openapi/tax-platform.yaml` documents exactly the routes the platform serves.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::*;

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

fn documented() -> BTreeSet<(String, String)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/openapi/tax-platform.yaml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let paths = doc["paths"].as_mapping().unwrap();
    let mut routes = BTreeSet::new();
    for (path, item) in paths {
        for method in item.as_mapping().unwrap().keys() {
            let method = method.as_str().unwrap();
            if METHODS.contains(&method) {
                routes.insert((method.to_uppercase(), path.as_str().unwrap().to_owned()));
            }
        }
    }
    routes
}

fn served() -> BTreeSet<(String, String)> {
    mock_tax_platform::ROUTES
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect()
}

#[test]
fn every_served_route_is_documented_and_every_documented_route_is_served() {
    let documented = documented();
    let served = served();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
}

#[tokio::test]
async fn every_documented_route_answers_on_the_live_server() {
    let platform = start(two_sellers()).await;
    let client = reqwest::Client::new();
    for (method, path) in documented() {
        let concrete = path.replace("{number}", "X").replace("{id}", "X");
        let url = format!("{}{concrete}", platform.base_url());
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = client
            .request(method.clone(), &url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let unrouted = status == 405
            || (status == 404
                && body["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with("no route")));
        assert!(!unrouted, "{method} {path} is not served: {status} {body}");
    }
}
