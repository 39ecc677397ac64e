//! The walks themselves, compiled once. A page's items, a page token and a
//! service's error travel behind small trait objects ([`Items`],
//! [`PlacedItems`], [`Token`], [`Erased`]), so that the stream machinery
//! (retries, read-ahead, the checks, `buffered`, `scan`) is not compiled
//! again for every list operation of a client: the generic functions of
//! [`super`] box a request's pages on the way in and unbox them on the way
//! out, and only those thin adapters are compiled per operation.

use std::any::Any;
use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt};

use super::{Layout, MAX_PAGES, Retry, Retryable};

pub(super) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A value whose type only the caller's adapter knows: a page's `Vec<T>`,
/// or the service's error.
pub(super) type Erased = Box<dyn Any + Send>;

/// A stream of erased pages, or of what ended the walk.
pub(super) type ErasedPages<'a> = Pin<Box<dyn Stream<Item = Result<Erased, Ended>> + Send + 'a>>;

/// What ends a walk early.
pub(super) enum Ended {
    /// The service's error (the request's own error type, boxed).
    Service(Erased),
    /// The walk's own verdict ([`Retryable::walk_error`]'s message).
    Walk(String),
}

/// A fetch that failed: the error, and whether the service asks for a retry.
pub(super) struct Refused {
    error: Erased,
    retry_after: Option<Option<Duration>>,
}

/// A request's error as a [`Refused`].
pub(super) fn refused<E: Retryable + Send + 'static>(error: E) -> Refused {
    Refused {
        retry_after: error.retry_after(),
        error: Box::new(error),
    }
}

/// A page's items (a `Vec<T>`), as a walk sees them.
pub(super) trait Items: Send {
    fn count(&self) -> usize;
    /// The page's length, first and last items, hashed (8 bytes a page).
    fn fingerprint(&self, hasher: &RandomState) -> Option<u64>;
    fn into_any(self: Box<Self>) -> Erased;
}

/// The items of a positioned page, which the walk compares where pages meet.
pub(super) trait PlacedItems: Items {
    /// The last item alone.
    fn last_alone(&self) -> Option<Box<dyn PlacedItems>>;
    /// Whether the page holds the item `one` holds alone.
    fn holds(&self, one: &dyn PlacedItems) -> bool;
    /// Whether the page starts with the item `one` holds alone.
    fn starts_with(&self, one: &dyn PlacedItems) -> bool;
    fn drop_first(&mut self);
    fn as_any(&self) -> &dyn Any;
}

impl<T: std::fmt::Debug + Send + 'static> Items for Vec<T> {
    fn count(&self) -> usize {
        self.len()
    }

    fn fingerprint(&self, hasher: &RandomState) -> Option<u64> {
        fingerprint(self, hasher)
    }

    fn into_any(self: Box<Self>) -> Erased {
        self
    }
}

