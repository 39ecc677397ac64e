//! The Runta client against a canned server: the request on the wire, the
//! success body with each payload kind, and every documented error status.

use runta_client::types::{
    AuditCategory, EgressAuditKind, PublicEgressAuditAction, PublicErrorCode,
};
use runta_client::{Client, Error};
use serde_json::json;
use workspace_tests::CannedServer;

fn audits() -> serde_json::Value {
    json!({"data": [
        {"id": "01a196fb-1600-7c3e-9a41-2b7d5e8f0c13", "category": "egress", "observed_unix_ms": 1793534400000_i64,
         "runtime_id": "5f0c2a9e-3b71-4d8a-9e26-7c41b8d3a0f5",
         "payload": {"egress": {"kind": "tcp_connection", "tcp_connection": {
            "src_addr": "10.0.0.2:50000", "dst_addr": "93.184.216.34:443", "host": "example.com", "transport": "connect",
            "plugin": "http_proxy", "bytes_up": 1532, "bytes_down": 48211, "duration_ms": 412, "action": "allow",
            "outcome": "ok", "reason": "allowed by policy", "error": ""}}}},
        {"id": "01a196f9-e262-7a08-8d5f-63c0e1b47a92", "category": "egress", "observed_unix_ms": 1793534321250_i64,
         "runtime_id": "5f0c2a9e-3b71-4d8a-9e26-7c41b8d3a0f5", "added_later": true,
         "payload": {"egress": {"kind": "icmp_drop", "icmp_drop": {
            "src_ip": "10.0.0.2", "packets": 4, "bytes": 336, "action": "quarantine", "outcome": "dropped", "reason": "icmp is not permitted"}}}},
        {"id": "01a196f9-0000-7a08-8d5f-63c0e1b47a93", "category": "egress", "observed_unix_ms": 1793534300000_i64,
         "runtime_id": "5f0c2a9e-3b71-4d8a-9e26-7c41b8d3a0f5",
         "payload": {"egress": {"kind": "http_request", "http_request": {
            "host": "api.github.com", "method": "GET", "path": "/repos", "status": 200, "bytes_up": 80, "bytes_down": 1200,
            "action": "deny", "outcome": "ok", "reason": "blocked host", "query_redacted": true}}}}
    ]})
}

#[tokio::test]
async fn progenitors_own_constructor_sends_the_crates_user_agent_too() {
    let server = CannedServer::start().await;
    server.respond(200, audits());
    Client::new(&server.base_url)
        .list_audits()
        .send()
        .await
        .unwrap();
    let agent = server.last().header("user-agent").map(str::to_owned);
    assert_eq!(agent.as_deref(), Some(runta_client::USER_AGENT));
    assert!(runta_client::USER_AGENT.starts_with("runta-client/0."));
}

#[tokio::test]
async fn sends_the_query_and_token_the_sdk_sends_and_decodes_every_payload_kind() {
    let server = CannedServer::start().await;
    server.respond(200, audits());
    let client = Client::with_bearer_token(&server.base_url, "tok-123").unwrap();

    let response = client
        .list_audits()
        .category(AuditCategory::Egress)
        .runtime("sb-1")
        .limit(5u64)
        .send()
        .await
        .unwrap();

    let req = server.last();
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("GET", "/v1/audits")
    );
    assert_eq!(req.query, "category=egress&limit=5&runtime=sb-1");
    assert_eq!(req.header("authorization"), Some("Bearer tok-123"));
    assert_eq!(req.header("user-agent"), Some(runta_client::USER_AGENT));
    assert!(
        !format!("{client:?}").contains("tok-123"),
        "the token shows in Debug output"
    );

    let data = response.into_inner().data;
    assert_eq!(data.len(), 3);
    assert_eq!(data[0].observed_unix_ms, 1793534400000);
    let tcp = data[0].payload.egress.as_ref().unwrap();
    assert_eq!(tcp.kind, EgressAuditKind::TcpConnection);
    let tcp = tcp.tcp_connection.as_ref().unwrap();
    assert_eq!(
        (tcp.dst_addr.as_str(), tcp.bytes_down, tcp.action.clone()),
        ("93.184.216.34:443", 48211, PublicEgressAuditAction::Allow)
    );

    let icmp = data[1]
        .payload
        .egress
        .as_ref()
        .unwrap()
        .icmp_drop
        .as_ref()
        .unwrap();
    assert_eq!((icmp.bytes, icmp.packets), (336, 4));
    // A value the spec does not list is kept, not an error.
    assert_eq!(
        icmp.action,
        PublicEgressAuditAction::Other("quarantine".into())
    );

    let http = data[2]
        .payload
        .egress
        .as_ref()
        .unwrap()
        .http_request
        .as_ref()
        .unwrap();
    assert_eq!(
        (http.status, http.query_redacted, http.action.clone()),
        (200, true, PublicEgressAuditAction::Deny)
    );
}

#[tokio::test]
async fn every_error_status_decodes_to_the_error_envelope() {
    let server = CannedServer::start().await;
    let client = Client::with_bearer_token(&server.base_url, "tok").unwrap();
    for (status, code, expected) in [
        (401, "unauthenticated", PublicErrorCode::Unauthenticated),
        (403, "permission_denied", PublicErrorCode::PermissionDenied),
        (404, "not_found", PublicErrorCode::NotFound),
        (
            409,
            "failed_precondition",
            PublicErrorCode::FailedPrecondition,
        ),
        (422, "invalid_argument", PublicErrorCode::InvalidArgument),
        (429, "rate_limited", PublicErrorCode::RateLimited),
        (503, "unavailable", PublicErrorCode::Unavailable),
        (504, "deadline_exceeded", PublicErrorCode::DeadlineExceeded),
        // `default`: statuses the spec does not list still carry the envelope.
        (500, "internal", PublicErrorCode::Internal),
        (418, "teapot", PublicErrorCode::Other("teapot".into())),
    ] {
        server.respond(status, json!({"error": {"code": code, "message": format!("status {status}")}, "request_id": "0193"}));
        match client.list_audits().send().await {
            Err(Error::ErrorResponse(value)) => {
                assert_eq!(value.status().as_u16(), status);
                let body = value.into_inner();
                assert_eq!(body.error.code, expected, "status {status}");
                assert_eq!(body.error.message, format!("status {status}"));
            }
            other => panic!("status {status}: expected a typed error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_body_that_breaks_the_schema_is_an_error_not_a_panic() {
    let server = CannedServer::start().await;
    let client = Client::new(&server.base_url);
    server.respond(200, json!({"data": [{"id": 7}]}));
    assert!(matches!(
        client.list_audits().send().await,
        Err(Error::InvalidResponsePayload(..))
    ));
    assert!(
        client.list_audits().limit(0u64).send().await.is_err(),
        "limit has minimum 1"
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_keeps_its_status() {
    let server = CannedServer::start().await;
    let client = Client::with_bearer_token(&server.base_url, "tok-123").unwrap();
    // A load balancer's page in front of the service: judged by its status, not as a bad payload.
    for status in [401, 502, 503] {
        server.respond_raw(status, "text/html", "<html><body>Bad Gateway</body></html>");
        match client.list_audits().send().await {
            Err(Error::UnexpectedResponse(response)) => {
                assert_eq!(response.status().as_u16(), status)
            }
            other => panic!("{status}: expected the response itself, got {other:?}"),
        }
    }
    // A JSON body that breaks the schema is still a payload error.
    server.respond(502, serde_json::json!({"unexpected": true}));
    assert!(client.list_audits().send().await.is_err());
}
