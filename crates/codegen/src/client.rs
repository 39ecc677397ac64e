//! The `<service>-client` crate: progenitor's builder-style client over the
//! working copy, reusing the types crate's models, plus one constructor per
//! security scheme so no caller builds auth headers by hand.

use std::path::Path;

use heck::ToSnakeCase;
use openapiv3::{APIKeyLocation, OpenAPI, ReferenceOr, SecurityScheme};
use proc_macro2::TokenStream;
use progenitor_impl::InterfaceStyle;
use quote::{format_ident, quote};

use crate::error::SpecError;
use crate::types::{Types, base_settings};

/// The client code and what it needs beyond the types crate.
pub struct ClientCode {
    pub tokens: TokenStream,
    pub uses_chrono: bool,
    pub uses_uuid: bool,
    pub uses_regress: bool,
    /// progenitor's websocket handshake (`x-dropshot-websocket`) needs `base64` and `rand`.
    pub uses_websockets: bool,
    /// progenitor's own page streams need `futures`.
    pub uses_futures: bool,
    /// The operations (`operationId`) whose builders walk pages (`stream()`).
    pub paged: Vec<String>,
}

pub fn generate(
    file: &Path,
    working: &OpenAPI,
    working_value: &serde_json::Value,
    types: &Types,
    types_lib: &str,
) -> Result<ClientCode, SpecError> {
    let mut settings = base_settings();
    settings.with_interface(InterfaceStyle::Builder);
    let signing = signs_requests(working);
    if signing {
        // Each request is signed just before it is sent; the signer is the client's inner value.
        settings
            .with_inner_type(quote! { ::api_support::client::Signer })
            .with_pre_hook_async(quote! { ::api_support::client::Signer::sign });
    }
    for name in &types.names {
        settings.with_replacement(name, format!("::{types_lib}::{name}"), std::iter::empty());
    }
    let (generator, tokens) = crate::progenitor::run(file, working, &settings, "client")?;
    let space = generator.get_type_space();
    let mut client: syn::File = syn::parse2(tokens).map_err(|e| {
        SpecError::at(
            file,
            "",
            format!("progenitor produced code that does not parse: {e}"),
        )
    })?;
    reexport_models(&mut client, types_lib);
    let auth = auth_constructors(working, signing);
    let mut paging = Vec::new();
    let mut paged = Vec::new();
    for operation in crate::validate::operations(working_value) {
        if let Some(p) = crate::pagination::read(file, working_value, &operation.pointer)? {
            let op_id = operation.op["operationId"].as_str().unwrap_or_default();
            paged.push(op_id.to_owned());
            let error = crate::pagination::error_type(working_value, operation.op, types_lib);
            paging.push(crate::pagination::client_methods(
                op_id, &p, types_lib, &error,
            ));
        }
    }
    Ok(ClientCode {
        tokens: quote! { #client #auth #(#paging)* },
        uses_chrono: space.uses_chrono(),
        uses_uuid: space.uses_uuid(),
        uses_regress: space.uses_regress(),
        uses_websockets: generator.uses_websockets(),
        uses_futures: generator.uses_futures(),
        paged,
    })
}

/// `types` re-exports the shared models, so `client::types::X` names every type an operation uses.
fn reexport_models(file: &mut syn::File, types_lib: &str) {
    let lib = format_ident!("{types_lib}");
    for item in &mut file.items {
        if let syn::Item::Mod(m) = item
            && m.ident == "types"
            && let Some((_, items)) = &mut m.content
        {
            items.insert(
                0,
                syn::parse_quote! {
                    #[doc(no_inline)]
                    pub use ::#lib::*;
                },
            );
        }
    }
}

/// One constructor per supported security scheme, e.g. `Client::with_bearer_token`.
/// HTTP scheme `bhesignature`: BloodHound's HMAC-signed requests.
const SIGNED_SCHEME: &str = "bhesignature";

/// Whether a security scheme signs each request (which needs a hook, not a default header).
fn signs_requests(spec: &OpenAPI) -> bool {
    spec.components.iter().flat_map(|c| c.security_schemes.values()).any(|s| {
        matches!(s, ReferenceOr::Item(SecurityScheme::HTTP { scheme, .. }) if scheme.eq_ignore_ascii_case(SIGNED_SCHEME))
    })
}

fn auth_constructors(spec: &OpenAPI, signing: bool) -> TokenStream {
    // With a signing scheme the client carries a `Signer` (none for the other schemes).
    let inner = signing.then(|| quote! { , ::api_support::client::Signer::None });
    let schemes = spec.components.as_ref().map(|c| &c.security_schemes);
    let mut methods = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let api_keys = schemes
        .into_iter()
        .flatten()
        .filter(|(_, s)| {
            matches!(
                s,
                ReferenceOr::Item(SecurityScheme::APIKey {
                    location: APIKeyLocation::Header,
                    ..
                })
            )
        })
        .count();
    for (scheme_name, scheme) in schemes.into_iter().flatten() {
        let ReferenceOr::Item(scheme) = scheme else {
            continue;
        };
        let (method, auth, doc) = match scheme {
            SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => (
                format_ident!("with_bearer_token"),
                quote! { ::api_support::client::Auth::Bearer(token.into()) },
                format!("Authorization: Bearer <token>` (security scheme `{scheme_name}`)."),
            ),
            SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => (
                format_ident!("with_bearer_token"),
                quote! { ::api_support::client::Auth::Bearer(token.into()) },
                format!(
                    "Authorization: Bearer <token>`, a token obtained through security scheme `{scheme_name}`."
                ),
            ),
            SecurityScheme::APIKey {
                location: APIKeyLocation::Header,
                name,
                ..
            } => {
                let method = if api_keys == 1 {
                    format_ident!("with_api_key")
                } else {
                    format_ident!("with_{}", scheme_name.to_snake_case())
                };
                (
                    method,
                    quote! { ::api_support::client::Auth::ApiKeyHeader { header: #name, key: token.into() } },
                    format!("{name}: <key>` (security scheme `{scheme_name}`)."),
                )
            }
            SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case(SIGNED_SCHEME) => {
                let doc = format!(
                    " Creates a client that signs every request with an API token (security scheme `{scheme_name}`): \
                     `Authorization: bhesignature <token id>`, `RequestDate` and an HMAC-SHA256 `Signature` made with the \
                     token key, which is never sent.\n\n The token key never appears in `Debug` output."
                );
                methods.push(quote! {
                    #[doc = #doc]
                    pub fn with_signed_requests(
                        baseurl: &str,
                        token_id: impl Into<::std::string::String>,
                        token_key: impl Into<::api_support::Secret>,
                    ) -> Result<Self, ::api_support::client::ClientError> {
                        let signer = ::api_support::client::Signer::BloodHound { token_id: token_id.into(), token_key: token_key.into() };
                        Ok(Self::new_with_client(baseurl, ::api_support::client::default_client()?, signer))
                    }
                });
                continue;
            }
            // Other schemes (query or cookie API keys, other HTTP schemes) have no constructor yet;
            // `Client::new_with_client` takes a `reqwest::Client` configured by hand.
            _ => continue,
        };
        if !seen.insert(method.to_string()) {
            continue;
        }
        let doc = format!(
            " Creates a client that sends `{doc}\n\n The credential never appears in `Debug` output."
        );
        methods.push(quote! {
            #[doc = #doc]
            pub fn #method(
                baseurl: &str,
                token: impl Into<::api_support::Secret>,
            ) -> Result<Self, ::api_support::client::ClientError> {
                let auth = #auth;
                Ok(Self::new_with_client(baseurl, auth.client()? #inner))
            }
        });
    }
    if methods.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// Constructors that authenticate every request.
        impl Client {
            #(#methods)*
        }
    }
}
