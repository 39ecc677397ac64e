//! Walking every page of a list operation. The generated clients describe
//! each service's own mechanism (cursor, page links, offsets) as a `fetch`
//! function from a request and a page token to the page's items and the
//! next token; [`pages`] turns that into a lazy stream. Every page re-sends
//! the same request (so every filter is kept), and [`Retry`] retries pages
//! the service asks to retry (429/503, honouring `Retry-After`).
//!
//! Where the service reports its totals (page numbers with a page count, or
//! offsets with an item count), the generated builders also implement
//! [`Positioned`], and `concurrency(k)` walks them with [`Concurrently`]:
//! up to `k` pages in flight, in order, with the consistency rule stated
//! there.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::stream::{Stream, StreamExt};

mod walk;

/// A boxed stream of results, as the generated `stream` methods return it.
pub type BoxStream<'a, T, E> = Pin<Box<dyn Stream<Item = Result<T, E>> + Send + 'a>>;

/// Whether an error may be retried, and after how long; and the error a walk
/// ends with when the service's page tokens would make it loop.
pub trait Retryable {
    /// `None`: do not retry. `Some(None)`: retry after the policy's backoff.
    /// `Some(Some(d))`: the service asked to wait `d` (`Retry-After`).
    fn retry_after(&self) -> Option<Option<Duration>>;

    /// The error that ends a walk the service would send round in circles.
    fn walk_error(message: String) -> Self;
}

/// The most pages a walk fetches; a service that never says "last page" gets a clear error.
pub const MAX_PAGES: usize = 1_000_000;

impl<E> Retryable for progenitor_client::Error<E> {
    fn walk_error(message: String) -> Self {
        progenitor_client::Error::Custom(message)
    }

    fn retry_after(&self) -> Option<Option<Duration>> {
        let (status, headers) = match self {
            progenitor_client::Error::ErrorResponse(value) => (value.status(), value.headers()),
            progenitor_client::Error::UnexpectedResponse(response) => {
                (response.status(), response.headers())
            }
            _ => return None,
        };
        if status.as_u16() != 429 && status.as_u16() != 503 {
            return None;
        }
        let wait = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, std::time::SystemTime::now()));
        Some(wait)
    }
}

/// A `Retry-After` value (RFC 9110): a number of seconds, or an HTTP date
/// (the wait until then; none when it has passed).
pub fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    match value.parse::<u64>() {
        Ok(seconds) => Some(Duration::from_secs(seconds)),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            Some(at.duration_since(now).unwrap_or(Duration::ZERO))
        }
    }
}

/// How pages are retried: exponential backoff from `initial`, capped at `max_delay`
/// (a `Retry-After` longer than that is capped too), at most `max_retries` times per page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub max_retries: u32,
    pub initial: Duration,
    pub max_delay: Duration,
}

impl Retry {
    /// No retries: the first error ends the stream.
    pub const NEVER: Retry = Retry {
        max_retries: 0,
        initial: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// 5 retries from 500 ms, at most 30 s apart.
    pub const DEFAULT: Retry = Retry {
        max_retries: 5,
        initial: Duration::from_millis(500),
        max_delay: Duration::from_secs(30),
    };

    /// The wait before retry `attempt`: what the service asked (`Retry-After`),
    /// else exponential backoff with equal jitter (half the step fixed, half
    /// random, so clients that failed together do not retry together); both
    /// capped at `max_delay`.
    fn delay(&self, attempt: u32, asked: Option<Duration>) -> Duration {
        let backoff = self
            .initial
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_delay);
        let jittered = || {
            let half = backoff / 2;
            let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
            half + Duration::from_nanos(fastrand::u64(0..=spread))
        };
        asked.unwrap_or_else(jittered).min(self.max_delay)
    }
}

impl Default for Retry {
    fn default() -> Self {
        Retry::DEFAULT
    }
}

/// A page: its items and the token of the next page (`None`: this was the last).
pub type Page<T, K> = (Vec<T>, Option<K>);

