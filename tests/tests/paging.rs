//! Walking every page through the generated `stream` methods, against the
//! mock servers: several page sizes (1, 7, 50, the maximum), empty results,
//! filters kept on every page, no item lost or repeated, bounded collection.

use api_support::Predicate;
use futures::{StreamExt, TryStreamExt};
use mock_servers::{DEFAULT_TOKEN, Options, Service, start};

const ITEMS: usize = 120;

/// Retries that keep tests quick (a `Retry-After` is capped at 10 ms).
const FAST: api_support::paging::Retry = api_support::paging::Retry {
    max_retries: 3,
    initial: std::time::Duration::from_millis(1),
    max_delay: std::time::Duration::from_millis(10),
};

fn options() -> Options {
    Options {
        items: ITEMS,
        ..Options::default()
    }
}

/// The key of every item a walk yields, in order; the walk must not fail.
trait Keys<T> {
    async fn keys<K>(self, key: impl Fn(T) -> K) -> Vec<K>;
}

impl<T, E: std::fmt::Debug> Keys<T> for api_support::paging::BoxStream<'_, T, E> {
    async fn keys<K>(self, key: impl Fn(T) -> K) -> Vec<K> {
        self.map_ok(key).try_collect().await.unwrap()
    }
}

#[tokio::test]
async fn instavm_cursor_walk() {
    let mock = start(Service::Instavm, options()).await.unwrap();
    let client = instavm_client::Client::with_api_key(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let reference: Vec<String> = client
        .list_audit_events()
        .limit(200u64)
        .send()
        .await
        .unwrap()
        .into_inner()
        .items
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(reference.len(), ITEMS);
    let vm_only: Vec<&String> = reference.iter().collect();
    for size in [1u64, 7, 50, 200] {
        let all: Vec<String> = client
            .list_audit_events()
            .limit(size)
            .stream()
            .keys(|e| e.id)
            .await;
        assert_eq!(all, reference, "page size {size}");
        let vm: Vec<_> = client
            .list_audit_events()
            .limit(size)
            .event_group("vm")
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap();
        assert!(
            !vm.is_empty() && vm.iter().all(|e| e.event_group == "vm"),
            "page size {size}: the filter is kept"
        );
        assert!(vm.len() < vm_only.len());
    }
    let none: Vec<_> = client
        .list_audit_events()
        .event_type("nothing.matches")
        .limit(7u64)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    let first = client
        .list_audit_events()
        .limit(7u64)
        .collect_up_to(10)
        .await
        .unwrap();
    assert_eq!(
        first.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
        reference[..10]
    );
}

#[tokio::test]
async fn cloud_foundry_page_walk() {
    use cloud_foundry_client::types::ListAuditEventsOrderBy;
    let mock = start(Service::CloudFoundry, options()).await.unwrap();
    let client =
        cloud_foundry_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let reference: Vec<String> = client
        .list_audit_events()
        .per_page(5000u64)
        .send()
        .await
        .unwrap()
        .into_inner()
        .resources
        .into_iter()
        .map(|e| e.guid)
        .collect();
    for size in [1u64, 7, 50, 5000] {
        let all: Vec<String> = client
            .list_audit_events()
            .per_page(size)
            .stream()
            .keys(|e| e.guid)
            .await;
        assert_eq!(all, reference, "per_page {size}");
        let newest_first: Vec<_> = client
            .list_audit_events()
            .per_page(size)
            .order_by(ListAuditEventsOrderBy::CreatedAtDesc)
            .types(["audit.app.update", "blob.remove_orphan"])
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert!(
            newest_first
                .iter()
                .all(|e| e.type_ == "audit.app.update" || e.type_ == "blob.remove_orphan"),
            "per_page {size}"
        );
        assert!(
            newest_first
                .windows(2)
                .all(|w| w[0].created_at >= w[1].created_at),
            "per_page {size}: order kept"
        );
    }
    // Starting from a later page walks from there.
    let from_third: Vec<String> = client
        .list_audit_events()
        .per_page(50u64)
        .page(3u64)
        .stream()
        .keys(|e| e.guid)
        .await;
    assert_eq!(from_third, reference[100..]);
    let none: Vec<_> = client
        .list_audit_events()
        .types(["audit.nothing"])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn bloodhound_offset_walks_hold_when_sort_by_replaces_the_default_order() {
    use api_support::Sort;
    use bloodhound_client::types::ListAuditLogsSortByColumn as Column;
    let mock = start(Service::Bloodhound, options()).await.unwrap();
    let client =
        bloodhound_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    // Current builds order by `sort_by` alone: oldest first by id.
    let ascending: Vec<i64> = (1..=ITEMS as i64).collect();
    for size in [1i64, 7, 50] {
        let sequential: Vec<i64> = client
            .list_audit_logs()
            .sort_by(vec![Sort::asc(Column::Id)])
            .limit(size)
            .stream()
            .keys(|l| l.id)
            .await;
        assert_eq!(sequential, ascending, "limit {size}");
        let concurrent: Vec<i64> = client
            .list_audit_logs()
            .sort_by(vec![Sort::asc(Column::Id)])
            .limit(size)
            .concurrency(3)
            .stream()
            .keys(|l| l.id)
            .await;
        assert_eq!(concurrent, ascending, "limit {size}, concurrently");
        let by_name: Vec<i64> = client
            .list_audit_logs()
            .sort_by(vec![Sort::desc(Column::ActorName), Sort::asc(Column::Id)])
            .limit(size)
            .stream()
            .keys(|l| l.id)
            .await;
        let mut sorted = by_name.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, ascending, "limit {size}: every item once, by name");
    }
}

#[tokio::test]
async fn bloodhound_offset_walk() {
    let mock = start(Service::Bloodhound, options()).await.unwrap();
    let client =
        bloodhound_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let reference: Vec<i64> = client
        .list_audit_logs()
        .send()
        .await
        .unwrap()
        .into_inner()
        .data
        .logs
        .into_iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(reference.len(), ITEMS);
    for size in [1i64, 7, 50, 1000] {
        let all: Vec<i64> = client
            .list_audit_logs()
            .limit(size)
            .stream()
            .keys(|l| l.id)
            .await;
        assert_eq!(all, reference, "limit {size}");
        let filtered: Vec<i64> = client
            .list_audit_logs()
            .limit(size)
            .id(vec![Predicate::gt(100)])
            .stream()
            .keys(|l| l.id)
            .await;
        assert_eq!(
            filtered,
            reference
                .iter()
                .copied()
                .filter(|id| *id > 100)
                .collect::<Vec<_>>(),
            "limit {size}: the filter is kept"
        );
    }
    let none: Vec<_> = client
        .list_audit_logs()
        .limit(7)
        .id(vec![Predicate::gt(10_000)])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    let skipped: Vec<i64> = client
        .list_audit_logs()
        .limit(7)
        .skip(100)
        .stream()
        .keys(|l| l.id)
        .await;
    assert_eq!(skipped, reference[100..]);
}

#[tokio::test]
async fn runta_has_one_page() {
    let mock = start(Service::Runta, options()).await.unwrap();
    let client = runta_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let capped: Vec<_> = client
        .list_audits()
        .limit(7u64)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(capped.len(), 7);
    let all: Vec<_> = client
        .list_audits()
        .limit(1000u64)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), ITEMS);
}

