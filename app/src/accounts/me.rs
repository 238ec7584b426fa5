//! "Me": the signed-in user (or `None`), and changing one's own profile.

use leptos::prelude::*;

use super::User;
use crate::error::AppError;

#[server(prefix = "/_fn", endpoint = "accounts/me")]
pub async fn me() -> Result<Option<User>, AppError> {
    Ok(super::CurrentUser::optional().await?.map(|caller| caller.user))
}

/// Changes the caller's display name.
#[cfg(feature = "ssr")]
pub async fn update_profile(
    state: &crate::infra::state::AppState,
    caller: &super::CurrentUser,
    display_name: super::DisplayName,
) -> Result<User, AppError> {
    caller.require_write()?;
    let changed = super::users::set_display_name(&state.db, caller.id(), &display_name).await?;
    state.recent.forget_account(caller.id());
    if !changed {
        return Err(AppError::unauthenticated());
    }
    Ok(User { display_name: display_name.as_ref().to_owned(), ..caller.user.clone() })
}

#[server(prefix = "/_fn", endpoint = "accounts/profile")]
pub async fn update_display_name(display_name: String) -> Result<User, AppError> {
    let caller = super::CurrentUser::of_request().await?;
    let display_name = super::DisplayName::parse(&display_name)?;
    update_profile(&crate::infra::state::app_state(), &caller, display_name).await
}
