//! Golden output: what the generator makes of each spec, reviewed with
//! `cargo insta review` when it changes.
//!
//! * `samples/specs/*.yaml`: small specs, one construct each;
//! * `../../specs/*.yaml`: the workspace's real specs (their working copy,
//!   i.e. what the rewrite in `transform.rs` hands to progenitor).

use std::path::{Path, PathBuf};

fn render(files: &[codegen::GeneratedFile]) -> String {
    files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "rs" || e == "toml"))
        .map(|f| format!("==> {} <==\n{}", f.path.display(), f.contents))
        .collect::<Vec<_>>()
        .join("\n")
}

fn specs(dir: &Path) -> Vec<PathBuf> {
    codegen::spec_files(dir).unwrap()
}

#[test]
fn samples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples");
    let samples = specs(&root);
    assert!(samples.len() >= 8, "samples are missing: {samples:?}");
    for spec in samples {
        let name = spec.file_stem().unwrap().to_str().unwrap().to_owned();
        let output = match codegen::generate_service(&root, &spec) {
            Ok(files) => render(&files),
            Err(e) => format!("error:\n{e}"),
        };
        insta::assert_snapshot!(format!("sample-{name}"), output);
    }
}

#[test]
fn working_copies_of_the_workspace_specs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for spec in specs(&root) {
        let name = spec.file_stem().unwrap().to_str().unwrap().to_owned();
        let rel = spec.strip_prefix(&root).unwrap();
        let text = std::fs::read_to_string(&spec).unwrap();
        let value = codegen::load::parse_yaml(rel, &text).unwrap();
        let working = codegen::transform::working_copy(rel, &value).unwrap();
        insta::assert_snapshot!(
            format!("working-copy-{name}"),
            serde_json::to_string_pretty(&working).unwrap()
        );
    }
}

#[test]
fn two_runs_give_identical_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    assert_eq!(
        codegen::generate_all(&root).unwrap(),
        codegen::generate_all(&root).unwrap()
    );
}

/// The benchmarks' baseline (progenitor's plain client) must exist for every
/// workspace spec, including enums typify cannot name (`+created_at`, `-created_at`).
#[test]
fn the_plain_progenitor_baseline_generates_for_every_workspace_spec() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for file in codegen::spec_files(&root).unwrap() {
        let loaded = codegen::load_spec(&root, &file).unwrap();
        let plain = codegen::plain_progenitor(&loaded)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(plain.contains("pub struct Client"), "{}", file.display());
    }
}
