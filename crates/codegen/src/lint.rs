//! `cargo xtask lint`: the rules every spec must keep, beyond what
//! generation needs. Each problem names the file, a JSON pointer and the rule.
//!
//! | rule | what it checks |
//! |---|---|
//! | `structure` | OpenAPI 3.0.x, `operationId`s unique, status keys, every `$ref` resolves |
//! | `operation-id` | every operation names itself (without an `operationId` the generator derives one from the method and path, which a new path would change) |
//! | `error-responses` | every operation documents at least one error response |
//! | `security` | every operation has a security requirement, naming declared schemes |
//! | `parameter-name` | parameter names use the characters the services accept (`a-z A-Z 0-9 _ - .`, brackets for operators) |
//! | `pattern` | every `pattern` compiles as the ECMA 262 regex the generated code checks it with (`regress`) |
//! | `example` | every `example`/`examples` value (responses, request bodies, parameters of operations and paths, response headers, schemas; through every `$ref`, reported once where it is written) and `default` validates against its schema (JSON Schema, via the `jsonschema` crate) |
//! | `generates` | the workspace's own extensions (`x-pagination`, `x-server`, `x-predicate`, `x-sort`) are well formed and the generator accepts the spec |
//! | `settings` | `spec-lint.yaml` is well formed and names existing specs (`third-party`: specs whose breaks of the conventions above are notes) |
//! | `input` (note) | what another input form (OpenAPI 3.1) held that the generated code leaves out (webhooks) |
//! | `paging` (note) | the paging inferred for a list operation without `x-pagination` (and the extension that pins it), or why none was |
//! | `server` (note) | what the server stub chose where the spec is silent: operations it does not serve (501), rejections without `x-server` |

use std::fmt;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::error::{Error, SpecError};
use crate::spec::escape_pointer;
use crate::spec::resolve;

/// One broken rule, or a note on what the generator chose where the spec is silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub error: SpecError,
    /// A note never fails the lint: it says what the generated code does (e.g.
    /// an operation the server stub does not serve, a default error body).
    pub note: bool,
}

impl Finding {
    fn error(rule: &'static str, error: SpecError) -> Self {
        Finding {
            rule,
            error,
            note: false,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = if self.note { "note" } else { "error" };
        write!(f, "{severity}[{}]: {}", self.rule, self.error)
    }
}

/// The lint settings file at the workspace root.
pub const SETTINGS: &str = "spec-lint.yaml";

/// The rules that are this workspace's conventions rather than what generation
/// needs: a third-party spec (written and published by its vendor, kept as it
/// is) reports them as notes.
const CONVENTIONS: &[&str] = &[
    "operation-id",
    "error-responses",
    "security",
    "parameter-name",
    "pattern",
    "example",
];

/// `spec-lint.yaml`: which specs are third-party (by service name).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    #[serde(default)]
    pub third_party: Vec<String>,
}

impl Settings {
    /// Reads `root/spec-lint.yaml`; no file means no third-party spec.
    pub fn read(root: &Path) -> Result<Settings, Error> {
        let path = root.join(SETTINGS);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(source) => {
                return Err(Error::Io {
                    path: SETTINGS.into(),
                    source,
                });
            }
        };
        let value = crate::load::parse_yaml(Path::new(SETTINGS), &text)?;
        serde_path_to_error::deserialize(&value).map_err(|e| {
            Error::Spec(vec![SpecError::at(
                Path::new(SETTINGS),
                format!("/{}", e.path().to_string().replace('.', "/")),
                format!(
                    "expected `third-party: [<service name>, ...]`: {}",
                    e.inner()
                ),
            )])
        })
    }
}

