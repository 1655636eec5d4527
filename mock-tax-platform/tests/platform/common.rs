//! Shared helpers: starting a platform, building invoices, calling routes.

use std::collections::BTreeMap;

use mock_tax_platform::{Config, Platform};
use reqwest::{Client, Response};
use serde_json::Value;
use tax_api::Invoice;

pub const SELLER: &str = "91110000MA01ABCD1X";
pub const TOKEN: &str = "secret";
pub const OTHER_SELLER: &str = "91310000MA1K0002ZZ";
pub const OTHER_TOKEN: &str = "other-secret";

/// Config with two sellers and their tokens.
pub fn two_sellers() -> Config {
    Config {
        tokens: BTreeMap::from([
            (SELLER.to_owned(), TOKEN.to_owned()),
            (OTHER_SELLER.to_owned(), OTHER_TOKEN.to_owned()),
        ]),
        ..Config::default()
    }
}

pub async fn start(config: Config) -> Platform {
    mock_tax_platform::start(config).await.unwrap()
}

/// A valid invoice whose single line adds up.
pub fn invoice(seller: &str, number: &str) -> Invoice {
    Invoice {
        number: number.to_owned(),
        request_serial: format!("serial-{number}"),
        seller_tax_id: seller.to_owned(),
        ..Invoice::example()
    }
}

/// A thin client for one seller.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: Option<String>,
    pub http: Client,
}

impl Api {
    pub fn new(platform: &Platform, token: Option<&str>) -> Self {
        Api {
            base: platform.base_url(),
            token: token.map(str::to_owned),
            http: Client::new(),
        }
    }

    fn auth(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    pub async fn upload(&self, invoice: &Invoice) -> Response {
        self.auth(self.http.post(format!("{}/v1/invoices", self.base)))
            .json(invoice)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Response {
        self.auth(self.http.post(format!("{}{path}", self.base)))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.auth(self.http.post(format!("{}{path}", self.base)))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.auth(self.http.get(format!("{}{path}", self.base)))
            .send()
            .await
            .unwrap()
    }
}

/// `GET` a control-plane path and parse its JSON answer.
pub async fn control_get<T: serde::de::DeserializeOwned>(platform: &Platform, path: &str) -> T {
    reqwest::get(format!("{}{path}", platform.control_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Status and JSON body of a response.
pub async fn status_json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.unwrap();
    (status, body)
}

/// Asserts the response is the error envelope with this status and code; returns it.
pub async fn expect_error(response: Response, status: u16, code: &str) -> Value {
    let (got, body) = status_json(response).await;
    assert_eq!(got, status, "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(body["retryable"].is_boolean());
    assert!(body["details"].is_object());
    body
}
