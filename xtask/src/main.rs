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
        Command::Codegen { check } => match codegen(&root, check) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        },
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