/// Lints every spec under `root/specs`, with the settings of `root/spec-lint.yaml`.
pub fn lint_all(root: &Path) -> Result<Vec<Finding>, Error> {
    let settings = Settings::read(root)?;
    let specs = crate::spec_files(root)?;
    let mut findings = Vec::new();
    for name in &settings.third_party {
        if !specs
            .iter()
            .any(|s| s.file_stem().is_some_and(|stem| stem == name.as_str()))
        {
            findings.push(Finding::error(
                "settings",
                SpecError::at(
                    Path::new(SETTINGS),
                    "/third-party",
                    format!("`{name}` names no spec in specs/"),
                ),
            ));
        }
    }
    for spec in specs {
        let third_party = spec
            .file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|stem| settings.third_party.iter().any(|n| n == stem));
        let mut spec_findings = lint_file(root, &spec)?;
        if third_party {
            downgrade_conventions(&mut spec_findings);
        }
        findings.extend(spec_findings);
    }
    Ok(findings)
}

/// A third-party spec's breaks of the workspace's conventions become notes.
pub fn downgrade_conventions(findings: &mut [Finding]) {
    for finding in findings {
        if CONVENTIONS.contains(&finding.rule) {
            finding.note = true;
        }
    }
}

/// Lints one spec file.
pub fn lint_file(root: &Path, spec_file: &Path) -> Result<Vec<Finding>, Error> {
    let rel = spec_file
        .strip_prefix(root)
        .unwrap_or(spec_file)
        .to_path_buf();
    let text = std::fs::read_to_string(spec_file).map_err(|source| Error::Io {
        path: rel.clone(),
        source,
    })?;
    let doc = match crate::load::parse(&rel, &text) {
        Ok(doc) => doc,
        Err(e) => {
            return Ok(vec![Finding::error("structure", e)]);
        }
    };
    // Another input form (OpenAPI 3.1) is linted as the 3.0 document it becomes.
    let (doc, input_notes) = match crate::front::to_oas30(&rel, doc) {
        Ok(converted) => converted,
        Err(errors) => {
            return Ok(errors
                .into_iter()
                .map(|error| Finding::error("structure", error))
                .collect());
        }
    };
    let structural = crate::validate::check(&rel, &doc);
    if !structural.is_empty() {
        return Ok(structural
            .into_iter()
            .map(|error| Finding {
                rule: "structure",
                note: false,
                error,
            })
            .collect());
    }
    let mut findings: Vec<Finding> = input_notes
        .into_iter()
        .map(|error| Finding {
            rule: "input",
            error,
            note: true,
        })
        .collect();
    if let Err(e) = crate::load::to_openapi(&rel, &doc) {
        findings.push(Finding::error("structure", e));
    }
    operations(&rel, &doc, &mut findings);
    patterns(&rel, &doc, &mut findings);
    examples(&rel, &doc, &mut findings);
    if !findings.iter().any(|f| f.rule == "structure") {
        let generated = crate::load_spec(root, spec_file).and_then(|loaded| {
            let generated = crate::generate(&loaded)?;
            crate::render(&loaded, &generated)?;
            Ok(generated)
        });
        match generated {
            Ok(generated) => {
                findings.extend(generated.api.operations.iter().filter_map(|op| {
                    Some(Finding {
                        rule: "paging",
                        error: SpecError::at(&rel, op.pointer.clone(), op.paging_note.clone()?),
                        note: true,
                    })
                }));
                findings.extend(generated.server.notes.into_iter().map(|error| Finding {
                    rule: "server",
                    error,
                    note: true,
                }))
            }
            Err(Error::Spec(errors)) => findings.extend(
                errors
                    .into_iter()
                    .map(|error| Finding::error("generates", error)),
            ),
            Err(other) => return Err(other),
        }
    }
    Ok(findings)
}

/// Two operationIds that become one Rust method (`getFoo`, `get_foo`): the
/// later is generated numbered (`get_foo_2`), which its id does not say.
fn method_collisions(file: &Path, doc: &Value, findings: &mut Vec<Finding>) {
    let mut methods: std::collections::BTreeMap<String, String> = Default::default();
    for op in crate::spec::operations(doc) {
        let Some(id) = op.op.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let key = crate::names::operation(id);
        if let Some(first) = methods.insert(key.clone(), op.pointer.clone()) {
            findings.push(Finding {
                rule: "operation-id",
                note: false,
                error: SpecError::at(
                    file,
                    format!("{}/operationId", op.pointer),
                    format!(
                        "operationId `{id}` becomes the method `{key}`, as the operationId at #{first} does: this one is generated as `{key}_2` (or the next free number)"
                    ),
                ),
            });
        }
    }
}

