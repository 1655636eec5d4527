use super::*;
use crate::testutil::invoice;

fn open() -> (tempfile::TempDir, Outbox) {
    let dir = tempfile::tempdir().unwrap();
    let outbox = Outbox::open(dir.path(), false).unwrap();
    (dir, outbox)
}

#[tokio::test]
async fn intake_is_idempotent_for_the_same_content_and_refuses_different_content() {
    let (_dir, outbox) = open();
    assert_eq!(outbox.accept(invoice("N-1"), 0).await.unwrap(), Intake::New);
    assert_eq!(
        outbox.accept(invoice("N-1"), 0).await.unwrap(),
        Intake::Same
    );
    let mut other = invoice("N-1");
    other.buyer_name = "Someone Else".into();
    assert_eq!(outbox.accept(other, 0).await.unwrap(), Intake::Conflict);
    assert_eq!(outbox.counts().await.unwrap().open, 1);
}

#[tokio::test]
async fn every_move_is_committed_and_a_flag_is_final() {
    let (_dir, outbox) = open();
    outbox.accept(invoice("N-1"), 0).await.unwrap();
    let row = outbox.open_rows(0, 10).await.unwrap().remove(0);
    assert_eq!(row.state, State::Pending);
    let sent = Move::Sent {
        serial: "serial-N-1".into(),
        attempts: 1,
    };
    assert!(outbox.record(row.id, sent).await.unwrap());
    let flag = Move::Flagged {
        reason: "PARTIAL: 0 of 1 lines".into(),
    };
    assert!(outbox.record(row.id, flag).await.unwrap());
    let confirm = Move::Confirmed {
        platform_ref: Some("P-1".into()),
    };
    assert!(!outbox.record(row.id, confirm).await.unwrap());
    let ledger = outbox.ledger().await.unwrap();
    assert_eq!(ledger[0].status, tax_api::LedgerStatus::Flagged);
    assert_eq!(ledger[0].reason.as_deref(), Some("PARTIAL: 0 of 1 lines"));
}

#[tokio::test]
async fn a_reopened_outbox_resumes_open_rows_with_their_serial_and_attempts() {
    let dir = tempfile::tempdir().unwrap();
    {
        let outbox = Outbox::open(dir.path(), true).unwrap();
        for i in 0..5 {
            outbox.accept(invoice(&format!("N-{i}")), 42).await.unwrap();
        }
        let rows = outbox.open_rows(0, 10).await.unwrap();
        let sent = Move::Sent {
            serial: "serial-N-0".into(),
            attempts: 1,
        };
        outbox.record(rows[0].id, sent).await.unwrap();
        let confirm = Move::Confirmed {
            platform_ref: Some("P-1".into()),
        };
        outbox.record(rows[1].id, confirm).await.unwrap();
    }
    let outbox = Outbox::open(dir.path(), true).unwrap();
    let rows = outbox.open_rows(0, 10).await.unwrap();
    let numbers: Vec<_> = rows.iter().map(|r| r.invoice.number.as_str()).collect();
    assert_eq!(numbers, ["N-0", "N-2", "N-3", "N-4"]);
    assert_eq!(rows[0].state, State::Sent);
    assert_eq!(rows[0].attempts, 1);
    assert_eq!(rows[0].invoice.request_serial, "serial-N-0");
    assert_eq!(rows[0].due_ms, 42);
    assert_eq!(
        rows[0].content_hash,
        tax_api::content_hash(&invoice("N-0")),
        "the hash taken at intake travels with the row"
    );
    let counts = outbox.counts().await.unwrap();
    assert_eq!((counts.open, counts.confirmed), (4, 1));
}

#[tokio::test]
async fn open_rows_page_by_id_and_stay_bounded() {
    let (_dir, outbox) = open();
    for i in 0..25 {
        outbox
            .accept(invoice(&format!("N-{i:02}")), 0)
            .await
            .unwrap();
    }
    let first = outbox.open_rows(0, 10).await.unwrap();
    assert_eq!(first.len(), 10);
    let next = outbox.open_rows(first[9].id, 10).await.unwrap();
    assert_eq!(next[0].invoice.number, "N-10");
}

