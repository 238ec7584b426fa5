//! Sign up: create the account ([`register`], shared with the API), then —
//! on the page — sign the new user in.

use leptos::prelude::*;

use crate::error::AppError;

/// Creates an account, within the sign-up limit for `from`.
#[cfg(feature = "ssr")]
pub async fn register(
    state: &crate::infra::state::AppState,
    from: crate::infra::client_ip::ClientIp,
    email: super::Email,
    display_name: super::DisplayName,
    password: super::Password,
) -> Result<super::User, AppError> {
    use super::{throttle, users};
    throttle::sign_up(&state.db, &state.config.limits, from).await?;
    let hash = state.passwords.hash(password).await?;
    let user = users::insert(&state.db, &email, &display_name, &hash).await?;
    super::verify_email::send_link(state, &user).await?;
    tracing::info!(user_id = %user.id, "signed up");
    Ok(user)
}

#[server(prefix = "/_fn", endpoint = "accounts/sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    display_name: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::{credentials::*, session, throttle};
    use crate::infra::state::app_state;

    use crate::error::AllValid;

    // In the form's order, so the first error is the first field's.
    let (display_name, email, password) =
        (DisplayName::parse(&display_name), Email::parse(&email), Password::parse_new(password)).all_valid()?;
    let typed = email.as_str().to_owned();
    let user = register(&app_state(), throttle::request_client_ip(), email, display_name, password)
        .await
        // Without JavaScript the page only sees the error: give it the
        // email back for the field and for "Log in instead?".
        .map_err(|e| if e.code == crate::error::ErrorCode::EmailTaken { e.with_value(typed) } else { e })?;
    session::start(&session::request_session().await?, user.id, session::request_user_agent().as_deref()).await?;
    crate::flash::show_next(crate::flash::Flash::SignedUp);
    leptos_axum::redirect(&super::return_to::destination(next.as_deref()));
    Ok(())
}
