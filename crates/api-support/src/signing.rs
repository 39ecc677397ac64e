//! BloodHound's signed requests (HTTP scheme `bhesignature`), shared by the
//! client that signs and the server stub that checks: an HMAC-SHA256 chain
//! keyed by the API token key over the method and URI, then the request time
//! truncated to the hour (`RequestDate`, RFC 3339), then the body; the result
//! is sent base64-encoded as `Signature`, with `Authorization: bhesignature
//! <token id>`.

use base64::Engine as _;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn step(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The base64 signature of a request: `uri` is the path with its query (`/api/v2/audit?limit=5`).
pub fn signature(
    token_key: &str,
    method: &str,
    uri: &str,
    request_date: &str,
    body: &[u8],
) -> String {
    let date_key = date_key(token_key, method, uri, request_date);
    base64::engine::general_purpose::STANDARD.encode(step(&date_key, body))
}

/// The chain's key for the body: the token key over the method and URI, then
/// over the request time truncated to the hour.
fn date_key(token_key: &str, method: &str, uri: &str, request_date: &str) -> Vec<u8> {
    let operation_key = step(token_key.as_bytes(), format!("{method}{uri}").as_bytes());
    step(
        &operation_key,
        request_date.get(..13).unwrap_or(request_date).as_bytes(),
    )
}

/// Whether `signature` (base64) is the one [`signature`] makes for this
/// request, checked by `hmac` in constant time (`verify_slice`).
pub fn verify(
    token_key: &str,
    method: &str,
    uri: &str,
    request_date: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    let Ok(given) = base64::engine::general_purpose::STANDARD.decode(signature) else {
        return false;
    };
    let date_key = date_key(token_key, method, uri, request_date);
    let mut mac = HmacSha256::new_from_slice(&date_key).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// How far a request's `RequestDate` may be from the server's clock: the
/// real service refuses dates more than an hour off, so a captured signature
/// cannot be replayed later.
pub const DATE_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// Whether a `RequestDate` is an RFC 3339 time within [`DATE_WINDOW`] of `now`.
pub fn date_in_window(request_date: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
    chrono::DateTime::parse_from_rfc3339(request_date)
        .is_ok_and(|date| (now - date.to_utc()).abs() <= DATE_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_depends_on_each_part_but_not_on_minutes() {
        let base = signature(
            "key",
            "GET",
            "/api/v2/audit?limit=5",
            "2026-11-22T01:02:03+00:00",
            b"",
        );
        assert_eq!(
            base,
            signature(
                "key",
                "GET",
                "/api/v2/audit?limit=5",
                "2026-11-22T01:59:59+00:00",
                b""
            )
        );
        for other in [
            signature(
                "key2",
                "GET",
                "/api/v2/audit?limit=5",
                "2026-11-22T01:02:03+00:00",
                b"",
            ),
            signature(
                "key",
                "POST",
                "/api/v2/audit?limit=5",
                "2026-11-22T01:02:03+00:00",
                b"",
            ),
            signature(
                "key",
                "GET",
                "/api/v2/audit?limit=6",
                "2026-11-22T01:02:03+00:00",
                b"",
            ),
            signature(
                "key",
                "GET",
                "/api/v2/audit?limit=5",
                "2026-11-22T02:02:03+00:00",
                b"",
            ),
            signature(
                "key",
                "GET",
                "/api/v2/audit?limit=5",
                "2026-11-22T01:02:03+00:00",
                b"{}",
            ),
        ] {
            assert!(!signs_base(&other));
        }
        assert!(signs_base(&base));
        assert!(!signs_base("not base64!"));
    }

    /// Whether `signature` signs the base request of these tests.
    fn signs_base(signature: &str) -> bool {
        verify(
            "key",
            "GET",
            "/api/v2/audit?limit=5",
            "2026-11-22T01:02:03+00:00",
            b"",
            signature,
        )
    }

    #[test]
    fn a_request_date_counts_within_an_hour_either_way() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .to_utc();
        for (date, ok) in [
            ("2026-11-22T12:00:00Z", true),
            ("2026-11-22T11:00:00Z", true),
            ("2026-11-22T13:00:00+00:00", true),
            ("2026-11-22T14:00:00+01:00", true),
            ("2026-11-22T10:59:59Z", false),
            ("2026-11-22T13:00:01Z", false),
            ("1970-01-01T00:00:00Z", false),
            ("2126-01-01T00:00:00Z", false),
            ("x", false),
            ("", false),
        ] {
            assert_eq!(date_in_window(date, now), ok, "{date}");
        }
    }
}
