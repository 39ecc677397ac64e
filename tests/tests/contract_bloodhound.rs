//! BloodHound: the generated client against the generated server stub.

use api_support::{Predicate, Sort, Timestamp};
use bloodhound_client::Client;
use bloodhound_client::types::ListAuditLogsSortByColumn as Column;
use bloodhound_server::list_audit_logs::{Request, Response, TooManyRequestsHeaders};
use bloodhound_server::types::{
    AuditLogStatus, AuditLogsData, ErrorDetail, ErrorWrapper, ListAuditLogsResponse,
};
use chrono::TimeZone;
use serde_json::json;
use workspace_tests::{get_json, probe, serve};

probe!(Probe, bloodhound_server, list_audit_logs);

const TOKEN: &str = "jwt-contract";

async fn start() -> (Probe, String, tokio::task::JoinHandle<()>) {
    let probe = Probe::new(TOKEN);
    let (url, task) = serve(bloodhound_server::router(probe.clone())).await;
    (probe, url, task)
}

fn page(logs: Vec<bloodhound_server::types::AuditLog>) -> ListAuditLogsResponse {
    ListAuditLogsResponse {
        count: logs.len() as i64,
        limit: 1000,
        skip: 0,
        data: AuditLogsData { logs },
        start: None,
        end: None,
    }
}

#[tokio::test]
async fn every_parameter_travels_intact_with_defaults_applied() {
    let (probe, url, _task) = start().await;
    probe.answer(Response::Ok(page(vec![])));
    let client = Client::with_bearer_token(&url, TOKEN).unwrap();
    let before = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    let after = chrono::Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let at = |t: &str| t.parse::<Timestamp>().unwrap();
    client
        .list_audit_logs()
        .prefer("wait=5")
        .skip(10)
        .limit(20)
        .offset(30)
        .before(before)
        .after(after)
        .sort_by(vec![Sort::desc(Column::CreatedAt), Sort::asc(Column::Id)])
        .id(vec![Predicate::gt(100)])
        .created_at(vec![
            Predicate::gte(at("2026-11-01T00:00:00Z")),
            Predicate::lt(at("2026-11-02T00:00:00.5Z")),
        ])
        .actor_id(vec![
            Predicate::try_eq("3c90c3cc-0d44-4b50-8888-8dd25736052a").unwrap(),
        ])
        .actor_name(vec![Predicate::try_neq("admin").unwrap()])
        .actor_email(vec![Predicate::try_eq("a@example.com").unwrap()])
        .action(vec![Predicate::try_eq("LoginAttempt").unwrap()])
        .request_id(vec![
            Predicate::try_eq("9a1c4f0e-1d2b-4c3a-8e5f-6a7b8c9d0e1f").unwrap(),
        ])
        .source_ip_address(vec![Predicate::try_eq("10.0.0.5").unwrap()])
        .status(vec![
            Predicate::eq(AuditLogStatus::Success),
            Predicate::neq(AuditLogStatus::Intent),
        ])
        .send()
        .await
        .unwrap();
    client.list_audit_logs().send().await.unwrap();
    let seen = probe.seen();
    assert_eq!(
        seen[0],
        Request {
            prefer: Some("wait=5".into()),
            skip: Some(10),
            limit: 20,
            offset: Some(30),
            before: Some(before.into()),
            after: Some(after.into()),
            sort_by: Some(vec![Sort::desc(Column::CreatedAt), Sort::asc(Column::Id)]),
            id: Some(vec![Predicate::gt(100)]),
            created_at: Some(vec![
                Predicate::gte(at("2026-11-01T00:00:00Z")),
                Predicate::lt(at("2026-11-02T00:00:00.5Z"))
            ]),
            actor_id: Some(vec![
                Predicate::try_eq("3c90c3cc-0d44-4b50-8888-8dd25736052a").unwrap()
            ]),
            actor_name: Some(vec![Predicate::try_neq("admin").unwrap()]),
            actor_email: Some(vec![Predicate::try_eq("a@example.com").unwrap()]),
            action: Some(vec![Predicate::try_eq("LoginAttempt").unwrap()]),
            request_id: Some(vec![
                Predicate::try_eq("9a1c4f0e-1d2b-4c3a-8e5f-6a7b8c9d0e1f").unwrap()
            ]),
            source_ip_address: Some(vec![Predicate::try_eq("10.0.0.5").unwrap()]),
            status: Some(vec![
                Predicate::eq(AuditLogStatus::Success),
                Predicate::neq(AuditLogStatus::Intent)
            ]),
        }
    );
    assert_eq!(
        (seen[1].prefer.as_deref(), seen[1].limit, seen[1].skip),
        (None, 1000, None),
        "no `Prefer`: no timeout (there is no server default any more)"
    );
}