#[tokio::test]
async fn busy_pages_are_retried_and_errors_end_the_stream() {
    let mock = start(Service::CloudFoundry, options()).await.unwrap();
    let client =
        cloud_foundry_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    mock.faults.push(503);
    mock.faults.push(429);
    let all: Vec<_> = client
        .list_audit_events()
        .per_page(50u64)
        .stream_with_retry(FAST)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), ITEMS);

    // The rate limiter's answer, as the service sends it: 10013 with `Retry-After`.
    mock.faults.push(429);
    let limited = reqwest::Client::new()
        .get(format!("{}/v3/audit_events", mock.base_url))
        .bearer_auth(DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(limited.headers()["retry-after"], "1");
    let body: serde_json::Value = limited.json().await.unwrap();
    assert_eq!(body["errors"][0]["title"], "CF-RateLimitExceeded");
    assert_eq!(body["errors"][0]["code"], 10013);

    mock.faults.push(503);
    let err = client
        .list_audit_events()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    mock.faults.push(500);
    let err = client
        .list_audit_events()
        .stream_with_retry(FAST)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(500),
        "a 500 is not retried"
    );
}

#[tokio::test]
async fn concurrent_walks_deliver_what_the_sequential_walk_does() {
    let mock = start(Service::CloudFoundry, options()).await.unwrap();
    let client =
        cloud_foundry_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    for size in [1u64, 7, 50, 5000] {
        let sequential: Vec<String> = client
            .list_audit_events()
            .per_page(size)
            .stream()
            .keys(|e| e.guid)
            .await;
        assert_eq!(sequential.len(), ITEMS);
        for k in [1, 3, 8] {
            let concurrent: Vec<String> = client
                .list_audit_events()
                .per_page(size)
                .concurrency(k)
                .stream()
                .keys(|e| e.guid)
                .await;
            assert_eq!(concurrent, sequential, "per_page {size}, concurrency {k}");
        }
    }
    let from_third: Vec<String> = client
        .list_audit_events()
        .per_page(50u64)
        .page(3u64)
        .concurrency(4)
        .stream()
        .keys(|e| e.guid)
        .await;
    assert_eq!(from_third.len(), ITEMS - 100);

    let mock = start(Service::Bloodhound, options()).await.unwrap();
    let client =
        bloodhound_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    for size in [1i64, 7, 50, 1000] {
        let sequential: Vec<i64> = client
            .list_audit_logs()
            .limit(size)
            .stream()
            .keys(|l| l.id)
            .await;
        assert_eq!(sequential.len(), ITEMS);
        for k in [1, 3, 8] {
            let concurrent: Vec<i64> = client
                .list_audit_logs()
                .limit(size)
                .id(vec![Predicate::gt(0)])
                .concurrency(k)
                .stream()
                .keys(|l| l.id)
                .await;
            assert_eq!(concurrent, sequential, "limit {size}, concurrency {k}");
        }
    }
    let skipped: Vec<i64> = client
        .list_audit_logs()
        .limit(7)
        .skip(100)
        .concurrency(4)
        .stream()
        .keys(|l| l.id)
        .await;
    assert_eq!(skipped.len(), ITEMS - 100);
}

