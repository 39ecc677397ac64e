//! An operation's paging: how its pages chain, read from the vendor
//! extension `x-pagination` and checked against the operation's parameters
//! and its 2xx body. `pagination.rs` gives the builder of such an operation
//! `pages`, `stream`, `stream_with_retry` and `collect_up_to` (and, where the
//! service reports its totals, `concurrency(k)`).
//!
//! ```yaml
//! x-pagination:
//!   style: cursor | page | link | offset | after-last | none
//!   items: items                # the array of items in the 2xx body (dotted path, through
//!                               # `allOf` members); absent: the body itself is the array
//!   cursor-param: cursor        # cursor: the request parameter taking the cursor
//!   next-cursor: next_cursor    # cursor: the body field holding the next one (null/missing/"" at the end,
//!                               # or handed back unchanged with no items: caught up); a string, or
//!                               # a string-or-number whose text is sent
//!   page-param: page            # page: the request parameter taking the page number (from 1)
//!   next-link: pagination.next  # page: the body field with the next page's link ({href}, null at the end);
//!                               # absent: the walk counts pages up to `total-pages`
//!   total-pages: pagination.total_pages  # page (optional, with `total`): the number of pages
//!   link-param: after           # link: the parameter(s) the next page's URL carries (a page
//!                               # number or a cursor; one name or a list), read from the
//!                               # `Link: <...>; rel="next"` header (RFC 8288), no such link at the end
//!   next-url: meta.next_page_url  # link (optional): the body field holding that URL instead
//!                               # of the header (null or absent at the end)
//!   offset-param: skip          # offset: the request parameter taking the offset
//!   offset-field: skip          # offset (optional): the body field echoing the offset sent
//!   total: count                # offset (or `has-more`), and page with `total-pages`: the
//!                               # body field counting every matching item
//!   has-more: has_more          # offset, after-last: the boolean body field saying more follow
//!                               # (after-last without it: until an empty page)
//!   after-param: starting_after # after-last: the parameter taking the last item's id
//!   id: id                      # after-last (optional, `id` by default): the items' id field
//!   limit-param: limit          # the page size parameter (documentation; optional)
//! ```
//!
//! `x-pagination: false` says the operation does not page: nothing is
//! inferred for it.
//!
//! Without any description, the common conventions are recognised
//! (`paging_infer.rs`): a paging style that is the only one to fit the
//! operation is walked, and `cargo xtask lint` notes it with the
//! `x-pagination` that pins it.
//!
//! Other tools' paging descriptions are read too, when they fit the operation:
//! dropshot's `x-dropshot-pagination` (progenitor's own `stream()`: a cursor
//! over `page_token`/`next_page`/`items`) and Datadog's own `x-pagination`
//! (`cursorParam`, `cursorPath`, `resultsPath`). One that does not fit is not
//! walked; it is never an error.

use std::path::Path;

use serde_json::Value;

use crate::error::SpecError;
use crate::extensions::XPagination;
use crate::spec::resolve;

/// How an operation's pages chain, checked against the operation.
pub struct Paging {
    pub style: Style,
    /// Rust field path of the items array in the 2xx body (empty: the body is the array).
    pub items: Vec<String>,
    /// Whether that field is an `Option` in Rust: nullable, or an optional
    /// named array type (typify gives an optional inline array a `Vec` that
    /// defaults to empty).
    pub items_optional: bool,
    /// The Rust name of the items' type in the types crate.
    pub item_type: String,
    pub limit_param: Option<String>,
}

