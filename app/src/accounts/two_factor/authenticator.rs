//! The authenticator app's secret (TOTP, RFC 6238: six digits, 30-second
//! steps, SHA-1, as every app understands) and checking its codes.
//!
//! A code is accepted for the current step or the one either side (clocks
//! drift), and a step is accepted once: the statement that records it
//! only succeeds for a step newer than the last one, so a code seen over
//! someone's shoulder, or sent twice by a race, does not work again.

use totp_rs::{Builder, Secret, Totp};
use uuid::Uuid;

use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::{db_run, on_db};

/// What authenticator apps show above the code.
const ISSUER: &str = "Echoes";
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// An account's authenticator, as stored.
#[derive(Clone, sqlx::FromRow)]
pub struct Factor {
    secret: Vec<u8>,
    pub enabled_at: Option<i64>,
}

fn totp(secret: &[u8], account: &str) -> Result<Totp, AppError> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_issuer(Some(ISSUER))
        // The colon separates issuer and account in the otpauth label.
        .with_account_name(account.replace(':', " "))
        .build()
        .map_err(|e| AppError::internal("totp", e.to_string()))
}

pub async fn find(db: &Db, user_id: Uuid) -> Result<Option<Factor>, AppError> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, Factor>(
        "SELECT secret, enabled_at FROM totp_factors WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await)?)
}

/// Whether the account's sign-ins take a second step.
pub async fn is_on(db: &Db, user_id: Uuid) -> Result<bool, AppError> {
    Ok(find(db, user_id).await?.is_some_and(|f| f.enabled_at.is_some()))
}

/// A new secret for an authenticator being set up (replacing one that
/// was never confirmed). Refused while one is on: it is turned off first.
pub async fn begin(db: &Db, user_id: Uuid) -> Result<(), AppError> {
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).map_err(|e| AppError::internal("totp randomness", e.to_string()))?;
    let stored = db_run!(db, sqlx::query(
        "INSERT INTO totp_factors (user_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0 \
         WHERE totp_factors.enabled_at IS NULL",
    )
    .bind(user_id)
    .bind(secret.to_vec())
    .bind(now_millis()))?;
    if stored == 0 {
        return Err(AppError::bad_request("Two-step sign-in is on already: turn it off first to set up another app."));
    }
    Ok(())
}

/// What the person copies into their app: the secret in base32, the
/// `otpauth://` address, and that address as a QR code (SVG).
pub fn enrolment(factor: &Factor, account: &str) -> Result<(String, String, String), AppError> {
    let totp = totp(&factor.secret, account)?;
    let url = totp.to_url().map_err(|e| AppError::internal("totp url", e.to_string()))?;
    let qr = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal("qr code", e.to_string()))?;
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build();
    Ok((Secret::from(factor.secret.clone()).to_base32(), url, svg))
}

/// Six digits, with any spaces or dashes an app shows taken out.
pub fn as_code(input: &str) -> Option<String> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Accepts `code` once: true when it is right for now (± one step) and
/// its step is newer than any accepted before.
pub async fn accept(db: &Db, user_id: Uuid, factor: &Factor, code: &str) -> Result<bool, AppError> {
    let Some(code) = as_code(code) else { return Ok(false) };
    let now = (now_millis() / 1000) as u64;
    let Some(step) = totp(&factor.secret, "")?.check(&code, now) else { return Ok(false) };
    let claimed = db_run!(db, sqlx::query("UPDATE totp_factors SET last_step = $2 WHERE user_id = $1 AND last_step < $2")
        .bind(user_id)
        .bind(step as i64))?;
    Ok(claimed == 1)
}

/// Turns a confirmed setup on.
pub async fn enable(db: &Db, user_id: Uuid) -> Result<(), AppError> {
    db_run!(db, sqlx::query("UPDATE totp_factors SET enabled_at = $2 WHERE user_id = $1 AND enabled_at IS NULL")
        .bind(user_id)
        .bind(now_millis()))?;
    Ok(())
}

/// Removes the authenticator (on or being set up).
pub async fn remove(db: &Db, user_id: Uuid) -> Result<(), AppError> {
    db_run!(db, sqlx::query("DELETE FROM totp_factors WHERE user_id = $1").bind(user_id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_whatever_the_spacing() {
        assert_eq!(as_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(as_code("123-456").as_deref(), Some("123456"));
        assert_eq!(as_code("12345"), None);
        assert_eq!(as_code("12345a"), None);
        assert_eq!(as_code("١٢٣٤٥٦"), None, "digits from other scripts are not ours");
    }

    #[test]
    fn the_enrolment_names_echoes_and_the_account_and_draws_a_qr_code() {
        let factor = Factor { secret: vec![7; SECRET_BYTES], enabled_at: None };
        let (secret, url, svg) = enrolment(&factor, "ada:x@example.org").unwrap();
        assert_eq!(secret.len(), 32);
        assert!(url.starts_with("otpauth://totp/Echoes:ada%20x%40example.org?"), "{url}");
        assert!(url.contains(&format!("secret={secret}")) && url.contains("issuer=Echoes"), "{url}");
        assert!(svg.contains("<svg") && svg.contains("#000000"));
    }
}
