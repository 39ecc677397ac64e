//! Each paging convention the generator infers (no `x-pagination` in
//! `specs/inferred-paging.yaml`), walked over two pages: the generated client's
//! `stream()` against the generated server stub, serving five events two at a
//! time (three pages: two full, one short).

use futures::TryStreamExt;
use inferred_paging_client::Client;
use inferred_paging_server::types::Event;
use inferred_paging_server::*;
use serde_json::json;

/// The events every operation lists, in order.
fn events() -> Vec<Event> {
    (1..=5)
        .map(|n| Event {
            id: format!("ev_{n}"),
            name: format!("event {n}"),
        })
        .collect()
}

const PAGE: usize = 2;

/// The page starting at `start` (clamped), and whether more follow.
fn page_from(start: usize) -> (Vec<Event>, bool) {
    let all = events();
    let start = start.min(all.len());
    let end = (start + PAGE).min(all.len());
    (all[start..end].to_vec(), end < all.len())
}

/// The start of page `number` (from 1).
fn start_of(number: u64) -> usize {
    usize::try_from(number.saturating_sub(1)).unwrap_or(usize::MAX) * PAGE
}

/// The start after the event with id `after` (the first page without one).
fn start_after(after: Option<&str>) -> usize {
    after
        .and_then(|id| events().iter().position(|e| e.id == id))
        .map_or(0, |i| i + 1)
}

fn ids(items: &[Event]) -> Vec<&str> {
    items.iter().map(|e| e.id.as_str()).collect()
}

struct Service;

impl Api for Service {
    async fn list_after_last(
        &self,
        request: list_after_last::Request,
    ) -> list_after_last::Response {
        let (data, more) = page_from(start_after(request.starting_after.as_deref()));
        list_after_last::Response::Ok(json!({"object": "list", "data": data, "has_more": more}))
    }

    async fn list_ambiguous(&self, _: list_ambiguous::Request) -> list_ambiguous::Response {
        list_ambiguous::Response::Ok(json!({"items": [], "total": 0}))
    }

    async fn list_by_page_number(
        &self,
        request: list_by_page_number::Request,
    ) -> list_by_page_number::Response {
        let number = request.page.map_or(1, u64::from);
        let (data, _) = page_from(start_of(number));
        list_by_page_number::Response::Ok(json!({"data": data}))
    }

    async fn list_by_cursor(&self, request: list_by_cursor::Request) -> list_by_cursor::Response {
        let start = request.cursor.and_then(|c| c.parse().ok()).unwrap_or(0);
        let (data, more) = page_from(start);
        let next = more.then(|| (start + PAGE).to_string());
        list_by_cursor::Response::Ok(json!({"data": data, "next_cursor": next}))
    }

    async fn list_by_link_header(
        &self,
        request: list_by_link_header::Request,
    ) -> list_by_link_header::Response {
        let number = request.page.map_or(1, u64::from);
        let (data, more) = page_from(start_of(number));
        let mut link = "</linked?page=1>; rel=\"first\"".to_owned();
        if more {
            link = format!(
                "</linked?page={}&per_page=2>; rel=\"next\", {link}",
                number + 1
            );
        }
        list_by_link_header::Response::Ok(data, list_by_link_header::OkHeaders { link: Some(link) })
    }

    async fn list_by_next_url(
        &self,
        request: list_by_next_url::Request,
    ) -> list_by_next_url::Response {
        // Twilio's convention: the page number and an opaque token both ride in the URL.
        let number = request.page.unwrap_or(0);
        let start = match request.page_token.as_deref() {
            Some(token) => token
                .strip_prefix("PT")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            None => 0,
        };
        let (events, more) = page_from(start);
        let next = more.then(|| {
            format!(
                "https://monitor.example.com/v1/Events?PageSize=2&Page={}&PageToken=PT{}",
                number + 1,
                start + PAGE
            )
        });
        list_by_next_url::Response::Ok(json!({"events": events, "meta": {"next_page_url": next}}))
    }

