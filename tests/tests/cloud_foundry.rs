//! The Cloud Foundry client against a canned server: comma lists, bracketed
//! relational operators and `[not]`, the paginated list with null links and
//! null space/organization, the `errors` list at every status and the 502 read by its body.

use api_support::Timestamp;
use chrono::{TimeZone, Utc};
use cloud_foundry_client::types::ListAuditEventsOrderBy;
use cloud_foundry_client::{Client, Error};
use serde_json::json;
use workspace_tests::CannedServer;

fn list() -> serde_json::Value {
    json!({
        "pagination": {"total_results": 3, "total_pages": 2,
            "first": {"href": "https://api.example.com/v3/audit_events?page=1&per_page=2"},
            "last": {"href": "https://api.example.com/v3/audit_events?page=2&per_page=2"},
            "next": null, "previous": {"href": "https://api.example.com/v3/audit_events?page=1&per_page=2", "method": "GET"}},
        "resources": [
            {"guid": "a595fe2f-01ff-4965-a50c-290258ab8582", "created_at": "2026-11-01T12:00:00Z", "updated_at": "2026-11-01T12:00:00Z",
             "type": "audit.app.update", "actor": {"guid": "d144abe3-3d7b-40d4-b63f-2584798d3ee5", "type": "user", "name": "admin"},
             "target": {"guid": "2e3151ba-9a63-4345-9c5b-6d8c238f4e55", "type": "app", "name": "my-app"},
             "data": {"request": {"recursive": true}}, "space": {"guid": "cb97dd25-d4f7-4185-9e6f-ad6e585c207c"},
             "organization": {"guid": "d9be96f5-ea8f-4549-923f-bec882e32e3c"},
             "links": {"self": {"href": "https://api.example.com/v3/audit_events/a595fe2f-01ff-4965-a50c-290258ab8582"}}},
            {"guid": "b1", "created_at": "2026-11-01T12:05:00Z", "updated_at": "2026-11-01T12:05:00Z", "type": "blob.remove_orphan",
             "actor": {"guid": "system", "type": "system", "name": null}, "target": {"guid": "directory_key/blob_key", "type": "blob", "name": null},
             "data": {}, "space": null, "organization": null, "links": {"self": {"href": "https://api.example.com/v3/audit_events/b1"}}}
        ]
    })
}

