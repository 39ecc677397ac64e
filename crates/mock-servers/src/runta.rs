//! Runta `GET /v1/audits`: newest first, filtered by category and runtime
//! (its UUID or its display name), capped by `limit` (the SDK's default, 100,
//! when absent). There is no paging beyond the cap.

use std::collections::BTreeMap;
use std::sync::Arc;

use api_support::server::AuthError;
use runta_server::types::{
    Audit, AuditCategory, AuditPayload, EgressAuditKind, EgressAuditPayload,
    EgressHttpRequestAuditPayload, EgressIcmpDropAuditPayload, EgressTcpConnectionAuditPayload,
    ErrorBody, ErrorEnvelope, ListAuditsResponse, PublicEgressAuditAction, PublicErrorCode,
};
use runta_server::{Api, Credentials, list_audits};

use crate::sample::{Rng, instant};
use crate::{Faults, Options, check, load};

/// The SDK helper's default `limit`; the server's own default is not public.
pub const DEFAULT_LIMIT: usize = 100;

pub struct Mock {
    audits: Arc<Vec<Audit>>,
    /// Display name → runtime id.
    runtimes: BTreeMap<String, String>,
    token: String,
    faults: Faults,
}

impl Mock {
    pub fn new(options: &Options) -> anyhow::Result<Self> {
        let (audits, runtimes) = match &options.data {
            Some(path) => (load(path)?, BTreeMap::new()),
            None => sample(options.items),
        };
        let mut audits: Vec<Audit> = audits;
        audits.sort_by(|a, b| {
            b.observed_unix_ms
                .cmp(&a.observed_unix_ms)
                .then_with(|| b.id.cmp(&a.id))
        });
        Ok(Mock {
            audits: Arc::new(audits),
            runtimes,
            token: options.token.clone(),
            faults: options.faults.clone(),
        })
    }
}

/// Three runtimes with display names, and audits of every kind.
pub fn sample(n: usize) -> (Vec<Audit>, BTreeMap<String, String>) {
    let mut rng = Rng::new(0);
    let runtimes: BTreeMap<String, String> = ["sb-1", "sb-2", "build-runner"]
        .iter()
        .map(|name| (name.to_string(), rng.uuid()))
        .collect();
    let ids: Vec<&String> = runtimes.values().collect();
    let now = chrono::Utc::now();
    let audits = (0..n)
        .map(|i| {
            let action = rng
                .pick(&[
                    PublicEgressAuditAction::Allow,
                    PublicEgressAuditAction::Allow,
                    PublicEgressAuditAction::Deny,
                ])
                .clone();
            let host = rng
                .pick(&[
                    "example.com",
                    "api.github.com",
                    "pypi.org",
                    "registry.npmjs.org",
                ])
                .to_string();
            let outcome = if action == PublicEgressAuditAction::Allow {
                "ok"
            } else {
                "denied"
            }
            .to_owned();
            let reason = if action == PublicEgressAuditAction::Allow {
                "allowed by policy"
            } else {
                "host not in allow list"
            }
            .to_owned();
            let mut egress = EgressAuditPayload {
                kind: EgressAuditKind::TcpConnection,
                tcp_connection: None,
                http_request: None,
                icmp_drop: None,
            };
            match i % 3 {
                0 => {
                    egress.tcp_connection = Some(EgressTcpConnectionAuditPayload {
                        src_addr: format!(
                            "10.0.0.{}:{}",
                            2 + rng.below(20),
                            40000 + rng.below(20000)
                        ),
                        dst_addr: "93.184.216.34:443".into(),
                        host,
                        transport: "connect".into(),
                        plugin: "http_proxy".into(),
                        bytes_up: rng.below(5000) as i64,
                        bytes_down: rng.below(100_000) as i64,
                        duration_ms: rng.below(2000) as i64,
                        action,
                        outcome,
                        reason,
                        error: String::new(),
                    });
                }
                1 => {
                    egress.kind = EgressAuditKind::HttpRequest;
                    egress.http_request = Some(EgressHttpRequestAuditPayload {
                        host,
                        method: rng.pick(&["GET", "POST"]).to_string(),
                        path: "/v1/resource".into(),
                        status: *rng.pick(&[200, 201, 403, 404]),
                        bytes_up: rng.below(2000) as i64,
                        bytes_down: rng.below(50_000) as i64,
                        action,
                        outcome,
                        reason,
                        query_redacted: rng.below(2) == 0,
                    });
                }
                _ => {
                    egress.kind = EgressAuditKind::IcmpDrop;
                    let packets = 1 + rng.below(10) as i64;
                    egress.icmp_drop = Some(EgressIcmpDropAuditPayload {
                        src_ip: format!("10.0.0.{}", 2 + rng.below(20)),
                        packets,
                        bytes: packets * 84,
                        action: PublicEgressAuditAction::Deny,
                        outcome: "dropped".into(),
                        reason: "icmp is not permitted".into(),
                    });
                }
            }
            Audit {
                id: rng.uuid(),
                category: AuditCategory::Egress,
                observed_unix_ms: instant(now, i).timestamp_millis(),
                runtime_id: (*rng.pick(&ids)).clone(),
                payload: AuditPayload {
                    egress: Some(egress),
                },
            }
        })
        .collect();
    (audits, runtimes)
}

fn error(code: PublicErrorCode, message: &str) -> ErrorEnvelope {
    ErrorEnvelope {
        error: ErrorBody {
            code,
            message: message.into(),
        },
        // The `/v1/audits` servers (SDK 0.1.x) send no correlation id.
        request_id: None,
    }
}

impl Api for Mock {
    type Principal = ();

    async fn authenticate(&self, credentials: Credentials) -> Result<(), AuthError> {
        let Credentials::BearerAuth(token) = credentials;
        check(&self.token, &token)
    }

    async fn list_audits(&self, _: (), request: list_audits::Request) -> list_audits::Response {
        use list_audits::Response;
        match self.faults.next() {
            Some(429) => {
                return Response::TooManyRequests(error(
                    PublicErrorCode::RateLimited,
                    "rate limit exceeded, retry later",
                ));
            }
            Some(503) => {
                return Response::ServiceUnavailable(error(
                    PublicErrorCode::Unavailable,
                    "audit store is temporarily unavailable",
                ));
            }
            Some(status) => {
                return Response::Default(
                    api_support::server::status(status),
                    error(PublicErrorCode::Internal, "injected fault"),
                );
            }
            None => {}
        }
        let runtime = request
            .runtime
            .as_deref()
            .map(|r| self.runtimes.get(r).map(String::as_str).unwrap_or(r));
        if let Some(r) = runtime
            && !self.runtimes.is_empty()
            && !self.runtimes.values().any(|id| id == r)
        {
            return Response::NotFound(error(
                PublicErrorCode::NotFound,
                &format!("runtime {} not found", request.runtime.unwrap_or_default()),
            ));
        }
        let limit = request.limit.map_or(DEFAULT_LIMIT, |l| {
            usize::try_from(l.get()).unwrap_or(usize::MAX)
        });
        let data = self
            .audits
            .iter()
            .filter(|a| request.category.as_ref().is_none_or(|c| &a.category == c))
            .filter(|a| runtime.is_none_or(|r| a.runtime_id == r))
            .take(limit)
            .cloned()
            .collect();
        Response::Ok(ListAuditsResponse { data })
    }
}
