//! Building the model: the one place that reads a spec's operations as JSON
//! and follows their `$ref`s.
//!
//! Parameters and request bodies come from the working copy (credential
//! headers removed, enums shared, typed filters), so client and server agree
//! on names and types. Responses come as documented in the committed spec:
//! the working copy merges differing error bodies into one union for
//! progenitor, while the server stub answers each status with its own body.

use std::collections::BTreeMap;
use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::schema::Types;
use super::{
    Api, BodyKind, Envelope, EnvelopeField, Example, ListStyle, Location, Operation, Parameter,
    ParameterValue, Rejections, RequestBody, Response, ResponseBody, ResponseHeader, StatusKey,
    Unsupported,
};
use crate::error::SpecError;
use crate::lint::Checker;
use crate::spec::resolve;

pub(super) fn api(
    file: &Path,
    spec: &Value,
    working: &Value,
    types_lib: &str,
    type_names: &[String],
) -> Result<Api, SpecError> {
    let lib = format_ident!("{types_lib}");
    let types = Types {
        doc: working,
        lib: quote! { ::#lib },
        names: type_names,
    };
    let documented = Types {
        doc: spec,
        ..types.clone()
    };
    let mut operations = Vec::new();
    for op in crate::spec::operations(working) {
        let committed = spec.pointer(&op.pointer).unwrap_or(op.op);
        operations.push(operation(file, &types, &documented, &op, committed)?);
    }
    settle_examples(spec, &mut operations);
    Ok(Api {
        schemes: crate::security::schemes(spec),
        rejections: rejections(file, spec)?,
        operations,
    })
}

/// Settles each response example against its schema in the spec as
/// written: kept to what the types read ([`declared`]), written back as they
/// write it ([`written_back`]), and marked when the schema rejects it.
/// `format`s are not judged: the types read a `date-time` more leniently
/// than the format says (Jira's `+0000` offsets), and such an example is a
/// test worth having. The components are indexed for validation once, and
/// only when there is an example.
fn settle_examples(spec: &Value, operations: &mut [Operation]) {
    let checker = std::cell::OnceCell::new();
    let checker = || checker.get_or_init(|| Checker::new(spec, false));
    for op in operations {
        let Some(documented) = spec.pointer(&op.pointer) else {
            continue;
        };
        for response in &mut op.responses {
            let Some(ResponseBody::Json {
                examples, media, ..
            }) = &mut response.body
            else {
                continue;
            };
            let schema = documented
                .get("responses")
                .and_then(|r| r.get(&response.key))
                .map(|r| resolve(spec, r))
                .and_then(|r| r.get("content")?.get(media.as_str())?.get("schema"));
            let Some(schema) = schema else {
                continue;
            };
            for example in examples {
                let value = declared(checker(), spec, schema, &example.value);
                // As written: leaving out the members the types ignore can
                // change which variant of a `oneOf` it matches. A string of
                // JSON text is judged as the JSON it spells.
                let judged = match &example.value {
                    Value::String(_) => &value,
                    written => written,
                };
                example.conforms = checker().check(schema, judged).is_empty();
                example.written_back =
                    Some(written_back(spec, schema, &value)).filter(|w| *w != value);
                example.value = value;
            }
        }
    }
}

fn rejections(file: &Path, spec: &Value) -> Result<Rejections, SpecError> {
    let ext = crate::extensions::x_server(file, spec)?;
    let entry = |r: Option<crate::extensions::Rejection>| r.map(|r| (r.status.0, r.body));
    Ok(Rejections {
        validation: entry(ext.validation_error),
        unauthenticated: entry(ext.unauthenticated),
        invalid_credentials: entry(ext.invalid_credentials),
        malformed_credentials: entry(ext.malformed_credentials),
        reject_unknown: ext.unknown_parameters
            == Some(crate::extensions::UnknownParameters::Reject),
    })
}

fn operation(
    file: &Path,
    types: &Types<'_>,
    documented: &Types<'_>,
    op: &crate::spec::Operation<'_>,
    committed: &Value,
) -> Result<Operation, SpecError> {
    let id = op.op["operationId"].as_str().unwrap_or_default().to_owned();
    let text = |key: &str| {
        op.op
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let parameters = parameters(file, types, &op.pointer, op.op)?;
    let (paging, paging_note) = super::paging::read(file, types.doc, &op.pointer, op.op)?;
    Ok(Operation {
        name: crate::names::operation(&id),
        id,
        method: op.method,
        path: op.path.to_owned(),
        pointer: op.pointer.clone(),
        summary: text("summary"),
        feature: crate::features::feature(
            committed
                .get("tags")
                .and_then(|t| t.get(0))
                .and_then(Value::as_str),
        ),
        parameters,
        body: request_body(types, &op.pointer, op.op),
        responses: responses(documented, committed),
        security: crate::security::requirement(documented.doc, committed),
        websocket: op.op.get("x-dropshot-websocket").is_some(),
        paging,
        paging_note,
        error_type: error_type(types.doc, op.op),
        status_bodies: status_bodies(types, op.op),
        accept: op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(key, _)| StatusKey::parse(key).is_some_and(StatusKey::is_success))
            .find_map(|(_, r)| {
                let media = super::json_media(resolve(types.doc, r).get("content"))?;
                media.get("x-media-type")?.as_str().map(str::to_owned)
            }),
        content_type: op
            .op
            .get("requestBody")
            .map(|body| resolve(types.doc, body))
            .and_then(|body| body.get("content")?.as_object())
            .and_then(|content| {
                content
                    .values()
                    .find_map(|m| m.get("x-media-type")?.as_str())
            })
            .filter(|media| super::essence(media) != "multipart/form-data")
            .map(str::to_owned),
        empty_bodies: op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, r)| resolve(types.doc, r).get("x-empty-body") == Some(&Value::Bool(true)))
            .filter_map(|(key, _)| StatusKey::parse(key))
            .collect(),
    })
}

