//! Tests generated into each types crate: every response `example` in the
//! spec decodes into its generated type and encodes back to the same JSON
//! (up to `null`s, which an absent optional field also means). A spec example
//! that its own types reject is caught by `cargo test`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::spec::METHODS;
use crate::spec::resolve;

/// One response example whose schema is a named component.
struct Example {
    test_name: String,
    type_name: String,
    json: String,
}

fn collect(doc: &Value, type_names: &[String]) -> Vec<Example> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for item in paths.values() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let op_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| method.to_owned(), crate::names::operation);
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in responses {
                let response = resolve(doc, response);
                let Some(media) = crate::model::json_media(response.get("content")) else {
                    continue;
                };
                let Some(name) = media
                    .get("schema")
                    .and_then(crate::model::ref_type)
                    .filter(|n| type_names.contains(n))
                else {
                    continue;
                };
                let mut examples: Vec<(String, &Value)> = Vec::new();
                if let Some(e) = media.get("example") {
                    examples.push((String::new(), e));
                }
                for (key, e) in media
                    .get("examples")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if let Some(v) = resolve(doc, e).get("value") {
                        examples.push((format!("_{}", crate::names::parameter(key)), v));
                    }
                }
                for (suffix, example) in examples {
                    out.push(Example {
                        test_name: format!("{op_id}_{}{suffix}", status.to_lowercase()),
                        type_name: name.clone(),
                        json: serde_json::to_string_pretty(example).expect("JSON values serialize"),
                    });
                }
            }
        }
    }
    out
}

/// A `#[cfg(test)]` module with one test per example (empty when there is none).
pub fn tests(doc: &Value, type_names: &[String]) -> TokenStream {
    let examples = collect(doc, type_names);
    if examples.is_empty() {
        return TokenStream::new();
    }
    let tests = examples.iter().map(|e| {
        let test = format_ident!("{}", e.test_name);
        let ty = format_ident!("{}", e.type_name);
        let json = &e.json;
        let msg = format!("the spec's example does not decode into `{}`", e.type_name);
        quote! {
            #[test]
            fn #test() {
                let example = #json;
                let value: super::#ty = ::serde_json::from_str(example).expect(#msg);
                let encoded = ::serde_json::to_value(&value).unwrap();
                assert_eq!(without_absent(encoded), without_absent(::serde_json::from_str(example).unwrap()));
            }
        }
    });
    quote! {
        /// Every response example of the spec decodes into its type and encodes back.
        #[cfg(test)]
        mod spec_examples {
            /// Drops members whose value means "absent" to the models (`null`, `[]`, `{}`):
            /// a faithful re-encoding may leave them out.
            fn without_absent(value: ::serde_json::Value) -> ::serde_json::Value {
                fn absent(v: &::serde_json::Value) -> bool {
                    v.is_null()
                        || v.as_array().is_some_and(|a| a.is_empty())
                        || v.as_object().is_some_and(|o| o.is_empty())
                }
                match value {
                    ::serde_json::Value::Object(map) => map
                        .into_iter()
                        .map(|(k, v)| (k, without_absent(v)))
                        .filter(|(_, v)| !absent(v))
                        .collect(),
                    ::serde_json::Value::Array(items) => items.into_iter().map(without_absent).collect(),
                    other => other,
                }
            }

            #(#tests)*
        }
    }
}
