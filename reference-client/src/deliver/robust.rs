//! Robust delivery: prove every invoice stored complete, or flag it with a reason.
//!
//! The `request_serial` never changes. Only transient failures are retried, with
//! backoff honouring `Retry-After`. After a timeout, reset or 5xx the client looks the
//! invoice up before resending. A 409 means "possibly succeeded": the original is
//! fetched and compared. Every success is read back and checked (`content_hash`,
//! `line_count`, fields); a 404 right after a write may be visibility lag and is retried
//! a bounded number of times. Asynchronous submissions are polled. At the deadline
//! whatever is unproven is flagged.

use std::time::Duration;

use tax_api::{ApiError, ErrorCode, StoredInvoice, SubmissionState};
use tokio::time::Instant;

use super::copies::{self, Copies};
use super::{compare, deadline_of, same_content, wait, Ctx, Damage};
use crate::outbox::{Move, Row};
use crate::platform::{Reply, Uploaded};
use crate::retry::{classify_status, classify_transport, Class};
use crate::ReferenceClientError;

/// Most times an invoice is uploaded again after the platform acknowledged it yet
/// could not show it (or refused it as a duplicate while holding nothing).
const MAX_REUPLOADS: u32 = 2;
/// Most refused tokens in a row before the client gives up on an invoice...
const MAX_AUTH_FAILURES: u32 = 3;
/// ...once the refusals have also lasted this share (1/N) of the delivery deadline: a
/// short run of 401s (an auth outage of half a second) is ridden out, a token refused
/// for seconds on end is flagged well before the deadline.
const AUTH_PATIENCE_DIVISOR: u32 = 10;
/// A submission still processing after this many polls is looked up by number too.
const LOOK_EVERY_PROCESSING_POLLS: u32 = 20;

enum Step {
    /// Finished: the row is confirmed or flagged.
    Done,
    /// Go round again at once.
    Again,
    /// Back off (at least the given `Retry-After`), then go round again.
    Wait(Option<Duration>),
}

/// Result of reading the record back.
enum Fetched {
    Found(Box<StoredInvoice>),
    Missing,
    OutOfTime,
}

struct Run<'a> {
    ctx: &'a Ctx,
    row: Row,
    deadline: Instant,
    in_doubt: bool,
    submission: Option<String>,
    stuck: bool,
    /// Polls that found the submission still processing.
    processing_polls: u32,
    attempts: u32,
    retries: u32,
    /// Refused tokens since the last answer that got past authentication.
    auth_failures: u32,
    /// When the current run of refusals began.
    refused_since: Option<Instant>,
    reuploads: u32,
    damage: Option<Damage>,
    last: String,
}

/// Delivers one row robustly; returns once it is confirmed or flagged.
pub(crate) async fn deliver(ctx: &Ctx, row: Row) -> Result<(), ReferenceClientError> {
    let mut run = Run {
        ctx,
        deadline: deadline_of(row.due_ms),
        in_doubt: row.state == crate::outbox::State::Sent,
        submission: row.submission_id.clone(),
        stuck: false,
        processing_polls: 0,
        attempts: row.attempts,
        retries: 0,
        auth_failures: 0,
        refused_since: None,
        reuploads: 0,
        damage: None,
        last: "no answer yet".into(),
        row,
    };
    loop {
        if Instant::now() >= run.deadline {
            let reason = run.deadline_reason();
            return run.flag(reason).await;
        }
        let step = if let Some(id) = run.submission.clone() {
            run.poll(&id).await?
        } else if run.in_doubt {
            run.look().await?
        } else {
            run.upload().await?
        };
        match step {
            Step::Done => return Ok(()),
            Step::Again => {}
            Step::Wait(after) => {
                let d = ctx
                    .backoff
                    .delay(&run.row.invoice.number, run.retries, after);
                run.retries += 1;
                ctx.record(
                    &run.row,
                    Move::Note {
                        note: format!("retrying: {}", run.last),
                    },
                )
                .await?;
                wait(d, run.deadline).await;
            }
        }
    }
}