/// One paging style, with what it needs (Rust field paths into the 2xx body).
pub enum Style {
    Cursor {
        param: String,
        next: Vec<String>,
        /// Per segment of `next`: whether that field is optional (an `Option` in Rust).
        optional_parents: Vec<bool>,
        /// The next cursor is a string or a number (Box's stream position): its text is sent.
        text: bool,
    },
    Page {
        param: String,
        /// The `{href}` link to the next page; `None`: pages are counted up to the total.
        next_link: Option<Vec<String>>,
        /// The fields counting the pages and the items, when the service reports them.
        totals: Option<(Vec<String>, Vec<String>)>,
    },
    /// The next page's URL carries the next values of `params` (a page number
    /// or a cursor): RFC 8288's `Link` response header (`rel="next"`), or a
    /// body field; no such URL on the last page.
    Link {
        /// Each parameter, and whether it is a number (else a string).
        params: Vec<(String, bool)>,
        /// The body field with the URL (a path, and per segment whether it is
        /// optional); `None`: the `Link` header.
        field: Option<(Vec<String>, Vec<bool>)>,
        /// A page number parameter counted on (by one, until an empty page)
        /// when a response has no `Link` header at all.
        count: Option<String>,
    },
    Offset {
        param: String,
        end: OffsetEnd,
        offset_field: Option<Vec<String>>,
    },
    /// Stripe's convention: while `more` is true (without it: until an empty
    /// page), the next page starts after the last item's `id`.
    AfterLast {
        param: String,
        /// The boolean body field saying more follow, and whether it is optional.
        more: Option<(Vec<String>, bool)>,
        /// The Rust field of the items' id, and whether it is optional.
        id: (String, bool),
    },
    None,
}

/// How an offset walk knows the end.
pub enum OffsetEnd {
    /// The body field counting every matching item.
    Total(Vec<String>),
    /// The boolean body field saying more follow (and whether it is optional:
    /// absent reads as false).
    More(Vec<String>, bool),
}

impl Paging {
    /// Whether the service reports the totals that place every page, so
    /// that the builder can fetch several at once (`concurrency(k)`).
    pub fn concurrent(&self) -> bool {
        matches!(
            self.style,
            Style::Offset {
                end: OffsetEnd::Total(_),
                ..
            } | Style::Page {
                totals: Some(_),
                ..
            }
        )
    }
}

/// The paging of one operation, and what lint notes about it.
pub(super) type Read = (Option<Paging>, Option<String>);

/// Reads and checks the paging of one operation (in the working copy); without
/// a description, infers it from the operation's shape (`paging_infer.rs`).
pub(super) fn read(
    file: &Path,
    doc: &Value,
    op_pointer: &str,
    op: &Value,
) -> Result<Read, SpecError> {
    let at = format!("{op_pointer}/x-pagination");
    match (op.get("x-pagination"), op.get("x-dropshot-pagination")) {
        (Some(Value::Bool(false)), _) => Ok((None, None)),
        (Some(ext), _) if ext.get("style").is_some() || ext.get("cursorParam").is_none() => {
            let ext: XPagination = crate::extensions::decode(file, &at, ext)?;
            let paging = Reader::new(file, doc, op_pointer, op)?.read(&ext)?;
            Ok((Some(paging), None))
        }
        // Another tool's paging description, in this workspace's terms; one that
        // does not fit the operation is not walked (its client is generated all the same).
        (Some(ext), _) => Ok((
            foreign_cursor(ext).and_then(|ours| fitting(file, doc, op_pointer, op, &ours)),
            None,
        )),
        (None, Some(_)) => Ok((fitting(file, doc, op_pointer, op, &dropshot_cursor()), None)),
        (None, None) => Ok(super::paging_infer::infer(file, doc, op_pointer, op)),
    }
}

/// Another tool's description, when it fits the operation.
pub(super) fn fitting(
    file: &Path,
    doc: &Value,
    op_pointer: &str,
    op: &Value,
    ext: &XPagination,
) -> Option<Paging> {
    Reader::new(file, doc, op_pointer, op)
        .and_then(|reader| reader.read(ext))
        .ok()
}

