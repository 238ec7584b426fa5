//! A per-client rate limit on every route (tower_governor's token bucket,
//! keyed by the client address that `client_ip::remember` worked out, so
//! `TRUSTED_PROXIES` decides whether `X-Forwarded-For` counts). Over the
//! limit the answer is 429 with `Retry-After`.

use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use axum::response::{IntoResponse, Response};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use app::error::{AppError, ErrorCode};
use app::infra::client_ip::ClientIp;
use app::infra::config::AbuseLimits;
use app::infra::state::AppState;
use axum::Router;

#[derive(Clone, Copy, Debug)]
pub struct ByClientIp;

impl KeyExtractor for ByClientIp {
    type Key = ClientIp;

    fn extract<T>(&self, request: &Request<T>) -> Result<ClientIp, GovernorError> {
        request.extensions().get::<ClientIp>().copied().ok_or(GovernorError::UnableToExtractKey)
    }
}

fn refusal(error: GovernorError) -> Response {
    match error {
        GovernorError::TooManyRequests { wait_time, .. } => AppError::new(
            ErrorCode::TooManyRequests,
            "You are sending requests too quickly. Please slow down and try again in a moment.",
        )
        .retry_after(wait_time)
        .into_response(),
        other => AppError::internal("rate limit", other.to_string()).into_response(),
    }
}

/// Wraps `router` in the limit, and starts a task that forgets idle
/// clients every minute so the table of addresses cannot grow unbounded.
pub fn apply(router: Router<AppState>, limits: &AbuseLimits) -> Router<AppState> {
    let Some(config) = GovernorConfigBuilder::default()
        .period(Duration::from_nanos(1_000_000_000 / limits.rate_per_second.max(1)))
        .burst_size(limits.rate_burst.max(1))
        .key_extractor(ByClientIp)
        .finish()
    else {
        // Only a zero period or burst, which configuration never allows.
        tracing::error!("rate limit misconfigured; not applied");
        return router;
    };
    let limiter = config.limiter().clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    });
    router.layer(GovernorLayer::<_, _, Body>::new(config).error_handler(refusal))
}
