//! `audit-export`: every audit event of one service, as NDJSON.
//!
//! ```sh
//! CF_TOKEN=... cargo run -p audit-export -- \
//!     --service cloud-foundry --base-url https://api.example.com --token-env CF_TOKEN --since 2026-11-01T00:00:00Z
//! ```
//!
//! Each service pages its own way; the generated clients' `pages` streams
//! follow it. The time filter goes to the service where it has one
//! (BloodHound `created_at=gte:`, Cloud Foundry `created_ats[gte]`); for
//! InstaVM (newest first) the walk stops at the first older event; Runta's
//! single page is filtered here. Pages answered with 429 or 503 are retried
//! with backoff, honouring `Retry-After`; 401 and 403 end the export with a
//! clear message.
//!
//! Cloud Foundry and BloodHound report how many events match, so their pages
//! are fetched `--concurrency` at a time (default 4), still written in order.
//! Every export is pinned to the instant it starts (Cloud Foundry
//! `created_ats[lt]` at that whole second, BloodHound `before`): events
//! created during the export are left for the next run, so the list cannot
//! shift under the walk; if it changes anyway (events deleted mid-export),
//! the export fails rather than skip or repeat events.
//!
//! With `--state FILE` a scheduled export resumes where the last one stopped:
//! the file holds the newest exported event's time and the ids exported at
//! that time; the next run asks for events from that time on and skips those
//! ids, so nothing is exported twice and nothing between runs is lost. The
//! state never runs ahead of the output:
//!
//! - it is checked before the first request (it must be writable, and belong
//!   to the same service and base URL), and refused where the output would
//!   vanish (standard output closed, or the null device);
//! - it is replaced (atomically, after an fsync) only once an export has
//!   completed and its output has been flushed and synced; a write error (a
//!   full disk, a closed pipe) is an error exit that leaves it unchanged;
//! - when the output is a file appended to (`>>`), the state records its
//!   length, and a resume cuts the file back to it first: the lines of an
//!   export that did not complete (killed, say) are written once, not twice.

use std::io::Write;
use std::time::Instant;

use api_support::paging::{BoxStream, Retry};
use api_support::{Predicate, Timestamp};
use futures::{StreamExt, TryStreamExt};

/// The services there are clients for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    Runta,
    Instavm,
    Bloodhound,
    CloudFoundry,
}

/// What to export, from where.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "audit-export",
    about = "Stream every audit event of a service as NDJSON on stdout"
)]
pub struct Args {
    #[arg(long, value_enum)]
    pub service: Service,
    /// The service's base URL, e.g. https://api.example.com.
    #[arg(long)]
    pub base_url: String,
    /// The environment variable holding the token (or API key for InstaVM; the token key with `--token-id`).
    #[arg(long)]
    pub token_env: String,
    /// BloodHound: sign requests with this API token id (the recommended way to use API tokens)
    /// instead of sending the token as a bearer JWT.
    #[arg(long)]
    pub token_id: Option<String>,
    /// Only events at or after this instant (RFC 3339, from 1970 to 9999).
    #[arg(long, value_parser = since_instant)]
    pub since: Option<Timestamp>,
    /// Items per page (the service's own bounds apply).
    #[arg(long, default_value_t = 200)]
    pub page_size: u32,
    /// How often a page answered with 429/503 is retried.
    #[arg(long, default_value_t = 5)]
    pub max_retries: u32,
    /// Resume from (and record in) this file: only events newer than the last run's are exported.
    #[arg(long)]
    pub state: Option<std::path::PathBuf>,
    /// Pages fetched at once where the service reports its totals (Cloud Foundry,
    /// BloodHound); 1 walks page after page. Every walk fetches the next page
    /// while the current one is written.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// `--since`: an RFC 3339 instant the services can be asked about (1970 to
/// 9999); anything else is a clear error, not an overflow later.
fn since_instant(text: &str) -> Result<Timestamp, String> {
    let time: Timestamp = text
        .parse()
        .map_err(|e| format!("`{text}` is not an RFC 3339 time: {e}"))?;
    let instant = time.into_inner();
    let latest = chrono::DateTime::parse_from_rfc3339("9999-12-31T23:59:59Z")
        .map(|t| t.to_utc())
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    if instant < chrono::DateTime::UNIX_EPOCH || instant > latest {
        return Err(format!(
            "`{text}` is out of range: give a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"
        ));
    }
    Ok(time)
}

/// What `--state` records: where the last export stopped.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResumeState {
    /// The service exported (a state of another service is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    /// The base URL exported from (a state of another deployment is refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// The newest exported event's time.
    pub newest: Option<Timestamp>,
    /// The ids of the events exported at exactly that time.
    pub ids_at_newest: Vec<String>,
    /// The output file as the export left it, when the output is a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<FileEnd>,
}

