use tax_api::{Integrity, Invoice, InvoiceKind, InvoiceLine, Totals};

use super::*;

fn invoice() -> Invoice {
    let line = |price: i64| InvoiceLine {
        description: "Chair".into(),
        quantity: 1,
        unit_price: price,
        tax_rate: 1300,
        amount: price,
        tax: price * 13 / 100,
    };
    Invoice {
        number: "N1".into(),
        request_serial: "s1".into(),
        seller_tax_id: "S".into(),
        buyer_tax_id: "91110108MA02EFGH2Y".into(),
        buyer_name: "Buyer".into(),
        kind: InvoiceKind::Blue,
        issued_at: "2025-05-02T16:57:33+08:00".into(),
        currency: "CNY".into(),
        lines: vec![line(100), line(200), line(300)],
        totals: Totals {
            amount_excl_tax: 600,
            tax: 78,
            total_incl_tax: 678,
        },
    }
}

fn damage_of(kind: FaultKind) -> Damage {
    match kind.as_fault().effect(&mut DecisionRng::new(5)) {
        Effect::StoreDamaged(d) => d,
        other => panic!("expected a damaged store, found {other:?}"),
    }
}

#[test]
fn partial_write_keeps_the_header_without_lines() {
    let mut inv = invoice();
    let d = damage_of(FaultKind::PartialWrite(PartialWrite::default()));
    assert!(d.apply(&mut inv));
    assert!(inv.lines.is_empty());
    assert_eq!(d.integrity(), Integrity::Partial);
}

#[test]
fn partial_write_can_keep_the_first_lines_or_drop_named_fields() {
    let mut inv = invoice();
    damage_of(FaultKind::PartialWrite(PartialWrite {
        keep: Some(1),
        ..Default::default()
    }))
    .apply(&mut inv);
    assert_eq!(inv.lines.len(), 1);
    let mut inv = invoice();
    damage_of(FaultKind::PartialWrite(PartialWrite {
        drop: PartialDrop::Fields,
        keep: None,
        fields: vec![InvoiceField::BuyerName],
    }))
    .apply(&mut inv);
    assert_eq!(inv.buyer_name, "");
    assert_eq!(inv.lines.len(), 3);
}

#[test]
fn corrupt_alters_exactly_one_thing() {
    for field in [
        CorruptTarget::Amount,
        CorruptTarget::TaxId,
        CorruptTarget::Line,
    ] {
        let sent = invoice();
        let mut stored = sent.clone();
        let d = damage_of(FaultKind::Corrupt(Corrupt { field }));
        assert!(d.apply(&mut stored), "{field:?}");
        assert_ne!(
            tax_api::content_hash(&stored),
            tax_api::content_hash(&sent),
            "{field:?}"
        );
        assert_eq!(d.integrity(), Integrity::Corrupted);
        assert_eq!(stored.lines.len(), sent.lines.len());
    }
}

#[test]
fn each_socket_and_answer_fault_has_its_effect() {
    let effect = |k: FaultKind| k.as_fault().effect(&mut DecisionRng::new(1));
    assert_eq!(
        effect(FaultKind::DropAfterAck(DropAfterAck {})),
        Effect::AckWithoutStore
    );
    assert_eq!(
        effect(FaultKind::ResetBeforeStore(ResetBeforeStore {})),
        Effect::Reset { commit: false }
    );
    assert_eq!(
        effect(FaultKind::CommitThenReset(CommitThenReset {})),
        Effect::Reset { commit: true }
    );
    assert_eq!(
        effect(FaultKind::CommitThenTimeout(CommitThenTimeout {})),
        Effect::Hang { commit: true }
    );
    assert_eq!(
        effect(FaultKind::TimeoutBeforeStore(TimeoutBeforeStore {})),
        Effect::Hang { commit: false }
    );
    assert_eq!(
        effect(FaultKind::ErrorAfterCommit(ErrorAfterCommit::default())),
        Effect::ErrorAfterCommit { status: 500 }
    );
    assert_eq!(
        effect(FaultKind::Duplicate(Duplicate {})),
        Effect::StoreTwice
    );
    assert_eq!(
        effect(FaultKind::StuckProcessing(StuckProcessing::default())),
        Effect::StuckProcessing { store: false }
    );
    assert_eq!(
        effect(FaultKind::Reject(Reject {
            status: 550,
            retry_after: None
        })),
        Effect::Respond {
            status: 550,
            code: tax_api::ErrorCode::SystemAborted,
            retry_after: None
        }
    );
    assert_eq!(
        effect(FaultKind::RateLimit(RateLimit {
            retry_after: std::time::Duration::from_millis(1500)
        })),
        Effect::Respond {
            status: 429,
            code: tax_api::ErrorCode::RateLimited,
            retry_after: Some(2)
        }
    );
    assert_eq!(
        effect(FaultKind::TokenExpiry(TokenExpiry {})),
        Effect::Respond {
            status: 401,
            code: tax_api::ErrorCode::Unauthorized,
            retry_after: None
        }
    );
    assert_eq!(
        effect(FaultKind::SlowQuery(SlowQuery {
            delay: None,
            hang: true
        })),
        Effect::Hang { commit: false }
    );
    assert_eq!(
        effect(FaultKind::VisibilityLag(VisibilityLag::default())),
        Effect::HideFor(std::time::Duration::from_secs(2))
    );
}

#[test]
fn write_faults_refuse_read_routes() {
    let partial = FaultKind::PartialWrite(PartialWrite::default());
    assert!(!partial.as_fault().routes().supports(tax_api::Route::Query));
    let slow = FaultKind::SlowQuery(SlowQuery {
        delay: None,
        hang: true,
    });
    assert!(!slow.as_fault().routes().supports(tax_api::Route::Upload));
    assert!(slow.as_fault().routes().supports(tax_api::Route::Get));
}

#[test]
fn each_kind_targets_its_default_route_and_supports_only_its_routes() {
    use crate::chaos::plan::RouteTarget::{Any, Query, Upload};
    use tax_api::Route::{Auth, Get, Query as QueryRoute, Session, Upload as UploadRoute, Verify};
    let all = [UploadRoute, Get, QueryRoute, Verify, Auth, Session];
    let uploads = [UploadRoute];
    let reads = [Get, QueryRoute, Verify];
    let kinds: [(&str, _, &[tax_api::Route]); 17] = [
        ("drop_after_ack", Upload, &uploads),
        ("reject", Upload, &all),
        ("reset_before_store", Upload, &all),
        ("commit_then_reset", Upload, &uploads),
        ("commit_then_timeout", Upload, &uploads),
        ("timeout_before_store", Upload, &all),
        ("error_after_commit", Upload, &[UploadRoute, Session]),
        ("partial_write", Upload, &uploads),
        ("corrupt", Upload, &uploads),
        ("duplicate", Upload, &uploads),
        ("duplicate_without_pointer", Upload, &uploads),
        ("visibility_lag", Upload, &uploads),
        ("stuck_processing", Upload, &uploads),
        ("latency", Any, &all),
        ("rate_limit", Any, &all),
        ("token_expiry", Any, &all),
        ("slow_query", Query, &reads),
    ];
    for (kind, default, supported) in kinds {
        let fault: FaultKind = serde_json::from_value(serde_json::json!({"kind": kind}))
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        let routes = fault.as_fault().routes();
        assert_eq!(routes.default, default, "{kind}");
        for route in all {
            assert_eq!(
                routes.supports(route),
                supported.contains(&route),
                "{kind} on {route:?}"
            );
        }
    }
}
