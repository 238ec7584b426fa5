//! Accounts: sign up, log in, log out, "me" — and every way they can go wrong.

mod support;

use axum::http::StatusCode;
use support::PASSWORD;

on_every_backend! {
    async fn signing_up_signs_the_new_user_in(app) {
        let response = app.sign_up("Ada@Example.org", PASSWORD, "  Ada  ").await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let me = app.me().await.expect("signed in");
        assert_eq!(me.email, "ada@example.org");
        assert_eq!(me.display_name, "Ada");
    }

    async fn a_session_cookie_is_http_only_and_same_site_lax(app) {
        let response = app.sign_up("ada@example.org", PASSWORD, "Ada").await;
        let cookie = response.session_cookie();
        assert!(cookie.starts_with("echoes_session="), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http must not set Secure: {cookie}");
    }

    async fn a_duplicate_email_is_a_conflict_on_the_email_field(app) {
        app.signed_up("ada@example.org").await;
        app.log_out().await;
        let response = app.sign_up("ADA@example.org", PASSWORD, "Another Ada").await;
        assert_eq!(response.status, StatusCode::CONFLICT);
        let error = response.error();
        assert_eq!(error.field.as_deref(), Some("email"));
        assert!(error.message.contains("already exists"), "{}", error.message);
        // Handed back, so the page without JavaScript can keep it in the
        // field and carry it to "Log in instead?".
        assert!(error.value.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("ada@example.org")), "{:?}", error.value);
    }

    async fn a_short_password_is_refused_with_the_rule(app) {
        let response = app.sign_up("ada@example.org", "short", "Ada").await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        let error = response.error();
        assert_eq!(error.field.as_deref(), Some("password"));
        assert!(error.message.contains("at least 8"), "{}", error.message);
        assert!(app.me().await.is_none());
    }

    async fn an_overlong_password_is_refused_not_truncated(app) {
        let response = app.sign_up("ada@example.org", &"x".repeat(129), "Ada").await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        // 128 characters is fine, and only the whole of it logs in.
        let long = "y".repeat(128);
        assert_eq!(app.sign_up("ada@example.org", &long, "Ada").await.status, StatusCode::OK);
        app.log_out().await;
        assert_eq!(app.log_in("ada@example.org", &long[..127]).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.log_in("ada@example.org", &long).await.status, StatusCode::OK);
    }

    async fn an_invalid_email_is_refused_on_its_field(app) {
        let response = app.sign_up("not-an-email", PASSWORD, "Ada").await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.error().field.as_deref(), Some("email"));
    }

    async fn a_wrong_password_and_an_unknown_email_get_the_same_answer(app) {
        app.signed_up("ada@example.org").await;
        app.log_out().await;
        let wrong_password = app.log_in("ada@example.org", "not the password").await;
        let unknown_email = app.log_in("nobody@example.org", "not the password").await;
        assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
        assert_eq!(unknown_email.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong_password.error(), unknown_email.error());
        assert!(app.me().await.is_none());
    }

    async fn logging_in_rotates_the_session_id(app) {
        // A session exists before logging in (an attacker could have planted it).
        app.signed_up("ada@example.org").await;
        let first = app.cookie.clone().expect("cookie after sign up");
        app.log_out().await;
        app.cookie = Some(first.clone());
        let response = app.log_in("ada@example.org", PASSWORD).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let second = app.cookie.clone().expect("cookie after log in");
        assert_ne!(first, second, "log in must issue a new session id");
        assert!(app.me().await.is_some());
    }

    async fn logging_out_deletes_the_session_on_the_server(app) {
        app.signed_up("ada@example.org").await;
        let stolen = app.cookie.clone();
        assert_eq!(app.log_out().await.status, StatusCode::OK);
        assert!(app.me().await.is_none());
        // Replaying the old cookie does not bring the session back.
        app.cookie = stolen;
        assert!(app.me().await.is_none(), "the old session must be gone from the store");
    }

    async fn the_log_in_form_works_without_javascript(app) {
        app.signed_up("ada@example.org").await;
        app.log_out().await;
        // A plain HTML form post: success redirects to my echoes.
        let response = app.post_form("/_fn/accounts/log_in", &[("email", "ada@example.org"), ("password", PASSWORD)], "text/html").await;
        assert_eq!(response.status, StatusCode::FOUND);
        assert_eq!(response.header("location"), "/echoes");
        assert!(app.me().await.is_some());
    }

    async fn log_in_and_sign_up_come_back_to_a_page_on_this_site_only(app) {
        let form = app.get_page("/login?next=%2Fupload").await.text();
        assert!(form.contains("name=\"next\" value=\"/upload\""), "the form carries where to go back to");
        assert!(form.contains("href=\"/signup?next=%2Fupload\""), "and so does the sign-up link");
        let signed_up = app.call("accounts/sign_up", &[("email", "ada@example.org"), ("password", PASSWORD),
            ("display_name", "Ada"), ("next", "/echoes?emotion=calm")]).await;
        assert_eq!(signed_up.header("location"), "/echoes?emotion=calm");
        app.log_out().await;
        for (next, lands) in [
            ("/upload", "/upload"),
            ("", "/echoes"),
            ("//evil.example", "/echoes"),
            ("https://evil.example/", "/echoes"),
            ("/\\evil.example", "/echoes"),
            ("/%2F%2Fevil.example", "/echoes"),
            ("/%5Cevil.example", "/echoes"),
            ("/x%0d%0aSet-Cookie:%20a=b", "/echoes"),
            ("javascript:alert(1)", "/echoes"),
        ] {
            let response = app.call("accounts/log_in", &[("email", "ada@example.org"), ("password", PASSWORD), ("next", next)]).await;
            assert_eq!(response.header("location"), lands, "{next:?}");
            app.log_out().await;
        }
        // Without JavaScript too.
        let plain = app.post_form("/_fn/accounts/log_in",
            &[("email", "ada@example.org"), ("password", PASSWORD), ("next", "/upload")], "text/html").await;
        assert_eq!((plain.status, plain.header("location")), (StatusCode::FOUND, "/upload"));
    }

    async fn a_failed_log_in_without_javascript_returns_to_the_form_with_the_error(app) {
        let response = app.post_form("/_fn/accounts/log_in", &[("email", "ada@example.org"), ("password", "wrong password")], "text/html").await;
        assert_eq!(response.status, StatusCode::FOUND);
        let location = response.header("location").to_owned();
        assert!(location.starts_with("http://127.0.0.1:3000/form?"), "{location}");
        assert!(location.contains("__err="), "{location}");
    }
}

on_every_backend! {
    async fn a_call_with_missing_fields_is_a_bad_request_not_a_server_error(app) {
        let response = app.call("accounts/sign_up", &[("email", "ada@example.org")]).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.text());
        let error = response.error();
        assert_eq!(error.code, app::error::ErrorCode::BadRequest);
        let response = app.call("echoes/get", &[]).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{}", response.text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_https_the_session_cookie_is_secure() {
    let mut app = support::TestApp::start(support::Backend::Sqlite, &[("PUBLIC_URL", "https://echoes.example")]).await;
    let response = app.sign_up("ada@example.org", PASSWORD, "Ada").await;
    let cookie = response.session_cookie();
    assert!(cookie.contains("; Secure"), "{cookie}");
    app.finish().await;
}
