//! The `<service>-server` crate: an axum server stub, generated from the
//! model ([`crate::model::Api`]). Per operation a module with a typed
//! `Request` (every parameter parsed and validated) and a `Response` enum
//! (one variant per documented status, carrying that status's body type from
//! the types crate); a trait `Api` with one method per operation plus
//! `authenticate`; and `router`, which turns any `Api` into an
//! `axum::Router`.
//!
//! One file per concern:
//!
//! * `params.rs`: the `Request` struct and its parsing (parameters, rules);
//! * `body.rs`: the request body field;
//! * `responses.rs`: the `Response` enum, its `IntoResponse` and the typed
//!   response headers;
//! * `rejections.rs`: how a bad request is answered (the spec's `x-server`
//!   templates, else the documented error envelope, else RFC 9457 problems),
//!   and the generated tests that each template fits its status's body;
//! * `auth.rs`: credentials per security scheme, `authenticate`;
//! * `handler.rs`: the trait method, the axum handler and the route of an
//!   operation.

mod auth;
mod body;
mod handler;
mod params;
mod rejections;
mod responses;

use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error::SpecError;
use crate::model::{Api, Operation};

/// What the server crate needs beyond the types crate.
pub struct ServerCode {
    /// The root module (`src/generated.rs`).
    pub tokens: TokenStream,
    /// Where the stub is split by feature: each feature's module
    /// (`src/generated/<module>.rs`).
    pub modules: Vec<(String, TokenStream)>,
    pub uses_uuid: bool,
    /// A `multipart/form-data` body needs `api-support`'s `server-multipart`.
    pub uses_multipart: bool,
    /// What a user should know about the stub: operations it does not serve,
    /// rejections the spec does not describe (reported by `cargo xtask lint` as notes).
    pub notes: Vec<SpecError>,
    /// The operations the stub does not serve (`operationId`, reason).
    pub unserved: Vec<(String, String)>,
    /// The operations whose trait method receives a principal (`operationId`):
    /// they require credentials of a scheme the stub extracts.
    pub authenticated: Vec<String>,
}

/// The pieces of the crate, collected operation by operation.
#[derive(Default)]
struct Parts {
    /// Each with the feature of its operation ([`Operation::feature`]).
    modules: Vec<(String, TokenStream)>,
    trait_methods: Vec<(String, TokenStream)>,
    handlers: Vec<(String, TokenStream)>,
    routes: Vec<(String, TokenStream)>,
    template_tests: Vec<(String, TokenStream)>,
    /// Operations the stub answers with 501, and why (at the spec's place).
    skipped: Vec<SpecError>,
    /// The same: `operationId` and reason.
    unserved: Vec<(String, String)>,
    authenticated: Vec<String>,
    defaulted: rejections::Defaulted,
    uses_uuid: bool,
}

