//! Deleting an echo removes its stored audio and its row — both or neither.

use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "echoes/delete")]
pub async fn delete_echo(id: String) -> Result<(), AppError> {
    use super::{parse_echo_id, rows};
    use crate::accounts::session::require_user_id;
    use crate::infra::state::app_state;

    let user_id = require_user_id().await?;
    let id = parse_echo_id(&id)?;
    let state = app_state();
    let storage = state.storage.clone();
    let deleted = rows::delete_owned(&state.db, user_id, id, |key| async move {
        storage.delete(&key).await.map_err(|e| AppError::unavailable("delete object", e))
    })
    .await?;
    if !deleted {
        return Err(AppError::not_found("echo"));
    }
    tracing::info!(echo_id = %id, "echo deleted");
    leptos_axum::redirect("/echoes");
    Ok(())
}
