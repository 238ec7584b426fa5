//! Six-digit one-time codes, sent by mail or text message: 10 minutes,
//! 5 tries, once. A new code of the same purpose replaces the last one.
//! Only a SHA-256 of the code with its row's id is stored, and a code is
//! used up by the same statement that checks it, so it works once even
//! when two requests race.

use uuid::Uuid;

use crate::accounts::tokens::digest;
use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::{db_run, on_db};

pub const LIFETIME_MS: i64 = 10 * 60 * 1000;
pub const TRIES: i64 = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Signs in.
    SignIn,
    /// Proves a phone number before it is added to the account.
    Phone,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::SignIn => "sign-in",
            Purpose::Phone => "phone",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

fn hash(id: Uuid, code: &str) -> Vec<u8> {
    digest(&format!("{id}:{code}"))
}

/// A uniformly random six-digit code.
fn new_code() -> Result<String, AppError> {
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| AppError::internal("code randomness", e.to_string()))?;
        let n = u32::from_le_bytes(bytes);
        // Values past the last whole million would favour low codes.
        if n < u32::MAX - u32::MAX % 1_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// A new code for `user_id`, to send to `target`; returns its id and the code.
pub async fn issue(
    db: &Db,
    user_id: Uuid,
    purpose: Purpose,
    channel: Channel,
    target: &str,
) -> Result<(Uuid, String), AppError> {
    let (id, code, now) = (Uuid::now_v7(), new_code()?, now_millis());
    db_run!(db, sqlx::query("UPDATE sign_in_codes SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL")
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now))?;
    db_run!(db, sqlx::query(
        "INSERT INTO sign_in_codes (id, user_id, purpose, channel, target, code_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(channel.as_str())
    .bind(target)
    .bind(hash(id, &code))
    .bind(now)
    .bind(now + LIFETIME_MS))?;
    Ok((id, code))
}

/// What checking a code found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    Right { user_id: Uuid, target: String },
    Wrong { tries_left: i64 },
    /// Expired, used, replaced or tried too often: a new one is needed.
    Spent,
}

/// Checks (and on success uses up) code `id` against what was typed.
pub async fn check(db: &Db, id: Uuid, typed: &str) -> Result<Checked, AppError> {
    let now = now_millis();
    let typed: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit()) {
        let right: Option<(Uuid, String)> = on_db!(db, pool => sqlx::query_as(
            "UPDATE sign_in_codes SET used_at = $3 \
             WHERE id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3 AND tries < $4 \
             RETURNING user_id, target",
        )
        .bind(id)
        .bind(hash(id, &typed))
        .bind(now)
        .bind(TRIES)
        .fetch_optional(pool)
        .await)?;
        if let Some((user_id, target)) = right {
            return Ok(Checked::Right { user_id, target });
        }
    }
    let tries: Option<i64> = on_db!(db, pool => sqlx::query_scalar(
        "UPDATE sign_in_codes SET tries = tries + 1 \
         WHERE id = $1 AND used_at IS NULL AND expires_at > $2 AND tries < $3 RETURNING tries",
    )
    .bind(id)
    .bind(now)
    .bind(TRIES)
    .fetch_optional(pool)
    .await)?;
    Ok(match tries {
        Some(tries) if tries < TRIES => Checked::Wrong { tries_left: TRIES - tries },
        _ => Checked::Spent,
    })
}

/// The newest code of `purpose` for `user_id` that can still be used:
/// its id, target and when it was sent.
pub async fn waiting(db: &Db, user_id: Uuid, purpose: Purpose) -> Result<Option<(Uuid, String, i64)>, AppError> {
    Ok(on_db!(db, pool => sqlx::query_as(
        "SELECT id, target, created_at FROM sign_in_codes \
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 AND tries < $4 \
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(now_millis())
    .bind(TRIES)
    .fetch_optional(pool)
    .await)?)
}

/// The message for a wrong or spent code, on the `code` field.
pub fn refusal(checked: &Checked) -> AppError {
    use crate::error::ErrorCode::InvalidCode;
    match checked {
        Checked::Wrong { tries_left: 1 } => AppError::on_field(InvalidCode, "code", "That code is not right. 1 try left."),
        Checked::Wrong { tries_left } => {
            AppError::on_field(InvalidCode, "code", format!("That code is not right. {tries_left} tries left."))
        }
        _ => AppError::on_field(
            InvalidCode,
            "code",
            "This code has expired, was used already or was tried too often. Ask for a new one.",
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let code = super::new_code().unwrap();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
