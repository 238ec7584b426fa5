//! The integration-test harness: the real router against a fresh database
//! (SQLite, and PostgreSQL when `TEST_DATABASE_URL` is set) and a temporary
//! storage folder, so each test reads as a story:
//!
//! ```ignore
//! on_every_backend! {
//!     async fn a_user_can_upload(app) {
//!         app.signed_up("ada@example.org").await;
//!         let echo = app.uploaded_echo(Emotion::Calm).await;
//!     }
//! }
//! ```

#![allow(dead_code)]

pub mod audio;
pub mod hostile;
pub mod mail;
pub mod providers;
pub mod sms;
pub mod two_factor;

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use app::echoes::Echo;
use app::emotion::Emotion;
use app::error::AppError;
use app::infra::config::Config;
use app::infra::state::AppState;

pub const PASSWORD: &str = "correct horse battery";

/// Which database a test runs against.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres { admin_url: String },
}

/// SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        if !url.trim().is_empty() {
            all.push(Backend::Postgres { admin_url: url });
        }
    }
    all
}

/// Runs each test body once per backend, each time on a fresh app keeping
/// its audio in a fresh S3 server.
#[macro_export]
macro_rules! on_every_backend_with_s3 {
    ($( $(#[$meta:meta])* async fn $name:ident($app:ident) $body:block )*) => {
        $(
            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                for backend in $crate::support::backends() {
                    eprintln!("-- {} on {:?} with S3", stringify!($name), backend);
                    #[allow(unused_mut)]
                    let mut $app = $crate::support::TestApp::start_with_s3(backend, &[]).await;
                    $body
                    $app.finish().await;
                }
            }
        )*
    };
}

/// Runs each test body once per backend, each time on a fresh app.
#[macro_export]
macro_rules! on_every_backend {
    ($( $(#[$meta:meta])* async fn $name:ident($app:ident) $body:block )*) => {
        $(
            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                for backend in $crate::support::backends() {
                    eprintln!("-- {} on {:?}", stringify!($name), backend);
                    #[allow(unused_mut)]
                    let mut $app = $crate::support::TestApp::start(backend, &[]).await;
                    $body
                    $app.finish().await;
                }
            }
        )*
    };
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// The browser's cookie jar: just our session cookie.
    pub cookie: Option<String>,
    /// Headers this browser adds to every request (e.g. `Origin`).
    pub headers: Vec<(&'static str, String)>,
    storage_dir: tempfile::TempDir,
    postgres: Option<PostgresDatabase>,
    /// The S3 server this app stores audio in, when started with S3.
    pub s3: Option<testkit::S3Server>,
    s3_root: Option<tempfile::TempDir>,
}

/// A throwaway PostgreSQL database, dropped when the test ends.
pub struct PostgresDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl PostgresDatabase {
    /// Creates a fresh database next to the one `admin_url` names.
    pub async fn create(admin_url: &str) -> PostgresDatabase {
        use sqlx::Connection;
        let name = format!("echoes_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
        sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.expect("create test database");
        let url = replace_database(admin_url, &name);
        PostgresDatabase { admin_url: admin_url.to_owned(), name, url }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async; use a short-lived runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                    }
                });
            }
        })
        .join();
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

