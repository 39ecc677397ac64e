//! Credentials for the generated clients, sent as default headers of the
//! `reqwest` client and marked sensitive so they never show in `Debug` output.

use std::fmt;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};

use crate::Secret;

/// How a client authenticates, one variant per OpenAPI security scheme type.
#[derive(Clone, Debug)]
pub enum Auth {
    /// `Authorization: Bearer <token>` (`http`/`bearer` and `oauth2` schemes).
    Bearer(Secret),
    /// An API key in a header (`apiKey`, `in: header`).
    ApiKeyHeader { header: &'static str, key: Secret },
    /// `Authorization: Basic <base64 of user:password>` (`http`/`basic`).
    Basic { username: String, password: Secret },
}

/// Why a client could not be built.
#[derive(Debug)]
pub enum ClientError {
    /// The credential contains characters that cannot appear in an HTTP header.
    InvalidCredential,
    /// The underlying `reqwest` client could not be built (e.g. TLS set-up).
    Http(reqwest::Error),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::InvalidCredential => {
                f.write_str("the credential contains characters not allowed in an HTTP header")
            }
            ClientError::Http(e) => write!(f, "could not build the HTTP client: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Http(e) => Some(e),
            ClientError::InvalidCredential => None,
        }
    }
}

/// How each request is signed, for security schemes that sign requests rather
/// than send a fixed credential.
#[derive(Clone, Debug, Default)]
pub enum Signer {
    /// No signing (the credential, if any, is a default header).
    #[default]
    None,
    /// BloodHound's signed requests (HTTP scheme `bhesignature`): an HMAC-SHA256 chain over
    /// the method and URI, the request time truncated to the hour, and the body, sent as
    /// `Authorization: bhesignature <token id>`, `RequestDate` and `Signature` (base64).
    BloodHound { token_id: String, token_key: Secret },
}

impl Signer {
    /// Signs a request about to be sent (the generated clients call this before each request).
    pub async fn sign(&self, request: &mut reqwest::Request) -> Result<(), ClientError> {
        self.sign_at(request, chrono::Utc::now())
    }

    /// Signs a request as if sent at `now`.
    pub fn sign_at(
        &self,
        request: &mut reqwest::Request,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ClientError> {
        let Signer::BloodHound {
            token_id,
            token_key,
        } = self
        else {
            return Ok(());
        };
        let url = request.url();
        let uri = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let date = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, false);
        let body = request
            .body()
            .and_then(reqwest::Body::as_bytes)
            .unwrap_or_default();
        let signature = crate::signing::signature(
            token_key.expose(),
            request.method().as_str(),
            &uri,
            &date,
            body,
        );
        let header = |value: String| {
            HeaderValue::from_str(&value).map_err(|_| ClientError::InvalidCredential)
        };
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, header(format!("bhesignature {token_id}"))?);
        headers.insert(HeaderName::from_static("requestdate"), header(date)?);
        let mut signature = header(signature)?;
        signature.set_sensitive(true);
        headers.insert(HeaderName::from_static("signature"), signature);
        Ok(())
    }
}

/// A built request through the client's hooks, as progenitor's `send`
/// methods run it: `pre` (which may change it), `exec`, then `post`, which
/// sees the result. Every operation's `send` awaits this one future instead
/// of the three hooks' own: one instance per client and error type, not per
/// operation, which the compiler pays for once.
pub async fn hooked<C, I, E>(
    client: C,
    mut request: reqwest::Request,
    info: &progenitor_client::OperationInfo,
) -> Result<reqwest::Response, progenitor_client::Error<E>>
where
    C: progenitor_client::ClientHooks<I>,
{
    client.pre(&mut request, info).await?;
    let result = client.exec(request, info).await;
    client.post(&result, info).await?;
    Ok(result?)
}

