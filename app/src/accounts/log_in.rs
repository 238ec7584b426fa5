//! Log in with email and password. An unknown email and a wrong password get
//! the same message and take the same time.

use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "accounts/log_in")]
pub async fn log_in(email: String, password: String) -> Result<(), AppError> {
    use super::{credentials::*, session, users};
    use crate::infra::state::app_state;

    let password = Password::parse_attempt(password)?;
    let state = app_state();
    // A malformed email cannot have an account, but still costs a hash
    // check so that failures are indistinguishable by timing.
    let found = match Email::parse(&email) {
        Ok(email) => users::find_credentials(&state.db, &email).await?,
        Err(_) => None,
    };
    let (user, stored) = match found {
        Some((user, stored)) => (Some(user), Some(stored)),
        None => (None, None),
    };
    let matches = state.passwords.verify(password, stored).await?;
    let Some(user) = user.filter(|_| matches) else {
        return Err(wrong_credentials());
    };
    session::start(&session::request_session().await?, user.id).await?;
    tracing::info!(user_id = %user.id, "logged in");
    leptos_axum::redirect("/echoes");
    Ok(())
}
