//! In-memory mocks of the four audit APIs, built on the generated server
//! stubs. Each filters, orders and pages the way the real service does
//! (see `specs/NOTES.md`), so a client's integration tests can point at it:
//!
//! ```sh
//! cargo run -p mock-servers -- cloud-foundry --port 8080
//! ```
//!
//! Data is generated (deterministic, relative to the start time) or read
//! from a JSON file holding an array of the service's items. Every request
//! must carry the configured token (default [`DEFAULT_TOKEN`]).
//! [`Faults`] makes the next requests fail with a documented status, for
//! testing retries.

pub mod bloodhound;
pub mod cloud_foundry;
pub mod instavm;
pub mod runta;
mod sample;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use api_support::Secret;
use api_support::server::AuthError;

/// The token the mocks accept unless told otherwise (for signed requests: the token key).
pub const DEFAULT_TOKEN: &str = "mock-token";

/// The token id of signed requests (BloodHound) the mocks accept unless told
/// otherwise (a UUID: the service refuses other ids as malformed).
pub const DEFAULT_TOKEN_ID: &str = "6d0f5a3e-2b1c-4d8e-9f7a-0c1b2d3e4f5a";

/// The services there are mocks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Service {
    Runta,
    Instavm,
    Bloodhound,
    CloudFoundry,
}

/// Statuses the next requests answer with instead of their data (one per request, in order).
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<VecDeque<u16>>>);

impl Faults {
    /// Queues `status` for one coming request.
    pub fn push(&self, status: u16) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(status);
    }

    fn next(&self) -> Option<u16> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }
}

/// What every mock is configured with.
#[derive(Debug, Clone)]
pub struct Options {
    /// The one credential accepted (bearer token, API key, or the key of signed requests).
    pub token: String,
    /// The token id of signed requests.
    pub token_id: String,
    /// How many items to generate when no data file is given.
    pub items: usize,
    /// A JSON file with an array of the service's items, instead of generated data.
    pub data: Option<std::path::PathBuf>,
    /// The URL clients reach the mock at (used in Cloud Foundry's pagination links).
    pub base_url: String,
    pub faults: Faults,
    /// Break the contract on purpose: drop the first field of every JSON body
    /// (to show that the conformance run catches a non-conforming server).
    pub nonconforming: bool,
    /// Added before every answer: a network round trip, for benchmarks over "real" latency.
    pub latency: std::time::Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            token: DEFAULT_TOKEN.into(),
            token_id: DEFAULT_TOKEN_ID.into(),
            items: 120,
            data: None,
            base_url: "http://127.0.0.1:8080".into(),
            faults: Faults::default(),
            nonconforming: false,
            latency: std::time::Duration::ZERO,
        }
    }
}

/// Checks a credential against the configured token.
fn check(expected: &str, given: &Secret) -> Result<(), AuthError> {
    if given.expose() == expected {
        Ok(())
    } else {
        Err(AuthError::new("Could not validate credentials"))
    }
}

/// Reads a data file as the service's items.
fn load<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> anyhow::Result<Vec<T>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not an array of items: {e}", path.display()))
}

/// The router of one service's mock.
pub fn router(service: Service, options: &Options) -> anyhow::Result<axum::Router> {
    let router = match service {
        Service::Runta => runta_server::router(runta::Mock::new(options)?),
        Service::Instavm => instavm_server::router(instavm::Mock::new(options)?),
        Service::Bloodhound => bloodhound_server::router(bloodhound::Mock::new(options)?),
        Service::CloudFoundry => cloud_foundry_server::router(cloud_foundry::Mock::new(options)?)
            .layer(axum::middleware::map_response(cloud_foundry::wire)),
    };
    let router = if options.nonconforming {
        router.layer(axum::middleware::map_response(drop_first_field))
    } else {
        router
    };
    let latency = options.latency;
    Ok(if latency.is_zero() {
        router
    } else {
        router.layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| async move {
                tokio::time::sleep(latency).await;
                next.run(request).await
            },
        ))
    })
}

async fn drop_first_field(response: axum::response::Response) -> axum::response::Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let body = match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(serde_json::Value::Object(mut map)) => {
            if let Some(first) = map.keys().next().cloned() {
                map.remove(&first);
            }
            serde_json::to_vec(&map).unwrap_or_default()
        }
        _ => bytes.to_vec(),
    };
    let mut response = axum::response::Response::from_parts(parts, axum::body::Body::from(body));
    response
        .headers_mut()
        .remove(axum::http::header::CONTENT_LENGTH);
    response
}

/// A mock serving on a loopback port until dropped (for tests).
pub struct Running {
    pub base_url: String,
    pub faults: Faults,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a mock on `127.0.0.1` at a free port; `options.base_url` is set to it.
pub async fn start(service: Service, options: Options) -> anyhow::Result<Running> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    start_on(listener, service, options).await
}

/// Starts a mock on `listener`: an address of the caller's choosing, such as
/// the one an earlier mock served (a client that remembers its base URL
/// meets the same URL again); `options.base_url` is set to it.
pub async fn start_on(
    listener: tokio::net::TcpListener,
    service: Service,
    mut options: Options,
) -> anyhow::Result<Running> {
    let base_url = format!("http://{}", listener.local_addr()?);
    options.base_url = base_url.clone();
    let app = router(service, &options)?;
    let task = tokio::spawn(api_support::server::serve(
        listener,
        app,
        api_support::server::ServeLimits::default(),
        std::future::pending(),
    ));
    Ok(Running {
        base_url,
        faults: options.faults,
        task,
    })
}
