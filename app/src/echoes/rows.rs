//! Echo rows: the only place that reads or writes the `echoes` and
//! `echo_tags` tables (an account's deletion aside, which removes its rows
//! in one query). Every query is scoped to the owner, so another user's
//! echo is simply "not found".

use uuid::Uuid;

use super::list::{EchoCursor, EchoFilter};
use super::{Echo, EchoChanges, EchoMetadata, Tags};
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

/// Every echo of `user_id`, oldest first (the export's order).
pub async fn all_of(db: &Db, user_id: Uuid) -> Result<Vec<EchoRow>, AppError> {
    let sql = format!("SELECT {COLUMNS} FROM echoes WHERE user_id = $1 ORDER BY captured_at, id");
    Ok(on_db!(db, pool => sqlx::query_as::<_, EchoRow>(&sql).bind(user_id).fetch_all(pool).await)?)
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
                (Some(latitude), Some(longitude)) => Some(super::Location::from_stored(latitude, longitude)),
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
    /// The audio was streamed in under a row of the uploads journal: the
    /// commit removes that row, and is refused if it is gone (reclaimed).
    pub in_flight: bool,
}

/// A uniformly random number in [0, n) (n > 0), from the OS RNG behind
/// UUIDv4: its low 62 bits are random, so the modulo's bias is below n/2^62.
fn random_below(n: i64) -> i64 {
    let bits = (Uuid::new_v4().as_u128() as u64) & ((1 << 62) - 1);
    (bits % n.max(1) as u64) as i64
}

/// How often a write that lost a race for a pick slot (see
/// `migrations/*/…_pick_slots.sql`) tries again.
const SLOT_RETRIES: usize = 8;

/// Two writers took the same pick slot at once. PostgreSQL only: SQLite runs
/// one write at a time. The loser's transaction rolled back; it tries again.
fn slot_clash(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e)
        if e.is_unique_violation() && e.constraint() == Some("echoes_by_user_emotion_slot"))
}

/// Runs `write` (one transaction) again while it loses races for a pick
/// slot, at most [`SLOT_RETRIES`] more times.
async fn retrying_slot_clashes<T, F, Fut>(mut write: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let mut attempt = 0;
    loop {
        match write().await {
            Err(err) if slot_clash(&err) && attempt < SLOT_RETRIES => attempt += 1,
            done => return done,
        }
    }
}

/// The slot an echo takes when it joins `$2`'s echoes of emotion `${param}`:
/// one past the last.
fn next_slot_sql(param: usize) -> String {
    format!("(SELECT COALESCE(MAX(pick_slot) + 1, 0) FROM echoes WHERE user_id = $2 AND emotion = ${param})")
}

/// Moves the last of `$1`'s echoes of emotion `$2` into the slot `$3` that an
/// echo just left, so the slots stay 0..n-1. (If a concurrent write moved
/// that last echo first, the slot stays empty: picks skip such holes.)
const FILL_SLOT: &str = "UPDATE echoes SET pick_slot = $3 \
     WHERE user_id = $1 AND emotion = $2 AND pick_slot > $3 \
     AND pick_slot = (SELECT MAX(pick_slot) FROM echoes WHERE user_id = $1 AND emotion = $2)";

/// The `tags` column: the echo's tags as a JSON array.
fn tags_json(tags: &Tags) -> Result<String, AppError> {
    serde_json::to_string(tags.as_ref()).map_err(|e| AppError::internal("tags", e))
}

/// The statement adding `count` tags of one echo to `echo_tags` in one go:
/// `$1` the echo, `$2` its owner, `$3` its moment, then one tag each.
fn insert_tags_sql(count: usize) -> String {
    let rows: Vec<String> = (0..count).map(|i| format!("($1, $2, ${}, $3)", i + 4)).collect();
    format!("INSERT INTO echo_tags (echo_id, user_id, tag, captured_at) VALUES {}", rows.join(", "))
}

