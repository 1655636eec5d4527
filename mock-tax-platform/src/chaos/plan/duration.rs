//! Durations in plans are human strings (`"2s"`, `"150ms"`, `"1m 30s"`), as in scenario
//! scripts; these helpers read and write them with `humantime`.
//!
//! Every duration is at most [`LONGEST`]: the platform and its clients add them to
//! clock readings, and a duration of centuries overflows that arithmetic.

use std::time::Duration;

/// The longest duration a plan or scenario script may hold: a week is far beyond any
/// run, and far below the limits of clock arithmetic.
pub const LONGEST: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Parses a humantime string no longer than [`LONGEST`]; the message says what was
/// expected and what was found.
pub fn parse_bounded(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| {
        format!("expected a duration such as \"2s\" or \"150ms\", found {text:?} ({e})")
    })?;
    if d > LONGEST {
        return Err(format!(
            "expected a duration of at most {}, found {text:?}",
            humantime::format_duration(LONGEST)
        ));
    }
    Ok(d)
}

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A duration that reads and writes as a humantime string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_bounded(&text)
            .map(HumanDuration)
            .map_err(serde::de::Error::custom)
    }
}

/// `#[serde(with = "…::required")]` for a `Duration` field.
pub mod required {
    use super::*;

    /// Writes the duration as a humantime string.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        HumanDuration(*d).serialize(s)
    }

    /// Reads a humantime string.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        HumanDuration::deserialize(d).map(|h| h.0)
    }
}

/// `#[serde(with = "…::optional", default, skip_serializing_if = "Option::is_none")]`.
pub mod optional {
    use super::*;

    /// Writes the duration, when there is one, as a humantime string.
    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        d.map(HumanDuration).serialize(s)
    }

    /// Reads a humantime string; an absent field is `None` through `default`, and
    /// `null` is refused rather than read as absent.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        HumanDuration::deserialize(d).map(|h| Some(h.0))
    }
}
