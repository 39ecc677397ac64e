//! Wall time and peak memory of a child process tree, for the benchmarks:
//! `xtask peak-rss -- <command>` runs a command and prints the largest
//! resident set any process of its tree reached (`getrusage` of the waited-for
//! children: a cargo build's rustc included); [`measured`] runs a prepared
//! [`Command`] through it.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// `xtask peak-rss -- <program> <args>`: runs it and prints
/// `peak_rss_kib=<n>` on stdout; fails when the command fails.
pub fn peak_rss(command: &[String]) -> Result<(), String> {
    let (program, args) = command
        .split_first()
        .ok_or("peak-rss needs a command to run")?;
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("could not run {program}: {e}"))?;
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .map_err(|e| format!("getrusage: {e}"))?;
    // Linux reports ru_maxrss in KiB.
    println!("peak_rss_kib={}", usage.max_rss());
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} failed: {status}"))
    }
}

/// This very binary (through /proc on Linux, so a rebuild of the file since
/// it started does not matter).
pub fn this_exe() -> PathBuf {
    let proc_exe = PathBuf::from(format!("/proc/{}/exe", std::process::id()));
    if proc_exe.exists() {
        proc_exe
    } else {
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("xtask"))
    }
}

/// Runs `command` (its program, arguments, directory and environment) in a
/// fresh `peak-rss` process: its wall time and the peak RSS of its process
/// tree, in MiB. Its stderr is shown; a failure is an error naming `what`.
pub fn measured(command: &Command, what: &str) -> Result<(Duration, f64), String> {
    let mut wrapper = Command::new(this_exe());
    wrapper
        .args(["peak-rss", "--"])
        .arg(command.get_program())
        .args(command.get_args());
    if let Some(dir) = command.get_current_dir() {
        wrapper.current_dir(dir);
    }
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapper.env(key, value),
            None => wrapper.env_remove(key),
        };
    }
    let started = Instant::now();
    let out = wrapper
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("could not run {what}: {e}"))?;
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("{what} failed:\n{stdout}"));
    }
    let kib: f64 = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak_rss_kib="))
        .and_then(|k| k.trim().parse().ok())
        .ok_or_else(|| format!("{what}: no peak memory reported"))?;
    Ok((elapsed, kib / 1024.0))
}
