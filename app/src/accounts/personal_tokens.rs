//! Personal access tokens: named, read-only or read-write bearer tokens
//! for scripts and shortcuts, shown once when made, listed, revocable.
//! Made on the account page (these server functions) and through the API;
//! both call the service functions in `tokens`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// What a bearer token may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Look, list, play and download; change nothing.
    Read,
    /// Everything the account may do.
    #[default]
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(input: &str) -> Result<Scope, AppError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            _ => Err(AppError::invalid("scope", "The scope must be read or write.")),
        }
    }
}

/// What a personal token is for ("Backup script"): 1 to 60 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(input: &str) -> Result<TokenName, AppError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(AppError::invalid("name", "Name the token after what will use it."));
        }
        if name.len() > Self::MAX_CHARS * 4 || name.chars().count() > Self::MAX_CHARS {
            return Err(AppError::invalid(
                "name",
                format!("Keep the name to {} characters or fewer.", Self::MAX_CHARS),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::invalid("name", "The name cannot contain control characters."));
        }
        Ok(TokenName(name.to_owned()))
    }
}

impl AsRef<str> for TokenName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A personal token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PersonalToken {
    pub id: Uuid,
    pub name: String,
    pub scope: Scope,
    /// Unix milliseconds.
    pub created_at: i64,
    /// Unix milliseconds, to within a few minutes; `null` if never used.
    pub last_used_at: Option<i64>,
}

/// A token just made: the only time its secret is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewPersonalToken {
    #[serde(flatten)]
    pub token: PersonalToken,
    /// Send as `Authorization: Bearer <token>`. Shown once; only a hash is kept.
    pub secret: String,
}

#[server(prefix = "/_fn", endpoint = "accounts/tokens/list")]
pub async fn list_personal_tokens() -> Result<Vec<PersonalToken>, AppError> {
    use super::{tokens, CurrentUser};
    let caller = CurrentUser::of_request().await?;
    tokens::list_personal(&crate::infra::state::app_state(), &caller).await
}

#[server(prefix = "/_fn", endpoint = "accounts/tokens/create")]
pub async fn create_personal_token(name: String, scope: String) -> Result<NewPersonalToken, AppError> {
    use super::{tokens, CurrentUser};
    let caller = CurrentUser::of_request().await?;
    let (name, scope) = (TokenName::parse(&name)?, Scope::parse(&scope)?);
    tokens::create_personal(&crate::infra::state::app_state(), &caller, name, scope).await
}

#[server(prefix = "/_fn", endpoint = "accounts/tokens/revoke")]
pub async fn revoke_personal_token(id: String) -> Result<(), AppError> {
    use super::{tokens, CurrentUser};
    let caller = CurrentUser::of_request().await?;
    let id = crate::paging::parse_id(&id, "token")?;
    tokens::revoke_personal(&crate::infra::state::app_state(), &caller, id).await
}
