//! Runtime support shared by the generated `*-types`, `*-client` and
//! `*-server` crates: the pieces of the OpenAPI wire formats that the
//! generators cannot express with plain Rust types.
//!
//! * [`CommaList`]: an array query parameter sent as one comma-separated
//!   value (`style: form, explode: false`), e.g. `types=a,b`; [`PipeList`]
//!   and [`SpaceList`] for `pipeDelimited` (`a|b`) and `spaceDelimited` (`a b`).
//! * [`DeepObject`]: an object query parameter sent as one pair per
//!   property (`style: deepObject`), e.g. `filter[status]=active`.
//! * [`Timestamp`]: a `format: date-time` value, read leniently (naive
//!   timestamps are taken as UTC) and written as RFC 3339 with `Z`;
//!   [`TimestampSeconds`] for services that take whole seconds only.
//! * [`Predicate`] and [`Sort`]: typed filter and sort parameters
//!   (`gte:2026-11-01T00:00:00Z`, `-created_at`) whose operator set is part of
//!   the type.
//! * [`multipart`]: `multipart/form-data` bodies, [`multipart::File`] for a
//!   binary part (sent with feature `client-multipart`, read with
//!   `server-multipart`).
//! * [`Secret`]: a credential whose `Debug` output is redacted.
//! * `client` (feature `client`): [`client::Auth`], which turns a
//!   credential into default headers of a `reqwest` client.
//! * `paging` (feature `client`): lazy streams over every page of a list
//!   operation, with retries of 429/503 pages.
//! * `server` (feature `server`): parameter validation, credential extraction
//!   and error-body templates for the generated axum server stubs.

#[cfg(feature = "client")]
pub mod client;
mod comma_list;
mod deep_object;
mod filter;
pub mod multipart;
#[cfg(feature = "client")]
pub mod paging;
mod secret;
#[cfg(feature = "server")]
pub mod server;
#[cfg(any(feature = "client", feature = "server"))]
pub mod signing;
mod timestamp;

pub use comma_list::{
    Comma, CommaList, CommaListError, DelimitedList, Delimiter, Pipe, PipeList, Space, SpaceList,
};
pub use deep_object::DeepObject;
pub use filter::{Equality, FilterError, Operator, Operators, Ordered, Predicate, Sort};
pub use secret::Secret;
pub use timestamp::{Timestamp, TimestampError, TimestampSeconds};

/// Reads `null` as the field's default: an optional list or map the service
/// sends as `null` (many do, where they mean "none") is empty, as when the
/// field is absent. The generated types name it on such fields.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Page {
///     #[serde(default, deserialize_with = "api_support::null_as_default")]
///     items: Vec<u32>,
/// }
/// let page: Page = serde_json::from_str(r#"{"items": null}"#).unwrap();
/// assert!(page.items.is_empty());
/// let page: Page = serde_json::from_str(r#"{"items": [1]}"#).unwrap();
/// assert_eq!(page.items, [1]);
/// ```
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de> + Default,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Option::unwrap_or_default)
}
