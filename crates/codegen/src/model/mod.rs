//! The typed model of an API: what every emitter generates from, built once
//! per spec by [`Api::build`] (`build.rs`) from the working copy, after the
//! rewrites of `transform.rs` and after typify has named the types crate's
//! types.
//!
//! ```text
//! spec ─► load ─► validate ─► transform (working copy) ─► types (typify)
//!                                                   └──► model::Api ─► client, server, paging, READMEs
//! ```
//!
//! An [`Operation`] holds its names, its parameters (location, style,
//! required, default, Rust name, Rust type, validation rules), its request
//! body, its documented responses (body type, headers, error envelope), its
//! security requirement and its paging.
//!
//! Also the decisions every emitter shares, made in one place: what a response
//! key means (a status, a range, `default`), which schema a `$ref` names,
//! which media type is "the JSON body"; the Rust type of a schema is decided
//! in `schema.rs`.
//!
//! Invariants: only `build.rs` (with `schema.rs` and `paging.rs`) reads the
//! spec's JSON to make the model and resolves `$ref`s for it; no other module
//! tests a status key by its first character, strips `#/components/schemas/`
//! off a reference or picks a JSON media type by its own rule.

mod build;
pub mod enums;
pub mod paging;
mod paging_infer;
pub mod schema;

use proc_macro2::TokenStream;
use serde_json::Value;

pub use schema::{WHOLE_SECONDS, date_time_type};

/// One spec, as the emitters see it.
pub struct Api {
    /// The security schemes, by name.
    pub schemes: Vec<crate::security::Scheme>,
    /// How the service rejects requests (`x-server`).
    pub rejections: Rejections,
    /// In document order (paths, then methods).
    pub operations: Vec<Operation>,
}

/// The spec's `x-server`: how the service rejects a request.
pub struct Rejections {
    /// Invalid parameters or body: status and body template.
    pub validation: Option<(u16, Value)>,
    /// No credentials.
    pub unauthenticated: Option<(u16, Value)>,
    /// Credentials present but refused; `None`: as `unauthenticated`.
    pub invalid_credentials: Option<(u16, Value)>,
    /// An `Authorization` header no scheme of the operation can read; `None`: as no credentials.
    pub malformed_credentials: Option<(u16, Value)>,
    /// Whether a query parameter the operation does not declare is a validation error.
    pub reject_unknown: bool,
}

/// One operation.
pub struct Operation {
    /// `operationId`, as the spec writes it.
    pub id: String,
    /// The snake-case name: client method, server module and trait method.
    pub name: String,
    /// Lowercase HTTP method (`get`).
    pub method: &'static str,
    pub path: String,
    /// Where the operation is in the spec (a JSON pointer).
    pub pointer: String,
    pub summary: String,
    /// The cargo feature (and module) it belongs to: its first tag's
    /// ([`crate::features::feature`]).
    pub feature: String,
    pub parameters: Vec<Parameter>,
    /// The request body; `Err`: one the model has no Rust type for (why, and where).
    pub body: Result<Option<RequestBody>, Unsupported>,
    /// The documented responses, in the spec's order, each status with its own body.
    pub responses: Vec<Response>,
    /// The names of the security schemes that are accepted (alternatives); empty: none needed.
    pub security: Vec<String>,
    /// A websocket upgrade (`x-dropshot-websocket`).
    pub websocket: bool,
    /// How its pages chain, for a list operation that says so (or whose
    /// shape follows a common convention: `paging_infer.rs`).
    pub paging: Option<paging::Paging>,
    /// What lint notes about its paging: the convention inferred (and how
    /// to pin it), or why none was.
    pub paging_note: Option<String>,
    /// The types crate's type of its error bodies as the client decodes them
    /// (one type: differing bodies are one union in the working copy); `None`: none.
    pub error_type: Option<String>,
    /// Where that type is a union of differing bodies: each status's own
    /// body type (`x-status-bodies` of the working copy), which the client
    /// decodes first.
    pub status_bodies: Vec<(u16, String)>,
    /// The statuses documented without a body beside statuses with one: the
    /// client's type for that side is an `Option`, and their empty body reads
    /// as `None` (`x-empty-body` in the working copy).
    pub empty_bodies: Vec<StatusKey>,
    /// The JSON-based media type its success body is documented in, where it
    /// is not `application/json` (`application/vnd.github+json`): the client's `Accept`.
    pub accept: Option<String>,
    /// The media type its request body is documented in, where the client
    /// sends it as bytes under that type (`application/xml`): its `Content-Type`.
    pub content_type: Option<String>,
}

/// Something of a spec the model has no Rust form for.
#[derive(Debug, Clone, PartialEq)]
pub struct Unsupported {
    pub pointer: String,
    pub message: String,
}

