//! The working copy: an in-memory rewrite of a spec into the subset of
//! OpenAPI that progenitor generates correct code for. The committed spec is
//! never changed; every rewrite keeps the information, only its form changes.
//!
//! | construct in the spec | what progenitor does with it | rewrite |
//! |---|---|---|
//! | a path written with its query (`/search?query={query}`) | panics (`missing path name mapping`) | the path alone; a parameter the query names is a query parameter |
//! | an operation without `operationId` | panics (`unwrap`) | one derived from its method and path (`get_users_by_id`), numbered where two would meet |
//! | two operationIds that become one Rust method (`getFoo`, `get_foo`) | two methods of one name: does not compile | the later one numbered (`get_foo_2`) |
//! | `anyOf`/`oneOf` with `{type: 'null'}` | panics (`todo!`) | `nullable: true` |
//! | nullable header parameter | uncompilable code | header made non-nullable (absent is null) |
//! | header parameter that is also an `apiKey` security scheme | a second way to pass credentials | removed: the client's auth constructor sends it |
//! | array query parameter with `explode: false`, `style: pipeDelimited` or `spaceDelimited` | sent as repeated keys; an error | `x-rust-type` [`CommaList`](api_support::CommaList), [`PipeList`](api_support::PipeList) or [`SpaceList`](api_support::SpaceList), the style in `x-list-style` |
//! | inline string enum in a parameter | an enum local to the client | a component `<Operation><Parameter>`, so client and server share one open enum |
//! | `x-predicate` on a parameter (or its items) | a pattern-checked string | `x-rust-type` [`Predicate<T, Ops>`](api_support::Predicate) |
//! | `x-sort` on a parameter (or its items) | a pattern-checked string | a column enum `<Operation><Parameter>Column` and [`Sort<Column>`](api_support::Sort) |
//! | error statuses with different bodies | panics (one type per side) | a `oneOf` union component `<Operation>Error`, with `x-status-bodies` so the client decodes each status as its own body first (`decode_by_status`) |
//! | success statuses with different bodies | panics | a `oneOf` union component `<Operation>Response` |
//! | statuses without a body beside raw (not JSON) ones of the same side (a 202 beside a 200 `image/png`) | panics (one type per side) | raw too: an empty body is an empty stream |
//! | a raw (not JSON) success beside JSON ones (a 200 `application/pdf`, a 202 JSON "not ready") | panics (one type per side) | every success raw for the client, with its status: the JSON ones are bytes to decode (the stub keeps each typed) |
//! | a `101` response of an operation that is no websocket, beside others | a websocket upgrade type beside the others: panics | left out of the client (handed over undecoded) |
//! | an error status whose body is not JSON beside JSON ones (`text/plain` 500 beside JSON 4xx) | panics (one type per side) | left out of the client's error type: its response is handed over undecoded (`Error::UnexpectedResponse`); the stub still answers it as documented |
//! | `default` unlike any other response (progenitor counts it as a success and an error) | panics | the `4XX` and `5XX` ranges |
//! | a response of any media type (`*/*`) with a schema that is not bytes | raw bytes | JSON (`x-media-type: */*` for the client's `Accept`) |
//! | JSON written in another case (`application/JSON`) | an error (`unexpected content type`) | `application/json` |
//! | a JSON-based media type (`application/vnd.github+json`, RFC 6839) | raw bytes (responses), an error (request bodies) | `application/json`, the documented type kept in `x-media-type` for the client's `Accept` |
//! | a response in JSON and other media types (`application/json`, `application/xml`) | panics (a type for each) | the JSON one (the stub can answer each: a `Response` variant per further media type, as bytes) |
//! | a JSON media type without a schema, a request body without one | panics (`todo!`), an error | any JSON (`{}`), bytes |
//! | two parameters whose Rust names meet (`max-results`, `maxResults`), or a query parameter named like a request builder's own method or field (`new`, `send`, `client`, `stream`, ...; `body` beside a request body) | two fields or methods of one name: does not compile | the later one named `<name>~<n>` (`max_results_2`, `new_2`), its wire name in `x-wire-name`, sent again by the client |
//! | a request body of a media type progenitor cannot send (`application/xml`, `*/*`), or a bytes or text body with another schema | an error | bytes (`application/octet-stream`, `format: binary`), the documented type kept in `x-media-type` for the client's `Content-Type`; text as `{type: string}` |
//! | a `multipart/form-data` request body of an object schema | an error | a form body whose `x-media-type` is `multipart/form-data` (the client sends it part by part, the stub reads it so); each `format: binary` property (or array item) `x-rust-type` [`multipart::File`](api_support::multipart::File); per-part `encoding` dropped |
//! | a request body in several media types | panics (`todo!`) | the JSON one, else a form (urlencoded or multipart), bytes or text, else the first (a shared body of `components/requestBodies` likewise) |
//! | an inline object schema as a JSON or form request body | a type local to the client (`<Operation>Body`); the server stub could only read a JSON value | a component `<Operation>Body`, so client and server share one struct |
//! | a parameter described by `content` (JSON text in the query) instead of a `schema` | an error (`unexpected content`) | a string: the text the caller serializes, its media type and schema named in its description |
//! | a `style: deepObject` query parameter | an error | a plain query parameter marked `x-deep-object` (sent and read as `name[property]`) |
//! | an inline object or composite (`anyOf`, `oneOf`, `allOf`) schema of a parameter | panics (`unreachable`, a builder for a parameter) | a component `<Operation><Parameter>` |
//! | two properties of one schema whose Rust fields meet (`id`, `_id`) | two fields of one name: does not compile | the later one named `<name>~<n>` (`id_2`), mapped to its wire name in `x-property-renames`, which the generated serde renames say again |
//! | `$ref` into a component's inside (`#/components/schemas/T/allOf/0`) | panics | a component of its own (`TAllOf0`), referred to from both places |
//! | an inline string enum whose values give one variant name twice (`Failed`, `FAILED`) or none (`<`, an emoji) | panics (typify) | a component of its own (`<Schema><Property>`), whose variants the generator names (`Failed2`, `Value0`) |
//! | an `enum` without `type` whose values are of several JSON types (`true`, `1`) | panics (typify: multiple implied types) | the enum dropped: any of them is taken |
//! | an `enum` whose values are not of the schema's `type` | an error (typify) | fitted to the values: an array's scalar enum moved to its items, all-string values make the schema a string, numbers and booleans of a string enum their text, the rest dropped |
//! | an inline schema's `title` shared by another inline schema or a component's name | one Rust name for two types; typify checks one's values against the other's | the title dropped (the type is named after its place) |
//! | `minLength: 0`, `minItems: 0`, `minProperties: 0` | a check rustc warns about (`len < 0`) | dropped (every value meets them) |
//! | a schema without `type` that only a `format` types (`{format: int32}`), or with `properties` beside array keywords | panics (typify `todo!`) | the implied `type` stated (`integer`, `number`, `string`; `object`, its array keywords dropped) |
//! | `format` on an object, array or boolean | panics (typify) | dropped |
//! | `allOf: [$ref, {description}]` (documentation beside a reference) | a new type named after its place, which may clash (typify) | the reference alone |
//! | a nullable object component titled like its name, or a component titled like another component (or sharing another's title: GitHub's `simple-user`, `nullable-simple-user`) | `X(Option<X>)`, or two types of one name: does not compile (typify) | the title dropped |
//! | an inline schema whose place name (`<Component><Property>`) is another component's name | two types of one name: does not compile (typify) | a component of its own, of a free name (`...Status2`) |
//! | a nullable `oneOf`/`anyOf` component | its inner enum named like itself: does not compile (typify) | the members in a component `<Name>Inner`, the component `{nullable, allOf: [$ref]}` |
//! | a parameter whose schema is a nullable enum component | `X(Option<XInner>)`, which no query string reads | a non-nullable copy `<Name>Value` |
//! | an inline JSON error body | a client type named `<Operation>Response` the model cannot name | a component `<Operation>Error` |

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::error::SpecError;
use crate::model::StatusKey;
use crate::spec::METHODS;
use crate::spec::{escape_pointer, resolve};

/// Name of the support crate generated code refers to for `x-rust-type`.
pub const SUPPORT_CRATE: &str = "api-support";

/// Builds the working copy of a validated spec.
pub fn working_copy(file: &Path, spec: &Value) -> Result<Value, SpecError> {
    let mut doc = spec.clone();
    path_queries(&mut doc);
    name_operations(&mut doc);
    hoist_deep_refs(&mut doc);
    hoist_clashing_enums(&mut doc);
    implied_types(&mut doc);
    drop_structural_formats(&mut doc);
    fit_enums(&mut doc);
    drop_impossible_defaults(&mut doc);
    json_based_media(&mut doc);
    untitle_components(&mut doc);
    untitle_inline_duplicates(&mut doc);
    annotated_refs(&mut doc);
    normalize_null_unions(&mut doc);
    distinct_type_names(&mut doc);
    non_null_parameters(&mut doc);
    // Shared request bodies (`$ref`ed by operations) get the body rules in place.
    let shared: Vec<String> = doc
        .pointer("/components/requestBodies")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for name in shared {
        let body = format!("/components/requestBodies/{}", escape_pointer(&name));
        single_request_media(&mut doc, &body);
        sendable_request_body(&mut doc, &body);
    }
    let api_key_headers = api_key_headers(&doc);
    let paths: Vec<String> = doc["paths"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut names = ComponentNames::of(&doc);
    for path in paths {
        // Path-level parameters belong to every operation of the path: taken
        // off the path item once, merged into each operation.
        let path_params: Vec<Value> = doc
            .pointer_mut(&format!("/paths/{}", escape_pointer(&path)))
            .and_then(Value::as_object_mut)
            .and_then(|item| item.remove("parameters"))
            .and_then(|p| p.as_array().cloned())
            .unwrap_or_default();
        for method in METHODS {
            let pointer = format!("/paths/{}/{method}", escape_pointer(&path));
            if doc.pointer(&pointer).is_none() {
                continue;
            }
            let body = format!("{pointer}/requestBody");
            single_request_media(&mut doc, &body);
            sendable_request_body(&mut doc, &body);
            inline_request_body(&mut doc, &pointer);
            rewrite_parameters(&mut doc, &pointer, &path_params, &api_key_headers);
            deep_object_parameters(&mut doc, &pointer, &mut names);
            distinct_parameter_names(&mut doc, &pointer);
            hoist_parameter_enums(file, &mut doc, &pointer, &mut names)?;
            typed_filters(file, &mut doc, &pointer)?;
            rewrite_responses(file, &mut doc, &pointer, &mut names)?;
        }
    }
    distinct_property_names(&mut doc);
    Ok(doc)
}

/// Two properties of one schema whose Rust field names meet (`id` and
/// `_id` are both `id` to typify) would give a struct two fields of one
/// name. The later one is renamed `<name>~<n>` in the working copy (the
/// field `id_2`), in its schema's `required` too, and the document's
/// `x-property-renames` maps each such name to the wire name it stands for:
/// the generated code's serde renames say the wire name again
/// ([`crate::types::restore_wire_names`]).
fn distinct_property_names(doc: &mut Value) {
    let mut renames: Vec<(String, String, String)> = Vec::new();
    crate::spec::visit_objects(doc, &mut |map, pointer| {
        let Some(properties) = map.get("properties").and_then(Value::as_object) else {
            return;
        };
        let mut fields: std::collections::BTreeSet<String> = Default::default();
        for key in properties.keys() {
            if fields.insert(crate::names::field(key)) {
                continue;
            }
            let renamed = (2..)
                .map(|n| format!("{key}~{n}"))
                .find(|name| {
                    let field = crate::names::field(name);
                    !fields.contains(&field)
                        && !properties.keys().any(|k| crate::names::field(k) == field)
                })
                .expect("an unused name exists");
            fields.insert(crate::names::field(&renamed));
            renames.push((pointer.to_owned(), key.clone(), renamed));
        }
    });
    let mut table = Map::new();
    for (pointer, old, new) in renames {
        let Some(Value::Object(schema)) = doc.pointer_mut(&pointer) else {
            continue;
        };
        if let Some(Value::Object(properties)) = schema.get_mut("properties")
            && let Some(property) = properties.remove(&old)
        {
            properties.insert(new.clone(), property);
        }
        if let Some(Value::Array(required)) = schema.get_mut("required") {
            for name in required.iter_mut() {
                if *name == Value::String(old.clone()) {
                    *name = Value::String(new.clone());
                }
            }
        }
        table.insert(new, Value::String(old));
    }
    if !table.is_empty()
        && let Some(root) = doc.as_object_mut()
    {
        root.insert("x-property-renames".into(), Value::Object(table));
    }
}

/// The renamed properties of the working copy (`x-property-renames`: the
/// name a property was given there, `_id~2`, and the wire name it stands for).
pub fn property_renames(working: &serde_json::Value) -> Vec<(String, String)> {
    working
        .get("x-property-renames")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(given, wire)| Some((given.clone(), wire.as_str()?.to_owned())))
        .collect()
}

/// A path written with its query (`/search?query={query}`) makes progenitor
/// look for a path parameter `query`, and panic. The query is no part of the
/// path: the working copy keys the path item by the path alone (merged into
/// an item of that path where their methods differ), and a parameter the
/// query names is a query parameter.
fn path_queries(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let keys: Vec<String> = paths.keys().filter(|k| k.contains('?')).cloned().collect();
    for key in keys {
        let Some((path, _)) = key.split_once('?') else {
            continue;
        };
        let Some(Value::Object(mut item)) = paths.get(&key).cloned() else {
            continue;
        };
        let path_names: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_owned()))
            .collect();
        for (_, op) in item.iter_mut() {
            for p in op
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let name = p["name"].as_str().unwrap_or_default();
                if p["in"] == "path" && !path_names.iter().any(|n| n == name) {
                    p["in"] = json!("query");
                }
            }
        }
        let target = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        let Some(target) = target.as_object_mut() else {
            continue;
        };
        if item
            .keys()
            .any(|k| METHODS.contains(&k.as_str()) && target.contains_key(k))
        {
            continue; // Two operations of one method on one path: validation names them.
        }
        for (k, v) in item {
            target.entry(k).or_insert(v);
        }
        paths.remove(&key);
    }
}