/// The type of the error bodies in the working copy (after the union rewrite
/// there is one; beside a bodiless error status it is `{nullable, allOf: [$ref]}`,
/// and the client's error type an `Option` of it: [`Operation::empty_bodies`]).
fn error_type(doc: &Value, op: &Value) -> Option<String> {
    op.get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| StatusKey::parse(k).is_some_and(StatusKey::is_error))
        .find_map(|(_, r)| {
            let schema = super::json_body_schema(doc, r)?;
            super::ref_type(schema).or_else(|| match schema.get("allOf")?.as_array()?.as_slice() {
                [only] if schema.get("nullable") == Some(&Value::Bool(true)) => {
                    super::ref_type(only)
                }
                _ => None,
            })
        })
}

/// Each status's own body type where the working copy merged differing
/// bodies into a union (its `x-status-bodies`).
fn status_bodies(types: &Types<'_>, op: &Value) -> Vec<(u16, String)> {
    op.get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(_, r)| super::json_media(resolve(types.doc, r).get("content")))
        .filter_map(|media| media.get("schema"))
        .filter_map(|schema| resolve(types.doc, schema).get("x-status-bodies"))
        .filter_map(Value::as_object)
        .flatten()
        .filter_map(|(status, schema)| {
            let StatusKey::Code(code) = StatusKey::parse(status)? else {
                return None;
            };
            let name = super::ref_type(schema).filter(|name| types.names.contains(name))?;
            Some((code, name))
        })
        .collect()
}

/// The parameters of an operation; two whose Rust names collide are an error.
fn parameters(
    file: &Path,
    types: &Types<'_>,
    op_pointer: &str,
    op: &Value,
) -> Result<Vec<Parameter>, SpecError> {
    let list: Vec<&Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| resolve(types.doc, p))
        .collect();
    let names = list.iter().filter_map(|p| p["name"].as_str());
    if let Some((first, second, rust)) = crate::names::collision(names, crate::names::parameter) {
        return Err(SpecError::at(
            file,
            format!("{op_pointer}/parameters"),
            format!("parameters `{first}` and `{second}` would both be `{rust}` in Rust"),
        ));
    }
    Ok(list
        .into_iter()
        .enumerate()
        .map(|(i, p)| parameter(types, format!("{op_pointer}/parameters/{i}"), p))
        .collect())
}

