//! Client decode and paging, each against a hand-written baseline in the same run:
//!
//! * `decode/generated`: one 5,000-event Cloud Foundry page fetched and decoded by the
//!   generated client; `decode/baseline`: the same bytes fetched with reqwest and decoded
//!   with `serde_json::from_slice` into the same types.
//! * `paging/generated`: every event of a 100,000-event mock (pages of 5,000) through the
//!   client's `stream()`; `paging/baseline`: the same pages read by a plain reqwest loop
//!   following `pagination.next`.

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
                let all: Vec<_> = client
                    .list_audit_events()
                    .per_page(5000u64)
                    .stream()
                    .try_collect()
                    .await
                    .unwrap();
                assert_eq!(all.len(), total);
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
                    count += page.resources.len();
                    next = page.pagination.next.map(|l| l.href);
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

criterion_group!(benches, decode, paging, latency);
criterion_main!(benches);
