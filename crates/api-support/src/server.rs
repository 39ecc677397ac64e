//! Runtime for the generated server stubs: reading and validating request
//! parameters into typed values while collecting every problem as an
//! [`Issue`], extracting credentials, and filling the spec's error-body
//! templates (`x-server` in a spec) with those issues.
//!
//! Issue kinds and messages follow pydantic's vocabulary (`missing`,
//! `int_parsing`, `less_than_equal`, ...): one well-known set, which the
//! FastAPI-based services send verbatim and the others' templates reword.

use std::fmt;
use std::str::FromStr;

use axum::http::HeaderMap;
use serde_json::{Map, Value};

use crate::Secret;

/// The parts of a multipart body already in memory. `multer` reads a stream;
/// this one is a single ready chunk, so the read never waits and completes in
/// one poll.
#[cfg(feature = "server-multipart")]
fn read_multipart(
    body: &[u8],
    boundary: String,
) -> Result<Vec<(String, crate::multipart::File)>, String> {
    use futures_util::FutureExt as _;
    let chunk = axum::body::Bytes::copy_from_slice(body);
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(chunk) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let read = async move {
        let mut parts = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(ToString::to_string);
            let bytes = field.bytes().await.map_err(|e| e.to_string())?;
            parts.push((
                name,
                crate::multipart::File {
                    bytes: bytes.to_vec(),
                    file_name,
                    content_type,
                },
            ));
        }
        Ok(parts)
    };
    read.now_or_never()
        .unwrap_or_else(|| Err("the body did not read in one pass".into()))
}

/// Where a parameter is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Query,
    Header,
    Path,
    /// The request body.
    Body,
}

impl fmt::Display for In {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            In::Query => "query",
            In::Header => "header",
            In::Path => "path",
            In::Body => "body",
        })
    }
}

/// One problem with one parameter of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub location: In,
    pub name: String,
    /// A pydantic-style error type, e.g. `less_than_equal`.
    pub kind: &'static str,
    /// A pydantic-style message, e.g. `Input should be less than or equal to 200`.
    pub message: String,
    /// The offending input, as received (empty when missing).
    pub input: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

/// The constraints of one scalar parameter value, from its schema.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub enum_values: &'static [&'static str],
    pub pattern: Option<&'static str>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    /// For array parameters: bounds on the number of items.
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// The schema's type and format, for the "should be a valid ..." message.
    pub kind: ValueKind,
    /// An integer's range by its `format` (`int64`: the 64-bit signed range), checked exactly.
    pub format_range: Option<(i128, i128)>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules::DEFAULT
    }
}

impl Rules {
    /// No constraint: any string.
    pub const DEFAULT: Rules = Rules {
        enum_values: &[],
        pattern: None,
        min_length: None,
        max_length: None,
        minimum: None,
        maximum: None,
        exclusive_minimum: false,
        exclusive_maximum: false,
        min_items: None,
        max_items: None,
        kind: ValueKind::String,
        format_range: None,
    };
}

/// A status code from its number; an invalid number (the generator never emits one) becomes 500.
pub fn status(code: u16) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}

/// Sets a documented response header when the handler gave it a value (a
/// value that is not a valid header value is left out rather than sent broken).
pub fn set_header<T: fmt::Display>(
    response: &mut axum::response::Response,
    name: &'static str,
    value: Option<T>,
) {
    if let Some(value) = value
        && let Ok(value) = axum::http::HeaderValue::from_str(&value.to_string())
        && let Ok(name) = axum::http::HeaderName::from_bytes(name.as_bytes())
    {
        response.headers_mut().insert(name, value);
    }
}

/// What a parameter value must parse as.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ValueKind {
    #[default]
    String,
    Integer,
    Number,
    Boolean,
    DateTime,
    Uuid,
}

impl ValueKind {
    fn parse_issue(self) -> (&'static str, &'static str) {
        match self {
            ValueKind::String => ("string_type", "Input should be a valid string"),
            ValueKind::Integer => (
                "int_parsing",
                "Input should be a valid integer, unable to parse string as an integer",
            ),
            ValueKind::Number => (
                "float_parsing",
                "Input should be a valid number, unable to parse string as a number",
            ),
            ValueKind::Boolean => (
                "bool_parsing",
                "Input should be a valid boolean, unable to interpret input",
            ),
            ValueKind::DateTime => (
                "datetime_from_date_parsing",
                "Input should be a valid datetime",
            ),
            ValueKind::Uuid => ("uuid_parsing", "Input should be a valid UUID"),
        }
    }
}

/// How an array parameter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// `explode: true`: `a=1&a=2`.
    Repeated,
    /// `explode: false`: `a=1,2`.
    Comma,
    /// `style: pipeDelimited`: `a=1|2`.
    Pipe,
    /// `style: spaceDelimited`: `a=1%202`.
    Space,
}

impl ListStyle {
    /// The character one value's items are joined by (`None`: the key repeats).
    pub fn delimiter(self) -> Option<char> {
        match self {
            ListStyle::Repeated => None,
            ListStyle::Comma => Some(','),
            ListStyle::Pipe => Some('|'),
            ListStyle::Space => Some(' '),
        }
    }
}

/// How many query pairs a request's parameters are read from.
pub const MAX_QUERY_PAIRS: usize = 1000;

/// How many issues an error body reports; the rest are counted ("and 3 more").
pub const MAX_REPORTED_ISSUES: usize = 20;

/// The parameters of one request, read on demand; problems are collected, not returned one by one.
pub struct Params<'a> {
    query: Vec<(String, String)>,
    headers: &'a HeaderMap,
    path: Vec<(String, String)>,
    issues: Vec<Issue>,
    /// The deep-object parameters read so far (`filter` of `filter[status]`).
    deep: Vec<String>,
}

impl<'a> Params<'a> {
    /// Decodes the raw query string (invalid UTF-8 becomes U+FFFD, never an error).
    ///
    /// At most [`MAX_QUERY_PAIRS`] pairs are read; a longer query is an issue of its own.
    pub fn new(query: Option<&str>, headers: &'a HeaderMap) -> Self {
        let mut pairs = form_urlencoded::parse(query.unwrap_or_default().as_bytes());
        let query: Vec<(String, String)> = pairs
            .by_ref()
            .take(MAX_QUERY_PAIRS)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut issues = Vec::new();
        if pairs.next().is_some() {
            issues.push(Issue {
                location: In::Query,
                name: "query".into(),
                kind: "too_long",
                message: format!("Query should have at most {MAX_QUERY_PAIRS} parameters"),
                input: String::new(),
            });
        }
        Params {
            query,
            headers,
            path: Vec::new(),
            issues,
            deep: Vec::new(),
        }
    }