#[tokio::test]
async fn every_documented_status_reaches_the_client_typed() {
    let (probe, url, _task) = start().await;
    let client = Client::with_bearer_token(&url, TOKEN).unwrap();
    let ok = page(mock_servers::bloodhound::sample(4));
    probe.answer(Response::Ok(ok.clone()));
    assert_eq!(
        client.list_audit_logs().send().await.unwrap().into_inner(),
        ok
    );
    let wrapper = |status: i32| ErrorWrapper {
        http_status: status,
        timestamp: chrono::Utc
            .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
            .unwrap()
            .into(),
        request_id: String::new(),
        errors: vec![ErrorDetail {
            context: "audit".into(),
            message: format!("status {status}"),
        }],
    };
    for (status, response) in [
        (400, Response::BadRequest(wrapper(400))),
        (401, Response::Unauthorized(wrapper(401))),
        (403, Response::Forbidden(wrapper(403))),
        (
            429,
            Response::TooManyRequests(wrapper(429), TooManyRequestsHeaders::default()),
        ),
        (500, Response::InternalServerError(wrapper(500))),
    ] {
        probe.answer(response);
        match client.list_audit_logs().send().await {
            Err(bloodhound_client::Error::ErrorResponse(value)) => {
                assert_eq!(value.status().as_u16(), status);
                assert_eq!(value.into_inner(), wrapper(i32::from(status)));
            }
            other => panic!("{status}: {other:?}"),
        }
    }
    // The current rate limiter's plain text, with its headers: handed back whole.
    probe.answer(Response::TooManyRequestsText(
        "Limit exceeded\n".into(),
        TooManyRequestsHeaders {
            x_rate_limit_limit: Some(55),
            x_rate_limit_remaining: Some(0),
            x_rate_limit_reset: Some(1_767_225_600),
        },
    ));
    match client.list_audit_logs().send().await {
        Err(bloodhound_client::Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status().as_u16(), 429);
            let headers = response.headers();
            assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
            assert_eq!(
                (&headers["x-ratelimit-limit"], &headers["x-ratelimit-reset"]),
                (&"55".parse().unwrap(), &"1767225600".parse().unwrap())
            );
            assert_eq!(response.text().await.unwrap(), "Limit exceeded\n");
        }
        other => panic!("429 in plain text: {other:?}"),
    }
}

async fn raw(url: &str, query: &str, headers: &[(&str, &str)]) -> (u16, serde_json::Value) {
    get_json(&format!("{url}/api/v2/audit?{query}"), headers).await
}

