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

use crate::model::enums::OpenEnum;

pub(crate) fn variant_names(values: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for v in values {
        // The common sort convention: `-column` descending, `+column` explicitly
        // ascending (a column, not a number: `+1` is `Plus1`).
        let column = |rest: &str| rest.starts_with(|c: char| c.is_alphabetic() || c == '_');
        let named = match (
            v.strip_prefix('-').filter(|r| column(r)),
            v.strip_prefix('+').filter(|r| column(r)),
        ) {
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
            // Not `Self::Err`: a variant may be named `Err` (or `Error`), and the path would be ambiguous.
            fn from_str(value: &str) -> ::std::result::Result<Self, ::std::string::String> {
                match value {
                    #(#values => Ok(Self::#variants),)*
                    other => Err(format!("`{other}` is not one of {}", #expected)),
                }
            }
        }

        impl ::std::convert::TryFrom<&str> for #ident {
            type Error = ::std::string::String;
            fn try_from(value: &str) -> ::std::result::Result<Self, ::std::string::String> {
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
            fn from_str(value: &str) -> ::std::result::Result<Self, ::std::convert::Infallible> {
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
