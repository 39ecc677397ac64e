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

#[cfg(test)]
mod tests {
    use super::*;

    /// A generated file's text: the marker line, then `body`.
    fn generated(body: &str) -> String {
        format!("// {MARKER} from `specs/t.yaml`; do not edit.\n{body}\n")
    }

    fn file(path: &str, body: &str) -> GeneratedFile {
        GeneratedFile {
            path: PathBuf::from(path),
            contents: generated(body),
        }
    }

    /// A tree with a current, an outdated, a stale and a hand-written file.
    fn tree() -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (path, text) in [
            ("crates/t-types/src/lib.rs", generated("pub mod same;")),
            ("crates/t-client/src/lib.rs", generated("pub fn old() {}")),
            (
                "crates/gone-server/src/lib.rs",
                generated("pub fn gone() {}"),
            ),
            ("crates/mock/src/lib.rs", "// hand-written\n".to_owned()),
        ] {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        root
    }

    /// What the specs generate for [`tree`]: one file the same, one changed, one new.
    fn files() -> Vec<GeneratedFile> {
        vec![
            file("crates/t-types/src/lib.rs", "pub mod same;"),
            file("crates/t-client/src/lib.rs", "pub fn new() {}"),
            file("crates/t-server/src/lib.rs", "pub fn serve() {}"),
        ]
    }

    #[test]
    fn check_reports_changed_missing_and_stale_files() {
        let root = tree();
        let drift = drift(root.path(), &files()).unwrap();
        let changed: Vec<&PathBuf> = drift.changed.iter().map(|(p, _)| p).collect();
        assert_eq!(changed, [Path::new("crates/t-client/src/lib.rs")]);
        assert!(drift.changed[0].1.contains("-pub fn old() {}"));
        assert!(drift.changed[0].1.contains("+pub fn new() {}"));
        assert_eq!(drift.missing, [Path::new("crates/t-server/src/lib.rs")]);
        // A file without the marker is not the generator's.
        assert_eq!(drift.stale, [Path::new("crates/gone-server/src/lib.rs")]);
        let report = drift.report();
        for line in [
            "changed: crates/t-client/src/lib.rs",
            "missing: crates/t-server/src/lib.rs",
            "stale (no spec generates it any more): crates/gone-server/src/lib.rs",
            "run `cargo xtask codegen`",
        ] {
            assert!(report.contains(line), "{report}");
        }
    }

    #[test]
    fn apply_brings_the_tree_in_line() {
        let root = tree();
        let repaired = apply(root.path(), &files()).unwrap();
        assert_eq!(repaired, drift(tree().path(), &files()).unwrap());
        assert!(drift(root.path(), &files()).unwrap().is_empty());
        let read = |path: &str| std::fs::read_to_string(root.path().join(path)).unwrap();
        assert_eq!(
            read("crates/t-server/src/lib.rs"),
            generated("pub fn serve() {}")
        );
        assert_eq!(read("crates/mock/src/lib.rs"), "// hand-written\n");
        // A stale file goes with the directories it leaves empty.
        assert!(!root.path().join("crates/gone-server").exists());
        assert!(root.path().join("crates").is_dir());
    }

    #[test]
    fn apply_writes_nothing_unless_every_file_can_be_written() {
        let root = tree();
        // `crates/blocked` is a file, so nothing can be written below it.
        std::fs::write(root.path().join("crates/blocked"), "").unwrap();
        let mut files = files();
        files.push(file("crates/blocked/src/lib.rs", "pub fn blocked() {}"));
        assert!(apply(root.path(), &files).is_err());
        let read = |path: &str| std::fs::read_to_string(root.path().join(path)).unwrap();
        assert_eq!(
            read("crates/t-client/src/lib.rs"),
            generated("pub fn old() {}")
        );
        assert!(!root.path().join("crates/t-server/src/lib.rs").exists());
        assert!(
            !root
                .path()
                .join("crates/t-client/src/lib.codegen-tmp")
                .exists()
        );
        assert!(root.path().join("crates/gone-server/src/lib.rs").exists());
    }
}
