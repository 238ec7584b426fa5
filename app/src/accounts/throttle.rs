//! Sign-in throttling, in the database so every replica sees the same
//! counts.
//!
//! - Failed log-ins are counted per account and per client address, within
//!   a window of `LOGIN_BLOCK_SECONDS`. Past half the limit each failure is
//!   answered more slowly (1 s, 2 s, … up to 5 s); at the limit the account
//!   (or address) is refused with 429 and `Retry-After` until the block
//!   wears off. A block never lasts longer than `LOGIN_BLOCK_SECONDS`, so
//!   nobody can be locked out for good. A successful log-in clears the
//!   account's count.
//! - Sign-ups are counted per address per hour.
//!
//! Unknown emails are counted like real ones, so the answers tell nothing
//! about which accounts exist.

use std::time::Duration;

use crate::error::{AppError, ErrorCode};
use crate::infra::client_ip::ClientIp;
use crate::infra::config::AbuseLimits;
use crate::infra::db::{now_millis, Db};
use crate::on_db;

use super::Email;

/// One counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket(String);

impl Bucket {
    pub fn login_account(email: &str) -> Bucket {
        Bucket(format!("login-account:{email}"))
    }

    pub fn login_address(ip: ClientIp) -> Bucket {
        Bucket(format!("login-address:{ip}"))
    }

    /// Wrong second-step codes (authenticator, recovery or sign-in code)
    /// for one account, whichever form or API they came through.
    pub fn codes_account(user_id: uuid::Uuid) -> Bucket {
        Bucket(format!("codes-account:{user_id}"))
    }

    pub fn sign_up_address(ip: ClientIp) -> Bucket {
        Bucket(format!("signup-address:{ip}"))
    }
}

/// The 429 for a blocked bucket.
fn blocked(retry_after_ms: i64, message: &str) -> AppError {
    let secs = (retry_after_ms.max(0) as u64).div_ceil(1000).max(1);
    let wait = crate::display::human_duration(if secs > 60 { secs.div_ceil(60) * 60 } else { secs });
    AppError::new(ErrorCode::TooManyRequests, format!("{message} Try again in {wait}.")).retry_after(secs)
}

/// How long until `buckets` may be used again; `None` when none is blocked.
async fn blocked_for(db: &Db, buckets: &[&Bucket], now: i64) -> Result<Option<i64>, AppError> {
    let mut longest: Option<i64> = None;
    for bucket in buckets {
        let until: Option<i64> = on_db!(db, pool => sqlx::query_scalar(
            "SELECT blocked_until FROM auth_throttle WHERE bucket = $1 AND blocked_until > $2",
        )
        .bind(&bucket.0)
        .bind(now)
        .fetch_optional(pool)
        .await)?;
        if let Some(until) = until {
            longest = Some(longest.unwrap_or(0).max(until - now));
        }
    }
    Ok(longest)
}

/// Counts one hit in `bucket`'s current window (a new window once the old
/// one is over) and returns the count, blocking the bucket for the rest of
/// the window once it reaches `max`.
async fn hit(db: &Db, bucket: &Bucket, max: i64, window: Duration, now: i64) -> Result<i64, AppError> {
    let window_ms = window.as_millis() as i64;
    let hits: i64 = on_db!(db, pool => sqlx::query_scalar(
        "INSERT INTO auth_throttle (bucket, hits, window_started_at, blocked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN auth_throttle.window_started_at <= $3 THEN 1 ELSE auth_throttle.hits + 1 END, \
           window_started_at = CASE WHEN auth_throttle.window_started_at <= $3 THEN $2 \
                                    ELSE auth_throttle.window_started_at END \
         RETURNING hits",
    )
    .bind(&bucket.0)
    .bind(now)
    .bind(now - window_ms)
    .fetch_one(pool)
    .await)?;
    if hits >= max {
        // Blocked for one window from now; counting starts afresh after it.
        on_db!(db, pool => sqlx::query(
            "UPDATE auth_throttle SET blocked_until = $2, hits = 0, window_started_at = $2 WHERE bucket = $1",
        )
        .bind(&bucket.0)
        .bind(now + window_ms)
        .execute(pool)
        .await
        .map(|_| ()))?;
    }
    Ok(hits)
}

