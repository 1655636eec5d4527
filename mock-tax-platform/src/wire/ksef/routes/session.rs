//! Online sessions (research §1.3–§1.4): open (201), close (204), session status
//! (100 → 170 → 200 / 445 / 440) and the session's invoice listings with
//! continuation tokens.

use chrono::TimeDelta;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};

use super::super::context::{self as h, Ctx};
use super::super::dates::rfc3339;
use super::super::errors::KsefError;
use super::super::ids::{reference_number, RefKind};
use super::super::state::{progress, Inner, Session};
use super::auth::material;
use super::invoice::status_body;
use crate::wire::respond::Response;

/// A session stays open this long.
const SESSION_TTL: TimeDelta = TimeDelta::hours(12);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FormCode {
    system_code: String,
    schema_version: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Encryption {
    encrypted_symmetric_key: String,
    initialization_vector: String,
    #[serde(default)]
    public_key_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OpenRequest {
    form_code: FormCode,
    encryption: Encryption,
}

/// `POST /v2/sessions/online`.
pub async fn open(ctx: &mut Ctx<'_>) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let req: OpenRequest = ctx.json().await?;
    let fc = &req.form_code;
    if (fc.system_code.as_str(), fc.value.as_str()) != ("FA (3)", "FA") {
        return Err(KsefError::validation(format!(
            "formCode {}/{}/{}: this platform takes FA (3) invoices only",
            fc.system_code, fc.schema_version, fc.value
        )));
    }
    let m = material(ctx)?;
    if req
        .encryption
        .public_key_id
        .as_deref()
        .is_some_and(|id| id != m.public_key_id)
    {
        return Err(KsefError::validation(
            "encryption.publicKeyId is not the platform's key",
        ));
    }
    let key: [u8; 32] = m
        .decrypt_oaep_b64(&req.encryption.encrypted_symmetric_key)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| {
            KsefError::validation(
                "encryption.encryptedSymmetricKey is not a 32-byte key under RSA-OAEP-SHA256",
            )
        })?;
    let iv: [u8; 16] = super::super::crypto::b64_decode(&req.encryption.initialization_vector)
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| {
            KsefError::validation("encryption.initializationVector is not 16 bytes of base64")
        })?;
    let mut ksef = ctx.state.ksef.lock();
    let seed = ctx.state.config.seed;
    let n = ksef.next_seq();
    let reference = reference_number(RefKind::Session, ctx.wall, seed, n);
    let upo_ref = reference_number(RefKind::Upo, ctx.wall, seed, n);
    ksef.sessions.insert(
        reference.clone(),
        Session {
            nip: grant.nip,
            key,
            iv,
            created: ctx.wall,
            closed: None,
            updated: ctx.wall,
            invoices: Vec::new(),
            upo_ref,
        },
    );
    Ok(h::json(
        StatusCode::CREATED,
        &json!({"referenceNumber": reference, "validUntil": rfc3339(ctx.wall + SESSION_TTL)}),
    ))
}

/// 400 21173: no such session for this context.
pub fn no_session(reference: &str) -> KsefError {
    KsefError::bad(
        21173,
        "Brak sesji o wskazanym numerze referencyjnym.",
        reference.to_owned(),
    )
}

/// The session, if the context NIP owns it.
pub fn owned<'i>(ksef: &'i Inner, reference: &str, nip: &str) -> Result<&'i Session, KsefError> {
    ksef.sessions
        .get(reference)
        .filter(|s| s.nip == nip)
        .ok_or_else(|| no_session(reference))
}

/// `POST /v2/sessions/online/{ref}/close`.
pub fn close(ctx: &Ctx<'_>, reference: &str) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let mut ksef = ctx.state.ksef.lock();
    owned(&ksef, reference, &grant.nip)?;
    let session = ksef
        .sessions
        .get_mut(reference)
        .ok_or_else(|| no_session(reference))?;
    if session.closed.is_some() {
        return Err(KsefError::bad(
            21180,
            "Status sesji nie pozwala na wykonanie operacji.",
            "the session is already closed",
        ));
    }
    session.closed = Some(ctx.now);
    session.updated = ctx.wall;
    Ok(h::empty(StatusCode::NO_CONTENT))
}

