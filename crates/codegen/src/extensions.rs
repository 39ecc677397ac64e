//! The workspace's own vendor extensions as typed values, decoded with serde
//! so a malformed one is reported at its own JSON pointer with what was
//! expected. Each is documented where it is used: `x-server` in `server.rs`,
//! `x-pagination` in `model/paging.rs`, `x-predicate`/`x-sort` in `transform.rs`,
//! `info.x-crate-version` below.
//!
//! Invariant: no other module reads these extensions field by field.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::SpecError;

/// Decodes an extension found at `pointer`; an error names the exact place.
pub fn decode<T: DeserializeOwned>(
    file: &Path,
    pointer: &str,
    value: &Value,
) -> Result<T, SpecError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let at = format!("{pointer}{}", crate::spec::path_to_pointer(e.path()));
        SpecError::at(file, at, e.inner().to_string())
    })
}

/// `info.x-crate-version`: the version of the generated crates when it must
/// differ from the service's `info.version`: a spec that is corrected
/// without the service changing (a field found nullable on the wire, say)
/// can break the crates' Rust API, which then needs a semver-incompatible
/// crate version (`version::may_break`) while the service's own version stays. Absent: the crates take
/// `info.version` (made semver).
pub fn crate_version(spec: &openapiv3::OpenAPI) -> Option<&str> {
    spec.info.extensions.get(CRATE_VERSION)?.as_str()
}

const CRATE_VERSION: &str = "x-crate-version";

/// The version a spec document's crates get: `info.x-crate-version`, else `info.version`.
pub fn crate_version_of(doc: &Value) -> &str {
    doc.pointer("/info/x-crate-version")
        .or_else(|| doc.pointer("/info/version"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// What is wrong with `info.x-crate-version`, if anything (it must be semver).
pub fn crate_version_problem(doc: &Value) -> Option<String> {
    match doc.pointer("/info")?.get(CRATE_VERSION)? {
        Value::String(v) if semver::Version::parse(v).is_ok() => None,
        other => Some(format!(
            "expected a semver version such as \"3.1.0\", found {other}"
        )),
    }
}

/// `x-server`: how the service rejects what the stub refuses. Every entry is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct XServer {
    /// Invalid parameters or body.
    pub validation_error: Option<Rejection>,
    /// No credentials.
    pub unauthenticated: Option<Rejection>,
    /// Credentials refused by `Api::authenticate` (defaults to `unauthenticated`).
    pub invalid_credentials: Option<Rejection>,
    /// An `Authorization` header none of the operation's schemes can read (a
    /// scheme it does not take, not two parts, a signed request with a
    /// malformed token id, date or signature), answered before
    /// `Api::authenticate` with `{message}` saying why
    /// ([`api_support::server::malformed_authorization`]). Without it such a
    /// header counts as no credentials.
    pub malformed_credentials: Option<Rejection>,
    /// What the service does with a query parameter it does not know: `ignore`
    /// (the default) or `reject` (a validation error naming it, as Cloud
    /// Controller's `NoAdditionalParamsValidator` does).
    pub unknown_parameters: Option<UnknownParameters>,
}

/// `x-server.unknown-parameters`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownParameters {
    Ignore,
    Reject,
}

/// One rejection: a status and a body template.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    pub status: ErrorStatus,
    pub body: Value,
}

/// An HTTP error status (400-599).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorStatus(pub u16);

impl<'de> Deserialize<'de> for ErrorStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let status = u16::deserialize(d)?;
        if (400..600).contains(&status) {
            Ok(ErrorStatus(status))
        } else {
            Err(serde::de::Error::custom(format!(
                "expected an error status code (400-599), found {status}"
            )))
        }
    }
}

/// The document's `x-server`, or the default (no entry) when it has none.
pub fn x_server(file: &Path, doc: &Value) -> Result<XServer, SpecError> {
    match doc.get("x-server") {
        Some(value) => decode(file, "/x-server", value),
        None => Ok(XServer::default()),
    }
}

/// `x-predicate` on a parameter schema: the `op:value` filter syntax.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XPredicate {
    /// The operators the service accepts (`eq`, `gt`, ...).
    pub operators: Vec<String>,
    /// The schema of the value after `op:`.
    pub value: Value,
}

/// `x-sort` on a parameter schema: the columns a `[-]column` sort key names.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XSort {
    pub columns: Vec<String>,
}

