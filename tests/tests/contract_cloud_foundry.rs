//! Cloud Foundry: the generated client against the generated server stub.

use api_support::TimestampSeconds;
use chrono::TimeZone;
use cloud_foundry_client::Client;
use cloud_foundry_server::list_audit_events::{Request, Response};
use cloud_foundry_server::types::{
    AuditEventList, CfError, ErrorList, Link, ListAuditEventsOrderBy, Pagination,
};
use serde_json::json;
use workspace_tests::{get_json, probe, serve};

probe!(Probe, cloud_foundry_server, list_audit_events);

const TOKEN: &str = "uaa-contract";

async fn start() -> (Probe, String, tokio::task::JoinHandle<()>) {
    let probe = Probe::new(TOKEN);
    let (url, task) = serve(cloud_foundry_server::router(probe.clone())).await;
    (probe, url, task)
}

fn list(resources: Vec<cloud_foundry_server::types::AuditEvent>) -> AuditEventList {
    let link = Link {
        href: "https://api.example.com/v3/audit_events?page=1&per_page=50".into(),
        method: None,
    };
    AuditEventList {
        pagination: Pagination {
            total_results: resources.len() as i64,
            total_pages: 1,
            first: link.clone(),
            last: link,
            next: None,
            previous: None,
        },
        resources,
    }
}

fn t(day: u32, h: u32) -> TimestampSeconds {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, day, h, 0, 0)
        .unwrap()
        .into()
}

fn strings(values: &[&str]) -> Option<Vec<String>> {
    Some(values.iter().map(|v| v.to_string()).collect())
}

#[tokio::test]
async fn every_parameter_travels_intact_with_defaults_applied() {
    let (probe, url, _task) = start().await;
    probe.answer(Response::Ok(list(vec![])));
    let client = Client::with_bearer_token(&url, TOKEN).unwrap();
    client
        .list_audit_events()
        .page(3u64)
        .per_page(5000u64)
        .order_by(ListAuditEventsOrderBy::UpdatedAtDesc)
        .created_ats([t(1, 1), t(1, 2)].to_vec())
        .created_ats_lt(t(2, 0))
        .created_ats_lte(t(3, 0))
        .created_ats_gt(t(4, 0))
        .created_ats_gte(t(5, 0))
        .updated_ats([t(6, 0)].to_vec())
        .updated_ats_lt(t(7, 0))
        .updated_ats_lte(t(8, 0))
        .updated_ats_gt(t(9, 0))
        .updated_ats_gte(t(10, 0))
        .guids(["a595fe2f-01ff-4965-a50c-290258ab8582"])
        .types(["audit.app.update", "audit.app.copy-bits"])
        .target_guids(["directory_key/blob_key"])
        .target_guids_not(["g1", "g2"])
        .space_guids(["s1"])
        .organization_guids(["o1", "o2", "o3"])
        .send()
        .await
        .unwrap();
    client.list_audit_events().send().await.unwrap();
    let seen = probe.seen();
    assert_eq!(
        seen[0],
        Request {
            page: 3.try_into().unwrap(),
            per_page: 5000.try_into().unwrap(),
            order_by: Some(ListAuditEventsOrderBy::UpdatedAtDesc),
            created_ats: Some(vec![t(1, 1), t(1, 2)]),
            created_ats_lt: Some(t(2, 0)),
            created_ats_lte: Some(t(3, 0)),
            created_ats_gt: Some(t(4, 0)),
            created_ats_gte: Some(t(5, 0)),
            updated_ats: Some(vec![t(6, 0)]),
            updated_ats_lt: Some(t(7, 0)),
            updated_ats_lte: Some(t(8, 0)),
            updated_ats_gt: Some(t(9, 0)),
            updated_ats_gte: Some(t(10, 0)),
            guids: strings(&["a595fe2f-01ff-4965-a50c-290258ab8582"]),
            types: strings(&["audit.app.update", "audit.app.copy-bits"]),
            target_guids: strings(&["directory_key/blob_key"]),
            target_guids_not: strings(&["g1", "g2"]),
            space_guids: strings(&["s1"]),
            organization_guids: strings(&["o1", "o2", "o3"]),
        }
    );
    assert_eq!(
        (seen[1].page.get(), seen[1].per_page.get(), seen[1].order_by),
        (1, 50, None),
        "without `order_by` the service orders by id"
    );
}

