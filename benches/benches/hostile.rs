//! Hostile input against the server stubs' rejection path, in the same run as
//! its baseline:
//!
//! * `rejection/12k`: a 60 KB query with 12,000 invalid `id=x` read as a
//!   repeated integer list, then rendered as Cloud Foundry's error envelope
//!   (`{summary}`) and FastAPI's (`$each_issue`), the way a stub answers it;
//! * `rejection/1`: the same with one invalid `id=x` (the baseline: linear
//!   cost keeps the ratio near the number of pairs actually read, capped at
//!   `MAX_QUERY_PAIRS`).

use std::hint::black_box;

use api_support::server::{
    In, ListStyle, Params, Rules, TemplateContext, ValueKind, fill_template,
};
use axum::http::HeaderMap;
use criterion::{Criterion, criterion_group, criterion_main};

fn reject(query: &str) -> usize {
    let headers = HeaderMap::new();
    let mut p = Params::new(Some(query), &headers);
    let rules = Rules {
        kind: ValueKind::Integer,
        ..Rules::default()
    };
    let _ = p.list::<i64>(In::Query, "id", false, ListStyle::Repeated, &rules);
    let issues = p.finish().unwrap_err();
    let ctx = TemplateContext {
        message: "",
        request_id: "r".into(),
    };
    let cf = serde_json::json!({"errors": [{"code": 10005, "title": "CF-BadQueryParameter", "detail": "The query parameter is invalid: {summary}"}]});
    let fastapi = serde_json::json!({"detail": [{"$each_issue": {"type": "{type}", "loc": ["{in}", "{name}"], "msg": "{msg}", "input": "{input}"}}]});
    fill_template(&cf, &issues, &ctx).to_string().len()
        + fill_template(&fastapi, &issues, &ctx).to_string().len()
}

fn rejection(c: &mut Criterion) {
    let many = "id=x&".repeat(12_000);
    let mut group = c.benchmark_group("rejection");
    group.bench_function("12k", |b| b.iter(|| black_box(reject(black_box(&many)))));
    group.bench_function("1", |b| b.iter(|| black_box(reject(black_box("id=x")))));
    group.finish();
}

criterion_group!(benches, rejection);
criterion_main!(benches);
