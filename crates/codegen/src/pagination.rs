//! Walking every page: the methods a list operation's builder gets from its
//! paging (`model::paging`, read from `x-pagination`): `pages`, `stream`,
//! `stream_with_retry` and `collect_up_to`.
//!
//! Where the service reports its totals (`offset`, and `page` with
//! `total-pages`), the builder also gets `concurrency(k)`: the rest of the
//! walk is planned from the first page and fetched `k` pages at a time
//! (`api_support::paging::Concurrently`, which also states the consistency
//! rule).

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::Operation;
use crate::model::paging::{OffsetEnd, Paging, Style};

fn access(path: &[String]) -> TokenStream {
    let idents = path.iter().map(|p| format_ident!("{p}"));
    quote! { #(.#idents)* }
}

/// How one style walks: the token's type, how a token goes into the
/// request, what is read from the response before its body (its headers),
/// how the next token is read from a page, and how the docs say it.
struct Walk {
    token_ty: TokenStream,
    apply: TokenStream,
    headers: TokenStream,
    next: TokenStream,
    how: String,
}

/// The paging methods on an operation's builder.
pub fn client_methods(op: &Operation, p: &Paging, types_lib: &str) -> TokenStream {
    let builder = format_ident!("{}", crate::names::operation_type(&op.id));
    let lib = format_ident!("{types_lib}");
    let item = format_ident!("{}", p.item_type);
    let item_ty = quote! { ::#lib::#item };
    // An error documented without a body beside one with a body: an `Option`.
    let error_type = match &op.error_type {
        Some(name) if op.empty_bodies.iter().any(|s| s.is_error()) => {
            let ident = format_ident!("{name}");
            quote! { ::std::option::Option<::#lib::#ident> }
        }
        Some(name) => {
            let ident = format_ident!("{name}");
            quote! { ::#lib::#ident }
        }
        None => quote! { () },
    };
    let walk = walk(p);
    // A success documented without a body beside one with a body: the page
    // is an `Option`, and an empty answer is the end of the list.
    let optional_body = op.empty_bodies.iter().any(|s| s.is_success());
    let concurrent = if optional_body {
        TokenStream::new()
    } else {
        positioned(p, &builder, &item_ty, &error_type, &walk.next)
    };
    // A positioned walk pages through `Concurrently`, one page ahead, with its checks.
    let pages = if concurrent.is_empty() {
        pages_fn(p, &walk, &item_ty, &error_type, optional_body)
    } else {
        sequential_pages_fn(p, &walk, &item_ty, &error_type)
    };
    quote! {
        impl<'a> builder::#builder<'a> {
            #pages

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

/// `pages(retry)`: every page, fetched lazily by the style's walk.
fn pages_fn(
    p: &Paging,
    walk: &Walk,
    item_ty: &TokenStream,
    error_type: &TokenStream,
    optional_body: bool,
) -> TokenStream {
    let Walk {
        token_ty,
        apply,
        headers,
        next,
        how,
    } = walk;
    let (view, extract) = items_of(p, item_ty);
    let binding = items_binding(&p.style);
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
    let limit_doc = p
        .limit_param
        .as_ref()
        .map(|l| format!(" The page size is the request's `{l}`."))
        .unwrap_or_default();
    // The `Link` header is read before the body is taken out of the response.
    let fetch = if !headers.is_empty() {
        quote! {
            let response = request.send().await?;
            #headers
            let page = response.into_inner();
        }
    } else {
        quote! {
            let page = request.send().await?.into_inner();
        }
    };
    let fetch = if optional_body {
        quote! {
            #fetch
            let ::std::option::Option::Some(page) = page else {
                return Ok((::std::vec::Vec::new(), ::std::option::Option::None));
            };
        }
    } else {
        fetch
    };
    let doc = format!(
        " Every page, fetched lazily: the service pages {how}. Each page re-sends this request, so every filter is kept.{limit_doc}"
    );
    quote! {
        #[doc = #doc]
        ///
        /// Pages the service asks to retry (429, 503) are retried as `retry` says, honouring `Retry-After`.
        pub fn pages(self, retry: ::api_support::paging::Retry) -> ::api_support::paging::BoxStream<'a, ::std::vec::Vec<#item_ty>, Error<#error_type>> {
            ::api_support::paging::pages(self, retry, |request: Self, #apply_binding: Option<#token_ty>| async move {
                let request = #apply_expr;
                #fetch
                // The next token is read from the page (its items seen as a slice), then the items are taken.
                let #binding: &[#item_ty] = #view;
                #next
                let items = #extract;
                Ok((items, next))
            })
        }
    }
}

/// `pages(retry)` of a positioned walk: `api_support`'s
/// `Concurrently::sequential`, the concurrent walk's plan and checks one page
/// ahead.
fn sequential_pages_fn(
    p: &Paging,
    walk: &Walk,
    item_ty: &TokenStream,
    error_type: &TokenStream,
) -> TokenStream {
    let limit_doc = p
        .limit_param
        .as_ref()
        .map(|l| format!(" The page size is the request's `{l}`."))
        .unwrap_or_default();
    let doc = format!(
        " Every page, fetched lazily: the service pages {}, and the first page's totals place the others. Each page re-sends this request, so every filter is kept.{limit_doc} The next page is asked for while the caller reads one, and every page is checked as in [`Self::concurrency`]: a list that changes under the walk, or a service that serves another page than the one asked for, ends it with an error instead of repeated or skipped items.",
        walk.how
    );
    quote! {
        #[doc = #doc]
        ///
        /// Pages the service asks to retry (429, 503) are retried as `retry` says, honouring `Retry-After`.
        pub fn pages(self, retry: ::api_support::paging::Retry) -> ::api_support::paging::BoxStream<'a, ::std::vec::Vec<#item_ty>, Error<#error_type>> {
            ::api_support::paging::Concurrently::sequential(self).pages(retry)
        }
    }
}

/// The name the items' slice is bound to: `items` where the walk reads it,
/// else `_items` (a next link or a `Link` header is read without it).
fn items_binding(style: &Style) -> TokenStream {
    let reads = match style {
        Style::Page { next_link, .. } => next_link.is_none(),
        Style::Link { count, .. } => count.is_some(),
        Style::None => false,
        Style::Cursor { .. } | Style::Offset { .. } | Style::AfterLast { .. } => true,
    };
    if reads {
        quote! { items }
    } else {
        quote! { _items }
    }
}

/// A page's items: as a slice (`items`, which the walks read) and taken out
/// as a `Vec`, whether the body is the array or holds it in a field, optional
/// or not, a `Vec` or a named array type (whose `From` gives the `Vec`).
fn items_of(p: &Paging, item_ty: &TokenStream) -> (TokenStream, TokenStream) {
    let items = access(&p.items);
    if p.items_optional {
        (
            quote! { page #items.as_ref().map_or(&[][..], |items| &items[..]) },
            quote! { page #items.map(::std::vec::Vec::<#item_ty>::from).unwrap_or_default() },
        )
    } else {
        (
            quote! { &page #items[..] },
            quote! { ::std::vec::Vec::<#item_ty>::from(page #items) },
        )
    }
}

/// The walk of a paging style.
fn walk(p: &Paging) -> Walk {
    let setter = |param: &str| format_ident!("{}", crate::names::parameter(param));
    match &p.style {
        Style::Cursor {
            param,
            next,
            optional_parents,
            text,
        } => cursor_walk(&setter(param), param, next, optional_parents, *text),
        Style::Page {
            param,
            next_link: Some(next_link),
            ..
        } => {
            let (setter, link) = (setter(param), access(next_link));
            Walk {
                token_ty: quote! { u64 },
                apply: quote! { request.#setter(token) },
                headers: TokenStream::new(),
                next: quote! {
                    let next = page #link.as_ref()
                        .and_then(|link| ::api_support::paging::link_param(&link.href, #param))
                        .and_then(|number| number.parse::<u64>().ok());
                },
                how: format!(
                    "by page number, following each page's `{}` link until it is null",
                    next_link.join(".")
                ),
            }
        }
        Style::Page {
            param,
            next_link: None,
            totals,
        } => {
            let pages = totals
                .as_ref()
                .map(|(pages, _)| access(pages))
                .unwrap_or_default();
            let setter = setter(param);
            Walk {
                token_ty: quote! { u64 },
                apply: quote! { request.#setter(token) },
                headers: TokenStream::new(),
                next: quote! {
                    let last = u64::try_from(page #pages).unwrap_or(0);
                    let next = token.unwrap_or(1).checked_add(1).filter(|n| *n <= last && !items.is_empty());
                },
                how: format!("by page number: `{param}` counts from 1 to the page count"),
            }
        }
        Style::Link {
            params,
            field,
            count,
        } => link_walk(params, field.as_ref(), count.as_deref()),
        Style::Offset {
            param,
            end,
            offset_field,
        } => offset_walk(&setter(param), param, end, offset_field.as_deref()),
        Style::AfterLast { param, more, id } => {
            after_last_walk(&setter(param), param, more.as_ref(), id)
        }
        Style::None => Walk {
            token_ty: quote! { () },
            apply: quote! { request },
            headers: TokenStream::new(),
            next: quote! { let next: Option<()> = None; },
            how: "in one page (the service does not page)".to_owned(),
        },
    }
}

/// Stripe's walk: the next page starts after the last item's id.
fn after_last_walk(
    setter: &Ident,
    param: &str,
    more: Option<&(Vec<String>, bool)>,
    id: &(String, bool),
) -> Walk {
    let last_id = match id {
        (id, false) => {
            let id = format_ident!("{id}");
            quote! { .map(|item| item.#id.clone()) }
        }
        (id, true) => {
            let id = format_ident!("{id}");
            quote! { .and_then(|item| item.#id.clone()) }
        }
    };
    let (more_field, until) = match more {
        Some(more) => (flag(more), format!("while `{}` is true", more.0.join("."))),
        None => (
            quote! { !items.is_empty() },
            "until an empty page".to_owned(),
        ),
    };
    Walk {
        token_ty: quote! { ::std::string::String },
        apply: quote! { request.#setter(token) },
        headers: TokenStream::new(),
        next: quote! {
            let next = if #more_field { items.last() #last_id } else { None };
        },
        how: format!(
            "after the last item: {until}, the next page starts after the last item's id (`{param}`)"
        ),
    }
}

/// A boolean body field of `page`, true only when present and true (typify
/// makes an optional flag an `Option<bool>`, or a `bool` where it has a
/// default: `Option::<bool>::from` takes both).
fn flag((path, _optional): &(Vec<String>, bool)) -> TokenStream {
    let field = access(path);
    quote! { ::std::option::Option::<bool>::from(page #field) == ::std::option::Option::Some(true) }
}

/// The value of a body field as an owned `Option`, through optional objects
/// (`optional`: per segment, whether it is an `Option` in Rust).
fn owned_field(path: &[String], optional: &[bool]) -> TokenStream {
    let steps = path
        .iter()
        .zip(optional)
        .enumerate()
        .map(|(i, (segment, optional))| {
            let segment = format_ident!("{segment}");
            match (i + 1 == path.len(), *optional) {
                (false, true) => quote! { .and_then(|v| v.#segment.as_ref()) },
                (false, false) => quote! { .map(|v| &v.#segment) },
                (true, true) => quote! { .and_then(|v| v.#segment.clone()) },
                (true, false) => quote! { .map(|v| v.#segment.clone()) },
            }
        });
    quote! { ::std::option::Option::Some(&page) #(#steps)* }
}

fn cursor_walk(
    setter: &Ident,
    param: &str,
    next: &[String],
    optional_parents: &[bool],
    text: bool,
) -> Walk {
    // Through optional objects (`meta.page.after`): a chain of borrows, the cursor cloned.
    let take_next = owned_field(next, optional_parents);
    // A string-or-number cursor (Box's stream position) is sent as its text.
    let take_next = if text {
        quote! { #take_next.and_then(|cursor| ::api_support::paging::cursor_text(&cursor)) }
    } else {
        // A named string type (`PaginationToken`) gives its `String`.
        quote! { #take_next.map(::std::string::String::from) }
    };
    Walk {
        token_ty: quote! { ::std::string::String },
        apply: quote! { request.#setter(token) },
        headers: TokenStream::new(),
        // A page with no items that hands back the cursor it was sent is caught up: the end.
        next: quote! {
            let caught_up = items.is_empty();
            let next = #take_next.filter(|cursor| !cursor.is_empty() && !(caught_up && token.as_ref() == Some(cursor)));
        },
        how: format!(
            "by cursor: each page's `{}` is sent back as `{param}` (until it is null, or an empty page hands back the cursor it was sent)",
            next.join(".")
        ),
    }
}

/// The next page's URL (the `Link` header's or a body field's) sets each
/// parameter it carries; without a `Link` header at all, a page number counts on.
fn link_walk(
    params: &[(String, bool)],
    field: Option<&(Vec<String>, Vec<bool>)>,
    count: Option<&str>,
) -> Walk {
    let sets = params.iter().map(|(param, integer)| {
        let setter = format_ident!("{}", crate::names::parameter(param));
        let parse = if *integer {
            quote! { .and_then(|number| number.parse::<u64>().ok()) }
        } else {
            TokenStream::new()
        };
        quote! {
            if let Some(value) = ::api_support::paging::link_param(&token, #param) #parse {
                request = request.#setter(value);
            }
        }
    });
    let apply = quote! {{
        let mut request = request;
        #(#sets)*
        request
    }};
    let names = params
        .iter()
        .map(|(p, _)| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (headers, next, how) = match (field, count) {
        (Some((path, optional_parents)), _) => (
            TokenStream::new(),
            {
                let value = owned_field(path, optional_parents);
                quote! { let next = #value.map(::std::string::String::from).filter(|url| !url.is_empty()); }
            },
            format!(
                "by the next page's URL in each page's `{}`, which gives the next {names}, until it is null",
                path.join(".")
            ),
        ),
        (None, None) => (
            quote! { let link = ::api_support::paging::link_header_next(response.headers()); },
            quote! { let next = link.flatten(); },
            format!(
                "by the `Link` header: each response's `rel=\"next\"` URL gives the next {names}, until there is none"
            ),
        ),
        (None, Some(page_param)) => (
            quote! { let link = ::api_support::paging::link_header_next(response.headers()); },
            quote! {
                let next = match link {
                    Some(next) => next,
                    None if items.is_empty() => None,
                    None => token.as_deref()
                        .and_then(|sent| ::api_support::paging::link_param(sent, #page_param))
                        .and_then(|number| number.parse::<u64>().ok())
                        .unwrap_or(1)
                        .checked_add(1)
                        .map(|number| ::api_support::paging::query_url(#page_param, number)),
                };
            },
            format!(
                "by the `Link` header: each response's `rel=\"next\"` URL gives the next {names}, until there is none; where a response has no `Link` header, `{page_param}` counts on from 1 until an empty page"
            ),
        ),
    };
    Walk {
        token_ty: quote! { ::std::string::String },
        apply,
        headers,
        next,
        how,
    }
}

fn offset_walk(
    setter: &Ident,
    param: &str,
    end: &OffsetEnd,
    offset_field: Option<&[String]>,
) -> Walk {
    let sent = match offset_field {
        Some(f) => {
            let f = access(f);
            quote! { page #f }
        }
        None => quote! { offset.unwrap_or(0) },
    };
    let (more, until) = match end {
        OffsetEnd::Total(total) => {
            let total = access(total);
            (
                quote! { |reached| received > 0 && *reached < page #total },
                "until the total is reached".to_owned(),
            )
        }
        OffsetEnd::More(path, optional) => {
            let more = flag(&(path.clone(), *optional));
            (
                quote! { |_| received > 0 && #more },
                format!("while `{}` is true", path.join(".")),
            )
        }
    };
    Walk {
        token_ty: quote! { i64 },
        apply: quote! { request.#setter(token) },
        headers: TokenStream::new(),
        next: quote! {
            let received = items.len() as i64;
            // A hostile offset or total cannot overflow: the walk ends instead.
            let next = (#sent).checked_add(received).filter(#more);
        },
        how: format!("by offset: `{param}` grows by each page's length {until}"),
    }
}

/// Where the service reports its totals: `concurrency(k)` on the builder and
/// the `Positioned` implementation it relies on (fetching a page by position).
fn positioned(
    p: &Paging,
    builder: &proc_macro2::Ident,
    item_ty: &TokenStream,
    error_type: &TokenStream,
    next: &TokenStream,
) -> TokenStream {
    let (view, extract) = items_of(p, item_ty);
    let binding = items_binding(&p.style);
    let (param, layout, offset) = match &p.style {
        Style::Page {
            param,
            totals: Some((pages, total)),
            next_link,
        } => {
            let (pages, total) = (access(pages), access(total));
            // Counted pages: the page asked for is the position.
            let token = match next_link {
                Some(_) => TokenStream::new(),
                None => quote! { let token = position; },
            };
            (
                param,
                quote! {
                    ::api_support::paging::Layout::Pages {
                        last: u64::try_from(page #pages).unwrap_or(0),
                        total: u64::try_from(page #total).unwrap_or(0),
                    }
                },
                token,
            )
        }
        Style::Offset {
            param,
            end: OffsetEnd::Total(total),
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
                let #binding: &[#item_ty] = #view;
                #next
                Ok(::api_support::paging::Placed {
                    next: next.and_then(|n| u64::try_from(n).ok()),
                    layout: #layout,
                    items: #extract,
                })
            }
        }
    }
}
