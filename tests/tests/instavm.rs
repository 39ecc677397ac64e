//! The InstaVM client against a canned server: API-key auth, every filter
//! on the wire, FastAPI's quirks (naive timestamps, nulls, extra fields) and
//! both error shapes (422 `detail` list, `{"detail": "..."}`).

use instavm_client::types::{ListAuditEventsError, LocationItem};
use instavm_client::{Client, Error};
use serde_json::json;
use workspace_tests::CannedServer;

fn page() -> serde_json::Value {
    json!({
        "items": [
            {"id": "evt_01JD4", "created_at": "2026-11-01T12:00:00.123456", "user_id": 42, "actor_type": "api_key",
             "actor_id": "key_9f", "source": "api", "event_group": "vm", "event_type": "vm.terminated", "status": "success",
             "resource_type": "vm", "resource_id": "vm-7", "session_id": null, "vm_id": "vm-7", "task_id": null,
             "request_id": "req-1", "correlation_id": null, "http_method": "DELETE", "path": "/v1/vms/vm-7", "http_status": 200,
             "latency_ms": 12.5, "ip_address": "203.0.113.9", "user_agent": "instavm-python/0.26.1", "node_ip": null,
             "worker_id": null, "event_payload": {"reason": "user request"}, "error_message": null, "tenant": "added later"},
            {"id": "evt_01JD3", "created_at": "2026-11-01T11:59:00Z", "actor_type": "system", "source": "scheduler",
             "event_group": "execution", "event_type": "execution.brand_new_type", "status": "pending", "event_payload": null}
        ],
        "next_cursor": "eyJpZCI6ImV2dF8wMUpEMyJ9"
    })
}

