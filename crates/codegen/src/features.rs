//! Per-tag cargo features: the operations of a spec grouped by their first
//! tag, and which generated items each group reaches.
//!
//! A user who turns on one tag's feature compiles that tag's operations and
//! the types they reach, nothing more. Reachability is read off the
//! generated code itself (an item needs every generated type its tokens
//! name), so it holds for whatever typify and progenitor emit: a type is
//! compiled when a feature that reaches it is on.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToKebabCase;
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// The feature of operations that have no tag.
pub const UNTAGGED: &str = "untagged";

/// The feature of component schemas no operation reaches (GitHub's webhook
/// payloads): on by default, off for a user who picks tags.
pub const UNREACHED: &str = "unreached-schemas";

/// The cargo feature (and module) of an operation's first tag: kebab-case,
/// `untagged` for none; never `default`, which cargo reserves.
pub fn feature(tag: Option<&str>) -> String {
    let name = tag.map(str::to_kebab_case).unwrap_or_default();
    match name.as_str() {
        "" => UNTAGGED.to_owned(),
        "default" => "default-tag".to_owned(),
        _ => name,
    }
}

/// The generated type an item defines or implements (`struct X`, `impl T for X`).
pub fn owner(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        syn::Item::Union(u) => Some(u.ident.to_string()),
        syn::Item::Impl(i) => match &*i.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The names of `names` that a token stream mentions.
pub fn mentions(tokens: TokenStream, names: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                let ident = ident.to_string();
                if names.contains(&ident) {
                    out.insert(ident);
                }
            }
            TokenTree::Group(group) => mentions(group.stream(), names, out),
            _ => {}
        }
    }
}

/// For each type of `names` defined in `items` (and in their inline
/// modules), the features that reach it: `roots` maps each feature to the
/// types its operations name. A type reaches every type its items
/// (definition and impls) name.
pub fn reach(
    items: &[&[syn::Item]],
    names: &BTreeSet<String>,
    roots: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for items in items {
        graph(items, names, &mut edges);
    }
    let mut reached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (feature, start) in roots {
        let mut stack: Vec<&String> = start.iter().collect();
        while let Some(name) = stack.pop() {
            let features = reached.entry(name.clone()).or_default();
            if !features.insert(feature.clone()) {
                continue;
            }
            stack.extend(edges.get(name).into_iter().flatten());
        }
    }
    reached
}

fn graph(
    items: &[syn::Item],
    names: &BTreeSet<String>,
    edges: &mut BTreeMap<String, BTreeSet<String>>,
) {
    for item in items {
        if let syn::Item::Mod(m) = item {
            if let Some((_, inner)) = &m.content {
                graph(inner, names, edges);
            }
            continue;
        }
        let Some(owner) = owner(item).filter(|o| names.contains(o)) else {
            continue;
        };
        let out = edges.entry(owner.clone()).or_default();
        mentions(item.to_token_stream(), names, out);
        out.remove(&owner);
    }
}

