//! Where the person is signed in: their sessions, with when each began,
//! when it was last seen (as coarse as the session's refresh), and the
//! browser and system it runs on; ending one, or every other one.
//! A session ended here is gone from the shared store, so its cookie stops
//! working on every replica at its next request.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub handle: String,
    pub signed_in_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    /// "Firefox 133 on Linux", or "Unknown browser".
    pub description: String,
    pub this_device: bool,
}

#[cfg(feature = "ssr")]
pub use rows::*;

#[cfg(feature = "ssr")]
mod rows {
    use uuid::Uuid;

    use crate::error::AppError;
    use crate::infra::db::Db;

    /// The session table's name on each backend (tower-sessions' own).
    pub fn session_table(db: &Db) -> &'static str {
        match db {
            Db::Sqlite(_) => "tower_sessions",
            Db::Postgres(_) => "tower_sessions.session",
        }
    }

    /// "Firefox 133 on Linux" from a User-Agent (woothee's parser).
    pub fn describe(user_agent: Option<&str>) -> String {
        let Some(parsed) = user_agent.and_then(|ua| woothee::parser::Parser::new().parse(ua)) else {
            return "Unknown browser".into();
        };
        let browser = match (parsed.name, parsed.version) {
            ("UNKNOWN", _) => "Unknown browser".to_owned(),
            (name, "UNKNOWN" | "") => name.to_owned(),
            (name, version) => format!("{name} {}", version.split('.').next().unwrap_or(version)),
        };
        match parsed.os {
            "UNKNOWN" => browser,
            os => format!("{browser} on {os}"),
        }
    }

    #[derive(sqlx::FromRow)]
    struct Row {
        handle: Option<String>,
        signed_in_at: Option<i64>,
        last_seen_at: Option<i64>,
        user_agent: Option<String>,
    }

    pub async fn list(db: &Db, user_id: Uuid, this: Option<Uuid>) -> Result<Vec<super::Device>, AppError> {
        let table = session_table(db);
        let sql = format!(
            "SELECT handle, signed_in_at, last_seen_at, user_agent FROM {table} \
             WHERE user_id = $1 AND handle IS NOT NULL ORDER BY last_seen_at DESC"
        );
        let rows: Vec<Row> = crate::on_db!(db, pool => sqlx::query_as(&sql).bind(user_id).fetch_all(pool).await)?;
        let this = this.map(|h| h.to_string());
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let handle = row.handle?;
                Some(super::Device {
                    this_device: this.as_deref() == Some(handle.as_str()),
                    handle,
                    signed_in_at: row.signed_in_at,
                    last_seen_at: row.last_seen_at,
                    description: describe(row.user_agent.as_deref()),
                })
            })
            .collect())
    }

    /// Ends `user_id`'s sessions: the one with `handle`, or (with `None`)
    /// every one but `keep`. Returns how many ended. This replica forgets
    /// the sessions it had read (others do within a second).
    pub async fn end(
        state: &crate::infra::state::AppState,
        user_id: Uuid,
        handle: Option<&str>,
        keep: Option<Uuid>,
    ) -> Result<u64, AppError> {
        let db = &state.db;
        let table = session_table(db);
        let keep = keep.map(|k| k.to_string()).unwrap_or_default();
        let (sql, value) = match handle {
            Some(handle) => (format!("DELETE FROM {table} WHERE user_id = $1 AND handle = $2"), handle.to_owned()),
            None => (
                format!("DELETE FROM {table} WHERE user_id = $1 AND (handle IS NULL OR handle <> $2)"),
                keep,
            ),
        };
        let ended = crate::on_db!(db, pool => sqlx::query(&sql)
            .bind(user_id)
            .bind(&value)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        state.recent.forget_sessions();
        Ok(ended)
    }
}

#[server(prefix = "/_fn", endpoint = "accounts/devices")]
pub async fn list_devices() -> Result<Vec<Device>, AppError> {
    let caller = super::CurrentUser::of_request().await?;
    let state = crate::infra::state::app_state();
    let this = super::session::handle(&super::session::request_session().await?).await?;
    list(&state.db, caller.id(), this).await
}

/// Ends one other session (`handle`), or every other one (`handle` empty).
#[server(prefix = "/_fn", endpoint = "accounts/devices/end")]
pub async fn end_sessions(handle: String) -> Result<(), AppError> {
    let caller = super::CurrentUser::of_request().await?;
    caller.require_write()?;
    let state = crate::infra::state::app_state();
    let this = super::session::handle(&super::session::request_session().await?).await?;
    let handle = handle.trim();
    if !handle.is_empty() {
        if uuid::Uuid::parse_str(handle).is_err() {
            return Err(AppError::not_found("session"));
        }
        if this.is_some_and(|t| t.to_string() == handle) {
            return Err(AppError::bad_request("This is the session you are using: log out to end it."));
        }
        if end(&state, caller.id(), Some(handle), None).await? == 0 {
            return Err(AppError::not_found("session"));
        }
    } else {
        end(&state, caller.id(), None, this).await?;
    }
    tracing::info!(user_id = %caller.id(), every_other = handle.is_empty(), "sessions ended from the account page");
    leptos_axum::redirect("/account#devices");
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::describe;

    #[test]
    fn user_agents_read_as_browser_and_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(describe(Some(firefox)), "Firefox 133 on Linux");
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(Some(chrome)), "Chrome 131 on Windows 10");
        assert!(describe(Some("curl/8.0")).contains("curl"));
        assert_eq!(describe(Some("")), "Unknown browser");
        assert_eq!(describe(None), "Unknown browser");
    }
}