/// Writes an echo's tags inside the transaction `$tx` (either backend's).
macro_rules! insert_tags {
    ($tx:ident, $echo:expr, $owner:expr, $captured_at:expr, $tags:expr) => {{
        let tags: &[String] = $tags;
        if !tags.is_empty() {
            let sql = insert_tags_sql(tags.len());
            let mut query = sqlx::query(&sql).bind($echo).bind($owner).bind($captured_at);
            for tag in tags {
                query = query.bind(tag);
            }
            query.execute(&mut *$tx).await?;
        }
    }};
}

pub async fn insert(db: &Db, new: NewEcho<'_>) -> Result<Echo, AppError> {
    let tags_json = tags_json(&new.metadata.tags)?;
    let size = i64::try_from(new.size_bytes).map_err(|e| AppError::internal("size", e))?;
    let now = now_millis();
    let metadata = new.metadata;
    let sql = format!(
        "INSERT INTO echoes (id, user_id, emotion, title, note, tags, captured_at, created_at, \
         content_type, size_bytes, storage_key, duration_ms, peaks, latitude, longitude, pick_slot) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, {})",
        next_slot_sql(3)
    );
    let committed = retrying_slot_clashes(|| async {
        on_db!(db, pool => async {
            let mut tx = pool.begin().await?;
            if new.in_flight {
                let settled = sqlx::query(super::in_flight::DELETE_ROW)
                    .bind(new.key.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if settled != 1 {
                    return Ok(false);
                }
            }
            sqlx::query(&sql)
                .bind(new.id)
                .bind(new.user_id)
                .bind(metadata.emotion.as_str())
                .bind(metadata.title.as_deref())
                .bind(metadata.note.as_deref())
                .bind(&tags_json)
                .bind(metadata.captured_at)
                .bind(now)
                .bind(new.content_type)
                .bind(size)
                .bind(new.key.as_str())
                .bind(new.probe.as_ref().map(|p| p.duration_ms))
                .bind(new.probe.as_ref().map(|p| p.peaks.clone()))
                .bind(metadata.location.map(|l| l.latitude()))
                .bind(metadata.location.map(|l| l.longitude()))
                .execute(&mut *tx)
                .await?;
            insert_tags!(tx, new.id, new.user_id, metadata.captured_at, metadata.tags.as_ref());
            tx.commit().await.map(|()| true)
        }.await)
    })
    .await?;
    if !committed {
        return Err(AppError::unavailable(
            "commit upload",
            "the upload was reclaimed as abandoned (this server lost its database connection mid-way)",
        ));
    }
    Ok(Echo {
        id: new.id,
        emotion: metadata.emotion,
        title: metadata.title.as_deref().map(str::to_owned),
        note: metadata.note.as_deref().map(str::to_owned),
        tags: metadata.tags.as_ref().to_vec(),
        captured_at: metadata.captured_at,
        created_at: now,
        content_type: new.content_type.to_owned(),
        size_bytes: size,
        duration_ms: new.probe.as_ref().map(|p| p.duration_ms),
        peaks: new.probe.map(|p| p.peaks),
        location: metadata.location,
    })
}

/// Applies `changes` to the owner's echo (its tags too) and returns the
/// row as it is now; `None` when there is no such echo of theirs.
pub async fn update_owned(
    db: &Db,
    user_id: Uuid,
    id: Uuid,
    changes: &EchoChanges,
) -> Result<Option<EchoRow>, AppError> {
    if changes.is_empty() {
        return find_owned(db, user_id, id).await;
    }
    let tags_json = changes.tags.as_ref().map(tags_json).transpose()?;
    // Only the columns being changed are set; $1 and $2 pick the row.
    let mut sets = Vec::new();
    let mut next = 3;
    for (column, given) in [
        ("emotion", changes.emotion.is_some()),
        ("title", changes.title.is_some()),
        ("note", changes.note.is_some()),
        ("tags", tags_json.is_some()),
    ] {
        if given {
            sets.push(format!("{column} = ${next}"));
            next += 1;
        }
    }
    // Changing the emotion moves the echo to the end of the new emotion's
    // slots ($3 is the emotion); its old slot is filled below.
    if changes.emotion.is_some() {
        sets.push(format!("pick_slot = {}", next_slot_sql(3)));
    }
    let sql = format!("UPDATE echoes SET {} WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}", sets.join(", "));
    // The slot the echo holds now, locked on PostgreSQL so no concurrent
    // edit moves it in between.
    let lock = if matches!(db, Db::Postgres(_)) { " FOR UPDATE" } else { "" };
    let before_sql = format!("SELECT emotion, pick_slot FROM echoes WHERE id = $1 AND user_id = $2{lock}");
    let row = retrying_slot_clashes(|| async {
        on_db!(db, pool => async {
            let mut tx = pool.begin().await?;
            let before: Option<(String, i64)> =
                sqlx::query_as(&before_sql).bind(id).bind(user_id).fetch_optional(&mut *tx).await?;
            let Some((old_emotion, old_slot)) = before else {
                return Ok(None);
            };
            let mut query = sqlx::query_as::<_, EchoRow>(&sql).bind(id).bind(user_id);
            if let Some(emotion) = changes.emotion {
                query = query.bind(emotion.as_str());
            }
            if let Some(title) = &changes.title {
                query = query.bind(title.as_deref().map(str::to_owned));
            }
            if let Some(note) = &changes.note {
                query = query.bind(note.as_deref().map(str::to_owned));
            }
            if let Some(tags) = &tags_json {
                query = query.bind(tags.clone());
            }
            let row = query.fetch_optional(&mut *tx).await?;
            if changes.emotion.is_some() {
                sqlx::query(FILL_SLOT).bind(user_id).bind(&old_emotion).bind(old_slot).execute(&mut *tx).await?;
            }
            if let (Some(row), Some(tags)) = (&row, &changes.tags) {
                sqlx::query("DELETE FROM echo_tags WHERE echo_id = $1").bind(id).execute(&mut *tx).await?;
                insert_tags!(tx, id, user_id, row.captured_at, tags.as_ref());
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(row)
        }.await)
    })
    .await?;
    Ok(row)
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
/// Served by `echoes_by_user_time` / `echoes_by_user_emotion_time`, or by
/// `echo_tags_by_user_tag_time` for a tag.
pub async fn list_page(
    db: &Db,
    user_id: Uuid,
    filter: &EchoFilter,
    before: Option<EchoCursor>,
    limit: i64,
) -> Result<Vec<EchoRow>, AppError> {
    let sql = list_sql(filter.emotion.is_some(), filter.tag.is_some(), before.is_some());
    let rows = on_db!(db, pool => {
        let mut query = sqlx::query_as::<_, EchoRow>(&sql).bind(user_id).bind(limit);
        if let Some(tag) = &filter.tag {
            query = query.bind(tag.clone());
        }
        if let Some(emotion) = filter.emotion {
            query = query.bind(emotion.as_str());
        }
        if let Some(cursor) = before {
            query = query.bind(cursor.at).bind(cursor.id);
        }
        query.fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The list query for the given filters (keyset: see
/// [`EchoCursor::older_than_sql`]). With a tag, the walk is over
/// `echo_tags` in the same order.
pub fn list_sql(by_emotion: bool, by_tag: bool, after_cursor: bool) -> String {
    let (mut sql, time, id) = if by_tag {
        let columns = crate::infra::db::qualified(COLUMNS, "e");
        (
            format!(
                "SELECT {columns} FROM echo_tags t JOIN echoes e ON e.id = t.echo_id \
                 WHERE t.user_id = $1 AND t.tag = $3"
            ),
            "t.captured_at",
            "t.echo_id",
        )
    } else {
        (format!("SELECT {COLUMNS} FROM echoes WHERE user_id = $1"), "captured_at", "id")
    };
    let mut next = if by_tag { 4 } else { 3 };
    if by_emotion {
        let emotion = if by_tag { "e.emotion" } else { "emotion" };
        sql.push_str(&format!(" AND {emotion} = ${next}"));
        next += 1;
    }
    if after_cursor {
        sql.push_str(&EchoCursor::older_than_sql(time, id, next));
    }
    sql.push_str(&format!(" ORDER BY {time} DESC, {id} DESC LIMIT $2"));
    sql
}

/// The highest pick slot among the owner's echoes of one emotion
/// (`echoes_by_user_emotion_slot`: one index seek).
pub fn top_slot_sql() -> &'static str {
    "SELECT MAX(pick_slot) FROM echoes WHERE user_id = $1 AND emotion = $2"
}

/// The owner's echo of one emotion in slot `$3` (one index seek).
pub fn random_sql() -> String {
    format!("SELECT {COLUMNS} FROM echoes WHERE user_id = $1 AND emotion = $2 AND pick_slot = $3")
}

/// How many slots a pick draws before it counts instead. With the slots
/// dense (holes come only from racing deletes) the first draw hits.
const DRAWS: usize = 8;

/// A uniformly chosen echo of one emotion: draw a slot in 0..=top and take
/// its echo, drawing again on a hole. Each draw that hits is uniform over
/// the echoes, so the pick is too, in a few index seeks however many echoes
/// there are. Should draws keep missing, count and walk instead (exact too).
pub async fn random_of(db: &Db, user_id: Uuid, emotion: Emotion) -> Result<Option<EchoRow>, AppError> {
    let sql = random_sql();
    for _ in 0..DRAWS {
        let top: Option<i64> = on_db!(db, pool => sqlx::query_scalar(top_slot_sql())
            .bind(user_id)
            .bind(emotion.as_str())
            .fetch_one(pool)
            .await)?;
        let Some(top) = top else {
            return Ok(None);
        };
        let slot = random_below(top.saturating_add(1));
        let row = on_db!(db, pool => sqlx::query_as::<_, EchoRow>(&sql)
            .bind(user_id)
            .bind(emotion.as_str())
            .bind(slot)
            .fetch_optional(pool)
            .await)?;
        if row.is_some() {
            return Ok(row);
        }
    }
    let count: i64 = on_db!(db, pool => sqlx::query_scalar(
        "SELECT COUNT(*) FROM echoes WHERE user_id = $1 AND emotion = $2",
    )
    .bind(user_id)
    .bind(emotion.as_str())
    .fetch_one(pool)
    .await)?;
    if count == 0 {
        return Ok(None);
    }
    let walk = format!(
        "SELECT {COLUMNS} FROM echoes WHERE user_id = $1 AND emotion = $2 ORDER BY pick_slot LIMIT 1 OFFSET $3"
    );
    Ok(on_db!(db, pool => sqlx::query_as::<_, EchoRow>(&walk)
        .bind(user_id)
        .bind(emotion.as_str())
        .bind(random_below(count))
        .fetch_optional(pool)
        .await)?)
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
        let gone: Option<(String, String, i64)> = sqlx::query_as(
            "DELETE FROM echoes WHERE id = $1 AND user_id = $2 RETURNING storage_key, emotion, pick_slot",
        )
        .bind(id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((key, emotion, slot)) = gone else {
            return Ok(false);
        };
        sqlx::query(FILL_SLOT).bind(user_id).bind(&emotion).bind(slot).execute(&mut *tx).await?;
        let key = ObjectKey::parse(&key)
            .ok_or_else(|| AppError::internal("stored key", format!("malformed key {key:?}")))?;
        remove_object(key).await?;
        tx.commit().await?;
        Ok(true)
    })
}
