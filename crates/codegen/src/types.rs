//! The `<service>-types` crate: every component schema of the spec as a serde
//! model, with no HTTP dependency, shared by the client and the server stub.

use std::path::Path;

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use progenitor_impl::{CrateVers, GenerationSettings, InterfaceStyle, TypeImpl};
use quote::quote;
use schemars::schema::{InstanceType, SchemaObject};
use typify::TypeDetails;

use crate::enums;
use crate::error::SpecError;
use crate::model::enums::OpenEnum;
use crate::transform::SUPPORT_CRATE;

/// What the types crate holds, and what it needs to build.
pub struct Types {
    pub tokens: TokenStream,
    /// The Rust names of all generated types, to be reused (not regenerated) by the client and server.
    pub names: Vec<String>,
    pub uses_chrono: bool,
    pub uses_uuid: bool,
    pub uses_regress: bool,
    /// Its cargo features, one per tag of the operations ([`crate::features`]);
    /// empty where the operations have one tag or none.
    pub features: Vec<String>,
}

/// The settings shared by every progenitor run, so both runs name types alike.
pub fn base_settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    let date_time = SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        format: Some("date-time".into()),
        ..Default::default()
    };
    // A date-time the service takes to the second (see `model::date_time_type`).
    let whole_seconds = SchemaObject {
        string: Some(Box::new(schemars::schema::StringValidation {
            pattern: Some(crate::model::WHOLE_SECONDS.into()),
            ..Default::default()
        })),
        ..date_time.clone()
    };
    settings
        .with_derive("PartialEq")
        .with_crate(SUPPORT_CRATE, CrateVers::Any, None)
        .with_conversion(
            date_time,
            "::api_support::Timestamp",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        )
        .with_conversion(
            whole_seconds,
            "::api_support::TimestampSeconds",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    settings
}

