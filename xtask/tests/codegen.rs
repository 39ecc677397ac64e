//! `cargo xtask codegen` end to end, on a copy of the workspace's specs and
//! generated crates in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            if path.file_name().unwrap() != "target" {
                copy_dir(&path, &target);
            }
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// A copy of the specs and the generated crates.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&workspace().join("specs"), &dir.path().join("specs"));
    copy_dir(&workspace().join("crates"), &dir.path().join("crates"));
    dir
}

fn xtask(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, with its contents.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn committed_crates_match_the_specs_and_a_run_rewrites_nothing() {
    let dir = scratch();
    let check = xtask(dir.path(), &["codegen", "--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let before = snapshot(dir.path());
    let run = xtask(dir.path(), &["codegen"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains(", 0 written or removed"),
        "{}",
        stderr(&run)
    );
    assert_eq!(
        before,
        snapshot(dir.path()),
        "a second run changed files: output is not deterministic"
    );
}

#[test]
fn check_fails_after_a_one_character_spec_edit_and_passes_after_regeneration() {
    let dir = scratch();
    let spec = dir.path().join("specs/runta.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let edited = text.replacen("title: ", "title: X", 1);
    assert!(text != edited, "the edit did not apply");
    std::fs::write(&spec, edited).unwrap();
    let before = snapshot(&dir.path().join("crates"));

    let check = xtask(dir.path(), &["codegen", "--check"]);
    assert!(!check.status.success());
    let err = stderr(&check);
    assert!(err.contains("changed: crates/runta-client/"), "{err}");
    assert!(
        err.contains("run `cargo xtask codegen` and commit"),
        "{err}"
    );
    assert_eq!(
        before,
        snapshot(&dir.path().join("crates")),
        "--check wrote files"
    );

    let run = xtask(dir.path(), &["codegen"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let check = xtask(dir.path(), &["codegen", "--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn a_removed_spec_leaves_stale_crates_that_check_reports_and_a_run_removes() {
    let dir = scratch();
    std::fs::remove_file(dir.path().join("specs/instavm.yaml")).unwrap();
    let check = xtask(dir.path(), &["codegen", "--check"]);
    assert!(!check.status.success());
    assert!(
        stderr(&check).contains(
            "stale (no spec generates it any more): crates/instavm-client/src/generated.rs"
        ),
        "{}",
        stderr(&check)
    );
    assert!(xtask(dir.path(), &["codegen"]).status.success());
    assert!(!dir.path().join("crates/instavm-client").exists());
    assert!(
        dir.path()
            .join("crates/runta-client/src/generated.rs")
            .exists()
    );
}

#[test]
fn a_broken_spec_is_a_clear_error_and_nothing_is_written() {
    for (edit, expected) in [
        // a duplicated key
        (
            ("\n  title: ", "\n  title: A\n  title: "),
            "duplicate key `title`",
        ),
        // a reference to nothing
        (
            (
                "$ref: \"#/components/schemas/",
                "$ref: \"#/components/schemas/Missing",
            ),
            "does not resolve to anything in this file",
        ),
        // a status key that is none (an operation without an operationId is named, not refused)
        (
            ("        \"200\":", "        \"20\":"),
            "`20` is not a status code",
        ),
    ] {
        let dir = scratch();
        // The other specs change too, so a partial write would show.
        let other = dir.path().join("specs/bloodhound.yaml");
        let t = std::fs::read_to_string(&other)
            .unwrap()
            .replacen("title: ", "title: Changed ", 1);
        std::fs::write(&other, t).unwrap();
        let spec = dir.path().join("specs/runta.yaml");
        let text = std::fs::read_to_string(&spec).unwrap();
        let broken = text.replacen(edit.0, edit.1, 1);
        assert!(text != broken, "edit {edit:?} did not apply");
        std::fs::write(&spec, broken).unwrap();
        let before = snapshot(&dir.path().join("crates"));

        let run = xtask(dir.path(), &["codegen"]);
        assert!(!run.status.success());
        let err = stderr(&run);
        assert!(err.contains("specs/runta.yaml"), "{err}");
        assert!(err.contains(expected), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(
            before,
            snapshot(&dir.path().join("crates")),
            "a failed run changed the crates"
        );
    }
}

#[test]
fn lint_passes_on_the_specs_and_names_a_broken_example() {
    let dir = scratch();
    let ok = xtask(dir.path(), &["lint"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stderr(&ok).contains("lint: 4 specs, no problems"));

    let spec = dir.path().join("specs/cloud-foundry.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let broken = text.replacen("total_results: ", "total_results: many # ", 1);
    assert!(broken != text);
    std::fs::write(&spec, broken).unwrap();
    let bad = xtask(dir.path(), &["lint"]);
    assert!(!bad.status.success());
    let err = stderr(&bad);
    assert!(
        err.contains("error[example]: specs/cloud-foundry.yaml at #/paths/~1v3~1audit_events/get/responses/200/content/application~1json/example: the example does not match its schema: \"many")
            && err.contains("(at `/pagination/total_results` in the example)"),
        "{err}"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

#[test]
fn spec_diff_fails_on_a_breaking_edit_unless_the_crate_version_allows_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("specs")).unwrap();
    let spec = dir.path().join("specs/runta.yaml");
    let text = std::fs::read_to_string(workspace().join("specs/runta.yaml")).unwrap();
    std::fs::write(&spec, &text).unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);

    // A compatible edit: an optional parameter.
    let compatible = text.replacen("      parameters:\n", "      parameters:\n        - name: after\n          in: query\n          schema:\n            type: string\n", 1);
    std::fs::write(&spec, &compatible).unwrap();
    let ok = xtask(dir.path(), &["spec-diff", "--base", "HEAD"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        String::from_utf8_lossy(&ok.stdout)
            .contains("compatible: optional query parameter `after` added")
    );

    // A breaking edit: a response field the client reads disappears.
    let breaking = text
        .replacen("        - observed_unix_ms\n", "", 1)
        .replacen(
            "        observed_unix_ms:\n          type: integer\n          format: int64\n",
            "",
            1,
        );
    assert!(breaking != text);
    std::fs::write(&spec, &breaking).unwrap();
    let bad = xtask(dir.path(), &["spec-diff", "--base", "HEAD"]);
    assert!(!bad.status.success());
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(out.contains("BREAKING (client, server): response `200` field `data` items: field `observed_unix_ms` removed"), "{out}");
    assert!(
        out.contains("breaking changes need a semver-incompatible crate version (a new major; below 1.0, a new minor; below 0.1, a new patch): `info.x-crate-version` (or `info.version` without it), now 0.2.0"),
        "{out}"
    );
    assert!(stderr(&bad).contains(
        "spec-diff: breaking changes without a version bump that allows them in specs/runta.yaml"
    ));

    // The same edit with a semver-incompatible crate version is allowed (a new
    // major, or below 1.0 a new minor, as Cargo reads `^0.2.0`); the service's version stays.
    assert!(breaking.contains("x-crate-version: \"0.2.0\"\n"));
    for version in ["1.0.0", "0.3.0"] {
        std::fs::write(
            &spec,
            breaking.replacen(
                "x-crate-version: \"0.2.0\"\n",
                &format!("x-crate-version: \"{version}\"\n"),
                1,
            ),
        )
        .unwrap();
        let bumped = xtask(dir.path(), &["spec-diff", "--base", "HEAD"]);
        assert!(bumped.status.success(), "{version}: {}", stderr(&bumped));
        assert!(
            String::from_utf8_lossy(&bumped.stdout)
                .contains("breaking, allowed by the version bump"),
            "{version}"
        );
    }
}

/// Schemathesis (installed on first use into target/ci-tools) must catch mock servers
/// that break their contract on purpose: the conformance check is shown to bite.
#[test]
fn conformance_catches_a_nonconforming_server() {
    let out = xtask(
        &workspace(),
        &["conformance", "--nonconforming", "--max-examples", "3"],
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for service in ["runta", "instavm", "bloodhound", "cloud-foundry"] {
        assert!(err.contains(&format!("conformance: {service}: ")), "{err}");
    }
    assert!(
        err.contains("every broken mock was caught (response schema conformance)"),
        "{err}"
    );
}

#[test]
fn a_vendor_spec_as_published_leaves_a_workspace_cargo_accepts() {
    // Okta's System Log spec: CalVer `info.version` (2026.06.3), no `x-server`,
    // from the corpus of real specs (../shared/corpus; skipped where it is missing, never in CI).
    let Some(corpus) = codegen::corpus_dir(&workspace()) else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "../shared/corpus is missing in CI"
        );
        eprintln!("skipped: ../shared/corpus is not here");
        return;
    };
    let dir = scratch();
    std::fs::copy(
        corpus.join("okta-system-log.yaml"),
        dir.path().join("specs/okta-system-log.yaml"),
    )
    .unwrap();
    let manifest = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    let members = manifest
        .lines()
        .find(|l| l.starts_with("members = "))
        .unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        manifest.replace(members, "members = [\"crates/*\"]"),
    )
    .unwrap();

    let run = xtask(dir.path(), &["codegen"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let metadata = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(metadata.status.success(), "{}", stderr(&metadata));
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    let version = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "okta-system-log-client")
        .map(|p| p["version"].clone());
    assert_eq!(version, Some(serde_json::json!("2026.6.3")));
    let readme =
        std::fs::read_to_string(dir.path().join("crates/okta-system-log-client/README.md"))
            .unwrap();
    assert!(readme.contains("API version 2026.06.3"), "{readme}");
}

/// The strict OpenAPI 3.0 check passes the workspace's specs and fails the old
/// `type: object, nullable: true, allOf: [$ref]` idiom on a real `null`, which
/// the 3.0.3 text does not allow (the `allOf` member still rejects it).
#[test]
fn the_strict_check_fails_a_planted_nullable_all_of_null() {
    let dir = scratch();
    let ok = xtask(dir.path(), &["strict"]);
    assert!(ok.status.success(), "{}", stderr(&ok));

    let spec = dir.path().join("specs/cloud-foundry.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let idiom = "          anyOf:\n            - $ref: \"#/components/schemas/Link\"\n            - type: object\n              nullable: true\n              enum: [null]\n";
    assert!(text.contains(idiom), "the spec's own idiom moved");
    let planted = text.replacen(
        idiom,
        "          type: object\n          nullable: true\n          allOf:\n            - $ref: \"#/components/schemas/Link\"\n",
        1,
    );
    std::fs::write(&spec, planted).unwrap();
    let bad = xtask(dir.path(), &["strict"]);
    assert!(!bad.status.success());
    let out = String::from_utf8_lossy(&bad.stdout);
    assert!(
        out.contains(
            "last of two pages: `next` null: None for not nullable (at `/pagination/next`"
        ),
        "{out}"
    );
    assert!(stderr(&bad).contains("the OpenAPI 3.0.3 text does not allow"));
}
