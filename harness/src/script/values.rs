//! Small value types a script uses, each with a message that says what was expected.

use std::fmt;
use std::time::Duration;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The longest duration a script may hold, the same bound as the platform's plans.
pub const LONGEST_DURATION: Duration = mock_tax_platform::plan::duration::LONGEST;

/// A duration written the way people write them: `"500ms"`, `"2s"`, `"1m 30s"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// The duration itself.
    pub fn get(self) -> Duration {
        self.0
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = HumanDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"a duration string such as "500ms", "2s" or "1m 30s""#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HumanDuration, E> {
                let d = humantime::parse_duration(v).map_err(|e| {
                    E::invalid_value(Unexpected::Other(&format!("\"{v}\" ({e})")), &self)
                })?;
                // The runner adds durations to clock readings; centuries overflow them.
                if d > LONGEST_DURATION {
                    return Err(E::custom(format!(
                        "expected a duration of at most {}, found \"{v}\"",
                        humantime::format_duration(LONGEST_DURATION)
                    )));
                }
                Ok(HumanDuration(d))
            }
        }
        d.deserialize_str(V)
    }
}

/// A step switch that only makes sense as `true`, e.g. `restart_client = true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct On;

impl Serialize for On {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(true)
    }
}

impl<'de> Deserialize<'de> for On {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = On;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`true` (remove the step to skip it)")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<On, E> {
                if v {
                    Ok(On)
                } else {
                    Err(E::invalid_value(Unexpected::Bool(false), &self))
                }
            }
        }
        d.deserialize_bool(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        d: Option<HumanDuration>,
        on: Option<On>,
    }

    #[test]
    fn durations_read_as_people_write_them() {
        let t: T = toml::from_str(r#"d = "1m 30s""#).unwrap();
        assert_eq!(t.d.unwrap().get(), Duration::from_secs(90));
    }

    #[test]
    fn bad_duration_says_what_was_expected() {
        let err = toml::from_str::<T>(r#"d = "soon""#).err().unwrap();
        assert!(err.message().contains("a duration string such as"), "{err}");
        assert!(err.message().contains("soon"), "{err}");
    }

    #[test]
    fn a_duration_longer_than_a_week_is_refused_naming_the_limit() {
        let err = toml::from_str::<T>(r#"d = "300000000000y""#).err().unwrap();
        assert!(err.message().contains("at most 7days"), "{err}");
        assert!(toml::from_str::<T>(r#"d = "7days""#).is_ok());
        assert!(toml::from_str::<T>(r#"d = "18446744073709551615s""#).is_err());
    }

    #[test]
    fn false_switch_is_refused() {
        assert!(toml::from_str::<T>("on = false").is_err());
        assert!(toml::from_str::<T>("on = true").unwrap().on.is_some());
    }
}
