//! Linked sign-ins: the `identities` table, one row per provider account
//! that signs into an Echoes account, and the page's list and unlink.
//! Unlinking the last way to sign in (no password, no other identity) is
//! refused, in the same statement that deletes, so two at once cannot
//! both pass.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A linked sign-in, as the account page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedSignIn {
    pub provider: String,
    pub provider_label: String,
    pub subject: String,
    pub email: Option<String>,
    pub linked_at: i64,
}

/// How the account can sign in: its password, linked providers, and the
/// configured providers it could still link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInMethods {
    pub has_password: bool,
    pub linked: Vec<LinkedSignIn>,
    pub linkable: Vec<super::oauth::ProviderButton>,
}

#[cfg(feature = "ssr")]
pub use rows::*;

#[cfg(feature = "ssr")]
mod rows {
    use uuid::Uuid;

    use crate::error::{AppError, ErrorCode};
    use crate::infra::db::{now_millis, Db};
    use crate::on_db;

    /// Who a provider says someone is, after its answer was verified.
    #[derive(Clone, Debug)]
    pub struct Asserted {
        pub provider: String,
        pub subject: String,
        pub email: Option<String>,
        pub email_verified: bool,
        pub name: Option<String>,
    }

    #[derive(sqlx::FromRow)]
    pub struct IdentityRow {
        pub provider: String,
        pub subject: String,
        pub user_id: Uuid,
        pub email: Option<String>,
        pub linked_at: i64,
    }

    pub async fn find(db: &Db, provider: &str, subject: &str) -> Result<Option<IdentityRow>, AppError> {
        Ok(on_db!(db, pool => sqlx::query_as::<_, IdentityRow>(
            "SELECT provider, subject, user_id, email, linked_at FROM identities WHERE provider = $1 AND subject = $2",
        )
        .bind(provider)
        .bind(subject)
        .fetch_optional(pool)
        .await)?)
    }

    pub async fn of_user(db: &Db, user_id: Uuid) -> Result<Vec<IdentityRow>, AppError> {
        Ok(on_db!(db, pool => sqlx::query_as::<_, IdentityRow>(
            "SELECT provider, subject, user_id, email, linked_at FROM identities WHERE user_id = $1 ORDER BY linked_at",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await)?)
    }

    /// Links `who` to `user_id`; refused when that provider account is
    /// linked already (to anyone).
    pub async fn link(db: &Db, user_id: Uuid, who: &Asserted) -> Result<(), AppError> {
        let result = on_db!(db, pool => sqlx::query(
            "INSERT INTO identities (provider, subject, user_id, email, email_verified, linked_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&who.provider)
        .bind(&who.subject)
        .bind(user_id)
        .bind(who.email.as_deref())
        .bind(who.email_verified)
        .bind(now_millis())
        .execute(pool)
        .await
        .map(|_| ()));
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Err(AppError::new(
                ErrorCode::AlreadyLinked,
                "This sign-in is linked to an Echoes account already.",
            )),
            Err(err) => Err(err.into()),
        }
    }

    /// Keeps what the provider last asserted, for the account page.
    pub async fn remember_email(db: &Db, who: &Asserted) -> Result<(), AppError> {
        on_db!(db, pool => sqlx::query(
            "UPDATE identities SET email = $3, email_verified = $4 WHERE provider = $1 AND subject = $2",
        )
        .bind(&who.provider)
        .bind(&who.subject)
        .bind(who.email.as_deref())
        .bind(who.email_verified)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(())
    }

    /// Unlinks one identity of `user_id`, unless it is the account's last
    /// way to sign in.
    pub async fn unlink(db: &Db, user_id: Uuid, provider: &str, subject: &str) -> Result<(), AppError> {
        let deleted = on_db!(db, pool => sqlx::query(
            "DELETE FROM identities WHERE user_id = $1 AND provider = $2 AND subject = $3 AND ( \
                 (SELECT password_hash FROM users WHERE id = $1) IS NOT NULL \
                 OR (SELECT COUNT(*) FROM identities WHERE user_id = $1) > 1)",
        )
        .bind(user_id)
        .bind(provider)
        .bind(subject)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        if deleted == 1 {
            return Ok(());
        }
        let exists = of_user(db, user_id).await?.iter().any(|i| i.provider == provider && i.subject == subject);
        if exists {
            Err(AppError::new(
                ErrorCode::LastSignInMethod,
                "This is the only way you can sign in. Set a password or link another sign-in first.",
            ))
        } else {
            Err(AppError::not_found("linked sign-in"))
        }
    }
}

/// The account's ways of signing in, for the account page.
#[server(prefix = "/_fn", endpoint = "accounts/sign_in_methods")]
pub async fn list_sign_in_methods() -> Result<SignInMethods, AppError> {
    let caller = super::CurrentUser::of_request().await?;
    let state = crate::infra::state::app_state();
    let providers = &state.config.oauth_providers;
    let label = |id: &str| super::oauth::settings::label_of(providers, id).unwrap_or_else(|| id.to_owned());
    let linked: Vec<LinkedSignIn> = of_user(&state.db, caller.id())
        .await?
        .into_iter()
        .map(|row| LinkedSignIn {
            provider_label: label(&row.provider),
            provider: row.provider,
            subject: row.subject,
            email: row.email,
            linked_at: row.linked_at,
        })
        .collect();
    let linkable = super::oauth::buttons(providers)
        .into_iter()
        .filter(|p| !linked.iter().any(|l| l.provider == p.id))
        .collect();
    let has_password = super::users::has_password(&state.db, caller.id()).await?;
    Ok(SignInMethods { has_password, linked, linkable })
}

#[server(prefix = "/_fn", endpoint = "accounts/unlink_sign_in")]
pub async fn unlink_sign_in(provider: String, subject: String) -> Result<(), AppError> {
    let caller = super::CurrentUser::of_request().await?;
    caller.require_write()?;
    let state = crate::infra::state::app_state();
    if provider.len() > 64 || subject.len() > 512 {
        return Err(AppError::not_found("linked sign-in"));
    }
    unlink(&state.db, caller.id(), &provider, &subject).await?;
    tracing::info!(user_id = %caller.id(), provider, "sign-in unlinked");
    leptos_axum::redirect("/account");
    Ok(())
}