fn operations(file: &Path, doc: &Value, findings: &mut Vec<Finding>) {
    let schemes: Vec<String> = crate::security::schemes(doc)
        .into_iter()
        .map(|s| s.name)
        .collect();
    method_collisions(file, doc, findings);
    for crate::spec::Operation {
        pointer,
        op,
        method,
        path,
    } in crate::spec::operations(doc)
    {
        let mut add = |rule, at: String, message: String| {
            findings.push(Finding {
                rule,
                note: false,
                error: SpecError::at(file, at, message),
            })
        };
        if op.get("operationId").is_none() {
            add(
                "operation-id",
                pointer.clone(),
                format!(
                    "no `operationId`: the generated method is named after the method and path (`{}`, or with a number where two meet), which a new path would rename",
                    crate::names::derived_operation_id(method, path)
                ),
            );
        }
        let responses = op["responses"].as_object();
        if !responses.into_iter().flatten().any(|(k, _)| {
            crate::model::StatusKey::parse(k).is_some_and(crate::model::StatusKey::is_error)
        }) {
            add(
                "error-responses",
                format!("{pointer}/responses"),
                "document at least one error response (4xx, 5xx or `default`)".into(),
            );
        }
        let security = op.get("security").or_else(|| doc.get("security"));
        match security.and_then(Value::as_array) {
            None => add(
                "security",
                pointer.clone(),
                "declare the operation's security (`security`, or `security: []` for none)".into(),
            ),
            Some(requirements) => {
                for (i, requirement) in requirements.iter().enumerate() {
                    for name in requirement
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k)
                    {
                        if !schemes.contains(name) {
                            let at = if op.get("security").is_some() {
                                format!("{pointer}/security/{i}")
                            } else {
                                format!("/security/{i}")
                            };
                            add(
                                "security",
                                at,
                                format!("`{name}` is not a declared security scheme"),
                            );
                        }
                    }
                }
            }
        }
        let params = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate();
        for (i, p) in params {
            let name = resolve(doc, p)["name"].as_str().unwrap_or_default();
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.[]".contains(c));
            if !ok {
                add(
                    "parameter-name",
                    format!("{pointer}/parameters/{i}/name"),
                    format!("`{name}` has characters outside `a-z A-Z 0-9 _ - . [ ]`"),
                );
            }
        }
    }
}

/// Every `pattern` must compile: the generated code compiles them at run time.
fn patterns(file: &Path, doc: &Value, findings: &mut Vec<Finding>) {
    crate::spec::visit_objects(doc, &mut |map, pointer| {
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str)
            && let Err(e) = regress::Regex::new(pattern)
        {
            findings.push(Finding {
                rule: "pattern",
                note: false,
                error: SpecError::at(
                    file,
                    format!("{pointer}/pattern"),
                    format!("`{pattern}` is not a valid ECMA 262 regular expression: {e}"),
                ),
            });
        }
    });
}

/// OpenAPI 3.0 schema → JSON Schema (draft 4): `nullable` becomes a union
/// with `null`, and a local `$ref` points into the indexed components.
fn to_json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let converted = match k.as_str() {
                    "properties" | "patternProperties" => Value::Object(
                        v.as_object()
                            .into_iter()
                            .flatten()
                            .map(|(name, s)| (name.clone(), to_json_schema(s)))
                            .collect(),
                    ),
                    "items" | "additionalProperties" | "not" => to_json_schema(v),
                    "$ref" => match v.as_str() {
                        Some(local) if local.starts_with('#') => {
                            Value::String(format!("{SPEC_URI}{local}"))
                        }
                        _ => v.clone(),
                    },
                    "allOf" | "anyOf" | "oneOf" => Value::Array(
                        v.as_array()
                            .into_iter()
                            .flatten()
                            .map(to_json_schema)
                            .collect(),
                    ),
                    "nullable" | "example" | "examples" | "discriminator" | "xml"
                    | "externalDocs" | "deprecated" => continue,
                    k if k.starts_with("x-") => continue,
                    _ => v.clone(),
                };
                out.insert(k.clone(), converted);
            }
            if map.get("nullable") == Some(&Value::Bool(true)) {
                json!({"anyOf": [Value::Object(out), {"type": "null"}]})
            } else {
                Value::Object(out)
            }
        }
        other => other.clone(),
    }
}

