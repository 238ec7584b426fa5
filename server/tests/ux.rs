//! What the UX pass promises, seen from outside: every wrong field named at
//! once, one-shot flash messages, and times in the person's own zone.

mod support;

use app::echoes::Echo;
use app::emotion::Emotion;
use axum::http::StatusCode;
use support::{Upload, PASSWORD};

/// 21 Nov 2025, 23:30 UTC.
const LATE_EVENING_UTC: i64 = 1_763_767_800_000;

/// This browser, sending `flash` along as a browser would after a redirect.
fn with_flash(app: &support::TestApp, flash: &str) -> support::TestApp {
    let mut browser = app.same_browser();
    let session = browser.cookie.clone().map(|c| format!("{c}; ")).unwrap_or_default();
    browser.cookie = Some(format!("{session}echoes_flash={flash}"));
    browser
}

on_every_backend! {
    async fn sign_up_and_log_in_name_every_wrong_field_at_once(app) {
        let response = app.call("accounts/sign_up", &[("email", ""), ("password", ""), ("display_name", "")]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.text());
        let error = response.error();
        assert_eq!(error.fields(), ["display_name", "email", "password"], "{}", response.text());
        assert!(error.message_for("password").is_some_and(|m| m.contains("8")), "{}", response.text());

        let response = app.call("accounts/log_in", &[("email", " "), ("password", "")]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.text());
        assert_eq!(response.error().fields(), ["email", "password"]);

        // Changing the password or the address says both fields at once too.
        app.signed_up("ada@example.org").await;
        let response = app.call("accounts/change_password", &[("current_password", ""), ("new_password", "short")]).await;
        assert_eq!(response.error().fields(), ["current_password", "new_password"], "{}", response.text());
        let response = app.call("accounts/change_email", &[("new_email", "nope"), ("current_password", "")]).await;
        assert_eq!(response.error().fields(), ["new_email", "current_password"], "{}", response.text());
        app.log_out().await;

        // One wrong field stays a plain field error, with no list.
        let response = app.call("accounts/sign_up", &[("email", "ada@example.org"), ("password", PASSWORD), ("display_name", "")]).await;
        let error = response.error();
        assert_eq!((error.field.as_deref(), error.errors.len()), (Some("display_name"), 0));
    }

    async fn an_upload_without_file_or_emotion_names_both_with_or_without_javascript(app) {
        app.signed_up("ada@example.org").await;
        // The form as a browser without JavaScript sends it: no file chosen.
        let empty = || Upload::file("", "application/octet-stream", Vec::new()).field("title", "x".repeat(200).as_str());
        let response = app.upload(empty().into_html_form()).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        let back = response.header("location").to_owned();
        assert_eq!(back, "/upload?error=validation&field=audio&field=emotion&field=title");
        let page = app.get_page(&back).await.text();
        for message in ["Choose an audio file to upload.", "Choose the emotion this echo carries.", "Keep the title to"] {
            assert!(page.contains(message), "{message} missing");
        }
        // The same from a script or the hydrated page: one 422 listing all.
        let response = app.upload(empty()).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.error().fields(), ["audio", "emotion", "title"]);
        assert!(app.stored_files().is_empty());
        assert_eq!(app.echo_rows().await, 0);
        // A good file with a bad field is not kept either.
        let too_many: Vec<String> = (0..25).map(|i| format!("tag{i}")).collect();
        let response = app.upload(Upload::wav(Emotion::Calm).field("tags", &too_many.join(","))).await;
        assert_eq!(response.error().fields(), ["tags"]);
        assert!(app.stored_files().is_empty());
    }

    async fn a_flash_message_shows_once_on_the_next_page(app) {
        app.signed_up("ada@example.org").await;
        let response = app.upload(Upload::wav(Emotion::Joy).into_html_form()).await;
        assert_eq!(response.flash(), Some("uploaded"));
        let echo_page = response.header("location").to_owned();

        // The next page shows it in a live region and clears the cookie.
        let page = with_flash(&app, "uploaded").get_page(&echo_page).await;
        let html = page.text();
        assert!(html.contains(r#"role="status""#) && html.contains("Echo saved."), "{html}");
        let cleared = page.headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok())
            .any(|v| v.starts_with("echoes_flash=;") && v.contains("Max-Age=0"));
        assert!(cleared, "the flash is cleared once shown");
        // Without the cookie, nothing; an unknown code shows nothing either.
        assert!(!app.get_page(&echo_page).await.text().contains("Echo saved."));
        assert!(!with_flash(&app, "%3Cscript%3E").get_page(&echo_page).await.text().contains("<script>"));

        let id = echo_page.trim_start_matches("/echoes/").to_owned();
        assert_eq!(app.call("echoes/delete", &[("id", &id)]).await.flash(), Some("deleted"));
        let list = with_flash(&app, "deleted").get_page("/echoes").await.text();
        assert!(list.contains("Echo deleted."));
        assert_eq!(app.log_out().await.flash(), Some("logged-out"));
        assert_eq!(app.log_in("ada@example.org", PASSWORD).await.flash(), Some("logged-in"));
        // A refused log-in says nothing of the kind.
        assert_eq!(app.client().log_in("ada@example.org", "wrong password!").await.flash(), None);
    }

    async fn times_are_read_and_shown_in_the_persons_own_zone(app) {
        app.signed_up("ada@example.org").await;
        assert_eq!(app.me().await.unwrap().time_zone, None);
        // The browser's zone is kept the first time only…
        let response = app.call("accounts/detect_time_zone", &[("time_zone", "America/New_York")]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        app.call("accounts/detect_time_zone", &[("time_zone", "Asia/Tokyo")]).await;
        assert_eq!(app.me().await.unwrap().time_zone.as_deref(), Some("America/New_York"));
        // …and a wrong name is refused on its field.
        let response = app.call("accounts/time_zone", &[("time_zone", "Mars/Olympus")]).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.error().field.as_deref(), Some("time_zone"));

        // 18:30 in New York (UTC−5) is 23:30 UTC.
        let response = app.upload(Upload::wav(Emotion::Calm).field("captured_at", "2025-11-21T18:30")).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        let echo: Echo = response.json();
        assert_eq!(echo.captured_at, LATE_EVENING_UTC);
        let page = app.get_page(&echo.page_url()).await.text();
        assert!(page.contains("21 Nov 2025, 18:30"), "New York sees the 21st");
        assert!(page.contains(r#"datetime="2025-11-21T23:30:00Z""#));

        // The same moment for someone in UTC+2 falls on the 22nd.
        let response = app.call("accounts/time_zone", &[("time_zone", "Africa/Cairo")]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let page = app.get_page(&echo.page_url()).await.text();
        assert!(page.contains("22 Nov 2025, 01:30"), "Cairo sees the 22nd");
        let list = app.get_page("/echoes").await.text();
        assert!(list.contains("22 Nov 2025, 01:30"), "the list too");
        // The upload form offers now, in Cairo.
        let form = app.get_page("/upload").await.text();
        assert!(form.contains("Your local time (Africa/Cairo)"));
        // Someone with no zone yet sees UTC.
        let mut other = app.other_user("bob@example.org").await;
        let response = other.upload(Upload::wav(Emotion::Joy).field("captured_at", "2025-11-21T23:30")).await;
        assert_eq!(response.json::<Echo>().captured_at, LATE_EVENING_UTC);
    }
}
