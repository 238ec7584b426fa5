//! Recovery codes: ten single-use codes that stand in for the
//! authenticator app when it is lost. Shown once when made; only a
//! SHA-256 of each is stored (they carry 50 random bits each, so a fast
//! hash is enough — there is nothing to guess from it).

use uuid::Uuid;

use crate::accounts::tokens::digest;
use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::{db_run, on_db};

pub const COUNT: usize = 10;
/// 32 letters and digits, without the ones people misread (i, l, o, 1).
const ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz023456789";
const LEN: usize = 10;

fn new_code() -> Result<String, AppError> {
    let mut bytes = [0u8; LEN];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal("recovery code randomness", e.to_string()))?;
    let chars: String = bytes.iter().map(|b| ALPHABET[(b & 31) as usize] as char).collect();
    Ok(format!("{}-{}", &chars[..LEN / 2], &chars[LEN / 2..]))
}

/// The code as stored: lower case, without the dash or spaces; `None` when
/// it cannot be one of ours.
pub fn normalise(input: &str) -> Option<String> {
    if input.len() > 64 {
        return None;
    }
    let code: String =
        input.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_lowercase()).collect();
    (code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// A fresh set of codes for `user_id`; the old ones stop working.
pub async fn replace(db: &Db, user_id: Uuid) -> Result<Vec<String>, AppError> {
    let codes = (0..COUNT).map(|_| new_code()).collect::<Result<Vec<_>, _>>()?;
    let now = now_millis();
    db_run!(db, sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id))?;
    for code in &codes {
        let stored = normalise(code).ok_or_else(|| AppError::internal("recovery code", "not in its own alphabet"))?;
        db_run!(db, sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(digest(&stored))
            .bind(now))?;
    }
    Ok(codes)
}

/// Uses `code` up: true once for each code made.
pub async fn use_one(db: &Db, user_id: Uuid, code: &str) -> Result<bool, AppError> {
    let Some(code) = normalise(code) else { return Ok(false) };
    let used = db_run!(db, sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(digest(&code))
    .bind(now_millis()))?;
    Ok(used == 1)
}

/// How many are still unused.
pub async fn left(db: &Db, user_id: Uuid) -> Result<u32, AppError> {
    let n: i64 = on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(pool)
    .await)?;
    Ok(n as u32)
}

/// Removes them all (two-step sign-in turned off).
pub async fn remove(db: &Db, user_id: Uuid) -> Result<(), AppError> {
    db_run!(db, sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_groups_of_five_from_the_alphabet_and_differ() {
        let a = new_code().unwrap();
        let b = new_code().unwrap();
        assert_eq!(a.len(), 11);
        assert_eq!(&a[5..6], "-");
        assert!(normalise(&a).is_some());
        assert_ne!(a, b);
    }

    #[test]
    fn a_code_is_read_back_however_it_was_typed() {
        assert_eq!(normalise(" ABCDE-fghjk ").as_deref(), Some("abcdefghjk"));
        assert_eq!(normalise("abcde fghjk").as_deref(), Some("abcdefghjk"));
        assert_eq!(normalise("abcdefghji"), None, "i is not in the alphabet");
        assert_eq!(normalise("123456"), None);
    }
}
