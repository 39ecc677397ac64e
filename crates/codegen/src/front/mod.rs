//! Front ends: every input form the generator takes, rewritten into the one
//! it works on (OpenAPI 3.0), before anything is checked or generated.
//!
//! * OpenAPI 3.0.x: as it is.
//! * OpenAPI 3.1 and 3.2 (`oas31.rs`): rewritten keyword by keyword; what
//!   has no 3.0 form is refused at its pointer, all of it in one run.
//! * Swagger 2.0 (`swagger2.rs`): rewritten part by part (servers,
//!   components, request bodies, media types), with a note that it was 2.0.
//!
//! Whatever the version, a local `$ref` written as a URI fragment
//! (`#/paths/~1keys~1%7Bid%7D`, RFC 6901 section 6) is percent-decoded into
//! the JSON pointer it stands for (`#/paths/~1keys~1{id}`), and documentation
//! text ends its lines with `\n` only (rustc refuses a bare `\r` in a doc
//! comment).
//!
//! Each front end returns notes on what the input held that the generated
//! code leaves out; `cargo xtask lint` prints them.

mod oas31;
mod swagger2;

use std::path::Path;

use serde_json::Value;

use crate::error::SpecError;

/// The document in the form the generator takes, and the notes on what was left out.
pub fn to_oas30(file: &Path, mut doc: Value) -> Result<(Value, Vec<SpecError>), Vec<SpecError>> {
    decode_references(&mut doc);
    normalize_line_ends(&mut doc);
    inline_path_item_refs(&mut doc);
    let version = doc
        .get("openapi")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let notes = if version.starts_with("3.1.") || version.starts_with("3.2.") {
        oas31::rewrite(file, &mut doc)?
    } else {
        match doc.get("swagger") {
            Some(Value::String(v)) if v == "2.0" => swagger2::rewrite(file, &mut doc)?,
            Some(other) if version.is_empty() => {
                return Err(vec![SpecError::at(
                    file,
                    "/swagger",
                    format!(
                        "Swagger {other} is not taken: only Swagger 2.0 and OpenAPI 3.x are; convert the document to one of them"
                    ),
                )]);
            }
            _ => Vec::new(),
        }
    };
    distinct_component_keys(&mut doc);
    Ok((doc, notes))
}

/// Component schema keys that differ only in case or punctuation
/// (DocuSign's `AccountPasswordRules` and `accountPasswordRules`) would be
/// one Rust type. The later key is renamed (`AccountPasswordRules2`, the
/// first name no key has) and every `$ref` to it follows, so that every
/// step after the front end sees one name per type.
fn distinct_component_keys(doc: &mut Value) {
    use std::collections::{BTreeMap, BTreeSet};
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let clashing: Vec<String> = schemas
        .keys()
        .filter(|key| !taken.insert(crate::names::type_name(key)))
        .cloned()
        .collect();
    if clashing.is_empty() {
        return;
    }
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    for key in clashing {
        let base = crate::names::type_name(&key);
        let name = (2..)
            .map(|n| format!("{base}{n}"))
            .find(|name| !taken.contains(name) && !schemas.contains_key(name))
            .expect("an unused name exists");
        taken.insert(name.clone());
        if let Some(schema) = schemas.remove(&key) {
            schemas.insert(name.clone(), schema);
        }
        renames.insert(
            format!("#/components/schemas/{}", crate::spec::escape_pointer(&key)),
            format!("#/components/schemas/{name}"),
        );
    }
    fn follow(value: &mut Value, renames: &BTreeMap<String, String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get_mut("$ref")
                    && let Some(to) = renames.get(target.as_str())
                {
                    *target = to.clone();
                }
                map.values_mut().for_each(|v| follow(v, renames));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| follow(v, renames)),
            _ => {}
        }
    }
    follow(doc, &renames);
}

