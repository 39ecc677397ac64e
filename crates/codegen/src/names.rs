//! Rust names for spec names: the one place that decides them.
//!
//! Two tools name things in the generated code, and this module follows each
//! exactly, so that the names this generator adds always agree with theirs:
//!
//! * progenitor names operations and parameters ([`operation`],
//!   [`operation_type`], [`parameter`]): every character that cannot continue
//!   an identifier becomes a word break, then the case is applied; a leading
//!   digit gets `_`, a keyword a trailing `_`.
//! * typify names types, struct fields and enum variants ([`type_name`],
//!   [`field`]): the same, except that a leading digit gets `X` (types) or
//!   `x` (fields).
//!
//! Real specs use ids such as `orgs/get-audit-log`, `key.get` or
//! `header-arg`; two spec names can map to one Rust name (`created-at` and
//! `created_at`): [`collision`] finds them so the model reports the spec.
//!
//! Invariant: no other module calls heck's case conversions or builds an
//! identifier out of a spec name by its own rule.

use heck::{ToPascalCase, ToSnakeCase};

/// The snake-case name of an operation: the client method, the server module and trait method.
pub fn operation(op_id: &str) -> String {
    progenitor_rule(op_id, Case::Snake)
}

/// The PascalCase name of an operation: the prefix of its builder and of types named after it.
pub fn operation_type(op_id: &str) -> String {
    progenitor_rule(op_id, Case::Pascal)
}

/// The snake-case name progenitor gives a parameter (its builder method and
/// field); the server stub's `Request` field of the parameter is the same.
pub fn parameter(name: &str) -> String {
    progenitor_rule(name, Case::Snake)
}

/// The `operationId` of an operation the spec leaves unnamed, from its
/// method and path as other generators derive one: `get /users/{id}/repos`
/// is `get_users_by_id_repos`, `get /` is `get_root`.
pub fn derived_operation_id(method: &str, path: &str) -> String {
    let words: Vec<String> = path
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(param) => format!("by_{param}"),
                None => segment.to_owned(),
            },
        )
        .collect();
    let path = if words.is_empty() {
        "root".to_owned()
    } else {
        words.join("_")
    };
    operation(&format!("{method}_{path}"))
}

/// A client constructor for a security scheme: `with_<scheme>`.
pub fn constructor(scheme: &str) -> String {
    format!("with_{}", parameter(scheme).trim_start_matches('_'))
}

/// The name typify gives a component schema (and the name of any type this
/// generator adds beside typify's: a credentials variant, a response variant).
pub fn type_name(key: &str) -> String {
    typify_rule(key, Case::Pascal)
}

/// The name typify gives a struct field for a property (and the field of a
/// documented response header in the server stub).
pub fn field(property: &str) -> String {
    typify_rule(property, Case::Snake)
}

/// The PascalCase of a spec name that stays a spec name (a component key the
/// working copy adds, such as `TAllOf0`): no identifier rules applied, since
/// typify applies them to the key later.
pub fn component_key(name: &str) -> String {
    name.to_pascal_case()
}

/// The server stub's `Response` variant of a status code: its reason phrase
/// (`Ok`, `TooManyRequests`), else `Status<code>`.
pub fn status_variant(code: u16) -> String {
    http::StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(|| format!("Status{code}"), type_name)
}

/// The name a media type gives a response variant beside the status's own
/// (`text/plain`: `Text`; `application/xml`: `Xml`; `application/problem+xml`:
/// `ProblemXml`).
pub fn media_variant(media: &str) -> String {
    let essence = crate::model::essence(media);
    let subtype = essence.split_once('/').map_or(essence.as_str(), |(_, s)| s);
    match essence.as_str() {
        "text/plain" => "Text".to_owned(),
        "*/*" => "Any".to_owned(),
        _ => variant(subtype).unwrap_or_else(|| "Media".to_owned()),
    }
}

/// The variant name of an enum value (`Value<n>` when the value has no
/// letters or digits; the caller numbers those). typify's own rule gives
/// `+1` and `-1` the names `plus1` and `minus1`; a variant starts upper case.
pub fn variant(value: &str) -> Option<String> {
    value.chars().any(char::is_alphanumeric).then(|| {
        let name = type_name(value);
        let mut chars = name.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or(name)
    })
}

/// The first two spec names that map to the same Rust name by `rule`:
/// `(first, second, rust)`.
pub fn collision<'a>(
    names: impl IntoIterator<Item = &'a str>,
    rule: fn(&str) -> String,
) -> Option<(&'a str, &'a str, String)> {
    let mut seen: std::collections::BTreeMap<String, &'a str> = Default::default();
    for name in names {
        let rust = rule(name);
        if let Some(first) = seen.insert(rust.clone(), name) {
            return Some((first, name, rust));
        }
    }
    None
}

#[derive(Clone, Copy)]
enum Case {
    Snake,
    Pascal,
}