#[tokio::test]
async fn every_documented_status_reaches_the_client_typed() {
    let (probe, url, _task) = start().await;
    let client = Client::with_bearer_token(&url, TOKEN).unwrap();
    let ok = list(mock_servers::cloud_foundry::sample(
        12,
        "https://api.example.com",
    ));
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

    let errors = |code: i64, title: &str| ErrorList {
        errors: vec![CfError {
            code,
            title: title.into(),
            detail: "d".into(),
        }],
    };
    let cases = [
        (
            400,
            Response::BadRequest(errors(10005, "CF-BadQueryParameter")),
            errors(10005, "CF-BadQueryParameter"),
        ),
        (
            401,
            Response::Unauthorized(errors(1000, "CF-InvalidAuthToken")),
            errors(1000, "CF-InvalidAuthToken"),
        ),
        (
            403,
            Response::Forbidden(errors(10003, "CF-NotAuthorized")),
            errors(10003, "CF-NotAuthorized"),
        ),
        (
            409,
            Response::Conflict(errors(60016, "CF-AsyncServiceInstanceOperationInProgress")),
            errors(60016, "CF-AsyncServiceInstanceOperationInProgress"),
        ),
        (
            422,
            Response::UnprocessableEntity(errors(10008, "CF-UnprocessableEntity")),
            errors(10008, "CF-UnprocessableEntity"),
        ),
        (
            429,
            Response::TooManyRequests(
                errors(10013, "CF-RateLimitExceeded"),
                cloud_foundry_server::list_audit_events::TooManyRequestsHeaders::default(),
            ),
            errors(10013, "CF-RateLimitExceeded"),
        ),
        (
            500,
            Response::InternalServerError(errors(10001, "UnknownError")),
            errors(10001, "UnknownError"),
        ),
        (
            502,
            Response::BadGateway(errors(20004, "CF-UaaUnavailable")),
            errors(20004, "CF-UaaUnavailable"),
        ),
        (
            503,
            Response::ServiceUnavailable(errors(10015, "CF-ServiceUnavailable")),
            errors(10015, "CF-ServiceUnavailable"),
        ),
    ];
    for (status, response, expected) in cases {
        probe.answer(response);
        match client.list_audit_events().send().await {
            Err(cloud_foundry_client::Error::ErrorResponse(value)) => {
                assert_eq!(value.status().as_u16(), status);
                assert_eq!(value.into_inner(), expected);
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

async fn raw(url: &str, query: &str, auth: Option<&str>) -> (u16, serde_json::Value) {
    let headers: Vec<(&str, &str)> = auth.map(|a| ("authorization", a)).into_iter().collect();
    get_json(&format!("{url}/v3/audit_events?{query}"), &headers).await
}

#[tokio::test]
async fn invalid_parameters_get_cf_bad_query_parameter() {
    let (probe, url, _task) = start().await;
    let auth = Some("bearer uaa-contract");
    for (query, detail) in [
        (
            "per_page=5001",
            "per_page: Input should be less than or equal to 5000",
        ),
        ("page=0", "page: Input should be greater than or equal to 1"),
        (
            "order_by=guid",
            "order_by: Input should be 'created_at', '+created_at', '-created_at', 'updated_at', '+updated_at' or '-updated_at'",
        ),
        (
            // A raw `+` is a space, as for the service.
            "order_by=+created_at",
            "order_by: Input should be 'created_at', '+created_at', '-created_at', 'updated_at', '+updated_at' or '-updated_at'",
        ),
        (
            "created_ats%5Bgte%5D=2026-11-01T00:00:00.5Z",
            "created_ats[gte]: String should match pattern '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$'",
        ),
        (
            "updated_ats%5Blt%5D=2026-11-01T01:00:00%2B01:00",
            "updated_ats[lt]: String should match pattern '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$'",
        ),
        (
            "created_ats%5Bgt%5D=yesterday",
            "created_ats[gt]: String should match pattern '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$'",
        ),
        (
            "created_ats=2026-11-01T00:00:00Z,nope",
            "created_ats: String should match pattern '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$'",
        ),
        (
            "page=x&per_page=0",
            "page: Input should be a valid integer, unable to parse string as an integer; per_page: Input should be greater than or equal to 1",
        ),
    ] {
        let (status, body) = raw(&url, query, auth).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(
            body,
            json!({"errors": [{"code": 10005, "title": "CF-BadQueryParameter", "detail": format!("The query parameter is invalid: {detail}")}]}),
            "{query}"
        );
    }
    assert!(probe.seen().is_empty());
}

#[tokio::test]
async fn brackets_may_be_sent_raw_or_encoded() {
    let (probe, url, _task) = start().await;
    probe.answer(Response::Ok(list(vec![])));
    for query in [
        "created_ats[gt]=2026-11-04T00:00:00Z",
        "created_ats%5Bgt%5D=2026-11-04T00:00:00Z",
    ] {
        assert_eq!(raw(&url, query, Some("Bearer uaa-contract")).await.0, 200);
    }
    assert!(
        probe
            .seen()
            .iter()
            .all(|r| r.created_ats_gt == Some(t(4, 0)))
    );
}

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_and_never_reach_the_service() {
    let (probe, url, _task) = start().await;
    for (auth, code, title, detail) in [
        (None, 10002, "CF-NotAuthenticated", "Authentication error"),
        (
            Some("Bearer wrong"),
            1000,
            "CF-InvalidAuthToken",
            "Invalid Auth Token",
        ),
    ] {
        let (status, body) = raw(&url, "", auth).await;
        assert_eq!(status, 401);
        assert_eq!(
            body,
            json!({"errors": [{"code": code, "title": title, "detail": detail}]})
        );
    }
    assert!(probe.seen().is_empty());
}

#[tokio::test]
async fn whole_seconds_empty_lists_and_signed_orders_are_accepted_as_the_service_accepts_them() {
    let (probe, url, _task) = start().await;
    probe.answer(Response::Ok(list(vec![])));
    let client = Client::with_bearer_token(&url, TOKEN).unwrap();
    // README's example: the current instant, fraction and all, is sent as its second.
    let now = chrono::Utc::now();
    client
        .list_audit_events()
        .created_ats_gte(now)
        .order_by(ListAuditEventsOrderBy::CreatedAtAsc)
        .send()
        .await
        .unwrap();
    let seen = probe.seen();
    assert_eq!(seen[0].created_ats_gte, Some(TimestampSeconds::from(now)));
    assert_eq!(
        seen[0].created_ats_gte.unwrap().timestamp(),
        now.timestamp(),
        "truncated, not rounded"
    );
    assert_eq!(seen[0].order_by, Some(ListAuditEventsOrderBy::CreatedAtAsc));

    // README's "Using a client" example, as written there.
    let events = client
        .list_audit_events()
        .types(["audit.app.update", "audit.app.delete-request"])
        .created_ats_gt(chrono::Utc::now() - chrono::Duration::days(7))
        .per_page(200u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(events.resources.is_empty());
    let readme = &probe.seen()[1];
    assert_eq!(readme.per_page.get(), 200);
    assert!(
        readme
            .created_ats_gt
            .is_some_and(|t| t.timestamp_subsec_nanos() == 0)
    );
    for query in [
        "types=",
        "target_guids=&space_guids=",
        "order_by=%2Bupdated_at",
    ] {
        assert_eq!(
            raw(&url, query, Some("bearer uaa-contract")).await.0,
            200,
            "{query}"
        );
    }
    assert_eq!(
        probe.seen()[2].types,
        Some(vec![]),
        "an empty list, not no filter"
    );
}

#[tokio::test]
async fn unknown_parameters_and_operators_are_rejected_as_the_service_rejects_them() {
    let (probe, url, _task) = start().await;
    let auth = Some("bearer uaa-contract");
    for (query, names) in [
        (
            "created_at%5Bgt%5D=2026-11-01T00:00:00Z",
            vec!["created_at[gt]"],
        ),
        (
            "created_ats%5Bfoo%5D=2026-11-01T00:00:00Z",
            vec!["created_ats[foo]"],
        ),
        (
            "target_guids%5BNOT%5D=a&label_selector=x&label_selector=y",
            vec!["target_guids[NOT]", "label_selector"],
        ),
    ] {
        let (status, body) = raw(&url, query, auth).await;
        assert_eq!(status, 400, "{query}");
        let detail = body["errors"][0]["detail"].as_str().unwrap().to_owned();
        let expected: Vec<String> = names
            .iter()
            .map(|n| format!("{n}: Extra inputs are not permitted"))
            .collect();
        assert_eq!(
            detail,
            format!("The query parameter is invalid: {}", expected.join("; ")),
            "{query}"
        );
    }
    assert!(
        probe.seen().is_empty(),
        "a typo'd filter never reaches the service"
    );
}