fn parameter(types: &Types<'_>, pointer: String, p: &Value) -> Parameter {
    let given = p["name"].as_str().unwrap_or_default().to_owned();
    let wire = p.get("x-wire-name").and_then(Value::as_str);
    let location = match p["in"].as_str() {
        Some("header") => Location::Header,
        Some("path") => Location::Path,
        Some("cookie") => Location::Cookie,
        _ => Location::Query,
    };
    let schema = p.get("schema").unwrap_or(&Value::Null);
    let resolved = resolve(types.doc, schema);
    let value = if p.get("x-deep-object") == Some(&Value::Bool(true)) {
        ParameterValue::DeepObject(types.body(schema))
    } else if resolved["type"] == "array" {
        let items = resolved.get("items").unwrap_or(&Value::Null);
        let bound = |key: &str| {
            resolved
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        match types.scalar(items) {
            Some(item) => ParameterValue::List {
                item,
                style: match p.get("x-list-style").and_then(Value::as_str) {
                    Some("comma") => ListStyle::Comma,
                    Some("pipe") => ListStyle::Pipe,
                    Some("space") => ListStyle::Space,
                    _ => ListStyle::Repeated,
                },
                min_items: bound("minItems"),
                max_items: bound("maxItems"),
            },
            None => ParameterValue::Unsupported,
        }
    } else {
        types
            .scalar(schema)
            .map_or(ParameterValue::Unsupported, ParameterValue::Scalar)
    };
    Parameter {
        rust_name: crate::names::parameter(&given),
        name: wire.unwrap_or(&given).to_owned(),
        renamed: wire.map(|_| given.clone()),
        required: p["required"].as_bool().unwrap_or(false) || location == Location::Path,
        description: p
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        default: resolved.get("default").cloned(),
        location,
        pointer,
        value,
    }
}

/// The request body (the working copy keeps one media type).
fn request_body(
    types: &Types<'_>,
    op_pointer: &str,
    op: &Value,
) -> Result<Option<RequestBody>, Unsupported> {
    let Some(body) = op.get("requestBody") else {
        return Ok(None);
    };
    let body = resolve(types.doc, body);
    let pointer = format!("{op_pointer}/requestBody/content");
    let content = body.get("content").and_then(Value::as_object);
    let (media, media_object) = match content.map(|c| (c.len(), c.iter().next())) {
        None | Some((0, _)) => return Ok(None),
        Some((1, Some(first))) => first,
        Some(_) => {
            return Err(Unsupported {
                pointer,
                message: "a request body with several media types".into(),
            });
        }
    };
    let essence = super::essence(media);
    let essence = essence.as_str();
    let documented = media_object
        .get("x-media-type")
        .and_then(Value::as_str)
        .filter(|m| super::essence(m) == "multipart/form-data");
    let schema_type = || {
        media_object
            .get("schema")
            .map(|schema| types.body(schema))
            .unwrap_or_else(|| quote! { ::serde_json::Value })
    };
    let (kind, ty) = if super::is_json_media(media) {
        (BodyKind::Json, schema_type())
    } else if essence == "application/x-www-form-urlencoded" && documented.is_some() {
        // The working copy's form standing for a multipart body.
        (BodyKind::Multipart, schema_type())
    } else if essence == "application/x-www-form-urlencoded" {
        (BodyKind::Form, schema_type())
    } else if essence == "application/octet-stream" {
        (BodyKind::Bytes, quote! { ::axum::body::Bytes })
    } else if essence.starts_with("text/") {
        (BodyKind::Text, quote! { ::std::string::String })
    } else {
        return Err(Unsupported {
            pointer: format!("{pointer}/{}", crate::spec::escape_pointer(media)),
            message: format!("a `{essence}` request body"),
        });
    };
    Ok(Some(RequestBody {
        media: documented.unwrap_or(media).to_owned(),
        kind,
        ty,
        required: body["required"].as_bool().unwrap_or(false),
        description: body
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }))
}

/// The documented responses, each with its own body type.
fn responses(types: &Types<'_>, op: &Value) -> Vec<Response> {
    let mut responses: Vec<Response> = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(key, response)| {
            // Keys were validated: anything else is not a response of this operation.
            let status = StatusKey::parse(key)?;
            let response = resolve(types.doc, response);
            Some(Response {
                key: key.clone(),
                status,
                rust_name: match status {
                    StatusKey::Default => "Default".to_owned(),
                    StatusKey::Range(_) => format!("Status{key}"),
                    StatusKey::Code(code) => crate::names::status_variant(code),
                },
                description: response
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                body: response_body(types, response),
                alternatives: Vec::new(),
                headers: response_headers(types, response),
            })
        })
        .collect();
    // Two statuses without a reason phrase could share a variant name.
    let mut seen = std::collections::BTreeSet::new();
    for r in &mut responses {
        if !seen.insert(r.rust_name.clone()) {
            r.rust_name = format!("Status{}", r.key);
        }
    }
    for r in &mut responses {
        let response = op["responses"].get(&r.key).map(|v| resolve(types.doc, v));
        r.alternatives = alternatives(response, r.body.as_ref(), &r.rust_name, &mut seen);
    }
    responses
}

