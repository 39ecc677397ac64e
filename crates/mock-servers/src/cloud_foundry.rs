//! Cloud Foundry `GET /v3/audit_events`: list filters are OR'd within a
//! parameter and AND'd across parameters, `target_guids[not]` excludes,
//! timestamps filter by equality lists or `[lt|lte|gt|gte]` to the whole
//! second, `guids` picks events, `order_by` sorts (without it the events keep
//! their stored order, as the service orders by `id`), and `page`/`per_page`
//! page with `first`/`last`/`next`/`previous` links that repeat every filter
//! (and `order_by` signed: `%2Bcreated_at`). Fault 429 answers as the
//! service's rate limiter does, with `Retry-After`; fault 502 as the Cloud
//! Controller does when UAA is unreachable (`CF-UaaUnavailable`, without a
//! `Content-Type`).

use std::sync::Arc;

use api_support::server::AuthError;
use api_support::{Timestamp, TimestampSeconds};
use cloud_foundry_server::types::{
    AuditEvent, AuditEventActor, AuditEventLinks, AuditEventList, AuditEventTarget, CfError,
    ErrorList, GuidRef, Link, Pagination,
};
use cloud_foundry_server::{Api, Credentials, list_audit_events};

use crate::sample::{Rng, instant};
use crate::{Faults, Options, check, load};

pub struct Mock {
    events: Arc<Vec<AuditEvent>>,
    token: String,
    base_url: String,
    faults: Faults,
}

impl Mock {
    pub fn new(options: &Options) -> anyhow::Result<Self> {
        let events = match &options.data {
            Some(path) => load(path)?,
            None => sample(options.items, &options.base_url),
        };
        Ok(Mock {
            events: Arc::new(events),
            token: options.token.clone(),
            base_url: options.base_url.clone(),
            faults: options.faults.clone(),
        })
    }
}

pub fn sample(n: usize, base_url: &str) -> Vec<AuditEvent> {
    let mut rng = Rng::new(3);
    let now = chrono::Utc::now();
    let orgs: Vec<String> = (0..2).map(|_| rng.uuid()).collect();
    let spaces: Vec<(String, String)> = (0..4).map(|i| (rng.uuid(), orgs[i % 2].clone())).collect();
    let apps: Vec<(String, &str, usize)> = ["billing", "frontend", "worker", "reports", "gateway"]
        .iter()
        .enumerate()
        .map(|(i, n)| (rng.uuid(), *n, i % 4))
        .collect();
    let users = [("admin", rng.uuid()), ("ci-bot", rng.uuid())];
    let types = [
        "audit.app.update",
        "audit.app.start",
        "audit.app.stop",
        "audit.app.restage",
        "audit.app.process.crash",
    ];
    (0..n)
        .map(|i| {
            let created = instant(now, n - 1 - i);
            let guid = rng.uuid();
            let links = AuditEventLinks {
                self_: Link {
                    href: format!("{base_url}/v3/audit_events/{guid}"),
                    method: None,
                },
            };
            if i % 10 == 9 {
                // Foundation-level events have neither space nor organization.
                return AuditEvent {
                    guid,
                    created_at: created.into(),
                    updated_at: created.into(),
                    type_: "blob.remove_orphan".into(),
                    actor: Some(AuditEventActor {
                        guid: "system".into(),
                        type_: "system".into(),
                        name: None,
                    }),
                    target: Some(AuditEventTarget {
                        guid: format!("droplets/{}", rng.uuid()),
                        type_: "blob".into(),
                        name: None,
                    }),
                    data: Default::default(),
                    space: None,
                    organization: None,
                    links,
                };
            }
            let (app, app_name, space) = rng.pick(&apps).clone();
            let (user, user_guid) = rng.pick(&users).clone();
            let updated = created + chrono::Duration::seconds(rng.below(3) as i64);
            AuditEvent {
                guid,
                created_at: created.into(),
                updated_at: updated.into(),
                type_: rng.pick(&types).to_string(),
                actor: Some(AuditEventActor {
                    guid: user_guid,
                    type_: "user".into(),
                    name: Some(user.into()),
                }),
                target: Some(AuditEventTarget {
                    guid: app,
                    type_: "app".into(),
                    name: Some(app_name.into()),
                }),
                data: serde_json::Map::from_iter([(
                    "request".to_owned(),
                    serde_json::json!({"state": "STARTED"}),
                )]),
                space: Some(GuidRef {
                    guid: spaces[space].0.clone(),
                }),
                organization: Some(GuidRef {
                    guid: spaces[space].1.clone(),
                }),
                links,
            }
        })
        .collect()
}

