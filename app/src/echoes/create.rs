//! Creating an echo — the one place it happens, whichever way the audio
//! arrived (a form or API upload streamed through the server, or a direct
//! upload to S3 copied to its key). The audio is already stored; here it
//! is decoded in the sandbox for its real length and waveform (audio that
//! cannot be decoded or is too long is refused; an upload through the
//! server was usually decoded already, on its way to storage) and the row
//! is written.
//! Removing the object when this fails is the caller's business: only the
//! caller knows whether a retry could still use it.

use uuid::Uuid;

use super::format::AudioFormat;
use super::probe::AudioProbe;
use super::rows::{self, NewEcho};
use super::{Echo, EchoMetadata};
use crate::accounts::CurrentUser;
use crate::error::AppError;
use crate::infra::state::AppState;
use crate::infra::storage::ObjectKey;

/// Audio in storage, at the key the echo will keep.
pub struct StoredAudio<'a> {
    pub key: &'a ObjectKey,
    pub format: AudioFormat,
    pub size: u64,
    /// Streamed in under a row of the uploads journal (see `in_flight`).
    pub in_flight: bool,
    /// Decoded already, while it was being stored; otherwise it is here.
    pub probed: Option<AudioProbe>,
}

pub async fn create(
    state: &AppState,
    owner: &CurrentUser,
    id: Uuid,
    audio: StoredAudio<'_>,
    metadata: &EchoMetadata,
) -> Result<Echo, AppError> {
    owner.require_write()?;
    let probe = match audio.probed {
        Some(probe) => probe,
        None => super::probe::probe_stored(&state.prober, &state.storage, audio.key, audio.format.extension()).await?,
    };
    let new = NewEcho {
        id,
        user_id: owner.id(),
        metadata,
        content_type: audio.format.content_type(),
        size_bytes: audio.size,
        key: audio.key,
        probe: Some(probe),
        in_flight: audio.in_flight,
    };
    let echo = rows::insert(&state.db, new).await?;
    tracing::info!(echo_id = %echo.id, size = echo.size_bytes, content_type = %echo.content_type, "echo created");
    metrics::counter!("echoes_created_total").increment(1);
    metrics::counter!("echoes_stored_bytes_total").increment(audio.size);
    Ok(echo)
}
