//! Security headers on every response: pages, server functions, audio,
//! errors and static assets.
//!
//! Pages get a Content-Security-Policy with a fresh nonce per response
//! (leptos_axum makes one for each render and puts it on the hydration
//! script); the shell sets it through [`set_page_policy`]. Every other
//! response gets [`NON_PAGE_POLICY`], which allows nothing at all. The
//! [`add`] middleware sets the rest.

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// For responses that are not pages (JSON, audio, assets): nothing may load.
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The microphone (recording) and geolocation (places) are ours alone;
/// the rest nobody's.
const PERMISSIONS_POLICY: &str = "microphone=(self), geolocation=(self), camera=(), payment=(), usb=()";

/// The policy for a page whose inline scripts carry `nonce`. `bucket` is
/// the S3 origin(s) the browser PUTs uploads to and plays audio from.
pub fn page_policy(nonce: &str, bucket: &str) -> String {
    let bucket = if bucket.is_empty() { String::new() } else { format!(" {bucket}") };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data: blob:; media-src 'self' blob:{bucket}; connect-src 'self'{bucket}; \
         font-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

/// Sets the page policy on the response being rendered (call it from the
/// shell, on the server).
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response), Some(state)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
        use_context::<super::state::AppState>(),
    ) else {
        return;
    };
    let bucket = state.config.s3.as_ref().map(|s3| s3.browser_origins().join(" ")).unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce, &bucket)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Static assets may be cached; everything else is personal or live.
fn is_static_asset(path: &str) -> bool {
    path.starts_with("/pkg/") || path == "/favicon.svg" || path == "/favicon.ico"
}

/// Middleware: the headers every response carries. `hsts` when people
/// reach us over https.
pub async fn add(State(hsts): State<bool>, request: Request, next: Next) -> Response {
    let is_asset = is_static_asset(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set_default = |name: HeaderName, value: &'static str| {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    };
    set_default(header::CONTENT_SECURITY_POLICY, NON_PAGE_POLICY);
    set_default(HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY);
    set_default(header::X_FRAME_OPTIONS, "DENY");
    set_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(header::REFERRER_POLICY, "same-origin");
    set_default(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if !is_asset {
        // Pages, server-function answers and audio are personal: never kept
        // by a shared cache, nor by the browser past a log-out.
        set_default(header::CACHE_CONTROL, "no-store");
    }
    if hsts {
        set_default(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_our_scripts_wasm_and_the_bucket_only() {
        let policy = page_policy("abc", "http://127.0.0.1:9000");
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        assert!(policy.contains("media-src 'self' blob: http://127.0.0.1:9000;"));
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:9000;"));
        assert!(!policy.contains("unsafe-inline"));
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"] {
            assert!(policy.contains(directive), "{directive}");
        }
        assert!(page_policy("n", "").contains("media-src 'self' blob:;"));
    }
}