#[tokio::test]
async fn invalid_parameters_get_bloodhounds_400_wrapper() {
    let (probe, url, _task) = start().await;
    let auth = ("authorization", "Bearer jwt-contract");
    for (query, header, messages) in [
        (
            "actor_name=~eq:adm",
            None,
            vec![
                r#"query parameter "actor_name" is malformed: String should match pattern '^(eq|neq):[A-Za-z0-9_ ./:;<=>?@\[\\\]^-]+$'"#,
            ],
        ),
        (
            // The service would silently filter on `a`: the stub refuses instead.
            "actor_email=eq:a%2Bb@x.com",
            None,
            vec![
                r#"query parameter "actor_email" is malformed: String should match pattern '^(eq|neq):[A-Za-z0-9_ ./:;<=>?@\[\\\]^-]+$'"#,
            ],
        ),
        (
            "sort_by=actor_name,id",
            None,
            vec![
                r#"query parameter "sort_by" is malformed: String should match pattern '^-?(id|actor_name|actor_email|action|created_at|source_ip_address|status)$'"#,
            ],
        ),
        (
            "created_at=gte:2026-11-01T00:00:00%2B01:00",
            None,
            vec![
                r#"query parameter "created_at" is malformed: String should match pattern '^(eq|neq|gt|gte|lt|lte):[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|-[0-9]{2}:[0-9]{2})$'"#,
            ],
        ),
        (
            "created_at=2026-11-01T00:00:00Z",
            None,
            vec![
                r#"query parameter "created_at" is malformed: String should match pattern '^(eq|neq|gt|gte|lt|lte):[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|-[0-9]{2}:[0-9]{2})$'"#,
            ],
        ),
        (
            "created_at=gte:2026-11-01T00:00:00.1234567890Z",
            None,
            vec![
                r#"query parameter "created_at" is malformed: String should match pattern '^(eq|neq|gt|gte|lt|lte):[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|-[0-9]{2}:[0-9]{2})$'"#,
            ],
        ),
        (
            "skip=-1",
            None,
            vec![
                r#"query parameter "skip" is malformed: Input should be greater than or equal to 0"#,
            ],
        ),
        (
            "before=yesterday",
            None,
            vec![r#"query parameter "before" is malformed: Input should be a valid datetime"#],
        ),
        (
            "",
            Some(("prefer", "30")),
            vec![
                r#"header parameter "Prefer" is malformed: String should match pattern '^wait=(-1|[0-9]+)$'"#,
            ],
        ),
    ] {
        let mut headers = vec![auth];
        headers.extend(header);
        let (status, body) = raw(&url, query, &headers).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["http_status"], 400);
        assert_eq!(
            body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["message"].as_str().unwrap())
                .collect::<Vec<_>>(),
            messages,
            "{query}"
        );
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(body["request_id"].as_str().unwrap().len(), 36);
        assert!(serde_json::from_value::<ErrorWrapper>(body).is_ok());
    }
    let (_, body) = raw(&url, "limit=x", &[auth, ("x-request-id", "req-42")]).await;
    assert_eq!(body["request_id"], "req-42");
    assert!(probe.seen().is_empty());
}

#[tokio::test]
async fn missing_or_wrong_credentials_get_401_and_never_reach_the_service() {
    let (probe, url, _task) = start().await;
    for (headers, message) in [
        // BloodHound's own text (`PermissionsCheckAll`).
        (vec![], "not authenticated"),
        // Refused credentials carry the implementation's words (`AuthError`; the mock says
        // "Token Authorization failed." as the service does).
        (vec![("authorization", "Bearer nope")], "Invalid token"),
    ] {
        let (status, body) = raw(&url, "", &headers).await;
        assert_eq!(status, 401);
        assert_eq!(body["http_status"], 401);
        assert_eq!(body["errors"], json!([{"context": "", "message": message}]));
    }
    // A header the server cannot read is a 400 (`middleware/auth.go`), never a 401.
    let signed = "bhesignature 3c90c3cc-0d44-4b50-8888-8dd25736052a";
    let prefix = "unable to validate request signature for client: ";
    for (headers, message) in [
        (
            vec![("authorization", "Bearer")],
            "Expected only two components for the Authorization header.".to_owned(),
        ),
        (
            vec![("authorization", "Basic dTpw")],
            "Unexpected authorization scheme: basic.".to_owned(),
        ),
        (
            vec![("authorization", "bhesignature abc")],
            "Token ID is malformed.".to_owned(),
        ),
        (
            vec![("authorization", signed)],
            format!("{prefix}no request date header"),
        ),
        (
            vec![
                ("authorization", signed),
                ("requestdate", "2026-11-22T01:02:03Z"),
            ],
            format!("{prefix}no signature header"),
        ),
    ] {
        let (status, body) = raw(&url, "", &headers).await;
        assert_eq!(status, 400, "{headers:?}");
        assert_eq!(body["http_status"], 400);
        assert_eq!(body["errors"], json!([{"context": "", "message": message}]));
    }
    assert!(probe.seen().is_empty());
}

