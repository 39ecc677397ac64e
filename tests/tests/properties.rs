//! Property tests (proptest, a bounded number of cases per run):
//!
//! * every generated stub, served by its mock, answers any query string and
//!   any `Prefer` header with a 2xx or a 4xx whose body is JSON: never a 5xx,
//!   whatever the parameter names, operators, escapes or repetitions;
//! * any request the Runta and InstaVM clients can build arrives at their
//!   stubs equal, field by field.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::Request;
use mock_servers::{DEFAULT_TOKEN, Options, Service};
use proptest::prelude::*;
use tower::ServiceExt;
use workspace_tests::{probe, serve};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().unwrap())
}

/// Parameter names each service reads, and some it does not.
fn names(service: Service) -> Vec<&'static str> {
    let mut names = match service {
        Service::Runta => vec!["category", "runtime", "limit"],
        Service::Instavm => vec![
            "limit",
            "cursor",
            "event_type",
            "vm_id",
            "user_id",
            "status",
        ],
        Service::Bloodhound => vec![
            "id",
            "created_at",
            "sort_by",
            "skip",
            "offset",
            "limit",
            "before",
            "after",
            "actor_email",
            "status",
        ],
        Service::CloudFoundry => vec![
            "page",
            "per_page",
            "order_by",
            "types",
            "target_guids",
            "target_guids[not]",
            "created_ats",
            "created_ats[gt]",
            "created_ats[lte]",
            "space_guids",
        ],
    };
    names.extend(["", "x", "page[", "%5B", "limit[gt]"]);
    names
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9:_,.+\\-]{0,12}",
        Just("gt:9223372036854775808".to_owned()),
        Just("-262143-01-01T00:00:00".to_owned()),
        Just("2026-11-01T12:00:00Z".to_owned()),
        Just("%ff%fe".to_owned()),
        Just("{now}{summary}".to_owned()),
        Just("0".to_owned()),
        Just("18446744073709551616".to_owned()),
        "\\PC{0,6}",
    ]
}

fn query(service: Service) -> impl Strategy<Value = String> {
    let names = names(service);
    proptest::collection::vec((proptest::sample::select(names), value()), 0..8).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| {
                let v: String = v
                    .chars()
                    .map(|c| match c {
                        '&' | '#' | ' ' => '_',
                        c => c,
                    })
                    .collect();
                format!("{k}={v}")
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn path(service: Service) -> &'static str {
    match service {
        Service::Runta => "/v1/audits",
        Service::Instavm => "/v1/audit/events",
        Service::Bloodhound => "/api/v2/audit",
        Service::CloudFoundry => "/v3/audit_events",
    }
}

fn auth(service: Service) -> (&'static str, String) {
    match service {
        Service::Instavm => ("x-api-key", DEFAULT_TOKEN.to_owned()),
        _ => ("authorization", format!("Bearer {DEFAULT_TOKEN}")),
    }
}

fn answers_any_query(service: Service) {
    let router = mock_servers::router(service, &Options::default()).unwrap();
    let config = ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(query in query(service), prefer in proptest::option::of(value()))| {
        let uri = format!("{}?{}", path(service), query.replace(['\u{7f}'], "_"));
        let Ok(uri) = uri.parse::<axum::http::Uri>() else {
            // Not a URI a client could send.
            return Ok(());
        };
        let (header, token) = auth(service);
        let mut request = Request::get(uri).header(header, token);
        if let Some(prefer) = prefer.filter(|p| axum::http::HeaderValue::from_str(p).is_ok()) {
            request = request.header("prefer", prefer);
        }
        let response = runtime()
            .block_on(router.clone().oneshot(request.body(Body::empty()).unwrap()))
            .unwrap();
        let status = response.status().as_u16();
        prop_assert!((200..500).contains(&status), "{service:?} ?{query}: {status}");
        if status >= 400 {
            let body = runtime()
                .block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
                .unwrap();
            prop_assert!(
                serde_json::from_slice::<serde_json::Value>(&body).is_ok(),
                "{service:?} ?{query}: {status} with a body that is not JSON"
            );
        }
    });
}

#[test]
fn runta_stub_answers_any_query() {
    answers_any_query(Service::Runta);
}

#[test]
fn instavm_stub_answers_any_query() {
    answers_any_query(Service::Instavm);
}

#[test]
fn bloodhound_stub_answers_any_query() {
    answers_any_query(Service::Bloodhound);
}

#[test]
fn cloud_foundry_stub_answers_any_query() {
    answers_any_query(Service::CloudFoundry);
}

probe!(RuntaProbe, runta_server, list_audits);
probe!(InstavmProbe, instavm_server, list_audit_events);

#[test]
fn any_runta_request_the_client_builds_arrives_equal() {
    use runta_server::list_audits::{Request, Response};
    use runta_server::types::{AuditCategory, ListAuditsResponse};
    let probe = RuntaProbe::new("tok");
    probe.answer(Response::Ok(ListAuditsResponse { data: vec![] }));
    let (url, _task) = runtime().block_on(serve(runta_server::router(probe.clone())));
    let client = runta_client::Client::with_bearer_token(&url, "tok").unwrap();
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(category in proptest::option::of(Just(AuditCategory::Egress)),
                        runtime_name in proptest::option::of("\\PC{0,16}"),
                        // `format: int64`: the spec allows up to i64::MAX (typify's `NonZeroU64` holds more).
                        limit in proptest::option::of(1u64..=i64::MAX as u64))| {
        let mut builder = client.list_audits();
        if let Some(c) = &category {
            builder = builder.category(c.clone());
        }
        if let Some(r) = &runtime_name {
            builder = builder.runtime(r.clone());
        }
        if let Some(l) = limit {
            builder = builder.limit(l);
        }
        runtime().block_on(builder.send()).unwrap();
        let seen = probe.seen.lock().unwrap().pop().unwrap();
        prop_assert_eq!(seen, Request {
            category,
            runtime: runtime_name,
            limit: limit.map(|l| l.try_into().unwrap()),
        });
    });
}

#[test]
fn any_instavm_request_the_client_builds_arrives_equal() {
    use instavm_server::list_audit_events::Response;
    use instavm_server::types::AuditEventListResponse;
    let probe = InstavmProbe::new("key");
    probe.answer(Response::Ok(AuditEventListResponse {
        items: vec![],
        next_cursor: None,
    }));
    let (url, _task) = runtime().block_on(serve(instavm_server::router(probe.clone())));
    let client = instavm_client::Client::with_api_key(&url, "key").unwrap();
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(limit in 1u64..=200,
                        cursor in proptest::option::of("\\PC{0,24}"),
                        vm_id in proptest::option::of("\\PC{0,16}"),
                        user_id in proptest::option::of(any::<i64>()))| {
        let mut builder = client.list_audit_events().limit(limit);
        if let Some(c) = &cursor {
            builder = builder.cursor(c.clone());
        }
        if let Some(v) = &vm_id {
            builder = builder.vm_id(v.clone());
        }
        if let Some(u) = user_id {
            builder = builder.user_id(u);
        }
        runtime().block_on(builder.send()).unwrap();
        let seen = probe.seen.lock().unwrap().pop().unwrap();
        prop_assert_eq!(seen.limit.get(), limit);
        prop_assert_eq!(seen.cursor, cursor);
        prop_assert_eq!(seen.vm_id, vm_id);
        prop_assert_eq!(seen.user_id, user_id);
    });
}