#[tokio::test]
async fn reconciliation_join_finds_missing_damaged_and_duplicated_copies() {
    let (_dir, outbox) = open();
    for n in ["A", "B", "C", "D"] {
        outbox.accept(invoice(n), 0).await.unwrap();
    }
    for row in outbox.open_rows(0, 10).await.unwrap() {
        outbox
            .record(row.id, Move::Confirmed { platform_ref: None })
            .await
            .unwrap();
    }
    let good = tax_api::content_hash(&invoice("A"));
    let dup = tax_api::content_hash(&invoice("D"));
    outbox.seen_clear().await.unwrap();
    outbox
        .seen_add(vec![
            ("A".into(), good, 1),
            ("C".into(), "bad".into(), 0),
            ("D".into(), dup.clone(), 1),
            ("D".into(), dup, 1),
        ])
        .await
        .unwrap();
    let (checked, findings) = outbox.seen_compare().await.unwrap();
    assert_eq!(checked, 4);
    let text = format!("{findings:?}");
    assert_eq!(findings.len(), 3, "{text}");
    assert!(
        findings.iter().any(|f| matches!(f, Finding::Missing(_))),
        "{text}"
    );
    assert!(
        findings.iter().any(|f| matches!(
            f,
            Finding::Differs {
                stored_lines: 0,
                sent_lines: 1,
                ..
            }
        )),
        "{text}"
    );
    assert!(
        findings
            .iter()
            .any(|f| matches!(f, Finding::Duplicated { copies: 2, .. })),
        "{text}"
    );
}

fn every_move() -> Vec<(Move, Option<State>)> {
    vec![
        (
            Move::Sent {
                serial: "s".into(),
                attempts: 1,
            },
            Some(State::Sent),
        ),
        (
            Move::Submitted {
                submission_id: "SUB-1".into(),
            },
            None,
        ),
        (Move::Note { note: "n".into() }, None),
        (
            Move::Confirmed { platform_ref: None },
            Some(State::Confirmed),
        ),
        (Move::Flagged { reason: "r".into() }, Some(State::Flagged)),
        (
            Move::Reopened {
                reason: "r".into(),
                due_ms: 1,
            },
            Some(State::Pending),
        ),
    ]
}

/// Brings a fresh row to `state` through legal moves.
async fn row_in(outbox: &Outbox, number: &str, state: State) -> i64 {
    outbox.accept(invoice(number), 0).await.unwrap();
    let id = outbox
        .open_rows(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.invoice.number == number)
        .unwrap()
        .id;
    let mv = match state {
        State::Pending => return id,
        State::Sent => Move::Sent {
            serial: "s".into(),
            attempts: 1,
        },
        State::Confirmed => Move::Confirmed { platform_ref: None },
        State::Flagged => Move::Flagged { reason: "r".into() },
    };
    assert!(outbox.record(id, mv).await.unwrap());
    id
}

#[tokio::test]
async fn every_move_is_legal_exactly_when_the_state_machine_says_so() {
    let (_dir, outbox) = open();
    let states = [
        State::Pending,
        State::Sent,
        State::Confirmed,
        State::Flagged,
    ];
    let mut n = 0;
    for from in states {
        for (mv, to) in every_move() {
            n += 1;
            let id = row_in(&outbox, &format!("M-{n}"), from).await;
            // A move that keeps the state (a note, a submission id) is legal where
            // staying put is.
            let to = to.unwrap_or(from);
            let applied = outbox.record(id, mv.clone()).await.unwrap();
            assert_eq!(applied, from.can_move_to(to), "{from:?} with {mv:?}");
            let now = outbox.row(id).await.unwrap().unwrap().state;
            assert_eq!(now, if applied { to } else { from }, "{from:?} with {mv:?}");
        }
    }
    assert!(!outbox
        .record(i64::MAX, Move::Note { note: "n".into() })
        .await
        .unwrap());
}