/// A file and its length: where a completed export left its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileEnd {
    pub device: u64,
    pub inode: u64,
    pub length: u64,
}

fn state_error(path: &std::path::Path, e: impl std::fmt::Display) -> ExportError {
    ExportError::Failed(format!("--state {}: {e}", path.display()))
}

impl ResumeState {
    fn read(path: &std::path::Path) -> Result<ResumeState, ExportError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| state_error(path, format!("not an export state: {e}"))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ResumeState::default()),
            Err(e) => Err(state_error(path, e)),
        }
    }

    /// Before the first request: the state belongs to this export (service
    /// and base URL), and its file can be written.
    fn check(&self, args: &Args, path: &std::path::Path) -> Result<(), ExportError> {
        let name = |s: Service| {
            clap::ValueEnum::to_possible_value(&s)
                .map_or_else(String::new, |v| v.get_name().to_owned())
        };
        if let Some(service) = self.service.filter(|s| *s != args.service) {
            return Err(state_error(
                path,
                format!(
                    "it records an export of {}, not {}: give each export its own state file",
                    name(service),
                    name(args.service)
                ),
            ));
        }
        if let Some(url) = self.base_url.as_ref().filter(|u| **u != args.base_url) {
            return Err(state_error(
                path,
                format!(
                    "it records an export from {url}, not {}: give each export its own state file",
                    args.base_url
                ),
            ));
        }
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, b"")
            .and_then(|()| std::fs::remove_file(&temporary))
            .map_err(|e| state_error(path, format!("cannot be written ({e})")))
    }

    /// Written to a temporary file first, synced, then renamed: a crash never
    /// leaves half a state.
    fn write(&self, path: &std::path::Path) -> Result<(), ExportError> {
        let failed = |e: std::io::Error| state_error(path, e);
        let temporary = path.with_extension("tmp");
        let text = serde_json::to_string_pretty(self).map_err(|e| failed(e.into()))?;
        let mut file = std::fs::File::create(&temporary).map_err(failed)?;
        file.write_all(text.as_bytes()).map_err(failed)?;
        file.sync_all().map_err(failed)?;
        std::fs::rename(&temporary, path).map_err(failed)
    }

    /// Whether an event was exported by an earlier run.
    fn exported(&self, time: Timestamp, id: &str) -> bool {
        self.newest.is_some_and(|newest| {
            time < newest || (time == newest && self.ids_at_newest.iter().any(|i| i == id))
        })
    }

    /// Records an exported event.
    fn record(&mut self, time: Timestamp, id: String) {
        match self.newest {
            Some(newest) if time < newest => {}
            Some(newest) if time == newest => self.ids_at_newest.push(id),
            _ => {
                self.newest = Some(time);
                self.ids_at_newest = vec![id];
            }
        }
    }
}

/// An event's time and id, by service.
fn time_and_id(service: Service, event: &serde_json::Value) -> Option<(Timestamp, String)> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let time = match service {
        Service::Runta => {
            let ms = event.get("observed_unix_ms")?.as_i64()?;
            Timestamp::from(chrono::DateTime::from_timestamp_millis(ms)?)
        }
        _ => event.get("created_at")?.as_str()?.parse().ok()?,
    };
    let id = match service {
        Service::CloudFoundry => text(event.get("guid")?)?,
        _ => text(event.get("id")?)?,
    };
    Some((time, id))
}