/// An operation without an `operationId` gets one from its method and path
/// (`names::derived_operation_id`); one whose Rust name another operation
/// already has gets a number (`get_users_2`). A named operation keeps its
/// name unless an earlier one's becomes the same method (`getFoo`, `get_foo`):
/// then it is numbered too (lint says so).
fn name_operations(doc: &mut Value) {
    let operations: Vec<(String, String, bool)> = crate::spec::operations(doc)
        .into_iter()
        .map(|op| {
            let named = op.op.get("operationId").and_then(Value::as_str).is_some();
            let id = match op.op.get("operationId").and_then(Value::as_str) {
                Some(id) => id.to_owned(),
                None => crate::names::derived_operation_id(op.method, op.path),
            };
            (op.pointer, id, named)
        })
        .collect();
    let mut taken: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut renamed = Vec::new();
    for (pointer, id, named) in &operations {
        if *named && !taken.insert(crate::names::operation(id)) {
            renamed.push((pointer.clone(), id.clone()));
        }
    }
    let unnamed = operations
        .into_iter()
        .filter(|(_, _, named)| !named)
        .map(|(pointer, id, _)| (pointer, id));
    for (pointer, id) in renamed.into_iter().chain(unnamed) {
        let mut unique = id.clone();
        for n in 2.. {
            if taken.insert(crate::names::operation(&unique)) {
                break;
            }
            unique = format!("{id}_{n}");
        }
        if let Some(Value::Object(op)) = doc.pointer_mut(&pointer) {
            op.insert("operationId".into(), Value::String(unique));
        }
    }
}

/// `$ref`s that point inside something (`#/components/parameters/x/schema`,
/// `#/components/schemas/T/allOf/0`, `#/components/responses/R/content/...`)
/// make progenitor panic: it resolves only `#/components/<kind>/<name>`. A
/// schema such a ref points at becomes a component of its own (named after
/// where it was: `TAllOf0`, `XSchema`), and its old place refers to it too, so
/// there is one definition; any other target is copied in place of the ref.
pub fn hoist_deep_refs(doc: &mut Value) {
    // A hoisted schema may itself hold deep refs: repeat until none is left.
    for _ in 0..8 {
        let mut refs: Vec<(String, String)> = Vec::new();
        crate::spec::visit_objects(doc, &mut |map, pointer| {
            if let Some(target) = map.get("$ref").and_then(Value::as_str)
                && let Some(target) = target.strip_prefix('#')
                && is_deep(target)
            {
                refs.push((pointer.to_owned(), target.to_owned()));
            }
        });
        if refs.is_empty() {
            return;
        }
        let mut hoisted: std::collections::BTreeMap<String, String> = Default::default();
        for (at, target) in refs {
            // A pointer that passes through a `$ref` on its way means the value there.
            let Some(target) = pointer_through_refs(doc, &target) else {
                continue;
            };
            let Some(value) = doc.pointer(&target).cloned() else {
                continue;
            };
            let replacement = if is_schema_position(&target) {
                let name = match hoisted.get(&target) {
                    Some(name) => name.clone(),
                    None => {
                        let name = hoisted_name(doc, &target);
                        let Some(schemas) = component_schemas(doc) else {
                            return;
                        };
                        schemas.insert(name.clone(), value);
                        let reference = json!({"$ref": format!("#/components/schemas/{}", escape_pointer(&name))});
                        if let Some(old) = doc.pointer_mut(&target) {
                            *old = reference;
                        }
                        hoisted.insert(target.clone(), name.clone());
                        name
                    }
                };
                json!({"$ref": format!("#/components/schemas/{}", escape_pointer(&name))})
            } else {
                value
            };
            if let Some(slot) = doc.pointer_mut(&at) {
                *slot = replacement;
            }
        }
    }
}

/// The pointer of the value `pointer` means when every `$ref` met on the way
/// is followed (`#/paths/~1a/get/.../allOf/0/properties/x`, where `allOf/0`
/// is a `$ref`); `None` where it reaches nothing.
fn pointer_through_refs(doc: &Value, pointer: &str) -> Option<String> {
    let mut at = String::new();
    for segment in pointer.split('/').skip(1) {
        for _ in 0..16 {
            let here = doc.pointer(&at)?;
            let key = segment.replace("~1", "/").replace("~0", "~");
            let has = match here {
                Value::Object(map) => map.contains_key(&key),
                Value::Array(items) => key.parse::<usize>().is_ok_and(|i| i < items.len()),
                _ => false,
            };
            match here
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            {
                Some(target) if !has => at = target.to_owned(),
                _ => break,
            }
        }
        at.push('/');
        at.push_str(segment);
    }
    doc.pointer(&at).is_some().then_some(at)
}

/// Whether a pointer reaches past `/components/<kind>/<name>`.
fn is_deep(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    !(segments.len() == 3 && segments[0] == "components")
}

/// Whether a pointer names a schema (by the keyword that leads to it).
fn is_schema_position(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').skip(1).collect();
    matches!(
        segments.as_slice(),
        ["components", "schemas", _, ..]
            | [.., "schema" | "items" | "additionalProperties" | "not"]
            | [.., "properties" | "allOf" | "oneOf" | "anyOf", _]
    )
}

/// A component name for a hoisted schema, unused so far.
fn hoisted_name(doc: &Value, pointer: &str) -> String {
    let segments: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    // `components/<kind>/<name>/rest...` → `<name>Rest...`; elsewhere the whole path.
    let parts: Vec<&str> = match segments.first().map(String::as_str) {
        Some("components") => segments.iter().skip(2).map(String::as_str).collect(),
        _ => segments.iter().map(String::as_str).collect(),
    };
    let base = parts
        .iter()
        .filter(|p| !p.contains('/') || !p.contains("json"))
        .map(|p| crate::names::component_key(p))
        .collect::<String>();
    let exists = |name: &str| {
        doc.pointer(&format!("/components/schemas/{}", escape_pointer(name)))
            .is_some()
    };
    if !exists(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|name| !exists(name))
        .expect("an unused name exists")
}

/// typify makes a nullable object component (or one whose `allOf` parent is
/// nullable) `X(Option<Inner>)` and names the inner struct after the schema's
/// `title`; a title that reads like the component's own name (Box: `File`
/// titled `File`, `File--Base` titled `File (Base)`) gives `X(Option<X>)`,
/// which does not compile. Such titles (documentation only) are dropped in the
/// working copy: the inner struct is then `<Name>Inner`.
fn untitle_components(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    // A title that is another component's name, or that another component's
    // title shares (GitHub's `simple-user` and `nullable-simple-user` are both
    // "Simple User"), would name two types alike.
    let names: std::collections::BTreeSet<String> =
        schemas.keys().map(|k| crate::names::type_name(k)).collect();
    let mut titles: std::collections::BTreeMap<String, usize> = Default::default();
    for schema in schemas.values() {
        if let Some(t) = schema.get("title").and_then(Value::as_str) {
            *titles.entry(crate::names::type_name(t)).or_default() += 1;
        }
    }
    for (name, schema) in schemas.iter_mut() {
        let own = crate::names::type_name(name);
        if let Some(map) = schema.as_object_mut()
            && let Some(title) = map.get("title").and_then(Value::as_str)
        {
            let title = crate::names::type_name(title);
            if title == own || names.contains(&title) || titles[&title] > 1 {
                map.remove("title");
            }
        }
    }
}

/// The inline schemas under `value` (whose type typify names `name`) that
/// typify would give a name of `taken`: their pointers and those names (an
/// inline schema's name is its title, else its place).
fn place_clashes(
    value: &Value,
    pointer: &str,
    name: &str,
    taken: &BTreeSet<String>,
    out: &mut Vec<(String, String)>,
) {
    let Some(map) = value.as_object() else {
        return;
    };
    for (prop, schema) in map
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if schema.get("$ref").is_some() {
            continue;
        }
        let at = format!("{pointer}/properties/{}", escape_pointer(prop));
        let place = schema.get("title").and_then(Value::as_str).map_or_else(
            || crate::names::type_name(&format!("{name}_{prop}")),
            crate::names::type_name,
        );
        if taken.contains(&place) && makes_type(schema) {
            out.push((at, place));
        } else {
            place_clashes(schema, &at, &place, taken, out);
        }
    }
    // typify merges an `allOf` into its schema: a part's properties are
    // named after the schema's place (AppCenter's `ErrorGroup`).
    for (i, part) in map
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, part)| part.get("$ref").is_none())
    {
        place_clashes(part, &format!("{pointer}/allOf/{i}"), name, taken, out);
    }
    if let Some(items) = map.get("items").filter(|i| i.get("$ref").is_none()) {
        let place = items
            .get("title")
            .and_then(Value::as_str)
            .map_or_else(|| format!("{name}Item"), crate::names::type_name);
        place_clashes(items, &format!("{pointer}/items"), &place, taken, out);
    }
}

/// Whether typify makes a type of its own of an inline schema (an enum, an
/// object with properties, a union, a string bounded by length or pattern),
/// rather than naming another (`{nullable, allOf: [$ref]}` is an `Option`
/// of the referenced type).
fn makes_type(schema: &Value) -> bool {
    let bounded_string = schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("format").is_none()
        && ["minLength", "maxLength", "pattern"]
            .iter()
            .any(|k| schema.get(*k).is_some());
    let many = |key: &str| {
        schema
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|v| v.len() > 1)
    };
    schema.get("enum").is_some()
        || bounded_string
        || schema.get("properties").is_some()
        || many("oneOf")
        || many("anyOf")
        || many("allOf")
}

/// A parameter whose schema is a nullable enum component (GitHub's `state`
/// of code scanning alerts) would be typify's `X(Option<XInner>)`, which no
/// query string reads (there is no `null` in one). The parameter takes a
/// non-nullable copy of the enum instead (`<Name>Value`, made once).
fn non_null_parameters(doc: &mut Value) {
    let mut holders: Vec<String> = Vec::new();
    for path in doc["paths"].as_object().into_iter().flat_map(|m| m.keys()) {
        let at = format!("/paths/{}", escape_pointer(path));
        holders.push(format!("{at}/parameters"));
        for method in METHODS {
            holders.push(format!("{at}/{method}/parameters"));
        }
    }
    let shared: Vec<String> = doc
        .pointer("/components/parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(key, _)| format!("/components/parameters/{}/schema", escape_pointer(key)))
        .collect();
    let mut schemas: Vec<String> = shared;
    for holder in holders {
        let count = doc
            .pointer(&holder)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        schemas.extend((0..count).map(|i| format!("{holder}/{i}/schema")));
    }
    let mut names = ComponentNames::of(doc);
    let mut copies: std::collections::BTreeMap<String, String> = Default::default();
    for at in schemas {
        let Some(target) = doc
            .pointer(&at)
            .and_then(crate::model::schema_ref)
            .map(str::to_owned)
        else {
            continue;
        };
        let Some(component) = doc
            // The `$ref`'s tail is already pointer text.
            .pointer(&format!("/components/schemas/{target}"))
            .filter(|s| s.get("nullable") == Some(&Value::Bool(true)) && s.get("enum").is_some())
            .cloned()
        else {
            continue;
        };
        let copy = match copies.get(&target) {
            Some(copy) => copy.clone(),
            None => {
                let copy = names.free(
                    doc,
                    &format!("{}Value", crate::names::component_key(&target)),
                );
                let mut schema = component;
                if let Some(map) = schema.as_object_mut() {
                    map.remove("nullable");
                    if let Some(Value::Array(values)) = map.get_mut("enum") {
                        values.retain(|v| !v.is_null());
                    }
                }
                if let Some(schemas) = component_schemas(doc) {
                    schemas.insert(copy.clone(), schema);
                }
                copies.insert(target, copy.clone());
                copy
            }
        };
        if let Some(slot) = doc.pointer_mut(&at) {
            *slot = json!({"$ref": format!("#/components/schemas/{}", escape_pointer(&copy))});
        }
    }
}

/// typify names the types of a component's inline schemas after their place
/// (`<Component><Property>`, `<...>Item`), and the inner type of a nullable
/// union component after the component itself; a place name that is another
/// component's name (GitHub's `code-scanning-variant-analysis` has an inline
/// `status` enum beside the component `code-scanning-variant-analysis-status`)
/// would be one Rust name for two types. The working copy moves such an
/// inline schema into a component of a free name (`...Status2`), and a
/// nullable union's members into a component of their own (`<Name>Inner`).
fn distinct_type_names(doc: &mut Value) {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return;
    };
    let taken: BTreeSet<String> = schemas.keys().map(|k| crate::names::type_name(k)).collect();
    let mut clashing = Vec::new();
    let mut unions = Vec::new();
    for (key, schema) in schemas {
        let at = format!("/components/schemas/{}", escape_pointer(key));
        place_clashes(
            schema,
            &at,
            &crate::names::type_name(key),
            &taken,
            &mut clashing,
        );
        let union = ["oneOf", "anyOf"].into_iter().find(|k| {
            schema
                .get(*k)
                .and_then(Value::as_array)
                .is_some_and(|v| v.len() > 1)
        });
        if schema.get("nullable") == Some(&Value::Bool(true))
            && let Some(union) = union
        {
            unions.push((key.clone(), union));
        }
    }
    let mut names = ComponentNames::of(doc);
    for (pointer, place) in clashing {
        let name = names.free(doc, &place);
        move_to_component(doc, &pointer, name, |_| {});
    }
    for (key, union) in unions {
        let inner = names.free(doc, &format!("{}Inner", crate::names::component_key(&key)));
        let Some(schemas) = component_schemas(doc) else {
            return;
        };
        let Some(Value::Object(map)) = schemas.get_mut(&key) else {
            continue;
        };
        let members = map.remove(union).unwrap_or_default();
        let mut moved = Map::new();
        if let Some(description) = map.get("description") {
            moved.insert("description".into(), description.clone());
        }
        if let Some(discriminator) = map.remove("discriminator") {
            moved.insert("discriminator".into(), discriminator);
        }
        moved.insert(union.into(), members);
        map.insert(
            "allOf".into(),
            json!([{"$ref": format!("#/components/schemas/{inner}")}]),
        );
        schemas.insert(inner, Value::Object(moved));
    }
}

