//! The account's phone number, for signing in with a code by text
//! message: added once a code sent to it comes back, changed the same
//! way, removed at will.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The account's number, and one being confirmed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneState {
    /// The verified number (E.164) and since when.
    pub verified: Option<(String, i64)>,
    /// A number a code was just sent to.
    pub confirming: Option<String>,
}

#[cfg(feature = "ssr")]
async fn caller() -> Result<(crate::infra::state::AppState, crate::accounts::CurrentUser), AppError> {
    let caller = crate::accounts::CurrentUser::of_request().await?;
    caller.require_write()?;
    Ok((crate::infra::state::app_state(), caller))
}

#[server(prefix = "/_fn", endpoint = "accounts/phone/status")]
pub async fn phone_status() -> Result<PhoneState, AppError> {
    use super::codes::{waiting, Purpose};
    let (state, caller) = caller().await?;
    Ok(PhoneState {
        verified: super::phone_numbers::of(&state.db, caller.id()).await?,
        confirming: waiting(&state.db, caller.id(), Purpose::Phone).await?.map(|(_, to, _)| to),
    })
}

/// Sends a code to `phone`, to prove it is the person's.
#[server(prefix = "/_fn", endpoint = "accounts/phone/add")]
pub async fn add_phone(phone: String) -> Result<(), AppError> {
    use super::codes::{issue, Channel, Purpose};
    use super::phone_numbers::{self, Phone};
    let (state, caller) = caller().await?;
    let phone = Phone::parse(&phone, state.config.phone_default_region)?;
    if phone_numbers::of(&state.db, caller.id()).await?.is_some_and(|(number, _)| number == phone.as_str()) {
        return Err(AppError::invalid("phone", "That is your number already."));
    }
    let hour = std::time::Duration::from_secs(3600);
    crate::accounts::throttle::limit(
        &state.db,
        format!("phone-add:{}", caller.id()),
        5,
        hour,
        "Too many codes were sent to phone numbers for this account.",
    )
    .await?;
    let (_, code) = issue(&state.db, caller.id(), Purpose::Phone, Channel::Sms, phone.as_str()).await?;
    let text = super::sign_in::text_message(&state.config.public_url, &code);
    crate::infra::mail::outbox::enqueue_sms(&state.db, phone.as_str(), &text).await?;
    tracing::info!(user_id = %caller.id(), "phone number confirmation code sent");
    Ok(())
}

/// The code sent to the new number: it becomes the account's.
#[server(prefix = "/_fn", endpoint = "accounts/phone/confirm")]
pub async fn confirm_phone(code: String) -> Result<(), AppError> {
    use super::codes::{self, Checked, Purpose};
    let (state, caller) = caller().await?;
    let Some((id, _, _)) = codes::waiting(&state.db, caller.id(), Purpose::Phone).await? else {
        return Err(codes::refusal(&Checked::Spent));
    };
    match codes::check(&state.db, id, &code).await? {
        Checked::Right { target, .. } => {
            super::phone_numbers::set(&state.db, caller.id(), &target).await?;
            tracing::info!(user_id = %caller.id(), "phone number added");
            Ok(())
        }
        refused => Err(codes::refusal(&refused)),
    }
}

#[server(prefix = "/_fn", endpoint = "accounts/phone/remove")]
pub async fn remove_phone() -> Result<(), AppError> {
    let (state, caller) = caller().await?;
    super::phone_numbers::remove(&state.db, caller.id()).await
}
