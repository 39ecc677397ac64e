//! An operation's `Request`: one field per parameter (and the body), read
//! and validated by `api_support::server::Params`, every problem collected.

use std::path::Path;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::error::SpecError;
use crate::model::{Location, Operation, Parameter, ParameterValue, Rules, Scalar, ValueKind};

/// One field of `Request`, ready for code generation.
pub(super) struct Field {
    pub field: Ident,
    pub ty: TokenStream,
    /// The expression that reads it (an `Option<T>` when `finish` is `Required`).
    pub read: TokenStream,
    pub finish: Finish,
    pub doc: String,
}

/// How the value read becomes the field.
pub(super) enum Finish {
    /// Required: present once parsing found no issue.
    Required,
    /// A method chain applied to what was read (empty: kept as it is).
    Chain(TokenStream),
}

/// What the stub reads for an operation.
pub(super) struct Request {
    pub params: Vec<Field>,
    pub body: Option<Field>,
    pub uses_uuid: bool,
}

/// The `Request` of an operation, or why the stub cannot serve it.
pub(super) fn request(file: &Path, op: &Operation) -> Result<Request, SpecError> {
    if op.websocket {
        return Err(SpecError::at(
            file,
            format!("{}/x-dropshot-websocket", op.pointer),
            "a websocket upgrade",
        ));
    }
    let params = op
        .parameters
        .iter()
        .map(|p| field(file, p))
        .collect::<Result<Vec<_>, _>>()?;
    let body = super::body::field(file, op)?;
    let uses_uuid = op.parameters.iter().any(|p| match &p.value {
        ParameterValue::Scalar(s) | ParameterValue::List { item: s, .. } => s.uuid,
        ParameterValue::DeepObject(_) | ParameterValue::Unsupported => false,
    });
    Ok(Request {
        params,
        body,
        uses_uuid,
    })
}

impl Request {
    /// Whether anything is validated (a rejection function is needed).
    pub fn validates(&self, reject_unknown: bool) -> bool {
        !self.params.is_empty() || self.body.is_some() || reject_unknown
    }

    fn fields(&self) -> impl Iterator<Item = &Field> {
        self.params.iter().chain(&self.body)
    }