/// dropshot's `x-dropshot-pagination` (progenitor's own `stream()`): a cursor
/// walk over `page_token`, with `next_page` and `items` in the body.
fn dropshot_cursor() -> XPagination {
    XPagination::Cursor {
        items: Some("items".into()),
        cursor_param: "page_token".into(),
        next_cursor: "next_page".into(),
        limit_param: Some("limit".into()),
    }
}

/// Datadog's own `x-pagination` (`cursorParam`, `cursorPath`, `resultsPath`,
/// `limitParam`) in this workspace's terms, when its cursor is a query
/// parameter; a cursor inside a request body (`body.page.cursor`) is not walked.
fn foreign_cursor(ext: &Value) -> Option<XPagination> {
    let text = |key: &str| ext.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(XPagination::Cursor {
        cursor_param: text("cursorParam").filter(|p| !p.starts_with("body."))?,
        next_cursor: text("cursorPath")?,
        items: Some(text("resultsPath")?),
        limit_param: text("limitParam").filter(|p| !p.starts_with("body.")),
    })
}

/// What checking a paging description against its operation needs.
pub(super) struct Reader<'a> {
    file: &'a Path,
    pub(super) doc: &'a Value,
    /// The pointer of the extension.
    at: String,
    /// The operation's query parameters: name and schema (resolved).
    pub(super) params: Vec<(String, &'a Value)>,
    /// The schema of the 2xx JSON body.
    pub(super) body: &'a Value,
}

