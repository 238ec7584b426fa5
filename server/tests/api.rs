//! The JSON API, `/api/v1`: every endpoint's happy path, its bad input,
//! and each kind of caller — anonymous, the owner, another user, an admin,
//! a disabled account, a read-only token trying to write.

mod support;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use support::{TestApp, TestResponse, Upload, PASSWORD};

use app::emotion::Emotion;

/// The `{"error": {...}}` code of an API answer.
fn code(response: &TestResponse) -> String {
    let body: Value = response.json();
    body["error"]["code"].as_str().unwrap_or_else(|| panic!("not an API error: {}", response.text())).to_owned()
}

/// Registers `email` through the API; returns (access, refresh).
async fn register(app: &mut TestApp, email: &str) -> (String, String) {
    let body = json!({ "email": email, "password": PASSWORD, "display_name": "Ada" });
    let response = app.api("POST", "/auth/register", None, Some(body)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let tokens: Value = response.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["user"]["email"], email);
    (tokens["access_token"].as_str().unwrap().to_owned(), tokens["refresh_token"].as_str().unwrap().to_owned())
}

async fn login(app: &mut TestApp, email: &str) -> (String, String) {
    let response = app.api("POST", "/auth/login", None, Some(json!({ "email": email, "password": PASSWORD }))).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let tokens: Value = response.json();
    (tokens["access_token"].as_str().unwrap().to_owned(), tokens["refresh_token"].as_str().unwrap().to_owned())
}

/// A client signed in as a fresh admin, and its access token.
async fn an_admin(app: &TestApp) -> (TestApp, String) {
    let mut admin = app.client();
    register(&mut admin, "admin@example.org").await;
    app.make_admin("admin@example.org").await;
    let (token, _) = login(&mut admin, "admin@example.org").await;
    (admin, token)
}

/// A personal token of `scope`, made with `access`.
async fn personal_token(app: &mut TestApp, access: &str, scope: &str) -> String {
    let body = json!({ "name": format!("{scope} script"), "scope": scope });
    let response = app.api("POST", "/auth/tokens", Some(access), Some(body)).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let made: Value = response.json();
    assert!(made["secret"].as_str().unwrap().starts_with("echo_pat_"));
    made["secret"].as_str().unwrap().to_owned()
}

/// Uploads a WAV through `POST /api/v1/echoes` with `token`.
async fn upload(app: &mut TestApp, token: &str, upload: Upload) -> TestResponse {
    let (content_type, body) = upload.multipart();
    let request = Request::post("/api/v1/echoes")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body))
        .expect("request");
    app.send(request).await
}

async fn uploaded(app: &mut TestApp, token: &str, emotion: Emotion, tags: &str) -> Value {
    let response = upload(app, token, Upload::wav(emotion).field("tags", tags).field("title", "Harbour")).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    response.json()
}