/// Where a parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Query,
    Header,
    Path,
    Cookie,
}

impl Location {
    /// As the spec writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Query => "query",
            Location::Header => "header",
            Location::Path => "path",
            Location::Cookie => "cookie",
        }
    }
}

/// One parameter of an operation.
pub struct Parameter {
    /// As the spec and the wire write it.
    pub name: String,
    /// The name progenitor was given for it, where two parameters' Rust names
    /// met and the working copy renamed this one (`maxResults~2`).
    pub renamed: Option<String>,
    pub location: Location,
    /// Its builder method, client field and server `Request` field.
    pub rust_name: String,
    /// Path parameters always are.
    pub required: bool,
    pub description: String,
    /// The spec's `default`, as written.
    pub default: Option<Value>,
    pub pointer: String,
    pub value: ParameterValue,
}

/// What a parameter carries.
pub enum ParameterValue {
    Scalar(Scalar),
    /// An array: each item a scalar.
    List {
        item: Scalar,
        /// The key repeated, or one value of delimited items.
        style: ListStyle,
        min_items: Option<usize>,
        max_items: Option<usize>,
    },
    /// An object sent as `name[property]=value` (`style: deepObject`): its Rust type.
    DeepObject(TokenStream),
    /// A schema the model has no scalar Rust type for (an object, an array of arrays).
    Unsupported,
}

/// How an array parameter's items travel (`api_support::server::ListStyle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// `a=1&a=2` (`style: form`, exploded).
    Repeated,
    /// `a=1,2` (`explode: false`).
    Comma,
    /// `a=1|2` (`style: pipeDelimited`).
    Pipe,
    /// `a=1 2` (`style: spaceDelimited`).
    Space,
}

/// A single value: its Rust type, how it is read, its rules and its default.
pub struct Scalar {
    pub ty: TokenStream,
    pub kind: ValueKind,
    pub rules: Rules,
    /// The default, as a Rust expression of type `ty`.
    pub default: Option<TokenStream>,
    /// A `uuid::Uuid`.
    pub uuid: bool,
    /// The schema's `format` (the client's type for a `date` string is a date).
    pub format: Option<String>,
}

/// How a value is read from text (`api_support::server::ValueKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Integer,
    Number,
    Boolean,
    DateTime,
    Uuid,
}

/// A value's validation rules, as the schema states them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    pub enum_values: Vec<String>,
    pub pattern: Option<String>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    /// The exact range of an integer `format` (`int32`, `uint64`, ...).
    pub format_range: Option<(i128, i128)>,
}

/// A request body.
pub struct RequestBody {
    /// The media type as the spec writes it.
    pub media: String,
    pub kind: BodyKind,
    /// Its Rust type (a `Vec<u8>`-like for bytes, `String` for text).
    pub ty: TokenStream,
    pub required: bool,
    pub description: Option<String>,
}

/// How a request body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
    /// `multipart/form-data`: one part per property ([`api_support::multipart`]).
    Multipart,
    Bytes,
    Text,
}

/// One documented response.
pub struct Response {
    /// As the spec writes it (`200`, `4XX`, `default`).
    pub key: String,
    pub status: StatusKey,
    /// Its variant in the server stub's `Response`: the reason phrase
    /// (`TooManyRequests`), `Status4XX` for a range, `Default`; distinct per operation.
    pub rust_name: String,
    pub description: String,
    pub body: Option<ResponseBody>,
    /// The other media types the status is documented in (a `text/plain`
    /// 429 beside a JSON one), each answered as bytes. The client reads
    /// `body`; the stub can answer each.
    pub alternatives: Vec<Alternative>,
    /// The documented headers (`Content-Type` is not one: OpenAPI ignores it).
    pub headers: Vec<ResponseHeader>,
}

/// A further media type of a documented response.
pub struct Alternative {
    /// Its variant in the server stub's `Response`: the status's variant and
    /// the media type (`TooManyRequestsText`); distinct per operation.
    pub rust_name: String,
    pub media: String,
}

/// A response body.
pub enum ResponseBody {
    /// JSON: its Rust type, and, when the body is a simple error envelope,
    /// how to fill it with a message.
    Json {
        ty: TokenStream,
        /// Its media type (`application/json`, or a JSON-based one such as `application/vnd.github+json`).
        media: String,
        /// The types crate's type, when the schema is one of its components.
        component: Option<String>,
        envelope: Option<Envelope>,
        /// The examples the spec gives (`example`, and each of `examples` by its key).
        examples: Vec<Example>,
    },
    /// Any other media type, as bytes.
    Raw { media: String },
}

