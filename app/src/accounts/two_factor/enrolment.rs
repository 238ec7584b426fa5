//! Turning two-step sign-in on and off, from the account page.
//!
//! - "Set up" makes a secret and shows it as a QR code; one right code
//!   from the app turns it on (so a mistyped setup never locks anyone
//!   out) and makes ten recovery codes.
//! - New recovery codes, and turning it off, each need a code (from the
//!   app, or a recovery code), checked and throttled like the second step.
//! - Each change is mailed to the account's address.
//!
//! Fresh recovery codes are shown once: they wait in the session until the
//! next [`two_factor_status`] takes them out, which works the same with
//! and without JavaScript (a form post comes back to the page, whose
//! server rendering takes them).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where the account's two-step sign-in stands, for the account page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoFactorState {
    Off,
    /// Set up, not yet confirmed with a code: what to copy into the app
    /// (the QR code is an SVG in a `data:` address, for an `<img>`).
    SettingUp { secret: String, otpauth_url: String, qr_image: String },
    On {
        since: i64,
        recovery_codes_left: u32,
        /// Made just now; shown this once.
        new_recovery_codes: Vec<String>,
    },
}

#[cfg(feature = "ssr")]
const NEW_CODES: &str = "new_recovery_codes";

#[cfg(feature = "ssr")]
async fn caller() -> Result<(crate::infra::state::AppState, super::super::CurrentUser), AppError> {
    let caller = super::super::CurrentUser::of_request().await?;
    caller.require_write()?;
    Ok((crate::infra::state::app_state(), caller))
}

#[cfg(feature = "ssr")]
async fn show_once(codes: Vec<String>) -> Result<(), AppError> {
    let session = super::super::session::request_session().await?;
    session.insert(NEW_CODES, codes).await.map_err(|e| AppError::unavailable("session store", e))
}

#[cfg(feature = "ssr")]
async fn tell(state: &crate::infra::state::AppState, to: &str, on: bool) -> Result<(), AppError> {
    let mail = crate::infra::mail::messages::two_factor_changed(&state.config.public_url, to, on);
    crate::infra::mail::outbox::enqueue(&state.db, &mail).await
}

#[server(prefix = "/_fn", endpoint = "accounts/two_factor/status")]
pub async fn two_factor_status() -> Result<TwoFactorState, AppError> {
    use super::{authenticator, recovery_codes};
    let (state, caller) = caller().await?;
    let Some(factor) = authenticator::find(&state.db, caller.id()).await? else {
        return Ok(TwoFactorState::Off);
    };
    match factor.enabled_at {
        None => {
            use base64::Engine;
            let (secret, otpauth_url, svg) = authenticator::enrolment(&factor, &caller.user.email)?;
            let qr_image = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg));
            Ok(TwoFactorState::SettingUp { secret, otpauth_url, qr_image })
        }
        Some(since) => {
            let session = super::super::session::request_session().await?;
            let new_recovery_codes = session
                .remove::<Vec<String>>(NEW_CODES)
                .await
                .map_err(|e| AppError::unavailable("session store", e))?
                .unwrap_or_default();
            let recovery_codes_left = recovery_codes::left(&state.db, caller.id()).await?;
            Ok(TwoFactorState::On { since, recovery_codes_left, new_recovery_codes })
        }
    }
}

/// Starts setting up an authenticator app.
#[server(prefix = "/_fn", endpoint = "accounts/two_factor/begin")]
pub async fn begin_two_factor() -> Result<(), AppError> {
    let (state, caller) = caller().await?;
    super::authenticator::begin(&state.db, caller.id()).await
}

/// Drops a setup that was never confirmed.
#[server(prefix = "/_fn", endpoint = "accounts/two_factor/cancel")]
pub async fn cancel_two_factor_setup() -> Result<(), AppError> {
    let (state, caller) = caller().await?;
    if super::authenticator::is_on(&state.db, caller.id()).await? {
        return Err(AppError::bad_request("Two-step sign-in is on: turning it off needs a code."));
    }
    super::authenticator::remove(&state.db, caller.id()).await
}

/// Confirms the setup with a code from the app: two-step sign-in is on.
#[server(prefix = "/_fn", endpoint = "accounts/two_factor/enable")]
pub async fn enable_two_factor(code: String) -> Result<(), AppError> {
    use super::{authenticator, recovery_codes};
    use crate::accounts::throttle;
    let (state, caller) = caller().await?;
    let user_id = caller.id();
    let Some(factor) = authenticator::find(&state.db, user_id).await? else {
        return Err(AppError::bad_request("Set up two-step sign-in first."));
    };
    if factor.enabled_at.is_some() {
        return Err(AppError::bad_request("Two-step sign-in is on already."));
    }
    if authenticator::as_code(&code).is_none() {
        return Err(AppError::invalid("code", "Enter the six-digit code your app shows for Echoes."));
    }
    throttle::check_codes(&state.db, user_id).await?;
    if !authenticator::accept(&state.db, user_id, &factor, &code).await? {
        throttle::failed_code(&state.db, &state.config.limits, user_id).await?;
        return Err(AppError::on_field(
            crate::error::ErrorCode::InvalidCode,
            "code",
            "That code is not right. Check that the app's clock is right, and enter the code it shows now.",
        ));
    }
    authenticator::enable(&state.db, user_id).await?;
    show_once(recovery_codes::replace(&state.db, user_id).await?).await?;
    tell(&state, &caller.user.email, true).await?;
    tracing::info!(%user_id, "two-step sign-in turned on");
    Ok(())
}

/// A fresh set of recovery codes (the old ones stop working).
#[server(prefix = "/_fn", endpoint = "accounts/two_factor/new_codes")]
pub async fn new_recovery_codes(code: String) -> Result<(), AppError> {
    let (state, caller) = caller().await?;
    if !super::authenticator::is_on(&state.db, caller.id()).await? {
        return Err(AppError::bad_request("Two-step sign-in is off."));
    }
    super::second_step::check(&state, caller.id(), &code).await?;
    show_once(super::recovery_codes::replace(&state.db, caller.id()).await?).await?;
    tracing::info!(user_id = %caller.id(), "new recovery codes made");
    Ok(())
}

/// Turns two-step sign-in off, with a code.
#[server(prefix = "/_fn", endpoint = "accounts/two_factor/disable")]
pub async fn disable_two_factor(code: String) -> Result<(), AppError> {
    let (state, caller) = caller().await?;
    if !super::authenticator::is_on(&state.db, caller.id()).await? {
        return Err(AppError::bad_request("Two-step sign-in is off already."));
    }
    super::second_step::check(&state, caller.id(), &code).await?;
    super::authenticator::remove(&state.db, caller.id()).await?;
    super::recovery_codes::remove(&state.db, caller.id()).await?;
    tell(&state, &caller.user.email, false).await?;
    tracing::info!(user_id = %caller.id(), "two-step sign-in turned off");
    Ok(())
}
