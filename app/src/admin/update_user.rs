//! Disabling, enabling, promoting and demoting an account. A disabled
//! account's sessions and tokens stop working at once, on every replica
//! (each request reads the account). The last working admin can be neither
//! disabled nor demoted.

use leptos::prelude::*;
#[cfg(feature = "ssr")]
use uuid::Uuid;

#[cfg(feature = "ssr")]
use super::UserChanges;
use super::UserSummary;
use crate::error::AppError;

/// Whether any admin but `$1` still works: the guard every change that
/// could remove an admin runs in the same statement as the change.
#[cfg(feature = "ssr")]
pub(crate) const ANOTHER_ADMIN_REMAINS: &str =
    "EXISTS (SELECT 1 FROM users other WHERE other.id <> $1 AND other.role = 'admin' AND other.disabled_at IS NULL)";

#[cfg(feature = "ssr")]
pub(crate) fn last_admin() -> AppError {
    AppError::new(
        crate::error::ErrorCode::LastAdmin,
        "This is the only working administrator. Make someone else an administrator first.",
    )
}

/// On PostgreSQL, changes that could remove an admin take this lock, so two
/// admins demoting each other at once cannot both succeed. (SQLite runs
/// one writer at a time, and each change is a single statement.)
#[cfg(feature = "ssr")]
const ADMIN_CHANGE_LOCK: i64 = 0x6563_686f_6573_0001;

/// Runs one statement about account `$1` under the admin lock; returns the
/// rows it changed. This replica forgets the account it had read.
#[cfg(feature = "ssr")]
pub(crate) async fn change_account(
    state: &crate::infra::state::AppState,
    sql: &str,
    id: Uuid,
) -> Result<u64, AppError> {
    use crate::infra::db::Db;
    let changed = match &state.db {
        Db::Sqlite(pool) => sqlx::query(sql).bind(id).execute(pool).await?.rows_affected(),
        Db::Postgres(pool) => {
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(ADMIN_CHANGE_LOCK).execute(&mut *tx).await?;
            let changed = sqlx::query(sql).bind(id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            changed
        }
    };
    state.recent.forget_account(id);
    Ok(changed)
}

#[cfg(feature = "ssr")]
pub async fn update(
    state: &crate::infra::state::AppState,
    caller: &crate::accounts::CurrentUser,
    id: Uuid,
    changes: UserChanges,
) -> Result<UserSummary, AppError> {
    use crate::accounts::Role;

    caller.require_admin()?;
    caller.require_write()?;
    let removes_an_admin = changes.disabled == Some(true) || changes.role == Some(Role::User);
    let mut sets: Vec<String> = Vec::new();
    if let Some(disabled) = changes.disabled {
        // A number of ours, not input: safe to write into the statement.
        let now = crate::infra::db::now_millis();
        sets.push(if disabled {
            format!("disabled_at = COALESCE(disabled_at, {now})")
        } else {
            "disabled_at = NULL".into()
        });
    }
    if let Some(role) = changes.role {
        sets.push(format!("role = '{}'", role.as_str()));
    }
    if !sets.is_empty() {
        // An admin account losing its powers needs another admin left.
        let guard = if removes_an_admin {
            format!(" AND (role <> 'admin' OR disabled_at IS NOT NULL OR {ANOTHER_ADMIN_REMAINS})")
        } else {
            String::new()
        };
        let sql = format!("UPDATE users SET {} WHERE id = $1{guard}", sets.join(", "));
        let updated = change_account(state, &sql, id).await?;
        if updated == 0 {
            return Err(match crate::accounts::users::find_by_id(&state.db, id).await? {
                Some(_) => last_admin(),
                None => AppError::not_found("account"),
            });
        }
        tracing::info!(admin_id = %caller.id(), user_id = %id, disabled = ?changes.disabled, role = ?changes.role, "account changed by an admin");
    }
    summary(state, id).await
}

/// One account as the admin list shows it.
#[cfg(feature = "ssr")]
async fn summary(state: &crate::infra::state::AppState, id: Uuid) -> Result<UserSummary, AppError> {
    use crate::on_db;
    let account =
        crate::accounts::users::find_by_id(&state.db, id).await?.ok_or_else(|| AppError::not_found("account"))?;
    let echo_count: i64 = on_db!(&state.db, pool => sqlx::query_scalar("SELECT COUNT(*) FROM echoes WHERE user_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await)?;
    Ok(UserSummary::of(account, echo_count))
}

/// The admin page's buttons: `action` is `disable`, `enable`,
/// `make_admin` or `make_user`.
#[server(prefix = "/_fn", endpoint = "admin/users/update")]
pub async fn update_user(id: String, action: String) -> Result<UserSummary, AppError> {
    use crate::accounts::Role;
    let caller = crate::accounts::CurrentUser::of_request().await?;
    let id = crate::paging::parse_id(&id, "account")?;
    let changes = match action.as_str() {
        "disable" => UserChanges { disabled: Some(true), role: None },
        "enable" => UserChanges { disabled: Some(false), role: None },
        "make_admin" => UserChanges { disabled: None, role: Some(Role::Admin) },
        "make_user" => UserChanges { disabled: None, role: Some(Role::User) },
        _ => return Err(AppError::invalid("action", "Choose disable, enable, make_admin or make_user.")),
    };
    let summary = update(&crate::infra::state::app_state(), &caller, id, changes).await?;
    leptos_axum::redirect("/admin");
    Ok(summary)
}
