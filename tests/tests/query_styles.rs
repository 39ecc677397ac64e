//! Query parameter styles over real HTTP: deep objects
//! (`filter[status]=active`) and delimited lists (`tags=a|b`, `sizes=1 2`),
//! as the client sends them, read back by the server stub's reader.

use api_support::server::{In, ListStyle, Params, Rules, ValueKind};
use api_support::{DeepObject, PipeList, SpaceList};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use workspace_tests::serve;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Status {
    Active,
    Archived,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Filter {
    status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    min_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
}

/// Reads `filter` (required) as the generated stub does, with unknown
/// parameters rejected, and answers with what it read or the issues.
async fn echo(uri: Uri, headers: HeaderMap) -> (StatusCode, String) {
    let mut p = Params::new(uri.query(), &headers);
    let filter: Option<Filter> = p.deep_object("filter", true);
    p.reject_unknown(&["filter"]);
    match (p.finish(), filter) {
        (Ok(()), Some(filter)) => (StatusCode::OK, serde_json::to_string(&filter).unwrap()),
        (Err(issues), _) => {
            let text: Vec<String> = issues
                .iter()
                .map(|i| format!("{:?} {} {}: {}", i.location, i.name, i.kind, i.message))
                .collect();
            (StatusCode::BAD_REQUEST, text.join("; "))
        }
        (Ok(()), None) => (StatusCode::BAD_REQUEST, "none".into()),
    }
}

async fn call(query: impl Serialize) -> (u16, String) {
    let (url, _task) = serve(axum::Router::new().route("/items", get(echo))).await;
    let response = reqwest::Client::new()
        .get(format!("{url}/items"))
        .query(&query)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_deep_object_travels_as_one_pair_per_property() {
    let filter = Filter {
        status: Status::Archived,
        min_size: Some(3),
        owner: Some("a&b=c[d]".into()),
    };
    let (status, body) = call(DeepObject::new("filter", &filter)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(serde_json::from_str::<Filter>(&body).unwrap(), filter);
    // An absent optional value sends nothing.
    let none: Option<Filter> = None;
    assert!(DeepObject::new("filter", &none).pairs().unwrap().is_empty());
}

#[tokio::test]
async fn a_bad_deep_object_is_an_issue_at_its_name() {
    let (status, body) = call([("filter[status]", "active"), ("filter[min_size]", "-1")]).await;
    assert_eq!(status, 400);
    assert!(
        body.contains(&format!("{:?} filter model_type", In::Query)),
        "{body}"
    );
    let (status, body) = call([("other", "1")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("filter missing"), "{body}");
    assert!(body.contains("other extra_forbidden"), "{body}");
    // `filter[...]` keys are the parameter's own, not unknown ones.
    assert!(!body.contains("filter[status] extra_forbidden"));
}

/// Reads `tags` (pipes) and `sizes` (spaces, integers) as the generated stub does.
async fn lists(uri: Uri, headers: HeaderMap) -> (StatusCode, String) {
    let mut p = Params::new(uri.query(), &headers);
    let tags: Option<Vec<String>> =
        p.list(In::Query, "tags", false, ListStyle::Pipe, &Rules::DEFAULT);
    let integers = Rules {
        kind: ValueKind::Integer,
        ..Rules::DEFAULT
    };
    let sizes: Option<Vec<i64>> = p.list(In::Query, "sizes", false, ListStyle::Space, &integers);
    match p.finish() {
        Ok(()) => (StatusCode::OK, serde_json::json!([tags, sizes]).to_string()),
        Err(issues) => (StatusCode::BAD_REQUEST, format!("{issues:?}")),
    }
}

#[tokio::test]
async fn delimited_lists_travel_as_one_value() {
    let (url, _task) = serve(axum::Router::new().route("/items", get(lists))).await;
    let tags: PipeList<String> = PipeList::try_from(["a,b", "c d"]).unwrap();
    let sizes: SpaceList<i64> = SpaceList::try_from(vec![1, 22]).unwrap();
    let request = reqwest::Client::new()
        .get(format!("{url}/items"))
        .query(&[("tags", tags.to_string()), ("sizes", sizes.to_string())])
        .build()
        .unwrap();
    assert_eq!(request.url().query(), Some("tags=a%2Cb%7Cc+d&sizes=1+22"));
    let response = reqwest::Client::new().execute(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!([["a,b", "c d"], [1, 22]]));
    let bad = reqwest::Client::new()
        .get(format!("{url}/items?sizes=1+x"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}
