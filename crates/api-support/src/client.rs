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

/// The timeout the generated clients use unless given their own `reqwest::Client`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

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

    /// A `reqwest` client with this credential and the default timeouts.
    pub fn client(&self) -> Result<reqwest::Client, ClientError> {
        self.apply(
            reqwest::ClientBuilder::new()
                .connect_timeout(DEFAULT_TIMEOUT)
                .timeout(DEFAULT_TIMEOUT),
        )?
        .build()
        .map_err(ClientError::Http)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_sent_but_never_shown() {
        let auth = Auth::Bearer(Secret::from("tok-123"));
        let headers = auth.headers().unwrap();
        assert_eq!(headers[AUTHORIZATION], "Bearer tok-123");
        assert!(headers[AUTHORIZATION].is_sensitive());
        let client = auth.client().unwrap();
        assert!(!format!("{client:?} {auth:?} {headers:?}").contains("tok-123"));
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
