//! The public Rust API of a generated crate, and what a change to it breaks:
//! the check behind `cargo xtask spec-diff` that catches a spec change (or a
//! generator change) that breaks callers' Rust code even when the wire stays
//! compatible (a parameter type that becomes `NonZeroU64`, a new enum variant
//! an exhaustive `match` does not handle).
//!
//! Each public item becomes one entry, keyed by its path, with its signature
//! as tokens. Removed or changed entries break callers; added enum variants,
//! trait methods and public struct fields break them too (exhaustive matches,
//! trait implementations, struct literals); other additions do not.

// Each function, tests included, stays short enough to read at once:
// clippy counts its lines of code against its default limit of 100.
#![warn(clippy::too_many_lines)]

use std::collections::BTreeMap;

use quote::ToTokens;

/// What an entry is, which decides whether adding one breaks callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Item,
    /// An enum variant: exhaustive matches break when one is added.
    Variant,
    /// A public struct field: struct literals break when one is added.
    Field,
    /// A trait method or associated type: implementations break when one is added.
    TraitItem,
}

/// The public API: entry path → (kind, signature).
pub type Api = BTreeMap<String, (Kind, String)>;

/// The public API of a generated `src/generated.rs`.
pub fn public_api(code: &str) -> Result<Api, syn::Error> {
    let file: syn::File = syn::parse_str(code)?;
    let mut api = Api::new();
    items(&file.items, "", &mut api);
    Ok(api)
}

fn tokens(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string()
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

/// The entries of a module's items; `module` is its path prefix (`builder::`).
fn items(list: &[syn::Item], module: &str, api: &mut Api) {
    let path = |name: &dyn std::fmt::Display| format!("{module}{name}");
    for item in list {
        match item {
            syn::Item::Mod(m) if is_pub(&m.vis) => {
                if let Some((_, inner)) = &m.content {
                    items(inner, &format!("{module}{}::", m.ident), api);
                }
            }
            syn::Item::Fn(f) if is_pub(&f.vis) => {
                api.insert(
                    format!("fn {}", path(&f.sig.ident)),
                    (Kind::Item, tokens(&f.sig)),
                );
            }
            syn::Item::Const(c) if is_pub(&c.vis) => {
                api.insert(
                    format!("const {}", path(&c.ident)),
                    (Kind::Item, tokens(&c.ty)),
                );
            }
            syn::Item::Type(t) if is_pub(&t.vis) => {
                api.insert(
                    format!("type {}", path(&t.ident)),
                    (Kind::Item, tokens(&t.ty)),
                );
            }
            syn::Item::Use(u) if is_pub(&u.vis) => {
                api.insert(
                    format!("use {}", tokens(&u.tree)),
                    (Kind::Item, String::new()),
                );
            }
            syn::Item::Struct(s) if is_pub(&s.vis) => struct_entries(s, &path(&s.ident), api),
            syn::Item::Enum(e) if is_pub(&e.vis) => enum_entries(e, &path(&e.ident), api),
            syn::Item::Trait(t) if is_pub(&t.vis) => trait_entries(t, &path(&t.ident), api),
            syn::Item::Impl(imp) => impl_entries(imp, module, api),
            _ => {}
        }
    }
}

/// A public struct and its public fields (struct literals break when one is added).
fn struct_entries(s: &syn::ItemStruct, name: &str, api: &mut Api) {
    api.insert(format!("struct {name}"), (Kind::Item, tokens(&s.generics)));
    for (i, field) in s.fields.iter().enumerate() {
        if !is_pub(&field.vis) {
            continue;
        }
        let field_name = field
            .ident
            .as_ref()
            .map_or_else(|| i.to_string(), ToString::to_string);
        api.insert(
            format!("field {name}.{field_name}"),
            (Kind::Field, tokens(&field.ty)),
        );
    }
}

/// A public enum and its variants (exhaustive matches break when one is added).
fn enum_entries(e: &syn::ItemEnum, name: &str, api: &mut Api) {
    api.insert(format!("enum {name}"), (Kind::Item, tokens(&e.generics)));
    for v in &e.variants {
        api.insert(
            format!("variant {name}::{}", v.ident),
            (Kind::Variant, tokens(&v.fields)),
        );
    }
}

/// A public trait and its methods, types and constants (implementations
/// break when one is added).
fn trait_entries(t: &syn::ItemTrait, name: &str, api: &mut Api) {
    api.insert(format!("trait {name}"), (Kind::Item, tokens(&t.generics)));
    for item in &t.items {
        let (member, signature) = match item {
            syn::TraitItem::Fn(f) => (f.sig.ident.to_string(), tokens(&f.sig)),
            syn::TraitItem::Type(t) => (t.ident.to_string(), tokens(&t.bounds)),
            syn::TraitItem::Const(c) => (c.ident.to_string(), tokens(&c.ty)),
            _ => continue,
        };
        api.insert(
            format!("trait-item {name}::{member}"),
            (Kind::TraitItem, signature),
        );
    }
}

/// A trait implementation as one entry; an inherent `impl` as its public methods.
fn impl_entries(imp: &syn::ItemImpl, module: &str, api: &mut Api) {
    let self_ty = tokens(&imp.self_ty);
    match &imp.trait_ {
        Some((trait_path, _)) => {
            let trait_path: &syn::Path = trait_path;
            api.insert(
                format!("impl {module}{} for {self_ty}", tokens(trait_path)),
                (Kind::Item, tokens(&imp.generics)),
            );
        }
        None => {
            for member in &imp.items {
                if let syn::ImplItem::Fn(f) = member
                    && is_pub(&f.vis)
                {
                    api.insert(
                        format!("method {module}{self_ty}::{}", f.sig.ident),
                        (Kind::Item, tokens(&f.sig)),
                    );
                }
            }
        }
    }
}

/// One change to a public API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiChange {
    pub entry: String,
    pub what: &'static str,
    pub breaking: bool,
}

