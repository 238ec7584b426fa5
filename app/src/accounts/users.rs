//! User rows: the only place that reads or writes the `users` table.

use uuid::Uuid;

use super::password_hash::StoredHash;
use super::{DisplayName, Email, User};
use crate::error::{AppError, ErrorCode};
use crate::infra::db::{now_millis, Db};
use crate::on_db;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User { id: row.id, email: row.email, display_name: row.display_name }
    }
}

pub async fn insert(db: &Db, email: &Email, display_name: &DisplayName, hash: &StoredHash) -> Result<User, AppError> {
    let id = Uuid::now_v7();
    let result = on_db!(db, pool => sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(email.as_str())
    .bind(display_name.as_str())
    .bind(&hash.0)
    .bind(now_millis())
    .execute(pool)
    .await
    .map(|_| ()));
    match result {
        Ok(_) => Ok(User { id, email: email.as_str().to_owned(), display_name: display_name.as_str().to_owned() }),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(AppError::on_field(
            ErrorCode::EmailTaken,
            "email",
            "An account with this email already exists. Log in instead?",
        )),
        Err(err) => Err(err.into()),
    }
}

pub async fn find_by_id(db: &Db, id: Uuid) -> Result<Option<User>, AppError> {
    let row = on_db!(db, pool => sqlx::query_as::<_, UserRow>(
        "SELECT id, email, display_name FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(User::from))
}

/// The user and their password hash, for a log-in attempt.
pub async fn find_credentials(db: &Db, email: &Email) -> Result<Option<(User, StoredHash)>, AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let row = on_db!(db, pool => sqlx::query_as::<_, Row>(
        "SELECT id, email, display_name, password_hash FROM users WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(|r| (User::from(r.user), StoredHash(r.password_hash))))
}
