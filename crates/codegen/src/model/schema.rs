//! The Rust type of a schema: the one place that decides it for everything
//! the types crate does not generate itself (parameters, request and
//! response bodies, response headers), always agreeing with typify, which
//! decides the types crate:
//!
//! * a `$ref` to a component is the types crate's type of that name;
//! * a `date-time` is `api_support::Timestamp` (`TimestampSeconds` where the
//!   whole-second pattern says the service takes nothing finer), as typify is
//!   told in `types::base_settings`;
//! * an integer is the type typify gives it (`NonZeroU64` for `minimum: 1`,
//!   `u64` for `minimum: 0`, `i32` for `format: int32`), asked of typify;
//! * `x-rust-type` (a support type of the working copy) is that type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use super::{Rules, Scalar, ValueKind};
use crate::spec::resolve;

/// The pattern that says a `date-time` is taken to the second only, in UTC
/// (`YYYY-MM-DDThh:mm:ssZ`): such a value is an `api_support::TimestampSeconds`.
pub const WHOLE_SECONDS: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$";

/// The Rust type of a `type: string, format: date-time` schema (typify is
/// told the same in `types::base_settings`), or `None` for any other schema.
pub fn date_time_type(schema: &Value) -> Option<TokenStream> {
    if schema["type"] != "string" || schema["format"] != "date-time" {
        return None;
    }
    Some(match schema.get("pattern").and_then(Value::as_str) {
        Some(WHOLE_SECONDS) => quote! { ::api_support::TimestampSeconds },
        _ => quote! { ::api_support::Timestamp },
    })
}

/// What deciding a type needs: the document (to follow `$ref`s) and the types crate.
#[derive(Clone)]
pub(super) struct Types<'a> {
    pub doc: &'a Value,
    /// `::<service>_types`.
    pub lib: TokenStream,
    /// The Rust names of the types crate's types.
    pub names: &'a [String],
}

