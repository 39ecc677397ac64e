//! `multipart/form-data` over real HTTP: the client's form (`reqwest`) read
//! back by the server stub's reader (`multer`), each kind of property intact.

use api_support::multipart::{File, form};
use api_support::server::Params;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use workspace_tests::serve;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Meta {
    owner: String,
    size: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Upload {
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retention_days: Option<u32>,
    tags: Vec<String>,
    meta: Meta,
    file: File,
    #[serde(default)]
    attachments: Vec<File>,
}

/// Reads the body as the generated stub does and answers with what it read
/// (files as their bytes, names and types), or the issues as text.
async fn echo(headers: HeaderMap, body: Bytes) -> (axum::http::StatusCode, String) {
    let mut params = Params::new(None, &headers);
    let upload: Option<Upload> = params.multipart_body(&body, true);
    match (params.finish(), upload) {
        (Ok(()), Some(upload)) => (
            axum::http::StatusCode::OK,
            serde_json::json!({
                "title": upload.title,
                "retention_days": upload.retention_days,
                "tags": upload.tags,
                "meta": upload.meta,
                "file": [upload.file.bytes, upload.file.file_name, upload.file.content_type],
                "attachments": upload.attachments.iter().map(|f| &f.bytes).collect::<Vec<_>>(),
            })
            .to_string(),
        ),
        (Err(issues), _) => (
            axum::http::StatusCode::BAD_REQUEST,
            issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
        (Ok(()), None) => (axum::http::StatusCode::BAD_REQUEST, "no body".into()),
    }
}

async fn start() -> String {
    serve(axum::Router::new().route("/uploads", post(echo)))
        .await
        .0
}

#[tokio::test]
async fn a_typed_body_travels_part_by_part() {
    let url = start().await;
    let upload = Upload {
        title: "report".into(),
        retention_days: Some(30),
        tags: vec!["q3".into(), "audit".into()],
        meta: Meta {
            owner: "ops".into(),
            size: 7,
        },
        file: File::new(vec![0u8, 255, 10, 13])
            .with_file_name("x.bin")
            .with_content_type("application/x-thing"),
        attachments: vec![File::new("one"), File::new("two")],
    };
    let form = form::<_, ()>(&upload).expect("a form");
    let response = reqwest::Client::new()
        .post(format!("{url}/uploads"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let echoed: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        echoed,
        serde_json::json!({
            "title": "report",
            "retention_days": 30,
            "tags": ["q3", "audit"],
            "meta": {"owner": "ops", "size": 7},
            "file": [[0, 255, 10, 13], "x.bin", "application/x-thing"],
            "attachments": [b"one", b"two"],
        })
    );
}

#[tokio::test]
async fn a_bad_multipart_body_is_a_validation_issue() {
    let url = start().await;
    let client = reqwest::Client::new();
    // Not multipart at all.
    let text = client
        .post(format!("{url}/uploads"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 400);
    assert!(text.text().await.unwrap().contains("names no boundary"));
    // Multipart, but a required part is missing and a number is not one.
    let form = reqwest::multipart::Form::new()
        .text("title", "t")
        .text("retention_days", "soon");
    let response = client
        .post(format!("{url}/uploads"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let issue = response.text().await.unwrap();
    assert!(
        issue.contains("part `retention_days`") && issue.contains("`soon`"),
        "{issue}"
    );
    // A truncated body: the reader's error, not a panic.
    let truncated = client
        .post(format!("{url}/uploads"))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\ncontent-disposition: form-data; name=\"title\"\r\n\r\nabc")
        .send()
        .await
        .unwrap();
    assert_eq!(truncated.status(), 400);
    assert!(
        truncated
            .text()
            .await
            .unwrap()
            .contains("Invalid multipart body")
    );
}