/// An error body decoded by its status first: as `B`, the body the spec
/// documents for this status, made into the operation's error union `T`; only
/// when the service sent another shape, as any variant of `T`. (Decoding by
/// shape alone could read a 401 body as the 422 variant.) The body decides,
/// not its `Content-Type` ([`error_body`]).
pub async fn decode_by_status<B, T, E>(
    response: reqwest::Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>
where
    B: serde::de::DeserializeOwned,
    T: serde::de::DeserializeOwned + From<B>,
{
    error_body(response, |body| match serde_json::from_slice::<B>(body) {
        Ok(documented) => Ok(T::from(documented)),
        Err(documented_error) => serde_json::from_slice::<T>(body).map_err(|_| documented_error),
    })
    .await
}

/// A documented error status's body, decoded as the documented type
/// whatever its `Content-Type` ([`error_body`]). A body that is not that type
/// and not said to be JSON (a load balancer's HTML 502, a rate limiter's
/// plain-text 429) is not the documented error: it comes back as
/// `Error::UnexpectedResponse`, status, headers and body intact, so callers
/// and retries still judge it by its status.
pub async fn decode_error<T, E>(
    response: reqwest::Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>
where
    T: serde::de::DeserializeOwned,
{
    error_body(response, |body| serde_json::from_slice::<T>(body)).await
}

/// Reads an error body and decodes it with `decode`. The body decides, not
/// the `Content-Type`: some services send their documented JSON error without
/// a valid one (Cloud Foundry's 502 names its header `Content-Type:`, which
/// servers drop). A body said to be JSON (or said to be nothing) that does not
/// decode is `InvalidResponsePayload`; any other body that does not decode is
/// handed back whole as `UnexpectedResponse`.
async fn error_body<T, E>(
    response: reqwest::Response,
    decode: impl FnOnce(&[u8]) -> Result<T, serde_json::Error>,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>> {
    let json = carries_json(&response);
    let (status, version, url) = (
        response.status(),
        response.version(),
        response.url().clone(),
    );
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    match decode(&body) {
        Ok(inner) => Ok(progenitor_client::ResponseValue::new(
            inner, status, headers,
        )),
        Err(e) if json => Err(progenitor_client::Error::InvalidResponsePayload(body, e)),
        Err(_) => Err(progenitor_client::Error::UnexpectedResponse(rebuilt(
            status, version, url, headers, body,
        ))),
    }
}

/// A response again from the parts of one whose body was read.
fn rebuilt(
    status: reqwest::StatusCode,
    version: reqwest::Version,
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    use reqwest::ResponseBuilderExt as _;
    let mut builder = http::Response::builder()
        .status(status)
        .version(version)
        .url(url);
    if let Some(map) = builder.headers_mut() {
        *map = headers;
    }
    match builder.body(body.into()) {
        Ok(response) => reqwest::Response::from(response),
        // The parts came from a response, so they are valid; an empty answer of the same status otherwise.
        Err(_) => reqwest::Response::from(
            http::Response::builder()
                .status(status)
                .body(reqwest::Body::from(Vec::new()))
                .unwrap_or_default(),
        ),
    }
}

/// A documented status with no body beside statuses with one (a `204` beside
/// a `200`): the operation's type is an `Option`, and an empty body reads as
/// `None` (JSON `null`); a body is decoded as usual.
pub async fn decode_empty_as_null<T, E>(
    response: reqwest::Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>
where
    T: serde::de::DeserializeOwned,
{
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    match serde_json::from_slice(empty_as_null(&body)) {
        Ok(inner) => Ok(progenitor_client::ResponseValue::new(
            inner, status, headers,
        )),
        Err(e) => Err(progenitor_client::Error::InvalidResponsePayload(body, e)),
    }
}

/// JSON `null` for a body of whitespace alone.
fn empty_as_null(body: &[u8]) -> &[u8] {
    if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    }
}

/// [`decode_empty_as_null`] for a documented error status: an empty body is
/// `None` whatever its `Content-Type`; any other body is read as in
/// [`decode_error`].
pub async fn decode_error_empty_as_null<T, E>(
    response: reqwest::Response,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>
where
    T: serde::de::DeserializeOwned,
{
    error_body(response, |body| {
        serde_json::from_slice::<T>(empty_as_null(body))
    })
    .await
}

/// Whether a response says its body is JSON (`application/json`, `*+json`);
/// one without a `Content-Type` is given the benefit of the doubt.
fn carries_json(response: &reqwest::Response) -> bool {
    let Some(content_type) = response.headers().get(reqwest::header::CONTENT_TYPE) else {
        return true;
    };
    let essence = content_type
        .to_str()
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// An error's text for a log line or a terminal: at most `max` bytes (cut at a
/// character boundary), then how much was left out. A client error can carry a
/// whole response body (`InvalidResponsePayload`), which may be megabytes.
pub fn short_message(error: &impl fmt::Display, max: usize) -> String {
    let text = error.to_string();
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} more bytes)", &text[..cut], text.len() - cut)
}

/// An error and every cause under it on one line (`a: b: c`), a cause whose
/// text is already there left out, cut to `max` bytes like [`short_message`]:
/// "error sending request: client error (Connect): tcp connect error:
/// Connection refused" instead of its first words only.
pub fn error_chain(error: &(dyn std::error::Error + 'static), max: usize) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let more = e.to_string();
        if !more.is_empty() && !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = e.source();
    }
    short_message(&text, max)
}

/// The largest response body a generated client reads unless told otherwise
/// (`Client::with_max_body`): 64 MiB.
pub const DEFAULT_MAX_BODY: u64 = 64 * 1024 * 1024;

/// A response body past a client's cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge {
    /// The cap, in bytes.
    pub limit: u64,
}

impl fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the response body is larger than this client's cap of {} bytes (raise it with `Client::with_max_body`)",
            self.limit
        )
    }
}

