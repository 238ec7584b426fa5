//! Direct uploads in flight: what the client declared when it asked for a
//! presigned PUT, until "complete" turns it into an echo — or the sweeper
//! removes it, object and record, once it is older than the configured TTL.

use uuid::Uuid;

use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::infra::storage::{ObjectKey, Storage};
use crate::on_db;

#[derive(sqlx::FromRow)]
pub struct PendingUpload {
    pub id: Uuid,
    pub user_id: Uuid,
    storage_key: String,
    declared_size: i64,
    pub declared_type: String,
    pub created_at: i64,
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

pub async fn find_owned(db: &Db, user_id: Uuid, id: Uuid) -> Result<Option<PendingUpload>, AppError> {
    Ok(on_db!(db, pool => sqlx::query_as::<_, PendingUpload>(
        "SELECT id, user_id, storage_key, declared_size, declared_type, created_at \
         FROM pending_uploads WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id)
    .fetch_optional(pool)
    .await)?)
}

pub async fn remove(db: &Db, id: Uuid) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query("DELETE FROM pending_uploads WHERE id = $1").bind(id).execute(pool).await.map(|_| ()))?;
    Ok(())
}

/// Removes direct uploads started before `cutoff` (Unix ms) and never
/// completed: their objects first, then their records. An object whose
/// echo exists (a "complete" that got as far as the echo) is kept.
/// Returns how many were swept.
pub async fn sweep_abandoned(db: &Db, storage: &Storage, cutoff: i64) -> Result<usize, AppError> {
    let mut swept = 0;
    loop {
        let batch = on_db!(db, pool => sqlx::query_as::<_, PendingUpload>(
            "SELECT id, user_id, storage_key, declared_size, declared_type, created_at \
             FROM pending_uploads WHERE created_at < $1 ORDER BY created_at LIMIT 100",
        )
        .bind(cutoff)
        .fetch_all(pool)
        .await)?;
        if batch.is_empty() {
            return Ok(swept);
        }
        for pending in batch {
            let echo_exists: Option<i64> = on_db!(db, pool => sqlx::query_scalar("SELECT 1 FROM echoes WHERE id = $1")
                .bind(pending.id)
                .fetch_optional(pool)
                .await)?;
            if echo_exists.is_none() {
                let key = pending.key()?;
                storage.delete(&key).await.map_err(|e| AppError::internal("sweep object", e))?;
            }
            remove(db, pending.id).await?;
            swept += 1;
        }
    }
}
