//! Walking every page. A list operation says how its pages chain with the
//! vendor extension `x-pagination`; the generator checks it against the
//! operation's parameters and its 2xx body, and gives the operation's builder
//! `pages`, `stream`, `stream_with_retry` and `collect_up_to` methods.
//!
//! ```yaml
//! x-pagination:
//!   style: cursor | page | link | offset | none
//!   items: items                # the array of items in the 2xx body (dotted path, through
//!                               # `allOf` members); absent: the body itself is the array
//!   cursor-param: cursor        # cursor: the request parameter taking the cursor
//!   next-cursor: next_cursor    # cursor: the body field holding the next one (null/missing/"" at the end)
//!   page-param: page            # page: the request parameter taking the page number
//!   next-link: pagination.next  # page: the body field with the next page's link ({href}, null at the end)
//!   total-pages: pagination.total_pages  # page (optional, with `total`): the number of pages
//!   link-param: after           # link: the parameter the `Link: <...>; rel="next"` header's URL
//!                               # carries (RFC 8288; a page number or a cursor), no such link at the end
//!   offset-param: skip          # offset: the request parameter taking the offset
//!   offset-field: skip          # offset (optional): the body field echoing the offset sent
//!   total: count                # offset, and page with `total-pages`: the body field
//!                               # counting every matching item
//!   limit-param: limit          # the page size parameter (documentation; optional)
//! ```
//!
//! Where the service reports its totals (`offset`, and `page` with
//! `total-pages`), the builder also gets `concurrency(k)`: the rest of the
//! walk is planned from the first page and fetched `k` pages at a time
//! (`api_support::paging::Concurrently`, which also states the consistency
//! rule).
//!
//! Other tools' paging descriptions are read too, when they fit the operation:
//! dropshot's `x-dropshot-pagination` (progenitor's own `stream()`: a cursor
//! over `page_token`/`next_page`/`items`) and Datadog's own `x-pagination`
//! (`cursorParam`, `cursorPath`, `resultsPath`). One that does not fit is not
//! walked; it is never an error.

use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::error::SpecError;
use crate::model::{StatusKey, ref_type};
use crate::spec::resolve;

/// How pages chain, checked against the operation.
pub enum Style {
    Cursor {
        param: String,
        next: Vec<String>,
        /// Per segment of `next` but the last: whether that field is optional (an `Option` in Rust).
        optional_parents: Vec<bool>,
    },
    Page {
        param: String,
        next_link: Vec<String>,
        /// The fields counting the pages and the items, when the service reports them.
        totals: Option<(Vec<String>, Vec<String>)>,
    },
    /// RFC 8288: the `Link` response header's `rel="next"` URL carries the next
    /// value of `param` (a page number or a cursor), absent on the last page.
    Link {
        param: String,
        /// A page number (else a cursor string).
        integer: bool,
    },
    Offset {
        param: String,
        total: Vec<String>,
        offset_field: Option<Vec<String>>,
    },
    None,
}

pub struct Pagination {
    pub style: Style,
    /// Rust field path of the items array.
    pub items: Vec<String>,
    pub item_type: String,
    pub limit_param: Option<String>,
}

impl Pagination {
    /// Whether the service reports the totals that place every page, so
    /// that the builder can fetch several at once (`concurrency(k)`).
    pub fn concurrent(&self) -> bool {
        matches!(
            self.style,
            Style::Offset { .. }
                | Style::Page {
                    totals: Some(_),
                    ..
                }
        )
    }
}

fn err(file: &Path, pointer: &str, message: impl Into<String>) -> SpecError {
    SpecError::at(file, pointer, message)
}

