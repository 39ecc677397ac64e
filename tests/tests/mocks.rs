//! The mock servers behave like the real services: filtering, ordering,
//! paging and fault injection, driven through the generated clients.

use std::collections::BTreeSet;

use mock_servers::{DEFAULT_TOKEN, Options, Service, start};

fn options(items: usize) -> Options {
    Options {
        items,
        ..Options::default()
    }
}

#[tokio::test]
async fn runta_filters_by_runtime_name_or_id_newest_first_capped_by_limit() {
    let mock = start(Service::Runta, options(30)).await.unwrap();
    let client = runta_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let all = client.list_audits().send().await.unwrap().into_inner().data;
    assert_eq!(all.len(), 30);
    assert!(
        all.windows(2)
            .all(|w| w[0].observed_unix_ms >= w[1].observed_unix_ms),
        "newest first"
    );

    let by_name = client
        .list_audits()
        .runtime("sb-1")
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert!(!by_name.is_empty() && by_name.len() < 30);
    let id = by_name[0].runtime_id.clone();
    assert!(by_name.iter().all(|a| a.runtime_id == id));
    let by_id = client
        .list_audits()
        .runtime(id.as_str())
        .send()
        .await
        .unwrap()
        .into_inner()
        .data;
    assert_eq!(by_id, by_name);

    assert_eq!(
        client
            .list_audits()
            .limit(5u64)
            .send()
            .await
            .unwrap()
            .into_inner()
            .data,
        all[..5]
    );
    match client.list_audits().runtime("nope").send().await {
        Err(runta_client::Error::ErrorResponse(e)) => assert_eq!(e.status().as_u16(), 404),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn instavm_walks_by_opaque_cursor_keeping_filters() {
    let mock = start(Service::Instavm, options(57)).await.unwrap();
    let client = instavm_client::Client::with_api_key(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let everything = client
        .list_audit_events()
        .limit(200u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(everything.next_cursor.is_none());
    let vm_events: Vec<_> = everything
        .items
        .iter()
        .filter(|e| e.event_group == "vm")
        .map(|e| e.id.clone())
        .collect();
    assert!(
        everything
            .items
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );

    for page_size in [1u64, 7, 50] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut request = client
                .list_audit_events()
                .event_group("vm")
                .limit(page_size);
            if let Some(c) = &cursor {
                request = request.cursor(c.clone());
            }
            let page = request.send().await.unwrap().into_inner();
            assert!(page.items.len() as u64 <= page_size);
            assert!(
                page.items.iter().all(|e| e.event_group == "vm"),
                "the filter is kept across pages"
            );
            seen.extend(page.items.into_iter().map(|e| e.id));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(
            seen, vm_events,
            "page size {page_size}: no event lost or repeated"
        );
    }

    let empty = client
        .list_audit_events()
        .event_type("no.such.event")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(empty.items.is_empty() && empty.next_cursor.is_none());
    match client
        .list_audit_events()
        .cursor("not-a-cursor")
        .send()
        .await
    {
        Err(instavm_client::Error::ErrorResponse(e)) => assert_eq!(e.status().as_u16(), 422),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn bloodhound_filters_sorts_and_pages_with_count() {
    use api_support::{Predicate, Sort};
    use bloodhound_client::types::{AuditLogStatus, ListAuditLogsSortByColumn as Column};
    let mock = start(Service::Bloodhound, options(40)).await.unwrap();
    let client =
        bloodhound_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let all = client.list_audit_logs().send().await.unwrap().into_inner();
    assert_eq!(
        (all.count, all.limit, all.skip, all.data.logs.len()),
        (40, 1000, 0, 40)
    );
    assert!(
        all.data
            .logs
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at),
        "LIFO by default"
    );
    let intents = all
        .data
        .logs
        .iter()
        .filter(|l| l.status == AuditLogStatus::Intent);
    for intent in intents {
        assert!(
            all.data
                .logs
                .iter()
                .any(|l| l.commit_id == intent.commit_id && l.status != AuditLogStatus::Intent)
                || intent.id == 40
        );
    }

    let success = vec![Predicate::eq(AuditLogStatus::Success)];
    let page = client
        .list_audit_logs()
        .status(success)
        .skip(2)
        .limit(3)
        .send()
        .await
        .unwrap()
        .into_inner();
    let successes = all
        .data
        .logs
        .iter()
        .filter(|l| l.status == AuditLogStatus::Success)
        .count() as i64;
    assert_eq!(
        (page.count, page.skip, page.limit, page.data.logs.len()),
        (successes, 2, 3, 3)
    );
    assert!(
        page.data
            .logs
            .iter()
            .all(|l| l.status == AuditLogStatus::Success)
    );

    let middle = &all.data.logs[20].created_at;
    let window = vec![
        Predicate::gte(*middle),
        Predicate::lt(all.data.logs[5].created_at),
    ];
    let ranged = client
        .list_audit_logs()
        .created_at(window)
        .sort_by(vec![Sort::asc(Column::Id)])
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ranged.count, 15);
    // `sort_by` replaces the default order (current builds): oldest first by id.
    assert!(
        ranged.data.logs.windows(2).all(|w| w[0].id < w[1].id),
        "sort_by=id ascending alone"
    );
}

#[tokio::test]
async fn bloodhound_writes_filter_values_as_typed_sql_literals() {
    use api_support::Predicate;
    use bloodhound_client::types::FilterText;
    let mock = start(Service::Bloodhound, options(10)).await.unwrap();
    let client =
        bloodhound_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let text = |v: &str| FilterText::try_from(v).unwrap();
    // A number or boolean compared with a text column fails in the database.
    for value in ["123", "-1.5", "1e3", "inf", "0x1p-2", "t", "FALSE"] {
        match client
            .list_audit_logs()
            .actor_name(vec![Predicate::eq(text(value))])
            .send()
            .await
        {
            Err(bloodhound_client::Error::ErrorResponse(e)) => {
                assert_eq!(e.status().as_u16(), 500, "{value}")
            }
            other => panic!("{value}: expected the service's 500, got {other:?}"),
        }
    }
    // `null` is SQL NULL: no stored name is NULL.
    let count = |predicate| {
        let request = client.list_audit_logs().actor_name(vec![predicate]).send();
        async move { request.await.unwrap().into_inner().count }
    };
    assert_eq!(count(Predicate::eq(text("null"))).await, 0);
    assert_eq!(count(Predicate::neq(text("null"))).await, 10);
    // Text stays text, digits and words mixed included.
    assert_eq!(count(Predicate::neq(text("admin2"))).await, 10);
}

#[tokio::test]
async fn bloodhounds_rate_limiter_answers_in_plain_text_and_the_client_hands_it_back() {
    let mock = start(Service::Bloodhound, options(3)).await.unwrap();
    mock.faults.push(429);
    let client =
        bloodhound_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    match client.list_audit_logs().send().await {
        Err(bloodhound_client::Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status().as_u16(), 429);
            assert_eq!(
                response.headers()["content-type"],
                "text/plain; charset=utf-8"
            );
            assert_eq!(response.headers()["x-ratelimit-remaining"], "0");
            assert!(response.headers().contains_key("x-ratelimit-reset"));
            assert_eq!(response.text().await.unwrap(), "Limit exceeded\n");
        }
        other => panic!("expected the limiter's answer handed back, got {other:?}"),
    }
    assert!(client.list_audit_logs().send().await.is_ok());
}

#[tokio::test]
async fn cloud_foundry_pages_with_links_that_keep_every_filter() {
    use cloud_foundry_client::types::ListAuditEventsOrderBy;
    let mock = start(Service::CloudFoundry, options(45)).await.unwrap();
    let client =
        cloud_foundry_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    let all = client
        .list_audit_events()
        .per_page(5000u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            all.pagination.total_results,
            all.pagination.total_pages,
            all.resources.len()
        ),
        (45, 1, 45)
    );
    assert!(
        all.resources
            .windows(2)
            .all(|w| w[0].created_at <= w[1].created_at),
        "ascending by default"
    );
    assert!(all.pagination.next.is_none() && all.pagination.previous.is_none());
    let orphans = all
        .resources
        .iter()
        .filter(|e| e.type_ == "blob.remove_orphan")
        .count();
    assert!(orphans > 0 && all.resources.iter().filter(|e| e.space.is_none()).count() == orphans);

    let page = client
        .list_audit_events()
        .types(["blob.remove_orphan", "audit.app.update"])
        .per_page(2u64)
        .page(2u64)
        .order_by(ListAuditEventsOrderBy::CreatedAtDesc)
        .send()
        .await
        .unwrap()
        .into_inner();
    let next = page
        .pagination
        .next
        .as_ref()
        .expect("a next page")
        .href
        .clone();
    assert!(
        next.starts_with(&format!(
            "{}/v3/audit_events?page=3&per_page=2&order_by=-created_at&types=",
            mock.base_url
        )),
        "{next}"
    );
    assert!(
        page.pagination
            .previous
            .as_ref()
            .unwrap()
            .href
            .contains("page=1&")
    );
    assert!(
        page.resources
            .iter()
            .all(|e| e.type_ == "blob.remove_orphan" || e.type_ == "audit.app.update")
    );
    assert!(page.resources[0].created_at >= page.resources[1].created_at);

    let target = all.resources[0].target.as_ref().unwrap().guid.clone();
    let without = client
        .list_audit_events()
        .target_guids_not([target.as_str()])
        .per_page(5000u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        without
            .resources
            .iter()
            .all(|e| e.target.as_ref().unwrap().guid != target)
    );
    assert!(without.pagination.total_results < 45);

    let since = all.resources[40].created_at;
    let recent = client
        .list_audit_events()
        .created_ats_gt(since)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(recent.pagination.total_results, 4);
    let exact = client
        .list_audit_events()
        .created_ats(vec![
            all.resources[3].created_at,
            all.resources[7].created_at,
        ])
        .send()
        .await
        .unwrap()
        .into_inner();
    let guids: BTreeSet<_> = exact.resources.iter().map(|e| e.guid.clone()).collect();
    assert_eq!(
        guids,
        BTreeSet::from([all.resources[3].guid.clone(), all.resources[7].guid.clone()])
    );

    let past_the_end = client
        .list_audit_events()
        .page(99u64)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(past_the_end.resources.is_empty() && past_the_end.pagination.next.is_none());
}

#[tokio::test]
async fn cloud_foundry_pages_past_the_end_are_empty_however_large() {
    let mock = start(Service::CloudFoundry, options(45)).await.unwrap();
    let client =
        cloud_foundry_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    // page * per_page overflows 64 bits: an empty page, not a wrap or a panic.
    for page in [4u64, i64::MAX as u64, u64::MAX] {
        let list = client
            .list_audit_events()
            .page(page)
            .per_page(5000u64)
            .send()
            .await
            .unwrap()
            .into_inner();
        assert!(list.resources.is_empty(), "page {page}");
        assert_eq!(list.pagination.total_results, 45);
        assert!(list.pagination.next.is_none());
    }
}

#[tokio::test]
async fn faults_answer_with_documented_statuses_in_order() {
    let mock = start(Service::CloudFoundry, options(3)).await.unwrap();
    mock.faults.push(503);
    mock.faults.push(502);
    let client =
        cloud_foundry_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    for status in [503, 502] {
        match client.list_audit_events().send().await {
            Err(cloud_foundry_client::Error::ErrorResponse(e)) => {
                assert_eq!(e.status().as_u16(), status)
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(client.list_audit_events().send().await.is_ok());

    // The Cloud Controller's own 502 (UAA unreachable) comes without a valid `Content-Type`.
    mock.faults.push(502);
    let raw = reqwest::Client::new()
        .get(format!("{}/v3/audit_events", mock.base_url))
        .bearer_auth(DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 502);
    assert!(!raw.headers().contains_key("content-type"));
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["errors"][0]["title"], "CF-UaaUnavailable");
}

#[tokio::test]
async fn cloud_foundry_answers_an_invalid_token_with_401_even_when_rate_limited() {
    // `security_context_setter.rb`: a 429 for a request with an invalid token becomes 401.
    let mock = start(Service::CloudFoundry, options(3)).await.unwrap();
    mock.faults.push(429);
    let wrong = cloud_foundry_client::Client::with_bearer_token(&mock.base_url, "wrong").unwrap();
    match wrong.list_audit_events().send().await {
        Err(cloud_foundry_client::Error::ErrorResponse(e)) => {
            assert_eq!(e.status().as_u16(), 401);
            assert_eq!(e.into_inner().errors[0].title, "CF-InvalidAuthToken");
        }
        other => panic!("expected 401, got {other:?}"),
    }
    // The limit still applies to the next request with a valid token.
    let client =
        cloud_foundry_client::Client::with_bearer_token(&mock.base_url, DEFAULT_TOKEN).unwrap();
    match client.list_audit_events().send().await {
        Err(cloud_foundry_client::Error::ErrorResponse(e)) => assert_eq!(e.status().as_u16(), 429),
        other => panic!("expected 429, got {other:?}"),
    }
}

#[tokio::test]
async fn a_data_file_replaces_the_generated_items() {
    let dir = std::env::temp_dir().join(format!("mock-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("events.json");
    let events = mock_servers::instavm::sample(3);
    std::fs::write(&file, serde_json::to_string(&events).unwrap()).unwrap();
    let mock = start(
        Service::Instavm,
        Options {
            data: Some(file.clone()),
            ..Options::default()
        },
    )
    .await
    .unwrap();
    let client = instavm_client::Client::with_api_key(&mock.base_url, DEFAULT_TOKEN).unwrap();
    assert_eq!(
        client
            .list_audit_events()
            .send()
            .await
            .unwrap()
            .into_inner()
            .items,
        events
    );
    std::fs::write(&file, "{\"not\": \"a list\"}").unwrap();
    let err = start(
        Service::Instavm,
        Options {
            data: Some(file),
            ..Options::default()
        },
    )
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("not an array of items"), "{err}");
}

#[tokio::test]
async fn bloodhound_accepts_signed_requests_and_refuses_bad_signatures() {
    let mock = start(Service::Bloodhound, options(5)).await.unwrap();
    let signed = bloodhound_client::Client::with_signed_requests(
        &mock.base_url,
        mock_servers::DEFAULT_TOKEN_ID,
        DEFAULT_TOKEN,
    )
    .unwrap();
    let page = signed
        .list_audit_logs()
        .limit(2)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((page.count, page.data.logs.len()), (5, 2));
    let all: Vec<_> =
        futures::TryStreamExt::try_collect(signed.list_audit_logs().limit(2).stream())
            .await
            .unwrap();
    assert_eq!(all.len(), 5, "every page is signed anew");

    let prefix = "unable to validate request signature for client: ";
    for (client, status, message) in [
        (
            bloodhound_client::Client::with_signed_requests(
                &mock.base_url,
                mock_servers::DEFAULT_TOKEN_ID,
                "wrong-key",
            )
            .unwrap(),
            401,
            format!("{prefix}digest validation failed: signature digest mismatch"),
        ),
        (
            bloodhound_client::Client::with_signed_requests(
                &mock.base_url,
                "3c90c3cc-0d44-4b50-8888-8dd25736052a",
                DEFAULT_TOKEN,
            )
            .unwrap(),
            401,
            format!("{prefix}resource not found"),
        ),
        (
            bloodhound_client::Client::with_signed_requests(
                &mock.base_url,
                "other-id",
                DEFAULT_TOKEN,
            )
            .unwrap(),
            400,
            "Token ID is malformed.".to_owned(),
        ),
        (
            bloodhound_client::Client::with_bearer_token(&mock.base_url, "wrong").unwrap(),
            401,
            "Token Authorization failed.".to_owned(),
        ),
    ] {
        match client.list_audit_logs().send().await {
            Err(bloodhound_client::Error::ErrorResponse(e)) => {
                assert_eq!(e.status().as_u16(), status);
                assert_eq!(e.into_inner().errors[0].message, message);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn bloodhound_refuses_a_signed_request_dated_more_than_an_hour_off() {
    let mock = start(Service::Bloodhound, options(2)).await.unwrap();
    let uri = "/api/v2/audit";
    for (offset, direction) in [(-61, "behind"), (61, "ahead")] {
        let date = (chrono::Utc::now() + chrono::TimeDelta::minutes(offset)).to_rfc3339();
        let signature = api_support::signing::signature(DEFAULT_TOKEN, "GET", uri, &date, b"");
        let (status, body) = workspace_tests::get_json(
            &format!("{}{uri}", mock.base_url),
            &[
                (
                    "authorization",
                    &format!("bhesignature {}", mock_servers::DEFAULT_TOKEN_ID),
                ),
                ("requestdate", &date),
                ("signature", &signature),
            ],
        )
        .await;
        assert_eq!(status, 401, "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!(
                "unable to validate request signature for client: signature too far {direction} by 6"
            )),
            "{message}"
        );
    }
}