on_every_backend! {
    async fn registering_gives_tokens_that_sign_in_and_no_cookie(app) {
        let mut client = app.client();
        let (access, _) = register(&mut client, "ada@example.org").await;
        assert!(client.cookie.is_none(), "the API sets no session cookie");
        let me = client.api("GET", "/auth/me", Some(&access), None).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text());
        let me: Value = me.json();
        assert_eq!((me["email"].as_str(), me["role"].as_str()), (Some("ada@example.org"), Some("user")));
        let again = client
            .api("POST", "/auth/register", None, Some(json!({ "email": "ADA@example.org", "password": PASSWORD, "display_name": "A" })))
            .await;
        assert_eq!((again.status, code(&again)), (StatusCode::CONFLICT, "email_taken".to_owned()));
    }

    async fn bad_input_gets_the_api_error_shape_with_the_right_status(app) {
        let mut client = app.client();
        let short = client.api("POST", "/auth/register", None, Some(json!({ "email": "a@b.org", "password": "short", "display_name": "A" }))).await;
        assert_eq!((short.status, code(&short)), (StatusCode::UNPROCESSABLE_ENTITY, "validation".to_owned()));
        let body: Value = short.json();
        assert_eq!(body["error"]["field"], "password");
        let missing = client.api("POST", "/auth/login", None, Some(json!({ "email": "a@b.org" }))).await;
        assert_eq!((missing.status, code(&missing)), (StatusCode::UNPROCESSABLE_ENTITY, "validation".to_owned()));
        let garbage = client
            .send(Request::post("/api/v1/auth/login").header(header::CONTENT_TYPE, "application/json").body(Body::from("{nope")).unwrap())
            .await;
        assert_eq!((garbage.status, code(&garbage)), (StatusCode::BAD_REQUEST, "bad_request".to_owned()));
        let not_json = client.send(Request::post("/api/v1/auth/login").body(Body::from("email=a")).unwrap()).await;
        assert_eq!((not_json.status, code(&not_json)), (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type".to_owned()));
        let huge = client
            .api("POST", "/auth/login", None, Some(json!({ "email": "a@b.org", "password": "x".repeat(100_000) })))
            .await;
        assert_eq!((huge.status, code(&huge)), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large".to_owned()));
        let nowhere = client.api("GET", "/no/such/thing", None, None).await;
        assert_eq!((nowhere.status, code(&nowhere)), (StatusCode::NOT_FOUND, "not_found".to_owned()));
        let wrong = client.api("POST", "/auth/login", None, Some(json!({ "email": "a@b.org", "password": "wrong password" }))).await;
        assert_eq!((wrong.status, code(&wrong)), (StatusCode::UNAUTHORIZED, "invalid_credentials".to_owned()));
    }

    async fn anonymous_callers_and_bad_tokens_are_refused(app) {
        let mut client = app.client();
        for (method, path) in [("GET", "/auth/me"), ("GET", "/echoes"), ("GET", "/auth/tokens"), ("GET", "/admin/users")] {
            let response = client.api(method, path, None, None).await;
            assert_eq!((response.status, code(&response)), (StatusCode::UNAUTHORIZED, "unauthenticated".to_owned()), "{path}");
        }
        let forged = client.api("GET", "/auth/me", Some("echo_at_forged"), None).await;
        assert_eq!((forged.status, code(&forged)), (StatusCode::UNAUTHORIZED, "invalid_token".to_owned()));
        assert_eq!(forged.header("www-authenticate"), "Bearer");
        let basic = client.send(Request::get("/api/v1/auth/me").header(header::AUTHORIZATION, "Basic YTpi").body(Body::empty()).unwrap()).await;
        assert_eq!(code(&basic), "invalid_token");
    }

    async fn a_refresh_token_works_once_and_its_reuse_revokes_the_family(app) {
        let mut client = app.client();
        register(&mut client, "ada@example.org").await;
        let (access1, refresh1) = login(&mut client, "ada@example.org").await;
        let rotated = client.api("POST", "/auth/refresh", None, Some(json!({ "refresh_token": refresh1 }))).await;
        assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
        let rotated: Value = rotated.json();
        let (access2, refresh2) = (rotated["access_token"].as_str().unwrap(), rotated["refresh_token"].as_str().unwrap());
        assert_ne!(refresh2, refresh1);
        assert_eq!(client.api("GET", "/auth/me", Some(access2), None).await.status, StatusCode::OK);
        // The old refresh token again: someone copied it. Everything of this log-in stops.
        let reused = client.api("POST", "/auth/refresh", None, Some(json!({ "refresh_token": refresh1 }))).await;
        assert_eq!((reused.status, code(&reused)), (StatusCode::UNAUTHORIZED, "invalid_token".to_owned()));
        for access in [access1.as_str(), access2] {
            assert_eq!(client.api("GET", "/auth/me", Some(access), None).await.status, StatusCode::UNAUTHORIZED);
        }
        let after = client.api("POST", "/auth/refresh", None, Some(json!({ "refresh_token": refresh2 }))).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED);
        // Another log-in of the same account is untouched.
        let (other, _) = login(&mut client, "ada@example.org").await;
        assert_eq!(client.api("GET", "/auth/me", Some(&other), None).await.status, StatusCode::OK);
    }

    async fn logging_out_revokes_that_log_in(app) {
        let mut client = app.client();
        let (access, refresh) = register(&mut client, "ada@example.org").await;
        let out = client.api("POST", "/auth/logout", Some(&access), None).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text());
        assert_eq!(client.api("GET", "/auth/me", Some(&access), None).await.status, StatusCode::UNAUTHORIZED);
        let refreshed = client.api("POST", "/auth/refresh", None, Some(json!({ "refresh_token": refresh }))).await;
        assert_eq!(refreshed.status, StatusCode::UNAUTHORIZED);
    }

    async fn the_profile_can_be_changed_and_is_checked(app) {
        let mut client = app.client();
        let (access, _) = register(&mut client, "ada@example.org").await;
        let changed = client.api("PATCH", "/auth/me", Some(&access), Some(json!({ "display_name": "  Ada L. " }))).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
        assert_eq!(changed.json::<Value>()["display_name"], "Ada L.");
        let blank = client.api("PATCH", "/auth/me", Some(&access), Some(json!({ "display_name": " " }))).await;
        assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(blank.json::<Value>()["error"]["field"], "display_name");
    }

    async fn personal_tokens_are_shown_once_listed_scoped_and_revocable(app) {
        let mut client = app.client();
        let (access, _) = register(&mut client, "ada@example.org").await;
        let reader = personal_token(&mut client, &access, "read").await;
        let listed = client.api("GET", "/auth/tokens", Some(&access), None).await;
        assert_eq!(listed.status, StatusCode::OK);
        assert!(!listed.text().contains(&reader), "a listing never shows a secret");
        let tokens: Vec<Value> = listed.json();
        assert_eq!((tokens.len(), tokens[0]["scope"].as_str()), (1, Some("read")));
        // Reading works; writing is refused.
        assert_eq!(client.api("GET", "/echoes", Some(&reader), None).await.status, StatusCode::OK);
        let write = upload(&mut client, &reader, Upload::wav(Emotion::Calm)).await;
        assert_eq!((write.status, code(&write)), (StatusCode::FORBIDDEN, "insufficient_scope".to_owned()));
        let rename = client.api("PATCH", "/auth/me", Some(&reader), Some(json!({ "display_name": "X" }))).await;
        assert_eq!(code(&rename), "insufficient_scope");
        let mint = client.api("POST", "/auth/tokens", Some(&reader), Some(json!({ "name": "more", "scope": "write" }))).await;
        assert_eq!(code(&mint), "insufficient_scope");
        // Revoked: it stops at once.
        let id = tokens[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(client.api("DELETE", &format!("/auth/tokens/{id}"), Some(&access), None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(client.api("GET", "/echoes", Some(&reader), None).await.status, StatusCode::UNAUTHORIZED);
        let again = client.api("DELETE", &format!("/auth/tokens/{id}"), Some(&access), None).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        let nameless = client.api("POST", "/auth/tokens", Some(&access), Some(json!({ "name": " ", "scope": "read" }))).await;
        assert_eq!(nameless.json::<Value>()["error"]["field"], "name");
    }

    async fn echoes_go_through_their_whole_life_on_the_api(app) {
        let mut client = app.client();
        let (access, _) = register(&mut client, "ada@example.org").await;
        let writer = personal_token(&mut client, &access, "write").await;
        let echo = uploaded(&mut client, &writer, Emotion::Calm, "Rain, sea").await;
        let id = echo["id"].as_str().unwrap().to_owned();
        assert_eq!(echo["tags"], json!(["rain", "sea"]));
        assert!(echo["duration_ms"].as_i64().unwrap() > 200, "{echo}");
        uploaded(&mut client, &writer, Emotion::Joy, "sun").await;

        let all = client.api("GET", "/echoes", Some(&writer), None).await;
        assert_eq!(all.json::<Value>()["echoes"].as_array().unwrap().len(), 2);
        let by_tag = client.api("GET", "/echoes?tag=%23Rain", Some(&writer), None).await;
        let by_tag: Value = by_tag.json();
        assert_eq!(by_tag["echoes"].as_array().unwrap().len(), 1);
        assert_eq!(by_tag["echoes"][0]["id"], id.as_str());
        let first = client.api("GET", "/echoes?limit=1", Some(&writer), None).await.json::<Value>();
        let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
        let second = client.api("GET", &format!("/echoes?limit=1&cursor={cursor}"), Some(&writer), None).await.json::<Value>();
        assert_eq!(second["echoes"].as_array().unwrap().len(), 1);
        assert!(second["next_cursor"].is_null());
        let calm = client.api("GET", "/echoes/random?emotion=calm", Some(&writer), None).await;
        assert_eq!(calm.json::<Value>()["id"], id.as_str());
        let none = client.api("GET", "/echoes/random?emotion=fear", Some(&writer), None).await;
        assert_eq!(none.status, StatusCode::NOT_FOUND);
        let bad_emotion = client.api("GET", "/echoes/random?emotion=bored", Some(&writer), None).await;
        assert_eq!(bad_emotion.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bad_limit = client.api("GET", "/echoes?limit=1000", Some(&writer), None).await;
        assert_eq!(bad_limit.status, StatusCode::UNPROCESSABLE_ENTITY);

        let patch = json!({ "title": null, "tags": ["Storm"], "emotion": "nostalgia" });
        let changed = client.api("PATCH", &format!("/echoes/{id}"), Some(&writer), Some(patch)).await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
        let changed: Value = changed.json();
        assert_eq!((changed["title"].clone(), changed["tags"].clone(), changed["emotion"].clone()), (Value::Null, json!(["storm"]), json!("nostalgia")));
        assert_eq!(changed["note"], echo["note"], "fields left out stay");
        let by_old_tag = client.api("GET", "/echoes?tag=rain", Some(&writer), None).await.json::<Value>();
        assert!(by_old_tag["echoes"].as_array().unwrap().is_empty(), "tags are replaced");
        let too_long = client.api("PATCH", &format!("/echoes/{id}"), Some(&writer), Some(json!({ "title": "x".repeat(121) }))).await;
        assert_eq!(too_long.json::<Value>()["error"]["field"], "title");

        let fetched = client.api("GET", &format!("/echoes/{id}"), Some(&writer), None).await;
        assert_eq!(fetched.json::<Value>()["tags"], json!(["storm"]));
        let range = client
            .send(Request::get(format!("/api/v1/echoes/{id}/audio")).header(header::AUTHORIZATION, format!("Bearer {writer}")).header(header::RANGE, "bytes=0-3").body(Body::empty()).unwrap())
            .await;
        assert_eq!(range.status, StatusCode::PARTIAL_CONTENT);
        assert_eq!(&range.body[..], b"RIFF");
        let past = client
            .send(Request::get(format!("/api/v1/echoes/{id}/audio")).header(header::AUTHORIZATION, format!("Bearer {writer}")).header(header::RANGE, "bytes=99999999-").body(Body::empty()).unwrap())
            .await;
        assert_eq!((past.status, code(&past)), (StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable".to_owned()));

        assert_eq!(client.api("DELETE", &format!("/echoes/{id}"), Some(&writer), None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(client.api("GET", &format!("/echoes/{id}"), Some(&writer), None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(client.api("DELETE", &format!("/echoes/{id}"), Some(&writer), None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(client.api("GET", "/echoes/not-an-id", Some(&writer), None).await.status, StatusCode::BAD_REQUEST);
    }

    async fn another_users_echo_does_not_exist_for_them(app) {
        let mut ada = app.client();
        let (ada_token, _) = register(&mut ada, "ada@example.org").await;
        let id = uploaded(&mut ada, &ada_token, Emotion::Love, "").await["id"].as_str().unwrap().to_owned();
        let mut bob = app.client();
        let (bob_token, _) = register(&mut bob, "bob@example.org").await;
        for (method, body) in [("GET", None), ("PATCH", Some(json!({ "title": "mine now" }))), ("DELETE", None)] {
            let response = bob.api(method, &format!("/echoes/{id}"), Some(&bob_token), body).await;
            assert_eq!(response.status, StatusCode::NOT_FOUND, "{method}");
        }
        let audio = bob.api("GET", &format!("/echoes/{id}/audio"), Some(&bob_token), None).await;
        assert_eq!(audio.status, StatusCode::NOT_FOUND);
        assert!(bob.api("GET", "/echoes", Some(&bob_token), None).await.json::<Value>()["echoes"].as_array().unwrap().is_empty());
        assert_eq!(ada.api("GET", &format!("/echoes/{id}"), Some(&ada_token), None).await.status, StatusCode::OK);
    }

    async fn on_local_disk_an_upload_is_sent_through_the_server(app) {
        let mut client = app.client();
        let (access, _) = register(&mut client, "ada@example.org").await;
        let ticket = client.api("POST", "/echoes/uploads", Some(&access), Some(json!({ "size": 1000, "content_type": "audio/wav" }))).await;
        assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.text());
        let ticket: Value = ticket.json();
        assert_eq!((ticket["direct"].as_bool(), ticket["method"].as_str(), ticket["url"].as_str()), (Some(false), Some("POST"), Some("/api/v1/echoes")));
        let not_audio = client.api("POST", "/echoes/uploads", Some(&access), Some(json!({ "size": 10, "content_type": "image/png" }))).await;
        assert_eq!(not_audio.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let too_big = client.api("POST", "/echoes/uploads", Some(&access), Some(json!({ "size": 1u64 << 40, "content_type": "audio/wav" }))).await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    async fn only_admins_see_and_change_accounts(app) {
        let mut user = app.client();
        let (user_token, _) = register(&mut user, "user@example.org").await;
        let refused = user.api("GET", "/admin/users", Some(&user_token), None).await;
        assert_eq!((refused.status, code(&refused)), (StatusCode::FORBIDDEN, "forbidden".to_owned()));

        let (mut admin, admin_token) = an_admin(&app).await;
        uploaded(&mut user, &user_token, Emotion::Calm, "").await;
        let listed = admin.api("GET", "/admin/users", Some(&admin_token), None).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
        let listed: Value = listed.json();
        assert_eq!(listed["users"].as_array().unwrap().len(), 2);
        let found = admin.api("GET", "/admin/users?q=USER%40", Some(&admin_token), None).await.json::<Value>();
        let users = found["users"].as_array().unwrap();
        assert_eq!((users.len(), users[0]["email"].as_str(), users[0]["echo_count"].as_i64()), (1, Some("user@example.org"), Some(1)));
        let none = admin.api("GET", "/admin/users?q=%25", Some(&admin_token), None).await.json::<Value>();
        assert!(none["users"].as_array().unwrap().is_empty(), "% is a character, not a wildcard");
        let paged = admin.api("GET", "/admin/users?limit=1", Some(&admin_token), None).await.json::<Value>();
        let cursor = paged["next_cursor"].as_str().unwrap().to_owned();
        let rest = admin.api("GET", &format!("/admin/users?limit=1&cursor={cursor}"), Some(&admin_token), None).await.json::<Value>();
        assert_ne!(rest["users"][0]["id"], paged["users"][0]["id"]);

        let user_id = users[0]["id"].as_str().unwrap().to_owned();
        let promoted = admin.api("PATCH", &format!("/admin/users/{user_id}"), Some(&admin_token), Some(json!({ "role": "admin" }))).await;
        assert_eq!(promoted.json::<Value>()["role"], "admin");
        assert_eq!(user.api("GET", "/admin/users", Some(&user_token), None).await.status, StatusCode::OK);
        let demoted = admin.api("PATCH", &format!("/admin/users/{user_id}"), Some(&admin_token), Some(json!({ "role": "user" }))).await;
        assert_eq!(demoted.json::<Value>()["role"], "user");
        let unknown = admin.api("PATCH", &format!("/admin/users/{}", uuid::Uuid::now_v7()), Some(&admin_token), Some(json!({ "disabled": true }))).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }

    async fn a_disabled_account_stops_at_once_and_comes_back_when_enabled(app) {
        let (mut admin, admin_token) = an_admin(&app).await;
        // Ada has a token and a browser session.
        let mut api = app.client();
        let (ada_token, ada_refresh) = register(&mut api, "ada@example.org").await;
        let mut browser = app.client();
        assert_eq!(browser.log_in("ada@example.org", PASSWORD).await.status, StatusCode::OK);
        assert!(browser.me().await.is_some());
        let ada_id = api.api("GET", "/auth/me", Some(&ada_token), None).await.json::<Value>()["id"].as_str().unwrap().to_owned();

        let disabled = admin.api("PATCH", &format!("/admin/users/{ada_id}"), Some(&admin_token), Some(json!({ "disabled": true }))).await;
        assert_eq!(disabled.json::<Value>()["disabled"], true);
        let refused = api.api("GET", "/echoes", Some(&ada_token), None).await;
        assert_eq!((refused.status, code(&refused)), (StatusCode::FORBIDDEN, "account_disabled".to_owned()));
        let refresh = api.api("POST", "/auth/refresh", None, Some(json!({ "refresh_token": ada_refresh }))).await;
        assert_eq!(code(&refresh), "account_disabled");
        assert!(browser.me().await.is_none(), "the browser session ends");
        let again = browser.log_in("ada@example.org", PASSWORD).await;
        assert_eq!((again.status, again.error().code), (StatusCode::FORBIDDEN, app::error::ErrorCode::AccountDisabled));
        let wrong = browser.log_in("ada@example.org", "not her password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "nothing tells a guesser the account is disabled");

        admin.api("PATCH", &format!("/admin/users/{ada_id}"), Some(&admin_token), Some(json!({ "disabled": false }))).await;
        assert_eq!(api.api("GET", "/echoes", Some(&ada_token), None).await.status, StatusCode::OK);
    }

    async fn the_last_admin_cannot_be_demoted_disabled_or_deleted(app) {
        let mut admin = app.client();
        register(&mut admin, "admin@example.org").await;
        app.make_admin("admin@example.org").await;
        let (token, _) = login(&mut admin, "admin@example.org").await;
        let me = admin.api("GET", "/auth/me", Some(&token), None).await.json::<Value>()["id"].as_str().unwrap().to_owned();
        for patch in [json!({ "role": "user" }), json!({ "disabled": true })] {
            let response = admin.api("PATCH", &format!("/admin/users/{me}"), Some(&token), Some(patch)).await;
            assert_eq!((response.status, code(&response)), (StatusCode::CONFLICT, "last_admin".to_owned()));
        }
        let delete = admin.api("DELETE", &format!("/admin/users/{me}"), Some(&token), None).await;
        assert_eq!((delete.status, code(&delete)), (StatusCode::CONFLICT, "last_admin".to_owned()));
        // With a second admin, the first may step down.
        let mut other = app.client();
        register(&mut other, "second@example.org").await;
        app.make_admin("second@example.org").await;
        let down = admin.api("PATCH", &format!("/admin/users/{me}"), Some(&token), Some(json!({ "role": "user" }))).await;
        assert_eq!(down.status, StatusCode::OK, "{}", down.text());
    }

    async fn deleting_an_account_removes_its_echoes_and_their_audio(app) {
        let (mut admin, admin_token) = an_admin(&app).await;
        let mut ada = app.client();
        let (ada_token, _) = register(&mut ada, "ada@example.org").await;
        for emotion in [Emotion::Calm, Emotion::Joy, Emotion::Fear] {
            uploaded(&mut ada, &ada_token, emotion, "a,b").await;
        }
        assert_eq!(app.stored_files().len(), 3);
        let ada_id = ada.api("GET", "/auth/me", Some(&ada_token), None).await.json::<Value>()["id"].as_str().unwrap().to_owned();
        let deleted = admin.api("DELETE", &format!("/admin/users/{ada_id}"), Some(&admin_token), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text());
        assert!(app.stored_files().is_empty(), "{:?}", app.stored_files());
        assert_eq!(app.echo_rows().await, 0);
        assert_eq!(ada.api("GET", "/auth/me", Some(&ada_token), None).await.status, StatusCode::UNAUTHORIZED);
        let twice = admin.api("DELETE", &format!("/admin/users/{ada_id}"), Some(&admin_token), None).await;
        assert_eq!(twice.status, StatusCode::NOT_FOUND);
    }

    async fn the_openapi_document_lists_every_route_and_the_docs_page_serves(app) {
        let doc = app.get("/api/v1/openapi.json").await;
        assert_eq!(doc.status, StatusCode::OK);
        let doc: Value = doc.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths = doc["paths"].as_object().unwrap();
        for (path, method) in [
            ("/auth/register", "post"), ("/auth/login", "post"), ("/auth/refresh", "post"), ("/auth/logout", "post"),
            ("/auth/me", "get"), ("/auth/me", "patch"), ("/auth/tokens", "get"), ("/auth/tokens", "post"),
            ("/auth/tokens/{id}", "delete"), ("/echoes", "get"), ("/echoes", "post"), ("/echoes/uploads", "post"),
            ("/echoes/uploads/{id}/complete", "post"), ("/echoes/random", "get"), ("/echoes/{id}", "get"),
            ("/echoes/{id}", "patch"), ("/echoes/{id}", "delete"), ("/echoes/{id}/audio", "get"),
            ("/admin/users", "get"), ("/admin/users/{id}", "patch"), ("/admin/users/{id}", "delete"),
        ] {
            assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} is documented");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
        let docs = app.get("/docs/").await;
        assert_eq!(docs.status, StatusCode::OK);
        assert!(docs.text().contains("swagger"), "{}", docs.text());
        assert!(docs.header("content-security-policy").contains("script-src 'self'"));
        let script = app.get("/docs/swagger-initializer.js").await;
        assert!(script.text().contains("/api/v1/openapi.json"), "{}", script.text());
    }
}

/// Every operation that needs a signed-in caller, and whether it writes.
/// `{id}` is filled with a real echo (or account) of the caller's.
const SIGNED_IN: &[(&str, &str, bool)] = &[
    ("POST", "/auth/logout", false),
    ("GET", "/auth/me", false),
    ("PATCH", "/auth/me", true),
    ("GET", "/auth/tokens", false),
    ("POST", "/auth/tokens", true),
    ("DELETE", "/auth/tokens/{id}", true),
    ("GET", "/echoes", false),
    ("POST", "/echoes", true),
    ("POST", "/echoes/uploads", true),
    ("POST", "/echoes/uploads/{id}/complete", true),
    ("GET", "/echoes/random?emotion=calm", false),
    ("GET", "/echoes/{id}", false),
    ("PATCH", "/echoes/{id}", true),
    ("DELETE", "/echoes/{id}", true),
    ("GET", "/echoes/{id}/audio", false),
    ("GET", "/admin/users", false),
    ("PATCH", "/admin/users/{id}", true),
    ("DELETE", "/admin/users/{id}", true),
];

/// A plausible body for each operation (the refusals come before it is read).
fn body_for(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("PATCH", "/auth/me") => Some(json!({ "display_name": "X" })),
        ("POST", "/auth/tokens") => Some(json!({ "name": "t", "scope": "read" })),
        ("POST", "/echoes/uploads") => Some(json!({ "size": 10, "content_type": "audio/wav" })),
        ("POST", "/echoes/uploads/{id}/complete") => Some(json!({ "emotion": "calm" })),
        ("PATCH", "/echoes/{id}") => Some(json!({ "title": "x" })),
        ("PATCH", "/admin/users/{id}") => Some(json!({ "disabled": true })),
        ("POST", "/echoes") => None,
        _ => None,
    }
}

on_every_backend! {
    async fn every_signed_in_operation_refuses_anonymous_disabled_and_read_only_callers(app) {
        let (mut admin, admin_token) = an_admin(&app).await;
        let mut ada = app.client();
        let (ada_token, _) = register(&mut ada, "ada@example.org").await;
        let echo_id = uploaded(&mut ada, &ada_token, Emotion::Calm, "").await["id"].as_str().unwrap().to_owned();
        let reader = personal_token(&mut ada, &ada_token, "read").await;
        let admin_reader = personal_token(&mut admin, &admin_token, "read").await;
        let mut bob = app.client();
        let (bob_token, _) = register(&mut bob, "bob@example.org").await;

        for &(method, template, writes) in SIGNED_IN {
            let path = template.replace("{id}", &echo_id);
            let anonymous = app.client().api(method, &path, None, body_for(method, template)).await;
            assert_eq!((anonymous.status, code(&anonymous)), (StatusCode::UNAUTHORIZED, "unauthenticated".to_owned()), "anonymous {method} {template}");
            if writes {
                let token = if template.starts_with("/admin") { &admin_reader } else { &reader };
                let read_only = app.client().api(method, &path, Some(token), body_for(method, template)).await;
                assert_eq!((read_only.status, code(&read_only)), (StatusCode::FORBIDDEN, "insufficient_scope".to_owned()), "read-only {method} {template}");
            }
        }
        // Bob is disabled: every operation refuses him at once.
        let bob_id = bob.api("GET", "/auth/me", Some(&bob_token), None).await.json::<Value>()["id"].as_str().unwrap().to_owned();
        admin.api("PATCH", &format!("/admin/users/{bob_id}"), Some(&admin_token), Some(json!({ "disabled": true }))).await;
        for &(method, template, _) in SIGNED_IN {
            let path = template.replace("{id}", &echo_id);
            let refused = bob.api(method, &path, Some(&bob_token), body_for(method, template)).await;
            assert_eq!((refused.status, code(&refused)), (StatusCode::FORBIDDEN, "account_disabled".to_owned()), "disabled {method} {template}");
        }
        // Admin operations are for admins.
        for (method, body) in [("PATCH", Some(json!({ "disabled": true }))), ("DELETE", None)] {
            let response = ada.api(method, &format!("/admin/users/{bob_id}"), Some(&ada_token), body).await;
            assert_eq!((response.status, code(&response)), (StatusCode::FORBIDDEN, "forbidden".to_owned()), "{method}");
        }
    }

    async fn a_bearer_token_needs_no_same_origin_proof_but_a_cookie_does(app) {
        let mut client = app.client();
        let (access, _) = register(&mut client, "ada@example.org").await;
        client.headers = vec![("origin", "http://evil.example".into()), ("sec-fetch-site", "cross-site".into())];
        let with_token = client.api("PATCH", "/auth/me", Some(&access), Some(json!({ "display_name": "From an app" }))).await;
        assert_eq!(with_token.status, StatusCode::OK, "a token cannot be sent by another site: {}", with_token.text());
        let mut browser = app.client();
        browser.signed_up("bob@example.org").await;
        browser.headers = client.headers.clone();
        let with_cookie = browser.api("PATCH", "/auth/me", None, Some(json!({ "display_name": "Forged" }))).await;
        assert_eq!(with_cookie.status, StatusCode::FORBIDDEN);
        let cookie_and_token = browser.api("PATCH", "/auth/me", Some(&access), Some(json!({ "display_name": "Forged" }))).await;
        assert_eq!(cookie_and_token.status, StatusCode::FORBIDDEN, "a cookie alongside still needs the proof");
    }

    async fn the_readme_http_surface_matches_the_openapi_document(app) {
        let doc: Value = app.get("/api/v1/openapi.json").await.json();
        let mut documented: Vec<String> = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                documented.push(format!("{} {path}", method.to_uppercase()));
            }
        }
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        let table = readme.split("### The HTTP surface").nth(1).unwrap().split("\n\n").nth(1).unwrap();
        let mut listed: Vec<String> = Vec::new();
        for row in table.lines().skip(2) {
            let cell = row.split('|').nth(1).unwrap_or_default();
            for part in cell.split(',') {
                let part = part.trim().trim_matches('`');
                if let Some((method, path)) = part.split_once(' ') {
                    if path.starts_with('/') && !path.starts_with("/api/v1/openapi") && !path.starts_with("/docs")
                        && !path.starts_with("/health") && !path.starts_with("/ready") && !path.starts_with("/metrics") {
                        listed.push(format!("{method} {path}"));
                    }
                }
            }
        }
        documented.sort();
        listed.sort();
        assert_eq!(listed, documented, "the README's table and the OpenAPI document list the same operations");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_log_ins_are_throttled_like_the_pages() {
    for backend in support::backends() {
        let app = TestApp::start(backend, &[("LOGIN_MAX_FAILURES", "3"), ("LOGIN_BLOCK_SECONDS", "60")]).await;
        let mut client = app.client();
        register(&mut client, "ada@example.org").await;
        let wrong = json!({ "email": "ada@example.org", "password": "not her password" });
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(client.api("POST", "/auth/login", None, Some(wrong.clone())).await.status);
        }
        assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
        let right = json!({ "email": "ada@example.org", "password": PASSWORD });
        let blocked = client.api("POST", "/auth/login", None, Some(right)).await;
        assert_eq!((blocked.status, code(&blocked)), (StatusCode::TOO_MANY_REQUESTS, "too_many_requests".to_owned()));
        assert!(!blocked.header("retry-after").is_empty());
        app.finish().await;
    }
}

on_every_backend_with_s3! {
    async fn with_s3_an_api_client_uploads_straight_to_the_bucket(app) {
        let mut client = app.client();
        let (access, _) = register(&mut client, "ada@example.org").await;
        let bytes = support::audio::wav_sine(0.5);
        let body = json!({ "size": bytes.len(), "content_type": "audio/wav" });
        let ticket = client.api("POST", "/echoes/uploads", Some(&access), Some(body)).await;
        assert_eq!(ticket.status, StatusCode::CREATED, "{}", ticket.text());
        let ticket: Value = ticket.json();
        assert_eq!((ticket["direct"].as_bool(), ticket["method"].as_str()), (Some(true), Some("PUT")));
        let mut put = reqwest::Client::new().put(ticket["url"].as_str().unwrap());
        for header in ticket["headers"].as_array().unwrap() {
            let name = header["name"].as_str().unwrap();
            if !name.eq_ignore_ascii_case("content-length") {
                put = put.header(name, header["value"].as_str().unwrap());
            }
        }
        assert_eq!(put.body(bytes.clone()).send().await.unwrap().status().as_u16(), 200);
        let complete = ticket["complete_url"].as_str().unwrap().trim_start_matches("/api/v1").to_owned();
        let fields = json!({ "emotion": "calm", "title": "Straight to the bucket", "tags": ["Sea", "sea"] });
        let made = client.api("POST", &complete, Some(&access), Some(fields.clone())).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let echo: Value = made.json();
        assert_eq!((echo["id"].clone(), echo["tags"].clone()), (ticket["upload_id"].clone(), json!(["sea"])));
        let again = client.api("POST", &complete, Some(&access), Some(fields)).await;
        assert_eq!(again.json::<Value>()["id"], echo["id"], "completing twice answers with the same echo");
        let audio = client.api("GET", &format!("/echoes/{}/audio", echo["id"].as_str().unwrap()), Some(&access), None).await;
        assert_eq!(audio.status, StatusCode::TEMPORARY_REDIRECT);
        let unknown = client.api("POST", &format!("/echoes/uploads/{}/complete", uuid::Uuid::now_v7()), Some(&access), Some(json!({ "emotion": "joy" }))).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
}
