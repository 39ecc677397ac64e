//! The `<service>-server` crate: an axum server stub. Per operation a module
//! with a typed `Request` (every parameter parsed and validated) and a
//! `Response` enum (one variant per documented status, carrying that status's
//! body type from the types crate); a trait `Api` with one method per
//! operation plus `authenticate`; and `router`, which turns any `Api` into an
//! `axum::Router`.
//!
//! Parameters are read from the working copy (credential headers removed,
//! enums shared), responses from the committed spec (each status keeps its own
//! body type). Rejections use the spec's `x-server` templates, so a client sees
//! the service's own error envelope.

use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::error::SpecError;
use crate::model::{StatusKey, ref_type};
use crate::spec::resolve;

/// What the server crate needs beyond the types crate.
pub struct ServerCode {
    pub tokens: TokenStream,
    pub uses_uuid: bool,
    /// What a user should know about the stub: operations it does not serve,
    /// rejections the spec does not describe (reported by `cargo xtask lint` as notes).
    pub notes: Vec<SpecError>,
    /// The operations the stub does not serve (`operationId`, reason).
    pub unserved: Vec<(String, String)>,
    /// The operations whose trait method receives a principal (`operationId`):
    /// they require credentials of a scheme the stub extracts.
    pub authenticated: Vec<String>,
}

/// The `x-server` extension: how the service rejects a request.
struct Rejections {
    validation: Option<(u16, Value)>,
    unauthenticated: Option<(u16, Value)>,
    /// Credentials present but refused; defaults to `unauthenticated`.
    invalid_credentials: Option<(u16, Value)>,
    /// Whether a query parameter the operation does not declare is a validation error.
    reject_unknown: bool,
}

fn rejections(file: &Path, spec: &Value) -> Result<Rejections, SpecError> {
    let ext = crate::extensions::x_server(file, spec)?;
    let entry = |r: Option<crate::extensions::Rejection>| r.map(|r| (r.status.0, r.body));
    Ok(Rejections {
        validation: entry(ext.validation_error),
        unauthenticated: entry(ext.unauthenticated),
        invalid_credentials: entry(ext.invalid_credentials),
        reject_unknown: ext.unknown_parameters
            == Some(crate::extensions::UnknownParameters::Reject),
    })
}

/// A supported security scheme.
struct Scheme {
    name: String,
    variant: proc_macro2::Ident,
    /// An expression of type `Option<payload>` over the request's `headers`, `method` and `path_and_query`.
    extract: TokenStream,
    /// What the `Credentials` variant carries.
    payload: TokenStream,
    /// Whether the payload is a plain `Secret` (bearer token, API key).
    is_secret: bool,
    /// Whether checking it needs the request's method and URI (a signed request).
    signs: bool,
    doc: String,
}

