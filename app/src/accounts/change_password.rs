//! Change the password, or set one for an account that signs in through a
//! provider only. Changing needs the current password (checked and
//! throttled like a log-in); either way every other session of the
//! account ends and its API log-ins (access and refresh tokens) are
//! revoked — personal access tokens stay, they were made on purpose.

use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub async fn change(
    state: &crate::infra::state::AppState,
    caller: &super::CurrentUser,
    keep_session: Option<uuid::Uuid>,
    current: Option<String>,
    new: String,
) -> Result<(), AppError> {
    use super::credentials::Password;
    use super::{devices, users};
    use crate::error::AllValid;

    caller.require_write()?;
    // Both fields said at once (in form order) before the password is checked.
    let current_given = require_current(state, caller, current.as_deref()).await?;
    let ((), new) = (current_given, Password::parse_new(new).map_err(|e| e.on("new_password"))).all_valid()?;
    confirm_current(state, caller, current).await?;
    let hash = state.passwords.hash(new).await?;
    users::set_password(&state.db, caller.id(), &hash).await?;
    let ended = devices::end(state, caller.id(), None, keep_session).await?;
    super::tokens::revoke_log_ins(state, caller.id()).await?;
    tracing::info!(user_id = %caller.id(), other_sessions_ended = ended, "password changed");
    Ok(())
}

/// An empty `current` on an account that has a password, as a field error
/// to show with the form's others (the inner result); the password itself
/// is checked by [`confirm_current`].
#[cfg(feature = "ssr")]
pub async fn require_current(
    state: &crate::infra::state::AppState,
    caller: &super::CurrentUser,
    current: Option<&str>,
) -> Result<Result<(), AppError>, AppError> {
    if !current.unwrap_or_default().is_empty() || super::users::password_of(&state.db, caller.id()).await?.is_none() {
        return Ok(Ok(()));
    }
    Ok(Err(AppError::invalid("current_password", "Enter your current password.")))
}

/// When the account has a password, `current` must be it (checked and
/// throttled like a log-in, errors on `current_password`): for changes
/// that a stolen session alone must not make.
#[cfg(feature = "ssr")]
pub async fn confirm_current(
    state: &crate::infra::state::AppState,
    caller: &super::CurrentUser,
    current: Option<String>,
) -> Result<(), AppError> {
    use super::credentials::{wrong_credentials, Password};
    use super::{throttle, users};
    let Some(stored) = users::password_of(&state.db, caller.id()).await? else { return Ok(()) };
    let attempt = Password::parse_attempt(current.unwrap_or_default()).map_err(|e| e.on("current_password"))?;
    let email = super::Email::parse(&caller.user.email).ok();
    let from = throttle::request_client_ip();
    throttle::check_log_in(&state.db, email.as_ref(), from).await?;
    if !state.passwords.verify(attempt, Some(stored)).await? {
        throttle::failed_log_in(&state.db, &state.config.limits, email.as_ref(), from).await?;
        let mut err = wrong_credentials();
        err.message = "That is not your current password.".into();
        err.field = Some("current_password".into());
        return Err(err);
    }
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "accounts/change_password")]
pub async fn change_password(current_password: Option<String>, new_password: String) -> Result<(), AppError> {
    use super::session;
    let caller = super::CurrentUser::of_request().await?;
    let state = crate::infra::state::app_state();
    let this = session::handle(&session::request_session().await?).await?;
    change(&state, &caller, this, current_password, new_password).await?;
    leptos_axum::redirect("/account?password=changed#password");
    Ok(())
}
