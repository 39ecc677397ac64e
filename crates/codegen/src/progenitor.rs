//! Running progenitor safely: its panics (`assert!`, `todo!`,
//! `unimplemented!` are reachable from ordinary specs) become errors that
//! name the spec and what progenitor was doing.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use progenitor_impl::{GenerationSettings, Generator};

use crate::error::SpecError;

thread_local! {
    /// Whether a panic on this thread is caught and reported as a spec error.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
thread_local! {
    /// While [`printed_panics`] runs on this thread: the messages of the panics
    /// the hook lets through, kept instead of printed.
    static PRINTED: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f`, catching its panic without printing it. The panic hook is
/// replaced once for the process by one that stays silent only on threads
/// inside `quietly` (specs are generated on several threads at once), and
/// keeps the previous hook for every other panic. `CODEGEN_DEBUG_PANICS=1`
/// keeps the message and backtrace on stderr, to find the construct behind a
/// new panic.
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        let debug = std::env::var_os("CODEGEN_DEBUG_PANICS").is_some();
        std::panic::set_hook(Box::new(move |info| {
            if debug || !QUIET.with(std::cell::Cell::get) {
                #[cfg(test)]
                if kept(info) {
                    return;
                }
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    outcome
}

/// The message of a panic (`panic!`'s text), from its payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// Keeps the panic's message when [`printed_panics`] runs on this thread.
#[cfg(test)]
fn kept(info: &std::panic::PanicHookInfo<'_>) -> bool {
    PRINTED.with(|printed| match printed.borrow_mut().as_mut() {
        Some(kept) => {
            kept.push(panic_message(info.payload()));
            true
        }
        None => false,
    })
}

/// Runs `f` on this thread and returns, with its result, the messages of the
/// panics the hook would have printed meanwhile (it prints none of them).
/// Only panics after the hook is installed (the first [`quietly`]) are seen.
#[cfg(test)]
pub(crate) fn printed_panics<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    PRINTED.with(|printed| *printed.borrow_mut() = Some(Vec::new()));
    let result = f();
    let printed = PRINTED.with(|printed| printed.borrow_mut().take());
    (result, printed.unwrap_or_default())
}

/// Runs progenitor over a working copy; returns the generator (for its type
/// space) and the client tokens.
pub fn run(
    file: &Path,
    spec: &OpenAPI,
    settings: &GenerationSettings,
    what: &str,
) -> Result<(Generator, TokenStream), SpecError> {
    let outcome = quietly(|| {
        let mut generator = Generator::new(settings);
        let tokens = generator.generate_tokens(spec);
        (generator, tokens)
    });
    match outcome {
        Ok((generator, Ok(tokens))) => Ok((generator, tokens)),
        Ok((_, Err(e))) => Err(SpecError::at(
            file,
            "",
            format!("progenitor could not generate the {what}: {e}"),
        )),
        Err(payload) => {
            let message = panic_message(&*payload);
            Err(SpecError::at(
                file,
                "",
                format!(
                    "progenitor panicked while generating the {what} ({}): `{message}`; the generator has no rewrite \
                     for this construct yet (see crates/codegen/src/transform.rs)",
                    construct(&message)
                ),
            ))
        }
    }
}

/// Runs progenitor over the whole spec; when it fails, finds every failing
/// operation by bisection (the operations halved, each half run again, down
/// to single operations) and reports each at its own pointer, all at once;
/// the whole spec's error when no single operation fails. Bisection keeps a
/// spec of thousands of operations to a few runs per failing one, where one
/// run per operation would take each through every component.
pub fn run_located(
    file: &Path,
    spec: &OpenAPI,
    settings: &GenerationSettings,
    what: &str,
) -> Result<(Generator, TokenStream), Vec<SpecError>> {
    let whole = match run(file, spec, settings, what) {
        Ok(generated) => return Ok(generated),
        Err(e) => e,
    };
    let mut operations = Vec::new();
    for (path, item) in &spec.paths.paths {
        if let openapiv3::ReferenceOr::Item(item) = item {
            for (method, _) in item.iter() {
                operations.push((path.clone(), method.to_owned()));
            }
        }
    }
    let mut located = Vec::new();
    bisect(file, spec, settings, what, &operations, &mut located);
    Err(if located.is_empty() {
        vec![whole]
    } else {
        located
    })
}

/// The failing operations among `operations` (which fail together).
fn bisect(
    file: &Path,
    spec: &OpenAPI,
    settings: &GenerationSettings,
    what: &str,
    operations: &[(String, String)],
    located: &mut Vec<SpecError>,
) {
    if let [(path, method)] = operations {
        if let Err(e) = run(file, &only(spec, operations), settings, what) {
            located.push(SpecError {
                location: crate::Location::Pointer(format!(
                    "/paths/{}/{method}",
                    crate::spec::escape_pointer(path)
                )),
                ..e
            });
        }
        return;
    }
    let (first, second) = operations.split_at(operations.len() / 2);
    for half in [first, second] {
        if !half.is_empty() && run(file, &only(spec, half), settings, what).is_err() {
            bisect(file, spec, settings, what, half, located);
        }
    }
}

/// The spec with only the given operations (path, method).
fn only(spec: &OpenAPI, operations: &[(String, String)]) -> OpenAPI {
    let mut paths = spec.paths.paths.clone();
    paths.clear();
    for (path, method) in operations {
        let Some(openapiv3::ReferenceOr::Item(item)) = spec.paths.paths.get(path) else {
            continue;
        };
        let entry = paths.entry(path.clone()).or_insert_with(|| {
            let mut empty = item.clone();
            for (m, _) in item.iter() {
                remove_method(&mut empty, m);
            }
            openapiv3::ReferenceOr::Item(empty)
        });
        if let openapiv3::ReferenceOr::Item(kept) = entry {
            restore_method(kept, item, method);
        }
    }
    let mut one = spec.clone();
    one.paths.paths = paths;
    one
}

fn restore_method(kept: &mut openapiv3::PathItem, from: &openapiv3::PathItem, method: &str) {
    match method {
        "get" => kept.get.clone_from(&from.get),
        "put" => kept.put.clone_from(&from.put),
        "post" => kept.post.clone_from(&from.post),
        "delete" => kept.delete.clone_from(&from.delete),
        "options" => kept.options.clone_from(&from.options),
        "head" => kept.head.clone_from(&from.head),
        "patch" => kept.patch.clone_from(&from.patch),
        "trace" => kept.trace.clone_from(&from.trace),
        _ => {}
    }
}

fn remove_method(item: &mut openapiv3::PathItem, method: &str) {
    let slot = match method {
        "get" => &mut item.get,
        "put" => &mut item.put,
        "post" => &mut item.post,
        "delete" => &mut item.delete,
        "options" => &mut item.options,
        "head" => &mut item.head,
        "patch" => &mut item.patch,
        "trace" => &mut item.trace,
        _ => return,
    };
    *slot = None;
}

/// The spec construct behind a known progenitor or typify panic.
fn construct(message: &str) -> &'static str {
    const KNOWN: &[(&str, &str)] = &[
        (
            "response_types.len() <= 1",
            "an operation whose success or error responses have different bodies",
        ),
        (
            "invalid type: null",
            "a schema with `type: 'null'` outside a nullable union",
        ),
        (
            "positional arguments with separate tags",
            "positional interface with separate tags",
        ),
        (
            "unique variant names",
            "an enum whose values differ only in case or punctuation",
        ),
    ];
    KNOWN
        .iter()
        .find(|(needle, _)| message.contains(needle))
        .map_or("a construct progenitor does not support", |(_, c)| c)
}

/// progenitor's own client for a working copy, with its default settings (builder style),
/// formatted: the baseline the generator's cost is measured against.
/// `as_strings` names component enums to take as `String` (typify cannot name their variants).
pub fn plain_client(
    file: &Path,
    working: &OpenAPI,
    as_strings: &[String],
) -> Result<String, SpecError> {
    let mut settings = GenerationSettings::new();
    settings.with_interface(progenitor_impl::InterfaceStyle::Builder);
    for name in as_strings {
        settings.with_replacement(name, "::std::string::String", std::iter::empty());
    }
    let (_, tokens) = run(file, working, &settings, "plain progenitor client")?;
    let parsed: syn::File = syn::parse2(tokens)
        .map_err(|e| SpecError::at(file, "", format!("progenitor output does not parse: {e}")))?;
    Ok(prettyplease::unparse(&parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_progenitor_fails_on_is_reported_at_its_pointer() {
        let body = serde_json::json!({"content": {
            "application/json": {"schema": {"type": "object"}},
            "text/plain": {"schema": {"type": "string"}}
        }});
        let ok = serde_json::json!({"200": {"description": "ok"}});
        let spec: OpenAPI = serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {
                "/a": {"post": {"operationId": "a", "requestBody": body, "responses": ok}},
                "/b": {"get": {"operationId": "b", "responses": ok}, "put": {"operationId": "c", "requestBody": body, "responses": ok}}
            }
        }))
        .unwrap();
        let errors = run_located(
            Path::new("t.yaml"),
            &spec,
            &GenerationSettings::new(),
            "client",
        )
        .err()
        .expect("two operations fail");
        let at: Vec<String> = errors.iter().map(|e| e.location.to_string()).collect();
        assert_eq!(at, [" at #/paths/~1a/post", " at #/paths/~1b/put"]);
        assert!(
            errors
                .iter()
                .all(|e| e.message.contains("progenitor panicked")),
            "{errors:?}"
        );
    }
}