fn schemes(spec: &Value) -> Vec<Scheme> {
    use crate::security::Kind;
    let secret = quote! { ::api_support::Secret };
    let mut out = Vec::new();
    for crate::security::Scheme { name, kind } in crate::security::schemes(spec) {
        let variant = format_ident!("{}", crate::names::type_name(&name));
        let (extract, payload, is_secret, doc) = match &kind {
            Kind::Bearer { oauth: false } => (
                quote! { ::api_support::server::bearer_token(headers) },
                secret.clone(),
                true,
                format!("`Authorization: Bearer <token>` (scheme `{name}`)"),
            ),
            Kind::Bearer { oauth: true } => (
                quote! { ::api_support::server::bearer_token(headers) },
                secret.clone(),
                true,
                format!("an OAuth 2 bearer token (scheme `{name}`)"),
            ),
            Kind::Signed => (
                quote! { ::api_support::server::signed_request(headers, method.as_str(), path_and_query) },
                quote! { ::api_support::server::SignedRequest },
                false,
                format!(
                    "a signed request: `Authorization: bhesignature <token id>`, `RequestDate`, `Signature` (scheme `{name}`)"
                ),
            ),
            Kind::Basic => (
                quote! { ::api_support::server::basic_credentials(headers) },
                quote! { ::api_support::server::BasicCredentials },
                false,
                format!("`Authorization: Basic <base64 of user:password>` (scheme `{name}`)"),
            ),
            Kind::ApiKeyHeader { header } => (
                quote! { ::api_support::server::header_key(headers, #header) },
                secret.clone(),
                true,
                format!("the `{header}` header (scheme `{name}`)"),
            ),
            Kind::Other => continue,
        };
        out.push(Scheme {
            signs: kind == Kind::Signed,
            name,
            variant,
            extract,
            payload,
            is_secret,
            doc,
        });
    }
    out
}

/// One parameter, ready for code generation.
struct Param {
    field: proc_macro2::Ident,
    ty: TokenStream,
    read: TokenStream,
    /// How to turn the read `Option<T>` into the field value.
    finish: Finish,
    doc: String,
}

enum Finish {
    /// Required scalar: present once parsing found no issue.
    Required,
    /// A method chain applied to the `Option` (empty: keep the `Option`).
    Chain(TokenStream),
}

/// The fields of a `Rules` literal that differ from `Rules::DEFAULT`; it
/// interpolates as one flat struct literal.
#[derive(Clone, Default)]
struct RuleFields(Vec<TokenStream>);

impl quote::ToTokens for RuleFields {
    fn to_tokens(&self, out: &mut TokenStream) {
        let fields = &self.0;
        out.extend(quote! {
            ::api_support::server::Rules { #(#fields,)* ..::api_support::server::Rules::DEFAULT }
        });
    }
}

fn literal_rules(schema: &Value, kind: &str) -> RuleFields {
    let enum_values: Vec<String> = schema
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let opt_str = |k: &str| match schema.get(k).and_then(Value::as_str) {
        Some(s) => quote! { Some(#s) },
        None => quote! { None },
    };
    let opt_usize = |k: &str| match schema.get(k).and_then(Value::as_u64) {
        Some(n) => {
            let n = n as usize;
            quote! { Some(#n) }
        }
        None => quote! { None },
    };
    let opt_f64 = |k: &str| match schema.get(k).and_then(Value::as_f64) {
        Some(n) => quote! { Some(#n) },
        None => quote! { None },
    };
    let flag = |k: &str| schema.get(k).and_then(Value::as_bool).unwrap_or(false);
    let mut fields = Vec::new();
    if !enum_values.is_empty() {
        fields.push(quote! { enum_values: &[#(#enum_values),*] });
    }
    for (key, field, value) in [
        ("pattern", "pattern", opt_str("pattern")),
        ("minLength", "min_length", opt_usize("minLength")),
        ("maxLength", "max_length", opt_usize("maxLength")),
        ("minimum", "minimum", opt_f64("minimum")),
        ("maximum", "maximum", opt_f64("maximum")),
    ] {
        if schema.get(key).is_some() {
            let field = format_ident!("{field}");
            fields.push(quote! { #field: #value });
        }
    }
    for (key, field) in [
        ("exclusiveMinimum", "exclusive_minimum"),
        ("exclusiveMaximum", "exclusive_maximum"),
    ] {
        if flag(key) {
            let field = format_ident!("{field}");
            fields.push(quote! { #field: true });
        }
    }
    if kind != "String" {
        let kind = format_ident!("{kind}");
        fields.push(quote! { kind: ::api_support::server::ValueKind::#kind });
    }
    // An integer `format` bounds the value exactly (f64 bounds cannot tell 2^63 - 1 from 2^63).
    let range = match (kind, schema.get("format").and_then(Value::as_str)) {
        ("Integer", Some("int32")) => Some((i128::from(i32::MIN), i128::from(i32::MAX))),
        ("Integer", Some("int64")) => Some((i128::from(i64::MIN), i128::from(i64::MAX))),
        ("Integer", Some("uint32")) => Some((0, i128::from(u32::MAX))),
        ("Integer", Some("uint64")) => Some((0, i128::from(u64::MAX))),
        _ => None,
    };
    if let Some((low, high)) = range {
        let (low, high) = (
            proc_macro2::Literal::i128_unsuffixed(low),
            proc_macro2::Literal::i128_unsuffixed(high),
        );
        fields.push(quote! { format_range: Some((#low, #high)) });
    }
    RuleFields(fields)
}

/// Adds an array's `minItems`/`maxItems` to its items' rules.
fn with_item_bounds(mut rules: RuleFields, array: &Value) -> RuleFields {
    let bound = |key: &str| array.get(key).and_then(Value::as_u64).map(|n| n as usize);
    if let Some(n) = bound("minItems") {
        rules.0.push(quote! { min_items: Some(#n) });
    }
    if let Some(n) = bound("maxItems") {
        rules.0.push(quote! { max_items: Some(#n) });
    }
    rules
}

/// The Rust type of a schema used as an `x-rust-type` parameter (or carrying one).
fn rust_type(schema: &Value, types_lib: &TokenStream) -> Option<TokenStream> {
    if let Some(ext) = schema.get("x-rust-type") {
        let path: syn::Path = syn::parse_str(ext.get("path")?.as_str()?).ok()?;
        let params: Vec<TokenStream> = ext
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| rust_type(p, types_lib))
            .collect::<Option<_>>()?;
        return Some(if params.is_empty() {
            quote! { ::#path }
        } else {
            quote! { ::#path<#(#params),*> }
        });
    }
    if let Some(name) = ref_type(schema) {
        let ident = format_ident!("{name}");
        return Some(quote! { #types_lib::#ident });
    }
    if let Some(ty) = crate::model::date_time_type(schema) {
        return Some(ty);
    }
    Some(match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("string"), _) => quote! { ::std::string::String },
        (Some("integer"), _) => quote! { i64 },
        (Some("number"), _) => quote! { f64 },
        (Some("boolean"), _) => quote! { bool },
        _ => return None,
    })
}

/// The Rust type typify gives an integer schema, so the stub's `Request` has
/// the client's parameter types: `NonZeroU64` for `minimum: 1`, `u64` for
/// `minimum: 0`, `i32` for `format: int32`, `i64` otherwise.
fn integer_type(schema: &Value) -> TokenStream {
    use schemars::schema::{InstanceType, NumberValidation, SchemaObject};
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    // OpenAPI 3.0 marks an exclusive bound with a boolean beside it.
    let exclusive = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    let (minimum, maximum) = (number("minimum"), number("maximum"));
    let validation = NumberValidation {
        minimum: minimum.filter(|_| !exclusive("exclusiveMinimum")),
        exclusive_minimum: minimum.filter(|_| exclusive("exclusiveMinimum")),
        maximum: maximum.filter(|_| !exclusive("exclusiveMaximum")),
        exclusive_maximum: maximum.filter(|_| exclusive("exclusiveMaximum")),
        multiple_of: number("multipleOf"),
    };
    let object = SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: schema["format"].as_str().map(str::to_owned),
        number: Some(Box::new(validation)),
        ..Default::default()
    };
    let mut space = typify::TypeSpace::default();
    space
        .add_type(&object.into())
        .ok()
        .and_then(|id| space.get_type(&id).ok().map(|t| t.ident()))
        .unwrap_or_else(|| quote! { i64 })
}

/// The Rust type, value kind and rules of a scalar schema.
fn scalar(
    spec: &Value,
    schema: &Value,
    types_lib: &TokenStream,
    uses_uuid: &mut bool,
) -> Option<(TokenStream, &'static str, RuleFields, Option<TokenStream>)> {
    if schema.get("x-rust-type").is_some() {
        // A support type (typed filter, sort key): parsed with `FromStr` after the string checks.
        return Some((
            rust_type(schema, types_lib)?,
            "String",
            literal_rules(schema, "String"),
            None,
        ));
    }
    let resolved = resolve(spec, schema);
    let referenced = ref_type(schema);
    let default = resolved.get("default");
    match (resolved["type"].as_str(), resolved["format"].as_str()) {
        (Some("string"), _) if referenced.is_some() && resolved.get("enum").is_some() => {
            let ty = format_ident!("{}", referenced.unwrap());
            let values: Vec<String> = resolved["enum"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let variants = crate::enums::variant_names(&values);
            let d = default
                .and_then(Value::as_str)
                .and_then(|d| values.iter().position(|v| v == d))
                .map(|i| {
                    let variant = format_ident!("{}", variants[i]);
                    quote! { #types_lib::#ty::#variant }
                });
            Some((
                quote! { #types_lib::#ty },
                "String",
                literal_rules(resolved, "String"),
                d,
            ))
        }
        (Some("string"), Some("date-time")) => Some((
            crate::model::date_time_type(resolved)?,
            "DateTime",
            literal_rules(resolved, "DateTime"),
            None,
        )),
        (Some("string"), Some("uuid")) => {
            *uses_uuid = true;
            Some((
                quote! { ::uuid::Uuid },
                "Uuid",
                literal_rules(resolved, "Uuid"),
                None,
            ))
        }
        (Some("string"), _) => {
            let d = default
                .and_then(Value::as_str)
                .map(|d| quote! { #d.to_owned() });
            Some((
                quote! { ::std::string::String },
                "String",
                literal_rules(resolved, "String"),
                d,
            ))
        }
        (Some("integer"), _) => {
            let ty = integer_type(resolved);
            let d = default.and_then(Value::as_i64).map(|d| {
                let is = |name: &str| ty.to_string().replace(' ', "") == name;
                if is("i64") {
                    quote! { #d }
                } else if ty.to_string().contains("NonZero") {
                    // Checked when the crate compiles, never at run time.
                    let d = proc_macro2::Literal::i64_unsuffixed(d);
                    quote! { const { #ty::new(#d).unwrap() } }
                } else {
                    let d = proc_macro2::Literal::i64_unsuffixed(d);
                    quote! { #d }
                }
            });
            Some((ty, "Integer", literal_rules(resolved, "Integer"), d))
        }
        (Some("number"), _) => {
            let d = default.and_then(Value::as_f64).map(|d| quote! { #d });
            Some((
                quote! { f64 },
                "Number",
                literal_rules(resolved, "Number"),
                d,
            ))
        }
        (Some("boolean"), _) => {
            let d = default.and_then(Value::as_bool).map(|d| quote! { #d });
            Some((
                quote! { bool },
                "Boolean",
                literal_rules(resolved, "Boolean"),
                d,
            ))
        }
        _ => None,
    }
}

/// A parameter whose schema is a composite component made of strings (e.g.
/// `NameOrId: oneOf [uuid, Name]`, dropshot's `oneOf` sort modes): the types
/// crate's own type, parsed with the `FromStr` typify gives such types.
fn component_scalar(
    spec: &Value,
    schema: &Value,
    types_lib: &TokenStream,
    type_names: &[String],
) -> Option<(TokenStream, &'static str, RuleFields, Option<TokenStream>)> {
    let name = ref_type(schema).filter(|name| type_names.contains(name))?;
    if !string_like(spec, schema, 0) {
        return None;
    }
    let ident = format_ident!("{name}");
    Some((
        quote! { #types_lib::#ident },
        "String",
        literal_rules(&Value::Null, "String"),
        None,
    ))
}

/// Whether every value a schema allows is a string (through `$ref`s and compositions).
fn string_like(spec: &Value, schema: &Value, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let schema = resolve(spec, schema);
    if let Some(kind) = schema.get("type") {
        return kind == "string";
    }
    let branches: Vec<&Value> = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    !branches.is_empty() && branches.iter().all(|b| string_like(spec, b, depth + 1))
}

fn params(
    file: &Path,
    working: &Value,
    op_pointer: &str,
    types_lib: &TokenStream,
    type_names: &[String],
    uses_uuid: &mut bool,
) -> Result<Vec<Param>, SpecError> {
    let mut out = Vec::new();
    let list = working
        .pointer(&format!("{op_pointer}/parameters"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, p) in list.iter().enumerate() {
        let pointer = format!("{op_pointer}/parameters/{i}");
        let p = resolve(working, p);
        let name = p["name"].as_str().unwrap_or_default();
        let location = match p["in"].as_str() {
            Some("query") => quote! { ::api_support::server::In::Query },
            Some("header") => quote! { ::api_support::server::In::Header },
            Some("path") => quote! { ::api_support::server::In::Path },
            other => {
                return Err(SpecError::at(
                    file,
                    format!("{pointer}/in"),
                    format!(
                        "the server stub supports query, header and path parameters, not {other:?}"
                    ),
                ));
            }
        };
        let required = p["required"].as_bool().unwrap_or(false) || p["in"] == "path";
        let field = format_ident!("{}", crate::names::parameter(name));
        let schema = p.get("schema").cloned().unwrap_or(Value::Null);
        let resolved = resolve(working, &schema).clone();
        let description = p
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let unsupported = || {
            SpecError::at(
                file,
                format!("{pointer}/schema"),
                format!(
                    "parameter `{name}`: the server stub supports string, integer, number, boolean and arrays of those"
                ),
            )
        };
        let (ty, read, finish) = if resolved["type"] == "array" {
            let items = resolved.get("items").cloned().unwrap_or(Value::Null);
            let (item_ty, _, rules, _) = scalar(working, &items, types_lib, uses_uuid)
                .or_else(|| component_scalar(working, &items, types_lib, type_names))
                .ok_or_else(unsupported)?;
            let style = if p.get("explode") == Some(&Value::Bool(false)) {
                quote! { Comma }
            } else {
                quote! { Repeated }
            };
            let rules = with_item_bounds(rules, &resolved);
            let read = quote! { p.list::<#item_ty>(#location, #name, #required, ::api_support::server::ListStyle::#style, &#rules) };
            if required {
                (
                    quote! { ::std::vec::Vec<#item_ty> },
                    read,
                    quote! { .unwrap_or_default() },
                )
            } else {
                (
                    quote! { ::std::option::Option<::std::vec::Vec<#item_ty>> },
                    read,
                    quote! {},
                )
            }
        } else {
            let (ty, _, rules, default) = scalar(working, &schema, types_lib, uses_uuid)
                .or_else(|| component_scalar(working, &schema, types_lib, type_names))
                .ok_or_else(unsupported)?;
            let read = quote! { p.scalar::<#ty>(#location, #name, #required, &#rules) };
            match (required, default) {
                (true, _) => (ty.clone(), read, quote! {}),
                (false, Some(default)) => {
                    (ty.clone(), read, quote! { .unwrap_or_else(|| #default) })
                }
                (false, None) => (quote! { ::std::option::Option<#ty> }, read, quote! {}),
            }
        };
        let finish = if required && resolved["type"] != "array" {
            Finish::Required
        } else {
            Finish::Chain(finish)
        };
        let default_doc = resolved
            .get("default")
            .map(|d| format!(" Default: `{d}`."))
            .unwrap_or_default();
        out.push(Param {
            field,
            ty,
            read,
            finish,
            doc: format!(
                " `{name}` ({}).{default_doc} {description}",
                p["in"].as_str().unwrap_or_default()
            ),
        });
    }
    Ok(out)
}

/// One documented status of an operation.
struct Status {
    /// As the spec writes it (`200`, `4XX`, `default`).
    key: String,
    status: StatusKey,
    variant: proc_macro2::Ident,
    /// `None`: a fixed status; `Some`: the variant carries its own `StatusCode` (ranges, `default`).
    fixed: Option<u16>,
    body: Option<Body>,
    description: String,
    /// The response headers the spec documents (a `<Variant>Headers` struct when any).
    headers: Vec<ResponseHeader>,
}

/// A documented response header: its wire name, field, Rust type and description.
struct ResponseHeader {
    name: String,
    field: proc_macro2::Ident,
    ty: TokenStream,
    description: String,
}

impl Status {
    /// The name of the struct holding this status's headers.
    fn headers_type(&self) -> proc_macro2::Ident {
        format_ident!("{}Headers", self.variant)
    }
}

/// The headers a response documents, typed (`Content-Type` is not one: OpenAPI ignores it).
fn response_headers(
    spec: &Value,
    response: &Value,
    types_lib: &TokenStream,
) -> Vec<ResponseHeader> {
    response
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-type"))
        .filter_map(|(name, header)| {
            let header = resolve(spec, header);
            let schema = resolve(spec, header.get("schema")?);
            let ty = match schema["type"].as_str() {
                Some("array" | "object") | None => quote! { ::std::string::String },
                Some(_) => rust_type(schema, types_lib)?,
            };
            Some(ResponseHeader {
                name: name.to_ascii_lowercase(),
                field: format_ident!("{}", crate::names::field(name)),
                ty,
                description: header
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
        .collect()
}

/// A response body: typed JSON, or raw bytes of another media type.
enum Body {
    Json(TokenStream),
    Raw(String),
}

impl Body {
    fn ty(&self) -> TokenStream {
        match self {
            Body::Json(ty) => ty.clone(),
            Body::Raw(_) => quote! { ::axum::body::Bytes },
        }
    }

    /// The response expression for a body bound to `body` at `status` (an expression of type `StatusCode`).
    fn respond(&self, status: TokenStream) -> TokenStream {
        match self {
            Body::Json(_) => quote! { (#status, ::axum::Json(body)).into_response() },
            Body::Raw(media) => quote! {
                (#status, [(::axum::http::header::CONTENT_TYPE, #media)], body).into_response()
            },
        }
    }
}

/// The Rust type of a JSON body schema: a component of the types crate, else
/// a plain type, else `serde_json::Value` (a freeform or inline schema).
fn body_type(schema: &Value, types_lib: &TokenStream, type_names: &[String]) -> TokenStream {
    if let Some(name) = ref_type(schema)
        && type_names.contains(&name)
    {
        let ident = format_ident!("{name}");
        return quote! { #types_lib::#ident };
    }
    if schema["type"] == "array"
        && let Some(items) = schema.get("items")
    {
        let item = body_type(items, types_lib, type_names);
        return quote! { ::std::vec::Vec<#item> };
    }
    let plain = schema.get("$ref").is_none()
        && [
            "enum",
            "properties",
            "allOf",
            "oneOf",
            "anyOf",
            "additionalProperties",
        ]
        .iter()
        .all(|k| schema.get(*k).is_none());
    if let (true, Some(ty)) = (plain, crate::model::date_time_type(schema)) {
        return ty;
    }
    match (plain, schema["type"].as_str(), schema["format"].as_str()) {
        (true, Some("string"), None) => quote! { ::std::string::String },
        (true, Some("integer"), _) => quote! { i64 },
        (true, Some("number"), _) => quote! { f64 },
        (true, Some("boolean"), _) => quote! { bool },
        _ => quote! { ::serde_json::Value },
    }
}

fn statuses(
    spec: &Value,
    op: &Value,
    types_lib: &TokenStream,
    type_names: &[String],
) -> Vec<Status> {
    let mut out = Vec::new();
    for (key, response) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let response = resolve(spec, response);
        let content = response.get("content");
        let body = match crate::model::json_media(content) {
            Some(media) => Some(Body::Json(
                media
                    .get("schema")
                    .map(|schema| body_type(schema, types_lib, type_names))
                    .unwrap_or_else(|| quote! { ::serde_json::Value }),
            )),
            None => content
                .and_then(Value::as_object)
                .and_then(|c| c.keys().next())
                .map(|media| Body::Raw(media.clone())),
        };
        // Keys were validated: anything else is not a response of this operation.
        let Some(status) = StatusKey::parse(key) else {
            continue;
        };
        let (variant, fixed) = match status {
            StatusKey::Default => ("Default".to_owned(), None),
            StatusKey::Range(_) => (format!("Status{key}"), None),
            StatusKey::Code(code) => (crate::names::status_variant(code), Some(code)),
        };
        out.push(Status {
            key: key.clone(),
            status,
            variant: format_ident!("{variant}"),
            fixed,
            body,
            description: response
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            headers: response_headers(spec, response, types_lib),
        });
    }
    // Two statuses without a reason phrase (e.g. 299 and 599) would share a variant name.
    let mut seen = std::collections::BTreeSet::new();
    for s in &mut out {
        if !seen.insert(s.variant.to_string()) {
            s.variant = format_ident!("Status{}", s.key);
        }
    }
    out
}

/// The documented status a rejection at `status` maps to: the exact code, its
/// range, or `default`, with a JSON body.
fn documented_target(statuses: &[Status], status: u16) -> Option<&Status> {
    let class = u8::try_from(status / 100).ok()?;
    statuses
        .iter()
        .find(|s| s.status == StatusKey::Code(status))
        .or_else(|| {
            statuses
                .iter()
                .find(|s| s.status == StatusKey::Range(class))
        })
        .or_else(|| statuses.iter().find(|s| s.status == StatusKey::Default))
        .filter(|s| matches!(s.body, Some(Body::Json(_))))
}

/// The variant an `x-server` rejection status maps to, or an error naming the operation.
fn rejection_variant<'a>(
    file: &Path,
    op_pointer: &str,
    op_id: &str,
    statuses: &'a [Status],
    status: u16,
    what: &str,
) -> Result<&'a Status, SpecError> {
    documented_target(statuses, status).ok_or_else(|| {
        SpecError::at(
            file,
            format!("{op_pointer}/responses"),
            format!("`x-server.{what}` answers with status {status}, which `{op_id}` does not document with a JSON body"),
        )
    })
}

/// How one kind of rejection is answered.
#[derive(Clone)]
enum Rejection {
    /// A template filled and decoded as a documented status's body (`x-server`,
    /// or a documented envelope with a message field).
    Documented {
        status: u16,
        template: Value,
        /// From `x-server` (else built from the documented envelope).
        declared: bool,
    },
    /// An RFC 9457 problem body at a status the operation may not document
    /// (the spec says nothing about its envelope).
    Problem { status: u16, template: Value },
}

/// Property names that carry an error's human-readable text, most specific first.
const MESSAGE_FIELDS: &[&str] = &[
    "detail",
    "message",
    "error_description",
    "errorSummary",
    "error",
    "description",
    "title",
    "msg",
];

/// A template for a documented error envelope that has a message field and
/// whose other required fields are plain strings or a status code; `None`
/// when the envelope is richer than that.
fn envelope_template(spec: &Value, schema: &Value, status: u16, text: &str) -> Option<Value> {
    let schema = resolve(spec, schema);
    let properties = schema.get("properties")?.as_object()?;
    let message_field = MESSAGE_FIELDS.iter().find(|f| {
        properties
            .get(**f)
            .is_some_and(|p| resolve(spec, p)["type"] == "string")
    })?;
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut body = serde_json::Map::new();
    body.insert((*message_field).to_owned(), Value::String(text.to_owned()));
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if body.contains_key(required) {
            continue;
        }
        let property = resolve(spec, properties.get(required)?);
        let plain = ["enum", "pattern", "format", "minLength"]
            .iter()
            .all(|k| property.get(*k).is_none());
        let value = match property["type"].as_str()? {
            "string" if plain => Value::String(reason.to_owned()),
            "integer" | "number" if matches!(required, "status" | "code" | "statusCode") => {
                Value::from(status)
            }
            _ => return None,
        };
        body.insert(required.to_owned(), value);
    }
    Some(Value::Object(body))
}

/// The rejection of one kind for one operation: the spec's `x-server` entry
/// when there is one; else a documented envelope at `status` that has a message
/// field; else an RFC 9457 problem at `status`.
fn rejection_for(
    spec: &Value,
    op: &Value,
    declared: Option<&(u16, Value)>,
    statuses: &[Status],
    status: u16,
    text: &str,
) -> Rejection {
    if let Some((status, template)) = declared {
        return Rejection::Documented {
            status: *status,
            template: template.clone(),
            declared: true,
        };
    }
    let documented_schema = documented_target(statuses, status).and_then(|target| {
        let response = resolve(spec, op.get("responses")?.get(&target.key)?);
        crate::model::json_media(response.get("content"))?.get("schema")
    });
    if let Some(template) =
        documented_schema.and_then(|schema| envelope_template(spec, schema, status, text))
    {
        return Rejection::Documented {
            status,
            template,
            declared: false,
        };
    }
    let title = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    Rejection::Problem {
        status,
        template: serde_json::json!({"type": "about:blank", "title": title, "status": status, "detail": text}),
    }
}

/// A JSON value as a raw string literal (`r#"{"detail": "{summary}"}"#`), so a
/// template reads as the JSON it is in the generated code.
fn json_literal(value: &Value) -> proc_macro2::Literal {
    let text = value.to_string();
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(&text))
}

/// A rejection function of an operation's module (`reject`, `unauthenticated`, ...).
fn reject_fn(
    file: &Path,
    op_pointer: &str,
    op_id: &str,
    statuses: &[Status],
    what: &str,
    rejection: &Rejection,
    fn_name: &str,
) -> Result<TokenStream, SpecError> {
    let f = format_ident!("{fn_name}");
    let signature = quote! {
        pub fn #f(issues: &[::api_support::server::Issue], message: &str, headers: &::axum::http::HeaderMap) -> ::axum::response::Response
    };
    match rejection {
        Rejection::Documented {
            status,
            template,
            declared,
        } => {
            let doc = if *declared {
                " The service's own answer to this problem (the spec's `x-server` template), as a documented variant."
            } else {
                " The documented error body at this status, its message field filled (the spec has no `x-server` entry for this problem)."
            };
            let target = rejection_variant(file, op_pointer, op_id, statuses, *status, what)?;
            let body_ty = target.body.as_ref().map(Body::ty);
            let v = &target.variant;
            let construct = if target.fixed.is_some() {
                quote! { Response::#v(body) }
            } else {
                quote! { Response::#v(::api_support::server::status(#status), body) }
            };
            let template = json_literal(template);
            Ok(quote! {
                #[doc = #doc]
                #signature {
                    match ::api_support::server::answer::<#body_ty>(#template, issues, message, headers) {
                        Ok(body) => #construct.into_response(),
                        // Unreachable while the generated template tests pass; never a panic.
                        Err(filled) => (::api_support::server::status(#status), ::axum::Json(filled)).into_response(),
                    }
                }
            })
        }
        Rejection::Problem { status, template } => {
            let template = json_literal(template);
            Ok(quote! {
                /// An RFC 9457 problem (`application/problem+json`): the spec does not describe the service's own error body.
                #signature {
                    ::api_support::server::problem(#template, #status, issues, message, headers)
                }
            })
        }
    }
}

/// A generated test that a documented rejection template decodes as its status's body.
fn template_test(
    module: &proc_macro2::Ident,
    what: &str,
    fn_name: &str,
    statuses: &[Status],
    rejection: &Rejection,
) -> Option<TokenStream> {
    let Rejection::Documented {
        status, template, ..
    } = rejection
    else {
        return None;
    };
    let body_ty = documented_target(statuses, *status)?.body.as_ref()?.ty();
    let template = json_literal(template);
    let test = format_ident!("{module}_{}_is_a_documented_answer", what.replace('-', "_"));
    let message = format!("the x-server {what} template does not fit its status's schema: {{:?}}");
    let reject = format_ident!("{fn_name}");
    Some(quote! {
        #[test]
        fn #test() {
            let issues = [::api_support::server::Issue {
                location: ::api_support::server::In::Query,
                name: "limit".into(),
                kind: "int_parsing",
                message: "Input should be a valid integer".into(),
                input: "x".into(),
            }];
            let response = super::#module::#reject(&issues, "", &::axum::http::HeaderMap::new());
            assert_eq!(response.status().as_u16(), #status);
            let typed = ::api_support::server::answer::<#body_ty>(#template, &issues, "", &::axum::http::HeaderMap::new());
            assert!(typed.is_ok(), #message, typed.err());
        }
    })
}

/// A request body the stub reads.
struct RequestBody {
    ty: TokenStream,
    read: TokenStream,
    required: bool,
    doc: String,
}

/// The request body of an operation, or why the stub cannot read it.
fn request_body(
    file: &Path,
    working: &Value,
    op_pointer: &str,
    types_lib: &TokenStream,
    type_names: &[String],
) -> Result<Option<RequestBody>, SpecError> {
    let Some(body) = working.pointer(&format!("{op_pointer}/requestBody")) else {
        return Ok(None);
    };
    let body = resolve(working, body);
    let required = body["required"].as_bool().unwrap_or(false);
    let content = body.get("content").and_then(Value::as_object);
    let pointer = format!("{op_pointer}/requestBody/content");
    let (media, media_object) = match content.map(|c| (c.len(), c.iter().next())) {
        None | Some((0, _)) => return Ok(None),
        Some((1, Some(first))) => first,
        Some(_) => {
            return Err(SpecError::at(
                file,
                pointer,
                "a request body with several media types",
            ));
        }
    };
    let essence = media.split(';').next().unwrap_or_default().trim();
    let doc = body
        .get("description")
        .and_then(Value::as_str)
        .map_or_else(|| format!(" The `{essence}` body."), |d| format!(" {d}"));
    let (ty, read) = if crate::model::is_json_media(media) {
        let ty = media_object
            .get("schema")
            .map(|schema| body_type(schema, types_lib, type_names))
            .unwrap_or_else(|| quote! { ::serde_json::Value });
        let read = quote! { p.json_body::<#ty>(body, #required) };
        (ty, read)
    } else if essence == "application/x-www-form-urlencoded" {
        let ty = media_object
            .get("schema")
            .map(|schema| body_type(schema, types_lib, type_names))
            .unwrap_or_else(|| quote! { ::serde_json::Value });
        let read = quote! { p.form_body::<#ty>(body, #required) };
        (ty, read)
    } else if essence == "application/octet-stream" {
        (
            quote! { ::axum::body::Bytes },
            quote! { p.raw_body(body, #required) },
        )
    } else if essence.starts_with("text/") {
        (
            quote! { ::std::string::String },
            quote! { p.text_body(body, #required) },
        )
    } else {
        return Err(SpecError::at(
            file,
            format!("{pointer}/{}", crate::spec::escape_pointer(media)),
            format!("a `{essence}` request body"),
        ));
    };
    Ok(Some(RequestBody {
        ty,
        read,
        required,
        doc,
    }))
}

/// An operation the stub cannot serve for a reason outside its parameters and body.
fn not_websocket(file: &Path, op_pointer: &str, op: &Value) -> Result<(), SpecError> {
    match op.get("x-dropshot-websocket") {
        Some(_) => Err(SpecError::at(
            file,
            format!("{op_pointer}/x-dropshot-websocket"),
            "a websocket upgrade",
        )),
        None => Ok(()),
    }
}

/// Rejections the spec does not describe, counted for the notes.
#[derive(Default)]
struct DefaultedRejections {
    documented: Vec<String>,
    problem: Vec<String>,
}

pub fn generate(
    file: &Path,
    spec: &Value,
    working: &Value,
    types_lib: &str,
    type_names: &[String],
) -> Result<ServerCode, SpecError> {
    let types_lib = {
        let ident = format_ident!("{types_lib}");
        quote! { ::#ident }
    };
    let declared = rejections(file, spec)?;
    let schemes = schemes(spec);
    let mut uses_uuid = false;
    let mut modules = Vec::new();
    let mut trait_methods = Vec::new();
    let mut handlers = Vec::new();
    let mut routes = Vec::new();
    let mut template_tests = Vec::new();
    let mut needs_auth = false;
    let mut skipped = Vec::new();
    let mut unserved = Vec::new();
    let mut authenticated_ops = Vec::new();
    let mut defaulted = DefaultedRejections::default();

    for crate::spec::Operation {
        path,
        method,
        pointer: op_pointer,
        op,
    } in crate::spec::operations(spec)
    {
        let path = path.to_owned();
        let op_id = op["operationId"].as_str().unwrap_or_default().to_owned();
        let module = format_ident!("{}", crate::names::operation(&op_id));
        let route_method = format_ident!("{method}");
        let supported = not_websocket(file, &op_pointer, op)
            .and_then(|()| {
                params(
                    file,
                    working,
                    &op_pointer,
                    &types_lib,
                    type_names,
                    &mut uses_uuid,
                )
            })
            .and_then(|params| {
                let body = request_body(file, working, &op_pointer, &types_lib, type_names)?;
                Ok((params, body))
            });
        let (params, body) = match supported {
            Ok(supported) => supported,
            Err(reason) => {
                let op_name = module.to_string();
                let why = reason.message.clone();
                routes.push(quote! {
                    .route(#path, ::axum::routing::#route_method(|| async { ::api_support::server::not_implemented(#op_name, #why) }))
                });
                unserved.push((op_id.clone(), reason.message.clone()));
                skipped.push(reason);
                continue;
            }
        };
        let statuses = statuses(spec, op, &types_lib, type_names);
        let security = crate::security::requirement(spec, op);
        let op_schemes: Vec<&Scheme> = schemes
            .iter()
            .filter(|s| security.contains(&s.name))
            .collect();
        let authenticated = !op_schemes.is_empty();
        needs_auth |= authenticated;
        if authenticated {
            authenticated_ops.push(op_id.clone());
        }
        let validates = !params.is_empty() || body.is_some() || declared.reject_unknown;

        // Request.
        let mut fields: Vec<TokenStream> = params
            .iter()
            .map(|p| {
                let (field, ty, doc) = (&p.field, &p.ty, &p.doc);
                quote! { #[doc = #doc] pub #field: #ty, }
            })
            .collect();
        let mut reads: Vec<TokenStream> = params
            .iter()
            .map(|p| {
                let (field, read) = (&p.field, &p.read);
                quote! { let #field = #read; }
            })
            .collect();
        let mut required_lets: Vec<TokenStream> = params.iter().filter(|p| matches!(p.finish, Finish::Required)).map(|p| {
            let field = &p.field;
            quote! { let ::std::option::Option::Some(#field) = #field else { return Err(::std::vec::Vec::new()) }; }
        }).collect();
        let mut assigns: Vec<TokenStream> = params
            .iter()
            .map(|p| {
                let field = &p.field;
                match &p.finish {
                    Finish::Chain(chain) if !chain.is_empty() => quote! { #field: #field #chain, },
                    _ => quote! { #field, },
                }
            })
            .collect();
        if declared.reject_unknown {
            let known: Vec<String> = op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| resolve(spec, p))
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            reads.push(quote! { p.reject_unknown(&[#(#known),*]); });
        }
        if let Some(RequestBody {
            ty,
            read,
            required,
            doc,
        }) = &body
        {
            let field_ty = if *required {
                ty.clone()
            } else {
                quote! { ::std::option::Option<#ty> }
            };
            fields.push(quote! { #[doc = #doc] pub body: #field_ty, });
            reads.push(quote! { let body = #read; });
            if *required {
                required_lets.push(quote! { let ::std::option::Option::Some(body) = body else { return Err(::std::vec::Vec::new()) }; });
            }
            assigns.push(quote! { body, });
        }

        // Response.
        let variants = statuses.iter().map(|s| {
            let doc = format!(" `{}`: {}", s.key, s.description);
            let v = &s.variant;
            let status = s
                .fixed
                .is_none()
                .then(|| quote! { ::axum::http::StatusCode });
            let body = s.body.as_ref().map(Body::ty);
            let headers = (!s.headers.is_empty()).then(|| s.headers_type());
            let fields: Vec<TokenStream> = [status, body, headers.map(|h| quote! { #h })]
                .into_iter()
                .flatten()
                .collect();
            if fields.is_empty() {
                quote! { #[doc = #doc] #v, }
            } else {
                quote! { #[doc = #doc] #v(#(#fields),*), }
            }
        });
        let arms = statuses.iter().map(|s| {
            let v = &s.variant;
            let status = match s.fixed {
                Some(code) => quote! { ::api_support::server::status(#code) },
                None => quote! { status },
            };
            let respond = match &s.body {
                Some(body) => body.respond(status.clone()),
                None => quote! { #status.into_response() },
            };
            let bindings: Vec<TokenStream> = [
                s.fixed.is_none().then(|| quote! { status }),
                s.body.as_ref().map(|_| quote! { body }),
                (!s.headers.is_empty()).then(|| quote! { headers }),
            ]
            .into_iter()
            .flatten()
            .collect();
            let pattern = if bindings.is_empty() {
                quote! { Response::#v }
            } else {
                quote! { Response::#v(#(#bindings),*) }
            };
            if s.headers.is_empty() {
                return quote! { #pattern => #respond, };
            }
            let sets = s.headers.iter().map(|h| {
                let (name, field) = (&h.name, &h.field);
                quote! { ::api_support::server::set_header(&mut response, #name, headers.#field); }
            });
            quote! {
                #pattern => {
                    let mut response = #respond;
                    #(#sets)*
                    response
                }
            }
        });
        let header_structs = statuses.iter().filter(|s| !s.headers.is_empty()).map(|s| {
            let name = s.headers_type();
            let doc = format!(" The headers of a `{}` answer (each sent when set).", s.key);
            let fields = s.headers.iter().map(|h| {
                let (field, ty) = (&h.field, &h.ty);
                let doc = format!(" `{}`: {}", h.name, h.description);
                quote! { #[doc = #doc] pub #field: ::std::option::Option<#ty>, }
            });
            quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, Default, PartialEq)]
                pub struct #name {
                    #(#fields)*
                }
            }
        });

        // Rejections, each mapped to a documented variant where the spec describes one.
        let mut reject_fns = Vec::new();
        let mut note_default = |what: &str, rejection: &Rejection, declared: bool| {
            if declared {
                return;
            }
            let entry = format!("{op_id} ({what})");
            match rejection {
                Rejection::Documented { .. } => defaulted.documented.push(entry),
                Rejection::Problem { .. } => defaulted.problem.push(entry),
            }
        };
        if validates {
            let rejection = rejection_for(
                spec,
                op,
                declared.validation.as_ref(),
                &statuses,
                400,
                "{summary}",
            );
            note_default("invalid input", &rejection, declared.validation.is_some());
            reject_fns.push(reject_fn(
                file,
                &op_pointer,
                &op_id,
                &statuses,
                "validation-error",
                &rejection,
                "reject",
            )?);
            template_tests.extend(template_test(
                &module,
                "validation-error",
                "reject",
                &statuses,
                &rejection,
            ));
        }
        if authenticated {
            let unauthenticated = rejection_for(
                spec,
                op,
                declared.unauthenticated.as_ref(),
                &statuses,
                401,
                "{message}",
            );
            note_default(
                "missing credentials",
                &unauthenticated,
                declared.unauthenticated.is_some(),
            );
            reject_fns.push(reject_fn(
                file,
                &op_pointer,
                &op_id,
                &statuses,
                "unauthenticated",
                &unauthenticated,
                "unauthenticated",
            )?);
            template_tests.extend(template_test(
                &module,
                "unauthenticated",
                "unauthenticated",
                &statuses,
                &unauthenticated,
            ));
            let invalid = match &declared.invalid_credentials {
                Some((status, template)) => Rejection::Documented {
                    status: *status,
                    template: template.clone(),
                    declared: true,
                },
                None => unauthenticated,
            };
            reject_fns.push(reject_fn(
                file,
                &op_pointer,
                &op_id,
                &statuses,
                "invalid-credentials",
                &invalid,
                "invalid_credentials",
            )?);
            template_tests.extend(template_test(
                &module,
                "invalid-credentials",
                "invalid_credentials",
                &statuses,
                &invalid,
            ));
        }

        let request_doc = format!(" The parameters of `{op_id}`, parsed and validated.");
        let params_binding = if validates {
            quote! { mut p }
        } else {
            quote! { p }
        };
        let body_param = body
            .as_ref()
            .map(|_| quote! { , body: &::axum::body::Bytes });
        let module_doc = format!(" `{op_id}`: `{} {path}`.", method.to_uppercase());
        let response_doc = format!(
            " Every documented answer of `{op_id}`: one variant per status, with that status's body."
        );
        modules.push(quote! {
            #[doc = #module_doc]
            pub mod #module {
                use ::axum::response::IntoResponse;

                #[doc = #request_doc]
                #[derive(Debug, Clone, PartialEq)]
                pub struct Request {
                    #(#fields)*
                }

                impl Request {
                    /// Reads every parameter; all problems are returned together.
                    pub fn parse(#params_binding: ::api_support::server::Params<'_> #body_param) -> ::std::result::Result<Self, ::std::vec::Vec<::api_support::server::Issue>> {
                        #(#reads)*
                        p.finish()?;
                        #(#required_lets)*
                        Ok(Request { #(#assigns)* })
                    }
                }

                #[doc = #response_doc]
                #[derive(Debug, Clone, PartialEq)]
                pub enum Response {
                    #(#variants)*
                }

                impl ::axum::response::IntoResponse for Response {
                    fn into_response(self) -> ::axum::response::Response {
                        match self {
                            #(#arms)*
                        }
                    }
                }

                #(#header_structs)*

                #(#reject_fns)*
            }
        });

        // Trait method and handler.
        let summary = op
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let method_doc = format!(" `{} {path}`: {summary}", method.to_uppercase());
        let principal_param = authenticated.then(|| quote! { principal: Self::Principal, });
        trait_methods.push(quote! {
            #[doc = #method_doc]
            fn #module(&self, #principal_param request: #module::Request) -> impl ::std::future::Future<Output = #module::Response> + Send;
        });
        let handler = format_ident!("handle_{}", module);
        // Signed requests are checked against the method and URI; other schemes need neither.
        let signed = op_schemes.iter().any(|s| s.signs);
        let method_param = if signed {
            quote! { method }
        } else {
            quote! { _method }
        };
        let path_and_query = signed.then(|| quote! { let path_and_query = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str()); });
        let auth = if authenticated {
            let tries = op_schemes.iter().map(|s| {
                let (variant, extract) = (&s.variant, &s.extract);
                quote! { if let Some(secret) = #extract { break 'found Some(Credentials::#variant(secret)); } }
            });
            quote! {
                let credentials = 'found: { #(#tries)* None };
                let principal = match credentials {
                    None => return #module::unauthenticated(&[], "Not authenticated", headers),
                    Some(credentials) => match api.authenticate(credentials).await {
                        Ok(principal) => principal,
                        Err(e) => return #module::invalid_credentials(&[], &e.message, headers),
                    },
                };
            }
        } else {
            TokenStream::new()
        };
        let principal_arg = authenticated.then(|| quote! { principal, });
        let reject = if validates {
            quote! { Err(issues) => return #module::reject(&issues, "", headers), }
        } else {
            quote! { Err(_) => return ::axum::http::StatusCode::BAD_REQUEST.into_response(), }
        };
        let (body_extractor, body_arg) = match &body {
            Some(_) => (quote! { body: ::axum::body::Bytes, }, quote! { , &body }),
            None => (TokenStream::new(), TokenStream::new()),
        };
        handlers.push(quote! {
            async fn #handler<A: Api>(
                ::axum::extract::State(api): ::axum::extract::State<::std::sync::Arc<A>>,
                path: ::axum::extract::RawPathParams,
                #method_param: ::axum::http::Method,
                uri: ::axum::http::Uri,
                headers: ::axum::http::HeaderMap,
                #body_extractor
            ) -> ::axum::response::Response {
                use ::axum::response::IntoResponse;
                let headers = &headers;
                #path_and_query
                #auth
                let path = path.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
                let p = ::api_support::server::Params::new(uri.query(), headers).with_path(path);
                let request = match #module::Request::parse(p #body_arg) {
                    Ok(request) => request,
                    #reject
                };
                api.#module(#principal_arg request).await.into_response()
            }
        });
        routes.push(quote! { .route(#path, ::axum::routing::#route_method(#handler::<A>)) });
    }

    let credentials = needs_auth.then(|| {
        let variants = schemes.iter().map(|s| {
            let (v, payload, doc) = (&s.variant, &s.payload, format!(" Sent as {}.", s.doc));
            quote! { #[doc = #doc] #v(#payload), }
        });
        let arms = schemes.iter().map(|s| {
            let v = &s.variant;
            if s.is_secret {
                quote! { Credentials::#v(secret) => Some(secret), }
            } else {
                quote! { Credentials::#v(_) => None, }
            }
        });
        quote! {
            /// Credentials a request carried, one variant per security scheme. Never shown by `Debug`.
            #[derive(Debug, Clone, PartialEq, Eq)]
            pub enum Credentials {
                #(#variants)*
            }

            impl Credentials {
                /// The token or key itself, for schemes that send one (a signed request sends none: verify it instead).
                pub fn secret(&self) -> ::std::option::Option<&::api_support::Secret> {
                    match self {
                        #(#arms)*
                    }
                }
            }
        }
    });
    let auth_items = needs_auth.then(|| {
        quote! {
            /// Who made a request, as [`Api::authenticate`] established it; handed to every operation that requires credentials.
            type Principal: Send + 'static;

            /// Checks credentials. An `Err` answers the request with the service's own "unauthenticated" body; the operation never runs.
            fn authenticate(&self, credentials: Credentials) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Principal, ::api_support::server::AuthError>> + Send;
        }
    });
    let tests = (!template_tests.is_empty()).then(|| {
        quote! {
            #[cfg(test)]
            mod x_server_templates {
                #(#template_tests)*
            }
        }
    });
    let api_doc = if skipped.is_empty() {
        " The service: implement it, then serve [`router`].".to_owned()
    } else {
        let mut doc = " The service: implement it, then serve [`router`].\n\n Not served by this stub (the router answers 501; the client supports them):\n".to_owned();
        for (op_id, reason) in &unserved {
            doc.push_str(&format!("\n * `{op_id}`: {reason}"));
        }
        doc
    };
    let mut notes = Vec::new();
    for s in &skipped {
        notes.push(SpecError {
            message: format!(
                "the server stub does not serve this operation ({}); its client method is generated and the stub answers 501",
                s.message
            ),
            ..s.clone()
        });
    }
    if !defaulted.documented.is_empty() || !defaulted.problem.is_empty() {
        let mut message =
            "no `x-server` entry describes how the service rejects requests; the stub answers"
                .to_owned();
        if !defaulted.documented.is_empty() {
            message.push_str(&format!(
                " with the documented error envelope's message field in {}",
                defaulted.documented.join(", ")
            ));
        }
        if !defaulted.problem.is_empty() {
            if !defaulted.documented.is_empty() {
                message.push_str(", and");
            }
            message.push_str(&format!(
                " with an RFC 9457 problem body (400 or 401) in {}",
                defaulted.problem.join(", ")
            ));
        }
        notes.push(SpecError::at(file, "", message));
    }

    let tokens = quote! {
        /// The service's models, shared with its client crate.
        pub use #types_lib as types;

        #credentials

        #[doc = #api_doc]
        pub trait Api: Send + Sync + 'static {
            #auth_items
            #(#trait_methods)*
        }

        #(#modules)*

        /// An `axum::Router` serving `api`: every request is authenticated and validated before it reaches `api`.
        pub fn router<A: Api>(api: A) -> ::axum::Router {
            ::axum::Router::new()
                #(#routes)*
                .with_state(::std::sync::Arc::new(api))
        }

        #(#handlers)*

        #tests
    };
    Ok(ServerCode {
        tokens,
        uses_uuid,
        notes,
        unserved,
        authenticated: authenticated_ops,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(x_server: Value, statuses: Value) -> Value {
        json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "x-server": x_server,
            "security": [{"key": []}],
            "paths": {"/a": {"get": {
                "operationId": "listA",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": statuses
            }}},
            "components": {
                "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
                "schemas": {"Problem": {"type": "object", "properties": {"message": {"type": "string"}}}}
            }
        })
    }

    fn problem() -> Value {
        json!({"description": "p", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
    }

    fn error_of(doc: &Value) -> SpecError {
        generate(
            Path::new("t.yaml"),
            doc,
            doc,
            "t_types",
            &["Problem".to_owned()],
        )
        .err()
        .expect("an error")
    }

    #[test]
    fn rejections_must_be_declared_and_documented() {
        let ok_statuses = json!({"200": {"description": "ok"}, "400": problem(), "401": problem()});
        let template = json!({"status": 400, "body": {"message": "{summary}"}});
        let auth = json!({"status": 401, "body": {"message": "{message}"}});

        // Without `x-server`, a documented envelope with a message field is used, else an RFC 9457 problem.
        let code = generate(
            Path::new("t.yaml"),
            &spec(json!({}), ok_statuses.clone()),
            &spec(json!({}), ok_statuses.clone()),
            "t_types",
            &["Problem".to_owned()],
        )
        .expect("x-server is optional");
        let text = code.tokens.to_string();
        assert!(text.contains(r##"r#"{"message":"{summary}"}"#"##), "{text}");
        assert!(text.contains(r##"r#"{"message":"{message}"}"#"##), "{text}");
        assert_eq!(code.notes.len(), 1);
        assert!(
            code.notes[0]
                .message
                .contains("with the documented error envelope's message field in listA (invalid input), listA (missing credentials)"),
            "{}",
            code.notes[0]
        );
        let bare = json!({"200": {"description": "ok"}});
        let code = generate(
            Path::new("t.yaml"),
            &spec(json!({}), bare.clone()),
            &spec(json!({}), bare),
            "t_types",
            &["Problem".to_owned()],
        )
        .expect("x-server is optional");
        let text = code.tokens.to_string();
        assert!(text.contains("api_support :: server :: problem"), "{text}");
        assert!(text.contains(r#""title":"Bad Request""#), "{text}");
        assert!(
            code.notes[0].message.contains("with an RFC 9457 problem body (400 or 401) in listA (invalid input), listA (missing credentials)"),
            "{}",
            code.notes[0]
        );

        let e = error_of(&spec(
            json!({"validation-error": {"status": 422, "body": {}}, "unauthenticated": auth}),
            ok_statuses.clone(),
        ));
        assert!(
            e.message.contains(
                "answers with status 422, which `listA` does not document with a JSON body"
            ),
            "{e}"
        );

        let e = error_of(&spec(
            json!({"validation-error": {"status": 200, "body": {}}}),
            ok_statuses.clone(),
        ));
        assert_eq!(
            e.location,
            crate::error::Location::Pointer("/x-server/validation-error/status".into())
        );

        let fine = spec(
            json!({"validation-error": template, "unauthenticated": auth}),
            ok_statuses,
        );
        assert!(
            generate(
                Path::new("t.yaml"),
                &fine,
                &fine,
                "t_types",
                &["Problem".to_owned()]
            )
            .is_ok()
        );
    }
}
