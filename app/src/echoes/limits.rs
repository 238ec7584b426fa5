//! What the upload form needs to know before a file is chosen.

use leptos::prelude::*;

use crate::error::AppError;

/// The largest accepted audio file, in bytes (for signed-in users: the
/// upload page sends everyone else to log in).
#[server(endpoint = "echoes/upload_limit")]
pub async fn upload_limit() -> Result<u64, AppError> {
    use crate::accounts::session::require_user_id;

    require_user_id().await?;
    Ok(crate::infra::state::app_state().config.max_audio_file_size)
}