/// The base URI the spec's components are known by to the validators: every
/// `#/components/..` reference of a converted schema points there.
const SPEC_URI: &str = "urn:spec";

/// Checks values against the spec's schemas (as JSON Schema draft 4). The
/// components are converted and indexed once; each check compiles only the
/// schema it is given and what that schema reaches.
pub(crate) struct Checker {
    registry: Result<jsonschema::Registry<'static>, String>,
    /// Whether `format`s are checked too (`date-time`, `email`, ..).
    formats: bool,
}

impl Checker {
    pub(crate) fn new(doc: &Value, formats: bool) -> Self {
        let schemas: Map<String, Value> = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), to_json_schema(v)))
            .collect();
        let components =
            jsonschema::Draft::Draft4.create_resource(json!({"components": {"schemas": schemas}}));
        let registry = jsonschema::Registry::new()
            .draft(jsonschema::Draft::Draft4)
            .add(SPEC_URI, components)
            .and_then(|builder| builder.prepare())
            .map_err(|e| format!("the components are not valid JSON Schema: {e}"));
        Checker { registry, formats }
    }

    /// Problems of `instance` against `schema`, as messages with the instance
    /// path; none when it conforms.
    pub(crate) fn check(&self, schema: &Value, instance: &Value) -> Vec<String> {
        let root = to_json_schema(schema);
        if !root.is_object() {
            return Vec::new();
        }
        let registry = match &self.registry {
            Ok(registry) => registry,
            Err(e) => return vec![e.clone()],
        };
        match jsonschema::draft4::options()
            .should_validate_formats(self.formats)
            .with_registry(registry)
            .build(&root)
        {
            Ok(validator) => validator
                .iter_errors(instance)
                .map(|e| {
                    let at = e.instance_path().to_string();
                    if at.is_empty() {
                        e.to_string()
                    } else {
                        format!("{e} (at `{at}` in the example)")
                    }
                })
                .collect(),
            Err(e) => vec![format!("the schema itself is not valid JSON Schema: {e}")],
        }
    }
}

fn examples(file: &Path, doc: &Value, findings: &mut Vec<Finding>) {
    let checker = Checker::new(doc, true);
    let check = |findings: &mut Vec<Finding>,
                 pointer: String,
                 schema: &Value,
                 instance: &Value,
                 what: &str| {
        for message in checker.check(schema, instance) {
            findings.push(Finding {
                rule: "example",
                note: false,
                error: SpecError::at(
                    file,
                    pointer.clone(),
                    format!("{what} does not match its schema: {message}"),
                ),
            });
        }
    };
    // `example` and every `examples.*.value` of a media type or parameter (at `at`).
    let example_and_examples =
        |findings: &mut Vec<Finding>, at: &str, holder: &Value, schema: &Value, what: &str| {
            if let Some(example) = holder.get("example") {
                check(findings, format!("{at}/example"), schema, example, what);
            }
            for (name, example) in holder
                .get("examples")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if let Some(value) = resolve(doc, example).get("value") {
                    check(
                        findings,
                        format!("{at}/examples/{}/value", escape_pointer(name)),
                        schema,
                        value,
                        what,
                    );
                }
            }
        };
    let in_schemas = |findings: &mut Vec<Finding>, at: String, schema: &Value| {
        schema_values(at, schema, &mut |pointer, schema, instance, what| {
            check(findings, pointer, schema, instance, what)
        });
    };
    let mut seen = std::collections::BTreeSet::new();
    for (at, holder, what) in example_holders(doc) {
        if !seen.insert(at.clone()) {
            continue;
        }
        if let Some(schema) = holder.get("schema") {
            example_and_examples(findings, &at, holder, schema, what);
            if what != "the example" && what != "the request body example" {
                in_schemas(findings, format!("{at}/schema"), schema);
            }
        }
    }
    for (name, schema) in doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        in_schemas(
            findings,
            format!("/components/schemas/{}", escape_pointer(name)),
            schema,
        );
    }
}

