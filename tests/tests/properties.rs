//! Property tests (proptest, a bounded number of cases per run):
//!
//! * every generated stub, served by its mock, answers any query string and
//!   any `Prefer` header with a 2xx or a 4xx whose body is JSON: never a 5xx,
//!   whatever the parameter names, operators, escapes or repetitions;
//! * any request the clients can build arrives at their stubs equal, field
//!   by field.

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
probe!(CloudFoundryProbe, cloud_foundry_server, list_audit_events);
probe!(BloodhoundProbe, bloodhound_server, list_audit_logs);

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

/// A whole second between the years 1 and 9999 (what `YYYY-MM-DDThh:mm:ssZ` can write).
fn second() -> impl Strategy<Value = api_support::TimestampSeconds> {
    (-62_135_596_800i64..=253_402_300_799).prop_map(|s| {
        chrono::DateTime::from_timestamp(s, 0)
            .expect("in chrono's range")
            .into()
    })
}

/// A comma list's items: any printable text without a comma, never one empty item alone.
fn items() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("[^,\\p{C}]{0,12}", 1..4)
        .prop_filter("one empty item is the empty list", |v| {
            !(v.len() == 1 && v[0].is_empty())
        })
}

#[test]
fn any_cloud_foundry_request_the_client_builds_arrives_equal() {
    use cloud_foundry_server::list_audit_events::{Request, Response};
    use cloud_foundry_server::types::{AuditEventList, Link, ListAuditEventsOrderBy, Pagination};
    let link = Link {
        href: "https://api.example.com/v3/audit_events?page=1".into(),
        method: None,
    };
    let probe = CloudFoundryProbe::new("uaa");
    probe.answer(Response::Ok(AuditEventList {
        pagination: Pagination {
            total_results: 0,
            total_pages: 1,
            first: link.clone(),
            last: link,
            next: None,
            previous: None,
        },
        resources: vec![],
    }));
    let (url, _task) = runtime().block_on(serve(cloud_foundry_server::router(probe.clone())));
    let client = cloud_foundry_client::Client::with_bearer_token(&url, "uaa").unwrap();
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let order = proptest::sample::select(ListAuditEventsOrderBy::ALL.to_vec());
    let list = || proptest::option::of(items());
    let times = || proptest::option::of(proptest::collection::vec(second(), 1..3));
    let bound = || proptest::option::of(second());
    proptest!(config, |(page in 1u64..=i64::MAX as u64,
                        per_page in 1u64..=5000,
                        order_by in proptest::option::of(order),
                        created in (times(), bound(), bound(), bound(), bound()),
                        updated in (times(), bound(), bound(), bound(), bound()),
                        lists in (list(), list(), list(), list(), list(), list()))| {
        let (guids, types, target_guids, target_guids_not, space_guids, organization_guids) = lists.clone();
        let mut b = client.list_audit_events().page(page).per_page(per_page);
        if let Some(o) = order_by { b = b.order_by(o); }
        if let Some(v) = created.0.clone() { b = b.created_ats(v); }
        if let Some(v) = created.1 { b = b.created_ats_lt(v); }
        if let Some(v) = created.2 { b = b.created_ats_lte(v); }
        if let Some(v) = created.3 { b = b.created_ats_gt(v); }
        if let Some(v) = created.4 { b = b.created_ats_gte(v); }
        if let Some(v) = updated.0.clone() { b = b.updated_ats(v); }
        if let Some(v) = updated.1 { b = b.updated_ats_lt(v); }
        if let Some(v) = updated.2 { b = b.updated_ats_lte(v); }
        if let Some(v) = updated.3 { b = b.updated_ats_gt(v); }
        if let Some(v) = updated.4 { b = b.updated_ats_gte(v); }
        if let Some(v) = guids.clone() { b = b.guids(v); }
        if let Some(v) = types.clone() { b = b.types(v); }
        if let Some(v) = target_guids.clone() { b = b.target_guids(v); }
        if let Some(v) = target_guids_not.clone() { b = b.target_guids_not(v); }
        if let Some(v) = space_guids.clone() { b = b.space_guids(v); }
        if let Some(v) = organization_guids.clone() { b = b.organization_guids(v); }
        runtime().block_on(b.send()).unwrap();
        let seen = probe.seen.lock().unwrap().pop().unwrap();
        prop_assert_eq!(seen, Request {
            page: page.try_into().unwrap(),
            per_page: per_page.try_into().unwrap(),
            order_by,
            created_ats: created.0,
            created_ats_lt: created.1,
            created_ats_lte: created.2,
            created_ats_gt: created.3,
            created_ats_gte: created.4,
            updated_ats: updated.0,
            updated_ats_lt: updated.1,
            updated_ats_lte: updated.2,
            updated_ats_gt: updated.3,
            updated_ats_gte: updated.4,
            guids,
            types,
            target_guids,
            target_guids_not,
            space_guids,
            organization_guids,
        });
    });
}

