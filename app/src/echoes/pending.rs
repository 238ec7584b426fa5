//! Direct uploads in flight: what the client declared when it asked for a
//! presigned PUT, until "complete" turns it into an echo — or the sweeper
//! removes it, object and record, once it is older than the configured TTL.
//! The browser only ever writes the `incoming/` key; "complete" copies it to
//! the echo's own key before checking it, so a replayed PUT changes nothing
//! an echo plays.

use uuid::Uuid;

use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::infra::storage::{ObjectKey, Storage};
use crate::on_db;

pub const WAITING: &str = "waiting";
pub const COMPLETING: &str = "completing";
pub const COMPLETED: &str = "completed";
const SWEEPING: &str = "sweeping";

#[derive(sqlx::FromRow)]
pub struct PendingUpload {
    pub id: Uuid,
    pub user_id: Uuid,
    storage_key: String,
    declared_size: i64,
    pub declared_type: String,
    pub created_at: i64,
    /// waiting → completing → completed, or → sweeping.
    pub state: String,
    pub claimed_at: Option<i64>,
}

impl PendingUpload {
    pub fn key(&self) -> Result<ObjectKey, AppError> {
        ObjectKey::parse(&self.storage_key)
            .ok_or_else(|| AppError::internal("pending key", format!("malformed key {:?}", self.storage_key)))
    }

    pub fn declared_size(&self) -> u64 {
        self.declared_size.max(0) as u64
    }
}

pub async fn insert(
    db: &Db,
    id: Uuid,
    user_id: Uuid,
    key: &ObjectKey,
    size: u64,
    content_type: &str,
) -> Result<(), AppError> {
    let size = i64::try_from(size).map_err(|e| AppError::internal("declared size", e))?;
    on_db!(db, pool => sqlx::query(
        "INSERT INTO pending_uploads (id, user_id, storage_key, declared_size, declared_type, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(user_id)
    .bind(key.as_str())
    .bind(size)
    .bind(content_type)
    .bind(now_millis())
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

const COLUMNS: &str = "id, user_id, storage_key, declared_size, declared_type, created_at, state, claimed_at";

pub async fn find_owned(db: &Db, user_id: Uuid, id: Uuid) -> Result<Option<PendingUpload>, AppError> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, PendingUpload>(
        &format!("SELECT {COLUMNS} FROM pending_uploads WHERE id = $1 AND user_id = $2"),
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await)?)
}

/// Uploads `user_id` has started since `since` and not completed.
pub async fn count_waiting(db: &Db, user_id: Uuid, since: i64) -> Result<i64, AppError> {
    Ok(on_db!(db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM pending_uploads WHERE user_id = $1 AND state = 'waiting' AND created_at >= $2",
    )
    .bind(user_id)
    .bind(since)
    .fetch_one(pool)
    .await)?)
}

/// Moves the upload from `from` to `to`, stamping the claim; false when
/// someone else moved it first (or it does not exist). This is what keeps
/// "complete" and the sweeper from ever acting on the same upload.
async fn transition(db: &Db, id: Uuid, from: &str, from_claimed_at: Option<i64>, to: &str) -> Result<bool, AppError> {
    let moved = on_db!(db, pool => sqlx::query(
        "UPDATE pending_uploads SET state = $3, claimed_at = $4 \
         WHERE id = $1 AND state = $2 AND COALESCE(claimed_at, -1) = $5",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now_millis())
    .bind(from_claimed_at.unwrap_or(-1))
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(moved == 1)
}

/// "complete" claims a waiting upload; false if it is not waiting.
pub async fn claim_for_completion(db: &Db, pending: &PendingUpload) -> Result<bool, AppError> {
    Ok(pending.state == WAITING && transition(db, pending.id, WAITING, pending.claimed_at, COMPLETING).await?)
}

/// The file had not arrived: the upload waits again.
pub async fn release(db: &Db, id: Uuid) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query("UPDATE pending_uploads SET state = 'waiting', claimed_at = NULL WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The echo exists. The record stays until its PUT URL has expired, so the
/// sweeper can remove anything PUT to the incoming key after this.
pub async fn mark_completed(db: &Db, id: Uuid) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query("UPDATE pending_uploads SET state = 'completed', claimed_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_millis())
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn remove(db: &Db, id: Uuid) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query("DELETE FROM pending_uploads WHERE id = $1").bind(id).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// When the sweeper acts, in Unix ms.
#[derive(Clone, Copy, Debug)]
pub struct SweepCutoffs {
    /// Waiting uploads started before this are abandoned.
    pub waiting_before: i64,
    /// Completed uploads started before this have expired PUT URLs.
    pub completed_before: i64,
    /// Claims older than this were left by a process that died.
    pub claimed_before: i64,
}

/// What a sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub removed: usize,
    pub failed: usize,
}

/// Removes direct uploads that are over: abandoned ones, completed ones
/// whose PUT URL has expired, and ones a crashed process left claimed.
/// Each is claimed first (so a "complete" in progress is never touched),
/// then its incoming object is deleted — and its echo key too when the
/// completion died half-way without making an echo — then its record.
/// One failing delete is logged and skipped; the sweep goes on.
pub async fn sweep_abandoned(db: &Db, storage: &Storage, cutoffs: SweepCutoffs) -> Result<Swept, AppError> {
    let mut swept = Swept::default();
    loop {
        let batch = on_db!(db, pool => sqlx::query_as::<_, PendingUpload>(&format!(
            "SELECT {COLUMNS} FROM pending_uploads \
             WHERE (state = 'waiting' AND created_at < $1) \
                OR (state = 'completed' AND created_at < $2) \
                OR (state IN ('completing', 'sweeping') AND claimed_at < $3) \
             ORDER BY created_at LIMIT 100"
        ))
        .bind(cutoffs.waiting_before)
        .bind(cutoffs.completed_before)
        .bind(cutoffs.claimed_before)
        .fetch_all(pool)
        .await)?;
        if batch.is_empty() {
            return Ok(swept);
        }
        for pending in batch {
            // Claimed rows get a fresh claimed_at, so a failure is not
            // picked up again in this sweep: the loop always ends.
            if !transition(db, pending.id, &pending.state, pending.claimed_at, SWEEPING).await? {
                continue;
            }
            match sweep_one(db, storage, &pending).await {
                Ok(()) => swept.removed += 1,
                Err(err) => {
                    swept.failed += 1;
                    tracing::warn!(upload_id = %pending.id, error = ?err.cause, "could not sweep an upload; will retry");
                }
            }
        }
    }
}

async fn sweep_one(db: &Db, storage: &Storage, pending: &PendingUpload) -> Result<(), AppError> {
    let incoming = pending.key()?;
    storage.delete(&incoming).await.map_err(|e| AppError::unavailable("sweep incoming object", e))?;
    if pending.state != COMPLETED {
        let echo_exists: Option<i64> = on_db!(db, pool => sqlx::query_scalar("SELECT 1 FROM echoes WHERE id = $1")
            .bind(pending.id)
            .fetch_optional(pool)
            .await)?;
        if echo_exists.is_none() {
            let final_key = incoming.without_incoming();
            storage.delete(&final_key).await.map_err(|e| AppError::unavailable("sweep echo object", e))?;
        }
    }
    remove(db, pending.id).await
}
