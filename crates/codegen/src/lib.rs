//! The generator behind `cargo xtask codegen`.
//!
//! One spec (`specs/<service>.yaml` or `.json`) becomes three crates:
//!
//! * `crates/<service>-types`: the models (serde, no HTTP),
//! * `crates/<service>-client`: a typed progenitor client using those models,
//! * `crates/<service>-server`: an axum server stub (trait, router, validation) using them too.
//!
//! The pipeline, one module per step:
//!
//! 1. [`load`]: strict YAML (duplicate keys are errors) into JSON, then the OpenAPI model;
//! 2. [`validate`]: the rules the generator relies on, all reported at once;
//! 3. [`transform`]: an in-memory working copy that progenitor handles correctly;
//! 4. [`types`], [`client`] and [`server`]: code generation (progenitor/typify), panics caught by [`progenitor`];
//! 5. [`render`]: prettyplease, preambles, `Cargo.toml` and `README.md`;
//! 6. [`workspace`]: compare with or write to the tree, only after every spec succeeded.

pub mod api;
pub mod client;
pub mod diff;
pub mod enums;
pub mod error;
pub mod examples;
pub mod extensions;
pub mod features;
pub mod front;
pub mod lint;
pub mod load;
pub mod model;
pub mod names;
pub mod pagination;
pub mod progenitor;
pub mod render;
pub mod security;
pub mod server;
pub mod spec;
pub mod tokens;
pub mod transform;
pub mod types;
pub mod validate;
pub mod version;
pub mod workspace;

use std::path::{Path, PathBuf};

pub use error::{Error, Location, Result, SpecError};

/// A file the generator produces, relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// The spec files of a workspace: `specs/*.{yaml,yml,json}`, sorted. JSON is
/// read by the same (YAML) parser: every JSON document is YAML.
pub fn spec_files(root: &Path) -> Result<Vec<PathBuf>> {
    spec_files_in(&root.join("specs"))
}

/// The folder of real specs the corpus reads, `../shared/corpus` beside the
/// workspace root (specs brought in from public repositories are not
/// committed to the project); `None` where it is missing.
pub fn corpus_dir(root: &Path) -> Option<PathBuf> {
    let dir = root.join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// The corpus of real specs: `*.{yaml,yml,json}` of [`corpus_dir`], sorted.
pub fn corpus_files(corpus: &Path) -> Result<Vec<PathBuf>> {
    spec_files_in(corpus)
}

fn spec_files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io {
                path: dir.to_owned(),
                source,
            })?
            .path();
        if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Generates the crates of every spec under `root/specs`. Errors of all specs are collected.
pub fn generate_all(root: &Path) -> Result<Vec<GeneratedFile>> {
    let mut errors = Vec::new();
    let mut services = std::collections::BTreeMap::new();
    let mut specs = Vec::new();
    for spec in spec_files(root)? {
        let rel = spec.strip_prefix(root).unwrap_or(&spec).to_path_buf();
        if let Ok(service) = service_name(&rel)
            && let Some(first) = services.insert(service.clone(), rel.clone())
        {
            errors.push(SpecError {
                file: rel,
                location: Location::File,
                message: format!(
                    "`{}` already names the `{service}` crates; keep one spec file per service",
                    first.display()
                ),
            });
            continue;
        }
        specs.push(spec);
    }
    // Each spec is generated on its own (one thread per core); the results are
    // taken in spec order, so the output does not depend on which finishes first.
    let mut files = Vec::new();
    for generated in in_parallel(&specs, |spec| generate_service(root, spec)) {
        match generated {
            Ok(mut generated) => files.append(&mut generated),
            Err(Error::Spec(mut e)) => errors.append(&mut e),
            Err(other) => return Err(other),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(Error::Spec(errors))
    }
}

/// `f` of every item, on up to one thread per core, in the items' order. Each
/// thread takes the next item not yet taken, so a large spec does not hold
/// up the small ones behind it.
fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else { break };
            let result = f(item);
            *results[index].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            // The main thread's stack: typify recurses as deep as a spec's schemas nest.
            // Without a thread to be had, the remaining threads do the work.
            let _ = std::thread::Builder::new()
                .stack_size(8 << 20)
                .spawn_scoped(scope, work);
        }
        work();
    });
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every item was taken by a thread that finished it")
        })
        .collect()
}

