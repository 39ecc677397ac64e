//! The `<service>-client` crate: progenitor's builder-style client over the
//! working copy, reusing the types crate's models, plus one constructor per
//! security scheme so no caller builds auth headers by hand.

use std::path::Path;

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use progenitor_impl::InterfaceStyle;
use quote::{ToTokens, format_ident, quote};

use crate::error::SpecError;
use crate::model::{Api, BodyKind, StatusKey};
use crate::types::{Types, base_settings};

/// The client code and what it needs beyond the types crate.
pub struct ClientCode {
    /// The root module (`src/generated.rs`).
    pub tokens: TokenStream,
    /// Where the crate is split by feature: each feature's module
    /// (`src/generated/<module>.rs`, [`crate::features::split_client`]).
    pub modules: Vec<(String, TokenStream)>,
    pub uses_chrono: bool,
    pub uses_uuid: bool,
    pub uses_regress: bool,
    /// progenitor's websocket handshake (`x-dropshot-websocket`) needs `base64` and `rand`.
    pub uses_websockets: bool,
    /// progenitor's own page streams need `futures`.
    pub uses_futures: bool,
    /// A `multipart/form-data` body needs `api-support`'s `client-multipart`.
    pub uses_multipart: bool,
    /// The operations (`operationId`) whose builders walk pages (`stream()`),
    /// and whether they also walk several pages at once (`concurrency(k)`).
    pub paged: Vec<(String, bool)>,
    /// The constructor a README example uses and its example arguments
    /// (`with_bearer_token`, `"TOKEN"`); `None`: `Client::new`.
    pub example_constructor: Option<(String, String)>,
}

pub fn generate(
    file: &Path,
    working: &OpenAPI,
    types: &Types,
    types_lib: &str,
    api: &Api,
) -> crate::Result<ClientCode> {
    let mut settings = base_settings();
    settings.with_interface(InterfaceStyle::Builder);
    let schemes = &api.schemes;
    let signing = schemes
        .iter()
        .any(|s| s.kind == crate::security::Kind::Signed);
    if signing {
        // Each request is signed just before it is sent; the signer is the client's inner value.
        settings
            .with_inner_type(quote! { ::api_support::client::Signer })
            .with_pre_hook_async(quote! { ::api_support::client::Signer::sign });
    }
    for name in &types.names {
        settings.with_replacement(name, format!("::{types_lib}::{name}"), std::iter::empty());
    }
    let (generator, tokens) = crate::progenitor::run_located(file, working, &settings, "client")
        .map_err(crate::Error::Spec)?;
    let tokens = methods_reqwest_lacks(tokens);
    let space = generator.get_type_space();
    let mut client: syn::File = syn::parse2(tokens).map_err(|e| {
        SpecError::at(
            file,
            "",
            format!("progenitor produced code that does not parse: {e}"),
        )
    })?;
    reexport_models(&mut client, types_lib, &types.names);
    user_agent_in_new(file, &mut client)?;
    body_cap(file, &mut client)?;
    required_defaults(api, &mut client);
    errors_by_status(api, types_lib, &mut client);
    empty_bodies(api, &mut client);
    documented_literals(api, &mut client);
    specific_arms_first(&mut client);
    merge_like_arms(&mut client);
    hooks_in_one_future(&mut client);
    let (auth, example_constructor) = auth_constructors(schemes, signing);
    let mut paging = Vec::new();
    let mut paged = Vec::new();
    for op in &api.operations {
        if let Some(p) = &op.paging {
            paged.push((op.id.clone(), p.concurrent()));
            paging.push(crate::pagination::client_methods(op, p, types_lib));
        }
    }
    let user_agent = quote! {
        /// The `User-Agent` every request of this client carries: the crate's name and version.
        pub const USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));
    };
    Ok(ClientCode {
        modules: Vec::new(),
        tokens: quote! { #user_agent #client #auth #(#paging)* },
        uses_chrono: space.uses_chrono(),
        uses_uuid: space.uses_uuid(),
        uses_regress: space.uses_regress(),
        uses_websockets: generator.uses_websockets(),
        uses_futures: generator.uses_futures(),
        uses_multipart: api.uses_multipart(),
        paged,
        example_constructor,
    })
}

/// progenitor calls `reqwest::Client::<method>(url)` for every method, but
/// reqwest has no shorthand for OPTIONS and TRACE (Box's `OPTIONS /events`):
/// those become `request(Method::OPTIONS, url)`.
fn methods_reqwest_lacks(tokens: TokenStream) -> TokenStream {
    use crate::tokens::{ident, is_ident, is_punct, prefixed};
    use proc_macro2::TokenTree;
    crate::tokens::edit_streams(tokens, &mut |mut trees| {
        // `. client . options (..)`: the method's name is the fourth tree.
        for at in 0..trees.len().saturating_sub(4) {
            let [dot, client, dot2, method, TokenTree::Group(args)] = &trees[at..at + 5] else {
                continue;
            };
            let Some(name) = ["OPTIONS", "TRACE"]
                .into_iter()
                .find(|name| is_ident(method, &name.to_lowercase()))
            else {
                continue;
            };
            if !(is_punct(dot, '.') && is_ident(client, "client") && is_punct(dot2, '.'))
                || args.delimiter() != proc_macro2::Delimiter::Parenthesis
            {
                continue;
            }
            let method = ident(name);
            let args = prefixed(args, quote! { ::reqwest::Method::#method, });
            trees.splice(at + 3..at + 5, [ident("request"), args]);
        }
        trees
    })
}

/// progenitor's `send` awaits the client's three hooks (`pre`, `exec`,
/// `post`) itself, in every operation: they become one await of
/// `api_support::client::hooked`, whose future is compiled once per error
/// type instead of once per operation.
fn hooks_in_one_future(client: &mut syn::File) {
    const HOOKS: [&str; 4] = [
        "client . pre (& mut request , & info) . await ? ;",
        "let result = client . exec (request , & info) . await ;",
        "client . post (& result , & info) . await ? ;",
        "let response = result ? ;",
    ];
    let hooked: syn::Stmt = syn::parse_quote! {
        let response = ::api_support::client::hooked(client, request, &info).await?;
    };
    let text = |stmt: &syn::Stmt| stmt.to_token_stream().to_string();
    for (_, imp) in builder_impls(client) {
        for send in methods(imp, "send") {
            let stmts = &mut send.block.stmts;
            let first = stmts.iter().position(|stmt| {
                matches!(stmt, syn::Stmt::Expr(syn::Expr::Try(_), Some(_)))
                    && text(stmt) == HOOKS[0]
            });
            let Some(at) = first else {
                continue;
            };
            let rest = stmts.get(at + 1..at + 4).unwrap_or_default();
            if rest.len() == 3
                && rest
                    .iter()
                    .zip(&HOOKS[1..])
                    .all(|(stmt, hook)| text(stmt) == *hook)
            {
                stmts.splice(at..at + 4, [hooked.clone()]);
            }
        }
    }
}

/// The builder `impl` blocks of progenitor's `mod builder`, by builder type name.
fn builder_impls(client: &mut syn::File) -> Vec<(String, &mut syn::ItemImpl)> {
    let Some(items) = client.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Vec::new();
    };
    items
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) => {
                let syn::Type::Path(ty) = &*imp.self_ty else {
                    return None;
                };
                let name = ty.path.segments.last()?.ident.to_string();
                Some((name, imp))
            }
            _ => None,
        })
        .collect()
}

