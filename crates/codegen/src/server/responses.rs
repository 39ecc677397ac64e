//! An operation's `Response`: one variant per documented status, carrying
//! that status's body type (and a typed `<Variant>Headers` where the status
//! documents headers), and one more per further media type the status is
//! documented in (`TooManyRequestsText`, bytes), so a handler can only answer
//! what the spec allows.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Operation, ResponseBody, ResponseHeader, StatusKey};

/// One documented status of an operation, ready for code generation.
pub(super) struct Status<'a> {
    /// As the spec writes it (`200`, `4XX`, `default`).
    pub key: &'a str,
    pub status: StatusKey,
    pub variant: Ident,
    /// `Some`: a fixed status; `None`: the variant carries its own `StatusCode` (ranges, `default`).
    pub fixed: Option<u16>,
    pub body: Option<Body>,
    pub description: &'a str,
    pub headers: &'a [ResponseHeader],
    /// The struct holding the status's headers (shared by its media types).
    pub headers_type: Ident,
    /// `Some`: a further media type of the status (its variant carries bytes).
    pub alternative_of: Option<Ident>,
    /// The model's body (its error envelope, for rejections).
    pub model: Option<&'a ResponseBody>,
}

/// A response body: typed JSON (its media type), or raw bytes of another media type.
pub(super) enum Body {
    Json(TokenStream, String),
    Raw(String),
}

impl Body {
    pub fn ty(&self) -> TokenStream {
        match self {
            Body::Json(ty, _) => ty.clone(),
            Body::Raw(_) => quote! { ::axum::body::Bytes },
        }
    }

    /// The response expression for a body bound to `body` at `status` (an expression of type `StatusCode`).
    fn respond(&self, status: &TokenStream) -> TokenStream {
        match self {
            Body::Json(_, media) if crate::model::is_json_media(media) => {
                quote! { (#status, ::axum::Json(body)).into_response() }
            }
            // A JSON-based media type (`application/vnd.github+json`) is sent as documented.
            Body::Json(_, media) => quote! {
                (#status, [(::axum::http::header::CONTENT_TYPE, #media)], ::axum::Json(body)).into_response()
            },
            Body::Raw(media) => quote! {
                (#status, [(::axum::http::header::CONTENT_TYPE, #media)], body).into_response()
            },
        }
    }
}

/// The documented statuses of an operation (each variant named by the
/// model), each followed by its further media types.
pub(super) fn statuses(op: &Operation) -> Vec<Status<'_>> {
    let mut statuses = Vec::new();
    for r in &op.responses {
        let variant = format_ident!("{}", r.rust_name);
        let primary = Status {
            key: &r.key,
            status: r.status,
            variant: variant.clone(),
            fixed: match r.status {
                StatusKey::Code(code) => Some(code),
                StatusKey::Range(_) | StatusKey::Default => None,
            },
            body: r.body.as_ref().map(|b| match b {
                ResponseBody::Json { ty, media, .. } => Body::Json(ty.clone(), media.clone()),
                ResponseBody::Raw { media } => Body::Raw(media.clone()),
            }),
            description: &r.description,
            headers: &r.headers,
            headers_type: format_ident!("{}Headers", r.rust_name),
            alternative_of: None,
            model: r.body.as_ref(),
        };
        let alternatives: Vec<Status> = r
            .alternatives
            .iter()
            .map(|a| Status {
                variant: format_ident!("{}", a.rust_name),
                body: Some(Body::Raw(a.media.clone())),
                alternative_of: Some(variant.clone()),
                model: None,
                headers_type: primary.headers_type.clone(),
                fixed: primary.fixed,
                ..primary
            })
            .collect();
        statuses.push(primary);
        statuses.extend(alternatives);
    }
    statuses
}

/// The `Response` enum, its `IntoResponse` and the header structs.
pub(super) fn items(op: &Operation, statuses: &[Status]) -> TokenStream {
    let variants = statuses.iter().map(variant);
    let arms = statuses.iter().map(arm);
    let header_structs = statuses
        .iter()
        .filter(|s| !s.headers.is_empty() && s.alternative_of.is_none())
        .map(headers_struct);
    let further = if statuses.iter().any(|s| s.alternative_of.is_some()) {
        " (and one per further media type it is documented in, as bytes)"
    } else {
        ""
    };
    let doc = format!(
        " Every documented answer of `{}`: one variant per status, with that status's body{further}.",
        op.id
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum Response {
            #(#variants)*
        }

        impl ::axum::response::IntoResponse for Response {
            fn into_response(self) -> ::axum::response::Response {
                match self {
                    #(#arms)*
                }
            }
        }

        #(#header_structs)*
    }
}

fn variant(s: &Status) -> TokenStream {
    let doc = match (&s.alternative_of, &s.body) {
        (Some(of), Some(Body::Raw(media))) => {
            format!(
                " `{}` as `{media}` (beside [`Response::{of}`]): {}",
                s.key, s.description
            )
        }
        _ => format!(" `{}`: {}", s.key, s.description),
    };
    let v = &s.variant;
    let status = s
        .fixed
        .is_none()
        .then(|| quote! { ::axum::http::StatusCode });
    let body = s.body.as_ref().map(Body::ty);
    let headers = (!s.headers.is_empty()).then(|| {
        let h = &s.headers_type;
        quote! { #h }
    });
    let fields: Vec<TokenStream> = [status, body, headers].into_iter().flatten().collect();
    if fields.is_empty() {
        quote! { #[doc = #doc] #v, }
    } else {
        quote! { #[doc = #doc] #v(#(#fields),*), }
    }
}

/// The `IntoResponse` arm of a variant: its status, body and headers.
fn arm(s: &Status) -> TokenStream {
    let v = &s.variant;
    let status = match s.fixed {
        Some(code) => quote! { ::api_support::server::status(#code) },
        None => quote! { status },
    };
    let respond = match &s.body {
        Some(body) => body.respond(&status),
        None => quote! { #status.into_response() },
    };
    let bindings: Vec<TokenStream> = [
        s.fixed.is_none().then(|| quote! { status }),
        s.body.as_ref().map(|_| quote! { body }),
        (!s.headers.is_empty()).then(|| quote! { headers }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let pattern = if bindings.is_empty() {
        quote! { Response::#v }
    } else {
        quote! { Response::#v(#(#bindings),*) }
    };
    if s.headers.is_empty() {
        return quote! { #pattern => #respond, };
    }
    let sets = s.headers.iter().map(|h| {
        let (name, field) = (&h.name, format_ident!("{}", h.rust_name));
        quote! { ::api_support::server::set_header(&mut response, #name, headers.#field); }
    });
    quote! {
        #pattern => {
            let mut response = #respond;
            #(#sets)*
            response
        }
    }
}

fn headers_struct(s: &Status) -> TokenStream {
    let name = &s.headers_type;
    let doc = format!(" The headers of a `{}` answer (each sent when set).", s.key);
    let fields = s.headers.iter().map(|h| {
        let (field, ty) = (format_ident!("{}", h.rust_name), &h.ty);
        let doc = format!(" `{}`: {}", h.name, h.description);
        quote! { #[doc = #doc] pub #field: ::std::option::Option<#ty>, }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
        }
    }
}