/// Resolves a dotted field path in a schema; returns the field's schema and whether it can be absent or null.
fn field<'a>(doc: &'a Value, schema: &'a Value, path: &str) -> Option<(&'a Value, bool)> {
    let mut current = resolve(doc, schema);
    let mut optional = false;
    for part in path.split('.') {
        // The schema and its `allOf` members (each resolved) declare the fields together.
        let members: Vec<&Value> = std::iter::once(current)
            .chain(
                current
                    .get("allOf")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|m| resolve(doc, m)),
            )
            .collect();
        let required = members.iter().any(|m| {
            m.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|v| v == part))
        });
        let property = members
            .iter()
            .find_map(|m| m.get("properties")?.get(part))?;
        let target = resolve(doc, property);
        optional |= !required
            || property.get("nullable") == Some(&Value::Bool(true))
            || target.get("nullable") == Some(&Value::Bool(true));
        current = target;
    }
    Some((current, optional))
}

/// Datadog's own `x-pagination` (`cursorParam`, `cursorPath`, `resultsPath`,
/// `limitParam`) in this workspace's terms, when its cursor is a query
/// parameter; a cursor inside a request body (`body.page.cursor`) is not walked.
fn foreign_cursor(ext: &Value) -> Option<Value> {
    let text = |key: &str| ext.get(key).and_then(Value::as_str);
    let param = text("cursorParam").filter(|p| !p.starts_with("body."))?;
    let mut ours = serde_json::json!({
        "style": "cursor",
        "cursor-param": param,
        "next-cursor": text("cursorPath")?,
        "items": text("resultsPath")?,
    });
    if let Some(limit) = text("limitParam").filter(|p| !p.starts_with("body.")) {
        ours["limit-param"] = Value::from(limit);
    }
    Some(ours)
}

/// For each segment of a dotted path but the last: whether it can be absent or null.
fn parents_optional(doc: &Value, schema: &Value, path: &str) -> Vec<bool> {
    let segments: Vec<&str> = path.split('.').collect();
    (1..segments.len())
        .map(|n| segment_optional(doc, schema, &segments[..n]))
        .collect()
}

/// Whether the last of `segments` is optional on its own (not through its parents).
fn segment_optional(doc: &Value, schema: &Value, segments: &[&str]) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let parent = if parents.is_empty() {
        Some(resolve(doc, schema))
    } else {
        field(doc, schema, &parents.join(".")).map(|(s, _)| s)
    };
    let Some(parent) = parent else { return false };
    let parent = match parent.get("allOf").and_then(Value::as_array) {
        Some(all) if all.len() == 1 => resolve(doc, &all[0]),
        _ => parent,
    };
    let required = parent
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|v| v == last));
    let nullable = parent
        .pointer(&format!(
            "/properties/{}",
            crate::spec::escape_pointer(last)
        ))
        .is_some_and(|p| {
            p.get("nullable") == Some(&Value::Bool(true))
                || resolve(doc, p).get("nullable") == Some(&Value::Bool(true))
        });
    !required || nullable
}

fn rust_path(path: &str) -> Vec<String> {
    path.split('.').map(crate::names::field).collect()
}

/// Reads and checks `x-pagination` of one operation (in the working copy).
pub fn read(file: &Path, doc: &Value, op_pointer: &str) -> Result<Option<Pagination>, SpecError> {
    let Some(op) = doc.pointer(op_pointer) else {
        return Ok(None);
    };
    match (op.get("x-pagination"), op.get("x-dropshot-pagination")) {
        (Some(ext), _) if ext.get("style").is_some() || ext.get("cursorParam").is_none() => {
            read_extension(file, doc, op_pointer, op, ext)
        }
        // Another tool's paging description, in this workspace's terms; one that
        // does not fit the operation is not walked (its client is generated all the same).
        (Some(ext), _) => Ok(foreign_cursor(ext)
            .and_then(|ours| read_extension(file, doc, op_pointer, op, &ours).ok())
            .flatten()),
        (None, Some(_)) => Ok(
            read_extension(file, doc, op_pointer, op, &dropshot_cursor())
                .ok()
                .flatten(),
        ),
        (None, None) => Ok(None),
    }
}

