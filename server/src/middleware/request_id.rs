//! Every request has an id: the caller's `x-request-id` when it is well
//! formed (a proxy in front may have made one already), or a new UUIDv7.
//! It names the request's span — so it is on every log line of that
//! request — and comes back in the response's `x-request-id`.
//!
//! "Well formed" is 1 to 64 characters of letters, digits and `-_.:`: an id
//! is copied into logs and headers, so nothing else from outside is.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

pub static HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, in its extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub HeaderValue);

impl RequestId {
    pub fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}

/// Whether the caller's id may be used as it is.
pub fn well_formed(id: &[u8]) -> bool {
    (1..=64).contains(&id.len()) && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Gives the request its id (before the span is made) and returns it.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&HEADER)
        .filter(|given| well_formed(given.as_bytes()))
        .cloned()
        .unwrap_or_else(|| {
            let made = uuid::Uuid::now_v7().simple().to_string();
            // Hex digits: always a valid header value.
            HeaderValue::from_str(&made).unwrap_or(HeaderValue::from_static("unknown"))
        });
    request.headers_mut().insert(&HEADER, id.clone());
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    response.headers_mut().insert(&HEADER, id);
    response
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn ids_from_outside_are_checked() {
        assert!(well_formed(b"0193f0a2-7c1d-7e55-9a52-3a8e2f1b4c6d"));
        assert!(well_formed(b"req_42.edge:7"));
        assert!(!well_formed(b""));
        assert!(!well_formed(&[b'a'; 65]));
        assert!(!well_formed(b"two words"));
        assert!(!well_formed(b"line\r\nbreak"));
        assert!(!well_formed("café".as_bytes()));
        assert!(!well_formed(b"{\"json\":1}"));
    }
}