/// An ordered predicate: any of the six operators on a value from `value`.
fn ordered<T: std::fmt::Debug + Clone>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = api_support::Predicate<T, api_support::Ordered>> {
    use api_support::Predicate;
    (0..6usize, value).prop_map(|(op, v)| match op {
        0 => Predicate::eq(v),
        1 => Predicate::neq(v),
        2 => Predicate::gt(v),
        3 => Predicate::gte(v),
        4 => Predicate::lt(v),
        _ => Predicate::lte(v),
    })
}

/// An instant the `created_at` filter pattern can write: years 1 to 9999, microseconds.
fn instant() -> impl Strategy<Value = api_support::Timestamp> {
    (-62_135_596_800i64..=253_402_300_799, 0u32..1_000_000).prop_map(|(s, micros)| {
        chrono::DateTime::from_timestamp(s, micros * 1000)
            .expect("in chrono's range")
            .into()
    })
}

#[test]
fn any_bloodhound_request_the_client_builds_arrives_equal() {
    use api_support::{Equality, Predicate, Sort};
    use bloodhound_server::list_audit_logs::{Request, Response};
    use bloodhound_server::types::{
        AuditLogsData, FilterText, ListAuditLogsResponse, ListAuditLogsSortByColumn as Column,
    };
    let probe = BloodhoundProbe::new("jwt");
    probe.answer(Response::Ok(ListAuditLogsResponse {
        count: 0,
        limit: 0,
        skip: 0,
        data: AuditLogsData { logs: vec![] },
        start: None,
        end: None,
    }));
    let (url, _task) = runtime().block_on(serve(bloodhound_server::router(probe.clone())));
    let client = bloodhound_client::Client::with_bearer_token(&url, "jwt").unwrap();
    let config = ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let text = || {
        proptest::option::of(proptest::collection::vec(
            (any::<bool>(), "[A-Za-z0-9_ ./:;<=>?@\\[\\\\\\]^-]{1,16}").prop_map(|(eq, v)| {
                let v = FilterText::try_from(v).expect("the strategy keeps to the charset");
                if eq {
                    Predicate::<_, Equality>::eq(v)
                } else {
                    Predicate::neq(v)
                }
            }),
            1..3,
        ))
    };
    let sort = (
        proptest::sample::select(Column::ALL.to_vec()),
        any::<bool>(),
    )
        .prop_map(|(c, desc)| if desc { Sort::desc(c) } else { Sort::asc(c) });
    proptest!(config, |(prefer in proptest::option::of(prop_oneof![Just(-1i64), 0i64..100_000].prop_map(|w| format!("wait={w}"))),
                        paging in (proptest::option::of(0i64..=i64::MAX), 0i64..=i64::MAX),
                        window in (proptest::option::of(instant()), proptest::option::of(instant())),
                        sort_by in proptest::option::of(proptest::collection::vec(sort, 1..3)),
                        id in proptest::option::of(proptest::collection::vec(ordered(0i64..=i64::MAX), 1..3)),
                        created_at in proptest::option::of(proptest::collection::vec(ordered(instant()), 1..3)),
                        texts in (text(), text(), text()))| {
        let (actor_email, action, source_ip_address) = texts.clone();
        let mut b = client.list_audit_logs().limit(paging.1);
        if let Some(p) = &prefer { b = b.prefer(p.clone()); }
        if let Some(s) = paging.0 { b = b.skip(s); }
        if let Some(t) = window.0 { b = b.before(t); }
        if let Some(t) = window.1 { b = b.after(t); }
        if let Some(v) = sort_by.clone() { b = b.sort_by(v); }
        if let Some(v) = id.clone() { b = b.id(v); }
        if let Some(v) = created_at.clone() { b = b.created_at(v); }
        if let Some(v) = actor_email.clone() { b = b.actor_email(v); }
        if let Some(v) = action.clone() { b = b.action(v); }
        if let Some(v) = source_ip_address.clone() { b = b.source_ip_address(v); }
        runtime().block_on(b.send()).unwrap();
        let seen = probe.seen.lock().unwrap().pop().unwrap();
        prop_assert_eq!(seen, Request {
            prefer,
            skip: paging.0,
            limit: paging.1,
            offset: None,
            before: window.0,
            after: window.1,
            sort_by,
            id,
            created_at,
            actor_id: None,
            actor_name: None,
            actor_email,
            action,
            request_id: None,
            source_ip_address,
            status: None,
        });
    });
}