impl TestApp {
    /// A fresh app on `backend` keeping its audio in a fresh S3 server.
    pub async fn start_with_s3(backend: Backend, overrides: &[(&str, &str)]) -> TestApp {
        let root = tempfile::tempdir().expect("temp dir");
        let s3 = testkit::S3Server::start(root.path(), 0).await.expect("start the S3 test server");
        let mut vars: Vec<(&str, String)> = s3.echoes_config("echoes-test");
        vars.extend(overrides.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut app = TestApp::start(backend, &pairs).await;
        app.s3 = Some(s3);
        app.s3_root = Some(root);
        app
    }

    /// A fresh app on `backend`; `overrides` set configuration variables.
    pub async fn start(backend: Backend, overrides: &[(&str, &str)]) -> TestApp {
        // Server logs go to the test's captured output (shown when it fails).
        let _ = tracing_subscriber::fmt().with_test_writer().with_env_filter("warn").try_init();
        let storage_dir = tempfile::tempdir().expect("temp dir");
        let (database_url, postgres) = match &backend {
            Backend::Sqlite => (format!("sqlite://{}/echoes.db", storage_dir.path().display()), None),
            Backend::Postgres { admin_url } => {
                let db = PostgresDatabase::create(admin_url).await;
                (db.url.clone(), Some(db))
            }
        };
        let audio_path = storage_dir.path().join("audio").display().to_string();
        let mut vars: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".to_owned(), database_url),
            ("AUDIO_STORAGE_PATH".to_owned(), audio_path),
            ("DATABASE_MAX_CONNECTIONS".to_owned(), "4".to_owned()),
            // Decoding runs in a child process: the real echoes binary.
            ("PROBE_EXECUTABLE".to_owned(), env!("CARGO_BIN_EXE_echoes").to_owned()),
            // Every request of a test comes from one address; the limits
            // have tests of their own, which set them low again.
            ("RATE_LIMIT_PER_SECOND".to_owned(), "100000".to_owned()),
            ("RATE_LIMIT_BURST".to_owned(), "100000".to_owned()),
            ("SIGNUPS_PER_ADDRESS_PER_HOUR".to_owned(), "100000".to_owned()),
        ]);
        for (k, v) in overrides {
            vars.insert((*k).to_owned(), (*v).to_owned());
        }
        let config = Config::from_lookup(|name| vars.get(name).cloned()).expect("test config");
        let options = LeptosOptions::builder().output_name("echoes").build();
        let state = server::build_state(config, options, None).await.expect("build state");
        // Worked out once per test binary: while Leptos works the list out,
        // pages rendering for other tests would hang (leptos-rs/leptos#4773).
        static PAGE_ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
        let routes = PAGE_ROUTES.get_or_init(server::page_routes).clone();
        let router = server::router_with_routes(state.clone(), routes);
        TestApp { router, state, cookie: None, headers: Vec::new(), storage_dir, postgres, s3: None, s3_root: None }
    }

    /// Closes the pool so the throwaway database can be dropped.
    pub async fn finish(self) {
        self.state.db.close().await;
    }

    /// Sends a request as this browser (with its cookie), keeping any new cookie.
    pub async fn send(&mut self, mut request: Request<Body>) -> TestResponse {
        if let Some(cookie) = &self.cookie {
            request.headers_mut().insert(header::COOKIE, cookie.parse().expect("cookie header"));
        }
        for (name, value) in &self.headers {
            request.headers_mut().insert(*name, value.parse().expect("header value"));
        }
        let what = format!("{} {}", request.method(), request.uri());
        // A hung page fails its test, with the request named, instead of
        // stalling the whole suite.
        let response = tokio::time::timeout(std::time::Duration::from_secs(180), self.router.clone().oneshot(request))
            .await
            .unwrap_or_else(|_| panic!("no answer to {what} within 180 s"))
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        for set_cookie in headers.get_all(header::SET_COOKIE) {
            let text = set_cookie.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default().to_owned();
            // The one-shot flash message is the browser's to show, not part
            // of the session this jar follows.
            if pair.starts_with("echoes_flash=") {
                continue;
            }
            if text.contains("Max-Age=0") || pair.ends_with('=') {
                self.cookie = None;
            } else {
                self.cookie = Some(pair);
            }
        }
        let body = response.into_body().collect().await.expect("body").to_bytes();
        TestResponse { status, headers, body }
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).expect("request")).await
    }

    /// A page as a browser without JavaScript asks for it.
    pub async fn get_page(&mut self, path: &str) -> TestResponse {
        self.send(Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).expect("request")).await
    }

    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        let mut request = Request::get(path);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request.body(Body::empty()).expect("request")).await
    }

    /// Calls a server function the way the hydrated app does.
    pub async fn call(&mut self, function: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.post_form(&format!("/_fn/{function}"), fields, "application/json").await
    }

    /// Calls a server function that takes JSON (`input = Json`).
    pub async fn call_json(&mut self, function: &str, body: serde_json::Value) -> TestResponse {
        let request = Request::post(format!("/_fn/{function}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(request).await
    }

    /// A JSON API call, signed in with `token` when given (and with this
    /// browser's cookie, if it has one).
    pub async fn api(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let mut request = Request::builder().method(method).uri(format!("/api/v1{path}"));
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).expect("request")).await
    }

    /// Another client of the same server, with no cookie at all (a script).
    pub fn client(&self) -> TestApp {
        TestApp { cookie: None, headers: Vec::new(), ..self.same_browser() }
    }

    /// Another browser of the same server, logged in as `email` (signed up
    /// already, with [`PASSWORD`]) and naming itself with `user_agent`.
    pub async fn another_browser(&self, email: &str, user_agent: &str) -> TestApp {
        let mut other = self.client();
        other.headers.push(("user-agent", user_agent.to_owned()));
        let response = other.log_in(email, PASSWORD).await;
        assert!(response.status.is_success(), "{}", response.text());
        other
    }

    /// Makes `email` (signed up already) an admin, as `echoes create-admin` does.
    pub async fn make_admin(&self, email: &str) {
        let email = app::accounts::Email::parse(email).expect("email");
        let name = app::accounts::DisplayName::parse("Admin").expect("name");
        let made = app::admin::create_admin::create_admin(&self.state.db, &self.state.passwords, &email, &name, || {
            app::accounts::Password::parse_new(PASSWORD.to_owned())
        })
        .await
        .expect("create admin");
        assert_eq!(made, app::admin::create_admin::AdminMade::Promoted);
        // The CLI runs in a process of its own: a running server believes
        // what it read for up to a second. The tests go on at once.
        let account = app::accounts::users::find_by_email(&self.state.db, &email).await.unwrap().expect("the admin");
        self.state.recent.forget_account(account.user.id);
    }

    /// Posts a urlencoded form with the given Accept header.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)], accept: &str) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).expect("form");
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept)
            .header(header::REFERER, "http://127.0.0.1:3000/form")
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    pub async fn sign_up(&mut self, email: &str, password: &str, name: &str) -> TestResponse {
        self.call("accounts/sign_up", &[("email", email), ("password", password), ("display_name", name)]).await
    }

    pub async fn log_in(&mut self, email: &str, password: &str) -> TestResponse {
        self.call("accounts/log_in", &[("email", email), ("password", password)]).await
    }

    pub async fn log_out(&mut self) -> TestResponse {
        self.call("accounts/log_out", &[]).await
    }

    /// Signs up (and so signs in) a user with the standard password.
    pub async fn signed_up(&mut self, email: &str) -> &mut Self {
        let response = self.sign_up(email, PASSWORD, "Test Person").await;
        assert!(response.status.is_success(), "sign up failed: {} {}", response.status, response.text());
        self
    }

    /// A second browser on the same server, signed up as someone else.
    pub async fn other_user(&self, email: &str) -> TestApp {
        let mut other = TestApp {
            router: self.router.clone(),
            state: self.state.clone(),
            cookie: None,
            headers: Vec::new(),
            storage_dir: tempfile::tempdir().expect("temp dir"),
            postgres: None,
            s3: None,
            s3_root: None,
        };
        other.signed_up(email).await;
        other
    }

    /// Another tab of this browser (same cookie), to send requests in parallel.
    pub fn same_browser(&self) -> TestApp {
        TestApp {
            router: self.router.clone(),
            state: self.state.clone(),
            cookie: self.cookie.clone(),
            headers: self.headers.clone(),
            storage_dir: tempfile::tempdir().expect("temp dir"),
            postgres: None,
            s3: None,
            s3_root: None,
        }
    }

    pub async fn me(&mut self) -> Option<app::accounts::User> {
        let response = self.call("accounts/me", &[]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        response.json()
    }

    pub async fn upload(&mut self, upload: Upload) -> TestResponse {
        let (content_type, body) = upload.multipart();
        let request = Request::post("/echoes")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, upload.accept)
            .body(Body::from(body))
            .expect("request");
        self.send(request).await
    }

    /// Uploads a short WAV tagged `emotion` and returns the new echo.
    pub async fn uploaded_echo(&mut self, emotion: Emotion) -> Echo {
        let response = self.upload(Upload::wav(emotion)).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        response.json()
    }

    /// Every file currently in the storage folder (temporary ones included).
    pub fn stored_files(&self) -> Vec<std::path::PathBuf> {
        files_under(&self.state.config.audio_storage_path)
    }

    /// Every object the S3 test server holds: the files in its bucket
    /// folders (s3s-fs keeps its own sidecar files, `.bucket-…`, beside
    /// them, and leaves those behind after a delete).
    pub fn s3_files(&self) -> Vec<std::path::PathBuf> {
        let hidden = |p: &std::path::PathBuf| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let files = self.s3_root.as_ref().map(|root| files_under(root.path())).unwrap_or_default();
        files.into_iter().filter(|p| !hidden(p)).collect()
    }

    pub async fn echo_rows(&self) -> i64 {
        app::on_db!(&self.state.db, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM echoes").fetch_one(pool).await)
            .expect("count echoes")
    }
}

