//! Loading a spec: strict YAML (duplicate keys are errors), then the typed
//! OpenAPI model, with every failure located by line or JSON pointer.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Location, SpecError};

/// Parses a spec's text: a `.json` file (or text that opens with `{`) as
/// JSON, anything else as YAML; duplicated keys are errors in both. JSON is
/// read by a JSON parser, so what only JSON allows (surrogate-pair escapes
/// such as `\uD83C\uDF89`, integers beyond 64 bits) reads as JSON means it.
pub fn parse(file: &Path, text: &str) -> Result<Value, SpecError> {
    let json = file.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{');
    if !json {
        return parse_yaml(file, text);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    StrictValue
        .deserialize(&mut de)
        .and_then(|value| de.end().map(|()| value))
        .map_err(|e| SpecError {
            file: file.to_owned(),
            location: Location::Line {
                line: e.line(),
                column: e.column(),
            },
            message: format!("invalid JSON: {e}"),
        })
}

/// Parses YAML text into a JSON value, rejecting duplicated mapping keys.
pub fn parse_yaml(file: &Path, text: &str) -> Result<Value, SpecError> {
    let de = yaml_serde::Deserializer::from_str(text);
    StrictValue.deserialize(de).map_err(|e: yaml_serde::Error| {
        let location = e
            .location()
            .map(|l| Location::Line {
                line: l.line(),
                column: l.column(),
            })
            .unwrap_or(Location::File);
        SpecError {
            file: file.to_owned(),
            location,
            message: format!("invalid YAML: {e}"),
        }
    })
}

/// Converts the JSON value into the typed OpenAPI model.
pub fn to_openapi(file: &Path, value: &Value) -> Result<openapiv3::OpenAPI, SpecError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = crate::spec::path_to_pointer(e.path());
        SpecError::at(
            file,
            pointer,
            format!("not a valid OpenAPI 3.0 document here: {}", e.inner()),
        )
    })
}

struct StrictValue;

impl<'de> DeserializeSeed<'de> for StrictValue {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("number {v} has no JSON representation")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(StrictValue)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key_seed(StrictValue)? {
            let key = match key {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(de::Error::custom(format!(
                        "unsupported mapping key {other}"
                    )));
                }
            };
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!(
                    "duplicate key `{key}` in the mapping that starts here (a second value would silently replace the first)"
                )));
            }
            let value = map.next_value_seed(StrictValue)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_is_read_as_json() {
        let file = Path::new("s.json");
        // A surrogate pair, and an integer beyond 64 bits.
        let v = parse(
            file,
            r#"{"title": "\uD83C\uDF89", "max": 123456789012345678901234567890}"#,
        )
        .unwrap();
        assert_eq!(v["title"], "\u{1F389}");
        assert!(v["max"].is_number());
        let err = parse(file, "{\"a\": 1, \"a\": 2}").unwrap_err();
        assert!(err.message.contains("duplicate key `a`"), "{err}");
        assert_eq!(
            err.location,
            Location::Line {
                line: 1,
                column: 12
            }
        );
        let err = parse(file, "{\"a\": 1} x").unwrap_err();
        assert!(err.message.starts_with("invalid JSON"), "{err}");
    }

    use super::*;

    #[test]
    fn duplicate_keys_are_rejected_with_a_line() {
        let text = "a: 1\nb:\n  '200': x\n  '200': y\n";
        let err = parse_yaml(Path::new("s.yaml"), text).unwrap_err();
        assert!(err.message.contains("duplicate key `200`"), "{err}");
        assert!(
            matches!(err.location, Location::Line { line: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn numeric_keys_become_strings() {
        let v = parse_yaml(Path::new("s.yaml"), "200: ok\n").unwrap();
        assert_eq!(v["200"], "ok");
    }

    #[test]
    fn structural_errors_name_a_pointer() {
        let v = parse_yaml(
            Path::new("s.yaml"),
            "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses: 7\n",
        )
        .unwrap();
        let err = to_openapi(Path::new("s.yaml"), &v).unwrap_err();
        assert_eq!(err.location, Location::Pointer("/paths".into()), "{err}");
    }
}