    async fn list_by_offset(&self, request: list_by_offset::Request) -> list_by_offset::Response {
        let start = usize::try_from(request.offset.unwrap_or(0)).unwrap_or(usize::MAX);
        let (items, _) = page_from(start);
        list_by_offset::Response::Ok(json!({"items": items, "total": events().len()}))
    }

    async fn list_by_offset_more(
        &self,
        request: list_by_offset_more::Request,
    ) -> list_by_offset_more::Response {
        let start = usize::try_from(request.offset.unwrap_or(0)).unwrap_or(usize::MAX);
        let (entries, more) = page_from(start);
        // `more` is optional: the last page leaves it out.
        let body = if more {
            json!({"entries": entries, "more": true})
        } else {
            json!({"entries": entries})
        };
        list_by_offset_more::Response::Ok(body)
    }

    async fn list_by_page(&self, request: list_by_page::Request) -> list_by_page::Response {
        let number = request.page.map_or(1, u64::from);
        let (results, _) = page_from(start_of(number));
        let total = events().len();
        list_by_page::Response::Ok(json!({
            "results": results,
            "result_info": {"total_pages": total.div_ceil(PAGE), "total_count": total}
        }))
    }

    async fn list_switched_off(
        &self,
        _: list_switched_off::Request,
    ) -> list_switched_off::Response {
        list_switched_off::Response::Ok(json!({"data": [], "next_cursor": null}))
    }
}

async fn client() -> Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let address = listener.local_addr().expect("its address");
    tokio::spawn(async move { axum::serve(listener, router(Service)).await });
    Client::new(&format!("http://{address}"))
}

const ALL: [&str; 5] = ["ev_1", "ev_2", "ev_3", "ev_4", "ev_5"];

#[tokio::test]
async fn every_inferred_convention_walks_every_page() {
    let client = client().await;
    let limit = std::num::NonZeroU64::new(2).expect("not zero");
    let cursor: Vec<Event> = client
        .list_by_cursor()
        .limit(limit)
        .stream()
        .try_collect()
        .await
        .expect("cursor");
    assert_eq!(ids(&cursor), ALL, "a next cursor in the body");
    let after: Vec<Event> = client
        .list_after_last()
        .limit(limit)
        .stream()
        .try_collect()
        .await
        .expect("after-last");
    assert_eq!(ids(&after), ALL, "has_more and the last id");
    let offset: Vec<Event> = client
        .list_by_offset()
        .limit(limit)
        .stream()
        .try_collect()
        .await
        .expect("offset");
    assert_eq!(ids(&offset), ALL, "an offset up to the total");
    let more: Vec<Event> = client
        .list_by_offset_more()
        .limit(limit)
        .stream()
        .try_collect()
        .await
        .expect("offset, more");
    assert_eq!(ids(&more), ALL, "an offset while more follow");
    let pages: Vec<Event> = client
        .list_by_page()
        .stream()
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(ids(&pages), ALL, "page numbers up to the page count");
    let next_url: Vec<Event> = client
        .list_by_next_url()
        .stream()
        .try_collect()
        .await
        .expect("next URL");
    assert_eq!(ids(&next_url), ALL, "the next page's URL in the body");
    let linked: Vec<Event> = client
        .list_by_link_header()
        .stream()
        .try_collect()
        .await
        .expect("Link");
    assert_eq!(ids(&linked), ALL, "the Link header");
    let counted: Vec<Event> = client
        .list_by_page_number()
        .limit(limit)
        .stream()
        .try_collect()
        .await
        .expect("counted");
    assert_eq!(
        ids(&counted),
        ALL,
        "page numbers counted until an empty page"
    );
}

#[tokio::test]
async fn pages_arrive_as_the_service_cuts_them() {
    let client = client().await;
    let limit = std::num::NonZeroU64::new(2).expect("not zero");
    let pages: Vec<Vec<Event>> = client
        .list_by_cursor()
        .limit(limit)
        .pages(api_support::paging::Retry::NEVER)
        .try_collect()
        .await
        .expect("pages");
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 1]);
}
