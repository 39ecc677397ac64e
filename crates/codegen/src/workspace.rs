//! Bringing the tree in line with the generated files, or (`--check`)
//! reporting how it differs, in the manner of rust-analyzer's
//! `ensure_file_contents`. Nothing is written unless every spec generated.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::GeneratedFile;
use crate::error::{Error, Result};
use crate::render::MARKER;

/// How the tree differs from what the specs generate.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// Files whose contents differ, each with a short diff.
    pub changed: Vec<(PathBuf, String)>,
    /// Files that should exist and do not.
    pub missing: Vec<PathBuf>,
    /// Generated files that no spec produces any more.
    pub stale: Vec<PathBuf>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.stale.is_empty()
    }

    /// A report for people, ending with what to do.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for (path, diff) in &self.changed {
            writeln!(out, "changed: {}\n{diff}", path.display()).unwrap();
        }
        for path in &self.missing {
            writeln!(out, "missing: {}", path.display()).unwrap();
        }
        for path in &self.stale {
            writeln!(
                out,
                "stale (no spec generates it any more): {}",
                path.display()
            )
            .unwrap();
        }
        out.push_str(
            "generated code is out of date: run `cargo xtask codegen` and commit the result",
        );
        out
    }
}

/// Every file under `crates/` that carries the generated marker.
pub fn existing_generated(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let crates = root.join("crates");
    if crates.is_dir() {
        walk(root, &crates, &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_owned(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            walk(root, &path, out)?;
        } else if let Ok(text) = std::fs::read_to_string(&path)
            && text.lines().next().is_some_and(|l| l.contains(MARKER))
        {
            out.push(path.strip_prefix(root).unwrap_or(&path).to_owned());
        }
    }
    Ok(())
}

/// Compares the tree under `root` with the generated files.
pub fn drift(root: &Path, files: &[GeneratedFile]) -> Result<Drift> {
    let mut drift = Drift::default();
    for f in files {
        match std::fs::read_to_string(root.join(&f.path)) {
            Ok(current) if current == f.contents => {}
            Ok(current) => drift
                .changed
                .push((f.path.clone(), short_diff(&current, &f.contents))),
            Err(_) => drift.missing.push(f.path.clone()),
        }
    }
    for path in existing_generated(root)? {
        if !files.iter().any(|f| f.path == path) {
            drift.stale.push(path);
        }
    }
    Ok(drift)
}

/// A unified diff limited to a few hunks' worth of lines.
fn short_diff(old: &str, new: &str) -> String {
    const MAX_LINES: usize = 20;
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(1)
        .header("committed", "generated")
        .to_string();
    let mut lines: Vec<&str> = text.lines().collect();
    let total = lines.len();
    lines.truncate(MAX_LINES);
    let mut out = lines
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    if total > MAX_LINES {
        write!(out, "\n    ... ({} more diff lines)", total - MAX_LINES).unwrap();
    }
    out
}

/// Writes what changed and removes stale generated files (and directories they leave empty).
/// Returns the drift that was repaired.
pub fn apply(root: &Path, files: &[GeneratedFile]) -> Result<Drift> {
    let drift = drift(root, files)?;
    // Every new content goes to a temporary file first; only when all are written are they
    // renamed into place, so a failed write (a full disk) leaves the tree as it was.
    let mut staged = Vec::new();
    for path in drift.changed.iter().map(|(p, _)| p).chain(&drift.missing) {
        let contents = &files
            .iter()
            .find(|f| &f.path == path)
            .expect("drift lists generated files")
            .contents;
        match stage(&root.join(path), contents) {
            Ok(tmp) => staged.push((tmp, root.join(path))),
            Err(e) => {
                for (tmp, _) in &staged {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(e);
            }
        }
    }
    for (tmp, path) in &staged {
        std::fs::rename(tmp, path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    for path in &drift.stale {
        let full = root.join(path);
        std::fs::remove_file(&full).map_err(|source| Error::Io {
            path: full.clone(),
            source,
        })?;
        let mut dir = full.parent();
        while let Some(d) = dir {
            if d == root.join("crates") || std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(drift)
}

/// Writes `contents` beside `path` (creating its directory) and returns the temporary file.
fn stage(path: &Path, contents: &str) -> Result<PathBuf> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let tmp = path.with_extension("codegen-tmp");
    std::fs::write(&tmp, contents).map_err(io)?;
    Ok(tmp)
}