/// typify names an inline schema's type after its `title`; two inline
/// schemas of one title (FastAPI titles every property: `Type` on each
/// `type` enum), or an inline title that is a component's name, would be one
/// Rust name for different types, and typify then checks one's values
/// against the other's. Such titles (documentation only) are dropped in the
/// working copy: the types are named after their place.
fn untitle_inline_duplicates(doc: &mut Value) {
    /// The pointers of inline schema titles; `names`: `value` maps names to schemas.
    fn walk(value: &Value, pointer: &str, names: bool, out: &mut Vec<(String, String)>) {
        let Value::Object(map) = value else {
            if let Value::Array(items) = value {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{pointer}/{i}"), false, out);
                }
            }
            return;
        };
        if !names && let Some(title) = map.get("title").and_then(Value::as_str) {
            out.push((pointer.to_owned(), crate::names::type_name(title)));
        }
        for (k, v) in map {
            if names || !["example", "examples", "default", "enum", "title"].contains(&k.as_str()) {
                let child_names = !names && k == "properties";
                walk(
                    v,
                    &format!("{pointer}/{}", escape_pointer(k)),
                    child_names,
                    out,
                );
            }
        }
    }
    let components: std::collections::BTreeSet<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, _)| crate::names::type_name(name))
        .collect();
    let mut titles = Vec::new();
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("/components/schemas/{}", escape_pointer(name));
        for (k, v) in schema.as_object().into_iter().flatten() {
            if k != "title" && k != "example" && k != "default" && k != "enum" {
                walk(
                    v,
                    &format!("{at}/{}", escape_pointer(k)),
                    k == "properties",
                    &mut titles,
                );
            }
        }
    }
    walk(&doc["paths"], "/paths", false, &mut titles);
    let mut count: std::collections::BTreeMap<&str, usize> = Default::default();
    for (_, title) in &titles {
        *count.entry(title.as_str()).or_default() += 1;
    }
    let clashing: Vec<String> = titles
        .iter()
        .filter(|(_, title)| count[title.as_str()] > 1 || components.contains(title))
        .map(|(pointer, _)| pointer.clone())
        .collect();
    for pointer in clashing {
        if let Some(Value::Object(map)) = doc.pointer_mut(&pointer) {
            map.remove("title");
        }
    }
}

/// `allOf: [{$ref: X}, {description: ...}]` attaches documentation to a
/// reference (OpenAPI 3.0 ignores siblings of `$ref`); typify makes a new
/// type of it, named after its place, which can clash with a component of
/// that name (Box: `Event.source` → `EventSource`). The working copy keeps the
/// reference alone (`allOf: [{$ref: X}]` where the schema is nullable).
fn annotated_refs(value: &mut Value) {
    const ANNOTATIONS: &[&str] = &[
        "description",
        "title",
        "example",
        "examples",
        "readOnly",
        "writeOnly",
        "deprecated",
        "externalDocs",
    ];
    let annotation_only = |v: &Value| {
        v.as_object().is_some_and(|m| {
            m.iter().all(|(k, v)| {
                ANNOTATIONS.contains(&k.as_str())
                    || k.starts_with("x-")
                    || (k == "nullable" && *v == Value::Bool(false))
            })
        })
    };
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(members)) = map.get("allOf")
                && members.len() > 1
                && members.iter().filter(|m| m.get("$ref").is_some()).count() == 1
                && members
                    .iter()
                    .all(|m| m.get("$ref").is_some() || annotation_only(m))
            {
                let reference = members
                    .iter()
                    .find(|m| m.get("$ref").is_some())
                    .cloned()
                    .unwrap_or_default();
                let nullable = map.get("nullable") == Some(&Value::Bool(true));
                let rest_is_annotation = map.iter().all(|(k, v)| {
                    k == "allOf"
                        || ANNOTATIONS.contains(&k.as_str())
                        || k.starts_with("x-")
                        || k == "nullable"
                        || (k == "type" && v == "object")
                });
                if rest_is_annotation && !nullable {
                    *value = reference;
                    return;
                }
                map.insert("allOf".into(), Value::Array(vec![reference]));
            }
            for (k, v) in map.iter_mut() {
                if k != "example" && k != "examples" {
                    annotated_refs(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(annotated_refs),
        _ => {}
    }
}

/// progenitor decodes and sends only `application/json` as JSON, and panics
/// on a JSON media type without a schema or a request body without one. In
/// each `content` map of the operation (its request body, each response):
/// a JSON-based type (`application/vnd.github+json`, RFC 6839) where the map
/// has no `application/json` is written as `application/json`, the documented
/// type kept in `x-media-type` (the client's `Accept` sends it); a JSON media
/// type without a schema takes any JSON (`{}`); a request body of another
/// media type without a schema is bytes.
fn json_based_media(doc: &mut Value) {
    let mut maps = Vec::new();
    for op in crate::spec::operations(doc) {
        maps.push(format!("{}/requestBody/content", op.pointer));
        for key in op
            .op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            maps.push(format!(
                "{}/responses/{}/content",
                op.pointer,
                escape_pointer(key)
            ));
        }
    }
    for kind in ["responses", "requestBodies"] {
        for name in doc
            .pointer(&format!("/components/{kind}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            maps.push(format!(
                "/components/{kind}/{}/content",
                escape_pointer(name)
            ));
        }
    }
    for at in maps {
        let request = at.contains("/requestBody/") || at.starts_with("/components/requestBodies/");
        if let Some(Value::Object(content)) = doc.pointer_mut(&at) {
            json_content(content, request);
        }
    }
}

/// One `content` map as progenitor takes it (see [`json_based_media`]).
fn json_content(content: &mut Map<String, Value>, request: bool) {
    // A response of any media type (`*/*`) with a schema that is not bytes
    // is read as JSON: a schema describes a structure, and JSON is what
    // such services send.
    let any_structured = |content: &Map<String, Value>| {
        content
            .get("*/*")
            .and_then(|o| o.get("schema"))
            .is_some_and(|s| {
                s.get("format") != Some(&json!("binary")) && s.get("type") != Some(&json!("file"))
            })
    };
    if !request
        && !content.keys().any(|m| crate::model::is_json_based(m))
        && any_structured(content)
        && let Some(mut object) = content.remove("*/*")
    {
        object["x-media-type"] = json!("*/*");
        content.insert("application/json".into(), object);
    }
    if !content.keys().any(|m| crate::model::is_json_media(m))
        && let Some(media) = content
            .keys()
            .find(|m| crate::model::is_json_based(m))
            .cloned()
        && let Some(mut object) = content.remove(&media)
    {
        if let Some(object) = object.as_object_mut() {
            object.insert("x-media-type".into(), Value::String(media));
        }
        content.insert("application/json".into(), object);
    }
    // JSON written in another case (`application/JSON`): media types are
    // case-insensitive, progenitor's match is not.
    if let Some(media) = content
        .keys()
        .find(|m| {
            crate::model::essence(m) == "application/json"
                && m.split(';').next().map(str::trim) != Some("application/json")
        })
        .cloned()
        && !content.contains_key("application/json")
        && let Some(object) = content.remove(&media)
    {
        content.insert("application/json".into(), object);
    }
    // A response in JSON and other media types: progenitor would count a
    // type for each; the client asks for and reads the JSON one.
    if !request && content.keys().any(|m| crate::model::is_json_media(m)) {
        content.retain(|m, _| crate::model::is_json_media(m));
    }
    for (media, object) in content.iter_mut() {
        let Some(object) = object.as_object_mut() else {
            continue;
        };
        if object.contains_key("schema") {
            continue;
        }
        if crate::model::is_json_media(media) {
            object.insert("schema".into(), json!({}));
        } else if request {
            object.insert(
                "schema".into(),
                json!({"type": "string", "format": "binary"}),
            );
        }
    }
}

/// progenitor sends a request body as JSON, a form, bytes
/// (`application/octet-stream`, exactly `{type: string, format: binary}`) or
/// text (`text/plain`, exactly `{type: string}`), and refuses the rest. Bytes
/// and text bodies get the schema progenitor wants. A `multipart/form-data`
/// body of an object schema is written as a form whose `x-media-type` says
/// multipart (the client sends it with [`api_support::multipart`], the stub
/// reads it so), each binary property an [`api_support::multipart::File`]. A
/// body of any other media type (`application/xml`, `text/csv`, `*/*`, other
/// multipart kinds) is sent as bytes, its documented type kept in
/// `x-media-type` for the client's `Content-Type`.
fn sendable_request_body(doc: &mut Value, body_pointer: &str) {
    let at = format!("{body_pointer}/content");
    let Some((media, schema)) = doc
        .pointer(&at)
        .and_then(Value::as_object)
        .and_then(|content| content.iter().next())
        .map(|(media, object)| (media.clone(), object.get("schema").cloned()))
    else {
        return;
    };
    let essence = crate::model::essence(&media);
    let multipart = essence == "multipart/form-data"
        && schema
            .as_ref()
            .is_some_and(|schema| object_schema(doc, schema));
    if multipart && let Some(schema) = &schema {
        binary_files(
            doc,
            &format!("{at}/{}/schema", escape_pointer(&media)),
            schema,
        );
    }
    let bytes = json!({"type": "string", "format": "binary"});
    let Some(Value::Object(content)) = doc.pointer_mut(&at) else {
        return;
    };
    let Some(object) = content.get_mut(&media).and_then(Value::as_object_mut) else {
        return;
    };
    // Per-part encodings are progenitor's `todo!` (and mean nothing for JSON):
    // parts and fields go as their types say.
    object.remove("encoding");
    let (rename, schema) = match essence.as_str() {
        _ if crate::model::is_json_media(&essence) => return,
        "application/x-www-form-urlencoded" => return,
        "application/octet-stream" => (None, bytes),
        "text/plain" | "text/x-markdown" => (None, json!({"type": "string"})),
        _ if multipart => {
            let schema = object.get("schema").cloned().unwrap_or_default();
            (Some("application/x-www-form-urlencoded"), schema)
        }
        "*/*" => (Some("application/octet-stream"), bytes),
        _ => {
            object.insert("x-media-type".into(), Value::String(media.clone()));
            (Some("application/octet-stream"), bytes)
        }
    };
    object.insert("schema".into(), schema);
    if let Some(renamed) = rename {
        if multipart {
            object.insert("x-media-type".into(), Value::String(media.clone()));
        }
        if let Some(object) = content.remove(&media) {
            content.insert(renamed.into(), object);
        }
    }
}

/// Whether a schema (through `$ref`s) describes an object: properties, a
/// map, or `type: object`.
fn object_schema(doc: &Value, schema: &Value) -> bool {
    let schema = resolve(doc, schema);
    schema["type"] == "object"
        || schema.get("properties").is_some()
        || schema.get("additionalProperties").is_some()
}

/// Every property of a multipart body's object schema (and the items of an
/// array property) documented as `{type: string, format: binary}` becomes an
/// [`api_support::multipart::File`]: a part with bytes, a file name and a
/// content type. A property given by `$ref` is marked where it is defined.
fn binary_files(doc: &mut Value, schema_pointer: &str, schema: &Value) {
    let object = ref_target(doc, schema_pointer, schema);
    let Some(properties) = doc
        .pointer(&format!("{object}/properties"))
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    for (name, property) in properties {
        let at = format!("{object}/properties/{}", escape_pointer(&name));
        let mut target = ref_target(doc, &at, &property);
        let is_array = doc.pointer(&target).is_some_and(|p| p["type"] == "array");
        if is_array && let Some(items) = doc.pointer(&format!("{target}/items")).cloned() {
            target = ref_target(doc, &format!("{target}/items"), &items);
        }
        let Some(Value::Object(slot)) = doc.pointer_mut(&target) else {
            continue;
        };
        if slot.get("type") == Some(&json!("string"))
            && slot.get("format") == Some(&json!("binary"))
        {
            slot.insert(
                "x-rust-type".into(),
                support_type("multipart::File", vec![]),
            );
        }
    }
}

/// The pointer of the value a schema at `pointer` stands for: itself, or
/// where its local `$ref` chain ends.
fn ref_target(doc: &Value, pointer: &str, schema: &Value) -> String {
    let mut pointer = pointer.to_owned();
    let mut schema = schema.clone();
    for _ in 0..32 {
        let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        let Some(next) = doc.pointer(target) else {
            break;
        };
        pointer = target.to_owned();
        schema = next.clone();
    }
    pointer
}

