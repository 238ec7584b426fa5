//! Server functions take a few form fields: their bodies are capped small,
//! before anything parses them. A declared length over the cap is refused
//! at once; a chunked body stops being read at the cap. (The upload route,
//! `POST /echoes`, has its own limits.)

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;

use app::error::{AppError, ErrorCode};

use super::server_fn_status::SERVER_FN_PREFIX;

/// The largest server-function body: a 5000-character note and the rest
/// of a form fit many times over.
pub const MAX_SERVER_FN_BODY: usize = 64 * 1024;

pub async fn limit(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with(SERVER_FN_PREFIX) {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or_else(|| axum::body::HttpBody::size_hint(request.body()).exact());
    if declared.is_some_and(|n| n > MAX_SERVER_FN_BODY as u64) {
        return AppError::new(ErrorCode::PayloadTooLarge, "The request is too large.").into_response();
    }
    let request = request.map(|body| Body::new(Limited::new(body, MAX_SERVER_FN_BODY)));
    next.run(request).await
}