/// The pages of a list operation, fetched lazily. `fetch(request, token)` sends `request`
/// for the page `token` names (`None`: the first page, as the request was built).
///
/// The next page is requested as soon as a page arrives, before the caller has
/// consumed it, so the round trip of page N+1 overlaps the caller's work on
/// page N (one page ahead at most; pages come in order; retries and errors are
/// as without it).
///
/// The walk stops at the last page. A service that hands back a token it has
/// already sent (`A → B → A`), or pages on beyond [`MAX_PAGES`], ends the walk
/// with [`Retryable::walk_error`] instead of looping. So does a page that
/// repeats an earlier one (the same length, first and last items; pages are
/// remembered by a 64-bit hash of those): a service that ignores the page
/// token (`page`, `skip`, a cursor), or whose cursor leads back to the first
/// page, would otherwise hand out the same items again and again; the
/// repeated page is not delivered. (A list whose items are not distinct, such
/// as bare repeated values, could trip this; audit events and other records
/// with ids cannot.)
pub fn pages<'a, B, T, E, K, F, Fut>(request: B, retry: Retry, fetch: F) -> BoxStream<'a, Vec<T>, E>
where
    B: Clone + Send + Sync + 'a,
    T: std::fmt::Debug + Send + 'static,
    E: Retryable + Send + 'static,
    K: Clone + Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static,
    F: Fn(B, Option<K>) -> Fut + Send + Sync + 'a,
    Fut: Future<Output = Result<Page<T, K>, E>> + Send + 'a,
{
    let fetch = std::sync::Arc::new(fetch);
    let fetch_page: walk::FetchPage<'a> =
        Box::new(move |token: Option<std::sync::Arc<dyn walk::Token>>| {
            let token: Option<K> = token.and_then(|t| t.as_any().downcast_ref::<K>().cloned());
            let page = fetch(request.clone(), token);
            Box::pin(async move {
                match page.await {
                    Ok((items, next)) => Ok(walk::Page {
                        items: Box::new(items),
                        next: next
                            .map(|k| std::sync::Arc::new(k) as std::sync::Arc<dyn walk::Token>),
                    }),
                    Err(e) => Err(walk::refused(e)),
                }
            })
        });
    typed(walk::by_token(fetch_page, retry))
}

/// The pages of an erased walk as the request's own types.
fn typed<'a, T: 'static, E: Retryable + 'static>(
    pages: walk::ErasedPages<'a>,
) -> BoxStream<'a, Vec<T>, E> {
    const LOST: &str = "a page of another type came back from the walk";
    Box::pin(pages.map(|page| {
        match page {
            Ok(items) => items
                .downcast::<Vec<T>>()
                .map(|items| *items)
                .map_err(|_| E::walk_error(LOST.to_owned())),
            Err(walk::Ended::Service(e)) => Err(e
                .downcast::<E>()
                .map_or_else(|_| E::walk_error(LOST.to_owned()), |e| *e)),
            Err(walk::Ended::Walk(message)) => Err(E::walk_error(message)),
        }
    }))
}

/// The items of [`pages`], one by one.
pub fn items<'a, T: Send + 'a, E: Send + 'a>(
    pages: BoxStream<'a, Vec<T>, E>,
) -> BoxStream<'a, T, E> {
    Box::pin(Items {
        pages,
        current: Vec::new().into_iter(),
    })
}

/// The state of [`items`]: the pages, and what is left of the current one.
struct Items<'a, T, E> {
    pages: BoxStream<'a, Vec<T>, E>,
    current: std::vec::IntoIter<T>,
}

// The pages are pinned in their box; the items left are never pinned.
impl<T, E> Unpin for Items<'_, T, E> {}

impl<T, E> Stream for Items<'_, T, E> {
    type Item = Result<T, E>;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::task::Poll;
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match this.pages.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => this.current = page.into_iter(),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// At most `max` items of a stream, collected.
pub async fn collect_up_to<T, E>(mut items: BoxStream<'_, T, E>, max: usize) -> Result<Vec<T>, E> {
    let mut collected = Vec::new();
    while collected.len() < max {
        match items.next().await {
            Some(item) => collected.push(item?),
            None => break,
        }
    }
    Ok(collected)
}

/// One page of a list the service lays out by position: a page number (Cloud
/// Foundry's `page`, with `total_pages`) or an item offset (BloodHound's
/// `skip`, with `count`). What the page says about the whole list lets
/// [`Concurrently`] plan the rest of the walk from the first page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed<T> {
    pub items: Vec<T>,
    /// The position of the next page (`None`: this page is the last).
    pub next: Option<u64>,
    pub layout: Layout,
}

