//! Cross-site request forgery, log-in CSRF included.
//!
//! A request that can change something (any method but GET, HEAD and
//! OPTIONS) must come from our own pages: the browser's `Sec-Fetch-Site`
//! must say `same-origin` (or `none`: typed by the person), or — for
//! browsers that do not send it — `Origin` must be our own site. Origins in
//! `CORS_ORIGINS` are trusted as well. Anything else is refused with 403
//! before it reaches a handler, whether or not it carries our cookie, so
//! another site can neither act as a signed-in person nor sign them into an
//! account of its own.
//!
//! Requests with neither header do not come from a browser (curl, scripts,
//! apps) and carry no ambient credentials a third site could borrow. Nor
//! does a request that signs in with an `Authorization` bearer token and
//! sends no cookie: another site cannot make a browser add that header.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::{AppError, ErrorCode};

/// Who may send state-changing requests besides pages served by us.
#[derive(Clone, Debug)]
pub struct SameOrigin {
    /// `PUBLIC_URL`'s origin.
    pub public_origin: String,
    /// `CORS_ORIGINS`.
    pub trusted_origins: Vec<String>,
}

impl SameOrigin {
    fn trusts(&self, origin: &str, headers: &HeaderMap) -> bool {
        if origin == self.public_origin || self.trusted_origins.iter().any(|o| o == origin) {
            return true;
        }
        // Our own site under the address it was reached at (behind a proxy
        // that keeps Host, or on a port PUBLIC_URL does not name).
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or_default();
        !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
    }

    /// Whether a request with these headers may change state.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            Some("same-origin" | "none") => true,
            // same-site or cross-site: only a trusted origin.
            Some(_) => origin.is_some_and(|o| o != "null" && self.trusts(o, headers)),
            None => match origin {
                Some(origin) => origin != "null" && self.trusts(origin, headers),
                None => true,
            },
        }
    }
}

fn forbidden() -> AppError {
    AppError::new(
        ErrorCode::Forbidden,
        "This request came from another website, so Echoes refused it. \
         If you were using Echoes, reload the page and try again.",
    )
}

pub async fn refuse_cross_site(State(policy): State<Arc<SameOrigin>>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let headers = request.headers();
    let bearer_only = headers.contains_key(header::AUTHORIZATION) && !headers.contains_key(header::COOKIE);
    if !safe && !bearer_only && !policy.allows(headers) {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            sec_fetch_site = ?request.headers().get("sec-fetch-site"),
            "cross-site request refused"
        );
        return forbidden().into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> SameOrigin {
        SameOrigin {
            public_origin: "https://echoes.example".into(),
            trusted_origins: vec!["https://app.example".into()],
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn browsers_from_other_sites_are_refused() {
        let p = policy();
        assert!(!p.allows(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "http://evil.example")])));
        assert!(!p.allows(&headers(&[("sec-fetch-site", "same-site"), ("origin", "https://evil.echoes.example")])));
        assert!(!p.allows(&headers(&[("origin", "http://evil.example"), ("host", "echoes.example")])));
        assert!(!p.allows(&headers(&[("origin", "null")])));
        assert!(!p.allows(&headers(&[("sec-fetch-site", "cross-site")])));
    }

    #[test]
    fn our_pages_trusted_origins_and_non_browsers_are_allowed() {
        let p = policy();
        assert!(p.allows(&headers(&[("sec-fetch-site", "same-origin"), ("origin", "https://echoes.example")])));
        assert!(p.allows(&headers(&[("sec-fetch-site", "none")])));
        assert!(p.allows(&headers(&[("origin", "https://echoes.example")])));
        assert!(p.allows(&headers(&[("origin", "http://127.0.0.1:3100"), ("host", "127.0.0.1:3100")])));
        assert!(p.allows(&headers(&[("sec-fetch-site", "cross-site"), ("origin", "https://app.example")])));
        assert!(p.allows(&HeaderMap::new()));
    }
}
