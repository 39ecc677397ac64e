//! The documented command serves a mock: `mock-server <service> --port N`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on a free port and returns it with its base address.
fn start(args: &[&str]) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-server"))
        .args(args)
        .args(["--port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("it prints its address")
        .to_owned();
    (Server(child), address)
}

fn get(address: &str, target: &str, auth: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(stream, "GET {target} HTTP/1.1\r\nHost: {address}\r\nAuthorization: {auth}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serves_each_service_and_injects_faults() {
    let (_server, address) = start(&["cloud-foundry", "--items", "3", "--fail-first", "503"]);
    let first = get(&address, "/v3/audit_events", "Bearer mock-token");
    assert!(first.starts_with("HTTP/1.1 503"), "{first}");
    let second = get(&address, "/v3/audit_events?per_page=2", "Bearer mock-token");
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    assert!(second.contains("\"total_results\":3"), "{second}");

    let (_server, address) = start(&["instavm", "--token", "k-1"]);
    assert!(get(&address, "/v1/audit/events", "Bearer k-1").starts_with("HTTP/1.1 200"));
    assert!(get(&address, "/v1/audit/events", "Bearer mock-token").starts_with("HTTP/1.1 401"));
}