/// The media types of a response beside the one its `body` reads, each a
/// variant named after the status's and the media type, numbered where two
/// names meet.
fn alternatives(
    response: Option<&Value>,
    body: Option<&ResponseBody>,
    status_variant: &str,
    seen: &mut std::collections::BTreeSet<String>,
) -> Vec<super::Alternative> {
    let primary = match body {
        Some(ResponseBody::Json { media, .. } | ResponseBody::Raw { media }) => media.as_str(),
        None => return Vec::new(),
    };
    let content = response
        .and_then(|r| r.get("content"))
        .and_then(Value::as_object);
    content
        .into_iter()
        .flatten()
        .map(|(media, _)| media)
        .filter(|media| media.as_str() != primary)
        .map(|media| {
            let base = format!("{status_variant}{}", crate::names::media_variant(media));
            let mut rust_name = base.clone();
            let mut n = 2;
            while !seen.insert(rust_name.clone()) {
                rust_name = format!("{base}{n}");
                n += 1;
            }
            super::Alternative {
                rust_name,
                media: media.clone(),
            }
        })
        .collect()
}

fn response_body(types: &Types<'_>, response: &Value) -> Option<ResponseBody> {
    let content = response.get("content");
    match super::json_media_entry(content) {
        Some((name, media)) => {
            let schema = media.get("schema");
            Some(ResponseBody::Json {
                ty: schema.map_or_else(|| quote! { ::serde_json::Value }, |s| types.body(s)),
                media: name.clone(),
                component: schema
                    .and_then(super::ref_type)
                    .filter(|name| types.names.contains(name)),
                envelope: schema.and_then(|s| envelope(types.doc, s)),
                examples: examples(types.doc, media),
            })
        }
        None => content
            .and_then(Value::as_object)
            .and_then(|c| c.keys().next())
            .map(|media| ResponseBody::Raw {
                media: media.clone(),
            }),
    }
}

/// The examples of a media type object as written: `example`, then each of
/// `examples`; [`settle_examples`] judges them once the model is built.
fn examples(doc: &Value, media: &Value) -> Vec<Example> {
    let example = |name: Option<String>, value: &Value| Example {
        name,
        value: value.clone(),
        written_back: None,
        conforms: true,
    };
    let single = media.get("example").map(|value| example(None, value));
    let named = media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, e)| Some(example(Some(name.clone()), resolve(doc, e).get("value")?)));
    single.into_iter().chain(named).collect()
}