impl<'a> Reader<'a> {
    pub(super) fn new(
        file: &'a Path,
        doc: &'a Value,
        op_pointer: &str,
        op: &'a Value,
    ) -> Result<Self, SpecError> {
        let params = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| resolve(doc, p))
            .filter(|p| p["in"] == "query")
            .map(|p| {
                let name = p["name"].as_str().unwrap_or_default().to_owned();
                (name, resolve(doc, &p["schema"]))
            })
            .collect();
        let body = op
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .find(|(k, _)| super::StatusKey::parse(k).is_some_and(super::StatusKey::is_success))
            .and_then(|(_, r)| super::json_body_schema(doc, r))
            .ok_or_else(|| {
                SpecError::at(
                    file,
                    format!("{op_pointer}/responses"),
                    "a paginated operation needs a 2xx JSON body",
                )
            })?;
        Ok(Reader {
            file,
            doc,
            at: format!("{op_pointer}/x-pagination"),
            params,
            body,
        })
    }

    fn err(&self, key: &str, message: impl Into<String>) -> SpecError {
        let at = match key {
            "" => self.at.clone(),
            key => format!("{}/{key}", self.at),
        };
        SpecError::at(self.file, at, message)
    }

    pub(super) fn read(&self, ext: &XPagination) -> Result<Paging, SpecError> {
        let (items, item_type, item, items_optional) = self.items(ext.items())?;
        let style = match ext {
            XPagination::Cursor {
                cursor_param,
                next_cursor,
                ..
            } => self.cursor(cursor_param, next_cursor)?,
            XPagination::Page {
                page_param,
                next_link,
                total_pages,
                total,
                ..
            } => self.page(
                page_param,
                next_link.as_deref(),
                total_pages.as_deref(),
                total.as_deref(),
            )?,
            XPagination::Link {
                link_param,
                next_url,
                ..
            } => self.link(&link_param.names(), next_url.as_deref())?,
            XPagination::Offset {
                offset_param,
                offset_field,
                total,
                has_more,
                ..
            } => self.offset(
                offset_param,
                offset_field.as_deref(),
                total.as_deref(),
                has_more.as_deref(),
            )?,
            XPagination::AfterLast {
                after_param,
                has_more,
                id,
                ..
            } => self.after_last(
                after_param,
                has_more.as_deref(),
                id.as_deref().unwrap_or("id"),
                item,
            )?,
            XPagination::None { .. } => Style::None,
        };
        let limit_param = match ext.limit_param() {
            Some(limit) => Some(self.param("limit-param", limit, true)?),
            None => None,
        };
        Ok(Paging {
            style,
            items,
            items_optional,
            item_type,
            limit_param,
        })
    }

    /// The items array (without a path: the body itself), its items' type,
    /// their schema, and whether the array can be absent or null.
    fn items(
        &self,
        path: Option<&str>,
    ) -> Result<(Vec<String>, String, &'a Value, bool), SpecError> {
        let (items, schema, optional) = match path {
            Some(path) => {
                if parents_optional(self.doc, self.body, path)
                    .iter()
                    .any(|o| *o)
                {
                    return Err(
                        self.err("items", "the items should not be inside an optional object")
                    );
                }
                let (items, schema, _) = self.body_field("items", path, "the array of items")?;
                (items, schema, rust_option(self.doc, self.body, path))
            }
            None => (Vec::new(), resolve(self.doc, self.body), false),
        };
        if schema["type"] != "array" {
            return Err(self.err("items", "expected the path of an array"));
        }
        let item_type = schema
            .get("items")
            .and_then(super::ref_type)
            .ok_or_else(|| {
                self.err(
                    "items",
                    "the items should be a named component schema (`$ref`)",
                )
            })?;
        Ok((
            items,
            item_type,
            resolve(self.doc, &schema["items"]),
            optional,
        ))
    }

    /// A query parameter of the operation named at `key` (an integer one if `integer`).
    fn param(&self, key: &str, name: &str, integer: bool) -> Result<String, SpecError> {
        match self.params.iter().find(|(n, _)| n == name) {
            None => Err(self.err(
                key,
                format!("`{name}` is not a query parameter of this operation"),
            )),
            Some((_, schema)) if integer && schema["type"] != "integer" => {
                Err(self.err(key, format!("`{name}` should be an integer parameter")))
            }
            Some(_) => Ok(name.to_owned()),
        }
    }

    /// A field of the 2xx body named at `key`: its Rust path, schema and whether it is optional.
    fn body_field(
        &self,
        key: &str,
        path: &str,
        expect: &str,
    ) -> Result<(Vec<String>, &'a Value, bool), SpecError> {
        let (schema, optional) = field(self.doc, self.body, path).ok_or_else(|| {
            self.err(
                key,
                format!("`{path}` is not a field of the 2xx body (expected {expect})"),
            )
        })?;
        Ok((rust_path(path), schema, optional))
    }

    /// A body field that must be a required integer (a count).
    fn count(&self, key: &str, path: &str, expect: &str) -> Result<Vec<String>, SpecError> {
        let (rust, schema, optional) = self.body_field(key, path, expect)?;
        if schema["type"] != "integer" || optional {
            return Err(self.err(key, format!("`{key}` should name a required integer field")));
        }
        Ok(rust)
    }

    fn cursor(&self, param: &str, next_cursor: &str) -> Result<Style, SpecError> {
        let param = self.param("cursor-param", param, false)?;
        let (next, schema, optional) =
            self.body_field("next-cursor", next_cursor, "a nullable string")?;
        // A string, or a union of strings and numbers whose text is the cursor.
        let members: Vec<&Value> = ["anyOf", "oneOf"]
            .iter()
            .filter_map(|k| schema.get(*k)?.as_array())
            .flatten()
            .map(|m| resolve(self.doc, m))
            .collect();
        let text = !members.is_empty()
            && members
                .iter()
                .all(|m| matches!(m["type"].as_str(), Some("string" | "integer" | "number")));
        if (schema["type"] != "string" && !text) || !optional {
            return Err(self.err(
                "next-cursor",
                "the next cursor should be a string that is null or absent on the last page",
            ));
        }
        Ok(Style::Cursor {
            param,
            next,
            optional_parents: segments_optional(self.doc, self.body, next_cursor),
            text,
        })
    }

    fn page(
        &self,
        param: &str,
        next_link: Option<&str>,
        total_pages: Option<&str>,
        total: Option<&str>,
    ) -> Result<Style, SpecError> {
        let param = self.param("page-param", param, true)?;
        let next_link = match next_link {
            Some(path) => {
                let (next_link, schema, optional) =
                    self.body_field("next-link", path, "a nullable link object")?;
                if field(self.doc, schema, "href").is_none() || !optional {
                    return Err(self.err(
                        "next-link",
                        "the next link should be an object with `href` that is null on the last page",
                    ));
                }
                Some(next_link)
            }
            None => None,
        };
        let totals = match (total_pages, total) {
            (None, None) => None,
            (Some(pages), Some(total)) => Some((
                self.count("total-pages", pages, "the number of pages")?,
                self.count("total", total, "the number of matching items")?,
            )),
            (Some(_), None) => {
                return Err(self.err(
                    "total-pages",
                    "`total-pages` needs `total` (the number of matching items) beside it",
                ));
            }
            (None, Some(_)) => {
                return Err(self.err(
                    "total",
                    "`total` needs `total-pages` beside it for page numbers",
                ));
            }
        };
        if next_link.is_none() && totals.is_none() {
            return Err(self.err(
                "",
                "a page walk needs `next-link`, or `total-pages` and `total` to count pages to",
            ));
        }
        Ok(Style::Page {
            param,
            next_link,
            totals,
        })
    }

    /// The next page's URL, from the `Link` header or a body field.
    fn link(&self, names: &[&str], next_url: Option<&str>) -> Result<Style, SpecError> {
        let mut params = Vec::new();
        for name in names {
            let param = self.param("link-param", name, false)?;
            let integer = self
                .params
                .iter()
                .any(|(n, schema)| *n == param && schema["type"] == "integer");
            params.push((param, integer));
        }
        if params.is_empty() {
            return Err(self.err("link-param", "name at least one parameter"));
        }
        let field = match next_url {
            Some(path) => {
                let (rust, schema, optional) =
                    self.body_field("next-url", path, "a nullable URL string")?;
                if schema["type"] != "string" || !optional {
                    return Err(self.err(
                        "next-url",
                        "the next URL should be a string that is null or absent on the last page",
                    ));
                }
                Some((rust, segments_optional(self.doc, self.body, path)))
            }
            None => None,
        };
        // Without a `Link` header at all, a page number counts on.
        let count = match field {
            None => params
                .iter()
                .find(|(name, integer)| *integer && super::paging_infer::is_page_number(name))
                .map(|(name, _)| name.clone()),
            Some(_) => None,
        };
        Ok(Style::Link {
            params,
            field,
            count,
        })
    }

    fn after_last(
        &self,
        param: &str,
        has_more: Option<&str>,
        id: &str,
        item: &Value,
    ) -> Result<Style, SpecError> {
        let param = self.param("after-param", param, false)?;
        let more = match has_more {
            Some(path) => Some(self.flag("has-more", path)?),
            None => None,
        };
        let optional = match field(self.doc, item, id) {
            Some((schema, optional)) if schema["type"] == "string" => optional,
            _ => {
                return Err(self.err("id", format!("the items should have a string `{id}`")));
            }
        };
        Ok(Style::AfterLast {
            param,
            more,
            id: (crate::names::field(id), optional),
        })
    }

    /// A body field that must be a boolean (absent or null reads as false),
    /// not below an optional object.
    fn flag(&self, key: &str, path: &str) -> Result<(Vec<String>, bool), SpecError> {
        let (rust, schema, optional) = self.body_field(key, path, "a boolean")?;
        let parents = parents_optional(self.doc, self.body, path);
        if schema["type"] != "boolean" || parents.iter().any(|o| *o) {
            return Err(self.err(
                key,
                format!("`{key}` should name a boolean field (not inside an optional object)"),
            ));
        }
        Ok((rust, optional))
    }

    fn offset(
        &self,
        param: &str,
        offset_field: Option<&str>,
        total: Option<&str>,
        has_more: Option<&str>,
    ) -> Result<Style, SpecError> {
        let param = self.param("offset-param", param, true)?;
        let end = match (total, has_more) {
            (Some(total), _) => OffsetEnd::Total(self.count(
                "total",
                total,
                "the integer count of all matching items",
            )?),
            (None, Some(more)) => {
                let (more, optional) = self.flag("has-more", more)?;
                OffsetEnd::More(more, optional)
            }
            (None, None) => {
                return Err(self.err(
                    "",
                    "an offset walk needs `total` (the count of all matching items) or `has-more`",
                ));
            }
        };
        let offset_field = match offset_field {
            Some(path) => Some(
                self.body_field("offset-field", path, "the integer offset echoed back")?
                    .0,
            ),
            None => None,
        };
        Ok(Style::Offset {
            param,
            end,
            offset_field,
        })
    }
}

