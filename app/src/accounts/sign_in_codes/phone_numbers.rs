//! Phone numbers: parsed and normalised to E.164 by `phonenumber` (Google's
//! libphonenumber metadata), one verified number per account and one
//! account per number.

use uuid::Uuid;

use crate::error::{AppError, ErrorCode};
use crate::infra::db::{now_millis, Db};
use crate::{db_run, on_db};

/// A valid number in E.164 form (`+447400123456`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Parses what a person typed, with `region` for numbers typed
    /// without their country code. Errors name the `phone` field.
    pub fn parse(input: &str, region: Option<phonenumber::country::Id>) -> Result<Phone, AppError> {
        let typed = input.trim();
        if typed.is_empty() {
            return Err(AppError::invalid("phone", "Enter a phone number."));
        }
        let invalid = || {
            AppError::invalid(
                "phone",
                match region {
                    Some(_) => "Enter a phone number that can get text messages, like +44 7400 123456.",
                    None => "Enter the number with its country code, like +44 7400 123456.",
                },
            )
        };
        if typed.len() > 32 || !typed.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err(invalid());
        }
        // The parser is a large state machine over hostile input: a panic
        // in it refuses the number instead of failing the request.
        let parsed = std::panic::catch_unwind(|| phonenumber::parse(region, typed)).map_err(|_| invalid())?;
        let number = parsed.map_err(|_| invalid())?;
        if !phonenumber::is_valid(&number) {
            return Err(invalid());
        }
        Ok(Phone(number.format().mode(phonenumber::Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The account whose verified number this is.
pub async fn owner(db: &Db, phone: &Phone) -> Result<Option<Uuid>, AppError> {
    Ok(on_db!(db, pool => sqlx::query_scalar("SELECT user_id FROM phone_numbers WHERE phone = $1")
        .bind(phone.as_str())
        .fetch_optional(pool)
        .await)?)
}

/// The account's verified number and since when.
pub async fn of(db: &Db, user_id: Uuid) -> Result<Option<(String, i64)>, AppError> {
    Ok(on_db!(db, pool => sqlx::query_as("SELECT phone, verified_at FROM phone_numbers WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(pool)
        .await)?)
}

/// Makes `phone` (just proven) the account's number, replacing any other.
pub async fn set(db: &Db, user_id: Uuid, phone: &str) -> Result<(), AppError> {
    let stored = on_db!(db, pool => sqlx::query(
        "INSERT INTO phone_numbers (user_id, phone, verified_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, verified_at = excluded.verified_at",
    )
    .bind(user_id)
    .bind(phone)
    .bind(now_millis())
    .execute(pool)
    .await
    .map(|_| ()));
    match stored {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(AppError::on_field(
            ErrorCode::AlreadyLinked,
            "code",
            "That number belongs to another Echoes account.",
        )),
        Err(err) => Err(err.into()),
    }
}

pub async fn remove(db: &Db, user_id: Uuid) -> Result<(), AppError> {
    db_run!(db, sqlx::query("DELETE FROM phone_numbers WHERE user_id = $1").bind(user_id))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use phonenumber::country::Id;

    #[test]
    fn numbers_are_normalised_to_e164() {
        assert_eq!(Phone::parse("+44 7400 123456", None).unwrap().as_str(), "+447400123456");
        assert_eq!(Phone::parse("(07400) 123-456", Some(Id::GB)).unwrap().as_str(), "+447400123456");
        assert_eq!(Phone::parse("+1 (202) 555-0182", Some(Id::GB)).unwrap().as_str(), "+12025550182");
    }

    #[test]
    fn anything_else_is_refused_on_the_phone_field() {
        for bad in ["", "07400 123456", "+44 12", "+999 1234567", "call me", &"9".repeat(40), "+44\u{0}7400123456"] {
            let err = Phone::parse(bad, None).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("phone"), "{bad:?}");
        }
    }
}