/// dropshot's `x-dropshot-pagination` (progenitor's own `stream()`): a cursor
/// walk over `page_token`, with `next_page` and `items` in the body.
fn dropshot_cursor() -> Value {
    serde_json::json!({
        "style": "cursor",
        "items": "items",
        "cursor-param": "page_token",
        "next-cursor": "next_page",
        "limit-param": "limit",
    })
}

fn read_extension(
    file: &Path,
    doc: &Value,
    op_pointer: &str,
    op: &Value,
    ext: &Value,
) -> Result<Option<Pagination>, SpecError> {
    let at = format!("{op_pointer}/x-pagination");
    let ext: crate::extensions::XPagination = crate::extensions::decode(file, &at, ext)?;
    let text = |key: &str| -> Result<String, SpecError> {
        ext.get(key).map(str::to_owned).ok_or_else(|| {
            err(
                file,
                &format!("{at}/{key}"),
                format!("expected `{key}` (a string)"),
            )
        })
    };
    let params: Vec<(String, Value)> = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .filter(|p| p["in"] == "query")
        .map(|p| {
            (
                p["name"].as_str().unwrap_or_default().to_owned(),
                resolve(doc, &p["schema"]).clone(),
            )
        })
        .collect();
    let param = |key: &str, integer: bool| -> Result<String, SpecError> {
        let name = text(key)?;
        match params.iter().find(|(n, _)| *n == name) {
            None => Err(err(
                file,
                &format!("{at}/{key}"),
                format!("`{name}` is not a query parameter of this operation"),
            )),
            Some((_, schema)) if integer && schema["type"] != "integer" => Err(err(
                file,
                &format!("{at}/{key}"),
                format!("`{name}` should be an integer parameter"),
            )),
            Some(_) => Ok(name),
        }
    };
    let body = op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .find(|(k, _)| StatusKey::parse(k).is_some_and(StatusKey::is_success))
        .and_then(|(_, r)| crate::model::json_body_schema(doc, r))
        .ok_or_else(|| {
            err(
                file,
                &format!("{op_pointer}/responses"),
                "a paginated operation needs a 2xx JSON body",
            )
        })?;
    let body_field = |key: &str, expect: &str| -> Result<(Vec<String>, &Value, bool), SpecError> {
        let path = text(key)?;
        let (schema, optional) = field(doc, body, &path).ok_or_else(|| {
            err(
                file,
                &format!("{at}/{key}"),
                format!("`{path}` is not a field of the 2xx body (expected {expect})"),
            )
        })?;
        Ok((rust_path(&path), schema, optional))
    };

    // Without `items`, the body itself is the array (the most common REST list shape).
    let (items, items_schema, _) = if ext.items.is_some() {
        body_field("items", "the array of items")?
    } else {
        (Vec::new(), resolve(doc, body), false)
    };
    if items_schema["type"] != "array" {
        return Err(err(
            file,
            &format!("{at}/items"),
            "expected the path of an array",
        ));
    }
    let item_type = items_schema
        .get("items")
        .and_then(ref_type)
        .ok_or_else(|| {
            err(
                file,
                &format!("{at}/items"),
                "the items should be a named component schema (`$ref`)",
            )
        })?;
    let style = match text("style")?.as_str() {
        "cursor" => {
            let param = param("cursor-param", false)?;
            let (next, schema, optional) = body_field("next-cursor", "a nullable string")?;
            if schema["type"] != "string" || !optional {
                return Err(err(
                    file,
                    &format!("{at}/next-cursor"),
                    "the next cursor should be a string that is null or absent on the last page",
                ));
            }
            let optional_parents = parents_optional(doc, body, &text("next-cursor")?);
            Style::Cursor {
                param,
                next,
                optional_parents,
            }
        }
        "link" => {
            let param = param("link-param", false)?;
            let integer = params
                .iter()
                .any(|(n, schema)| *n == param && schema["type"] == "integer");
            Style::Link { param, integer }
        }
        "page" => {
            let param = param("page-param", true)?;
            let (next_link, schema, optional) = body_field("next-link", "a nullable link object")?;
            if field(doc, schema, "href").is_none() || !optional {
                return Err(err(
                    file,
                    &format!("{at}/next-link"),
                    "the next link should be an object with `href` that is null on the last page",
                ));
            }
            let totals = match (&ext.total_pages, &ext.total) {
                (None, None) => None,
                (Some(_), Some(_)) => Some((
                    required_integer(
                        &body_field("total-pages", "the number of pages")?,
                        file,
                        &at,
                        "total-pages",
                    )?,
                    required_integer(
                        &body_field("total", "the number of matching items")?,
                        file,
                        &at,
                        "total",
                    )?,
                )),
                (Some(_), None) => {
                    return Err(err(
                        file,
                        &format!("{at}/total-pages"),
                        "`total-pages` needs `total` (the number of matching items) beside it",
                    ));
                }
                (None, Some(_)) => {
                    return Err(err(
                        file,
                        &format!("{at}/total"),
                        "`total` needs `total-pages` beside it for page numbers",
                    ));
                }
            };
            Style::Page {
                param,
                next_link,
                totals,
            }
        }
        "offset" => {
            let param = param("offset-param", true)?;
            let total = required_integer(
                &body_field("total", "the integer count of all matching items")?,
                file,
                &at,
                "total",
            )?;
            let offset_field = match ext.offset_field {
                Some(_) => Some(body_field("offset-field", "the integer offset echoed back")?.0),
                None => None,
            };
            Style::Offset {
                param,
                total,
                offset_field,
            }
        }
        "none" => Style::None,
        other => {
            return Err(err(
                file,
                &format!("{at}/style"),
                format!("`{other}` is not one of cursor, page, offset, none"),
            ));
        }
    };
    let limit_param = match ext.limit_param {
        Some(_) => Some(param("limit-param", true)?),
        None => None,
    };
    Ok(Some(Pagination {
        style,
        items,
        item_type,
        limit_param,
    }))
}