/// An echo's metadata with nothing but an emotion, for writing rows directly.
pub fn bare_metadata(emotion: Emotion) -> app::echoes::EchoMetadata {
    use app::echoes::{Note, Tags, Title};
    app::echoes::EchoMetadata {
        emotion,
        title: Title::parse("").unwrap(),
        note: Note::parse("").unwrap(),
        tags: Tags::parse("").unwrap(),
        captured_at: 1,
        location: None,
    }
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
}

/// A multipart upload being put together.
pub struct Upload {
    pub file_name: String,
    pub file_type: String,
    pub bytes: Vec<u8>,
    pub fields: Vec<(String, String)>,
    pub accept: &'static str,
}

impl Upload {
    pub fn wav(emotion: Emotion) -> Upload {
        Upload::file("moment.wav", "audio/wav", audio::wav_sine(0.25)).field("emotion", emotion.as_str())
    }

    pub fn file(name: &str, content_type: &str, bytes: Vec<u8>) -> Upload {
        Upload {
            file_name: name.into(),
            file_type: content_type.into(),
            bytes,
            fields: Vec::new(),
            accept: "application/json",
        }
    }

    pub fn field(mut self, name: &str, value: &str) -> Upload {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// As a browser's HTML form sends it.
    pub fn into_html_form(mut self) -> Upload {
        self.accept = "text/html,application/xhtml+xml";
        self
    }

    pub fn multipart(&self) -> (String, Vec<u8>) {
        let boundary = "----echoes-test-boundary";
        let mut body = Vec::new();
        for (name, value) in &self.fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                self.file_name, self.file_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(&self.bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }
}

/// The session cookie's `Set-Cookie` among a response's cookies.
pub fn session_set_cookie(headers: &HeaderMap) -> Option<&str> {
    headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find(|v| v.contains("echoes_session="))
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not the expected JSON ({e}): {}", self.text()))
    }

    pub fn error(&self) -> AppError {
        self.json()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The `Set-Cookie` of the session cookie, or "" (other cookies, like
    /// the one-shot flash message, are left out).
    pub fn session_cookie(&self) -> &str {
        session_set_cookie(&self.headers).unwrap_or("")
    }

    /// The one-shot flash message this response sets for the next page.
    pub fn flash(&self) -> Option<&str> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("echoes_flash="))
            .and_then(|v| v.split(';').next())
            .filter(|v| !v.is_empty())
    }
}
