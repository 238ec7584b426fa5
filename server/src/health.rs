//! `/health` (the process is up) and `/ready` (database and storage answer,
//! and the server is not stopping).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use app::infra::state::AppState;

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    // Stopping: the load balancer should send new requests elsewhere now.
    if state.draining.is_on() {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "stopping" })));
    }
    let database = state.db.ping().await.map_err(|e| e.to_string());
    let storage = state.storage.ping().await.map_err(|e| e.to_string());
    let ok = database.is_ok() && storage.is_ok();
    if let Err(e) = &database {
        tracing::warn!(error = %e, "database not ready");
    }
    if let Err(e) = &storage {
        tracing::warn!(error = %e, "storage not ready");
    }
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |r: &Result<(), String>| if r.is_ok() { "ok" } else { "unavailable" };
    (
        status,
        Json(
            json!({ "status": if ok { "ok" } else { "unavailable" }, "database": word(&database), "storage": word(&storage) }),
        ),
    )
}
