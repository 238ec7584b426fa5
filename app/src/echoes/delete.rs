//! Deleting an echo removes its stored audio and its row — both or neither.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use uuid::Uuid;

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub async fn delete(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    id: Uuid,
) -> Result<(), AppError> {
    caller.require_write()?;
    let storage = state.storage.clone();
    let deleted = super::rows::delete_owned(&state.db, caller.id(), id, |key| async move {
        storage.delete(&key).await.map_err(|e| AppError::unavailable("delete object", e))
    })
    .await?;
    if !deleted {
        return Err(AppError::not_found("echo"));
    }
    state.recent.forget_audio(caller.id(), id);
    tracing::info!(echo_id = %id, "echo deleted");
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "echoes/delete")]
pub async fn delete_echo(id: String) -> Result<(), AppError> {
    let caller = crate::accounts::CurrentUser::of_request().await?;
    delete(&crate::infra::state::app_state(), &caller, super::parse_echo_id(&id)?).await?;
    crate::flash::show_next(crate::flash::Flash::Deleted);
    leptos_axum::redirect("/echoes");
    Ok(())
}
