//! Log in with email and password ([`authenticate`], shared with the API).
//! An unknown email and a wrong password get the same message and take the
//! same time; repeated failures are slowed down, then refused for a while
//! (see `throttle`). With two-step sign-in on, a right password leads to
//! the second step (`two_factor::second_step`). A disabled account is refused only once its password
//! matched, so the answer tells nothing to someone guessing.

use leptos::prelude::*;

use crate::error::AppError;

/// The account `email` and `password` belong to, or why not.
#[cfg(feature = "ssr")]
pub async fn authenticate(
    state: &crate::infra::state::AppState,
    from: crate::infra::client_ip::ClientIp,
    email: &str,
    password: super::Password,
) -> Result<super::User, AppError> {
    use super::{credentials::*, throttle, users};

    let email = Email::parse(email).ok();
    throttle::check_log_in(&state.db, email.as_ref(), from).await?;
    // A malformed email cannot have an account, but still costs a hash
    // check so that failures are indistinguishable by timing.
    let found = match &email {
        Some(email) => users::find_credentials(&state.db, email).await?,
        None => None,
    };
    // An account without a password (provider sign-in only) is checked
    // against the dummy hash like an unknown email: it never matches.
    let (account, stored) = match found {
        Some((account, stored)) => (Some(account), stored),
        None => (None, None),
    };
    let matches = state.passwords.verify(password, stored).await?;
    let Some(account) = account.filter(|_| matches) else {
        let hold_back = throttle::failed_log_in(&state.db, &state.config.limits, email.as_ref(), from).await?;
        tokio::time::sleep(hold_back).await;
        return Err(wrong_credentials());
    };
    if let Some(email) = &email {
        throttle::succeeded_log_in(&state.db, email).await?;
    }
    if account.disabled {
        tracing::info!(user_id = %account.user.id, "log-in to a disabled account refused");
        return Err(AppError::account_disabled());
    }
    tracing::info!(user_id = %account.user.id, "logged in");
    Ok(account.user)
}

#[server(prefix = "/_fn", endpoint = "accounts/log_in")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use super::{credentials::Password, session, throttle};
    use crate::infra::state::app_state;

    use crate::error::AllValid;

    let email_given = match email.trim().is_empty() {
        true => Err(AppError::invalid("email", "Enter your email address.")),
        false => Ok(()),
    };
    let ((), password) = (email_given, Password::parse_attempt(password)).all_valid()?;
    let state = app_state();
    let user = authenticate(&state, throttle::request_client_ip(), &email, password).await?;
    let session = session::request_session().await?;
    let user_agent = session::request_user_agent();
    // With two-step sign-in on, this goes to the second step instead.
    let next = super::two_factor::second_step::after_first_step(&state, &session, user.id, user_agent.as_deref(), &super::return_to::destination(next.as_deref()))
        .await?;
    leptos_axum::redirect(&next);
    Ok(())
}