/// A body field that must be a required integer (a count).
fn required_integer(
    (path, schema, optional): &(Vec<String>, &Value, bool),
    file: &Path,
    at: &str,
    key: &str,
) -> Result<Vec<String>, SpecError> {
    if schema["type"] != "integer" || *optional {
        return Err(err(
            file,
            &format!("{at}/{key}"),
            format!("`{key}` should name a required integer field"),
        ));
    }
    Ok(path.clone())
}

fn access(path: &[String]) -> TokenStream {
    let idents = path.iter().map(|p| format_ident!("{p}"));
    quote! { #(.#idents)* }
}

/// The paging methods on an operation's builder.
pub fn client_methods(
    op_id: &str,
    p: &Pagination,
    types_lib: &str,
    error_type: &TokenStream,
) -> TokenStream {
    let builder = format_ident!("{}", crate::names::operation_type(op_id));
    let lib = format_ident!("{types_lib}");
    let item = format_ident!("{}", p.item_type);
    let item_ty = quote! { ::#lib::#item };
    let items = access(&p.items);
    let (token_ty, apply, next, how) = match &p.style {
        Style::Cursor {
            param,
            next,
            optional_parents,
        } => {
            let setter = format_ident!("{}", crate::names::parameter(param));
            let take_next = if optional_parents.iter().any(|o| *o) {
                // Through optional objects (`meta.page.after`): a chain of borrows, the cursor cloned.
                let (last, parents) = next.split_last().expect("a field path has a segment");
                let steps = parents
                    .iter()
                    .zip(optional_parents)
                    .map(|(segment, optional)| {
                        let segment = format_ident!("{segment}");
                        if *optional {
                            quote! { .and_then(|v| v.#segment.as_ref()) }
                        } else {
                            quote! { .map(|v| &v.#segment) }
                        }
                    });
                let last = format_ident!("{last}");
                quote! { ::std::option::Option::Some(&page) #(#steps)* .and_then(|v| v.#last.clone()) }
            } else {
                let next = access(next);
                quote! { page #next.take() }
            };
            (
                quote! { ::std::string::String },
                quote! { request.#setter(token) },
                quote! { let next = #take_next.filter(|cursor| !cursor.is_empty()); },
                format!(
                    "by cursor: each page's `{}` is sent back as `{param}`",
                    p_path(&p.style)
                ),
            )
        }
        Style::Page {
            param, next_link, ..
        } => {
            let setter = format_ident!("{}", crate::names::parameter(param));
            let link = access(next_link);
            (
                quote! { u64 },
                quote! { request.#setter(token) },
                quote! {
                    let next = page #link.as_ref()
                        .and_then(|link| ::api_support::paging::link_param(&link.href, #param))
                        .and_then(|number| number.parse::<u64>().ok());
                },
                format!(
                    "by page number, following each page's `{}` link until it is null",
                    p_path(&p.style)
                ),
            )
        }
        Style::Link { param, integer } => {
            let setter = format_ident!("{}", crate::names::parameter(param));
            let (token_ty, parse) = if *integer {
                (
                    quote! { u64 },
                    quote! { .and_then(|number| number.parse::<u64>().ok()) },
                )
            } else {
                (quote! { ::std::string::String }, TokenStream::new())
            };
            (
                token_ty,
                quote! { request.#setter(token) },
                quote! {
                    let next = ::api_support::paging::next_link(response.headers())
                        .and_then(|url| ::api_support::paging::link_param(&url, #param))
                        #parse;
                },
                format!(
                    "by the `Link` header: each response's `rel=\"next\"` URL gives the next `{param}`, until there is none"
                ),
            )
        }
        Style::Offset {
            param,
            total,
            offset_field,
        } => {
            let setter = format_ident!("{}", crate::names::parameter(param));
            let total = access(total);
            let sent = match offset_field {
                Some(f) => {
                    let f = access(f);
                    quote! { page #f }
                }
                None => quote! { offset.unwrap_or(0) },
            };
            (
                quote! { i64 },
                quote! { request.#setter(token) },
                quote! {
                    let received = page #items.len() as i64;
                    // A hostile offset or total cannot overflow: the walk ends instead.
                    let next = (#sent).checked_add(received).filter(|reached| received > 0 && *reached < page #total);
                },
                format!(
                    "by offset: `{param}` grows by each page's length until the total is reached"
                ),
            )
        }
        Style::None => (
            quote! { () },
            quote! { request },
            quote! { let next: Option<()> = None; },
            "in one page (the service does not page)".to_owned(),
        ),
    };
    let token_name = if matches!(
        p.style,
        Style::Offset {
            offset_field: None,
            ..
        }
    ) {
        quote! { offset }
    } else {
        quote! { token }
    };
    let (apply_binding, apply_expr) = match &p.style {
        Style::None => (quote! { _token }, quote! { request }),
        _ => (
            quote! { #token_name },
            quote! { match #token_name.clone() { Some(token) => #apply, None => request } },
        ),
    };
    // Only a cursor taken out of the page (not through optional objects) moves out of it.
    let takes = matches!(&p.style, Style::Cursor { optional_parents, .. } if !optional_parents.iter().any(|o| *o));
    let page_binding = if takes {
        quote! { mut page }
    } else {
        quote! { page }
    };
    let limit_doc = p
        .limit_param
        .as_ref()
        .map(|l| format!(" The page size is the request's `{l}`."))
        .unwrap_or_default();
    // The `Link` header is read before the body is taken out of the response.
    let fetch = if matches!(p.style, Style::Link { .. }) {
        quote! {
            let response = request.send().await?;
            #next
            let page = response.into_inner();
        }
    } else {
        quote! {
            let #page_binding = request.send().await?.into_inner();
            #next
        }
    };
    let pages_doc = format!(
        " Every page, fetched lazily: the service pages {how}. Each page re-sends this request, so every filter is kept.{limit_doc}"
    );
    let concurrent = positioned(p, &builder, &item_ty, error_type, &next);
    quote! {
        impl<'a> builder::#builder<'a> {
            #[doc = #pages_doc]
            ///
            /// Pages the service asks to retry (429, 503) are retried as `retry` says, honouring `Retry-After`.
            pub fn pages(self, retry: ::api_support::paging::Retry) -> ::api_support::paging::BoxStream<'a, ::std::vec::Vec<#item_ty>, Error<#error_type>> {
                ::api_support::paging::pages(self, retry, |request: Self, #apply_binding: Option<#token_ty>| async move {
                    let request = #apply_expr;
                    #fetch
                    Ok((page #items, next))
                })
            }

            /// Every item across all pages, fetched lazily; the first error ends the stream.
            pub fn stream(self) -> ::api_support::paging::BoxStream<'a, #item_ty, Error<#error_type>> {
                ::api_support::paging::items(self.pages(::api_support::paging::Retry::NEVER))
            }

            /// Every item across all pages, retrying pages the service asks to retry.
            pub fn stream_with_retry(self, retry: ::api_support::paging::Retry) -> ::api_support::paging::BoxStream<'a, #item_ty, Error<#error_type>> {
                ::api_support::paging::items(self.pages(retry))
            }

            /// At most `max` items across pages (fetching no page beyond them).
            pub async fn collect_up_to(self, max: usize) -> ::std::result::Result<::std::vec::Vec<#item_ty>, Error<#error_type>> {
                ::api_support::paging::collect_up_to(self.stream(), max).await
            }
        }

        #concurrent
    }
}

/// Where the service reports its totals: `concurrency(k)` on the builder and
/// the `Positioned` implementation it relies on (fetching a page by position).
fn positioned(
    p: &Pagination,
    builder: &proc_macro2::Ident,
    item_ty: &TokenStream,
    error_type: &TokenStream,
    next: &TokenStream,
) -> TokenStream {
    let items = access(&p.items);
    let (param, layout, offset) = match &p.style {
        Style::Page {
            param,
            totals: Some((pages, total)),
            ..
        } => {
            let (pages, total) = (access(pages), access(total));
            (
                param,
                quote! {
                    ::api_support::paging::Layout::Pages {
                        last: u64::try_from(page #pages).unwrap_or(0),
                        total: u64::try_from(page #total).unwrap_or(0),
                    }
                },
                TokenStream::new(),
            )
        }
        Style::Offset {
            param,
            total,
            offset_field,
        } => {
            let total = access(total);
            // Without an echoed offset, the offset sent is the page's position.
            let offset = match offset_field {
                Some(_) => TokenStream::new(),
                None => quote! { let offset = position.and_then(|p| i64::try_from(p).ok()); },
            };
            (
                param,
                quote! {
                    ::api_support::paging::Layout::Offsets {
                        count: u64::try_from(page #total).unwrap_or(0),
                    }
                },
                offset,
            )
        }
        _ => return TokenStream::new(),
    };
    let setter = format_ident!("{}", crate::names::parameter(param));
    let doc = format!(
        " Walks with up to `pages` pages in flight at once: the first page places every other page (by `{param}`), which are then fetched concurrently and delivered in order. The walk ends with an error if the list changes under it; pin its upper bound to keep a live list still (see [`::api_support::paging::Concurrently`])."
    );
    quote! {
        impl<'a> builder::#builder<'a> {
            #[doc = #doc]
            pub fn concurrency(self, pages: usize) -> ::api_support::paging::Concurrently<Self> {
                ::api_support::paging::Concurrently::new(self, pages)
            }
        }

        impl ::api_support::paging::Positioned for builder::#builder<'_> {
            type Item = #item_ty;
            type Error = Error<#error_type>;

            async fn fetch_at(self, position: ::std::option::Option<u64>) -> ::std::result::Result<::api_support::paging::Placed<#item_ty>, Error<#error_type>> {
                let request = match position {
                    Some(position) => self.#setter(position),
                    None => self,
                };
                #offset
                let page = request.send().await?.into_inner();
                #next
                Ok(::api_support::paging::Placed {
                    next: next.and_then(|n| u64::try_from(n).ok()),
                    layout: #layout,
                    items: page #items,
                })
            }
        }
    }
}

fn p_path(style: &Style) -> String {
    match style {
        Style::Cursor { next, .. } => next.join("."),
        Style::Page { next_link, .. } => next_link.join("."),
        _ => String::new(),
    }
}

/// The error body type of an operation in the working copy (after the union rewrite there is one), or `()`.
pub fn error_type(doc: &Value, op: &Value, types_lib: &str) -> TokenStream {
    let lib = format_ident!("{types_lib}");
    op.get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| StatusKey::parse(k).is_some_and(StatusKey::is_error))
        .find_map(|(_, r)| crate::model::json_body_schema(doc, r).and_then(ref_type))
        .map(|name| {
            let ident = format_ident!("{name}");
            quote! { ::#lib::#ident }
        })
        .unwrap_or_else(|| quote! { () })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(ext: Value) -> Value {
        json!({
            "paths": {"/e": {"get": {
                "operationId": "listEvents",
                "x-pagination": ext,
                "parameters": [
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer"}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}}
                ],
                "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}}
            }}},
            "components": {"schemas": {
                "Event": {"type": "object"},
                "Page": {"type": "object", "required": ["items", "total", "pages"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                    "pages": {"type": "integer"},
                    "loose": {"type": "integer"},
                    "next_cursor": {"type": "string", "nullable": true},
                    "total": {"type": "integer"},
                    "links": {"type": "object", "properties": {"next": {"type": "object", "nullable": true, "properties": {"href": {"type": "string"}}}}}
                }}
            }}
        })
    }

    fn read_ext(ext: Value) -> Result<Option<Pagination>, SpecError> {
        read(Path::new("t.yaml"), &doc(ext), "/paths/~1e/get")
    }

    #[test]
    fn link_paging_top_level_arrays_all_of_bodies_and_foreign_extensions() {
        let mut d = doc(json!({"style": "link", "link-param": "page"}));
        d["paths"]["/e"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
            json!({"type": "array", "items": {"$ref": "#/components/schemas/Event"}});
        let p = read(Path::new("t.yaml"), &d, "/paths/~1e/get")
            .unwrap()
            .unwrap();
        assert!(matches!(p.style, Style::Link { ref param, integer: true } if param == "page"));
        assert!(p.items.is_empty());
        assert_eq!(p.item_type, "Event");

        // Fields declared across several `allOf` members.
        let mut d = doc(
            json!({"style": "cursor", "items": "items", "cursor-param": "cursor", "next-cursor": "meta.next"}),
        );
        d["components"]["schemas"]["Paged"] = json!({"allOf": [
            {"type": "object", "properties": {"meta": {"type": "object", "properties": {"next": {"type": "string", "nullable": true}}}}},
            {"$ref": "#/components/schemas/Page"}
        ]});
        d["paths"]["/e"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
            json!({"$ref": "#/components/schemas/Paged"});
        let p = read(Path::new("t.yaml"), &d, "/paths/~1e/get")
            .unwrap()
            .unwrap();
        assert!(
            matches!(p.style, Style::Cursor { ref next, ref optional_parents, .. } if next == &["meta", "next"] && optional_parents == &[true])
        );

        // dropshot's extension is a cursor walk; one that does not fit is not walked, never an error.
        let mut d = doc(json!(null));
        let op = d["paths"]["/e"]["get"].as_object_mut().unwrap();
        op.remove("x-pagination");
        op.insert("x-dropshot-pagination".into(), json!({"required": []}));
        assert!(
            read(Path::new("t.yaml"), &d, "/paths/~1e/get")
                .unwrap()
                .is_none()
        );
        d["paths"]["/e"]["get"]["parameters"] = json!([
            {"name": "page_token", "in": "query", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer"}}
        ]);
        d["components"]["schemas"]["Page"]["properties"]["next_page"] =
            json!({"type": "string", "nullable": true});
        let p = read(Path::new("t.yaml"), &d, "/paths/~1e/get")
            .unwrap()
            .unwrap();
        assert!(matches!(p.style, Style::Cursor { ref param, .. } if param == "page_token"));
    }

    #[test]
    fn each_style_is_read() {
        let p = read_ext(json!({"style": "cursor", "items": "items", "cursor-param": "cursor", "next-cursor": "next_cursor", "limit-param": "limit"})).unwrap().unwrap();
        assert!(
            matches!(p.style, Style::Cursor { ref param, ref next, .. } if param == "cursor" && next == &["next_cursor"])
        );
        assert_eq!(
            (p.item_type.as_str(), p.limit_param.as_deref()),
            ("Event", Some("limit"))
        );
        let p = read_ext(json!({"style": "page", "items": "items", "page-param": "page", "next-link": "links.next"})).unwrap().unwrap();
        assert!(
            matches!(p.style, Style::Page { ref next_link, totals: None, .. } if next_link == &["links", "next"])
        );
        let p = read_ext(json!({"style": "page", "items": "items", "page-param": "page", "next-link": "links.next", "total-pages": "pages", "total": "total"})).unwrap().unwrap();
        assert!(
            matches!(p.style, Style::Page { totals: Some((ref pages, ref total)), .. } if pages == &["pages"] && total == &["total"])
        );
        let p = read_ext(
            json!({"style": "offset", "items": "items", "offset-param": "page", "total": "total"}),
        )
        .unwrap()
        .unwrap();
        assert!(matches!(
            p.style,
            Style::Offset {
                offset_field: None,
                ..
            }
        ));
        assert!(
            read(Path::new("t.yaml"), &json!({"paths": {}}), "/paths/~1e/get")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn wrong_names_are_clear_errors() {
        for (ext, pointer, message) in [
            (
                json!({"style": "cursor", "items": "items", "cursor-param": "after", "next-cursor": "next_cursor"}),
                "cursor-param",
                "`after` is not a query parameter",
            ),
            (
                json!({"style": "cursor", "items": "items", "cursor-param": "cursor", "next-cursor": "next"}),
                "next-cursor",
                "`next` is not a field of the 2xx body",
            ),
            (
                json!({"style": "cursor", "items": "total", "cursor-param": "cursor", "next-cursor": "next_cursor"}),
                "items",
                "expected the path of an array",
            ),
            (
                json!({"style": "cursor", "items": "items", "cursor-param": "cursor", "next-cursor": "total"}),
                "next-cursor",
                "should be a string that is null or absent",
            ),
            (
                json!({"style": "page", "items": "items", "page-param": "cursor", "next-link": "links.next"}),
                "page-param",
                "should be an integer parameter",
            ),
            (
                json!({"style": "offset", "items": "items", "offset-param": "page", "total": "next_cursor"}),
                "total",
                "should name a required integer field",
            ),
            (
                json!({"style": "page", "items": "items", "page-param": "page", "next-link": "links.next", "total-pages": "loose", "total": "total"}),
                "total-pages",
                "should name a required integer field",
            ),
            (
                json!({"style": "page", "items": "items", "page-param": "page", "next-link": "links.next", "total-pages": "pages"}),
                "total-pages",
                "needs `total`",
            ),
            (
                json!({"style": "page", "items": "items", "page-param": "page", "next-link": "links.next", "total": "total"}),
                "total",
                "needs `total-pages`",
            ),
            (
                json!({"style": "seek", "items": "items"}),
                "style",
                "`seek` is not one of cursor, page, offset, none",
            ),
            (json!({"items": "items"}), "style", "expected `style`"),
        ] {
            let err = read_ext(ext).err().expect("an error");
            assert_eq!(
                err.location,
                crate::error::Location::Pointer(format!("/paths/~1e/get/x-pagination/{pointer}")),
                "{err}"
            );
            assert!(err.message.contains(message), "{err}");
        }
    }
}
