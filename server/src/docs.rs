//! `/docs`: Swagger UI for the JSON API, its assets inside the binary
//! (utoipa-swagger-ui's `vendored` Swagger UI: nothing is fetched at build
//! or run time), reading `/api/v1/openapi.json`.
//!
//! Swagger UI sets inline styles as it renders, so its pages get a policy
//! of their own: our scripts only, styles inline allowed, nothing from
//! another origin.

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa_swagger_ui::{Config, SwaggerUi};

use app::infra::state::AppState;

pub const DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

pub fn router() -> Router<AppState> {
    let ui = SwaggerUi::new("/docs")
        .config(Config::new(["/api/v1/openapi.json"]).try_it_out_enabled(true).persist_authorization(false));
    Router::from(ui).layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_POLICY),
    ))
}
