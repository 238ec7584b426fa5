//! Uploading an echo: a multipart form streamed straight to storage, then
//! [`create`](super::create).
//!
//! Memory stays flat whatever the file size: the body is never buffered,
//! only the first bytes are held to sniff the real format. The size cap is
//! enforced while streaming (and up front from Content-Length). The echo row
//! is written only after the object is durable (the audio is decoded while
//! it arrives, or on local disk while it is flushed); if anything fails after the
//! object was written, the object is deleted again — and if the server dies
//! meanwhile, the uploads journal (`in_flight`) has it removed later.
//!
//! [`receive`] serves both `POST /api/v1/echoes` and the upload page's form
//! at `POST /echoes`, which answers a plain HTML form (before the WASM has
//! loaded) with a 303 to the new echo, or back to the form with the error.

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use bytes::{Bytes, BytesMut};
use futures::{stream, StreamExt, TryStreamExt};
use uuid::Uuid;

use super::create::{self, StoredAudio as Audio};
use super::format::{AudioFormat, SNIFF_LEN};
use super::metadata::{EchoMetadata, EchoMetadataDraft};
use super::{no_file, not_audio, too_large};
use crate::accounts::CurrentUser;
use crate::error::{AppError, ErrorCode};
use crate::infra::db::now_millis;
use crate::infra::state::AppState;
use crate::infra::storage::{ObjectKey, PutError};

/// Room for the form's text fields and multipart boundaries on top of the
/// audio cap, when checking Content-Length and limiting the whole body.
pub const FORM_OVERHEAD_BYTES: u64 = 256 * 1024;
/// Longest accepted text field (the note's 5000 characters fit easily).
/// With [`MAX_FIELDS`], the text of a form stays within its overhead.
const MAX_TEXT_FIELD_BYTES: usize = 24 * 1024;
/// The form has nine fields; a few unknown ones are read past, no more.
const MAX_FIELDS: usize = 9 + 7;

/// `POST /echoes` — the upload page's form (see [`receive`] for its fields).
pub async fn upload_echo(State(state): State<AppState>, caller: Option<CurrentUser>, request: Request) -> Response {
    let wants_html = accepts_html(request.headers());
    let result = match caller {
        Some(caller) => receive(&state, &caller, request).await,
        None => Err(AppError::unauthenticated()),
    };
    match (result, wants_html) {
        (Ok(echo), true) => {
            let flash = crate::flash::cookie(crate::flash::Flash::Uploaded, &state.config);
            ([(header::SET_COOKIE, flash)], Redirect::to(&echo.page_url())).into_response()
        }
        (Ok(echo), false) => {
            let flash = crate::flash::cookie(crate::flash::Flash::Uploaded, &state.config);
            let headers = [(header::LOCATION, echo.page_url().parse().expect("an echo path")), (header::SET_COOKIE, flash)];
            (StatusCode::CREATED, headers, axum::Json(echo)).into_response()
        }
        (Err(err), true) if err.code == ErrorCode::Unauthenticated => {
            Redirect::to(&crate::accounts::return_to::log_in_then("/upload")).into_response()
        }
        (Err(err), true) => Redirect::to(&upload_page_with_error(&err)).into_response(),
        (Err(err), false) => err.into_response(),
    }
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

/// The form page again, told which error to show (by code and field only:
/// no free text travels in the URL).
fn upload_page_with_error(err: &AppError) -> String {
    let code = serde_json::to_value(err.code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let mut url = format!("/upload?error={code}");
    for field in err.fields() {
        url.push_str("&field=");
        url.push_str(&crate::pages::query_escape(field));
    }
    url
}

/// Reads a multipart upload — fields `audio` (the file), `emotion`, and
/// optionally `title`, `tags` (comma-separated), `note`, `captured_at`,
/// `latitude` + `longitude` (+ `location_precise`) — and makes the echo.
pub async fn receive(state: &AppState, caller: &CurrentUser, request: Request) -> Result<super::Echo, AppError> {
    caller.require_write()?;
    let cap = state.config.max_audio_file_size;
    if let Some(length) =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok())
    {
        if length > cap + FORM_OVERHEAD_BYTES {
            return Err(too_large(cap));
        }
    }
    let mut multipart = Multipart::from_request(request, state).await.map_err(|e| {
        AppError::bad_request(format!("Send the echo as a multipart/form-data form ({}).", e.body_text()))
    })?;

    let echo_id = Uuid::now_v7();
    let mut stored: Option<StoredAudio> = None;
    let outcome = async {
        let metadata = read_form(state, caller.id(), echo_id, &mut multipart, &mut stored, caller.time_zone()).await?;
        let audio = stored.as_mut().ok_or_else(no_file)?;
        // Refused only now, after the form's own mistakes, as before the
        // audio was decoded while it was stored.
        let probed = audio.probed.take().transpose()?;
        let audio = Audio { key: &audio.key, format: audio.format, size: audio.size, in_flight: true, probed };
        create::create(state, caller, echo_id, audio, &metadata).await
    }
    .await;
    // Only a committed row keeps the object. A refusal deletes it before
    // answering; a client gone mid-way has it deleted by the journal's guard.
    match (outcome, stored) {
        (Ok(echo), Some(audio)) => {
            audio.journal.committed();
            Ok(echo)
        }
        (Ok(_), None) => Err(AppError::internal("upload", "an echo without its audio")),
        (Err(err), Some(audio)) => {
            audio.journal.abandon().await;
            Err(err)
        }
        (Err(err), None) => Err(err),
    }
}

/// The audio of an upload, stored but not yet an echo.
struct StoredAudio {
    key: ObjectKey,
    format: AudioFormat,
    size: u64,
    journal: super::in_flight::InFlight,
    /// What decoding it said, when it was decoded on its way to storage
    /// (`None` leaves it to `create`).
    probed: Option<Result<super::probe::AudioProbe, AppError>>,
}

/// Reads every field, storing the audio as it streams past. Metadata is
/// checked as it arrives; every wrong field (an empty file included) is
/// named in one error at the end, so the form can show them all, and an
/// object stored before a later field turns out wrong is deleted by the
/// caller.
async fn read_form(
    state: &AppState,
    user_id: Uuid,
    echo_id: Uuid,
    multipart: &mut Multipart,
    stored: &mut Option<StoredAudio>,
    zone: crate::local_time::TimeZone,
) -> Result<EchoMetadata, AppError> {
    let now = now_millis();
    let mut draft = EchoMetadataDraft::in_zone(zone);
    let mut problems = Vec::new();
    let mut fields = 0;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(AppError::bad_request(format!("The form has more than {MAX_FIELDS} fields.")));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if name == "audio" {
            if stored.is_some() {
                return Err(AppError::invalid("audio", "Upload one audio file at a time."));
            }
            match store_audio(state, user_id, echo_id, field).await {
                Ok(audio) => *stored = Some(audio),
                // An empty file: said together with the other fields.
                Err(err) if err.code == ErrorCode::Validation => problems.push(err),
                Err(err) => return Err(err),
            }
        } else {
            // Unknown fields are read past, within the text limit.
            let value = read_text(field).await?;
            if let Err(err) = draft.set(&name, &value, now) {
                problems.push(err);
            }
        }
    }
    if stored.is_none() && !problems.iter().any(|p| p.field.as_deref() == Some("audio")) {
        problems.insert(0, no_file());
    }
    draft.finish_after(now, problems)
}