/// The service name of a spec: its file stem, which must be a valid crate-name prefix.
pub fn service_name(spec: &Path) -> Result<String, SpecError> {
    let stem = spec
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let valid = stem.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && stem
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(stem.to_owned())
    } else {
        Err(SpecError {
            file: spec.to_owned(),
            location: Location::File,
            message: format!(
                "the file name `{stem}` names the crates; use lowercase letters, digits and `-`"
            ),
        })
    }
}

/// A spec read and checked: the first phase of [`generate_service`].
pub struct Loaded {
    /// The spec's path relative to the workspace root.
    pub rel: PathBuf,
    pub service: String,
    /// The document in the form the generator takes (OpenAPI 3.0: see [`front`]).
    pub value: serde_json::Value,
    pub spec: openapiv3::OpenAPI,
    /// What the input held that the generated code leaves out (a 3.1 spec's webhooks).
    pub notes: Vec<SpecError>,
}

/// The code of one spec's three crates, before formatting: the second phase.
pub struct Generated {
    /// The model the code was generated from.
    pub api: model::Api,
    pub types: types::Types,
    pub client: client::ClientCode,
    pub server: server::ServerCode,
}

/// Reads, parses and checks a spec file.
pub fn load_spec(root: &Path, spec_file: &Path) -> Result<Loaded> {
    let rel = spec_file
        .strip_prefix(root)
        .unwrap_or(spec_file)
        .to_path_buf();
    let service = service_name(&rel)?;
    let text = std::fs::read_to_string(spec_file).map_err(|source| Error::Io {
        path: rel.clone(),
        source,
    })?;
    load_text(rel, service, &text)
}

/// Parses and checks spec text (`rel` names it in errors).
pub fn load_text(rel: PathBuf, service: String, text: &str) -> Result<Loaded> {
    let value = load::parse(&rel, text)?;
    let (value, notes) = front::to_oas30(&rel, value).map_err(Error::Spec)?;
    let problems = validate::check(&rel, &value);
    if !problems.is_empty() {
        return Err(Error::Spec(problems));
    }
    let spec = load::to_openapi(&rel, &value)?;
    Ok(Loaded {
        rel,
        service,
        value,
        spec,
        notes,
    })
}

/// Generates the token streams of the types, client and server crates.
pub fn generate(loaded: &Loaded) -> Result<Generated> {
    let rel = &loaded.rel;
    let working_value = transform::working_copy(rel, &loaded.value)?;
    let working = load::to_openapi(rel, &working_value)?;
    let types_lib = format!("{}-types", loaded.service).replace('-', "_");
    let enums = model::enums::find(&working_value);
    let mut types = types::generate(rel, &working, &enums)?;
    let renames = transform::property_renames(&working_value);
    types.tokens = types::restore_wire_names(std::mem::take(&mut types.tokens), &renames);
    types.tokens = types::null_as_default(std::mem::take(&mut types.tokens));
    let api = model::Api::build(rel, &loaded.value, &working_value, &types_lib, &types.names)?;
    // Every response example of the spec decodes into its type: tests of the types crate.
    types.tokens.extend(examples::tests(&api));
    let mut client = client::generate(rel, &working, &types, &types_lib, &api)?;
    client.tokens = types::restore_wire_names(std::mem::take(&mut client.tokens), &renames);
    let server = server::generate(rel, &api, &types_lib)?;
    features::split_by_tag(&api, &mut types, &mut client, &server.tokens)
        .map_err(unparsable(rel, "types and client"))?;
    Ok(Generated {
        api,
        types,
        client,
        server,
    })
}

/// The error of generated code (`what`: types, client or server) that does not parse.
fn unparsable<'a>(rel: &'a Path, what: &'a str) -> impl Fn(syn::Error) -> SpecError + 'a {
    move |e| {
        SpecError::at(
            rel,
            "",
            format!("generated {what} code does not parse: {e}"),
        )
    }
}

/// The module files of a client and a server split by feature ([`features`]).
fn split_modules(
    rel: &Path,
    spec_path: &str,
    generated: &Generated,
    [client_dir, server_dir]: [&PathBuf; 2],
) -> Result<Vec<GeneratedFile>> {
    let mut files = render::module_files(spec_path, client_dir, &generated.client.modules)
        .map_err(unparsable(rel, "client"))?;
    files.extend(
        render::module_files(spec_path, server_dir, &generated.server.modules)
            .map_err(unparsable(rel, "server"))?,
    );
    Ok(files)
}

