//! The flows the SDKs run, each status code and error body.

use serde_json::{json, Value};

use super::super::crypto::sha256_b64;
use super::super::ids::is_ksef_number;
use super::support::*;

#[tokio::test]
async fn token_auth_session_send_status_close_upo_query_and_download_complete() {
    let platform = start(1, json!({})).await;
    let mut c = Client::new(&platform);
    let certs = c.get("/security/public-key-certificates").await.json();
    assert_eq!(certs.as_array().unwrap().len(), 2, "{certs}");
    assert_eq!(certs[0]["publicKeyId"].as_str().unwrap().len(), 44);
    assert_eq!(certs[1]["usage"], json!(["SymmetricKeyEncryption"]));
    assert_eq!(c.authenticate(TOKEN).await, 200);
    let opened = c.open().await;
    assert_eq!(opened.status, 201, "{}", opened.text);
    assert_eq!(c.session.len(), 36);
    assert!(c.session.contains("-SO-"), "{}", c.session);

    let xml = fa3("FV/1/2026");
    let invoice_ref = c.send_ok(&xml).await;
    assert_eq!(invoice_ref.len(), 36);
    let st = c.invoice_status(&invoice_ref).await;
    assert_eq!(st["status"]["code"], 200, "{st}");
    let ksef = st["ksefNumber"].as_str().unwrap().to_owned();
    assert!(is_ksef_number(&ksef) && ksef.starts_with(NIP), "{ksef}");
    assert_eq!(st["invoiceHash"], sha256_b64(xml.as_bytes()));
    assert!(
        st["upoDownloadUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{st}"
    );
    assert!(
        st["permanentStorageDate"]
            .as_str()
            .unwrap()
            .ends_with("+00:00"),
        "{st}"
    );

    let closed = c
        .post(&format!("/sessions/online/{}/close", c.session), None)
        .await;
    assert_eq!((closed.status, closed.text.as_str()), (204, ""));
    let session = c.get(&format!("/sessions/{}", c.session)).await.json();
    assert_eq!(session["status"]["code"], 200, "{session}");
    assert_eq!(session["successfulInvoiceCount"], 1);
    let page = &session["upo"]["pages"][0];
    let upo_ref = page["referenceNumber"].as_str().unwrap();
    for path in [
        format!("/sessions/{}/invoices/{invoice_ref}/upo", c.session),
        format!("/sessions/{}/invoices/ksef/{ksef}/upo", c.session),
        format!("/sessions/{}/upo/{upo_ref}", c.session),
    ] {
        let upo = c.get(&path).await;
        assert_eq!(upo.status, 200, "{path}: {}", upo.text);
        assert!(
            upo.text.contains(&format!("<NumerKSeFDokumentu>{ksef}<")),
            "{}",
            upo.text
        );
    }

    let found = c
        .metadata("?pageOffset=0&pageSize=10", all_mine())
        .await
        .json();
    assert_eq!(found["invoices"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(
        (found["hasMore"].as_bool(), found["isTruncated"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(found["invoices"][0]["ksefNumber"], ksef.as_str());
    assert_eq!(found["invoices"][0]["grossAmount"], 133.8);
    assert!(found["permanentStorageHwmDate"].is_string());

    let got = c.get(&format!("/invoices/ksef/{ksef}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.text, xml, "the download is the XML as sent");
    assert_eq!(
        got.headers["x-ms-meta-hash"],
        sha256_b64(xml.as_bytes()).as_str()
    );

    // The truth and the journal see the generic invoice, the KSeF number and session.
    let truth: Value = serde_json::from_str(&control(&platform, "/_chaos/truth").await).unwrap();
    let record = &truth["records"][0];
    assert_eq!(
        (record["seller_tax_id"].as_str(), record["number"].as_str()),
        (Some(NIP), Some("FV/1/2026"))
    );
    assert_eq!(record["integrity"], "intact");
    let journal = control(&platform, "/_chaos/journal").await;
    let send = journal
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["route"] == "upload")
        .unwrap();
    assert_eq!(send["effect"], "stored", "{send}");
    assert_eq!(send["number"], "FV/1/2026");
    let note = send["note"].as_str().unwrap();
    assert!(note.contains(&ksef) && note.contains(&c.session), "{note}");
}

#[tokio::test]
async fn tokens_redeem_once_and_refresh_gives_a_new_access_token() {
    let platform = start(1, json!({})).await;
    let mut c = Client::new(&platform);
    let challenge = c.post("/auth/challenge", None).await.json();
    assert_eq!(challenge["challenge"].as_str().unwrap().len(), 36);
    assert!(challenge["timestampMs"].is_i64());
    assert_eq!(c.authenticate(TOKEN).await, 200);
    assert_eq!(c.open().await.status, 201);
    // The refresh token is the bearer of a refresh; it is not an access token.
    let first_access = std::mem::replace(&mut c.access, c.refresh.clone());
    assert_eq!(c.open().await.status, 401);
    let refreshed = c.post("/auth/token/refresh", None).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    c.access = refreshed.json()["accessToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(c.access, first_access);
    assert_eq!(c.open().await.status, 201);
}

#[tokio::test]
async fn a_wrong_token_is_accepted_then_fails_as_450_and_cannot_be_redeemed() {
    let platform = start(1, json!({})).await;
    let mut c = Client::new(&platform);
    assert_eq!(c.authenticate("not-the-token").await, 450);
    let redeemed = c.post("/auth/token/redeem", None).await;
    assert_eq!(redeemed.status, 400, "{}", redeemed.text);
}

#[tokio::test]
async fn calls_without_a_valid_access_token_get_a_problem_json_401() {
    let platform = start(1, json!({})).await;
    let c = Client::new(&platform);
    let r = c
        .get("/sessions/20261202-SO-0000000001-0000000000-00")
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.json()["title"], "Unauthorized");
}

#[tokio::test]
async fn a_wrong_encrypted_hash_or_size_is_400_21403_or_21402_in_the_asked_format() {
    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    let path = format!("{}/sessions/online/{}/invoices", c.base, c.session);
    let mut body = c.send_body(fa3("FV/1").as_bytes());
    body["encryptedInvoiceHash"] = json!(sha256_b64(b"other"));
    let legacy = reply(
        c.http
            .post(&path)
            .bearer_auth(&c.access)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (legacy.status, exception_code(&legacy)),
        (400, 21403),
        "{}",
        legacy.text
    );
    let problem = reply(
        c.http
            .post(&path)
            .bearer_auth(&c.access)
            .header("X-Error-Format", "problem-details")
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(problem.headers["content-type"], "application/problem+json");
    assert_eq!(
        problem.json()["errors"][0]["code"],
        21403,
        "{}",
        problem.text
    );
    let mut body = c.send_body(fa3("FV/1").as_bytes());
    body["encryptedInvoiceSize"] = json!(1);
    let r = reply(
        c.http
            .post(&path)
            .bearer_auth(&c.access)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((r.status, exception_code(&r)), (400, 21402));
}

#[tokio::test]
async fn bad_xml_is_status_430_naming_the_element_and_a_wrong_key_is_435() {
    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    let bad = fa3("FV/1").replace("<P_15>133.80</P_15>", "");
    let st = c.invoice_status(&c.send_ok(&bad).await).await;
    assert_eq!(st["status"]["code"], 430, "{st}");
    assert!(
        st["status"]["details"][0]
            .as_str()
            .unwrap()
            .contains("Fa/P_15"),
        "{st}"
    );
    assert!(st.get("ksefNumber").is_none());

    let mut body = c.send_body(fa3("FV/2").as_bytes());
    // Ciphertext of another key: the size and hash declared match it, decryption fails.
    let other = super::super::crypto::aes_encrypt(&[1; 32], &[2; 16], fa3("FV/2").as_bytes());
    body["encryptedInvoiceContent"] = json!(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        &other
    ));
    body["encryptedInvoiceHash"] = json!(sha256_b64(&other));
    body["encryptedInvoiceSize"] = json!(other.len());
    let r = c
        .post(
            &format!("/sessions/online/{}/invoices", c.session),
            Some(body),
        )
        .await;
    let st = c
        .invoice_status(r.json()["referenceNumber"].as_str().unwrap())
        .await;
    assert_eq!(st["status"]["code"], 435, "{st}");
}

#[tokio::test]
async fn a_correction_is_430_naming_rodzaj_faktury_so_the_duplicate_key_is_complete() {
    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    let issued = c.invoice_status(&c.send_ok(&fa3("FV/K/1")).await).await;
    assert_eq!(issued["status"]["code"], 200, "{issued}");
    // The same P_2 as a correction: KSeF's key tells them apart, ours refuses it.
    let kor = fa3("FV/K/1").replace(
        "<RodzajFaktury>VAT</RodzajFaktury>",
        "<RodzajFaktury>KOR</RodzajFaktury>",
    );
    let st = c.invoice_status(&c.send_ok(&kor).await).await;
    assert_eq!(st["status"]["code"], 430, "{st}");
    let detail = st["status"]["details"][0].as_str().unwrap();
    assert!(
        detail.contains("Fa/RodzajFaktury") && detail.contains("\"KOR\""),
        "{detail}"
    );
    let truth: Value = serde_json::from_str(&control(&platform, "/_chaos/truth").await).unwrap();
    assert_eq!(truth["records"].as_array().unwrap().len(), 1, "{truth}");
}

#[tokio::test]
async fn a_resent_invoice_is_440_pointing_at_the_original_and_the_session_lists_it_as_failed() {
    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    let first = c.invoice_status(&c.send_ok(&fa3("FV/9")).await).await;
    let second = c.invoice_status(&c.send_ok(&fa3("FV/9")).await).await;
    assert_eq!(second["status"]["code"], 440, "{second}");
    let ext = &second["status"]["extensions"];
    assert_eq!(ext["originalKsefNumber"], first["ksefNumber"]);
    assert_eq!(ext["originalSessionReferenceNumber"], c.session.as_str());
    assert!(second.get("ksefNumber").is_none());
    let failed = c
        .get(&format!("/sessions/{}/invoices/failed", c.session))
        .await
        .json();
    assert_eq!(failed["invoices"].as_array().unwrap().len(), 1, "{failed}");
    assert_eq!(failed["invoices"][0]["status"]["code"], 440);
}

#[tokio::test]
async fn a_session_whose_only_invoice_failed_ends_445() {
    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    c.send_ok("<not-xml").await;
    c.post(&format!("/sessions/online/{}/close", c.session), None)
        .await;
    let session = c.get(&format!("/sessions/{}", c.session)).await.json();
    assert_eq!(session["status"]["code"], 445, "{session}");
    let again = c
        .post(&format!("/sessions/online/{}/close", c.session), None)
        .await;
    assert_eq!((again.status, exception_code(&again)), (400, 21180));
}

#[tokio::test]
async fn session_listings_page_with_continuation_tokens() {
    let platform = start(1, json!({})).await;
    let c = Client::ready(&platform).await;
    for i in 0..12 {
        c.send_ok(&fa3(&format!("FV/L/{i}"))).await;
    }
    let first = c
        .get(&format!("/sessions/{}/invoices?pageSize=10", c.session))
        .await
        .json();
    assert_eq!(first["invoices"].as_array().unwrap().len(), 10);
    let token = first["continuationToken"].as_str().unwrap();
    let rest = reply(
        c.http
            .get(format!(
                "{}/sessions/{}/invoices?pageSize=10",
                c.base, c.session
            ))
            .bearer_auth(&c.access)
            .header("x-continuation-token", token)
            .send()
            .await
            .unwrap(),
    )
    .await
    .json();
    assert_eq!(rest["invoices"].as_array().unwrap().len(), 2, "{rest}");
    assert!(rest.get("continuationToken").is_none());
    assert_eq!(rest["invoices"][1]["ordinalNumber"], 12);
    let bad = reply(
        c.http
            .get(format!("{}/sessions/{}/invoices", c.base, c.session))
            .bearer_auth(&c.access)
            .header("x-continuation-token", "garbage")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((bad.status, exception_code(&bad)), (400, 21418));
}

#[tokio::test]
async fn metadata_pages_by_page_index_and_truncates_at_the_limit() {
    let config = crate::Config {
        tokens: [(NIP.to_owned(), TOKEN.to_owned())].into(),
        ksef: super::super::KsefSettings {
            query_limit: 15,
            ..Default::default()
        },
        ..crate::Config::default()
    };
    let platform = crate::start(config).await.unwrap();
    let c = Client::ready(&platform).await;
    for i in 0..25 {
        c.send_ok(&fa3(&format!("FV/M/{i:02}"))).await;
    }
    let p0 = c
        .metadata("?pageOffset=0&pageSize=10&sortOrder=Asc", all_mine())
        .await
        .json();
    assert_eq!(
        (
            p0["invoices"].as_array().unwrap().len(),
            p0["hasMore"].as_bool(),
            p0["isTruncated"].as_bool()
        ),
        (10, Some(true), Some(false))
    );
    assert_eq!(p0["invoices"][0]["invoiceNumber"], "FV/M/00");
    let p1 = c
        .metadata("?pageOffset=1&pageSize=10&sortOrder=Asc", all_mine())
        .await
        .json();
    assert_eq!(
        (
            p1["invoices"].as_array().unwrap().len(),
            p1["hasMore"].as_bool(),
            p1["isTruncated"].as_bool()
        ),
        (5, Some(true), Some(true))
    );
    let small = c.metadata("?pageSize=5", all_mine()).await;
    assert_eq!((small.status, exception_code(&small)), (400, 21405));
}

#[tokio::test]
async fn an_unknown_v2_path_is_404_and_v1_still_answers() {
    let platform = start(1, json!({})).await;
    let c = Client::new(&platform);
    assert_eq!(c.get("/nothing/here").await.status, 404);
    let v1 = reqwest::get(format!("http://{}/v1/status", platform.addr()))
        .await
        .unwrap();
    assert_eq!(v1.status(), 200);
}

#[test]
fn every_served_route_is_matched_and_in_the_openapi_subset() {
    use super::super::routes::{Op, ROUTES};
    let doc: serde_yaml::Value =
        serde_yaml::from_str(include_str!("../../../../../docs/openapi/ksef-v2.yaml")).unwrap();
    let mut paths = std::collections::BTreeSet::new();
    for (method, template) in ROUTES {
        let path = template.strip_prefix("/v2").unwrap();
        paths.insert(path);
        let op = &doc["paths"][path][method.to_lowercase()];
        assert!(
            op.is_mapping(),
            "{method} {path} is not in docs/openapi/ksef-v2.yaml"
        );
        let concrete = template
            .replace("{ksefNumber}", "5265877635-20261202-0000000000AB-CD")
            .replace("{referenceNumber}", "20261202-SO-0000000001-0000000000-00")
            .replace(
                "{invoiceReferenceNumber}",
                "20261202-EE-0000000002-0000000000-00",
            )
            .replace(
                "{upoReferenceNumber}",
                "20261202-EU-0000000003-0000000000-00",
            );
        let method = http::Method::from_bytes(method.as_bytes()).unwrap();
        assert!(
            Op::find(&method, &concrete).is_some(),
            "{method} {concrete} is not routed"
        );
    }
    assert_eq!(
        doc["paths"].as_mapping().unwrap().len(),
        paths.len(),
        "the document lists routes not served"
    );
}
