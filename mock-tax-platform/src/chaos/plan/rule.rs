//! One fault rule: a fault kind with its settings, and the engine's targeting.
//!
//! The kind's settings sit flat beside the targeting keys (`kind = "latency"`,
//! `delay = "1s"`, `probability = 0.5`). serde cannot combine `flatten` with
//! `deny_unknown_fields`, so the rule reads its own keys by hand and hands the rest to
//! the kind, whose struct refuses unknown fields: a typo anywhere is an error.

use std::fmt;
use std::time::Duration;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use tax_api::Route;

use super::duration::HumanDuration;
use super::setting::Setting;
use super::PlanError;
use crate::chaos::faults::{FaultKind, API_ROUTES};

/// The keys a rule understands beside its kind's own settings.
pub const RULE_KEYS: &[&str] = &[
    "name",
    "kind",
    "probability",
    "on",
    "first",
    "every",
    "seller",
    "number_prefix",
    "after",
    "until",
    "max",
    "at_least",
];

/// Which API route a rule targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteTarget {
    /// `POST /v1/invoices`.
    Upload,
    /// `GET /v1/invoices/{number}` and `GET /v1/submissions/{id}`.
    Get,
    /// `POST /v1/invoices/query`.
    Query,
    /// `POST /v1/verify`.
    Verify,
    /// KSeF authentication (`POST /v2/auth/ksef-token`, `/v2/auth/xades-signature`).
    Auth,
    /// KSeF online session open and close.
    Session,
    /// The four `/v1` routes (upload, get, query, verify); never auth or session,
    /// which a rule targets only by name.
    Any,
}

impl RouteTarget {
    /// Whether a request to `route` is targeted.
    pub fn covers(self, route: Route) -> bool {
        match self {
            RouteTarget::Upload => route == Route::Upload,
            RouteTarget::Get => route == Route::Get,
            RouteTarget::Query => route == Route::Query,
            RouteTarget::Verify => route == Route::Verify,
            RouteTarget::Auth => route == Route::Auth,
            RouteTarget::Session => route == Route::Session,
            RouteTarget::Any => API_ROUTES.contains(&route),
        }
    }

    /// The single route named, if not `any`.
    pub fn route(self) -> Option<Route> {
        match self {
            RouteTarget::Upload => Some(Route::Upload),
            RouteTarget::Get => Some(Route::Get),
            RouteTarget::Query => Some(Route::Query),
            RouteTarget::Verify => Some(Route::Verify),
            RouteTarget::Auth => Some(Route::Auth),
            RouteTarget::Session => Some(Route::Session),
            RouteTarget::Any => None,
        }
    }
}

/// One `[[faults]]` entry. Counting targets (`first`, `every`, `max`, `at_least`) count
/// matching requests in arrival order, so they are exact for sequential traffic; everything
/// else is decided from the seed and the request's identity alone.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// Cited by stats, the journal and `DELETE /_chaos/faults/{name}`; generated
    /// (`partial_write#1`) when absent.
    pub name: Option<String>,
    /// The kind and its settings (`kind = "…"` plus the kind's keys).
    pub fault: FaultKind,
    /// Chance that a matching request is hit, 0–1; absent means 1.
    pub probability: Option<f64>,
    /// Route targeted; absent means the kind's default (uploads for write faults).
    pub on: Option<RouteTarget>,
    /// Only the first N matching requests (0 or absent: no limit).
    pub first: Option<u64>,
    /// Only every Nth matching request: the Nth, 2Nth, … (0 or absent: every one).
    pub every: Option<u64>,
    /// Only requests by this seller.
    pub seller: Option<String>,
    /// Only requests about invoice numbers starting with this.
    pub number_prefix: Option<String>,
    /// Active from this long after the plan started.
    pub after: Option<Duration>,
    /// Active until this long after the plan started.
    pub until: Option<Duration>,
    /// Fires at most this often (0 or absent: no cap).
    pub max: Option<u64>,
    /// Fires at least this often when as many requests match: until it has fired N
    /// times, a matching request the probability draw spares is hit anyway (0 or
    /// absent: the draw alone decides). Lets a rare fault fire in a short run.
    pub at_least: Option<u64>,
}

impl FaultRule {
    /// A rule with this fault and no targeting: every matching request is hit.
    pub fn new(fault: FaultKind) -> Self {
        FaultRule {
            name: None,
            fault,
            probability: None,
            on: None,
            first: None,
            every: None,
            seller: None,
            number_prefix: None,
            after: None,
            until: None,
            max: None,
            at_least: None,
        }
    }

