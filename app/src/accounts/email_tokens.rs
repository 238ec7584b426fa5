//! Single-use links sent by mail — "confirm your address" (24 h), "reset
//! your password" (1 h) and "use this new address" (24 h). Only a SHA-256 of each secret is stored;
//! using one marks it used in the same statement that checks it, so it
//! works once even when two requests race.

use uuid::Uuid;

use super::tokens::{digest as hash, new_secret};

use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::on_db;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Verify,
    Reset,
    /// Switch the account to a new address (the token's `email`).
    Change,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Reset => "reset",
            Purpose::Change => "change",
        }
    }

    pub fn lifetime_ms(self) -> i64 {
        match self {
            Purpose::Verify | Purpose::Change => 24 * 3600 * 1000,
            Purpose::Reset => 3600 * 1000,
        }
    }
}

/// A new link secret for `user_id` and `email`; earlier unused ones of the
/// same purpose stop working.
pub async fn issue(db: &Db, user_id: Uuid, email: &str, purpose: Purpose) -> Result<String, AppError> {
    let secret = new_secret("")?;
    let now = now_millis();
    on_db!(db, pool => sqlx::query(
        "UPDATE email_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now)
    .execute(pool)
    .await
    .map(|_| ()))?;
    on_db!(db, pool => sqlx::query(
        "INSERT INTO email_tokens (secret_hash, user_id, purpose, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash(&secret))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(email)
    .bind(now)
    .bind(now + purpose.lifetime_ms())
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(secret)
}

/// Uses a link: the account and address it was for, once, before it expires.
pub async fn consume(db: &Db, secret: &str, purpose: Purpose) -> Result<Option<(Uuid, String)>, AppError> {
    if secret.is_empty() || secret.len() > 100 {
        return Ok(None);
    }
    let now = now_millis();
    let found: Option<(Uuid, String)> = on_db!(db, pool => sqlx::query_as(
        "UPDATE email_tokens SET used_at = $3 \
         WHERE secret_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 \
         RETURNING user_id, email",
    )
    .bind(hash(secret))
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(pool)
    .await)?;
    Ok(found)
}

/// When the last link of `purpose` was sent to `user_id` (for cooldowns).
pub async fn last_issued(db: &Db, user_id: Uuid, purpose: Purpose) -> Result<Option<i64>, AppError> {
    Ok(on_db!(db, pool => sqlx::query_scalar(
        "SELECT MAX(created_at) FROM email_tokens WHERE user_id = $1 AND purpose = $2",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .fetch_one(pool)
    .await)?)
}