impl Run<'_> {
    fn deadline_reason(&self) -> String {
        let limit = self.ctx.config.delivery_deadline;
        match (&self.submission, self.stuck) {
            (Some(id), true) => {
                format!("STUCK_PROCESSING: submission {id} still processing after {limit:?}")
            }
            _ => format!(
                "DEADLINE: not proven stored within {limit:?}; last: {}",
                self.last
            ),
        }
    }

    async fn flag(&self, reason: String) -> Result<(), ReferenceClientError> {
        self.ctx.record(&self.row, Move::Flagged { reason }).await?;
        Ok(())
    }

    async fn flagged(&self, reason: String) -> Result<Step, ReferenceClientError> {
        self.flag(reason).await?;
        Ok(Step::Done)
    }

    /// Notes whether an answer got past authentication. Only refusals in a row count:
    /// intermittent 401s spread over many polls of a long delivery say nothing about
    /// the token, a lasting run of them does.
    fn heard<T>(&mut self, reply: &Reply<T>) {
        match reply {
            Reply::Err(401, _, _) => {
                self.refused_since.get_or_insert_with(Instant::now);
            }
            Reply::Failed(_) => {}
            Reply::Ok(..) | Reply::Err(..) => {
                self.auth_failures = 0;
                self.refused_since = None;
            }
        }
    }

    /// Whether the current run of refusals is long enough to call the token bad.
    fn token_refused_for_good(&self) -> bool {
        let patience = self.ctx.config.delivery_deadline / AUTH_PATIENCE_DIVISOR;
        self.auth_failures > MAX_AUTH_FAILURES
            && self
                .refused_since
                .is_some_and(|since| since.elapsed() >= patience)
    }

    fn note_error(&mut self, status: u16, err: &ApiError) {
        if err.code == ErrorCode::Maintenance {
            self.ctx.saw_maintenance();
        }
        self.last = format!("HTTP {status} {}: {}", err.code, err.message);
    }

    /// Handles an error answer to any request; `upload` says whether it answered an upload.
    async fn on_error(
        &mut self,
        status: u16,
        err: ApiError,
        after: Option<Duration>,
        upload: bool,
    ) -> Result<Step, ReferenceClientError> {
        self.note_error(status, &err);
        match classify_status(status, err.code) {
            Class::Transient { in_doubt } => {
                self.in_doubt |= in_doubt && upload;
                Ok(Step::Wait(after))
            }
            Class::Duplicate if upload => self.on_duplicate().await,
            Class::Unauthorized => {
                self.auth_failures += 1;
                if self.token_refused_for_good() {
                    return self
                        .flagged(format!(
                            "UNAUTHORIZED: the platform refused the token {} times in a row",
                            self.auth_failures
                        ))
                        .await;
                }
                Ok(Step::Wait(after))
            }
            Class::Duplicate | Class::Permanent => {
                self.flagged(format!("REJECTED: {}: {}", err.code, err.message))
                    .await
            }
        }
    }

    async fn upload(&mut self) -> Result<Step, ReferenceClientError> {
        // Uploads refused at the door are not stored: while refusals run, the token's
        // patience decides (in `on_error`), not the count of uploads.
        if self.attempts >= self.ctx.config.max_attempts && self.auth_failures == 0 {
            return self
                .flagged(format!(
                    "GAVE_UP: {} uploads without proof; last: {}",
                    self.attempts, self.last
                ))
                .await;
        }
        self.attempts += 1;
        let serial = self.row.invoice.request_serial.clone();
        self.ctx
            .record(
                &self.row,
                Move::Sent {
                    serial,
                    attempts: self.attempts,
                },
            )
            .await?;
        let reply = self.ctx.platform.upload(&self.row.invoice).await;
        self.heard(&reply);
        match reply {
            Reply::Ok(_, Uploaded::Issued { .. }) => self.read_back().await,
            Reply::Ok(_, Uploaded::Submitted { submission_id }) => {
                self.ctx
                    .record(
                        &self.row,
                        Move::Submitted {
                            submission_id: submission_id.clone(),
                        },
                    )
                    .await?;
                self.submission = Some(submission_id);
                Ok(Step::Again)
            }
            Reply::Ok(status, Uploaded::Unreadable) => {
                self.last = format!("HTTP {status} with an unreadable body");
                self.in_doubt = true;
                Ok(Step::Again)
            }
            Reply::Err(status, err, _) if (200..300).contains(&status) => {
                self.last = err.message;
                self.in_doubt = true;
                Ok(Step::Again)
            }
            Reply::Err(status, err, after) => self.on_error(status, err, after, true).await,
            Reply::Failed(t) => {
                self.last = format!("upload: {t:?}");
                if let Class::Transient { in_doubt } = classify_transport(t) {
                    self.in_doubt |= in_doubt;
                }
                Ok(Step::Wait(None))
            }
        }
    }

    /// After a timeout, reset or 5xx: is it there already?
    async fn look(&mut self) -> Result<Step, ReferenceClientError> {
        let reply = self.ctx.platform.get(&self.row.invoice.number).await;
        self.heard(&reply);
        match reply {
            Reply::Ok(_, stored) => {
                self.in_doubt = false;
                self.settle(stored).await
            }
            Reply::Err(404, _, _) => {
                self.in_doubt = false;
                Ok(Step::Again)
            }
            Reply::Err(status, err, after) => self.on_error(status, err, after, false).await,
            Reply::Failed(t) => {
                self.last = format!("look-up: {t:?}");
                Ok(Step::Wait(None))
            }
        }
    }

    /// Reads the record, retrying 404s a bounded number of times (visibility lag) and
    /// transient errors until the deadline.
    async fn fetch(&mut self) -> Result<Fetched, ReferenceClientError> {
        let mut misses = 0u32;
        loop {
            if Instant::now() >= self.deadline {
                return Ok(Fetched::OutOfTime);
            }
            let reply = self.ctx.platform.get(&self.row.invoice.number).await;
            self.heard(&reply);
            let after = match reply {
                Reply::Ok(_, stored) => return Ok(Fetched::Found(Box::new(stored))),
                Reply::Err(404, _, _) => {
                    misses += 1;
                    if misses > self.ctx.config.readback_retries {
                        return Ok(Fetched::Missing);
                    }
                    self.last = format!("read-back: 404 ({misses} so far)");
                    let step = self.ctx.config.poll_interval * (1u32 << (misses - 1).min(16));
                    wait(step.min(self.ctx.config.backoff_cap), self.deadline).await;
                    continue;
                }
                Reply::Err(status, err, after) => {
                    self.note_error(status, &err);
                    after
                }
                Reply::Failed(t) => {
                    self.last = format!("read-back: {t:?}");
                    None
                }
            };
            let d = self
                .ctx
                .backoff
                .delay(&self.row.invoice.number, self.retries, after);
            self.retries += 1;
            wait(d, self.deadline).await;
        }
    }

    async fn read_back(&mut self) -> Result<Step, ReferenceClientError> {
        match self.fetch().await? {
            Fetched::Found(stored) => self.settle(*stored).await,
            Fetched::OutOfTime => Ok(Step::Again),
            Fetched::Missing => {
                self.reuploads += 1;
                if self.reuploads > MAX_REUPLOADS {
                    return self
                        .flagged(format!(
                            "LOST: the platform acknowledged {} uploads but shows no record",
                            self.reuploads
                        ))
                        .await;
                }
                self.last = "acknowledged, but the record could not be read back".into();
                self.in_doubt = false;
                Ok(Step::Again)
            }
        }
    }

    /// Compares the platform's copy with ours: confirm, or re-upload once, or flag. A row
    /// a reconciliation pass could not check has its copies counted first.
    async fn settle(&mut self, stored: StoredInvoice) -> Result<Step, ReferenceClientError> {
        match compare(&self.row.invoice, &self.row.content_hash, &stored) {
            Ok(()) => {
                if self.ctx.missed_by_reconciliation(self.row.id) {
                    match copies::count(
                        self.ctx,
                        &self.row.invoice,
                        self.deadline,
                        &mut self.retries,
                    )
                    .await
                    {
                        Copies::Counted(n) if n > 1 => {
                            return self
                                .flagged(format!(
                                    "DUPLICATED: the platform lists {n} copies under the number"
                                ))
                                .await;
                        }
                        Copies::OutOfTime => {
                            self.last = "stored intact, but its copies could not be counted".into();
                            return Ok(Step::Again);
                        }
                        Copies::Counted(_) | Copies::Unqueryable => {}
                    }
                }
                let platform_ref = Some(stored.platform_ref);
                self.ctx
                    .record(&self.row, Move::Confirmed { platform_ref })
                    .await?;
                Ok(Step::Done)
            }
            Err(damage) => {
                if let Some(first) = &self.damage {
                    return self
                        .flagged(format!("{}; a re-upload did not repair it", first.reason()))
                        .await;
                }
                self.last = damage.reason();
                self.damage = Some(damage);
                self.in_doubt = false;
                Ok(Step::Again)
            }
        }
    }

    /// 409: possibly our own earlier upload. Fetch the holder of the number and compare.
    async fn on_duplicate(&mut self) -> Result<Step, ReferenceClientError> {
        match self.fetch().await? {
            Fetched::OutOfTime => Ok(Step::Again),
            Fetched::Found(stored) => {
                if same_content(&self.row.invoice, &stored.invoice) {
                    return self.settle(*stored).await;
                }
                if let Some(d) = &self.damage {
                    return self
                        .flagged(format!(
                            "{}; the platform refuses a re-upload (409)",
                            d.reason()
                        ))
                        .await;
                }
                self.flagged(format!(
                    "CONFLICT: the number is held by different content (platform_ref {})",
                    stored.platform_ref
                ))
                .await
            }
            Fetched::Missing => {
                self.reuploads += 1;
                if self.reuploads > MAX_REUPLOADS {
                    return self
                        .flagged(
                            "CONFLICT: 409 DUPLICATE, yet no record under the number can be read"
                                .into(),
                        )
                        .await;
                }
                self.last = "409 DUPLICATE without a readable original".into();
                Ok(Step::Wait(None))
            }
        }
    }

    /// A submission may stay `PROCESSING` although the record is stored: look it up by
    /// number, and if it is there check it as a read-back would. `None`: keep polling.
    async fn look_past_submission(&mut self) -> Result<Option<Step>, ReferenceClientError> {
        let reply = self.ctx.platform.get(&self.row.invoice.number).await;
        self.heard(&reply);
        match reply {
            Reply::Ok(_, stored) => {
                self.submission = None;
                self.stuck = false;
                self.settle(stored).await.map(Some)
            }
            Reply::Err(..) | Reply::Failed(_) => Ok(None),
        }
    }

    async fn poll(&mut self, id: &str) -> Result<Step, ReferenceClientError> {
        let reply = self.ctx.platform.submission(id).await;
        self.heard(&reply);
        match reply {
            Reply::Ok(_, status) => match status.status {
                SubmissionState::Issued => {
                    self.submission = None;
                    self.stuck = false;
                    self.read_back().await
                }
                SubmissionState::Received | SubmissionState::Processing => {
                    self.stuck = true;
                    self.last = format!("submission {id} is {:?}", status.status);
                    self.processing_polls += 1;
                    if self.processing_polls % LOOK_EVERY_PROCESSING_POLLS == 0 {
                        if let Some(step) = self.look_past_submission().await? {
                            return Ok(step);
                        }
                    }
                    wait(self.ctx.config.poll_interval, self.deadline).await;
                    Ok(Step::Again)
                }
                SubmissionState::Rejected => {
                    let why = status.error.map(|e| e.to_string()).unwrap_or_default();
                    self.flagged(format!("REJECTED: submission {id}: {why}"))
                        .await
                }
                SubmissionState::Duplicate => {
                    self.submission = None;
                    self.on_duplicate().await
                }
                SubmissionState::SystemAborted => {
                    self.submission = None;
                    self.last = format!("submission {id} aborted by the platform");
                    Ok(Step::Wait(None))
                }
            },
            Reply::Err(404, _, _) => {
                self.submission = None;
                self.in_doubt = true;
                Ok(Step::Again)
            }
            Reply::Err(status, err, after) => self.on_error(status, err, after, false).await,
            Reply::Failed(t) => {
                self.last = format!("poll: {t:?}");
                Ok(Step::Wait(None))
            }
        }
    }
}
