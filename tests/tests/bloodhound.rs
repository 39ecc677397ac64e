//! The BloodHound client against a canned server: RFC 7240 `Prefer`,
//! predicate filters repeated for AND, repeated `sort_by`, the real response
//! wrapper (`count`/`limit`/`skip`) and the error wrapper.

use api_support::{Predicate, Sort, Timestamp};
use bloodhound_client::types::{AuditLogStatus, ListAuditLogsSortByColumn as Column};
use bloodhound_client::{Client, Error};
use serde_json::json;
use workspace_tests::CannedServer;

fn logs() -> serde_json::Value {
    let row = |id: i64, status: &str| {
        json!({"id": id, "created_at": "2026-11-01T12:00:00.184211Z", "actor_id": "3c90c3cc-0d44-4b50-8888-8dd25736052a",
               "actor_name": "admin", "actor_email": "admin@example.com", "action": "CreateAuthToken",
               "fields": {"token_name": "ci"}, "request_id": "9a1c4f0e-1d2b-4c3a-8e5f-6a7b8c9d0e1f",
               "source_ip_address": "10.0.0.5, 203.0.113.7:51234", "commit_id": "5e2d0c7a-6b1f-4e3d-9c8b-7a6f5e4d3c2b",
               "status": status})
    };
    let mut middleware_row = row(123, "intent");
    // The request-audit middleware stores no fields: SQL NULL, `null` on the wire.
    middleware_row["fields"] = serde_json::Value::Null;
    json!({"count": 3, "limit": 2, "skip": 0, "data": {"logs": [row(124, "success"), middleware_row]}})
}

#[tokio::test]
async fn sends_prefer_filters_and_sorting_as_the_server_parses_them() {
    let server = CannedServer::start().await;
    server.respond(200, logs());
    let client = Client::with_bearer_token(&server.base_url, "jwt-abc").unwrap();

    let day = |d: &str| d.parse::<Timestamp>().unwrap();
    let gte = Predicate::gte(day("2026-11-01T00:00:00Z"));
    let lt = Predicate::lt(day("2026-11-02T00:00:00Z"));
    let by_id = Sort::asc(Column::Id);
    let by_name_desc = Sort::desc(Column::ActorName);
    let response = client
        .list_audit_logs()
        .prefer("wait=5")
        .created_at(vec![gte, lt])
        .sort_by(vec![by_id, by_name_desc])
        .skip(10)
        .limit(2)
        .send()
        .await
        .unwrap()
        .into_inner();

    let req = server.last();
    assert_eq!(req.path, "/api/v2/audit");
    assert_eq!(req.header("prefer"), Some("wait=5"));
    assert_eq!(req.header("authorization"), Some("Bearer jwt-abc"));
    let pairs = req.query_pairs();
    let values = |key: &str| {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        values("created_at"),
        ["gte:2026-11-01T00:00:00Z", "lt:2026-11-02T00:00:00Z"]
    );
    assert_eq!(values("sort_by"), ["id", "-actor_name"]);
    assert_eq!((values("skip"), values("limit")), (vec!["10"], vec!["2"]));

    assert_eq!((response.count, response.limit, response.skip), (3, 2, 0));
    let logs = &response.data.logs;
    assert_eq!(logs.iter().map(|l| l.id).collect::<Vec<_>>(), [124, 123]);
    assert_eq!(
        (logs[0].status.clone(), logs[1].status.clone()),
        (AuditLogStatus::Success, AuditLogStatus::Intent)
    );
    assert_eq!(
        logs[0].commit_id, logs[1].commit_id,
        "two-phase rows share the commit id"
    );
    assert_eq!(logs[0].source_ip_address, "10.0.0.5, 203.0.113.7:51234");
    assert_eq!(logs[0].fields.as_ref().unwrap()["token_name"], "ci");
    assert_eq!(logs[1].fields, None, "`fields: null` decodes");
    assert_eq!(
        logs[0].created_at.to_string(),
        "2026-11-01T12:00:00.184211Z"
    );
}

