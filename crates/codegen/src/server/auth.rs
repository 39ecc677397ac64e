//! Credentials: one `Credentials` variant per security scheme the stub can
//! extract, the trait's `Principal` and `authenticate`, and the code that
//! extracts credentials at the start of a handler.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::security::Kind;

/// A security scheme the stub extracts.
pub(super) struct Scheme {
    pub name: String,
    variant: Ident,
    /// An expression of type `Option<payload>` over the request's `headers`, `method` and `path_and_query`.
    extract: TokenStream,
    /// What the `Credentials` variant carries.
    payload: TokenStream,
    /// Whether the payload is a plain `Secret` (bearer token, API key).
    is_secret: bool,
    /// Whether checking it needs the request's method and URI (a signed request).
    pub signs: bool,
    /// Its `Authorization` scheme (`bearer`, `basic`, `bhesignature`), when it sends one.
    authorization: Option<&'static str>,
    doc: String,
}

/// The schemes of a spec the stub extracts (others are left to the user).
pub(super) fn schemes(schemes: &[crate::security::Scheme]) -> Vec<Scheme> {
    schemes
        .iter()
        .filter_map(|crate::security::Scheme { name, kind }| {
            let (extract, payload, doc) = extraction(name, kind)?;
            Some(Scheme {
                name: name.clone(),
                variant: format_ident!("{}", crate::names::type_name(name)),
                extract,
                is_secret: payload.is_none(),
                payload: payload.unwrap_or_else(|| quote! { ::api_support::Secret }),
                signs: *kind == Kind::Signed,
                authorization: match kind {
                    Kind::Bearer { .. } => Some("bearer"),
                    Kind::Basic => Some("basic"),
                    Kind::Signed => Some("bhesignature"),
                    Kind::ApiKeyHeader { .. } | Kind::Other => None,
                },
                doc,
            })
        })
        .collect()
}

/// How a scheme's credentials are extracted: the expression, the payload
/// type (`None`: a `Secret`) and how the docs describe it.
fn extraction(name: &str, kind: &Kind) -> Option<(TokenStream, Option<TokenStream>, String)> {
    let bearer = quote! { ::api_support::server::bearer_token(headers) };
    Some(match kind {
        Kind::Bearer { oauth: false } => (
            bearer,
            None,
            format!("`Authorization: Bearer <token>` (scheme `{name}`)"),
        ),
        Kind::Bearer { oauth: true } => (
            bearer,
            None,
            format!("an OAuth 2 bearer token (scheme `{name}`)"),
        ),
        Kind::Signed => (
            quote! { ::api_support::server::signed_request(headers, method.as_str(), path_and_query) },
            Some(quote! { ::api_support::server::SignedRequest }),
            format!(
                "a signed request: `Authorization: bhesignature <token id>`, `RequestDate`, `Signature` (scheme `{name}`)"
            ),
        ),
        Kind::Basic => (
            quote! { ::api_support::server::basic_credentials(headers) },
            Some(quote! { ::api_support::server::BasicCredentials }),
            format!("`Authorization: Basic <base64 of user:password>` (scheme `{name}`)"),
        ),
        Kind::ApiKeyHeader { header } => (
            quote! { ::api_support::server::header_key(headers, #header) },
            None,
            format!("the `{header}` header (scheme `{name}`)"),
        ),
        Kind::Other => return None,
    })
}

/// The `Credentials` enum: what a request carried, one variant per scheme.
pub(super) fn credentials(schemes: &[Scheme]) -> TokenStream {
    let variants = schemes.iter().map(|s| {
        let (v, payload, doc) = (&s.variant, &s.payload, format!(" Sent as {}.", s.doc));
        quote! { #[doc = #doc] #v(#payload), }
    });
    let arms = schemes.iter().map(|s| {
        let v = &s.variant;
        if s.is_secret {
            quote! { Credentials::#v(secret) => Some(secret), }
        } else {
            quote! { Credentials::#v(_) => None, }
        }
    });
    quote! {
        /// Credentials a request carried, one variant per security scheme. Never shown by `Debug`.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Credentials {
            #(#variants)*
        }

        impl Credentials {
            /// The token or key itself, for schemes that send one (a signed request sends none: verify it instead).
            pub fn secret(&self) -> ::std::option::Option<&::api_support::Secret> {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}

/// The trait's `Principal` and `authenticate`.
pub(super) fn trait_items() -> TokenStream {
    quote! {
        /// Who made a request, as [`Api::authenticate`] established it; handed to every operation that requires credentials.
        type Principal: Send + 'static;

        /// Checks credentials. An `Err` answers the request with the service's own "unauthenticated" body; the operation never runs.
        fn authenticate(&self, credentials: Credentials) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Principal, ::api_support::server::AuthError>> + Send;
    }
}

/// The start of a handler that requires credentials: answer an unreadable
/// `Authorization` header as malformed (when `malformed`), extract them (the
/// operation's schemes in order), answer 401 without, authenticate, bind `principal`.
pub(super) fn extract(module: &Ident, schemes: &[&Scheme], malformed: bool) -> TokenStream {
    let tries = schemes.iter().map(|s| {
        let (variant, extract) = (&s.variant, &s.extract);
        quote! { if let Some(secret) = #extract { break 'found Some(Credentials::#variant(secret)); } }
    });
    let authorization: Vec<&str> = schemes.iter().filter_map(|s| s.authorization).collect();
    let malformed = (malformed && !authorization.is_empty()).then(|| {
        quote! {
            if let Some(reason) = ::api_support::server::malformed_authorization(headers, &[#(#authorization),*]) {
                return #module::malformed_credentials(&[], &reason, headers);
            }
        }
    });
    quote! {
        #malformed
        let credentials = 'found: { #(#tries)* None };
        let principal = match credentials {
            None => return #module::unauthenticated(&[], "Not authenticated", headers),
            Some(credentials) => match api.authenticate(credentials).await {
                Ok(principal) => principal,
                Err(e) => return #module::invalid_credentials(&[], &e.message, headers),
            },
        };
    }
}