impl Case {
    fn apply(self, input: &str) -> String {
        match self {
            Case::Snake => input.to_snake_case(),
            Case::Pascal => input.to_pascal_case(),
        }
    }
}

/// progenitor's `sanitize` (progenitor-impl `util.rs`).
fn progenitor_rule(input: &str, case: Case) -> String {
    identifier(input, case, |out| format!("_{out}"))
}

/// typify's `sanitize` (typify-impl `util.rs`).
fn typify_rule(input: &str, case: Case) -> String {
    identifier(input, case, |out| format!("{}{out}", case.apply("x")))
}

fn identifier(input: &str, case: Case, not_a_start: impl Fn(&str) -> String) -> String {
    let out = match input {
        "+1" => "plus1".to_owned(),
        "-1" => "minus1".to_owned(),
        _ => case.apply(
            &input
                .replace('\'', "")
                .replace(|c: char| !unicode_ident::is_xid_continue(c), "-"),
        ),
    };
    let out = match out.chars().next() {
        None => case.apply("x"),
        Some(c) if unicode_ident::is_xid_start(c) => out,
        Some(_) => not_a_start(&out),
    };
    if typify::accept_as_ident(&out) {
        out
    } else {
        format!("{out}_")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_on_the_names_real_specs_use() {
        // (spec name, operation/parameter, operation type, type, field)
        for (name, snake, pascal, ty, field_name) in [
            (
                "listAuditEvents",
                "list_audit_events",
                "ListAuditEvents",
                "ListAuditEvents",
                "list_audit_events",
            ),
            (
                "orgs/get-audit-log",
                "orgs_get_audit_log",
                "OrgsGetAuditLog",
                "OrgsGetAuditLog",
                "orgs_get_audit_log",
            ),
            ("key.get", "key_get", "KeyGet", "KeyGet", "key_get"),
            (
                "created_ats[gt]",
                "created_ats_gt",
                "CreatedAtsGt",
                "CreatedAtsGt",
                "created_ats_gt",
            ),
            ("2fa", "_2fa", "_2fa", "X2fa", "x2fa"),
            (
                "2fa_status",
                "_2fa_status",
                "_2faStatus",
                "X2faStatus",
                "x2fa_status",
            ),
            ("enum", "enum_", "Enum", "Enum", "enum_"),
            ("type", "type_", "Type", "Type", "type_"),
            ("self", "self_", "Self_", "Self_", "self_"),
            ("Self", "self_", "Self_", "Self_", "self_"),
            ("crate", "crate_", "Crate", "Crate", "crate_"),
            (
                "Retry-After",
                "retry_after",
                "RetryAfter",
                "RetryAfter",
                "retry_after",
            ),
            ("größe", "größe", "Größe", "Größe", "größe"),
            ("日付", "日付", "日付", "日付", "日付"),
            ("don't", "dont", "Dont", "Dont", "dont"),
            ("+1", "plus1", "plus1", "plus1", "plus1"),
            ("", "x", "X", "X", "x"),
        ] {
            assert_eq!(operation(name), snake, "{name}");
            assert_eq!(parameter(name), snake, "{name}");
            assert_eq!(operation_type(name), pascal, "{name}");
            assert_eq!(type_name(name), ty, "{name}");
            assert_eq!(field(name), field_name, "{name}");
            for rust in [snake, pascal, ty, field_name] {
                assert!(syn::parse_str::<syn::Ident>(rust).is_ok(), "{name}: {rust}");
            }
        }
        assert_eq!(constructor("api_key"), "with_api_key");
        assert_eq!(constructor("2fa"), "with_2fa");
        assert_eq!(variant("-created_at"), Some("CreatedAt".to_owned()));
        assert_eq!(variant("-"), None);
        assert_eq!(status_variant(429), "TooManyRequests");
        assert_eq!(status_variant(299), "Status299");
    }

    #[test]
    fn unnamed_operations_are_named_by_method_and_path() {
        for (method, path, id) in [
            ("get", "/users/{id}/repos", "get_users_by_id_repos"),
            ("post", "/users", "post_users"),
            ("get", "/", "get_root"),
            (
                "delete",
                "/v1/audit-logs/{logId}",
                "delete_v1_audit_logs_by_log_id",
            ),
            ("get", "/2fa/{type}", "get_2fa_by_type"),
        ] {
            assert_eq!(derived_operation_id(method, path), id, "{method} {path}");
        }
    }

    #[test]
    fn collisions_name_both_spec_names() {
        assert_eq!(
            collision(["limit", "created-at", "created_at"], parameter),
            Some(("created-at", "created_at", "created_at".to_owned()))
        );
        assert_eq!(
            collision(["self", "Self"], type_name),
            Some(("self", "Self", "Self_".to_owned()))
        );
        assert_eq!(collision(["a", "b", "c"], parameter), None);
    }
}