/// Every place an example reachable from an operation is written, through
/// every `$ref` (responses, request bodies, parameters of the operation and
/// its path, response headers): where, the object holding it, and what it is.
fn example_holders(doc: &Value) -> Vec<(String, &Value, &'static str)> {
    let mut holders: Vec<(String, &Value, &'static str)> = Vec::new();
    for operation in crate::spec::operations(doc) {
        let (pointer, op) = (&operation.pointer, operation.op);
        let path_item = pointer.rsplit_once('/').map_or("", |(path, _)| path);
        for (status, response) in op["responses"].as_object().into_iter().flatten() {
            let (at, response) = followed(
                doc,
                format!("{pointer}/responses/{}", escape_pointer(status)),
                response,
            );
            media_holders(doc, &at, response, "the example", &mut holders);
            for (name, header) in response
                .get("headers")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let (at, header) = followed(
                    doc,
                    format!("{at}/headers/{}", escape_pointer(name)),
                    header,
                );
                holders.push((at, header, "the header example"));
            }
        }
        if let Some(body) = op.get("requestBody") {
            let (at, body) = followed(doc, format!("{pointer}/requestBody"), body);
            media_holders(doc, &at, body, "the request body example", &mut holders);
        }
        let params = [
            (pointer.clone(), op.get("parameters")),
            (
                path_item.to_owned(),
                doc.pointer(path_item).and_then(|p| p.get("parameters")),
            ),
        ];
        for (owner, list) in params {
            for (i, p) in list
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let (at, p) = followed(doc, format!("{owner}/parameters/{i}"), p);
                holders.push((at, p, "the parameter example"));
            }
        }
    }
    holders
}

/// A value and where it is written: the target of its `$ref` (through
/// chains of them), else `at`.
fn followed<'a>(doc: &'a Value, mut at: String, mut value: &'a Value) -> (String, &'a Value) {
    for _ in 0..32 {
        let Some(target) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        match doc.pointer(target) {
            Some(next) => (at, value) = (target.to_owned(), next),
            None => break,
        }
    }
    (at, value)
}

/// The media type objects of a response or request body, each holding a
/// schema and its examples.
fn media_holders<'a>(
    doc: &'a Value,
    at: &str,
    holder: &'a Value,
    what: &'static str,
    out: &mut Vec<(String, &'a Value, &'static str)>,
) {
    for (media_type, media) in holder
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let (at, media) = followed(
            doc,
            format!("{at}/content/{}", escape_pointer(media_type)),
            media,
        );
        out.push((at, media, what));
    }
}