/// Refuses a log-in attempt while its account or address is blocked.
pub async fn check_log_in(db: &Db, email: Option<&Email>, ip: ClientIp) -> Result<(), AppError> {
    let address = Bucket::login_address(ip);
    let account = email.map(|e| Bucket::login_account(e.as_str()));
    let buckets: Vec<&Bucket> = std::iter::once(&address).chain(account.as_ref()).collect();
    match blocked_for(db, &buckets, now_millis()).await? {
        Some(wait) => Err(blocked(wait, "Too many failed log-ins.")),
        None => Ok(()),
    }
}

/// Counts a failed log-in; returns how long to hold the answer back.
pub async fn failed_log_in(
    db: &Db,
    limits: &AbuseLimits,
    email: Option<&Email>,
    ip: ClientIp,
) -> Result<Duration, AppError> {
    let now = now_millis();
    let window = Duration::from_secs(limits.login_block_secs);
    let by_address = hit(db, &Bucket::login_address(ip), limits.login_max_failures_per_address, window, now).await?;
    let by_account = match email {
        Some(email) => hit(db, &Bucket::login_account(email.as_str()), limits.login_max_failures, window, now).await?,
        None => 0,
    };
    let over_half = |hits: i64, max: i64| (hits - max / 2 + 1).max(0);
    let slow = over_half(by_account, limits.login_max_failures)
        .max(over_half(by_address, limits.login_max_failures_per_address))
        .min(5);
    Ok(Duration::from_secs(slow as u64))
}

/// A successful log-in clears its account's failures.
pub async fn succeeded_log_in(db: &Db, email: &Email) -> Result<(), AppError> {
    on_db!(db, pool => sqlx::query("DELETE FROM auth_throttle WHERE bucket = $1")
        .bind(&Bucket::login_account(email.as_str()).0)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Refuses a one-time code for `user_id` while too many wrong ones were
/// tried: the same limits as failed log-ins.
pub async fn check_codes(db: &Db, user_id: uuid::Uuid) -> Result<(), AppError> {
    match blocked_for(db, &[&Bucket::codes_account(user_id)], now_millis()).await? {
        Some(wait) => Err(blocked(wait, "Too many wrong codes.")),
        None => Ok(()),
    }
}

/// Counts a wrong code; returns how long to hold the answer back.
pub async fn failed_code(db: &Db, limits: &AbuseLimits, user_id: uuid::Uuid) -> Result<Duration, AppError> {
    let window = Duration::from_secs(limits.login_block_secs);
    let hits = hit(db, &Bucket::codes_account(user_id), limits.login_max_failures, window, now_millis()).await?;
    Ok(Duration::from_secs((hits - limits.login_max_failures / 2 + 1).clamp(0, 5) as u64))
}

/// Counts a sign-up from `ip`; refuses it past the hourly limit.
pub async fn sign_up(db: &Db, limits: &AbuseLimits, ip: ClientIp) -> Result<(), AppError> {
    let bucket = Bucket::sign_up_address(ip);
    let now = now_millis();
    if let Some(wait) = blocked_for(db, &[&bucket], now).await? {
        return Err(blocked(wait, "Too many sign-ups from your network."));
    }
    // The limit-th sign-up is allowed, and blocks the next ones.
    hit(db, &bucket, limits.signups_per_address_per_hour, Duration::from_secs(3600), now).await?;
    Ok(())
}

/// Counts a request in the bucket `name` and refuses it (429, `message`)
/// once there were `max` within `window` — for mail a visitor can make
/// Echoes send (password resets, new verification links).
pub async fn limit(db: &Db, name: String, max: i64, window: Duration, message: &str) -> Result<(), AppError> {
    let bucket = Bucket(name);
    let now = now_millis();
    if let Some(wait) = blocked_for(db, &[&bucket], now).await? {
        return Err(blocked(wait, message));
    }
    hit(db, &bucket, max, window, now).await?;
    Ok(())
}

/// Removes counters whose window and block are long over.
pub async fn forget_old(db: &Db, older_than: Duration) -> Result<u64, AppError> {
    let cutoff = now_millis() - older_than.as_millis() as i64;
    let removed = on_db!(db, pool => sqlx::query(
        "DELETE FROM auth_throttle WHERE window_started_at < $1 AND blocked_until < $1",
    )
    .bind(cutoff)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(removed)
}

/// The client address of the request being served (set by the
/// `client_ip::remember` middleware).
pub fn request_client_ip() -> ClientIp {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().copied())
        .unwrap_or(ClientIp(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)))
}