/// The methods named `name` of an `impl` block.
fn methods<'a>(
    imp: &'a mut syn::ItemImpl,
    name: &'a str,
) -> impl Iterator<Item = &'a mut syn::ImplItemFn> {
    imp.items.iter_mut().filter_map(move |item| match item {
        syn::ImplItem::Fn(f) if f.sig.ident == name => Some(f),
        _ => None,
    })
}

/// Every error arm of `send()` keeps the status of a body that is not JSON
/// (`api_support::client::decode_error`: an HTML 502 is an `UnexpectedResponse`,
/// not a payload error without its status). Where an operation's error statuses
/// carry different bodies (an error union with `x-status-bodies` in the working
/// copy), each status's arm decodes its own documented body first and the union
/// by shape only after (`decode_by_status`); progenitor decodes by shape alone.
fn errors_by_status(api: &Api, types_lib: &str, client: &mut syn::File) {
    let lib = format_ident!("{types_lib}");
    let by_builder: std::collections::BTreeMap<String, Vec<(u16, TokenStream)>> = api
        .operations
        .iter()
        .map(|op| {
            let statuses = op.status_bodies.iter().map(|(code, name)| {
                let ident = format_ident!("{name}");
                (*code, quote! { ::#lib::#ident })
            });
            (op.builder(), statuses.collect())
        })
        .collect();
    const DECODE: &str = "ResponseValue :: from_response (response) . await ?";
    for (name, imp) in builder_impls(client) {
        let statuses = by_builder.get(&name);
        for send in methods(imp, "send") {
            let Some(m) = status_match(send) else {
                continue;
            };
            for arm in &mut m.arms {
                let code = match &arm.pat {
                    syn::Pat::Lit(syn::PatLit {
                        lit: syn::Lit::Int(code),
                        ..
                    }) => code.base10_parse::<u16>().ok(),
                    _ => None,
                };
                let body_ty = code
                    .and_then(|code| statuses?.iter().find(|(c, _)| *c == code).map(|(_, ty)| ty));
                let decode = match body_ty {
                    Some(body_ty) => {
                        quote! { ::api_support::client::decode_by_status::<#body_ty, _, _>(response).await? }
                    }
                    None => quote! { ::api_support::client::decode_error(response).await? },
                };
                edit_tokens(&mut *arm.body, |body| {
                    // Only error arms: a success arm's decode has no `?` (it is the result).
                    if body.contains("Error :: ErrorResponse") {
                        body.replace(DECODE, &decode.to_string())
                    } else {
                        body
                    }
                });
            }
        }
    }
}

/// A status documented without a body beside statuses with one reads an
/// empty body as `None` (the side's type is an `Option` in the working copy);
/// progenitor would fail to decode it.
fn empty_bodies(api: &Api, client: &mut syn::File) {
    let by_builder: std::collections::BTreeMap<String, &[StatusKey]> = api
        .operations
        .iter()
        .filter(|op| !op.empty_bodies.is_empty())
        .map(|op| (op.builder(), op.empty_bodies.as_slice()))
        .collect();
    const DECODES: [(&str, &str); 2] = [
        (
            "ResponseValue :: from_response (response) . await",
            ":: api_support :: client :: decode_empty_as_null (response) . await",
        ),
        (
            ":: api_support :: client :: decode_error (response) . await",
            ":: api_support :: client :: decode_error_empty_as_null (response) . await",
        ),
    ];
    for (name, imp) in builder_impls(client) {
        let Some(statuses) = by_builder.get(&name) else {
            continue;
        };
        for send in methods(imp, "send") {
            let Some(m) = status_match(send) else {
                continue;
            };
            for arm in &mut m.arms {
                if !arm_status(&arm.pat).is_some_and(|status| statuses.contains(&status)) {
                    continue;
                }
                edit_tokens(&mut *arm.body, |body| {
                    DECODES
                        .iter()
                        .fold(body, |body, (from, to)| body.replace(from, to))
                });
            }
        }
    }
}

/// The literals progenitor writes into a `send()` that the spec says
/// otherwise: `Accept: application/json` where the success body is documented
/// in a JSON-based type (`application/vnd.github+json`); `Content-Type:
/// application/octet-stream` where a body sent as bytes is documented as
/// another type (`application/xml`); and the name a parameter was given where
/// the working copy renamed it because two Rust names met (`maxResults~2`),
/// which is its wire name again. A deep-object query parameter is sent as
/// one. A multipart body, which the working copy
/// hands progenitor as a form, is sent as multipart.
fn documented_literals(api: &Api, client: &mut syn::File) {
    // The literal's closing parenthesis may follow a comma: match up to the literal.
    let header = |name: &str, value: &str| {
        format!("{name} , :: reqwest :: header :: HeaderValue :: from_static ({value:?}")
    };
    let mut by_builder: std::collections::BTreeMap<String, Vec<(String, String)>> =
        Default::default();
    for op in &api.operations {
        let mut edits = Vec::new();
        if let Some(accept) = &op.accept {
            edits.push((
                header("ACCEPT", "application/json"),
                header("ACCEPT", accept),
            ));
        }
        if matches!(&op.body, Ok(Some(body)) if body.kind == BodyKind::Multipart) {
            edits.push((
                ". form_urlencoded (& body) ?".to_owned(),
                ". multipart (:: api_support :: multipart :: form (& body) ?)".to_owned(),
            ));
        }
        if let Some(media) = &op.content_type {
            let bytes = header("CONTENT_TYPE", "application/octet-stream");
            edits.push((bytes, header("CONTENT_TYPE", media)));
        }
        for p in &op.parameters {
            if let crate::model::ParameterValue::DeepObject(_) = p.value {
                let given = p.renamed.as_ref().unwrap_or(&p.name);
                edits.push((
                    format!("progenitor_client :: QueryParam :: new ({given:?}"),
                    format!(":: api_support :: DeepObject :: new ({given:?}"),
                ));
            }
        }
        for p in &op.parameters {
            if let Some(given) = &p.renamed {
                edits.push((format!("{given:?}"), format!("{:?}", p.name)));
            }
        }
        if !edits.is_empty() {
            by_builder.insert(op.builder(), edits);
        }
    }
    for (name, imp) in builder_impls(client) {
        let Some(edits) = by_builder.get(&name) else {
            continue;
        };
        for send in methods(imp, "send") {
            edit_tokens(&mut send.block, |code| {
                edits
                    .iter()
                    .fold(code, |code, (from, to)| code.replace(from, to))
            });
        }
    }
}

/// Edits a node as token text and parses it back; a node whose edit does not
/// change it, or does not parse, stays as it was. Whether it changed.
fn edit_tokens<T: syn::parse::Parse + ToTokens>(
    node: &mut T,
    edit: impl FnOnce(String) -> String,
) -> bool {
    let before = node.to_token_stream().to_string();
    let after = edit(before.clone());
    if after == before {
        return false;
    }
    match syn::parse_str(&after) {
        Ok(edited) => {
            *node = edited;
            true
        }
        Err(_) => false,
    }
}

/// The status key a `send()` arm's pattern stands for: a code, a class
/// (`400u16..=499u16`), or `default` (`_`).
fn arm_status(pat: &syn::Pat) -> Option<StatusKey> {
    let int = |e: &syn::Expr| match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse::<u16>().ok(),
        _ => None,
    };
    match pat {
        syn::Pat::Lit(syn::PatLit {
            lit: syn::Lit::Int(code),
            ..
        }) => code.base10_parse().ok().map(StatusKey::Code),
        syn::Pat::Range(range) => {
            let start = int(range.start.as_deref()?)?;
            u8::try_from(start / 100).ok().map(StatusKey::Range)
        }
        syn::Pat::Wild(_) => Some(StatusKey::Default),
        _ => None,
    }
}

/// The `match` on the response status that ends a builder's `send()`.
fn status_match(send: &mut syn::ImplItemFn) -> Option<&mut syn::ExprMatch> {
    match send.block.stmts.last_mut()? {
        syn::Stmt::Expr(syn::Expr::Match(m), None) => Some(m),
        _ => None,
    }
}

/// progenitor sorts the arms of `send()` by status, a range by its first one
/// (`4XX` as 400), so `400..=499` comes before `401` and the `401` arm never
/// matches. The arms go from specific to general instead: exact statuses, then
/// ranges (`4XX`, `5XX`), then `_` (`default`), each group in progenitor's order.
fn specific_arms_first(client: &mut syn::File) {
    for (_, imp) in builder_impls(client) {
        for send in methods(imp, "send") {
            if let Some(m) = status_match(send) {
                m.arms.sort_by_key(|arm| generality(&arm.pat));
                // A documented `default` is a catch-all arm of its own; progenitor's
                // "undocumented status" arm after it could never match.
                if let Some(first_wild) = m.arms.iter().position(|a| generality(&a.pat) == 2) {
                    m.arms.truncate(first_wild + 1);
                }
            }
        }
    }
}

/// How many statuses an arm's pattern covers, as a rank: one, a range, any.
fn generality(pat: &syn::Pat) -> u8 {
    match pat {
        syn::Pat::Lit(_) => 0,
        syn::Pat::Range(_) => 1,
        _ => 2,
    }
}

/// Adjacent arms of `send()` that do the same thing become one arm
/// (`400u16..=499u16 | 500u16..=599u16 => …`): progenitor writes an arm per
/// status, and each arm that decodes a body is an `.await` of its own in the
/// method's state machine, compiled once per arm and operation. Only
/// neighbours merge, and never into the catch-all `_`, so which arm a status
/// meets is unchanged.
fn merge_like_arms(client: &mut syn::File) {
    // A status or a class, or several merged: never `_`.
    let mergeable = |pat: &syn::Pat| match pat {
        syn::Pat::Or(or) => or.cases.iter().all(|p| generality(p) < 2),
        pat => generality(pat) < 2,
    };
    for (_, imp) in builder_impls(client) {
        for send in methods(imp, "send") {
            let Some(m) = status_match(send) else {
                continue;
            };
            let mut merged: Vec<(syn::Arm, String)> = Vec::with_capacity(m.arms.len());
            for arm in std::mem::take(&mut m.arms) {
                let body = arm.body.to_token_stream().to_string();
                match merged.last_mut() {
                    Some((last, last_body))
                        if *last_body == body && mergeable(&last.pat) && mergeable(&arm.pat) =>
                    {
                        if let syn::Pat::Or(or) = &mut last.pat {
                            or.cases.push(arm.pat);
                        } else {
                            last.pat = syn::Pat::Or(syn::PatOr {
                                attrs: Vec::new(),
                                leading_vert: None,
                                cases: [last.pat.clone(), arm.pat].into_iter().collect(),
                            });
                        }
                    }
                    _ => merged.push((arm, body)),
                }
            }
            m.arms = merged.into_iter().map(|(arm, _)| arm).collect();
        }
    }
}

/// A required parameter with a `default` (PagerDuty's `Accept` and
/// `Content-Type` headers) starts as its default in the operation's builder;
/// progenitor leaves it unset, so `send()` would fail unless the caller set it.
fn required_defaults(api: &Api, client: &mut syn::File) {
    use serde_json::Value;
    let mut defaults: std::collections::BTreeMap<String, Vec<(String, String)>> =
        Default::default();
    for op in &api.operations {
        for param in op.parameters.iter().filter(|p| p.required) {
            let default = match &param.default {
                Some(Value::String(s)) => s.clone(),
                Some(v @ (Value::Number(_) | Value::Bool(_))) => v.to_string(),
                _ => continue,
            };
            defaults
                .entry(op.builder())
                .or_default()
                .push((param.rust_name.clone(), default));
        }
    }
    for (name, imp) in builder_impls(client) {
        let Some(fields) = defaults.get(&name) else {
            continue;
        };
        for new in methods(imp, "new") {
            let Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) = new.block.stmts.last_mut()
            else {
                continue;
            };
            for field_value in &mut init.fields {
                let syn::Member::Named(member) = &field_value.member else {
                    continue;
                };
                if let Some((_, default)) = fields.iter().find(|(field, _)| member == field) {
                    let message = format!(
                        "the default of `{member}` ({default:?}) does not convert to its type"
                    );
                    field_value.expr =
                        syn::parse_quote! { #default.parse().map_err(|_| #message.to_string()) };
                }
            }
        }
    }
}

/// progenitor's `Client::new` builds its own `reqwest` client; it gets the
/// crate's `User-Agent` too, like every constructor this generator adds.
fn user_agent_in_new(file: &Path, client: &mut syn::File) -> Result<(), SpecError> {
    const BUILDER: &str = "reqwest :: ClientBuilder :: new ()";
    for item in &mut client.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some()
            || !matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"))
        {
            continue;
        }
        for impl_item in &mut imp.items {
            if let syn::ImplItem::Fn(f) = impl_item
                && f.sig.ident == "new"
            {
                let with_agent = format!("{BUILDER} . user_agent (USER_AGENT)");
                if edit_tokens(&mut f.block, |body| body.replace(BUILDER, &with_agent)) {
                    return Ok(());
                }
            }
        }
    }
    Err(SpecError::at(
        file,
        "",
        "progenitor's `Client::new` no longer builds a `reqwest::ClientBuilder` the generator can give a `User-Agent`",
    ))
}

/// Every response body is read through a cap (`api_support::client::capped`):
/// `Client` gets a `max_body` field (64 MiB by default, set with
/// `with_max_body`), and its hooks' `exec` wraps each response, so a body
/// past the cap ends in an error that names it instead of filling memory.
fn body_cap(file: &Path, client: &mut syn::File) -> Result<(), SpecError> {
    let fail = |what: &str| {
        SpecError::at(
            file,
            "",
            format!("progenitor's client no longer has {what} the generator can give a body cap"),
        )
    };
    let mut found = (false, false, false);
    for item in &mut client.items {
        match item {
            syn::Item::Struct(s) if s.ident == "Client" => {
                if let syn::Fields::Named(fields) = &mut s.fields {
                    fields.named.push(syn::parse_quote! {
                        /// The largest response body read, in bytes.
                        pub(crate) max_body: u64
                    });
                    found.0 = true;
                }
            }
            syn::Item::Impl(imp)
                if imp.trait_.is_none()
                    && matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client")) =>
            {
                for impl_item in &mut imp.items {
                    if let syn::ImplItem::Fn(f) = impl_item
                        && f.sig.ident == "new_with_client"
                        && edit_tokens(&mut f.block, |body| {
                            body.replacen(
                                "Self {",
                                "Self { max_body : :: api_support :: client :: DEFAULT_MAX_BODY ,",
                                1,
                            )
                        })
                    {
                        found.1 = true;
                    }
                }
            }
            syn::Item::Impl(imp)
                if imp.trait_.as_ref().is_some_and(|(path, _)| {
                    path.segments
                        .last()
                        .is_some_and(|s| s.ident == "ClientHooks")
                }) =>
            {
                imp.items.push(syn::parse_quote! {
                    async fn exec(
                        &self,
                        request: reqwest::Request,
                        _info: &OperationInfo,
                    ) -> reqwest::Result<reqwest::Response> {
                        let response = self.client.execute(request).await?;
                        Ok(::api_support::client::capped(response, self.max_body))
                    }
                });
                found.2 = true;
            }
            _ => {}
        }
    }
    match found {
        (false, _, _) => return Err(fail("a `Client` struct")),
        (_, false, _) => return Err(fail("a `Client::new_with_client`")),
        (_, _, false) => return Err(fail("a `ClientHooks` implementation")),
        _ => {}
    }
    client.items.push(syn::parse_quote! {
        impl Client {
            /// The largest response body this client reads, in bytes (64 MiB
            /// unless set): a longer body, or one announced longer, ends the
            /// call with an error that names the cap, having read at most that much.
            pub fn with_max_body(mut self, bytes: u64) -> Self {
                self.max_body = bytes;
                self
            }
        }
    });
    Ok(())
}

/// `types` re-exports the shared models, so `client::types::X` names every type an operation uses.
fn reexport_models(file: &mut syn::File, types_lib: &str, type_names: &[String]) {
    /// Prelude names progenitor's code writes bare (`Default::default()`).
    const PRELUDE: &[(&str, &str)] = &[
        ("Default", "::std::default::Default"),
        ("Option", "::std::option::Option"),
        ("Some", "::std::option::Option::Some"),
        ("None", "::std::option::Option::None"),
        ("Result", "::std::result::Result"),
        ("Ok", "::std::result::Result::Ok"),
        ("Err", "::std::result::Result::Err"),
        ("String", "::std::string::String"),
        ("ToString", "::std::string::ToString"),
        ("Vec", "::std::vec::Vec"),
        ("Box", "::std::boxed::Box"),
        ("From", "::std::convert::From"),
        ("Into", "::std::convert::Into"),
        ("TryFrom", "::std::convert::TryFrom"),
        ("TryInto", "::std::convert::TryInto"),
    ];
    let lib = format_ident!("{types_lib}");
    // A model named like a prelude item (`Default`) would shadow it for the
    // code beside the glob: the prelude item is imported by name, which
    // outranks the glob (the client names models by their full path).
    let shadowed: Vec<syn::Item> = PRELUDE
        .iter()
        .filter(|(name, _)| type_names.iter().any(|t| t == name))
        .filter_map(|(_, path)| syn::parse_str::<syn::Path>(path).ok())
        .map(|path| {
            syn::parse_quote! {
                #[allow(unused_imports)]
                use #path;
            }
        })
        .collect();
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
            for (i, import) in shadowed.iter().enumerate() {
                items.insert(1 + i, import.clone());
            }
        }
    }
}

