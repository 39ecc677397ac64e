//! The spec document as JSON, and the few things every step does with it:
//! follow a local `$ref`, write a JSON pointer, list the operations, visit
//! every object. The base of the generator: it depends on no other module.
//!
//! Invariant: only the model builder (`model/build.rs`), the working copy
//! (`transform.rs`), the Swagger 2.0 front end (`front/swagger2.rs`, on the
//! 2.0 document) and the checks that read the spec before any model exists
//! (`validate.rs`, `lint.rs`, `diff.rs`, `examples.rs`) call [`resolve`].

use serde_json::Value;

/// Resolves a local `$ref` chain to its target value.
pub fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(target) => match doc.pointer(target) {
                Some(v) => value = v,
                None => return value,
            },
            None => return value,
        }
    }
    value
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A serde error path as a JSON pointer (appended to the pointer of the value decoded).
pub fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => out.push_str(&format!("/{}", escape_pointer(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

/// The HTTP methods an OpenAPI path item may hold.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of a document: its path, method and JSON pointer, in document order.
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let mut out = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push(Operation {
                    path,
                    method,
                    pointer: format!("/paths/{}/{method}", escape_pointer(path)),
                    op,
                });
            }
        }
    }
    out
}

/// One operation of a document.
pub struct Operation<'a> {
    pub path: &'a str,
    pub method: &'static str,
    pub pointer: String,
    pub op: &'a Value,
}

/// Calls `f` on every object of a document with its JSON pointer, skipping
/// `example`/`examples` values (data, not spec).
pub fn visit_objects(value: &Value, f: &mut impl FnMut(&serde_json::Map<String, Value>, &str)) {
    fn walk(
        value: &Value,
        pointer: &mut String,
        f: &mut impl FnMut(&serde_json::Map<String, Value>, &str),
    ) {
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) => {
                f(map, pointer);
                map.iter()
                    .filter(|(k, _)| *k != "example" && *k != "examples")
                    .map(|(k, v)| (escape_pointer(k), v))
                    .collect()
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            _ => return,
        };
        for (segment, child) in children {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&segment);
            walk(child, pointer, f);
            pointer.truncate(len);
        }
    }
    walk(value, &mut String::new(), f);
}

/// Calls `f` on every schema of a document, and only on schemas: those under
/// a `schema` key and in `components.schemas`, and inside each schema those
/// of `properties` (a map of names, never a schema itself), `items`,
/// `additionalProperties`, `not`, `allOf`, `anyOf` and `oneOf`. Examples,
/// defaults and extensions are data and are not entered.
pub fn visit_schemas_mut(doc: &mut Value, f: &mut impl FnMut(&mut serde_json::Map<String, Value>)) {
    fn schema(value: &mut Value, f: &mut impl FnMut(&mut serde_json::Map<String, Value>)) {
        let Value::Object(map) = value else {
            return;
        };
        f(map);
        for (key, child) in map.iter_mut() {
            match key.as_str() {
                "properties" | "patternProperties" => {
                    if let Value::Object(named) = child {
                        named.values_mut().for_each(|s| schema(s, f));
                    }
                }
                "items" | "additionalProperties" | "not" => match child {
                    Value::Array(items) => items.iter_mut().for_each(|s| schema(s, f)),
                    other => schema(other, f),
                },
                "allOf" | "anyOf" | "oneOf" => {
                    if let Value::Array(items) = child {
                        items.iter_mut().for_each(|s| schema(s, f));
                    }
                }
                _ => {}
            }
        }
    }
    fn document(
        value: &mut Value,
        components: bool,
        f: &mut impl FnMut(&mut serde_json::Map<String, Value>),
    ) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key == "example" || key == "examples" || key.starts_with("x-") {
                        continue;
                    }
                    if key == "schema" {
                        schema(child, f);
                    } else if components && key == "schemas" {
                        if let Value::Object(named) = child {
                            named.values_mut().for_each(|s| schema(s, f));
                        }
                    } else {
                        document(child, key == "components", f);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| document(v, false, f)),
            _ => {}
        }
    }
    document(doc, false, f);
}
