//! Which component schemas are string enums, and whether each is open
//! (`Other(String)`: a response can carry it, so a value added by the
//! service must not fail the whole response) or closed (only requests use
//! it: a caller cannot build a value the service would reject). `enums.rs`
//! generates them; typify is told to use them.

use serde_json::Value;

use crate::spec::resolve;

/// A component schema that is a string enum.
pub struct OpenEnum {
    pub name: String,
    pub description: Option<String>,
    pub values: Vec<String>,
    /// Whether unknown values are kept (`Other`) rather than rejected.
    pub open: bool,
}

/// The component schemas a response body can contain, by schema key.
fn response_reachable(doc: &Value) -> std::collections::BTreeSet<String> {
    fn walk(doc: &Value, value: &Value, seen: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(name) = crate::model::schema_ref(value)
                    && seen.insert(name.to_owned())
                    && let Some(target) = doc.pointer(&format!(
                        "/components/schemas/{}",
                        crate::spec::escape_pointer(name)
                    ))
                {
                    walk(doc, target, seen);
                }
                for (k, v) in map {
                    if k != "example" && k != "examples" {
                        walk(doc, v, seen);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(doc, v, seen)),
            _ => {}
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for op in crate::spec::METHODS.iter().filter_map(|m| item.get(*m)) {
            for response in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(_, r)| r)
            {
                walk(doc, resolve(doc, response), &mut seen);
            }
        }
    }
    seen
}

/// The string enums among the component schemas, in name order; `name` is the Rust type name.
pub fn find(doc: &Value) -> Vec<OpenEnum> {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let in_responses = response_reachable(doc);
    let mut out: Vec<OpenEnum> = schemas
        .iter()
        .filter(|(_, s)| s["type"] == "string" && s.get("nullable") != Some(&Value::Bool(true)))
        .filter_map(|(key, s)| {
            let values: Vec<String> = s
                .get("enum")?
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()?;
            Some(OpenEnum {
                name: crate::names::type_name(key),
                description: s
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                values,
                open: in_responses.contains(key),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}