/// One constructor per supported security scheme, e.g. `Client::with_bearer_token`,
/// and the one a README example uses (method, example arguments).
fn auth_constructors(
    schemes: &[crate::security::Scheme],
    signing: bool,
) -> (TokenStream, Option<(String, String)>) {
    // With a signing scheme the client carries a `Signer` (none for the other schemes).
    let inner = signing.then(|| quote! { , ::api_support::client::Signer::None });
    let api_keys = schemes
        .iter()
        .filter(|s| matches!(s.kind, crate::security::Kind::ApiKeyHeader { .. }))
        .count();
    let mut methods = Vec::new();
    let mut example = None;
    let mut seen = std::collections::BTreeSet::new();
    for scheme in schemes {
        let Some(constructor) = Constructor::of(scheme, api_keys, &inner) else {
            continue;
        };
        if !seen.insert(constructor.method.to_string()) {
            continue;
        }
        if let Some(args) = constructor.example_args {
            example.get_or_insert((constructor.method.to_string(), args.to_owned()));
        }
        methods.push(constructor.into_tokens());
    }
    if methods.is_empty() {
        return (TokenStream::new(), example);
    }
    let tokens = quote! {
        /// Constructors that authenticate every request.
        impl Client {
            #(#methods)*
        }
    };
    (tokens, example)
}

