//! Changing the account's email address. The new address gets a link
//! (single-use, 24 h) and the old one is told at once; only when the link
//! is used does the new address replace the old (already verified), and
//! the old address is told again. An account with a password must give it:
//! a stolen session alone cannot move the account to another mailbox.

use leptos::prelude::*;

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub async fn request(
    state: &crate::infra::state::AppState,
    caller: &super::CurrentUser,
    new_email: &str,
    current_password: Option<String>,
) -> Result<String, AppError> {
    use super::email_tokens::{issue, Purpose};
    use crate::infra::mail::{messages, outbox};
    caller.require_write()?;
    use crate::error::AllValid;
    let current_given = super::change_password::require_current(state, caller, current_password.as_deref()).await?;
    let (new, ()) = (super::Email::parse(new_email).map_err(|e| e.on("new_email")), current_given).all_valid()?;
    if new.as_str() == caller.user.email {
        return Err(AppError::invalid("new_email", "That is your email address already."));
    }
    super::change_password::confirm_current(state, caller, current_password).await?;
    if super::users::find_by_email(&state.db, &new).await?.is_some() {
        return Err(AppError::on_field(
            crate::error::ErrorCode::EmailTaken,
            "new_email",
            "That address has an Echoes account of its own.",
        ));
    }
    super::throttle::limit(
        &state.db,
        format!("email-change:{}", caller.id()),
        5,
        std::time::Duration::from_secs(3600),
        "Too many address changes were asked for.",
    )
    .await?;
    let secret = issue(&state.db, caller.id(), new.as_str(), Purpose::Change).await?;
    let site = &state.config.public_url;
    let link = format!("{site}/change-email?token={secret}");
    outbox::enqueue(&state.db, &messages::confirm_new_email(site, new.as_str(), &link)).await?;
    outbox::enqueue(&state.db, &messages::email_change_notice(site, &caller.user.email, new.as_str(), false)).await?;
    tracing::info!(user_id = %caller.id(), "email change asked for");
    Ok(new.as_str().to_owned())
}

#[cfg(feature = "ssr")]
pub async fn confirm(state: &crate::infra::state::AppState, secret: &str) -> Result<(), AppError> {
    use super::email_tokens::{consume, Purpose};
    use crate::infra::mail::{messages, outbox};
    let Some((user_id, new)) = consume(&state.db, secret, Purpose::Change).await? else {
        return Err(AppError::bad_request(
            "This link was used already, has expired or is not right. Ask for the change again on your account page.",
        ));
    };
    let Some(account) = super::users::find_by_id(&state.db, user_id).await? else {
        return Err(AppError::not_found("account"));
    };
    let changed = super::users::set_verified_email(&state.db, user_id, &new).await;
    state.recent.forget_account(user_id);
    changed?;
    let site = &state.config.public_url;
    outbox::enqueue(&state.db, &messages::email_change_notice(site, &account.user.email, &new, true)).await?;
    tracing::info!(%user_id, "email address changed");
    Ok(())
}

/// Asks for the change; returns the address the link went to.
#[server(prefix = "/_fn", endpoint = "accounts/change_email")]
pub async fn change_email(new_email: String, current_password: Option<String>) -> Result<String, AppError> {
    let caller = super::CurrentUser::of_request().await?;
    request(&crate::infra::state::app_state(), &caller, &new_email, current_password).await
}

/// Uses the link sent to the new address.
#[server(prefix = "/_fn", endpoint = "accounts/confirm_email_change")]
pub async fn confirm_email_change(token: String) -> Result<(), AppError> {
    confirm(&crate::infra::state::app_state(), token.trim()).await
}