#[tokio::test]
async fn concurrent_walks_retry_busy_pages() {
    let mock = start(Service::Bloodhound, options()).await.unwrap();
    let client =
        bloodhound_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    mock.faults.push(429);
    mock.faults.push(429);
    let all: Vec<_> = client
        .list_audit_logs()
        .limit(10)
        .concurrency(4)
        .stream_with_retry(FAST)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), ITEMS);
    mock.faults.push(500);
    let err = client
        .list_audit_logs()
        .limit(10)
        .concurrency(4)
        .stream_with_retry(FAST)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
}

/// The growing list and how many pages it has served.
type Growing = (
    std::sync::Arc<std::sync::Mutex<Vec<bloodhound_client::types::AuditLog>>>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
);

/// A BloodHound-like list, newest first, that gains an event (created now)
/// after its first page is served; `before` filters as the service does.
async fn growing_bloodhound() -> String {
    use axum::extract::{Query, State};
    use std::sync::{Arc, Mutex};
    let logs = Arc::new(Mutex::new(mock_servers::bloodhound::sample(40)));
    let served = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let app = axum::Router::new()
        .route(
            "/api/v2/audit",
            axum::routing::get(
                |State((logs, served)): State<Growing>,
                 Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    let mut logs = logs.lock().unwrap();
                    if served.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
                        let mut newest = logs[0].clone();
                        newest.id = 10_000;
                        newest.created_at = chrono::Utc::now().into();
                        logs.insert(0, newest);
                    }
                    let before: Option<api_support::Timestamp> =
                        q.get("before").map(|b| b.parse().unwrap());
                    let listed: Vec<_> = logs
                        .iter()
                        .filter(|l| before.is_none_or(|b| l.created_at < b))
                        .cloned()
                        .collect();
                    let number = |key: &str, default: usize| {
                        q.get(key).map_or(default, |v| v.parse().unwrap())
                    };
                    let (skip, limit) = (number("skip", 0), number("limit", 100));
                    let page: Vec<_> = listed.iter().skip(skip).take(limit).cloned().collect();
                    axum::Json(serde_json::json!({
                        "count": listed.len(), "skip": skip, "limit": limit,
                        "data": {"logs": page},
                    }))
                },
            ),
        )
        .with_state((logs, served));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn a_list_growing_under_a_concurrent_walk_is_an_error_unless_pinned() {
    // Unpinned: the new event shifts every later page by one; the walk must
    // say so rather than deliver an event twice.
    let url = growing_bloodhound().await;
    let client = bloodhound_client::Client::with_bearer_token(&url, DEFAULT_TOKEN).unwrap();
    let walked: Vec<_> = client
        .list_audit_logs()
        .limit(10)
        .concurrency(3)
        .stream()
        .collect::<Vec<_>>()
        .await;
    let Some(Err(error)) = walked.last() else {
        panic!("the walk ended without an error: {} items", walked.len())
    };
    assert!(
        error
            .to_string()
            .contains("the list changed during the walk"),
        "{error}"
    );
    let ids: Vec<i64> = walked.iter().flatten().map(|l| l.id).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "an event was delivered twice");

    // Pinned to an instant before the walk: the new event falls outside the list.
    let url = growing_bloodhound().await;
    let client = bloodhound_client::Client::with_bearer_token(&url, DEFAULT_TOKEN).unwrap();
    let pinned: Vec<i64> = client
        .list_audit_logs()
        .limit(10)
        .before(api_support::Timestamp::from(chrono::Utc::now()))
        .concurrency(3)
        .stream()
        .keys(|l| l.id)
        .await;
    let expected: Vec<i64> = mock_servers::bloodhound::sample(40)
        .into_iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(pinned, expected);
}

