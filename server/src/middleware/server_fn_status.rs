//! Gives every server-function error the HTTP status of its [`AppError`].
//!
//! Leptos answers a failed server function with `500` whatever the error,
//! including when the arguments could not even be read (before any of our
//! code runs). This middleware reads the (small) JSON error body and sets
//! the status its code stands for: `400` for a malformed call, `401`, `404`,
//! `422`… A plain HTML form post is answered with a redirect back to the
//! form instead, which is left alone.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::error::AppError;

/// Server functions live under this prefix (private to the pages: the
/// public namespace, `/api/v1`, is the JSON API's).
pub const SERVER_FN_PREFIX: &str = "/_fn/";
/// Errors are a code, a message and a field: far below this.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn set_error_status(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with(SERVER_FN_PREFIX);
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return AppError::internal("server function error body", "unreadable").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status_code();
        if let Some(secs) = error.retry_after_secs {
            parts.headers.insert(axum::http::header::RETRY_AFTER, secs.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
