//! A canned-response HTTP server for end-to-end client tests: it answers
//! every request with the status and JSON body it was given, and records
//! what it received so tests can assert on the wire format.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// The raw query string, as sent.
    pub query: String,
    pub headers: HeaderMap,
}

impl Received {
    /// The decoded query pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .into_owned()
            .collect()
    }

    /// The decoded query pairs, sorted (clients need not keep parameter order).
    pub fn query_sorted(&self) -> Vec<(String, String)> {
        let mut pairs = self.query_pairs();
        pairs.sort();
        pairs
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Default)]
struct Shared {
    /// Status, content type and body of every answer.
    response: Mutex<(u16, String, String)>,
    received: Mutex<Vec<Received>>,
}

/// A server on a loopback port, stopped when dropped.
pub struct CannedServer {
    pub base_url: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl CannedServer {
    pub async fn start() -> Self {
        let shared = Arc::new(Shared::default());
        *shared.response.lock().unwrap() = (200, "application/json".into(), "{}".into());
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        CannedServer {
            base_url,
            shared,
            task,
        }
    }

    /// Answers every following request with `status` and `body`.
    pub fn respond(&self, status: u16, body: serde_json::Value) {
        self.respond_raw(status, "application/json", &body.to_string());
    }

    /// Answers every following request with `status` and a body of any type
    /// (a load balancer's HTML page, say).
    pub fn respond_raw(&self, status: u16, content_type: &str, body: &str) {
        *self.shared.response.lock().unwrap() = (status, content_type.into(), body.into());
    }

    /// How many requests it received.
    pub fn requests(&self) -> usize {
        self.shared.received.lock().unwrap().len()
    }

    /// The last request received.
    pub fn last(&self) -> Received {
        self.shared
            .received
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("the server received a request")
    }
}

impl Drop for CannedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let uri = request.uri();
    shared.received.lock().unwrap().push(Received {
        method: request.method().to_string(),
        path: uri.path().to_owned(),
        query: uri.query().unwrap_or_default().to_owned(),
        headers: request.headers().clone(),
    });
    let (status, content_type, body) = shared.response.lock().unwrap().clone();
    Response::builder()
        .status(StatusCode::from_u16(status).expect("a valid status"))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("a valid response")
}

/// An implementation of a generated server's `Api` for contract tests: it
/// accepts one token, records every request it is handed, and answers with
/// whatever the test set.
///
/// `probe!(Probe, runta_server, list_audits)` defines `Probe` for the Runta stub.
#[macro_export]
macro_rules! probe {
    ($name:ident, $server:ident, $op:ident) => {
        #[derive(Clone)]
        pub struct $name {
            pub token: &'static str,
            pub seen: ::std::sync::Arc<::std::sync::Mutex<Vec<$server::$op::Request>>>,
            pub answer: ::std::sync::Arc<::std::sync::Mutex<Option<$server::$op::Response>>>,
        }

        impl $name {
            pub fn new(token: &'static str) -> Self {
                $name {
                    token,
                    seen: Default::default(),
                    answer: Default::default(),
                }
            }

            /// Answers every following request with `response`.
            pub fn answer(&self, response: $server::$op::Response) {
                *self.answer.lock().unwrap() = Some(response);
            }

            /// The requests the operation was handed, in order.
            pub fn seen(&self) -> Vec<$server::$op::Request> {
                self.seen.lock().unwrap().clone()
            }
        }

        impl $server::Api for $name {
            type Principal = ();

            async fn authenticate(
                &self,
                credentials: $server::Credentials,
            ) -> Result<(), ::api_support::server::AuthError> {
                if credentials
                    .secret()
                    .is_some_and(|s| s.expose() == self.token)
                {
                    Ok(())
                } else {
                    Err(::api_support::server::AuthError::new("Invalid token"))
                }
            }

            async fn $op(&self, _: (), request: $server::$op::Request) -> $server::$op::Response {
                self.seen.lock().unwrap().push(request);
                self.answer
                    .lock()
                    .unwrap()
                    .clone()
                    .expect("the test set an answer")
            }
        }
    };
}

/// Serves an axum router on a loopback port until the returned guard is dropped.
pub async fn serve(router: axum::Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    (base_url, task)
}

/// A raw `GET url` with `headers` (bypassing the typed client, to send what it would refuse):
/// the status and the JSON body (`null` when the body is not JSON).
pub async fn get_json(url: &str, headers: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}