/// An example as the models keep it: the members of an object its schema
/// does not declare are left out where a decoded model ignores them (no
/// `additionalProperties`: with `false` its model refuses them, and the test
/// says so). Under a `oneOf`/`anyOf`, a member is declared when a variant
/// that can read the value declares it ([`declaring_parts`]); `checker`
/// judges which can.
/// rev.ai's transcripts carry an undeclared `end_ts`; GitHub's users, where
/// a simple user or an organization is expected, carry a full profile.
fn declared(checker: &Checker, doc: &Value, schema: &Value, value: &Value) -> Value {
    let schema = resolve(doc, schema);
    match value {
        Value::Object(members) => {
            let (parts, open_variant) = declaring_parts(checker, doc, schema, value);
            let properties = property_schemas(&parts);
            let additional = parts
                .iter()
                .find_map(|part| part.get("additionalProperties"));
            let open = properties.is_empty() || open_variant || additional.is_some();
            members
                .iter()
                .filter(|(name, _)| open || properties.contains_key(name.as_str()))
                .map(|(name, member)| {
                    let schema = match properties.get(name.as_str()) {
                        Some(declared) => *declared,
                        None => additional.filter(|a| a.is_object()),
                    };
                    let member = match schema {
                        Some(property) => declared(checker, doc, property, member),
                        None => member.clone(),
                    };
                    (name.clone(), member)
                })
                .collect()
        }
        Value::Array(items) => match schema.get("items") {
            Some(item) => items
                .iter()
                .map(|v| declared(checker, doc, item, v))
                .collect(),
            None => value.clone(),
        },
        // Atlassian's specs write an object's example as its JSON text, a
        // string (`"{\"self\": ..}"`): the example is the JSON it spells.
        Value::String(text) if expects_structure(doc, schema) => {
            match serde_json::from_str::<Value>(text) {
                Ok(parsed @ (Value::Object(_) | Value::Array(_))) => {
                    declared(checker, doc, schema, &parsed)
                }
                _ => value.clone(),
            }
        }
        other => other.clone(),
    }
}

/// Each name the parts declare, with its schema; `None` where parts (say
/// two variants) declare it differently: which one reads it is the types'
/// choice, so such a member is kept as written.
fn property_schemas<'a>(parts: &[&'a Value]) -> BTreeMap<&'a str, Option<&'a Value>> {
    let mut properties = BTreeMap::new();
    for part in parts {
        for (name, schema) in part
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            properties
                .entry(name.as_str())
                .and_modify(|seen: &mut Option<&Value>| {
                    if *seen != Some(schema) {
                        *seen = None;
                    }
                })
                .or_insert(Some(schema));
        }
    }
    properties
}

/// The schemas that declare the members of an object value: the schema's
/// `allOf` parts, and the parts of each `oneOf`/`anyOf` variant that can
/// read the value. A variant reads it when the value conforms to it (a
/// variant whose own members reject it decodes to nothing: GitHub's
/// required-reviewers rule, whose example team lacks its required `type`);
/// else when the value has the variant's required members; else every
/// variant does. Also whether one of those variants declares no properties
/// at all, and so keeps every member.
fn declaring_parts<'a>(
    checker: &Checker,
    doc: &'a Value,
    schema: &'a Value,
    value: &Value,
) -> (Vec<&'a Value>, bool) {
    let mut parts = super::all_of_members(doc, schema);
    let variants: Vec<&Value> = parts
        .iter()
        .flat_map(|part| ["oneOf", "anyOf"].map(|k| part.get(k).and_then(Value::as_array)))
        .flatten()
        .flatten()
        .collect();
    let has_required = |variant: &Value| {
        super::all_of_members(doc, variant)
            .iter()
            .filter_map(|part| part.get("required").and_then(Value::as_array))
            .flatten()
            .filter_map(Value::as_str)
            .all(|name| value.get(name).is_some())
    };
    let reading = |reads: &dyn Fn(&Value) -> bool| -> Vec<&'a Value> {
        variants.iter().copied().filter(|v| reads(v)).collect()
    };
    let mut readers = reading(&|variant| checker.check(variant, value).is_empty());
    if readers.is_empty() {
        readers = reading(&has_required);
    }
    if readers.is_empty() {
        readers = variants.clone();
    }
    let readers: Vec<Vec<&Value>> = readers
        .into_iter()
        .map(|variant| super::all_of_members(doc, variant))
        .collect();
    let open_variant = readers.iter().any(|variant| {
        variant.iter().all(|part| {
            part.get("properties").is_none()
                && !matches!(
                    part.get("type").and_then(Value::as_str),
                    Some("string" | "integer" | "number" | "boolean" | "array")
                )
        })
    });
    for variant in readers {
        parts.extend(variant.iter().copied());
    }
    (parts, open_variant)
}