#[tokio::test]
async fn sends_every_filter_and_the_api_key_and_decodes_fastapi_bodies() {
    let server = CannedServer::start().await;
    server.respond(200, page());
    let client = Client::with_api_key(&server.base_url, "ik_live_secret").unwrap();

    let page = client
        .list_audit_events()
        .event_group("vm")
        .event_type("vm.terminated")
        .status("success")
        .user_id(42)
        .vm_id("vm-7")
        .session_id("s-1")
        .cursor("eyJpZCI6ImV2dF8wMUpEMyJ9")
        .limit(200u64)
        .send()
        .await
        .unwrap()
        .into_inner();

    let req = server.last();
    assert_eq!(req.path, "/v1/audit/events");
    assert_eq!(req.header("x-api-key"), Some("ik_live_secret"));
    assert_eq!(req.header("authorization"), None);
    assert_eq!(
        req.query_sorted(),
        [
            ("cursor", "eyJpZCI6ImV2dF8wMUpEMyJ9"),
            ("event_group", "vm"),
            ("event_type", "vm.terminated"),
            ("limit", "200"),
            ("session_id", "s-1"),
            ("status", "success"),
            ("user_id", "42"),
            ("vm_id", "vm-7"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert!(!format!("{client:?}").contains("ik_live_secret"));

    assert_eq!(
        page.next_cursor.as_deref(),
        Some("eyJpZCI6ImV2dF8wMUpEMyJ9")
    );
    let first = &page.items[0];
    // A timestamp without an offset (Pydantic's naive datetime) is read as UTC.
    assert_eq!(first.created_at.to_string(), "2026-11-01T12:00:00.123456Z");
    assert_eq!(
        (first.user_id, first.latency_ms, first.session_id.as_deref()),
        (Some(42), Some(12.5), None)
    );
    assert_eq!(first.event_payload, Some(json!({"reason": "user request"})));
    let second = &page.items[1];
    assert_eq!(
        (second.event_type.as_str(), second.status.as_str()),
        ("execution.brand_new_type", "pending")
    );
    assert_eq!((second.user_id, second.event_payload.clone()), (None, None));
}

#[tokio::test]
async fn the_last_page_has_no_cursor() {
    let server = CannedServer::start().await;
    server.respond(200, json!({"items": []}));
    let client = Client::with_bearer_token(&server.base_url, "jwt").unwrap();
    let page = client
        .list_audit_events()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(server.last().header("authorization"), Some("Bearer jwt"));
    assert!(page.items.is_empty() && page.next_cursor.is_none());
}

#[tokio::test]
async fn validation_errors_and_plain_errors_are_typed() {
    let server = CannedServer::start().await;
    let client = Client::with_api_key(&server.base_url, "k").unwrap();

    server.respond(
        422,
        json!({"detail": [{"type": "less_than_equal", "loc": ["query", "limit"], "msg": "Input should be less than or equal to 200",
                           "input": "500", "ctx": {"le": 200}, "url": "https://errors.pydantic.dev/2.9/v/less_than_equal"}]}),
    );
    match client.list_audit_events().send().await {
        Err(Error::ErrorResponse(value)) => {
            assert_eq!(value.status().as_u16(), 422);
            let ListAuditEventsError::ValidationError(body) = value.into_inner() else {
                panic!("expected the 422 shape")
            };
            let item = &body.detail[0];
            assert_eq!(
                item.loc,
                [
                    LocationItem::String("query".into()),
                    LocationItem::String("limit".into())
                ]
            );
            assert_eq!(
                (item.msg.as_str(), item.type_.as_str()),
                (
                    "Input should be less than or equal to 200",
                    "less_than_equal"
                )
            );
        }
        other => panic!("expected a typed 422, got {other:?}"),
    }

    for status in [401, 403, 429] {
        server.respond(status, json!({"detail": format!("status {status}")}));
        match client.list_audit_events().send().await {
            Err(Error::ErrorResponse(value)) => {
                assert_eq!(value.status().as_u16(), status);
                let ListAuditEventsError::Error(body) = value.into_inner() else {
                    panic!("expected the detail string shape")
                };
                assert_eq!(body.detail, format!("status {status}"));
            }
            other => panic!("status {status}: expected a typed error, got {other:?}"),
        }
    }
}

/// Every page of the audit events walked, the server answering each request with `page`.
async fn walk_every_page_answered(
    server: &workspace_tests::CannedServer,
    page: serde_json::Value,
) -> Vec<
    Result<
        Vec<instavm_client::types::AuditEventResponse>,
        instavm_client::Error<instavm_client::types::ListAuditEventsError>,
    >,
> {
    use futures::StreamExt;
    server.respond(200, page);
    let client = instavm_client::Client::with_api_key(&server.base_url, "k").unwrap();
    client
        .list_audit_events()
        .pages(api_support::paging::Retry::NEVER)
        .collect()
        .await
}

#[tokio::test]
async fn a_repeated_page_ends_the_walk_before_its_items() {
    let server = workspace_tests::CannedServer::start().await;
    // Every page says "next: A" and holds the same event: the second page
    // repeats the first, and is not delivered.
    let event = serde_json::json!({
        "id": "e1", "created_at": "2026-11-01T12:00:00Z", "actor_type": "api_key",
        "source": "api", "event_group": "vm", "event_type": "vm.terminated", "status": "success"
    });
    let walked = walk_every_page_answered(
        &server,
        serde_json::json!({"items": [event], "next_cursor": "A"}),
    )
    .await;
    assert_eq!(walked.len(), 2, "{walked:?}");
    assert!(walked[0].is_ok());
    let Err(instavm_client::Error::Custom(message)) = &walked[1] else {
        panic!("{walked:?}")
    };
    assert!(
        message.contains("same items as an earlier page"),
        "{message}"
    );
}

#[tokio::test]
async fn an_empty_page_handing_back_its_cursor_is_caught_up() {
    let server = workspace_tests::CannedServer::start().await;
    // Every page says "next: A" with no events: once the walk sends A and gets A
    // back with nothing new, the service is caught up (Box's event stream ends so).
    let walked = walk_every_page_answered(
        &server,
        serde_json::json!({"items": [], "next_cursor": "A"}),
    )
    .await;
    assert_eq!(walked.len(), 2, "{walked:?}");
    assert!(walked.iter().all(Result::is_ok), "{walked:?}");
}

#[tokio::test]
async fn the_api_key_never_follows_a_redirect_to_another_origin() {
    let elsewhere = workspace_tests::CannedServer::start().await;
    let target = format!("{}/v1/audit/events", elsewhere.base_url);
    let redirect = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                axum::http::StatusCode::FOUND,
                [(axum::http::header::LOCATION, target)],
            )
        }
    });
    let (url, _task) = workspace_tests::serve(redirect).await;
    let client = instavm_client::Client::with_api_key(&url, "secret-key").unwrap();
    match client.list_audit_events().send().await {
        Err(instavm_client::Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status().as_u16(), 302)
        }
        other => panic!("expected the 302 itself, got {other:?}"),
    }
    assert_eq!(
        elsewhere.requests(),
        0,
        "the request (and its key) went to another origin"
    );
}

#[tokio::test]
async fn the_next_page_is_requested_while_the_caller_works_on_this_one() {
    use futures::StreamExt;
    let server = workspace_tests::CannedServer::start().await;
    server.respond(200, serde_json::json!({"items": [], "next_cursor": "A"}));
    let client = instavm_client::Client::with_api_key(&server.base_url, "k").unwrap();
    let mut pages = client
        .list_audit_events()
        .pages(api_support::paging::Retry::NEVER);
    assert!(pages.next().await.unwrap().is_ok());
    // The caller holds page 1 and does not poll: page 2 has been asked for all the same.
    let mut waited = 0;
    while server.requests() < 2 && waited < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        waited += 1;
    }
    assert_eq!(server.requests(), 2, "page 2 was not requested ahead");
    let query = server.last().query;
    assert!(query.contains("cursor=A"), "{query}");
}

#[test]
fn null_for_an_optional_list_or_map_reads_as_absent() {
    // Services send `null` where they mean "none"; it decodes as an absent field does.
    let error: instavm_client::types::HttpValidationError =
        serde_json::from_str(r#"{"detail": null}"#).unwrap();
    assert!(error.detail.is_empty());
    let item: instavm_client::types::ValidationError = serde_json::from_value(serde_json::json!({
        "loc": ["query", "limit"], "msg": "m", "type": "t", "ctx": null
    }))
    .unwrap();
    assert!(item.ctx.is_empty());
}