/// Generates the server crate's code from the model of a spec.
pub fn generate(file: &Path, api: &Api, types_lib: &str) -> Result<ServerCode, SpecError> {
    let types_lib = {
        let ident = format_ident!("{types_lib}");
        quote! { ::#ident }
    };
    let schemes = auth::schemes(&api.schemes);
    let mut parts = Parts::default();
    for op in &api.operations {
        match params::request(file, op) {
            Ok(request) => operation(file, api, op, &schemes, request, &mut parts)?,
            Err(reason) => {
                parts.routes.push((
                    op.feature.clone(),
                    handler::not_implemented(op, &reason.message),
                ));
                parts.unserved.push((op.id.clone(), reason.message.clone()));
                parts.skipped.push(reason);
            }
        }
    }
    let (tokens, modules) = crate_items(&types_lib, &schemes, &parts, &api.features());
    Ok(ServerCode {
        tokens,
        modules,
        uses_uuid: parts.uses_uuid,
        uses_multipart: api.uses_multipart(),
        notes: notes(file, &parts),
        unserved: parts.unserved,
        authenticated: parts.authenticated,
    })
}

impl Parts {
    fn needs_auth(&self) -> bool {
        !self.authenticated.is_empty()
    }
}

/// The module, trait method, handler and route of an operation the stub serves.
fn operation(
    file: &Path,
    api: &Api,
    op: &Operation,
    schemes: &[auth::Scheme],
    request: params::Request,
    parts: &mut Parts,
) -> Result<(), SpecError> {
    let statuses = responses::statuses(op);
    let op_schemes: Vec<&auth::Scheme> = schemes
        .iter()
        .filter(|s| op.security.contains(&s.name))
        .collect();
    if !op_schemes.is_empty() {
        parts.authenticated.push(op.id.clone());
    }
    let validates = request.validates(api.rejections.reject_unknown);
    let answers = rejections::Answers {
        file,
        api,
        op,
        statuses: &statuses,
    };
    let reject_fns = answers.functions(validates, !op_schemes.is_empty(), parts)?;
    parts.uses_uuid |= request.uses_uuid;
    let module = format_ident!("{}", op.name);
    let request_items = request.items(op, api.rejections.reject_unknown);
    let response_items = responses::items(op, &statuses);
    let module_doc = format!(" `{}`: `{} {}`.", op.id, op.method.to_uppercase(), op.path);
    parts.modules.push((
        op.feature.clone(),
        quote! {
            #[doc = #module_doc]
            pub mod #module {
                use ::axum::response::IntoResponse;

                #request_items

                #response_items

                #(#reject_fns)*
            }
        },
    ));
    let handler = handler::Handler {
        op,
        schemes: &op_schemes,
        validates,
        has_body: request.body.is_some(),
        malformed: api.rejections.malformed_credentials.is_some(),
    };
    let feature = &op.feature;
    parts
        .trait_methods
        .push((feature.clone(), handler.trait_method()));
    parts.handlers.push((feature.clone(), handler.function()));
    parts.routes.push((feature.clone(), handler.route()));
    Ok(())
}

/// Notes for `cargo xtask lint`: unserved operations and defaulted rejections.
fn notes(file: &Path, parts: &Parts) -> Vec<SpecError> {
    let mut notes: Vec<SpecError> = parts
        .skipped
        .iter()
        .map(|s| SpecError {
            message: format!(
                "the server stub does not serve this operation ({}); its client method is generated and the stub answers 501",
                s.message
            ),
            ..s.clone()
        })
        .collect();
    notes.extend(parts.defaulted.note(file));
    notes
}

/// The crate: credentials, the `Api` trait, the modules, `router`, the
/// handlers, the tests. Split by feature (`features`: more than one), each
/// operation's trait method, route and tests sit behind its feature, and
/// its module and handler in its feature's module (`modules`).
fn crate_items(
    types_lib: &TokenStream,
    schemes: &[auth::Scheme],
    parts: &Parts,
    features: &[&str],
) -> (TokenStream, Vec<(String, TokenStream)>) {
    let split = features.len() > 1;
    let gated = |items: &[(String, TokenStream)]| -> Vec<TokenStream> {
        items
            .iter()
            .map(|(feature, item)| match split {
                true => quote! { #[cfg(feature = #feature)] #item },
                false => item.clone(),
            })
            .collect()
    };
    let needs_auth = parts.needs_auth();
    let credentials = needs_auth.then(|| auth::credentials(schemes));
    let auth_items = needs_auth.then(auth::trait_items);
    let tests = (!parts.template_tests.is_empty()).then(|| {
        let tests = gated(&parts.template_tests);
        quote! {
            #[cfg(test)]
            mod x_server_templates {
                #(#tests)*
            }
        }
    });
    let mut api_doc = " The service: implement it, then serve [`router`].".to_owned();
    if !parts.unserved.is_empty() {
        api_doc.push_str(
            "\n\n Not served by this stub (the router answers 501; the client supports them):\n",
        );
        for (op_id, reason) in &parts.unserved {
            api_doc.push_str(&format!("\n * `{op_id}`: {reason}"));
        }
    }
    let trait_methods = gated(&parts.trait_methods);
    let (body, modules) = if split {
        split_items(parts, features)
    } else {
        let modules = parts.modules.iter().map(|(_, i)| i);
        let handlers = parts.handlers.iter().map(|(_, i)| i);
        let routes = parts.routes.iter().map(|(_, r)| r);
        let body = quote! {
            #(#modules)*

            /// An `axum::Router` serving `api`: every request is authenticated and validated before it reaches `api`.
            pub fn router<A: Api>(api: A) -> ::axum::Router {
                ::axum::Router::new()
                    #(#routes)*
                    .with_state(::std::sync::Arc::new(api))
            }

            #(#handlers)*
        };
        (body, Vec::new())
    };
    let root = quote! {
        /// The service's models, shared with its client crate.
        pub use #types_lib as types;

        #credentials

        #[doc = #api_doc]
        pub trait Api: Send + Sync + 'static {
            #auth_items
            #(#trait_methods)*
        }

        #body

        #tests
    };
    (root, modules)
}

