//! Signing in through OAuth 2 / OpenID Connect providers.
//!
//! - [`settings`]: the providers, from the environment, checked at start;
//! - [`http`]: the bounded, non-redirecting client that talks to them;
//! - [`providers`]: each provider at run time (OIDC discovery, cached);
//! - [`flow`]: `GET /auth/{provider}/start` and `/auth/{provider}/callback`:
//!   `state`, PKCE (S256) and the OIDC `nonce` kept in the session, single-use;
//! - [`linking`]: which account a verified identity signs into, and when
//!   an identity may join an existing account.
//!
//! Whatever goes wrong ends on `/auth/failed?reason=…` ([`Failure`]), a
//! page that says what happened and offers a way back.

#[cfg(feature = "ssr")]
pub mod flow;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod linking;
#[cfg(feature = "ssr")]
pub mod providers;
#[cfg(feature = "ssr")]
pub mod settings;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A "Continue with …" button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderButton {
    pub id: String,
    pub label: String,
}

#[cfg(feature = "ssr")]
pub fn buttons(providers: &[settings::ProviderSettings]) -> Vec<ProviderButton> {
    providers.iter().map(|p| ProviderButton { id: p.id.clone(), label: p.label.clone() }).collect()
}

/// The configured providers, for the log-in and sign-up pages.
#[server(prefix = "/_fn", endpoint = "accounts/sign_in_providers")]
pub async fn sign_in_providers() -> Result<Vec<ProviderButton>, AppError> {
    Ok(buttons(&crate::infra::state::app_state().config.oauth_providers))
}

/// Why a sign-in through a provider did not happen. Each has a fixed
/// message: nothing the provider or the URL says is shown as is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// No such provider is configured.
    UnknownProvider,
    /// The person said no at the provider.
    Denied,
    /// The provider sent an error back.
    ProviderError,
    /// The callback's `state` matches no sign-in this browser started (or
    /// it was used already, or started too long ago).
    StaleState,
    /// The provider refused the code (wrong, used, expired, or the PKCE
    /// verifier did not match).
    CodeRefused,
    /// The provider could not be reached or answered nonsense.
    Unreachable,
    /// The ID token failed verification (signature, issuer, audience,
    /// expiry, nonce).
    BadToken,
    /// A new account needs an email address the provider has verified.
    UnverifiedEmail,
    /// The provider shared no email address.
    NoEmail,
    /// An account with this email exists and the identity may not join it
    /// by itself.
    EmailInUse,
    /// The identity is linked to another account.
    LinkedElsewhere,
    /// "Link" or "confirm" without being signed in.
    SignedOut,
    /// "Confirm it's you" with an identity of another account.
    WrongAccount,
    /// The account was disabled by an administrator.
    Disabled,
    /// Too many sign-ups from this address.
    TooManySignUps,
    /// Something on our side; details are in the log.
    Internal,
}

impl Failure {
    pub const ALL: [Failure; 16] = [
        Failure::UnknownProvider,
        Failure::Denied,
        Failure::ProviderError,
        Failure::StaleState,
        Failure::CodeRefused,
        Failure::Unreachable,
        Failure::BadToken,
        Failure::UnverifiedEmail,
        Failure::NoEmail,
        Failure::EmailInUse,
        Failure::LinkedElsewhere,
        Failure::SignedOut,
        Failure::WrongAccount,
        Failure::Disabled,
        Failure::TooManySignUps,
        Failure::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Failure::UnknownProvider => "unknown_provider",
            Failure::Denied => "denied",
            Failure::ProviderError => "provider_error",
            Failure::StaleState => "stale_state",
            Failure::CodeRefused => "code_refused",
            Failure::Unreachable => "unreachable",
            Failure::BadToken => "bad_token",
            Failure::UnverifiedEmail => "unverified_email",
            Failure::NoEmail => "no_email",
            Failure::EmailInUse => "email_in_use",
            Failure::LinkedElsewhere => "linked_elsewhere",
            Failure::SignedOut => "signed_out",
            Failure::WrongAccount => "wrong_account",
            Failure::Disabled => "disabled",
            Failure::TooManySignUps => "too_many_sign_ups",
            Failure::Internal => "internal",
        }
    }

    pub fn parse(text: &str) -> Option<Failure> {
        Failure::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// The page's HTTP status.
    pub fn status(self) -> u16 {
        match self {
            Failure::UnknownProvider => 404,
            Failure::Unreachable => 502,
            Failure::EmailInUse | Failure::LinkedElsewhere => 409,
            Failure::SignedOut => 401,
            Failure::WrongAccount | Failure::Disabled | Failure::Denied => 403,
            Failure::TooManySignUps => 429,
            Failure::Internal => 503,
            _ => 400,
        }
    }

    /// What the page says; `provider` is the provider's label.
    pub fn message(self, provider: &str) -> String {
        match self {
            Failure::UnknownProvider => "There is no such way to sign in here.".into(),
            Failure::Denied => format!("Signing in with {provider} was cancelled, so you are not signed in."),
            Failure::ProviderError => format!("{provider} could not sign you in. Please try again."),
            Failure::StaleState => {
                "This sign-in link was used already or has expired. Please start again from the log-in page.".into()
            }
            Failure::CodeRefused => format!(
                "{provider} did not accept the sign-in (it may have been used already, or taken too long). Please try again."
            ),
            Failure::Unreachable => format!("{provider} could not be reached just now. Please try again in a moment."),
            Failure::BadToken => {
                format!("{provider}'s answer could not be verified, so you were not signed in. Please try again.")
            }
            Failure::UnverifiedEmail => format!(
                "{provider} has not confirmed that your email address is yours, so no account was made. Confirm it with {provider}, or sign up with a password."
            ),
            Failure::NoEmail => format!(
                "{provider} did not share an email address, so no account was made. Allow Echoes to see your email at {provider}, or sign up with a password."
            ),
            Failure::EmailInUse => format!(
                "An Echoes account already uses this email address. Log in to it with your password, then link {provider} from your account page."
            ),
            Failure::LinkedElsewhere => {
                format!("This {provider} account is linked to another Echoes account already.")
            }
            Failure::SignedOut => "Your session ended. Log in, then try again.".into(),
            Failure::WrongAccount => format!(
                "That {provider} account is not linked to the account you are signed in to, so it cannot confirm it's you."
            ),
            Failure::Disabled => "This account has been disabled by an administrator.".into(),
            Failure::TooManySignUps => "Too many accounts were made from your network recently. Please try again later.".into(),
            Failure::Internal => "Something went wrong on our side. Please try again in a moment.".into(),
        }
    }
}

/// What the failure page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailureNotice {
    pub message: String,
    pub status: u16,
    /// Where "back" goes: the account page after a link, else log-in.
    pub back_to_account: bool,
}

/// The failure page's text for `reason` and `provider` (from its URL).
#[server(prefix = "/_fn", endpoint = "accounts/sign_in_failure")]
pub async fn sign_in_failure(reason: String, provider: String) -> Result<FailureNotice, AppError> {
    let state = crate::infra::state::app_state();
    let failure = Failure::parse(&reason).unwrap_or(Failure::ProviderError);
    let label = settings::label_of(&state.config.oauth_providers, &provider).unwrap_or_else(|| "The provider".to_owned());
    let signed_in = super::CurrentUser::optional().await.ok().flatten().is_some();
    Ok(FailureNotice { message: failure.message(&label), status: failure.status(), back_to_account: signed_in })
}
