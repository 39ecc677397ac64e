//! InstaVM: the generated client against the generated server stub.

use instavm_client::Client;
use instavm_client::types::ListAuditEventsError;
use instavm_server::list_audit_events::{Request, Response};
use instavm_server::types::{
    AuditEventListResponse, HttpError, HttpValidationError, LocationItem, ValidationError,
};
use serde_json::json;
use workspace_tests::{get_json, probe, serve};

probe!(Probe, instavm_server, list_audit_events);

const KEY: &str = "ik-contract";

async fn start() -> (Probe, String, tokio::task::JoinHandle<()>) {
    let probe = Probe::new(KEY);
    let (url, task) = serve(instavm_server::router(probe.clone())).await;
    (probe, url, task)
}

fn empty() -> Response {
    Response::Ok(AuditEventListResponse {
        items: vec![],
        next_cursor: None,
    })
}

#[tokio::test]
async fn every_parameter_travels_intact_and_limit_defaults_to_50() {
    let (probe, url, _task) = start().await;
    probe.answer(empty());
    let client = Client::with_api_key(&url, KEY).unwrap();
    client
        .list_audit_events()
        .event_group("vm")
        .event_type("vm.terminated")
        .status("success")
        .user_id(42)
        .vm_id("vm-7")
        .session_id("s 1")
        .cursor("Y3Vyc29yLzE=")
        .limit(200u64)
        .send()
        .await
        .unwrap();
    Client::with_bearer_token(&url, KEY)
        .unwrap()
        .list_audit_events()
        .send()
        .await
        .unwrap();
    assert_eq!(
        probe.seen(),
        [
            Request {
                event_group: Some("vm".into()),
                event_type: Some("vm.terminated".into()),
                status: Some("success".into()),
                user_id: Some(42),
                vm_id: Some("vm-7".into()),
                session_id: Some("s 1".into()),
                cursor: Some("Y3Vyc29yLzE=".into()),
                limit: 200.try_into().unwrap(),
            },
            Request {
                event_group: None,
                event_type: None,
                status: None,
                user_id: None,
                vm_id: None,
                session_id: None,
                cursor: None,
                limit: 50.try_into().unwrap()
            },
        ]
    );
}

#[tokio::test]
async fn every_documented_status_reaches_the_client_typed() {
    let (probe, url, _task) = start().await;
    let client = Client::with_api_key(&url, KEY).unwrap();
    let ok = AuditEventListResponse {
        items: mock_servers::instavm::sample(3),
        next_cursor: Some("abc".into()),
    };
    probe.answer(Response::Ok(ok.clone()));
    assert_eq!(
        client
            .list_audit_events()
            .send()
            .await
            .unwrap()
            .into_inner(),
        ok
    );

    let detail = |d: &str| HttpError { detail: d.into() };
    let validation = HttpValidationError {
        detail: vec![ValidationError {
            loc: vec![
                LocationItem::String("query".into()),
                LocationItem::Integer(0),
            ],
            msg: "m".into(),
            type_: "value_error".into(),
            input: None,
            ctx: Default::default(),
            url: None,
        }],
    };
    let cases = [
        (
            401,
            Response::Unauthorized(detail("Not authenticated")),
            ListAuditEventsError::Error(detail("Not authenticated")),
        ),
        (
            403,
            Response::Forbidden(detail("Not enough permissions")),
            ListAuditEventsError::Error(detail("Not enough permissions")),
        ),
        (
            422,
            Response::UnprocessableEntity(validation.clone()),
            ListAuditEventsError::ValidationError(validation),
        ),
        (
            429,
            Response::TooManyRequests(detail("Rate limit exceeded")),
            ListAuditEventsError::Error(detail("Rate limit exceeded")),
        ),
    ];
    for (status, response, expected) in cases {
        probe.answer(response);
        match client.list_audit_events().send().await {
            Err(instavm_client::Error::ErrorResponse(value)) => {
                assert_eq!(value.status().as_u16(), status);
                assert_eq!(value.into_inner(), expected);
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

async fn raw(url: &str, query: &str, key: Option<&str>) -> (u16, serde_json::Value) {
    let headers: Vec<(&str, &str)> = key.map(|k| ("x-api-key", k)).into_iter().collect();
    get_json(&format!("{url}/v1/audit/events?{query}"), &headers).await
}

#[tokio::test]
async fn invalid_parameters_get_fastapis_422_with_one_detail_per_problem() {
    let (probe, url, _task) = start().await;
    let item = |ty: &str, name: &str, msg: &str, input: &str| json!({"type": ty, "loc": ["query", name], "msg": msg, "input": input});
    for (query, detail) in [
        (
            "limit=0",
            vec![item(
                "greater_than_equal",
                "limit",
                "Input should be greater than or equal to 1",
                "0",
            )],
        ),
        (
            "limit=201",
            vec![item(
                "less_than_equal",
                "limit",
                "Input should be less than or equal to 200",
                "201",
            )],
        ),
        (
            "limit=x&user_id=me",
            vec![
                item(
                    "int_parsing",
                    "user_id",
                    "Input should be a valid integer, unable to parse string as an integer",
                    "me",
                ),
                item(
                    "int_parsing",
                    "limit",
                    "Input should be a valid integer, unable to parse string as an integer",
                    "x",
                ),
            ],
        ),
    ] {
        let (status, body) = raw(&url, query, Some(KEY)).await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(body, json!({ "detail": detail }), "{query}");
        // The body is also what the generated client decodes.
        assert!(serde_json::from_value::<HttpValidationError>(body).is_ok());
    }
    assert!(probe.seen().is_empty());
}

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_and_never_reach_the_service() {
    let (probe, url, _task) = start().await;
    assert_eq!(
        raw(&url, "", None).await,
        (401, json!({"detail": "Not authenticated"}))
    );
    assert_eq!(
        raw(&url, "", Some("wrong")).await,
        (401, json!({"detail": "Invalid token"}))
    );
    assert!(probe.seen().is_empty());
}