    /// Reports every query parameter not in `known` (each name once), for
    /// services that reject what they do not know: a misspelt filter must not
    /// quietly mean "no filter".
    pub fn reject_unknown(&mut self, known: &[&str]) {
        let mut unknown: Vec<String> = self
            .query
            .iter()
            .map(|(k, _)| k)
            .filter(|k| {
                // `filter[status]` is a property of the deep object `filter`
                // (one read with `deep_object` before).
                let base = k.split_once('[').map_or(k.as_str(), |(base, _)| base);
                !known.contains(&k.as_str()) && !self.deep.iter().any(|d| d == base)
            })
            .cloned()
            .collect();
        unknown.dedup();
        let mut seen = std::collections::BTreeSet::new();
        for name in unknown {
            if seen.insert(name.clone()) {
                self.issue(
                    In::Query,
                    &name,
                    "extra_forbidden",
                    "Extra inputs are not permitted".into(),
                    String::new(),
                );
            }
        }
    }

    /// Adds the path parameters the router matched.
    pub fn with_path(mut self, path: Vec<(String, String)>) -> Self {
        self.path = path;
        self
    }

    /// The query parameters as received.
    pub fn query_pairs(&self) -> &[(String, String)] {
        &self.query
    }

    /// All values of a parameter, in order.
    fn raw_all(&mut self, location: In, name: &str) -> Vec<String> {
        match location {
            In::Query => self
                .query
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .collect(),
            In::Path => self
                .path
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .collect(),
            In::Body => Vec::new(),
            In::Header => {
                let mut out = Vec::new();
                for value in self.headers.get_all(name) {
                    match value.to_str() {
                        Ok(v) => out.push(v.to_owned()),
                        Err(_) => self.issue(location, name, "string_unicode", "Input should be a valid string, unable to parse raw data as a unicode string".into(), String::new()),
                    }
                }
                out
            }
        }
    }

    fn issue(
        &mut self,
        location: In,
        name: &str,
        kind: &'static str,
        message: String,
        input: String,
    ) {
        self.issues.push(Issue {
            location,
            name: name.to_owned(),
            kind,
            message,
            input,
        });
    }

    /// The last value of a scalar parameter (`a=1&a=2` reads `2`, as form decoders do).
    fn raw(&mut self, location: In, name: &str, required: bool) -> Option<String> {
        let value = self.raw_all(location, name).pop();
        if value.is_none() && required {
            self.issue(
                location,
                name,
                "missing",
                "Field required".into(),
                String::new(),
            );
        }
        value
    }

    /// Checks one value against its rules and parses it.
    fn check<T: FromStr<Err: fmt::Display>>(
        &mut self,
        location: In,
        name: &str,
        raw: &str,
        rules: &Rules,
    ) -> Option<T> {
        let before = self.issues.len();
        let chars = raw.chars().count();
        if let Some(min) = rules.min_length
            && chars < min
        {
            self.issue(
                location,
                name,
                "string_too_short",
                format!("String should have at least {min} characters"),
                raw.into(),
            );
        }
        if let Some(max) = rules.max_length
            && chars > max
        {
            self.issue(
                location,
                name,
                "string_too_long",
                format!("String should have at most {max} characters"),
                raw.into(),
            );
        }
        if !rules.enum_values.is_empty() && !rules.enum_values.contains(&raw) {
            let expected = quote_list(rules.enum_values);
            self.issue(
                location,
                name,
                "enum",
                format!("Input should be {expected}"),
                raw.into(),
            );
        }
        if let Some(pattern) = rules.pattern
            && !pattern_matches(pattern, raw)
        {
            self.issue(
                location,
                name,
                "string_pattern_mismatch",
                format!("String should match pattern '{pattern}'"),
                raw.into(),
            );
        }
        if self.issues.len() > before {
            return None;
        }
        // A number is read as the kind says first and checked against its bounds, so a
        // value out of bounds is reported as such even when the Rust type could not
        // hold it (`page=0` for a `NonZeroU64`).
        let number = match rules.kind {
            ValueKind::Integer => raw.parse::<i128>().ok().map(|n| n as f64),
            ValueKind::Number => raw.parse::<f64>().ok(),
            _ => None,
        };
        let not_a_date_time = rules.kind == ValueKind::DateTime && !is_rfc3339(raw);
        if not_a_date_time
            || (matches!(rules.kind, ValueKind::Integer | ValueKind::Number) && number.is_none())
        {
            let (kind, message) = rules.kind.parse_issue();
            self.issue(location, name, kind, message.into(), raw.into());
            return None;
        }
        if let (Some((low, high)), Ok(n)) = (rules.format_range, raw.parse::<i128>()) {
            if n > high {
                self.issue(
                    location,
                    name,
                    "less_than_equal",
                    format!("Input should be less than or equal to {high}"),
                    raw.into(),
                );
                return None;
            }
            if n < low {
                self.issue(
                    location,
                    name,
                    "greater_than_equal",
                    format!("Input should be greater than or equal to {low}"),
                    raw.into(),
                );
                return None;
            }
        }
        if let Some(n) = number {
            let show = |b: f64| {
                if b.fract() == 0.0 {
                    format!("{}", b as i64)
                } else {
                    b.to_string()
                }
            };
            match (rules.minimum, rules.exclusive_minimum) {
                (Some(min), false) if n < min => self.issue(
                    location,
                    name,
                    "greater_than_equal",
                    format!("Input should be greater than or equal to {}", show(min)),
                    raw.into(),
                ),
                (Some(min), true) if n <= min => self.issue(
                    location,
                    name,
                    "greater_than",
                    format!("Input should be greater than {}", show(min)),
                    raw.into(),
                ),
                _ => {}
            }
            match (rules.maximum, rules.exclusive_maximum) {
                (Some(max), false) if n > max => self.issue(
                    location,
                    name,
                    "less_than_equal",
                    format!("Input should be less than or equal to {}", show(max)),
                    raw.into(),
                ),
                (Some(max), true) if n >= max => self.issue(
                    location,
                    name,
                    "less_than",
                    format!("Input should be less than {}", show(max)),
                    raw.into(),
                ),
                _ => {}
            }
            if self.issues.len() > before {
                return None;
            }
        }
        match raw.parse::<T>() {
            Ok(value) => Some(value),
            // A string parsed into a richer type (a typed filter, a sort key): its own reason,
            // e.g. that `gt:9223372036854775808` is not a valid 64-bit integer.
            Err(e) if rules.kind == ValueKind::String => {
                self.issue(
                    location,
                    name,
                    "value_error",
                    format!("Value error, {e}"),
                    raw.into(),
                );
                None
            }
            Err(_) => {
                let (kind, message) = rules.kind.parse_issue();
                self.issue(location, name, kind, message.into(), raw.into());
                None
            }
        }
    }