impl std::error::Error for BodyTooLarge {}

/// `response` with its body read through a cap: the body ends in a
/// [`BodyTooLarge`] error once more than `limit` bytes have come (at once
/// where `Content-Length` announces more), so a client never holds more than
/// the cap of one body, whatever the service sends. Status, version, headers
/// and URL are kept.
pub fn capped(response: reqwest::Response, limit: u64) -> reqwest::Response {
    use futures_util::StreamExt as _;
    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    let (status, version, url) = (
        response.status(),
        response.version(),
        response.url().clone(),
    );
    let headers = response.headers().clone();
    let announced_too_large = response.content_length().is_some_and(|n| n > limit);
    let body = if announced_too_large {
        let refused = futures_util::stream::once(async move {
            Err::<Vec<u8>, BoxError>(Box::new(BodyTooLarge { limit }))
        });
        reqwest::Body::wrap_stream(refused)
    } else {
        let mut seen: u64 = 0;
        let chunks = response.bytes_stream().map(move |chunk| {
            let chunk = chunk.map_err(|e| Box::new(e) as BoxError)?;
            seen = seen.saturating_add(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
            if seen > limit {
                Err(Box::new(BodyTooLarge { limit }) as BoxError)
            } else {
                Ok(chunk)
            }
        });
        reqwest::Body::wrap_stream(chunks)
    };
    rebuilt(status, version, url, headers, body)
}

/// The timeout the generated clients use unless given their own `reqwest::Client`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The `reqwest` client builder every generated constructor starts from: the
/// default timeouts, a `User-Agent` (some services refuse requests without
/// one; the generated crates send `<crate name>/<version>`) and
/// [`same_origin_redirects`].
pub fn builder(user_agent: &str) -> reqwest::ClientBuilder {
    reqwest::ClientBuilder::new()
        .connect_timeout(DEFAULT_TIMEOUT)
        .timeout(DEFAULT_TIMEOUT)
        .user_agent(user_agent)
        .redirect(same_origin_redirects())
}

/// Redirects are followed only within the origin (scheme, host and port) of
/// the request, at most 10 times. reqwest drops only `Authorization` and
/// cookies when a redirect leaves the host; an API key header (`X-API-Key`)
/// or a signature (`Signature`, `RequestDate`) would go along, so a redirect
/// to another origin is not followed: the caller gets the 3xx response
/// (`Error::UnexpectedResponse`) and decides.
pub fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt.previous().first().map(reqwest::Url::origin);
        if first.as_ref() != Some(&attempt.url().origin()) {
            attempt.stop()
        } else if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else {
            attempt.follow()
        }
    })
}

/// A `reqwest` client from [`builder`], with no credential.
pub fn default_client(user_agent: &str) -> Result<reqwest::Client, ClientError> {
    builder(user_agent).build().map_err(ClientError::Http)
}

