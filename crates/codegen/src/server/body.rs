//! The request body of an operation, as a `Request` field named `body`.

use std::path::Path;

use quote::{format_ident, quote};

use super::params::{Field, Finish};
use crate::error::SpecError;
use crate::model::{BodyKind, Operation};

/// The body field of an operation's `Request`, or why the stub cannot read it.
pub(super) fn field(file: &Path, op: &Operation) -> Result<Option<Field>, SpecError> {
    let body = match &op.body {
        Ok(None) => return Ok(None),
        Ok(Some(body)) => body,
        Err(unsupported) => {
            return Err(SpecError::at(
                file,
                unsupported.pointer.clone(),
                unsupported.message.clone(),
            ));
        }
    };
    let (ty, required) = (&body.ty, body.required);
    let read = match body.kind {
        BodyKind::Json => quote! { params_.json_body::<#ty>(body_, #required) },
        BodyKind::Form => quote! { params_.form_body::<#ty>(body_, #required) },
        BodyKind::Multipart => quote! { params_.multipart_body::<#ty>(body_, #required) },
        BodyKind::Bytes => quote! { params_.raw_body(body_, #required) },
        BodyKind::Text => quote! { params_.text_body(body_, #required) },
    };
    let essence = crate::model::essence(&body.media);
    let doc = body
        .description
        .as_ref()
        .map_or_else(|| format!(" The `{essence}` body."), |d| format!(" {d}"));
    Ok(Some(Field {
        field: format_ident!("body"),
        ty: if required {
            ty.clone()
        } else {
            quote! { ::std::option::Option<#ty> }
        },
        read,
        finish: if required {
            Finish::Required
        } else {
            Finish::Chain(proc_macro2::TokenStream::new())
        },
        doc,
    }))
}
