//! OpenAPI 3.1 (and 3.2) into the 3.0 form the rest of the generator takes.
//!
//! The rewrite works on the JSON document, keyword by keyword: a typed 3.1
//! model would drop the keywords it does not know without a word, which is
//! worse than refusing them. Every keyword of a 3.1 schema is either kept
//! (it means the same in 3.0), rewritten (the table below), dropped because
//! it only documents or identifies, or refused, each refusal at its own
//! pointer and all of them in one run.
//!
//! | 3.1 | 3.0 |
//! |---|---|
//! | `type: [T, "null"]`, `anyOf`/`oneOf` with `{type: "null"}` | `type: T`, `nullable: true` |
//! | `type: [A, B]` | `oneOf: [{type: A}, {type: B}]` |
//! | `const: v` | `enum: [v]` |
//! | `exclusiveMinimum: n` (a number) | `minimum: n, exclusiveMinimum: true` (and the maximum alike) |
//! | `examples: [a, ...]` in a schema | `example: a` |
//! | `$ref` beside keywords that only document (`description`, `title`, ...) | the `$ref` alone |
//! | `$ref` beside keywords that constrain | `allOf: [{$ref}]` beside them |
//! | `$defs` | components of their own (`#/components/schemas/<name>`), references rewritten |
//! | `contentEncoding: base64` / `contentMediaType` | `format: byte` / `format: binary` |
//! | `true` / `false` as a schema | `{}` / `{not: {}}` |
//! | `$schema`, `$id`, `$anchor`, `$comment` | dropped |
//! | `webhooks` | dropped, with a note (the stub serves requests, not callbacks) |
//! | no `paths` | `paths: {}` |
//!
//! Refused (no 3.0 form): `prefixItems`, `if`/`then`/`else`,
//! `unevaluatedProperties`, `unevaluatedItems`, `$dynamicRef`,
//! `$dynamicAnchor`, `$recursiveRef`, `dependentSchemas`, `patternProperties`,
//! and a `jsonSchemaDialect` other than OpenAPI's own. Left out with a note
//! (they narrow which values are valid without changing the type, and the
//! generated code does not check them): `propertyNames`, `contains`,
//! `minContains`, `maxContains`, `dependentRequired`.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::error::SpecError;
use crate::spec::escape_pointer;

/// The keywords with no 3.0 form.
const REFUSED: &[&str] = &[
    "prefixItems",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "dependentSchemas",
    "patternProperties",
];

/// Keywords that only narrow which values are valid, without changing the
/// type: left out with a note (the generated code does not check them).
const UNCHECKED: &[&str] = &[
    "propertyNames",
    "contains",
    "minContains",
    "maxContains",
    "dependentRequired",
];

/// Keywords that only document a schema (dropped beside a `$ref`).
const DOCUMENTING: &[&str] = &[
    "description",
    "title",
    "summary",
    "deprecated",
    "readOnly",
    "writeOnly",
    "example",
    "examples",
    "externalDocs",
    "$comment",
    "default",
];

/// OpenAPI 3.1's own schema dialect: the only one the rewrite takes.
const OAS_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// Rewrites a 3.1 document into 3.0.3; notes say what was left out.
pub(super) fn rewrite(file: &Path, doc: &mut Value) -> Result<Vec<SpecError>, Vec<SpecError>> {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    let Some(root) = doc.as_object_mut() else {
        return Ok(notes);
    };
    if let Some(dialect) = root.remove("jsonSchemaDialect")
        && dialect.as_str() != Some(OAS_DIALECT)
    {
        errors.push(SpecError::at(
            file,
            "/jsonSchemaDialect",
            format!("the schema dialect {dialect} has no OpenAPI 3.0 form; only OpenAPI's own ({OAS_DIALECT}) is taken"),
        ));
    }
    if root.remove("webhooks").is_some() {
        notes.push(SpecError::at(
            file,
            "/webhooks",
            "webhooks are left out: the generated client sends requests and the stub serves them; callbacks to the client are not generated",
        ));
    }
    root.entry("paths").or_insert_with(|| json!({}));
    root.insert("openapi".into(), Value::String("3.0.3".into()));
    let mut defs = Vec::new();
    document(
        doc,
        &mut String::new(),
        &mut Walk {
            file,
            errors: &mut errors,
            notes: &mut notes,
            defs: &mut defs,
        },
    );
    hoist_defs(doc, defs);
    crate::transform::normalize_null_unions(doc);
    if errors.is_empty() {
        Ok(notes)
    } else {
        Err(errors)
    }
}