/// What the Cloud Controller's answers carry beyond the stub's: its 502
/// (UAA unreachable) names the header `'Content-Type:'`, which is no valid
/// header name, so the body arrives without a `Content-Type`.
pub async fn wire(mut response: axum::response::Response) -> axum::response::Response {
    if response.status() == axum::http::StatusCode::BAD_GATEWAY {
        response
            .headers_mut()
            .remove(axum::http::header::CONTENT_TYPE);
    }
    response
}

fn errors(code: i64, title: &str, detail: &str) -> ErrorList {
    ErrorList {
        errors: vec![CfError {
            code,
            title: title.into(),
            detail: detail.into(),
        }],
    }
}

fn in_list(list: &Option<Vec<String>>, value: Option<&str>) -> bool {
    list.as_ref()
        .is_none_or(|l| value.is_some_and(|v| l.iter().any(|x| x == v)))
}

/// The service compares whole seconds: `lte t` is `<= t + 0.999999`, equality matches the second.
fn in_range(
    t: &Timestamp,
    eq: &Option<Vec<TimestampSeconds>>,
    lt: Option<TimestampSeconds>,
    lte: Option<TimestampSeconds>,
    gt: Option<TimestampSeconds>,
    gte: Option<TimestampSeconds>,
) -> bool {
    let t = &TimestampSeconds::from(*t);
    eq.as_ref().is_none_or(|l| l.contains(t))
        && lt.is_none_or(|b| *t < b)
        && lte.is_none_or(|b| *t <= b)
        && gt.is_none_or(|b| *t > b)
        && gte.is_none_or(|b| *t >= b)
}