    /// A scalar parameter: `None` when absent (or invalid, with an issue recorded).
    pub fn scalar<T: FromStr<Err: fmt::Display>>(
        &mut self,
        location: In,
        name: &str,
        required: bool,
        rules: &Rules,
    ) -> Option<T> {
        let raw = self.raw(location, name, required)?;
        self.check(location, name, &raw, rules)
    }

    /// An array parameter; item rules apply to every item.
    /// `rules` holds the item constraints and the list's `min_items`/`max_items`.
    pub fn list<T: FromStr<Err: fmt::Display>>(
        &mut self,
        location: In,
        name: &str,
        required: bool,
        style: ListStyle,
        rules: &Rules,
    ) -> Option<Vec<T>> {
        let raws = self.raw_all(location, name);
        if raws.is_empty() {
            if required {
                self.issue(
                    location,
                    name,
                    "missing",
                    "Field required".into(),
                    String::new(),
                );
            }
            return None;
        }
        let items: Vec<String> = match style {
            ListStyle::Repeated => raws,
            // `a=` is a list with no item.
            ListStyle::Comma | ListStyle::Pipe | ListStyle::Space => {
                let delimiter = style.delimiter().unwrap_or(',');
                raws.last()
                    .filter(|v| !v.is_empty())
                    .map(|v| v.split(delimiter).map(str::to_owned).collect())
                    .unwrap_or_default()
            }
        };
        let before = self.issues.len();
        let input = items.join(",");
        if let Some(min) = rules.min_items
            && items.len() < min
        {
            let s = if min == 1 { "" } else { "s" };
            self.issue(
                location,
                name,
                "too_short",
                format!(
                    "List should have at least {min} item{s} after validation, not {}",
                    items.len()
                ),
                input.clone(),
            );
        }
        if let Some(max) = rules.max_items
            && items.len() > max
        {
            let s = if max == 1 { "" } else { "s" };
            self.issue(
                location,
                name,
                "too_long",
                format!(
                    "List should have at most {max} item{s} after validation, not {}",
                    items.len()
                ),
                input,
            );
        }
        let parsed: Vec<Option<T>> = items
            .iter()
            .map(|item| self.check(location, name, item, rules))
            .collect();
        if self.issues.len() > before {
            None
        } else {
            parsed.into_iter().collect()
        }
    }

    /// Whether a body was sent; a missing required body is an issue.
    fn body_present(&mut self, body: &[u8], required: bool) -> bool {
        if body.is_empty() && required {
            self.issue(
                In::Body,
                "body",
                "missing",
                "Field required".into(),
                String::new(),
            );
        }
        !body.is_empty()
    }

    /// A `style: deepObject` query parameter (`filter[status]=active`) read
    /// into `T`: each property's text parsed as its field's type; `None` when
    /// no pair names it (an issue when it is required) or it does not decode.
    pub fn deep_object<T: serde::de::DeserializeOwned>(
        &mut self,
        name: &str,
        required: bool,
    ) -> Option<T> {
        self.deep.push(name.to_owned());
        let prefix = format!("{name}[");
        let mut inner = form_urlencoded::Serializer::new(String::new());
        let mut any = false;
        for (key, value) in &self.query {
            // `filter[a]` is `a`; `filter[a][b]` is `a[b]`.
            if let Some(rest) = key.strip_prefix(&prefix)
                && let Some((property, more)) = rest.split_once(']')
            {
                inner.append_pair(&format!("{property}{more}"), value);
                any = true;
            }
        }
        if !any {
            if required {
                self.issue(
                    In::Query,
                    name,
                    "missing",
                    "Field required".into(),
                    String::new(),
                );
            }
            return None;
        }
        let inner = inner.finish();
        match serde_urlencoded::from_str(&inner) {
            Ok(value) => Some(value),
            Err(e) => {
                self.issue(
                    In::Query,
                    name,
                    "model_type",
                    format!("Invalid deep object: {e}"),
                    inner,
                );
                None
            }
        }
    }

    /// A JSON request body (`None` when it is empty and not required, or does not decode).
    pub fn json_body<T: serde::de::DeserializeOwned>(
        &mut self,
        body: &[u8],
        required: bool,
    ) -> Option<T> {
        if !self.body_present(body, required) {
            return None;
        }
        match serde_json::from_slice(body) {
            Ok(value) => Some(value),
            Err(e) => {
                let kind = if e.is_syntax() || e.is_eof() {
                    "json_invalid"
                } else {
                    "model_type"
                };
                self.issue(
                    In::Body,
                    "body",
                    kind,
                    format!("Invalid body: {e}"),
                    String::new(),
                );
                None
            }
        }
    }

    /// A form request body (`application/x-www-form-urlencoded`; `None` when it is
    /// empty and not required, or does not decode).
    pub fn form_body<T: serde::de::DeserializeOwned>(
        &mut self,
        body: &[u8],
        required: bool,
    ) -> Option<T> {
        if !self.body_present(body, required) {
            return None;
        }
        match serde_urlencoded::from_bytes(body) {
            Ok(value) => Some(value),
            Err(e) => {
                self.issue(
                    In::Body,
                    "body",
                    "model_type",
                    format!("Invalid form body: {e}"),
                    String::new(),
                );
                None
            }
        }
    }

