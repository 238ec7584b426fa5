//! Sign up: create the account, then sign the new user in.

use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "accounts/sign_up")]
pub async fn sign_up(email: String, password: String, display_name: String) -> Result<(), AppError> {
    use super::{credentials::*, session, throttle, users};
    use crate::infra::state::app_state;

    let email = Email::parse(&email)?;
    let display_name = DisplayName::parse(&display_name)?;
    let password = Password::parse_new(password)?;
    let state = app_state();
    throttle::sign_up(&state.db, &state.config.limits, throttle::request_client_ip()).await?;
    let hash = state.passwords.hash(password).await?;
    let user = users::insert(&state.db, &email, &display_name, &hash).await?;
    session::start(&session::request_session().await?, user.id).await?;
    tracing::info!(user_id = %user.id, "signed up");
    leptos_axum::redirect("/echoes");
    Ok(())
}