async fn read_text(mut field: axum::extract::multipart::Field<'_>) -> Result<String, AppError> {
    let name = field.name().unwrap_or("field").to_owned();
    let mut buffer = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if buffer.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
            return Err(AppError::invalid(&name, format!("The {name} field is too long.")));
        }
        buffer.extend_from_slice(&chunk);
    }
    String::from_utf8(buffer).map_err(|_| AppError::invalid(&name, format!("The {name} field is not valid text.")))
}

async fn store_audio(
    state: &AppState,
    user_id: Uuid,
    echo_id: Uuid,
    mut field: axum::extract::multipart::Field<'_>,
) -> Result<StoredAudio, AppError> {
    // Hold just enough of the start to recognise the format.
    let mut head = BytesMut::new();
    let mut first: Vec<Bytes> = Vec::new();
    while head.len() < SNIFF_LEN {
        match field.chunk().await.map_err(multipart_error)? {
            Some(chunk) => {
                head.extend_from_slice(&chunk[..chunk.len().min(SNIFF_LEN - head.len())]);
                first.push(chunk);
            }
            None => break,
        }
    }
    if head.is_empty() {
        return Err(AppError::invalid("audio", "The file is empty."));
    }
    let format = AudioFormat::sniff(&head).ok_or_else(not_audio)?;
    let key = ObjectKey::for_echo(user_id, echo_id, format.extension());
    let cap = state.config.max_audio_file_size;
    let body = stream::iter(first.into_iter().map(Ok)).chain(field.map_err(|e| std::io::Error::other(e.body_text())));
    let journal = super::in_flight::begin(state, &key).await?;
    // The audio is decoded while it arrives when it can be; otherwise, on
    // local disk, the complete file is, while it is flushed to disk, and on
    // S3 `create` decodes the stored object.
    let (body, streamed) = super::probe::decode_while_stored(&state.prober, format, body.boxed());
    let decode = |path: Option<std::path::PathBuf>| {
        let key = &key;
        async move {
            use super::probe::{probe_path, StreamedAnswer};
            match streamed.answer(key).await {
                StreamedAnswer::Settled(answer) => Some(answer),
                StreamedAnswer::DecodeFile(slot) => {
                    Some(probe_path(&state.prober, &path?, format.extension(), key, slot).await)
                }
            }
        }
    };
    let (size, probed) = match state.storage.put_stream_and_inspect(&key, body, cap, decode).await {
        Ok(stored) => stored,
        Err(err) => {
            journal.abandon().await;
            return Err(match err {
                PutError::TooLarge { .. } => too_large(cap),
                PutError::Body(e) => AppError::bad_request(format!("The upload was interrupted: {e}")),
                PutError::Storage(e) => AppError::unavailable("store audio", e),
            });
        }
    };
    Ok(StoredAudio { key, format, size, journal, probed })
}

fn multipart_error(err: axum::extract::multipart::MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::on_field(ErrorCode::PayloadTooLarge, "audio", "The upload is too large.")
    } else {
        AppError::bad_request(format!("The form could not be read: {}", err.body_text()))
    }
}
