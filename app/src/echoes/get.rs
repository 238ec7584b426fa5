//! One echo of mine. Someone else's echo is "not found", as is a missing one.

use leptos::prelude::*;

use super::Echo;
use crate::error::AppError;

#[server(endpoint = "echoes/get")]
pub async fn get_echo(id: String) -> Result<Echo, AppError> {
    use super::{parse_echo_id, rows};
    use crate::accounts::session::require_user_id;
    use crate::infra::state::app_state;

    let user_id = require_user_id().await?;
    let id = parse_echo_id(&id)?;
    rows::find_owned(&app_state().db, user_id, id).await?.ok_or_else(|| AppError::not_found("echo"))?.into_echo()
}
