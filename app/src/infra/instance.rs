//! This running server, as other servers on the same database see it: an
//! id, and a way to tell whether the instance behind another id has
//! stopped — so what it left mid-way (uploads in flight, see
//! `echoes::in_flight`) can be cleaned up by whoever is still running.
//!
//! - **PostgreSQL:** an instance holds a session-level advisory lock on
//!   its id, on a connection of its own, for as long as it runs. When the
//!   process dies the connection closes and PostgreSQL releases the lock,
//!   so "can I take that instance's lock?" is exactly "has it stopped?".
//!   If the connection drops while the instance lives (the database went
//!   away for a while), the lock is taken again once it is back; in the
//!   meantime another replica may clean up this instance's unfinished
//!   uploads, which then fail with a 503 instead of committing — never the
//!   other way round.
//! - **SQLite:** one process serves a database file, and holds a lock file
//!   beside it (server/src/startup.rs). An instance that holds it knows
//!   every other id belongs to a process that has stopped; one that does
//!   not (tests, in-memory databases) never judges another.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::Connection;
use tokio_util::sync::{CancellationToken, DropGuard};
use uuid::Uuid;

use super::db::Db;

/// How often the liveness connection is checked, and how long a check or
/// a reconnection may take.
const CHECK_EVERY: Duration = Duration::from_secs(5);
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Instance {
    id: Uuid,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    /// SQLite: whether this process holds the database's lock file.
    Sqlite { exclusive: bool },
    /// PostgreSQL: the task holding the advisory lock stops when the last
    /// clone of the instance is dropped.
    Postgres { _holder: std::sync::Arc<DropGuard> },
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance").field("id", &self.id).finish_non_exhaustive()
    }
}

impl Instance {
    /// Starts being an instance on `db`. On PostgreSQL this takes the
    /// advisory lock before returning (and keeps it in a background task).
    /// `exclusive`: on SQLite, whether the caller holds the database's lock.
    pub async fn start(db: &Db, exclusive: bool) -> anyhow::Result<Instance> {
        let id = Uuid::new_v4();
        let kind = match db {
            Db::Sqlite(_) => Kind::Sqlite { exclusive },
            Db::Postgres(pool) => {
                let options = pool.connect_options().as_ref().clone().application_name("echoes-instance");
                let connection = hold(&options, id).await?;
                let stop = CancellationToken::new();
                tokio::spawn(keep_holding(options, id, connection, stop.clone()));
                Kind::Postgres { _holder: std::sync::Arc::new(stop.drop_guard()) }
            }
        };
        tracing::debug!(instance = %id, "instance started");
        Ok(Instance { id, kind })
    }

    pub fn id(&self) -> Uuid {
        self.id
    }

    /// Whether this instance may judge others at all: always on PostgreSQL;
    /// on SQLite only while holding the database's lock.
    pub fn can_judge_others(&self) -> bool {
        match &self.kind {
            Kind::Sqlite { exclusive } => *exclusive,
            Kind::Postgres { .. } => true,
        }
    }
}

/// The advisory lock key of an instance: 64 of its id's random bits.
pub fn lock_key(id: Uuid) -> i64 {
    let bytes = id.as_bytes();
    i64::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]])
}

/// Connects and takes the instance's lock. Another replica may hold it for
/// a moment (checking whether this instance lives, while its connection
/// was down), so a refusal is retried until `CHECK_TIMEOUT`.
async fn hold(options: &PgConnectOptions, id: Uuid) -> anyhow::Result<PgConnection> {
    tokio::time::timeout(CHECK_TIMEOUT, async {
        let mut connection = PgConnection::connect_with(options).await?;
        loop {
            let taken: bool =
                sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(lock_key(id)).fetch_one(&mut connection).await?;
            if taken {
                return Ok(connection);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .map_err(|_| anyhow::anyhow!("could not take this instance's lock in PostgreSQL within {CHECK_TIMEOUT:?}"))?
}

/// Checks the connection every few seconds; when it is lost, connects and
/// takes the lock again (retrying every few seconds while the database is
/// away). Stops, closing the connection, when `stop` is cancelled.
async fn keep_holding(options: PgConnectOptions, id: Uuid, connection: PgConnection, stop: CancellationToken) {
    let mut connection = Some(connection);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(CHECK_EVERY) => {}
        }
        if let Some(mut held) = connection.take() {
            let error = match tokio::time::timeout(CHECK_TIMEOUT, held.ping()).await {
                Ok(Ok(())) => {
                    connection = Some(held);
                    continue;
                }
                Ok(Err(err)) => err.to_string(),
                Err(_) => "timed out".to_owned(),
            };
            tracing::warn!(instance = %id, %error, "lost the instance's PostgreSQL connection; taking its lock again");
        }
        match hold(&options, id).await {
            Ok(held) => {
                tracing::info!(instance = %id, "holding the instance's lock again");
                connection = Some(held);
            }
            Err(err) => tracing::warn!(instance = %id, error = %err, "could not take the instance's lock yet"),
        }
    }
    if let Some(held) = connection {
        let _ = tokio::time::timeout(CHECK_TIMEOUT, held.close()).await;
    }
}