impl Auth {
    /// The headers this credential adds to every request, marked sensitive.
    pub fn headers(&self) -> Result<HeaderMap, ClientError> {
        let mut headers = HeaderMap::new();
        let (name, value) = match self {
            Auth::Bearer(token) => (AUTHORIZATION, format!("Bearer {}", token.expose())),
            Auth::ApiKeyHeader { header, key } => (
                HeaderName::from_bytes(header.as_bytes())
                    .map_err(|_| ClientError::InvalidCredential)?,
                key.expose().to_owned(),
            ),
            Auth::Basic { username, password } => {
                use base64::Engine as _;
                let pair = format!("{username}:{}", password.expose());
                (
                    AUTHORIZATION,
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(pair)
                    ),
                )
            }
        };
        let mut value =
            HeaderValue::from_str(&value).map_err(|_| ClientError::InvalidCredential)?;
        value.set_sensitive(true);
        headers.insert(name, value);
        Ok(headers)
    }

    /// Adds this credential to a `reqwest` client builder.
    pub fn apply(
        &self,
        builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, ClientError> {
        Ok(builder.default_headers(self.headers()?))
    }

    /// A `reqwest` client from [`builder`] with this credential.
    pub fn client(&self, user_agent: &str) -> Result<reqwest::Client, ClientError> {
        self.apply(builder(user_agent))?
            .build()
            .map_err(ClientError::Http)
    }
}

#[cfg(test)]
mod chain_tests {
    use super::*;