/// A request body offered in several media types (`application/json` and a
/// form, say) makes progenitor panic: it sends one. The working copy keeps the
/// JSON one, else a form (urlencoded or multipart), bytes or text, else the first.
fn single_request_media(doc: &mut Value, body_pointer: &str) {
    let Some(content) = doc
        .pointer_mut(&format!("{body_pointer}/content"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if content.len() < 2 {
        return;
    }
    let sendable = |media: &str| {
        matches!(
            crate::model::essence(media).as_str(),
            "application/x-www-form-urlencoded"
                | "multipart/form-data"
                | "application/octet-stream"
                | "text/plain"
        )
    };
    let keep = content
        .keys()
        .find(|m| crate::model::is_json_media(m))
        .or_else(|| content.keys().find(|m| sendable(m)))
        .or_else(|| content.keys().next())
        .cloned();
    if let Some(keep) = keep {
        content.retain(|media, _| *media == keep);
    }
}

/// An inline object schema of a JSON or form request body becomes a
/// component named as progenitor names such a body's type (`<Operation>Body`),
/// so the types crate holds it: the client takes it from there, and the
/// server stub reads the body into the same struct instead of a JSON value.
/// A body behind a `$ref` (shared by operations), a plain or array schema,
/// or a name already taken is left as it is.
fn inline_request_body(doc: &mut Value, op_pointer: &str) {
    let name = format!("{}Body", operation_name(doc, op_pointer));
    let Some(content) = doc
        .pointer(&format!("{op_pointer}/requestBody/content"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let Some((media, schema)) = content.iter().find_map(|(media, object)| {
        let typed = crate::model::is_json_media(media)
            || crate::model::essence(media) == "application/x-www-form-urlencoded";
        typed.then(|| Some((media.clone(), object.get("schema")?.clone())))?
    }) else {
        return;
    };
    let structured = schema.get("$ref").is_none()
        && (schema["type"] == "object"
            || [
                "properties",
                "additionalProperties",
                "allOf",
                "oneOf",
                "anyOf",
            ]
            .iter()
            .any(|k| schema.get(*k).is_some()));
    let taken = doc
        .pointer(&format!("/components/schemas/{}", escape_pointer(&name)))
        .is_some();
    if !structured || taken {
        return;
    }
    let Some(schemas) = component_schemas(doc) else {
        return;
    };
    schemas.insert(name.clone(), schema);
    let at = format!(
        "{op_pointer}/requestBody/content/{}/schema",
        escape_pointer(&media)
    );
    if let Some(place) = doc.pointer_mut(&at) {
        *place = json!({"$ref": format!("#/components/schemas/{}", escape_pointer(&name))});
    }
}

/// An `enum` whose values are not of its schema's `type` makes typify refuse
/// the whole spec. The values are what the wire carries, so the working copy
/// fits the schema to them:
///
/// * an array schema with scalar values (`type: array, enum: [live, promotions]`)
///   means the items': the enum moves to `items`;
/// * values that are all strings on an integer, number or boolean schema
///   (Azure's `type: integer, enum: [Primary, Secondary]`) make it a string schema;
/// * a number or boolean among a string schema's values is its text (`true`);
/// * any other value that does not fit is dropped, and an enum left empty with it.
pub fn fit_enums(doc: &mut Value) {
    crate::spec::visit_schemas_mut(doc, &mut fit_enum);
}

fn fit_enum(map: &mut Map<String, Value>) {
    // A value listed twice is one value.
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        let mut seen = Vec::new();
        values.retain(|v| {
            let first = !seen.contains(v);
            if first {
                seen.push(v.clone());
            }
            first
        });
    }
    let Some(Value::Array(values)) = map.get("enum") else {
        return;
    };
    // Values that are all strings, with no `type`: a string enum.
    if !map.contains_key("type") && values.iter().all(Value::is_string) {
        map.insert("type".into(), json!("string"));
        return;
    }
    // No `type`, and values of several JSON types (Vonage's `true` and `1`):
    // no one Rust type holds them; the schema takes any of them.
    let kinds: std::collections::BTreeSet<&str> = values
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| match v {
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            _ => "object",
        })
        .collect();
    if !map.contains_key("type") && kinds.len() > 1 {
        map.remove("enum");
        return;
    }
    let ty = map.get("type").and_then(Value::as_str).unwrap_or_default();
    let of_type = |v: &Value| match ty {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    if values.iter().all(|v| v.is_null() || of_type(v)) {
        return;
    }
    let values = values.clone();
    let scalar = |v: &Value| v.is_string() || v.is_number() || v.is_boolean();
    if ty == "array" && values.iter().all(|v| v.is_null() || scalar(v)) {
        map.remove("enum");
        if let Some(Value::Object(items)) = map.get_mut("items")
            && !items.contains_key("enum")
        {
            items.insert("enum".into(), Value::Array(values));
            fit_enum(items);
        }
        return;
    }
    if matches!(ty, "integer" | "number" | "boolean")
        && values.iter().all(|v| v.is_null() || v.is_string())
    {
        map.insert("type".into(), json!("string"));
        map.remove("format");
        return;
    }
    let fitted: Vec<Value> = values
        .into_iter()
        .filter_map(|v| match v {
            Value::Null => Some(v),
            v if of_type(&v) => Some(v),
            Value::Number(_) | Value::Bool(_) if ty == "string" => {
                Some(Value::String(v.to_string()))
            }
            _ => None,
        })
        .collect();
    if fitted.iter().all(Value::is_null) {
        map.remove("enum");
    } else {
        map.insert("enum".into(), Value::Array(fitted));
    }
}

/// A `default` its own schema rejects (`type: integer, default: current`, a
/// value outside the `enum`, the bounds or the `pattern`, an array of
/// strings for an array of arrays, a value its `$ref`'d schema rejects, a
/// member a closed object does not take) cannot be a value of the generated
/// type, and typify refuses the whole spec over it; nor can typify build one
/// for a union (`anyOf`, `oneOf`). The working copy drops it (lint's
/// `example` rule reports the rejected ones).
pub fn drop_impossible_defaults(doc: &mut Value) {
    /// `names`: `value` maps names to schemas (`properties`), so a key
    /// `default` there is a property, not a default.
    fn walk(doc: &Value, value: &Value, pointer: &str, names: bool, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if !names && map.get("default").is_some_and(|d| !fits(doc, value, d, 0)) {
                    out.push(format!("{pointer}/default"));
                }
                for (k, v) in map {
                    let skip = ["example", "examples", "default", "enum"].contains(&k.as_str());
                    if names || !skip {
                        let names = !names && k == "properties";
                        walk(
                            doc,
                            v,
                            &format!("{pointer}/{}", escape_pointer(k)),
                            names,
                            out,
                        );
                    }
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(doc, v, &format!("{pointer}/{i}"), false, out);
                }
            }
            _ => {}
        }
    }
    let mut impossible = Vec::new();
    walk(doc, doc, "", false, &mut impossible);
    for pointer in impossible {
        let Some((parent, _)) = pointer.rsplit_once('/') else {
            continue;
        };
        if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
            map.remove("default");
        }
    }
}

