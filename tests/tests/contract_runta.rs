//! Runta: the generated client against the generated server stub.

use runta_client::Client;
use runta_server::list_audits::{Request, Response};
use runta_server::types::{
    AuditCategory, ErrorBody, ErrorEnvelope, ListAuditsResponse, PublicErrorCode,
};
use serde_json::json;
use workspace_tests::{get_json, probe, serve};

probe!(Probe, runta_server, list_audits);

const TOKEN: &str = "tok-runta";

async fn start() -> (Probe, String, tokio::task::JoinHandle<()>) {
    let probe = Probe::new(TOKEN);
    let (url, task) = serve(runta_server::router(probe.clone())).await;
    (probe, url, task)
}

fn envelope(code: PublicErrorCode) -> ErrorEnvelope {
    let limited = code == PublicErrorCode::RateLimited;
    ErrorEnvelope {
        error: ErrorBody {
            code,
            message: "m".into(),
        },
        // SDK 0.2.x servers add the correlation id; it travels both ways.
        request_id: limited.then(|| "0192f1c4-6a3e-7b2d-9c1f-3e4d5a6b7c8d".into()),
    }
}

#[tokio::test]
async fn every_parameter_travels_intact() {
    let (probe, url, _task) = start().await;
    probe.answer(Response::Ok(ListAuditsResponse { data: vec![] }));
    let client = Client::with_bearer_token(&url, TOKEN).unwrap();
    client
        .list_audits()
        .category(AuditCategory::Egress)
        .runtime("sb 1/ü&x=y")
        .limit(7u64)
        .send()
        .await
        .unwrap();
    client.list_audits().send().await.unwrap();
    assert_eq!(
        probe.seen(),
        [
            Request {
                category: Some(AuditCategory::Egress),
                runtime: Some("sb 1/ü&x=y".into()),
                limit: Some(7.try_into().unwrap())
            },
            Request {
                category: None,
                runtime: None,
                limit: None
            },
        ]
    );
}

#[tokio::test]
async fn every_documented_status_reaches_the_client_typed() {
    let (probe, url, _task) = start().await;
    let client = Client::with_bearer_token(&url, TOKEN).unwrap();
    let ok = ListAuditsResponse {
        data: runta_server_sample(),
    };
    probe.answer(Response::Ok(ok.clone()));
    assert_eq!(client.list_audits().send().await.unwrap().into_inner(), ok);

    let errors = [
        (
            401,
            Response::Unauthorized(envelope(PublicErrorCode::Unauthenticated)),
        ),
        (
            403,
            Response::Forbidden(envelope(PublicErrorCode::PermissionDenied)),
        ),
        (404, Response::NotFound(envelope(PublicErrorCode::NotFound))),
        (
            409,
            Response::Conflict(envelope(PublicErrorCode::AlreadyExists)),
        ),
        (
            422,
            Response::UnprocessableEntity(envelope(PublicErrorCode::InvalidArgument)),
        ),
        (
            429,
            Response::TooManyRequests(envelope(PublicErrorCode::RateLimited)),
        ),
        (
            503,
            Response::ServiceUnavailable(envelope(PublicErrorCode::Unavailable)),
        ),
        (
            504,
            Response::GatewayTimeout(envelope(PublicErrorCode::DeadlineExceeded)),
        ),
        (
            500,
            Response::Default(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                envelope(PublicErrorCode::Internal),
            ),
        ),
        (
            400,
            Response::Default(
                axum::http::StatusCode::BAD_REQUEST,
                envelope(PublicErrorCode::Other("new_code".into())),
            ),
        ),
    ];
    for (status, response) in errors {
        let expected = match &response {
            Response::Default(_, body) => body.clone(),
            Response::Unauthorized(b)
            | Response::Forbidden(b)
            | Response::NotFound(b)
            | Response::Conflict(b) => b.clone(),
            Response::UnprocessableEntity(b)
            | Response::TooManyRequests(b)
            | Response::ServiceUnavailable(b)
            | Response::GatewayTimeout(b) => b.clone(),
            Response::Ok(_) => unreachable!(),
        };
        probe.answer(response);
        match client.list_audits().send().await {
            Err(runta_client::Error::ErrorResponse(value)) => {
                assert_eq!(value.status().as_u16(), status);
                assert_eq!(value.into_inner(), expected);
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

fn runta_server_sample() -> Vec<runta_server::types::Audit> {
    mock_servers::runta::sample(4).0
}

async fn raw(url: &str, query: &str, auth: Option<&str>) -> (u16, serde_json::Value) {
    let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
    get_json(&format!("{url}/v1/audits?{query}"), &headers).await
}

#[tokio::test]
async fn invalid_parameters_get_runtas_own_422_and_never_reach_the_service() {
    let (probe, url, _task) = start().await;
    let auth = Some("Bearer tok-runta");
    for (query, message) in [
        (
            "limit=0",
            "limit: Input should be greater than or equal to 1",
        ),
        (
            "limit=ten",
            "limit: Input should be a valid integer, unable to parse string as an integer",
        ),
        ("category=ingress", "category: Input should be 'egress'"),
        (
            "category=ingress&limit=-1",
            "category: Input should be 'egress'; limit: Input should be greater than or equal to 1",
        ),
    ] {
        let (status, body) = raw(&url, query, auth).await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(
            body,
            json!({"error": {"code": "invalid_argument", "message": message}}),
            "{query}"
        );
    }
    assert!(probe.seen().is_empty());
}

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_and_never_reach_the_service() {
    let (probe, url, _task) = start().await;
    for (auth, message) in [
        (None, "Not authenticated"),
        (Some("Bearer nope"), "Invalid token"),
        (Some("Basic dG9rLXJ1bnRh"), "Not authenticated"),
    ] {
        let (status, body) = raw(&url, "limit=1", auth).await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({"error": {"code": "unauthenticated", "message": message}})
        );
    }
    assert!(probe.seen().is_empty());
}

#[tokio::test]
async fn malformed_requests_never_fail_the_server() {
    let (probe, url, _task) = start().await;
    probe.answer(Response::Ok(ListAuditsResponse { data: vec![] }));
    let auth = Some("Bearer tok-runta");
    let huge = "x".repeat(60_000);
    for query in [
        "runtime=%ff%fe",
        "unknown=1&api-version=2",
        "limit=1&limit=2",
        "%zz=1&&=&=x",
        &format!("runtime={huge}"),
        "limit=99999999999999999999999",
    ] {
        let (status, _) = raw(&url, query, auth).await;
        assert!(status == 200 || status == 422, "{query}: {status}");
    }
    let seen = probe.seen();
    assert_eq!(seen[0].runtime.as_deref(), Some("\u{fffd}\u{fffd}"));
    assert_eq!(
        seen[2].limit.map(|l| l.get()),
        Some(2),
        "the last of repeated values wins"
    );
}