/// The stub split by feature: the root's `router` (one route per
/// operation, behind its feature) and module declarations, and each
/// feature's module (its operations' modules and handlers).
fn split_items(parts: &Parts, features: &[&str]) -> (TokenStream, Vec<(String, TokenStream)>) {
    let routes = parts.routes.iter().map(|(feature, route)| {
        quote! {
            #[cfg(feature = #feature)]
            let router = router #route;
        }
    });
    let mut root = quote! {
        /// An `axum::Router` serving `api`: every request is authenticated and validated before it reaches `api`.
        pub fn router<A: Api>(api: A) -> ::axum::Router {
            let router = ::axum::Router::new();
            #(#routes)*
            router.with_state(::std::sync::Arc::new(api))
        }
    };
    let mut modules = Vec::new();
    for feature in features {
        let module = crate::features::module(feature);
        root.extend(quote! {
            #[cfg(feature = #feature)]
            mod #module;
            #[cfg(feature = #feature)]
            pub use #module::*;
        });
        let items = parts
            .modules
            .iter()
            .filter(|(f, _)| f == feature)
            .map(|(_, i)| i);
        // The router (in the root) names each handler.
        let handlers =
            parts.handlers.iter().filter(|(f, _)| f == feature).map(
                |(_, handler)| match syn::parse2::<syn::ItemFn>(handler.clone()) {
                    Ok(mut function) => {
                        function.vis = syn::parse_quote! { pub(crate) };
                        quote! { #function }
                    }
                    Err(_) => handler.clone(),
                },
            );
        modules.push((
            feature.to_string(),
            quote! {
                use super::*;
                #(#items)*
                #(#handlers)*
            },
        ));
    }
    (root, modules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn spec(x_server: Value, statuses: Value) -> Value {
        json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "x-server": x_server,
            "security": [{"key": []}],
            "paths": {"/a": {"get": {
                "operationId": "listA",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": statuses
            }}},
            "components": {
                "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
                "schemas": {"Problem": {"type": "object", "properties": {"message": {"type": "string"}}}}
            }
        })
    }

    fn problem() -> Value {
        json!({"description": "p", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
    }

    /// The server code of a spec whose working copy is the spec itself.
    fn generate_from(doc: &Value) -> Result<ServerCode, SpecError> {
        let file = Path::new("t.yaml");
        let api = Api::build(file, doc, doc, "t_types", &["Problem".to_owned()])?;
        generate(file, &api, "t_types")
    }

    fn error_of(doc: &Value) -> SpecError {
        generate_from(doc).err().expect("an error")
    }

    #[test]
    fn parameters_whose_rust_names_meet_are_read_by_their_wire_names() {
        let mut doc = spec(json!({}), json!({"200": {"description": "ok"}}));
        doc["paths"]["/a"]["get"]["parameters"] = json!([
            {"name": "max-results", "in": "query", "schema": {"type": "integer"}},
            {"name": "maxResults", "in": "query", "schema": {"type": "integer"}}
        ]);
        let file = Path::new("t.yaml");
        let working = crate::transform::working_copy(file, &doc).unwrap();
        let api = Api::build(file, &doc, &working, "t_types", &[]).unwrap();
        let text = generate(file, &api, "t_types").unwrap().tokens.to_string();
        assert!(text.contains("pub max_results :"), "{text}");
        assert!(text.contains("pub max_results_2 :"), "{text}");
        assert!(
            text.contains("\"max-results\"") && text.contains("\"maxResults\""),
            "{text}"
        );
        assert!(!text.contains('~'), "{text}");
    }

    #[test]
    fn a_status_in_several_media_types_can_be_answered_in_each() {
        let mut limited = problem();
        limited["content"]["text/plain; charset=utf-8"] = json!({"schema": {"type": "string"}});
        limited["content"]["application/xml"] = json!({});
        limited["headers"] = json!({"X-RateLimit-Reset": {"schema": {"type": "integer"}}});
        let doc = spec(
            json!({}),
            json!({"200": {"description": "ok"}, "429": limited}),
        );
        let text = generate_from(&doc).unwrap().tokens.to_string();
        // The JSON body keeps the status's own variant; the others carry bytes and the same headers.
        assert!(
            text.contains("TooManyRequests (:: t_types :: Problem , TooManyRequestsHeaders)"),
            "{text}"
        );
        assert!(
            text.contains(
                "TooManyRequestsText (:: axum :: body :: Bytes , TooManyRequestsHeaders)"
            ),
            "{text}"
        );
        assert!(
            text.contains("TooManyRequestsXml (:: axum :: body :: Bytes , TooManyRequestsHeaders)"),
            "{text}"
        );
        assert!(text.contains("\"text/plain; charset=utf-8\""), "{text}");
        assert_eq!(text.matches("pub struct TooManyRequestsHeaders").count(), 1);
    }

    #[test]
    fn an_unreadable_authorization_header_is_answered_as_declared() {
        let statuses = json!({"200": {"description": "ok"}, "400": problem(), "401": problem()});
        let mut doc = spec(json!({}), statuses.clone());
        doc["components"]["securitySchemes"] = json!({"key": {"type": "http", "scheme": "bearer"}});
        let without = generate_from(&doc).unwrap().tokens.to_string();
        assert!(!without.contains("malformed_authorization"), "{without}");
        let malformed = json!({"status": 400, "body": {"message": "{message}"}});
        doc["x-server"] = json!({"malformed-credentials": malformed});
        let with = generate_from(&doc).unwrap().tokens.to_string();
        assert!(
            with.contains("malformed_authorization (headers , & [\"bearer\"])"),
            "{with}"
        );
        assert!(with.contains("pub fn malformed_credentials"), "{with}");
    }

    #[test]
    fn rejections_must_be_declared_and_documented() {
        let ok_statuses = json!({"200": {"description": "ok"}, "400": problem(), "401": problem()});
        let template = json!({"status": 400, "body": {"message": "{summary}"}});
        let auth = json!({"status": 401, "body": {"message": "{message}"}});

        // Without `x-server`, a documented envelope with a message field is used, else an RFC 9457 problem.
        let code =
            generate_from(&spec(json!({}), ok_statuses.clone())).expect("x-server is optional");
        let text = code.tokens.to_string();
        assert!(text.contains(r##"r#"{"message":"{summary}"}"#"##), "{text}");
        assert!(text.contains(r##"r#"{"message":"{message}"}"#"##), "{text}");
        assert_eq!(code.notes.len(), 1);
        assert!(
            code.notes[0]
                .message
                .contains("with the documented error envelope's message field in listA (invalid input), listA (missing credentials)"),
            "{}",
            code.notes[0]
        );
        let bare = json!({"200": {"description": "ok"}});
        let code = generate_from(&spec(json!({}), bare.clone())).expect("x-server is optional");
        let text = code.tokens.to_string();
        assert!(text.contains("api_support :: server :: problem"), "{text}");
        assert!(text.contains(r#""title":"Bad Request""#), "{text}");
        assert!(
            code.notes[0].message.contains("with an RFC 9457 problem body (400 or 401) in listA (invalid input), listA (missing credentials)"),
            "{}",
            code.notes[0]
        );

        let e = error_of(&spec(
            json!({"validation-error": {"status": 422, "body": {}}, "unauthenticated": auth}),
            ok_statuses.clone(),
        ));
        assert!(
            e.message.contains(
                "answers with status 422, which `listA` does not document with a JSON body"
            ),
            "{e}"
        );

        let e = error_of(&spec(
            json!({"validation-error": {"status": 200, "body": {}}}),
            ok_statuses.clone(),
        ));
        assert_eq!(
            e.location,
            crate::error::Location::Pointer("/x-server/validation-error/status".into())
        );

        let fine = spec(
            json!({"validation-error": template, "unauthenticated": auth}),
            ok_statuses,
        );
        assert!(generate_from(&fine).is_ok());
    }
}
