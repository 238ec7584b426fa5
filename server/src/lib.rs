//! The Echoes server: builds the [`AppState`] from configuration and
//! assembles the axum router — Leptos pages and server functions, the upload
//! and audio endpoints, sessions, tracing. `main.rs` serves it; the
//! integration tests drive the very same router.

pub mod health;
pub mod server_fn_status;
pub mod session_store;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::cors::CorsLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::echoes::probe::{ProbeLimits, Prober};
use app::echoes::{
    audio::serve_audio,
    upload::{upload_echo, FORM_OVERHEAD_BYTES},
};
use app::infra::config::Config;
use app::infra::db::Db;
use app::infra::state::AppState;
use app::infra::storage::{LocalDisk, S3Storage, Storage};
use app::{shell, App};
use session_store::DbSessionStore;

/// Connects to the database (applying migrations), opens storage, and
/// prepares the password hasher.
pub async fn build_state(config: Config, leptos_options: LeptosOptions) -> anyhow::Result<AppState> {
    let db = Db::connect(&config.database_url, config.database_max_connections).await?;
    db.migrate().await?;
    let storage = match &config.s3 {
        Some(s3) => {
            let storage = Storage::S3(S3Storage::connect(s3).await?);
            tracing::info!(bucket = %s3.bucket, endpoint = s3.endpoint.as_deref().unwrap_or("AWS"), "audio is kept in S3");
            storage
        }
        None => Storage::Local(LocalDisk::new(&config.audio_storage_path)?),
    };
    let passwords = app::accounts::password_hash::PasswordHasher::new().await?;
    let prober = Prober::new(probe_limits(&config)?);
    Ok(AppState { leptos_options, config: Arc::new(config), db, storage, passwords, prober })
}

/// The probe runs this binary (or `PROBE_EXECUTABLE`) under the configured limits.
fn probe_limits(config: &Config) -> anyhow::Result<ProbeLimits> {
    let settings = &config.probe;
    let program = match &settings.executable {
        Some(path) => path.clone(),
        None => std::env::current_exe()?,
    };
    Ok(ProbeLimits {
        program,
        max_audio_secs: settings.max_audio_secs,
        memory_mb: settings.memory_mb,
        timeout: Duration::from_secs(settings.timeout_secs),
        concurrency: settings.concurrency,
        queue: settings.concurrency * 4,
    })
}

/// The whole HTTP surface of Echoes.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let session_store = DbSessionStore::new(&state.db);
    let sessions = SessionManagerLayer::new(session_store)
        .with_name("echoes_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::days(config.session_ttl_days)));

    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let upload_body_limit = usize::try_from(config.max_audio_file_size + FORM_OVERHEAD_BYTES).unwrap_or(usize::MAX);

    Router::new()
        .route("/echoes", post(upload_echo).layer(DefaultBodyLimit::max(upload_body_limit)))
        .route("/echoes/{id}/audio", get(serve_audio))
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(axum::middleware::from_fn(server_fn_status::set_error_status))
        .layer(sessions)
        .layer(cors(&config))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Cross-origin API access for the configured origins only (none by default).
fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT])
        .allow_credentials(true)
        .max_age(Duration::from_secs(3600))
}

/// Sweeps direct uploads never completed (object and record) a few times per
/// TTL, for as long as the server runs. Each replica sweeps; a record is
/// removed once, so they do not step on each other.
pub fn spawn_upload_sweeper(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    let ttl_secs = state.config.pending_upload_ttl_secs;
    let every = Duration::from_secs((ttl_secs / 4).clamp(10, 600));
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            let cutoff = app::infra::db::now_millis() - (ttl_secs as i64) * 1000;
            match app::echoes::pending::sweep_abandoned(&state.db, &state.storage, cutoff).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(swept = n, "removed abandoned uploads"),
                Err(err) => tracing::warn!(error = %err, "upload sweep failed; will retry"),
            }
        }
    })
}

/// Deletes expired sessions every hour, for as long as the server runs.
pub fn spawn_session_cleanup(state: &AppState) -> tokio::task::JoinHandle<()> {
    use tower_sessions::session_store::ExpiredDeletion;
    let store = DbSessionStore::new(&state.db);
    tokio::spawn(async move {
        if let Err(err) = store.continuously_delete_expired(Duration::from_secs(3600)).await {
            tracing::error!(error = %err, "session cleanup stopped");
        }
    })
}
