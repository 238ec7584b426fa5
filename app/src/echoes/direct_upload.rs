//! Direct uploads to S3: the browser PUTs the file straight to the bucket.
//!
//! 1. `init_upload` checks the declared size (≤ the cap) and type (accepted
//!    audio), records a pending upload and returns a presigned PUT that signs
//!    that exact Content-Length and Content-Type — S3 refuses anything else.
//! 2. The browser PUTs the file (with a real progress bar).
//! 3. `complete_upload` claims the upload, copies `incoming/…` to the echo's
//!    own key (which no URL can write), and checks that copy: size, first
//!    bytes (the real format), then a full decode in the sandbox. Only then
//!    is the echo created. On a mismatch everything is deleted and the error
//!    says why. A PUT replayed later lands on the incoming key again, which
//!    nothing reads and the sweeper removes once the URL has expired.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Echo;
use crate::error::AppError;

/// What the browser needs to send the file itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectUpload {
    /// Pass back to `complete_upload`; it becomes the echo's id.
    pub upload_id: Uuid,
    pub method: String,
    pub url: String,
    /// Send exactly these headers with the PUT (they are signed).
    pub headers: Vec<(String, String)>,
    pub expires_in_secs: u64,
}

/// How the upload page should send a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadOptions {
    /// The largest accepted file, in bytes.
    pub max_bytes: u64,
    /// True when files go straight to S3 with a presigned PUT.
    pub direct: bool,
    /// The record page stops by itself after this many seconds.
    pub max_recording_secs: u64,
}

#[server(endpoint = "echoes/upload_settings")]
pub async fn upload_settings() -> Result<UploadOptions, AppError> {
    use crate::accounts::session::require_user_id;
    use crate::infra::state::app_state;

    require_user_id().await?;
    let state = app_state();
    Ok(UploadOptions {
        max_bytes: state.config.max_audio_file_size,
        direct: state.config.s3.is_some(),
        max_recording_secs: state.config.max_recording_secs,
    })
}

#[server(endpoint = "echoes/init_upload")]
pub async fn init_upload(size: u64, content_type: String) -> Result<DirectUpload, AppError> {
    use super::format::AudioFamily;
    use super::pending;
    use crate::accounts::session::require_user_id;
    use crate::infra::state::app_state;
    use crate::infra::storage::ObjectKey;

    let user_id = require_user_id().await?;
    let state = app_state();
    let cap = state.config.max_audio_file_size;
    if size == 0 {
        return Err(AppError::invalid("audio", "The file is empty."));
    }
    if size > cap {
        return Err(super::upload::too_large(cap));
    }
    let family = AudioFamily::from_declared(&content_type).ok_or_else(super::upload::not_audio)?;
    let max_pending = state.config.max_pending_uploads_per_user;
    let live_since = crate::infra::db::now_millis() - state.config.pending_upload_ttl_secs as i64 * 1000;
    if pending::count_waiting(&state.db, user_id, live_since).await? >= max_pending as i64 {
        return Err(AppError::new(
            crate::error::ErrorCode::TooManyRequests,
            format!("You have {max_pending} uploads in progress. Finish or cancel one before starting another."),
        )
        .retry_after(60));
    }
    let id = Uuid::now_v7();
    let key = ObjectKey::incoming(user_id, id, family.extension());
    let presigned = state
        .storage
        .presign_put(&key, size, &content_type)
        .await
        .map_err(|e| AppError::unavailable("presign upload", e))?
        .ok_or_else(|| {
            AppError::bad_request("Direct uploads need S3 storage; send the file to POST /echoes instead.")
        })?;
    pending::insert(&state.db, id, user_id, &key, size, &content_type).await?;
    let expires_in_secs = state.config.s3.as_ref().map(|s| s.presign_expiry_secs).unwrap_or_default();
    Ok(DirectUpload {
        upload_id: id,
        method: presigned.method,
        url: presigned.url,
        headers: presigned.headers,
        expires_in_secs,
    })
}

