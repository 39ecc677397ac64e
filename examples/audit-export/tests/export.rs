//! `audit-export` end to end against each service's mock server.

use std::process::Output;

use mock_servers::{DEFAULT_TOKEN, Options, Service, start};

const ITEMS: usize = 75;

async fn export(base_url: &str, service: &str, token: &str, extra: &[&str]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_audit-export"));
    command
        .args(["--service", service, "--base-url", base_url])
        .args(extra)
        .env("AUDIT_EXPORT_TEST_TOKEN", token);
    if !extra.contains(&"--token-env") {
        command.args(["--token-env", "AUDIT_EXPORT_TEST_TOKEN"]);
    }
    if !extra.contains(&"--page-size") {
        command.args(["--page-size", "7"]);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// The export succeeded; `what` names it, with its stderr, when it did not.
fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_every_event_of_every_service() {
    for (service, name, id) in [
        (Service::Runta, "runta", "id"),
        (Service::Instavm, "instavm", "id"),
        (Service::Bloodhound, "bloodhound", "id"),
        (Service::CloudFoundry, "cloud-foundry", "guid"),
    ] {
        let mock = start(
            service,
            Options {
                items: ITEMS,
                ..Options::default()
            },
        )
        .await
        .unwrap();
        let output = export(
            &mock.base_url,
            name,
            DEFAULT_TOKEN,
            if name == "runta" {
                &["--page-size", "1000"]
            } else {
                &[]
            },
        )
        .await;
        assert_success(&output, name);
        let events = lines(&output);
        assert_eq!(events.len(), ITEMS, "{name}");
        let mut ids: Vec<String> = events.iter().map(|e| e[id].to_string()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ITEMS, "{name}: no event repeated");
        assert!(
            output.stderr.is_empty(),
            "no progress line when stderr is not a terminal"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn since_keeps_only_recent_events() {
    for (service, name, time) in [
        (Service::Runta, "runta", "observed_unix_ms"),
        (Service::Instavm, "instavm", "created_at"),
        (Service::Bloodhound, "bloodhound", "created_at"),
        (Service::CloudFoundry, "cloud-foundry", "created_at"),
    ] {
        let mock = start(
            service,
            Options {
                items: ITEMS,
                ..Options::default()
            },
        )
        .await
        .unwrap();
        let output = export(
            &mock.base_url,
            name,
            DEFAULT_TOKEN,
            &["--page-size", "1000"],
        )
        .await;
        assert_success(&output, name);
        let all = lines(&output);
        let mut times: Vec<String> = all.iter().map(|e| e[time].to_string()).collect();
        times.sort();
        // The 20th newest instant: 20 events are at or after it.
        let cutoff = &times[times.len() - 20];
        let since = if name == "runta" {
            let ms: i64 = cutoff.parse().unwrap();
            chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .to_rfc3339()
        } else {
            cutoff.trim_matches('"').to_owned()
        };
        let size = if name == "runta" { "1000" } else { "7" };
        let output = export(
            &mock.base_url,
            name,
            DEFAULT_TOKEN,
            &["--since", &since, "--page-size", size],
        )
        .await;
        assert_success(&output, &format!("{name} since {since}"));
        assert_eq!(lines(&output).len(), 20, "{name} since {since}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_credentials_are_a_clear_error() {
    let mock = start(Service::CloudFoundry, Options::default())
        .await
        .unwrap();
    let output = export(&mock.base_url, "cloud-foundry", "wrong-token", &[]).await;
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refused the credentials (401 Unauthorized)"),
        "{stderr}"
    );
    // The service's own error text, not a dump of the response.
    assert!(stderr.contains("CF-InvalidAuthToken"), "{stderr}");
    assert!(!stderr.contains("headers"), "{stderr}");
    assert!(output.stdout.is_empty());

    // Nothing listens: the cause (connection refused) is on the line.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let output = export(
        &format!("http://{closed}"),
        "cloud-foundry",
        DEFAULT_TOKEN,
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one readable line: {stderr}"
    );

    let output = export(
        &mock.base_url,
        "cloud-foundry",
        DEFAULT_TOKEN,
        &["--token-env", "AUDIT_EXPORT_UNSET_VARIABLE"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`AUDIT_EXPORT_UNSET_VARIABLE`"));
}

#[tokio::test(flavor = "multi_thread")]
async fn busy_pages_are_retried() {
    let mock = start(
        Service::Bloodhound,
        Options {
            items: ITEMS,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    mock.faults.push(429);
    mock.faults.push(429);
    let output = export(&mock.base_url, "bloodhound", DEFAULT_TOKEN, &[]).await;
    assert_success(&output, "after two 429s");
    assert_eq!(lines(&output).len(), ITEMS);

    mock.faults.push(429);
    let output = export(
        &mock.base_url,
        "bloodhound",
        DEFAULT_TOKEN,
        &["--max-retries", "0"],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("429"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_gets_a_progress_line() {
    use clap::Parser;
    let mock = start(
        Service::Instavm,
        Options {
            items: ITEMS,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let args = audit_export::Args::parse_from([
        "audit-export",
        "--service",
        "instavm",
        "--base-url",
        &mock.base_url,
        "--token-env",
        "UNUSED",
        "--page-size",
        "10",
    ]);
    let (mut out, mut log) = (Vec::new(), Vec::new());
    let summary = audit_export::run(&args, DEFAULT_TOKEN.into(), &mut out, &mut log, true)
        .await
        .unwrap();
    assert_eq!(
        summary,
        audit_export::Summary {
            events: ITEMS as u64,
            pages: 8
        }
    );
    let log = String::from_utf8(log).unwrap();
    assert!(log.contains("\r75 events, 8 pages, "), "{log}");
    assert!(log.ends_with(" events/s\n"), "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bloodhound_exports_with_signed_requests() {
    let mock = start(
        Service::Bloodhound,
        Options {
            items: ITEMS,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let output = export(
        &mock.base_url,
        "bloodhound",
        DEFAULT_TOKEN,
        &["--token-id", mock_servers::DEFAULT_TOKEN_ID],
    )
    .await;
    assert_success(&output, "signed requests");
    assert_eq!(lines(&output).len(), ITEMS);
    let refused = export(
        &mock.base_url,
        "bloodhound",
        "wrong-key",
        &["--token-id", mock_servers::DEFAULT_TOKEN_ID],
    )
    .await;
    assert_eq!(refused.status.code(), Some(3));
    let misused = export(&mock.base_url, "runta", DEFAULT_TOKEN, &["--token-id", "x"]).await;
    assert!(
        String::from_utf8_lossy(&misused.stderr)
            .contains("`--token-id` (signed requests) is for `--service bloodhound` only")
    );
}

/// A server in front of the service that answers every request with `status`,
/// `content_type` and `body` (a load balancer, or a broken service).
async fn hostile(status: u16, content_type: &'static str, body: String) -> String {
    let app = axum::Router::new().fallback(move || {
        let body = body.clone();
        async move {
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                [(axum::http::header::CONTENT_TYPE, content_type)],
                body,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_answer_is_judged_by_status_and_never_floods_stderr() {
    // A load balancer's HTML 401 is still a refusal (exit 3), not a payload error.
    let url = hostile(
        401,
        "text/html",
        "<html>401 Authorization Required</html>".into(),
    )
    .await;
    let output = export(&url, "runta", DEFAULT_TOKEN, &[]).await;
    assert_eq!(
        output.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // A 5 MB body that is not the documented JSON: a short message.
    let url = hostile(
        200,
        "application/json",
        format!("{{\"data\": \"{}", "x".repeat(5_000_000)),
    )
    .await;
    let output = export(&url, "runta", DEFAULT_TOKEN, &[]).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.len() < 3000, "{} bytes on stderr", stderr.len());
    assert!(stderr.contains("more bytes)"), "{stderr}");
}

/// A Cloud Foundry mock serving `events` (its data file).
async fn cloud_foundry_serving(
    events: &[cloud_foundry_client::types::AuditEvent],
    dir: &std::path::Path,
    name: &str,
) -> mock_servers::Running {
    let data = dir.join(name);
    std::fs::write(&data, serde_json::to_string(events).unwrap()).unwrap();
    start(
        Service::CloudFoundry,
        Options {
            data: Some(data),
            ..Options::default()
        },
    )
    .await
    .unwrap()
}

/// `mock` replaced by a Cloud Foundry mock serving `events` at the same base
/// URL (as a deployment that has grown since the last export).
async fn cloud_foundry_grown(
    mock: mock_servers::Running,
    events: &[cloud_foundry_client::types::AuditEvent],
    dir: &std::path::Path,
    name: &str,
) -> mock_servers::Running {
    let address = mock.base_url.trim_start_matches("http://").to_owned();
    drop(mock);
    let data = dir.join(name);
    std::fs::write(&data, serde_json::to_string(events).unwrap()).unwrap();
    // The old server lets go of the port as its task ends.
    let mut tries = 0;
    let listener = loop {
        match tokio::net::TcpListener::bind(&address).await {
            Ok(listener) => break listener,
            Err(_) if tries < 100 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(e) => panic!("{address} stays taken: {e}"),
        }
    };
    let options = Options {
        data: Some(data),
        ..Options::default()
    };
    mock_servers::start_on(listener, Service::CloudFoundry, options)
        .await
        .unwrap()
}

fn guids(output: &Output) -> Vec<String> {
    lines(output)
        .iter()
        .map(|e| e["guid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_export_resumes_with_no_loss_and_no_duplicates() {
    let dir = std::env::temp_dir().join(format!("audit-export-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let state_arg = state.to_str().unwrap().to_owned();
    let all = mock_servers::cloud_foundry::sample(25, "http://127.0.0.1:8080");

    // First run: the oldest 15 events exist.
    let mock = cloud_foundry_serving(&all[..15], &dir, "first.json").await;
    let output = export(
        &mock.base_url,
        "cloud-foundry",
        DEFAULT_TOKEN,
        &["--state", &state_arg],
    )
    .await;
    assert_success(&output, "first run");
    let first = guids(&output);
    assert_eq!(first.len(), 15);

    // Second run: the service has grown by ten newer events; only those are exported.
    let mock = cloud_foundry_grown(mock, &all, &dir, "second.json").await;
    let output = export(
        &mock.base_url,
        "cloud-foundry",
        DEFAULT_TOKEN,
        &["--state", &state_arg],
    )
    .await;
    assert_success(&output, "second run");
    let second = guids(&output);
    let mut expected: Vec<String> = all[15..].iter().map(|e| e.guid.clone()).collect();
    let mut got = second.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "exactly the new events");
    assert!(
        second.iter().all(|g| !first.contains(g)),
        "nothing exported twice"
    );

    // Third run, nothing new: nothing exported.
    let output = export(
        &mock.base_url,
        "cloud-foundry",
        DEFAULT_TOKEN,
        &["--state", &state_arg],
    )
    .await;
    assert_success(&output, "third run");
    assert!(guids(&output).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_exports_write_what_sequential_ones_do_as_of_their_start() {
    let dir = std::env::temp_dir().join(format!("audit-export-pin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Two events are stamped an hour ahead: created "during" the export, they
    // fall outside its pinned list and are left for the next run.
    let mut events = mock_servers::cloud_foundry::sample(60, "http://127.0.0.1:8080");
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    for event in &mut events[..2] {
        event.created_at = later.into();
        event.updated_at = later.into();
    }
    let mock = cloud_foundry_serving(&events, &dir, "pinned.json").await;
    let mut outputs = Vec::new();
    for concurrency in ["1", "8"] {
        let output = export(
            &mock.base_url,
            "cloud-foundry",
            DEFAULT_TOKEN,
            &["--concurrency", concurrency],
        )
        .await;
        assert_success(&output, &format!("concurrency {concurrency}"));
        outputs.push(output.stdout);
    }
    assert_eq!(
        outputs[0], outputs[1],
        "concurrency 8 writes the same bytes"
    );
    let output = export(&mock.base_url, "cloud-foundry", DEFAULT_TOKEN, &[]).await;
    assert_success(&output, "default concurrency");
    let written = guids(&output);
    assert_eq!(written.len(), 58, "the two later events are left out");
    assert!(!written.contains(&events[0].guid) && !written.contains(&events[1].guid));
    let _ = std::fs::remove_dir_all(&dir);

    let mock = start(
        Service::Bloodhound,
        Options {
            items: ITEMS,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let one = export(
        &mock.base_url,
        "bloodhound",
        DEFAULT_TOKEN,
        &["--concurrency", "1"],
    )
    .await;
    let eight = export(
        &mock.base_url,
        "bloodhound",
        DEFAULT_TOKEN,
        &["--concurrency", "8"],
    )
    .await;
    assert_success(&one, "bloodhound, concurrency 1");
    assert_success(&eight, "bloodhound, concurrency 8");
    assert_eq!(lines(&one).len(), ITEMS);
    assert_eq!(
        one.stdout, eight.stdout,
        "concurrency 8 writes the same bytes"
    );

    let refused = export(
        &mock.base_url,
        "bloodhound",
        DEFAULT_TOKEN,
        &["--concurrency", "0"],
    )
    .await;
    assert_eq!(refused.status.code(), Some(2), "clap refuses 0");
}

/// `audit-export` writing to `stdout` (a file, the null device, a closed
/// one with `close_stdout`); its stdout is not captured.
async fn export_into(
    base_url: &str,
    service: &str,
    extra: &[&str],
    stdout: std::process::Stdio,
    close_stdout: bool,
) -> Output {
    let binary = env!("CARGO_BIN_EXE_audit-export");
    let mut command = if close_stdout {
        let mut sh = std::process::Command::new("sh");
        sh.args(["-c", "exec \"$0\" \"$@\" >&-", binary]);
        sh
    } else {
        std::process::Command::new(binary)
    };
    command
        .args(["--service", service, "--base-url", base_url])
        .args(["--token-env", "AUDIT_EXPORT_TEST_TOKEN", "--page-size", "7"])
        .args(extra)
        .env("AUDIT_EXPORT_TEST_TOKEN", DEFAULT_TOKEN)
        .stdout(stdout);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// The export failed with `needle` in its message.
fn assert_failed(output: &Output, needle: &str, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{what}: succeeded");
    assert!(stderr.contains(needle), "{what}: {stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_never_runs_ahead_of_the_output() {
    let dir = std::env::temp_dir().join(format!("audit-export-durable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let state_arg = state.to_str().unwrap().to_owned();
    let events = mock_servers::cloud_foundry::sample(20, "http://127.0.0.1:8080");
    let mock = cloud_foundry_serving(&events, &dir, "events.json").await;
    let with_state = ["--state", state_arg.as_str()];
    let file = |path: &str| {
        std::process::Stdio::from(std::fs::OpenOptions::new().write(true).open(path).unwrap())
    };

    // Output that vanishes, a closed stdout (the runtime makes it the null
    // device) or the null device itself, is refused before any request; a
    // full disk's write error is the exit status.
    for (output, closed, needle) in [
        ("/dev/null", true, "null device"),
        ("/dev/null", false, "null device"),
        ("/dev/full", false, "No space left on device"),
    ] {
        let run = export_into(
            &mock.base_url,
            "cloud-foundry",
            &with_state,
            file(output),
            closed,
        )
        .await;
        assert_failed(&run, needle, &format!("{output}, stdout closed: {closed}"));
    }
    assert!(!state.exists(), "no state after a failed export");

    // A state file that cannot be written is an error before the first event.
    let missing = dir.join("missing/state.json");
    let output = export(
        &mock.base_url,
        "cloud-foundry",
        DEFAULT_TOKEN,
        &["--state", missing.to_str().unwrap()],
    )
    .await;
    assert_failed(&output, "cannot be written", "missing folder");
    assert!(output.stdout.is_empty(), "nothing exported");

    // A good run records its service and base URL ...
    let output = export(&mock.base_url, "cloud-foundry", DEFAULT_TOKEN, &with_state).await;
    assert_success(&output, "good run");
    assert_eq!(guids(&output).len(), 20);
    let recorded = std::fs::read(&state).unwrap();

    // ... and another service's or deployment's export refuses the state.
    let other = start(Service::Bloodhound, Options::default())
        .await
        .unwrap();
    let output = export(&other.base_url, "bloodhound", DEFAULT_TOKEN, &with_state).await;
    assert_failed(
        &output,
        "records an export of cloud-foundry, not bloodhound",
        "another service",
    );
    assert!(output.stdout.is_empty());
    let elsewhere = cloud_foundry_serving(&events, &dir, "elsewhere.json").await;
    let output = export(
        &elsewhere.base_url,
        "cloud-foundry",
        DEFAULT_TOKEN,
        &with_state,
    )
    .await;
    assert_failed(&output, "records an export from", "another base URL");
    assert_eq!(
        std::fs::read(&state).unwrap(),
        recorded,
        "the state is unchanged"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_writes_the_lines_of_an_unfinished_export_once() {
    let dir = std::env::temp_dir().join(format!("audit-export-append-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let state_arg = state.to_str().unwrap().to_owned();
    let output_path = dir.join("events.ndjson");
    let appended = || {
        std::process::Stdio::from(
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&output_path)
                .unwrap(),
        )
    };
    let all = mock_servers::cloud_foundry::sample(25, "http://127.0.0.1:8080");
    let first = cloud_foundry_serving(&all[..15], &dir, "first.json").await;
    let output = export_into(
        &first.base_url,
        "cloud-foundry",
        &["--state", &state_arg],
        appended(),
        false,
    )
    .await;
    assert_success(&output, "first run");

    // A run killed mid-export appended some of the newer events and no state.
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&output_path)
        .unwrap();
    for event in &all[15..19] {
        use std::io::Write;
        writeln!(file, "{}", serde_json::to_string(event).unwrap()).unwrap();
    }
    drop(file);

    // The next run cuts them off and writes every newer event once.
    let mock = cloud_foundry_grown(first, &all, &dir, "second.json").await;
    let output = export_into(
        &mock.base_url,
        "cloud-foundry",
        &["--state", &state_arg],
        appended(),
        false,
    )
    .await;
    assert_success(&output, "resumed run");
    let written: Vec<String> = std::fs::read_to_string(&output_path)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["guid"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut expected: Vec<String> = all.iter().map(|e| e.guid.clone()).collect();
    let mut sorted = written.clone();
    expected.sort();
    sorted.sort();
    assert_eq!(
        sorted,
        expected,
        "every event once: {} lines",
        written.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