/// Formats the generated code and renders every file of the three crates.
pub fn render(loaded: &Loaded, generated: &Generated) -> Result<Vec<GeneratedFile>> {
    let (rel, spec, service) = (&loaded.rel, &loaded.spec, &loaded.service);
    let spec_path = rel.to_string_lossy().replace('\\', "/");
    let Generated {
        api,
        types,
        client: client_code,
        server: server_code,
    } = generated;
    let types_rs =
        render::generated_rs(&spec_path, types.tokens.clone()).map_err(unparsable(rel, "types"))?;
    let uses_support = types_rs.contains("api_support::");
    let client_rs = render::generated_rs(&spec_path, client_code.tokens.clone())
        .map_err(unparsable(rel, "client"))?;
    let server_rs = render::generated_rs(&spec_path, server_code.tokens.clone())
        .map_err(unparsable(rel, "server"))?;
    // The stub is read and implemented against: a blank line between its items.
    let server_rs = progenitor_impl::space_out_items(server_rs)
        .map_err(|e| SpecError::at(rel, "", format!("could not space out the server code: {e}")))?;

    let [types_name, client_name, server_name] =
        ["types", "client", "server"].map(|kind| format!("{service}-{kind}"));
    let [types_dir, client_dir, server_dir] =
        [&types_name, &client_name, &server_name].map(|name| PathBuf::from("crates").join(name));
    let file = |dir: &Path, name: &str, contents: String| GeneratedFile {
        path: dir.join(name),
        contents,
    };
    let modules = split_modules(rel, &spec_path, generated, [&client_dir, &server_dir])?;
    let mut files = vec![
        file(
            &types_dir,
            "Cargo.toml",
            render::types_cargo_toml(&spec_path, &types_name, spec, types, uses_support),
        ),
        file(
            &types_dir,
            "README.md",
            render::types_readme(&spec_path, &types_name, spec, types),
        ),
        file(&types_dir, "src/lib.rs", render::lib_rs(&spec_path)),
        file(&types_dir, "src/generated.rs", types_rs),
        file(
            &client_dir,
            "Cargo.toml",
            render::client_cargo_toml(
                &spec_path,
                &client_name,
                &types_name,
                spec,
                client_code,
                &types.features,
            ),
        ),
        file(
            &client_dir,
            "README.md",
            render::client_readme(
                &spec_path,
                &client_name,
                &types_name,
                spec,
                api,
                client_code,
            ),
        ),
        file(&client_dir, "src/lib.rs", render::lib_rs(&spec_path)),
        file(&client_dir, "src/generated.rs", client_rs),
        file(
            &server_dir,
            "Cargo.toml",
            render::server_cargo_toml(
                &spec_path,
                &server_name,
                &types_name,
                spec,
                server_code,
                &types.features,
            ),
        ),
        file(
            &server_dir,
            "README.md",
            render::server_readme(
                &spec_path,
                &server_name,
                &types_name,
                spec,
                api,
                server_code,
            ),
        ),
        file(&server_dir, "src/lib.rs", render::lib_rs(&spec_path)),
        file(&server_dir, "src/generated.rs", server_rs),
    ];
    files.extend(modules);
    Ok(files)
}

/// Generates the crates of one spec file: [`load_spec`], [`generate`], [`render`].
pub fn generate_service(root: &Path, spec_file: &Path) -> Result<Vec<GeneratedFile>> {
    let loaded = load_spec(root, spec_file)?;
    generate_loaded(&loaded)
}

/// Generates the crates of spec text (`rel` names it, `service` names the
/// crates): [`load_text`], [`generate`], [`render`].
pub fn generate_text(rel: PathBuf, service: String, text: &str) -> Result<Vec<GeneratedFile>> {
    generate_loaded(&load_text(rel, service, text)?)
}

fn generate_loaded(loaded: &Loaded) -> Result<Vec<GeneratedFile>> {
    let generated = generate(loaded)?;
    render(loaded, &generated)
}

/// progenitor's plain client for a spec (its working copy: the raw specs make
/// progenitor panic), formatted; the baseline of the benchmarks.
///
/// Enums whose values differ only in punctuation (`+created_at`, `-created_at`)
/// make typify panic; the generator names them itself (`enums.rs`), and the
/// baseline takes them as plain strings.
pub fn plain_progenitor(loaded: &Loaded) -> Result<String> {
    let working_value = transform::working_copy(&loaded.rel, &loaded.value)?;
    let working = load::to_openapi(&loaded.rel, &working_value)?;
    let unnameable: Vec<String> = model::enums::find(&working_value)
        .into_iter()
        .filter(|e| {
            let mut bare: Vec<String> = e
                .values
                .iter()
                .map(|v| {
                    v.chars()
                        .filter(|c| c.is_alphanumeric())
                        .collect::<String>()
                        .to_lowercase()
                })
                .collect();
            bare.sort();
            bare.windows(2).any(|w| w[0] == w[1])
        })
        .map(|e| e.name)
        .collect();
    Ok(progenitor::plain_client(
        &loaded.rel,
        &working,
        &unnameable,
    )?)
}

