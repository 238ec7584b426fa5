//! The Echoes server: builds the [`AppState`] from configuration and
//! assembles the axum router — Leptos pages and server functions, the upload
//! and audio endpoints, sessions, tracing. `main.rs` serves it; the
//! integration tests drive the very same router.

pub mod api;
pub mod cli;
pub mod docs;
pub mod health;
pub mod jobs;
pub mod metrics;
pub mod middleware;
pub mod serve;
pub mod session_store;
pub mod startup;
pub mod allocator;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum::{Extension, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::CorsLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::accounts::current_user::SessionCookieReader;
use app::accounts::{oauth, session};
use app::echoes::probe::{ProbeLimits, Prober};
use app::echoes::{
    audio::serve_audio,
    upload::{upload_echo, FORM_OVERHEAD_BYTES},
};
use app::infra::config::Config;
use app::infra::db::Db;
use app::infra::state::{AppState, Services};
use app::infra::storage::{LocalDisk, S3Storage, Storage};
use app::infra::{client_ip, security_headers};
use app::{shell, App};
use middleware::csrf::{self, SameOrigin};
use middleware::request_id::{self, RequestId};
use middleware::{error_log, rate_limit, server_fn_body_limit, server_fn_status};
use session_store::DbSessionStore;

/// Connects to the database (applying migrations), opens storage, and
/// prepares the password hasher. `lock`: the SQLite instance lock, when
/// this process holds it (see `startup`).
pub async fn build_state(
    config: Config,
    leptos_options: LeptosOptions,
    lock: Option<&startup::InstanceLock>,
) -> anyhow::Result<AppState> {
    let db = Db::connect(&config.database_url, config.database_max_connections).await?;
    db.migrate().await?;
    let instance = app::infra::instance::Instance::start(&db, lock.is_some()).await?;
    let storage = match &config.s3 {
        Some(s3) => {
            let storage = Storage::S3(S3Storage::connect(s3).await?);
            tracing::info!(bucket = %s3.bucket, endpoint = s3.endpoint.as_deref().unwrap_or("AWS"), "audio is kept in S3");
            storage
        }
        None => Storage::Local(LocalDisk::new(&config.audio_storage_path)?),
    };
    let passwords = app::accounts::password_hash::PasswordHasher::new(config.limits.password_hash_concurrency).await?;
    let prober = Prober::new(probe_limits(&config)?);
    let providers = app::accounts::oauth::providers::Providers::new(&config.oauth_providers);
    if !config.oauth_providers.is_empty() {
        tracing::info!(providers = ?providers, "sign-in providers");
    }
    let mailer = app::infra::mail::Mailer::new(&config.mail)?;
    tracing::info!(mailer = ?mailer, "mail goes to");
    let sms = app::infra::sms::SmsSender::new(&config.sms).await?;
    tracing::info!(sms = ?sms, "text messages go to");
    let recent = Default::default();
    Ok(AppState::new(Services {
        leptos_options,
        config: Arc::new(config),
        db,
        storage,
        passwords,
        prober,
        providers,
        mailer,
        sms,
        recent,
        draining: Default::default(),
        instance,
    }))
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

/// The whole HTTP surface of Echoes, with its layers. A request passes
/// them top to bottom (the code lists them innermost first):
/// metrics → request id → tracing span (with the id and matched route) → internal-error log → security
/// headers → client address → rate limit → CSRF → server-function body
/// limit → body timeout → CORS → session → session lifetime → a slot for
/// the caller → server-function status → the route. The players' audio
/// route stops after the rate limit (see `app::echoes::audio`); the static
/// assets under `/pkg/` before it.
pub fn router(state: AppState) -> Router {
    router_with_routes(state, page_routes())
}

/// The pages' routes, as Leptos works them out by rendering the app once.
/// While it does, resources that start loading anywhere in the process hang
/// (leptos-rs/leptos#4773): do it before serving, never while pages render.
pub fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    generate_route_list(App)
}

/// [`router`] with the page routes worked out already (the tests share one list).
pub fn router_with_routes(state: AppState, routes: Vec<leptos_axum::AxumRouteListing>) -> Router {
    let config = state.config.clone();
    let session_store = DbSessionStore::new(&state.db, &state.recent);
    let session_cookie = session::cookie_name(config.secure_cookies());
    let idle = time::Duration::try_from(config.sessions.idle_timeout).unwrap_or(time::Duration::days(14));
    let sessions = SessionManagerLayer::new(session_store.clone())
        .with_name(session_cookie)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));

    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let upload_body_limit = usize::try_from(config.max_audio_file_size + FORM_OVERHEAD_BYTES).unwrap_or(usize::MAX);
    let same_origin =
        Arc::new(SameOrigin { public_origin: config.public_url.clone(), trusted_origins: config.cors_origins.clone() });

    let api_routes = api::router(upload_body_limit, config.max_audio_file_size);
    let router = Router::new()
        .route("/echoes", post(upload_echo).layer(DefaultBodyLimit::max(upload_body_limit)))
        .route("/auth/{provider}/start", get(oauth::flow::start))
        .route("/auth/{provider}/callback", get(oauth::flow::callback))
        .route("/account/export", get(app::accounts::export::download))
        .nest("/api/v1", api_routes)
        .merge(docs::router())
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(metrics::scrape))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .layer(from_fn(server_fn_status::set_error_status))
        .layer(from_fn(app::accounts::current_user::remember_caller))
        .layer(from_fn_with_state(config.sessions, session::enforce_lifetime))
        .layer(sessions)
        .layer(cors(&config))
        .layer(RequestBodyTimeoutLayer::new(Duration::from_secs(config.request_timeout_secs)))
        .layer(from_fn(server_fn_body_limit::limit))
        .layer(from_fn_with_state(same_origin, csrf::refuse_cross_site))
        // A player fetches range after range: the audio skips the layers
        // above (sessions, CSRF, CORS, body limits) and reads the session
        // cookie itself; the rate limit and the layers below still apply.
        .route(
            "/echoes/{id}/audio",
            get(serve_audio).layer(Extension(SessionCookieReader::new(session_cookie, session_store))),
        );
    // The scripts, WASM chunks and styles are static: a first visit fetches
    // a dozen at once, more than a burst allows. They are served before the
    // rate limit and the session, straight from disk (precompressed).
    let assets = leptos_axum::site_pkg_dir_service(&state.leptos_options);
    let router = rate_limit::apply(router, &config.limits)
        .route_service(&leptos_axum::site_pkg_dir_service_route_path(&state.leptos_options), assets)
        .layer(from_fn_with_state(Arc::new(config.trusted_proxies.clone()), client_ip::remember))
        .layer(from_fn_with_state(config.secure_cookies(), security_headers::add))
        .layer(from_fn(error_log::log_internal_errors))
        .layer(compression())
        // Failures are not logged here: a 503 under load is expected, and
        // internal errors are logged once, with their cause, by error_log.
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_failure(()))
        .layer(from_fn(request_id::assign));
    // Counting costs a little on every request: only when someone scrapes.
    let router = if config.metrics_token.is_some() && metrics::handle().is_some() {
        router.layer(from_fn_with_state(metrics::KnownPaths::server_functions(), metrics::count_requests))
    } else {
        router
    };
    router.with_state(state)
}

/// Pages, scripts, styles, the WASM and JSON go out compressed (brotli or
/// gzip, as the browser accepts) at a fast level; audio, archives and raw
/// bytes never are (they are compressed already, and a Range answer must be
/// exactly the bytes asked for).
fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new()
        .and(NotForContentType::const_new("audio/"))
        .and(NotForContentType::const_new("video/"))
        .and(NotForContentType::const_new("application/ogg"))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/octet-stream"));
    CompressionLayer::new().quality(CompressionLevel::Precise(4)).compress_when(predicate)
}

/// Each request's span names its id and matched route, so every log line
/// in it (internal errors included) says which request and where.
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or("(fallback)");
    let id = request.extensions().get::<RequestId>().map(RequestId::as_str).unwrap_or_default();
    // The route's pattern, never the raw path: ids, tokens in links and
    // whatever a client makes up stay out of the logs.
    tracing::info_span!("request", id, method = %request.method(), route)
}

/// Cross-origin API access for the configured origins only (none by default).
fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT, header::AUTHORIZATION, header::RANGE])
        .allow_credentials(true)
        .max_age(Duration::from_secs(3600))
}
