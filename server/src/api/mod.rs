//! The public JSON API, `/api/v1`: JSON in and out, errors as
//! `{"error": {"code", "message", "field"?}}`, signed in by bearer token
//! (or the browser's session cookie). Its OpenAPI 3.1 document is built
//! from these handlers (utoipa) and served at `/api/v1/openapi.json`, with
//! Swagger UI at `/docs`.
//!
//! Handlers are thin: they parse input into domain types and call the
//! service functions the pages call too.

pub mod admin;
pub mod auth;
pub mod echoes;
pub mod error;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use app::infra::state::AppState;

/// JSON bodies are small: a 5000-character note fits many times over.
pub const MAX_JSON_BODY: usize = 64 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Echoes API",
        description = "Capture moments as sound: upload or record audio, tag it with an emotion, \
                       and come back to it later.\n\n\
                       Sign in with `POST /api/v1/auth/login` (or make a personal access token on \
                       your account page) and send `Authorization: Bearer <token>`.",
        version = "1.0.0",
        license(name = "MIT")
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and log-in"),
        (name = "tokens", description = "Personal access tokens"),
        (name = "echoes", description = "Echoes and their audio"),
        (name = "admin", description = "Administering accounts (admins only)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An access token from log-in or refresh, or a personal access token."))
                    .build(),
            ),
        );
    }
}

/// The API's routes and its OpenAPI document, built together so they
/// cannot disagree.
pub fn routes(max_upload_body: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (json_routes, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::refresh))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me, auth::update_me))
        .routes(routes!(auth::list_tokens, auth::create_token))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(echoes::list))
        .routes(routes!(echoes::start_upload))
        .routes(routes!(echoes::complete_upload))
        .routes(routes!(echoes::random))
        .routes(routes!(echoes::get, echoes::update, echoes::delete))
        .routes(routes!(echoes::audio))
        .routes(routes!(admin::list_users))
        .routes(routes!(admin::update_user, admin::delete_user))
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY))
        .split_for_parts();
    let (upload_route, upload_doc) = OpenApiRouter::new()
        .routes(routes!(echoes::upload))
        .layer(DefaultBodyLimit::max(max_upload_body))
        .split_for_parts();
    // `POST /echoes` shares its path with `GET /echoes`.
    doc.merge(upload_doc);
    let router = json_routes.merge(upload_route).fallback(error::not_found);
    (router, doc)
}

/// `/api/v1/…` and the OpenAPI document at `/api/v1/openapi.json`.
pub fn router(max_upload_body: usize) -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (api, doc) = routes(max_upload_body);
    let json = doc.clone();
    let router = api.route("/openapi.json", get(move || async move { axum::Json(json) }));
    (router, doc)
}
