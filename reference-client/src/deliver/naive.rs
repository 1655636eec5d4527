//! Naive delivery: the mistakes billing systems make in the field, on purpose.
//! Any 2xx is confirmed, a timeout after sending counts as confirmed, every error is
//! retried a few times under a fresh `request_serial`, then flagged. No read-back.

use std::time::Duration;

use super::Ctx;
use crate::outbox::{Move, Row};
use crate::platform::{Reply, Transport, Uploaded};
use crate::ReferenceClientError;

/// A new idempotency key for retry `n` — exactly what a careful client never does.
fn fresh_serial(original: &str, n: u32) -> String {
    let suffix = format!("-r{n}");
    let keep = 40usize.saturating_sub(suffix.len());
    let mut s: String = original.chars().take(keep).collect();
    s.push_str(&suffix);
    s
}

pub(super) async fn deliver(ctx: &Ctx, row: Row) -> Result<(), ReferenceClientError> {
    let original = row.invoice.request_serial.clone();
    let attempts = ctx.config.max_attempts.min(3);
    let mut invoice = row.invoice.clone();
    let mut last = String::from("never sent");
    for n in 0..attempts {
        let sent_so_far = row.attempts + n;
        invoice.request_serial = if sent_so_far == 0 {
            original.clone()
        } else {
            fresh_serial(&original, sent_so_far)
        };
        ctx.record(
            &row,
            Move::Sent {
                serial: invoice.request_serial.clone(),
                attempts: sent_so_far + 1,
            },
        )
        .await?;
        match ctx.platform.upload(&invoice).await {
            Reply::Ok(_, up) => {
                let platform_ref = match up {
                    Uploaded::Issued { platform_ref } => Some(platform_ref),
                    _ => None,
                };
                ctx.record(&row, Move::Confirmed { platform_ref }).await?;
                return Ok(());
            }
            Reply::Err(status, _, _) if (200..300).contains(&status) => {
                ctx.record(&row, Move::Confirmed { platform_ref: None })
                    .await?;
                return Ok(());
            }
            Reply::Failed(Transport::Timeout) => {
                // "It probably went through."
                ctx.record(&row, Move::Confirmed { platform_ref: None })
                    .await?;
                return Ok(());
            }
            Reply::Err(status, err, _) => last = format!("HTTP {status} {}", err.code),
            Reply::Failed(t) => last = format!("{t:?}"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    ctx.record(
        &row,
        Move::Flagged {
            reason: format!("GAVE_UP: {attempts} uploads failed; last: {last}"),
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fresh_serial;

    #[test]
    fn a_fresh_serial_differs_and_fits_forty_characters() {
        let long = "x".repeat(40);
        let s = fresh_serial(&long, 12);
        assert_ne!(s, long);
        assert!(s.len() <= 40, "{s}");
        assert_eq!(fresh_serial("order-1", 1), "order-1-r1");
    }
}
