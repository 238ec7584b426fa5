//! Accounts: sign up, log in (with a password or through a provider,
//! `oauth`), log out, "me", the profile, API tokens, and the account
//! page's controls: linked sign-ins (`identities`), sessions and devices
//! (`devices`), password change, export and deleting the account.
//!
//! Each action's file holds its service function (server-only: the one
//! place its rules live, called by pages, server functions and the JSON
//! API alike) and the thin server function the pages call. Wire types and
//! input parsing live here and are shared with the browser; hashing,
//! queries, sessions and tokens are server-only (`ssr`).

mod change_email;
mod change_password;
mod credentials;
mod delete_account;
mod devices;
#[cfg(feature = "ssr")]
pub mod email_tokens;
mod identities;
mod log_in;
mod log_out;
mod me;
pub mod oauth;
mod personal_tokens;
mod reset_password;
pub mod return_to;
mod role;
pub mod sign_in_codes;
mod sign_up;
pub mod two_factor;
pub mod time_zone;
mod verify_email;

#[cfg(feature = "ssr")]
pub mod export;

#[cfg(feature = "ssr")]
pub mod current_user;
#[cfg(feature = "ssr")]
pub mod password_hash;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod tokens;
#[cfg(feature = "ssr")]
pub mod users;

pub use change_email::{change_email, confirm_email_change, ChangeEmail, ConfirmEmailChange};
pub use change_password::{change_password, ChangePassword};
pub use credentials::{DisplayName, Email, Password};
pub use delete_account::{delete_my_account, DeleteMyAccount};
pub use devices::{end_sessions, list_devices, Device, EndSessions, ListDevices};
pub use identities::{list_sign_in_methods, unlink_sign_in, LinkedSignIn, ListSignInMethods, SignInMethods, UnlinkSignIn};
pub use log_in::{log_in, LogIn};
pub use log_out::{log_out, LogOut};
pub use me::{me, update_display_name, Me, UpdateDisplayName};
pub use personal_tokens::{
    create_personal_token, list_personal_tokens, revoke_personal_token, CreatePersonalToken, ListPersonalTokens,
    NewPersonalToken, PersonalToken, RevokePersonalToken, Scope, TokenName,
};
pub use reset_password::{forgot_password, reset_password, ForgotPassword, ResetPassword};
pub use role::Role;
pub use verify_email::{resend_verification, verify_email, ResendVerification, VerifyEmail};
pub use sign_up::{sign_up, SignUp};
pub use time_zone::{change_time_zone, detect_time_zone, time_zones, ChangeTimeZone};

#[cfg(feature = "ssr")]
pub use current_user::CurrentUser;
#[cfg(feature = "ssr")]
pub mod service {
    //! The account actions' service functions, for callers outside the
    //! pages (the API, the tests).
    pub use super::change_email::{confirm as confirm_email_change, request as change_email};
    pub use super::change_password::change as change_password;
    pub use super::delete_account::{delete_own, erase};
    pub use super::devices::{end as end_sessions, list as list_devices, session_table};
    pub use super::identities::{link, unlink};
    pub use super::reset_password::{request as request_password_reset, reset as reset_password};
    pub use super::verify_email::{send_link as send_verification, verify as verify_email};
}
#[cfg(feature = "ssr")]
pub use log_in::authenticate;
#[cfg(feature = "ssr")]
pub use me::update_profile;
#[cfg(feature = "ssr")]
pub use sign_up::register;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user as pages and API clients see them (never the password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The email address is confirmed (the link mailed after sign-up was used).
    #[serde(default)]
    pub email_verified: bool,
    /// The IANA time zone times are shown in (`Europe/Berlin`); none until
    /// the browser or the person sets it, and then UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}
