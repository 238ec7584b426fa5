//! Log in with email and password. An unknown email and a wrong password get
//! the same message and take the same time; repeated failures are slowed
//! down, then refused for a while (see `throttle`).

use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "accounts/log_in")]
pub async fn log_in(email: String, password: String) -> Result<(), AppError> {
    use super::{credentials::*, session, throttle, users};
    use crate::infra::state::app_state;

    let password = Password::parse_attempt(password)?;
    let state = app_state();
    let ip = throttle::request_client_ip();
    let email = Email::parse(&email).ok();
    throttle::check_log_in(&state.db, email.as_ref(), ip).await?;
    // A malformed email cannot have an account, but still costs a hash
    // check so that failures are indistinguishable by timing.
    let found = match &email {
        Some(email) => users::find_credentials(&state.db, email).await?,
        None => None,
    };
    let (user, stored) = match found {
        Some((user, stored)) => (Some(user), Some(stored)),
        None => (None, None),
    };
    let matches = state.passwords.verify(password, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        let hold_back = throttle::failed_log_in(&state.db, &state.config.limits, email.as_ref(), ip).await?;
        tokio::time::sleep(hold_back).await;
        return Err(wrong_credentials());
    };
    if let Some(email) = &email {
        throttle::succeeded_log_in(&state.db, email).await?;
    }
    session::start(&session::request_session().await?, user.id).await?;
    tracing::info!(user_id = %user.id, "logged in");
    leptos_axum::redirect("/echoes");
    Ok(())
}
