//! Signing in with a code instead of a password: the person gives their
//! email address (verified) or phone number (verified on the account
//! page), and a six-digit code goes there. The answer is the same whether
//! or not the address has an account. The code, like a password, is only
//! the first step when two-step sign-in is on.

use leptos::prelude::*;

use crate::error::AppError;

pub const PAGE: &str = "/login/code";

#[cfg(feature = "ssr")]
mod rules {
    use serde::{Deserialize, Serialize};
    use uuid::Uuid;

    pub const PENDING: &str = "code_sign_in";

    /// The code sent in this browser: none when the address had no account.
    #[derive(Serialize, Deserialize)]
    pub struct Pending {
        pub code_id: Option<Uuid>,
        pub to: String,
        pub since: i64,
        pub tries: i64,
        /// Where to go once signed in (a path on this site).
        #[serde(default)]
        pub next: Option<String>,
    }
}

#[cfg(feature = "ssr")]
fn store(e: tower_sessions::session::Error) -> AppError {
    AppError::unavailable("session store", e)
}

/// The text message for a code; its last line lets phones offer the code
/// for this site alone (the WebOTP format).
#[cfg(feature = "ssr")]
pub(crate) fn text_message(public_url: &str, code: &str) -> String {
    let host = public_url.split("://").nth(1).unwrap_or(public_url);
    let host = host.split(['/', ':']).next().unwrap_or(host);
    format!("Your Echoes code is {code}. It works once, for 10 minutes.\n\n@{host} #{code}")
}

/// Sends a sign-in code to `address` (an email address or a phone number)
/// when it belongs to an account; answers the same either way.
#[server(prefix = "/_fn", endpoint = "accounts/sign_in_code/send")]
pub async fn send_sign_in_code(address: String, next: Option<String>) -> Result<(), AppError> {
    use super::codes::{self, Channel, Purpose};
    use super::phone_numbers::{self, Phone};
    use crate::accounts::{session, throttle, users, Email};
    use crate::infra::mail::{messages, outbox};
    use std::time::Duration;

    let state = crate::infra::state::app_state();
    let typed = address.trim();
    let (target, channel) = if typed.contains('@') {
        (Email::parse(typed).map_err(|e| e.on("address"))?.as_str().to_owned(), Channel::Email)
    } else {
        let phone = Phone::parse(typed, state.config.phone_default_region).map_err(|mut e| {
            e.field = Some("address".into());
            if typed.is_empty() {
                e.message = "Enter your email address or phone number.".into();
            }
            e
        })?;
        (phone.as_str().to_owned(), Channel::Sms)
    };
    let from = throttle::request_client_ip();
    let hour = Duration::from_secs(3600);
    throttle::limit(&state.db, format!("code-address:{target}"), 5, hour, "Too many codes were asked for this address.").await?;
    throttle::limit(&state.db, format!("code-client:{from}"), 20, hour, "Too many codes were asked from your network.").await?;

    let account = match channel {
        Channel::Email => users::find_by_email(&state.db, &Email::parse(&target)?).await?.filter(|a| a.email_verified),
        Channel::Sms => match phone_numbers::owner(&state.db, &Phone::parse(&target, None)?).await? {
            Some(user_id) => users::find_by_id(&state.db, user_id).await?,
            None => None,
        },
    }
    .filter(|a| !a.disabled);
    let code_id = match account {
        Some(account) => {
            let (id, code) = codes::issue(&state.db, account.user.id, Purpose::SignIn, channel, &target).await?;
            match channel {
                Channel::Email => {
                    outbox::enqueue(&state.db, &messages::sign_in_code(&state.config.public_url, &target, &code)).await?
                }
                Channel::Sms => outbox::enqueue_sms(&state.db, &target, &text_message(&state.config.public_url, &code)).await?,
            }
            tracing::info!(user_id = %account.user.id, channel = ?channel, "sign-in code sent");
            Some(id)
        }
        None => {
            tracing::info!(channel = ?channel, "sign-in code asked for an address without a (verified, working) account");
            None
        }
    };
    let session = session::request_session().await?;
    let next = next.as_deref().and_then(crate::accounts::return_to::local_path);
    let pending = rules::Pending { code_id, to: target, since: crate::infra::db::now_millis(), tries: 0, next };
    session.insert(rules::PENDING, pending).await.map_err(store)?;
    leptos_axum::redirect(PAGE);
    Ok(())
}

/// Where the code of this browser's sign-in went, if one is waiting.
#[server(prefix = "/_fn", endpoint = "accounts/sign_in_code/waiting")]
pub async fn sign_in_code_waiting() -> Result<Option<String>, AppError> {
    let session = crate::accounts::session::request_session().await?;
    let pending = session.get::<rules::Pending>(rules::PENDING).await.map_err(store)?;
    Ok(pending
        .filter(|p| crate::infra::db::now_millis() - p.since < super::codes::LIFETIME_MS)
        .map(|p| p.to))
}

/// Signs in with the code (then the second step, when it is on).
#[server(prefix = "/_fn", endpoint = "accounts/sign_in_code/finish")]
pub async fn finish_code_sign_in(code: String) -> Result<(), AppError> {
    use super::codes::{self, Checked};
    use crate::accounts::{session, two_factor::second_step};

    let state = crate::infra::state::app_state();
    let session = session::request_session().await?;
    let Some(mut pending) = session.get::<rules::Pending>(rules::PENDING).await.map_err(store)? else {
        return Err(codes::refusal(&Checked::Spent));
    };
    if code.trim().is_empty() {
        return Err(AppError::invalid("code", "Enter the six-digit code we sent you."));
    }
    let checked = match pending.code_id {
        Some(id) => codes::check(&state.db, id, &code).await?,
        // No account behind the address: every code is wrong, alike.
        None => {
            pending.tries += 1;
            match pending.tries < codes::TRIES {
                true => Checked::Wrong { tries_left: codes::TRIES - pending.tries },
                false => Checked::Spent,
            }
        }
    };
    match checked {
        Checked::Right { user_id, .. } => {
            session.remove_value(rules::PENDING).await.map_err(store)?;
            let user_agent = session::request_user_agent();
            let next = crate::accounts::return_to::destination(pending.next.as_deref());
            let next = second_step::after_first_step(&state, &session, user_id, user_agent.as_deref(), &next).await?;
            tracing::info!(%user_id, "signed in with a code");
            leptos_axum::redirect(&next);
            Ok(())
        }
        Checked::Wrong { .. } => {
            session.insert(rules::PENDING, pending).await.map_err(store)?;
            Err(codes::refusal(&checked))
        }
        Checked::Spent => {
            session.remove_value(rules::PENDING).await.map_err(store)?;
            Err(codes::refusal(&checked))
        }
    }
}