impl<T: Clone + PartialEq + std::fmt::Debug + Send + 'static> PlacedItems for Vec<T> {
    fn last_alone(&self) -> Option<Box<dyn PlacedItems>> {
        let last: Vec<T> = vec![self.last()?.clone()];
        Some(Box::new(last))
    }

    fn holds(&self, one: &dyn PlacedItems) -> bool {
        let one = one
            .as_any()
            .downcast_ref::<Vec<T>>()
            .and_then(|v| v.first());
        one.is_some_and(|item| self.contains(item))
    }

    fn starts_with(&self, one: &dyn PlacedItems) -> bool {
        let one = one
            .as_any()
            .downcast_ref::<Vec<T>>()
            .and_then(|v| v.first());
        one.is_some_and(|item| self.first() == Some(item))
    }

    fn drop_first(&mut self) {
        if !self.is_empty() {
            self.remove(0);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A page token, as a walk sees it.
pub(super) trait Token: Send + Sync {
    fn hash_with(&self, hasher: &RandomState) -> u64;
    fn shown(&self) -> String;
    fn as_any(&self) -> &dyn Any;
}

impl<K: Eq + std::hash::Hash + std::fmt::Debug + Send + Sync + 'static> Token for K {
    fn hash_with(&self, hasher: &RandomState) -> u64 {
        std::hash::BuildHasher::hash_one(hasher, self)
    }

    fn shown(&self) -> String {
        format!("{self:?}")
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A page's fingerprint: its length and its first and last items, hashed (8
/// bytes a page, however large its items). Items are read through `Debug`,
/// which every generated type derives and which is compiled once with its
/// type (a `Serialize` into a hasher would be compiled again in every client
/// for every item type).
pub(super) fn fingerprint<T: std::fmt::Debug>(items: &[T], hasher: &RandomState) -> Option<u64> {
    use std::fmt::Write as _;
    use std::hash::{BuildHasher, Hasher};
    struct Hashing<H>(H);
    impl<H: Hasher> std::fmt::Write for Hashing<H> {
        fn write_str(&mut self, text: &str) -> std::fmt::Result {
            self.0.write(text.as_bytes());
            Ok(())
        }
    }
    let (first, last) = (items.first()?, items.last()?);
    let mut state = Hashing(hasher.build_hasher());
    state.0.write_usize(items.len());
    write!(state, "{first:?}\u{0}{last:?}").ok()?;
    Some(state.0.finish())
}

/// `attempt()` until it succeeds or fails with an error that may not be
/// retried (or has been retried as often as `retry` allows).
async fn retried<P, Fut>(retry: Retry, attempt: impl Fn() -> Fut) -> Result<P, Erased>
where
    Fut: Future<Output = Result<P, Refused>>,
{
    let mut count = 0;
    loop {
        match attempt().await {
            Ok(page) => return Ok(page),
            Err(Refused {
                error,
                retry_after: Some(asked),
            }) if count < retry.max_retries => {
                drop(error);
                tokio::time::sleep(retry.delay(count, asked)).await;
                count += 1;
            }
            Err(refused) => return Err(refused.error),
        }
    }
}

/// One page of a walk by token: its items and the next page's token.
pub(super) struct Page {
    pub items: Box<dyn Items>,
    pub next: Option<Arc<dyn Token>>,
}

/// Fetches the page a token names (`None`: the first).
pub(super) type FetchPage<'a> =
    Box<dyn Fn(Option<Arc<dyn Token>>) -> BoxFuture<'a, Result<Page, Refused>> + Send + Sync + 'a>;

/// The walk by token behind [`super::pages`].
pub(super) fn by_token<'a>(fetch: FetchPage<'a>, retry: Retry) -> ErasedPages<'a> {
    let fetch = Arc::new(fetch);
    let fetch_page: Retried<'a> = Box::new(move |token: Option<Arc<dyn Token>>| {
        let fetch = fetch.clone();
        Box::pin(retried(retry, move || fetch(token.clone())))
    });
    let first = fetch_page(None);
    Box::pin(Walk {
        fetch_page,
        pending: Some(first),
        seen: HashSet::new(),
        hasher: RandomState::new(),
        failed: None,
        delivered: HashSet::new(),
    })
}

/// Fetches the page a token names, retried as the walk's policy says.
type Retried<'a> =
    Box<dyn Fn(Option<Arc<dyn Token>>) -> BoxFuture<'a, Result<Page, Erased>> + Send + Sync + 'a>;

/// The state of a walk by token: the page in flight, the tokens followed so
/// far (as 64-bit hashes: eight bytes a page however long a token is).
struct Walk<'a> {
    fetch_page: Retried<'a>,
    pending: Option<BoxFuture<'a, Result<Page, Erased>>>,
    seen: HashSet<u64>,
    hasher: RandomState,
    /// Set when the page just delivered named a token already followed.
    failed: Option<String>,
    /// The fingerprints of the pages delivered.
    delivered: HashSet<u64>,
}

