//! Paging without a description: the common conventions, recognised from a
//! `GET` operation's query parameters and its 2xx body, each proposed as the
//! `x-pagination` that would describe it and checked by `paging.rs` exactly
//! as a written one is.
//!
//! | convention | parameters | 2xx body | walked as |
//! |---|---|---|---|
//! | next cursor | `cursor`, `page_token`, `after`, ... (any string `x` beside `next_x`) | `next_cursor`, `next_page_token`, `next_<param>`, ... (a nullable string, or a string-or-number) | `cursor` |
//! | Stripe | `starting_after`, `after` | `has_more` (boolean), items with a string `id` | `after-last` |
//! | after an id | `starting_after`, `after_id` | a bare array of items with a string `id` | `after-last`, until an empty page |
//! | offset | `offset`, `skip`, `start` | `total`, `total_count`, ... (required), else `has_more`, `more` | `offset` |
//! | page with totals | `page` | `total_pages` and `total`/`total_count` | `page`, counted |
//! | next URL | any of the above | `next_page_url`, `links.next` (`{href}`), ... | `link` from the body |
//! | `Link` header | `page`, `after`, `cursor`, ... | a documented `Link` header, or a bare array, or a `page` number | `link` (a page number counts on, until an empty page, when a response has no `Link` header) |
//!
//! The items are the body itself when it is an array, else its one array
//! field of a named schema (or the one among several named `data`, `items`,
//! `results`, ...). When descriptions driving different parameters fit
//! (a cursor and an offset), nothing is walked and lint says so: no guess.

use std::path::Path;

use serde_json::Value;

use super::paging::{Read, Reader};
use crate::extensions::{OneOrMany, XPagination};
use crate::spec::resolve;

const PAGE: &[&str] = &["page", "pagenumber", "pageno", "pagenum", "pageindex"];
const CURSOR: &[&str] = &[
    "cursor",
    "after",
    "pagetoken",
    "nexttoken",
    "nextpagetoken",
    "token",
    "continuation",
    "continuationtoken",
    "continue",
    "starttoken",
    "marker",
    "pagecursor",
    "startcursor",
];
const OFFSET: &[&str] = &["offset", "skip", "start", "startindex", "startat"];
const AFTER_ID: &[&str] = &["startingafter", "after", "afterid"];
/// The names that say the value is an item's id (a bare array paged by them needs no `has_more`).
const AFTER_ID_ONLY: &[&str] = &["startingafter", "afterid"];
const LIMIT: &[&str] = &[
    "limit",
    "perpage",
    "pagesize",
    "size",
    "maxresults",
    "pagelimit",
    "maxitems",
    "count",
];
const NEXT_CURSOR: &[&str] = &[
    "nextcursor",
    "nextpagetoken",
    "nexttoken",
    "nextcontinuationtoken",
    "continuationtoken",
    "continue",
    "nextmarker",
    "endcursor",
    "next",
];
const TOTAL: &[&str] = &[
    "total",
    "totalcount",
    "totalresults",
    "totalitems",
    "totalsize",
    "totalrecords",
    "totalelements",
    "totalentries",
    "count",
];
const TOTAL_PAGES: &[&str] = &["totalpages", "pagecount", "numpages", "pages", "lastpage"];
const HAS_MORE: &[&str] = &["hasmore", "more", "hasnext", "hasnextpage"];
const ITEMS: &[&str] = &[
    "data", "items", "results", "entries", "records", "values", "content", "elements", "list",
];

/// A name without case or separators (`next_page_token` → `nextpagetoken`).
fn norm(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn is(list: &[&str], name: &str) -> bool {
    list.contains(&norm(name).as_str())
}

/// Whether a parameter name is a page number's (`page`, `pageNumber`).
pub(super) fn is_page_number(name: &str) -> bool {
    is(PAGE, name)
}

/// A field of the 2xx body: its dotted path and schema (resolved).
struct Field<'a> {
    path: String,
    leaf: String,
    schema: &'a Value,
}

