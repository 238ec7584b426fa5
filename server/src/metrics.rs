//! Prometheus metrics at `/metrics`, for whoever runs Echoes. Off unless
//! `METRICS_TOKEN` is set; then a scrape must bring it as a bearer token
//! (metrics say how busy the instance is and which routes fail: not for the
//! public).
//!
//! The recorder is installed when the router is built with a token; until
//! then the `metrics` macros do nothing. Counters and histograms are
//! recorded where things happen, with the
//! `metrics` macros (requests here; uploads and decoding in the app crate;
//! jobs in `crate::jobs`). Readings — the database pool, the decoding and
//! hashing queues — are taken at scrape time.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use app::infra::state::AppState;

/// Latency buckets, in seconds: from a cached page to a long upload.
const BUCKETS: [f64; 14] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use. There is one per
/// process: every router in it (the tests build many) records into it.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .as_ref()
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!("echoes_http_requests_total", "Requests answered, by route, method and status.");
    describe_histogram!(
        "echoes_http_request_duration_seconds",
        Unit::Seconds,
        "Time from a request's arrival to its response's headers, by route and method."
    );
    describe_counter!("echoes_created_total", "Echoes created (uploads, recordings and direct uploads).");
    describe_counter!("echoes_stored_bytes_total", "Bytes of audio kept for the echoes created.");
    describe_counter!("echoes_probes_total", "Uploads decoded in the sandbox, by outcome.");
    describe_histogram!("echoes_probe_duration_seconds", Unit::Seconds, "Time to decode one upload in the sandbox.");
    describe_gauge!("echoes_probe_queue", "Uploads waiting for a decoding slot.");
    describe_gauge!("echoes_probe_running", "Uploads being decoded.");
    describe_gauge!("echoes_db_pool_connections", "Database connections, by state (idle, in_use).");
    describe_gauge!("echoes_db_pool_max_connections", "The most connections the pool may open.");
    describe_counter!("echoes_job_runs_total", "Background job passes, by job and outcome (ok, partial, failed).");
    describe_counter!("echoes_job_items_total", "Items background jobs handled, by job and outcome (done, failed).");
    describe_histogram!("echoes_job_duration_seconds", Unit::Seconds, "Time one background job pass took.");
    describe_gauge!("echoes_job_last_success_timestamp_seconds", "When each job last finished a pass with no failure.");
}

/// The routes whose own path is a fine label: registered server functions
/// (all of them match one axum route, `/_fn/{*fn_name}`). Any other path
/// there — whatever a client makes up — stays under the route's pattern.
#[derive(Clone)]
pub struct KnownPaths(Arc<HashSet<String>>);

impl KnownPaths {
    pub fn server_functions() -> KnownPaths {
        KnownPaths(Arc::new(leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect()))
    }
}

/// Counts and times every request. Routes are labelled by their pattern
/// (`/echoes/{id}`), never by the raw path, so a client cannot mint labels.
pub async fn count_requests(State(known): State<KnownPaths>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let route = match request.extensions().get::<MatchedPath>() {
        _ if known.0.contains(path) => path.to_owned(),
        Some(matched) => matched.as_str().to_owned(),
        None => "(unmatched)".to_owned(),
    };
    let method = match *request.method() {
        Method::GET | Method::HEAD | Method::POST | Method::PUT | Method::PATCH | Method::DELETE | Method::OPTIONS => {
            request.method().as_str().to_owned()
        }
        _ => "other".to_owned(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("echoes_http_request_duration_seconds", "route" => route.clone(), "method" => method.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("echoes_http_requests_total", "route" => route, "method" => method, "status" => status)
        .increment(1);
    response
}

/// `GET /metrics`: 404 when metrics are off, 401 without the right token.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = state.config.metrics_token.as_deref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !app::infra::secrets::constant_time_eq(given.trim().as_bytes(), token.as_bytes()) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")]).into_response();
    }
    let Some(handle) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics recorder unavailable").into_response();
    };
    take_readings(&state);
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

/// Gauges that are a reading of now.
fn take_readings(state: &AppState) {
    let pool = state.db.pool_stats();
    metrics::gauge!("echoes_db_pool_connections", "state" => "idle").set(pool.idle as f64);
    metrics::gauge!("echoes_db_pool_connections", "state" => "in_use").set(pool.open.saturating_sub(pool.idle) as f64);
    metrics::gauge!("echoes_db_pool_max_connections").set(pool.max as f64);
    metrics::gauge!("echoes_probe_queue").set(state.prober.queue_length() as f64);
    metrics::gauge!("echoes_probe_running").set(state.prober.running() as f64);
}