impl Stream for Walk<'_> {
    type Item = Result<Erased, Ended>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(message) = this.failed.take() {
            return Poll::Ready(Some(Err(Ended::Walk(message))));
        }
        let Some(pending) = this.pending.as_mut() else {
            return Poll::Ready(None);
        };
        let Page { items, next } = match pending.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => {
                this.pending = None;
                return Poll::Ready(Some(Err(Ended::Service(e))));
            }
            Poll::Ready(Ok(page)) => page,
        };
        this.pending = None;
        if let Some(fingerprint) = items.fingerprint(&this.hasher)
            && !this.delivered.insert(fingerprint)
        {
            return Poll::Ready(Some(Err(Ended::Walk(format!(
                "the service sent page {} with the same items as an earlier page; the walk stops rather than repeat them (does the service ignore the page token?)",
                this.seen.len() + 1
            )))));
        }
        match next {
            Some(k) if this.seen.contains(&k.hash_with(&this.hasher)) => {
                this.failed = Some(format!(
                    "the service sent the page token {} again after {} pages; the walk stops instead of looping",
                    k.shown(),
                    this.seen.len() + 1
                ));
            }
            Some(_) if this.seen.len() + 1 >= MAX_PAGES => {
                this.failed = Some(format!(
                    "the service still had more pages after {MAX_PAGES}; the walk stops"
                ));
            }
            Some(k) => {
                this.seen.insert(k.hash_with(&this.hasher));
                // Ask for the next page now: its round trip overlaps the caller's work on this one.
                let mut next_page = (this.fetch_page)(Some(k));
                if let Poll::Ready(result) = next_page.as_mut().poll(cx) {
                    next_page = Box::pin(std::future::ready(result));
                }
                this.pending = Some(next_page);
            }
            None => {}
        }
        Poll::Ready(Some(Ok(items.into_any())))
    }
}

/// One page of a positioned walk.
pub(super) struct PlacedPage {
    pub items: Box<dyn PlacedItems>,
    pub next: Option<u64>,
    pub layout: Layout,
}

/// Fetches the page at a position (`None`: the page the request names as built).
pub(super) type FetchAt<'a> =
    Arc<dyn Fn(Option<u64>) -> BoxFuture<'a, Result<PlacedPage, Refused>> + Send + Sync + 'a>;

/// A fetch at a position, retried as the walk's policy says.
type Fetch<'a> =
    Arc<dyn Fn(Option<u64>) -> BoxFuture<'a, Result<PlacedPage, Erased>> + Send + Sync + 'a>;

/// The positioned walk behind [`super::Concurrently::pages`].
pub(super) fn positioned<'a>(
    fetch_at: FetchAt<'a>,
    concurrency: usize,
    retry: Retry,
) -> ErasedPages<'a> {
    let fetch: Fetch<'a> = Arc::new(move |position: Option<u64>| {
        let fetch_at = fetch_at.clone();
        Box::pin(retried(retry, move || fetch_at(position)))
    });
    let walk = async move {
        let first = fetch(None).await.map_err(Ended::Service)?;
        let PlacedPage {
            items: first_items,
            next,
            layout,
        } = first;
        let rest: PlacedStream<'a> = match (next, layout) {
            (None, _) => stream::empty().boxed(),
            (Some(next), Layout::Pages { last, total }) => {
                numbered(fetch, concurrency, &*first_items, next, (last, total))
            }
            (Some(next), Layout::Offsets { count }) => {
                offsets(fetch, concurrency, &*first_items, next, count)
            }
        };
        Ok::<_, Ended>(stream::once(async move { Ok(first_items) }).chain(rest))
    };
    // The first error ends the walk, as in the walk by token.
    let pages = stream::once(walk)
        .flat_map(|walk| match walk {
            Ok(pages) => pages.boxed(),
            Err(ended) => stream::once(async move { Err(ended) }).boxed(),
        })
        .scan(false, |failed, page| {
            let done = std::mem::replace(failed, page.is_err());
            std::future::ready((!done).then_some(page))
        })
        .map(|page| page.map(|items| items.into_any()));
    Box::pin(Ahead {
        inner: Box::pin(pages),
        next: None,
    })
}

/// A stream that, as it hands out an item, polls its inner stream once more:
/// the next page's request goes out while the caller works on this one (the
/// inner `buffered` stream only starts fetches when polled). What that poll
/// yields is kept for the next call.
struct Ahead<S: Stream> {
    inner: Pin<Box<S>>,
    next: Option<Option<S::Item>>,
}

// The inner stream is pinned in its box; the item kept is never pinned.
impl<S: Stream> Unpin for Ahead<S> {}