    /// The `Request` struct and its `parse`.
    pub fn items(&self, op: &Operation, reject_unknown: bool) -> TokenStream {
        let fields = self.fields().map(|f| {
            let (field, ty, doc) = (&f.field, &f.ty, &f.doc);
            quote! { #[doc = #doc] pub #field: #ty, }
        });
        let read = |f: &Field| {
            let (field, read) = (&f.field, &f.read);
            quote! { let #field = #read; }
        };
        let reads = self.params.iter().map(read);
        let unknown = reject_unknown.then(|| {
            let known = op.query_parameters().map(|p| &p.name);
            quote! { params_.reject_unknown(&[#(#known),*]); }
        });
        let body_read = self.body.as_ref().map(read);
        let required = self.fields().filter(|f| matches!(f.finish, Finish::Required)).map(|f| {
            let field = &f.field;
            quote! { let ::std::option::Option::Some(#field) = #field else { return Err(::std::vec::Vec::new()) }; }
        });
        let assigns = self.fields().map(|f| {
            let field = &f.field;
            match &f.finish {
                Finish::Chain(chain) if !chain.is_empty() => quote! { #field: #field #chain, },
                _ => quote! { #field, },
            }
        });
        let doc = format!(" The parameters of `{}`, parsed and validated.", op.id);
        // `params_` and `body_`: names no parameter's field takes (a query
        // parameter `p` or `body` would shadow them).
        let binding = if self.validates(reject_unknown) {
            quote! { mut params_ }
        } else {
            quote! { params_ }
        };
        let body_param = self
            .body
            .as_ref()
            .map(|_| quote! { , body_: &::axum::body::Bytes });
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            pub struct Request {
                #(#fields)*
            }

            impl Request {
                /// Reads every parameter; all problems are returned together.
                pub fn parse(#binding: ::api_support::server::Params<'_> #body_param) -> ::std::result::Result<Self, ::std::vec::Vec<::api_support::server::Issue>> {
                    #(#reads)*
                    #unknown
                    #body_read
                    params_.finish()?;
                    #(#required)*
                    Ok(Request { #(#assigns)* })
                }
            }
        }
    }
}

/// The field of one parameter, or why the stub cannot read it.
fn field(file: &Path, p: &Parameter) -> Result<Field, SpecError> {
    let location = match p.location {
        Location::Query => quote! { ::api_support::server::In::Query },
        Location::Header => quote! { ::api_support::server::In::Header },
        Location::Path => quote! { ::api_support::server::In::Path },
        Location::Cookie => {
            return Err(SpecError::at(
                file,
                format!("{}/in", p.pointer),
                "the server stub supports query, header and path parameters, not Some(\"cookie\")",
            ));
        }
    };
    let (name, required) = (&p.name, p.required);
    let (ty, read, finish) = match &p.value {
        ParameterValue::List {
            item,
            style,
            min_items,
            max_items,
        } => {
            let item_ty = &item.ty;
            let style = format_ident!("{style:?}");
            let rules = rules(item, (*min_items, *max_items));
            let read = quote! { params_.list::<#item_ty>(#location, #name, #required, ::api_support::server::ListStyle::#style, &#rules) };
            if required {
                let chain = Finish::Chain(quote! { .unwrap_or_default() });
                (quote! { ::std::vec::Vec<#item_ty> }, read, chain)
            } else {
                let ty = quote! { ::std::option::Option<::std::vec::Vec<#item_ty>> };
                (ty, read, Finish::Chain(TokenStream::new()))
            }
        }
        ParameterValue::Scalar(scalar) => {
            let ty = &scalar.ty;
            let rules = rules(scalar, (None, None));
            let read = quote! { params_.scalar::<#ty>(#location, #name, #required, &#rules) };
            match (required, &scalar.default) {
                (true, _) => (ty.clone(), read, Finish::Required),
                (false, Some(default)) => {
                    let chain = Finish::Chain(quote! { .unwrap_or_else(|| #default) });
                    (ty.clone(), read, chain)
                }
                (false, None) => {
                    let ty = quote! { ::std::option::Option<#ty> };
                    (ty, read, Finish::Chain(TokenStream::new()))
                }
            }
        }
        ParameterValue::DeepObject(ty) => {
            let read = quote! { params_.deep_object::<#ty>(#name, #required) };
            if required {
                (ty.clone(), read, Finish::Required)
            } else {
                let ty = quote! { ::std::option::Option<#ty> };
                (ty, read, Finish::Chain(TokenStream::new()))
            }
        }
        ParameterValue::Unsupported => {
            return Err(SpecError::at(
                file,
                format!("{}/schema", p.pointer),
                format!(
                    "parameter `{name}`: the server stub supports string, integer, number, boolean and arrays of those"
                ),
            ));
        }
    };
    let default_doc = p
        .default
        .as_ref()
        .map(|d| format!(" Default: `{d}`."))
        .unwrap_or_default();
    Ok(Field {
        field: format_ident!("{}", p.rust_name),
        ty,
        read,
        finish,
        doc: format!(
            " `{name}` ({}).{default_doc} {}",
            p.location.as_str(),
            p.description
        ),
    })
}

/// A value's rules as an `api_support::server::Rules` expression:
/// `Rules::DEFAULT`, or a literal of the fields that differ from it.
fn rules(scalar: &Scalar, (min_items, max_items): (Option<usize>, Option<usize>)) -> TokenStream {
    let Rules {
        enum_values,
        pattern,
        min_length,
        max_length,
        minimum,
        maximum,
        exclusive_minimum,
        exclusive_maximum,
        format_range,
    } = &scalar.rules;
    let some = |field: &str, value: Option<TokenStream>| {
        let field = format_ident!("{field}");
        value.map(|v| quote! { #field: Some(#v) })
    };
    let flag = |field: &str, set: bool| {
        let field = format_ident!("{field}");
        set.then(|| quote! { #field: true })
    };
    let kind = (scalar.kind != ValueKind::String).then(|| {
        let kind = format_ident!("{}", format!("{:?}", scalar.kind));
        quote! { kind: ::api_support::server::ValueKind::#kind }
    });
    let format_range = format_range.map(|(low, high)| {
        let (low, high) = (
            proc_macro2::Literal::i128_unsuffixed(low),
            proc_macro2::Literal::i128_unsuffixed(high),
        );
        quote! { format_range: Some((#low, #high)) }
    });
    let fields: Vec<TokenStream> = [
        (!enum_values.is_empty()).then(|| quote! { enum_values: &[#(#enum_values),*] }),
        some("pattern", pattern.as_ref().map(|p| quote! { #p })),
        some("min_length", min_length.map(|n| quote! { #n })),
        some("max_length", max_length.map(|n| quote! { #n })),
        some("minimum", minimum.map(|n| quote! { #n })),
        some("maximum", maximum.map(|n| quote! { #n })),
        flag("exclusive_minimum", *exclusive_minimum),
        flag("exclusive_maximum", *exclusive_maximum),
        kind,
        format_range,
        some("min_items", min_items.map(|n| quote! { #n })),
        some("max_items", max_items.map(|n| quote! { #n })),
    ]
    .into_iter()
    .flatten()
    .collect();
    if fields.is_empty() {
        quote! { ::api_support::server::Rules::DEFAULT }
    } else {
        quote! { ::api_support::server::Rules { #(#fields,)* ..::api_support::server::Rules::DEFAULT } }
    }
}