    /// The name, or the kind when the rule has not been named yet.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or_else(|| self.fault.name())
    }

    /// The route targeted, after the kind's default.
    pub fn route(&self) -> RouteTarget {
        self.on
            .unwrap_or_else(|| self.fault.as_fault().routes().default)
    }

    /// Checks targeting and the kind's settings.
    pub fn validate(&self) -> Result<(), PlanError> {
        let invalid = |message: String| PlanError::Invalid {
            what: format!("fault rule `{}`", self.label()),
            message,
        };
        let fault = self.fault.as_fault();
        fault
            .validate()
            .map_err(|m| invalid(format!("{}: {m}", fault.kind())))?;
        if let Some(p) = self.probability {
            if !(0.0..=1.0).contains(&p) {
                return Err(invalid(format!(
                    "probability must be within 0 and 1, found {p}"
                )));
            }
        }
        if let Some(route) = self.route().route() {
            if !fault.routes().supports(route) {
                return Err(invalid(format!(
                    "a {} fault cannot act on `{}` requests",
                    fault.kind(),
                    route_name(route)
                )));
            }
        }
        if let (Some(least), Some(max)) = (self.at_least, self.max.filter(|m| *m > 0)) {
            if least > max {
                return Err(invalid(format!(
                    "`at_least` ({least}) must not exceed `max` ({max})"
                )));
            }
        }
        if let (Some(after), Some(until)) = (self.after, self.until) {
            if until <= after {
                return Err(invalid(format!(
                    "`until` ({}) must come after `after` ({})",
                    humantime::format_duration(until),
                    humantime::format_duration(after)
                )));
            }
        }
        Ok(())
    }
}

fn route_name(route: Route) -> &'static str {
    match route {
        Route::Upload => "upload",
        Route::Get => "get",
        Route::Query => "query",
        Route::Verify => "verify",
        Route::Status => "status",
        Route::Auth => "auth",
        Route::Session => "session",
        Route::Control => "control",
        Route::Unknown => "unknown",
    }
}

/// The serialized shape: the kind flattened beside the targeting keys.
#[derive(Serialize)]
struct RuleOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: &'a Option<String>,
    #[serde(flatten)]
    fault: &'a FaultKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    probability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    on: Option<RouteTarget>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    every: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seller: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number_prefix: &'a Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<HumanDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<HumanDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    at_least: Option<u64>,
}

impl Serialize for FaultRule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        RuleOut {
            name: &self.name,
            fault: &self.fault,
            probability: self.probability,
            on: self.on,
            first: self.first,
            every: self.every,
            seller: &self.seller,
            number_prefix: &self.number_prefix,
            after: self.after.map(HumanDuration),
            until: self.until.map(HumanDuration),
            max: self.max,
            at_least: self.at_least,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for FaultRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RuleVisitor)
    }
}

struct RuleVisitor;

/// Reads one optional key, refusing it twice.
fn once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    slot: &mut Option<T>,
    key: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(key));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

impl<'de> Visitor<'de> for RuleVisitor {
    type Value = FaultRule;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a fault rule: a table with `kind` and its settings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FaultRule, A::Error> {
        let mut name = None;
        let mut kind: Option<String> = None;
        let mut probability = None;
        let mut on = None;
        let (mut first, mut every, mut max, mut at_least) = (None, None, None, None);
        let (mut seller, mut number_prefix) = (None, None);
        let (mut after, mut until): (Option<HumanDuration>, Option<HumanDuration>) = (None, None);
        let mut settings = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => once(&mut name, "name", &mut map)?,
                "kind" => once(&mut kind, "kind", &mut map)?,
                "probability" => once(&mut probability, "probability", &mut map)?,
                "on" => once(&mut on, "on", &mut map)?,
                "first" => once(&mut first, "first", &mut map)?,
                "every" => once(&mut every, "every", &mut map)?,
                "max" => once(&mut max, "max", &mut map)?,
                "at_least" => once(&mut at_least, "at_least", &mut map)?,
                "seller" => once(&mut seller, "seller", &mut map)?,
                "number_prefix" => once(&mut number_prefix, "number_prefix", &mut map)?,
                "after" => once(&mut after, "after", &mut map)?,
                "until" => once(&mut until, "until", &mut map)?,
                _ => {
                    let Setting(value) = map.next_value()?;
                    if settings.insert(key.clone(), value).is_some() {
                        return Err(de::Error::custom(format!("duplicate field `{key}`")));
                    }
                }
            }
        }
        let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
        let mut tagged = settings;
        tagged.insert("kind".into(), Value::String(kind.clone()));
        let fault: FaultKind =
            serde_json::from_value(Value::Object(tagged.clone())).map_err(|e| {
                let text = e.to_string();
                if text.contains("unknown field") {
                    de::Error::custom(format!(
                        "fault `{kind}`: {text}; every rule also takes {}",
                        RULE_KEYS.join(", ")
                    ))
                } else if text.contains("unknown variant") {
                    de::Error::custom(format!("unknown fault kind: {text}"))
                } else if let Some(setting) = culprit(&tagged, &text) {
                    de::Error::custom(format!("fault `{kind}`, setting `{setting}`: {text}"))
                } else {
                    de::Error::custom(format!("fault `{kind}`: {text}"))
                }
            })?;
        Ok(FaultRule {
            name,
            fault,
            probability,
            on,
            first,
            every,
            seller,
            number_prefix,
            after: after.map(|h| h.0),
            until: until.map(|h| h.0),
            max,
            at_least,
        })
    }
}

/// The setting a kind's error is about. The kind's struct is read through serde's
/// buffered tagged-enum path, whose errors do not say which field failed; the first
/// setting whose removal changes the error is the one.
fn culprit<'a>(tagged: &'a Map<String, Value>, error: &str) -> Option<&'a str> {
    tagged
        .keys()
        .filter(|key| *key != "kind")
        .find(|key| {
            let mut without = tagged.clone();
            without.remove(*key);
            match serde_json::from_value::<FaultKind>(Value::Object(without)) {
                Ok(_) => true,
                Err(e) => e.to_string() != error,
            }
        })
        .map(String::as_str)
}
