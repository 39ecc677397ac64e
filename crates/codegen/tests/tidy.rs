//! The architecture invariants of ARCHITECTURE.md, checked on the
//! generator's own source (rustfmt-formatted, as CI requires):
//!
//! * only the model builder and the steps before the model follow `$ref`s
//!   (`resolve`);
//! * an emitter never takes the spec document (`doc`, `spec`, `working`,
//!   `working_value` of type `Value`): it takes the model;
//! * no function is longer than [`MAX_FN_LINES`] lines;
//! * ARCHITECTURE.md's code map names every file of `crates/codegen/src`,
//!   and only files that exist.
//!
//! Each check is a function over file texts, so that the tests below can
//! show it failing on a planted violation.

use std::path::{Path, PathBuf};

/// The longest a function may be, from its `fn` line to its closing brace.
const MAX_FN_LINES: usize = 100;

/// The files that may call `resolve`: its home, the model builder, and the
/// steps that read the spec before a model exists (checking it, rewriting it;
/// the Swagger 2.0 front end follows 2.0 parameter references).
const MAY_RESOLVE: &[&str] = &[
    "spec.rs",
    "model/",
    "transform.rs",
    "validate.rs",
    "security.rs",
    "front/swagger2.rs",
];

/// Checks that still read the spec's JSON themselves (each judges a spec, or
/// two, before any model of it exists); the list only shrinks.
const STILL_READ_JSON: &[&str] = &["lint.rs", "diff.rs"];

/// The emitters: they generate code from the model.
const EMITTERS: &[&str] = &[
    "server/",
    "pagination.rs",
    "client.rs",
    "types.rs",
    "render.rs",
    "examples.rs",
    "enums.rs",
];

/// Emitters that still take the spec document; the list only shrinks.
const EMITTERS_STILL_ON_JSON: &[&str] = &[];

/// Parameter names that hold the spec document.
const DOCUMENT_NAMES: &[&str] = &["doc", "spec", "working", "working_value"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src`, as (path relative to `src` with `/`, text).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src");
                let rel = rel.to_string_lossy().replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).expect("a source file")));
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &src(), &mut out);
    out.sort();
    out
}

fn listed(file: &str, list: &[&str]) -> bool {
    list.iter()
        .any(|entry| file == *entry || (entry.ends_with('/') && file.starts_with(entry)))
}

/// Lines that are code (not comments).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
}

/// `file:line` of every call of `resolve` in a file that may not call it.
fn resolve_calls(file: &str, text: &str, allowed: &[&str]) -> Vec<String> {
    if listed(file, allowed) {
        return Vec::new();
    }
    code_lines(text)
        .filter(|(_, line)| {
            line.match_indices("resolve(").any(|(at, _)| {
                !line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                    && !line[..at].ends_with("fn ")
            })
        })
        .map(|(n, _)| format!("{file}:{n}: calls `resolve` outside the model builder"))
        .collect()
}

/// A function found in a file: its name, first line and length in lines.
struct Function {
    name: String,
    line: usize,
    lines: usize,
    /// The signature, from `fn` to the opening brace (or `;`).
    signature: String,
}

/// Every function of a rustfmt-formatted file: it starts at a line with
/// `fn name` and ends at the first line that is its indentation and `}`.
fn functions(text: &str) -> Vec<Function> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let Some(name) = fn_name(trimmed) else {
            continue;
        };
        let indent = &line[..line.len() - trimmed.len()];
        // A declaration without a body (a trait method) ends at its `;`.
        let header_end = lines[i..]
            .iter()
            .position(|l| l.ends_with('{') || l.ends_with(';') || l.ends_with('}'))
            .map_or(i, |offset| i + offset);
        let end = if !lines[header_end].ends_with('{') {
            header_end
        } else {
            let close = format!("{indent}}}");
            lines[i..]
                .iter()
                .position(|l| *l == close || l.starts_with(&format!("{close} ")))
                .map_or(i, |offset| i + offset)
        };
        let signature_end = header_end.min(end);
        out.push(Function {
            name: name.to_owned(),
            line: i + 1,
            lines: end - i + 1,
            signature: lines[i..=signature_end].join("\n"),
        });
    }
    out
}

/// The name of the function a trimmed line starts, if it starts one.
fn fn_name(trimmed: &str) -> Option<&str> {
    let mut rest = trimmed;
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    (end > 0).then(|| &rest[..end])
}

/// Functions longer than the limit.
fn long_functions(file: &str, text: &str, max: usize) -> Vec<String> {
    functions(text)
        .into_iter()
        .filter(|f| f.lines > max)
        .map(|f| {
            format!(
                "{file}:{}: `{}` is {} lines long (at most {max})",
                f.line, f.name, f.lines
            )
        })
        .collect()
}

/// Emitter functions that take the spec document.
fn document_parameters(file: &str, text: &str, exempt: &[&str]) -> Vec<String> {
    if !listed(file, EMITTERS) || listed(file, exempt) {
        return Vec::new();
    }
    // A unit test may well build a model from a document.
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    functions(text)
        .into_iter()
        .filter(|f| {
            DOCUMENT_NAMES.iter().any(|name| {
                let param = format!("{name}: &");
                f.signature.match_indices(&param).any(|(at, _)| {
                    let before = &f.signature[..at];
                    let after = &f.signature[at + param.len()..];
                    !before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
                        && (after.starts_with("Value") || after.starts_with("serde_json::Value"))
                })
            })
        })
        .map(|f| {
            format!(
                "{file}:{}: emitter `{}` takes the spec document; give it the model",
                f.line, f.name
            )
        })
        .collect()
}

/// The files ARCHITECTURE.md's code map of `crates/codegen` names (`* `x.rs`:`).
fn code_map(architecture: &str) -> Vec<String> {
    let Some(start) = architecture.find("### `crates/codegen`") else {
        return Vec::new();
    };
    let section = &architecture[start..];
    let section = &section[..section[4..]
        .find("\n### ")
        .map_or(section.len(), |end| end + 4)];
    section
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("* `"))
        .filter_map(|rest| rest.split_once('`').map(|(name, _)| name.to_owned()))
        .filter(|name| name.ends_with(".rs"))
        .collect()
}