/// The property `name` of an object schema, declared by it or one of its
/// `allOf` members: its schema as written (unresolved), and whether it is required.
fn property<'a>(doc: &'a Value, schema: &'a Value, name: &str) -> Option<(&'a Value, bool)> {
    let members = super::all_of_members(doc, schema);
    let required = members.iter().any(|m| {
        m.get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|v| v == name))
    });
    let property = members
        .iter()
        .find_map(|m| m.get("properties")?.get(name))?;
    Some((property, required))
}

/// Whether a property's schema (or the one its `$ref` names) is nullable.
fn nullable(doc: &Value, property: &Value) -> bool {
    property.get("nullable") == Some(&Value::Bool(true))
        || resolve(doc, property).get("nullable") == Some(&Value::Bool(true))
}

/// Resolves a dotted field path in a schema; returns the field's schema and whether it can be absent or null.
fn field<'a>(doc: &'a Value, schema: &'a Value, path: &str) -> Option<(&'a Value, bool)> {
    let mut current = resolve(doc, schema);
    let mut optional = false;
    for part in path.split('.') {
        let (property, required) = property(doc, current, part)?;
        optional |= !required || nullable(doc, property);
        current = resolve(doc, property);
    }
    Some((current, optional))
}

/// The last segment of a dotted path, its property schema (as written) and
/// whether it is required, in the object its parents lead to.
fn last_property<'a>(
    doc: &'a Value,
    schema: &'a Value,
    segments: &[&str],
) -> Option<(&'a Value, bool)> {
    let (last, parents) = segments.split_last()?;
    let parent = if parents.is_empty() {
        resolve(doc, schema)
    } else {
        field(doc, schema, &parents.join("."))?.0
    };
    property(doc, parent, last)
}