/// The query string of a page link: every filter the request had, in a fixed order.
fn query(r: &list_audit_events::Request, page: u64) -> String {
    let mut pairs: Vec<(String, String)> = vec![
        ("page".into(), page.to_string()),
        ("per_page".into(), r.per_page.to_string()),
    ];
    let list = |v: &Option<Vec<String>>| v.as_ref().map(|l| l.join(","));
    let times = |v: &Option<Vec<TimestampSeconds>>| {
        v.as_ref().map(|l| {
            l.iter()
                .map(TimestampSeconds::to_string)
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    let one = |v: &Option<TimestampSeconds>| v.as_ref().map(TimestampSeconds::to_string);
    // The service echoes an ascending order with its sign (`order_by_mapper.rb`).
    let order = r.order_by.as_ref().map(|o| {
        let o = o.to_string();
        if o.starts_with(['+', '-']) {
            o
        } else {
            format!("+{o}")
        }
    });
    let optional = [
        ("order_by", order),
        ("guids", list(&r.guids)),
        ("types", list(&r.types)),
        ("target_guids", list(&r.target_guids)),
        ("target_guids[not]", list(&r.target_guids_not)),
        ("space_guids", list(&r.space_guids)),
        ("organization_guids", list(&r.organization_guids)),
        ("created_ats", times(&r.created_ats)),
        ("created_ats[lt]", one(&r.created_ats_lt)),
        ("created_ats[lte]", one(&r.created_ats_lte)),
        ("created_ats[gt]", one(&r.created_ats_gt)),
        ("created_ats[gte]", one(&r.created_ats_gte)),
        ("updated_ats", times(&r.updated_ats)),
        ("updated_ats[lt]", one(&r.updated_ats_lt)),
        ("updated_ats[lte]", one(&r.updated_ats_lte)),
        ("updated_ats[gt]", one(&r.updated_ats_gt)),
        ("updated_ats[gte]", one(&r.updated_ats_gte)),
    ];
    pairs.extend(
        optional
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v))),
    );
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

impl Api for Mock {
    type Principal = ();

    async fn authenticate(&self, credentials: Credentials) -> Result<(), AuthError> {
        let Credentials::BearerAuth(token) = credentials;
        check(&self.token, &token).map_err(|_| AuthError::new("Invalid Auth Token"))
    }

    async fn list_audit_events(
        &self,
        _: (),
        r: list_audit_events::Request,
    ) -> list_audit_events::Response {
        use list_audit_events::Response;
        match self.faults.next() {
            Some(429) => {
                return Response::TooManyRequests(
                    errors(10013, "CF-RateLimitExceeded", "Rate Limit Exceeded"),
                    list_audit_events::TooManyRequestsHeaders {
                        retry_after: Some(1),
                        ..Default::default()
                    },
                );
            }
            Some(503) => {
                return Response::ServiceUnavailable(errors(
                    10015,
                    "CF-ServiceUnavailable",
                    "Database connection failure",
                ));
            }
            Some(502) => {
                return Response::BadGateway(errors(
                    20004,
                    "CF-UaaUnavailable",
                    "The UAA service is currently unavailable",
                ));
            }
            Some(403) => {
                return Response::Forbidden(errors(
                    10003,
                    "CF-NotAuthorized",
                    "You are not authorized to perform the requested action",
                ));
            }
            Some(_) => {
                return Response::InternalServerError(errors(
                    10001,
                    "UnknownError",
                    "An unknown error occurred.",
                ));
            }
            None => {}
        }
        let mut events: Vec<&AuditEvent> = self
            .events
            .iter()
            .filter(|e| in_list(&r.guids, Some(&e.guid)))
            .filter(|e| in_list(&r.types, Some(&e.type_)))
            .filter(|e| in_list(&r.target_guids, e.target.as_ref().map(|t| t.guid.as_str())))
            .filter(|e| {
                r.target_guids_not
                    .as_ref()
                    .is_none_or(|not| e.target.as_ref().is_none_or(|t| !not.contains(&t.guid)))
            })
            .filter(|e| in_list(&r.space_guids, e.space.as_ref().map(|s| s.guid.as_str())))
            .filter(|e| {
                in_list(
                    &r.organization_guids,
                    e.organization.as_ref().map(|o| o.guid.as_str()),
                )
            })
            .filter(|e| {
                in_range(
                    &e.created_at,
                    &r.created_ats,
                    r.created_ats_lt,
                    r.created_ats_lte,
                    r.created_ats_gt,
                    r.created_ats_gte,
                )
            })
            .filter(|e| {
                in_range(
                    &e.updated_at,
                    &r.updated_ats,
                    r.updated_ats_lt,
                    r.updated_ats_lte,
                    r.updated_ats_gt,
                    r.updated_ats_gte,
                )
            })
            .collect();
        // Without `order_by` the service orders by `id`: the stored order here.
        match r.order_by.as_ref().map(|o| o.to_string()) {
            None => {}
            Some(o) => {
                let descending = o.starts_with('-');
                let by_update = o.ends_with("updated_at");
                events.sort_by(|a, b| {
                    let (a, b) = if descending { (b, a) } else { (a, b) };
                    let (ta, tb) = if by_update {
                        (a.updated_at, b.updated_at)
                    } else {
                        (a.created_at, b.created_at)
                    };
                    ta.cmp(&tb).then(a.guid.cmp(&b.guid))
                });
            }
        }
        let total = events.len() as u64;
        let (page, per_page) = (r.page.get(), r.per_page.get());
        let total_pages = total.div_ceil(per_page);
        let link = |page: u64| Link {
            href: format!("{}/v3/audit_events?{}", self.base_url, query(&r, page)),
            method: None,
        };
        // A page past the end, however large its number, is empty (never an overflow).
        let start = (page - 1)
            .checked_mul(per_page)
            .and_then(|start| usize::try_from(start).ok())
            .unwrap_or(usize::MAX);
        let resources = events
            .into_iter()
            .skip(start)
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .cloned()
            .collect();
        Response::Ok(AuditEventList {
            pagination: Pagination {
                total_results: total as i64,
                total_pages: total_pages as i64,
                first: link(1),
                last: link(total_pages.max(1)),
                next: (page < total_pages).then(|| link(page + 1)),
                previous: (page > 1).then(|| link(page - 1)),
            },
            resources,
        })
    }
}