struct Walk<'a> {
    file: &'a Path,
    errors: &'a mut Vec<SpecError>,
    notes: &'a mut Vec<SpecError>,
    /// Every `$defs` entry: its pointer and name.
    defs: &'a mut Vec<(String, String)>,
}

/// The document's structure: schemas are found under `schema` and
/// `components.schemas`; examples and extensions are data.
fn document(value: &mut Value, pointer: &mut String, walk: &mut Walk<'_>) {
    let children: Vec<String> = match value {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => (0..items.len()).map(|i| i.to_string()).collect(),
        _ => return,
    };
    let in_components = pointer == "/components";
    for key in children {
        if key == "example" || key == "examples" || key.starts_with("x-") {
            continue;
        }
        let child = match value {
            Value::Object(map) => map.get_mut(&key),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        let Some(child) = child else { continue };
        let len = pointer.len();
        pointer.push('/');
        pointer.push_str(&escape_pointer(&key));
        if key == "schema" {
            schema(child, pointer, walk);
        } else if in_components && key == "schemas" {
            each_schema(child, pointer, walk);
        } else {
            document(child, pointer, walk);
        }
        pointer.truncate(len);
    }
}

/// Every value of a map of schemas.
fn each_schema(value: &mut Value, pointer: &mut String, walk: &mut Walk<'_>) {
    if let Value::Object(map) = value {
        for (name, s) in map.iter_mut() {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&escape_pointer(name));
            schema(s, pointer, walk);
            pointer.truncate(len);
        }
    }
}

/// One schema: its own keywords rewritten, then its subschemas.
fn schema(value: &mut Value, pointer: &mut String, walk: &mut Walk<'_>) {
    match value {
        Value::Bool(true) => *value = json!({}),
        Value::Bool(false) => *value = json!({"not": {}}),
        _ => {}
    }
    let Value::Object(map) = value else { return };
    for keyword in REFUSED {
        if map.contains_key(*keyword) {
            walk.errors.push(SpecError::at(
                walk.file,
                format!("{pointer}/{}", escape_pointer(keyword)),
                format!("`{keyword}` (OpenAPI 3.1) has no OpenAPI 3.0 form"),
            ));
        }
    }
    for keyword in UNCHECKED {
        if map.remove(*keyword).is_some() {
            walk.notes.push(SpecError::at(
                walk.file,
                format!("{pointer}/{}", escape_pointer(keyword)),
                format!(
                    "`{keyword}` (OpenAPI 3.1) is left out: the generated code does not check it"
                ),
            ));
        }
    }
    keywords(map);
    for key in ["properties", "$defs"] {
        if let Some(children) = map.get_mut(key) {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&escape_pointer(key));
            each_schema(children, pointer, walk);
            if key == "$defs"
                && let Value::Object(defs) = children
            {
                for name in defs.keys() {
                    let at = format!("{pointer}/{}", escape_pointer(name));
                    walk.defs.push((at, name.clone()));
                }
            }
            pointer.truncate(len);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key).filter(|c| c.is_object() || c.is_boolean()) {
            if key == "additionalProperties" && child.is_boolean() {
                continue;
            }
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(key);
            schema(child, pointer, walk);
            pointer.truncate(len);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(members)) = map.get_mut(key) {
            for (i, member) in members.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{key}/{i}"));
                schema(member, pointer, walk);
                pointer.truncate(len);
            }
        }
    }
}