impl Types<'_> {
    /// The types crate's type a schema refers to, when it has one.
    fn component(&self, schema: &Value) -> Option<TokenStream> {
        let name = super::ref_type(schema).filter(|name| self.names.contains(name))?;
        let (lib, ident) = (&self.lib, format_ident!("{name}"));
        Some(quote! { #lib::#ident })
    }

    /// The Rust type of a JSON body schema: a component of the types crate,
    /// else a plain type, else `serde_json::Value` (a freeform or inline schema).
    pub fn body(&self, schema: &Value) -> TokenStream {
        if let Some(ty) = self.component(schema) {
            return ty;
        }
        if schema["type"] == "array"
            && let Some(items) = schema.get("items")
        {
            let item = self.body(items);
            return quote! { ::std::vec::Vec<#item> };
        }
        let plain = schema.get("$ref").is_none()
            && [
                "enum",
                "properties",
                "allOf",
                "oneOf",
                "anyOf",
                "additionalProperties",
            ]
            .iter()
            .all(|k| schema.get(*k).is_none());
        if let (true, Some(ty)) = (plain, date_time_type(schema)) {
            return ty;
        }
        match (plain, schema["type"].as_str(), schema["format"].as_str()) {
            (true, Some("string"), None) => quote! { ::std::string::String },
            (true, Some("integer"), _) => quote! { i64 },
            (true, Some("number"), _) => quote! { f64 },
            (true, Some("boolean"), _) => quote! { bool },
            _ => quote! { ::serde_json::Value },
        }
    }

    /// The Rust type of a response header's schema: text for anything structured.
    pub fn header(&self, schema: &Value) -> Option<TokenStream> {
        let schema = resolve(self.doc, schema);
        match schema["type"].as_str() {
            Some("array" | "object") | None => Some(quote! { ::std::string::String }),
            Some(_) => self.plain(schema),
        }
    }

    /// A support type, a component or a primitive.
    fn plain(&self, schema: &Value) -> Option<TokenStream> {
        if let Some(ext) = schema.get("x-rust-type") {
            return self.support(ext);
        }
        if let Some(name) = super::ref_type(schema) {
            let (lib, ident) = (&self.lib, format_ident!("{name}"));
            return Some(quote! { #lib::#ident });
        }
        if let Some(ty) = date_time_type(schema) {
            return Some(ty);
        }
        Some(match schema["type"].as_str() {
            Some("string") => quote! { ::std::string::String },
            Some("integer") => quote! { i64 },
            Some("number") => quote! { f64 },
            Some("boolean") => quote! { bool },
            _ => return None,
        })
    }

    /// The type an `x-rust-type` extension names (`{path, parameters}`).
    fn support(&self, ext: &Value) -> Option<TokenStream> {
        let path: syn::Path = syn::parse_str(ext.get("path")?.as_str()?).ok()?;
        let params: Vec<TokenStream> = ext
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| self.plain(p))
            .collect::<Option<_>>()?;
        Some(if params.is_empty() {
            quote! { ::#path }
        } else {
            quote! { ::#path<#(#params),*> }
        })
    }

    /// A parameter value (or an array parameter's item): its type, kind,
    /// rules and default; `None` when it is not a single value.
    pub fn scalar(&self, schema: &Value) -> Option<Scalar> {
        if schema.get("x-rust-type").is_some() {
            // A support type (typed filter, sort key): parsed with `FromStr` after the string checks.
            return Some(Scalar::new(
                self.plain(schema)?,
                ValueKind::String,
                rules(schema, ValueKind::String),
            ));
        }
        let resolved = resolve(self.doc, schema);
        let default = resolved.get("default");
        let kind = match (resolved["type"].as_str(), resolved["format"].as_str()) {
            (Some("string"), _) if resolved.get("enum").is_some() => {
                if let Some(scalar) = self.enum_scalar(schema, resolved) {
                    return Some(scalar);
                }
                ValueKind::String
            }
            (Some("string"), Some("date-time")) => ValueKind::DateTime,
            (Some("string"), Some("uuid")) => ValueKind::Uuid,
            (Some("string"), _) => ValueKind::String,
            (Some("integer"), _) => ValueKind::Integer,
            (Some("number"), _) => ValueKind::Number,
            (Some("boolean"), _) => ValueKind::Boolean,
            _ => return self.string_component(schema),
        };
        let ty = match kind {
            ValueKind::DateTime => date_time_type(resolved)?,
            ValueKind::Uuid => quote! { ::uuid::Uuid },
            ValueKind::String => quote! { ::std::string::String },
            ValueKind::Integer => integer_type(resolved),
            ValueKind::Number => quote! { f64 },
            ValueKind::Boolean => quote! { bool },
        };
        let mut scalar = Scalar::new(ty, kind, rules(resolved, kind));
        scalar.uuid = kind == ValueKind::Uuid;
        scalar.format = resolved["format"].as_str().map(str::to_owned);
        scalar.default = default.and_then(|d| default_expr(kind, &scalar.ty, d));
        Some(scalar)
    }

    /// A string enum component: the types crate's enum, its default a variant.
    fn enum_scalar(&self, schema: &Value, resolved: &Value) -> Option<Scalar> {
        let name = super::ref_type(schema)?;
        let (lib, ty) = (&self.lib, format_ident!("{name}"));
        let values: Vec<String> = resolved["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let variants = crate::enums::variant_names(&values);
        let default = resolved
            .get("default")
            .and_then(Value::as_str)
            .and_then(|d| values.iter().position(|v| v == d))
            .map(|i| {
                let variant = format_ident!("{}", variants[i]);
                quote! { #lib::#ty::#variant }
            });
        let mut scalar = Scalar::new(
            quote! { #lib::#ty },
            ValueKind::String,
            rules(resolved, ValueKind::String),
        );
        scalar.default = default;
        Some(scalar)
    }

    /// A composite component made of strings (e.g. `NameOrId: oneOf [uuid,
    /// Name]`, dropshot's `oneOf` sort modes): the types crate's own type,
    /// parsed with the `FromStr` typify gives such types.
    fn string_component(&self, schema: &Value) -> Option<Scalar> {
        let ty = self.component(schema)?;
        string_like(self.doc, schema, 0)
            .then(|| Scalar::new(ty, ValueKind::String, Rules::default()))
    }
}

impl Scalar {
    fn new(ty: TokenStream, kind: ValueKind, rules: Rules) -> Scalar {
        Scalar {
            ty,
            kind,
            rules,
            default: None,
            uuid: false,
            format: None,
        }
    }
}

/// The default of a primitive as a Rust expression of type `ty`.
fn default_expr(kind: ValueKind, ty: &TokenStream, default: &Value) -> Option<TokenStream> {
    match kind {
        ValueKind::String => default.as_str().map(|d| quote! { #d.to_owned() }),
        ValueKind::Integer => default.as_i64().map(|d| {
            let text = ty.to_string().replace(' ', "");
            if text == "i64" {
                quote! { #d }
            } else if text.contains("NonZero") {
                // Checked when the crate compiles, never at run time.
                let d = proc_macro2::Literal::i64_unsuffixed(d);
                quote! { const { #ty::new(#d).unwrap() } }
            } else {
                let d = proc_macro2::Literal::i64_unsuffixed(d);
                quote! { #d }
            }
        }),
        ValueKind::Number => default.as_f64().map(|d| quote! { #d }),
        ValueKind::Boolean => default.as_bool().map(|d| quote! { #d }),
        ValueKind::DateTime | ValueKind::Uuid => None,
    }
}

/// Whether every value a schema allows is a string (through `$ref`s and compositions).
fn string_like(doc: &Value, schema: &Value, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let schema = resolve(doc, schema);
    if let Some(kind) = schema.get("type") {
        return kind == "string";
    }
    let branches: Vec<&Value> = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    !branches.is_empty() && branches.iter().all(|b| string_like(doc, b, depth + 1))
}

/// The validation rules a schema states for a value of `kind`.
pub(super) fn rules(schema: &Value, kind: ValueKind) -> Rules {
    let text = |k: &str| schema.get(k).and_then(Value::as_str).map(str::to_owned);
    let size = |k: &str| {
        schema
            .get(k)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    let number = |k: &str| schema.get(k).and_then(Value::as_f64);
    let flag = |k: &str| schema.get(k).and_then(Value::as_bool).unwrap_or(false);
    Rules {
        enum_values: schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        pattern: text("pattern"),
        min_length: size("minLength"),
        max_length: size("maxLength"),
        minimum: number("minimum"),
        maximum: number("maximum"),
        exclusive_minimum: flag("exclusiveMinimum"),
        exclusive_maximum: flag("exclusiveMaximum"),
        format_range: match (kind, schema.get("format").and_then(Value::as_str)) {
            // An integer `format` bounds the value exactly (f64 bounds cannot tell 2^63 - 1 from 2^63).
            (ValueKind::Integer, Some("int32")) => Some((i32::MIN.into(), i32::MAX.into())),
            (ValueKind::Integer, Some("int64")) => Some((i64::MIN.into(), i64::MAX.into())),
            (ValueKind::Integer, Some("uint32")) => Some((0, u32::MAX.into())),
            (ValueKind::Integer, Some("uint64")) => Some((0, u64::MAX.into())),
            _ => None,
        },
    }
}

/// The Rust type typify gives an integer schema, asked of typify itself.
fn integer_type(schema: &Value) -> TokenStream {
    use schemars::schema::{InstanceType, NumberValidation, SchemaObject};
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    // OpenAPI 3.0 marks an exclusive bound with a boolean beside it.
    let exclusive = |key: &str| schema.get(key) == Some(&Value::Bool(true));
    let (minimum, maximum) = (number("minimum"), number("maximum"));
    let validation = NumberValidation {
        minimum: minimum.filter(|_| !exclusive("exclusiveMinimum")),
        exclusive_minimum: minimum.filter(|_| exclusive("exclusiveMinimum")),
        maximum: maximum.filter(|_| !exclusive("exclusiveMaximum")),
        exclusive_maximum: maximum.filter(|_| exclusive("exclusiveMaximum")),
        multiple_of: number("multipleOf"),
    };
    let object = SchemaObject {
        instance_type: Some(InstanceType::Integer.into()),
        format: schema["format"].as_str().map(str::to_owned),
        number: Some(Box::new(validation)),
        ..Default::default()
    };
    let mut space = typify::TypeSpace::default();
    space
        .add_type(&object.into())
        .ok()
        .and_then(|id| space.get_type(&id).ok().map(|t| t.ident()))
        .unwrap_or_else(|| quote! { i64 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn types(doc: &Value) -> Types<'_> {
        Types {
            doc,
            lib: quote! { ::t_types },
            names: &[],
        }
    }

    fn ty(scalar: Option<Scalar>) -> String {
        scalar.expect("a scalar").ty.to_string().replace(' ', "")
    }

    #[test]
    fn integers_are_typed_as_typify_types_them() {
        let doc = json!({});
        let t = types(&doc);
        for (schema, expected) in [
            (json!({"type": "integer"}), "i64"),
            (json!({"type": "integer", "format": "int32"}), "i32"),
            (json!({"type": "integer", "minimum": 0}), "u64"),
            (
                json!({"type": "integer", "minimum": 1}),
                "::std::num::NonZeroU64",
            ),
        ] {
            assert_eq!(ty(t.scalar(&schema)), expected, "{schema}");
        }
        let limit = t
            .scalar(&json!({"type": "integer", "minimum": 1, "default": 50}))
            .unwrap();
        assert!(
            limit.default.unwrap().to_string().contains("const"),
            "a NonZero default is checked at compile time"
        );
    }

    #[test]
    fn dates_references_and_bodies() {
        let doc = json!({"components": {"schemas": {"Kind": {"type": "string", "enum": ["a", "b-c"], "default": "b-c"}}}});
        let t = types(&doc);
        let seconds = json!({"type": "string", "format": "date-time", "pattern": WHOLE_SECONDS});
        assert_eq!(ty(t.scalar(&seconds)), "::api_support::TimestampSeconds");
        let kind = t
            .scalar(&json!({"$ref": "#/components/schemas/Kind"}))
            .unwrap();
        assert_eq!(kind.ty.to_string().replace(' ', ""), "::t_types::Kind");
        assert_eq!(
            kind.default.unwrap().to_string().replace(' ', ""),
            "::t_types::Kind::BC"
        );
        assert_eq!(kind.rules.enum_values, ["a", "b-c"]);
        // A body that is no component of the types crate is JSON.
        assert_eq!(
            t.body(&json!({"type": "object", "properties": {}}))
                .to_string(),
            ":: serde_json :: Value"
        );
        assert!(t.scalar(&json!({"type": "object"})).is_none());
    }

    #[test]
    fn rules_are_read_as_written() {
        let r = rules(
            &json!({"type": "integer", "format": "int32", "minimum": 1, "exclusiveMaximum": true, "maximum": 10}),
            ValueKind::Integer,
        );
        assert_eq!(r.minimum, Some(1.0));
        assert_eq!(r.maximum, Some(10.0));
        assert!(r.exclusive_maximum && !r.exclusive_minimum);
        assert_eq!(
            r.format_range,
            Some((i128::from(i32::MIN), i128::from(i32::MAX)))
        );
        assert_eq!(rules(&json!({}), ValueKind::String), Rules::default());
    }
}