pub fn generate(
    file: &Path,
    working: &OpenAPI,
    open_enums: &[OpenEnum],
) -> Result<Types, SpecError> {
    // Only the components: inline operation types belong to the client.
    let components_only = OpenAPI {
        openapi: working.openapi.clone(),
        info: working.info.clone(),
        servers: working.servers.clone(),
        paths: Default::default(),
        components: working.components.clone(),
        security: working.security.clone(),
        tags: working.tags.clone(),
        external_docs: working.external_docs.clone(),
        extensions: working.extensions.clone(),
    };
    let mut settings = base_settings();
    settings.with_interface(InterfaceStyle::Positional);
    for e in open_enums {
        settings.with_replacement(
            &e.name,
            format!("crate::{}", e.name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }
    let (generator, client) =
        crate::progenitor::run(file, &components_only, &settings, "model types")?;
    let space = generator.get_type_space();
    let mut names: Vec<String> = space
        .iter_types()
        .filter(|t| {
            matches!(
                t.details(),
                TypeDetails::Struct(_) | TypeDetails::Enum(_) | TypeDetails::Newtype(_)
            )
        })
        .map(|t| t.name())
        .chain(open_enums.iter().map(|e| e.name.clone()))
        .collect();
    names.sort();
    // typify never checks that a name is free; the working copy keeps names
    // apart (`transform::distinct_type_names`), and a case it misses is an
    // error here rather than a types crate that does not compile.
    if let Some(twice) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(SpecError::at(
            file,
            "/components/schemas",
            format!(
                "two schemas would both become the Rust type `{}`; give one of them a `title` of its own",
                twice[0]
            ),
        ));
    }
    // progenitor's client already holds the type space's code; printing it
    // again would double typify's output work.
    let typify_code = types_module(client).unwrap_or_else(|| space.to_stream());
    let enum_code = open_enums.iter().map(enums::generate);
    Ok(Types {
        tokens: quote! { #(#enum_code)* #typify_code },
        names,
        uses_chrono: space.uses_chrono(),
        uses_uuid: space.uses_uuid(),
        uses_regress: space.uses_regress(),
        features: Vec::new(),
    })
}

/// The body of progenitor's `pub mod types { .. }`: the type space's code.
fn types_module(client: TokenStream) -> Option<TokenStream> {
    let trees: Vec<proc_macro2::TokenTree> = client.into_iter().collect();
    trees.windows(3).find_map(|w| {
        crate::tokens::module_body(w)
            .filter(|_| crate::tokens::is_ident(&w[1], "types"))
            .map(|body| body.stream())
    })
}

/// Generated code with every string literal of a renamed property's given
/// name (`"_id~2"`, serde's rename of the field `id_2`) saying its wire name
/// again (`"_id"`).
pub fn restore_wire_names(tokens: TokenStream, renames: &[(String, String)]) -> TokenStream {
    use crate::tokens::string_literal_text;
    use proc_macro2::{Literal, TokenTree};
    if renames.is_empty() {
        return tokens;
    }
    let wire_of: std::collections::HashMap<String, &str> = renames
        .iter()
        .map(|(given, wire)| (string_literal_text(given), wire.as_str()))
        .collect();
    crate::tokens::edit_streams(tokens, &mut |trees| {
        trees
            .into_iter()
            .map(|tree| match &tree {
                TokenTree::Literal(literal) => match wire_of.get(&literal.to_string()) {
                    Some(wire) => TokenTree::Literal(Literal::string(wire)),
                    None => tree,
                },
                _ => tree,
            })
            .collect()
    })
}

/// Fields typify reads with `#[serde(default)]` (an optional list or map)
/// read `null` as that default too ([`api_support::null_as_default`]): a
/// service that sends `null` for "none" is common, and absent and `null`
/// mean the same for an optional field. The attribute's `(default,
/// skip_serializing_if ..)` gains a `deserialize_with` between the two.
pub fn null_as_default(tokens: TokenStream) -> TokenStream {
    use crate::tokens::{is_ident, is_punct, parenthesised_starting};
    use proc_macro2::TokenTree;
    let default = |t: &TokenTree| is_ident(t, "default");
    let comma = |t: &TokenTree| is_punct(t, ',');
    let skip = |t: &TokenTree| is_ident(t, "skip_serializing_if");
    crate::tokens::edit_streams(tokens, &mut |trees| {
        trees
            .into_iter()
            .map(|tree| match &tree {
                TokenTree::Group(group) if parenthesised_starting(&tree, &[&default, &comma, &skip]) => {
                    let rest: TokenStream = group.stream().into_iter().skip(2).collect();
                    let edited = proc_macro2::Group::new(
                        group.delimiter(),
                        quote! { default, deserialize_with = "::api_support::null_as_default", #rest },
                    );
                    TokenTree::Group(edited)
                }
                _ => tree,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use serde_json::Value;
    use serde_json::json;

    /// `GET /things?order=..&direction=..` answers a `Thing`; `GET /count` an inline object.
    fn spec() -> Value {
        let date_time = json!({"type": "string", "format": "date-time"});
        let seconds = json!({"type": "string", "format": "date-time", "pattern": crate::model::WHOLE_SECONDS});
        json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/things": {"get": {
                    "operationId": "listThings",
                    "parameters": [
                        {"name": "order", "in": "query", "schema": {"$ref": "#/components/schemas/SortOrder"}},
                        {"name": "direction", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}}
                    ],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
                }},
                "/count": {"get": {
                    "operationId": "countThings",
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"count": {"type": "integer"}}
                    }}}}}
                }}
            },
            "components": {"schemas": {
                "Thing": {"type": "object", "required": ["status", "created_at", "seen_at"], "properties": {
                    "status": {"$ref": "#/components/schemas/Status"},
                    "created_at": date_time,
                    "seen_at": seconds,
                    "deleted_at": date_time
                }},
                "Status": {"type": "string", "enum": ["active", "retired"]},
                "SortOrder": {"type": "string", "enum": ["name", "-name"]}
            }}
        })
    }

    fn types_of(spec: &Value) -> (Types, syn::File) {
        let file = Path::new("t.yaml");
        let working_value = crate::transform::working_copy(file, spec).unwrap();
        let working = crate::load::to_openapi(file, &working_value).unwrap();
        let types = generate(file, &working, &crate::model::enums::find(&working_value)).unwrap();
        let tree = syn::parse2(types.tokens.clone()).unwrap();
        (types, tree)
    }

    /// The variants of every enum named `name` (one list per definition).
    fn enum_variants(tree: &syn::File, name: &str) -> Vec<Vec<String>> {
        tree.items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Enum(e) if e.ident == name => Some(e),
                _ => None,
            })
            .map(|e| e.variants.iter().map(|v| v.ident.to_string()).collect())
            .collect()
    }

    #[test]
    fn response_enums_are_open_and_request_enums_closed() {
        let (_, tree) = types_of(&spec());
        // Reachable from a response body: the documented values and `Other`.
        assert_eq!(
            enum_variants(&tree, "Status"),
            [["Active", "Retired", "Other"]]
        );
        // Only in requests: exactly the documented values, also for an inline parameter enum.
        assert_eq!(enum_variants(&tree, "SortOrder"), [["Name", "NameDesc"]]);
        assert_eq!(
            enum_variants(&tree, "ListThingsDirection"),
            [["Asc", "Desc"]]
        );
    }

    #[test]
    fn date_times_are_lenient_timestamps() {
        let (types, tree) = types_of(&spec());
        let thing = tree
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == "Thing" => Some(s),
                _ => None,
            })
            .expect("struct Thing");
        let field = |name: &str| {
            let field = thing
                .fields
                .iter()
                .find(|f| f.ident.as_ref().unwrap() == name);
            field
                .unwrap()
                .ty
                .to_token_stream()
                .to_string()
                .replace(' ', "")
        };
        assert_eq!(field("created_at"), "::api_support::Timestamp");
        assert_eq!(field("seen_at"), "::api_support::TimestampSeconds");
        assert_eq!(
            field("deleted_at"),
            "::std::option::Option<::api_support::Timestamp>"
        );
        // No chrono: a timestamp is the support crate's.
        assert!(!types.uses_chrono);
    }

    #[test]
    fn names_are_the_component_types_sorted() {
        let (types, _) = types_of(&spec());
        // The inline body of `countThings` belongs to the client (`CountThingsResponse`).
        assert_eq!(
            types.names,
            ["ListThingsDirection", "SortOrder", "Status", "Thing"]
        );
    }

    #[test]
    fn wire_names_and_null_defaults_are_edited_in_the_tokens() {
        let tokens = quote! {
            pub struct A {
                #[serde(rename = "_id~2")]
                #[serde(default, skip_serializing_if = "Vec::is_empty")]
                pub id_2: Vec<u8>,
                #[doc = "says \"_id~2\" in prose"]
                #[serde(default)]
                pub other: Option<u8>,
            }
        };
        let renamed = restore_wire_names(tokens, &[("_id~2".into(), "_id".into())]);
        let edited = null_as_default(renamed).to_string();
        assert!(edited.contains(
            "rename = \"_id\")] # [serde (default , deserialize_with = \"::api_support::null_as_default\" , skip_serializing_if = \"Vec::is_empty\""
        ), "{edited}");
        // Only whole literals are renamed, and a lone `default` stays as it was.
        assert!(edited.contains(r#"says \"_id~2\" in prose"#), "{edited}");
        assert!(edited.contains("# [serde (default)]"), "{edited}");
    }
}
