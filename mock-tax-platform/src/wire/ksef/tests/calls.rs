//! Faults on the authentication and session calls (`on = "auth"`, `on = "session"`).

use serde_json::{json, Value};

use super::support::*;

fn journal_on(text: &str, route: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["route"] == route)
        .collect()
}

#[tokio::test]
async fn reject_550_on_auth_accepts_the_token_and_ends_the_auth_status_at_550() {
    let plan = json!({"faults": [{"kind": "reject", "status": 550, "on": "auth", "first": 1}]});
    let platform = start(1, plan).await;
    let mut c = Client::new(&platform);
    assert_eq!(c.authenticate(TOKEN).await, 550);
    let redeem = c.post("/auth/token/redeem", None).await;
    assert_eq!((redeem.status, exception_code(&redeem)), (400, 21301));
    assert_eq!(c.authenticate(TOKEN).await, 200, "only the first is hit");

    let auths = journal_on(&control(&platform, "/_chaos/journal").await, "auth");
    assert_eq!(auths.len(), 2, "{auths:?}");
    assert_eq!(auths[0]["fault"], "reject");
    assert_eq!(auths[0]["note"], "auth status 550");
    assert_eq!(auths[0]["seller_tax_id"], NIP);
    assert_eq!(auths[1]["fault"], Value::Null);
}

#[tokio::test]
async fn rate_limit_on_auth_is_429_with_retry_after_and_the_next_try_passes() {
    let plan =
        json!({"faults": [{"kind": "rate_limit", "retry_after": "7s", "on": "auth", "first": 1}]});
    let platform = start(1, plan).await;
    let mut c = Client::new(&platform);
    let r = c.token_auth(TOKEN).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert_eq!(r.headers["retry-after"], "7");
    assert_eq!(r.json()["status"]["code"], 429);
    assert_eq!(c.authenticate(TOKEN).await, 200);
}

#[tokio::test]
async fn error_after_commit_on_close_answers_500_while_the_session_closes() {
    // Session calls in order: the open (match 1), then the close (match 2).
    let plan = json!({"faults": [{"kind": "error_after_commit", "on": "session", "every": 2}]});
    let platform = start(1, plan).await;
    let c = Client::ready(&platform).await;
    let invoice_ref = c.send_ok(&fa3("FV/C/1")).await;
    assert_eq!(c.invoice_status(&invoice_ref).await["status"]["code"], 200);

    let close = c
        .post(&format!("/sessions/online/{}/close", c.session), None)
        .await;
    assert_eq!(close.status, 500, "{}", close.text);
    let session = c.get(&format!("/sessions/{}", c.session)).await.json();
    assert_eq!(session["status"]["code"], 200, "closed anyway: {session}");
    let again = c.send(&fa3("FV/C/2")).await;
    assert_eq!((again.status, exception_code(&again)), (400, 21180));

    let calls = journal_on(&control(&platform, "/_chaos/journal").await, "session");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0]["fault"], Value::Null);
    assert_eq!(calls[1]["fault"], "error_after_commit");
    assert_eq!(calls[1]["status"], 500);
    assert_eq!(calls[1]["note"], "session/close done, then answered 500");
}

#[tokio::test]
async fn reject_on_session_open_is_the_gateways_html_503_and_opens_nothing() {
    let plan = json!({"faults": [{"kind": "reject", "status": 503, "retry_after": 4, "on": "session", "first": 1}]});
    let platform = start(1, plan).await;
    let mut c = Client::new(&platform);
    assert_eq!(c.authenticate(TOKEN).await, 200);
    let refused = c.open().await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert!(refused.text.contains("<html"), "{}", refused.text);
    assert!(c.session.is_empty());
    assert_eq!(c.open().await.status, 201);
}

#[tokio::test]
async fn rules_on_any_route_leave_auth_and_session_alone() {
    let plan = json!({"faults": [{"kind": "rate_limit"}, {"kind": "reject", "on": "any"}]});
    let platform = start(1, plan).await;
    // Authentication and the session open pass; the send is what is refused.
    let c = Client::ready(&platform).await;
    assert_eq!(c.send(&fa3("FV/A/1")).await.status, 429);
}

#[tokio::test]
async fn the_same_seed_makes_the_same_decisions_on_auth_calls() {
    let plan = json!({"faults": [{"kind": "rate_limit", "on": "auth", "probability": 0.5}]});
    let mut runs = Vec::new();
    for _ in 0..2 {
        let platform = start(42, plan.clone()).await;
        let c = Client::new(&platform);
        let mut statuses = Vec::new();
        for _ in 0..12 {
            statuses.push(c.token_auth(TOKEN).await.status);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(
        runs[0].contains(&429) && runs[0].contains(&202),
        "{:?}",
        runs[0]
    );
}

#[test]
fn a_kind_that_cannot_act_on_auth_or_session_is_refused_naming_the_route() {
    for (rule, route) in [
        (json!({"kind": "drop_after_ack", "on": "auth"}), "auth"),
        (json!({"kind": "error_after_commit", "on": "auth"}), "auth"),
        (json!({"kind": "partial_write", "on": "session"}), "session"),
    ] {
        let plan = json!({"faults": [rule]}).to_string();
        let err = crate::plan::Plan::from_json_str(&plan)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("cannot act on `{route}` requests")),
            "{err}"
        );
    }
}
