//! Which account a verified identity signs into — the rules that keep a
//! provider from becoming a way into someone else's account:
//!
//! 1. A known identity signs into its account.
//! 2. An unknown identity joins an existing account only
//!    - when the signed-in person asked for it ("Link" on the account
//!      page), or
//!    - when the provider asserts a *verified* email equal to the
//!      account's, and the account's own email is verified too.
//!
//!    An equal email alone is never enough: anyone can put your address
//!    on an account at some provider.
//! 3. Otherwise a first sign-in makes a new account — with the provider's
//!    email, so only when the provider has verified it.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::Failure;
use crate::accounts::credentials::{DisplayName, Email};
use crate::accounts::identities::{self, Asserted};
use crate::accounts::{session, throttle, users};
use crate::error::{AppError, ErrorCode};
use crate::infra::client_ip::ClientIp;
use crate::infra::state::AppState;

/// Why the sign-in was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Log in or sign up.
    SignIn,
    /// Add this sign-in to the signed-in account.
    Link,
    /// Prove it's you (before deleting the account).
    Confirm,
}

fn internal(context: &'static str) -> impl Fn(AppError) -> Failure {
    move |err| {
        tracing::error!(error = ?err.cause, message = %err.message, context, "provider sign-in failed");
        Failure::Internal
    }
}

/// Finishes a verified sign-in; returns where to send the browser.
pub async fn complete(
    state: &AppState,
    session: &Session,
    intent: Intent,
    who: &Asserted,
    from: ClientIp,
    user_agent: Option<&str>,
) -> Result<String, Failure> {
    let signed_in = session::signed_in_user_id(session).await.map_err(internal("session"))?;
    let known = identities::find(&state.db, &who.provider, &who.subject).await.map_err(internal("identity"))?;
    match intent {
        Intent::SignIn => {
            let user_id = match known {
                Some(identity) => {
                    identities::remember_email(&state.db, who).await.map_err(internal("identity"))?;
                    identity.user_id
                }
                None => join_or_create(state, who, from).await?,
            };
            let account = users::find_by_id(&state.db, user_id).await.map_err(internal("account"))?;
            let account = account.ok_or(Failure::Internal)?;
            if account.disabled {
                tracing::info!(user_id = %user_id, provider = %who.provider, "provider sign-in to a disabled account refused");
                return Err(Failure::Disabled);
            }
            let next = crate::accounts::two_factor::second_step::after_first_step(state, session, user_id, user_agent, "/echoes")
                .await
                .map_err(internal("session"))?;
            tracing::info!(user_id = %user_id, provider = %who.provider, "logged in through a provider");
            Ok(next)
        }
        Intent::Link => {
            let user_id = signed_in.ok_or(Failure::SignedOut)?;
            match known {
                Some(identity) if identity.user_id == user_id => Ok("/account".into()),
                Some(_) => Err(Failure::LinkedElsewhere),
                None => {
                    link_new(state, user_id, who).await?;
                    tracing::info!(user_id = %user_id, provider = %who.provider, "sign-in linked");
                    Ok("/account".into())
                }
            }
        }
        Intent::Confirm => {
            let user_id = signed_in.ok_or(Failure::SignedOut)?;
            match known {
                Some(identity) if identity.user_id == user_id => {
                    session::mark_reauthenticated(session).await.map_err(internal("session"))?;
                    Ok("/account#delete".into())
                }
                _ => Err(Failure::WrongAccount),
            }
        }
    }
}

/// Rule 2's automatic case, else rule 3. Returns the account's id.
async fn join_or_create(state: &AppState, who: &Asserted, from: ClientIp) -> Result<uuid::Uuid, Failure> {
    let email = who.email.as_deref().ok_or(Failure::NoEmail)?;
    let email = Email::parse(email).map_err(|_| Failure::NoEmail)?;
    if let Some(account) = users::find_by_email(&state.db, &email).await.map_err(internal("account"))? {
        if !(who.email_verified && account.email_verified) {
            tracing::info!(provider = %who.provider, user_id = %account.user.id, verified = who.email_verified,
                "identity with an existing account's email not linked");
            return Err(Failure::EmailInUse);
        }
        link_new(state, account.user.id, who).await?;
        return Ok(account.user.id);
    }
    if !who.email_verified {
        return Err(Failure::UnverifiedEmail);
    }
    throttle::sign_up(&state.db, &state.config.limits, from).await.map_err(|err| match err.code {
        ErrorCode::TooManyRequests => Failure::TooManySignUps,
        _ => internal("throttle")(err),
    })?;
    let name = who
        .name
        .as_deref()
        .and_then(|n| DisplayName::parse(&n.chars().take(60).collect::<String>()).ok())
        .or_else(|| DisplayName::parse(email.as_str().split('@').next().unwrap_or("Echoes")).ok())
        .ok_or(Failure::Internal)?;
    let user = users::insert_without_password(&state.db, &email, &name).await.map_err(|err| match err.code {
        ErrorCode::EmailTaken => Failure::EmailInUse,
        _ => internal("account")(err),
    })?;
    link_new(state, user.id, who).await?;
    // The provider has proven the address.
    users::mark_email_verified(&state.db, user.id).await.map_err(internal("account"))?;
    state.recent.forget_account(user.id);
    tracing::info!(user_id = %user.id, provider = %who.provider, "signed up through a provider");
    Ok(user.id)
}

async fn link_new(state: &AppState, user_id: uuid::Uuid, who: &Asserted) -> Result<(), Failure> {
    identities::link(&state.db, user_id, who).await.map_err(|err| match err.code {
        ErrorCode::AlreadyLinked => Failure::LinkedElsewhere,
        _ => internal("link")(err),
    })
}
