//! Workspace tasks: `cargo xtask codegen [--check]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Generate the types and client crates of every spec under specs/.
    Codegen {
        /// Write nothing; fail if the committed crates differ from what the specs generate.
        #[arg(long)]
        check: bool,
    },
    /// Check every spec against the workspace's rules (structure, examples, extensions).
    Lint,
    /// Everything CI checks: formatting, clippy, generated code up to date, all tests.
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

/// Runs a cargo command in the workspace, failing with its name.
fn cargo(root: &Path, args: &[&str]) -> Result<(), String> {
    eprintln!("$ cargo {}", args.join(" "));
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
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
    if findings.is_empty() {
        eprintln!("lint: {specs} specs, no problems");
        Ok(())
    } else {
        Err(format!(
            "lint: {} problems in {specs} specs",
            findings.len()
        ))
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
    cargo(root, &["test", "--workspace", "--no-fail-fast"])?;
    eprintln!("ci: all checks passed");
    Ok(())
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
