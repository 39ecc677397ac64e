//! InstaVM `GET /v1/audit/events`: newest first, exact-match filters, and an
//! opaque cursor: `next_cursor` is set while more events follow and `null`
//! on the last page; every filter must be sent again with the cursor.

use std::sync::Arc;

use api_support::server::AuthError;
use instavm_server::types::{
    AuditEventListResponse, AuditEventResponse, HttpError, HttpValidationError, LocationItem,
    ValidationError,
};
use instavm_server::{Api, Credentials, list_audit_events};

use crate::sample::{Rng, instant};
use crate::{Faults, Options, check, load};

pub struct Mock {
    events: Arc<Vec<AuditEventResponse>>,
    token: String,
    faults: Faults,
}

impl Mock {
    pub fn new(options: &Options) -> anyhow::Result<Self> {
        let mut events: Vec<AuditEventResponse> = match &options.data {
            Some(path) => load(path)?,
            None => sample(options.items),
        };
        events.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        Ok(Mock {
            events: Arc::new(events),
            token: options.token.clone(),
            faults: options.faults.clone(),
        })
    }
}

pub fn sample(n: usize) -> Vec<AuditEventResponse> {
    let mut rng = Rng::new(1);
    let now = chrono::Utc::now();
    let kinds = [
        ("vm", "vm.created"),
        ("vm", "vm.terminated"),
        ("execution", "execution.completed"),
        ("execution", "execution.failed"),
        ("snapshot", "snapshot.created"),
    ];
    (0..n)
        .map(|i| {
            let (group, event_type) = *rng.pick(&kinds);
            let status = if event_type.ends_with("failed") {
                "failure"
            } else {
                *rng.pick(&["success", "success", "denied"])
            };
            let vm = format!("vm-{}", 1 + rng.below(5));
            let user = 40 + rng.below(3) as i64;
            AuditEventResponse {
                id: format!("evt_{:06}", n - i),
                created_at: instant(now, i).into(),
                user_id: Some(user),
                actor_type: "api_key".into(),
                actor_id: Some(format!("key_{user}")),
                source: "api".into(),
                event_group: group.into(),
                event_type: event_type.into(),
                status: status.into(),
                resource_type: Some("vm".into()),
                resource_id: Some(vm.clone()),
                session_id: (group == "execution").then(|| format!("s-{}", rng.below(4))),
                vm_id: Some(vm),
                task_id: None,
                request_id: Some(rng.uuid()),
                correlation_id: None,
                http_method: Some("POST".into()),
                path: Some("/v1/execute".into()),
                http_status: Some(if status == "success" { 200 } else { 403 }),
                latency_ms: Some(rng.below(5000) as f64 / 10.0),
                ip_address: Some("203.0.113.9".into()),
                user_agent: Some("instavm-python/0.26.1".into()),
                node_ip: None,
                worker_id: None,
                event_payload: Some(serde_json::json!({"sequence": n - i})),
                error_message: (status == "failure").then(|| "execution exited with code 1".into()),
            }
        })
        .collect()
}

/// Cursors are opaque to clients: the hex of the last returned event's id.
fn encode_cursor(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(cursor: &str) -> Option<String> {
    if !cursor.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

fn detail(message: &str) -> HttpError {
    HttpError {
        detail: message.into(),
    }
}

impl Api for Mock {
    type Principal = ();

    async fn authenticate(&self, credentials: Credentials) -> Result<(), AuthError> {
        match credentials {
            Credentials::ApiKeyHeader(key) | Credentials::OAuth2PasswordBearer(key) => {
                check(&self.token, &key)
            }
        }
    }

    async fn list_audit_events(
        &self,
        _: (),
        r: list_audit_events::Request,
    ) -> list_audit_events::Response {
        use list_audit_events::Response;
        match self.faults.next() {
            Some(429) => return Response::TooManyRequests(detail("Rate limit exceeded")),
            Some(403) => return Response::Forbidden(detail("Not enough permissions")),
            Some(_) | None => {}
        }
        let after = match r
            .cursor
            .as_deref()
            .map(|c| decode_cursor(c).filter(|id| self.events.iter().any(|e| &e.id == id)))
        {
            None => None,
            Some(Some(id)) => Some(id),
            Some(None) => {
                return Response::UnprocessableEntity(HttpValidationError {
                    detail: vec![ValidationError {
                        loc: vec![
                            LocationItem::String("query".into()),
                            LocationItem::String("cursor".into()),
                        ],
                        msg: "Value error, invalid cursor".into(),
                        type_: "value_error".into(),
                        input: r.cursor.clone().map(serde_json::Value::String),
                        ctx: Default::default(),
                        url: None,
                    }],
                });
            }
        };
        let matches = |e: &&AuditEventResponse| {
            r.event_group.as_ref().is_none_or(|v| &e.event_group == v)
                && r.event_type.as_ref().is_none_or(|v| &e.event_type == v)
                && r.status.as_ref().is_none_or(|v| &e.status == v)
                && r.user_id.is_none_or(|v| e.user_id == Some(v))
                && r.vm_id.as_ref().is_none_or(|v| e.vm_id.as_ref() == Some(v))
                && r.session_id
                    .as_ref()
                    .is_none_or(|v| e.session_id.as_ref() == Some(v))
        };
        let start = after
            .and_then(|id| self.events.iter().position(|e| e.id == id))
            .map_or(0, |p| p + 1);
        let limit = usize::try_from(r.limit.get()).unwrap_or(usize::MAX);
        let mut rest = self.events[start..].iter().filter(matches);
        let items: Vec<AuditEventResponse> = rest.by_ref().take(limit).cloned().collect();
        let more = rest.next().is_some();
        let next_cursor = if more {
            items.last().map(|e| encode_cursor(&e.id))
        } else {
            None
        };
        Response::Ok(AuditEventListResponse { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(
            super::decode_cursor(&super::encode_cursor("evt_000042")).as_deref(),
            Some("evt_000042")
        );
        assert_eq!(super::decode_cursor("zz"), None);
        assert_eq!(super::decode_cursor("abc"), None);
    }
}