/// Why an export stopped.
#[derive(Debug)]
pub enum ExportError {
    /// The service refused the credentials (401) or the action (403).
    Refused { status: u16, detail: String },
    /// Anything else: bad arguments, network, an unexpected answer.
    Failed(String),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Refused {
                status: 401,
                detail,
            } => {
                write!(
                    f,
                    "the service refused the credentials (401 Unauthorized); check the token: {detail}"
                )
            }
            ExportError::Refused { status, detail } => write!(
                f,
                "the service refused the request ({status} Forbidden); the token lacks permission: {detail}"
            ),
            ExportError::Failed(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ExportError {}

impl<E: std::fmt::Debug + serde::Serialize + 'static> From<progenitor_like::Error<E>>
    for ExportError
{
    fn from(e: progenitor_like::Error<E>) -> Self {
        match &e {
            // The service's own words for a refusal: its error body, not a dump of the response.
            progenitor_like::Error::ErrorResponse(value)
                if matches!(value.status().as_u16(), 401 | 403) =>
            {
                let body = serde_json::to_string(&**value).unwrap_or_default();
                ExportError::Refused {
                    status: value.status().as_u16(),
                    detail: api_support::client::short_message(&body, 2000),
                }
            }
            // Anything else with every cause (connection refused, DNS, TLS,
            // timeout, a body past the cap), cut short (a 50 MB payload, say).
            _ => {
                let detail = api_support::client::error_chain(&e, 2000);
                match e.status().map(|s| s.as_u16()) {
                    Some(status @ (401 | 403)) => ExportError::Refused { status, detail },
                    _ => ExportError::Failed(detail),
                }
            }
        }
    }
}

/// The clients' error type (every generated client re-exports the same one).
mod progenitor_like {
    pub use runta_client::Error;
}

/// Where an export writes: a writer that can be synced, and that says when it
/// is a file (so that `--state` can record and restore its end) or discards
/// everything (so that `--state` never records events that went nowhere).
pub trait Output: Write {
    /// Flushes and makes what was written durable.
    fn sync(&mut self) -> std::io::Result<()> {
        self.flush()
    }
    /// The file written to and its length, when the output is a regular file.
    fn file_end(&mut self) -> std::io::Result<Option<FileEnd>> {
        Ok(None)
    }
    /// Cuts the output file back to `length`.
    fn truncate(&mut self, length: u64) -> std::io::Result<()> {
        let _ = length;
        Ok(())
    }
    /// Whether everything written is thrown away (the null device).
    fn discards(&self) -> bool {
        false
    }
}

impl Output for Vec<u8> {}

/// Standard output as an export's [`Output`]: buffered; synced with fsync
/// when it is a file (a pipe or terminal cannot be, and need not be).
pub struct Stdout {
    buffer: std::io::BufWriter<std::io::Stdout>,
    file: std::fs::File,
}

impl Stdout {
    /// Standard output (a closed one is the null device by the time `main`
    /// runs: the Rust runtime reopens it so).
    pub fn open() -> std::io::Result<Self> {
        use std::os::fd::AsFd;
        let stdout = std::io::stdout();
        let file = std::fs::File::from(stdout.as_fd().try_clone_to_owned()?);
        Ok(Stdout {
            buffer: std::io::BufWriter::new(stdout),
            file,
        })
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.buffer.flush()
    }
}

impl Output for Stdout {
    fn sync(&mut self) -> std::io::Result<()> {
        self.buffer.flush()?;
        if self.file.metadata()?.is_file() {
            self.file.sync_all()?;
        }
        Ok(())
    }

    fn file_end(&mut self) -> std::io::Result<Option<FileEnd>> {
        use std::os::unix::fs::MetadataExt;
        self.buffer.flush()?;
        let meta = self.file.metadata()?;
        Ok(meta.is_file().then(|| FileEnd {
            device: meta.dev(),
            inode: meta.ino(),
            length: meta.len(),
        }))
    }

    fn truncate(&mut self, length: u64) -> std::io::Result<()> {
        self.buffer.flush()?;
        self.file.set_len(length)
    }

    fn discards(&self) -> bool {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let null = std::fs::metadata("/dev/null");
        match (self.file.metadata(), null) {
            (Ok(out), Ok(null)) => out.file_type().is_char_device() && out.rdev() == null.rdev(),
            _ => false,
        }
    }
}

/// What an export did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub events: u64,
    pub pages: u64,
}

type Pages<'a> = BoxStream<'a, Vec<serde_json::Value>, ExportError>;

fn json<T: serde::Serialize>(items: Vec<T>) -> Vec<serde_json::Value> {
    items
        .into_iter()
        .filter_map(|i| serde_json::to_value(i).ok())
        .collect()
}

fn client_error(e: api_support::client::ClientError) -> ExportError {
    ExportError::Failed(format!("could not set up the client: {e}"))
}

/// The token, from the environment variable `--token-env` names.
pub fn token(args: &Args) -> Result<String, ExportError> {
    std::env::var(&args.token_env).map_err(|_| {
        ExportError::Failed(format!(
            "the environment variable `{}` holding the token is not set",
            args.token_env
        ))
    })
}

/// Runs an export, writing NDJSON to `out` and (when `progress`) a progress line to `log`.
pub async fn run(
    args: &Args,
    token: String,
    out: &mut dyn Output,
    log: &mut dyn Write,
    progress: bool,
) -> Result<Summary, ExportError> {
    if args.token_id.is_some() && args.service != Service::Bloodhound {
        return Err(ExportError::Failed(
            "`--token-id` (signed requests) is for `--service bloodhound` only".into(),
        ));
    }
    if args.base_url.starts_with("https:") && !cfg!(feature = "tls") {
        return Err(ExportError::Failed(
            "this build has no TLS: rebuild with the default features (or `--features tls`) for https URLs".into(),
        ));
    }
    let retry = Retry {
        max_retries: args.max_retries,
        ..Retry::DEFAULT
    };
    let io = |e: std::io::Error| ExportError::Failed(format!("could not write the export: {e}"));
    // Everything `--state` needs is checked before the first request.
    let mut state = match &args.state {
        Some(path) => {
            let state = ResumeState::read(path)?;
            state.check(args, path)?;
            if out.discards() {
                return Err(state_error(
                    path,
                    "the output is closed or the null device, so the events would be recorded as exported and lost: give the export an output",
                ));
            }
            // An appended output cut back to where the last completed export left it.
            if let (Some(recorded), Some(now)) = (state.output, out.file_end().map_err(io)?)
                && (recorded.device, recorded.inode) == (now.device, now.inode)
                && now.length > recorded.length
            {
                out.truncate(recorded.length).map_err(io)?;
            }
            Some(state)
        }
        None => None,
    };
    // With a state, the walk starts at the last run's newest event (its ids are skipped).
    let since = match (args.since, state.as_ref().and_then(|s| s.newest)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let size = args.page_size.max(1);
    let previous = state.clone().unwrap_or_default();
    let resume = state.as_mut().map(|state| Resume {
        service: args.service,
        previous: &previous,
        state,
    });
    let summary = export(args, token, since, size, retry, resume, out, log, progress).await?;
    // The output is durable before the state says so.
    out.sync().map_err(io)?;
    if let (Some(path), Some(state)) = (&args.state, &mut state) {
        state.service = Some(args.service);
        state.base_url = Some(args.base_url.clone());
        state.output = out.file_end().map_err(io)?;
        state.write(path)?;
    }
    Ok(summary)
}

/// What `--state` adds to an export.
struct Resume<'s> {
    service: Service,
    /// Where the last run stopped (what to skip).
    previous: &'s ResumeState,
    /// Where this run stops (what it exported), starting from `previous`.
    state: &'s mut ResumeState,
}

#[allow(clippy::too_many_arguments)]
async fn export(
    args: &Args,
    token: String,
    since: Option<Timestamp>,
    size: u32,
    retry: Retry,
    resume: Option<Resume<'_>>,
    out: &mut dyn Output,
    log: &mut dyn Write,
    progress: bool,
) -> Result<Summary, ExportError> {
    // Events created from here on are left for the next export.
    let pinned = Timestamp::from(chrono::Utc::now());
    match args.service {
        Service::Runta => {
            let client = runta_client::Client::with_bearer_token(&args.base_url, token)
                .map_err(client_error)?;
            let cutoff = since.map(|s| s.timestamp_millis());
            let pages: Pages = Box::pin(
                client
                    .list_audits()
                    .limit(u64::from(size))
                    .pages(retry)
                    .map_ok(move |audits| {
                        json(
                            audits
                                .into_iter()
                                .filter(|a| cutoff.is_none_or(|c| a.observed_unix_ms >= c))
                                .collect(),
                        )
                    })
                    .map_err(ExportError::from),
            );
            drain(pages, resume, out, log, progress).await
        }
        Service::Instavm => {
            let client = instavm_client::Client::with_api_key(&args.base_url, token)
                .map_err(client_error)?;
            // Newest first: the first event older than `since` ends the walk.
            let pages: Pages = Box::pin(
                client
                    .list_audit_events()
                    .limit(u64::from(size.min(200)))
                    .pages(retry)
                    .map_err(ExportError::from)
                    .map_ok(move |events| {
                        let complete = events.len();
                        let kept: Vec<_> = events
                            .into_iter()
                            .take_while(|e| since.is_none_or(|s| e.created_at >= s))
                            .collect();
                        (kept.len() == complete, json(kept))
                    })
                    .scan(true, |going, page| {
                        let keep_going = *going;
                        if let Ok((all_kept, _)) = &page {
                            *going = *all_kept;
                        }
                        futures::future::ready(keep_going.then(|| page.map(|(_, items)| items)))
                    }),
            );
            drain(pages, resume, out, log, progress).await
        }
        Service::Bloodhound => {
            let client = match &args.token_id {
                Some(id) => bloodhound_client::Client::with_signed_requests(
                    &args.base_url,
                    id.clone(),
                    token,
                ),
                None => bloodhound_client::Client::with_bearer_token(&args.base_url, token),
            }
            .map_err(client_error)?;
            // `after` defaults to a year back on the server; widen it to what was asked.
            let after: Timestamp = since
                .and_then(|s| {
                    s.into_inner()
                        .checked_sub_signed(chrono::TimeDelta::seconds(1))
                })
                .unwrap_or(chrono::DateTime::UNIX_EPOCH)
                .into();
            let mut request = client
                .list_audit_logs()
                .limit(i64::from(size))
                .after(after)
                .before(pinned);
            if let Some(s) = since {
                request = request.created_at(vec![Predicate::gte(s)]);
            }
            let pages = match args.concurrency {
                1 => request.pages(retry),
                k => request.concurrency(usize::from(k)).pages(retry),
            };
            let pages: Pages = Box::pin(pages.map_ok(json).map_err(ExportError::from));
            drain(pages, resume, out, log, progress).await
        }
        Service::CloudFoundry => {
            let client = cloud_foundry_client::Client::with_bearer_token(&args.base_url, token)
                .map_err(client_error)?;
            // The service keeps whole seconds: events of the current second may still come.
            let second = chrono::DateTime::from_timestamp(pinned.timestamp(), 0)
                .unwrap_or(chrono::DateTime::UNIX_EPOCH);
            let mut request = client
                .list_audit_events()
                .per_page(u64::from(size.min(5000)))
                .created_ats_lt(Timestamp::from(second));
            if let Some(s) = since {
                request = request.created_ats_gte(s);
            }
            let pages = match args.concurrency {
                1 => request.pages(retry),
                k => request.concurrency(usize::from(k)).pages(retry),
            };
            let pages: Pages = Box::pin(pages.map_ok(json).map_err(ExportError::from));
            drain(pages, resume, out, log, progress).await
        }
    }
}

/// Writes every event of every page, one JSON object per line (with `--state`,
/// only those an earlier run did not export, recording the newest).
async fn drain(
    mut pages: Pages<'_>,
    mut resume: Option<Resume<'_>>,
    out: &mut dyn Output,
    log: &mut dyn Write,
    progress: bool,
) -> Result<Summary, ExportError> {
    let started = Instant::now();
    let mut summary = Summary::default();
    let io = |e: std::io::Error| ExportError::Failed(format!("could not write the export: {e}"));
    while let Some(page) = pages.next().await {
        let page = page?;
        summary.pages += 1;
        for event in page {
            if let Some(Resume {
                service,
                previous,
                state,
            }) = resume.as_mut()
                && let Some((time, id)) = time_and_id(*service, &event)
            {
                if previous.exported(time, &id) {
                    continue;
                }
                state.record(time, id);
            }
            serde_json::to_writer(&mut *out, &event).map_err(|e| io(e.into()))?;
            out.write_all(b"\n").map_err(io)?;
            summary.events += 1;
        }
        if progress {
            let rate = summary.events as f64 / started.elapsed().as_secs_f64().max(1e-3);
            write!(
                log,
                "\r{} events, {} pages, {rate:.0} events/s",
                summary.events, summary.pages
            )
            .map_err(io)?;
            log.flush().map_err(io)?;
        }
    }
    out.flush().map_err(io)?;
    if progress {
        writeln!(log).map_err(io)?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[test]
    fn an_out_of_range_since_is_a_clear_error() {
        let args = |since: &str| {
            Args::try_parse_from([
                "audit-export",
                "--service",
                "bloodhound",
                "--base-url",
                "http://localhost",
                "--token-env",
                "T",
                &format!("--since={since}"),
            ])
        };
        // The extreme years chrono can hold (the first made the export panic
        // once), and times before the epoch: each a clear error naming `--since`.
        for bad in [
            "-262143-01-01T00:00:00",
            "-262143-01-01T00:00:00Z",
            "+262142-12-31T23:59:59Z",
            "1969-12-31T23:59:59Z",
        ] {
            let error = args(bad).expect_err("refused").to_string();
            assert!(error.contains("--since"), "{bad}: {error}");
            assert!(
                error.contains("is out of range") || error.contains("is not an RFC 3339 time"),
                "{bad}: {error}"
            );
        }
        let error = args("1969-12-31T23:59:59Z")
            .expect_err("refused")
            .to_string();
        assert!(error.contains("is out of range"), "{error}");
        let error = args("yesterday").expect_err("refused").to_string();
        assert!(error.contains("is not an RFC 3339 time"), "{error}");
        let ok = args("2026-11-01T00:00:00Z").expect("a good time");
        assert_eq!(
            ok.since.map(|s| s.into_inner().to_rfc3339()).as_deref(),
            Some("2026-11-01T00:00:00+00:00")
        );
    }
}
