//! Codegen speed: per spec, the three phases (load, generate, format) and the
//! whole pipeline, against progenitor's plain client for the same spec (the
//! baseline, measured in the same run); all four specs; and a synthetic spec
//! at 1×, 4× and 16× of 200 operations and 500 schemas, for the growth curve.
//!
//! `cargo bench -p codegen --bench codegen` (`cargo xtask bench` runs it and
//! tabulates the results in BENCHMARKS.md).

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};

/// The allocator `cargo xtask codegen` runs with (xtask/src/main.rs), so the
/// figures are the command's.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn per_spec(c: &mut Criterion) {
    let root = root();
    for file in codegen::spec_files(&root).unwrap() {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let rel = PathBuf::from(format!("specs/{name}.yaml"));
        let mut group = c.benchmark_group(format!("spec/{name}"));
        group.bench_function("load", |b| {
            b.iter(|| codegen::load_text(rel.clone(), name.clone(), black_box(&text)).unwrap())
        });
        let loaded = codegen::load_text(rel.clone(), name.clone(), &text).unwrap();
        group.bench_function("generate", |b| {
            b.iter(|| codegen::generate(black_box(&loaded)).unwrap())
        });
        let generated = codegen::generate(&loaded).unwrap();
        group.bench_function("format", |b| {
            b.iter(|| codegen::render(&loaded, black_box(&generated)).unwrap())
        });
        group.bench_function("pipeline", |b| {
            b.iter(|| {
                let loaded =
                    codegen::load_text(rel.clone(), name.clone(), black_box(&text)).unwrap();
                let generated = codegen::generate(&loaded).unwrap();
                codegen::render(&loaded, &generated).unwrap()
            })
        });
        group.bench_function("progenitor-plain", |b| {
            b.iter(|| {
                let loaded =
                    codegen::load_text(rel.clone(), name.clone(), black_box(&text)).unwrap();
                codegen::plain_progenitor(&loaded).unwrap()
            })
        });
        group.finish();
    }
    c.bench_function("all-specs", |b| {
        b.iter(|| codegen::generate_all(black_box(&root)).unwrap())
    });
}

fn growth(c: &mut Criterion) {
    let mut group = c.benchmark_group("synthetic");
    group.sample_size(10);
    // `BENCH_QUICK` (set by `cargo xtask bench --quick`) keeps the run short.
    let scales: &[usize] = if std::env::var_os("BENCH_QUICK").is_some() {
        &[1]
    } else {
        &[1, 4, 16]
    };
    for &scale in scales {
        let text = codegen::synthetic_spec(200 * scale, 500 * scale);
        group.bench_function(format!("{scale}x"), |b| {
            b.iter(|| {
                let loaded = codegen::load_text(
                    PathBuf::from("specs/synthetic.yaml"),
                    "synthetic".into(),
                    black_box(&text),
                )
                .unwrap();
                let generated = codegen::generate(&loaded).unwrap();
                codegen::render(&loaded, &generated).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, per_spec, growth);
criterion_main!(benches);
