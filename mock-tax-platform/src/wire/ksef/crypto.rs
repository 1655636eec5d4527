//! The platform's KSeF key material and the two decryptions a client's requests
//! need: RSA-OAEP-SHA256 (the KSeF token, the session's AES key) and AES-256-CBC
//! with PKCS#7 padding (each invoice, with the session's IV, which is not prepended).
//!
//! The built-in key and self-signed certificate are test fixtures committed under
//! `ksef-test-keys/`; `--ksef-key`/`--ksef-cert` load others. No client checks the
//! chain, only that the certificate parses, holds an RSA key and is current.

use std::sync::{Arc, OnceLock};

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, Utc};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::{Oaep, RsaPrivateKey};
use sha2::{Digest, Sha256};

/// The committed test-only private key (see `ksef-test-keys/README.md`).
const TEST_KEY_PEM: &str = include_str!("../../../ksef-test-keys/key.pem");
/// The committed test-only self-signed certificate for it.
const TEST_CERT_PEM: &str = include_str!("../../../ksef-test-keys/cert.pem");

/// Key material that cannot be used, with the reason.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The private key is neither PKCS#8 nor PKCS#1 RSA PEM.
    #[error("the KSeF private key is not an RSA key in PKCS#8 or PKCS#1 PEM: {0}")]
    Key(String),
    /// The certificate is not one PEM X.509 certificate.
    #[error("the KSeF certificate is not a PEM X.509 certificate: {0}")]
    Certificate(String),
    /// The two do not belong together.
    #[error("the KSeF certificate's public key is not the private key's")]
    Mismatch,
}

/// One RSA key pair with its certificate, as `GET /v2/security/public-key-certificates`
/// publishes it.
pub struct KeyMaterial {
    key: RsaPrivateKey,
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// base64 SHA-256 of the certificate DER.
    pub certificate_id: String,
    /// base64 SHA-256 of the certificate's SubjectPublicKeyInfo DER.
    pub public_key_id: String,
    /// The certificate's `notBefore`.
    pub valid_from: DateTime<Utc>,
    /// The certificate's `notAfter`.
    pub valid_to: DateTime<Utc>,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key stays out of logs.
        f.debug_struct("KeyMaterial")
            .field("public_key_id", &self.public_key_id)
            .field("valid_to", &self.valid_to)
            .finish_non_exhaustive()
    }
}

/// The committed test key pair, parsed once.
pub fn test_material() -> Result<Arc<KeyMaterial>, String> {
    static TEST: OnceLock<Result<Arc<KeyMaterial>, String>> = OnceLock::new();
    TEST.get_or_init(|| {
        KeyMaterial::from_pem(TEST_KEY_PEM, TEST_CERT_PEM)
            .map(Arc::new)
            .map_err(|e| e.to_string())
    })
    .clone()
}

impl KeyMaterial {
    /// Parses a private key and its certificate, both PEM, and checks they match.
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, KeyError> {
        let key = RsaPrivateKey::from_pkcs8_pem(key_pem)
            .or_else(|_| RsaPrivateKey::from_pkcs1_pem(key_pem))
            .map_err(|e| KeyError::Key(e.to_string()))?;
        let cert_der = pem_body(cert_pem, "CERTIFICATE").map_err(KeyError::Certificate)?;
        let parsed = der::parse_certificate(&cert_der).map_err(KeyError::Certificate)?;
        let own_spki = key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| KeyError::Key(e.to_string()))?;
        if own_spki.as_bytes() != parsed.spki {
            return Err(KeyError::Mismatch);
        }
        Ok(KeyMaterial {
            certificate_id: sha256_b64(&cert_der),
            public_key_id: sha256_b64(parsed.spki),
            valid_from: parsed.not_before,
            valid_to: parsed.not_after,
            key,
            cert_der,
        })
    }

    /// The certificate as the API publishes it: base64 DER, no PEM armour.
    pub fn certificate_b64(&self) -> String {
        B64.encode(&self.cert_der)
    }

    /// RSA-OAEP with SHA-256 (digest and MGF1), empty label, of base64 `ciphertext`.
    pub fn decrypt_oaep_b64(&self, ciphertext: &str) -> Option<Vec<u8>> {
        let bytes = B64.decode(ciphertext).ok()?;
        self.key.decrypt(Oaep::new::<Sha256>(), &bytes).ok()
    }
}

/// base64 of the SHA-256 of `bytes`: the 44-character hash KSeF uses everywhere.
pub fn sha256_b64(bytes: &[u8]) -> String {
    B64.encode(Sha256::digest(bytes))
}

/// Decodes standard base64.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    B64.decode(text).ok()
}

/// AES-256-CBC decryption with PKCS#7 padding; `None` for a wrong key, IV or padding.
pub fn aes_decrypt(key: &[u8; 32], iv: &[u8; 16], ciphertext: &[u8]) -> Option<Vec<u8>> {
    cbc::Decryptor::<aes::Aes256>::new(key.into(), iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
        .ok()
}

/// The base64 body of the first PEM block labelled `label`.
fn pem_body(pem: &str, label: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin).ok_or_else(|| format!("no {begin} line"))? + begin.len();
    let stop = pem[start..]
        .find(&end)
        .ok_or_else(|| format!("no {end} line"))?
        + start;
    let text: String = pem[start..stop].split_whitespace().collect();
    B64.decode(text).map_err(|e| format!("bad base64: {e}"))
}

/// Just enough DER to find an X.509 certificate's validity and public key.
mod der {
    use super::*;