/// How a list's pages are placed, as one page reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Numbered pages, with exact totals: the last page's number and the
    /// number of items (Cloud Foundry's `total_pages`, `total_results`).
    Pages { last: u64, total: u64 },
    /// Item offsets, with a count the walk takes as an estimate only
    /// (BloodHound's `count` ignores the time window): pages past the end
    /// come back short or empty.
    Offsets { count: u64 },
}

/// A request whose pages can be fetched by position, several at once. The
/// generated clients implement it for list operations whose service reports
/// its totals; their `concurrency(k)` builder method wraps the request in
/// [`Concurrently`].
pub trait Positioned: Clone + Send + Sync {
    /// Items are compared where offset pages overlap (see [`Concurrently`]).
    type Item: Clone + PartialEq + std::fmt::Debug + Send + 'static;
    type Error: Retryable + Send + 'static;

    /// Sends the request for the page at `position` (`None`: the page the
    /// request names as built).
    fn fetch_at(
        self,
        position: Option<u64>,
    ) -> impl Future<Output = Result<Placed<Self::Item>, Self::Error>> + Send;
}

/// A list request walked with up to `concurrency` pages in flight at once.
///
/// The first page is fetched alone; it places every other page, which are
/// then fetched `concurrency` at a time. Pages are still delivered in order,
/// at most `concurrency` of them are held at once (fetched or in flight),
/// and errors and retries are as for the sequential `pages()`.
///
/// The generated `pages()` of such a request is [`Concurrently::sequential`]:
/// the same walk and checks, one page ahead. Every walk asks for its next
/// pages as soon as it delivers one, so their round trips overlap the
/// caller's work.
///
/// # Consistency
///
/// Positions are planned from the first page, so a list that changes during
/// the walk would shift them: an event added at the front (newest first) is
/// seen twice, one removed is never seen. The walk does not let that pass
/// silently; it ends with an error ([`Retryable::walk_error`]) naming what
/// changed:
///
/// * **Numbered pages** ([`Layout::Pages`]) come with exact totals: every
///   page must count the same total as the first, every page but the last
///   must be as long as the first and link the page after it (a service
///   that serves another page than the one asked for is caught before its
///   items are delivered), the last must say it is the last, and no page
///   may hold the previous page's last item (pages that shifted back, even
///   where the totals stayed the same: a deletion ahead and an insertion
///   behind).
/// * **Offsets** ([`Layout::Offsets`]) overlap by one item: with pages of
///   `n` items, each later page starts at the previous page's last item
///   (offsets `0, n-1, 2(n-1), …`), which must be the same item; it is then
///   dropped. Any shift between two pages shows as a mismatch. The count
///   only bounds the plan: the walk ends at the first short page, and goes on
///   one page at a time if the count fell short. (A first page of one item
///   cannot overlap; such a walk goes one page at a time, and catches a page
///   that repeats an item delivered before, as a service that ignores the
///   offset would send (remembering 8 bytes an item), but not a deletion
///   between two fetches.)
///
/// To keep a live list from changing under the walk, pin its upper bound
/// before starting: filter on creation time up to an instant already past
/// (Cloud Foundry `created_ats[lt]`, BloodHound `before`), so that new
/// events fall outside the list; the next walk (from that instant) picks
/// them up. A deletion (retention pruning) still ends the walk with the
/// error. With numbered pages, one change slips past the checks: a deletion
/// in the part already walked together with an insertion in the part not yet
/// walked, between two page fetches (the count stays, the pages shift
/// forward by the same items, and one item is never seen); an insertion
/// needs an item created behind the pin, which a pinned walk of events does
/// not meet.
#[derive(Debug, Clone)]
pub struct Concurrently<B> {
    request: B,
    concurrency: usize,
}

impl<B> Concurrently<B> {
    /// `request` walked with up to `concurrency` pages in flight (at least one).
    pub fn new(request: B, concurrency: usize) -> Self {
        Concurrently {
            request,
            concurrency: concurrency.max(1),
        }
    }

    /// `request` walked page after page, the next page asked for as soon as
    /// a page is delivered (one in flight at a time, its round trip
    /// overlapping the caller's work), with every check of the concurrent
    /// walk: what a positioned request's `pages()` is.
    pub fn sequential(request: B) -> Self {
        Concurrently {
            request,
            concurrency: 1,
        }
    }
}

