//! Uses one generated client against one generated server, from outside the workspace.

#[cfg(test)]
mod tests {
    use api_support::server::AuthError;
    use cloud_foundry_server::types::{AuditEventList, Link, Pagination};
    use cloud_foundry_server::{Api, Credentials, list_audit_events};
    use futures::TryStreamExt;

    struct Empty;

    impl Api for Empty {
        type Principal = ();

        async fn authenticate(&self, credentials: Credentials) -> Result<(), AuthError> {
            if credentials.secret().is_some_and(|s| s.expose() == "t") { Ok(()) } else { Err(AuthError::new("no")) }
        }

        async fn list_audit_events(&self, _: (), request: list_audit_events::Request) -> list_audit_events::Response {
            let link = Link { href: format!("/v3/audit_events?page=1&per_page={}", request.per_page), method: None };
            list_audit_events::Response::Ok(AuditEventList {
                pagination: Pagination { total_results: 0, total_pages: 0, first: link.clone(), last: link, next: None, previous: None },
                resources: vec![],
            })
        }
    }

    #[tokio::test]
    async fn a_client_talks_to_a_server() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, cloud_foundry_server::router(Empty)).await.unwrap() });
        let client = cloud_foundry_client::Client::with_bearer_token(&url, "t").unwrap();
        let events: Vec<cloud_foundry_client::types::AuditEvent> = client.list_audit_events().per_page(10u64).stream().try_collect().await.unwrap();
        assert!(events.is_empty());
        let refused = cloud_foundry_client::Client::with_bearer_token(&url, "x").unwrap().list_audit_events().send().await;
        assert_eq!(refused.unwrap_err().status().map(|s| s.as_u16()), Some(401));
    }
}