#[tokio::test]
async fn bloodhound_counts_beyond_the_window_and_walks_still_end_at_the_last_row() {
    let mock = start(Service::Bloodhound, options()).await.unwrap();
    let client =
        bloodhound_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let all = client
        .list_audit_logs()
        .limit(0)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(all.data.logs.len(), ITEMS, "`limit=0` means no limit");
    assert_eq!(all.limit, 0, "and is echoed");
    // A window that holds the newest 50 rows; `count` still counts them all.
    let cut = all.data.logs[50].created_at;
    let window = client
        .list_audit_logs()
        .after(cut)
        .limit(7)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(window.count as usize, ITEMS, "`count` ignores the window");
    let sequential: Vec<i64> = client
        .list_audit_logs()
        .after(cut)
        .limit(7)
        .stream()
        .keys(|l| l.id)
        .await;
    assert_eq!(sequential.len(), 50);
    for k in [2, 8] {
        let concurrent: Vec<i64> = client
            .list_audit_logs()
            .after(cut)
            .limit(7)
            .concurrency(k)
            .stream()
            .keys(|l| l.id)
            .await;
        assert_eq!(concurrent, sequential, "concurrency {k}");
    }
}

#[tokio::test]
async fn cloud_foundry_orders_by_id_unless_asked_and_echoes_the_sign() {
    use cloud_foundry_client::types::ListAuditEventsOrderBy;
    let mock = start(Service::CloudFoundry, options()).await.unwrap();
    let client =
        cloud_foundry_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let page = client
        .list_audit_events()
        .per_page(10u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    let next = page.pagination.next.unwrap().href;
    assert!(
        !next.contains("order_by"),
        "no order asked, none echoed: {next}"
    );
    let page = client
        .list_audit_events()
        .per_page(10u64)
        .order_by(ListAuditEventsOrderBy::CreatedAt)
        .send()
        .await
        .unwrap()
        .into_inner();
    let next = page.pagination.next.unwrap().href;
    assert!(next.contains("order_by=%2Bcreated_at"), "{next}");
    let picked = [
        page.resources[3].guid.clone(),
        page.resources[1].guid.clone(),
    ];
    let by_guid: Vec<String> = client
        .list_audit_events()
        .guids(picked.clone())
        .stream()
        .keys(|e| e.guid)
        .await;
    assert_eq!(
        by_guid,
        [picked[1].clone(), picked[0].clone()],
        "in id order"
    );
}
