//! `cargo xtask spec-diff`: what changed in a spec since a base revision,
//! and whether it breaks the projects that import the generated crates.
//!
//! Each change is judged twice: for a **client** (code calling the generated
//! client and reading its models) and for a **server** (code implementing
//! the generated server trait and building its responses). In Rust a type
//! change is a break even when the wire stays compatible (a field becoming
//! optional changes `T` to `Option<T>`), so the rules follow the generated
//! code:
//!
//! | change | client | server |
//! |---|---|---|
//! | operation removed / `operationId` renamed | breaking | breaking |
//! | operation added | — | breaking (a new trait method) |
//! | parameter removed | breaking | breaking |
//! | parameter added, optional | — | — |
//! | parameter added required, or made required | breaking | — |
//! | parameter made optional | — | breaking (`T` becomes `Option<T>`) |
//! | request constraint narrowed (enum value removed, bounds, pattern, length) | breaking | — |
//! | request enum value added | — | breaking (a new variant to handle) |
//! | response status removed | — | breaking (a `Response` variant gone) |
//! | response status added | — (typed, or `UnexpectedResponse` before) | — |
//! | response media type removed | — | breaking (its `Response` variant gone) |
//! | response media type added | — (handed over undecoded, as before) | — |
//! | response header added or removed | — | breaking (the variant's headers struct) |
//! | response field removed | breaking | breaking |
//! | response field added | — | breaking (struct literals) |
//! | response field optional/nullable ↔ required | breaking | breaking |
//! | response enum value removed | breaking | breaking |
//! | response enum value added | — (open enums) | — |
//! | any type or format change | breaking | breaking |
//! | paging description (`x-pagination`, `x-dropshot-pagination`) removed or changed | breaking (`stream()` gone or walking otherwise) | — |
//! | paging description added | — | — |
//! | typed filter (`x-predicate`, `x-sort`) added, removed or changed on a parameter | breaking (its Rust type changes) | breaking |
//! | `x-server` entry added, removed or changed | — | — (the stub's answers change, its Rust API does not) |
//! | security scheme removed, or its kind changed | breaking (a constructor gone) | breaking (a `Credentials` variant gone) |
//! | security scheme added | — (a new constructor) | breaking (a new `Credentials` variant) |
//! | operation starts or stops requiring credentials | — | breaking (the trait method's `principal`) |

// Each function, tests included, stays short enough to read at once:
// clippy counts its lines of code against its default limit of 100.
#![warn(clippy::too_many_lines)]

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::spec::escape_pointer;
use crate::spec::resolve;

/// Who a change breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Breaks {
    pub client: bool,
    pub server: bool,
}

const NONE: Breaks = Breaks {
    client: false,
    server: false,
};
const CLIENT: Breaks = Breaks {
    client: true,
    server: false,
};
const SERVER: Breaks = Breaks {
    client: false,
    server: true,
};
const BOTH: Breaks = Breaks {
    client: true,
    server: true,
};

/// One change between two versions of a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub pointer: String,
    pub message: String,
    pub breaks: Breaks,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match (self.breaks.client, self.breaks.server) {
            (true, true) => "BREAKING (client, server)",
            (true, false) => "BREAKING (client)",
            (false, true) => "BREAKING (server)",
            (false, false) => "compatible",
        };
        write!(f, "{tag}: {} (#{})", self.message, self.pointer)
    }
}

/// The outcome for one spec.
#[derive(Debug, Default)]
pub struct Report {
    pub changes: Vec<Change>,
    /// The crates' versions before and after, as the generator writes them
    /// into their `Cargo.toml` (`info.x-crate-version`, else `info.version`
    /// made semver: see [`crate::render::crate_version`]).
    pub old_version: String,
    pub new_version: String,
}

impl Report {
    pub fn breaking(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.breaks.client || c.breaks.server)
    }

    /// Whether the crates' version bump allows breaking changes
    /// ([`crate::version::may_break`]).
    pub fn bump_allows_breaking(&self) -> bool {
        crate::version::may_break(&self.old_version, &self.new_version)
    }

    /// Breaking changes without a version bump that allows them.
    pub fn fails(&self) -> bool {
        self.breaking() && !self.bump_allows_breaking()
    }
}

/// The version the generator gives a spec document's crates.
fn crate_version(doc: &Value) -> String {
    // `info.x-crate-version` is semver already; `render` makes `info.version` semver.
    let info = openapiv3::Info {
        version: crate::extensions::crate_version_of(doc).to_owned(),
        ..openapiv3::Info::default()
    };
    crate::render::crate_version(&openapiv3::OpenAPI {
        info,
        ..openapiv3::OpenAPI::default()
    })
}

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
    /// ($ref old, $ref new) pairs being compared, against cycles.
    seen: BTreeSet<(String, String)>,
}

