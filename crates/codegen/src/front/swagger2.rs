//! Swagger 2.0 into the OpenAPI 3.0 form the rest of the generator takes.
//!
//! No maintained Rust converter exists (the reference one, `swagger2openapi`,
//! is JavaScript), so the rewrite is done here, on the JSON document, part by
//! part. What has no 3.0 form is refused at its pointer, all of it in one run.
//!
//! | Swagger 2.0 | OpenAPI 3.0 |
//! |---|---|
//! | `host`, `basePath`, `schemes` | `servers` (one per scheme; `https` when none is given) |
//! | `definitions` | `components.schemas` |
//! | `parameters` (not `body` or `formData`) | `components.parameters` |
//! | `parameters` of `in: body` | `components.requestBodies` |
//! | `responses` | `components.responses` |
//! | `securityDefinitions` | `components.securitySchemes` (`basic`: `http` basic; oauth2 `application`: `clientCredentials`, `accessCode`: `authorizationCode`) |
//! | a `body` parameter | `requestBody`, one media type per `consumes` |
//! | `formData` parameters | a `requestBody` of one object schema: `multipart/form-data` when a parameter is a `file` or `consumes` says multipart, else `application/x-www-form-urlencoded` |
//! | `produces`, `consumes` (document and operation) | the media types of responses and request bodies (`application/json` when neither says) |
//! | a parameter's `type`, `format`, `items`, `enum`, bounds, `default` | its `schema` |
//! | `collectionFormat` `csv`, `multi`, `ssv`, `pipes` | `style: form` (`simple` outside the query) with `explode: false`; `explode: true`; `spaceDelimited`; `pipeDelimited` |
//! | `type: file` | `type: string, format: binary` |
//! | `x-nullable: true` | `nullable: true` |
//! | `discriminator: name` | `discriminator: {propertyName: name}` |
//! | a response's `examples` (by media type) | `example` of that media type |
//! | `$ref` to `#/definitions/`, `#/parameters/`, `#/responses/` | the component it became |
//!
//! Refused: `collectionFormat: tsv` (no 3.0 style has tabs).

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::error::SpecError;
use crate::spec::escape_pointer;

/// Rewrites a Swagger 2.0 document into OpenAPI 3.0.3; the notes say it was 2.0.
pub(super) fn rewrite(file: &Path, doc: &mut Value) -> Result<Vec<SpecError>, Vec<SpecError>> {
    let Some(old) = doc.as_object() else {
        return Err(vec![SpecError::at(
            file,
            "",
            "expected a Swagger 2.0 document (a map)",
        )]);
    };
    let mut errors = Vec::new();
    let cx = Context {
        file,
        old: doc,
        consumes: media_list(old.get("consumes")),
        produces: media_list(old.get("produces")),
    };
    let mut new = Map::new();
    new.insert("openapi".into(), json!("3.0.3"));
    for key in ["info", "tags", "externalDocs", "security"] {
        if let Some(v) = old.get(key) {
            new.insert(key.into(), v.clone());
        }
    }
    for (key, v) in old.iter().filter(|(k, _)| k.starts_with("x-")) {
        new.insert(key.clone(), v.clone());
    }
    if let Some(servers) = servers(old) {
        new.insert("servers".into(), servers);
    }
    new.insert("components".into(), components(&cx, &mut errors));
    let mut paths = Map::new();
    for (path, item) in old
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let pointer = format!("/paths/{}", escape_pointer(path));
        paths.insert(path.clone(), path_item(&cx, &pointer, item, &mut errors));
    }
    new.insert("paths".into(), Value::Object(paths));
    let mut new = Value::Object(new);
    rewrite_refs(&mut new);
    if !errors.is_empty() {
        return Err(errors);
    }
    *doc = new;
    Ok(vec![SpecError::at(
        file,
        "/swagger",
        "the input is Swagger 2.0: it was rewritten into OpenAPI 3.0 before generating (servers from host and basePath, components from definitions, request bodies from body and formData parameters)",
    )])
}

struct Context<'a> {
    file: &'a Path,
    old: &'a Value,
    /// The document's `consumes` and `produces`.
    consumes: Vec<String>,
    produces: Vec<String>,
}

impl Context<'_> {
    /// A parameter, through its `$ref` (`#/parameters/<name>`).
    fn parameter<'v>(&'v self, p: &'v Value) -> &'v Value {
        crate::spec::resolve(self.old, p)
    }
}

