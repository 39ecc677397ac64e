//! Client decode and paging, each against a hand-written baseline in the same run:
//!
//! * `decode/generated`: one 5,000-event Cloud Foundry page fetched and decoded by the
//!   generated client; `decode/baseline`: the same bytes fetched with reqwest and decoded
//!   with `serde_json::from_slice` into the same types.
//! * `paging/generated`: every event of a 100,000-event mock (pages of 5,000) through the
//!   client's `stream()`; `paging/baseline`: the same pages read by a plain reqwest loop
//!   following `pagination.next`.
//! * `latency/*`: 20 ms before every answer and 20 ms of the caller's work per page:
//!   `stream()` (next page requested ahead) against a plain loop.
//! * `walks-<service>-<ms>ms/*`: every event of a Cloud Foundry or BloodHound mock that
//!   waits 20 or 50 ms before every answer, read by a plain loop, `stream()`, and
//!   `concurrency(4)`/`concurrency(8)`; every walk's events are checked equal to the loop's.

use std::hint::black_box;

use cloud_foundry_server::types::AuditEventList;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::TryStreamExt;

fn quick() -> bool {
    std::env::var_os("BENCH_QUICK").is_some()
}

fn decode(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let n = if quick() { 500 } else { 5000 };
    let (url, _server) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = workspace_benches::generated(workspace_benches::page(n));
        (
            url,
            tokio::spawn(async move { axum::serve(listener, app).await.unwrap() }),
        )
    });
    let client = cloud_foundry_client::Client::with_bearer_token(&url, "bench").unwrap();
    let raw = reqwest::Client::new();
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("generated", |b| {
        b.iter(|| {
            rt.block_on(async {
                black_box(
                    client
                        .list_audit_events()
                        .send()
                        .await
                        .unwrap()
                        .into_inner(),
                )
            })
        })
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            rt.block_on(async {
                let bytes = raw
                    .get(format!("{url}/v3/audit_events"))
                    .bearer_auth("bench")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                black_box(serde_json::from_slice::<AuditEventList>(&bytes).unwrap())
            })
        })
    });
    group.finish();
}

fn paging(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let total = if quick() { 10_000 } else { 100_000 };
    let mock = rt
        .block_on(mock_servers::start(
            mock_servers::Service::CloudFoundry,
            mock_servers::Options {
                items: total,
                ..Default::default()
            },
        ))
        .unwrap();
    let client = cloud_foundry_client::Client::with_bearer_token(
        &mock.base_url,
        mock_servers::DEFAULT_TOKEN,
    )
    .unwrap();
    let raw = reqwest::Client::new();
    let mut group = c.benchmark_group("paging");
    group.sample_size(10);
    group.throughput(Throughput::Elements(total as u64));
    group.bench_function("generated", |b| {
        b.iter(|| {
            rt.block_on(async {
                // Each event is taken and dropped, as the loop below does with each page.
                let count = client
                    .list_audit_events()
                    .per_page(5000u64)
                    .stream()
                    .try_fold(0, |n, event| {
                        black_box(event);
                        std::future::ready(Ok(n + 1))
                    })
                    .await
                    .unwrap();
                assert_eq!(count, total);
            })
        })
    });
    group.bench_function("baseline", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut next = Some(format!("{}/v3/audit_events?per_page=5000", mock.base_url));
                let mut count = 0;
                while let Some(url) = next {
                    let bytes = raw
                        .get(&url)
                        .bearer_auth(mock_servers::DEFAULT_TOKEN)
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap();
                    let page: AuditEventList = serde_json::from_slice(&bytes).unwrap();
                    next = page.pagination.next.map(|l| l.href);
                    for event in page.resources {
                        black_box(event);
                        count += 1;
                    }
                }
                assert_eq!(count, total);
            })
        })
    });
    group.finish();
}

/// Over a network round trip: `LATENCY_MS` before every answer, and a caller
/// that spends as long on every page (writing it to a slow sink, say). A plain
/// loop waits for both in turn; `stream()` asks for the next page as soon as a
/// page arrives, so the round trip overlaps the caller's work.
fn latency(c: &mut Criterion) {
    const LATENCY_MS: u64 = 20;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (total, per_page) = if quick() { (200, 50) } else { (2_000, 100) };
    let mock = rt
        .block_on(mock_servers::start(
            mock_servers::Service::CloudFoundry,
            mock_servers::Options {
                items: total,
                latency: std::time::Duration::from_millis(LATENCY_MS),
                ..Default::default()
            },
        ))
        .unwrap();
    let client = cloud_foundry_client::Client::with_bearer_token(
        &mock.base_url,
        mock_servers::DEFAULT_TOKEN,
    )
    .unwrap();
    let work = std::time::Duration::from_millis(LATENCY_MS);
    let raw = reqwest::Client::new();
    let mut group = c.benchmark_group("latency");
    group.sample_size(10);
    group.throughput(Throughput::Elements(total as u64));
    group.bench_function("stream", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut pages = client
                    .list_audit_events()
                    .per_page(per_page)
                    .pages(api_support::paging::Retry::NEVER);
                let mut count = 0;
                while let Some(page) = pages.try_next().await.unwrap() {
                    count += page.len();
                    tokio::time::sleep(work).await;
                }
                assert_eq!(count, total);
            })
        })
    });
    group.bench_function("loop", |b| {
        b.iter(|| {
            rt.block_on(async {
                let mut next = Some(format!(
                    "{}/v3/audit_events?per_page={per_page}",
                    mock.base_url
                ));
                let mut count = 0;
                while let Some(url) = next {
                    let bytes = raw
                        .get(&url)
                        .bearer_auth(mock_servers::DEFAULT_TOKEN)
                        .send()
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap();
                    let page: AuditEventList = serde_json::from_slice(&bytes).unwrap();
                    count += page.resources.len();
                    next = page.pagination.next.map(|l| l.href);
                    tokio::time::sleep(work).await;
                }
                assert_eq!(count, total);
            })
        })
    });
    group.finish();
}