/// A path item given by a `$ref` to another in the document (SureVoIP's
/// `/support/ip-address` is `#/paths/~1ip-address`, or a 3.1
/// `#/components/pathItems/x`): a copy of that path item, so each path is
/// written out. A ref that leads nowhere, or to another ref, is left for
/// validation to report at its pointer.
fn inline_path_item_refs(doc: &mut Value) {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return;
    };
    let targets: Vec<(String, Value)> = paths
        .iter()
        .filter_map(|(path, item)| {
            let target = item.get("$ref")?.as_str()?.strip_prefix('#')?;
            let found = doc.pointer(target)?;
            (found.get("$ref").is_none() && found.is_object())
                .then(|| (path.clone(), found.clone()))
        })
        .collect();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in targets {
            paths.insert(path, item);
        }
    }
}

/// Every text that becomes documentation (`description`, `summary`,
/// `title`) with `\n` line ends: a carriage return (`\r\n`, or alone, as old
/// Mac text has it) in a generated doc comment is an error to rustc.
fn normalize_line_ends(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match child {
                    Value::String(text)
                        if matches!(key.as_str(), "description" | "summary" | "title")
                            && text.contains('\r') =>
                    {
                        *text = text.replace("\r\n", "\n").replace('\r', "\n");
                    }
                    _ if key == "example" || key == "examples" => {}
                    _ => normalize_line_ends(child),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_line_ends),
        _ => {}
    }
}

/// Every local `$ref` as the plain JSON pointer its URI fragment encodes.
fn decode_references(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && reference.starts_with('#')
                && reference.contains('%')
            {
                *reference = percent_decoded(reference);
            }
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    decode_references(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(decode_references),
        _ => {}
    }
}

/// `%XX` sequences decoded (as UTF-8); anything that is not one is kept.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(Some(high)), Some(Some(low))) = (
                bytes.get(i + 1).map(|b| hex(*b)),
                bytes.get(i + 2).map(|b| hex(*b)),
            )
        {
            out.push(u8::try_from(high * 16 + low).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn component_keys_one_rust_name_apart_are_renamed_with_their_refs() {
        let mut doc = json!({"components": {"schemas": {
            "Rules": {"type": "object"},
            "Rules2": {"type": "string"},
            "rules": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/rules"}}},
        }}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/rules"}}}}}}}}});
        distinct_component_keys(&mut doc);
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let keys: Vec<&str> = schemas.keys().map(String::as_str).collect();
        assert_eq!(keys, ["Rules", "Rules2", "Rules3"]);
        assert_eq!(
            schemas["Rules3"]["properties"]["next"]["$ref"],
            "#/components/schemas/Rules3"
        );
        let body = &doc["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"];
        assert_eq!(body["schema"]["$ref"], "#/components/schemas/Rules3");
    }

    #[test]
    fn documentation_ends_its_lines_with_newlines_only() {
        let mut doc = json!({"description": "a\r\nb\rc", "properties": {"title": {"title": "x\ry"}},
            "example": {"description": "data\r"}});
        normalize_line_ends(&mut doc);
        assert_eq!(doc["description"], "a\nb\nc");
        assert_eq!(doc["properties"]["title"]["title"], "x\ny");
        assert_eq!(doc["example"]["description"], "data\r", "examples are data");
    }

    #[test]
    fn references_written_as_uri_fragments_are_decoded() {
        let mut doc = json!({"a": {"$ref": "#/paths/~1keys~1%7Bid%7D/get/parameters/0"},
            "b": {"$ref": "#/components/schemas/Caf%C3%A9"}, "c": {"$ref": "#/x/100%"}});
        decode_references(&mut doc);
        assert_eq!(doc["a"]["$ref"], "#/paths/~1keys~1{id}/get/parameters/0");
        assert_eq!(doc["b"]["$ref"], "#/components/schemas/Café");
        assert_eq!(doc["c"]["$ref"], "#/x/100%");
    }
}