/// Whether the field at a dotted path is an `Option` in the Rust typify
/// gives it: nullable, or optional and named (a `$ref`); an optional inline
/// array is a `Vec` that defaults to empty.
fn rust_option(doc: &Value, schema: &Value, path: &str) -> bool {
    let segments: Vec<&str> = path.split('.').collect();
    last_property(doc, schema, &segments).is_some_and(|(property, required)| {
        nullable(doc, property) || (!required && property.get("$ref").is_some())
    })
}

/// For each segment of a dotted path: whether it can be absent or null on its own.
fn segments_optional(doc: &Value, schema: &Value, path: &str) -> Vec<bool> {
    let segments: Vec<&str> = path.split('.').collect();
    (1..=segments.len())
        .map(|n| segment_optional(doc, schema, &segments[..n]))
        .collect()
}

/// For each segment of a dotted path but the last: whether it can be absent or null.
fn parents_optional(doc: &Value, schema: &Value, path: &str) -> Vec<bool> {
    let mut optional = segments_optional(doc, schema, path);
    optional.pop();
    optional
}

/// Whether the last of `segments` is optional on its own (not through its parents).
fn segment_optional(doc: &Value, schema: &Value, segments: &[&str]) -> bool {
    last_property(doc, schema, segments)
        .is_some_and(|(property, required)| !required || nullable(doc, property))
}

