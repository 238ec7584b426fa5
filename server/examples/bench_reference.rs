//! The bare reference `scripts/bench/budgets.sh` measures Echoes against:
//! axum + sqlx, no sessions, no middleware.
//!
//! - `GET /list?emotion=calm` runs the very query "my echoes, one emotion"
//!   runs (`app::echoes::rows::list_page`, 20 rows) for `BENCH_USER_ID`
//!   and answers the rows as JSON;
//! - `PUT /upload` streams the body to a file in `BENCH_UPLOAD_DIR`, fsyncs
//!   it, and answers 201: the floor for an upload.
//!
//! Configured by `DATABASE_URL`, `BENCH_USER_ID`, `BENCH_UPLOAD_DIR` and
//! `BENCH_ADDR`; the pool has as many connections as Echoes' default.

use std::path::PathBuf;

use app::echoes::{EchoFilter, PageSize};
use app::echoes::rows;
use app::emotion::Emotion;
use app::infra::db::Db;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

#[derive(Clone)]
struct Reference {
    db: Db,
    user_id: uuid::Uuid,
    upload_dir: PathBuf,
}

#[derive(serde::Deserialize)]
struct ListQuery {
    emotion: String,
}

async fn list(State(r): State<Reference>, Query(q): Query<ListQuery>) -> Response {
    let Ok(emotion) = Emotion::parse(&q.emotion) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let filter = EchoFilter { emotion: Some(emotion), tag: None };
    match rows::list_page(&r.db, r.user_id, &filter, None, PageSize::DEFAULT.fetch_limit()).await {
        Ok(rows) => {
            let echoes: Result<Vec<_>, _> = rows.into_iter().map(rows::EchoRow::into_echo).collect();
            match echoes {
                Ok(echoes) => Json(echoes).into_response(),
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
            }
        }
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

async fn upload(State(r): State<Reference>, body: Body) -> Response {
    let path = r.upload_dir.join(uuid::Uuid::new_v4().to_string());
    let result = async {
        let mut file = tokio::fs::File::create(&path).await?;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk.map_err(std::io::Error::other)?).await?;
        }
        file.sync_all().await
    }
    .await;
    let _ = tokio::fs::remove_file(&path).await;
    match result {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let env = |name: &str| std::env::var(name).map_err(|_| anyhow::anyhow!("set {name}"));
    let db = Db::connect(&env("DATABASE_URL")?, 10).await?;
    let reference =
        Reference { db, user_id: env("BENCH_USER_ID")?.parse()?, upload_dir: PathBuf::from(env("BENCH_UPLOAD_DIR")?) };
    let app = Router::new()
        .route("/list", get(list))
        .route("/upload", put(upload))
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(reference);
    let listener = tokio::net::TcpListener::bind(env("BENCH_ADDR")?).await?;
    // The same TCP_NODELAY Echoes sets on its connections.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await?;
    Ok(())
}
