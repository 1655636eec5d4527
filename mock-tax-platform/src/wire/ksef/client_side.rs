//! What a KSeF client does, for tests outside this crate that drive `/v2` the way
//! the SDKs do: the encrypted token, the session-open and send bodies, and a valid
//! FA(3) invoice. It encrypts with the committed test-only key pair.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use super::crypto::{aes_encrypt, oaep_encrypt_b64, sha256_b64, test_material};

/// The seller NIP of [`sample_fa3`].
pub const SAMPLE_NIP: &str = "5265877635";

/// `POST /v2/auth/ksef-token`'s body answering `challenge` (the challenge's JSON).
pub fn token_request(challenge: &Value, nip: &str, token: &str) -> Result<Value, String> {
    let m = test_material()?;
    let plain = format!("{token}|{}", challenge["timestampMs"]);
    Ok(json!({
        "challenge": challenge["challenge"],
        "contextIdentifier": {"type": "Nip", "value": nip},
        "encryptedToken": oaep_encrypt_b64(&m, plain.as_bytes()),
        "publicKeyId": m.public_key_id,
    }))
}

/// `POST /v2/sessions/online`'s body for an FA(3) session with this AES key and IV.
pub fn open_request(key: &[u8; 32], iv: &[u8; 16]) -> Result<Value, String> {
    let m = test_material()?;
    Ok(json!({
        "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
        "encryption": {
            "encryptedSymmetricKey": oaep_encrypt_b64(&m, key),
            "initializationVector": B64.encode(iv),
            "publicKeyId": m.public_key_id,
        },
    }))
}

/// The send body of `xml`, encrypted with the session's key and IV.
pub fn send_request(key: &[u8; 32], iv: &[u8; 16], xml: &[u8]) -> Value {
    let ct = aes_encrypt(key, iv, xml);
    json!({
        "invoiceHash": sha256_b64(xml),
        "invoiceSize": xml.len(),
        "encryptedInvoiceHash": sha256_b64(&ct),
        "encryptedInvoiceSize": ct.len(),
        "encryptedInvoiceContent": B64.encode(&ct),
    })
}

/// A valid FA(3) invoice numbered `number` from [`SAMPLE_NIP`].
pub fn sample_fa3(number: &str) -> String {
    super::fa3::tests_sample(number)
}
