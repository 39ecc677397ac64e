//! BloodHound `GET /api/v2/audit`, as current builds answer it: newest first
//! unless `sort_by` gives the order (it then replaces the default), predicate
//! filters (`column=op:value`, repeated for AND) whose values are written into
//! the SQL as typed literals (a number or boolean on a text column fails with
//! 500, `null` is `IS NULL`), a `before`/`after` window (default: the last 365
//! days), and `skip`/`limit` paging (`limit=0`: no limit) with `count` = the
//! rows the filters match over all time (it ignores the window, as the
//! service's does). Each action writes an `intent` row and then a `success`
//! or `failure` row with the same `commit_id`. Fault 429 answers as the
//! current rate limiter does: plain text with `X-RateLimit-*` headers.

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

fn internal_error() -> list_audit_logs::Response {
    list_audit_logs::Response::InternalServerError(wrapper(
        500,
        "an internal error has occurred that is preventing the service from servicing this request",
    ))
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

/// How the service writes a filter value into its SQL (`BuildSQLFilter`,
/// `filterValueAsPGLiteral`): `null` as `NULL` (`eq` is `IS NULL`, `neq`
/// `IS NOT NULL`); whatever Go's `ParseInt`, `ParseFloat` or `ParseBool`
/// reads as a number or boolean literal (`123`, `1e3`, `inf`, `t`, `false`);
/// the rest as quoted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Literal {
    Null,
    Typed,
    Text,
}

fn literal(value: &str) -> Literal {
    const BOOLS: [&str; 12] = [
        "1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False",
    ];
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    // Go's hexadecimal floats (`0x1p-2`): digits, at most one point, a `p` exponent.
    let hex_float = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
        .and_then(|rest| rest.split_once(['p', 'P']))
        .is_some_and(|(mantissa, exponent)| {
            let digits = mantissa.replace('_', "");
            !digits.is_empty()
                && digits != "."
                && digits.matches('.').count() <= 1
                && digits.chars().all(|c| c == '.' || c.is_ascii_hexdigit())
                && exponent
                    .strip_prefix(['-', '+'])
                    .unwrap_or(exponent)
                    .parse::<u32>()
                    .is_ok()
        });
    if value == "null" {
        Literal::Null
    } else if value.parse::<f64>().is_ok() || hex_float || BOOLS.contains(&value) {
        Literal::Typed
    } else {
        Literal::Text
    }
}

/// Text filters compare the stored text with the whole filter value; `Err`:
/// a value the service writes as a number or boolean, which a text column
/// cannot be compared with (the service fails with 500).
fn texts<O>(predicates: &Option<Vec<Predicate<FilterText, O>>>, value: &str) -> Result<bool, ()> {
    let Some(predicates) = predicates else {
        return Ok(true);
    };
    let mut all = true;
    for p in predicates {
        let neq = matches!(p.operator(), api_support::Operator::Neq);
        let holds = match literal(p.value().as_str()) {
            Literal::Typed => return Err(()),
            // The stored columns are never NULL.
            Literal::Null => neq,
            Literal::Text => (p.value().as_str() == value) != neq,
        };
        all &= holds;
    }
    Ok(all)
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
            Credentials::JwtBearerToken(token) => check(&self.token, &token)
                .map_err(|_| AuthError::new("Token Authorization failed.")),
            // The token key is the configured token; the id must match too.
            Credentials::SignedRequest(signed) if signed.token_id != self.token_id => {
                Err(AuthError::new(
                    "unable to validate request signature for client: resource not found",
                ))
            }
            Credentials::SignedRequest(signed) => signed
                .check_at(&self.token, Utc::now())
                .map_err(AuthError::new),
        }
    }

    async fn list_audit_logs(
        &self,
        _: (),
        r: list_audit_logs::Request,
    ) -> list_audit_logs::Response {
        use list_audit_logs::Response;
        match self.faults.next() {
            // The rate limiter (`ulule/limiter`'s default handler, after authentication).
            Some(429) => {
                let reset = Utc::now().timestamp() + 1;
                return Response::TooManyRequestsText(
                    "Limit exceeded\n".into(),
                    list_audit_logs::TooManyRequestsHeaders {
                        x_rate_limit_limit: Some(55),
                        x_rate_limit_remaining: Some(0),
                        x_rate_limit_reset: Some(reset),
                    },
                );
            }
            Some(403) => return Response::Forbidden(wrapper(403, "you are not authorized")),
            Some(_) => return internal_error(),
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
        let text_filters = [
            (&r.actor_id, "actor_id"),
            (&r.actor_name, "actor_name"),
            (&r.actor_email, "actor_email"),
            (&r.action, "action"),
            (&r.request_id, "request_id"),
            (&r.source_ip_address, "source_ip_address"),
        ];
        let mut matching: Vec<&AuditLog> = Vec::new();
        for l in self.logs.iter() {
            let mut texts_hold = true;
            for (predicates, column) in &text_filters {
                match texts(predicates, &text(l, column)) {
                    Ok(holds) => texts_hold &= holds,
                    Err(()) => return internal_error(),
                }
            }
            if texts_hold
                && all(&r.id, &l.id)
                && all(&r.created_at, &l.created_at)
                && all(&r.status, &l.status)
            {
                matching.push(l);
            }
        }
        let count = matching.len();
        let mut rows: Vec<&AuditLog> = matching
            .into_iter()
            .filter(|l| l.created_at < before && l.created_at > after)
            .collect();
        // Newest first (the stored order) unless `sort_by` gives the order:
        // current builds use `created_at desc` only as the default.
        if let Some(keys) = &r.sort_by {
            rows.sort_by(|a, b| {
                keys.iter()
                    .map(|k| {
                        if k.descending {
                            compare(b, a, k.column.as_str())
                        } else {
                            compare(a, b, k.column.as_str())
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
