//! The database: SQLite by default, PostgreSQL when `DATABASE_URL` says so.
//!
//! Queries are written once, with `$1`-style placeholders that both backends
//! accept, and run on whichever pool is configured through [`on_db!`]. The
//! schema sticks to types both handle alike (UUIDs, text, 64-bit integers;
//! times are Unix milliseconds) so a row decodes the same way on either.

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same expression against whichever pool `db` holds:
/// `on_db!(db, pool => sqlx::query("…").execute(pool).await)`.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::infra::db::Db::Sqlite($pool) => $body,
            $crate::infra::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs a statement that returns no rows on whichever pool `db` holds and
/// gives the number of rows it touched:
/// `db_run!(db, sqlx::query("DELETE …").bind(id))?`.
#[macro_export]
macro_rules! db_run {
    ($db:expr, $query:expr) => {
        $crate::on_db!($db, pool => $query.execute(pool).await.map(|done| done.rows_affected()))
    };
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// The file a `sqlite:` database URL names (`None` for PostgreSQL).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if url.starts_with("postgres") {
        return None;
    }
    SqliteConnectOptions::from_str(url).ok().map(|options| options.get_filename().to_path_buf())
}

impl Db {
    /// Connects (creating the SQLite file and its folder when missing).
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("postgres") {
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await?;
            return Ok(Db::Postgres(pool));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let path = options.get_filename();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        // A request waits at most this long for a connection; then it is a
        // 503 the client may retry, not a hang.
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    /// Applies the embedded migrations for this backend.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Db::Sqlite(pool) => {
                SQLITE_MIGRATIONS.run(pool).await?;
                let_sqlite_accounts_have_no_password(pool).await.map_err(sqlx::migrate::MigrateError::Execute)
            }
            Db::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        }
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
    }

    /// The pool as it is now: connections open, idle among them, and the
    /// most it may open (for `/metrics`).
    pub fn pool_stats(&self) -> PoolStats {
        on_db!(self, pool => PoolStats {
            open: pool.size(),
            idle: pool.num_idle() as u32,
            max: pool.options().get_max_connections(),
        })
    }

    pub async fn close(&self) {
        on_db!(self, pool => pool.close().await)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// Drops NOT NULL from `users.password_hash` on SQLite (PostgreSQL's
/// migration 8 does it with ALTER COLUMN), once: SQLite's way is to rebuild
/// the table, with foreign keys off so that dropping the old table does not
/// cascade into echoes, tokens and uploads — and `PRAGMA foreign_keys`
/// cannot change inside the transaction sqlx runs each migration in. The
/// rebuild is one transaction of its own, checked with
/// `PRAGMA foreign_key_check` before it commits.
async fn let_sqlite_accounts_have_no_password(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    use sqlx::{Acquire, Executor};

    let mut conn = pool.acquire().await?;
    let not_null: Option<i64> =
        sqlx::query_scalar("SELECT \"notnull\" FROM pragma_table_info('users') WHERE name = 'password_hash'")
            .fetch_optional(&mut *conn)
            .await?;
    if not_null != Some(1) {
        return Ok(());
    }
    conn.execute("PRAGMA foreign_keys = OFF").await?;
    let rebuilt = async {
        let mut tx = conn.begin().await?;
        tx.execute(
            "CREATE TABLE users_rebuilt (
                 id                BLOB PRIMARY KEY NOT NULL,
                 email             TEXT NOT NULL UNIQUE,
                 display_name      TEXT NOT NULL,
                 password_hash     TEXT,
                 created_at        INTEGER NOT NULL,
                 role              TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
                 disabled_at       INTEGER,
                 email_verified_at INTEGER,
                 time_zone         TEXT
             );
             INSERT INTO users_rebuilt (id, email, display_name, password_hash, created_at, role, disabled_at, email_verified_at, time_zone)
                 SELECT id, email, display_name, password_hash, created_at, role, disabled_at, email_verified_at, time_zone FROM users;
             DROP TABLE users;
             ALTER TABLE users_rebuilt RENAME TO users;
             CREATE INDEX users_by_created ON users (created_at DESC, id DESC);",
        )
        .await?;
        let broken: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(&mut *tx).await?;
        if !broken.is_empty() {
            tx.rollback().await?;
            return Err(sqlx::Error::Protocol(format!("users rebuild would break {} foreign keys", broken.len())));
        }
        tx.commit().await
    }
    .await;
    conn.execute("PRAGMA foreign_keys = ON").await?;
    rebuilt
}

/// A column list (`"id, email"`) with each column qualified by a table's
/// alias (`"u.id, u.email"`), for joins.
pub fn qualified(columns: &str, alias: &str) -> String {
    columns.split(", ").map(|c| format!("{alias}.{c}")).collect::<Vec<_>>().join(", ")
}

/// Now, as stored: Unix milliseconds.
pub fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instance from before migration 8, with an account and an echo,
    /// upgraded: everything is still there, and accounts may now have no
    /// password.
    #[tokio::test]
    async fn sqlite_upgrade_keeps_every_echo_and_allows_no_password() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&format!("sqlite://{}/old.db", dir.path().display()), 2).await.unwrap();
        let Db::Sqlite(pool) = &db else { unreachable!() };
        let before_8: Vec<_> =
            SQLITE_MIGRATIONS.migrations.iter().filter(|m| m.version < 20261202000008).cloned().collect();
        let old = sqlx::migrate::Migrator { migrations: before_8.into(), ..sqlx::migrate::Migrator::DEFAULT };
        old.run(pool).await.unwrap();
        let user = uuid::Uuid::now_v7();
        sqlx::query("INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ($1, 'a@b.org', 'A', 'x', 1)")
            .bind(user)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO echoes (id, user_id, emotion, captured_at, created_at, content_type, size_bytes, storage_key, random_key) \
             VALUES ($1, $2, 'calm', 1, 1, 'audio/wav', 4, 'k', 7)",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(user)
        .execute(pool)
        .await
        .unwrap();

        db.migrate().await.unwrap();
        let echoes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM echoes").fetch_one(pool).await.unwrap();
        assert_eq!(echoes, 1, "the rebuild must not cascade into echoes");
        sqlx::query("INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES ($1, 'c@d.org', 'C', NULL, 1)")
            .bind(uuid::Uuid::now_v7())
            .execute(pool)
            .await
            .unwrap();
        // Foreign keys are on again, and still point at users.
        sqlx::query("DELETE FROM users WHERE id = $1").bind(user).execute(pool).await.unwrap();
        let echoes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM echoes").fetch_one(pool).await.unwrap();
        assert_eq!(echoes, 0);
        db.migrate().await.unwrap();
    }
}
