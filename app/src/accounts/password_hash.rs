//! argon2id password hashing with OWASP's recommended parameters
//! (m = 19 MiB, t = 2, p = 1), run on the blocking pool so a sign-in never
//! stalls the async runtime. At most `PASSWORD_HASH_CONCURRENCY` hashes run
//! at once (19 MiB each); a few more wait up to a few seconds, and the rest
//! get 503 — memory never grows with the number of log-ins.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;

use super::credentials::Password;
use crate::error::{AppError, ErrorCode};
use crate::infra::slots::Slots;

/// A stored argon2id PHC string. Not `Serialize`: it never leaves the server.
#[derive(Clone)]
pub struct StoredHash(pub String);

#[derive(Clone)]
pub struct PasswordHasher {
    /// A real hash of a random password, verified against when the email is
    /// unknown so both failures take the same time.
    dummy: Arc<str>,
    slots: Slots,
}

/// Hashes waiting for a slot, per slot.
const QUEUE_PER_SLOT: usize = 4;
/// The longest a hash waits for a slot.
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn busy() -> AppError {
    AppError::new(ErrorCode::Unavailable, "Echoes is busy signing other people in. Please try again in a moment.")
        .retry_after(2)
}

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: argon2id, m=19456 KiB, t=2, p=1.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2().hash_password(password.as_bytes(), &salt)?.to_string())
}

impl PasswordHasher {
    /// A hasher running at most `concurrency` hashes at once.
    pub async fn new(concurrency: usize) -> anyhow::Result<PasswordHasher> {
        let random = uuid::Uuid::new_v4().to_string();
        let dummy = tokio::task::spawn_blocking(move || hash_now(&random))
            .await?
            .map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?;
        let slots = Slots::new(concurrency, concurrency * QUEUE_PER_SLOT, MAX_WAIT);
        Ok(PasswordHasher { dummy: dummy.into(), slots })
    }

    pub async fn hash(&self, password: Password) -> Result<StoredHash, AppError> {
        let _slot = self.slots.acquire().await.map_err(|_| busy())?;
        tokio::task::spawn_blocking(move || hash_now(password.expose()))
            .await
            .map_err(|e| AppError::internal("password hashing task", e))?
            .map(StoredHash)
            .map_err(|e| AppError::internal("password hashing", e))
    }

    /// True when `password` matches `stored`. With `stored = None` (unknown
    /// email) it verifies against the dummy hash and returns false, taking
    /// the same time as a real check.
    pub async fn verify(&self, password: Password, stored: Option<StoredHash>) -> Result<bool, AppError> {
        let known = stored.is_some();
        let phc = stored.map(|s| s.0).unwrap_or_else(|| self.dummy.to_string());
        let _slot = self.slots.acquire().await.map_err(|_| busy())?;
        let matches = tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&phc)?;
            Ok::<bool, argon2::password_hash::Error>(
                argon2().verify_password(password.expose().as_bytes(), &parsed).is_ok(),
            )
        })
        .await
        .map_err(|e| AppError::internal("password verification task", e))?
        .map_err(|e| AppError::internal("stored password hash", e))?;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hasher = PasswordHasher::new(2).await.unwrap();
        let stored = hasher.hash(Password::parse_new("correct horse".into()).unwrap()).await.unwrap();
        assert!(stored.0.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", stored.0);
        let attempt = |p: &str| Password::parse_attempt(p.to_owned()).unwrap();
        assert!(hasher.verify(attempt("correct horse"), Some(stored.clone())).await.unwrap());
        assert!(!hasher.verify(attempt("correct horsE"), Some(stored)).await.unwrap());
        assert!(!hasher.verify(attempt("correct horse"), None).await.unwrap());
    }
}
