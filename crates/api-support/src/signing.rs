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
    let operation_key = step(token_key.as_bytes(), format!("{method}{uri}").as_bytes());
    let date_key = step(
        &operation_key,
        request_date.get(..13).unwrap_or(request_date).as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(step(&date_key, body))
}

/// Compares two signatures in constant time (no early exit on the first differing byte).
pub fn same_signature(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
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
            assert!(!same_signature(&base, &other));
        }
        assert!(same_signature(&base, &base.clone()));
    }
}
