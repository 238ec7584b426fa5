//! Parse, don't validate: account input becomes these types or a clear,
//! field-specific [`AppError`].

use crate::error::AppError;

/// A lower-cased, plausibly deliverable email address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Email, AppError> {
        let invalid = || AppError::invalid("email", "Enter an email address like name@example.com.");
        if input.len() > 1024 {
            return Err(invalid());
        }
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(AppError::invalid("email", "Enter your email address."));
        }
        if email.chars().count() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(invalid)?;
        if local.contains('@') {
            return Err(invalid());
        }
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || !domain_ok {
            return Err(invalid());
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 8 to 128 characters, kept whole (never truncated).
/// Deliberately not `Debug`-printable with its content.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    /// For a new password: enforces the length rules.
    pub fn parse_new(input: String) -> Result<Password, AppError> {
        // Bytes first: a megabyte of input is refused without counting it.
        let chars = if input.len() > Self::MAX_CHARS * 4 { usize::MAX } else { input.chars().count() };
        if chars < Self::MIN_CHARS {
            return Err(AppError::invalid(
                "password",
                format!("Use at least {} characters for your password.", Self::MIN_CHARS),
            ));
        }
        if chars > Self::MAX_CHARS {
            return Err(AppError::invalid(
                "password",
                format!("Use at most {} characters for your password.", Self::MAX_CHARS),
            ));
        }
        Ok(Password(input))
    }

    /// For logging in: any non-empty input is checked against the hash
    /// (length rules may have changed since the password was set), but
    /// absurdly long input is refused before it reaches the hasher.
    pub fn parse_attempt(input: String) -> Result<Password, AppError> {
        if input.is_empty() {
            return Err(AppError::invalid("password", "Enter your password."));
        }
        if input.len() > Self::MAX_CHARS * 4 || input.chars().count() > Self::MAX_CHARS {
            return Err(crate::accounts::credentials::wrong_credentials());
        }
        Ok(Password(input))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The one message for "no such email" and "wrong password".
pub(crate) fn wrong_credentials() -> AppError {
    AppError::new(crate::error::ErrorCode::InvalidCredentials, "That email and password do not match an account.")
}

/// The name shown in the app: 1 to 60 characters after trimming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 60;

    /// Limits apply to the name as typed, before trimming (as the API documents them).
    pub fn parse(input: &str) -> Result<DisplayName, AppError> {
        if input.len() > Self::MAX_CHARS * 4 || input.chars().count() > Self::MAX_CHARS {
            return Err(AppError::invalid(
                "display_name",
                format!("Keep your name to {} characters or fewer.", Self::MAX_CHARS),
            ));
        }
        if input.chars().any(char::is_control) {
            return Err(AppError::invalid("display_name", "Your name cannot contain control characters."));
        }
        let name = input.trim();
        if name.is_empty() {
            return Err(AppError::invalid("display_name", "Enter the name to show in Echoes."));
        }
        Ok(DisplayName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for DisplayName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Ada@Example.ORG ").unwrap().as_str(), "ada@example.org");
    }

    #[test]
    fn implausible_emails_are_refused_on_the_email_field() {
        for bad in
            ["", "ada", "ada@", "@example.org", "ada@example", "a da@example.org", "ada@.org", "ada@example..org"]
        {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("email"), "{bad}");
        }
    }

    #[test]
    fn passwords_must_be_8_to_128_characters_counted_as_characters() {
        assert!(Password::parse_new("1234567".into()).is_err());
        assert!(Password::parse_new("12345678".into()).is_ok());
        // 128 multi-byte characters are fine: the limit is on characters, not bytes.
        assert!(Password::parse_new("é".repeat(128)).is_ok());
        assert!(Password::parse_new("a".repeat(129)).is_err());
    }

    #[test]
    fn a_long_password_is_kept_whole() {
        let typed = "x".repeat(100) + "tail";
        assert_eq!(Password::parse_new(typed.clone()).unwrap().expose(), typed);
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ada ").unwrap().as_str(), "Ada");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"a".repeat(61)).is_err());
    }

    #[test]
    fn a_password_never_shows_up_in_debug_output() {
        assert_eq!(format!("{:?}", Password::parse_new("hunter2hunter2".into()).unwrap()), "Password(…)");
    }
}
