//! `body-memory capped|plain endless|sized CAP_MIB SIZE_MIB SECONDS`: one
//! client reading one hostile response body, then its peak memory.
//!
//! A loopback server in the same process answers `GET /v3/audit_events` with
//! a JSON page that never ends (`endless`) or is `SIZE_MIB` MiB long,
//! streamed without a `Content-Length` (`sized`). `capped` reads it with the
//! generated Cloud Foundry client, its cap set to `CAP_MIB`; `plain` with a
//! plain `reqwest` loop (`send`, then `bytes`), whose only bound is a
//! `SECONDS` timeout. It prints `peak_rss_kib=<VmHWM>` and how the read ended.

use axum::body::Body;
use axum::response::Response;
use futures::StreamExt as _;

const CHUNK: usize = 64 * 1024;

/// The page: `{"resources": [` and then spaces, forever or up to `size` bytes.
fn page(size: Option<u64>) -> Response {
    let head =
        futures::stream::once(async { Ok::<_, std::io::Error>(b"{\"resources\": [".to_vec()) });
    let chunks = futures::stream::repeat_with(|| Ok(vec![b' '; CHUNK]));
    let body = match size {
        Some(size) => {
            let count = usize::try_from(size / CHUNK as u64).unwrap_or(usize::MAX);
            Body::from_stream(head.chain(chunks.take(count)))
        }
        None => Body::from_stream(head.chain(chunks)),
    };
    Response::builder()
        .header("content-type", "application/json")
        .body(body)
        .unwrap_or_default()
}

/// The process's peak resident set, in KiB (Linux `VmHWM`).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| {
                line.strip_prefix("VmHWM:")?
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .ok()
            })
        })
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u64| {
        args.get(i)
            .and_then(|a| a.parse::<u64>().ok())
            .unwrap_or(default)
    };
    let (mode, body) = (
        args.first().cloned().unwrap_or_default(),
        args.get(1).cloned().unwrap_or_default(),
    );
    let (cap, size, seconds) = (number(2, 64) << 20, number(3, 2048) << 20, number(4, 10));
    let size = (body == "sized").then_some(size);
    let router = axum::Router::new().route(
        "/v3/audit_events",
        axum::routing::get(move || async move { page(size) }),
    );
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("body-memory: no loopback port: {e}");
            std::process::exit(2);
        }
    };
    let base = match listener.local_addr() {
        Ok(address) => format!("http://{address}"),
        Err(e) => {
            eprintln!("body-memory: {e}");
            std::process::exit(2);
        }
    };
    tokio::spawn(async move { axum::serve(listener, router).await });
    let timeout = std::time::Duration::from_secs(seconds);
    let outcome = match mode.as_str() {
        "capped" => {
            let client = reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .map(|http| {
                    cloud_foundry_client::Client::new_with_client(&base, http).with_max_body(cap)
                });
            match client {
                Ok(client) => match client.list_audit_events().send().await {
                    Ok(_) => "read whole".to_owned(),
                    Err(e) => format!("error: {}", api_support::client::short_message(&e, 120)),
                },
                Err(e) => format!("error: {e}"),
            }
        }
        "plain" => {
            let read = async {
                let http = reqwest::Client::builder().timeout(timeout).build()?;
                let response = http.get(format!("{base}/v3/audit_events")).send().await?;
                response.bytes().await.map(|b| b.len())
            };
            match read.await {
                Ok(n) => format!("read whole: {n} bytes"),
                Err(e) => format!("error: {e}"),
            }
        }
        other => {
            eprintln!("body-memory: unknown mode `{other}` (capped or plain)");
            std::process::exit(2);
        }
    };
    println!("peak_rss_kib={} {outcome}", peak_rss_kib());
}