/// An example of a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Its key under `examples`; `None`: the single `example`.
    pub name: Option<String>,
    pub value: Value,
    /// The value as the generated types write it back after reading it, when
    /// that differs: each `date-time` as its type prints it (UTC, `Z`), each
    /// property left out that declares a `default` written out with it.
    pub written_back: Option<Value>,
    /// Whether its schema (in the spec as written, read as JSON Schema)
    /// accepts it; one it rejects is no test of the types. Judged for the
    /// examples of responses.
    pub conforms: bool,
}

/// An error body with a message field whose other required fields are plain
/// strings or the status code: one the generator can fill itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// The property that carries the text (`detail`, `message`, ...).
    pub message_field: String,
    /// The other required properties, in the schema's order.
    pub required: Vec<(String, EnvelopeField)>,
}

/// What a required envelope field gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeField {
    /// The status's reason phrase.
    Reason,
    /// The status code.
    Status,
}

/// A documented response header.
pub struct ResponseHeader {
    /// Lowercase wire name.
    pub name: String,
    pub rust_name: String,
    pub ty: TokenStream,
    pub description: String,
}

impl Api {
    /// Whether an operation takes a `multipart/form-data` body: the client
    /// and server crates then need `api-support`'s multipart features.
    pub fn uses_multipart(&self) -> bool {
        self.operations
            .iter()
            .any(|op| matches!(&op.body, Ok(Some(body)) if body.kind == BodyKind::Multipart))
    }

    /// Builds the model of a spec (see `build.rs`): `spec` is the committed
    /// document (its documented responses), `working` its working copy,
    /// `types_lib` the types crate's library name (`runta_types`) and
    /// `type_names` the Rust names of its types.
    pub fn build(
        file: &std::path::Path,
        spec: &Value,
        working: &Value,
        types_lib: &str,
        type_names: &[String],
    ) -> Result<Api, crate::error::SpecError> {
        build::api(file, spec, working, types_lib, type_names)
    }
}

impl Response {
    /// The single `example` of its JSON body (not one of `examples`).
    pub fn example(&self) -> Option<&Example> {
        match &self.body {
            Some(ResponseBody::Json { examples, .. }) => examples.iter().find(|e| e.name.is_none()),
            _ => None,
        }
    }
}

impl Api {
    /// The features of its operations, sorted; one (or none) means the
    /// crates are not split.
    pub fn features(&self) -> Vec<&str> {
        let set: std::collections::BTreeSet<&str> = self
            .operations
            .iter()
            .map(|op| op.feature.as_str())
            .collect();
        set.into_iter().collect()
    }
}

impl Operation {
    /// The PascalCase name: its client builder, and types named after it.
    pub fn builder(&self) -> String {
        crate::names::operation_type(&self.id)
    }

    /// The first success response.
    pub fn success(&self) -> Option<&Response> {
        self.responses.iter().find(|r| r.status.is_success())
    }

    /// The parameters sent in the query string.
    pub fn query_parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(|p| p.location == Location::Query)
    }
}

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

/// The media type object of a `content` map that carries JSON:
/// `application/json` (parameters allowed), else a JSON-based type
/// (`application/vnd.github+json`, RFC 6839).
pub fn json_media(content: Option<&Value>) -> Option<&Value> {
    json_media_entry(content).map(|(_, v)| v)
}

/// [`json_media`] with its media type name.
pub fn json_media_entry(content: Option<&Value>) -> Option<(&String, &Value)> {
    let content = content.and_then(Value::as_object)?;
    content
        .iter()
        .find(|(media, _)| is_json_media(media))
        .or_else(|| content.iter().find(|(media, _)| is_json_based(media)))
}

/// A media type without its parameters, lowercase (`Multipart/Form-Data;
/// boundary=x` is `multipart/form-data`).
/// A schema (resolved) and its `allOf` members (each resolved): together
/// they declare the schema's properties.
pub(crate) fn all_of_members<'a>(doc: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let schema = crate::spec::resolve(doc, schema);
    std::iter::once(schema)
        .chain(
            schema
                .get("allOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|m| crate::spec::resolve(doc, m)),
        )
        .collect()
}

pub fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Whether a media type is JSON or based on it (`+json`, RFC 6839).
pub fn is_json_based(media: &str) -> bool {
    let essence = essence(media);
    is_json_media(&essence) || essence.ends_with("+json") || essence == "text/json"
}

