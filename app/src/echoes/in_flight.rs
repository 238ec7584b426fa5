//! Uploads in flight: the journal that lets a server killed mid-upload lose
//! nothing it acknowledged and leave nothing behind.
//!
//! Before the first byte of an upload is stored, a row names its object
//! and the instance storing it ([`begin`]). The row goes away in the same
//! transaction that commits the echo (`rows::insert` refuses to commit
//! when it is already gone), or, when the upload fails, after its object
//! was removed. So a row that outlives its instance — killed with SIGKILL,
//! or its machine lost — names an object that no echo will ever use, and
//! [`reclaim_stopped`] removes that object (with any unfinished write of
//! it), then the row. It runs at start and with the upload sweeper, on
//! every replica; `infra::instance` says who has stopped.
//!
//! On PostgreSQL the rows of a stopped instance are locked (`FOR UPDATE`)
//! while it is reclaimed, so an instance that only seemed stopped — its
//! lock's connection dropped for a moment — cannot commit an echo whose
//! object is being removed: its commit waits, then finds the row gone and
//! answers 503.

use uuid::Uuid;

use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::infra::instance::{lock_key, Instance};
use crate::infra::state::AppState;
use crate::infra::storage::{ObjectKey, Storage};
use crate::{db_run, on_db};

/// An upload's row in the journal. Dropped without [`committed`], it
/// removes the object and then the row (the request was cancelled, or
/// failed); [`abandon`] does the same and waits for it.
///
/// [`committed`]: InFlight::committed
/// [`abandon`]: InFlight::abandon
#[must_use = "dropping an upload in flight removes its object"]
pub struct InFlight {
    db: Db,
    storage: Storage,
    key: Option<ObjectKey>,
}

/// Journals an upload to `key` by this instance, before anything is stored.
pub async fn begin(state: &AppState, key: &ObjectKey) -> Result<InFlight, AppError> {
    db_run!(
        &state.db,
        sqlx::query("INSERT INTO uploads_in_flight (storage_key, instance_id, started_at) VALUES ($1, $2, $3)")
            .bind(key.as_str())
            .bind(state.instance.id())
            .bind(now_millis())
    )?;
    Ok(InFlight { db: state.db.clone(), storage: state.storage.clone(), key: Some(key.clone()) })
}

impl InFlight {
    /// The echo was committed (its transaction removed the row).
    pub fn committed(mut self) {
        self.key = None;
    }

    /// The upload failed: removes what was stored, then the row.
    pub async fn abandon(mut self) {
        if let Some(key) = self.key.take() {
            settle_failed(&self.db, &self.storage, &key).await;
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let (db, storage) = (self.db.clone(), self.storage.clone());
        // Drop cannot wait; the clean-up runs on its own. (Outside a
        // runtime, never in the server, the row stays for a reclaim.)
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { settle_failed(&db, &storage, &key).await });
        }
    }
}

/// Object first, row second: a row whose object could not be removed
/// stays, and the object is removed by a later reclaim (once this
/// instance has stopped) or by `echoes fsck --repair`.
async fn settle_failed(db: &Db, storage: &Storage, key: &ObjectKey) {
    if let Err(err) = storage.discard(key).await {
        tracing::error!(%key, error = %err, "could not remove the object of an unfinished upload");
        return;
    }
    let removed = db_run!(db, sqlx::query(DELETE_ROW).bind(key.as_str()));
    match removed {
        Ok(_) => tracing::debug!(%key, "removed an unfinished upload"),
        Err(err) => tracing::warn!(%key, error = %err, "removed an unfinished upload's object but not its journal row"),
    }
}

/// Removes an upload's row. The echo's transaction runs it too: there it
/// must remove exactly one row, or the upload was reclaimed and the echo
/// must not be committed.
pub(crate) const DELETE_ROW: &str = "DELETE FROM uploads_in_flight WHERE storage_key = $1";

/// What [`reclaim_stopped`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reclaimed {
    /// Uploads of stopped instances whose object and row were removed.
    pub removed: usize,
    /// Ones that could not be removed this time (logged; tried again later).
    pub failed: usize,
}

/// Removes the uploads that instances which have stopped left in flight.
/// An instance that cannot judge others (see `Instance`) does nothing.
pub async fn reclaim_stopped(db: &Db, storage: &Storage, instance: &Instance) -> Result<Reclaimed, AppError> {
    if !instance.can_judge_others() {
        return Ok(Reclaimed::default());
    }
    let others: Vec<Uuid> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT DISTINCT instance_id FROM uploads_in_flight WHERE instance_id <> $1"
    )
    .bind(instance.id())
    .fetch_all(pool)
    .await)?;
    let mut reclaimed = Reclaimed::default();
    for other in others {
        let done = match db {
            // Holding the database's lock: every other instance has stopped.
            Db::Sqlite(_) => reclaim_unlocked(db, storage, other).await?,
            Db::Postgres(pool) => reclaim_if_stopped(pool, storage, other).await?,
        };
        reclaimed.removed += done.removed;
        reclaimed.failed += done.failed;
    }
    if reclaimed.removed > 0 {
        tracing::info!(removed = reclaimed.removed, "removed uploads that stopped servers left unfinished");
    }
    Ok(reclaimed)
}

async fn reclaim_unlocked(db: &Db, storage: &Storage, stopped: Uuid) -> Result<Reclaimed, AppError> {
    let keys: Vec<String> = on_db!(db, pool => sqlx::query_scalar(
        "SELECT storage_key FROM uploads_in_flight WHERE instance_id = $1"
    )
    .bind(stopped)
    .fetch_all(pool)
    .await)?;
    let mut reclaimed = Reclaimed::default();
    for name in keys {
        if discard_named(storage, &name).await {
            db_run!(db, sqlx::query(DELETE_ROW).bind(&name))?;
            reclaimed.removed += 1;
        } else {
            reclaimed.failed += 1;
        }
    }
    Ok(reclaimed)
}

/// On PostgreSQL: in one transaction, takes the instance's lock (so it has
/// stopped, and cannot come back while this runs), locks its rows, removes
/// their objects, deletes the rows whose objects are gone, and commits.
async fn reclaim_if_stopped(pool: &sqlx::PgPool, storage: &Storage, other: Uuid) -> Result<Reclaimed, AppError> {
    let mut tx = pool.begin().await?;
    let stopped: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)").bind(lock_key(other)).fetch_one(&mut *tx).await?;
    if !stopped {
        return Ok(Reclaimed::default());
    }
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT storage_key FROM uploads_in_flight WHERE instance_id = $1 FOR UPDATE")
            .bind(other)
            .fetch_all(&mut *tx)
            .await?;
    let mut reclaimed = Reclaimed::default();
    for name in keys {
        if discard_named(storage, &name).await {
            sqlx::query(DELETE_ROW).bind(&name).execute(&mut *tx).await?;
            reclaimed.removed += 1;
        } else {
            reclaimed.failed += 1;
        }
    }
    tx.commit().await?;
    Ok(reclaimed)
}

/// Removes the object a journal row names; false (logged) when it could
/// not be removed now. A malformed name is not ours to touch: its row goes.
async fn discard_named(storage: &Storage, name: &str) -> bool {
    let Some(key) = ObjectKey::parse(name) else {
        tracing::warn!(key = name, "a malformed key in the uploads journal; dropping the row");
        return true;
    };
    match storage.discard(&key).await {
        Ok(()) => {
            tracing::info!(%key, "removed an upload a stopped server left unfinished");
            true
        }
        Err(err) => {
            tracing::warn!(%key, error = %err, "could not remove an unfinished upload; will retry");
            false
        }
    }
}
