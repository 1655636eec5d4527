//! KSeF sends per second against `/v1` uploads per second, in one run:
//! `cargo bench -p mock-tax-platform --bench ksef_throughput` (or
//! `bench/ksef-throughput.sh`).
//!
//! One embedded platform, one HTTP client in the same process, the same
//! concurrency for both. `/v1`: one `POST /v1/invoices` per invoice. KSeF: one
//! session opened once, then per invoice the encrypted send and the status reads
//! a client needs to learn the KSeF number (three: the first poll of an invoice
//! shows 100, the second 150). Bodies are built before timing,
//! so the client's AES work is not counted. A measurement, not a test.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Oaep, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const INVOICES: usize = 4000;
const CONCURRENCY: usize = 16;
const NIP: &str = "5265877635";

fn b64sha(bytes: &[u8]) -> String {
    B64.encode(Sha256::digest(bytes))
}

fn fa3(number: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Faktura xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/"><Naglowek><KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza><WariantFormularza>3</WariantFormularza><DataWytworzeniaFa>2026-12-02T10:00:00+01:00</DataWytworzeniaFa></Naglowek><Podmiot1><DaneIdentyfikacyjne><NIP>{NIP}</NIP><Nazwa>Seller</Nazwa></DaneIdentyfikacyjne><Adres><KodKraju>PL</KodKraju><AdresL1>ul. Prosta 1</AdresL1></Adres></Podmiot1><Podmiot2><DaneIdentyfikacyjne><NIP>3861610227</NIP><Nazwa>Buyer</Nazwa></DaneIdentyfikacyjne><JST>2</JST><GV>2</GV></Podmiot2><Fa><KodWaluty>PLN</KodWaluty><P_1>2026-12-02</P_1><P_2>{number}</P_2><P_13_1>100.00</P_13_1><P_14_1>23.00</P_14_1><P_15>123.00</P_15><Adnotacje><P_16>2</P_16><P_17>2</P_17><P_18>2</P_18><P_18A>2</P_18A><Zwolnienie><P_19N>1</P_19N></Zwolnienie><NoweSrodkiTransportu><P_22N>1</P_22N></NoweSrodkiTransportu><P_23>2</P_23><PMarzy><P_PMarzyN>1</P_PMarzyN></PMarzy></Adnotacje><RodzajFaktury>VAT</RodzajFaktury><FaWiersz><NrWierszaFa>1</NrWierszaFa><P_7>Widget</P_7><P_8A>szt.</P_8A><P_8B>2</P_8B><P_9A>50.00</P_9A><P_11>100.00</P_11><P_11Vat>23.00</P_11Vat><P_12>23</P_12></FaWiersz></Fa></Faktura>
"#
    )
}

/// Runs `work(i)` for every i in 0..INVOICES on CONCURRENCY tasks; returns per second.
async fn rate<F, Fut>(work: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let work = Arc::new(work);
    let start = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|t| {
            let work = work.clone();
            tokio::spawn(async move {
                for i in (t..INVOICES).step_by(CONCURRENCY) {
                    work(i).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    INVOICES as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let platform = mock_tax_platform::start(mock_tax_platform::Config::default())
        .await
        .unwrap();
    let base = format!("http://{}", platform.addr());
    let http = reqwest::Client::new();

    // /v1 uploads.
    let bodies: Arc<Vec<Value>> = Arc::new(
        (0..INVOICES)
            .map(|i| {
                let mut inv = tax_api::Invoice::example();
                inv.number = format!("V1-{i:08}");
                serde_json::to_value(inv).unwrap()
            })
            .collect(),
    );
    let (h, b, url) = (http.clone(), bodies.clone(), format!("{base}/v1/invoices"));
    let v1 = rate(move |i| {
        let (h, b, url) = (h.clone(), b.clone(), url.clone());
        async move {
            let r = h.post(&url).json(&b[i]).send().await.unwrap();
            assert_eq!(r.status(), 201);
        }
    })
    .await;

    // KSeF: authenticate, open one session, then send + status per invoice.
    let key = RsaPrivateKey::from_pkcs8_pem(include_str!("../ksef-test-keys/key.pem"))
        .unwrap()
        .to_public_key();
    let encrypt = |plain: &[u8]| {
        B64.encode(
            key.encrypt(&mut rand::thread_rng(), Oaep::new::<Sha256>(), plain)
                .unwrap(),
        )
    };
    let v2 = format!("{base}/v2");
    let challenge: Value = http
        .post(format!("{v2}/auth/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let started: Value = http
        .post(format!("{v2}/auth/ksef-token"))
        .json(&json!({
            "challenge": challenge["challenge"],
            "contextIdentifier": {"type": "Nip", "value": NIP},
            "encryptedToken": encrypt(format!("bench|{}", challenge["timestampMs"]).as_bytes()),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let auth_token = started["authenticationToken"]["token"].as_str().unwrap();
    let tokens: Value = http
        .post(format!("{v2}/auth/token/redeem"))
        .bearer_auth(auth_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = tokens["accessToken"]["token"].as_str().unwrap().to_owned();
    let (aes_key, iv) = ([7u8; 32], [9u8; 16]);
    let opened: Value = http
        .post(format!("{v2}/sessions/online"))
        .bearer_auth(&access)
        .json(&json!({
            "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
            "encryption": {"encryptedSymmetricKey": encrypt(&aes_key), "initializationVector": B64.encode(iv)},
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = opened["referenceNumber"].as_str().unwrap().to_owned();
    let sends: Arc<Vec<Value>> = Arc::new(
        (0..INVOICES)
            .map(|i| {
                let xml = fa3(&format!("FV/{i:08}"));
                let ct = cbc::Encryptor::<aes::Aes256>::new(&aes_key.into(), &iv.into())
                    .encrypt_padded_vec_mut::<Pkcs7>(xml.as_bytes());
                json!({
                    "invoiceHash": b64sha(xml.as_bytes()),
                    "invoiceSize": xml.len(),
                    "encryptedInvoiceHash": b64sha(&ct),
                    "encryptedInvoiceSize": ct.len(),
                    "encryptedInvoiceContent": B64.encode(&ct),
                })
            })
            .collect(),
    );
    let (h, b) = (http.clone(), sends.clone());
    let ksef = rate(move |i| {
        let (h, b, v2, session, access) = (
            h.clone(),
            b.clone(),
            v2.clone(),
            session.clone(),
            access.clone(),
        );
        async move {
            let sent: Value = h
                .post(format!("{v2}/sessions/online/{session}/invoices"))
                .bearer_auth(&access)
                .json(&b[i])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let reference = sent["referenceNumber"].as_str().unwrap();
            for want in [100, 150, 200] {
                let status: Value = h
                    .get(format!("{v2}/sessions/{session}/invoices/{reference}"))
                    .bearer_auth(&access)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(status["status"]["code"], want, "{status}");
            }
        }
    })
    .await;

    println!("{INVOICES} invoices, {CONCURRENCY} concurrent, one process (platform + client):");
    println!("  /v1 uploads:            {v1:8.0} /s");
    println!("  KSeF send + 3 statuses: {ksef:8.0} /s");
    println!("  ratio KSeF / v1:        {:8.2}", ksef / v1);
    platform.shutdown().await;
}
