//! A small KSeF client for tests: token auth, session, encrypted send, polling.

use serde_json::{json, Value};

use super::super::client_side;
use crate::{Config, Platform};

pub const NIP: &str = "5265877635";
pub const TOKEN: &str = "ksef-token-1";

/// A platform where `NIP` authenticates with `TOKEN`, with `plan` (JSON) installed.
pub async fn start(seed: u64, plan: Value) -> Platform {
    let config = Config {
        seed,
        tokens: [(NIP.to_owned(), TOKEN.to_owned())].into(),
        plan: crate::plan::Plan::from_json_str(&plan.to_string()).unwrap(),
        ..Config::default()
    };
    crate::start(config).await.unwrap()
}

/// An FA(3) invoice numbered `number` from `NIP` (research §3, with `P_11Vat`).
pub fn fa3(number: &str) -> String {
    super::super::fa3::tests_sample(number)
}

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub access: String,
    pub refresh: String,
    pub session: String,
    key: [u8; 32],
    iv: [u8; 16],
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

pub async fn reply(r: reqwest::Response) -> Reply {
    Reply {
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        text: r.text().await.unwrap(),
    }
}

impl Client {
    pub fn new(platform: &Platform) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: format!("http://{}/v2", platform.addr()),
            access: String::new(),
            refresh: String::new(),
            session: String::new(),
            key: [0x42; 32],
            iv: [0x24; 16],
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        reply(
            self.http
                .get(format!("{}{path}", self.base))
                .bearer_auth(&self.access)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.access);
        if let Some(body) = body {
            req = req.json(&body);
        }
        reply(req.send().await.unwrap()).await
    }

    /// Challenge → ksef-token: the token authentication's start, as answered.
    pub async fn token_auth(&self, token: &str) -> Reply {
        let challenge = self.post("/auth/challenge", None).await.json();
        let body = client_side::token_request(&challenge, NIP, token).unwrap();
        self.post("/auth/ksef-token", Some(body)).await
    }

    /// Challenge → ksef-token → status → redeem; returns the auth status code.
    pub async fn authenticate(&mut self, token: &str) -> u64 {
        let started = self.token_auth(token).await;
        assert_eq!(started.status, 202, "{}", started.text);
        let started = started.json();
        self.access = started["authenticationToken"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let status = self
            .get(&format!(
                "/auth/{}",
                started["referenceNumber"].as_str().unwrap()
            ))
            .await
            .json();
        let code = status["status"]["code"].as_u64().unwrap();
        if code == 200 {
            let tokens = self.post("/auth/token/redeem", None).await.json();
            self.access = tokens["accessToken"]["token"].as_str().unwrap().to_owned();
            self.refresh = tokens["refreshToken"]["token"].as_str().unwrap().to_owned();
        }
        code
    }

    /// Opens an online session; returns the whole reply.
    pub async fn open(&mut self) -> Reply {
        let body = client_side::open_request(&self.key, &self.iv).unwrap();
        let r = self.post("/sessions/online", Some(body)).await;
        if r.status == 201 {
            self.session = r.json()["referenceNumber"].as_str().unwrap().to_owned();
        }
        r
    }

    /// Authenticated with an open session.
    pub async fn ready(platform: &Platform) -> Client {
        let mut c = Client::new(platform);
        assert_eq!(c.authenticate(TOKEN).await, 200);
        assert_eq!(c.open().await.status, 201);
        c
    }

    /// The send body for `xml`, encrypted with the session key.
    pub fn send_body(&self, xml: &[u8]) -> Value {
        client_side::send_request(&self.key, &self.iv, xml)
    }

    pub async fn send(&self, xml: &str) -> Reply {
        self.post(
            &format!("/sessions/online/{}/invoices", self.session),
            Some(self.send_body(xml.as_bytes())),
        )
        .await
    }

    /// Sends `xml` and returns its invoice reference (asserting 202).
    pub async fn send_ok(&self, xml: &str) -> String {
        let r = self.send(xml).await;
        assert_eq!(r.status, 202, "{}", r.text);
        r.json()["referenceNumber"].as_str().unwrap().to_owned()
    }

    /// One status poll.
    pub async fn poll_status(&self, invoice_ref: &str) -> Value {
        let r = self
            .get(&format!(
                "/sessions/{}/invoices/{invoice_ref}",
                self.session
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.json()
    }

    /// Polls until the status is final (the first two polls show 100 and 150), or
    /// returns the last one after a few.
    pub async fn invoice_status(&self, invoice_ref: &str) -> Value {
        let mut st = self.poll_status(invoice_ref).await;
        for _ in 0..5 {
            if !matches!(st["status"]["code"].as_u64(), Some(100 | 150)) {
                break;
            }
            st = self.poll_status(invoice_ref).await;
        }
        st
    }

    pub async fn metadata(&self, query: &str, body: Value) -> Reply {
        self.post(&format!("/invoices/query/metadata{query}"), Some(body))
            .await
    }
}

/// Every invoice of `NIP` stored since 2000, by permanent-storage date.
pub fn all_mine() -> Value {
    json!({"subjectType": "Subject1", "dateRange": {"dateType": "PermanentStorage", "from": "2000-01-01T00:00:00Z"}})
}

/// The legacy body's first exception code.
pub fn exception_code(r: &Reply) -> u64 {
    r.json()["exception"]["exceptionDetailList"][0]["exceptionCode"]
        .as_u64()
        .unwrap_or(0)
}

/// The platform's truth and journal.
pub async fn control(platform: &Platform, path: &str) -> String {
    reqwest::get(format!("http://{}{path}", platform.control_addr()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}
