//! User rows: the only place that reads or writes the `users` table
//! (the admin's batch delete aside, which lives with the admin actions).

use uuid::Uuid;

use super::password_hash::StoredHash;
use super::{DisplayName, Email, Role, User};
use crate::error::{AppError, ErrorCode};
use crate::infra::db::{now_millis, Db};
use crate::on_db;

pub(crate) const COLUMNS: &str = "id, email, display_name, role, disabled_at, created_at, email_verified_at, time_zone";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
    role: String,
    disabled_at: Option<i64>,
    created_at: i64,
    email_verified_at: Option<i64>,
    time_zone: Option<String>,
}

/// A user as the server knows them: what everyone sees, plus whether an
/// admin disabled the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    pub disabled: bool,
    pub created_at: i64,
    /// The address is proven to be the person's (email verification).
    pub email_verified: bool,
}

impl UserRow {
    pub(crate) fn into_account(self) -> Account {
        Account {
            user: User {
                id: self.id,
                email: self.email,
                display_name: self.display_name,
                // The column's CHECK allows nothing else.
                role: Role::parse(&self.role).unwrap_or_default(),
                email_verified: self.email_verified_at.is_some(),
                time_zone: self.time_zone,
            },
            disabled: self.disabled_at.is_some(),
            created_at: self.created_at,
            email_verified: self.email_verified_at.is_some(),
        }
    }
}

pub async fn insert(db: &Db, email: &Email, display_name: &DisplayName, hash: &StoredHash) -> Result<User, AppError> {
    insert_with_role(db, email, display_name, Some(hash), Role::User).await
}

/// An account that signs in through a provider only (until a password is set).
pub async fn insert_without_password(db: &Db, email: &Email, display_name: &DisplayName) -> Result<User, AppError> {
    insert_with_role(db, email, display_name, None, Role::User).await
}

pub async fn insert_with_role(
    db: &Db,
    email: &Email,
    display_name: &DisplayName,
    hash: Option<&StoredHash>,
    role: Role,
) -> Result<User, AppError> {
    let id = Uuid::now_v7();
    let result = on_db!(db, pool => sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, created_at, role) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(display_name.as_str())
    .bind(hash.map(|h| h.0.as_str()))
    .bind(now_millis())
    .bind(role.as_str())
    .execute(pool)
    .await
    .map(|_| ()));
    match result {
        Ok(_) => {
            Ok(User {
                id,
                email: email.as_str().to_owned(),
                display_name: display_name.as_str().to_owned(),
                role,
                email_verified: false,
                time_zone: None,
            })
        }
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(AppError::on_field(
            ErrorCode::EmailTaken,
            "email",
            "An account with this email already exists.",
        )),
        Err(err) => Err(err.into()),
    }
}

pub async fn find_by_id(db: &Db, id: Uuid) -> Result<Option<Account>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    let row = on_db!(db, pool => sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(pool).await)?;
    Ok(row.map(UserRow::into_account))
}

pub async fn find_by_email(db: &Db, email: &Email) -> Result<Option<Account>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    let row = on_db!(db, pool => sqlx::query_as::<_, UserRow>(&sql).bind(email.as_str()).fetch_optional(pool).await)?;
    Ok(row.map(UserRow::into_account))
}

/// The account and its password hash (none: it signs in through a
/// provider only), for a log-in attempt.
pub async fn find_credentials(db: &Db, email: &Email) -> Result<Option<(Account, Option<StoredHash>)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: Option<String>,
    }
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = $1");
    let row = on_db!(db, pool => sqlx::query_as::<_, Row>(&sql).bind(email.as_str()).fetch_optional(pool).await)?;
    Ok(row.map(|r| (r.user.into_account(), r.password_hash.map(StoredHash))))
}

pub async fn set_display_name(db: &Db, id: Uuid, display_name: &DisplayName) -> Result<bool, AppError> {
    let updated = on_db!(db, pool => sqlx::query("UPDATE users SET display_name = $2 WHERE id = $1")
        .bind(id)
        .bind(display_name.as_str())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}

/// Keeps the account's time zone; with `only_if_unset`, only when it has
/// none yet. Whether it changed.
pub async fn set_time_zone(db: &Db, id: Uuid, zone: &str, only_if_unset: bool) -> Result<bool, AppError> {
    let sql = match only_if_unset {
        true => "UPDATE users SET time_zone = $2 WHERE id = $1 AND time_zone IS NULL",
        false => "UPDATE users SET time_zone = $2 WHERE id = $1",
    };
    let updated =
        on_db!(db, pool => sqlx::query(sql).bind(id).bind(zone).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(updated == 1)
}

/// The account's password hash, if it has a password.
pub async fn password_of(db: &Db, id: Uuid) -> Result<Option<StoredHash>, AppError> {
    let hash: Option<Option<String>> = on_db!(db, pool => sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(hash.flatten().map(StoredHash))
}

/// Marks the address proven (a provider vouched for it).
pub async fn mark_email_verified(db: &Db, id: Uuid) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query("UPDATE users SET email_verified_at = $2 WHERE id = $1 AND email_verified_at IS NULL")
        .bind(id)
        .bind(now_millis())
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn has_password(db: &Db, id: Uuid) -> Result<bool, AppError> {
    Ok(password_of(db, id).await?.is_some())
}

pub async fn set_password(db: &Db, id: Uuid, hash: &StoredHash) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(&hash.0)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Switches the account to `email`, proven just now (its link was used).
pub async fn set_verified_email(db: &Db, id: Uuid, email: &str) -> Result<(), AppError> {
    let changed = on_db!(db, pool => sqlx::query("UPDATE users SET email = $2, email_verified_at = $3 WHERE id = $1")
        .bind(id)
        .bind(email)
        .bind(now_millis())
        .execute(pool)
        .await
        .map(|_| ()));
    match changed {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(AppError::new(
            ErrorCode::EmailTaken,
            "That address has an Echoes account of its own now, so it cannot be yours too.",
        )),
        Err(err) => Err(err.into()),
    }
}