/// A constructor of `Client` that authenticates every request one way.
struct Constructor {
    method: syn::Ident,
    /// The doc comment (each line after `///`).
    doc: String,
    /// The credentials it takes after `baseurl`.
    params: TokenStream,
    /// Its body: a `Result<Self, ClientError>`.
    body: TokenStream,
    /// The arguments a README example passes, if it is the one to show.
    example_args: Option<&'static str>,
}

impl Constructor {
    /// The constructor of a scheme; `None` for schemes without one yet (query or
    /// cookie API keys, other HTTP schemes): `Client::new_with_client` takes a
    /// `reqwest::Client` configured by hand.
    fn of(
        scheme: &crate::security::Scheme,
        api_keys: usize,
        inner: &Option<TokenStream>,
    ) -> Option<Self> {
        use crate::security::Kind;
        let name = &scheme.name;
        Some(match &scheme.kind {
            Kind::Bearer { oauth } => {
                let sends = if *oauth {
                    format!(
                        "Authorization: Bearer <token>`, a token obtained through security scheme `{name}`."
                    )
                } else {
                    format!("Authorization: Bearer <token>` (security scheme `{name}`).")
                };
                Self::with_token(
                    format_ident!("with_bearer_token"),
                    &sends,
                    quote! { ::api_support::client::Auth::Bearer(token.into()) },
                    inner,
                    Some("\"TOKEN\""),
                )
            }
            Kind::ApiKeyHeader { header } => {
                // The only API key is `with_api_key`; several are named after their schemes.
                let only = api_keys == 1;
                let method = if only {
                    format_ident!("with_api_key")
                } else {
                    format_ident!("{}", crate::names::constructor(name))
                };
                Self::with_token(
                    method,
                    &format!("{header}: <key>` (security scheme `{name}`)."),
                    quote! { ::api_support::client::Auth::ApiKeyHeader { header: #header, key: token.into() } },
                    inner,
                    only.then_some("\"API_KEY\""),
                )
            }
            Kind::Basic => Self::basic(name, inner),
            Kind::Signed => Self::signed(name),
            Kind::Other => return None,
        })
    }

    /// A constructor taking one secret `token` that `auth` (an `Auth`) sends as `sends` says.
    fn with_token(
        method: syn::Ident,
        sends: &str,
        auth: TokenStream,
        inner: &Option<TokenStream>,
        example_args: Option<&'static str>,
    ) -> Self {
        Self {
            method,
            doc: format!(
                " Creates a client that sends `{sends}\n\n The credential never appears in `Debug` output."
            ),
            params: quote! { token: impl Into<::api_support::Secret>, },
            body: Self::authenticated(auth, inner),
            example_args,
        }
    }

    fn basic(scheme_name: &str, inner: &Option<TokenStream>) -> Self {
        Self {
            method: format_ident!("with_basic_auth"),
            doc: format!(
                " Creates a client that sends `Authorization: Basic <base64 of username:password>` \
                 (security scheme `{scheme_name}`).\n\n The password never appears in `Debug` output."
            ),
            params: quote! {
                username: impl Into<::std::string::String>,
                password: impl Into<::api_support::Secret>,
            },
            body: Self::authenticated(
                quote! { ::api_support::client::Auth::Basic { username: username.into(), password: password.into() } },
                inner,
            ),
            example_args: Some("\"USERNAME\", \"PASSWORD\""),
        }
    }

    /// BloodHound's signed requests: the client's `Signer` signs each request just before it is sent.
    fn signed(scheme_name: &str) -> Self {
        Self {
            method: format_ident!("with_signed_requests"),
            doc: format!(
                " Creates a client that signs every request with an API token (security scheme `{scheme_name}`): \
                 `Authorization: bhesignature <token id>`, `RequestDate` and an HMAC-SHA256 `Signature` made with the \
                 token key, which is never sent.\n\n The token key never appears in `Debug` output."
            ),
            params: quote! {
                token_id: impl Into<::std::string::String>,
                token_key: impl Into<::api_support::Secret>,
            },
            body: quote! {
                let signer = ::api_support::client::Signer::BloodHound { token_id: token_id.into(), token_key: token_key.into() };
                Ok(Self::new_with_client(baseurl, ::api_support::client::default_client(USER_AGENT)?, signer))
            },
            example_args: None,
        }
    }

    /// A body that makes the client with `auth`'s headers (and, beside a signing scheme, no signer).
    fn authenticated(auth: TokenStream, inner: &Option<TokenStream>) -> TokenStream {
        quote! {
            let auth = #auth;
            Ok(Self::new_with_client(baseurl, auth.client(USER_AGENT)? #inner))
        }
    }

    fn into_tokens(self) -> TokenStream {
        let Self {
            method,
            doc,
            params,
            body,
            ..
        } = self;
        quote! {
            #[doc = #doc]
            pub fn #method(
                baseurl: &str,
                #params
            ) -> Result<Self, ::api_support::client::ClientError> {
                #body
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::{Kind, Scheme};
    use serde_json::{Value, json};

    /// A spec of one operation `listThings` (`GET /things`).
    fn spec(parameters: Value, responses: Value) -> Value {
        json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/things": {"get": {
                "operationId": "listThings", "parameters": parameters, "responses": responses
            }}},
            "components": {"schemas": {
                "List": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "string"}}}},
                "Problem": {"type": "object", "properties": {"message": {"type": "string"}}}
            }}
        })
    }

    fn body(schema: &str) -> Value {
        json!({"description": "d", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
    }

    /// The client generated from a spec's working copy, as a syntax tree.
    fn client_of(spec: &Value) -> syn::File {
        let file = Path::new("t.yaml");
        let working_value = crate::transform::working_copy(file, spec).unwrap();
        let working = crate::load::to_openapi(file, &working_value).unwrap();
        let types =
            crate::types::generate(file, &working, &crate::model::enums::find(&working_value))
                .unwrap();
        let api =
            crate::model::Api::build(file, spec, &working_value, "t_types", &types.names).unwrap();
        let code = generate(file, &working, &types, "t_types", &api).unwrap();
        syn::parse2(code.tokens).unwrap()
    }

    /// The patterns of every `send()`'s status arms, as written.
    fn arms_as_written(client: &mut syn::File) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (_, imp) in builder_impls(client) {
            for send in methods(imp, "send") {
                let arms = status_match(send).map(|m| &m.arms).into_iter().flatten();
                out.push(arms.map(|a| a.pat.to_token_stream().to_string()).collect());
            }
        }
        out
    }

    /// The statuses of every `send()`'s arms in the order a status meets
    /// them (the cases of a merged arm one by one).
    fn arm_patterns(client: &mut syn::File) -> Vec<Vec<String>> {
        arms_as_written(client)
            .into_iter()
            .map(|arms| {
                arms.iter()
                    .flat_map(|pat| pat.split(" | ").map(str::to_owned))
                    .collect()
            })
            .collect()
    }

    /// A client whose operation documents 401, 404 and 503 with one body and
    /// `default` beside a differently shaped success (which becomes `4XX`
    /// and `5XX`, transform.rs).
    fn errors_beside_default() -> syn::File {
        let responses = json!({
            "200": body("List"), "401": body("Problem"), "404": body("Problem"),
            "503": body("Problem"), "default": body("Problem")
        });
        client_of(&spec(json!([]), responses))
    }

    #[test]
    fn neighbouring_arms_that_do_the_same_are_one_arm() {
        // Every error status decodes the same way: one arm, one `.await`.
        let mut client = errors_beside_default();
        assert_eq!(
            arms_as_written(&mut client),
            [[
                "200u16",
                "401u16 | 404u16 | 503u16 | 400u16 ..= 499u16 | 500u16 ..= 599u16",
                "_"
            ]]
        );
        // Arms that differ stay apart: 204 reads an empty body, 200 does not.
        let responses = json!({
            "200": body("List"), "204": {"description": "nothing new"},
            "404": {"description": "no body"}, "422": body("Problem")
        });
        let mut client = client_of(&spec(json!([]), responses));
        let arms = arms_as_written(&mut client);
        assert_eq!(arms[0][..3], ["200u16", "204u16", "404u16"], "{arms:?}");
    }

    #[test]
    fn status_arms_go_from_specific_to_general() {
        let mut client = errors_beside_default();
        let arms = arm_patterns(&mut client);
        assert_eq!(
            arms,
            [[
                "200u16",
                "401u16",
                "404u16",
                "503u16",
                "400u16 ..= 499u16",
                "500u16 ..= 599u16",
                "_"
            ]]
        );
        // An arm after one that covers its statuses would never match (`unreachable_patterns`).
        for (i, arm) in arms[0].iter().enumerate() {
            for earlier in &arms[0][..i] {
                assert!(!covers(earlier, arm), "`{earlier}` hides `{arm}`");
            }
        }
    }

    #[test]
    fn statuses_without_a_body_beside_bodied_ones_read_empty_as_none() {
        let responses = json!({
            "200": body("List"), "204": {"description": "nothing new"},
            "404": {"description": "no body"}, "422": body("Problem")
        });
        let mut client = client_of(&spec(json!([]), responses));
        let text = client.to_token_stream().to_string();
        // The success type is an Option; 204 and 404 decode an empty body as None.
        assert!(
            text.contains("ResponseValue < :: std :: option :: Option < :: t_types :: List > >"),
            "{text}"
        );
        let arms: Vec<(String, String)> = builder_impls(&mut client)
            .into_iter()
            .flat_map(|(_, imp)| {
                methods(imp, "send")
                    .filter_map(|send| status_match(send).cloned())
                    .flat_map(|m| m.arms)
                    .collect::<Vec<_>>()
            })
            .map(|arm| {
                (
                    arm.pat.to_token_stream().to_string(),
                    arm.body.to_token_stream().to_string(),
                )
            })
            .collect();
        let body_of = |status: &str| &arms.iter().find(|(p, _)| p == status).unwrap().1;
        assert!(
            body_of("204u16").contains("decode_empty_as_null"),
            "{arms:?}"
        );
        assert!(
            body_of("404u16").contains("decode_error_empty_as_null"),
            "{arms:?}"
        );
        assert!(!body_of("200u16").contains("empty_as_null"), "{arms:?}");
        assert!(!body_of("422u16").contains("empty_as_null"), "{arms:?}");
    }

    #[test]
    fn a_json_based_success_type_is_decoded_and_asked_for() {
        let vendor = json!({"description": "d", "content": {"application/vnd.acme.v1+json": {"schema": {"$ref": "#/components/schemas/List"}}}});
        let responses = json!({"200": vendor, "400": body("Problem")});
        let client = client_of(&spec(json!([]), responses));
        let text = client.to_token_stream().to_string();
        assert!(
            text.contains("ResponseValue < :: t_types :: List >"),
            "{text}"
        );
        assert!(
            text.contains("from_static (\"application/vnd.acme.v1+json\""),
            "{text}"
        );
        assert!(
            !text.contains("from_static (\"application/json\""),
            "{text}"
        );
    }

    #[test]
    fn parameters_whose_rust_names_meet_keep_their_wire_names() {
        let params = json!([
            {"name": "max-results", "in": "query", "schema": {"type": "integer"}},
            {"name": "maxResults", "in": "query", "schema": {"type": "integer"}}
        ]);
        let client = client_of(&spec(params, json!({"200": body("List")})));
        let text = client.to_token_stream().to_string();
        assert!(text.contains("pub fn max_results <"), "{text}");
        assert!(text.contains("pub fn max_results_2 <"), "{text}");
        assert!(
            text.contains("QueryParam :: new (\"max-results\""),
            "{text}"
        );
        assert!(text.contains("QueryParam :: new (\"maxResults\""), "{text}");
        assert!(!text.contains('~'), "{text}");

        // A parameter named like the builder's own constructor (PaaSTA's `new`).
        let params = json!([{"name": "new", "in": "query", "schema": {"type": "boolean"}}]);
        let text = client_of(&spec(params, json!({"200": body("List")})))
            .to_token_stream()
            .to_string();
        assert!(text.contains("pub fn new_2 <"), "{text}");
        assert!(text.contains("QueryParam :: new (\"new\""), "{text}");
    }

    #[test]
    fn a_body_progenitor_cannot_send_goes_as_bytes_under_its_documented_type() {
        let mut doc = spec(json!([]), json!({"200": body("List")}));
        doc["paths"]["/things"]["get"]["requestBody"] =
            json!({"content": {"text/xml": {"schema": {"$ref": "#/components/schemas/List"}}}});
        let text = client_of(&doc).to_token_stream().to_string();
        assert!(
            text.contains(
                "CONTENT_TYPE , :: reqwest :: header :: HeaderValue :: from_static (\"text/xml\""
            ),
            "{text}"
        );
        assert!(text.contains(". body (body)"), "{text}");
        // A plain-text body whose schema progenitor would refuse is text.
        doc["paths"]["/things"]["get"]["requestBody"] =
            json!({"content": {"text/plain": {"schema": {"type": "string", "format": "uri"}}}});
        let text = client_of(&doc).to_token_stream().to_string();
        assert!(text.contains("from_static (\"text/plain\""), "{text}");
    }

    #[test]
    fn a_documented_default_is_the_last_arm() {
        let text =
            json!({"description": "d", "content": {"text/plain": {"schema": {"type": "string"}}}});
        let mut client = client_of(&spec(
            json!([]),
            json!({"200": text.clone(), "default": text}),
        ));
        let arms = arm_patterns(&mut client);
        assert_eq!(arms[0].iter().filter(|p| *p == "_").count(), 1, "{arms:?}");
        assert_eq!(arms[0].last().map(String::as_str), Some("_"), "{arms:?}");
    }

    /// Whether the arm pattern `general` matches every status `specific` does.
    fn covers(general: &str, specific: &str) -> bool {
        let bounds = |pat: &str| -> (u16, u16) {
            let number = |s: &str| s.trim().trim_end_matches("u16").parse().unwrap();
            match pat.split_once("..=") {
                _ if pat == "_" => (0, u16::MAX),
                Some((low, high)) => (number(low), number(high)),
                None => (number(pat), number(pat)),
            }
        };
        let (g, s) = (bounds(general), bounds(specific));
        g.0 <= s.0 && s.1 <= g.1
    }

    #[test]
    fn new_gives_its_reqwest_client_the_user_agent() {
        let client = client_of(&spec(json!([]), json!({"200": body("List")})));
        let new = client
            .items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
                _ => None,
            })
            .filter(|imp| matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client")))
            .flat_map(|imp| &imp.items)
            .find_map(|item| match item {
                syn::ImplItem::Fn(f) if f.sig.ident == "new" => Some(f),
                _ => None,
            })
            .expect("Client::new");
        let body = new.block.to_token_stream().to_string();
        assert!(
            body.contains("reqwest :: ClientBuilder :: new () . user_agent (USER_AGENT)"),
            "{body}"
        );
    }

    #[test]
    fn a_new_without_a_reqwest_builder_is_reported() {
        let mut client: syn::File = syn::parse_quote! {
            impl Client {
                pub fn new(baseurl: &str) -> Self {
                    Self::new_with_client(baseurl, reqwest::Client::new())
                }
            }
        };
        let err = user_agent_in_new(Path::new("t.yaml"), &mut client).unwrap_err();
        assert!(err.message.contains("User-Agent"), "{err}");
    }

    #[test]
    fn required_parameters_start_as_their_defaults() {
        let parameters = json!([
            {"name": "Accept", "in": "header", "required": true, "schema": {"type": "string", "default": "application/json"}},
            {"name": "limit", "in": "query", "required": true, "schema": {"type": "integer", "default": 10}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
            {"name": "since", "in": "query", "required": true, "schema": {"type": "string"}}
        ]);
        let mut client = client_of(&spec(parameters, json!({"200": body("List")})));
        let (_, imp) = builder_impls(&mut client)
            .into_iter()
            .find(|(name, _)| name == "ListThings")
            .expect("the ListThings builder");
        let new = methods(imp, "new").next().expect("ListThings::new");
        let Some(syn::Stmt::Expr(syn::Expr::Struct(init), None)) = new.block.stmts.last() else {
            panic!("ListThings::new ends in a struct expression");
        };
        let field = |name: &str| {
            let value = init
                .fields
                .iter()
                .find(|f| matches!(&f.member, syn::Member::Named(m) if m == name));
            value.unwrap().expr.to_token_stream().to_string()
        };
        assert!(field("accept").starts_with("\"application/json\" . parse ()"));
        assert!(field("limit").starts_with("\"10\" . parse ()"));
        // An optional parameter is left out (the service applies its default);
        // a required one without a default must be set.
        assert_eq!(field("page"), "Ok (None)");
        assert!(field("since").starts_with("Err ("), "{}", field("since"));
    }

    fn scheme(name: &str, kind: Kind) -> Scheme {
        Scheme {
            name: name.into(),
            kind,
        }
    }

    /// The constructors' names and parameters (`with_basic_auth(baseurl, username, password)`).
    fn signatures(tokens: TokenStream) -> Vec<String> {
        if tokens.is_empty() {
            return Vec::new();
        }
        let imp: syn::ItemImpl = syn::parse2(tokens).unwrap();
        imp.items
            .iter()
            .filter_map(|item| match item {
                syn::ImplItem::Fn(f) => Some(f),
                _ => None,
            })
            .map(|f| {
                let params: Vec<String> = f
                    .sig
                    .inputs
                    .iter()
                    .map(|p| match p {
                        syn::FnArg::Typed(t) => t.pat.to_token_stream().to_string(),
                        syn::FnArg::Receiver(_) => "self".into(),
                    })
                    .collect();
                format!("{}({})", f.sig.ident, params.join(", "))
            })
            .collect()
    }

    #[test]
    fn each_supported_scheme_kind_gets_its_constructor() {
        let schemes = [
            scheme("oauth", Kind::Bearer { oauth: true }),
            scheme("cookie", Kind::Other),
            scheme(
                "key",
                Kind::ApiKeyHeader {
                    header: "X-Key".into(),
                },
            ),
            scheme("login", Kind::Basic),
        ];
        let (tokens, example) = auth_constructors(&schemes, false);
        let code = tokens.to_string();
        assert_eq!(
            signatures(tokens),
            [
                "with_bearer_token(baseurl, token)",
                "with_api_key(baseurl, token)",
                "with_basic_auth(baseurl, username, password)"
            ]
        );
        // The first scheme with an example is the README's.
        assert_eq!(
            example,
            Some(("with_bearer_token".into(), "\"TOKEN\"".into()))
        );
        assert!(code.contains("a token obtained through security scheme `oauth`"));
        assert!(code.contains("Auth :: ApiKeyHeader { header : \"X-Key\""));
        assert!(!code.contains("Signer"), "{code}");
        let (_, example) = auth_constructors(&schemes[3..], false);
        assert_eq!(
            example,
            Some((
                "with_basic_auth".into(),
                "\"USERNAME\", \"PASSWORD\"".into()
            ))
        );
    }

    #[test]
    fn several_api_keys_are_named_after_their_schemes_and_left_out_of_examples() {
        let key = |header: &str| Kind::ApiKeyHeader {
            header: header.into(),
        };
        let schemes = [
            scheme("primaryKey", key("X-Primary")),
            scheme("secondary_key", key("X-Secondary")),
        ];
        let (tokens, example) = auth_constructors(&schemes, false);
        assert_eq!(
            signatures(tokens),
            [
                "with_primary_key(baseurl, token)",
                "with_secondary_key(baseurl, token)"
            ]
        );
        assert_eq!(example, None);
    }

    #[test]
    fn beside_signed_requests_the_other_constructors_sign_nothing() {
        let bearer = Kind::Bearer { oauth: false };
        let schemes = [
            scheme("signed", Kind::Signed),
            scheme("jwt", bearer.clone()),
            scheme("jwt2", bearer),
        ];
        let (tokens, example) = auth_constructors(&schemes, true);
        let code = tokens.to_string();
        // Two bearer schemes give one constructor.
        assert_eq!(
            signatures(tokens),
            [
                "with_signed_requests(baseurl, token_id, token_key)",
                "with_bearer_token(baseurl, token)"
            ]
        );
        assert_eq!(
            example,
            Some(("with_bearer_token".into(), "\"TOKEN\"".into()))
        );
        assert!(code.contains("Signer :: BloodHound"), "{code}");
        assert!(
            code.contains(
                "auth . client (USER_AGENT) ? , :: api_support :: client :: Signer :: None"
            ),
            "{code}"
        );
    }

    #[test]
    fn without_a_supported_scheme_there_are_no_constructors() {
        let (tokens, example) = auth_constructors(&[scheme("query", Kind::Other)], false);
        assert!(tokens.is_empty());
        assert_eq!(example, None);
    }

    #[test]
    fn options_and_trace_calls_go_through_request() {
        let tokens = quote! {
            fn f(&self) { let a = self.client.options(url); let b = client.client.trace(u).send(); let c = self.other.options(x); }
        };
        let edited = methods_reqwest_lacks(tokens).to_string();
        assert!(
            edited.contains("self . client . request (:: reqwest :: Method :: OPTIONS , url)"),
            "{edited}"
        );
        assert!(
            edited.contains(
                "client . client . request (:: reqwest :: Method :: TRACE , u) . send ()"
            ),
            "{edited}"
        );
        assert!(edited.contains("self . other . options (x)"), "{edited}");
    }
}