    #[derive(Debug)]
    struct Layer(&'static str, Option<Box<Layer>>);

    impl fmt::Display for Layer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Layer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn the_whole_cause_chain_is_one_line_without_repeats() {
        let refused = Layer(
            "Communication Error: error sending request",
            Some(Box::new(Layer(
                "error sending request",
                Some(Box::new(Layer(
                    "tcp connect error: Connection refused (os error 111)",
                    None,
                ))),
            ))),
        );
        assert_eq!(
            error_chain(&refused, 200),
            "Communication Error: error sending request: tcp connect error: Connection refused (os error 111)"
        );
        assert!(error_chain(&refused, 10).starts_with("Communicat"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response as reqwest would give it.
    fn response(status: u16, content_type: Option<&str>, body: &str) -> reqwest::Response {
        let mut builder = http::Response::builder().status(status);
        if let Some(content_type) = content_type {
            builder = builder.header("content-type", content_type);
        }
        reqwest::Response::from(builder.body(body.to_owned()).unwrap())
    }

    #[tokio::test]
    async fn an_empty_body_beside_bodied_statuses_reads_as_none() {
        type Decoded =
            Result<progenitor_client::ResponseValue<Option<Vec<u8>>>, progenitor_client::Error<()>>;
        let empty: Decoded = decode_empty_as_null(response(204, None, "")).await;
        assert_eq!(empty.unwrap().into_inner(), None);
        let some: Decoded =
            decode_empty_as_null(response(200, Some("application/json"), "[1,2]")).await;
        assert_eq!(some.unwrap().into_inner(), Some(vec![1, 2]));
        let broken: Decoded =
            decode_empty_as_null(response(200, Some("application/json"), "[1,")).await;
        assert!(matches!(
            broken,
            Err(progenitor_client::Error::InvalidResponsePayload(..))
        ));

        // An error status: empty is None whatever its content type; HTML is not the documented body.
        let error: Decoded = decode_error_empty_as_null(response(404, Some("text/html"), "")).await;
        assert_eq!(error.unwrap().into_inner(), None);
        let html: Decoded =
            decode_error_empty_as_null(response(404, Some("text/html"), "<h1>no</h1>")).await;
        assert!(matches!(
            html,
            Err(progenitor_client::Error::UnexpectedResponse(_))
        ));
    }

    #[tokio::test]
    async fn an_error_body_is_read_by_what_it_holds_not_by_its_content_type() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Documented {
            code: u32,
        }
        type Decoded =
            Result<progenitor_client::ResponseValue<Documented>, progenitor_client::Error<()>>;
        // The documented error without a valid content type (or none) is still the documented error.
        for content_type in [None, Some("text/plain"), Some(": application/json")] {
            let decoded: Decoded = decode_error(response(502, content_type, r#"{"code":7}"#)).await;
            assert_eq!(decoded.unwrap().into_inner(), Documented { code: 7 });
        }
        // Plain text that is not the documented error: handed back whole, status and headers too.
        let mut limited = response(429, Some("text/plain; charset=utf-8"), "Limit exceeded");
        limited
            .headers_mut()
            .insert("x-ratelimit-reset", "1767225600".parse().unwrap());
        let decoded: Decoded = decode_error(limited).await;
        let Err(progenitor_client::Error::UnexpectedResponse(handed_back)) = decoded else {
            panic!("expected the response handed back, got {decoded:?}")
        };
        assert_eq!(handed_back.status().as_u16(), 429);
        assert_eq!(handed_back.headers()["x-ratelimit-reset"], "1767225600");
        assert_eq!(handed_back.text().await.unwrap(), "Limit exceeded");
        // Said to be JSON but not the documented error: a decoding error with the body.
        let decoded: Decoded =
            decode_error(response(400, Some("application/json"), r#"{"x":1}"#)).await;
        assert!(matches!(
            decoded,
            Err(progenitor_client::Error::InvalidResponsePayload(..))
        ));
        // By status first, whatever the content type.
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(untagged)]
        enum Union {
            Documented(Documented),
        }
        impl From<Documented> for Union {
            fn from(d: Documented) -> Self {
                Union::Documented(d)
            }
        }
        let decoded: Result<_, progenitor_client::Error<()>> =
            decode_by_status::<Documented, Union, ()>(response(502, None, r#"{"code":9}"#)).await;
        assert_eq!(
            decoded.unwrap().into_inner(),
            Union::Documented(Documented { code: 9 })
        );
    }

    #[test]
    fn long_messages_are_cut_at_a_character() {
        assert_eq!(short_message(&"short", 10), "short");
        let long = format!("{}é{}", "a".repeat(9), "b".repeat(1000));
        assert_eq!(
            short_message(&long, 10),
            format!("{}… (1002 more bytes)", "a".repeat(9))
        );
    }

    #[test]
    fn credentials_are_sent_but_never_shown() {
        let auth = Auth::Bearer(Secret::from("tok-123"));
        let headers = auth.headers().unwrap();
        assert_eq!(headers[AUTHORIZATION], "Bearer tok-123");
        assert!(headers[AUTHORIZATION].is_sensitive());
        let client = auth.client("test/1").unwrap();
        assert!(!format!("{client:?} {auth:?} {headers:?}").contains("tok-123"));

        // RFC 7617's example: Aladdin / open sesame.
        let basic = Auth::Basic {
            username: "Aladdin".into(),
            password: Secret::from("open sesame"),
        };
        let headers = basic.headers().unwrap();
        assert_eq!(headers[AUTHORIZATION], "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(headers[AUTHORIZATION].is_sensitive());
        assert!(!format!("{basic:?}").contains("open sesame"));
    }

    #[test]
    fn signed_requests_carry_the_three_headers() {
        let signer = Signer::BloodHound {
            token_id: "id-1".into(),
            token_key: Secret::from("key-1"),
        };
        let mut request = reqwest::Request::new(
            reqwest::Method::GET,
            "http://h/api/v2/audit?limit=5".parse().unwrap(),
        );
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T01:02:03Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        signer.sign_at(&mut request, now).unwrap();
        let h = request.headers();
        assert_eq!(h["authorization"], "bhesignature id-1");
        assert_eq!(h["requestdate"], "2026-11-22T01:02:03.000000+00:00");
        assert!(h["signature"].is_sensitive());
        // The signature changes with the URI and with the hour, not within the hour.
        let signature = h["signature"].clone();
        let mut same_hour = reqwest::Request::new(
            reqwest::Method::GET,
            "http://h/api/v2/audit?limit=5".parse().unwrap(),
        );
        signer
            .sign_at(&mut same_hour, now + chrono::Duration::minutes(30))
            .unwrap();
        assert_eq!(same_hour.headers()["signature"], signature);
        let mut other = reqwest::Request::new(
            reqwest::Method::GET,
            "http://h/api/v2/audit?limit=6".parse().unwrap(),
        );
        signer.sign_at(&mut other, now).unwrap();
        assert_ne!(other.headers()["signature"], signature);
        let mut none = reqwest::Request::new(reqwest::Method::GET, "http://h/".parse().unwrap());
        Signer::None.sign_at(&mut none, now).unwrap();
        assert!(none.headers().is_empty());
    }

    #[test]
    fn api_keys_go_in_their_header() {
        let auth = Auth::ApiKeyHeader {
            header: "X-API-Key",
            key: Secret::from("k"),
        };
        assert_eq!(auth.headers().unwrap()["x-api-key"], "k");
        let bad = Auth::Bearer(Secret::from("line\nbreak"));
        assert!(matches!(bad.headers(), Err(ClientError::InvalidCredential)));
    }
}
