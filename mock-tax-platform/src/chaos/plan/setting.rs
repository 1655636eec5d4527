//! A fault kind's setting as read from a plan, before the kind's struct reads it.
//!
//! Settings pass through a JSON value on their way to the kind's struct, and JSON has
//! no NaN or infinity: `serde_json` would turn `sigma = nan` or `keep = -inf` into
//! `null`, which reads as "not set", so the bad value would silently vanish. This
//! copy refuses them instead, naming the number found.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

/// One setting's value, every number in it finite.
pub(super) struct Setting(pub Value);

impl<'de> Deserialize<'de> for Setting {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SettingVisitor).map(Setting)
    }
}

struct SettingVisitor;

impl<'de> Visitor<'de> for SettingVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a setting: a string, a finite number, a boolean, a list or a table")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::invalid_value(Unexpected::Float(v), &"a finite number"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Setting::deserialize(d).map(|s| s.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Setting(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut table = Map::new();
        while let Some((key, Setting(value))) = map.next_entry::<String, Setting>()? {
            table.insert(key, value);
        }
        Ok(Value::Object(table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        s: Setting,
    }

    #[test]
    fn finite_numbers_strings_and_lists_pass_through() {
        let t: T = toml::from_str("s = [1, 0.5, \"x\", true]").unwrap();
        assert_eq!(t.s.0, serde_json::json!([1, 0.5, "x", true]));
    }

    #[test]
    fn nan_and_infinities_are_refused_not_turned_into_null() {
        for text in [
            "s = nan",
            "s = -inf",
            "s = inf",
            "s = [1, nan]",
            "s = { a = -inf }",
        ] {
            let err = toml::from_str::<T>(text).err().unwrap();
            assert!(err.message().contains("a finite number"), "{text}: {err}");
        }
    }
}