/// `x-pagination` on a list operation: how its pages chain, one variant per
/// style with the keys that style needs (documented in `model/paging.rs`,
/// which checks them against the operation).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(tag = "style", rename_all = "kebab-case", deny_unknown_fields)]
pub enum XPagination {
    #[serde(rename_all = "kebab-case")]
    Cursor {
        items: Option<String>,
        cursor_param: String,
        next_cursor: String,
        limit_param: Option<String>,
    },
    #[serde(rename_all = "kebab-case")]
    Page {
        items: Option<String>,
        page_param: String,
        next_link: Option<String>,
        total_pages: Option<String>,
        total: Option<String>,
        limit_param: Option<String>,
    },
    #[serde(rename_all = "kebab-case")]
    Link {
        items: Option<String>,
        link_param: OneOrMany,
        next_url: Option<String>,
        limit_param: Option<String>,
    },
    #[serde(rename_all = "kebab-case")]
    Offset {
        items: Option<String>,
        offset_param: String,
        offset_field: Option<String>,
        total: Option<String>,
        has_more: Option<String>,
        limit_param: Option<String>,
    },
    #[serde(rename_all = "kebab-case")]
    AfterLast {
        items: Option<String>,
        after_param: String,
        has_more: Option<String>,
        id: Option<String>,
        limit_param: Option<String>,
    },
    #[serde(rename_all = "kebab-case")]
    None {
        items: Option<String>,
        limit_param: Option<String>,
    },
}

impl XPagination {
    /// The dotted path of the items array in the 2xx body (`None`: the body is the array).
    pub fn items(&self) -> Option<&str> {
        match self {
            XPagination::Cursor { items, .. }
            | XPagination::Page { items, .. }
            | XPagination::Link { items, .. }
            | XPagination::Offset { items, .. }
            | XPagination::AfterLast { items, .. }
            | XPagination::None { items, .. } => items.as_deref(),
        }
    }

    /// The page size parameter, when named.
    pub fn limit_param(&self) -> Option<&str> {
        match self {
            XPagination::Cursor { limit_param, .. }
            | XPagination::Page { limit_param, .. }
            | XPagination::Link { limit_param, .. }
            | XPagination::Offset { limit_param, .. }
            | XPagination::AfterLast { limit_param, .. }
            | XPagination::None { limit_param, .. } => limit_param.as_deref(),
        }
    }
}

/// One name or a list of names (`link-param: after` or `link-param: [Page, PageToken]`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn names(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(name) => vec![name.as_str()],
            OneOrMany::Many(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error<T: DeserializeOwned + std::fmt::Debug>(pointer: &str, value: Value) -> String {
        decode::<T>(Path::new("t.yaml"), pointer, &value)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn the_crate_version_is_its_own_when_given_and_semver() {
        let doc = json!({"info": {"version": "v2"}});
        assert_eq!(crate_version_of(&doc), "v2");
        assert_eq!(crate_version_problem(&doc), None);
        let doc = json!({"info": {"version": "v2", "x-crate-version": "3.1.0"}});
        assert_eq!(crate_version_of(&doc), "3.1.0");
        assert_eq!(crate_version_problem(&doc), None);
        for bad in [json!("3"), json!(3), json!("v3.0.0")] {
            let doc = json!({"info": {"version": "v2", "x-crate-version": bad}});
            assert!(
                crate_version_problem(&doc)
                    .unwrap()
                    .contains("expected a semver version")
            );
        }
    }

    #[test]
    fn malformed_extensions_are_reported_where_they_break() {
        let ok: XServer = decode(
            Path::new("t.yaml"),
            "/x-server",
            &json!({"validation-error": {"status": 422, "body": {"detail": "{summary}"}}}),
        )
        .unwrap();
        assert_eq!(ok.validation_error.unwrap().status, ErrorStatus(422));
        assert!(ok.unauthenticated.is_none());

        let e = error::<XServer>(
            "/x-server",
            json!({"validation-error": {"status": 200, "body": {}}}),
        );
        assert!(
            e.contains("#/x-server/validation-error/status") && e.contains("400-599"),
            "{e}"
        );
        let e = error::<XServer>("/x-server", json!({"unauthenticated": {"status": 401}}));
        assert!(
            e.contains("#/x-server/unauthenticated") && e.contains("missing field `body`"),
            "{e}"
        );
        let e = error::<XServer>("/x-server", json!({"validation_error": {}}));
        assert!(e.contains("unknown field `validation_error`"), "{e}");
        let e = error::<XPredicate>("/p/x-predicate", json!({"operators": "eq", "value": {}}));
        assert!(e.contains("#/p/x-predicate/operators"), "{e}");
        let e = error::<XPagination>(
            "/op/x-pagination",
            json!({"style": "cursor", "cursor_param": "c"}),
        );
        assert!(
            e.contains("#/op/x-pagination") && e.contains("unknown field `cursor_param`"),
            "{e}"
        );
        // Each style names the keys it needs, and every style is listed.
        let e = error::<XPagination>(
            "/op/x-pagination",
            json!({"style": "cursor", "cursor-param": "c"}),
        );
        assert!(e.contains("missing field `next-cursor`"), "{e}");
        let e = error::<XPagination>("/op/x-pagination", json!({"style": "seek"}));
        assert!(
            e.contains(
                "unknown variant `seek`, expected one of `cursor`, `page`, `link`, `offset`, `after-last`, `none`"
            ),
            "{e}"
        );
        let e = error::<XPagination>("/op/x-pagination", json!({"page-param": "p"}));
        assert!(e.contains("missing field `style`"), "{e}");
        let e = error::<XSort>("/p/x-sort", json!({"columns": [1]}));
        assert!(e.contains("#/p/x-sort/columns/0"), "{e}");
    }
}