/// A dotted body path as the Rust fields typify gives it.
fn rust_path(path: &str) -> Vec<String> {
    path.split('.').map(crate::names::field).collect()
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

    /// The paging of the one operation of `doc`.
    fn read_doc(doc: &Value) -> Result<Option<Paging>, SpecError> {
        let op = doc.pointer("/paths/~1e/get").expect("the operation");
        read(Path::new("t.yaml"), doc, "/paths/~1e/get", op).map(|(paging, _)| paging)
    }

    fn read_ext(ext: Value) -> Result<Option<Paging>, SpecError> {
        read_doc(&doc(ext))
    }

    #[test]
    fn link_paging_top_level_arrays_all_of_bodies_and_foreign_extensions() {
        let mut d = doc(json!({"style": "link", "link-param": "page"}));
        d["paths"]["/e"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] =
            json!({"type": "array", "items": {"$ref": "#/components/schemas/Event"}});
        let p = read_doc(&d).unwrap().unwrap();
        assert!(
            matches!(p.style, Style::Link { ref params, field: None, count: Some(ref count) } if params == &[("page".to_owned(), true)] && count == "page")
        );
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
        let p = read_doc(&d).unwrap().unwrap();
        assert!(
            matches!(p.style, Style::Cursor { ref next, ref optional_parents, .. } if next == &["meta", "next"] && optional_parents == &[true, true])
        );

        // dropshot's extension is a cursor walk; one that does not fit is not walked, never an error.
        let mut d = doc(json!(null));
        let op = d["paths"]["/e"]["get"].as_object_mut().unwrap();
        op.remove("x-pagination");
        op.insert("x-dropshot-pagination".into(), json!({"required": []}));
        assert!(read_doc(&d).unwrap().is_none());
        d["paths"]["/e"]["get"]["parameters"] = json!([
            {"name": "page_token", "in": "query", "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "schema": {"type": "integer"}}
        ]);
        d["components"]["schemas"]["Page"]["properties"]["next_page"] =
            json!({"type": "string", "nullable": true});
        let p = read_doc(&d).unwrap().unwrap();
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
            matches!(p.style, Style::Page { next_link: Some(ref next_link), totals: None, .. } if next_link == &["links", "next"])
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
        // Without a description, a cursor and page numbers both fit: no guess.
        let mut d = doc(json!(null));
        d["paths"]["/e"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("x-pagination");
        let op = d.pointer("/paths/~1e/get").unwrap();
        let (paging, note) = read(Path::new("t.yaml"), &d, "/paths/~1e/get", op).unwrap();
        assert!(paging.is_none());
        assert!(note.unwrap().contains("several conventions fit"));
        // `x-pagination: false`: nothing is walked, nothing inferred.
        let (paging, note) = read(
            Path::new("t.yaml"),
            &doc(json!(false)),
            "/paths/~1e/get",
            doc(json!(false)).pointer("/paths/~1e/get").unwrap(),
        )
        .unwrap();
        assert!(paging.is_none() && note.is_none());
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
            // What the extension itself lacks is reported at the extension.
            (
                json!({"style": "seek", "items": "items"}),
                "style",
                "unknown variant `seek`, expected one of `cursor`, `page`, `link`, `offset`, `after-last`, `none`",
            ),
            (json!({"items": "items"}), "", "missing field `style`"),
            (
                json!({"style": "link", "items": "items"}),
                "",
                "missing field `link-param`",
            ),
        ] {
            let err = read_ext(ext).err().expect("an error");
            let at = match pointer {
                "" => "/paths/~1e/get/x-pagination".to_owned(),
                key => format!("/paths/~1e/get/x-pagination/{key}"),
            };
            assert_eq!(err.location, crate::error::Location::Pointer(at), "{err}");
            assert!(err.message.contains(message), "{err}");
        }
    }
}