impl<B: Positioned> Concurrently<B> {
    /// Every page, in order, up to `concurrency` fetched at once; pages the
    /// service asks to retry (429, 503) are retried as `retry` says.
    pub fn pages<'a>(self, retry: Retry) -> BoxStream<'a, Vec<B::Item>, B::Error>
    where
        B: 'a,
    {
        let Concurrently {
            request,
            concurrency,
        } = self;
        let fetch_at: walk::FetchAt<'a> = std::sync::Arc::new(move |position: Option<u64>| {
            let page = request.clone().fetch_at(position);
            Box::pin(async move {
                match page.await {
                    Ok(placed) => Ok(walk::PlacedPage {
                        items: Box::new(placed.items),
                        next: placed.next,
                        layout: placed.layout,
                    }),
                    Err(e) => Err(walk::refused(e)),
                }
            })
        });
        typed(walk::positioned(fetch_at, concurrency, retry))
    }

    /// Every item across all pages, in order; the first error ends the stream.
    pub fn stream<'a>(self) -> BoxStream<'a, B::Item, B::Error>
    where
        B: 'a,
    {
        items(self.pages(Retry::NEVER))
    }

    /// Every item across all pages, in order, retrying pages the service asks to retry.
    pub fn stream_with_retry<'a>(self, retry: Retry) -> BoxStream<'a, B::Item, B::Error>
    where
        B: 'a,
    {
        items(self.pages(retry))
    }

    /// At most `max` items across pages.
    pub async fn collect_up_to(self, max: usize) -> Result<Vec<B::Item>, B::Error> {
        collect_up_to(self.stream(), max).await
    }
}

/// The `rel="next"` target of the `Link` response headers (RFC 8288), if any.
///
/// Every `Link` header and every comma-separated link value in it is read;
/// `rel` may list several relation types (`rel="next last"`) and matches
/// case-insensitively; commas inside `<...>` or quoted parameter values do not
/// split links.
pub fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all(reqwest::header::LINK)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(split_links)
        .find_map(|link| {
            let (target, params) = link.trim().strip_prefix('<')?.split_once('>')?;
            params
                .split(';')
                .filter_map(|param| param.split_once('='))
                .filter(|(key, _)| key.trim().eq_ignore_ascii_case("rel"))
                .any(|(_, rel)| {
                    rel.trim()
                        .trim_matches('"')
                        .split_ascii_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
                })
                .then(|| target.trim().to_owned())
        })
}

/// The `Link` headers' `rel="next"` target: `None` where the response has no
/// `Link` header at all (the service does not page by links), `Some(None)`
/// where it has one without a next link (the last page).
pub fn link_header_next(headers: &reqwest::header::HeaderMap) -> Option<Option<String>> {
    headers
        .contains_key(reqwest::header::LINK)
        .then(|| next_link(headers))
}