    pub struct Parsed<'a> {
        pub not_before: DateTime<Utc>,
        pub not_after: DateTime<Utc>,
        pub spki: &'a [u8],
    }

    /// One DER element: (tag, whole encoding, contents).
    type Element<'a> = (u8, &'a [u8], &'a [u8]);

    /// One element, and what follows it.
    fn tlv(input: &[u8]) -> Result<(Element<'_>, &[u8]), String> {
        let short = || "truncated DER".to_owned();
        let tag = *input.first().ok_or_else(short)?;
        let first = *input.get(1).ok_or_else(short)?;
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 {
                return Err("unsupported DER length".into());
            }
            let bytes = input.get(2..2 + n).ok_or_else(short)?;
            (
                bytes.iter().fold(0usize, |a, &b| a << 8 | usize::from(b)),
                2 + n,
            )
        };
        let end = header.checked_add(len).ok_or_else(short)?;
        let whole = input.get(..end).ok_or_else(short)?;
        Ok(((tag, whole, &whole[header..]), &input[end..]))
    }

    fn time(tag: u8, contents: &[u8]) -> Result<DateTime<Utc>, String> {
        let text = std::str::from_utf8(contents).map_err(|e| e.to_string())?;
        let full = match tag {
            // UTCTime: two-digit years 50–99 are 19xx (RFC 5280).
            0x17 => {
                let yy: u32 = text
                    .get(..2)
                    .and_then(|y| y.parse().ok())
                    .ok_or("bad UTCTime")?;
                format!("{}{text}", if yy >= 50 { "19" } else { "20" })
            }
            0x18 => text.to_owned(),
            _ => return Err(format!("unexpected time tag {tag:#x}")),
        };
        NaiveDateTime::parse_from_str(full.trim_end_matches('Z'), "%Y%m%d%H%M%S")
            .map(|t| t.and_utc())
            .map_err(|e| format!("bad certificate time {text:?}: {e}"))
    }

    pub fn parse_certificate(cert: &[u8]) -> Result<Parsed<'_>, String> {
        let ((_, _, certificate), _) = tlv(cert)?;
        let ((_, _, tbs), _) = tlv(certificate)?;
        let mut rest = tbs;
        let ((tag, _, _), after) = tlv(rest)?;
        if tag == 0xa0 {
            rest = after; // explicit version
        }
        for _ in 0..3 {
            rest = tlv(rest)?.1; // serial, signature algorithm, issuer
        }
        let ((_, _, validity), after) = tlv(rest)?;
        let ((t1, _, c1), v_rest) = tlv(validity)?;
        let ((t2, _, c2), _) = tlv(v_rest)?;
        let after_subject = tlv(after)?.1;
        let ((_, spki, _), _) = tlv(after_subject)?;
        Ok(Parsed {
            not_before: time(t1, c1)?,
            not_after: time(t2, c2)?,
            spki,
        })
    }
}

/// What every client does to an invoice (ksef-client `build_send_invoice_request`).
pub fn aes_encrypt(key: &[u8; 32], iv: &[u8; 16], plain: &[u8]) -> Vec<u8> {
    use aes::cipher::BlockEncryptMut;
    cbc::Encryptor::<aes::Aes256>::new(key.into(), iv.into()).encrypt_padded_vec_mut::<Pkcs7>(plain)
}

/// What a client does to its token and session key, with the platform's public key.
pub fn oaep_encrypt_b64(material: &KeyMaterial, plain: &[u8]) -> String {
    let ct = material
        .key
        .to_public_key()
        .encrypt(&mut rand::thread_rng(), Oaep::new::<Sha256>(), plain)
        .unwrap_or_default();
    B64.encode(ct)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_material_is_current_for_decades_and_ids_are_44_chars() {
        let m = test_material().unwrap();
        assert_eq!(m.certificate_id.len(), 44);
        assert_eq!(m.public_key_id.len(), 44);
        assert_ne!(m.certificate_id, m.public_key_id);
        assert!(m.valid_from.to_rfc3339().starts_with("2025-01-01"));
        assert!(m.valid_to.to_rfc3339().starts_with("2074-12-31"));
    }

    #[test]
    fn an_oaep_sha256_token_round_trips() {
        let m = test_material().unwrap();
        let plain = b"token-abc|1764669600123";
        let ct = oaep_encrypt_b64(&m, plain);
        assert_eq!(m.decrypt_oaep_b64(&ct).unwrap(), plain);
        assert!(m.decrypt_oaep_b64("bm90IGEgY2lwaGVydGV4dA==").is_none());
    }

    #[test]
    fn an_aes_cbc_invoice_round_trips_and_a_wrong_key_fails() {
        let (key, iv) = ([7u8; 32], [9u8; 16]);
        let ct = aes_encrypt(&key, &iv, b"<Faktura/>");
        assert_eq!(ct.len(), 16);
        assert_eq!(aes_decrypt(&key, &iv, &ct).unwrap(), b"<Faktura/>");
        // A wrong key almost always breaks the padding; this one does.
        assert!(aes_decrypt(&[8u8; 32], &iv, &ct).is_none());
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_refused() {
        let other = RsaPrivateKey::new(&mut rand::thread_rng(), 1024).unwrap();
        let pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(&other, Default::default()).unwrap();
        assert!(matches!(
            KeyMaterial::from_pem(&pem, TEST_CERT_PEM),
            Err(KeyError::Mismatch)
        ));
        assert!(matches!(
            KeyMaterial::from_pem(TEST_KEY_PEM, "not pem"),
            Err(KeyError::Certificate(_))
        ));
    }
}