/// The keyword rewrites of one schema object (not its subschemas).
fn keywords(map: &mut Map<String, Value>) {
    for key in ["$schema", "$id", "$anchor", "$comment"] {
        map.remove(key);
    }
    if let Some(value) = map.remove("const") {
        map.insert("enum".into(), json!([value]));
    }
    if let Some(Value::Array(examples)) = map.get("examples").cloned() {
        map.remove("examples");
        if let Some(first) = examples.into_iter().next() {
            map.entry("example").or_insert(first);
        }
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(n) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(bound.into(), n);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    content_keywords(map);
    types(map);
    ref_siblings(map);
}

/// `contentEncoding`/`contentMediaType` as the 3.0 formats of binary strings.
fn content_keywords(map: &mut Map<String, Value>) {
    let encoding = map.remove("contentEncoding");
    let media = map.remove("contentMediaType");
    if map.get("format").is_some() || map.get("type").and_then(Value::as_str) != Some("string") {
        return;
    }
    if encoding.as_ref().and_then(Value::as_str) == Some("base64") {
        map.insert("format".into(), Value::String("byte".into()));
    } else if media.is_some() {
        map.insert("format".into(), Value::String("binary".into()));
    }
}

/// `type: [..]`: one type, a nullable one, or a `oneOf` of types.
fn types(map: &mut Map<String, Value>) {
    let Some(Value::Array(list)) = map.get("type").cloned() else {
        return;
    };
    let nullable = list.iter().any(|t| t == "null");
    let rest: Vec<Value> = list.into_iter().filter(|t| t != "null").collect();
    map.remove("type");
    match rest.as_slice() {
        [] => {
            map.insert("enum".into(), json!([null]));
        }
        [only] => {
            map.insert("type".into(), only.clone());
        }
        many => {
            let members: Vec<Value> = many.iter().map(|t| json!({"type": t})).collect();
            map.insert("oneOf".into(), Value::Array(members));
        }
    }
    if nullable {
        map.insert("nullable".into(), Value::Bool(true));
    }
}

/// A `$ref` beside other keywords: alone when they only document, else
/// wrapped in `allOf` beside them.
fn ref_siblings(map: &mut Map<String, Value>) {
    let Some(reference) = map.get("$ref").cloned() else {
        return;
    };
    if map.len() == 1 {
        return;
    }
    let constrains = map
        .keys()
        .any(|k| k != "$ref" && !DOCUMENTING.contains(&k.as_str()) && !k.starts_with("x-"));
    if constrains {
        map.remove("$ref");
        let mut all = vec![json!({"$ref": reference})];
        if let Some(Value::Array(existing)) = map.remove("allOf") {
            all.extend(existing);
        }
        map.insert("allOf".into(), Value::Array(all));
    } else {
        map.retain(|k, _| k == "$ref");
    }
}

/// `$defs` entries become components, and references to them follow.
fn hoist_defs(doc: &mut Value, defs: Vec<(String, String)>) {
    let mut moved: Vec<(String, String)> = Vec::new();
    for (pointer, name) in defs {
        let Some(schema) = doc.pointer(&pointer).cloned() else {
            continue;
        };
        let target = crate::transform::free_component_name(doc, &name);
        let schemas = crate::transform::component_schemas(doc);
        if let Some(schemas) = schemas {
            schemas.insert(target.clone(), schema);
            moved.push((
                format!("#{pointer}"),
                format!("#/components/schemas/{}", escape_pointer(&target)),
            ));
        }
    }
    if moved.is_empty() {
        return;
    }
    rewrite_refs(doc, &moved);
    remove_defs(doc);
}

fn rewrite_refs(value: &mut Value, moved: &[(String, String)]) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some((_, to)) = moved.iter().find(|(from, _)| from == reference)
            {
                *reference = to.clone();
            }
            map.values_mut().for_each(|v| rewrite_refs(v, moved));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, moved)),
        _ => {}
    }
}