/// `example` and `default` inside a schema (and its subschemas) against that schema.
fn schema_values(
    pointer: String,
    schema: &Value,
    check: &mut impl FnMut(String, &Value, &Value, &str),
) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if let Some(example) = map.get("example") {
        check(
            format!("{pointer}/example"),
            schema,
            example,
            "the schema example",
        );
    }
    if let Some(default) = map.get("default") {
        check(format!("{pointer}/default"), schema, default, "the default");
    }
    for (k, v) in map {
        match k.as_str() {
            "properties" => {
                for (name, s) in v.as_object().into_iter().flatten() {
                    schema_values(
                        format!("{pointer}/properties/{}", escape_pointer(name)),
                        s,
                        check,
                    );
                }
            }
            "items" | "additionalProperties" | "not" => {
                schema_values(format!("{pointer}/{k}"), v, check)
            }
            "allOf" | "anyOf" | "oneOf" => {
                for (i, s) in v.as_array().into_iter().flatten().enumerate() {
                    schema_values(format!("{pointer}/{k}/{i}"), s, check);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "security": [{"key": []}],
            "paths": {"/a": {"get": {
                "operationId": "getA",
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 0}, "example": "ten"}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Thing"},
                        "example": {"id": "x", "when": "yesterday", "note": null}
                    }}}
                }
            }}},
            "components": {
                "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
                "schemas": {"Thing": {"type": "object", "required": ["id", "when"], "properties": {
                    "id": {"type": "integer"},
                    "when": {"type": "string", "format": "date-time"},
                    "note": {"type": "string", "nullable": true, "example": 5}
                }}}
            }
        })
    }

    fn findings(doc: &Value) -> Vec<String> {
        let mut out = Vec::new();
        operations(Path::new("t.yaml"), doc, &mut out);
        patterns(Path::new("t.yaml"), doc, &mut out);
        examples(Path::new("t.yaml"), doc, &mut out);
        out.iter().map(Finding::to_string).collect()
    }

    #[test]
    fn every_rule_names_file_pointer_and_rule() {
        let f = findings(&doc());
        let expect = [
            "error[error-responses]: t.yaml at #/paths/~1a/get/responses: document at least one error response",
            "error[example]: t.yaml at #/paths/~1a/get/responses/200/content/application~1json/example: the example does not match its schema: \"x\" is not of type \"integer\" (at `/id` in the example)",
            "error[example]: t.yaml at #/paths/~1a/get/responses/200/content/application~1json/example: the example does not match its schema: \"yesterday\" is not a \"date-time\" (at `/when` in the example)",
            "error[example]: t.yaml at #/paths/~1a/get/parameters/0/example: the parameter example does not match its schema: \"ten\" is not of type \"integer\"",
            "error[example]: t.yaml at #/paths/~1a/get/parameters/0/schema/default: the default does not match its schema: 0 is less than the minimum of 1",
            "error[example]: t.yaml at #/components/schemas/Thing/properties/note/example: the schema example does not match its schema: 5 is not valid under any of the schemas listed in the 'anyOf' keyword",
        ];
        for e in expect {
            assert!(f.iter().any(|x| x.starts_with(e)), "missing {e}\nin {f:#?}");
        }
        assert_eq!(f.len(), expect.len(), "{f:#?}");
    }

    #[test]
    fn nullable_and_refs_are_understood() {
        let mut d = doc();
        d["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["example"] =
            json!({"id": 1, "when": "2026-11-01T00:00:00Z", "note": null});
        d["paths"]["/a"]["get"]["parameters"][0] = json!({"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}, "example": 3});
        d["components"]["schemas"]["Thing"]["properties"]["note"]["example"] = json!("fine");
        d["paths"]["/a"]["get"]["responses"]["500"] = json!({"description": "e"});
        assert_eq!(findings(&d), Vec::<String>::new());
        let mut unnamed = d.clone();
        unnamed["paths"]["/a"]["get"]
            .as_object_mut()
            .unwrap()
            .remove("operationId");
        let f = findings(&unnamed);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].starts_with("error[operation-id]: t.yaml at #/paths/~1a/get: no `operationId`: the generated method is named after the method and path (`get_a`"),
            "{f:#?}"
        );
        d["components"]["schemas"]["Thing"]["properties"]["id"]["pattern"] = json!("(unclosed");
        let f = findings(&d);
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f[1].contains("is not a \"regex\""), "{f:#?}");
        assert!(f[0].starts_with("error[pattern]: t.yaml at #/components/schemas/Thing/properties/id/pattern: `(unclosed` is not a valid"), "{f:#?}");
        d["components"]["schemas"]["Thing"]["properties"]["id"] = json!({"type": "integer"});
        d["security"] = json!([{"nope": []}]);
        assert_eq!(
            findings(&d),
            ["error[security]: t.yaml at #/security/0: `nope` is not a declared security scheme"]
        );
    }

    #[test]
    fn operation_ids_that_become_one_method_are_reported() {
        let mut d = doc();
        d["paths"]["/b"] =
            json!({"get": {"operationId": "get_a", "responses": {"500": {"description": "e"}}}});
        d["paths"]["/a"]["get"]["operationId"] = json!("getA");
        let f = findings(&d);
        assert!(
            f.iter().any(|x| x.starts_with("error[operation-id]: t.yaml at #/paths/~1b/get/operationId: operationId `get_a` becomes the method `get_a`, as the operationId at #/paths/~1a/get does: this one is generated as `get_a_2`")),
            "{f:#?}"
        );
    }

    #[test]
    fn examples_are_found_through_every_ref_and_reported_where_written() {
        let mut d = doc();
        d["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["example"] =
            json!({"id": 1, "when": "2026-11-01T00:00:00Z"});
        d["paths"]["/a"]["get"]["responses"]["500"] =
            json!({"$ref": "#/components/responses/Failed"});
        d["paths"]["/a"]["get"]["parameters"] = json!([{"$ref": "#/components/parameters/Limit"}]);
        d["paths"]["/a"]["parameters"] = json!([{"name": "org", "in": "query", "schema": {"type": "integer"}, "example": "acme"}]);
        d["paths"]["/a"]["post"] = json!({
            "operationId": "postA",
            "parameters": [{"$ref": "#/components/parameters/Limit"}],
            "requestBody": {"$ref": "#/components/requestBodies/NewThing"},
            "responses": {"500": {"$ref": "#/components/responses/Failed"}}
        });
        d["components"]["parameters"] = json!({"Limit": {"$ref": "#/components/parameters/Size"}, "Size": {
            "name": "limit", "in": "query", "schema": {"type": "integer"}, "example": "ten"}});
        d["components"]["requestBodies"] = json!({"NewThing": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Thing"}, "example": {"id": "one", "when": "2026-11-01T00:00:00Z"}}}}});
        d["components"]["responses"] = json!({"Failed": {"description": "e",
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "example": "soon"}},
            "content": {"application/json": {"schema": {"type": "object", "required": ["code"]}, "example": {}}}}});
        d["components"]["schemas"]["Thing"]["properties"]["note"]["example"] = json!("fine");
        let f: Vec<String> = findings(&d)
            .into_iter()
            .filter(|f| f.starts_with("error[example]"))
            .collect();
        // Each is reported once, at the component it is written in.
        for at in [
            "#/components/parameters/Size/example",
            "#/paths/~1a/parameters/0/example",
            "#/components/requestBodies/NewThing/content/application~1json/example",
            "#/components/responses/Failed/headers/Retry-After/example",
            "#/components/responses/Failed/content/application~1json/example",
        ] {
            let found = f
                .iter()
                .filter(|x| x.contains(&format!(" at {at}:")))
                .count();
            assert_eq!(found, 1, "{at}: {f:#?}");
        }
        assert_eq!(f.len(), 5, "{f:#?}");
    }

    #[test]
    fn third_party_specs_report_the_conventions_as_notes() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("specs")).unwrap();
        // No security, no error response, an example that breaks its schema.
        std::fs::write(
            root.path().join("specs/vendor.yaml"),
            r#"{"openapi": "3.0.3", "info": {"title": "v", "version": "2026.01.1"},
                "paths": {"/a": {"get": {"operationId": "orgs/list", "responses": {"200": {"description": "ok",
                  "content": {"application/json": {"schema": {"type": "integer"}, "example": "x"}}}}}}}}"#,
        )
        .unwrap();
        let errors = |findings: &[Finding]| {
            findings
                .iter()
                .filter(|f| !f.note)
                .map(|f| f.rule)
                .collect::<Vec<_>>()
        };
        let own = lint_all(root.path()).unwrap();
        assert_eq!(errors(&own), ["error-responses", "security", "example"]);

        std::fs::write(root.path().join(SETTINGS), "third-party: [vendor]\n").unwrap();
        let third_party = lint_all(root.path()).unwrap();
        assert_eq!(errors(&third_party), Vec::<&str>::new());
        assert_eq!(third_party.len(), own.len());
        assert!(
            third_party
                .iter()
                .all(|f| f.to_string().starts_with("note["))
        );

        std::fs::write(root.path().join(SETTINGS), "third-party: [vendor, gone]\n").unwrap();
        let findings = lint_all(root.path()).unwrap();
        assert_eq!(errors(&findings), ["settings"]);
        assert!(
            findings[0]
                .to_string()
                .contains("`gone` names no spec in specs/")
        );

        std::fs::write(root.path().join(SETTINGS), "vendors: [vendor]\n").unwrap();
        let e = lint_all(root.path()).unwrap_err().to_string();
        assert!(e.contains("spec-lint.yaml"), "{e}");
    }
}
