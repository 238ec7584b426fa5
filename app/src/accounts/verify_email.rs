//! Proving the email address: after sign-up a link is mailed (single-use,
//! stored hashed, 24 h). Until it is used the account works, with a banner
//! and "send again" (at most once a minute). Opening the link marks the
//! address verified.

use leptos::prelude::*;

use crate::error::AppError;

/// How long "send again" waits between links.
#[cfg(feature = "ssr")]
const RESEND_COOLDOWN_MS: i64 = 60_000;

/// Mails `user` a fresh link to confirm `email`.
#[cfg(feature = "ssr")]
pub async fn send_link(state: &crate::infra::state::AppState, user: &super::User) -> Result<(), AppError> {
    use super::email_tokens::{issue, Purpose};
    let secret = issue(&state.db, user.id, &user.email, Purpose::Verify).await?;
    let site = &state.config.public_url;
    let link = format!("{site}/verify-email?token={secret}");
    let mail = crate::infra::mail::messages::verify_email(site, &user.email, &user.display_name, &link);
    crate::infra::mail::outbox::enqueue(&state.db, &mail).await
}

/// Uses a link; the account it verified.
#[cfg(feature = "ssr")]
pub async fn verify(state: &crate::infra::state::AppState, secret: &str) -> Result<uuid::Uuid, AppError> {
    use super::email_tokens::{consume, Purpose};
    let Some((user_id, email)) = consume(&state.db, secret, Purpose::Verify).await? else {
        return Err(AppError::bad_request(
            "This confirmation link was used already, has expired or is not right. Log in and send a new one.",
        ));
    };
    // Only the address the link was sent to: not one changed since.
    crate::on_db!(&state.db, pool => sqlx::query(
        "UPDATE users SET email_verified_at = $3 WHERE id = $1 AND email = $2 AND email_verified_at IS NULL",
    )
    .bind(user_id)
    .bind(&email)
    .bind(crate::infra::db::now_millis())
    .execute(pool)
    .await
    .map(|_| ()))?;
    state.recent.forget_account(user_id);
    tracing::info!(user_id = %user_id, "email verified");
    Ok(user_id)
}

/// The verification page opens the link.
#[server(prefix = "/_fn", endpoint = "accounts/verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    verify(&crate::infra::state::app_state(), token.trim()).await.map(|_| ())
}

/// "Send again", from the banner.
#[server(prefix = "/_fn", endpoint = "accounts/resend_verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    use super::email_tokens::{last_issued, Purpose};
    let caller = super::CurrentUser::of_request().await?;
    let state = crate::infra::state::app_state();
    let account = super::users::find_by_id(&state.db, caller.id()).await?.ok_or_else(AppError::unauthenticated)?;
    if account.email_verified {
        return Ok(());
    }
    if let Some(at) = last_issued(&state.db, caller.id(), Purpose::Verify).await? {
        let wait = at + RESEND_COOLDOWN_MS - crate::infra::db::now_millis();
        if wait > 0 {
            let wait = wait as u64;
            return Err(AppError::new(
                crate::error::ErrorCode::TooManyRequests,
                format!("A link was sent a moment ago. You can ask again in {} s.", wait.div_ceil(1000)),
            )
            .retry_after(wait.div_ceil(1000)));
        }
    }
    send_link(&state, &caller.user).await
}