#[tokio::test]
async fn sends_comma_lists_and_bracketed_operators_and_decodes_the_list() {
    let server = CannedServer::start().await;
    server.respond(200, list());
    let client = Client::with_bearer_token(&server.base_url, "uaa-token").unwrap();
    let since: Timestamp = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap().into();

    let list = client
        .list_audit_events()
        .types(["audit.app.update", "blob.remove_orphan"])
        .target_guids_not(["2e3151ba-9a63-4345-9c5b-6d8c238f4e55"])
        .space_guids(["cb97dd25-d4f7-4185-9e6f-ad6e585c207c"])
        .organization_guids(["d9be96f5-ea8f-4549-923f-bec882e32e3c"])
        .created_ats_gt(since)
        .updated_ats_lte(Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap())
        .created_ats("2026-11-01T12:00:00Z,2026-11-01T12:05:00Z")
        .order_by(ListAuditEventsOrderBy::CreatedAtDesc)
        .page(2u64)
        .per_page(2u64)
        .send()
        .await
        .unwrap()
        .into_inner();

    let req = server.last();
    assert_eq!(req.path, "/v3/audit_events");
    assert_eq!(req.header("authorization"), Some("Bearer uaa-token"));
    assert_eq!(
        req.query_sorted(),
        [
            ("created_ats", "2026-11-01T12:00:00Z,2026-11-01T12:05:00Z"),
            ("created_ats[gt]", "2026-11-01T00:00:00Z"),
            ("order_by", "-created_at"),
            ("organization_guids", "d9be96f5-ea8f-4549-923f-bec882e32e3c"),
            ("page", "2"),
            ("per_page", "2"),
            ("space_guids", "cb97dd25-d4f7-4185-9e6f-ad6e585c207c"),
            ("target_guids[not]", "2e3151ba-9a63-4345-9c5b-6d8c238f4e55"),
            ("types", "audit.app.update,blob.remove_orphan"),
            ("updated_ats[lte]", "2026-11-02T00:00:00Z"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );

    assert_eq!(
        (list.pagination.total_results, list.pagination.total_pages),
        (3, 2)
    );
    assert!(list.pagination.next.is_none());
    assert_eq!(
        list.pagination.previous.as_ref().unwrap().method.as_deref(),
        Some("GET")
    );
    let [app, blob] = &list.resources[..] else {
        panic!("two events")
    };
    assert_eq!(app.type_, "audit.app.update");
    assert_eq!(app.actor.as_ref().unwrap().name.as_deref(), Some("admin"));
    assert_eq!(
        app.space.as_ref().unwrap().guid,
        "cb97dd25-d4f7-4185-9e6f-ad6e585c207c"
    );
    assert_eq!(app.data["request"]["recursive"], true);
    assert_eq!(
        (blob.space.clone(), blob.organization.clone()),
        (None, None)
    );
    assert_eq!(blob.target.as_ref().unwrap().guid, "directory_key/blob_key");
}

#[tokio::test]
async fn every_error_status_is_the_error_list() {
    let server = CannedServer::start().await;
    let client = Client::with_bearer_token(&server.base_url, "t").unwrap();
    for (status, code, title) in [
        (400, 10005, "CF-BadQueryParameter"),
        (401, 1000, "CF-InvalidAuthToken"),
        (403, 10003, "CF-NotAuthorized"),
        (409, 60016, "CF-AsyncServiceInstanceOperationInProgress"),
        (422, 10008, "CF-UnprocessableEntity"),
        (500, 10001, "UnknownError"),
        (502, 20004, "CF-UaaUnavailable"),
        (503, 10015, "CF-ServiceUnavailable"),
    ] {
        server.respond(
            status,
            json!({"errors": [{"code": code, "title": title, "detail": "details"}]}),
        );
        match client.list_audit_events().send().await {
            Err(Error::ErrorResponse(value)) => {
                assert_eq!(value.status().as_u16(), status);
                let list = value.into_inner();
                assert_eq!(
                    (list.errors[0].code, list.errors[0].title.as_str()),
                    (code, title)
                );
            }
            other => panic!("status {status}: expected a typed error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_cloud_controllers_502_is_read_by_its_body_and_a_routers_is_handed_back() {
    let server = CannedServer::start().await;
    let client = Client::with_bearer_token(&server.base_url, "t").unwrap();
    let uaa = r#"{"errors":[{"detail":"The UAA service is currently unavailable","title":"CF-UaaUnavailable","code":20004}]}"#;
    // The Cloud Controller's header is named `Content-Type:`: no valid media type arrives.
    for content_type in ["", "text/plain; charset=utf-8"] {
        server.respond_raw(502, content_type, uaa);
        let Err(Error::ErrorResponse(value)) = client.list_audit_events().send().await else {
            panic!("{content_type:?}: expected the typed error list")
        };
        assert_eq!(value.into_inner().errors[0].code, 20004);
    }
    // gorouter's own 502 is plain text: the response comes back whole, by its status.
    let text = "502 Bad Gateway: Registered endpoint failed to handle the request.\n";
    server.respond_raw(502, "text/plain; charset=utf-8", text);
    match client.list_audit_events().send().await {
        Err(Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status().as_u16(), 502);
            assert_eq!(response.text().await.unwrap(), text);
        }
        other => panic!("expected the router's answer handed back, got {other:?}"),
    }
}

#[tokio::test]
async fn lists_that_cannot_be_sent_cannot_be_built() {
    let server = CannedServer::start().await;
    let client = Client::new(&server.base_url);
    assert!(matches!(
        client.list_audit_events().types(["a,b"]).send().await,
        Err(Error::InvalidRequest(_))
    ));
    assert!(matches!(
        client.list_audit_events().per_page(0u64).send().await,
        Err(Error::InvalidRequest(_))
    ));
}
