//! Accounts: sign up, log in, log out and "who am I".
//!
//! Wire types and input parsing live here and are shared with the browser;
//! hashing, queries and session handling are server-only (`ssr`).

mod credentials;
mod log_in;
mod log_out;
mod me;
mod sign_up;

#[cfg(feature = "ssr")]
pub mod password_hash;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;
#[cfg(feature = "ssr")]
pub mod users;

pub use credentials::{DisplayName, Email, Password};
pub use log_in::{log_in, LogIn};
pub use log_out::{log_out, LogOut};
pub use me::{current_user, CurrentUser};
pub use sign_up::{sign_up, SignUp};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A user as pages and API clients see them (never the password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
}
