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
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
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

/// Answers any operation may give, documented on each: a request that
/// cannot be read, the rate limit, a dependency down; and for those with a
/// body, one too large, of the wrong type, or with an invalid field.
fn add_shared_responses(doc: &mut utoipa::openapi::OpenApi) {
    let error = |description: &str| -> RefOr<Response> {
        ResponseBuilder::new()
            .description(description)
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
            .build()
            .into()
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
        for operation in operations.into_iter().flatten() {
            let has_body = operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            let mut add = |status: &str, description: &str| {
                responses.entry(status.to_owned()).or_insert_with(|| error(description));
            };
            add("400", "The request could not be read (a malformed id, body or cursor)");
            add("429", "Too many requests from this address; retry after `Retry-After`");
            add("503", "Busy, or the database or storage is unreachable; retry after `Retry-After`");
            if has_body {
                add("413", "The body is larger than allowed");
                add("415", "The body is not of the documented type");
                add("422", "A field is invalid (`field` names it)");
            }
        }
    }
}

/// The limits that depend on configuration, written into the document.
fn add_upload_limits(doc: &mut utoipa::openapi::OpenApi, max_audio_bytes: u64) {
    use utoipa::openapi::schema::Schema;
    let Some(components) = doc.components.as_mut() else { return };
    if let Some(RefOr::T(Schema::Object(upload))) = components.schemas.get_mut("UploadRequest") {
        if let Some(RefOr::T(Schema::Object(size))) = upload.properties.get_mut("size") {
            size.maximum = Some(utoipa::Number::UInt(max_audio_bytes as usize));
        }
        if let Some(RefOr::T(Schema::Object(kind))) = upload.properties.get_mut("content_type") {
            kind.pattern = Some(app::echoes::format::AudioFamily::declared_pattern());
        }
    }
}

/// The API's routes and its OpenAPI document, built together so they
/// cannot disagree.
fn routes(max_upload_body: usize, max_audio_bytes: u64) -> (Router<AppState>, utoipa::openapi::OpenApi) {
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
    add_shared_responses(&mut doc);
    add_upload_limits(&mut doc, max_audio_bytes);
    let router = json_routes.merge(upload_route).fallback(error::not_found);
    (router, doc)
}

/// `/api/v1/…` and the OpenAPI document at `/api/v1/openapi.json`.
pub fn router(max_upload_body: usize, max_audio_bytes: u64) -> Router<AppState> {
    let (api, doc) = routes(max_upload_body, max_audio_bytes);
    api.route("/openapi.json", get(move || async move { axum::Json(doc) }))
}
