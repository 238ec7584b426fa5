//! A plain OAuth 2 provider shaped like GitHub, for sign-in tests: the
//! authorization code grant with PKCE (S256), checked the way a real
//! provider checks it — client credentials, a single-use code that expires,
//! the exact redirect URI, the verifier against the challenge — then
//! `GET /user` and `GET /user/emails` with the access token.
//!
//! Whoever signs in is whatever email they type (or send as `login_hint`);
//! one starting with "unverified:" has an unverified address.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub struct OAuth2Client {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
}

struct Grant {
    login: String,
    redirect_uri: String,
    challenge: String,
    issued: Instant,
}

#[derive(Default)]
struct Books {
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, String>,
}

#[derive(Clone)]
struct Shared {
    client: OAuth2Client,
    books: Arc<Mutex<Books>>,
}

/// A running provider; stops when dropped.
pub struct OAuth2Server {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl OAuth2Server {
    pub async fn start(client: OAuth2Client, port: u16) -> anyhow::Result<OAuth2Server> {
        let shared = Shared { client, books: Arc::default() };
        let app = Router::new()
            .route("/login/oauth/authorize", get(authorize))
            .route("/login/oauth/approve", post(approve))
            .route("/login/oauth/access_token", post(access_token))
            .route("/user", get(user))
            .route("/user/emails", get(emails))
            // No icon (and no 404 in the browser's console for it).
            .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(OAuth2Server { addr, task })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for OAuth2Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn random() -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).expect("random bytes");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn error(status: StatusCode, code: &str) -> Response {
    (status, Json(serde_json::json!({ "error": code }))).into_response()
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: String,
    redirect_uri: String,
    state: String,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    login_hint: Option<String>,
}

async fn authorize(State(shared): State<Shared>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.client_id != shared.client.client_id || q.redirect_uri != shared.client.redirect_uri {
        return (StatusCode::BAD_REQUEST, "unknown client or redirect_uri").into_response();
    }
    let (Some(challenge), Some("S256")) = (q.code_challenge.clone(), q.code_challenge_method.as_deref()) else {
        return (StatusCode::BAD_REQUEST, "PKCE with S256 is required").into_response();
    };
    if let Some(login) = q.login_hint {
        return grant(&shared, login, q.redirect_uri, q.state, challenge);
    }
    let esc = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    Html(format!(
        "<!doctype html><title>Test OAuth provider</title><h1>Sign in to the test OAuth provider</h1>\
         <form method=\"post\" action=\"/login/oauth/approve\">\
         <input type=\"hidden\" name=\"redirect_uri\" value=\"{}\"><input type=\"hidden\" name=\"state\" value=\"{}\">\
         <input type=\"hidden\" name=\"challenge\" value=\"{}\">\
         <label for=\"email\">Email</label> <input id=\"email\" name=\"email\" type=\"email\" autofocus>\
         <button type=\"submit\">Authorize</button></form>",
        esc(&q.redirect_uri),
        esc(&q.state),
        esc(&challenge)
    ))
    .into_response()
}

#[derive(Deserialize)]
struct Approval {
    redirect_uri: String,
    state: String,
    challenge: String,
    email: String,
}

async fn approve(State(shared): State<Shared>, Form(form): Form<Approval>) -> Response {
    if form.redirect_uri != shared.client.redirect_uri {
        return (StatusCode::BAD_REQUEST, "unknown redirect_uri").into_response();
    }
    grant(&shared, form.email, form.redirect_uri, form.state, form.challenge)
}

fn grant(shared: &Shared, login: String, redirect_uri: String, state: String, challenge: String) -> Response {
    let code = random();
    let to = format!("{redirect_uri}?code={code}&state={}", urlencode(&state));
    shared.books.lock().unwrap().codes.insert(code, Grant { login, redirect_uri, challenge, issued: Instant::now() });
    Redirect::to(&to).into_response()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn access_token(State(shared): State<Shared>, headers: HeaderMap, Form(form): Form<TokenForm>) -> Response {
    // Client authentication: HTTP Basic (what Echoes sends) or form fields.
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())));
    let (id, secret) = basic.unwrap_or((form.client_id.unwrap_or_default(), form.client_secret.unwrap_or_default()));
    if id != shared.client.client_id || secret != shared.client.client_secret {
        return error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if form.grant_type != "authorization_code" {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let mut books = shared.books.lock().unwrap();
    // Single use: the code is gone whatever happens next.
    let Some(grant) = books.codes.remove(&form.code) else {
        return error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let verifier = form.code_verifier.unwrap_or_default();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if grant.issued.elapsed() > Duration::from_secs(60)
        || form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str())
        || challenge != grant.challenge
    {
        return error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let token = random();
    books.tokens.insert(token.clone(), grant.login);
    Json(serde_json::json!({ "access_token": token, "token_type": "bearer", "scope": "read:user,user:email" }))
        .into_response()
}

fn login_of(shared: &Shared, headers: &HeaderMap) -> Option<String> {
    let token = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = token.strip_prefix("Bearer ").or_else(|| token.strip_prefix("token "))?;
    shared.books.lock().unwrap().tokens.get(token).cloned()
}

/// A stable numeric id per login, as GitHub's are.
fn id_of(login: &str) -> u64 {
    let digest = Sha256::digest(login.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().unwrap()) >> 12
}

fn address(login: &str) -> (&str, bool) {
    match login.strip_prefix("unverified:") {
        Some(email) => (email, false),
        None => (login, true),
    }
}

async fn user(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let Some(login) = login_of(&shared, &headers) else {
        return error(StatusCode::UNAUTHORIZED, "bad_credentials");
    };
    let (email, _) = address(&login);
    let name = email.split('@').next().unwrap_or_default().to_owned();
    // Like GitHub with a private address: no email here, see /user/emails.
    Json(serde_json::json!({ "id": id_of(&login), "login": name, "name": name, "email": null })).into_response()
}

async fn emails(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let Some(login) = login_of(&shared, &headers) else {
        return error(StatusCode::UNAUTHORIZED, "bad_credentials");
    };
    let (email, verified) = address(&login);
    Json(serde_json::json!([{ "email": email, "primary": true, "verified": verified, "visibility": null }]))
        .into_response()
}