/// The text of a cursor the service sends as a string or a number (Box's
/// `next_stream_position`): the string itself, or the number's digits.
pub fn cursor_text<T: serde::Serialize>(cursor: &T) -> Option<String> {
    match serde_json::to_value(cursor).ok()? {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A relative link that sets query parameter `name` to `value` (`?page=2`),
/// read back by [`link_param`]: a counted page's token.
pub fn query_url(name: &str, value: u64) -> String {
    match reqwest::Url::parse("http://relative.invalid/") {
        Ok(mut url) => {
            url.query_pairs_mut().append_pair(name, &value.to_string());
            format!("?{}", url.query().unwrap_or_default())
        }
        Err(_) => format!("?{name}={value}"),
    }
}

/// Splits a `Link` header value at the commas between link values.
fn split_links(value: &str) -> Vec<&str> {
    let mut links = Vec::new();
    let (mut start, mut in_target, mut in_quotes) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            '<' if !in_quotes => in_target = true,
            '>' if !in_quotes => in_target = false,
            '"' if !in_target => in_quotes = !in_quotes,
            ',' if !in_target && !in_quotes => {
                links.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    links.push(&value[start..]);
    links
}

/// The value of query parameter `name` in a (possibly relative) link, e.g. the `page` of a "next" href.
pub fn link_param(href: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(href)
        .or_else(|_| {
            reqwest::Url::parse("http://relative.invalid/").and_then(|base| base.join(href))
        })
        .ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt as _;

    #[test]
    fn the_next_link_is_found_among_links_and_headers() {
        use reqwest::header::{HeaderMap, HeaderValue, LINK};
        let mut headers = HeaderMap::new();
        assert_eq!(next_link(&headers), None);
        headers.append(
            LINK,
            HeaderValue::from_static(
                r#"<https://api.example.com/logs?after=a,b&limit=2>; rel="self", <https://api.example.com/logs?after=x%2Cy>; title="a, b"; rel="next last""#,
            ),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.example.com/logs?after=x%2Cy")
        );
        assert_eq!(
            link_param(&next_link(&headers).unwrap(), "after").as_deref(),
            Some("x,y")
        );
        let mut separate = HeaderMap::new();
        separate.append(LINK, HeaderValue::from_static(r#"</p?page=1>; rel=prev"#));
        separate.append(LINK, HeaderValue::from_static(r#"</p?page=3>; REL=Next"#));
        assert_eq!(next_link(&separate).as_deref(), Some("/p?page=3"));
        let mut last = HeaderMap::new();
        last.append(
            LINK,
            HeaderValue::from_static(r#"</p?page=1>; rel="first""#),
        );
        assert_eq!(next_link(&last), None);
    }
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug, PartialEq)]
    struct Busy(bool);

    impl Retryable for Busy {
        fn retry_after(&self) -> Option<Option<Duration>> {
            self.0.then_some(Some(Duration::from_millis(1)))
        }

        fn walk_error(_message: String) -> Self {
            Busy(false)
        }
    }

    #[tokio::test]
    async fn a_token_sent_again_ends_the_walk_with_an_error() {
        // A → B → A: without the check the walk would never end.
        let next = |token: Option<char>| match token {
            None => Some('A'),
            Some('A') => Some('B'),
            Some(_) => Some('A'),
        };
        let walked: Vec<Result<Vec<char>, progenitor_client::Error>> =
            pages(
                (),
                Retry::NEVER,
                move |(), token: Option<char>| async move {
                    Ok((token.into_iter().collect(), next(token)))
                },
            )
            .collect()
            .await;
        assert_eq!(walked.len(), 4, "{walked:?}");
        assert_eq!(
            walked[..3]
                .iter()
                .map(|p| p.as_ref().unwrap().clone())
                .collect::<Vec<_>>(),
            [vec![], vec!['A'], vec!['B']]
        );
        let Err(progenitor_client::Error::Custom(message)) = &walked[3] else {
            panic!("{walked:?}")
        };
        assert!(
            message.contains("page token 'A' again after 3 pages"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn long_tokens_are_remembered_by_their_hash_and_a_cycle_is_still_caught() {
        // 300 pages of 64 KiB cursors, then the fifth again: the walk keeps eight
        // bytes a page (not 19 MB of tokens) and still stops at the cycle.
        let token = |n: usize| format!("{n:05}{}", "x".repeat(64 * 1024));
        let walked: Vec<Result<Vec<usize>, progenitor_client::Error>> = pages(
            (),
            Retry::NEVER,
            move |(), sent: Option<String>| async move {
                let n = sent
                    .as_deref()
                    .map_or(0, |t| t[..5].parse::<usize>().unwrap_or(0));
                let next = if n < 300 { token(n + 1) } else { token(5) };
                Ok((vec![n], Some(next)))
            },
        )
        .collect()
        .await;
        assert_eq!(walked.len(), 302, "a page for each token, then the error");
        assert!(walked[..301].iter().all(Result::is_ok));
        let Err(progenitor_client::Error::Custom(message)) = &walked[301] else {
            panic!("expected the cycle to end the walk")
        };
        assert!(message.contains("again after 301 pages"), "{message}");
    }

    fn numbers(
        total: u32,
        per_page: u32,
        failures: Arc<AtomicU32>,
    ) -> BoxStream<'static, u32, Busy> {
        let retry = Retry {
            max_retries: 3,
            initial: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        };
        items(pages((), retry, move |(), token: Option<u32>| {
            let failures = failures.clone();
            async move {
                if failures.load(Ordering::SeqCst) > 0 {
                    failures.fetch_sub(1, Ordering::SeqCst);
                    return Err(Busy(true));
                }
                let start = token.unwrap_or(0);
                let end = (start + per_page).min(total);
                Ok(((start..end).collect(), (end < total).then_some(end)))
            }
        }))
    }

    #[tokio::test]
    async fn walks_every_page_once() {
        for (total, per_page) in [(0, 3), (1, 1), (10, 3), (9, 3), (10, 50)] {
            let all: Vec<u32> = numbers(total, per_page, Arc::default())
                .try_collect()
                .await
                .unwrap();
            assert_eq!(all, (0..total).collect::<Vec<_>>(), "{total}/{per_page}");
        }
    }

    #[tokio::test]
    async fn retries_busy_pages_then_gives_up() {
        let failures = Arc::new(AtomicU32::new(2));
        let all: Vec<u32> = numbers(5, 2, failures).try_collect().await.unwrap();
        assert_eq!(all, [0, 1, 2, 3, 4]);
        let failures = Arc::new(AtomicU32::new(10));
        let err = numbers(5, 2, failures)
            .try_collect::<Vec<u32>>()
            .await
            .unwrap_err();
        assert_eq!(err, Busy(true));
    }

    #[tokio::test]
    async fn a_repeated_token_ends_the_walk() {
        let s = items(pages((), Retry::NEVER, |(), _token: Option<u8>| async {
            Ok::<_, Busy>((vec![1], Some(7u8)))
        }));
        // The page fetched with the repeated token repeats the first: not delivered.
        let walked: Vec<Result<u8, Busy>> = s.collect().await;
        assert_eq!(walked, [Ok(1), Err(Busy(false))]);
        let first_two = collect_up_to(
            items(pages((), Retry::NEVER, |(), t: Option<u8>| async move {
                let page = t.unwrap_or(0);
                Ok::<_, Busy>((vec![page * 3, page * 3 + 1, page * 3 + 2], Some(page + 1)))
            })),
            5,
        )
        .await
        .unwrap();
        assert_eq!(first_two, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn only_429_and_503_are_retried_and_retry_after_is_read() {
        use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
        let error = |status: u16, retry_after: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(v) = retry_after {
                headers.insert(RETRY_AFTER, HeaderValue::from_str(v).unwrap());
            }
            let status = reqwest::StatusCode::from_u16(status).unwrap();
            progenitor_client::Error::ErrorResponse(progenitor_client::ResponseValue::new(
                (),
                status,
                headers,
            ))
        };
        assert_eq!(
            error(429, Some("7")).retry_after(),
            Some(Some(Duration::from_secs(7)))
        );
        assert_eq!(error(503, None).retry_after(), Some(None));
        // An HTTP date: the wait until then (none once it has passed).
        let now = httpdate::parse_http_date("Wed, 21 Oct 2026 07:27:30 GMT").unwrap();
        assert_eq!(
            retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after("Wed, 21 Oct 2026 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(
            error(503, Some("Wed, 21 Oct 2015 07:28:00 GMT")).retry_after(),
            Some(Some(Duration::ZERO)),
            "a date in the past: retry now"
        );
        assert_eq!(error(500, Some("1")).retry_after(), None);
        assert_eq!(
            progenitor_client::Error::<()>::InvalidRequest("x".into()).retry_after(),
            None
        );
        let policy = Retry {
            max_retries: 3,
            initial: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        // Equal jitter: between half the step and the step, and not all the same.
        let waits: Vec<Duration> = (0..64).map(|_| policy.delay(0, None)).collect();
        assert!(
            waits
                .iter()
                .all(|w| (Duration::from_millis(50)..=Duration::from_millis(100)).contains(w)),
            "{waits:?}"
        );
        assert!(waits.iter().any(|w| *w != waits[0]), "jittered: {waits:?}");
        let third = policy.delay(2, None);
        assert!((Duration::from_millis(200)..=Duration::from_millis(400)).contains(&third));
        assert!(policy.delay(5, None) <= Duration::from_secs(1), "capped");
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(30))),
            Duration::from_secs(1),
            "Retry-After is capped too"
        );
    }

    /// A list paged by offset, as BloodHound pages: `count` items, pages of `limit`.
    #[derive(Clone)]
    struct Offsets {
        list: Arc<std::sync::Mutex<Vec<u32>>>,
        limit: u64,
        in_flight: Arc<AtomicU32>,
        most_in_flight: Arc<AtomicU32>,
        fetched: Arc<AtomicU32>,
        /// After this many fetches, an item is added at the front (newest first).
        grow_after: Option<u32>,
        /// The page at this offset answers "busy" the first time.
        busy_once_at: Option<u64>,
        busy_sent: Arc<std::sync::atomic::AtomicBool>,
        /// Added to the count the pages report (BloodHound's ignores the time window).
        count_off_by: u64,
    }

    impl Offsets {
        fn new(count: u32, limit: u64) -> Offsets {
            Offsets {
                list: Arc::new(std::sync::Mutex::new((0..count).collect())),
                limit,
                in_flight: Arc::default(),
                most_in_flight: Arc::default(),
                fetched: Arc::default(),
                grow_after: None,
                busy_once_at: None,
                busy_sent: Arc::default(),
                count_off_by: 0,
            }
        }
    }

    impl Positioned for Offsets {
        type Item = u32;
        type Error = Busy;

        async fn fetch_at(self, position: Option<u64>) -> Result<Placed<u32>, Busy> {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_in_flight.fetch_max(now, Ordering::SeqCst);
            // Later pages answer sooner: order must come from the walk, not from arrival.
            let skip = position.unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(20u64.saturating_sub(skip))).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let fetched = self.fetched.fetch_add(1, Ordering::SeqCst) + 1;
            if self.busy_once_at == Some(skip) && !self.busy_sent.swap(true, Ordering::SeqCst) {
                return Err(Busy(true));
            }
            let mut list = self.list.lock().unwrap();
            if self.grow_after == Some(fetched) {
                list.insert(0, 1000);
            }
            let count = list.len() as u64;
            let items: Vec<u32> = list
                .iter()
                .skip(skip as usize)
                .take(self.limit as usize)
                .copied()
                .collect();
            let reached = skip + items.len() as u64;
            Ok(Placed {
                next: (!items.is_empty() && reached < count).then_some(reached),
                layout: Layout::Offsets {
                    count: count + self.count_off_by,
                },
                items,
            })
        }
    }

    #[tokio::test]
    async fn concurrent_walks_keep_order_and_bound_the_pages_in_flight() {
        for (count, limit, k) in [
            (0, 3, 4),
            (1, 1, 4),
            (5, 1, 3),
            (10, 3, 1),
            (10, 3, 2),
            (25, 3, 4),
            (9, 3, 8),
            (12, 4, 3),
        ] {
            let list = Offsets::new(count, limit);
            let all: Vec<u32> = Concurrently::new(list.clone(), k)
                .stream()
                .try_collect()
                .await
                .unwrap();
            assert_eq!(all, (0..count).collect::<Vec<_>>(), "{count}/{limit}/{k}");
            let most = list.most_in_flight.load(Ordering::SeqCst);
            assert!(
                most <= k as u32,
                "{most} pages in flight with concurrency {k}"
            );
            if count > 2 * limit as u32 && k > 1 && limit > 1 {
                assert!(most > 1, "pages were fetched one at a time");
            }
        }
        // A count that overstates the list (BloodHound's ignores the window) or
        // understates it (the list grew behind a pin) changes nothing.
        for off_by in [0, 7, 100] {
            let mut list = Offsets::new(20, 4);
            list.count_off_by = off_by;
            let all: Vec<u32> = Concurrently::new(list, 4)
                .stream()
                .try_collect()
                .await
                .unwrap();
            assert_eq!(all, (0..20).collect::<Vec<_>>(), "count off by {off_by}");
        }
    }

    #[tokio::test]
    async fn a_list_that_changes_during_a_concurrent_walk_ends_it_with_an_error() {
        let mut list = Offsets::new(12, 3);
        list.grow_after = Some(2);
        let walked: Vec<Result<Vec<u32>, Busy>> = Concurrently::new(list, 2)
            .pages(Retry::NEVER)
            .collect()
            .await;
        assert_eq!(walked.first(), Some(&Ok(vec![0, 1, 2])));
        assert_eq!(walked.last(), Some(&Err(Busy(false))), "{walked:?}");
        let delivered: Vec<u32> = walked.iter().flatten().flatten().copied().collect();
        let mut unique = delivered.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            delivered.len(),
            "no item delivered twice: {walked:?}"
        );

        use walk::check_page;
        let page = |items: Vec<u32>, next: Option<u64>, total: u64| walk::PlacedPage {
            items: Box::new(items),
            next,
            layout: Layout::Pages { last: 3, total },
        };
        assert!(check_page(&page(vec![1, 2, 3], Some(3), 9), 2, false, 3, 9).is_ok());
        let message = check_page(&page(vec![1, 2, 3], Some(3), 10), 2, false, 3, 9).unwrap_err();
        assert!(
            message.contains("first page counted 9 items, page 2 counts 10"),
            "{message}"
        );
        assert!(
            check_page(&page(vec![1, 2], Some(3), 9), 2, false, 3, 9).is_err(),
            "a short middle page"
        );
        assert!(
            check_page(&page(vec![7], Some(4), 9), 3, true, 3, 9).is_err(),
            "the last page is not last"
        );
        assert!(
            check_page(&page(vec![], None, 9), 3, true, 3, 9).is_err(),
            "an empty last page"
        );
    }

    #[tokio::test]
    async fn concurrent_walks_retry_busy_pages_and_refuse_endless_plans() {
        let mut list = Offsets::new(9, 3);
        list.busy_once_at = Some(4);
        let retry = Retry {
            max_retries: 2,
            initial: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        };
        let all: Vec<u32> = Concurrently::new(list.clone(), 3)
            .stream_with_retry(retry)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(all, (0..9).collect::<Vec<_>>());
        assert!(
            list.busy_sent.load(Ordering::SeqCst),
            "the busy page was retried"
        );
        let some = Concurrently::new(Offsets::new(9, 3), 3)
            .collect_up_to(4)
            .await
            .unwrap();
        assert_eq!(some, [0, 1, 2, 3]);
        use walk::page_numbers;
        assert!(page_numbers(2, u64::MAX).unwrap_err().contains("more than"));
        assert_eq!(page_numbers(2, 4).unwrap().collect::<Vec<_>>(), [2, 3, 4]);
        assert!(
            page_numbers(2, 0)
                .unwrap_err()
                .contains("links page 2 but counts 0 pages")
        );
    }

    /// A service whose every page says the next one starts at offset 1.
    #[derive(Clone)]
    struct Backwards;

    impl Positioned for Backwards {
        type Item = u32;
        type Error = Busy;

        async fn fetch_at(self, _: Option<u64>) -> Result<Placed<u32>, Busy> {
            Ok(Placed {
                items: vec![7, 8, 9],
                next: Some(1),
                layout: Layout::Offsets { count: u64::MAX },
            })
        }
    }

    #[tokio::test]
    async fn an_offset_pointing_back_into_the_page_ends_the_walk() {
        let walked: Vec<Result<Vec<u32>, Busy>> = Concurrently::new(Backwards, 4)
            .pages(Retry::NEVER)
            .collect()
            .await;
        assert_eq!(walked, [Ok(vec![7, 8, 9]), Err(Busy(false))]);
    }

    #[test]
    fn link_params_are_read_from_absolute_and_relative_links() {
        assert_eq!(
            link_param(
                "https://api.example.com/v3/audit_events?page=3&per_page=2",
                "page"
            )
            .as_deref(),
            Some("3")
        );
        assert_eq!(
            link_param("/v3/audit_events?types=a%2Cb&page=4", "page").as_deref(),
            Some("4")
        );
        assert_eq!(link_param("/v3/audit_events", "page"), None);
    }

    #[test]
    fn a_string_or_number_cursor_is_sent_as_its_text() {
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Position {
            Text(String),
            Number(i64),
        }
        assert_eq!(
            cursor_text(&Position::Text("1152922976252290886".into())).as_deref(),
            Some("1152922976252290886")
        );
        assert_eq!(cursor_text(&Position::Number(42)).as_deref(), Some("42"));
        assert_eq!(cursor_text(&vec![1]), None);
    }

    #[test]
    fn a_counted_page_is_a_link_and_a_missing_link_header_is_told_apart() {
        let url = query_url("page[number]", 3);
        assert_eq!(link_param(&url, "page[number]").as_deref(), Some("3"));
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(link_header_next(&headers), None);
        headers.insert(
            reqwest::header::LINK,
            reqwest::header::HeaderValue::from_static("</e?page=1>; rel=\"prev\""),
        );
        assert_eq!(link_header_next(&headers), Some(None));
        headers.append(
            reqwest::header::LINK,
            reqwest::header::HeaderValue::from_static("</e?page=3>; rel=\"next\""),
        );
        assert_eq!(link_header_next(&headers), Some(Some("/e?page=3".into())));
    }
}