/// The fields of a schema (through `allOf` members), three levels deep.
fn fields<'a>(
    doc: &'a Value,
    schema: &'a Value,
    prefix: &str,
    depth: usize,
    out: &mut Vec<Field<'a>>,
) {
    let schema = resolve(doc, schema);
    if depth == 3 {
        return;
    }
    for member in super::all_of_members(doc, schema) {
        for (name, property) in member
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let path = format!("{prefix}{name}");
            let target = resolve(doc, property);
            if target.get("properties").is_some() || target.get("allOf").is_some() {
                fields(doc, target, &format!("{path}."), depth + 1, out);
            }
            out.push(Field {
                leaf: norm(name),
                path,
                schema: target,
            });
        }
    }
}

/// A request parameter the walk can set from a URL: a plain string (a
/// format the types crate keeps as a `String`) or an integer.
fn plain(schema: &Value) -> Option<bool> {
    const TYPED: &[&str] = &[
        "date",
        "date-time",
        "time",
        "uuid",
        "ipv4",
        "ipv6",
        "ip",
        "byte",
        "binary",
    ];
    let typed = schema
        .get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| TYPED.contains(&f));
    let constrained = typed || schema.get("enum").is_some() || schema.get("pattern").is_some();
    match schema["type"].as_str() {
        Some("integer") => Some(true),
        Some("string") if !constrained => Some(false),
        _ => None,
    }
}

/// Infers the paging of an operation without a description; the note says
/// what was inferred (and how to pin it or switch it off), or why nothing was.
pub(super) fn infer(file: &Path, doc: &Value, op_pointer: &str, op: &Value) -> Read {
    if !op_pointer.ends_with("/get") {
        return (None, None);
    }
    let Ok(reader) = Reader::new(file, doc, op_pointer, op) else {
        return (None, None);
    };
    let mut body = Vec::new();
    fields(doc, reader.body, "", 0, &mut body);
    let Some(items) = items(doc, reader.body, &body) else {
        return (None, None);
    };
    let (strong, weak) = candidates(&reader, op, items.as_deref(), &body);
    let fits = |candidates: Vec<XPagination>| -> Vec<(XPagination, super::paging::Paging)> {
        candidates
            .into_iter()
            .filter_map(|ext| {
                let paging = reader.read(&ext).ok()?;
                Some((ext, paging))
            })
            .collect()
    };
    let mut fitting = fits(strong);
    if fitting.is_empty() {
        fitting = fits(weak.into_iter().collect());
    }
    let Some((chosen, _)) = fitting.first() else {
        return (None, None);
    };
    let drives = driven(chosen);
    if let Some((other, _)) = fitting
        .iter()
        .find(|(other, _)| driven(other).iter().all(|p| !drives.contains(p)))
    {
        let note = format!(
            "paging: several conventions fit (`{}` over {}, `{}` over {}), so none is walked; pin one with `x-pagination` (see model/paging.rs), or say `x-pagination: false`",
            style_name(chosen),
            names(&drives),
            style_name(other),
            names(&driven(other)),
        );
        return (None, Some(note));
    }
    let pin = pin(chosen);
    let note = format!(
        "paging inferred: `stream()` walks by `{}` over {}; pin it with `x-pagination: {pin}`, or switch it off with `x-pagination: false`",
        style_name(chosen),
        names(&drives),
    );
    let paging = fitting.into_iter().next().map(|(_, paging)| paging);
    (paging, Some(note))
}

/// A description as the one-line `x-pagination` that pins it, `style` first.
fn pin(ext: &XPagination) -> String {
    let value = serde_json::to_value(ext).unwrap_or_default();
    let keys = value.as_object().into_iter().flatten();
    let (style, rest): (Vec<_>, Vec<_>) = keys
        .filter(|(_, v)| !v.is_null())
        .partition(|(k, _)| *k == "style");
    let pairs: Vec<String> = style
        .into_iter()
        .chain(rest)
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!("{{{}}}", pairs.join(", "))
}

