//! Deleting an account with everything it holds ([`erase`], shared with
//! the admin's delete): its echoes' audio and unfinished uploads in
//! storage, its sessions, then — in one statement — the account, whose
//! echoes, tags, tokens, identities and uploads go with it
//! (`ON DELETE CASCADE`). The last working admin cannot be deleted.
//!
//! People delete their own account ([`delete_my_account`]) with their
//! password, or — for an account without one — right after confirming
//! it's them with a provider sign-in.

use leptos::prelude::*;

use crate::error::AppError;

/// Objects deleted at once.
#[cfg(feature = "ssr")]
const DELETE_CONCURRENCY: usize = 16;

/// Deletes account `id` and everything it holds; returns how many stored
/// objects went with it.
#[cfg(feature = "ssr")]
pub async fn erase(state: &crate::infra::state::AppState, id: uuid::Uuid) -> Result<usize, AppError> {
    use futures::{StreamExt, TryStreamExt};

    use crate::admin::update_user::{change_account, last_admin, ANOTHER_ADMIN_REMAINS};
    use crate::infra::storage::ObjectKey;
    use crate::on_db;

    // The last admin check first, so that it refuses before anything is gone.
    let admin_guard = format!(
        "SELECT COUNT(*) FROM users WHERE id = $1 AND role = 'admin' AND disabled_at IS NULL AND NOT {ANOTHER_ADMIN_REMAINS}"
    );
    let last: i64 = on_db!(&state.db, pool => sqlx::query_scalar(&admin_guard).bind(id).fetch_one(pool).await)?;
    if last > 0 {
        return Err(last_admin());
    }
    // Every object the account has, in one query: its echoes' audio, and
    // unfinished uploads under both their incoming and final keys.
    let keys: Vec<String> = on_db!(&state.db, pool => sqlx::query_scalar(
        "SELECT storage_key FROM echoes WHERE user_id = $1 \
         UNION ALL SELECT storage_key FROM pending_uploads WHERE user_id = $1",
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    let mut objects: Vec<ObjectKey> = Vec::new();
    for key in keys.iter().filter_map(|k| ObjectKey::parse(k)) {
        if key.is_incoming() {
            objects.push(key.without_incoming());
        }
        objects.push(key);
    }
    futures::stream::iter(objects.clone())
        .map(|key| {
            let storage = state.storage.clone();
            async move { storage.delete(&key).await }
        })
        .buffer_unordered(DELETE_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await
        .map_err(|e| AppError::unavailable("delete the account's audio", e))?;
    super::devices::end(state, id, None, None).await?;
    let sql = format!(
        "DELETE FROM users WHERE id = $1 AND (role <> 'admin' OR disabled_at IS NOT NULL OR {ANOTHER_ADMIN_REMAINS})"
    );
    if change_account(state, &sql, id).await? == 0 {
        return Err(last_admin());
    }
    Ok(objects.len())
}

/// Deletes the caller's own account, then signs out.
#[cfg(feature = "ssr")]
pub async fn delete_own(
    state: &crate::infra::state::AppState,
    caller: &super::CurrentUser,
    session: &tower_sessions::Session,
    password: Option<String>,
) -> Result<(), AppError> {
    use super::credentials::Password;
    use super::{session as sessions, users};

    caller.require_write()?;
    match users::password_of(&state.db, caller.id()).await? {
        Some(stored) if !password.as_deref().unwrap_or_default().is_empty() => {
            let attempt = Password::parse_attempt(password.unwrap_or_default())?;
            if !state.passwords.verify(attempt, Some(stored)).await? {
                return Err(AppError::invalid("password", "That is not your password."));
            }
        }
        _ if sessions::reauthenticated_recently(session).await? => {}
        Some(_) => return Err(AppError::invalid("password", "Enter your password to delete your account.")),
        None => {
            return Err(AppError::invalid(
                "password",
                "Confirm it's you with one of your sign-ins first (the button below), then delete within 5 minutes.",
            ))
        }
    }
    let objects = erase(state, caller.id()).await?;
    sessions::end(session).await?;
    tracing::info!(user_id = %caller.id(), objects, "account deleted by its owner");
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "accounts/delete")]
pub async fn delete_my_account(password: Option<String>) -> Result<(), AppError> {
    let caller = super::CurrentUser::of_request().await?;
    let state = crate::infra::state::app_state();
    delete_own(&state, &caller, &super::session::request_session().await?, password).await?;
    leptos_axum::redirect("/?deleted=1");
    Ok(())
}
