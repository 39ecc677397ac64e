//! Scratch workspaces under `target/`: the real workspace's dependency table,
//! lints and profiles, with other members. Used to build generated code that
//! is not committed (benchmarks, sample specs) exactly as the committed
//! crates are built.

use std::path::Path;

/// Writes `dir/Cargo.toml`: the root manifest with `members` replaced and
/// path dependencies made absolute; copies `Cargo.lock` so versions match.
pub fn workspace(root: &Path, dir: &Path, members: &str) -> Result<(), String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let mut out = String::new();
    let mut in_workspace_table = false;
    for line in manifest.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_workspace_table = trimmed == "[workspace]";
        }
        if in_workspace_table
            && (trimmed.starts_with("members")
                || trimmed.starts_with("exclude")
                || trimmed.starts_with('#'))
        {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if trimmed == "[workspace]" {
            out.push_str(&format!("members = [{members:?}]\n"));
        }
    }
    // Path dependencies of the root manifest are relative to it.
    let out = out.replace(
        "path = \"crates/",
        &format!("path = \"{}/crates/", root.display()),
    );
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("Cargo.toml"), out).map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
    Ok(())
}
