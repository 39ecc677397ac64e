use std::io::IsTerminal;
use std::process::ExitCode;

use audit_export::{Args, ExportError, Stdout, run, token};
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let progress = std::io::stderr().is_terminal();
    let mut out = match Stdout::open() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("audit-export: standard output: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut log = std::io::stderr();
    let result = match token(&args) {
        Ok(token) => run(&args, token, &mut out, &mut log, progress).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e @ ExportError::Refused { .. }) => {
            eprintln!("audit-export: {e}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("audit-export: {e}");
            ExitCode::FAILURE
        }
    }
}
