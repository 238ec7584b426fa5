//! Deleting an account with everything it holds: its echoes' audio and
//! unfinished uploads in storage, then — in one statement — the account,
//! whose echoes, tags, tokens and uploads go with it (`ON DELETE CASCADE`).
//! The last working admin cannot be deleted.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use uuid::Uuid;

use crate::error::AppError;

/// Objects deleted at once.
#[cfg(feature = "ssr")]
const DELETE_CONCURRENCY: usize = 16;

#[cfg(feature = "ssr")]
pub async fn delete(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    id: Uuid,
) -> Result<(), AppError> {
    use futures::{StreamExt, TryStreamExt};

    use super::update_user::{change_account, last_admin, ANOTHER_ADMIN_REMAINS};
    use crate::infra::storage::ObjectKey;
    use crate::on_db;

    caller.require_admin()?;
    caller.require_write()?;
    let account =
        crate::accounts::users::find_by_id(&state.db, id).await?.ok_or_else(|| AppError::not_found("account"))?;
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
    let sql = format!(
        "DELETE FROM users WHERE id = $1 AND (role <> 'admin' OR disabled_at IS NOT NULL OR {ANOTHER_ADMIN_REMAINS})"
    );
    let deleted = change_account(&state.db, &sql, id).await?;
    if deleted == 0 {
        return Err(last_admin());
    }
    tracing::info!(admin_id = %caller.id(), user_id = %id, email = %account.user.email, objects = objects.len(), "account deleted by an admin");
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "admin/users/delete")]
pub async fn delete_user(id: String) -> Result<(), AppError> {
    let caller = crate::accounts::CurrentUser::of_request().await?;
    let id = crate::paging::parse_id(&id, "account")?;
    delete(&crate::infra::state::app_state(), &caller, id).await?;
    leptos_axum::redirect("/admin");
    Ok(())
}
