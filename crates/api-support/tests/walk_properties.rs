//! Every paging walk against a randomised hostile server: repeated pages,
//! ignored positions (`page`, `skip`, a cursor), lists that shift under the
//! walk, cycles and huge tokens. A walk either yields exactly the list as it
//! was when the walk began, or ends with an error; before an error it has
//! yielded a prefix of that list: never a duplicate, never a skipped item.

#![cfg(feature = "client")]

use std::sync::{Arc, Mutex};

use api_support::paging::{
    BoxStream, Concurrently, Layout, Placed, Positioned, Retry, Retryable, pages,
};
use futures_util::StreamExt;
use proptest::prelude::*;

#[derive(Debug)]
struct WalkError(String);

impl Retryable for WalkError {
    fn retry_after(&self) -> Option<Option<std::time::Duration>> {
        None
    }
    fn walk_error(message: String) -> Self {
        WalkError(message)
    }
}

/// What the server does wrong, and at which fetch (the first fetch, 0, is
/// always honest: the list as it is then is the truth).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// Answers with its previous answer again.
    RepeatPrevious,
    /// From then on, answers every request with the first page (echoing the position asked for).
    IgnorePosition,
    /// A new item at the front: the list grows, later pages shift back.
    InsertFront,
    /// The first item deleted: the list shrinks, later pages shift forward.
    DeleteFront,
    /// A new item at the front and the last deleted: same totals, shifted back.
    InsertFrontDeleteBack,
    /// The first item deleted and a new one at the back: same totals, shifted forward.
    DeleteFrontInsertBack,
    /// A cursor that points back at an earlier page.
    Cycle,
}

struct Server {
    list: Vec<u32>,
    next_new: u32,
    size: usize,
    fault: Fault,
    at: usize,
    fetches: usize,
    previous: Option<(usize, Vec<u32>)>,
    ignoring: bool,
    /// Bytes of padding on every cursor (huge tokens).
    padding: usize,
}

impl Server {
    fn new(items: usize, size: usize, fault: Fault, at: usize, padding: usize) -> Self {
        Server {
            list: (0..items as u32).collect(),
            next_new: 1_000_000,
            size,
            fault,
            at,
            fetches: 0,
            previous: None,
            ignoring: false,
            padding,
        }
    }

    /// The items from `start` as the server sends them (the fault applied):
    /// the start it answered for and the items.
    fn answer(&mut self, start: usize) -> (usize, Vec<u32>) {
        let fetch = self.fetches;
        self.fetches += 1;
        if fetch == self.at {
            match self.fault {
                Fault::InsertFront => {
                    self.list.insert(0, self.next_new);
                    self.next_new += 1;
                }
                Fault::DeleteFront if !self.list.is_empty() => {
                    self.list.remove(0);
                }
                Fault::InsertFrontDeleteBack if !self.list.is_empty() => {
                    self.list.insert(0, self.next_new);
                    self.next_new += 1;
                    self.list.pop();
                }
                Fault::DeleteFrontInsertBack if !self.list.is_empty() => {
                    self.list.remove(0);
                    self.list.push(self.next_new);
                    self.next_new += 1;
                }
                Fault::IgnorePosition => self.ignoring = true,
                Fault::RepeatPrevious => {
                    if let Some(previous) = self.previous.clone() {
                        return previous;
                    }
                }
                _ => {}
            }
        }
        let start = if self.ignoring { 0 } else { start };
        let end = (start + self.size).min(self.list.len());
        let items = self.list.get(start..end).unwrap_or_default().to_vec();
        self.previous = Some((start, items.clone()));
        (start, items)
    }

    fn cursor(&self, index: usize) -> String {
        format!("{index}:{}", "x".repeat(self.padding))
    }
}

type Shared = Arc<Mutex<Server>>;

/// Numbered pages with exact totals and next links (Cloud Foundry's layout).
#[derive(Clone)]
struct Numbered(Shared);

impl Positioned for Numbered {
    type Item = u32;
    type Error = WalkError;
    async fn fetch_at(self, position: Option<u64>) -> Result<Placed<u32>, WalkError> {
        let mut server = self.0.lock().unwrap();
        let page = position.unwrap_or(1).max(1) as usize;
        let size = server.size;
        let (start, items) = server.answer((page - 1) * size);
        let total = server.list.len() as u64;
        let last = total.div_ceil(server.size as u64).max(1);
        // The page the server really sent links the one after it.
        let sent = (start / server.size + 1) as u64;
        Ok(Placed {
            next: (sent < last).then_some(sent + 1),
            layout: Layout::Pages { last, total },
            items,
        })
    }
}

