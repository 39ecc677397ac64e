//! Tests generated into each types crate: every response `example` in the
//! spec decodes into its generated type and encodes back to the JSON the
//! model says it writes ([`crate::model::Example::written_back`]: a
//! `date-time` in UTC, declared defaults written out), up to `null`s, which
//! an absent optional field also means. An example that its own schema
//! rejects (the lint's `example` rule names it) is no test of the types and
//! is left out; the module's docs count them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{Api, ResponseBody};

/// One response example whose schema is a named component.
struct Example {
    test_name: String,
    type_name: String,
    json: String,
    /// What the type writes back, when not `json`.
    written_back: Option<String>,
}

/// The examples of every documented response whose body is a component of the types crate.
/// Examples their schemas reject are counted, not collected.
fn collect(api: &Api) -> (Vec<Example>, usize) {
    let mut out = Vec::new();
    let mut rejected = 0;
    for op in &api.operations {
        for response in &op.responses {
            let Some(ResponseBody::Json {
                component: Some(type_name),
                examples,
                ..
            }) = &response.body
            else {
                continue;
            };
            for example in examples {
                if !example.conforms {
                    rejected += 1;
                    continue;
                }
                let suffix = example
                    .name
                    .as_deref()
                    .map(|name| format!("_{}", crate::names::parameter(name)))
                    .unwrap_or_default();
                out.push(Example {
                    test_name: format!("{}_{}{suffix}", op.name, response.key.to_lowercase()),
                    type_name: type_name.clone(),
                    json: pretty(&example.value),
                    written_back: example.written_back.as_ref().map(pretty),
                });
            }
        }
    }
    (out, rejected)
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).expect("JSON values serialize")
}

/// A `#[cfg(test)]` module with one test per example (empty when there is none).
pub fn tests(api: &Api) -> TokenStream {
    let (examples, rejected) = collect(api);
    if examples.is_empty() {
        return TokenStream::new();
    }
    let tests = examples.iter().map(|e| {
        let test = format_ident!("{}", e.test_name);
        let ty = format_ident!("{}", e.type_name);
        let json = &e.json;
        let msg = format!("the spec's example does not decode into `{}`", e.type_name);
        let expected = match &e.written_back {
            Some(written) => quote! { #written },
            None => quote! { example },
        };
        quote! {
            #[test]
            fn #test() {
                let example = #json;
                let value: super::#ty = ::serde_json::from_str(example).expect(#msg);
                let encoded = ::serde_json::to_value(&value).unwrap();
                assert_eq!(without_absent(encoded), without_absent(::serde_json::from_str(#expected).unwrap()));
            }
        }
    });
    // Split by feature, the tests sit behind their operations' features, and
    // the features turned on may leave none.
    let unused = (api.features().len() > 1).then(|| quote! { #[allow(dead_code)] });
    let skipped = (rejected > 0).then(|| {
        let doc = format!(
            " {rejected} example(s) that their own schemas reject are left out (the lint's `example` rule names them)."
        );
        quote! { #[doc = ""] #[doc = #doc] }
    });
    quote! {
        /// Every response example of the spec decodes into its type and encodes back.
        #skipped
        #[cfg(test)]
        mod spec_examples {
            /// Drops members whose value means "absent" to the models (`null`, `[]`, `{}`):
            /// a faithful re-encoding may leave them out. Numbers compare as numbers
            /// (`1` and `1.0` are one value of a `number`).
            #unused
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
                    ::serde_json::Value::Number(n) => n.as_f64().map_or(::serde_json::Value::Number(n), ::serde_json::Value::from),
                    other => other,
                }
            }

            #(#tests)*
        }
    }
}
