//! An admin deletes an account with everything it holds (see
//! `accounts::delete_account::erase`). The last working admin cannot be
//! deleted.

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
    caller.require_admin()?;
    caller.require_write()?;
    let account =
        crate::accounts::users::find_by_id(&state.db, id).await?.ok_or_else(|| AppError::not_found("account"))?;
    let objects = crate::accounts::service::erase(state, id).await?;
    tracing::info!(admin_id = %caller.id(), user_id = %id, email = %account.user.email, objects, "account deleted by an admin");
    Ok(())
}
#[server(prefix = "/_fn", endpoint = "admin/users/delete")]
pub async fn delete_user(id: String) -> Result<(), AppError> {
    let caller = crate::accounts::CurrentUser::of_request().await?;
    let id = crate::paging::parse_id(&id, "account")?;
    delete(&crate::infra::state::app_state(), &caller, id).await?;
    leptos_axum::redirect("/admin");
    Ok(())
}
