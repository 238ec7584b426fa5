//! "Me": the signed-in user, or `None`.

use leptos::prelude::*;

use super::User;
use crate::error::AppError;

#[server(endpoint = "accounts/me")]
pub async fn current_user() -> Result<Option<User>, AppError> {
    use super::{session, users};
    use crate::infra::state::app_state;

    let session = session::request_session().await?;
    let Some(user_id) = session::signed_in_user_id(&session).await? else {
        return Ok(None);
    };
    let user = users::find_by_id(&app_state().db, user_id).await?;
    if user.is_none() {
        // The account is gone (deleted elsewhere): drop the stale session.
        session::end(&session).await?;
    }
    Ok(user)
}