impl<S: Stream> Stream for Ahead<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(next) = this.next.take() {
            return Poll::Ready(next);
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(item)) => {
                if let Poll::Ready(next) = this.inner.as_mut().poll_next(cx) {
                    this.next = Some(next);
                }
                Poll::Ready(Some(item))
            }
            other => other,
        }
    }
}

type PlacedStream<'a> =
    Pin<Box<dyn Stream<Item = Result<Box<dyn PlacedItems>, Ended>> + Send + 'a>>;

/// The pages after the first of a numbered walk: `next` to `last`, fetched
/// `concurrency` at a time, each checked against the first (as long as it,
/// `total` in all) and against the page before it (none holds its last item).
fn numbered<'a>(
    fetch: Fetch<'a>,
    concurrency: usize,
    first: &dyn PlacedItems,
    next: u64,
    (last, total): (u64, u64),
) -> PlacedStream<'a> {
    let length = first.count();
    let previous_last = first.last_alone();
    match page_numbers(next, last) {
        Err(message) => stream::once(async { Err(Ended::Walk(message)) }).boxed(),
        Ok(positions) => stream::iter(positions)
            .map(move |position| {
                let page = fetch(Some(position));
                async move {
                    let page = page.await.map_err(Ended::Service)?;
                    check_page(&page, position, position == last, length, total)
                        .map_err(Ended::Walk)?;
                    Ok((position, page.items))
                }
            })
            .buffered(concurrency)
            // In order: a page must not repeat the last item of the page before it.
            .scan(
                (previous_last, false),
                |(previous_last, done), page| {
                    if *done {
                        return std::future::ready(None);
                    }
                    let page = page.and_then(|(position, items)| {
                        if let Some(seen) = previous_last.as_deref()
                            && items.holds(seen)
                        {
                            return Err(Ended::Walk(format!(
                                "{CHANGED}: page {position} holds the last item of page {}, so the pages shifted; {ADVICE}",
                                position - 1
                            )));
                        }
                        *previous_last = items.last_alone();
                        Ok(items)
                    });
                    *done = page.is_err();
                    std::future::ready(Some(page))
                },
            )
            .boxed(),
    }
}

/// The page numbers after the first (whose successor is `next`), up to `last`.
pub(super) fn page_numbers(next: u64, last: u64) -> Result<std::ops::RangeInclusive<u64>, String> {
    if next > last {
        return Err(format!(
            "the service links page {next} but counts {last} pages; the walk stops rather than skip pages"
        ));
    }
    if last.saturating_sub(next) >= MAX_PAGES as u64 {
        return Err(format!(
            "the service counts more than {MAX_PAGES} pages; the walk stops"
        ));
    }
    Ok(next..=last)
}

/// Checks a numbered page against the first page: the list must not have changed.
pub(super) fn check_page(
    page: &PlacedPage,
    position: u64,
    last: bool,
    length: usize,
    total: u64,
) -> Result<(), String> {
    let Layout::Pages { total: counted, .. } = page.layout else {
        return Err(format!(
            "{CHANGED}: page {position} is laid out by offset, the first page by number; {ADVICE}"
        ));
    };
    if counted != total {
        return Err(format!(
            "{CHANGED}: its first page counted {total} items, page {position} counts {counted}; {ADVICE}"
        ));
    }
    let received = page.items.count();
    if !last && received != length {
        return Err(format!(
            "{CHANGED}: page {position} holds {received} items where {length} were expected; {ADVICE}"
        ));
    }
    // A page knows its own place by the page it links next.
    if !last && page.next != Some(position + 1) {
        return Err(match page.next {
            Some(next) => format!(
                "the service answered the request for page {position} with a page that links page {next} next; the walk stops rather than repeat or skip items"
            ),
            None => format!(
                "the service answered the request for page {position} with a page that says it is the last, before the last page; the walk stops rather than skip items"
            ),
        });
    }
    if last && (page.next.is_some() || received == 0) {
        return Err(format!(
            "{CHANGED}: page {position} should be the last, non-empty page; {ADVICE}"
        ));
    }
    Ok(())
}