/// The `#[cfg(...)]` of an item that needs `needed` types: on when, for each
/// of them, a feature that reaches it is on. `None`: always on (each is
/// reached by every feature, or the item needs none).
pub fn cfg(
    needed: &BTreeSet<String>,
    reached: &BTreeMap<String, BTreeSet<String>>,
    all: &BTreeSet<String>,
) -> Option<TokenStream> {
    let mut terms: BTreeSet<Vec<String>> = BTreeSet::new();
    for name in needed {
        let features = reached_by(reached, name);
        if features.is_superset(all) {
            continue;
        }
        terms.insert(features.iter().cloned().collect());
    }
    match terms.len() {
        0 => None,
        1 => terms.iter().next().map(|t| any(t)),
        _ => {
            let terms = terms.iter().map(|t| any(t));
            Some(quote::quote! { all(#(#terms),*) })
        }
    }
}

/// The functions of typify's `defaults` module each type names in its serde
/// attributes (`#[serde(default = "defaults::repo_visibility")]`, a string
/// the token walk does not read): function name to the types that use it.
fn default_users(
    items: &[syn::Item],
    names: &BTreeSet<String>,
) -> BTreeMap<String, BTreeSet<String>> {
    fn literals(tokens: TokenStream, out: &mut Vec<String>) {
        for tree in tokens {
            match tree {
                TokenTree::Literal(lit) => out.push(lit.to_string()),
                TokenTree::Group(group) => literals(group.stream(), out),
                _ => {}
            }
        }
    }
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let Some(owner) = owner(item).filter(|o| names.contains(o)) else {
            continue;
        };
        let mut found = Vec::new();
        literals(item.to_token_stream(), &mut found);
        for lit in found {
            for (at, _) in lit.match_indices("defaults::") {
                let name: String = lit[at + "defaults::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                users.entry(name).or_default().insert(owner.clone());
            }
        }
    }
    users
}

/// Puts a `#[cfg]` on every item of `items` (and of their inline modules)
/// that needs a type not every feature reaches: a type's own items need the
/// type, a function of typify's `defaults` one of the types that use it, any
/// other item the types it names.
pub fn gate(
    items: &mut [syn::Item],
    names: &BTreeSet<String>,
    reached: &BTreeMap<String, BTreeSet<String>>,
    all: &BTreeSet<String>,
) {
    let users = default_users(items, names);
    gate_with(items, names, reached, all, &users);
}

fn gate_with(
    items: &mut [syn::Item],
    names: &BTreeSet<String>,
    reached: &BTreeMap<String, BTreeSet<String>>,
    all: &BTreeSet<String>,
    users: &BTreeMap<String, BTreeSet<String>>,
) {
    for item in items.iter_mut() {
        if let syn::Item::Mod(m) = item {
            if let Some((_, inner)) = &mut m.content {
                gate_with(inner, names, reached, all, users);
            }
            continue;
        }
        if let syn::Item::Fn(f) = item
            && let Some(types) = users.get(&f.sig.ident.to_string())
        {
            // On where any type that uses it is.
            let features: BTreeSet<String> = types
                .iter()
                .flat_map(|ty| reached_by(reached, ty))
                .collect();
            if !features.is_superset(all) {
                let features: Vec<String> = features.into_iter().collect();
                put_cfg(&mut f.attrs, &any(&features));
            }
            continue;
        }
        let needed = match owner(item).filter(|o| names.contains(o)) {
            Some(owner) => BTreeSet::from([owner]),
            None => {
                let mut needed = BTreeSet::new();
                mentions(item.to_token_stream(), names, &mut needed);
                needed
            }
        };
        if let Some(cfg) = cfg(&needed, reached, all)
            && let Some(attrs) = attrs_mut(item)
        {
            put_cfg(attrs, &cfg);
        }
    }
}

/// The features that reach a type; none reaches it: [`UNREACHED`].
fn reached_by(reached: &BTreeMap<String, BTreeSet<String>>, name: &str) -> BTreeSet<String> {
    reached
        .get(name)
        .cloned()
        .unwrap_or_else(|| BTreeSet::from([UNREACHED.to_owned()]))
}

/// `feature = "x"`, or `any(feature = "x", ...)` of several.
fn any(features: &[String]) -> TokenStream {
    match features {
        [one] => quote::quote! { feature = #one },
        many => quote::quote! { any(#(feature = #many),*) },
    }
}

/// Adds `#[cfg(cfg)]` after an item's documentation, before its other attributes.
fn put_cfg(attrs: &mut Vec<syn::Attribute>, cfg: &TokenStream) {
    let at = attrs
        .iter()
        .position(|a| !a.path().is_ident("doc"))
        .unwrap_or(attrs.len());
    attrs.insert(at, syn::parse_quote! { #[cfg(#cfg)] });
}

fn attrs_mut(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        syn::Item::Struct(i) => &mut i.attrs,
        syn::Item::Enum(i) => &mut i.attrs,
        syn::Item::Type(i) => &mut i.attrs,
        syn::Item::Union(i) => &mut i.attrs,
        syn::Item::Impl(i) => &mut i.attrs,
        syn::Item::Fn(i) => &mut i.attrs,
        syn::Item::Const(i) => &mut i.attrs,
        syn::Item::Static(i) => &mut i.attrs,
        syn::Item::Use(i) => &mut i.attrs,
        syn::Item::Trait(i) => &mut i.attrs,
        _ => return None,
    })
}

/// The types each feature's operations name: read off the client's
/// builder items (`builder::<Operation>`, a struct and its impls per
/// operation) and the server stub's module of each operation.
pub fn roots(
    api: &crate::model::Api,
    client: &syn::File,
    server: &syn::File,
    names: &BTreeSet<String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_item: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in &client.items {
        if let syn::Item::Mod(m) = item
            && m.ident == "builder"
            && let Some((_, inner)) = &m.content
        {
            for item in inner {
                if let Some(owner) = owner(item) {
                    mentions(
                        item.to_token_stream(),
                        names,
                        by_item.entry(owner).or_default(),
                    );
                }
            }
        }
    }
    for item in &server.items {
        if let syn::Item::Mod(m) = item {
            mentions(
                m.to_token_stream(),
                names,
                by_item.entry(m.ident.to_string()).or_default(),
            );
        }
    }
    let mut roots: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in &api.operations {
        let root = roots.entry(op.feature.clone()).or_default();
        for key in [op.builder(), op.name.clone()] {
            root.extend(by_item.get(&key).into_iter().flatten().cloned());
        }
    }
    roots
}

/// Splits the types and client crates by tag where a spec's operations have
/// more than one ([`crate::model::Api::features`]); one or none: nothing
/// changes. Each item of the types crate gets its `#[cfg]`, the crate its
/// features (each tag's, then [`UNREACHED`]), and the client one module per
/// feature ([`split_client`]). The server stub's emitter splits itself.
pub fn split_by_tag(
    api: &crate::model::Api,
    types: &mut crate::types::Types,
    client: &mut crate::client::ClientCode,
    server: &TokenStream,
) -> syn::Result<()> {
    let features = api.features();
    if features.len() < 2 {
        return Ok(());
    }
    let client_file: syn::File = syn::parse2(std::mem::take(&mut client.tokens))?;
    let server: syn::File = syn::parse2(server.clone())?;
    // The client's own inline types (its `types` module) are in the graph
    // too: an operation may reach a model only through one of them.
    let inline: &[syn::Item] = client_file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => {
                m.content.as_ref().map(|(_, c)| c.as_slice())
            }
            _ => None,
        })
        .unwrap_or_default();
    let mut names: BTreeSet<String> = types.names.iter().cloned().collect();
    names.extend(inline.iter().filter_map(owner));
    let roots = roots(api, &client_file, &server, &names);
    let mut file: syn::File = syn::parse2(std::mem::take(&mut types.tokens))?;
    let reached = reach(&[&file.items, inline], &names, &roots);
    let all: BTreeSet<String> = features.iter().map(|f| f.to_string()).collect();
    gate(&mut file.items, &names, &reached, &all);
    types.tokens = file.into_token_stream();
    types.features = all.iter().cloned().chain([UNREACHED.to_owned()]).collect();
    let (root, modules) = split_client(api, client_file, &names, &reached);
    client.tokens = root.into_token_stream();
    client.modules = modules
        .into_iter()
        .map(|(feature, file)| (feature, file.into_token_stream()))
        .collect();
    Ok(())
}

/// The module name of a feature (`code-scanning` → `tag_code_scanning`):
/// prefixed, so that it never meets an operation's module (webscraping.ai's
/// tag `account` and operation `account`) or `types`, `builder`, `prelude`.
pub fn module(feature: &str) -> syn::Ident {
    quote::format_ident!("tag_{}", crate::names::field(feature))
}

/// The client's code split by feature: each operation's method on
/// `Client`, its builder (`builder::<Operation>`) and the impls on it go to
/// its feature's module, whose `builder` the root's re-exports, so every
/// path stays as it was. The inline types of the client's `types` module
/// compile with the types they name. The root module, and each feature's
/// (`mod tag_<feature>;` in the root, behind its feature).
fn split_client(
    api: &crate::model::Api,
    file: syn::File,
    names: &BTreeSet<String>,
    reached: &BTreeMap<String, BTreeSet<String>>,
) -> (syn::File, Vec<(String, syn::File)>) {
    let all: BTreeSet<String> = api.features().iter().map(|f| f.to_string()).collect();
    let mut parts = Parts {
        of_method: api
            .operations
            .iter()
            .map(|op| (op.name.clone(), op.feature.clone()))
            .collect(),
        of_builder: api
            .operations
            .iter()
            .map(|op| (op.builder(), op.feature.clone()))
            .collect(),
        by_feature: all
            .iter()
            .map(|f| (f.clone(), Default::default()))
            .collect(),
        builder_uses: Vec::new(),
    };
    let mut root = Vec::new();
    let mut file = file;
    for mut item in std::mem::take(&mut file.items) {
        match &mut item {
            syn::Item::Impl(block)
                if block.trait_.is_none() && owner_is(&block.self_ty, "Client") =>
            {
                parts.take_methods(block);
                if block.items.is_empty() {
                    continue;
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                if let Some((_, inner)) = &mut m.content {
                    parts.take_builders(inner);
                }
            }
            syn::Item::Mod(m) if m.ident == "types" => {
                if let Some((_, inner)) = &mut m.content {
                    gate(inner, names, reached, &all);
                }
            }
            _ => {
                if let Some(part) =
                    parts.of(owner(&item).and_then(|o| parts.of_builder.get(&o).cloned()))
                {
                    part.rest.push(item);
                    continue;
                }
            }
        }
        root.push(item);
    }
    let mut modules = Vec::new();
    for (feature, part) in parts.by_feature {
        let module = module(&feature);
        root.push(syn::parse_quote! {
            #[cfg(feature = #feature)]
            mod #module;
        });
        let (methods, builders, rest, uses) =
            (part.methods, part.builders, part.rest, &parts.builder_uses);
        let code: syn::File = syn::parse_quote! {
            use super::*;
            impl Client {
                #(#methods)*
            }
            #[allow(clippy::all)]
            pub mod builder {
                #(#uses)*
                #(#builders)*
            }
            #(#rest)*
        };
        modules.push((feature, code));
    }
    file.items = root;
    (file, modules)
}

/// The client's items of one feature.
#[derive(Default)]
struct Part {
    /// Methods of `Client`.
    methods: Vec<syn::ImplItem>,
    /// Items of `builder`.
    builders: Vec<syn::Item>,
    /// Other items (impls on a builder).
    rest: Vec<syn::Item>,
}

struct Parts {
    of_method: BTreeMap<String, String>,
    of_builder: BTreeMap<String, String>,
    by_feature: BTreeMap<String, Part>,
    /// The `use` items of `builder`, which each feature's `builder` repeats.
    builder_uses: Vec<syn::Item>,
}

impl Parts {
    fn of(&mut self, feature: Option<String>) -> Option<&mut Part> {
        self.by_feature.get_mut(&feature?)
    }

    /// Moves the operations' methods out of an `impl Client`.
    fn take_methods(&mut self, block: &mut syn::ItemImpl) {
        for member in std::mem::take(&mut block.items) {
            let feature = match &member {
                syn::ImplItem::Fn(f) => self.of_method.get(&f.sig.ident.to_string()).cloned(),
                _ => None,
            };
            match self.of(feature) {
                Some(part) => part.methods.push(member),
                None => block.items.push(member),
            }
        }
    }

    /// Moves the operations' builders out of `builder`, which re-exports
    /// each feature's instead.
    fn take_builders(&mut self, inner: &mut Vec<syn::Item>) {
        for item in std::mem::take(inner) {
            let feature = owner(&item).and_then(|o| self.of_builder.get(&o).cloned());
            match self.of(feature) {
                Some(part) => part.builders.push(item),
                None => {
                    if matches!(item, syn::Item::Use(_)) {
                        self.builder_uses.push(item.clone());
                    }
                    inner.push(item);
                }
            }
        }
        for feature in self.by_feature.keys() {
            let module = module(feature);
            inner.push(syn::parse_quote! {
                #[cfg(feature = #feature)]
                pub use super::#module::builder::*;
            });
        }
    }
}

/// Whether a type is the path `name` (as `Client` in `impl Client`).
fn owner_is(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn features_are_kebab_case_and_never_default() {
        assert_eq!(feature(Some("code-scanning")), "code-scanning");
        assert_eq!(feature(Some("Code Scanning")), "code-scanning");
        assert_eq!(feature(None), "untagged");
        assert_eq!(feature(Some("default")), "default-tag");
    }

    #[test]
    fn each_feature_reaches_what_its_types_name_and_nothing_more() {
        let file: syn::File = syn::parse_quote! {
            pub struct Repo {
                owner: User,
                license: Option<License>,
                #[serde(default = "defaults::repo_visibility")]
                visibility: String,
            }
            pub struct User { login: String }
            pub struct License { key: String }
            pub struct Gist {
                owner: User,
                #[serde(default = "defaults::default_bool::<true>")]
                public: bool,
            }
            pub mod defaults {
                pub(super) fn repo_visibility() -> String { "public".into() }
                pub(super) fn default_bool<const V: bool>() -> bool { V }
            }
            pub struct Hook { payload: String }
            impl From<&Gist> for Gist { fn from(g: &Gist) -> Self { g.clone() } }
            pub mod builder {
                pub struct Repo { owner: Result<super::User, String> }
            }
        };
        let names = set(&["Repo", "User", "License", "Gist", "Hook"]);
        let roots = BTreeMap::from([
            ("repos".to_owned(), set(&["Repo"])),
            ("gists".to_owned(), set(&["Gist"])),
        ]);
        let reached = reach(&[&file.items], &names, &roots);
        assert_eq!(reached["Repo"], set(&["repos"]));
        assert_eq!(reached["License"], set(&["repos"]));
        assert_eq!(reached["User"], set(&["repos", "gists"]));
        assert_eq!(reached["Gist"], set(&["gists"]));
        assert!(!reached.contains_key("Hook"));

        let all = set(&["repos", "gists"]);
        let mut items = file.items.clone();
        gate(&mut items, &names, &reached, &all);
        let code = quote::quote! { #(#items)* }.to_string();
        let gated = |what: &str| code.contains(what);
        assert!(gated("# [cfg (feature = \"repos\")] pub struct Repo"));
        assert!(gated("# [cfg (feature = \"gists\")] impl From"));
        assert!(gated(
            "# [cfg (feature = \"unreached-schemas\")] pub struct Hook"
        ));
        assert!(gated(
            "pub mod builder { # [cfg (feature = \"repos\")] pub struct Repo"
        ));
        assert!(
            !code.contains("] pub struct User"),
            "every feature reaches User: {code}"
        );
        assert!(gated(
            "# [cfg (feature = \"repos\")] pub (super) fn repo_visibility"
        ));
        assert!(gated(
            "# [cfg (feature = \"gists\")] pub (super) fn default_bool"
        ));
    }

    #[test]
    fn an_item_that_names_types_of_different_features_needs_each() {
        let reached = BTreeMap::from([
            ("A".to_owned(), set(&["x"])),
            ("B".to_owned(), set(&["y", "z"])),
        ]);
        let cfg = cfg(&set(&["A", "B"]), &reached, &set(&["x", "y", "z"])).unwrap();
        assert_eq!(
            cfg.to_string(),
            "all (feature = \"x\" , any (feature = \"y\" , feature = \"z\"))"
        );
    }
}
