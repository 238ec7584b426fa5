//! The outbox: messages waiting to be sent (mail, and text messages:
//! `channel`), shared by every replica.
//! A worker claims a few due ones at a time (pushing their next attempt a
//! minute ahead, so a replica that dies mid-send only delays them), sends
//! each, and marks it sent — or counts the failure and backs off
//! (5 s, 10 s, 20 s, … up to an hour).

use uuid::Uuid;

use super::{Mail, Mailer};
use crate::infra::sms::SmsSender;
use crate::error::AppError;
use crate::infra::db::{now_millis, Db};
use crate::on_db;

const BATCH: i64 = 10;
const CLAIM_MS: i64 = 60_000;
const MAX_BACKOFF_MS: i64 = 3_600_000;

/// Queues a text message to `phone` (E.164); the worker sends it within seconds.
pub async fn enqueue_sms(db: &Db, phone: &str, text: &str) -> Result<(), AppError> {
    crate::db_run!(db, sqlx::query(
        "INSERT INTO outbox (id, channel, to_address, subject, text_body, html_body, created_at, attempts, next_attempt_at) \
         VALUES ($1, 'sms', $2, '', $3, '', $4, 0, $4)",
    )
    .bind(Uuid::now_v7())
    .bind(phone)
    .bind(text)
    .bind(now_millis()))?;
    Ok(())
}

/// Queues `mail`; the worker sends it within seconds.
pub async fn enqueue(db: &Db, mail: &Mail) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO outbox (id, to_address, subject, text_body, html_body, created_at, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $6)",
    )
    .bind(Uuid::now_v7())
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.text)
    .bind(&mail.html)
    .bind(now_millis())
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Due {
    id: Uuid,
    channel: String,
    to_address: String,
    subject: String,
    text_body: String,
    html_body: String,
    attempts: i64,
}

/// What one pass of the worker did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: u64,
    pub failed: u64,
}

/// Sends what is due; each message's failure is its own.
pub async fn deliver_due(db: &Db, mailer: &Mailer, sms: &SmsSender) -> Result<Delivered, AppError> {
    let now = now_millis();
    let due: Vec<Due> = on_db!(db, pool => sqlx::query_as(
        "UPDATE outbox SET next_attempt_at = $2 \
         WHERE sent_at IS NULL AND next_attempt_at <= $1 AND id IN ( \
             SELECT id FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $3) \
         RETURNING id, channel, to_address, subject, text_body, html_body, attempts",
    )
    .bind(now)
    .bind(now + CLAIM_MS)
    .bind(BATCH)
    .fetch_all(pool)
    .await)?;
    let mut done = Delivered::default();
    for item in due {
        let sent = match item.channel.as_str() {
            "sms" => sms.send(&item.to_address, &item.text_body).await,
            _ => {
                let mail = Mail { to: item.to_address.clone(), subject: item.subject, text: item.text_body, html: item.html_body };
                mailer.send(&mail).await
            }
        };
        match sent {
            Ok(()) => {
                on_db!(db, pool => sqlx::query("UPDATE outbox SET sent_at = $2, last_error = NULL WHERE id = $1")
                    .bind(item.id)
                    .bind(now_millis())
                    .execute(pool)
                    .await
                    .map(|_| ()))?;
                done.sent += 1;
            }
            Err(err) => {
                let attempts = item.attempts + 1;
                let backoff = (5_000i64 << attempts.min(20)).min(MAX_BACKOFF_MS);
                tracing::warn!(to = %item.to_address, channel = %item.channel, attempts, error = %err, "message not sent; will retry");
                on_db!(db, pool => sqlx::query(
                    "UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4 WHERE id = $1",
                )
                .bind(item.id)
                .bind(attempts)
                .bind(now_millis() + backoff)
                .bind(err.to_string().chars().take(500).collect::<String>())
                .execute(pool)
                .await
                .map(|_| ()))?;
                done.failed += 1;
            }
        }
    }
    Ok(done)
}

/// Forgets messages sent more than `older_than_ms` ago.
pub async fn forget_sent(db: &Db, older_than_ms: i64) -> Result<u64, AppError> {
    Ok(on_db!(db, pool => sqlx::query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
        .bind(now_millis() - older_than_ms)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?)
}
