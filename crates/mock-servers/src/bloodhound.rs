//! BloodHound `GET /api/v2/audit`: always newest first (`sort_by` only
//! orders rows that share a timestamp), predicate filters (`column=op:value`,
//! repeated for AND), a `before`/`after` window (default: the last 365
//! days), and `skip`/`limit` paging (`limit=0`: no limit) with `count` = the
//! rows the filters match over all time (it ignores the window, as the
//! service's does). Each action writes an `intent` row and then a `success`
//! or `failure` row with the same `commit_id`.

use std::cmp::Ordering;
use std::sync::Arc;

use api_support::server::AuthError;
use api_support::{Predicate, Timestamp};
use bloodhound_server::types::{
    AuditLog, AuditLogStatus, AuditLogsData, ErrorDetail, ErrorWrapper, FilterText,
    ListAuditLogsResponse,
};
use bloodhound_server::{Api, Credentials, list_audit_logs};
use chrono::{Duration, Utc};

use crate::sample::{Rng, instant};
use crate::{Faults, Options, check, load};

pub struct Mock {
    logs: Arc<Vec<AuditLog>>,
    token: String,
    token_id: String,
    faults: Faults,
}

impl Mock {
    pub fn new(options: &Options) -> anyhow::Result<Self> {
        let mut logs = match &options.data {
            Some(path) => load(path)?,
            None => sample(options.items),
        };
        // Kept in the default order (newest first, then by id), so a request
        // without `sort_by` needs no sorting.
        logs.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        Ok(Mock {
            logs: Arc::new(logs),
            token: options.token.clone(),
            token_id: options.token_id.clone(),
            faults: options.faults.clone(),
        })
    }
}

pub fn sample(n: usize) -> Vec<AuditLog> {
    let mut rng = Rng::new(2);
    let now = Utc::now();
    let actors = [
        ("admin", "admin@example.com"),
        ("alice", "alice@example.com"),
        ("bob", "bob@example.com"),
    ];
    let actions = [
        "LoginAttempt",
        "CreateAuthToken",
        "UpdateUser",
        "DeleteAssetGroupSelector",
        "ExportAllRisks",
    ];
    let mut logs = Vec::with_capacity(n);
    let mut i = 0;
    while logs.len() < n {
        let (name, email) = *rng.pick(&actors);
        let action = rng.pick(&actions).to_string();
        let actor_id = rng.uuid();
        let commit = rng.uuid();
        let request = rng.uuid();
        let outcome = if rng.below(5) == 0 {
            AuditLogStatus::Failure
        } else {
            AuditLogStatus::Success
        };
        for status in [AuditLogStatus::Intent, outcome] {
            if logs.len() == n {
                break;
            }
            let id = (logs.len() + 1) as i64;
            logs.push(AuditLog {
                id,
                created_at: Timestamp::from(instant(now, n - logs.len())),
                actor_id: actor_id.clone(),
                actor_name: name.into(),
                actor_email: email.into(),
                action: action.clone(),
                // Rows the request-audit middleware writes have no fields: `null` on the wire.
                fields: (i % 4 != 3).then(|| {
                    serde_json::Map::from_iter([("sequence".to_owned(), serde_json::json!(i))])
                }),
                request_id: request.parse().unwrap_or_default(),
                source_ip_address: "10.0.0.5".into(),
                commit_id: commit.parse().unwrap_or_default(),
                status,
            });
        }
        i += 1;
    }
    logs
}

fn wrapper(status: i32, message: &str) -> ErrorWrapper {
    ErrorWrapper {
        http_status: status,
        timestamp: Timestamp::from(Utc::now()),
        request_id: String::new(),
        errors: vec![ErrorDetail {
            context: String::new(),
            message: message.into(),
        }],
    }
}

/// Every predicate (they AND) holds for `value`.
fn all<T: PartialOrd, O>(predicates: &Option<Vec<Predicate<T, O>>>, value: &T) -> bool {
    predicates
        .as_ref()
        .is_none_or(|ps| ps.iter().all(|p| p.matches(value)))
}

/// Text filters compare the stored text with the whole filter value.
fn texts<O>(predicates: &Option<Vec<Predicate<FilterText, O>>>, value: &str) -> bool {
    predicates.as_ref().is_none_or(|ps| {
        ps.iter().all(|p| {
            let equal = p.value().as_str() == value;
            match p.operator() {
                api_support::Operator::Neq => !equal,
                _ => equal,
            }
        })
    })
}

