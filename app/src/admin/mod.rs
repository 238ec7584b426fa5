//! Administering an instance: list and search accounts, disable or enable
//! one, change its role, delete it with everything it holds. Only admins
//! may, and an instance always keeps at least one working admin.
//!
//! As elsewhere, each action's file holds its service function (called by
//! the admin page's server functions and by the API) and the server
//! function. The first admin is made from the command line
//! (`echoes create-admin`, see `create_admin`).

mod delete_user;
mod list_users;
pub(crate) mod update_user;

#[cfg(feature = "ssr")]
pub mod create_admin;

pub use delete_user::{delete_user, DeleteUser};
pub use list_users::{list_users, ListUsers, UserSearch};
pub use update_user::{update_user, UpdateUser};

#[cfg(feature = "ssr")]
pub mod service {
    //! Every admin action, by name, for callers outside the pages (the API).
    pub use super::delete_user::delete;
    pub use super::list_users::list;
    pub use super::update_user::update;
}

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::accounts::Role;

/// An account as the admin page and `GET /api/v1/admin/users` list it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    /// Unix milliseconds.
    pub created_at: i64,
    pub echo_count: i64,
}

#[cfg(feature = "ssr")]
impl UserSummary {
    pub(crate) fn of(account: crate::accounts::users::Account, echo_count: i64) -> UserSummary {
        UserSummary {
            id: account.user.id,
            email: account.user.email,
            display_name: account.user.display_name,
            role: account.user.role,
            disabled: account.disabled,
            created_at: account.created_at,
            echo_count,
        }
    }
}

/// One page of accounts, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    /// Pass as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

/// What an admin changes about an account; `None` leaves it as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserChanges {
    pub disabled: Option<bool>,
    pub role: Option<Role>,
}