fn remove_defs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("$defs");
            map.values_mut().for_each(remove_defs);
        }
        Value::Array(items) => items.iter_mut().for_each(remove_defs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(schemas: Value) -> Value {
        let mut doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "components": {"schemas": schemas}});
        rewrite(Path::new("t.yaml"), &mut doc).expect("a 3.0 form");
        assert_eq!(doc["openapi"], "3.0.3");
        assert_eq!(
            doc["paths"],
            json!({}),
            "a document without paths gets an empty map"
        );
        doc["components"]["schemas"].clone()
    }

    #[test]
    fn each_rule_of_the_table() {
        let s = rewritten(json!({
            "Many": {"type": ["string", "integer", "null"]},
            "One": {"type": ["boolean"]},
            "Bounded": {"type": "number", "exclusiveMaximum": 10, "exclusiveMinimum": 0},
            "Fixed": {"const": 3, "$comment": "three", "$id": "urn:x"},
            "Bytes": {"type": "string", "contentEncoding": "base64"},
            "File": {"type": "string", "contentMediaType": "image/png"},
            "Documented": {"$ref": "#/components/schemas/One", "description": "d", "title": "t"},
            "Constrained": {"$ref": "#/components/schemas/One", "deprecated": true, "readOnly": true, "minLength": 1},
            "Anything": {"type": "object", "properties": {"a": true, "b": false}},
            "Outer": {"type": "object", "properties": {"inner": {"$ref": "#/components/schemas/Outer/$defs/Inner"}},
                      "$defs": {"Inner": {"type": "string"}}}
        }));
        assert_eq!(
            s["Many"],
            json!({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
        assert_eq!(s["One"], json!({"type": "boolean"}));
        assert_eq!(
            s["Bounded"],
            json!({"type": "number", "maximum": 10, "exclusiveMaximum": true, "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(s["Fixed"], json!({"enum": [3]}));
        assert_eq!(s["Bytes"], json!({"type": "string", "format": "byte"}));
        assert_eq!(s["File"], json!({"type": "string", "format": "binary"}));
        assert_eq!(s["Documented"], json!({"$ref": "#/components/schemas/One"}));
        assert_eq!(
            s["Constrained"],
            json!({"allOf": [{"$ref": "#/components/schemas/One"}], "deprecated": true, "readOnly": true, "minLength": 1})
        );
        assert_eq!(
            s["Anything"]["properties"],
            json!({"a": {}, "b": {"not": {}}})
        );
        assert_eq!(s["Inner"], json!({"type": "string"}));
        assert_eq!(
            s["Outer"],
            json!({"type": "object", "properties": {"inner": {"$ref": "#/components/schemas/Inner"}}})
        );
    }

    #[test]
    fn webhooks_are_noted_and_openapis_own_dialect_is_taken() {
        let mut doc = json!({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "jsonSchemaDialect": OAS_DIALECT,
            "webhooks": {"newEvent": {"post": {"responses": {"200": {"description": "ok"}}}}},
            "paths": {},
            "components": {"schemas": {"Tags": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}}}}
        });
        let notes = rewrite(Path::new("t.yaml"), &mut doc).unwrap();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].message.contains("webhooks are left out"),
            "{}",
            notes[0]
        );
        // A keyword that only narrows valid values is left out, with a note at its place.
        assert_eq!(
            notes[1].location,
            crate::error::Location::Pointer("/components/schemas/Tags/propertyNames".into())
        );
        assert_eq!(
            doc["components"]["schemas"]["Tags"],
            json!({"type": "object"})
        );
        assert!(doc.get("webhooks").is_none() && doc.get("jsonSchemaDialect").is_none());
    }
}