#[tokio::test]
async fn filters_the_server_would_reject_cannot_be_built() {
    // `Predicate::<String, Equality>::gt` does not exist; parsing what the server rejects fails too.
    assert!(
        "~eq:admin"
            .parse::<Predicate<String, api_support::Equality>>()
            .is_err()
    );
    assert!(
        "gt:admin"
            .parse::<Predicate<String, api_support::Equality>>()
            .is_err()
    );
    assert!(
        "2026-11-01T00:00:00Z"
            .parse::<Predicate<Timestamp, api_support::Ordered>>()
            .is_err(),
        "the predicate is required"
    );
    assert!("actor_name,id".parse::<Sort<Column>>().is_err());
    assert!(
        "actor_id".parse::<Sort<Column>>().is_err(),
        "not sortable on the server"
    );
    let server = CannedServer::start().await;
    let client = Client::new(&server.base_url, api_support::client::Signer::None);
    assert!(matches!(
        client.list_audit_logs().prefer("30").send().await,
        Err(Error::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn every_error_status_decodes_to_the_error_wrapper() {
    let server = CannedServer::start().await;
    let client = Client::with_bearer_token(&server.base_url, "jwt").unwrap();
    for status in [400, 401, 403, 429, 500] {
        server.respond(
            status,
            json!({"http_status": status, "timestamp": "2026-11-01T12:00:00.5Z", "request_id": if status == 429 { "" } else { "9a1c4f0e-1d2b-4c3a-8e5f-6a7b8c9d0e1f" },
                   "errors": [{"context": "audit", "message": format!("status {status}")}]}),
        );
        match client.list_audit_logs().send().await {
            Err(Error::ErrorResponse(value)) => {
                assert_eq!(value.status().as_u16(), status);
                let body = value.into_inner();
                assert_eq!(body.http_status, i32::from(status));
                assert_eq!(body.errors[0].message, format!("status {status}"));
                assert_eq!(body.errors[0].context, "audit");
            }
            other => panic!("status {status}: expected a typed error, got {other:?}"),
        }
    }
}

/// The signature of a signed request, computed by an independent implementation of
/// BloodHound's documented chain (Python's `hmac`, as in SpecterOps' own example).
fn python_signature(key: &str, method: &str, uri: &str, date: &str) -> String {
    let script = r#"
import base64, hashlib, hmac, sys
key, method, uri, date = sys.argv[1:5]
d = hmac.new(key.encode(), None, hashlib.sha256); d.update(f"{method}{uri}".encode())
d = hmac.new(d.digest(), None, hashlib.sha256); d.update(date[:13].encode())
d = hmac.new(d.digest(), None, hashlib.sha256)
print(base64.b64encode(d.digest()).decode())
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, key, method, uri, date])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[tokio::test]
async fn signed_requests_carry_the_documented_hmac_chain() {
    let server = CannedServer::start().await;
    server.respond(200, logs());
    let client =
        Client::with_signed_requests(&server.base_url, "token-id-1", "token-key-1").unwrap();
    assert!(!format!("{client:?}").contains("token-key-1"));
    client
        .list_audit_logs()
        .limit(5)
        .skip(10)
        .send()
        .await
        .unwrap();

    let req = server.last();
    assert_eq!(req.header("authorization"), Some("bhesignature token-id-1"));
    let date = req
        .header("requestdate")
        .expect("a RequestDate header")
        .to_owned();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&date).is_ok(),
        "{date}"
    );
    let uri = format!("{}?{}", req.path, req.query);
    assert_eq!(
        req.header("signature"),
        Some(python_signature("token-key-1", "GET", &uri, &date).as_str())
    );
}

#[tokio::test]
async fn a_hostile_offset_ends_the_walk_instead_of_overflowing() {
    use futures::TryStreamExt;
    let server = CannedServer::start().await;
    let mut page = logs();
    page["skip"] = json!(i64::MAX);
    page["count"] = json!(i64::MAX);
    server.respond(200, page);
    let client = Client::with_bearer_token(&server.base_url, "jwt-abc").unwrap();
    let ids: Vec<i64> = client
        .list_audit_logs()
        .stream()
        .map_ok(|log| log.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [124, 123]);
}