/// The items array: the body itself, or its one array field of a named schema
/// (or, among several, the one with a conventional name). `Some(None)`: the body.
fn items(doc: &Value, body: &Value, fields: &[Field<'_>]) -> Option<Option<String>> {
    let is_items = |schema: &Value| {
        schema["type"] == "array" && schema.get("items").and_then(super::ref_type).is_some()
    };
    if is_items(resolve(doc, body)) {
        return Some(None);
    }
    let arrays: Vec<&Field<'_>> = fields
        .iter()
        .filter(|f| !f.path.contains('.') && is_items(f.schema))
        .collect();
    match arrays.as_slice() {
        [one] => Some(Some(one.path.clone())),
        several => {
            let named: Vec<&&Field<'_>> = several
                .iter()
                .filter(|f| ITEMS.contains(&f.leaf.as_str()))
                .collect();
            match named.as_slice() {
                [one] => Some(Some(one.path.clone())),
                _ => None,
            }
        }
    }
}

/// What the conventions are recognised from: the operation's paging
/// parameters by kind, its page size parameter, its items and its body fields.
struct Shape<'b, 'a> {
    params: Vec<(&'a str, Option<bool>)>,
    pages: Vec<String>,
    cursors: Vec<String>,
    offsets: Vec<String>,
    limit_param: Option<String>,
    items: Option<String>,
    body: &'b [Field<'a>],
}

impl<'b, 'a> Shape<'b, 'a> {
    fn new(reader: &'a Reader<'_>, items: Option<&str>, body: &'b [Field<'a>]) -> Self {
        let params: Vec<(&str, Option<bool>)> = reader
            .params
            .iter()
            .map(|(name, schema)| (name.as_str(), plain(schema)))
            .collect();
        let mut shape = Shape {
            params,
            pages: Vec::new(),
            cursors: Vec::new(),
            offsets: Vec::new(),
            limit_param: None,
            items: items.map(str::to_owned),
            body,
        };
        shape.pages = shape.named(PAGE, true);
        shape.cursors = shape.named(CURSOR, false);
        shape.offsets = shape.named(OFFSET, true);
        shape.limit_param = shape.named(LIMIT, true).into_iter().next();
        shape
    }

    /// The plain parameters named as in `list`, integers or strings.
    fn named(&self, list: &[&str], integer: bool) -> Vec<String> {
        self.params
            .iter()
            .filter(|(name, kind)| is(list, name) && *kind == Some(integer))
            .map(|(name, _)| (*name).to_owned())
            .collect()
    }

    /// The body fields named as in `list`.
    fn found(&self, list: &[&str]) -> Vec<&'b Field<'a>> {
        self.body
            .iter()
            .filter(|f| list.contains(&f.leaf.as_str()))
            .collect()
    }

    /// A next cursor in the body, sent back as a cursor parameter: any
    /// string parameter `x` beside a body field `next_x` (Box's
    /// `stream_position`), or a cursor parameter beside a next cursor field.
    fn cursor(&self, out: &mut Vec<XPagination>) {
        let strings = self.params.iter().filter(|(_, kind)| *kind == Some(false));
        for (cursor, _) in strings {
            let own = format!("next{}", norm(cursor));
            let named = self.cursors.iter().any(|c| c == cursor);
            let fields = self.body.iter().filter(|f| {
                f.leaf == own || (named && NEXT_CURSOR.contains(&f.leaf.as_str()) && !url_like(f))
            });
            out.extend(fields.map(|field| XPagination::Cursor {
                items: self.items.clone(),
                cursor_param: (*cursor).to_owned(),
                next_cursor: field.path.clone(),
                limit_param: self.limit_param.clone(),
            }));
        }
    }

    /// Stripe: `has_more`, and the next page after the last item's id (a
    /// bare array after an id: until an empty page).
    fn after_last(&self, out: &mut Vec<XPagination>) {
        for after in self.named(AFTER_ID, false) {
            let top_level = self
                .found(HAS_MORE)
                .into_iter()
                .filter(|f| !f.path.contains('.'));
            let mut flags: Vec<Option<String>> = top_level.map(|f| Some(f.path.clone())).collect();
            if self.items.is_none() && is(AFTER_ID_ONLY, &after) {
                flags.push(None);
            }
            out.extend(flags.into_iter().map(|has_more| XPagination::AfterLast {
                items: self.items.clone(),
                after_param: after.clone(),
                has_more,
                id: None,
                limit_param: self.limit_param.clone(),
            }));
        }
    }

    /// An offset up to a total (`more`: while a flag says more follow).
    fn offset(&self, out: &mut Vec<XPagination>, more: bool) {
        let ends = self.found(if more { HAS_MORE } else { TOTAL });
        for offset in &self.offsets {
            out.extend(ends.iter().map(|end| XPagination::Offset {
                items: self.items.clone(),
                offset_param: offset.clone(),
                offset_field: None,
                total: (!more).then(|| end.path.clone()),
                has_more: more.then(|| end.path.clone()),
                limit_param: self.limit_param.clone(),
            }));
        }
    }

    /// Page numbers counted up to the page count.
    fn counted_pages(&self, out: &mut Vec<XPagination>) {
        for page in &self.pages {
            for total_pages in self.found(TOTAL_PAGES) {
                out.extend(self.found(TOTAL).iter().map(|total| XPagination::Page {
                    items: self.items.clone(),
                    page_param: page.clone(),
                    next_link: None,
                    total_pages: Some(total_pages.path.clone()),
                    total: Some(total.path.clone()),
                    limit_param: self.limit_param.clone(),
                }));
            }
        }
    }

    /// The next page's URL in the body, carrying the paging parameters.
    fn next_url(&self, out: &mut Vec<XPagination>) {
        let carried: Vec<String> = [&self.pages, &self.cursors, &self.offsets]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if carried.is_empty() {
            return;
        }
        for field in self.body.iter().filter(|f| url_like(f)) {
            let path = match field.schema["type"].as_str() {
                Some("string") => field.path.clone(),
                _ => format!("{}.href", field.path),
            };
            out.push(XPagination::Link {
                items: self.items.clone(),
                link_param: OneOrMany::Many(carried.clone()),
                next_url: Some(path),
                limit_param: self.limit_param.clone(),
            });
        }
    }

    /// The `Link` header carrying `carried` (none: no description).
    fn header(&self, carried: Vec<String>) -> Option<XPagination> {
        (!carried.is_empty()).then(|| XPagination::Link {
            items: self.items.clone(),
            link_param: OneOrMany::Many(carried),
            next_url: None,
            limit_param: self.limit_param.clone(),
        })
    }
}