fn media_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// `host`, `basePath` and `schemes` as `servers`.
fn servers(old: &Map<String, Value>) -> Option<Value> {
    let base = old.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base = base.trim_end_matches('/');
    let Some(host) = old.get("host").and_then(Value::as_str) else {
        return (!base.is_empty()).then(|| json!([{"url": base}]));
    };
    let mut schemes = media_list(old.get("schemes"));
    if schemes.is_empty() {
        schemes.push("https".into());
    }
    let servers: Vec<Value> = schemes
        .iter()
        .map(|scheme| json!({"url": format!("{scheme}://{host}{base}")}))
        .collect();
    Some(Value::Array(servers))
}

fn components(cx: &Context<'_>, errors: &mut Vec<SpecError>) -> Value {
    let old = cx.old;
    let mut components = Map::new();
    if let Some(Value::Object(definitions)) = old.get("definitions") {
        let schemas: Map<String, Value> = definitions
            .iter()
            .map(|(name, s)| (name.clone(), schema(s)))
            .collect();
        components.insert("schemas".into(), Value::Object(schemas));
    }
    let mut parameters = Map::new();
    let mut bodies = Map::new();
    for (name, p) in old
        .get("parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let pointer = format!("/parameters/{}", escape_pointer(name));
        match p["in"].as_str() {
            Some("body") => {
                bodies.insert(name.clone(), body(p, &cx.consumes));
            }
            // A form field on its own is no request body: operations take it in.
            Some("formData") => {}
            _ => {
                parameters.insert(name.clone(), parameter(cx.file, &pointer, p, errors));
            }
        }
    }
    if !parameters.is_empty() {
        components.insert("parameters".into(), Value::Object(parameters));
    }
    if !bodies.is_empty() {
        components.insert("requestBodies".into(), Value::Object(bodies));
    }
    if let Some(Value::Object(responses)) = old.get("responses") {
        let responses: Map<String, Value> = responses
            .iter()
            .map(|(name, r)| (name.clone(), response(r, &cx.produces)))
            .collect();
        components.insert("responses".into(), Value::Object(responses));
    }
    if let Some(Value::Object(schemes)) = old.get("securityDefinitions") {
        let schemes: Map<String, Value> = schemes
            .iter()
            .map(|(name, s)| (name.clone(), security_scheme(s)))
            .collect();
        components.insert("securitySchemes".into(), Value::Object(schemes));
    }
    Value::Object(components)
}

fn security_scheme(old: &Value) -> Value {
    let mut new = Map::new();
    copy(old, &mut new, &["description"]);
    match old["type"].as_str() {
        Some("basic") => {
            new.insert("type".into(), json!("http"));
            new.insert("scheme".into(), json!("basic"));
        }
        Some("oauth2") => {
            new.insert("type".into(), json!("oauth2"));
            let mut flow = Map::new();
            copy(old, &mut flow, &["authorizationUrl", "tokenUrl"]);
            flow.insert(
                "scopes".into(),
                old.get("scopes").cloned().unwrap_or(json!({})),
            );
            let name = match old["flow"].as_str() {
                Some("application") => "clientCredentials",
                Some("accessCode") => "authorizationCode",
                Some("password") => "password",
                _ => "implicit",
            };
            new.insert("flows".into(), json!({ name: flow }));
        }
        _ => copy(old, &mut new, &["type", "name", "in"]),
    }
    Value::Object(new)
}

fn path_item(cx: &Context<'_>, pointer: &str, item: &Value, errors: &mut Vec<SpecError>) -> Value {
    let mut new = Map::new();
    let shared: Vec<&Value> = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    // Path-level parameters that are no request body stay at the path level.
    let plain: Vec<Value> = shared
        .iter()
        .enumerate()
        .filter(|(_, p)| !is_body(cx.parameter(p)))
        .map(|(i, p)| {
            reference_or(p, || {
                parameter(cx.file, &format!("{pointer}/parameters/{i}"), p, errors)
            })
        })
        .collect();
    if !plain.is_empty() {
        new.insert("parameters".into(), Value::Array(plain));
    }
    for (key, v) in item.as_object().into_iter().flatten() {
        if crate::spec::METHODS.contains(&key.as_str()) {
            let at = format!("{pointer}/{key}");
            new.insert(key.clone(), operation(cx, &at, v, &shared, errors));
        } else if key.starts_with("x-") {
            new.insert(key.clone(), v.clone());
        }
    }
    Value::Object(new)
}

fn is_body(p: &Value) -> bool {
    matches!(p["in"].as_str(), Some("body" | "formData"))
}

/// A `$ref` kept as it is (its target became a component), or the value made.
fn reference_or(p: &Value, make: impl FnOnce() -> Value) -> Value {
    if p.get("$ref").is_some() {
        p.clone()
    } else {
        make()
    }
}