/// A spec with `ops` list operations and `schemas` object schemas (JSON is YAML).
pub fn synthetic_spec(ops: usize, schemas: usize) -> String {
    let mut paths = serde_json::Map::new();
    for i in 0..ops {
        paths.insert(
            format!("/things{i}"),
            serde_json::json!({"get": {
                "operationId": format!("listThings{i}"),
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "kinds", "in": "query", "style": "form", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}}
                ],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/Thing{}", i % schemas)}}}},
                    "400": {"description": "bad", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                }
            }}),
        );
    }
    let mut components = serde_json::Map::new();
    components.insert(
        "Meta".into(),
        serde_json::json!({"type": "object", "properties": {"source": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}}}),
    );
    components.insert("Problem".into(), serde_json::json!({"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}));
    for i in 0..schemas {
        // Each schema links to a shared one (not to the next: a long chain of unboxed fields overflows rustc).
        components.insert(
            format!("Thing{i}"),
            serde_json::json!({"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "count": {"type": "integer"},
                "note": {"type": "string", "nullable": true},
                "state": {"type": "string", "enum": ["on", "off"]},
                "meta": {"$ref": "#/components/schemas/Meta"}
            }}),
        );
    }
    serde_json::to_string(&serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "Synthetic", "version": "1.0.0"},
        "x-server": {"validation-error": {"status": 400, "body": {"message": "{summary}"}}},
        "paths": paths,
        "components": {"schemas": components}
    }))
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_results_keep_the_items_order() {
        let items: Vec<u64> = (0..37).collect();
        // Uneven work, so that threads finish out of order.
        let out = in_parallel(&items, |n| {
            std::thread::sleep(std::time::Duration::from_micros((37 - n) * 50));
            n * 2
        });
        assert_eq!(out, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(in_parallel(&[] as &[u8], |n| *n), Vec::<u8>::new());
    }

    #[test]
    fn a_panic_caught_on_one_thread_stays_quiet_and_others_still_report() {
        // `CODEGEN_DEBUG_PANICS` lets caught panics through too.
        let debug = std::env::var_os("CODEGEN_DEBUG_PANICS").is_some();
        let quiet = |messages: &[&str]| -> Vec<String> {
            if debug {
                messages.iter().map(|m| m.to_string()).collect()
            } else {
                Vec::new()
            }
        };

        // Two threads in step: one panics outside `quietly` while the other is
        // inside it. The hook is the process's; being quiet is the thread's.
        let step = std::sync::Barrier::new(2);
        let (caught, uncaught) = std::thread::scope(|scope| {
            let caught = scope.spawn(|| {
                progenitor::printed_panics(|| {
                    progenitor::quietly(|| -> u8 {
                        step.wait(); // the other thread panics now
                        step.wait(); // it has
                        panic!("spec 1");
                    })
                    .is_ok()
                })
            });
            let uncaught = scope.spawn(|| {
                progenitor::printed_panics(|| {
                    step.wait();
                    let ok = std::panic::catch_unwind(|| -> u8 { panic!("not a spec") }).is_ok();
                    step.wait();
                    ok
                })
            });
            (caught.join().unwrap(), uncaught.join().unwrap())
        });
        assert_eq!(caught, (false, quiet(&["spec 1"])));
        assert_eq!(uncaught, (false, vec!["not a spec".to_owned()]));

        // Specs generated in parallel: each caught panic is an error, none printed.
        let out = in_parallel(&[1, 2, 3, 4], |n| {
            progenitor::printed_panics(|| {
                progenitor::quietly(|| {
                    if n % 2 == 0 {
                        panic!("spec {n}");
                    }
                    n
                })
                .is_ok()
            })
        });
        assert_eq!(
            out,
            [
                (true, vec![]),
                (false, quiet(&["spec 2"])),
                (true, vec![]),
                (false, quiet(&["spec 4"])),
            ]
        );
    }
}
