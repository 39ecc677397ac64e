//! The rules a spec must follow before anything is generated from it. Each
//! broken rule is reported with the file, a JSON pointer and what was expected;
//! all problems of a spec are reported at once.

use std::path::Path;

use serde_json::Value;

use crate::error::SpecError;
use crate::spec::{METHODS, escape_pointer, visit_objects};

/// Checks the rules the generator relies on.
pub fn check(file: &Path, doc: &Value) -> Vec<SpecError> {
    let mut errors = Vec::new();
    let mut err =
        |pointer: String, message: String| errors.push(SpecError::at(file, pointer, message));

    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => err(
            "/openapi".into(),
            format!("expected an OpenAPI 3.0.x document, found version `{v}`"),
        ),
        None => err(
            "/openapi".into(),
            "expected the `openapi: 3.0.x` version field".into(),
        ),
    }
    if doc
        .pointer("/info/version")
        .and_then(Value::as_str)
        .is_none()
    {
        err(
            "/info/version".into(),
            "expected `info.version` (a string)".into(),
        );
    }

    if let Some(message) = crate::extensions::crate_version_problem(doc) {
        err("/info/x-crate-version".into(), message);
    }

    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let item_ptr = format!("/paths/{}", escape_pointer(path));
            if item.get("$ref").is_some() {
                err(
                    item_ptr.clone(),
                    "this path item's `$ref` leads to no path item of the document; write the path item inline"
                        .into(),
                );
                continue;
            }
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let op_ptr = format!("{item_ptr}/{method}");
                match op.get("responses").and_then(Value::as_object) {
                    None => err(
                        format!("{op_ptr}/responses"),
                        "expected a `responses` map".into(),
                    ),
                    Some(responses) => {
                        for status in responses.keys() {
                            if !is_status_key(status) {
                                err(
                                    format!("{op_ptr}/responses/{}", escape_pointer(status)),
                                    format!(
                                        "`{status}` is not a status code, a range like `4XX`, or `default`"
                                    ),
                                );
                            }
                        }
                    }
                }
            }
        }
    } else {
        err("/paths".into(), "expected a `paths` map".into());
    }

    check_refs(doc, &mut err);
    errors
}

fn check_refs(root: &Value, err: &mut impl FnMut(String, String)) {
    visit_objects(root, &mut |map, pointer| {
        if let Some(r) = map.get("$ref").and_then(Value::as_str) {
            match r.strip_prefix('#') {
                Some(target) if root.pointer(target).is_some() => {}
                Some(_) => err(
                    format!("{pointer}/$ref"),
                    format!("`{r}` does not resolve to anything in this file"),
                ),
                None => err(
                    format!("{pointer}/$ref"),
                    format!("`{r}`: only references within the same file (`#/...`) are supported"),
                ),
            }
        }
    });
}

fn is_status_key(s: &str) -> bool {
    if s == "default" {
        return true;
    }
    let b = s.as_bytes();
    b.len() == 3
        && (b'1'..=b'5').contains(&b[0])
        && ((b[1].is_ascii_digit() && b[2].is_ascii_digit()) || (b[1] == b'X' && b[2] == b'X'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn messages(doc: Value) -> Vec<String> {
        check(Path::new("t.yaml"), &doc)
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_minimal_document_passes() {
        let doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"operationId": "getA", "responses": {"200": {"description": "ok"}}}}}});
        assert_eq!(messages(doc), Vec::<String>::new());
    }

    #[test]
    fn each_rule_is_reported_with_a_pointer() {
        let doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"get": {"responses": {"20": {"$ref": "#/components/responses/Nope"}}}},
            "/b": {"get": {"operationId": "x", "responses": {}}, "put": {"operationId": "X", "responses": {}}}
        }});
        let m = messages(doc);
        assert!(
            m.iter().any(|e| e
                .contains("#/openapi: expected an OpenAPI 3.0.x document, found version `3.1.0`")),
            "{m:#?}"
        );
        // A missing operationId is named in the working copy, not refused.
        assert!(
            !m.iter().any(|e| e.contains("#/paths/~1a/get/operationId")),
            "{m:#?}"
        );
        assert!(
            m.iter()
                .any(|e| e.contains("#/paths/~1a/get/responses/20: `20` is not a status code")),
            "{m:#?}"
        );
        assert!(
            m.iter().any(|e| e.contains(
                "#/paths/~1a/get/responses/20/$ref: `#/components/responses/Nope` does not resolve"
            )),
            "{m:#?}"
        );
        // operationIds that become one method are numbered in the working copy, not refused.
        assert!(!m.iter().any(|e| e.contains("/operationId")), "{m:#?}");
    }
}