fn text(log: &AuditLog, column: &str) -> String {
    match column {
        "actor_id" => log.actor_id.clone(),
        "actor_name" => log.actor_name.clone(),
        "actor_email" => log.actor_email.clone(),
        "action" => log.action.clone(),
        "request_id" => log.request_id.to_string(),
        "source_ip_address" => log.source_ip_address.clone(),
        "status" => log.status.to_string(),
        _ => String::new(),
    }
}

fn compare(a: &AuditLog, b: &AuditLog, column: &str) -> Ordering {
    match column {
        "id" => a.id.cmp(&b.id),
        "created_at" => a.created_at.cmp(&b.created_at),
        other => text(a, other).cmp(&text(b, other)),
    }
}

impl Api for Mock {
    type Principal = ();

    async fn authenticate(&self, credentials: Credentials) -> Result<(), AuthError> {
        match credentials {
            Credentials::JwtBearerToken(token) => check(&self.token, &token),
            // The token key is the configured token; the id must match too.
            Credentials::SignedRequest(signed)
                if signed.token_id == self.token_id && signed.verify(&self.token) =>
            {
                Ok(())
            }
            Credentials::SignedRequest(_) => {
                Err(AuthError::new("Could not validate the request signature"))
            }
        }
    }

    async fn list_audit_logs(
        &self,
        _: (),
        r: list_audit_logs::Request,
    ) -> list_audit_logs::Response {
        use list_audit_logs::Response;
        match self.faults.next() {
            Some(429) => {
                return Response::TooManyRequests(wrapper(429, "you have exceeded the rate limit"));
            }
            Some(403) => return Response::Forbidden(wrapper(403, "you are not authorized")),
            Some(_) => {
                return Response::InternalServerError(wrapper(
                    500,
                    "an internal error has occurred",
                ));
            }
            None => {}
        }
        let before = r.before.unwrap_or_else(|| Timestamp::from(Utc::now()));
        let after = r.after.unwrap_or_else(|| {
            // The earliest `before` still has a year before it (checked, never a panic).
            let year_before = before
                .into_inner()
                .checked_sub_signed(Duration::days(365))
                .unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
            Timestamp::from(year_before)
        });
        // `count` counts the rows the predicate filters match over all time; the
        // page holds those inside the `before`/`after` window (`database/audit.go`).
        let matching: Vec<&AuditLog> = self
            .logs
            .iter()
            .filter(|l| {
                all(&r.id, &l.id)
                    && all(&r.created_at, &l.created_at)
                    && texts(&r.actor_id, &l.actor_id)
                    && texts(&r.actor_name, &l.actor_name)
                    && texts(&r.actor_email, &l.actor_email)
                    && texts(&r.action, &l.action)
                    && (r.request_id.is_none() || texts(&r.request_id, &l.request_id.to_string()))
                    && texts(&r.source_ip_address, &l.source_ip_address)
                    && all(&r.status, &l.status)
            })
            .collect();
        let count = matching.len();
        let mut rows: Vec<&AuditLog> = matching
            .into_iter()
            .filter(|l| l.created_at < before && l.created_at > after)
            .collect();
        // Newest first, always: `sort_by` only orders rows that share a timestamp.
        let sort: Vec<(bool, &str)> = std::iter::once((true, "created_at"))
            .chain(match &r.sort_by {
                Some(keys) => keys
                    .iter()
                    .map(|k| (k.descending, k.column.as_str()))
                    .collect::<Vec<_>>(),
                None => vec![(true, "id")],
            })
            .collect();
        if r.sort_by.is_some() {
            rows.sort_by(|a, b| {
                sort.iter()
                    .map(|(desc, column)| {
                        if *desc {
                            compare(b, a, column)
                        } else {
                            compare(a, b, column)
                        }
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            });
        }
        let skip = r.skip.or(r.offset).unwrap_or(0).max(0) as usize;
        let limit = r.limit.max(0) as usize;
        // `limit=0` means no limit (`database/pagination.go`); the answer still echoes 0.
        let take = if limit == 0 { usize::MAX } else { limit };
        let logs = rows.into_iter().skip(skip).take(take).cloned().collect();
        Response::Ok(ListAuditLogsResponse {
            count: count as i64,
            limit: limit as i64,
            skip: skip as i64,
            data: AuditLogsData { logs },
            start: None,
            end: None,
        })
    }
}