/// The session's status code and description at `now`.
pub fn session_status(
    ksef: &Inner,
    session: &Session,
    now: std::time::Duration,
) -> (u16, &'static str, usize, usize) {
    let mut ok = 0;
    let mut failed = 0;
    let mut pending = false;
    for &i in &session.invoices {
        let inv = &ksef.invoices[i];
        match progress(inv.accepted, inv.ready_at, now) {
            Some(_) => pending = true,
            None if inv.outcome.code == 200 => ok += 1,
            None => failed += 1,
        }
    }
    let (code, description) = match session.closed {
        None => (100, "Sesja interaktywna otwarta"),
        Some(_) if pending => (170, "Sesja interaktywna zamknięta"),
        Some(_) if session.invoices.is_empty() => (440, "Sesja anulowana: nie przesłano faktur"),
        Some(_) if ok == 0 => (445, "Błąd weryfikacji, brak poprawnych faktur"),
        Some(_) => (200, "Sesja interaktywna przetworzona pomyślnie"),
    };
    (code, description, ok, failed)
}

/// `GET /v2/sessions/{ref}`.
pub fn status(ctx: &Ctx<'_>, reference: &str) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let ksef = ctx.state.ksef.lock();
    let session = owned(&ksef, reference, &grant.nip)?;
    let (code, description, ok, failed) = session_status(&ksef, session, ctx.now);
    let mut body = json!({
        "status": {"code": code, "description": description},
        "dateCreated": rfc3339(session.created),
        "dateUpdated": rfc3339(session.updated),
        "validUntil": rfc3339(session.created + SESSION_TTL),
        "invoiceCount": session.invoices.len(),
        "successfulInvoiceCount": ok,
        "failedInvoiceCount": failed,
    });
    if code == 200 {
        body["upo"] = json!({"pages": [{
            "referenceNumber": session.upo_ref,
            "downloadUrl": format!("{}/v2/sessions/{reference}/upo/{}", ctx.origin(), session.upo_ref),
            "downloadUrlExpirationDate": rfc3339(ctx.wall + TimeDelta::days(3)),
        }]});
    }
    Ok(h::json(StatusCode::OK, &body))
}

/// `GET /v2/sessions/{ref}/invoices` and `…/invoices/failed` (`failed_only`).
pub fn list(ctx: &Ctx<'_>, reference: &str, failed_only: bool) -> Result<Response, KsefError> {
    let grant = ctx.access()?;
    let page_size = match ctx.param("pageSize") {
        None => 10,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (10..=1000).contains(n))
            .ok_or_else(|| KsefError::validation(format!("pageSize {s:?} must be 10–1000")))?,
    };
    let start = match ctx
        .headers
        .get("x-continuation-token")
        .and_then(|v| v.to_str().ok())
    {
        None | Some("") => 0,
        Some(t) => t
            .strip_prefix("ct-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                KsefError::bad(21418, "Nieprawidłowy token kontynuacji.", t.to_owned())
            })?,
    };
    let ksef = ctx.state.ksef.lock();
    let session = owned(&ksef, reference, &grant.nip)?;
    let origin = ctx.origin();
    let mut invoices: Vec<Value> = Vec::new();
    let mut next = None;
    for (pos, &i) in session.invoices.iter().enumerate().skip(start) {
        let inv = &ksef.invoices[i];
        let body = status_body(inv, ctx, &origin, None);
        if failed_only && body["status"]["code"].as_u64().unwrap_or(0) < 400 {
            continue;
        }
        if invoices.len() == page_size {
            next = Some(format!("ct-{pos}"));
            break;
        }
        invoices.push(body);
    }
    let mut body = json!({"invoices": invoices});
    if let Some(token) = next {
        body["continuationToken"] = json!(token);
    }
    Ok(h::json(StatusCode::OK, &body))
}
