//! Who may play an echo's audio at `/echoes/{id}/audio`. The route reads
//! the session cookie itself, outside the session layer (a player asks for
//! range after range), so these tests hold it to exactly what the layer
//! enforces: the owner's live session or token, and nobody else, at once
//! after a log-out, an ended session or a disabled account.

mod support;

use axum::http::StatusCode;
use serde_json::{json, Value};
use support::PASSWORD;

use app::emotion::Emotion;
use app::error::ErrorCode;

fn assert_refused(response: &support::TestResponse, what: &str) {
    assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{what}: {}", response.text());
    assert_eq!(response.error().code, ErrorCode::Unauthenticated, "{what}");
    assert!(response.body.len() < 1000, "{what}: no audio in the answer");
}

on_every_backend! {
    async fn only_the_owners_live_session_or_token_plays_the_audio(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        let url = echo.audio_url();
        let ranged = |who: &str| format!("{who}, a range");
        assert_eq!(app.get(&url).await.status, StatusCode::OK);
        assert_eq!(app.get_with(&url, &[("range", "bytes=0-1")]).await.status, StatusCode::PARTIAL_CONTENT);

        // Nobody, somebody else, and cookies that name no session.
        assert_refused(&app.client().get(&url).await, "no cookie");
        assert_refused(&app.client().get_with(&url, &[("range", "bytes=0-1")]).await, &ranged("no cookie"));
        let mut bob = app.other_user("bob@example.org").await;
        assert_eq!(bob.get(&url).await.status, StatusCode::NOT_FOUND, "someone else's echo does not exist for Bob");
        for forged in ["garbage", "AAAAAAAAAAAAAAAAAAAAAA", "", "=;=;", &"x".repeat(5000)] {
            let mut stranger = app.client();
            stranger.cookie = Some(format!("echoes_session={forged}"));
            assert_refused(&stranger.get(&url).await, &format!("cookie {forged:.20}"));
        }
        // The right cookie among others, as a browser sends it, still works.
        let mut crowded = app.same_browser();
        crowded.cookie = Some(format!("theme=dark; {}; echoes_session_x=1", app.cookie.clone().unwrap()));
        assert_eq!(crowded.get(&url).await.status, StatusCode::OK);

        // A bearer token works as on every other route; a wrong one is refused.
        let mut script = app.client();
        let tokens: Value =
            script.api("POST", "/auth/login", None, Some(json!({ "email": "ada@example.org", "password": PASSWORD }))).await.json();
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let with_token = script.get_with(&url, &[("authorization", &format!("Bearer {access}"))]).await;
        assert_eq!(with_token.status, StatusCode::OK, "{}", with_token.text());
        let wrong = script.get_with(&url, &[("authorization", "Bearer not-a-token")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

        // A log-out: the cookie the browser had stops at once.
        let mut tab = app.another_browser("ada@example.org", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0").await;
        let mut kept = tab.same_browser();
        assert_eq!(kept.get(&url).await.status, StatusCode::OK);
        assert!(tab.log_out().await.status.is_success());
        assert_refused(&kept.get(&url).await, "after a log-out");

        // A session ended from the account page stops at once.
        let mut phone = app.another_browser("ada@example.org", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0").await;
        assert_eq!(phone.get(&url).await.status, StatusCode::OK);
        let ended = app.call("accounts/devices/end", &[("handle", "")]).await;
        assert!(ended.status.is_success(), "{}", ended.text());
        assert_refused(&phone.get_with(&url, &[("range", "bytes=0-1")]).await, "an ended session");
        assert_eq!(app.get(&url).await.status, StatusCode::OK, "the session that ended the others goes on");

        // A disabled account stops at once, and comes back when enabled.
        let mut admin = app.other_user("admin@example.org").await;
        app.make_admin("admin@example.org").await;
        let ada = app.me().await.unwrap().id.to_string();
        let disabled = admin.call("admin/users/update", &[("id", &ada), ("action", "disable")]).await;
        assert!(disabled.status.is_success() || disabled.status.is_redirection(), "{}", disabled.text());
        assert_refused(&app.same_browser().get(&url).await, "a disabled account");
        let mut token_client = app.client();
        let by_token = token_client.get_with(&url, &[("authorization", &format!("Bearer {access}"))]).await;
        assert_eq!(by_token.status, StatusCode::FORBIDDEN, "a disabled account's token: {}", by_token.text());
        let enabled = admin.call("admin/users/update", &[("id", &ada), ("action", "enable")]).await;
        assert!(enabled.status.is_success() || enabled.status.is_redirection(), "{}", enabled.text());
        assert_eq!(token_client.get_with(&url, &[("authorization", &format!("Bearer {access}"))]).await.status, StatusCode::OK);
    }
}