    /// A `multipart/form-data` request body (`None` when it is empty and not
    /// required, or does not decode), read part by part into `T` as
    /// [`crate::multipart`] describes; the boundary comes from `Content-Type`.
    #[cfg(feature = "server-multipart")]
    pub fn multipart_body<T: serde::de::DeserializeOwned>(
        &mut self,
        body: &[u8],
        required: bool,
    ) -> Option<T> {
        if !self.body_present(body, required) {
            return None;
        }
        let boundary = self
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| multer::parse_boundary(v).ok());
        let Some(boundary) = boundary else {
            self.issue(
                In::Body,
                "body",
                "model_type",
                "Expected a multipart/form-data body: Content-Type names no boundary".into(),
                String::new(),
            );
            return None;
        };
        let read = read_multipart(body, boundary)
            .and_then(|parts| crate::multipart::from_parts(parts).map_err(|e| e.to_string()));
        match read {
            Ok(value) => Some(value),
            Err(e) => {
                self.issue(
                    In::Body,
                    "body",
                    "model_type",
                    format!("Invalid multipart body: {e}"),
                    String::new(),
                );
                None
            }
        }
    }

    /// A raw request body (`None` when it is empty and not required).
    pub fn raw_body(
        &mut self,
        body: &axum::body::Bytes,
        required: bool,
    ) -> Option<axum::body::Bytes> {
        self.body_present(body, required).then(|| body.clone())
    }

    /// A text request body (`None` when it is empty and not required, or is not UTF-8).
    pub fn text_body(&mut self, body: &[u8], required: bool) -> Option<String> {
        if !self.body_present(body, required) {
            return None;
        }
        match std::str::from_utf8(body) {
            Ok(text) => Some(text.to_owned()),
            Err(_) => {
                self.issue(
                    In::Body,
                    "body",
                    "string_unicode",
                    "Input should be a valid string, unable to parse raw data as a unicode string"
                        .into(),
                    String::new(),
                );
                None
            }
        }
    }

    /// The collected issues, or `Ok` when there are none.
    pub fn finish(self) -> Result<(), Vec<Issue>> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(self.issues)
        }
    }
}

/// An RFC 3339 date-time as requests must send it: a four-digit year, `T`
/// between date and time, an offset (`Z` or `±hh:mm`). [`crate::Timestamp`]
/// reads responses more leniently (no offset, a space); a request that relies
/// on that gets the service's 400 from the stub, as it would from the service.
pub fn is_rfc3339(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.len() >= 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && matches!(b[10], b'T' | b't')
        && chrono::DateTime::parse_from_rfc3339(raw).is_ok()
}

fn quote_list(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

fn pattern_matches(pattern: &str, value: &str) -> bool {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    static CACHE: LazyLock<Mutex<HashMap<String, Option<regress::Regex>>>> =
        LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let regex = cache
        .entry(pattern.to_owned())
        .or_insert_with(|| regress::Regex::new(pattern).ok());
    // A pattern that does not compile rejects nothing; `cargo xtask lint` checks that every pattern compiles.
    regex.as_ref().is_none_or(|r| r.find(value).is_some())
}

/// `Authorization: Bearer <token>` (the scheme name is case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Option<Secret> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| Secret::from(token))
}

/// The user and password of `Authorization: Basic <base64 of user:password>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    pub username: String,
    /// Never shown by `Debug`.
    pub password: Secret,
}

/// `Authorization: Basic <credentials>` (RFC 7617; the scheme name is case-insensitive).
pub fn basic_credentials(headers: &HeaderMap) -> Option<BasicCredentials> {
    use base64::Engine as _;
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let (username, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    Some(BasicCredentials {
        username: username.to_owned(),
        password: Secret::from(password),
    })
}

/// An API key sent in a header.
pub fn header_key(headers: &HeaderMap, name: &str) -> Option<Secret> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| Secret::from(value))
}

/// How BloodHound starts the message of every refused signed request (`ValidateRequestSignature`).
const SIGNATURE_REFUSED: &str = "unable to validate request signature for client";

/// A request signed with a BloodHound-style API token (`Authorization: bhesignature <token id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    /// The public token id; look its key up, then [`SignedRequest::verify`].
    pub token_id: String,
    pub request_date: String,
    signature: Secret,
    method: String,
    uri: String,
}

impl SignedRequest {
    /// Whether the signature was made with `token_key` for this very request,
    /// at a `RequestDate` within an hour of now (a captured signature is not
    /// taken again later: [`crate::signing::DATE_WINDOW`]).
    pub fn verify(&self, token_key: &str) -> bool {
        self.verify_at(token_key, chrono::Utc::now())
    }

    /// [`SignedRequest::verify`] against the clock reading `now`.
    pub fn verify_at(&self, token_key: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.check_at(token_key, now).is_ok()
    }

    /// [`SignedRequest::verify`], saying why a request is refused in
    /// BloodHound's words (`ValidateRequestSignature`): "unable to validate
    /// request signature for client: signature too far ahead by 61.00
    /// minutes. ..." or "...: digest validation failed: signature digest
    /// mismatch".
    pub fn check_at(
        &self,
        token_key: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), String> {
        let prefix = SIGNATURE_REFUSED;
        let date = chrono::DateTime::parse_from_rfc3339(&self.request_date)
            .map_err(|e| format!("{prefix}: malformed request date: malformed request date: {e}"))?
            .to_utc();
        if !crate::signing::date_in_window(&self.request_date, now) {
            let skew = date - now;
            let direction = if skew > chrono::TimeDelta::zero() {
                "ahead"
            } else {
                "behind"
            };
            #[allow(clippy::cast_precision_loss)]
            let minutes = skew.abs().num_milliseconds() as f64 / 60_000.0;
            return Err(format!(
                "{prefix}: signature too far {direction} by {minutes:.2} minutes. Server time is {}. Client time is {}",
                now.to_rfc3339(),
                date.to_rfc3339()
            ));
        }
        if crate::signing::verify(
            token_key,
            &self.method,
            &self.uri,
            &self.request_date,
            b"",
            self.signature.expose(),
        ) {
            Ok(())
        } else {
            Err(format!(
                "{prefix}: digest validation failed: signature digest mismatch"
            ))
        }
    }
}

/// The signed-request credentials of a request, if it carries them (`uri`: path and query).
pub fn signed_request(headers: &HeaderMap, method: &str, uri: &str) -> Option<SignedRequest> {
    let authorization = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token_id) = authorization.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bhesignature") || token_id.trim().is_empty() {
        return None;
    }
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Some(SignedRequest {
        token_id: token_id.trim().to_owned(),
        request_date: text("requestdate")?,
        signature: Secret::from(text("signature")?),
        method: method.to_owned(),
        uri: uri.to_owned(),
    })
}

