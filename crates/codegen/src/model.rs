//! The decisions every emitter shares, made in one place: what a response
//! key means (a status, a range, `default`), which schema a `$ref` names and
//! its Rust type, which media type is "the JSON body", and which Rust type a
//! `date-time` string becomes.
//!
//! Invariant: no other module tests a status key by its first character,
//! strips `#/components/schemas/` off a reference or picks a JSON media type
//! by its own rule; they call these.

use serde_json::Value;

/// A key of an operation's `responses`: a status code, a class (`4XX`) or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusKey {
    Code(u16),
    /// `1XX` to `5XX`: the class digit.
    Range(u8),
    Default,
}

impl StatusKey {
    /// `200`, `4XX` or `default`; `None` for anything else.
    pub fn parse(key: &str) -> Option<StatusKey> {
        if key == "default" {
            return Some(StatusKey::Default);
        }
        let b = key.as_bytes();
        if b.len() != 3 || !(b'1'..=b'5').contains(&b[0]) {
            return None;
        }
        match (b[1], b[2]) {
            (b'X', b'X') => Some(StatusKey::Range(b[0] - b'0')),
            (x, y) if x.is_ascii_digit() && y.is_ascii_digit() => {
                key.parse().ok().map(StatusKey::Code)
            }
            _ => None,
        }
    }

    /// The class digit (`2` for `204` and `2XX`); `None` for `default`.
    pub fn class(self) -> Option<u8> {
        match self {
            StatusKey::Code(code) => u8::try_from(code / 100).ok(),
            StatusKey::Range(class) => Some(class),
            StatusKey::Default => None,
        }
    }

    /// A 2xx answer.
    pub fn is_success(self) -> bool {
        self.class() == Some(2)
    }

    /// An error answer: 4xx, 5xx or `default` (which, beside a success, stands for the errors).
    pub fn is_error(self) -> bool {
        matches!(self.class(), Some(4 | 5) | None)
    }
}

/// The pattern that says a `date-time` is taken to the second only, in UTC
/// (`YYYY-MM-DDThh:mm:ssZ`): such a value is an `api_support::TimestampSeconds`.
pub const WHOLE_SECONDS: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$";

/// The Rust type of a `type: string, format: date-time` schema (typify is
/// told the same in `types::base_settings`), or `None` for any other schema.
pub fn date_time_type(schema: &Value) -> Option<proc_macro2::TokenStream> {
    if schema["type"] != "string" || schema["format"] != "date-time" {
        return None;
    }
    Some(match schema.get("pattern").and_then(Value::as_str) {
        Some(WHOLE_SECONDS) => quote::quote! { ::api_support::TimestampSeconds },
        _ => quote::quote! { ::api_support::Timestamp },
    })
}

/// The component a schema refers to: `X` of `{$ref: '#/components/schemas/X'}`.
pub fn schema_ref(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
}

/// The Rust type (in the types crate) of the component a schema refers to.
pub fn ref_type(schema: &Value) -> Option<String> {
    schema_ref(schema).map(crate::names::type_name)
}

/// The media type object of a `content` map that carries JSON, by the rule
/// progenitor decodes with (`application/json`, parameters allowed).
pub fn json_media(content: Option<&Value>) -> Option<&Value> {
    content
        .and_then(Value::as_object)?
        .iter()
        .find(|(media, _)| is_json_media(media))
        .map(|(_, v)| v)
}

/// Whether a media type name is JSON as progenitor reads it.
pub fn is_json_media(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// The schema of a response's JSON body (the response resolved first).
pub fn json_body_schema<'a>(doc: &'a Value, response: &'a Value) -> Option<&'a Value> {
    json_media(crate::spec::resolve(doc, response).get("content"))?.get("schema")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_keys_are_classified_once() {
        for (key, parsed, success, error) in [
            ("200", Some(StatusKey::Code(200)), true, false),
            ("2XX", Some(StatusKey::Range(2)), true, false),
            ("302", Some(StatusKey::Code(302)), false, false),
            ("422", Some(StatusKey::Code(422)), false, true),
            ("5XX", Some(StatusKey::Range(5)), false, true),
            ("default", Some(StatusKey::Default), false, true),
            ("20", None, false, false),
            ("6XX", None, false, false),
            ("2X0", None, false, false),
        ] {
            assert_eq!(StatusKey::parse(key), parsed, "{key}");
            if let Some(k) = parsed {
                assert_eq!((k.is_success(), k.is_error()), (success, error), "{key}");
            }
        }
    }

    #[test]
    fn references_and_json_bodies() {
        assert_eq!(
            schema_ref(&json!({"$ref": "#/components/schemas/Audit-Log"})),
            Some("Audit-Log")
        );
        assert_eq!(
            ref_type(&json!({"$ref": "#/components/schemas/audit_log"})).as_deref(),
            Some("AuditLog")
        );
        assert_eq!(
            schema_ref(&json!({"$ref": "#/components/parameters/x"})),
            None
        );
        let content =
            json!({"text/plain": {"schema": 1}, "application/json; charset=utf-8": {"schema": 2}});
        assert_eq!(json_media(Some(&content)), Some(&json!({"schema": 2})));
        assert!(!is_json_media("application/problem+json"));
    }
}