#[server(endpoint = "echoes/complete_upload")]
pub async fn complete_upload(
    upload_id: String,
    emotion: String,
    title: Option<String>,
    tags: Option<String>,
    note: Option<String>,
    captured_at: Option<String>,
    latitude: Option<String>,
    longitude: Option<String>,
    location_precise: Option<String>,
) -> Result<Echo, AppError> {
    use super::format::{AudioFamily, AudioFormat, SNIFF_LEN};
    use super::metadata::{is_ticked, EchoMetadata, Location};
    use super::rows::{self, NewEcho};
    use super::{parse_echo_id, pending};
    use crate::accounts::session::require_user_id;
    use crate::error::ErrorCode;
    use crate::infra::db::now_millis;
    use crate::infra::state::app_state;
    use crate::infra::storage::{ByteRange, DeleteUnlessKept, StorageError};
    use futures::TryStreamExt;

    let user_id = require_user_id().await?;
    let id = parse_echo_id(&upload_id)?;
    let now = now_millis();
    let location = Location::parse(latitude.as_deref(), longitude.as_deref(), is_ticked(location_precise.as_deref()))?;
    let metadata = EchoMetadata::from_fields(
        &emotion,
        title.as_deref(),
        tags.as_deref(),
        note.as_deref(),
        captured_at.as_deref(),
        location,
        now,
    )?;
    let state = app_state();
    let expired = |p: &pending::PendingUpload| now - p.created_at > state.config.pending_upload_ttl_secs as i64 * 1000;
    let Some(pending) = pending::find_owned(&state.db, user_id, id).await?.filter(|p| !expired(p)) else {
        return Err(AppError::new(ErrorCode::NotFound, "No such upload, or it expired. Start the upload again."));
    };
    if pending.state == pending::COMPLETED {
        // Completed already (a retry): answer with the echo.
        if let Some(row) = rows::find_owned(&state.db, user_id, id).await? {
            return row.into_echo();
        }
    }
    if !pending::claim_for_completion(&state.db, &pending).await? {
        return Err(AppError::new(
            ErrorCode::UploadNotReceived,
            "This upload is already being completed. Wait a moment, then ask again.",
        )
        .retry_after(2));
    }
    let incoming = pending.key()?;
    let key = incoming.without_incoming();

    // Check a copy nobody else can write, not the incoming object a
    // still-valid PUT URL could overwrite meanwhile.
    match state.storage.copy(&incoming, &key).await {
        Ok(()) => {}
        // An earlier attempt copied it already and then had to stop.
        Err(StorageError::NotFound) if state.storage.head(&key).await.is_ok() => {}
        Err(StorageError::NotFound) => {
            pending::release(&state.db, id).await?;
            return Err(AppError::new(
                ErrorCode::UploadNotReceived,
                "The file has not arrived yet. Send it to the upload URL first, then complete the upload.",
            ));
        }
        Err(err) => {
            pending::release(&state.db, id).await?;
            return Err(AppError::unavailable("copy upload", err));
        }
    }
    // From here on the echo's object goes unless the echo is made — also if
    // this request is cancelled half-way.
    let cleanup = DeleteUnlessKept::new(&state.storage, &key);
    if let Err(e) = state.storage.delete(&incoming).await {
        tracing::warn!(%incoming, error = %e, "could not remove the incoming object; the sweeper will");
    }
    let refuse = |err: AppError| async {
        pending::remove(&state.db, id).await?;
        Err::<Echo, AppError>(err)
    };
    let object = match state.storage.head(&key).await {
        Ok(object) => object,
        Err(err) => return Err(AppError::unavailable("head upload", err)),
    };
    if object.size != pending.declared_size() || object.size > state.config.max_audio_file_size {
        let message =
            format!("The uploaded file is {} bytes, not the {} declared.", object.size, pending.declared_size());
        cleanup.delete_now().await;
        return refuse(AppError::invalid("audio", message)).await;
    }
    let head_range = ByteRange { start: 0, end: object.size.min(SNIFF_LEN as u64) - 1 };
    let head: Vec<u8> = match state.storage.read_range(&key, Some(head_range)).await {
        Ok(stream) => {
            stream.map_ok(|b| b.to_vec()).try_concat().await.map_err(|e| AppError::unavailable("read upload", e))?
        }
        Err(err) => return Err(AppError::unavailable("read upload", err)),
    };
    let declared = AudioFamily::from_declared(&pending.declared_type);
    let format = match AudioFormat::sniff(&head) {
        Some(format) if Some(format.family()) == declared => format,
        Some(format) => {
            let message = format!("The file is {} but was declared as {}.", format.name(), pending.declared_type);
            cleanup.delete_now().await;
            return refuse(AppError::on_field(ErrorCode::UnsupportedMediaType, "audio", message)).await;
        }
        None => {
            cleanup.delete_now().await;
            return refuse(super::upload::not_audio()).await;
        }
    };
    let probe = match super::probe::probe_stored(&state.prober, &state.storage, &key, format.extension()).await {
        Ok(probe) => probe,
        Err(err) if err.code == ErrorCode::Validation => {
            cleanup.delete_now().await;
            return refuse(err).await;
        }
        Err(err) => {
            // Busy or failing on our side: the client may complete again,
            // from the copy (the sweeper removes it if they never do).
            cleanup.keep();
            pending::release(&state.db, id).await?;
            return Err(err);
        }
    };
    let new = NewEcho {
        id,
        user_id,
        metadata: &metadata,
        content_type: format.content_type(),
        size_bytes: object.size,
        key: &key,
        probe: Some(probe),
    };
    let echo = rows::insert(&state.db, new).await?;
    cleanup.keep();
    pending::mark_completed(&state.db, id).await?;
    tracing::info!(echo_id = %id, size = object.size, "direct upload completed");
    Ok(echo)
}