/// Why an `Authorization` header cannot be read by any of `schemes` (the
/// lowercase schemes the operation takes: `bearer`, `basic`,
/// `bhesignature`), in BloodHound's words (`middleware/auth.go`,
/// `ValidateRequestSignature`), which answers these with 400 before any
/// credential is checked; `None`: no such header, or a readable one.
///
/// * not exactly two parts split by one space: "Expected only two components
///   for the Authorization header."
/// * a scheme the operation does not take: "Unexpected authorization scheme: <scheme>."
/// * `bhesignature` with a token id that is no UUID: "Token ID is malformed."
/// * a signed request without a `RequestDate`, with one that is no RFC 3339
///   time, without a `Signature` or with one that is no base64: "unable to
///   validate request signature for client: ..." (`no request date header`,
///   `malformed request date: ...`, `no signature header`, `malformed
///   signature header: ...`).
pub fn malformed_authorization(headers: &HeaderMap, schemes: &[&str]) -> Option<String> {
    use base64::Engine as _;
    let value = headers.get(axum::http::header::AUTHORIZATION)?;
    let Ok(value) = value.to_str() else {
        return Some("Expected only two components for the Authorization header.".into());
    };
    let parts: Vec<&str> = value.split(' ').collect();
    let [scheme, credential] = parts[..] else {
        return Some("Expected only two components for the Authorization header.".into());
    };
    let scheme = scheme.to_ascii_lowercase();
    if !schemes.contains(&scheme.as_str()) {
        return Some(format!("Unexpected authorization scheme: {scheme}."));
    }
    if scheme != "bhesignature" {
        return None;
    }
    if uuid::Uuid::parse_str(credential).is_err() {
        return Some("Token ID is malformed.".into());
    }
    let prefix = SIGNATURE_REFUSED;
    let text = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("\u{fffd}"));
    let Some(date) = text("requestdate") else {
        return Some(format!("{prefix}: no request date header"));
    };
    if let Err(e) = chrono::DateTime::parse_from_rfc3339(date) {
        return Some(format!(
            "{prefix}: malformed request date: malformed request date: {e}"
        ));
    }
    let Some(signature) = text("signature") else {
        return Some(format!("{prefix}: no signature header"));
    };
    match base64::engine::general_purpose::STANDARD.decode(signature) {
        Ok(_) => None,
        Err(e) => Some(format!("{prefix}: malformed signature header: {e}")),
    }
}

/// Why credentials were refused, as the implementation tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    pub message: String,
}

impl AuthError {
    pub fn new(message: impl Into<String>) -> Self {
        AuthError {
            message: message.into(),
        }
    }
}

/// Placeholders outside the issues: `{message}`, `{now}`, `{request_id}`.
pub struct TemplateContext<'a> {
    pub message: &'a str,
    pub request_id: String,
}

impl TemplateContext<'_> {
    /// The `X-Request-Id` header when sent, else a fresh random id.
    pub fn request_id(headers: &HeaderMap) -> String {
        headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 200)
            .map(str::to_owned)
            .unwrap_or_else(random_id)
    }
}

fn random_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The body a rejection answers with: the `x-server` template (JSON text) filled with
/// the issues, the message and the request id, decoded as the status's documented type.
/// `Err` carries the filled JSON when it does not fit that type.
pub fn answer<T: serde::de::DeserializeOwned>(
    template: &str,
    issues: &[Issue],
    message: &str,
    headers: &HeaderMap,
) -> Result<T, Value> {
    let template: Value = serde_json::from_str(template).unwrap_or_default();
    let ctx = TemplateContext {
        message,
        request_id: TemplateContext::request_id(headers),
    };
    let filled = fill_template(&template, issues, &ctx);
    serde_json::from_value(filled.clone()).map_err(|_| filled)
}

/// How [`serve`] guards a stub against slow or oversized requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// A connection that has not sent a request's headers within this time is closed.
    pub header_read_timeout: std::time::Duration,
    /// The most bytes of headers buffered for one request.
    pub max_header_bytes: usize,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_read_timeout: std::time::Duration::from_secs(10),
            max_header_bytes: 64 * 1024,
        }
    }
}

/// Serves a stub's `router` (HTTP/1.1) until `shutdown` completes, with
/// [`ServeLimits`]: a half-sent request does not hold its connection open,
/// and headers are bounded. `axum::serve` sets neither; a stub facing the
/// network should be served with this (or behind a proxy that sets them).
/// Request bodies are bounded by axum's default body limit (2 MB).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    limits: ServeLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, say: wait a little rather than stop serving.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        tokio::spawn(async move {
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .max_buf_size(limits.max_header_bytes.max(8192))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

