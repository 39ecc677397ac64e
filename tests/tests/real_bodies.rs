//! The bodies in `../shared/fixtures/real-bodies/` (copied from the services'
//! docs, SDK tests and sources, see each folder's PROVENANCE.md) decode with
//! the generated types, and the ones their provenance calls invalid are
//! refused. Skipped with a word where `../shared` is missing, never in CI.

use std::path::{Path, PathBuf};

type Decode = fn(&[u8]) -> Result<(), serde_json::Error>;

/// What a fixture is: a body of a type, or one its type refuses (and why).
enum Expect {
    Decodes(Decode),
    Refused(Decode, &'static str),
}
use Expect::{Decodes, Refused};

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<(), serde_json::Error> {
    serde_json::from_slice::<T>(bytes).map(|_| ())
}

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/real-bodies");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").is_err(),
        "{} is missing in CI",
        dir.display()
    );
    eprintln!("real bodies: ../shared/fixtures is not here, so this check is skipped (CI runs it)");
    None
}

#[test]
fn every_real_body_decodes_as_its_type_and_the_invalid_ones_are_refused() {
    use bloodhound_client::types as bh;
    use cloud_foundry_client::types as cf;
    use instavm_client::types as iv;
    use runta_client::types as rt;
    let Some(dir) = fixtures() else { return };
    let expected: &[(&str, &str, Expect)] = &[
        (
            "000",
            "sdk_test_list_audits_http_request.json",
            Decodes(decode::<rt::ListAuditsResponse>),
        ),
        (
            "000",
            "sdk_test_list_audits_tcp_and_http.json",
            Decodes(decode::<rt::ListAuditsResponse>),
        ),
        (
            "000",
            "SYNTHETIC_list_audits_icmp_drop_deny.json",
            Decodes(decode::<rt::ListAuditsResponse>),
        ),
        (
            "000",
            "sdk_test_error_not_found.json",
            Decodes(decode::<rt::ErrorEnvelope>),
        ),
        (
            "000",
            "SYNTHETIC_error_envelope_with_request_id_v0.2.x.json",
            Decodes(decode::<rt::ErrorEnvelope>),
        ),
        (
            "000",
            "docs_placeholder_example_NOT_VALID_vs_sdk_schema.json",
            Refused(
                decode::<rt::ListAuditsResponse>,
                "a doc-generator placeholder without the fields the SDK requires",
            ),
        ),
        (
            "000",
            "docs_placeholder_error_example.json",
            Refused(
                decode::<rt::ErrorEnvelope>,
                "a placeholder without the `message` the SDK requires",
            ),
        ),
        (
            "001",
            "SYNTHETIC_list_audit_events_page.json",
            Decodes(decode::<iv::AuditEventListResponse>),
        ),
        (
            "001",
            "SYNTHETIC_list_audit_events_last_page_minimal.json",
            Decodes(decode::<iv::AuditEventListResponse>),
        ),
        (
            "001",
            "SYNTHETIC_list_audit_events_empty_no_cursor_key.json",
            Decodes(decode::<iv::AuditEventListResponse>),
        ),
        (
            "001",
            "SYNTHETIC_403_detail_string.json",
            Decodes(decode::<iv::HttpError>),
        ),
        (
            "001",
            "fastapi_standard_422_limit_out_of_range.json",
            Decodes(decode::<iv::HttpValidationError>),
        ),
        (
            "001",
            "fastapi_legacy_pydantic_v1_422.json",
            Decodes(decode::<iv::HttpValidationError>),
        ),
        (
            "002",
            "SOURCE_SHAPED_list_audit_logs_failure_login.json",
            Decodes(decode::<bh::ListAuditLogsResponse>),
        ),
        (
            "002",
            "SOURCE_SHAPED_list_audit_logs_paginated_intent_success.json",
            Decodes(decode::<bh::ListAuditLogsResponse>),
        ),
        (
            "002",
            "docs_list_audit_logs.json",
            Refused(
                decode::<bh::ListAuditLogsResponse>,
                "the docs' schema omits `count`, `limit` and `skip`, which the server always sends (specs/bloodhound.yaml, ListAuditLogsResponse)",
            ),
        ),
        (
            "002",
            "docs_error_400_bad_request.json",
            Decodes(decode::<bh::ErrorWrapper>),
        ),
        (
            "002",
            "docs_error_401_unauthorized.json",
            Decodes(decode::<bh::ErrorWrapper>),
        ),
        (
            "002",
            "docs_error_429_too_many_requests.json",
            Decodes(decode::<bh::ErrorWrapper>),
        ),
        (
            "003",
            "capi_docs_list_audit_events.json",
            Decodes(decode::<cf::AuditEventList>),
        ),
        (
            "003",
            "SPEC_SHAPED_list_org_scoped_and_space_scoped.json",
            Decodes(decode::<cf::AuditEventList>),
        ),
        (
            "003",
            "capi_docs_single_audit_event.json",
            Decodes(decode::<cf::AuditEvent>),
        ),
        (
            "003",
            "SPEC_SHAPED_audit_event_no_space_no_org.json",
            Decodes(decode::<cf::AuditEvent>),
        ),
        (
            "003",
            "ASSEMBLED_error_400_bad_query_parameter.json",
            Decodes(decode::<cf::ErrorList>),
        ),
        (
            "003",
            "ASSEMBLED_error_404_event_not_found.json",
            Decodes(decode::<cf::ErrorList>),
        ),
        (
            "003",
            "capi_docs_error_unprocessable_entity.json",
            Decodes(decode::<cf::ErrorList>),
        ),
    ];
    let mut problems = Vec::new();
    for service in ["000", "001", "002", "003"] {
        let mut files: Vec<String> = std::fs::read_dir(dir.join(service))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".json"))
            .collect();
        files.sort();
        for file in files {
            let Some((_, _, expect)) = expected
                .iter()
                .find(|(s, f, _)| *s == service && *f == file)
            else {
                problems.push(format!(
                    "{service}/{file}: no expectation (say what it decodes as)"
                ));
                continue;
            };
            let bytes = std::fs::read(dir.join(service).join(&file)).unwrap();
            match expect {
                Decodes(decode) => {
                    if let Err(e) = decode(&bytes) {
                        problems.push(format!("{service}/{file}: {e}"));
                    }
                }
                Refused(decode, why) => {
                    if decode(&bytes).is_ok() {
                        problems.push(format!("{service}/{file}: decodes, though {why}"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