/// Whether a value is one of a schema (through `$ref`s and a lone `allOf`):
/// its type (or the one its `items`/`properties` imply), its `enum`, its
/// bounds, its `pattern`, its items and its properties (none it does not
/// take); a union's values are not counted as fitting. `null` fits a
/// nullable or untyped schema.
fn fits(doc: &Value, schema: &Value, value: &Value, depth: usize) -> bool {
    let mut schema = resolve(doc, schema);
    while let Some([only]) = schema
        .get("allOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
    {
        schema = resolve(doc, only);
    }
    if depth > 16 {
        return true;
    }
    if value.is_null() {
        return schema.get("nullable") == Some(&Value::Bool(true)) || schema.get("type").is_none();
    }
    let ty = schema.get("type").and_then(Value::as_str).or_else(|| {
        if schema.get("items").is_some() {
            Some("array")
        } else if schema.get("properties").is_some() {
            Some("object")
        } else {
            None
        }
    });
    let typed = match ty {
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    };
    let listed = schema
        .get("enum")
        .and_then(Value::as_array)
        .is_none_or(|values| values.contains(value));
    let bound = |key: &str, ok: fn(f64, f64) -> bool| match (
        schema.get(key).and_then(Value::as_f64),
        value.as_f64(),
    ) {
        (Some(limit), Some(v)) => ok(v, limit),
        _ => true,
    };
    let bounded = bound("minimum", |v, min| v >= min) && bound("maximum", |v, max| v <= max);
    let items = match (value, schema.get("items")) {
        (Value::Array(values), Some(items)) => {
            values.iter().all(|v| fits(doc, items, v, depth + 1))
        }
        _ => true,
    };
    let properties = match (value, schema.get("properties").and_then(Value::as_object)) {
        (Value::Object(values), Some(properties)) => {
            values.iter().all(|(k, v)| match properties.get(k) {
                Some(property) => fits(doc, property, v, depth + 1),
                // A member the object does not take.
                None => schema.get("additionalProperties") != Some(&Value::Bool(false)),
            })
        }
        _ => true,
    };
    // A text the schema's `pattern` refuses (one that does not compile says nothing).
    let matches = match (
        value.as_str(),
        schema.get("pattern").and_then(Value::as_str),
    ) {
        (Some(text), Some(pattern)) => {
            regress::Regex::new(pattern).map_or(true, |re| re.find(text).is_some())
        }
        _ => true,
    };
    // A value for a union (`oneOf`, `anyOf`): typify must pick the variant it
    // builds the default from, and refuses what it cannot (a text beside an
    // object, as in LinQR's colours); such a default is not kept.
    let union = schema.get("oneOf").is_some() || schema.get("anyOf").is_some();
    typed && listed && bounded && items && properties && matches && !union
}

/// typify stops (`todo!`) at a schema without `type` that only a `format`
/// types (`{format: date-time}`, `{format: int32}`), or that mixes object
/// and array keywords (`{properties, maxItems}`). The working copy states
/// the type the keywords imply: `integer` for `int32`/`int64`, `number` for
/// `float`/`double`, `string` for any other format; `object` where there are
/// properties, whose array keywords then mean nothing and are dropped.
pub fn implied_types(doc: &mut Value) {
    crate::spec::visit_schemas_mut(doc, &mut |map| {
        // Bounds every value meets say nothing, and typify's checks of them
        // (`len < 0`) are comparisons rustc warns about.
        for key in ["minLength", "minItems", "minProperties"] {
            if map.get(key).and_then(Value::as_u64) == Some(0) {
                map.remove(key);
            }
        }
        let composed = ["$ref", "allOf", "oneOf", "anyOf", "enum", "not"]
            .iter()
            .any(|k| map.contains_key(*k));
        if map.contains_key("type") || composed {
            return;
        }
        const ARRAY: [&str; 4] = ["items", "maxItems", "minItems", "uniqueItems"];
        if map.contains_key("properties") {
            // Object keywords beside array ones: an object (typeless objects
            // are typify's own, and stay as they are).
            if ARRAY.iter().any(|k| map.contains_key(*k)) {
                map.insert("type".into(), json!("object"));
                for key in ARRAY {
                    map.remove(key);
                }
            }
        } else if let Some(format) = map.get("format").and_then(Value::as_str) {
            let ty = match format {
                "int32" | "int64" => "integer",
                "float" | "double" => "number",
                _ => "string",
            };
            map.insert("type".into(), json!(ty));
        }
    });
}

/// `format` only refines strings and numbers; on an object, array or boolean
/// (Twilio's `type: object, format: uri-map`) it means nothing and typify
/// panics on it, so the working copy drops it there.
pub fn drop_structural_formats(doc: &mut Value) {
    crate::spec::visit_schemas_mut(doc, &mut |map| {
        if matches!(
            map.get("type").and_then(Value::as_str),
            Some("object" | "array" | "boolean")
        ) && map.get("format").is_some_and(Value::is_string)
        {
            map.remove("format");
        }
    });
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null") || v.get("enum") == Some(&json!([null]))
}

/// `anyOf: [X, {type: 'null'}]` (FastAPI, OpenAPI 3.1 style) becomes X with `nullable: true`.
pub fn normalize_null_unions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for key in ["anyOf", "oneOf"] {
                let Some(Value::Array(variants)) = map.get(key) else {
                    continue;
                };
                if !variants.iter().any(is_null_schema) {
                    continue;
                }
                let rest: Vec<Value> = variants
                    .iter()
                    .filter(|v| !is_null_schema(v))
                    .cloned()
                    .collect();
                map.remove(key);
                map.insert("nullable".into(), Value::Bool(true));
                match rest.as_slice() {
                    [] => {}
                    [only] if only.get("$ref").is_some() => {
                        map.insert("allOf".into(), json!([only]));
                    }
                    [Value::Object(only)] => {
                        for (k, v) in only {
                            map.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                    _ => {
                        map.insert(key.into(), Value::Array(rest));
                    }
                }
            }
            for (k, v) in map.iter_mut() {
                if k != "example" && k != "examples" {
                    normalize_null_unions(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_null_unions),
        _ => {}
    }
}

fn api_key_headers(doc: &Value) -> Vec<String> {
    crate::security::schemes(doc)
        .into_iter()
        .filter_map(|s| match s.kind {
            crate::security::Kind::ApiKeyHeader { header } => Some(header.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// A parameter described by `content` (Superset's `q` is JSON text in the
/// query) instead of a `schema`: a string, the text the caller serializes;
/// the description says in what media type and of which schema.
fn content_as_text(p: &mut Value) {
    if p.get("schema").is_some() {
        return;
    }
    let Some(Value::Object(content)) = p.as_object_mut().and_then(|p| p.remove("content")) else {
        return;
    };
    let Some((media, entry)) = content.into_iter().next() else {
        return;
    };
    let what = match entry["schema"].get("$ref").and_then(Value::as_str) {
        Some(reference) => format!(" (`{}`)", reference.rsplit('/').next().unwrap_or(reference)),
        None => String::new(),
    };
    let note = format!("The value as `{media}` text{what}, serialized by the caller.");
    let description = match p["description"].as_str() {
        Some(d) if !d.is_empty() => format!("{d}\n\n{note}"),
        _ => note,
    };
    p["description"] = Value::String(description);
    p["schema"] = json!({"type": "string"});
}

fn rewrite_parameters(
    doc: &mut Value,
    op_pointer: &str,
    path_params: &[Value],
    api_key_headers: &[String],
) {
    // Path-level parameters are merged into the operation (operation wins), refs inlined.
    let op = doc.pointer(op_pointer).cloned().unwrap_or_default();
    let mut params: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    params = params.iter().map(|p| resolve(doc, p).clone()).collect();
    for p in path_params {
        let p = resolve(doc, p).clone();
        if !params
            .iter()
            .any(|q| q["name"] == p["name"] && q["in"] == p["in"])
        {
            params.push(p);
        }
    }
    let params: Vec<Value> = params
        .into_iter()
        .filter(|p| {
            let is_header = p["in"] == "header";
            let name = p["name"].as_str().unwrap_or_default().to_ascii_lowercase();
            !(is_header && (name == "authorization" || api_key_headers.contains(&name)))
        })
        .map(|mut p| {
            content_as_text(&mut p);
            if p["in"] == "header"
                && let Some(schema) = p.get_mut("schema").and_then(Value::as_object_mut)
            {
                schema.remove("nullable");
            }
            let delimited = match p["style"].as_str() {
                Some("pipeDelimited") => Some(("pipe", "PipeList")),
                Some("spaceDelimited") => Some(("space", "SpaceList")),
                _ if p.get("explode") == Some(&Value::Bool(false)) => Some(("comma", "CommaList")),
                _ => None,
            };
            if p["in"] == "query"
                && let Some((style, list)) = delimited
            {
                let schema = resolve(doc, &p["schema"]).clone();
                if schema["type"] == "array" {
                    p["schema"] = delimited_list(&schema, list);
                    p["x-list-style"] = json!(style);
                    if let Some(p) = p.as_object_mut() {
                        p.remove("style");
                        p.remove("explode");
                    }
                }
            }
            p
        })
        .collect();
    if let Some(Value::Object(op)) = doc.pointer_mut(op_pointer) {
        if params.is_empty() {
            op.remove("parameters");
        } else {
            op.insert("parameters".into(), Value::Array(params));
        }
    }
}

/// A `style: deepObject` query parameter (`filter[status]=active`), which
/// progenitor refuses, is handed to it as a plain query parameter marked
/// `x-deep-object`: the client sends it as a deep object
/// ([`api_support::DeepObject`]), the stub reads it so. The inline object or
/// composite (`anyOf`, `oneOf`, `allOf`) schema of any parameter, which
/// progenitor panics on, becomes a component `<Operation><Parameter>`, so
/// client and stub share its type.
fn deep_object_parameters(doc: &mut Value, op_pointer: &str, names: &mut ComponentNames) {
    let op_name = operation_name(doc, op_pointer);
    let count = doc
        .pointer(&format!("{op_pointer}/parameters"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    for i in 0..count {
        let at = format!("{op_pointer}/parameters/{i}");
        let Some(p) = doc.pointer(&at) else {
            continue;
        };
        let deep = p["in"] == "query" && p["style"] == "deepObject";
        let name = p["name"].as_str().unwrap_or_default().to_owned();
        let schema = p.get("schema").cloned().unwrap_or_default();
        let composite = ["anyOf", "oneOf", "allOf"]
            .iter()
            .any(|k| schema.get(*k).is_some());
        let inline = schema.get("$ref").is_none() && (object_schema(doc, &schema) || composite);
        if inline {
            let component = names.free(
                doc,
                &format!("{op_name}{}", crate::names::component_key(&name)),
            );
            if let Some(schemas) = component_schemas(doc) {
                schemas.insert(component.clone(), schema);
            }
            if let Some(slot) = doc.pointer_mut(&format!("{at}/schema")) {
                *slot =
                    json!({"$ref": format!("#/components/schemas/{}", escape_pointer(&component))});
            }
        }
        if deep && let Some(Value::Object(p)) = doc.pointer_mut(&at) {
            p.remove("style");
            p.remove("explode");
            p.insert("x-deep-object".into(), Value::Bool(true));
        }
    }
}

/// Two parameters whose Rust names meet (AWS's `max-results` and
/// `maxResults`) would give progenitor two fields of one name: the later one
/// is renamed `<name>~<n>` (Rust `max_results_2`), its wire name kept in
/// `x-wire-name`; the client's requests send the wire name again
/// (`client.rs`), and the model reads it. Path parameters keep their names
/// (the path template names them).
fn distinct_parameter_names(doc: &mut Value, op_pointer: &str) {
    // The request builder's own names: its constructor, `send`, its client
    // field and the paging methods (a query parameter `new` would be a second
    // `new`); with a request body, its `body` and `body_map` too.
    let has_body = doc.pointer(&format!("{op_pointer}/requestBody")).is_some();
    let Some(Value::Array(params)) = doc.pointer_mut(&format!("{op_pointer}/parameters")) else {
        return;
    };
    let body_names: &[&str] = if has_body { &["body", "body_map"] } else { &[] };
    let mut order: Vec<usize> = (0..params.len()).collect();
    order.sort_by_key(|&i| params[i]["in"] != "path");
    let mut taken: std::collections::BTreeSet<String> = [
        "new",
        "send",
        "client",
        "pages",
        "stream",
        "stream_with_retry",
        "collect_up_to",
        "concurrency",
    ]
    .iter()
    .chain(body_names)
    .map(|name| (*name).to_owned())
    .collect();
    for i in order {
        let name = params[i]["name"].as_str().unwrap_or_default().to_owned();
        if taken.insert(crate::names::parameter(&name)) || params[i]["in"] == "path" {
            continue;
        }
        let marker = (2..)
            .map(|n| format!("{name}~{n}"))
            .find(|marker| !taken.contains(&crate::names::parameter(marker)))
            .expect("an unused name exists");
        taken.insert(crate::names::parameter(&marker));
        params[i]["x-wire-name"] = Value::String(name);
        params[i]["name"] = Value::String(marker);
    }
}

/// The document's `components.schemas` map, made where it is missing;
/// `None` when the document or its `components` is not a map.
pub(crate) fn component_schemas(doc: &mut Value) -> Option<&mut Map<String, Value>> {
    doc.as_object_mut()?
        .entry("components")
        .or_insert_with(|| json!({}))
        .as_object_mut()?
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
}

/// Adds a component schema the generator derives, refusing to overwrite one the spec has.
fn add_component(
    file: &Path,
    doc: &mut Value,
    name: &str,
    schema: Value,
    purpose: &str,
) -> Result<(), SpecError> {
    let schemas = component_schemas(doc)
        .ok_or_else(|| SpecError::at(file, "/components", "expected `components` to be a map"))?;
    if schemas.contains_key(name) {
        return Err(SpecError::at(
            file,
            format!("/components/schemas/{}", escape_pointer(name)),
            format!("the generator needs the name `{name}` for {purpose}; rename this schema"),
        ));
    }
    schemas.insert(name.to_owned(), schema);
    Ok(())
}

/// The operation's id in PascalCase (the prefix of the component names derived from it).
fn operation_name(doc: &Value, op_pointer: &str) -> String {
    doc.pointer(&format!("{op_pointer}/operationId"))
        .and_then(Value::as_str)
        .map(crate::names::operation_type)
        .unwrap_or_default()
}

/// A parameter's schema, or its array items' schema.
struct ParameterSchema {
    name: String,
    pointer: String,
    items: bool,
}

/// Every parameter schema of an operation and, for arrays, the items schema.
fn parameter_schemas(doc: &Value, op_pointer: &str) -> Vec<ParameterSchema> {
    let params = doc
        .pointer(&format!("{op_pointer}/parameters"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, param) in params.iter().enumerate() {
        let name = param["name"].as_str().unwrap_or_default().to_owned();
        for (at, items) in [("schema", false), ("schema/items", true)] {
            let pointer = format!("{op_pointer}/parameters/{i}/{at}");
            if doc.pointer(&pointer).is_some() {
                out.push(ParameterSchema {
                    name: name.clone(),
                    pointer,
                    items,
                });
            }
        }
    }
    out
}

/// Inline enum parameter schemas (or array items) become named components, so
/// the types crate holds them and client and server share one type.
fn hoist_parameter_enums(
    file: &Path,
    doc: &mut Value,
    op_pointer: &str,
    names: &mut ComponentNames,
) -> Result<(), SpecError> {
    let op_id = operation_name(doc, op_pointer);
    for ParameterSchema {
        name,
        pointer: schema_pointer,
        items,
    } in parameter_schemas(doc, op_pointer)
    {
        let suffix = if items { "Item" } else { "" };
        let base = format!("{op_id}{}", crate::names::type_name(&name));
        let Some(schema) = doc.pointer(&schema_pointer) else {
            continue;
        };
        if schema.get("enum").is_none() || schema["type"] != "string" {
            continue;
        }
        // A schema of the spec may hold the name already: the next free one.
        let component = names.free(doc, &format!("{base}{suffix}"));
        let schema = schema.clone();
        add_component(
            file,
            doc,
            &component,
            schema,
            &format!("the enum of parameter `{name}`"),
        )?;
        let reference = json!({"$ref": format!("#/components/schemas/{component}")});
        // A comma list already carries its items as the `CommaList` type parameter.
        if items
            && let Some(parameter) = schema_pointer
                .strip_suffix("/items")
                .and_then(|array| doc.pointer_mut(&format!("{array}/x-rust-type/parameters/0")))
        {
            *parameter = reference.clone();
        }
        if let Some(slot) = doc.pointer_mut(&schema_pointer) {
            *slot = reference;
        }
    }
    Ok(())
}

fn support_type(path: &str, parameters: Vec<Value>) -> Value {
    json!({"crate": SUPPORT_CRATE, "version": "*", "path": format!("api_support::{path}"), "parameters": parameters})
}

/// `x-predicate` and `x-sort` become typed filters the service's syntax allows, and nothing else.
fn typed_filters(file: &Path, doc: &mut Value, op_pointer: &str) -> Result<(), SpecError> {
    let op_id = operation_name(doc, op_pointer);
    for ParameterSchema {
        name,
        pointer: schema_pointer,
        ..
    } in parameter_schemas(doc, op_pointer)
    {
        let Some(schema) = doc.pointer(&schema_pointer).cloned() else {
            continue;
        };
        if let Some(predicate) = schema.get("x-predicate") {
            let ext = format!("{schema_pointer}/x-predicate");
            let predicate: crate::extensions::XPredicate =
                crate::extensions::decode(file, &ext, predicate)?;
            let operators: Vec<&str> = predicate.operators.iter().map(String::as_str).collect();
            let marker = match operators.as_slice() {
                ["eq", "neq"] => "Equality",
                ["eq", "neq", "gt", "gte", "lt", "lte"] => "Ordered",
                _ => {
                    return Err(SpecError::at(
                        file,
                        format!("{ext}/operators"),
                        "expected `[eq, neq]` or `[eq, neq, gt, gte, lt, lte]` (the operator sets typed filters support)",
                    ));
                }
            };
            let value = predicate.value;
            let marker = json!({"x-rust-type": support_type(marker, vec![])});
            if let Some(slot) = doc.pointer_mut(&schema_pointer) {
                slot["x-rust-type"] = support_type("Predicate", vec![value, marker]);
            }
        }
        if let Some(sort) = schema.get("x-sort") {
            let ext = format!("{schema_pointer}/x-sort");
            let sort: crate::extensions::XSort = crate::extensions::decode(file, &ext, sort)?;
            if sort.columns.is_empty() {
                return Err(SpecError::at(
                    file,
                    format!("{ext}/columns"),
                    "expected a list of column names",
                ));
            }
            let columns = sort.columns;
            let component = format!("{op_id}{}Column", crate::names::type_name(&name));
            let columns_schema = json!({"type": "string", "description": format!("A column `{name}` sorts by."), "enum": columns});
            add_component(
                file,
                doc,
                &component,
                columns_schema,
                &format!("the sort columns of `{name}`"),
            )?;
            if let Some(slot) = doc.pointer_mut(&schema_pointer) {
                slot["x-rust-type"] = support_type(
                    "Sort",
                    vec![json!({"$ref": format!("#/components/schemas/{component}")})],
                );
            }
        }
    }
    Ok(())
}

/// An array schema sent as one delimited value: `x-rust-type` names the list
/// type, its item type the items' (their checks, which would make typify
/// name a type it has no name for, stay on `items`, where the stub reads them).
fn delimited_list(array_schema: &Value, list: &str) -> Value {
    const CHECKS: &[&str] = &[
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "description",
        "title",
        "example",
        "default",
    ];
    let mut schema = array_schema.clone();
    let mut items = schema
        .get("items")
        .cloned()
        .unwrap_or_else(|| json!({"type": "string"}));
    if let Some(items) = items.as_object_mut() {
        // A date-time's pattern picks its type (`TimestampSeconds`, see `types.rs`).
        let timestamp = items.get("format") == Some(&json!("date-time"));
        items.retain(|k, _| !CHECKS.contains(&k.as_str()) || (timestamp && k == "pattern"));
        // A string enum becomes a component of its own (`hoist_parameter_enums`);
        // the values of another are a check like the others.
        if items.get("type") != Some(&json!("string")) {
            items.remove("enum");
        }
    }
    schema["x-rust-type"] = support_type(list, vec![items]);
    schema
}

fn json_schema(doc: &Value, response: &Value) -> Option<Value> {
    crate::model::json_body_schema(doc, response).cloned()
}

/// The responses of an operation, rewritten so that progenitor has one
/// success and one error type: a `default` beside a differently shaped
/// success becomes the `4XX` and `5XX` ranges, and differing bodies of one
/// side become a union component.
fn rewrite_responses(
    file: &Path,
    doc: &mut Value,
    op_pointer: &str,
    names: &mut ComponentNames,
) -> Result<(), SpecError> {
    let op_id = doc
        .pointer(&format!("{op_pointer}/operationId"))
        .and_then(Value::as_str)
        .unwrap_or("operation")
        .to_owned();
    let resp_pointer = format!("{op_pointer}/responses");
    let Some(responses) = doc
        .pointer(&resp_pointer)
        .and_then(Value::as_object)
        .cloned()
    else {
        return Ok(());
    };
    // Inline `$ref`'d responses so each status can be rewritten on its own.
    let mut responses: Map<String, Value> = responses
        .into_iter()
        .map(|(k, v)| (k, resolve(doc, &v).clone()))
        .collect();
    // progenitor reads a `101 Switching Protocols` as a websocket upgrade; the
    // client of an operation that is none cannot switch, and hands it over
    // undecoded.
    let websocket = doc
        .pointer(&format!("{op_pointer}/x-dropshot-websocket"))
        .is_some();
    if !websocket && responses.len() > 1 {
        responses.remove("101");
    }
    default_as_error_ranges(doc, &mut responses);
    for side in [Side::Success, Side::Error] {
        let keys: Vec<String> = responses
            .keys()
            .filter(|k| side.holds(k))
            .cloned()
            .collect();
        let bodies = side_bodies(doc, &responses, &keys, side);
        let bodiless = bodies.bodiless.clone();
        // Undecoded for the client: not a status of its error type.
        for k in &bodies.raw {
            responses.remove(k);
        }
        if let Some(streams) = &bodies.streams {
            for k in &bodiless {
                if let Some(response) = responses.get_mut(k).and_then(Value::as_object_mut) {
                    response.insert("content".into(), streams.clone());
                }
            }
            continue;
        }
        let Some(side_schema) = side_type(file, doc, names, bodies, side, &op_id)? else {
            continue;
        };
        // A status without a body beside ones with a body (a 204 beside a 200):
        // the side's type becomes `Option<T>`, and an empty body reads as `None`.
        let schema = if bodiless.is_empty() {
            side_schema
        } else if side_schema.get("$ref").is_some() {
            json!({"nullable": true, "allOf": [side_schema]})
        } else {
            let mut schema = side_schema;
            schema["nullable"] = Value::Bool(true);
            schema
        };
        for k in &keys {
            let Some(response) = responses.get_mut(k).and_then(Value::as_object_mut) else {
                continue;
            };
            if bodiless.contains(k) {
                response.insert("x-empty-body".into(), Value::Bool(true));
                response.insert(
                    "content".into(),
                    json!({"application/json": {"schema": schema.clone()}}),
                );
            } else if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
            {
                for (_, media) in content.iter_mut() {
                    media["schema"] = schema.clone();
                }
            }
        }
    }
    if let Some(slot) = doc.pointer_mut(&resp_pointer) {
        *slot = Value::Object(responses);
    }
    Ok(())
}

/// The one schema of a side's bodies: the body itself, a component for an
/// inline error body (`<Operation>Error`: the model names the client's
/// error type, which paging's streams carry), or a union component of
/// differing bodies; `None`: the side has no JSON body.
fn side_type(
    file: &Path,
    doc: &mut Value,
    names: &mut ComponentNames,
    bodies: SideBodies,
    side: Side,
    op_id: &str,
) -> Result<Option<Value>, SpecError> {
    Ok(Some(match bodies.distinct.len() {
        0 => return Ok(None),
        // An inline error body becomes a component (`<Operation>Error`): the
        // model names the client's error type (paging's streams carry it).
        1 if matches!(side, Side::Error)
            && bodies.distinct[0].get("$ref").is_none()
            && makes_type(&bodies.distinct[0]) =>
        {
            let name = names.free(
                doc,
                &format!("{}Error", crate::names::operation_type(op_id)),
            );
            let mut schema = bodies.distinct[0].clone();
            if let Some(map) = schema.as_object_mut() {
                map.remove("nullable");
            }
            add_component(
                file,
                doc,
                &name,
                schema,
                &format!("the error body of `{op_id}`"),
            )?;
            json!({"$ref": format!("#/components/schemas/{name}")})
        }
        1 => bodies.distinct[0].clone(),
        _ => {
            let base = format!("{}{}", crate::names::operation_type(op_id), side.suffix());
            let name = names.free(doc, &base);
            add_body_union(file, doc, &name, bodies, side, op_id)?;
            json!({"$ref": format!("#/components/schemas/{name}")})
        }
    }))
}

fn is_success(key: &str) -> bool {
    StatusKey::parse(key).is_some_and(StatusKey::is_success)
}

/// progenitor counts a `default` response on both sides, success and error;
/// beside a success or an error of another body it would give one side two
/// types: it becomes the `4XX` and `5XX` ranges (where the operation has
/// none of its own), an error like the errors.
fn default_as_error_ranges(doc: &Value, responses: &mut Map<String, Value>) {
    let Some(default) = responses.get("default").cloned() else {
        return;
    };
    // A body as progenitor tells bodies apart: none, raw, or a JSON schema.
    let body = |response: &Value| {
        let content = crate::spec::resolve(doc, response)
            .get("content")
            .and_then(Value::as_object)
            .filter(|c| !c.is_empty());
        match (json_schema(doc, response), content) {
            (Some(schema), _) => json!({ "json": schema }),
            (None, Some(_)) => json!("raw"),
            (None, None) => Value::Null,
        }
    };
    let has_success = responses.keys().any(|k| is_success(k));
    let default_body = body(&default);
    let differs = responses
        .iter()
        .filter(|(k, _)| *k != "default" && StatusKey::parse(k).is_some())
        .any(|(_, v)| body(v) != default_body);
    if has_success && differs {
        responses.remove("default");
        for range in ["4XX", "5XX"] {
            responses.entry(range).or_insert_with(|| default.clone());
        }
    }
}

/// The successes or the errors of an operation: progenitor takes one type for each.
#[derive(Clone, Copy)]
enum Side {
    Success,
    Error,
}

impl Side {
    fn holds(self, key: &str) -> bool {
        match self {
            Side::Success => is_success(key),
            Side::Error => StatusKey::parse(key).is_some_and(StatusKey::is_error),
        }
    }

    /// How the side is named in messages.
    fn word(self) -> &'static str {
        match self {
            Side::Success => "success",
            Side::Error => "error",
        }
    }

    /// The suffix of a union component's name (`<Operation>Error`).
    fn suffix(self) -> &'static str {
        match self {
            Side::Success => "Response",
            Side::Error => "Error",
        }
    }
}

/// The JSON bodies of one side's responses.
struct SideBodies {
    /// Each distinct body schema, in the order of the responses.
    distinct: Vec<Value>,
    /// The body schema of each status.
    by_status: Map<String, Value>,
    /// The statuses documented without any body.
    bodiless: Vec<String>,
    /// Error statuses whose body is not JSON beside JSON ones: the client
    /// hands them over undecoded (`Error::UnexpectedResponse`).
    raw: Vec<String>,
    /// Where a side's bodies are all raw (no JSON) beside bodiless statuses:
    /// the raw content, which the bodiless statuses take too (an empty
    /// body is an empty stream of bytes).
    streams: Option<Value>,
}

/// The bodies of the responses `keys` (one side's). A status without any
/// body may stand beside JSON ones (the side's type becomes an `Option`); an
/// error with a body that is not JSON is left to the caller undecoded; a
/// success with one makes every success of the operation raw bytes.
fn side_bodies(
    doc: &Value,
    responses: &Map<String, Value>,
    keys: &[String],
    side: Side,
) -> SideBodies {
    let mut distinct: Vec<Value> = Vec::new();
    let mut bodiless = Vec::new();
    let mut other_media = Vec::new();
    let mut by_status = Map::new();
    for k in keys {
        match json_schema(doc, &responses[k]) {
            Some(s) => {
                by_status.insert(k.clone(), s.clone());
                if !distinct.contains(&s) {
                    distinct.push(s);
                }
            }
            None if has_content(&responses[k]) => other_media.push(k.clone()),
            None => bodiless.push(k.clone()),
        }
    }
    if !distinct.is_empty() && !other_media.is_empty() && matches!(side, Side::Error) {
        return SideBodies {
            distinct,
            by_status,
            bodiless,
            raw: other_media,
            streams: None,
        };
    }
    if distinct.is_empty() && !other_media.is_empty() && !bodiless.is_empty() {
        let streams = responses[&other_media[0]].get("content").cloned();
        return SideBodies {
            distinct,
            by_status,
            bodiless,
            raw: Vec::new(),
            streams,
        };
    }
    if !distinct.is_empty() && !other_media.is_empty() {
        // A success that is not JSON beside JSON ones (billingo's PDF download
        // at 200, its JSON "not ready" at 202): the client takes every success
        // as the raw body, with its status; the JSON ones are bytes to decode.
        let streams = responses[&other_media[0]].get("content").cloned();
        let mut as_bytes = bodiless;
        as_bytes.extend(by_status.keys().cloned());
        return SideBodies {
            distinct: Vec::new(),
            by_status: Map::new(),
            bodiless: as_bytes,
            raw: Vec::new(),
            streams,
        };
    }
    SideBodies {
        distinct,
        by_status,
        bodiless,
        raw: Vec::new(),
        streams: None,
    }
}

/// Whether a response documents a body of any media type.
fn has_content(response: &Value) -> bool {
    response
        .get("content")
        .and_then(Value::as_object)
        .is_some_and(|c| !c.is_empty())
}

/// Adds the component `name`: a `oneOf` of a side's distinct bodies.
fn add_body_union(
    file: &Path,
    doc: &mut Value,
    name: &str,
    bodies: SideBodies,
    side: Side,
    op_id: &str,
) -> Result<(), SpecError> {
    let side = side.word();
    // Untagged decoding takes the first variant that fits: most required properties first.
    let mut ordered: Vec<(usize, Value)> = bodies.distinct.into_iter().enumerate().collect();
    let schemas = doc.pointer("/components/schemas").unwrap_or(&Value::Null);
    ordered.sort_by_cached_key(|(i, s)| (std::cmp::Reverse(required_count(schemas, s)), *i));
    let variants: Vec<Value> = ordered.into_iter().map(|(_, s)| s).collect();
    // The client decodes a body as its own status's schema first (`x-status-bodies`),
    // and by shape only when the service sent another one.
    let union = json!({
        "description": format!("Any {side} body of `{op_id}`: the bodies differ by status."),
        "oneOf": variants,
        "x-status-bodies": bodies.by_status,
    });
    add_component(
        file,
        doc,
        name,
        union,
        &format!("the union of `{op_id}`'s {side} bodies"),
    )
}

/// An inline string enum whose values give typify one variant name twice
/// (`Failed`, `FAILED`) or none (`<`, `>=`, an emoji) makes typify panic. The
/// working copy moves each such enum into a component of its own, named
/// as typify would name the inline type (`<Schema><Property>`), so that the
/// generator's own enums (`enums.rs`) name its variants (`Failed`,
/// `Failed2`; `Value0`) and keep every value on the wire as written.
fn hoist_clashing_enums(doc: &mut Value) {
    let mut found = Vec::new();
    let mut typed = Vec::new();
    for (key, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let at = format!("/components/schemas/{}", escape_pointer(key));
        if clashing_enum(schema) && schema.get("nullable") == Some(&Value::Bool(true)) {
            // A nullable one: its enum moves to `<Name>Value`, as an inline one would.
            found.push((at, format!("{}Value", crate::names::component_key(key))));
        } else if clashing_enum(schema) {
            // A component that is itself the enum is the generator's already
            // (given its `type`).
            typed.push(at);
        } else {
            clashing_enums(schema, &at, &crate::names::component_key(key), &mut found);
        }
    }
    for at in typed {
        if let Some(schema) = doc.pointer_mut(&at) {
            schema["type"] = json!("string");
        }
    }
    for op in crate::spec::operations(doc) {
        let name = crate::names::component_key(op.op["operationId"].as_str().unwrap_or_default());
        clashing_enums(op.op, &op.pointer, &name, &mut found);
    }
    // Shared parameters, bodies, responses and headers, named after their keys.
    for kind in ["parameters", "requestBodies", "responses", "headers"] {
        for (key, item) in doc
            .pointer(&format!("/components/{kind}"))
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let at = format!("/components/{kind}/{}", escape_pointer(key));
            clashing_enums(item, &at, &crate::names::component_key(key), &mut found);
        }
    }
    let mut names = ComponentNames::of(doc);
    for (pointer, name) in found {
        let name = names.free(doc, &name);
        move_to_component(doc, &pointer, name, |schema| {
            schema["type"] = json!("string");
            if let Some(Value::Array(values)) = schema.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
        });
    }
}

/// Moves the schema at `pointer` into the component `name` (after
/// `prepare`), leaving a `$ref` to it; a nullable schema leaves
/// `{nullable, allOf: [$ref]}` and the component is not nullable.
fn move_to_component(
    doc: &mut Value,
    pointer: &str,
    name: String,
    prepare: impl FnOnce(&mut Value),
) {
    let Some(slot) = doc.pointer_mut(pointer) else {
        return;
    };
    let mut moved = std::mem::take(slot);
    let nullable =
        moved.as_object_mut().and_then(|m| m.remove("nullable")) == Some(Value::Bool(true));
    prepare(&mut moved);
    let to = json!({"$ref": format!("#/components/schemas/{}", escape_pointer(&name))});
    *slot = if nullable {
        json!({"nullable": true, "allOf": [to]})
    } else {
        to
    };
    if let Some(schemas) = component_schemas(doc) {
        schemas.insert(name, moved);
    }
}

/// Whether a schema is a string enum typify cannot name the variants of.
fn clashing_enum(schema: &Value) -> bool {
    let Some(values) = schema.get("enum").and_then(Value::as_array) else {
        return false;
    };
    // `null` among the values is the nullable part, not a variant.
    let Some(values) = values
        .iter()
        .filter(|v| !v.is_null())
        .map(Value::as_str)
        .collect::<Option<Vec<_>>>()
    else {
        return false;
    };
    let string = schema.get("type").is_none_or(|t| t == "string");
    let mut seen = std::collections::BTreeSet::new();
    // typify's names for `+1` and `-1` (`plus1`) are not upper camel case either.
    string
        && values.iter().any(|v| {
            crate::names::type_name(v).starts_with(char::is_lowercase)
                || crate::names::variant(v).is_none_or(|name| !seen.insert(name))
        })
}

/// The clashing enums inside a schema (or an operation): pointer and the
/// name typify would give the inline type.
fn clashing_enums(value: &Value, pointer: &str, name: &str, found: &mut Vec<(String, String)>) {
    let Some(map) = value.as_object() else {
        return;
    };
    if clashing_enum(value) {
        found.push((pointer.to_owned(), name.to_owned()));
        return;
    }
    for (key, child) in map {
        let at = format!("{pointer}/{}", escape_pointer(key));
        match key.as_str() {
            "properties" | "patternProperties" => {
                for (property, schema) in child.as_object().into_iter().flatten() {
                    let place = format!("{name}{}", crate::names::component_key(property));
                    clashing_enums(
                        schema,
                        &format!("{at}/{}", escape_pointer(property)),
                        &place,
                        found,
                    );
                }
            }
            "items" => clashing_enums(child, &at, &format!("{name}Item"), found),
            "additionalProperties" => clashing_enums(child, &at, &format!("{name}Value"), found),
            "allOf" | "anyOf" | "oneOf" => {
                for (i, schema) in child.as_array().into_iter().flatten().enumerate() {
                    clashing_enums(
                        schema,
                        &format!("{at}/{i}"),
                        &format!("{name}{key}{i}"),
                        found,
                    );
                }
            }
            "schema" => clashing_enums(child, &at, name, found),
            // An operation's parts: a request body (itself a node), maps of
            // media types, statuses and headers, a list of parameters.
            "requestBody" => clashing_enums(child, &at, &format!("{name}Body"), found),
            "content" | "responses" | "parameters" | "headers" => {
                let suffix = if key == "responses" { "Response" } else { "" };
                for (k, v) in child.as_object().into_iter().flatten() {
                    clashing_enums(
                        v,
                        &format!("{at}/{}", escape_pointer(k)),
                        &format!("{name}{suffix}"),
                        found,
                    );
                }
                if let Some(items) = child.as_array() {
                    for (i, v) in items.iter().enumerate() {
                        let param = v.get("name").and_then(Value::as_str).unwrap_or_default();
                        let place = format!("{name}{}", crate::names::component_key(param));
                        clashing_enums(v, &format!("{at}/{i}"), &place, found);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `base`, or `base2`, `base3`, ... : the first name no component has, not
/// even as the same Rust type name (`list_things_error` is `ListThingsError`).
pub(crate) fn free_component_name(doc: &Value, base: &str) -> String {
    ComponentNames::of(doc).free(doc, base)
}

/// The Rust names the components of a document take, kept while a step adds
/// components: reading them once per step, not once per name, keeps the
/// working copy of a spec with thousands of operations linear.
pub(crate) struct ComponentNames {
    taken: std::collections::BTreeSet<String>,
}

impl ComponentNames {
    pub(crate) fn of(doc: &Value) -> Self {
        ComponentNames {
            taken: doc
                .pointer("/components/schemas")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(key, _)| crate::names::type_name(key))
                .collect(),
        }
    }

    /// `base`, or `base2`, `base3`, ...: the first name neither a component
    /// of the document nor one given out before has (as a key or as a Rust
    /// name); it is given out.
    pub(crate) fn free(&mut self, doc: &Value, base: &str) -> String {
        let schemas = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object);
        let name = std::iter::once(base.to_owned())
            .chain((2..).map(|n| format!("{base}{n}")))
            .find(|name| {
                !self.taken.contains(&crate::names::type_name(name))
                    && !schemas.is_some_and(|s| s.contains_key(name))
            })
            .expect("an unused name exists");
        self.taken.insert(crate::names::type_name(&name));
        name
    }
}

/// How many required properties a (referenced) schema has; `schemas` maps component names.
fn required_count(schemas: &Value, schema: &Value) -> usize {
    let target = crate::model::schema_ref(schema)
        .and_then(|name| schemas.get(name))
        .unwrap_or(schema);
    target
        .get("required")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(doc: Value) -> Value {
        working_copy(Path::new("t.yaml"), &doc).unwrap()
    }

    fn op(responses: Value, parameters: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"operationId": "listThings", "parameters": parameters, "responses": responses}}},
        "components": {
            "schemas": {
                "List": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"type": "string"}}}},
                "Bare": {"type": "object", "properties": {"code": {"type": "integer"}}},
                "Wrapped": {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {"$ref": "#/components/schemas/Bare"}}}}
            },
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        }})
    }

    fn body(name: &str) -> Value {
        json!({"description": "d", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
    }

    #[test]
    fn differing_error_bodies_become_one_union_ordered_by_required_fields() {
        let doc = copy(op(
            json!({"200": body("List"), "502": body("Bare"), "400": body("Wrapped")}),
            json!([]),
        ));
        let union = &doc["components"]["schemas"]["ListThingsError"]["oneOf"];
        assert_eq!(
            union,
            &json!([{"$ref": "#/components/schemas/Wrapped"}, {"$ref": "#/components/schemas/Bare"}])
        );
        let r = &doc["paths"]["/a"]["get"]["responses"];
        assert_eq!(
            r["502"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ListThingsError"
        );
        assert_eq!(
            r["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/List"
        );
    }

    #[test]
    fn default_beside_a_different_success_becomes_ranges() {
        let doc = copy(op(
            json!({"200": body("List"), "401": body("Bare"), "default": body("Bare")}),
            json!([]),
        ));
        let r = doc["paths"]["/a"]["get"]["responses"].as_object().unwrap();
        assert_eq!(r.keys().collect::<Vec<_>>(), ["200", "401", "4XX", "5XX"]);
        assert!(
            doc["components"]["schemas"]
                .get("ListThingsError")
                .is_none()
        );
    }

    #[test]
    fn a_status_without_a_body_beside_bodied_ones_makes_the_side_optional() {
        let spec = op(
            json!({"200": body("List"), "204": {"description": "nothing"}, "401": {"description": "no body"}, "422": body("Bare")}),
            json!([]),
        );
        let working = copy(spec);
        let responses = &working["paths"]["/a"]["get"]["responses"];
        let schema =
            |status: &str| responses[status]["content"]["application/json"]["schema"].clone();
        let optional = |name: &str| json!({"nullable": true, "allOf": [{"$ref": format!("#/components/schemas/{name}")}]});
        assert_eq!(schema("200"), optional("List"));
        assert_eq!(schema("204"), optional("List"));
        assert_eq!(schema("401"), optional("Bare"));
        assert_eq!(schema("422"), optional("Bare"));
        assert_eq!(responses["204"]["x-empty-body"], true);
        assert_eq!(responses["401"]["x-empty-body"], true);
        assert!(responses["200"].get("x-empty-body").is_none());

        // A body that is not JSON beside a JSON one: every success is that raw body.
        let spec = op(
            json!({"200": body("List"), "202": {"description": "csv", "content": {"text/csv": {}}}}),
            json!([]),
        );
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        let responses = &working["paths"]["/a"]["get"]["responses"];
        assert_eq!(responses["200"]["content"], json!({"text/csv": {}}));
        assert_eq!(responses["202"]["content"], json!({"text/csv": {}}));
    }

    #[test]
    fn typed_filters_need_a_supported_operator_set() {
        let params = json!([{"name": "id", "in": "query", "schema": {"type": "array", "items": {
            "type": "string", "x-predicate": {"operators": ["eq", "gt"], "value": {"type": "integer"}}}}}]);
        let err = working_copy(
            Path::new("t.yaml"),
            &op(json!({"200": body("List")}), params),
        )
        .unwrap_err();
        assert_eq!(
            err.location,
            crate::error::Location::Pointer(
                "/paths/~1a/get/parameters/0/schema/items/x-predicate/operators".into()
            )
        );
        let params = json!([{"name": "sort", "in": "query", "schema": {"type": "string", "x-sort": {"columns": []}}}]);
        let err = working_copy(
            Path::new("t.yaml"),
            &op(json!({"200": body("List")}), params),
        )
        .unwrap_err();
        assert!(
            err.message.contains("expected a list of column names"),
            "{err}"
        );
        let params = json!([{"name": "sort", "in": "query", "schema": {"type": "string", "x-sort": {"columns": ["id"]}}}]);
        let doc = copy(op(json!({"200": body("List")}), params));
        assert_eq!(
            doc["components"]["schemas"]["ListThingsSortColumn"]["enum"],
            json!(["id"])
        );
        assert_eq!(
            doc["paths"]["/a"]["get"]["parameters"][0]["schema"]["x-rust-type"]["path"],
            "api_support::Sort"
        );
    }

    #[test]
    fn parameters_are_rewritten() {
        let params = json!([
            {"name": "X-API-Key", "in": "header", "schema": {"type": "string", "nullable": true}},
            {"name": "X-Trace", "in": "header", "schema": {"type": "string", "nullable": true}},
            {"name": "types", "in": "query", "style": "form", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "cursor", "in": "query", "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]}}
        ]);
        let doc = copy(op(json!({"200": body("List")}), params));
        let p = doc["paths"]["/a"]["get"]["parameters"].as_array().unwrap();
        let names: Vec<_> = p.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["X-Trace", "types", "ids", "cursor"]);
        assert_eq!(p[0]["schema"], json!({"type": "string"}));
        assert_eq!(
            p[1]["schema"]["x-rust-type"]["path"],
            "api_support::CommaList"
        );
        assert!(p[2]["schema"].get("x-rust-type").is_none());
        assert_eq!(p[3]["schema"], json!({"type": "string", "nullable": true}));
    }

    #[test]
    fn a_union_takes_a_free_name_beside_a_schema_of_its_own_name() {
        let mut spec = op(
            json!({"200": body("List"), "400": body("Bare"), "422": body("Wrapped")}),
            json!([]),
        );
        spec["components"]["schemas"]["list_things_error"] = json!({"type": "string"});
        let working = copy(spec);
        let schema = &working["paths"]["/a"]["get"]["responses"]["400"]["content"]["application/json"]
            ["schema"];
        assert_eq!(schema["$ref"], "#/components/schemas/ListThingsError2");
        assert!(working["components"]["schemas"]["ListThingsError2"]["oneOf"].is_array());
        assert_eq!(
            working["components"]["schemas"]["list_things_error"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn properties_whose_rust_fields_meet_are_renamed_and_keep_their_wire_names() {
        let mut spec = op(json!({"200": body("Profile")}), json!([]));
        spec["components"]["schemas"]["Profile"] = json!({"type": "object", "required": ["id"],
            "properties": {"id": {"type": "string"}, "_id": {"type": "string"}, "ID": {"type": "integer"}}});
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        let profile = &working["components"]["schemas"]["Profile"];
        // Keys in order (`ID`, `_id`, `id`): the first keeps its name.
        assert_eq!(
            working["x-property-renames"],
            json!({"_id~2": "_id", "id~3": "id"})
        );
        assert_eq!(profile["required"], json!(["id~3"]));
        assert!(profile["properties"].get("ID").is_some());
        // The generated struct has three fields, and serde says the wire names.
        let text = serde_json::to_string(&spec).unwrap();
        let files = crate::generate_text("specs/t.json".into(), "t".into(), &text).unwrap();
        let types = files
            .iter()
            .find(|f| f.path.ends_with("t-types/src/generated.rs"))
            .unwrap();
        for expected in [
            "pub id: ",
            "pub id_2: ",
            "pub id_3: ",
            r#"rename = "_id""#,
            r#"rename = "id""#,
        ] {
            assert!(
                types.contents.contains(expected),
                "{expected} in\n{}",
                types.contents
            );
        }
        assert!(!types.contents.contains('~'), "{}", types.contents);
    }

    #[test]
    fn path_level_parameters_reach_every_operation_of_the_path() {
        let ok = json!({"responses": {"204": {"description": "ok"}}});
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/users/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": ok.clone(), "put": ok.clone(), "delete": ok
            }}
        });
        let working = copy(spec);
        let item = &working["paths"]["/users/{id}"];
        assert!(item.get("parameters").is_none());
        for method in ["get", "put", "delete"] {
            assert_eq!(item[method]["parameters"][0]["name"], "id", "{method}");
        }
    }

    #[test]
    fn a_default_unlike_any_other_response_becomes_the_error_ranges() {
        let json = |schema: Value| json!({"description": "d", "content": {"application/json": {"schema": schema}}});
        let any = json!({});
        let problem = json!({"type": "object", "properties": {"e": {"type": "string"}}});
        let responses = |default: Value| {
            json!({
                "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/a": {"get": {"operationId": "a", "responses": {
                    "200": json(any.clone()), "401": json(problem.clone()), "default": default
                }}}}
            })
        };
        // Like the success but unlike the 401: an error range.
        let working = working_copy(Path::new("t.yaml"), &responses(json(any.clone()))).unwrap();
        let r = &working["paths"]["/a"]["get"]["responses"];
        assert!(r.get("default").is_none() && r.get("4XX").is_some() && r.get("5XX").is_some());
        // A raw body (`*/*` of bytes) beside a bodiless success alike.
        let raw = json!({"description": "d", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}});
        let mut spec = responses(raw);
        spec["paths"]["/a"]["get"]["responses"]["200"] = json!({"description": "ok"});
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        assert!(
            working["paths"]["/a"]["get"]["responses"]
                .get("default")
                .is_none()
        );
    }

    #[test]
    fn raw_and_bodiless_statuses_of_a_side_share_one_type() {
        let raw = |media: &str| json!({"description": "d", "content": {media: {"schema": {"type": "string", "format": "binary"}}}});
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"operationId": "a", "responses": {
                "101": {"description": "switching"},
                "200": raw("image/png"),
                "202": {"description": "not yet"},
                "404": {"description": "no", "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/xml": {"schema": {"type": "object"}}
                }},
                "500": raw("text/plain")
            }}}}
        });
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        let r = &working["paths"]["/a"]["get"]["responses"];
        // No websocket: the 101 is no upgrade the client could make.
        assert!(r.get("101").is_none());
        // The bodiless 202 is an empty stream, like the 200 beside it.
        assert_eq!(r["202"]["content"], r["200"]["content"]);
        // The 404 in JSON only; the text 500 beside it left undecoded.
        assert_eq!(r["404"]["content"].as_object().unwrap().len(), 1);
        assert!(r.get("500").is_none());

        // A PDF at 200 beside a JSON "not ready" at 202 (billingo): both raw for the client.
        let mut spec = spec;
        spec["paths"]["/a"]["get"]["responses"]["202"] = json!({"description": "not ready",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"retry": {"type": "integer"}}}}}});
        spec["paths"]["/a"]["get"]["responses"]["200"] = raw("application/pdf");
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        let r = &working["paths"]["/a"]["get"]["responses"];
        assert_eq!(r["202"]["content"], r["200"]["content"]);
        assert!(r["200"]["content"].get("application/pdf").is_some());
    }

    #[test]
    fn json_in_another_case_is_json() {
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"post": {"operationId": "a",
                "requestBody": {"content": {"application/JSON": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok", "content": {"Application/Json; charset=utf-8": {"schema": {"type": "object"}}}}}}}}
        });
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        let op = &working["paths"]["/a"]["post"];
        assert!(
            op["requestBody"]["content"]
                .get("application/json")
                .is_some()
        );
        assert!(
            op["responses"]["200"]["content"]
                .get("application/json")
                .is_some()
        );
    }

    #[test]
    fn a_parameter_described_by_content_is_its_text() {
        // Superset: `q` is JSON (rison) text in the query, described by `content`.
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"operationId": "a",
                "parameters": [{"name": "q", "in": "query", "description": "Filters.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Query"}}}}],
                "responses": {"200": {"description": "ok"}}}}},
            "components": {"schemas": {"Query": {"type": "object"}}}
        });
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        let q = &working["paths"]["/a"]["get"]["parameters"][0];
        assert_eq!(q["schema"], json!({"type": "string"}));
        assert!(q.get("content").is_none());
        assert_eq!(
            q["description"],
            "Filters.\n\nThe value as `application/json` text (`Query`), serialized by the caller."
        );
    }

    #[test]
    fn a_structured_response_of_any_media_type_is_json() {
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"operationId": "a", "responses": {
                "200": {"description": "ok", "content": {"*/*": {"schema": {"type": "object"}}}},
                "201": {"description": "ok", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}
            }}}}
        });
        let mut doc = spec.clone();
        json_based_media(&mut doc);
        let r = &doc["paths"]["/a"]["get"]["responses"];
        assert_eq!(
            r["200"]["content"]["application/json"]["x-media-type"],
            "*/*"
        );
        assert!(r["201"]["content"].get("*/*").is_some(), "bytes stay bytes");
    }

    #[test]
    fn types_a_format_or_properties_imply_are_stated() {
        let mut doc = json!({"components": {"schemas": {"T": {"properties": {
            "created": {"format": "date-time"},
            "count": {"format": "int32"},
            "ratio": {"format": "double"},
            "pair": {"maxItems": 1, "properties": {"a": {"type": "number"}}},
            // A property named `properties` or `type` is a name, not a keyword.
            "properties": {"type": "string"},
            "type": {"format": "uri"}
        }}}}});
        implied_types(&mut doc);
        let p = &doc["components"]["schemas"]["T"]["properties"];
        assert_eq!(p["created"]["type"], "string");
        assert_eq!(p["count"]["type"], "integer");
        assert_eq!(p["ratio"]["type"], "number");
        assert_eq!(
            p["pair"],
            json!({"type": "object", "properties": {"a": {"type": "number"}}})
        );
        assert_eq!(p["properties"], json!({"type": "string"}));
        assert_eq!(p["type"], json!({"format": "uri", "type": "string"}));
        // A typeless object without array keywords is left to typify.
        assert!(doc["components"]["schemas"]["T"].get("type").is_none());
    }

    #[test]
    fn a_path_written_with_its_query_is_the_path_alone() {
        let op = |param_in: &str| {
            json!({"parameters": [{"name": "query", "in": param_in, "required": true, "schema": {"type": "string"}}],
                   "responses": {"204": {"description": "ok"}}})
        };
        let mut doc = json!({"paths": {
            "/search?query={query}": {"get": op("path")},
            "/search": {"post": op("query")},
            "/lists?query={query}": {"get": op("query")},
            "/lists": {"get": op("query")}
        }});
        path_queries(&mut doc);
        let paths = &doc["paths"];
        assert_eq!(paths["/search"]["get"]["parameters"][0]["in"], "query");
        assert!(paths["/search"].get("post").is_some());
        assert!(paths.get("/search?query={query}").is_none());
        // Two operations of one method on one path: left for validation to name.
        assert!(paths.get("/lists?query={query}").is_some());
    }

    #[test]
    fn delimited_list_items_keep_their_checks_out_of_the_type() {
        let list = delimited_list(
            &json!({"type": "array", "items": {"type": "integer", "minimum": 1, "enum": [1, 2], "description": "d"}}),
            "CommaList",
        );
        assert_eq!(
            list["x-rust-type"]["parameters"][0],
            json!({"type": "integer"})
        );
        assert_eq!(list["items"]["minimum"], 1, "the stub still checks them");
        let seconds = json!({"type": "string", "format": "date-time", "pattern": "^x$"});
        let list = delimited_list(&json!({"type": "array", "items": seconds}), "CommaList");
        assert_eq!(list["x-rust-type"]["parameters"][0], seconds);
    }

    #[test]
    fn enums_are_fitted_to_their_values() {
        let mut doc = json!({"components": {"schemas": {"T": {"properties": {
            "mixin": {"type": "array", "enum": ["live", "promotions"], "items": {"type": "string"}},
            "key": {"type": "integer", "format": "int32", "enum": ["Primary", "Secondary"]},
            "flag": {"type": "string", "enum": [true, false]},
            "mixed": {"type": "string", "enum": ["all", ["a", "b"], 3]},
            "fine": {"type": "integer", "enum": [1, 2]},
            "untyped": {"enum": [true, 1, null]}
        }}}}});
        fit_enums(&mut doc);
        let p = &doc["components"]["schemas"]["T"]["properties"];
        assert_eq!(p["mixin"].get("enum"), None);
        assert_eq!(p["mixin"]["items"]["enum"], json!(["live", "promotions"]));
        assert_eq!(
            p["key"],
            json!({"type": "string", "enum": ["Primary", "Secondary"]})
        );
        assert_eq!(p["flag"]["enum"], json!(["true", "false"]));
        assert_eq!(p["mixed"]["enum"], json!(["all", "3"]));
        assert_eq!(p["fine"]["enum"], json!([1, 2]));
        assert_eq!(
            p["untyped"],
            json!({}),
            "values of several types, no type: any"
        );
    }

    #[test]
    fn inline_titles_that_meet_are_dropped() {
        let mut doc = json!({"components": {"schemas": {
            "ImageField": {"title": "ImageField", "type": "object", "properties": {
                "type": {"title": "Type", "type": "string", "enum": ["image"]},
                "title": {"title": "Caption", "type": "string"},
                "margin": {"title": "Margin", "type": "object"}
            }},
            "DateField": {"type": "object", "properties": {
                "type": {"title": "Type", "type": "string", "enum": ["date"]}
            }},
            "Margin": {"type": "object"}
        }}});
        untitle_inline_duplicates(&mut doc);
        let s = &doc["components"]["schemas"];
        assert_eq!(s["ImageField"]["properties"]["type"].get("title"), None);
        assert_eq!(s["DateField"]["properties"]["type"].get("title"), None);
        assert_eq!(s["ImageField"]["properties"]["margin"].get("title"), None);
        // A unique title stays, and so does a component's own; a property
        // named `title` is not a title.
        assert_eq!(s["ImageField"]["properties"]["title"]["title"], "Caption");
        assert_eq!(s["ImageField"]["title"], "ImageField");
    }

    #[test]
    fn defaults_their_schema_rejects_are_dropped() {
        let mut doc = json!({"properties": {
            "area": {"type": "integer", "default": "current"},
            "kind": {"type": "string", "enum": ["a", "b"], "default": "c"},
            "fine": {"type": "string", "enum": ["a", "b"], "default": "b"},
            "none": {"type": "string", "nullable": true, "default": null},
            "list": {"type": "array", "default": []},
            "low": {"type": "integer", "minimum": 1, "default": 0},
            "nested": {"type": "array", "items": {"items": {}}, "default": ["a"]},
            "shade": {"allOf": [{"$ref": "#/defs/Shade"}], "default": "green"},
            "dark": {"$ref": "#/defs/Shade", "default": "dark"},
            "default": {"type": "string", "default": "named default"},
            "hex": {"type": "string", "pattern": "^#[0-9a-f]{6}$", "default": "black"},
            "colour": {"anyOf": [{"type": "string"}, {"$ref": "#/defs/Gradient"}], "default": "black"},
            "style": {"allOf": [{"$ref": "#/defs/Style"}], "default": {"colour": "black"}},
            "closed": {"allOf": [{"$ref": "#/defs/Style"}], "default": {"other": 1}},
            "open": {"allOf": [{"$ref": "#/defs/Style"}], "default": {}}
        }, "defs": {
            "Shade": {"type": "string", "enum": ["dark", "light"]},
            "Gradient": {"type": "object", "properties": {"from": {"type": "string"}}},
            "Style": {"type": "object", "additionalProperties": false, "properties": {
                "colour": {"anyOf": [{"type": "string"}, {"$ref": "#/defs/Gradient"}]}}}
        }});
        drop_impossible_defaults(&mut doc);
        json_based_media(&mut doc);
        let default = |name: &str| doc["properties"][name].get("default").cloned();
        assert_eq!(default("area"), None);
        assert_eq!(default("kind"), None);
        assert_eq!(default("fine"), Some(json!("b")));
        assert_eq!(default("none"), Some(Value::Null));
        assert_eq!(default("list"), Some(json!([])));
        assert_eq!(default("low"), None);
        assert_eq!(default("nested"), None);
        assert_eq!(default("shade"), None);
        assert_eq!(default("dark"), Some(json!("dark")));
        // A property named `default` is a schema, not a default.
        assert_eq!(default("default"), Some(json!("named default")));
        // A text its pattern refuses, a union's value (LinQR's colours, also
        // inside an object), a member the object does not take: dropped.
        assert_eq!(default("hex"), None);
        assert_eq!(default("colour"), None);
        assert_eq!(default("style"), None);
        assert_eq!(default("closed"), None);
        assert_eq!(default("open"), Some(json!({})));
    }

    #[test]
    fn unnamed_operations_are_named_and_numbered_where_they_meet() {
        let ok = json!({"responses": {"204": {"description": "ok"}}});
        let named =
            |id: &str| json!({"operationId": id, "responses": {"204": {"description": "ok"}}});
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/people": {"get": named("get_users")},
                "/foo": {"get": named("getFoo"), "put": named("get_foo")},
                "/users": {"get": ok.clone(), "post": ok.clone()},
                "/users/{id}": {"get": ok.clone()},
                "/a-b": {"get": ok.clone()},
                "/a_b": {"get": ok}
            }
        });
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        let id = |path: &str, method: &str| working["paths"][path][method]["operationId"].clone();
        assert_eq!(
            id("/people", "get"),
            "get_users",
            "a named operation keeps its name"
        );
        assert_eq!(id("/users", "get"), "get_users_2");
        assert_eq!(id("/users", "post"), "post_users");
        // Two named ones that become one method: the later is numbered.
        assert_eq!(id("/foo", "get"), "getFoo");
        assert_eq!(id("/foo", "put"), "get_foo_2");
        assert_eq!(id("/users/{id}", "get"), "get_users_by_id");
        let (first, second) = (id("/a-b", "get"), id("/a_b", "get"));
        assert_eq!(
            [first.as_str().unwrap(), second.as_str().unwrap()].map(str::len),
            [7, 9]
        );
        assert_ne!(first, second);
    }

    #[test]
    fn inline_object_request_bodies_become_components() {
        let body = |schema: Value| json!({"content": {"application/json": {"schema": schema}}});
        let op = |id: &str, request: Value| json!({"operationId": id, "requestBody": request, "responses": {"204": {"description": "ok"}}});
        let object = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        let spec = json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/a": {"post": op("events.create", body(object.clone()))},
                "/b": {"post": op("upload", json!({"content": {"application/x-www-form-urlencoded": {"schema": object.clone()}}}))},
                "/c": {"post": op("plain", body(json!({"type": "string"})))},
                "/d": {"post": op("taken", body(object.clone()))},
                "/e": {"post": op("shared", json!({"$ref": "#/components/requestBodies/Shared"}))}
            },
            "components": {
                "schemas": {"TakenBody": {"type": "integer"}},
                "requestBodies": {"Shared": body(object.clone())}
            }
        });
        let working = working_copy(Path::new("t.yaml"), &spec).unwrap();
        let schema = |path: &str, media: &str| {
            working["paths"][path]["post"]["requestBody"]["content"][media]["schema"].clone()
        };
        assert_eq!(
            schema("/a", "application/json"),
            json!({"$ref": "#/components/schemas/EventsCreateBody"})
        );
        assert_eq!(working["components"]["schemas"]["EventsCreateBody"], object);
        assert_eq!(
            schema("/b", "application/x-www-form-urlencoded"),
            json!({"$ref": "#/components/schemas/UploadBody"})
        );
        // A plain value, a name already taken and a shared body stay as they are.
        assert_eq!(schema("/c", "application/json"), json!({"type": "string"}));
        assert_eq!(schema("/d", "application/json"), object);
        assert_eq!(
            working["components"]["schemas"]["TakenBody"],
            json!({"type": "integer"})
        );
        assert!(working["components"]["schemas"].get("SharedBody").is_none());
    }

    #[test]
    fn deep_refs_become_components_with_one_definition() {
        let mut doc = json!({
            "paths": {"/a": {"get": {
                "parameters": [{"name": "q", "in": "query", "schema": {"$ref": "#/components/parameters/q/schema"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/T/allOf/0"}}}},
                    "409": {"$ref": "#/paths/~1b/get/responses/409"}
                }
            }}, "/b": {"get": {"responses": {"409": {"description": "conflict"}}}}},
            "components": {
                "parameters": {"q": {"name": "q", "in": "query", "schema": {"type": "string"}}},
                "schemas": {"T": {"allOf": [{"type": "object"}, {"type": "object"}]}, "TAllOf0": {"type": "string"}}
            }
        });
        hoist_deep_refs(&mut doc);
        let op = &doc["paths"]["/a"]["get"];
        assert_eq!(
            op["parameters"][0]["schema"],
            json!({"$ref": "#/components/schemas/QSchema"})
        );
        assert_eq!(
            doc["components"]["parameters"]["q"]["schema"],
            json!({"$ref": "#/components/schemas/QSchema"})
        );
        assert_eq!(
            doc["components"]["schemas"]["QSchema"],
            json!({"type": "string"})
        );
        // `TAllOf0` is taken: the next free name.
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"],
            json!({"$ref": "#/components/schemas/TAllOf02"})
        );
        assert_eq!(
            doc["components"]["schemas"]["T"]["allOf"][0],
            json!({"$ref": "#/components/schemas/TAllOf02"})
        );
        // A non-schema target is copied in place.
        assert_eq!(op["responses"]["409"], json!({"description": "conflict"}));
    }
}
