//! One echo of mine. Someone else's echo is "not found", as is a missing one.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use uuid::Uuid;

use super::Echo;
use crate::error::AppError;

#[cfg(feature = "ssr")]
pub async fn find(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    id: Uuid,
) -> Result<Echo, AppError> {
    super::rows::find_owned(&state.db, caller.id(), id).await?.ok_or_else(|| AppError::not_found("echo"))?.into_echo()
}

#[server(prefix = "/_fn", endpoint = "echoes/get")]
pub async fn get_echo(id: String) -> Result<Echo, AppError> {
    let caller = crate::accounts::CurrentUser::of_request().await?;
    find(&crate::infra::state::app_state(), &caller, super::parse_echo_id(&id)?).await
}