/// The descriptions the operation's shape suggests, in order of preference,
/// and the weak one tried when none of them fits (a page number counted on).
fn candidates(
    reader: &Reader<'_>,
    op: &Value,
    items: Option<&str>,
    body: &[Field<'_>],
) -> (Vec<XPagination>, Option<XPagination>) {
    let shape = Shape::new(reader, items, body);
    let mut out = Vec::new();
    shape.cursor(&mut out);
    shape.after_last(&mut out);
    shape.offset(&mut out, false);
    shape.counted_pages(&mut out);
    shape.next_url(&mut out);
    shape.offset(&mut out, true);
    // The `Link` header: documented, or the only place a bare array's next
    // cursor can be; a page number counts on without it.
    if link_header(reader, op) || items.is_none() {
        let carried = shape.pages.iter().chain(&shape.cursors).cloned().collect();
        out.extend(shape.header(carried));
    }
    (out, shape.header(shape.pages.clone()))
}

/// A body field holding the next page's URL (`next_page_url`, `links.next`
/// as a string or an `{href}`).
fn url_like(field: &Field<'_>) -> bool {
    let leaf = field.leaf.as_str();
    let named = leaf.starts_with("next")
        && (leaf.ends_with("url") || leaf.ends_with("link") || leaf.ends_with("href"));
    let in_links = leaf == "next"
        && field
            .path
            .rsplit('.')
            .nth(1)
            .is_some_and(|parent| norm(parent).contains("link"));
    let uri = leaf == "next" && field.schema.get("format").and_then(Value::as_str) == Some("uri");
    let shape =
        field.schema["type"] == "string" || field.schema.pointer("/properties/href").is_some();
    (named || in_links || uri) && shape
}

/// Whether a 2xx response documents a `Link` header.
fn link_header(reader: &Reader<'_>, op: &Value) -> bool {
    op.get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.starts_with('2'))
        .filter_map(|(_, r)| resolve(reader.doc, r).get("headers")?.as_object())
        .any(|headers| headers.keys().any(|h| h.eq_ignore_ascii_case("link")))
}