/// Compares two versions of a spec. A null union and `nullable` are the
/// same to a caller (`anyOf: [$ref, {type: 'null'}]` is `Option<T>` as
/// `nullable: true, allOf: [$ref]` is): both documents are compared with
/// their null unions written as `nullable`, as the working copy writes them.
pub fn diff(old: &Value, new: &Value) -> Report {
    let normalized = |doc: &Value| {
        let mut doc = doc.clone();
        crate::transform::normalize_null_unions(&mut doc);
        doc
    };
    let (old, new) = (&normalized(old), &normalized(new));
    let mut d = Differ {
        old,
        new,
        changes: Vec::new(),
        seen: BTreeSet::new(),
    };
    d.operations();
    d.schemes();
    d.rejections();
    Report {
        changes: d.changes,
        old_version: crate_version(old),
        new_version: crate_version(new),
    }
}

fn ops(doc: &Value) -> Vec<(String, &'static str, &Value)> {
    crate::spec::operations(doc)
        .into_iter()
        .map(|o| (o.path.to_owned(), o.method, o.op))
        .collect()
}

#[derive(Clone, Copy, PartialEq)]
enum Direction {
    Request,
    Response,
}

impl Differ<'_> {
    fn add(&mut self, pointer: &str, breaks: Breaks, message: String) {
        self.changes.push(Change {
            pointer: pointer.to_owned(),
            message,
            breaks,
        });
    }

    fn operations(&mut self) {
        let (old_ops, new_ops) = (ops(self.old), ops(self.new));
        for (path, method, old_op) in &old_ops {
            let pointer = format!("/paths/{}/{method}", escape_pointer(path));
            let label = format!("{} {path}", method.to_uppercase());
            match new_ops.iter().find(|(p, m, _)| p == path && m == method) {
                None => self.add(&pointer, BOTH, format!("operation `{label}` removed")),
                Some((_, _, new_op)) => {
                    if old_op["operationId"] != new_op["operationId"] {
                        self.add(&format!("{pointer}/operationId"), BOTH, format!("`{label}`: operationId {} renamed to {} (the client method and server trait method are renamed)", old_op["operationId"], new_op["operationId"]));
                    }
                    self.parameters(&pointer, old_op, new_op);
                    self.responses(&pointer, old_op, new_op);
                    self.paging(&pointer, &label, old_op, new_op);
                    self.requirement(&pointer, &label, old_op, new_op);
                }
            }
        }
        for (path, method, _) in &new_ops {
            if !old_ops.iter().any(|(p, m, _)| p == path && m == method) {
                let pointer = format!("/paths/{}/{method}", escape_pointer(path));
                self.add(
                    &pointer,
                    SERVER,
                    format!(
                        "operation `{} {path}` added (servers must implement it)",
                        method.to_uppercase()
                    ),
                );
            }
        }
    }

    fn params(doc: &Value, op: &Value) -> Vec<Value> {
        op.get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| resolve(doc, p).clone())
            .collect()
    }

    fn parameters(&mut self, pointer: &str, old_op: &Value, new_op: &Value) {
        let (old, new) = (
            Self::params(self.old, old_op),
            Self::params(self.new, new_op),
        );
        let key = |p: &Value| {
            (
                p["in"].as_str().unwrap_or_default().to_owned(),
                p["name"].as_str().unwrap_or_default().to_owned(),
            )
        };
        let required = |p: &Value| p["required"].as_bool().unwrap_or(false);
        for o in &old {
            let (place, name) = key(o);
            let at = format!("{pointer}/parameters/{}", escape_pointer(&name));
            match new.iter().find(|n| key(n) == (place.clone(), name.clone())) {
                None => self.add(&at, BOTH, format!("{place} parameter `{name}` removed")),
                Some(n) => {
                    match (required(o), required(n)) {
                        (false, true) => self.add(&at, CLIENT, format!("{place} parameter `{name}` became required")),
                        (true, false) => self.add(&at, SERVER, format!("{place} parameter `{name}` became optional (its request field becomes an `Option`)")),
                        _ => {}
                    }
                    self.schema(
                        &format!("{at}/schema"),
                        &o["schema"],
                        &n["schema"],
                        Direction::Request,
                        &format!("parameter `{name}`"),
                    );
                    self.typed_filters(&at, &name, o, n);
                }
            }
        }
        for n in &new {
            let (place, name) = key(n);
            if !old.iter().any(|o| key(o) == (place.clone(), name.clone())) {
                let at = format!("{pointer}/parameters/{}", escape_pointer(&name));
                if required(n) {
                    self.add(
                        &at,
                        CLIENT,
                        format!("required {place} parameter `{name}` added"),
                    );
                } else {
                    self.add(
                        &at,
                        NONE,
                        format!("optional {place} parameter `{name}` added"),
                    );
                }
            }
        }
    }

    /// `x-predicate`/`x-sort` on a parameter's schema or its items: they make its Rust type.
    fn typed_filters(&mut self, at: &str, name: &str, old: &Value, new: &Value) {
        for key in ["x-predicate", "x-sort"] {
            for place in ["/schema", "/schema/items"] {
                let ext = |p: &Value| p.pointer(&format!("{place}/{key}")).cloned();
                let (o, n) = (ext(old), ext(new));
                let change = match (&o, &n) {
                    (None, Some(_)) => "added",
                    (Some(_), None) => "removed",
                    (Some(a), Some(b)) if a != b => "changed",
                    _ => continue,
                };
                self.add(
                    &format!("{at}{place}/{key}"),
                    BOTH,
                    format!(
                        "parameter `{name}`: `{key}` {change} (the parameter's Rust type changes)"
                    ),
                );
            }
        }
    }

    /// How the operation's pages chain: the client's `pages()`/`stream()` come from it.
    fn paging(&mut self, pointer: &str, label: &str, old_op: &Value, new_op: &Value) {
        for key in ["x-pagination", "x-dropshot-pagination"] {
            let at = format!("{pointer}/{key}");
            match (old_op.get(key), new_op.get(key)) {
                (Some(_), None) => self.add(
                    &at,
                    CLIENT,
                    format!("`{label}`: `{key}` removed (its `pages()`, `stream()` and `collect_up_to()` are gone)"),
                ),
                (Some(o), Some(n)) if o != n => self.add(
                    &at,
                    CLIENT,
                    format!("`{label}`: `{key}` changed (its page streams walk or yield otherwise)"),
                ),
                (None, Some(_)) => self.add(
                    &at,
                    NONE,
                    format!("`{label}`: `{key}` added (new page streams)"),
                ),
                _ => {}
            }
        }
    }

    /// Whether the operation requires credentials: the server trait method takes a `principal` then.
    fn requirement(&mut self, pointer: &str, label: &str, old_op: &Value, new_op: &Value) {
        let (o, n) = (
            !crate::security::requirement(self.old, old_op).is_empty(),
            !crate::security::requirement(self.new, new_op).is_empty(),
        );
        if o != n {
            let what = if n {
                "now requires credentials"
            } else {
                "no longer requires credentials"
            };
            self.add(
                &format!("{pointer}/security"),
                SERVER,
                format!("`{label}` {what} (the trait method's `principal` parameter changes)"),
            );
        }
    }

    /// Security schemes: client constructors and server `Credentials` variants.
    fn schemes(&mut self) {
        let (old, new) = (
            crate::security::schemes(self.old),
            crate::security::schemes(self.new),
        );
        for o in &old {
            let at = format!("/components/securitySchemes/{}", escape_pointer(&o.name));
            match new.iter().find(|n| n.name == o.name) {
                None => self.add(
                    &at,
                    BOTH,
                    format!("security scheme `{}` removed (its client constructor and `Credentials` variant are gone)", o.name),
                ),
                Some(n) if n.kind != o.kind => self.add(
                    &at,
                    BOTH,
                    format!("security scheme `{}` changed from {:?} to {:?}", o.name, o.kind, n.kind),
                ),
                Some(_) => {}
            }
        }
        for n in &new {
            if !old.iter().any(|o| o.name == n.name) {
                self.add(
                    &format!("/components/securitySchemes/{}", escape_pointer(&n.name)),
                    SERVER,
                    format!(
                        "security scheme `{}` added (a new `Credentials` variant to handle)",
                        n.name
                    ),
                );
            }
        }
    }

    /// `x-server`: how the stub answers what it refuses. The Rust API stays;
    /// the stub's answers on the wire change, which servers built on it see.
    fn rejections(&mut self) {
        let (old, new) = (&self.old["x-server"], &self.new["x-server"]);
        let empty = serde_json::Map::new();
        let keys = |v: &Value| -> BTreeSet<String> {
            v.as_object().unwrap_or(&empty).keys().cloned().collect()
        };
        for key in keys(old).union(&keys(new)) {
            let what = match (old.get(key), new.get(key)) {
                (Some(a), Some(b)) if a == b => continue,
                (Some(_), Some(_)) => "changed",
                (Some(_), None) => "removed",
                _ => "added",
            };
            let pointer = format!("/x-server/{}", escape_pointer(key));
            let message =
                format!("`x-server.{key}` {what} (the stub answers such requests otherwise)");
            self.add(&pointer, NONE, message);
        }
    }

    fn body(doc: &Value, response: &Value) -> Option<Value> {
        crate::model::json_body_schema(doc, response).cloned()
    }

    fn responses(&mut self, pointer: &str, old_op: &Value, new_op: &Value) {
        let empty = serde_json::Map::new();
        let old = old_op
            .get("responses")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let new = new_op
            .get("responses")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (status, o) in old {
            let at = format!("{pointer}/responses/{}", escape_pointer(status));
            let Some(n) = new.get(status) else {
                self.add(&at, SERVER, format!("response `{status}` removed"));
                continue;
            };
            self.media_and_headers(&at, status, o, n);
            match (Self::body(self.old, o), Self::body(self.new, n)) {
                (Some(a), Some(b)) => self.schema(
                    &format!("{at}/content/application~1json/schema"),
                    &a,
                    &b,
                    Direction::Response,
                    &format!("response `{status}`"),
                ),
                (None, None) => {}
                (Some(_), None) => {
                    self.add(&at, BOTH, format!("response `{status}` lost its JSON body"))
                }
                (None, Some(_)) => {
                    self.add(&at, BOTH, format!("response `{status}` gained a JSON body"))
                }
            }
        }
        for status in new.keys() {
            if !old.contains_key(status) {
                self.add(
                    &format!("{pointer}/responses/{}", escape_pointer(status)),
                    NONE,
                    format!("response `{status}` added"),
                );
            }
        }
    }

    /// A response's media types and headers: the stub answers each media
    /// type with a variant of its own and sets the headers from a struct.
    fn media_and_headers(&mut self, at: &str, status: &str, o: &Value, n: &Value) {
        let keys = |doc: &Value, response: &Value, key: &str| -> BTreeSet<String> {
            resolve(doc, response)
                .get(key)
                .and_then(Value::as_object)
                .map(|m| m.keys().map(|k| k.to_ascii_lowercase()).collect())
                .unwrap_or_default()
        };
        let (old_media, new_media) = (keys(self.old, o, "content"), keys(self.new, n, "content"));
        for media in old_media.difference(&new_media) {
            let message = format!("response `{status}` no longer sent as `{media}`");
            self.add(at, SERVER, message);
        }
        for media in new_media.difference(&old_media) {
            self.add(
                at,
                NONE,
                format!("response `{status}` also sent as `{media}`"),
            );
        }
        let (old_headers, new_headers) =
            (keys(self.old, o, "headers"), keys(self.new, n, "headers"));
        for header in old_headers.difference(&new_headers) {
            self.add(
                at,
                SERVER,
                format!("response `{status}` header `{header}` removed"),
            );
        }
        for header in new_headers.difference(&old_headers) {
            let message = format!(
                "response `{status}` header `{header}` added (a field of its headers struct)"
            );
            self.add(at, SERVER, message);
        }
    }

    fn schema(&mut self, at: &str, old: &Value, new: &Value, dir: Direction, what: &str) {
        let (old_ref, new_ref) = (
            old.get("$ref").and_then(Value::as_str),
            new.get("$ref").and_then(Value::as_str),
        );
        if let (Some(a), Some(b)) = (old_ref, new_ref)
            && !self.seen.insert((a.to_owned(), b.to_owned()))
        {
            return;
        }
        let (o, n) = (resolve(self.old, old), resolve(self.new, new));
        // A lone `allOf: [$ref]` (the nullable-reference idiom) has the referenced schema's type.
        let effective = |doc: &Value, s: &Value| -> (Option<Value>, Option<Value>) {
            let target = match (s.get("type"), s.get("allOf").and_then(Value::as_array)) {
                (None, Some(all)) if all.len() == 1 => resolve(doc, &all[0]).clone(),
                _ => s.clone(),
            };
            (target.get("type").cloned(), target.get("format").cloned())
        };
        let (old_type, new_type) = (effective(self.old, o), effective(self.new, n));
        if old_type != new_type {
            let show = |(t, f): &(Option<Value>, Option<Value>)| {
                let t = t.as_ref().and_then(Value::as_str).unwrap_or("any");
                format!(
                    "{t}{}",
                    f.as_ref()
                        .and_then(Value::as_str)
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default()
                )
            };
            self.add(
                at,
                BOTH,
                format!(
                    "{what}: type changed from {} to {}",
                    show(&old_type),
                    show(&new_type)
                ),
            );
            return;
        }
        self.nullability(at, o, n, dir, what);
        self.enums(at, o, n, dir, what);
        if dir == Direction::Request {
            self.constraints(at, o, n, what);
        }
        if o.get("items").is_some() || n.get("items").is_some() {
            self.schema(
                &format!("{at}/items"),
                &o["items"],
                &n["items"],
                dir,
                &format!("{what} items"),
            );
        }
        self.properties(at, o, n, dir, what);
        self.compositions(at, o, n, dir, what);
    }

    /// `nullable` added or removed: `T` becomes `Option<T>` or back.
    fn nullability(&mut self, at: &str, o: &Value, n: &Value, dir: Direction, what: &str) {
        let nullable = |s: &Value| s.get("nullable") == Some(&Value::Bool(true));
        if nullable(o) != nullable(n) {
            let breaks = if dir == Direction::Response {
                BOTH
            } else if nullable(o) {
                CLIENT
            } else {
                NONE
            };
            self.add(
                at,
                breaks,
                format!(
                    "{what}: {}",
                    if nullable(n) {
                        "became nullable"
                    } else {
                        "no longer nullable"
                    }
                ),
            );
        }
    }

    /// `allOf`, `oneOf`, `anyOf`: member by member while their number stays.
    fn compositions(&mut self, at: &str, o: &Value, n: &Value, dir: Direction, what: &str) {
        for key in ["allOf", "oneOf", "anyOf"] {
            let (a, b) = (
                o.get(key).and_then(Value::as_array),
                n.get(key).and_then(Value::as_array),
            );
            match (a, b) {
                (Some(a), Some(b)) if a.len() == b.len() => {
                    for (i, (x, y)) in a.iter().zip(b).enumerate() {
                        self.schema(&format!("{at}/{key}/{i}"), x, y, dir, what);
                    }
                }
                (None, None) => {}
                _ => self.add(at, BOTH, format!("{what}: `{key}` composition changed")),
            }
        }
    }

    fn enums(&mut self, at: &str, o: &Value, n: &Value, dir: Direction, what: &str) {
        let values =
            |s: &Value| -> Option<Vec<Value>> { s.get("enum").and_then(Value::as_array).cloned() };
        match (values(o), values(n)) {
            (Some(a), Some(b)) => {
                for v in a.iter().filter(|v| !b.contains(v)) {
                    self.add(
                        at,
                        if dir == Direction::Request {
                            CLIENT
                        } else {
                            BOTH
                        },
                        format!("{what}: enum value {v} removed"),
                    );
                }
                for v in b.iter().filter(|v| !a.contains(v)) {
                    let breaks = if dir == Direction::Request {
                        SERVER
                    } else {
                        NONE
                    };
                    self.add(at, breaks, format!("{what}: enum value {v} added"));
                }
            }
            (None, Some(_)) => self.add(at, BOTH, format!("{what}: became an enum")),
            (Some(_), None) => self.add(at, BOTH, format!("{what}: is no longer an enum")),
            (None, None) => {}
        }
    }

    /// Request constraints: a narrower one rejects requests that used to pass.
    fn constraints(&mut self, at: &str, o: &Value, n: &Value, what: &str) {
        let num = |s: &Value, k: &str| s.get(k).and_then(Value::as_f64);
        for (key, narrower) in [
            (
                "minimum",
                (|old: f64, new: f64| new > old) as fn(f64, f64) -> bool,
            ),
            ("maximum", |old, new| new < old),
            ("minLength", |old, new| new > old),
            ("maxLength", |old, new| new < old),
            ("minItems", |old, new| new > old),
            ("maxItems", |old, new| new < old),
        ] {
            match (num(o, key), num(n, key)) {
                (Some(a), Some(b)) if narrower(a, b) => self.add(
                    at,
                    CLIENT,
                    format!("{what}: `{key}` narrowed from {a} to {b}"),
                ),
                (Some(a), Some(b)) if a != b => {
                    self.add(at, NONE, format!("{what}: `{key}` widened from {a} to {b}"))
                }
                (None, Some(b)) => self.add(at, CLIENT, format!("{what}: `{key}: {b}` added")),
                (Some(a), None) => self.add(at, NONE, format!("{what}: `{key}: {a}` removed")),
                _ => {}
            }
        }
        if o.get("pattern") != n.get("pattern") {
            let breaks = if n.get("pattern").is_some() {
                CLIENT
            } else {
                NONE
            };
            self.add(
                at,
                breaks,
                format!(
                    "{what}: pattern changed from {} to {}",
                    o.get("pattern").unwrap_or(&Value::Null),
                    n.get("pattern").unwrap_or(&Value::Null)
                ),
            );
        }
    }

    fn properties(&mut self, at: &str, o: &Value, n: &Value, dir: Direction, what: &str) {
        let empty = serde_json::Map::new();
        let (a, b) = (
            o.get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
            n.get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty),
        );
        let required = |s: &Value, k: &str| {
            s.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|v| v == k))
        };
        for (name, old_prop) in a {
            let p = format!("{at}/properties/{}", escape_pointer(name));
            match b.get(name) {
                None => self.add(
                    &p,
                    if dir == Direction::Response {
                        BOTH
                    } else {
                        CLIENT
                    },
                    format!("{what}: field `{name}` removed"),
                ),
                Some(new_prop) => {
                    if required(o, name) != required(n, name) {
                        let breaks = if dir == Direction::Response {
                            BOTH
                        } else if required(n, name) {
                            CLIENT
                        } else {
                            SERVER
                        };
                        let change = if required(n, name) {
                            "became required"
                        } else {
                            "became optional"
                        };
                        self.add(&p, breaks, format!("{what}: field `{name}` {change}"));
                    }
                    self.schema(
                        &p,
                        old_prop,
                        new_prop,
                        dir,
                        &format!("{what} field `{name}`"),
                    );
                }
            }
        }
        for name in b.keys().filter(|k| !a.contains_key(*k)) {
            let p = format!("{at}/properties/{}", escape_pointer(name));
            let breaks = match dir {
                Direction::Response => SERVER,
                Direction::Request if required(n, name) => CLIENT,
                Direction::Request => NONE,
            };
            self.add(&p, breaks, format!("{what}: field `{name}` added"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(version: &str, params: Value, item: Value, statuses: &[&str]) -> Value {
        let mut responses = serde_json::Map::new();
        for s in statuses {
            responses.insert(s.to_string(), json!({"description": "d", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Page"}}}}));
        }
        json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": version},
            "paths": {"/items": {"get": {"operationId": "listItems", "parameters": params, "responses": responses}}},
            "components": {"schemas": {
                "Page": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}}},
                "Item": item
            }}
        })
    }

    fn item() -> Value {
        json!({"type": "object", "required": ["id"], "properties": {
            "id": {"type": "string"},
            "status": {"type": "string", "enum": ["ok", "failed"]},
            "note": {"type": "string"}
        }})
    }

    fn limit(extra: Value) -> Value {
        let mut schema = json!({"type": "integer", "minimum": 1, "maximum": 200});
        for (k, v) in extra.as_object().unwrap() {
            schema[k] = v.clone();
        }
        json!([{"name": "limit", "in": "query", "schema": schema}, {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}}])
    }

    /// The one change between a base spec and an edited one.
    fn one(edit: impl FnOnce(&mut Value)) -> Change {
        let old = spec("1.0.0", limit(json!({})), item(), &["200", "400"]);
        let mut new = old.clone();
        edit(&mut new);
        let report = diff(&old, &new);
        assert_eq!(report.changes.len(), 1, "{:#?}", report.changes);
        report.changes[0].clone()
    }

    fn params(s: &mut Value) -> &mut Value {
        &mut s["paths"]["/items"]["get"]["parameters"]
    }

    fn item_of(s: &mut Value) -> &mut Value {
        &mut s["components"]["schemas"]["Item"]
    }

    #[test]
    fn identical_specs_have_no_change() {
        let s = spec("1.0.0", limit(json!({})), item(), &["200"]);
        assert!(diff(&s, &s).changes.is_empty());
    }

    type Edit = Box<dyn FnOnce(&mut Value)>;

    /// Each edit of the base spec makes one change, which breaks whom it should
    /// and says what it should.
    fn assert_classified(cases: Vec<(Edit, Breaks, &str)>) {
        for (edit, breaks, message) in cases {
            let c = one(edit);
            assert_eq!(c.breaks, breaks, "{c}");
            assert!(c.message.contains(message), "{c}");
        }
    }

    /// An operation renamed, and parameters required, removed or added.
    #[test]
    fn operations_and_parameters_are_classified() {
        assert_classified(vec![
            (
                Box::new(|s| s["paths"]["/items"]["get"]["operationId"] = json!("getItems")),
                BOTH,
                "renamed",
            ),
            (
                Box::new(|s| params(s)[0]["required"] = json!(true)),
                CLIENT,
                "`limit` became required",
            ),
            (
                Box::new(|s| {
                    params(s).as_array_mut().unwrap().remove(0);
                }),
                BOTH,
                "`limit` removed",
            ),
            (
                Box::new(|s| {
                    params(s)
                        .as_array_mut()
                        .unwrap()
                        .push(json!({"name": "q", "in": "query", "schema": {"type": "string"}}))
                }),
                NONE,
                "optional query parameter `q` added",
            ),
            (
                Box::new(|s| {
                    params(s).as_array_mut().unwrap().push(json!({"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}))
                }),
                CLIENT,
                "required query parameter `q` added",
            ),
        ]);
    }

    /// A parameter's schema: bounds, type, enum values, pattern (the request side).
    #[test]
    fn parameter_schema_changes_are_classified() {
        assert_classified(vec![
            (
                Box::new(|s| params(s)[0]["schema"]["maximum"] = json!(100)),
                CLIENT,
                "`maximum` narrowed from 200 to 100",
            ),
            (
                Box::new(|s| params(s)[0]["schema"]["maximum"] = json!(500)),
                NONE,
                "`maximum` widened",
            ),
            (
                Box::new(|s| params(s)[0]["schema"]["type"] = json!("string")),
                BOTH,
                "type changed from integer to string",
            ),
            (
                Box::new(|s| params(s)[1]["schema"]["enum"] = json!(["asc"])),
                CLIENT,
                "enum value \"desc\" removed",
            ),
            (
                Box::new(|s| params(s)[1]["schema"]["enum"] = json!(["asc", "desc", "random"])),
                SERVER,
                "enum value \"random\" added",
            ),
            (
                Box::new(|s| params(s)[1]["schema"]["pattern"] = json!("^a")),
                CLIENT,
                "pattern changed",
            ),
        ]);
    }

    /// Responses and their body's fields (the response side).
    #[test]
    fn response_changes_are_classified() {
        assert_classified(vec![
            (
                Box::new(|s| {
                    s["paths"]["/items"]["get"]["responses"]
                        .as_object_mut()
                        .unwrap()
                        .remove("400");
                }),
                SERVER,
                "response `400` removed",
            ),
            (
                Box::new(|s| {
                    s["paths"]["/items"]["get"]["responses"]["503"] = json!({"description": "busy"})
                }),
                NONE,
                "response `503` added",
            ),
            (
                Box::new(|s| {
                    s["paths"]["/items"]["get"]["responses"]["200"]["content"]["text/plain"] =
                        json!({"schema": {"type": "string"}})
                }),
                NONE,
                "response `200` also sent as `text/plain`",
            ),
            (
                Box::new(|s| {
                    s["paths"]["/items"]["get"]["responses"]["200"]["headers"] =
                        json!({"X-Rate": {"schema": {"type": "integer"}}})
                }),
                SERVER,
                "response `200` header `x-rate` added",
            ),
            (
                Box::new(|s| {
                    item_of(s)["properties"]
                        .as_object_mut()
                        .unwrap()
                        .remove("note");
                }),
                BOTH,
                "field `note` removed",
            ),
            (
                Box::new(|s| item_of(s)["properties"]["extra"] = json!({"type": "string"})),
                SERVER,
                "field `extra` added",
            ),
            (
                Box::new(|s| item_of(s)["required"] = json!([])),
                BOTH,
                "field `id` became optional",
            ),
            (
                Box::new(|s| item_of(s)["properties"]["note"]["nullable"] = json!(true)),
                BOTH,
                "became nullable",
            ),
            (
                Box::new(|s| item_of(s)["properties"]["status"]["enum"] = json!(["ok"])),
                BOTH,
                "enum value \"failed\" removed",
            ),
            (
                Box::new(|s| {
                    item_of(s)["properties"]["status"]["enum"] = json!(["ok", "failed", "pending"])
                }),
                NONE,
                "enum value \"pending\" added",
            ),
            (
                Box::new(|s| item_of(s)["properties"]["id"]["format"] = json!("uuid")),
                BOTH,
                "type changed from string to string (uuid)",
            ),
        ]);
    }

    #[test]
    fn a_null_union_is_the_same_as_nullable() {
        let (mut old, mut new) = (
            spec("1.0.0", json!([]), item(), &["200"]),
            spec("1.0.0", json!([]), item(), &["200"]),
        );
        let link = json!({"type": "object", "properties": {"href": {"type": "string"}}});
        old["components"]["schemas"]["Link"] = link.clone();
        new["components"]["schemas"]["Link"] = link;
        item_of(&mut old)["properties"]["next"] =
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Link"}]});
        item_of(&mut new)["properties"]["next"] =
            json!({"anyOf": [{"$ref": "#/components/schemas/Link"}, {"type": "null"}]});
        let report = diff(&old, &new);
        assert!(report.changes.is_empty(), "{:?}", report.changes);
        // Dropping the null branch is still a change.
        item_of(&mut new)["properties"]["next"] = json!({"$ref": "#/components/schemas/Link"});
        assert!(diff(&old, &new).breaking());
    }

    #[test]
    fn added_and_removed_operations() {
        let old = spec("1.0.0", json!([]), item(), &["200"]);
        let mut new = old.clone();
        new["paths"]["/other"] = new["paths"]["/items"].clone();
        new["paths"]["/other"]["get"]["operationId"] = json!("listOther");
        let added = diff(&old, &new);
        assert_eq!(added.changes.len(), 1);
        assert_eq!(added.changes[0].breaks, SERVER);
        let removed = diff(&new, &old);
        assert_eq!(removed.changes[0].breaks, BOTH);
        assert!(
            removed.changes[0]
                .message
                .contains("operation `GET /other` removed")
        );
    }

    #[test]
    fn a_major_bump_allows_breaking_changes() {
        let old = spec("1.4.0", limit(json!({})), item(), &["200"]);
        let mut new = spec("1.5.0", limit(json!({})), item(), &["200"]);
        params(&mut new)[0]["required"] = json!(true);
        assert!(diff(&old, &new).fails());
        new["info"]["version"] = json!("2.0.0");
        let report = diff(&old, &new);
        assert!(report.breaking() && report.bump_allows_breaking() && !report.fails());
        // A corrected spec of the same service: the crates' own version moves instead.
        new["info"]["version"] = json!("1.5.0");
        new["info"]["x-crate-version"] = json!("2.0.0");
        let report = diff(&old, &new);
        assert_eq!(
            (report.old_version.as_str(), report.new_version.as_str()),
            ("1.4.0", "2.0.0")
        );
        assert!(!report.fails());
        new["info"]["x-crate-version"] = json!("1.6.0");
        assert!(diff(&old, &new).fails());
    }

    #[test]
    fn the_crate_versions_bump_is_judged_by_the_cargo_rule() {
        // (old `info.version`, new `info.version`, new `x-crate-version`, breaking allowed)
        for (old_version, new_version, crate_version, allowed) in [
            ("0.1.4", "0.2.0", None, true),
            ("0.1.4", "0.1.5", None, false),
            ("0.1.4", "0.1.4", Some("0.2.0"), true),
            ("0.0.3", "0.0.4", None, true),
            ("2.0.0", "1.0.0", None, false),
            // `info.version` is read as the generator makes it semver.
            ("v1", "v2", None, true),
            ("2026.06.3", "2027.01.0", None, true),
            ("2026.06.3", "2026.07.0", None, false),
        ] {
            let old = spec(old_version, limit(json!({})), item(), &["200"]);
            let mut new = spec(new_version, limit(json!({})), item(), &["200"]);
            if let Some(v) = crate_version {
                new["info"]["x-crate-version"] = json!(v);
            }
            params(&mut new)[0]["required"] = json!(true);
            let report = diff(&old, &new);
            assert!(report.breaking());
            assert_eq!(
                report.bump_allows_breaking(),
                allowed,
                "{old_version} -> {new_version} ({crate_version:?})"
            );
            assert_eq!(report.fails(), !allowed);
        }
        let report = diff(
            &spec("v1", json!([]), item(), &["200"]),
            &spec("2026.06.3", json!([]), item(), &["200"]),
        );
        assert_eq!(
            (report.old_version.as_str(), report.new_version.as_str()),
            ("1.0.0", "2026.6.3")
        );
    }

    fn op(s: &mut Value) -> &mut Value {
        &mut s["paths"]["/items"]["get"]
    }

    #[test]
    fn rejection_rules_are_classified() {
        let mut base = spec("1.0.0", limit(json!({})), item(), &["200", "400"]);
        base["x-server"] = json!({"unauthenticated": {"status": 401, "body": {}}});
        let mut added = base.clone();
        added["x-server"]["malformed-credentials"] = json!({"status": 400, "body": {}});
        added["x-server"]["unauthenticated"]["status"] = json!(403);
        let messages: Vec<(String, Breaks)> = diff(&base, &added)
            .changes
            .into_iter()
            .map(|c| (c.message, c.breaks))
            .collect();
        assert_eq!(
            messages,
            [
                ("`x-server.malformed-credentials` added (the stub answers such requests otherwise)".to_owned(), NONE),
                ("`x-server.unauthenticated` changed (the stub answers such requests otherwise)".to_owned(), NONE),
            ]
        );
    }

    #[test]
    fn extension_and_security_rules_are_classified() {
        let mut base = spec("1.0.0", limit(json!({})), item(), &["200", "400"]);
        base["paths"]["/items"]["get"]["x-pagination"] = json!({"style": "cursor", "items": "items", "cursor-param": "cursor", "next-cursor": "next"});
        base["paths"]["/items"]["get"]["parameters"][1]["schema"]["x-sort"] =
            json!({"columns": ["id"]});
        base["security"] = json!([{"token": []}]);
        base["components"]["securitySchemes"] =
            json!({"token": {"type": "http", "scheme": "bearer"}});
        type Edit = Box<dyn Fn(&mut Value)>;
        let cases: Vec<(Edit, Breaks, &str)> = vec![
            (
                Box::new(|s| {
                    op(s).as_object_mut().unwrap().remove("x-pagination");
                }),
                CLIENT,
                "`x-pagination` removed",
            ),
            (
                Box::new(|s| op(s)["x-pagination"]["next-cursor"] = json!("after")),
                CLIENT,
                "`x-pagination` changed",
            ),
            (
                Box::new(|s| op(s)["x-dropshot-pagination"] = json!({"required": []})),
                NONE,
                "`x-dropshot-pagination` added",
            ),
            (
                Box::new(|s| {
                    op(s)["parameters"][1]["schema"]["x-sort"] =
                        json!({"columns": ["id", "created_at"]})
                }),
                BOTH,
                "parameter `order`: `x-sort` changed",
            ),
            (
                Box::new(|s| {
                    op(s)["parameters"][0]["schema"]["x-predicate"] =
                        json!({"operators": ["eq"], "value": {"type": "integer"}})
                }),
                BOTH,
                "parameter `limit`: `x-predicate` added",
            ),
            (
                Box::new(|s| {
                    s["components"]["securitySchemes"]["token"] =
                        json!({"type": "apiKey", "in": "header", "name": "X-Key"})
                }),
                BOTH,
                "security scheme `token` changed",
            ),
            (
                Box::new(|s| {
                    s["components"]["securitySchemes"]["basic"] =
                        json!({"type": "http", "scheme": "basic"})
                }),
                SERVER,
                "security scheme `basic` added",
            ),
            (
                Box::new(|s| op(s)["security"] = json!([])),
                SERVER,
                "no longer requires credentials",
            ),
        ];
        for (edit, breaks, message) in cases {
            let mut new = base.clone();
            edit(&mut new);
            let report = diff(&base, &new);
            assert_eq!(report.changes.len(), 1, "{message}: {:#?}", report.changes);
            let c = &report.changes[0];
            assert_eq!(c.breaks, breaks, "{c}");
            assert!(c.message.contains(message), "{c}");
        }
        let mut gone = base.clone();
        gone["components"]
            .as_object_mut()
            .unwrap()
            .remove("securitySchemes");
        gone.as_object_mut().unwrap().remove("security");
        let report = diff(&base, &gone);
        assert!(
            report
                .changes
                .iter()
                .any(|c| c.breaks == BOTH && c.message.contains("security scheme `token` removed")),
            "{:#?}",
            report.changes
        );
    }
}