/// Item offsets with a count (BloodHound's layout; the skip asked for is echoed).
#[derive(Clone)]
struct Offsets(Shared);

impl Positioned for Offsets {
    type Item = u32;
    type Error = WalkError;
    async fn fetch_at(self, position: Option<u64>) -> Result<Placed<u32>, WalkError> {
        let mut server = self.0.lock().unwrap();
        let skip = position.unwrap_or(0) as usize;
        let (_, items) = server.answer(skip);
        let count = server.list.len() as u64;
        let reached = (skip + items.len()) as u64;
        Ok(Placed {
            next: (!items.is_empty() && reached < count).then_some(reached),
            layout: Layout::Offsets { count },
            items,
        })
    }
}

/// A cursor walk (or a link walk: the token is the next page's URL), through `pages`.
fn cursor_walk(server: Shared, links: bool) -> BoxStream<'static, Vec<u32>, WalkError> {
    pages(
        server,
        Retry::NEVER,
        move |server: Shared, token: Option<String>| async move {
            let mut server = server.lock().unwrap();
            let start = match &token {
                None => 0,
                Some(token) => {
                    let token = token.trim_start_matches("/items?after=");
                    token
                        .split(':')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .ok_or_else(|| WalkError(format!("bad token {token}")))?
                }
            };
            let fetch = server.fetches;
            let (start, items) = server.answer(start);
            let end = start + items.len();
            let next_index = if server.fault == Fault::Cycle && fetch >= server.at && end > 0 {
                // Back to the start of this page's predecessor (or this page).
                start.saturating_sub(server.size)
            } else {
                end
            };
            let next = (end < server.list.len() && !items.is_empty()).then(|| {
                let cursor = server.cursor(next_index);
                if links {
                    format!("/items?after={cursor}")
                } else {
                    cursor
                }
            });
            Ok((items, next))
        },
    )
}

/// Numbered pages without totals, through `pages` (a page number counted on
/// until a short page): the walks of services that report no totals.
fn counted_walk(server: Shared) -> BoxStream<'static, Vec<u32>, WalkError> {
    pages(
        server,
        Retry::NEVER,
        move |server: Shared, token: Option<u64>| async move {
            let mut server = server.lock().unwrap();
            let page = token.unwrap_or(1) as usize;
            let size = server.size;
            let (_, items) = server.answer((page - 1) * size);
            let next = (items.len() == size).then_some(page as u64 + 1);
            Ok((items, next))
        },
    )
}

/// A positioned walk: `pages()` (concurrency 1: `Concurrently::sequential`)
/// or `concurrency(k)`.
fn positioned<P>(request: P, concurrency: usize) -> BoxStream<'static, Vec<u32>, WalkError>
where
    P: Positioned<Item = u32, Error = WalkError> + 'static,
{
    if concurrency > 1 {
        Concurrently::new(request, concurrency).pages(Retry::NEVER)
    } else {
        Concurrently::sequential(request).pages(Retry::NEVER)
    }
}

/// Runs a walk to its end or first error: what it yielded, and whether it failed.
fn run(walk: BoxStream<'static, Vec<u32>, WalkError>) -> (Vec<u32>, Option<String>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let mut walk = walk;
        let mut yielded = Vec::new();
        while let Some(page) = walk.next().await {
            match page {
                Ok(items) => yielded.extend(items),
                Err(WalkError(message)) => return (yielded, Some(message)),
            }
        }
        (yielded, None)
    })
}