#[tokio::test]
async fn extreme_and_loose_date_times_get_the_native_400_and_never_crash_the_mock() {
    let mock = mock_servers::start(
        mock_servers::Service::Bloodhound,
        mock_servers::Options::default(),
    )
    .await
    .unwrap();
    let auth = format!("Bearer {}", mock_servers::DEFAULT_TOKEN);
    let get = |query: &str| {
        let url = format!("{}/api/v2/audit?{query}", mock.base_url);
        let auth = auth.clone();
        async move { workspace_tests::get_json(&url, &[("authorization", &auth)]).await }
    };
    for loose in [
        "before=-262143-01-01T00:00:00",
        "before=2026-11-01T12:00:00",
        "before=2026-11-01%2012:00:00Z",
        "after=12026-11-01T12:00:00Z",
    ] {
        let (status, body) = get(loose).await;
        assert_eq!(status, 400, "{loose}: {body}");
    }
    let (status, body) = get("before=0000-01-01T00:00:00Z").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["logs"],
        serde_json::json!([]),
        "nothing that old"
    );
    assert_eq!(
        body["count"], 120,
        "`count` ignores the window, as the service's does"
    );
}

#[tokio::test]
async fn a_filter_value_out_of_range_is_reported_for_what_it_is() {
    let mock = mock_servers::start(
        mock_servers::Service::Bloodhound,
        mock_servers::Options::default(),
    )
    .await
    .unwrap();
    let auth = format!("Bearer {}", mock_servers::DEFAULT_TOKEN);
    let url = format!("{}/api/v2/audit?id=gt:9223372036854775808", mock.base_url);
    let (status, body) = workspace_tests::get_json(&url, &[("authorization", &auth)]).await;
    assert_eq!(status, 400, "{body}");
    let text = body.to_string();
    assert!(!text.contains("valid string"), "{text}");
    // In plain words, not serde's (`i64`, `invalid type`).
    assert!(
        text.contains("9223372036854775808") && text.contains("an integer in range"),
        "{text}"
    );
    assert!(
        !text.contains("i64") && !text.contains("invalid type"),
        "{text}"
    );
    let (status, body) = workspace_tests::get_json(
        &format!("{}/api/v2/audit", mock.base_url),
        &[("authorization", &auth), ("prefer", "wait=soon")],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(!body.to_string().contains("query parameter"), "{body}");
}

#[tokio::test]
async fn the_stub_takes_what_the_id_pattern_allows_leading_zeros_too() {
    let mock = mock_servers::start(
        mock_servers::Service::Bloodhound,
        mock_servers::Options::default(),
    )
    .await
    .unwrap();
    let auth = format!("Bearer {}", mock_servers::DEFAULT_TOKEN);
    // `^(eq|neq|gt|gte|lt|lte):[0-9]+$`: `010` is 10, as the server's ParseInt reads it.
    for (query, status) in [("id=eq:010", 200), ("id=gt:000", 200), ("id=eq:0x10", 400)] {
        let url = format!("{}/api/v2/audit?{query}", mock.base_url);
        let (got, body) = workspace_tests::get_json(&url, &[("authorization", &auth)]).await;
        assert_eq!(got, status, "{query}: {body}");
    }
}

#[tokio::test]
async fn created_at_takes_negative_offsets_and_nine_fraction_digits() {
    let (probe, url, _task) = start().await;
    probe.answer(Response::Ok(page(vec![])));
    let query =
        "created_at=gte:2026-11-01T07:00:00.123456789-05:00&created_at=lt:2026-11-02t00:00:00z";
    let (status, body) = raw(&url, query, &[("authorization", "Bearer jwt-contract")]).await;
    assert_eq!(status, 200, "{body}");
    let seen = probe.seen();
    let at = |t: &str| t.parse::<Timestamp>().unwrap();
    assert_eq!(
        seen[0].created_at,
        Some(vec![
            Predicate::gte(at("2026-11-01T12:00:00.123456789Z")),
            Predicate::lt(at("2026-11-02T00:00:00Z")),
        ])
    );
}

#[test]
fn text_filters_refuse_values_the_service_would_cut_short() {
    use bloodhound_client::types::FilterText;
    type Text = Predicate<FilterText, api_support::Equality>;
    // The server's parser stops at the first character outside its set and filters on the rest.
    for cut in [
        "a+b@x.com",
        "203.0.113.7,10.0.0.1",
        "O'Brien",
        "José",
        "x~y",
    ] {
        assert!(Text::try_eq(cut).is_err(), "{cut}");
    }
    for whole in [
        "jsmith@example.com",
        "hello world",
        "auth.value",
        "10.0.0.5",
        "3c90c3cc-0d44-4b50-8888-8dd25736052a",
    ] {
        let p = Text::try_eq(whole).unwrap();
        assert_eq!(p.to_string(), format!("eq:{whole}"));
    }
}
