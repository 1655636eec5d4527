//! Authentication (research §1.2): public-key certificates, challenge, KSeF-token
//! and XAdES (signature not verified) authentication, status, redeem, refresh.
//! A bad token is accepted with 202 and fails as status 450, as KSeF does.

use std::time::Duration;

use chrono::TimeDelta;
use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use tax_api::Route;

use super::super::context::{self as h, Ctx};
use super::super::crypto::{self, KeyMaterial};
use super::super::dates::rfc3339;
use super::super::errors::KsefError;
use super::super::ids::{reference_number, RefKind};
use super::super::nip;
use super::super::state::{progress, AuthOp, Challenge, Grant};
use super::calls::{decide, Proceed};
use crate::server::conn::ConnHandle;
use crate::wire::exchange::Exchange;
use crate::wire::respond::Response;

/// A challenge lives this long.
const CHALLENGE_TTL: Duration = Duration::from_secs(600);
/// Authentication tokens live this long.
const AUTH_TOKEN_TTL: TimeDelta = TimeDelta::minutes(15);
/// Access tokens: long enough that clients do not refresh during a test.
const ACCESS_TTL: TimeDelta = TimeDelta::minutes(15);
/// Refresh tokens.
const REFRESH_TTL: TimeDelta = TimeDelta::days(7);

/// The key material in use: `--ksef-key`/`--ksef-cert` or the committed test pair.
pub fn material(ctx: &Ctx<'_>) -> Result<std::sync::Arc<KeyMaterial>, KsefError> {
    match &ctx.state.config.ksef.keys {
        Some(keys) => Ok(keys.clone()),
        None => crypto::test_material().map_err(|e| {
            tracing::error!(error = %e, "the built-in KSeF test key does not load");
            KsefError::Internal
        }),
    }
}

/// `GET /v2/security/public-key-certificates`.
pub fn certificates(ctx: &Ctx<'_>) -> Result<Response, KsefError> {
    let m = material(ctx)?;
    let entry = |usage: &str| {
        json!({
            "certificate": m.certificate_b64(),
            "certificateId": m.certificate_id,
            "publicKeyId": m.public_key_id,
            "validFrom": rfc3339(m.valid_from),
            "validTo": rfc3339(m.valid_to),
            "usage": [usage],
        })
    };
    Ok(h::json(
        StatusCode::OK,
        &json!([
            entry("KsefTokenEncryption"),
            entry("SymmetricKeyEncryption")
        ]),
    ))
}

/// A token string drawn from the run's seed and a sequence number.
fn token(ctx: &Ctx<'_>, kind: &[u8], n: u64) -> String {
    let a = crate::seeded::derive(
        ctx.state.config.seed,
        &[b"ksef-token", kind, &n.to_le_bytes()],
    );
    let b = crate::seeded::derive(a, &[kind]);
    format!("{}-{a:016x}{b:016x}", String::from_utf8_lossy(kind))
}