/// Every change from `old` to `new`.
pub fn diff(old: &Api, new: &Api) -> Vec<ApiChange> {
    let mut changes = Vec::new();
    for (entry, (_, signature)) in old {
        match new.get(entry) {
            None => changes.push(ApiChange {
                entry: entry.clone(),
                what: "removed",
                breaking: true,
            }),
            Some((_, s)) if s != signature => changes.push(ApiChange {
                entry: entry.clone(),
                what: "changed",
                breaking: true,
            }),
            Some(_) => {}
        }
    }
    for (entry, (kind, _)) in new {
        if !old.contains_key(entry) {
            changes.push(ApiChange {
                entry: entry.clone(),
                what: "added",
                breaking: *kind != Kind::Item,
            });
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str) -> Api {
        public_api(code).unwrap()
    }

    #[test]
    fn what_breaks_callers_is_told_apart_from_what_does_not() {
        let old = api(r#"
            pub mod builder {
                pub struct ListAudits<'a> { client: &'a str }
                impl<'a> ListAudits<'a> { pub fn limit(self, v: u64) -> Self { self } fn private(&self) {} }
            }
            pub enum Status { Ok, Failed }
            pub struct Audit { pub id: String }
            pub trait Api { fn list(&self) -> u8; }
            mod hidden { pub fn nothing() {} }
        "#);
        assert!(
            old.contains_key("method builder::ListAudits < 'a >::limit"),
            "{old:#?}"
        );
        assert!(
            !old.keys()
                .any(|k| k.contains("private") || k.contains("nothing"))
        );

        let new = api(r#"
            pub mod builder {
                pub struct ListAudits<'a> { client: &'a str }
                impl<'a> ListAudits<'a> {
                    pub fn limit(self, v: std::num::NonZeroU64) -> Self { self }
                    pub fn cursor(self, v: String) -> Self { self }
                }
            }
            pub enum Status { Ok, Failed, Pending }
            pub struct Audit { pub id: String, pub note: Option<String> }
            pub trait Api { fn list(&self) -> u8; fn get(&self) -> u8; }
            pub fn helper() {}
        "#);
        let changes: Vec<(String, &str, bool)> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.entry, c.what, c.breaking))
            .collect();
        assert_eq!(
            changes,
            [
                (
                    "method builder::ListAudits < 'a >::limit".to_owned(),
                    "changed",
                    true
                ),
                ("field Audit.note".to_owned(), "added", true),
                ("fn helper".to_owned(), "added", false),
                (
                    "method builder::ListAudits < 'a >::cursor".to_owned(),
                    "added",
                    false
                ),
                ("trait-item Api::get".to_owned(), "added", true),
                ("variant Status::Pending".to_owned(), "added", true),
            ]
        );
    }
}
