//! String enums. A service adds enum values over time (a new error code, a
//! new status); typify's closed enums would then fail the whole response.
//! Every string enum among the component schemas is generated here instead,
//! and typify is told to use it:
//!
//! * reachable from a response body: *open*, one variant per documented value
//!   and `Other(String)` for the rest;
//! * used by requests only (e.g. a sort order): *closed*, so a caller cannot
//!   build a value the service would reject.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

/// A component schema that is a string enum.
pub struct OpenEnum {
    pub name: String,
    pub description: Option<String>,
    pub values: Vec<String>,
    /// Whether unknown values are kept (`Other`) rather than rejected.
    pub open: bool,
}

/// The component schemas a response body can contain, by schema key.
fn response_reachable(doc: &Value) -> std::collections::BTreeSet<String> {
    fn walk(doc: &Value, value: &Value, seen: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(name) = crate::model::schema_ref(value)
                    && seen.insert(name.to_owned())
                    && let Some(target) = doc.pointer(&format!(
                        "/components/schemas/{}",
                        crate::spec::escape_pointer(name)
                    ))
                {
                    walk(doc, target, seen);
                }
                for (k, v) in map {
                    if k != "example" && k != "examples" {
                        walk(doc, v, seen);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(doc, v, seen)),
            _ => {}
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, v)| v)
    {
        for op in crate::spec::METHODS.iter().filter_map(|m| item.get(*m)) {
            for response in op
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(_, r)| r)
            {
                walk(doc, crate::spec::resolve(doc, response), &mut seen);
            }
        }
    }
    seen
}

/// The string enums among the component schemas, in name order; `name` is the Rust type name.
pub fn find(doc: &Value) -> Vec<OpenEnum> {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let in_responses = response_reachable(doc);
    let mut out: Vec<OpenEnum> = schemas
        .iter()
        .filter(|(_, s)| s["type"] == "string" && s.get("nullable") != Some(&Value::Bool(true)))
        .filter_map(|(key, s)| {
            let values: Vec<String> = s
                .get("enum")?
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()?;
            Some(OpenEnum {
                name: crate::names::type_name(key),
                description: s
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                values,
                open: in_responses.contains(key),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

pub(crate) fn variant_names(values: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for v in values {
        // The common sort convention: `-column` descending, `+column` explicitly ascending.
        let named = match (v.strip_prefix('-'), v.strip_prefix('+')) {
            (Some(rest), _) => crate::names::variant(rest).map(|n| format!("{n}Desc")),
            (_, Some(rest)) => crate::names::variant(rest).map(|n| format!("{n}Asc")),
            _ => crate::names::variant(v),
        };
        let base = match named {
            Some(name) if name != "Other" => name,
            _ => format!("Value{}", names.len()),
        };
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// The code of one enum.
pub fn generate(e: &OpenEnum) -> TokenStream {
    if e.open {
        generate_open(e)
    } else {
        generate_closed(e)
    }
}

fn generate_closed(e: &OpenEnum) -> TokenStream {
    let ident = format_ident!("{}", e.name);
    let doc = e
        .description
        .clone()
        .unwrap_or_else(|| format!("`{}`", e.name));
    let variants: Vec<_> = variant_names(&e.values)
        .iter()
        .map(|v| format_ident!("{v}"))
        .collect();
    let values = &e.values;
    let variant_docs = values.iter().map(|v| format!("`{v}`"));
    let expected = values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    quote! {
        #[doc = #doc]
        ///
        /// Closed: only requests use it, and the service accepts exactly these values.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #ident {
            #( #[doc = #variant_docs] #variants, )*
        }

        impl #ident {
            /// Every value.
            pub const ALL: &'static [Self] = &[#(Self::#variants),*];

            /// The wire value.
            pub fn as_str(&self) -> &'static str {
                match self {
                    #(Self::#variants => #values,)*
                }
            }
        }

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #ident {
            type Err = ::std::string::String;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    #(#values => Ok(Self::#variants),)*
                    other => Err(format!("`{other}` is not one of {}", #expected)),
                }
            }
        }

        impl ::std::convert::TryFrom<&str> for #ident {
            type Error = ::std::string::String;
            fn try_from(value: &str) -> ::std::result::Result<Self, Self::Error> {
                value.parse()
            }
        }

        impl ::serde::Serialize for #ident {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ident {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                value.parse().map_err(::serde::de::Error::custom)
            }
        }
    }
}

fn generate_open(e: &OpenEnum) -> TokenStream {
    let ident = format_ident!("{}", e.name);
    let doc = e
        .description
        .clone()
        .unwrap_or_else(|| format!("`{}`", e.name));
    let variants: Vec<_> = variant_names(&e.values)
        .iter()
        .map(|v| format_ident!("{v}"))
        .collect();
    let values = &e.values;
    let variant_docs = values.iter().map(|v| format!("`{v}`"));
    quote! {
        #[doc = #doc]
        ///
        /// Open: a value the spec does not list is kept as `Other` instead of failing the response.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #ident {
            #( #[doc = #variant_docs] #variants, )*
            /// A value the spec does not list (the service may have added it since).
            Other(::std::string::String),
        }

        impl #ident {
            /// Every value the spec lists.
            pub const KNOWN: &'static [Self] = &[#(Self::#variants),*];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Other(other) => other.as_str(),
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for #ident {
            fn from(value: &str) -> Self {
                match value {
                    #(#values => Self::#variants,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::str::FromStr for #ident {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::serde::Serialize for #ident {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #ident {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_ref()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_are_unique_identifiers() {
        let values = [
            "created_at",
            "-created_at",
            "+created_at",
            "other",
            "",
            "~eq",
            "eq",
            "unknown",
        ]
        .map(String::from);
        assert_eq!(
            variant_names(&values),
            [
                "CreatedAt",
                "CreatedAtDesc",
                "CreatedAtAsc",
                "Value3",
                "Value4",
                "Eq",
                "Eq2",
                "Unknown"
            ]
        );
    }
}
