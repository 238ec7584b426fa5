//! `GET /echoes/{id}/audio`: the stable URL every player streams from.
//! From local disk it serves HTTP Range requests (206 with `Accept-Ranges:
//! bytes`, 416 past the end) so players can seek, with the sniffed
//! Content-Type, `nosniff`, and an inline Content-Disposition whose file name
//! we make ourselves. With S3 it redirects to a fresh, short-lived presigned
//! GET carrying the same type and disposition — the URL in the page never
//! expires, so a paused player can always resume.
//!
//! Where an echo's audio is ([`Playable`]) is read once a second at most
//! per person and echo (`infra::recently_read`), so a player's stream of
//! Range requests reaches the file without a query each; the caller's
//! session and account are remembered the same way.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::Extension;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::{parse_echo_id, rows};
use crate::accounts::current_user::SessionCookieReader;
use crate::accounts::CurrentUser;
use crate::error::{AppError, ErrorCode};
use crate::infra::state::AppState;
use crate::infra::storage::{ByteRange, ObjectKey, StorageError};

/// Where an echo's audio is, and what it is: all a Range request needs.
#[derive(Clone, Debug)]
pub struct Playable {
    key: ObjectKey,
    size: u64,
    content_type: String,
}

/// `caller`'s echo `id`'s audio, as read within the last second.
async fn playable(state: &AppState, caller: &CurrentUser, id: uuid::Uuid) -> Result<Playable, AppError> {
    if let Some(playable) = state.recent.audio(caller.id(), id) {
        return Ok(playable);
    }
    let started = state.recent.begin_read();
    let row = rows::find_owned(&state.db, caller.id(), id).await?.ok_or_else(|| AppError::not_found("echo"))?;
    let playable = Playable { key: row.storage_key()?, size: row.size_bytes(), content_type: row.content_type().to_owned() };
    state.recent.keep_audio(started, caller.id(), id, &playable);
    Ok(playable)
}

/// `GET /echoes/{id}/audio`, for the pages' players. It is served outside
/// the session layer (a player asks for range after range), so the caller
/// is read from the cookie by `sessions` (see [`SessionCookieReader`]).
pub async fn serve_audio(
    State(state): State<AppState>,
    Extension(sessions): Extension<SessionCookieReader>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let caller = match sessions.caller(&state, &headers).await {
        Ok(Some(caller)) => caller,
        Ok(None) => return AppError::unauthenticated().into_response(),
        Err(err) => return err.into_response(),
    };
    match parse_echo_id(&id) {
        Ok(id) => stream(&state, &caller, id, &headers, IntoResponse::into_response).await,
        Err(err) => err.into_response(),
    }
}

/// The caller's echo `id`, whole or the range `headers` ask for; errors
/// rendered by `render` (the pages' and the API's shapes differ).
pub async fn stream(
    state: &AppState,
    caller: &CurrentUser,
    id: uuid::Uuid,
    headers: &HeaderMap,
    render: impl Fn(AppError) -> Response,
) -> Response {
    match respond(state, caller, id, headers, &render).await {
        Ok(response) => response,
        Err(err) => render(err),
    }
}

async fn respond(
    state: &AppState,
    caller: &CurrentUser,
    id: uuid::Uuid,
    headers: &HeaderMap,
    render: &impl Fn(AppError) -> Response,
) -> Result<Response, AppError> {
    let Playable { key, size, content_type } = playable(state, caller, id).await?;
    let extension = key.as_str().rsplit('.').next().unwrap_or("audio");
    let disposition = format!("inline; filename=\"echo-{id}.{extension}\"");

    if let Some(url) = state
        .storage
        .playback_url(&key, &content_type, &disposition)
        .await
        .map_err(|e| AppError::unavailable("presign audio", e))?
    {
        let mut response = Redirect::temporary(&url).into_response();
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }

    if let Some(offloaded) = offloaded(state, &key, &content_type, &disposition) {
        return Ok(offloaded);
    }

    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(value) => match requested_range(value, size) {
            Ok(range) => range,
            Err(()) => {
                let mut response = render(AppError::new(
                    ErrorCode::RangeNotSatisfiable,
                    format!("The requested range is outside the audio ({size} bytes)."),
                ));
                response.headers_mut().insert(header::CONTENT_RANGE, header_value(&format!("bytes */{size}")));
                return Ok(response);
            }
        },
    };

    let body = match state.storage.read_range(&key, range).await {
        Ok(body) => body,
        // Deleted a moment ago (on another replica, say).
        Err(StorageError::NotFound) => return Err(AppError::not_found("echo")),
        Err(err) => return Err(AppError::unavailable("read audio", err)),
    };
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header_value(&content_type));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_DISPOSITION, header_value(&disposition));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    headers.insert(header::ETAG, header_value(&format!("\"{id}\"")));
    match range {
        Some(range) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_RANGE, header_value(&format!("bytes {}-{}/{size}", range.start, range.end)));
            headers.insert(header::CONTENT_LENGTH, header_value(&range.len().to_string()));
        }
        None => {
            response.headers_mut().insert(header::CONTENT_LENGTH, header_value(&size.to_string()));
        }
    }
    Ok(response.into_response())
}

/// With `AUDIO_OFFLOAD`, an empty answer that tells the proxy in front
/// which file to send; the proxy serves Range requests itself (nginx and
/// mod_xsendfile both do).
fn offloaded(state: &AppState, key: &ObjectKey, content_type: &str, disposition: &str) -> Option<Response> {
    use crate::infra::config::AudioOffload;
    let (name, value) = match &state.config.audio_offload {
        AudioOffload::None => return None,
        AudioOffload::XAccelRedirect { prefix } => ("x-accel-redirect", format!("{prefix}{key}")),
        AudioOffload::XSendfile => {
            let path = state.storage.local_path(key)?;
            ("x-sendfile", std::path::absolute(&path).unwrap_or(path).display().to_string())
        }
    };
    let mut response = Response::new(Body::empty());
    let headers = response.headers_mut();
    headers.insert(header::HeaderName::from_static(name), header_value(&value));
    headers.insert(header::CONTENT_TYPE, header_value(content_type));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_DISPOSITION, header_value(disposition));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Some(response)
}

/// The range to serve: `Ok(None)` for the whole object (no usable range, or
/// several ranges, which we answer in full), `Err(())` when unsatisfiable.
fn requested_range(value: &str, size: u64) -> Result<Option<ByteRange>, ()> {
    let parsed = match http_range_header::parse_range_header(value) {
        Ok(parsed) => parsed,
        // A malformed Range header is ignored (RFC 9110 §14.2).
        Err(_) => return Ok(None),
    };
    let ranges = parsed.validate(size).map_err(|_| ())?;
    match ranges.as_slice() {
        [only] => Ok(Some(ByteRange { start: *only.start(), end: *only.end() })),
        _ => Ok(None),
    }
}

fn header_value(text: &str) -> HeaderValue {
    // Every value here is built from ids, numbers and our own content types.
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_resolved_against_the_size() {
        assert_eq!(requested_range("bytes=0-1", 10), Ok(Some(ByteRange { start: 0, end: 1 })));
        assert_eq!(requested_range("bytes=5-", 10), Ok(Some(ByteRange { start: 5, end: 9 })));
        assert_eq!(requested_range("bytes=-3", 10), Ok(Some(ByteRange { start: 7, end: 9 })));
        assert_eq!(requested_range("bytes=10-", 10), Err(()));
        assert_eq!(requested_range("nonsense", 10), Ok(None));
    }
}