fn operation(
    cx: &Context<'_>,
    pointer: &str,
    op: &Value,
    shared: &[&Value],
    errors: &mut Vec<SpecError>,
) -> Value {
    let mut new = Map::new();
    copy(
        op,
        &mut new,
        &[
            "operationId",
            "summary",
            "description",
            "tags",
            "deprecated",
            "security",
            "externalDocs",
        ],
    );
    for (key, v) in op.as_object().into_iter().flatten() {
        if key.starts_with("x-") {
            new.insert(key.clone(), v.clone());
        }
    }
    let consumes = op
        .get("consumes")
        .map(|c| media_list(Some(c)))
        .unwrap_or_else(|| cx.consumes.clone());
    let produces = op
        .get("produces")
        .map(|p| media_list(Some(p)))
        .unwrap_or_else(|| cx.produces.clone());
    let own: Vec<&Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let mut parameters = Vec::new();
    let mut form = Vec::new();
    let mut body_param = None;
    for (i, p) in own.iter().enumerate() {
        let resolved = cx.parameter(p);
        match resolved["in"].as_str() {
            Some("body") => body_param = Some(*p),
            Some("formData") => form.push(resolved),
            _ => parameters.push(reference_or(p, || {
                parameter(cx.file, &format!("{pointer}/parameters/{i}"), p, errors)
            })),
        }
    }
    // Shared body and form parameters the operation does not override.
    let overridden = |p: &Value| {
        own.iter()
            .any(|o| cx.parameter(o)["name"] == p["name"] && cx.parameter(o)["in"] == p["in"])
    };
    for p in shared {
        let resolved = cx.parameter(p);
        match resolved["in"].as_str() {
            Some("body") if body_param.is_none() => body_param = Some(*p),
            Some("formData") if !overridden(resolved) => form.push(resolved),
            _ => {}
        }
    }
    if !parameters.is_empty() {
        new.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(p) = body_param {
        let request = match p.get("$ref").and_then(Value::as_str) {
            // A shared body parameter became a component request body.
            Some(r) => json!({"$ref": r.replace("#/parameters/", "#/components/requestBodies/")}),
            None => body(p, &consumes),
        };
        new.insert("requestBody".into(), request);
    } else if !form.is_empty() {
        new.insert(
            "requestBody".into(),
            form_body(cx, pointer, &form, &consumes, errors),
        );
    }
    let responses: Map<String, Value> = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, r)| {
            let r = reference_or(r, || response(r, &produces));
            (status.clone(), r)
        })
        .collect();
    new.insert("responses".into(), Value::Object(responses));
    Value::Object(new)
}

/// A `body` parameter as a request body, in each media type it is consumed in.
fn body(p: &Value, consumes: &[String]) -> Value {
    let schema = p.get("schema").map(schema).unwrap_or_else(|| json!({}));
    let mut content = Map::new();
    for media in media_or_json(consumes) {
        content.insert(media, json!({ "schema": schema.clone() }));
    }
    let mut new = Map::new();
    copy(p, &mut new, &["description", "required"]);
    new.insert("content".into(), Value::Object(content));
    Value::Object(new)
}

/// `formData` parameters as one request body of an object schema.
fn form_body(
    cx: &Context<'_>,
    pointer: &str,
    form: &[&Value],
    consumes: &[String],
    errors: &mut Vec<SpecError>,
) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for p in form {
        let name = p["name"].as_str().unwrap_or_default().to_owned();
        let mut field = parameter(cx.file, pointer, p, errors);
        let mut property = field
            .get_mut("schema")
            .map(Value::take)
            .unwrap_or_else(|| json!({}));
        if let (Some(description), Some(property)) =
            (p.get("description"), property.as_object_mut())
        {
            property.insert("description".into(), description.clone());
        }
        if p["required"] == true {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name, property);
    }
    let multipart = form.iter().any(|p| p["type"] == "file")
        || consumes
            .iter()
            .any(|m| m.starts_with("multipart/form-data"));
    let media = if multipart {
        "multipart/form-data"
    } else {
        "application/x-www-form-urlencoded"
    };
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required.clone());
    }
    json!({
        "required": !required.is_empty(),
        "content": { media: { "schema": schema } }
    })
}

fn media_or_json(list: &[String]) -> Vec<String> {
    if list.is_empty() {
        vec!["application/json".to_owned()]
    } else {
        list.to_vec()
    }
}

