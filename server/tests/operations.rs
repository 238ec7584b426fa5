//! What an operator relies on: request ids, `/metrics` (off, guarded by
//! its token, and moving as requests are made), readiness while stopping,
//! and the background-job runner.

mod support;

use std::time::Duration;

use app::emotion::Emotion;
use axum::http::StatusCode;
use server::jobs::{Job, Jobs, Pass};
use support::{backends, TestApp};

const TOKEN: &str = "scrape-me-0123456789abcdef";

/// The value of one series in a scrape (0 when it is not there yet).
fn series(scrape: &str, name_and_labels: &str) -> f64 {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(name_and_labels).and_then(|rest| rest.strip_prefix(' ')))
        .map(|value| value.trim().parse().expect("a number"))
        .unwrap_or(0.0)
}

async fn scrape(app: &mut TestApp) -> String {
    let response = app.get_with("/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert!(response.header("content-type").starts_with("text/plain"), "{}", response.header("content-type"));
    response.text()
}

on_every_backend! {
    async fn every_response_carries_a_request_id(app) {
        let made = app.get("/health").await;
        let id = made.header("x-request-id").to_owned();
        assert_eq!(id.len(), 32, "a new UUIDv7, in hex: {id}");
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert_ne!(app.get("/health").await.header("x-request-id"), id, "each request has its own");

        let kept = app.get_with("/health", &[("x-request-id", "edge-42.a:b_c")]).await;
        assert_eq!(kept.header("x-request-id"), "edge-42.a:b_c", "a well-formed id from the proxy is kept");
        for hostile in ["has space", "", &"x".repeat(65), "<script>", "a/b"] {
            let replaced = app.get_with("/health", &[("x-request-id", hostile)]).await;
            let id = replaced.header("x-request-id");
            assert!(id != hostile && id.len() == 32, "{hostile:?} must be replaced, got {id:?}");
        }
        // Errors and pages have one too.
        assert_eq!(app.get("/no/such/page").await.header("x-request-id").len(), 32);
    }

    async fn metrics_are_off_without_a_token(app) {
        assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
        let with_any = app.get_with("/metrics", &[("authorization", &format!("Bearer {TOKEN}"))]).await;
        assert_eq!(with_any.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_token_and_move_with_requests() {
    for backend in backends() {
        let mut app = TestApp::start(backend, &[("METRICS_TOKEN", TOKEN)]).await;
        assert_eq!(app.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
        let wrong = app.get_with("/metrics", &[("authorization", "Bearer scrape-me-0123456789abcdeX")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.header("www-authenticate"), "Bearer realm=\"metrics\"");

        let before = scrape(&mut app).await;
        let health = r#"echoes_http_requests_total{route="/health",method="GET",status="200"}"#;
        let list = r#"echoes_http_requests_total{route="/_fn/echoes/list",method="POST",status="401"}"#;
        let made = r#"echoes_created_total"#;
        let bytes = r#"echoes_stored_bytes_total"#;
        let decoded = r#"echoes_probes_total{outcome="decoded"}"#;
        for _ in 0..3 {
            assert_eq!(app.get("/health").await.status, StatusCode::OK);
        }
        // A server function is labelled by its own path; one that does not
        // exist stays under the route's pattern (no label per made-up path).
        assert_eq!(app.call("echoes/list", &[]).await.status, StatusCode::UNAUTHORIZED);
        app.call("made/up/function", &[]).await;
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        let after = scrape(&mut app).await;

        assert!(series(&after, health) >= series(&before, health) + 3.0, "{after}");
        assert!(series(&after, list) >= series(&before, list) + 1.0, "{after}");
        assert!(!after.contains("made/up/function"), "a made-up path became a label:\n{after}");
        assert!(series(&after, made) >= series(&before, made) + 1.0, "{after}");
        assert!(series(&after, bytes) >= series(&before, bytes) + echo.size_bytes as f64, "{after}");
        assert!(series(&after, decoded) >= series(&before, decoded) + 1.0, "{after}");
        assert!(after.contains(r#"echoes_http_request_duration_seconds_bucket{route="/health",method="GET",le="0.005"}"#), "{after}");
        assert!(after.contains("echoes_probe_duration_seconds_count"), "{after}");
        assert!(series(&after, "echoes_db_pool_max_connections") == 4.0, "{after}");
        assert!(after.contains(r#"echoes_db_pool_connections{state="idle"}"#), "{after}");
        assert!(after.contains("echoes_probe_queue 0"), "{after}");
        app.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_turns_503_as_soon_as_the_server_is_stopping() {
    for backend in backends() {
        let mut app = TestApp::start(backend, &[]).await;
        assert_eq!(app.get("/ready").await.status, StatusCode::OK);
        app.state.draining.start();
        let stopping = app.get("/ready").await;
        assert_eq!(stopping.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(stopping.json::<serde_json::Value>()["status"], "stopping");
        // Still alive, and still serving what is in flight.
        assert_eq!(app.get("/health").await.status, StatusCode::OK);
        app.finish().await;
    }
}

/// A pass that fails or panics is counted and run again; items that fail
/// are counted and do not stop the pass; stop waits for a pass in progress.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_jobs_survive_failures_and_stop_cleanly() {
    let mut app = TestApp::start(support::Backend::Sqlite, &[("METRICS_TOKEN", TOKEN)]).await;
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counted = runs.clone();
    let finished = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let jobs = Jobs::start(
        &app.state,
        vec![
            Job::new("test_panics", Duration::from_millis(100), |_| async { panic!("a bug in one pass") }),
            Job::new("test_fails", Duration::from_millis(20), |_| async { anyhow::bail!("the database is away") }),
            Job::new("test_partly", Duration::from_millis(20), move |_| {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok(Pass { done: 3, failed: 1 })
                }
            }),
        ],
    );
    // Until every job has had a few passes (panics print slow backtraces).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while runs.load(std::sync::atomic::Ordering::SeqCst) < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(250)).await;
    jobs.stop(Duration::from_secs(5)).await;
    let ran = runs.load(std::sync::atomic::Ordering::SeqCst);
    assert!(ran >= 2, "passes go on after failed items: {ran}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), ran, "no pass starts after stop");

    // Stopping waits for a pass in progress, within the grace…
    let slow = |millis: u64, done: std::sync::Arc<std::sync::atomic::AtomicBool>| {
        Job::new("test_slow", Duration::from_secs(3600), move |_| {
            let done = done.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(Pass::default())
            }
        })
    };
    let jobs = Jobs::start(&app.state, vec![slow(400, finished.clone())]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    jobs.stop(Duration::from_secs(5)).await;
    assert!(finished.load(std::sync::atomic::Ordering::SeqCst), "stop waits for the pass in progress");
    // …and no longer.
    let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let jobs = Jobs::start(&app.state, vec![slow(30_000, cut.clone())]);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopping = std::time::Instant::now();
    jobs.stop(Duration::from_millis(200)).await;
    assert!(stopping.elapsed() < Duration::from_secs(2), "{:?}", stopping.elapsed());
    assert!(!cut.load(std::sync::atomic::Ordering::SeqCst));

    let scraped = scrape(&mut app).await;
    assert!(series(&scraped, r#"echoes_job_runs_total{job="test_panics",outcome="failed"}"#) >= 2.0, "{scraped}");
    assert!(series(&scraped, r#"echoes_job_runs_total{job="test_fails",outcome="failed"}"#) >= 2.0, "{scraped}");
    assert!(series(&scraped, r#"echoes_job_runs_total{job="test_partly",outcome="partial"}"#) >= 2.0, "{scraped}");
    assert!(series(&scraped, r#"echoes_job_items_total{job="test_partly",outcome="done"}"#) >= 6.0, "{scraped}");
    assert!(series(&scraped, r#"echoes_job_items_total{job="test_partly",outcome="failed"}"#) >= 2.0, "{scraped}");
    assert!(series(&scraped, r#"echoes_job_runs_total{job="test_slow",outcome="ok"}"#) == 1.0, "{scraped}");
    app.finish().await;
}