const CHANGED: &str = "the list changed during the walk";
const ADVICE: &str = "the walk stops rather than skip or repeat items (pin the list's upper bound, e.g. its creation time, or walk without concurrency)";

/// What an offset walk remembers between pages.
struct OffsetState {
    last_seen: Box<dyn PlacedItems>,
    done: bool,
    /// Without overlap (one-item pages): every item delivered, by its
    /// fingerprint (8 bytes an item), so that none comes twice.
    delivered: HashSet<u64>,
    hasher: RandomState,
}

/// The pages after the first of an offset walk: overlapping by one item,
/// fetched `concurrency` at a time up to the count, then one at a time until
/// a short page.
fn offsets<'a>(
    fetch: Fetch<'a>,
    concurrency: usize,
    first: &dyn PlacedItems,
    next: u64,
    count: u64,
) -> PlacedStream<'a> {
    let length = first.count() as u64;
    let Some(last_seen) = first.last_alone() else {
        return stream::empty().boxed();
    };
    // The next page starts where this one ends; a service saying otherwise is not followed.
    if next < length {
        let message = format!(
            "the service placed the next page at offset {next}, inside the {length} items it just sent; the walk stops"
        );
        return stream::once(async move { Err(Ended::Walk(message)) }).boxed();
    }
    // One item cannot overlap: such pages are walked one by one, as the service links them.
    let (step, start) = if length >= 2 {
        (length - 1, next - 1)
    } else {
        (length, next)
    };
    let overlap = length >= 2;
    let planned = count
        .saturating_sub(start)
        .div_ceil(step)
        .min(MAX_PAGES as u64);
    let fetch_one = move |position: u64| {
        let page = fetch(Some(position));
        async move { page.await.map(|page| (position, page)) }
    };
    let ahead = stream::iter((0..planned).map(move |i| start + i * step))
        .map(fetch_one.clone())
        .buffered(concurrency);
    // Past the planned pages (the count fell short), one page at a time until a short one.
    let behind = stream::unfold(start + planned * step, move |position| {
        let page = fetch_one(position);
        async move { Some((page.await, position.saturating_add(step))) }
    })
    .take(MAX_PAGES);
    let hasher = RandomState::new();
    let mut delivered = HashSet::new();
    if !overlap && let Some(first) = first.fingerprint(&hasher) {
        delivered.insert(first);
    }
    let state = OffsetState {
        last_seen,
        done: false,
        delivered,
        hasher,
    };
    ahead
        .chain(behind)
        .scan(state, move |state, page| {
            std::future::ready(next_offset_page(state, page, overlap, length))
        })
        .filter(|page| std::future::ready(!matches!(page, Ok(items) if items.count() == 0)))
        .boxed()
}

/// One page of an offset walk, checked against what came before.
fn next_offset_page(
    state: &mut OffsetState,
    page: Result<(u64, PlacedPage), Erased>,
    overlap: bool,
    length: u64,
) -> Option<Result<Box<dyn PlacedItems>, Ended>> {
    if state.done {
        return None;
    }
    let (position, page) = match page {
        Ok(page) => page,
        Err(e) => {
            state.done = true;
            return Some(Err(Ended::Service(e)));
        }
    };
    let mut items = page.items;
    let received = items.count() as u64;
    // Pages of one item cannot overlap: one that repeats an item delivered before is caught.
    if !overlap
        && let Some(item) = items.fingerprint(&state.hasher)
        && !state.delivered.insert(item)
    {
        state.done = true;
        return Some(Err(Ended::Walk(format!(
            "the service answered the request for offset {position} with an item it sent before; the walk stops rather than repeat it (does the service ignore the offset?)"
        ))));
    }
    if overlap {
        if !items.starts_with(&*state.last_seen) {
            state.done = true;
            return Some(Err(Ended::Walk(format!(
                "{CHANGED}: the page at offset {position} does not start with the previous page's last item; {ADVICE}"
            ))));
        }
        items.drop_first();
    }
    if let Some(last) = items.last_alone() {
        state.last_seen = last;
    }
    // A short page is the last one (the count is not trusted to say so).
    state.done = received < length;
    Some(Ok(items))
}
