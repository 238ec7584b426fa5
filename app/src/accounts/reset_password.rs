//! "Forgot password": always the same answer, whether or not the address
//! has an account, with a link mailed only when it does (single-use,
//! stored hashed, 1 h). Using the link sets the new password, signs out
//! every session and API log-in, and tells the owner by mail. Requests are
//! limited per address asked about and per client.

use leptos::prelude::*;

use crate::error::AppError;

/// What "forgot password" always says.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub const SENT: &str = "If an account uses that address, a link to choose a new password is on its way. It works for 1 hour.";

#[cfg(feature = "ssr")]
pub async fn request(
    state: &crate::infra::state::AppState,
    from: crate::infra::client_ip::ClientIp,
    email: &str,
) -> Result<(), AppError> {
    use super::email_tokens::{issue, Purpose};
    use super::throttle::limit;
    use std::time::Duration;

    let email = super::Email::parse(email)?;
    let hour = Duration::from_secs(3600);
    let busy = "Too many password resets were asked for.";
    limit(&state.db, format!("reset-address:{from}"), 20, hour, busy).await?;
    limit(&state.db, format!("reset-account:{}", email.as_str()), 5, hour, busy).await?;
    // Found or not, the answer is the same; the mail itself is sent later
    // by the outbox worker, so the time differs only by two small inserts
    // (tests/mail.rs measures it).
    match super::users::find_by_email(&state.db, &email).await? {
        Some(account) if !account.disabled => {
            let secret = issue(&state.db, account.user.id, email.as_str(), Purpose::Reset).await?;
            let site = &state.config.public_url;
            let link = format!("{site}/reset-password?token={secret}");
            let mail = crate::infra::mail::messages::reset_password(site, email.as_str(), &link);
            crate::infra::mail::outbox::enqueue(&state.db, &mail).await?;
            tracing::info!(user_id = %account.user.id, "password reset link sent");
        }
        _ => tracing::info!("password reset asked for an address without a (working) account"),
    }
    Ok(())
}

#[cfg(feature = "ssr")]
pub async fn reset(state: &crate::infra::state::AppState, secret: &str, new_password: String) -> Result<(), AppError> {
    use super::email_tokens::{consume, Purpose};
    let password = super::Password::parse_new(new_password).map_err(|e| e.on("new_password"))?;
    let Some((user_id, email)) = consume(&state.db, secret, Purpose::Reset).await? else {
        return Err(AppError::bad_request(
            "This reset link was used already, has expired or is not right. Ask for a new one.",
        ));
    };
    let hash = state.passwords.hash(password).await?;
    super::users::set_password(&state.db, user_id, &hash).await?;
    // Whoever got in with the old password is out.
    super::devices::end(state, user_id, None, None).await?;
    super::tokens::revoke_log_ins(state, user_id).await?;
    let mail = crate::infra::mail::messages::password_was_reset(&state.config.public_url, &email);
    crate::infra::mail::outbox::enqueue(&state.db, &mail).await?;
    tracing::info!(user_id = %user_id, "password reset with a mailed link");
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "accounts/forgot_password")]
pub async fn forgot_password(email: String) -> Result<String, AppError> {
    request(&crate::infra::state::app_state(), super::throttle::request_client_ip(), &email).await?;
    Ok(SENT.to_owned())
}

#[server(prefix = "/_fn", endpoint = "accounts/reset_password")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    reset(&crate::infra::state::app_state(), token.trim(), new_password).await?;
    leptos_axum::redirect("/login?reset=1");
    Ok(())
}
