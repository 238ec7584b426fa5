//! Direct uploads to S3: the browser PUTs the file straight to the bucket.
//!
//! 1. `init_upload` checks the declared size (≤ the cap) and type (accepted
//!    audio), records a pending upload and returns a presigned PUT that signs
//!    that exact Content-Length and Content-Type — S3 refuses anything else.
//! 2. The browser PUTs the file (with a real progress bar).
//! 3. `complete_upload` HEADs the object (size), reads its first bytes to
//!    sniff the real format, and only then creates the echo. On a mismatch
//!    the object is deleted and the error says why.

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
    let id = Uuid::now_v7();
    let key = ObjectKey::for_echo(user_id, id, family.extension());
    let presigned = state
        .storage
        .presign_put(&key, size, &content_type)
        .await
        .map_err(|e| AppError::internal("presign upload", e))?
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
    use crate::infra::storage::{ByteRange, StorageError};
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
        // Completed already (a retry): answer with the echo.
        if let Some(row) = rows::find_owned(&state.db, user_id, id).await? {
            return row.into_echo();
        }
        return Err(AppError::new(ErrorCode::NotFound, "No such upload, or it expired. Start the upload again."));
    };
    let key = pending.key()?;

    let object = match state.storage.head(&key).await {
        Ok(object) => object,
        Err(StorageError::NotFound) => {
            return Err(AppError::new(
                ErrorCode::UploadNotReceived,
                "The file has not arrived yet. Send it to the upload URL first, then complete the upload.",
            ))
        }
        Err(err) => return Err(AppError::internal("head upload", err)),
    };
    // From here on, a refusal removes what was uploaded.
    let refuse = |err: AppError| async {
        if let Err(e) = state.storage.delete(&key).await {
            tracing::error!(%key, error = %e, "could not remove a refused upload");
        }
        pending::remove(&state.db, id).await?;
        Err::<Echo, AppError>(err)
    };
    if object.size != pending.declared_size() || object.size > state.config.max_audio_file_size {
        let message =
            format!("The uploaded file is {} bytes, not the {} declared.", object.size, pending.declared_size());
        return refuse(AppError::invalid("audio", message)).await;
    }
    let head_range = ByteRange { start: 0, end: object.size.min(SNIFF_LEN as u64) - 1 };
    let head: Vec<u8> = match state.storage.read_range(&key, Some(head_range)).await {
        Ok(stream) => {
            stream.map_ok(|b| b.to_vec()).try_concat().await.map_err(|e| AppError::internal("read upload", e))?
        }
        Err(err) => return Err(AppError::internal("read upload", err)),
    };
    let declared = AudioFamily::from_declared(&pending.declared_type);
    let format = match AudioFormat::sniff(&head) {
        Some(format) if Some(format.family()) == declared => format,
        Some(format) => {
            let message = format!("The file is {} but was declared as {}.", format.name(), pending.declared_type);
            return refuse(AppError::on_field(ErrorCode::UnsupportedMediaType, "audio", message)).await;
        }
        None => return refuse(super::upload::not_audio()).await,
    };
    let probe = match super::probe::probe_stored(&state.prober, &state.storage, &key, format.extension()).await {
        Ok(probe) => Some(probe),
        Err(err) if err.code == ErrorCode::Validation => return refuse(err).await,
        Err(err) => return Err(err),
    };
    let new = NewEcho {
        id,
        user_id,
        metadata: &metadata,
        content_type: format.content_type(),
        size_bytes: object.size,
        key: &key,
        probe,
    };
    let echo = rows::insert(&state.db, new).await?;
    pending::remove(&state.db, id).await?;
    tracing::info!(echo_id = %id, size = object.size, "direct upload completed");
    Ok(echo)
}
