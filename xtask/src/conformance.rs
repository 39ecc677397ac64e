//! `cargo xtask conformance`: each service's mock server (built on its
//! generated stub) on loopback, probed by Schemathesis with the service's
//! spec, a fixed seed and a bounded number of examples per operation. The
//! servers are stopped whatever happens (they are killed when dropped).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The checks run: every response conformance check, and negative data
/// rejection (invalid requests must get a 4xx).
pub const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,\
response_headers_conformance,negative_data_rejection,missing_required_header,unsupported_method";

pub const SEED: &str = "42";

/// A mock server process, killed on drop.
struct Server {
    child: Child,
    base_url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(binary: &Path, service: &str, extra: &[&str]) -> Result<Server, String> {
    let mut child = Command::new(binary)
        .args([service, "--port", "0"])
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
    let mut line = String::new();
    let stderr = child.stderr.take().ok_or("no stderr")?;
    BufReader::new(stderr)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let base_url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .map(str::to_owned);
    let server = Server {
        child,
        base_url: base_url.unwrap_or_default(),
    };
    if server.base_url.is_empty() {
        return Err(format!(
            "the {service} mock did not report its address: {line}"
        ));
    }
    Ok(server)
}

/// The outcome of one Schemathesis run.
pub struct Run {
    pub service: String,
    pub passed: bool,
    /// How many test cases (requests) Schemathesis generated.
    pub requests: u64,
    pub output: String,
}

fn schemathesis(
    st: &Path,
    root: &Path,
    service: &str,
    server: &Server,
    max_examples: u32,
) -> Result<Run, String> {
    let spec_file = root.join("specs").join(format!("{service}.yaml"));
    let auth = auth_header(root, &spec_file, "mock-token")?;
    let output = Command::new(st)
        .current_dir(root.join("target"))
        .args([
            "run",
            &root
                .join("specs")
                .join(format!("{service}.yaml"))
                .to_string_lossy(),
            "--url",
            &server.base_url,
        ])
        .args([
            "-H",
            &auth,
            "--checks",
            CHECKS,
            "--seed",
            SEED,
            "--max-examples",
            &max_examples.to_string(),
        ])
        .args([
            "--workers",
            "1",
            "--no-color",
            "--generation-database",
            "none",
            "--phases",
            "examples,coverage,fuzzing",
        ])
        .output()
        .map_err(|e| format!("could not run {}: {e}", st.display()))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let requests = text
        .lines()
        .filter_map(|l| {
            l.trim()
                .split_once(" generated")
                .and_then(|(n, _)| n.trim().parse::<u64>().ok())
        })
        .sum();
    Ok(Run {
        service: service.to_owned(),
        passed: output.status.success(),
        requests,
        output: text,
    })
}

/// The header carrying `token` for the first security scheme of the spec's top-level
/// requirement: an API key header, else `Authorization: Bearer`.
fn auth_header(root: &Path, spec_file: &Path, token: &str) -> Result<String, String> {
    let loaded = codegen::load_spec(root, spec_file).map_err(|e| e.to_string())?;
    let doc = &loaded.value;
    let first = doc
        .pointer("/security/0")
        .and_then(serde_json::Value::as_object)
        .and_then(|r| r.keys().next())
        .and_then(|name| doc.pointer(&format!("/components/securitySchemes/{name}")));
    Ok(match first {
        Some(s) if s["type"] == "apiKey" && s["in"] == "header" => {
            format!("{}: {token}", s["name"].as_str().unwrap_or("X-API-Key"))
        }
        _ => format!("Authorization: Bearer {token}"),
    })
}

pub fn mock_binary(root: &Path) -> Result<PathBuf, String> {
    let status = crate::cargo_command()
        .args([
            "build",
            "--quiet",
            "-p",
            "mock-servers",
            "--bin",
            "mock-server",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("could not build the mock servers".into());
    }
    Ok(root.join("target/debug/mock-server"))
}

/// Runs every service; with `nonconforming`, against mocks that break their contract on purpose.
pub fn run_all(
    root: &Path,
    st: &Path,
    max_examples: u32,
    nonconforming: bool,
) -> Result<Vec<Run>, String> {
    let binary = mock_binary(root)?;
    let extra: &[&str] = if nonconforming {
        &["--nonconforming"]
    } else {
        &[]
    };
    let mut runs = Vec::new();
    for service in services_with_mocks(root, &binary)? {
        let server = start(&binary, &service, extra)?;
        runs.push(schemathesis(st, root, &service, &server, max_examples)?);
    }
    Ok(runs)
}

/// Every spec's service, each of which must have a mock (`mock-server --list`):
/// a spec without one is an error, never silently left out.
pub fn services_with_mocks(root: &Path, binary: &Path) -> Result<Vec<String>, String> {
    let output = std::process::Command::new(binary)
        .arg("--list")
        .output()
        .map_err(|e| format!("could not run {}: {e}", binary.display()))?;
    let mocks: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let mut services = Vec::new();
    for spec in codegen::spec_files(root).map_err(|e| e.to_string())? {
        let service = codegen::service_name(spec.strip_prefix(root).unwrap_or(&spec))
            .map_err(|e| e.to_string())?;
        services.push(service);
    }
    check_mocks(&services, &mocks)?;
    Ok(services)
}

/// Every spec has a mock and every mock a spec.
fn check_mocks(services: &[String], mocks: &[String]) -> Result<(), String> {
    let missing: Vec<&String> = services.iter().filter(|s| !mocks.contains(s)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "no mock server for {}: conformance runs every spec's mock; add an `Api` implementation to crates/mock-servers (see its lib.rs) and register it in `Service`",
            missing
                .iter()
                .map(|s| format!("`specs/{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let stale: Vec<&String> = mocks.iter().filter(|m| !services.contains(m)).collect();
    if !stale.is_empty() {
        return Err(format!(
            "mock servers without a spec: {stale:?}; remove them from crates/mock-servers or restore their specs"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_mocks;

    #[test]
    fn a_spec_without_a_mock_is_an_error_not_skipped() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_mocks(&names(&["a", "b"]), &names(&["b", "a"])).is_ok());
        let e = check_mocks(&names(&["a", "okta"]), &names(&["a"])).unwrap_err();
        assert!(e.starts_with("no mock server for `specs/okta`"), "{e}");
        let e = check_mocks(&names(&["a"]), &names(&["a", "old"])).unwrap_err();
        assert!(e.contains("mock servers without a spec: [\"old\"]"), "{e}");
    }
}
