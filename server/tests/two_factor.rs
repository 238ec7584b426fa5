//! Two-step sign-in (TOTP) through the real router and database: codes
//! computed here from the secret the account page shows, as an
//! authenticator app would.

mod support;

use app::accounts::two_factor::TwoFactorState;
use axum::http::StatusCode;
use support::two_factor::{code, second_step, status, turn_on};
use support::PASSWORD;

const EMAIL: &str = "ada@example.org";

/// The `error` of an API answer.
fn api_error(response: &support::TestResponse) -> app::error::AppError {
    let body: serde_json::Value = response.json();
    serde_json::from_value(body["error"].clone()).unwrap_or_else(|_| panic!("not an API error: {}", response.text()))
}

async fn count(app: &support::TestApp, sql: &str) -> i64 {
    app::on_db!(&app.state.db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await).expect(sql)
}

on_every_backend! {
    async fn setting_up_needs_one_right_code_and_shows_the_recovery_codes_once(app) {
        app.signed_up(EMAIL).await;
        assert_eq!(status(&mut app).await, TwoFactorState::Off);
        let begun = app.call("accounts/two_factor/begin", &[]).await;
        assert_eq!(begun.status, StatusCode::OK, "{}", begun.text());
        let TwoFactorState::SettingUp { secret, .. } = status(&mut app).await else { panic!("not being set up") };
        assert_eq!(secret.len(), 32, "160 bits in base32");

        // A wrong code leaves it off, with the error on the code field.
        let wrong = app.call("accounts/two_factor/enable", &[("code", "000000")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.error().field.as_deref(), Some("code"));
        let malformed = app.call("accounts/two_factor/enable", &[("code", "12ab")]).await;
        assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(matches!(status(&mut app).await, TwoFactorState::SettingUp { .. }));
        // Signing in still takes the password only.
        let mut other = app.client();
        assert_eq!(other.log_in(EMAIL, PASSWORD).await.header("location"), "/echoes");

        // "Not now" drops the setup; setting up again gives a new secret.
        assert_eq!(app.call("accounts/two_factor/cancel", &[]).await.status, StatusCode::OK);
        assert_eq!(status(&mut app).await, TwoFactorState::Off);
        let (again, codes) = turn_on(&mut app).await;
        assert_ne!(again, secret);
        assert!(codes.iter().all(|c| c.len() == 11), "{codes:?}");
        // Shown once: the next look has none.
        let TwoFactorState::On { new_recovery_codes, recovery_codes_left, .. } = status(&mut app).await else { panic!("off") };
        assert!(new_recovery_codes.is_empty());
        assert_eq!(recovery_codes_left, 10);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM recovery_codes").await, 10);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE subject = 'Two-step sign-in is on for your Echoes account'").await, 1);
        // A second setup while it is on is refused.
        assert_eq!(app.call("accounts/two_factor/begin", &[]).await.status, StatusCode::BAD_REQUEST);
    }

    async fn the_password_alone_no_longer_signs_in_and_each_code_works_once(app) {
        app.signed_up(EMAIL).await;
        let (secret, recovery, used) = support::two_factor::turn_on_with(&mut app).await;
        app.log_out().await;

        let first = app.log_in(EMAIL, PASSWORD).await;
        assert!(first.status.is_success(), "{}", first.text());
        assert_eq!(first.header("location"), "/login/two-factor");
        assert!(app.me().await.is_none(), "half-way is not signed in");
        assert_eq!(app.get_page("/echoes").await.status, StatusCode::FOUND, "pages still ask to log in");
        let page = app.get_page("/login/two-factor").await;
        assert!(page.text().contains("autocomplete=\"one-time-code\""), "the page asks for the code");

        let wrong = second_step(&mut app, "000000").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.error().field.as_deref(), Some("code"));
        // The code used to turn it on was seen (even if the clock has moved
        // to the next step since): the app's next one works.
        assert_eq!(second_step(&mut app, &used).await.status, StatusCode::UNAUTHORIZED, "a used step");
        let next = code(&secret, 30);
        let done = second_step(&mut app, &next).await;
        assert!(done.status.is_success(), "{}", done.text());
        assert_eq!(done.header("location"), "/echoes");
        assert_eq!(app.me().await.expect("signed in").email, EMAIL);

        // The same code again, in another sign-in: refused.
        app.log_out().await;
        app.log_in(EMAIL, PASSWORD).await;
        assert_eq!(second_step(&mut app, &next).await.status, StatusCode::UNAUTHORIZED, "a reused step");
        // A recovery code works, once, typed however.
        let recovery_code = recovery[0].to_uppercase().replace('-', " ");
        assert!(second_step(&mut app, &recovery_code).await.status.is_success());
        assert!(app.me().await.is_some());
        app.log_out().await;
        app.log_in(EMAIL, PASSWORD).await;
        assert_eq!(second_step(&mut app, &recovery[0]).await.status, StatusCode::UNAUTHORIZED, "a used recovery code");
        assert!(second_step(&mut app, &recovery[1]).await.status.is_success());
        let TwoFactorState::On { recovery_codes_left, .. } = status(&mut app).await else { panic!("off") };
        assert_eq!(recovery_codes_left, 8);
    }

    async fn five_wrong_codes_end_the_attempt(app) {
        app.signed_up(EMAIL).await;
        let (secret, _) = turn_on(&mut app).await;
        app.log_out().await;
        app.log_in(EMAIL, PASSWORD).await;
        for _ in 0..4 {
            assert_eq!(second_step(&mut app, "111111").await.error().message.contains("not right"), true);
        }
        let last = second_step(&mut app, "111111").await;
        assert!(last.error().message.contains("Log in again"), "{}", last.text());
        // The attempt is over: even the right code needs a new log-in.
        let late = second_step(&mut app, &code(&secret, 30)).await;
        assert_eq!(late.status, StatusCode::UNAUTHORIZED);
        assert_eq!(late.error().code, app::error::ErrorCode::Unauthenticated);
        assert!(app.get_page("/login/two-factor").await.text().contains("has timed out"));
        app.log_in(EMAIL, PASSWORD).await;
        assert!(second_step(&mut app, &code(&secret, 30)).await.status.is_success());
    }

    async fn wrong_codes_are_throttled_across_attempts(app) {
        app.signed_up(EMAIL).await;
        let (secret, _) = turn_on(&mut app).await;
        app.log_out().await;
        // Starting over does not give fresh tries for ever: ten wrong codes
        // block the account's codes like ten wrong passwords.
        let mut statuses = Vec::new();
        for _ in 0..3 {
            app.log_in(EMAIL, PASSWORD).await;
            for _ in 0..4 {
                statuses.push(second_step(&mut app, "222222").await.status);
            }
        }
        assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
        app.log_in(EMAIL, PASSWORD).await;
        let blocked = second_step(&mut app, &code(&secret, 30)).await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "even the right code waits");
        assert!(!blocked.header("retry-after").is_empty());
    }

    async fn the_api_log_in_asks_for_the_code_too(app) {
        app.signed_up(EMAIL).await;
        let (secret, recovery) = turn_on(&mut app).await;
        let mut script = app.client();
        let body = |code: Option<&str>| serde_json::json!({"email": EMAIL, "password": PASSWORD, "two_factor_code": code});

        let missing = script.api("POST", "/auth/login", None, Some(serde_json::json!({"email": EMAIL, "password": PASSWORD}))).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api_error(&missing).code, app::error::ErrorCode::TwoFactorRequired);
        assert_eq!(api_error(&missing).field.as_deref(), Some("two_factor_code"));
        let long = "0".repeat(65);
        let too_long = script.api("POST", "/auth/login", None, Some(body(Some(&long)))).await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY, "longer than the schema allows");
        assert_eq!(api_error(&too_long).field.as_deref(), Some("two_factor_code"));
        let wrong = script.api("POST", "/auth/login", None, Some(body(Some("123123")))).await;
        assert_eq!(api_error(&wrong).code, app::error::ErrorCode::InvalidCode);
        // A wrong password with a right code is still a wrong password.
        let bad_password = script.api("POST", "/auth/login", None,
            Some(serde_json::json!({"email": EMAIL, "password": "not it at all", "two_factor_code": code(&secret, 30)}))).await;
        assert_eq!(api_error(&bad_password).code, app::error::ErrorCode::InvalidCredentials);

        let right = script.api("POST", "/auth/login", None, Some(body(Some(&code(&secret, 30))))).await;
        assert_eq!(right.status, StatusCode::OK, "{}", right.text());
        let token = right.json::<serde_json::Value>()["access_token"].as_str().unwrap().to_owned();
        assert_eq!(script.api("GET", "/auth/me", Some(&token), None).await.status, StatusCode::OK);
        let reused = script.api("POST", "/auth/login", None, Some(body(Some(&code(&secret, 30))))).await;
        assert_eq!(api_error(&reused).code, app::error::ErrorCode::InvalidCode, "a used step");
        assert_eq!(script.api("POST", "/auth/login", None, Some(body(Some(&recovery[3])))).await.status, StatusCode::OK);
    }

    async fn turning_it_off_needs_a_code(app) {
        app.signed_up(EMAIL).await;
        let (secret, _) = turn_on(&mut app).await;
        let wrong = app.call("accounts/two_factor/disable", &[("code", "999999")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(matches!(status(&mut app).await, TwoFactorState::On { .. }));
        // New recovery codes also need one; the old ones stop working.
        let fresh = app.call("accounts/two_factor/new_codes", &[("code", &code(&secret, 30))]).await;
        assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.text());
        let TwoFactorState::On { new_recovery_codes, .. } = status(&mut app).await else { panic!("off") };
        assert_eq!(new_recovery_codes.len(), 10);

        let off = app.call("accounts/two_factor/disable", &[("code", &new_recovery_codes[0])]).await;
        assert_eq!(off.status, StatusCode::OK, "{}", off.text());
        assert_eq!(status(&mut app).await, TwoFactorState::Off);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM recovery_codes").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox WHERE subject = 'Two-step sign-in is off for your Echoes account'").await, 1);
        app.log_out().await;
        assert_eq!(app.log_in(EMAIL, PASSWORD).await.header("location"), "/echoes", "one step again");
    }

    async fn the_second_step_works_without_javascript(app) {
        app.signed_up(EMAIL).await;
        let (secret, _) = turn_on(&mut app).await;
        app.log_out().await;
        let first = app.post_form("/_fn/accounts/log_in", &[("email", EMAIL), ("password", PASSWORD)], "text/html").await;
        assert_eq!(first.status, StatusCode::FOUND);
        assert_eq!(first.header("location"), "/login/two-factor");
        let wrong = app.post_form("/_fn/accounts/two_factor/finish", &[("code", "000000")], "text/html").await;
        assert!(wrong.header("location").contains("__err="), "back to the form with the error");
        let right = app.post_form("/_fn/accounts/two_factor/finish", &[("code", &code(&secret, 30))], "text/html").await;
        assert_eq!(right.header("location"), "/echoes");
        assert!(app.me().await.is_some());
    }

    async fn signed_out_callers_cannot_touch_two_step_settings(app) {
        for function in ["status", "begin", "cancel"] {
            let response = app.call(&format!("accounts/two_factor/{function}"), &[]).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{function}");
        }
        for function in ["enable", "disable", "new_codes", "finish"] {
            let response = app.call(&format!("accounts/two_factor/{function}"), &[("code", "123456")]).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{function}");
        }
    }
}