/// A rejection in the RFC 9457 style (`application/problem+json`), for specs
/// that do not describe their own error envelope (no `x-server`): the template
/// is filled as [`answer`] fills one.
pub fn problem(
    template: &str,
    status: u16,
    issues: &[Issue],
    message: &str,
    headers: &HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body: Value = answer(template, issues, message, headers).unwrap_or_else(|filled| filled);
    (
        self::status(status),
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// The answer to an operation the stub does not serve (the spec uses a construct
/// the server generator does not support; the client still supports it): 501
/// with a problem body naming the operation and the reason.
pub fn not_implemented(operation: &str, reason: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::json!({
        "type": "about:blank",
        "title": "Not Implemented",
        "status": 501,
        "detail": format!("this server stub does not serve `{operation}`: {reason}"),
    });
    (
        axum::http::StatusCode::NOT_IMPLEMENTED,
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// Fills an error-body template from the spec's `x-server` extension.
///
/// * In strings: `{summary}` (every issue as `name: message`, joined by `; `),
///   `{message}`, `{now}`, `{request_id}`; inside `$each_issue` also `{in}`,
///   `{name}`, `{type}`, `{msg}`, `{input}`.
/// * An array element `{"$each_issue": T}` becomes one `T` per issue.
///
/// The first [`MAX_REPORTED_ISSUES`] issues are reported (`{summary}` ends
/// with "and N more"); the cost is linear in the template and those issues.
/// Only the template's own placeholders are filled: a request value that
/// looks like one (`X-Request-Id: {now}`) is copied as it is.
pub fn fill_template(template: &Value, issues: &[Issue], ctx: &TemplateContext<'_>) -> Value {
    let reported = &issues[..issues.len().min(MAX_REPORTED_ISSUES)];
    let mut summary = reported
        .iter()
        .map(Issue::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if issues.len() > reported.len() {
        summary.push_str(&format!("; and {} more", issues.len() - reported.len()));
    }
    let fill = Fill {
        issues: reported,
        summary: &summary,
        ctx,
        now: std::cell::OnceCell::new(),
    };
    fill.value(template, None)
}

/// One template filling: what the placeholders stand for.
struct Fill<'a> {
    issues: &'a [Issue],
    summary: &'a str,
    ctx: &'a TemplateContext<'a>,
    now: std::cell::OnceCell<String>,
}

impl Fill<'_> {
    fn value(&self, template: &Value, issue: Option<&Issue>) -> Value {
        match template {
            Value::String(s) => Value::String(self.text(s, issue)),
            Value::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item.get("$each_issue") {
                        Some(each) => {
                            out.extend(self.issues.iter().map(|i| self.value(each, Some(i))))
                        }
                        None => out.push(self.value(item, issue)),
                    }
                }
                Value::Array(out)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.value(v, issue)))
                    .collect::<Map<_, _>>(),
            ),
            other => other.clone(),
        }
    }

    /// One pass over the template text: a placeholder's value is never read again.
    fn text(&self, template: &str, issue: Option<&Issue>) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start..];
            let value = after
                .find('}')
                .and_then(|end| Some((self.placeholder(&after[1..end], issue)?, end)));
            match value {
                Some((value, end)) => {
                    out.push_str(&value);
                    rest = &after[end + 1..];
                }
                None => {
                    out.push('{');
                    rest = &after[1..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn placeholder(&self, name: &str, issue: Option<&Issue>) -> Option<String> {
        Some(match (name, issue) {
            ("summary", _) => self.summary.to_owned(),
            ("message", _) => self.ctx.message.to_owned(),
            ("request_id", _) => self.ctx.request_id.clone(),
            ("now", _) => self
                .now
                .get_or_init(|| crate::Timestamp::from(chrono::Utc::now()).to_string())
                .clone(),
            ("in", Some(i)) => i.location.to_string(),
            ("name", Some(i)) => i.name.clone(),
            ("type", Some(i)) => i.kind.to_owned(),
            ("msg", Some(i)) => i.message.clone(),
            ("input", Some(i)) => i.input.clone(),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(query: &str) -> (HeaderMap, String) {
        (HeaderMap::new(), query.to_owned())
    }

    #[tokio::test]
    async fn a_half_sent_request_does_not_hold_its_connection() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let limits = ServeLimits {
            header_read_timeout: std::time::Duration::from_millis(200),
            ..ServeLimits::default()
        };
        let router = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
        let server = tokio::spawn(serve(listener, router, limits, std::future::pending()));

        let mut whole = tokio::net::TcpStream::connect(address).await.unwrap();
        whole
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        whole.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

        let mut half = tokio::net::TcpStream::connect(address).await.unwrap();
        half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            half.read_to_end(&mut rest),
        )
        .await;
        assert!(
            closed.is_ok(),
            "the half-sent request kept its connection open"
        );
        server.abort();
    }

    #[test]
    fn an_integer_format_bounds_the_value_exactly() {
        let headers = HeaderMap::new();
        let rules = Rules {
            kind: ValueKind::Integer,
            minimum: Some(1.0),
            format_range: Some((i128::from(i64::MIN), i128::from(i64::MAX))),
            ..Rules::default()
        };
        let mut p = Params::new(
            Some("a=9223372036854775807&b=9223372036854775808"),
            &headers,
        );
        assert_eq!(
            p.scalar::<std::num::NonZeroU64>(In::Query, "a", false, &rules)
                .map(|n| n.get()),
            Some(i64::MAX as u64)
        );
        assert!(
            p.scalar::<std::num::NonZeroU64>(In::Query, "b", false, &rules)
                .is_none()
        );
        let issues = p.finish().unwrap_err();
        assert_eq!(
            issues[0].message,
            "Input should be less than or equal to 9223372036854775807"
        );
    }

    #[test]
    fn date_times_in_requests_are_rfc_3339_only() {
        for ok in [
            "2026-11-01T12:00:00Z",
            "2026-11-01t12:00:00.123456z",
            "2026-11-01T14:00:00+02:00",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "-262143-01-01T00:00:00",
            "2026-11-01T12:00:00",
            "2026-11-01 12:00:00Z",
            "12026-11-01T12:00:00Z",
            "202026-11-01T12:00:00Z",
            "2026-11-01",
            "yesterday",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
            let query = format!("since={}", bad.replace('+', "%2B"));
            let headers = HeaderMap::new();
            let mut p = Params::new(Some(&query), &headers);
            let rules = Rules {
                kind: ValueKind::DateTime,
                ..Rules::default()
            };
            assert!(
                p.scalar::<crate::Timestamp>(In::Query, "since", false, &rules)
                    .is_none()
            );
            assert_eq!(
                p.finish().unwrap_err()[0].kind,
                "datetime_from_date_parsing",
                "{bad}"
            );
        }
    }

    #[test]
    fn request_values_are_never_read_as_placeholders() {
        let mut headers = HeaderMap::new();
        headers.insert("x-request-id", "{now}{summary}".parse().unwrap());
        let issue = Issue {
            location: In::Query,
            name: "id".into(),
            kind: "int_parsing",
            message: "Input should be a valid integer".into(),
            input: "{request_id}{message}".into(),
        };
        let ctx = TemplateContext {
            message: "{input}",
            request_id: TemplateContext::request_id(&headers),
        };
        let filled = fill_template(
            &json!({"id": "{request_id}", "m": "{message}", "e": [{"$each_issue": "{input}|{unknown}|{"}]}),
            &[issue],
            &ctx,
        );
        assert_eq!(
            filled,
            json!({"id": "{now}{summary}", "m": "{input}", "e": ["{request_id}{message}|{unknown}|{"]})
        );
    }

    #[test]
    fn reported_issues_and_read_pairs_are_capped() {
        let query = "id=x&".repeat(12_000);
        let headers = HeaderMap::new();
        let mut p = Params::new(Some(&query), &headers);
        assert_eq!(p.query_pairs().len(), MAX_QUERY_PAIRS);
        let ids = p.list::<i64>(
            In::Query,
            "id",
            false,
            ListStyle::Repeated,
            &Rules {
                kind: ValueKind::Integer,
                ..Rules::default()
            },
        );
        assert!(ids.is_none());
        let issues = p.finish().unwrap_err();
        assert_eq!(issues.len(), MAX_QUERY_PAIRS + 1);
        assert_eq!(issues[0].kind, "too_long");
        let ctx = TemplateContext {
            message: "",
            request_id: "r".into(),
        };
        let filled = fill_template(
            &json!({"detail": "{summary}", "each": [{"$each_issue": "{name}"}]}),
            &issues,
            &ctx,
        );
        let detail = filled["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("query: Query should have at most 1000 parameters; id: "),
            "{detail}"
        );
        assert!(detail.ends_with("; and 981 more"), "{detail}");
        assert_eq!(
            filled["each"].as_array().unwrap().len(),
            MAX_REPORTED_ISSUES
        );
    }

    #[test]
    fn bodies_are_read_and_every_problem_is_an_issue() {
        let headers = HeaderMap::new();
        let mut p = Params::new(None, &headers);
        assert_eq!(p.json_body::<Value>(b"", false), None);
        assert_eq!(
            p.json_body::<Value>(br#"{"a":1}"#, true),
            Some(json!({"a": 1}))
        );
        assert_eq!(p.json_body::<u32>(b"", true), None);
        assert_eq!(p.json_body::<Value>(b"{", true), None);
        assert_eq!(p.json_body::<u32>(b"\"x\"", true), None);
        assert_eq!(p.text_body(b"hi", true), Some("hi".to_owned()));
        assert_eq!(
            p.form_body::<Value>(b"name=a+b&n=1", true),
            Some(json!({"name": "a b", "n": "1"}))
        );
        assert_eq!(
            p.form_body::<std::collections::BTreeMap<String, u8>>(b"n=x", true),
            None
        );
        assert_eq!(p.text_body(&[0xff, 0xfe], true), None);
        let raw = axum::body::Bytes::from_static(b"\x00\x01");
        assert_eq!(p.raw_body(&raw, true), Some(raw.clone()));
        let kinds: Vec<(In, &str)> = p
            .finish()
            .unwrap_err()
            .iter()
            .map(|i| (i.location, i.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                (In::Body, "missing"),
                (In::Body, "json_invalid"),
                (In::Body, "model_type"),
                (In::Body, "model_type"),
                (In::Body, "string_unicode")
            ]
        );
    }

    #[test]
    fn problems_and_unserved_operations_answer_rfc_9457_bodies() {
        let issue = Issue {
            location: In::Query,
            name: "limit".into(),
            kind: "int_parsing",
            message: "Input should be a valid integer".into(),
            input: "x".into(),
        };
        let template =
            r#"{"type":"about:blank","title":"Bad Request","status":400,"detail":"{summary}"}"#;
        for (response, status) in [
            (problem(template, 400, &[issue], "", &HeaderMap::new()), 400),
            (not_implemented("upload", "a form body"), 501),
        ] {
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(
                response.headers()[axum::http::header::CONTENT_TYPE],
                "application/problem+json"
            );
        }
    }

    #[test]
    fn scalars_are_checked_against_their_rules() {
        let (headers, q) = params("limit=500&page=x&order=up&id=eq:5&ok=7");
        let mut p = Params::new(Some(&q), &headers);
        let int = Rules {
            kind: ValueKind::Integer,
            minimum: Some(1.0),
            maximum: Some(200.0),
            ..Rules::default()
        };
        assert_eq!(p.scalar::<i64>(In::Query, "limit", false, &int), None);
        assert_eq!(p.scalar::<i64>(In::Query, "page", false, &int), None);
        assert_eq!(p.scalar::<i64>(In::Query, "ok", false, &int), Some(7));
        let order = Rules {
            enum_values: &["asc", "desc"],
            ..Rules::default()
        };
        assert_eq!(p.scalar::<String>(In::Query, "order", false, &order), None);
        let pat = Rules {
            pattern: Some("^(eq|neq):[0-9]+$"),
            ..Rules::default()
        };
        assert_eq!(
            p.scalar::<String>(In::Query, "id", true, &pat),
            Some("eq:5".into())
        );
        assert_eq!(
            p.scalar::<String>(In::Query, "missing", true, &Rules::default()),
            None
        );
        let issues = p.finish().unwrap_err();
        let kinds: Vec<_> = issues.iter().map(|i| (i.name.as_str(), i.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("limit", "less_than_equal"),
                ("page", "int_parsing"),
                ("order", "enum"),
                ("missing", "missing")
            ]
        );
        assert_eq!(
            issues[0].message,
            "Input should be less than or equal to 200"
        );
        assert_eq!(issues[2].message, "Input should be 'asc' or 'desc'");
    }

    #[test]
    fn lists_read_both_styles() {
        let (headers, q) = params("types=a,b&sort_by=id&sort_by=-name&n=1,x");
        let mut p = Params::new(Some(&q), &headers);
        let r = Rules::default();
        assert_eq!(
            p.list::<String>(In::Query, "types", false, ListStyle::Comma, &r),
            Some(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            p.list::<String>(In::Query, "sort_by", false, ListStyle::Repeated, &r),
            Some(vec!["id".into(), "-name".into()])
        );
        let int = Rules {
            kind: ValueKind::Integer,
            ..Rules::default()
        };
        assert_eq!(
            p.list::<i64>(In::Query, "n", false, ListStyle::Comma, &int),
            None
        );
        assert_eq!(p.finish().unwrap_err()[0].input, "x");

        let (headers, q) = params("types=&ids=1&ids=2&ids=3");
        let mut p = Params::new(Some(&q), &headers);
        let bounded = Rules {
            min_items: Some(1),
            max_items: Some(2),
            ..Rules::default()
        };
        assert_eq!(
            p.list::<String>(In::Query, "types", false, ListStyle::Comma, &bounded),
            None
        );
        assert_eq!(
            p.list::<String>(In::Query, "ids", false, ListStyle::Repeated, &bounded),
            None
        );
        let issues = p.finish().unwrap_err();
        assert_eq!(
            issues[0].message,
            "List should have at least 1 item after validation, not 0"
        );
        assert_eq!(
            issues[1].message,
            "List should have at most 2 items after validation, not 3"
        );
    }

    #[test]
    fn malformed_input_never_panics() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-bad",
            axum::http::HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        );
        let mut p = Params::new(Some("a=%ff%fe&%zz=1&&=&b"), &headers);
        assert!(
            p.scalar::<String>(In::Header, "x-bad", false, &Rules::default())
                .is_none()
        );
        assert_eq!(
            p.scalar::<String>(In::Query, "a", false, &Rules::default()),
            Some("\u{fffd}\u{fffd}".into())
        );
        assert_eq!(p.finish().unwrap_err()[0].kind, "string_unicode");
    }

    #[test]
    fn templates_are_filled_per_issue() {
        let issues = vec![
            Issue {
                location: In::Query,
                name: "limit".into(),
                kind: "less_than_equal",
                message: "too big".into(),
                input: "500".into(),
            },
            Issue {
                location: In::Query,
                name: "page".into(),
                kind: "int_parsing",
                message: "not a number".into(),
                input: "x".into(),
            },
        ];
        let ctx = TemplateContext {
            message: "",
            request_id: "r-1".into(),
        };
        let fastapi = json!({"detail": [{"$each_issue": {"loc": ["{in}", "{name}"], "msg": "{msg}", "type": "{type}", "input": "{input}"}}]});
        assert_eq!(
            fill_template(&fastapi, &issues, &ctx),
            json!({"detail": [
                {"loc": ["query", "limit"], "msg": "too big", "type": "less_than_equal", "input": "500"},
                {"loc": ["query", "page"], "msg": "not a number", "type": "int_parsing", "input": "x"}]})
        );
        let cf = json!({"errors": [{"code": 10005, "detail": "The query parameter is invalid: {summary}", "id": "{request_id}"}]});
        assert_eq!(
            fill_template(&cf, &issues, &ctx),
            json!({"errors": [{"code": 10005, "detail": "The query parameter is invalid: limit: too big; page: not a number", "id": "r-1"}]})
        );
    }

    #[test]
    fn credentials_are_read_from_headers() {
        let mut h = HeaderMap::new();
        h.insert("authorization", "bearer abc".parse().unwrap());
        h.insert("x-api-key", " k ".parse().unwrap());
        assert_eq!(bearer_token(&h).unwrap().expose(), "abc");
        assert_eq!(header_key(&h, "X-API-Key").unwrap().expose(), "k");
        assert!(basic_credentials(&h).is_none());
        h.insert("authorization", "Basic abc".parse().unwrap());
        assert!(bearer_token(&h).is_none());
        assert!(
            basic_credentials(&h).is_none(),
            "not base64 of user:password"
        );
        h.insert(
            "authorization",
            "basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==".parse().unwrap(),
        );
        let basic = basic_credentials(&h).unwrap();
        assert_eq!(
            (basic.username.as_str(), basic.password.expose()),
            ("Aladdin", "open sesame")
        );
        assert!(!format!("{basic:?}").contains("open sesame"));
        let id = TemplateContext::request_id(&HeaderMap::new());
        assert_eq!(id.len(), 36);
    }

    #[test]
    fn signed_requests_are_read_and_verified() {
        let date = "2026-11-22T01:02:03+00:00";
        let signature =
            crate::signing::signature("key-1", "GET", "/api/v2/audit?limit=5", date, b"");
        let mut h = HeaderMap::new();
        h.insert("authorization", "bhesignature id-1".parse().unwrap());
        h.insert("requestdate", date.parse().unwrap());
        h.insert("signature", signature.parse().unwrap());
        let signed = signed_request(&h, "GET", "/api/v2/audit?limit=5").unwrap();
        let soon = chrono::DateTime::parse_from_rfc3339("2026-11-22T01:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(signed.token_id, "id-1");
        assert!(signed.verify_at("key-1", soon));
        assert!(!signed.verify_at("key-2", soon));
        assert!(
            !signed_request(&h, "GET", "/api/v2/audit?limit=6")
                .unwrap()
                .verify_at("key-1", soon),
            "another URI"
        );
        // The same signature a day later (or now) is a replay: refused.
        assert!(!signed.verify_at("key-1", soon + chrono::TimeDelta::days(1)));
        assert!(!signed.verify("key-1"));
        assert!(!format!("{signed:?}").contains(&signature));
        h.remove("signature");
        assert!(signed_request(&h, "GET", "/").is_none());
    }

    #[test]
    fn refused_signatures_say_why_in_the_services_words() {
        let date = "2026-11-22T01:02:03+00:00";
        let signature = crate::signing::signature("key-1", "GET", "/a", date, b"");
        let mut h = HeaderMap::new();
        h.insert("authorization", "bhesignature id-1".parse().unwrap());
        h.insert("requestdate", date.parse().unwrap());
        h.insert("signature", signature.parse().unwrap());
        let signed = signed_request(&h, "GET", "/a").unwrap();
        let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc();
        assert_eq!(signed.check_at("key-1", at("2026-11-22T02:02:03Z")), Ok(()));
        let prefix = "unable to validate request signature for client: ";
        let late = signed
            .check_at("key-1", at("2026-11-22T02:03:03Z"))
            .unwrap_err();
        assert!(
            late.starts_with(&format!(
                "{prefix}signature too far behind by 61.00 minutes."
            )),
            "{late}"
        );
        let early = signed
            .check_at("key-1", at("2026-11-21T23:00:00Z"))
            .unwrap_err();
        assert!(early.contains("too far ahead by 122.05 minutes"), "{early}");
        assert_eq!(
            signed.check_at("key-2", at("2026-11-22T01:00:00Z")),
            Err(format!(
                "{prefix}digest validation failed: signature digest mismatch"
            ))
        );
    }

    #[test]
    fn unreadable_authorization_headers_are_malformed_not_missing() {
        let schemes = ["bearer", "bhesignature"];
        let id = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
        let reason = |pairs: &[(&str, &str)]| {
            let mut h = HeaderMap::new();
            for (name, value) in pairs {
                h.insert(
                    axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
            malformed_authorization(&h, &schemes)
        };
        let two = "Expected only two components for the Authorization header.";
        let prefix = "unable to validate request signature for client: ";
        let signed = format!("bhesignature {id}");
        let date = ("requestdate", "2026-11-22T01:02:03Z");
        for (pairs, expected) in [
            (vec![], None),
            (vec![("authorization", "Bearer jwt")], None),
            (vec![("authorization", "BEARER jwt")], None),
            (vec![("authorization", "Bearer")], Some(two.to_owned())),
            (vec![("authorization", "Bearer  jwt")], Some(two.to_owned())),
            (vec![("authorization", "Bearer a b")], Some(two.to_owned())),
            (
                vec![("authorization", "Basic dTpw")],
                Some("Unexpected authorization scheme: basic.".to_owned()),
            ),
            (
                vec![("authorization", "bhesignature abc")],
                Some("Token ID is malformed.".to_owned()),
            ),
            (
                vec![("authorization", &signed)],
                Some(format!("{prefix}no request date header")),
            ),
            (
                vec![("authorization", &signed), date],
                Some(format!("{prefix}no signature header")),
            ),
            (
                vec![("authorization", &signed), date, ("signature", "AAAA")],
                None,
            ),
        ] {
            assert_eq!(reason(&pairs), expected, "{pairs:?}");
        }
        let bad_date = reason(&[("authorization", &signed), ("requestdate", "yesterday")]).unwrap();
        assert!(
            bad_date.starts_with(&format!(
                "{prefix}malformed request date: malformed request date: "
            )),
            "{bad_date}"
        );
        let bad_signature = reason(&[
            ("authorization", &signed),
            date,
            ("signature", "not base64!"),
        ])
        .unwrap();
        assert!(
            bad_signature.starts_with(&format!("{prefix}malformed signature header: ")),
            "{bad_signature}"
        );
    }
}