/// `POST /v2/auth/challenge`.
pub fn challenge(ctx: &Ctx<'_>) -> Result<Response, KsefError> {
    let mut ksef = ctx.state.ksef.lock();
    let n = ksef.next_seq();
    let challenge = reference_number(RefKind::Challenge, ctx.wall, ctx.state.config.seed, n);
    let timestamp_ms = ctx.wall.timestamp_millis();
    ksef.challenges.insert(
        challenge.clone(),
        Challenge {
            timestamp_ms,
            issued: ctx.now,
        },
    );
    Ok(h::json(
        StatusCode::OK,
        &json!({
            "challenge": challenge,
            "timestamp": rfc3339(ctx.wall),
            "timestampMs": timestamp_ms,
            "clientIp": "127.0.0.1",
        }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContextIdentifier {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest {
    challenge: String,
    context_identifier: ContextIdentifier,
    encrypted_token: String,
    #[serde(default)]
    public_key_id: Option<String>,
}

/// `POST /v2/auth/ksef-token`.
pub async fn ksef_token(
    ctx: &mut Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
) -> Result<Response, KsefError> {
    let req: TokenRequest = ctx.json().await?;
    let nip = context_nip(&req.context_identifier)?;
    let proceed = match decide(
        ctx,
        exchange,
        conn,
        Route::Auth,
        "auth/ksef-token",
        Some(&nip),
    )
    .await
    {
        Ok(proceed) => proceed,
        Err(instead) => return instead,
    };
    let m = material(ctx)?;
    let verdict = match req.public_key_id.as_deref() {
        Some(id) if id != m.public_key_id => {
            Err("publicKeyId is not the platform's key".to_owned())
        }
        _ => check_token(ctx, &m, &req, &nip),
    };
    Ok(start_auth(ctx, exchange, nip, "Token", verdict, proceed))
}

fn context_nip(id: &ContextIdentifier) -> Result<String, KsefError> {
    if id.kind != "Nip" {
        return Err(KsefError::validation(format!(
            "contextIdentifier.type {:?}: this platform authenticates Nip contexts only",
            id.kind
        )));
    }
    if !nip::is_valid(&id.value) {
        return Err(KsefError::validation(format!(
            "contextIdentifier.value {:?} is not a NIP (pattern and mod-11 checksum)",
            id.value
        )));
    }
    Ok(id.value.clone())
}

/// Takes the challenge (it is single-use) and checks its age.
fn take_challenge(ctx: &Ctx<'_>, challenge: &str) -> Result<Challenge, String> {
    let taken = ctx.state.ksef.lock().challenges.remove(challenge);
    match taken {
        Some(c) if ctx.now.saturating_sub(c.issued) <= CHALLENGE_TTL => Ok(c),
        Some(_) => Err("challenge expired".into()),
        None => Err("unknown or already used challenge".into()),
    }
}

/// Whether `nip` may authenticate with `token` (`None`: XAdES, no token).
fn registered(ctx: &Ctx<'_>, nip: &str, token: Option<&str>) -> Result<(), String> {
    let tokens = &ctx.state.config.tokens;
    if tokens.is_empty() {
        return Ok(());
    }
    match (tokens.get(nip), token) {
        (None, _) => Err(format!("NIP {nip} is not registered on this platform")),
        (Some(known), Some(given)) if known != given => Err("unknown KSeF token".into()),
        _ => Ok(()),
    }
}

fn check_token(
    ctx: &Ctx<'_>,
    m: &KeyMaterial,
    req: &TokenRequest,
    nip: &str,
) -> Result<(), String> {
    let challenge = take_challenge(ctx, &req.challenge)?;
    let plain = m
        .decrypt_oaep_b64(&req.encrypted_token)
        .ok_or("encryptedToken does not decrypt with RSA-OAEP-SHA256")?;
    let plain = String::from_utf8(plain).map_err(|_| "the decrypted token is not UTF-8")?;
    let (token, ts) = plain
        .rsplit_once('|')
        .ok_or("the decrypted token has no '|timestamp'")?;
    if ts.parse::<i64>().ok() != Some(challenge.timestamp_ms) {
        return Err("the token's timestamp is not the challenge's timestampMs".into());
    }
    registered(ctx, nip, Some(token))
}

/// `POST /v2/auth/xades-signature`: reads `Challenge` and `ContextIdentifier/Nip`
/// from the signed `AuthTokenRequest`; the signature itself is not verified.
pub async fn xades(
    ctx: &mut Ctx<'_>,
    exchange: &mut Exchange<'_>,
    conn: Option<&ConnHandle>,
) -> Result<Response, KsefError> {
    let body = ctx.bytes().await?;
    let text =
        std::str::from_utf8(&body).map_err(|_| KsefError::validation("the body is not UTF-8"))?;
    let doc = roxmltree::Document::parse(text).map_err(|e| {
        KsefError::validation(format!("AuthTokenRequest is not well-formed XML: {e}"))
    })?;
    let find = |name: &str| {
        doc.descendants()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(|t| t.trim().to_owned())
    };
    let challenge = find("Challenge")
        .ok_or_else(|| KsefError::validation("AuthTokenRequest: Challenge is missing"))?;
    let nip = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "ContextIdentifier")
        .and_then(|c| {
            c.children()
                .find(|n| n.is_element() && n.tag_name().name() == "Nip")
        })
        .and_then(|n| n.text())
        .map(|t| t.trim().to_owned())
        .ok_or_else(|| {
            KsefError::validation("AuthTokenRequest: ContextIdentifier/Nip is missing")
        })?;
    if !nip::is_valid(&nip) {
        return Err(KsefError::validation(format!(
            "ContextIdentifier/Nip {nip:?} is not a NIP"
        )));
    }
    let key = "auth/xades-signature";
    let proceed = match decide(ctx, exchange, conn, Route::Auth, key, Some(&nip)).await {
        Ok(proceed) => proceed,
        Err(instead) => return instead,
    };
    let verdict = take_challenge(ctx, &challenge).and_then(|_| registered(ctx, &nip, None));
    Ok(start_auth(
        ctx,
        exchange,
        nip,
        "XadesSignature",
        verdict,
        proceed,
    ))
}

/// Records the authentication operation and answers 202; its status ends at 550
/// when a fault aborts it.
fn start_auth(
    ctx: &Ctx<'_>,
    exchange: &mut Exchange<'_>,
    nip: String,
    method: &'static str,
    verdict: Result<(), String>,
    proceed: Proceed,
) -> Response {
    let outcome = match verdict {
        Ok(()) if proceed == Proceed::AbortAuth => {
            exchange.entry().note = Some("auth status 550".to_owned());
            (
                550,
                "Operacja została anulowana przez system. Spróbuj ponownie.".to_owned(),
            )
        }
        Ok(()) => (200, "Uwierzytelnianie zakończone sukcesem".to_owned()),
        Err(why) => (
            450,
            format!("Uwierzytelnianie zakończone niepowodzeniem z powodu błędnego tokenu: {why}"),
        ),
    };
    let mut ksef = ctx.state.ksef.lock();
    let n = ksef.next_seq();
    let reference = reference_number(RefKind::Auth, ctx.wall, ctx.state.config.seed, n);
    let auth_token = token(ctx, b"auth", n);
    let delay = ctx.state.config.processing_delay.unwrap_or(Duration::ZERO);
    ksef.auths.insert(
        reference.clone(),
        AuthOp {
            nip,
            method,
            outcome,
            ready_at: ctx.now.saturating_add(delay),
            started: ctx.wall,
            redeemed: false,
        },
    );
    ksef.auth_tokens
        .insert(auth_token.clone(), reference.clone());
    h::json(
        StatusCode::ACCEPTED,
        &json!({
            "referenceNumber": reference,
            "authenticationToken": {"token": auth_token, "validUntil": rfc3339(ctx.wall + AUTH_TOKEN_TTL)},
        }),
    )
}

/// The operation the bearer authentication token belongs to.
fn operation(ctx: &Ctx<'_>) -> Result<(String, AuthOp), KsefError> {
    let token = ctx.bearer()?;
    let ksef = ctx.state.ksef.lock();
    let reference =
        ksef.auth_tokens.get(&token).cloned().ok_or_else(|| {
            KsefError::Unauthorized("Nieprawidłowy token uwierzytelniający.".into())
        })?;
    let op = ksef
        .auths
        .get(&reference)
        .cloned()
        .ok_or(KsefError::Internal)?;
    Ok((reference, op))
}

/// `GET /v2/auth/{referenceNumber}`.
pub fn status(ctx: &Ctx<'_>, reference: &str) -> Result<Response, KsefError> {
    let (own, op) = operation(ctx)?;
    if own != reference {
        return Err(KsefError::Forbidden {
            reason_code: "insufficient-resource-access",
            detail: "the authentication token belongs to another operation".into(),
        });
    }
    let (code, description) = match progress(Duration::ZERO, op.ready_at, ctx.now) {
        Some(_) => (100, "Uwierzytelnianie w toku".to_owned()),
        None => op.outcome.clone(),
    };
    let (category, display) = if op.method == "Token" {
        ("Token", "Token KSeF")
    } else {
        ("XadesSignature", "Podpis XAdES")
    };
    Ok(h::json(
        StatusCode::OK,
        &json!({
            "startDate": rfc3339(op.started),
            "authenticationMethod": op.method,
            "authenticationMethodInfo": {"category": category, "code": op.method, "displayName": display},
            "status": {"code": code, "description": description},
            "isTokenRedeemed": op.redeemed,
        }),
    ))
}

/// `POST /v2/auth/token/redeem`: once per successful authentication.
pub fn redeem(ctx: &Ctx<'_>) -> Result<Response, KsefError> {
    let (reference, op) = operation(ctx)?;
    if progress(Duration::ZERO, op.ready_at, ctx.now).is_some() || op.outcome.0 != 200 {
        return Err(KsefError::bad(
            21301,
            "Brak autoryzacji.",
            "the authentication has not succeeded",
        ));
    }
    let mut ksef = ctx.state.ksef.lock();
    let n = ksef.next_seq();
    match ksef.auths.get_mut(&reference) {
        Some(op) if !op.redeemed => op.redeemed = true,
        _ => {
            return Err(KsefError::bad(
                21301,
                "Brak autoryzacji.",
                "the tokens were already redeemed",
            ))
        }
    }
    let grant = |ttl| Grant {
        nip: op.nip.clone(),
        valid_until: ctx.wall + ttl,
    };
    let (access, refresh) = (token(ctx, b"access", n), token(ctx, b"refresh", n));
    ksef.access.insert(access.clone(), grant(ACCESS_TTL));
    ksef.refresh.insert(refresh.clone(), grant(REFRESH_TTL));
    Ok(h::json(
        StatusCode::OK,
        &json!({
            "accessToken": {"token": access, "validUntil": rfc3339(ctx.wall + ACCESS_TTL)},
            "refreshToken": {"token": refresh, "validUntil": rfc3339(ctx.wall + REFRESH_TTL)},
        }),
    ))
}

/// `POST /v2/auth/token/refresh`, with the refresh token as bearer.
pub fn refresh(ctx: &Ctx<'_>) -> Result<Response, KsefError> {
    let token_in = ctx.bearer()?;
    let mut ksef = ctx.state.ksef.lock();
    let grant = match ksef.refresh.get(&token_in) {
        Some(g) if g.valid_until > ctx.wall => g.clone(),
        _ => {
            return Err(KsefError::Unauthorized(
                "Nieprawidłowy token odświeżający.".into(),
            ))
        }
    };
    let n = ksef.next_seq();
    let access = token(ctx, b"access", n);
    let valid_until = ctx.wall + ACCESS_TTL;
    ksef.access.insert(
        access.clone(),
        Grant {
            valid_until,
            ..grant
        },
    );
    Ok(h::json(
        StatusCode::OK,
        &json!({"accessToken": {"token": access, "validUntil": rfc3339(valid_until)}}),
    ))
}