/// The property: all of `truth` without an error, else a prefix of it.
fn holds(truth: &[u32], yielded: &[u32], error: &Option<String>) -> Result<(), TestCaseError> {
    match error {
        None => prop_assert_eq!(
            yielded,
            truth,
            "a walk without an error yields the whole list"
        ),
        Some(message) => prop_assert!(
            truth.starts_with(yielded),
            "before the error ({message}) the walk yielded {yielded:?}, not a prefix of {truth:?}"
        ),
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Numbered,
    Offsets,
    Cursor,
    Link,
    Counted,
}

/// The faults a walk of `kind` can be held to: a positioned walk sees every
/// change of the list except the ones its layout cannot show (documented on
/// `Concurrently`): numbered pages, a shift forward that keeps the totals;
/// one-row offset pages (no overlap), any shift forward. Walks without
/// positions follow the service's own tokens: they are held to repeats,
/// ignored positions and cycles.
fn faults(kind: Kind, size: usize) -> Vec<Fault> {
    let mut all = vec![Fault::None, Fault::RepeatPrevious, Fault::IgnorePosition];
    match kind {
        Kind::Numbered => all.extend([
            Fault::InsertFront,
            Fault::DeleteFront,
            Fault::InsertFrontDeleteBack,
        ]),
        Kind::Offsets if size >= 2 => all.extend([
            Fault::InsertFront,
            Fault::DeleteFront,
            Fault::InsertFrontDeleteBack,
            Fault::DeleteFrontInsertBack,
        ]),
        Kind::Offsets => all.extend([Fault::InsertFront, Fault::InsertFrontDeleteBack]),
        Kind::Cursor | Kind::Link => all.push(Fault::Cycle),
        Kind::Counted => {}
    }
    all
}

fn case() -> impl Strategy<Value = (Kind, usize, usize, Fault, usize, usize, usize)> {
    (
        prop_oneof![
            Just(Kind::Numbered),
            Just(Kind::Offsets),
            Just(Kind::Cursor),
            Just(Kind::Link),
            Just(Kind::Counted),
        ],
        0usize..40,
        1usize..7,
        1usize..12,
        1usize..5,
        prop_oneof![Just(0usize), Just(64 * 1024)],
    )
        .prop_flat_map(|(kind, items, size, at, concurrency, padding)| {
            let faults = faults(kind, size);
            (0..faults.len())
                .prop_map(move |i| (kind, items, size, faults[i], at, concurrency, padding))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn every_walk_yields_the_true_list_or_an_error(
        (kind, items, size, fault, at, concurrency, padding) in case()
    ) {
        let server = Arc::new(Mutex::new(Server::new(items, size, fault, at, padding)));
        let truth: Vec<u32> = (0..items as u32).collect();
        let walk = match kind {
            Kind::Numbered => positioned(Numbered(server.clone()), concurrency),
            Kind::Offsets => positioned(Offsets(server.clone()), concurrency),
            Kind::Cursor => cursor_walk(server.clone(), false),
            Kind::Link => cursor_walk(server.clone(), true),
            Kind::Counted => counted_walk(server.clone()),
        };
        let (yielded, error) = run(walk);
        holds(&truth, &yielded, &error)?;
    }
}

#[test]
fn a_server_that_ignores_skip_is_caught_by_every_offset_walk() {
    for (size, concurrency) in [(1, 1), (1, 4), (5, 1), (5, 4)] {
        let server = Arc::new(Mutex::new(Server::new(
            30,
            size,
            Fault::IgnorePosition,
            1,
            0,
        )));
        let walk = positioned(Offsets(server), concurrency);
        let (yielded, error) = run(walk);
        assert!(
            error.is_some(),
            "size {size}, concurrency {concurrency}: {yielded:?}"
        );
        assert_eq!(yielded, (0..size as u32).collect::<Vec<_>>());
    }
}

#[test]
fn a_server_that_serves_page_one_for_every_page_is_caught_before_its_items() {
    for concurrency in [1, 8] {
        let server = Arc::new(Mutex::new(Server::new(
            100,
            10,
            Fault::IgnorePosition,
            1,
            0,
        )));
        let walk = positioned(Numbered(server), concurrency);
        let (yielded, error) = run(walk);
        let error = error.expect("an error");
        assert_eq!(yielded, (0..10).collect::<Vec<_>>(), "{error}");
        assert!(error.contains("page 2"), "{error}");
    }
}

#[test]
fn pages_that_shift_back_with_the_same_totals_are_caught() {
    let server = Arc::new(Mutex::new(Server::new(
        100,
        10,
        Fault::InsertFrontDeleteBack,
        3,
        0,
    )));
    let (yielded, error) = run(positioned(Numbered(server), 1));
    let error = error.expect("an error");
    assert!(error.contains("shifted"), "{error}");
    assert!((0..100).collect::<Vec<u32>>().starts_with(&yielded));
}

#[test]
fn a_cursor_walk_whose_server_ignores_the_cursor_delivers_no_page_twice() {
    let server = Arc::new(Mutex::new(Server::new(50, 5, Fault::IgnorePosition, 1, 0)));
    let (yielded, error) = run(cursor_walk(server, false));
    assert_eq!(yielded, (0..5).collect::<Vec<_>>());
    assert!(error.expect("an error").contains("same items"));
}
