//! Echo rows: the only place that reads or writes the `echoes` table.
//! Every query is scoped to the owner, so another user's echo is simply
//! "not found".

use uuid::Uuid;

use super::list::EchoCursor;
use super::{Echo, EchoMetadata};
use crate::emotion::Emotion;
use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::infra::storage::ObjectKey;
use crate::on_db;

const COLUMNS: &str = "id, emotion, title, note, tags, captured_at, created_at, content_type, size_bytes, \
     storage_key, duration_ms, peaks, latitude, longitude";

#[derive(sqlx::FromRow)]
pub struct EchoRow {
    id: Uuid,
    emotion: String,
    title: Option<String>,
    note: Option<String>,
    tags: String,
    captured_at: i64,
    created_at: i64,
    content_type: String,
    size_bytes: i64,
    storage_key: String,
    duration_ms: Option<i64>,
    peaks: Option<Vec<u8>>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

impl EchoRow {
    pub fn into_echo(self) -> Result<Echo, AppError> {
        Ok(Echo {
            id: self.id,
            emotion: Emotion::parse(&self.emotion).map_err(|e| AppError::internal("stored emotion", e))?,
            title: self.title,
            note: self.note,
            tags: serde_json::from_str(&self.tags).map_err(|e| AppError::internal("stored tags", e))?,
            captured_at: self.captured_at,
            created_at: self.created_at,
            content_type: self.content_type,
            size_bytes: self.size_bytes,
            duration_ms: self.duration_ms,
            peaks: self.peaks,
            location: match (self.latitude, self.longitude) {
                (Some(latitude), Some(longitude)) => Some(super::Location { latitude, longitude }),
                _ => None,
            },
        })
    }

    pub fn storage_key(&self) -> Result<ObjectKey, AppError> {
        ObjectKey::parse(&self.storage_key)
            .ok_or_else(|| AppError::internal("stored key", format!("malformed key {:?}", self.storage_key)))
    }

    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    pub fn size_bytes(&self) -> u64 {
        self.size_bytes.max(0) as u64
    }
}

/// A stored object about to become an echo.
pub struct NewEcho<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub metadata: &'a EchoMetadata,
    pub content_type: &'a str,
    pub size_bytes: u64,
    pub key: &'a ObjectKey,
    pub probe: Option<super::probe::AudioProbe>,
}

/// A uniformly random key in [0, 2^53), from the OS RNG behind UUIDv4.
fn random_key() -> i64 {
    (Uuid::new_v4().as_u128() >> 75) as i64
}

