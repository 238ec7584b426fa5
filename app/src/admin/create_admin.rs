//! `echoes create-admin --email …`: how an instance gets its first admin
//! (and how a locked-out instance gets one back). An existing account is
//! made an admin and enabled; otherwise a new admin account is created.

use crate::accounts::password_hash::PasswordHasher;
use crate::accounts::{users, DisplayName, Email, Password, Role};
use crate::error::AppError;
use crate::infra::db::Db;
use crate::on_db;

/// What `create-admin` did.
#[derive(Debug, PartialEq, Eq)]
pub enum AdminMade {
    /// An existing account was promoted (and enabled).
    Promoted,
    /// A new admin account was created.
    Created,
}

pub async fn create_admin(
    db: &Db,
    passwords: &PasswordHasher,
    email: &Email,
    display_name: &DisplayName,
    password: impl FnOnce() -> Result<Password, AppError>,
) -> Result<AdminMade, AppError> {
    if let Some(account) = users::find_by_email(db, email).await? {
        on_db!(db, pool => sqlx::query("UPDATE users SET role = 'admin', disabled_at = NULL WHERE id = $1")
            .bind(account.user.id)
            .execute(pool)
            .await
            .map(|_| ()))?;
        tracing::info!(user_id = %account.user.id, "account made an admin from the command line");
        return Ok(AdminMade::Promoted);
    }
    let hash = passwords.hash(password()?).await?;
    let user = users::insert_with_role(db, email, display_name, Some(&hash), Role::Admin).await?;
    tracing::info!(user_id = %user.id, "admin account created from the command line");
    Ok(AdminMade::Created)
}
