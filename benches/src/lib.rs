//! Shared pieces of the benchmarks: a Cloud Foundry page of realistic events,
//! and the two servers compared under load (the generated router and a
//! hand-written axum handler answering the same bytes).

use api_support::server::AuthError;
use cloud_foundry_server::types::{AuditEvent, AuditEventList, Link, Pagination};
use cloud_foundry_server::{Api, Credentials, list_audit_events};

/// `n` realistic events, as the mock generates them.
pub fn events(n: usize) -> Vec<AuditEvent> {
    mock_servers::cloud_foundry::sample(n, "http://127.0.0.1:8080")
}

/// A one-page list of `n` events.
pub fn page(n: usize) -> AuditEventList {
    let link = Link {
        href: "http://127.0.0.1:8080/v3/audit_events?page=1&per_page=50".into(),
        method: None,
    };
    AuditEventList {
        pagination: Pagination {
            total_results: n as i64,
            total_pages: 1,
            first: link.clone(),
            last: link,
            next: None,
            previous: None,
        },
        resources: events(n),
    }
}

/// The generated stub, answering every valid request with the same page.
#[derive(Clone)]
pub struct Fixed(pub std::sync::Arc<AuditEventList>);

impl Api for Fixed {
    type Principal = ();

    async fn authenticate(&self, credentials: Credentials) -> Result<(), AuthError> {
        if credentials.secret().is_some_and(|s| s.expose() == "bench") {
            Ok(())
        } else {
            Err(AuthError::new("Invalid Auth Token"))
        }
    }

    async fn list_audit_events(
        &self,
        _: (),
        _: list_audit_events::Request,
    ) -> list_audit_events::Response {
        list_audit_events::Response::Ok((*self.0).clone())
    }
}

/// The generated router serving [`Fixed`].
pub fn generated(page: AuditEventList) -> axum::Router {
    cloud_foundry_server::router(Fixed(std::sync::Arc::new(page)))
}

/// The baseline: a hand-written axum handler serialising the same page, with no validation or auth.
pub fn handwritten(page: AuditEventList) -> axum::Router {
    let page = std::sync::Arc::new(page);
    axum::Router::new().route(
        "/v3/audit_events",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::Json((*page).clone()) }
        }),
    )
}
