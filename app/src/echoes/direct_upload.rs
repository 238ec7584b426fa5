//! Direct uploads to S3: the browser (or an API client) PUTs the file
//! straight to the bucket. [`start`] and [`complete`] are the service
//! functions; the page's server functions and the API call them.
//!
//! 1. `start` checks the declared size (≤ the cap) and type (accepted
//!    audio), records a pending upload and returns a presigned PUT that signs
//!    that exact Content-Length and Content-Type — S3 refuses anything else.
//! 2. The browser PUTs the file (with a real progress bar).
//! 3. `complete` claims the upload, copies `incoming/…` to the echo's
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
    /// Pass back to complete the upload; it becomes the echo's id.
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

#[server(prefix = "/_fn", endpoint = "echoes/upload_settings")]
pub async fn upload_settings() -> Result<UploadOptions, AppError> {
    use crate::accounts::CurrentUser;
    use crate::infra::state::app_state;

    CurrentUser::of_request().await?;
    let state = app_state();
    Ok(UploadOptions {
        max_bytes: state.config.max_audio_file_size,
        direct: state.config.s3.is_some(),
        max_recording_secs: state.config.max_recording_secs,
    })
}

#[server(prefix = "/_fn", endpoint = "echoes/init_upload")]
pub async fn init_upload(size: u64, content_type: String) -> Result<DirectUpload, AppError> {
    use crate::accounts::CurrentUser;

    let caller = CurrentUser::of_request().await?;
    start(&crate::infra::state::app_state(), &caller, size, &content_type)
        .await?
        .ok_or_else(|| AppError::bad_request("Direct uploads need S3 storage; send the file to POST /echoes instead."))
}

/// `fields` are the new echo's metadata by name (`emotion`, `title`,
/// `tags`, …: [`EchoMetadataDraft::FIELDS`](super::EchoMetadataDraft::FIELDS)).
#[server(prefix = "/_fn", endpoint = "echoes/complete_upload", input = leptos::server_fn::codec::Json)]
pub async fn complete_upload(
    upload_id: String,
    fields: std::collections::BTreeMap<String, String>,
) -> Result<Echo, AppError> {
    use super::{parse_echo_id, EchoMetadataDraft};
    use crate::accounts::CurrentUser;
    use crate::infra::db::now_millis;

    let caller = CurrentUser::of_request().await?;
    let id = parse_echo_id(&upload_id)?;
    let now = now_millis();
    let mut draft = EchoMetadataDraft::in_zone(caller.time_zone());
    let mut problems = Vec::new();
    for (name, value) in &fields {
        match draft.set(name, value, now) {
            Ok(true) => {}
            Ok(false) => return Err(AppError::bad_request(format!("Unknown field {name:?}."))),
            Err(err) => problems.push(err),
        }
    }
    let echo = complete(&crate::infra::state::app_state(), &caller, id, draft.finish_after(now, problems)?).await?;
    crate::flash::show_next(crate::flash::Flash::Uploaded);
    Ok(echo)
}

/// Checks what the client declares and hands out a presigned PUT for it;
/// `None` when audio is kept on local disk (send it through the server).
#[cfg(feature = "ssr")]
pub async fn start(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    size: u64,
    content_type: &str,
) -> Result<Option<DirectUpload>, AppError> {
    use super::format::AudioFamily;
    use super::pending;
    use crate::infra::storage::ObjectKey;

    caller.require_write()?;
    let cap = state.config.max_audio_file_size;
    if size == 0 {
        return Err(AppError::invalid("audio", "The file is empty."));
    }
    if size > cap {
        return Err(super::too_large(cap));
    }
    let family = AudioFamily::from_declared(content_type).ok_or_else(super::not_audio)?;
    let Some(expires_in_secs) = state.config.s3.as_ref().map(|s| s.presign_expiry_secs) else {
        return Ok(None);
    };
    let max_pending = state.config.max_pending_uploads_per_user;
    let live_since = crate::infra::db::now_millis() - state.config.pending_upload_ttl_secs as i64 * 1000;
    if pending::count_waiting(&state.db, caller.id(), live_since).await? >= max_pending as i64 {
        return Err(AppError::new(
            crate::error::ErrorCode::TooManyRequests,
            format!("You have {max_pending} uploads in progress. Finish or cancel one before starting another."),
        )
        .retry_after(60));
    }
    let id = Uuid::now_v7();
    let key = ObjectKey::incoming(caller.id(), id, family.extension());
    let Some(presigned) = state
        .storage
        .presign_put(&key, size, content_type)
        .await
        .map_err(|e| AppError::unavailable("presign upload", e))?
    else {
        return Ok(None);
    };
    pending::insert(&state.db, id, caller.id(), &key, size, content_type).await?;
    Ok(Some(DirectUpload {
        upload_id: id,
        method: presigned.method,
        url: presigned.url,
        headers: presigned.headers,
        expires_in_secs,
    }))
}

/// Turns a direct upload whose file has arrived into an echo (see the
/// module's steps); completing twice answers with the same echo.
#[cfg(feature = "ssr")]
pub async fn complete(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    id: Uuid,
    metadata: super::EchoMetadata,
) -> Result<Echo, AppError> {
    use super::create::{self, StoredAudio};
    use super::format::{AudioFamily, AudioFormat, SNIFF_LEN};
    use super::{pending, rows};
    use crate::error::ErrorCode;
    use crate::infra::db::now_millis;
    use crate::infra::storage::{ByteRange, DeleteUnlessKept, StorageError};
    use futures::TryStreamExt;

    caller.require_write()?;
    let user_id = caller.id();
    let now = now_millis();
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
            return refuse(super::not_audio()).await;
        }
    };
    let audio = StoredAudio { key: &key, format, size: object.size, in_flight: false, probed: None };
    let echo = match create::create(state, caller, id, audio, &metadata).await {
        Ok(echo) => echo,
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
    cleanup.keep();
    pending::mark_completed(&state.db, id).await?;
    tracing::info!(echo_id = %id, size = object.size, "direct upload completed");
    Ok(echo)
}