/// Whether a media type name is JSON as progenitor reads it.
pub fn is_json_media(media: &str) -> bool {
    essence(media) == "application/json"
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

    /// A response body of the component `Thing` with this example.
    fn media(example: Value) -> Value {
        json!({"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Thing"}, "example": example
        }}})
    }

    /// The model of a spec whose one type is `Thing`.
    fn thing_api(doc: &Value) -> Api {
        Api::build(
            std::path::Path::new("t.yaml"),
            doc,
            doc,
            "t_types",
            &["Thing".into()],
        )
        .unwrap()
    }

    #[test]
    fn an_example_written_as_json_text_is_the_json_it_spells() {
        let doc = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"operationId": "a", "responses": {
                "200": media(json!("{\"id\": \"1\", \"extra\": 2}")),
                "201": media(json!("not JSON")),
                "202": {"content": {"application/json": {"schema": {"type": "string"}, "example": "{\"a\": 1}"}}}
            }}}},
            "components": {"schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}}}
        });
        let api = thing_api(&doc);
        let examples: Vec<Value> = api.operations[0]
            .responses
            .iter()
            .map(|r| match &r.body {
                Some(ResponseBody::Json { examples, .. }) => examples[0].value.clone(),
                _ => Value::Null,
            })
            .collect();
        // Parsed, then kept to what the schema declares; a string that is no
        // JSON, or whose schema is a string's, stays as written.
        assert_eq!(
            examples,
            [json!({"id": "1"}), json!("not JSON"), json!("{\"a\": 1}")]
        );
    }

    #[test]
    fn an_example_is_judged_by_its_schema_and_written_back_as_the_types_write_it() {
        let doc = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"operationId": "a", "responses": {
                "200": media(json!({"id": "1", "at": "2026-11-01T13:00:00.000+0100", "files": {"a": {}}})),
                "201": media(json!({"at": "2026-11-01T13:00:00Z"})),
                "202": media(json!({"id": "2", "size": 3, "seen": "2026-11-01T13:00:00Z",
                    "owner": {"login": "o", "plan": "pro", "bio": "b"},
                    "rule": {"type": "a", "parameters": {"pattern": "p", "size": 1}},
                    "gate": {"id": "g", "reviewers": [{"login": "o"}]}}))
            }}}},
            "components": {"schemas": {"Thing": {
                "type": "object", "required": ["id"], "additionalProperties": false,
                "properties": {
                    "id": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"},
                    "seen": {"type": "string", "format": "date-time", "pattern": WHOLE_SECONDS},
                    "size": {"type": "integer", "default": 10},
                    "files": {"type": "object", "additionalProperties": {
                        "type": "object", "properties": {"encoding": {"type": "string", "default": "utf-8"}}
                    }},
                    "rule": {"anyOf": [
                        {"type": "object", "properties": {"type": {"type": "string"},
                            "parameters": {"type": "object", "properties": {"pattern": {"type": "string"}}, "required": ["pattern"]}}},
                        {"type": "object", "properties": {"type": {"type": "string"},
                            "parameters": {"type": "object", "properties": {"size": {"type": "integer"}}, "required": ["size"]}}}
                    ]},
                    "gate": {"anyOf": [
                        {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
                        {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"},
                            "reviewers": {"type": "array", "items": {"type": "object", "required": ["type"]}}}}
                    ]},
                    "owner": {"anyOf": [
                        {"type": "object", "properties": {"login": {"type": "string"}}},
                        {"type": "object", "properties": {"plan": {"type": "string"}, "seats": {"type": "integer"}},
                         "required": ["seats"]}
                    ]}
                }
            }}}
        });
        let api = thing_api(&doc);
        let examples: Vec<(bool, Option<Value>)> = api.operations[0]
            .responses
            .iter()
            .map(|r| match &r.body {
                Some(ResponseBody::Json { examples, .. }) => {
                    (examples[0].conforms, examples[0].written_back.clone())
                }
                _ => panic!("a JSON body"),
            })
            .collect();
        assert_eq!(
            examples,
            [
                // An offset the `date-time` format refuses, read as the types
                // read it and printed in UTC; the default written out.
                (
                    true,
                    Some(json!({"id": "1", "at": "2026-11-01T12:00:00Z", "size": 10,
                        "files": {"a": {"encoding": "utf-8"}}}))
                ),
                // `id` is required.
                (
                    false,
                    Some(json!({"at": "2026-11-01T13:00:00Z", "size": 10}))
                ),
                // Written back as it is.
                (true, None),
            ]
        );
        // A member that no variant of the `anyOf` able to read the value
        // (the second requires `seats`) declares is no member of the models.
        let Some(ResponseBody::Json { examples, .. }) = &api.operations[0].responses[2].body else {
            panic!("a JSON body")
        };
        assert_eq!(examples[0].value["owner"], json!({"login": "o"}));
        // Nor one that only a variant the value does not conform to declares:
        // it has the second's required `id`, but a reviewer lacks `type`.
        assert_eq!(examples[0].value["gate"], json!({"id": "g"}));
        // Two variants that read it declare `parameters` differently: it
        // stays as written.
        assert_eq!(
            examples[0].value["rule"],
            json!({"type": "a", "parameters": {"pattern": "p", "size": 1}})
        );
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