pub async fn insert(db: &Db, new: NewEcho<'_>) -> Result<Echo, AppError> {
    let tags = serde_json::to_string(&new.metadata.tags.0).map_err(|e| AppError::internal("tags", e))?;
    let size = i64::try_from(new.size_bytes).map_err(|e| AppError::internal("size", e))?;
    let now = now_millis();
    on_db!(db, pool => sqlx::query(
        "INSERT INTO echoes (id, user_id, emotion, title, note, tags, captured_at, created_at, \
         content_type, size_bytes, storage_key, random_key, duration_ms, peaks, latitude, longitude) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(new.id)
    .bind(new.user_id)
    .bind(new.metadata.emotion.as_str())
    .bind(new.metadata.title.0.as_deref())
    .bind(new.metadata.note.0.as_deref())
    .bind(&tags)
    .bind(new.metadata.captured_at)
    .bind(now)
    .bind(new.content_type)
    .bind(size)
    .bind(new.key.as_str())
    .bind(random_key())
    .bind(new.probe.as_ref().map(|p| p.duration_ms))
    .bind(new.probe.as_ref().map(|p| p.peaks.clone()))
    .bind(new.metadata.location.map(|l| l.latitude))
    .bind(new.metadata.location.map(|l| l.longitude))
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(Echo {
        id: new.id,
        emotion: new.metadata.emotion,
        title: new.metadata.title.0.clone(),
        note: new.metadata.note.0.clone(),
        tags: new.metadata.tags.0.clone(),
        captured_at: new.metadata.captured_at,
        created_at: now,
        content_type: new.content_type.to_owned(),
        size_bytes: size,
        duration_ms: new.probe.as_ref().map(|p| p.duration_ms),
        peaks: new.probe.map(|p| p.peaks),
        location: new.metadata.location,
    })
}

pub async fn find_owned(db: &Db, user_id: Uuid, id: Uuid) -> Result<Option<EchoRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM echoes WHERE id = $1 AND user_id = $2");
    Ok(on_db!(db, pool => sqlx::query_as::<_, EchoRow>(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(pool)
        .await)?)
}

/// Up to `limit` echoes, newest first, older than `before` when given.
/// Served by `echoes_by_user_time` / `echoes_by_user_emotion_time`.
pub async fn list_page(
    db: &Db,
    user_id: Uuid,
    emotion: Option<Emotion>,
    before: Option<EchoCursor>,
    limit: i64,
) -> Result<Vec<EchoRow>, AppError> {
    let sql = list_sql(emotion.is_some(), before.is_some());
    let rows = on_db!(db, pool => {
        let mut query = sqlx::query_as::<_, EchoRow>(&sql).bind(user_id).bind(limit);
        if let Some(emotion) = emotion {
            query = query.bind(emotion.as_str());
        }
        if let Some(cursor) = before {
            query = query.bind(cursor.captured_at).bind(cursor.id);
        }
        query.fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The list query for the given filters. The redundant `captured_at <= $`
/// gives the planner a range on the index; the `OR` settles ties by id.
pub fn list_sql(by_emotion: bool, after_cursor: bool) -> String {
    let mut sql = format!("SELECT {COLUMNS} FROM echoes WHERE user_id = $1");
    let mut next = 3;
    if by_emotion {
        sql.push_str(&format!(" AND emotion = ${next}"));
        next += 1;
    }
    if after_cursor {
        let (t, id) = (next, next + 1);
        sql.push_str(&format!(" AND captured_at <= ${t} AND (captured_at < ${t} OR id < ${id})"));
    }
    sql.push_str(" ORDER BY captured_at DESC, id DESC LIMIT $2");
    sql
}

/// The random query: seek to `random_key >= $3` on `echoes_by_user_emotion_random`.
pub fn random_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM echoes WHERE user_id = $1 AND emotion = $2 AND random_key >= $3 \
         ORDER BY random_key LIMIT 1"
    )
}

/// A uniformly chosen echo of one emotion, found by index seek (no scan,
/// no `ORDER BY RANDOM()`): jump to a random key, wrap around once.
pub async fn random_of(db: &Db, user_id: Uuid, emotion: Emotion) -> Result<Option<EchoRow>, AppError> {
    let sql = random_sql();
    for start in [random_key(), 0] {
        let row = on_db!(db, pool => sqlx::query_as::<_, EchoRow>(&sql)
            .bind(user_id)
            .bind(emotion.as_str())
            .bind(start)
            .fetch_optional(pool)
            .await)?;
        if row.is_some() {
            return Ok(row);
        }
    }
    Ok(None)
}

/// Deletes the row inside a transaction and runs `remove_object` before
/// committing: if the object cannot be removed the row stays, so an echo is
/// never left pointing at nothing. Returns false when there was no such echo.
pub async fn delete_owned<F, Fut>(db: &Db, user_id: Uuid, id: Uuid, remove_object: F) -> Result<bool, AppError>
where
    F: FnOnce(ObjectKey) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    on_db!(db, pool => {
        let mut tx = pool.begin().await?;
        let key: Option<String> = sqlx::query_scalar(
            "DELETE FROM echoes WHERE id = $1 AND user_id = $2 RETURNING storage_key",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(key) = key else {
            return Ok(false);
        };
        let key = ObjectKey::parse(&key)
            .ok_or_else(|| AppError::internal("stored key", format!("malformed key {key:?}")))?;
        remove_object(key).await?;
        tx.commit().await?;
        Ok(true)
    })
}