/// Files the code map names that do not exist, and files it does not name.
fn code_map_problems(named: &[String], files: &[String]) -> Vec<String> {
    let mut problems: Vec<String> = named
        .iter()
        .filter(|n| !files.contains(n))
        .map(|n| format!("ARCHITECTURE.md names `{n}`, which is not in crates/codegen/src"))
        .collect();
    problems.extend(
        files
            .iter()
            .filter(|f| !named.contains(f))
            .map(|f| format!("ARCHITECTURE.md's code map does not name `{f}`")),
    );
    problems
}

#[test]
fn the_architecture_invariants_hold() {
    let architecture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md"),
    )
    .expect("ARCHITECTURE.md at the workspace root");
    let sources = sources();
    let allowed: Vec<&str> = MAY_RESOLVE.iter().chain(STILL_READ_JSON).copied().collect();
    let mut problems = Vec::new();
    for (file, text) in &sources {
        problems.extend(resolve_calls(file, text, &allowed));
        problems.extend(long_functions(file, text, MAX_FN_LINES));
        problems.extend(document_parameters(file, text, EMITTERS_STILL_ON_JSON));
    }
    let files: Vec<String> = sources
        .iter()
        .map(|(file, _)| file.clone())
        .filter(|f| f != "lib.rs")
        .collect();
    problems.extend(code_map_problems(&code_map(&architecture), &files));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn each_check_fails_on_a_planted_violation() {
    // A call of `resolve` in an emitter; its definition and other names ending in it are fine.
    let planted = "fn emit() {\n    let s = crate::spec::resolve(doc, x);\n}\n";
    assert_eq!(
        resolve_calls("server/params.rs", planted, MAY_RESOLVE).len(),
        1
    );
    assert!(resolve_calls("model/build.rs", planted, MAY_RESOLVE).is_empty());
    assert!(
        resolve_calls(
            "server/x.rs",
            "pub fn resolve(a: u8) {}\nlet y = unresolve(1);\n// resolve(x)\n",
            MAY_RESOLVE
        )
        .is_empty()
    );

    // A function one line too long, and one just short enough.
    let body = |n: usize| format!("fn long() {{\n{}}}\n", "    step();\n".repeat(n - 2));
    assert_eq!(
        long_functions("a.rs", &body(MAX_FN_LINES + 1), MAX_FN_LINES).len(),
        1
    );
    assert!(long_functions("a.rs", &body(MAX_FN_LINES), MAX_FN_LINES).is_empty());
    let nested = "impl X {\n    pub(super) fn f(&self) -> u8 {\n        1\n    }\n}\n";
    let found = functions(nested);
    assert_eq!(
        (found[0].name.as_str(), found[0].line, found[0].lines),
        ("f", 2, 3)
    );

    // An emitter taking the spec document.
    let planted = "pub fn generate(\n    file: &Path,\n    working: &serde_json::Value,\n) -> TokenStream {\n    quote! {}\n}\n";
    assert_eq!(document_parameters("server/mod.rs", planted, &[]).len(), 1);
    assert!(document_parameters("server/mod.rs", planted, &["server/"]).is_empty());
    assert!(document_parameters("model/build.rs", planted, &[]).is_empty());
    let template = "fn json_literal(value: &Value) -> Literal {\n    x\n}\n";
    assert!(document_parameters("server/rejections.rs", template, &[]).is_empty());

    // A code map that names a missing file and misses one.
    let map = "## Code map\n\n### `crates/codegen`\n* `names.rs`: names.\n* `gone.rs`: was here.\n\n### `xtask`\n* `main.rs`: not codegen's.\n";
    assert_eq!(code_map(map), ["names.rs", "gone.rs"]);
    let problems = code_map_problems(&code_map(map), &["names.rs".into(), "new.rs".into()]);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("gone.rs") && problems[1].contains("new.rs"));
}
