//! Security schemes, read once: what each scheme of a spec is, in the terms
//! the client constructors, the server stub's credential extraction, the
//! READMEs and the working copy all use.
//!
//! Invariant: no other module reads `components.securitySchemes` or a
//! security requirement; they match on [`Kind`].

use serde_json::Value;

use crate::spec::resolve;

/// What a scheme asks a client to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `Authorization: Bearer <token>` (HTTP `bearer`, and the token an OAuth 2 or OpenID Connect flow gives).
    Bearer { oauth: bool },
    /// `Authorization: Basic <base64 of user:password>` (HTTP `basic`).
    Basic,
    /// An API key in a header.
    ApiKeyHeader { header: String },
    /// BloodHound's HMAC-signed requests (HTTP `bhesignature`): `Authorization: bhesignature <token id>`,
    /// `RequestDate` and `Signature` on every request.
    Signed,
    /// Anything else (an API key in the query or a cookie, other HTTP schemes):
    /// no constructor or extraction; `Client::new_with_client` takes a configured `reqwest::Client`.
    Other,
}

/// One security scheme of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    /// Its name under `components.securitySchemes`.
    pub name: String,
    pub kind: Kind,
}

/// The HTTP scheme name of BloodHound's signed requests.
pub const SIGNED: &str = "bhesignature";

/// Every security scheme of a document, by name.
pub fn schemes(doc: &Value) -> Vec<Scheme> {
    doc.pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, scheme)| {
            let scheme = resolve(doc, scheme);
            let http = scheme["scheme"].as_str().unwrap_or_default();
            let kind = match scheme["type"].as_str() {
                Some("http") if http.eq_ignore_ascii_case("bearer") => {
                    Kind::Bearer { oauth: false }
                }
                Some("http") if http.eq_ignore_ascii_case("basic") => Kind::Basic,
                Some("http") if http.eq_ignore_ascii_case(SIGNED) => Kind::Signed,
                Some("oauth2" | "openIdConnect") => Kind::Bearer { oauth: true },
                Some("apiKey") if scheme["in"] == "header" => Kind::ApiKeyHeader {
                    header: scheme["name"].as_str().unwrap_or_default().to_owned(),
                },
                _ => Kind::Other,
            };
            Scheme {
                name: name.clone(),
                kind,
            }
        })
        .collect()
}

/// The scheme names an operation accepts (alternatives; its own `security`,
/// else the document's), empty when it needs none (`{}` allows anonymous access).
pub fn requirement(doc: &Value, op: &Value) -> Vec<String> {
    let requirements = op.get("security").or_else(|| doc.get("security"));
    let mut names = Vec::new();
    for requirement in requirements.and_then(Value::as_array).into_iter().flatten() {
        if let Some(obj) = requirement.as_object() {
            if obj.is_empty() {
                return Vec::new();
            }
            names.extend(obj.keys().cloned());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_scheme_is_read_once_into_its_kind() {
        let doc = json!({
            "security": [{"token": []}],
            "components": {"securitySchemes": {
                "token": {"type": "http", "scheme": "Bearer"},
                "sso": {"type": "oauth2", "flows": {}},
                "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "query": {"type": "apiKey", "in": "query", "name": "key"},
                "user": {"type": "http", "scheme": "basic"},
                "signed": {"type": "http", "scheme": "bhesignature"},
                "alias": {"$ref": "#/components/securitySchemes/user"}
            }}
        });
        let kinds: Vec<(String, Kind)> = schemes(&doc)
            .into_iter()
            .map(|s| (s.name, s.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("alias".into(), Kind::Basic),
                (
                    "key".into(),
                    Kind::ApiKeyHeader {
                        header: "X-API-Key".into()
                    }
                ),
                ("query".into(), Kind::Other),
                ("signed".into(), Kind::Signed),
                ("sso".into(), Kind::Bearer { oauth: true }),
                ("token".into(), Kind::Bearer { oauth: false }),
                ("user".into(), Kind::Basic),
            ]
        );
        assert_eq!(requirement(&doc, &json!({})), ["token"]);
        assert_eq!(
            requirement(&doc, &json!({"security": [{"key": []}, {"user": []}]})),
            ["key", "user"]
        );
        assert!(requirement(&doc, &json!({"security": [{}]})).is_empty());
    }
}