/// An example (as [`declared`] keeps it) as the generated types write it
/// back after reading it: a `date-time` in the form its type prints, a
/// property the example leaves out that declares a `default` written out
/// with it. The members of a `oneOf`/`anyOf` are left as they are: which
/// variant reads them is the types' choice.
fn written_back(doc: &Value, schema: &Value, value: &Value) -> Value {
    let resolved = resolve(doc, schema);
    match value {
        Value::Object(members) => {
            let parts = super::all_of_members(doc, schema);
            if parts
                .iter()
                .any(|part| part.get("oneOf").is_some() || part.get("anyOf").is_some())
            {
                return value.clone();
            }
            let properties = property_schemas(&parts);
            let additional = parts
                .iter()
                .find_map(|part| part.get("additionalProperties"))
                .filter(|a| a.is_object());
            let mut out: serde_json::Map<String, Value> = members
                .iter()
                .map(|(name, member)| {
                    let schema = match properties.get(name.as_str()) {
                        Some(declared) => *declared,
                        None => additional,
                    };
                    let member = match schema {
                        Some(schema) => written_back(doc, schema, member),
                        None => member.clone(),
                    };
                    (name.clone(), member)
                })
                .collect();
            for (name, schema) in &properties {
                let default = schema
                    .and_then(|s| s.get("default"))
                    .filter(|d| !d.is_null());
                if let (false, Some(schema), Some(default)) =
                    (out.contains_key(*name), schema, default)
                {
                    let default = written_back(doc, schema, default);
                    out.insert((*name).to_owned(), default);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => match resolved.get("items") {
            Some(item) => items.iter().map(|v| written_back(doc, item, v)).collect(),
            None => value.clone(),
        },
        Value::String(text)
            if resolved["type"] == "string" && resolved["format"] == "date-time" =>
        {
            let printed =
                if resolved.get("pattern").and_then(Value::as_str) == Some(super::WHOLE_SECONDS) {
                    text.parse::<api_support::TimestampSeconds>()
                        .map(|t| t.to_string())
                } else {
                    text.parse::<api_support::Timestamp>()
                        .map(|t| t.to_string())
                };
            printed.map_or_else(|_| value.clone(), Value::String)
        }
        other => other.clone(),
    }
}

/// Whether a schema (with its `allOf` parts) is an object's or an array's,
/// so that no string can be its instance.
fn expects_structure(doc: &Value, schema: &Value) -> bool {
    let parts = super::all_of_members(doc, schema);
    let structured = |part: &&Value| {
        matches!(
            part.get("type").and_then(Value::as_str),
            Some("object" | "array")
        ) || part.get("properties").is_some()
            || part.get("items").is_some()
    };
    let either = |part: &&Value| part.get("oneOf").is_some() || part.get("anyOf").is_some();
    parts.iter().any(structured) && !parts.iter().any(either)
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

/// The envelope of an error body, when it has a message field and its other
/// required fields are plain strings or a status code.
fn envelope(doc: &Value, schema: &Value) -> Option<Envelope> {
    let schema = resolve(doc, schema);
    let properties = schema.get("properties")?.as_object()?;
    let message_field = MESSAGE_FIELDS.iter().find(|f| {
        properties
            .get(**f)
            .is_some_and(|p| resolve(doc, p)["type"] == "string")
    })?;
    let mut required = Vec::new();
    for name in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if name == *message_field || required.iter().any(|(n, _)| n == name) {
            continue;
        }
        let property = resolve(doc, properties.get(name)?);
        let plain = ["enum", "pattern", "format", "minLength"]
            .iter()
            .all(|k| property.get(*k).is_none());
        let field = match property["type"].as_str()? {
            "string" if plain => EnvelopeField::Reason,
            "integer" | "number" if matches!(name, "status" | "code" | "statusCode") => {
                EnvelopeField::Status
            }
            _ => return None,
        };
        required.push((name.to_owned(), field));
    }
    Some(Envelope {
        message_field: (*message_field).to_owned(),
        required,
    })
}

/// The headers a response documents, typed (`Content-Type` is not one: OpenAPI ignores it).
fn response_headers(types: &Types<'_>, response: &Value) -> Vec<ResponseHeader> {
    response
        .get("headers")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-type"))
        .filter_map(|(name, header)| {
            let header = resolve(types.doc, header);
            let ty: TokenStream = types.header(header.get("schema")?)?;
            Some(ResponseHeader {
                name: name.to_ascii_lowercase(),
                rust_name: crate::names::field(name),
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