/// A response: its schema in each media type produced, headers with schemas.
fn response(old: &Value, produces: &[String]) -> Value {
    let mut new = Map::new();
    new.insert(
        "description".into(),
        old.get("description").cloned().unwrap_or(json!("")),
    );
    if let Some(body) = old.get("schema") {
        let body = schema(body);
        let mut content = Map::new();
        for media in media_or_json(produces) {
            let mut object = json!({ "schema": body.clone() });
            if let Some(example) = old.get("examples").and_then(|e| e.get(&media)) {
                object["example"] = example.clone();
            }
            content.insert(media, object);
        }
        new.insert("content".into(), Value::Object(content));
    }
    if let Some(Value::Object(headers)) = old.get("headers") {
        let headers: Map<String, Value> = headers
            .iter()
            .map(|(name, h)| {
                let mut header = Map::new();
                copy(h, &mut header, &["description"]);
                header.insert("schema".into(), value_schema(h));
                (name.clone(), Value::Object(header))
            })
            .collect();
        new.insert("headers".into(), Value::Object(headers));
    }
    for (key, v) in old.as_object().into_iter().flatten() {
        if key.starts_with("x-") {
            new.insert(key.clone(), v.clone());
        }
    }
    Value::Object(new)
}

/// A non-body parameter: its value keywords become its `schema`, its
/// `collectionFormat` a style.
fn parameter(file: &Path, pointer: &str, old: &Value, errors: &mut Vec<SpecError>) -> Value {
    let mut new = Map::new();
    copy(
        old,
        &mut new,
        &[
            "name",
            "in",
            "description",
            "required",
            "deprecated",
            "allowEmptyValue",
        ],
    );
    for (key, v) in old.as_object().into_iter().flatten() {
        if key.starts_with("x-") && key != "x-nullable" {
            new.insert(key.clone(), v.clone());
        }
    }
    new.insert("schema".into(), value_schema(old));
    if old["type"] == "array" {
        let query = old["in"] == "query";
        let (style, explode) = match old["collectionFormat"].as_str() {
            None | Some("csv") if query => ("form", false),
            None | Some("csv") => ("simple", false),
            Some("multi") => ("form", true),
            Some("ssv") => ("spaceDelimited", false),
            Some("pipes") => ("pipeDelimited", false),
            Some(other) => {
                errors.push(SpecError::at(
                    file,
                    format!("{pointer}/collectionFormat"),
                    format!("`collectionFormat: {other}` has no OpenAPI 3.0 style"),
                ));
                ("form", false)
            }
        };
        new.insert("style".into(), json!(style));
        new.insert("explode".into(), json!(explode));
    }
    Value::Object(new)
}

/// The keywords of a value (a parameter, a header, an `items` object) that
/// describe it, as a schema.
fn value_schema(old: &Value) -> Value {
    const VALUE: &[&str] = &[
        "type",
        "format",
        "enum",
        "default",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "multipleOf",
    ];
    let mut new = Map::new();
    copy(old, &mut new, VALUE);
    if let Some(items) = old.get("items") {
        new.insert("items".into(), value_schema(items));
    }
    if old.get("x-nullable") == Some(&Value::Bool(true)) {
        new.insert("nullable".into(), Value::Bool(true));
    }
    if let Some(r) = old.get("$ref") {
        new.insert("$ref".into(), r.clone());
    }
    schema(&Value::Object(new))
}

/// A schema: `x-nullable`, `type: file` and a string `discriminator` in their
/// 3.0 form, everywhere inside.
fn schema(old: &Value) -> Value {
    let mut value = old.clone();
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                if map.remove("x-nullable") == Some(Value::Bool(true)) {
                    map.insert("nullable".into(), Value::Bool(true));
                }
                if map.get("type") == Some(&json!("file")) {
                    map.insert("type".into(), json!("string"));
                    map.insert("format".into(), json!("binary"));
                }
                if let Some(Value::String(property)) = map.get("discriminator") {
                    let property = property.clone();
                    map.insert("discriminator".into(), json!({"propertyName": property}));
                }
                for (key, child) in map.iter_mut() {
                    if key != "example"
                        && key != "default"
                        && key != "enum"
                        && !key.starts_with("x-")
                    {
                        walk(child);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

/// Every `$ref` to a 2.0 location, to the component it became.
fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                for (from, to) in [
                    ("#/definitions/", "#/components/schemas/"),
                    ("#/parameters/", "#/components/parameters/"),
                    ("#/responses/", "#/components/responses/"),
                ] {
                    if let Some(rest) = r.strip_prefix(from) {
                        *r = format!("{to}{rest}");
                    }
                }
            }
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    rewrite_refs(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn copy(from: &Value, to: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(v) = from.get(*key) {
            to.insert((*key).to_owned(), v.clone());
        }
    }
}
