//! The tower-sessions store for whichever database is configured, so
//! sessions live where the users do and every replica sees them.
//!
//! Each save also copies the session's owner, handle, start, last-seen
//! time and browser out of its data into their own columns, so the
//! account page can list a person's sessions and end any of them
//! (`app::accounts::devices`). Saves are rare — at log-in, then at most
//! every few minutes (`SessionSettings::refresh_every`) — so this costs
//! no write per request.
//!
//! Reads go through [`RecentlyRead`]: a session read or written in the
//! last second is not read from the database again, and whatever this
//! store saves or deletes is remembered or forgotten there at once.

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

use app::infra::recently_read::RecentlyRead;
use app::accounts::session::{HANDLE, REFRESHED_AT, SIGNED_IN_AT, USER_AGENT, USER_ID};
use app::infra::db::Db;

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    backend: Backend,
    recent: RecentlyRead,
}

#[derive(Clone, Debug)]
enum Backend {
    Sqlite(SqliteStore, sqlx::SqlitePool),
    Postgres(PostgresStore, sqlx::PgPool),
}

impl DbSessionStore {
    /// The store on `db`'s pool (its table comes from our migrations),
    /// reading through `recent`.
    pub fn new(db: &Db, recent: &RecentlyRead) -> DbSessionStore {
        let backend = match db {
            Db::Sqlite(pool) => Backend::Sqlite(SqliteStore::new(pool.clone()), pool.clone()),
            Db::Postgres(pool) => Backend::Postgres(PostgresStore::new(pool.clone()), pool.clone()),
        };
        DbSessionStore { backend, recent: recent.clone() }
    }
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match &self.backend {
            Backend::Sqlite(s, _) => s.create(record).await?,
            Backend::Postgres(s, _) => s.create(record).await?,
        }
        self.copy_out(record).await?;
        self.recent.keep_written_session(record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match &self.backend {
            Backend::Sqlite(s, _) => s.save(record).await?,
            Backend::Postgres(s, _) => s.save(record).await?,
        }
        self.copy_out(record).await?;
        self.recent.keep_written_session(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.recent.session(id) {
            return Ok(Some(record));
        }
        let started = self.recent.begin_read();
        let loaded = match &self.backend {
            Backend::Sqlite(s, _) => s.load(id).await?,
            Backend::Postgres(s, _) => s.load(id).await?,
        };
        if let Some(record) = &loaded {
            self.recent.keep_read_session(started, record);
        }
        Ok(loaded)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let deleted = match &self.backend {
            Backend::Sqlite(s, _) => s.delete(id).await,
            Backend::Postgres(s, _) => s.delete(id).await,
        };
        // After the row is gone: a read racing the delete is not kept.
        self.recent.forget_session(id);
        deleted
    }
}

impl DbSessionStore {
    /// Copies what the account page shows out of the session's data.
    async fn copy_out(&self, record: &Record) -> session_store::Result<()> {
        let data = &record.data;
        let uuid = |key: &str| data.get(key).and_then(|v| v.as_str()).and_then(|s| uuid::Uuid::parse_str(s).ok());
        let user_id = uuid(USER_ID);
        let handle = uuid(HANDLE).map(|h| h.to_string());
        let signed_in_at = data.get(SIGNED_IN_AT).and_then(|v| v.as_i64());
        let last_seen_at = data.get(REFRESHED_AT).and_then(|v| v.as_i64());
        let user_agent = data.get(USER_AGENT).and_then(|v| v.as_str());
        let id = record.id.to_string();
        let db = self.db();
        let sql = format!(
            "UPDATE {} SET user_id = $2, handle = $3, signed_in_at = $4, last_seen_at = $5, user_agent = $6 WHERE id = $1",
            app::accounts::service::session_table(&db)
        );
        app::on_db!(&db, pool => sqlx::query(&sql)
            .bind(&id)
            .bind(user_id)
            .bind(&handle)
            .bind(signed_in_at)
            .bind(last_seen_at)
            .bind(user_agent)
            .execute(pool)
            .await
            .map(|_| ()))
        .map_err(|e| session_store::Error::Backend(e.to_string()))
    }

    fn db(&self) -> Db {
        match &self.backend {
            Backend::Sqlite(_, pool) => Db::Sqlite(pool.clone()),
            Backend::Postgres(_, pool) => Db::Postgres(pool.clone()),
        }
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match &self.backend {
            Backend::Sqlite(s, _) => s.delete_expired().await,
            Backend::Postgres(s, _) => s.delete_expired().await,
        }
    }
}
