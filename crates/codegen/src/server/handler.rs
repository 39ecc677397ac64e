//! An operation's place in the crate outside its module: the `Api` trait
//! method, the axum handler (credentials, parsing, the call) and the route.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::auth::Scheme;
use crate::model::Operation;

/// What the handler of a served operation needs.
pub(super) struct Handler<'a> {
    pub op: &'a Operation,
    /// The schemes the operation accepts that the stub extracts (empty: no credentials).
    pub schemes: &'a [&'a Scheme],
    /// Whether a rejection function answers invalid input.
    pub validates: bool,
    pub has_body: bool,
    /// Whether an unreadable `Authorization` header has a rejection of its own (`x-server.malformed-credentials`).
    pub malformed: bool,
}

impl Handler<'_> {
    fn module(&self) -> Ident {
        format_ident!("{}", self.op.name)
    }

    fn name(&self) -> Ident {
        format_ident!("handle_{}", self.op.name)
    }

    fn authenticated(&self) -> bool {
        !self.schemes.is_empty()
    }

    /// The `Api` trait method.
    pub fn trait_method(&self) -> TokenStream {
        let module = self.module();
        let op = self.op;
        let doc = format!(
            " `{} {}`: {}",
            op.method.to_uppercase(),
            op.path,
            op.summary
        );
        let principal = self
            .authenticated()
            .then(|| quote! { principal: Self::Principal, });
        quote! {
            #[doc = #doc]
            fn #module(&self, #principal request: #module::Request) -> impl ::std::future::Future<Output = #module::Response> + Send;
        }
    }

    /// The route to the handler.
    pub fn route(&self) -> TokenStream {
        let (path, method, handler) = (
            &self.op.path,
            format_ident!("{}", self.op.method),
            self.name(),
        );
        quote! { .route(#path, ::axum::routing::#method(#handler::<A>)) }
    }

    /// The axum handler: credentials, parameters, the trait method.
    pub fn function(&self) -> TokenStream {
        let (module, handler) = (self.module(), self.name());
        // Signed requests are checked against the method and URI; other schemes need neither.
        let signed = self.schemes.iter().any(|s| s.signs);
        let method_param = if signed {
            quote! { method }
        } else {
            quote! { _method }
        };
        let path_and_query = signed.then(|| quote! { let path_and_query = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str()); });
        let auth = self
            .authenticated()
            .then(|| super::auth::extract(&module, self.schemes, self.malformed));
        let principal = self.authenticated().then(|| quote! { principal, });
        let reject = if self.validates {
            quote! { Err(issues) => return #module::reject(&issues, "", headers), }
        } else {
            quote! { Err(_) => return ::axum::http::StatusCode::BAD_REQUEST.into_response(), }
        };
        let (body_extractor, body_arg) = if self.has_body {
            (quote! { body: ::axum::body::Bytes, }, quote! { , &body })
        } else {
            (TokenStream::new(), TokenStream::new())
        };
        quote! {
            async fn #handler<A: Api>(
                ::axum::extract::State(api): ::axum::extract::State<::std::sync::Arc<A>>,
                path: ::axum::extract::RawPathParams,
                #method_param: ::axum::http::Method,
                uri: ::axum::http::Uri,
                headers: ::axum::http::HeaderMap,
                #body_extractor
            ) -> ::axum::response::Response {
                use ::axum::response::IntoResponse;
                let headers = &headers;
                #path_and_query
                #auth
                let path = path.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
                let p = ::api_support::server::Params::new(uri.query(), headers).with_path(path);
                let request = match #module::Request::parse(p #body_arg) {
                    Ok(request) => request,
                    #reject
                };
                api.#module(#principal request).await.into_response()
            }
        }
    }
}

/// The route of an operation the stub does not serve: 501, with the reason.
pub(super) fn not_implemented(op: &Operation, why: &str) -> TokenStream {
    let (path, method, name) = (&op.path, format_ident!("{}", op.method), &op.name);
    quote! {
        .route(#path, ::axum::routing::#method(|| async { ::api_support::server::not_implemented(#name, #why) }))
    }
}