/// The request parameters a description drives.
fn driven(ext: &XPagination) -> Vec<String> {
    match ext {
        XPagination::Cursor { cursor_param, .. } => vec![cursor_param.clone()],
        XPagination::Page { page_param, .. } => vec![page_param.clone()],
        XPagination::Link { link_param, .. } => {
            link_param.names().into_iter().map(str::to_owned).collect()
        }
        XPagination::Offset { offset_param, .. } => vec![offset_param.clone()],
        XPagination::AfterLast { after_param, .. } => vec![after_param.clone()],
        XPagination::None { .. } => Vec::new(),
    }
}

fn style_name(ext: &XPagination) -> &'static str {
    match ext {
        XPagination::Cursor { .. } => "cursor",
        XPagination::Page { .. } => "page",
        XPagination::Link { next_url: None, .. } => "link (header)",
        XPagination::Link { .. } => "link (next URL in the body)",
        XPagination::Offset { .. } => "offset",
        XPagination::AfterLast { .. } => "after-last",
        XPagination::None { .. } => "none",
    }
}

fn names(params: &[String]) -> String {
    params
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::paging::{OffsetEnd, Paging, Style};
    use super::*;
    use serde_json::json;

    /// The paging inferred for `GET /e` with these query parameters and 2xx body.
    fn infer_op(params: Value, body: Value, headers: Value) -> (Option<Paging>, Option<String>) {
        let doc = json!({
            "paths": {"/e": {"get": {
                "parameters": params,
                "responses": {"200": {"description": "ok", "headers": headers, "content": {"application/json": {"schema": body}}}}
            }}},
            "components": {"schemas": {
                "Event": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
            }}
        });
        let op = doc.pointer("/paths/~1e/get").unwrap();
        infer(Path::new("t.yaml"), &doc, "/paths/~1e/get", op)
    }

    fn q(name: &str, ty: &str) -> Value {
        json!({"name": name, "in": "query", "schema": {"type": ty}})
    }

    fn events() -> Value {
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Event"}})
    }

    fn object(properties: Value) -> Value {
        json!({"type": "object", "properties": properties})
    }

    #[test]
    fn each_convention_is_recognised() {
        // PagerDuty: a next cursor beside the items.
        let (p, note) = infer_op(
            json!([q("cursor", "string"), q("limit", "integer")]),
            object(
                json!({"records": events(), "next_cursor": {"type": "string", "nullable": true}}),
            ),
            json!({}),
        );
        let p = p.unwrap();
        assert!(matches!(p.style, Style::Cursor { ref param, .. } if param == "cursor"));
        assert_eq!(
            (p.items.as_slice(), p.limit_param.as_deref()),
            (&["records".to_owned()][..], Some("limit"))
        );
        assert!(note.unwrap().contains(
            "pin it with `x-pagination: {style: \"cursor\", cursor-param: \"cursor\", items: \"records\""
        ));

        // Airflow: an offset and the total.
        let (p, _) = infer_op(
            json!([q("offset", "integer"), q("limit", "integer")]),
            json!({"type": "object", "required": ["users", "total_entries"], "properties": {"users": events(), "total_entries": {"type": "integer"}}}),
            json!({}),
        );
        assert!(
            matches!(p.unwrap().style, Style::Offset { end: OffsetEnd::Total(ref t), .. } if t == &["total_entries"])
        );

        // Twilio: the next page's URL in the body carries its page and token.
        let (p, _) = infer_op(
            json!([
                q("Page", "integer"),
                q("PageToken", "string"),
                q("PageSize", "integer")
            ]),
            object(
                json!({"events": events(), "meta": object(json!({"next_page_url": {"type": "string", "nullable": true}}))}),
            ),
            json!({}),
        );
        assert!(matches!(
            p.unwrap().style,
            Style::Link { ref params, field: Some((ref path, _)), .. }
                if params == &[("Page".to_owned(), true), ("PageToken".to_owned(), false)] && path == &["meta", "next_page_url"]
        ));

        // Okta: a bare array and an opaque `after`: only the `Link` header can carry it.
        let (p, _) = infer_op(
            json!([{"name": "after", "in": "query", "schema": {"type": "string", "format": "Opaque token"}}]),
            events(),
            json!({}),
        );
        assert!(matches!(
            p.unwrap().style,
            Style::Link { ref params, field: None, count: None } if params == &[("after".to_owned(), false)]
        ));

        // Stripe: `has_more` and the last item's id; rev.ai: a bare array after an id.
        let (p, _) = infer_op(
            json!([q("starting_after", "string")]),
            json!({"type": "object", "required": ["data", "has_more"], "properties": {"data": events(), "has_more": {"type": "boolean"}}}),
            json!({}),
        );
        assert!(
            matches!(p.unwrap().style, Style::AfterLast { more: Some(_), ref id, .. } if id == &("id".to_owned(), false))
        );
        let (p, _) = infer_op(json!([q("starting_after", "string")]), events(), json!({}));
        assert!(matches!(
            p.unwrap().style,
            Style::AfterLast { more: None, .. }
        ));

        // Cloudflare: page numbers with the page count and the total.
        let info = json!({"type": "object", "required": ["total_pages", "total_count"], "properties": {"total_pages": {"type": "integer"}, "total_count": {"type": "integer"}}});
        let (p, _) = infer_op(
            json!([q("page", "integer"), q("per_page", "integer")]),
            json!({"type": "object", "required": ["result", "result_info"], "properties": {"result": events(), "result_info": info}}),
            json!({}),
        );
        assert!(matches!(
            p.unwrap().style,
            Style::Page {
                next_link: None,
                totals: Some(_),
                ..
            }
        ));

        // A documented `Link` header, and page numbers alone (counted on).
        let (p, _) = infer_op(
            json!([q("page", "integer")]),
            object(json!({"data": events()})),
            json!({"Link": {"schema": {"type": "string"}}}),
        );
        assert!(
            matches!(p.unwrap().style, Style::Link { field: None, count: Some(ref c), .. } if c == "page")
        );
    }

    #[test]
    fn no_guess_where_the_shape_is_ambiguous_or_not_a_list() {
        // A cursor and an offset both fit: a note, and nothing walked.
        let (p, note) = infer_op(
            json!([q("cursor", "string"), q("offset", "integer")]),
            json!({"type": "object", "required": ["items", "total"], "properties": {
                "items": events(), "total": {"type": "integer"},
                "next_cursor": {"type": "string", "nullable": true}}}),
            json!({}),
        );
        assert!(p.is_none());
        let note = note.unwrap();
        assert!(
            note.contains("`cursor` over `cursor`, `offset` over `offset`"),
            "{note}"
        );
        // No paging parameter, two unnamed arrays, or a single item: nothing.
        for (params, body) in [
            (json!([q("q", "string")]), object(json!({"data": events()}))),
            (
                json!([q("cursor", "string")]),
                object(json!({"a": events(), "b": events(), "next_cursor": {"type": "string"}})),
            ),
            (
                json!([q("page", "integer")]),
                json!({"$ref": "#/components/schemas/Event"}),
            ),
        ] {
            let (p, note) = infer_op(params, body, json!({}));
            assert!(p.is_none() && note.is_none());
        }
        // Only a `GET` lists.
        let doc = json!({"paths": {"/e": {"post": {
            "parameters": [q("cursor", "string")],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": events()}}}}
        }}}});
        let op = doc.pointer("/paths/~1e/post").unwrap();
        let (p, note) = infer(Path::new("t.yaml"), &doc, "/paths/~1e/post", op);
        assert!(p.is_none() && note.is_none());
    }
}
