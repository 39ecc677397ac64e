//! Response bodies are read through the client's cap: an endless body, one
//! announced larger than the cap, and an error body alike end in an error
//! that names the cap, having read no more than it; a body within it decodes.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use runta_client::Client;
use workspace_tests::serve;

const CAP: u64 = 256 * 1024;

/// The error's whole cause chain, as one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A JSON page that never ends: `{"data": [` then spaces forever.
fn endless(status: StatusCode) -> Response {
    let chunks = futures::stream::once(async { Ok::<_, std::io::Error>(b"{\"data\": [".to_vec()) })
        .chain(futures::stream::repeat_with(|| Ok(vec![b' '; 64 * 1024])));
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(chunks))
        .expect("a response")
}

use futures::StreamExt as _;

#[tokio::test]
async fn an_endless_or_oversized_body_ends_at_the_cap_with_an_error_naming_it() {
    let small = serde_json::json!({"data": []}).to_string();
    let router = axum::Router::new()
        .route(
            "/endless/v1/audits",
            get(|| async { endless(StatusCode::OK) }),
        )
        .route(
            "/error/v1/audits",
            get(|| async { endless(StatusCode::INTERNAL_SERVER_ERROR) }),
        )
        .route(
            "/announced/v1/audits",
            get(|| async {
                Response::builder()
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(vec![b' '; 2 * CAP as usize]))
                    .expect("a response")
            }),
        )
        .route(
            "/small/v1/audits",
            get(move || {
                let small = small.clone();
                async move {
                    Response::builder()
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(small))
                        .expect("a response")
                }
            }),
        );
    let (base, _task) = serve(router).await;
    for case in ["endless", "error", "announced"] {
        let client = Client::new(&format!("{base}/{case}")).with_max_body(CAP);
        let error = client.list_audits().send().await.expect_err("past the cap");
        let text = chain(&error);
        assert!(
            text.contains(&format!("cap of {CAP} bytes")),
            "{case}: {text}"
        );
    }
    let client = Client::new(&format!("{base}/small")).with_max_body(CAP);
    let page = client.list_audits().send().await.expect("within the cap");
    assert!(page.into_inner().data.is_empty());
}