/// Events and page size of the `walks-*` groups.
pub fn walk_size() -> (usize, usize) {
    if quick() { (200, 50) } else { (8_000, 100) }
}

/// One service's walks at one latency: a plain loop, `stream()`, and
/// `concurrency(4)`/`concurrency(8)`, each checked to read the loop's events.
fn walks(c: &mut Criterion) {
    let (total, per_page) = walk_size();
    for latency_ms in [20u64, 50] {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let latency = std::time::Duration::from_millis(latency_ms);
        let start = |service| {
            rt.block_on(mock_servers::start(
                service,
                mock_servers::Options {
                    items: total,
                    latency,
                    ..Default::default()
                },
            ))
            .unwrap()
        };
        let raw = reqwest::Client::new();

        let cf = start(mock_servers::Service::CloudFoundry);
        let client = cloud_foundry_client::Client::with_bearer_token(
            &cf.base_url,
            mock_servers::DEFAULT_TOKEN,
        )
        .unwrap();
        let cf_loop = || {
            rt.block_on(async {
                let mut next = Some(format!(
                    "{}/v3/audit_events?per_page={per_page}",
                    cf.base_url
                ));
                let mut guids = Vec::new();
                while let Some(url) = next {
                    let page: AuditEventList = get(&raw, &url).await;
                    guids.extend(page.resources.into_iter().map(|e| e.guid));
                    next = page.pagination.next.map(|l| l.href);
                }
                guids
            })
        };
        let cf_walk = |k: usize| {
            let request = client.list_audit_events().per_page(per_page as u64);
            let walk = match k {
                0 => request.stream(),
                k => request.concurrency(k).stream(),
            };
            rt.block_on(walk.map_ok(|e| e.guid).try_collect()).unwrap()
        };
        walk_group(
            c,
            format!("walks-cf-{latency_ms}ms"),
            total,
            cf_loop,
            cf_walk,
        );

        let bh = start(mock_servers::Service::Bloodhound);
        let client =
            bloodhound_client::Client::with_bearer_token(&bh.base_url, mock_servers::DEFAULT_TOKEN)
                .unwrap();
        let bh_loop = || {
            rt.block_on(async {
                let mut ids = Vec::new();
                loop {
                    let url = format!(
                        "{}/api/v2/audit?limit={per_page}&skip={}",
                        bh.base_url,
                        ids.len()
                    );
                    let page: bloodhound_client::types::ListAuditLogsResponse =
                        get(&raw, &url).await;
                    let received = page.data.logs.len();
                    ids.extend(page.data.logs.into_iter().map(|l| l.id));
                    if received == 0 || ids.len() as i64 >= page.count {
                        return ids;
                    }
                }
            })
        };
        let bh_walk = |k: usize| {
            let request = client.list_audit_logs().limit(per_page as i64);
            let walk = match k {
                0 => request.stream(),
                k => request.concurrency(k).stream(),
            };
            rt.block_on(walk.map_ok(|l| l.id).try_collect()).unwrap()
        };
        walk_group(
            c,
            format!("walks-bh-{latency_ms}ms"),
            total,
            bh_loop,
            bh_walk,
        );
    }
}

/// One page read by the plain loop: reqwest and `serde_json`, nothing else.
async fn get<T: serde::de::DeserializeOwned>(raw: &reqwest::Client, url: &str) -> T {
    let bytes = raw
        .get(url)
        .bearer_auth(mock_servers::DEFAULT_TOKEN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The group `name`: the plain loop, then `walk(0)` (`stream()`) and `walk(k)`
/// (`concurrency(k)`) for k = 4 and 8, each checked to read the loop's ids in order.
fn walk_group<Id: PartialEq + std::fmt::Debug>(
    c: &mut Criterion,
    name: String,
    total: usize,
    plain: impl Fn() -> Vec<Id>,
    walk: impl Fn(usize) -> Vec<Id>,
) {
    let reference = plain();
    assert_eq!(reference.len(), total);
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(total as u64));
    group.bench_function("loop", |b| b.iter(|| assert_eq!(plain(), reference)));
    for k in [0, 4, 8] {
        let id = if k == 0 {
            "stream".to_owned()
        } else {
            format!("concurrency-{k}")
        };
        group.bench_function(id, |b| {
            b.iter(|| assert_eq!(walk(k), reference, "the walk reads the loop's events"))
        });
    }
    group.finish();
}

criterion_group!(benches, decode, paging, latency, walks);
criterion_main!(benches);
