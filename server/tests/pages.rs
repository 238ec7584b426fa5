//! The server-rendered pages, fetched the way a browser without JavaScript
//! sees them.

mod support;

use app::emotion::Emotion;
use axum::http::StatusCode;
use support::Upload;

on_every_backend! {
    async fn the_home_page_welcomes_a_visitor(app) {
        let page = app.get_page("/").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("Keep the sound of a moment."), "{html}");
        assert!(html.contains("href=\"/signup\""));
        assert!(html.contains("/pkg/echoes.css"));
    }

    async fn every_form_field_has_a_label(app) {
        app.signed_up("ada@example.org").await;
        let upload = app.get_page("/upload").await.text();
        app.log_out().await;
        let log_in = app.get_page("/login").await.text();
        let sign_up = app.get_page("/signup").await.text();
        for (page, ids) in [
            (&log_in, vec!["email", "password"]),
            (&sign_up, vec!["display_name", "email", "password"]),
            (&upload, vec!["audio", "title", "tags", "note", "captured_at", "emotion-calm"]),
        ] {
            for id in ids {
                assert!(page.contains(&format!("id=\"{id}\"")), "no field {id}");
                assert!(page.contains(&format!("for=\"{id}\"")), "no label for {id}");
            }
        }
        assert!(upload.contains("enctype=\"multipart/form-data\""));
        assert!(upload.contains("up to 25 MiB"), "the limit is shown before choosing a file");
    }

    async fn signed_out_visitors_are_sent_to_log_in(app) {
        // ...and told where they were, to come back to it.
        for (path, back) in [("/echoes", "/login?next=%2Fechoes"), ("/upload", "/login?next=%2Fupload"),
                             ("/echoes?emotion=calm", "/login?next=%2Fechoes%3Femotion%3Dcalm")] {
            let page = app.get_page(path).await;
            assert_eq!(page.status, StatusCode::FOUND, "{path}");
            assert_eq!(page.header("location"), back, "{path}");
        }
    }

    async fn my_echoes_lists_my_echoes_and_filters_them(app) {
        app.signed_up("ada@example.org").await;
        app.upload(Upload::wav(Emotion::Calm).field("title", "Harbour at dusk")).await;
        app.upload(Upload::wav(Emotion::Joy).field("title", "Birthday song")).await;
        let all = app.get_page("/echoes").await.text();
        assert!(all.contains("Harbour at dusk") && all.contains("Birthday song"));
        let calm = app.get_page("/echoes?emotion=calm").await.text();
        assert!(calm.contains("Harbour at dusk"));
        assert!(!calm.contains("Birthday song"));
        assert!(calm.contains("aria-current=\"page\""), "the chosen chip is marked");
    }

    async fn the_echo_page_has_a_player_and_a_confirmed_delete(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Nostalgia).await;
        let page = app.get_page(&echo.page_url()).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains(&format!("src=\"/echoes/{}/audio\"", echo.id)), "{html}");
        assert!(html.contains("<audio"));
        assert!(html.contains("<details"), "delete asks for confirmation first");
        assert!(html.contains("Delete permanently"));
    }

    async fn the_echo_page_draws_the_waveform_and_duration_before_any_script(app) {
        app.signed_up("ada@example.org").await;
        let upload = Upload::file("m.wav", "audio/wav", support::audio::wav_sine(2.0)).field("emotion", "calm");
        let echo: app::echoes::Echo = app.upload(upload).await.json();
        let html = app.get_page(&echo.page_url()).await.text();
        assert!(html.contains("<svg viewBox=\"0 0 200 100\"") && html.contains("data-testid=\"waveform\""), "{html}");
        let bars = html.split("<path d=\"").nth(1).unwrap_or_default();
        assert!(bars.starts_with("M0.15 ") && bars.matches('z').count() >= 200, "200 bars are drawn on the server");
        assert!(html.contains("0:00 / 0:02"), "the duration comes from the server");
        assert!(html.contains("data-duration-ms=\"2000\""));
    }

    async fn a_missing_echo_page_is_a_404(app) {
        app.signed_up("ada@example.org").await;
        let page = app.get_page(&format!("/echoes/{}", uuid::Uuid::now_v7())).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.text().contains("No such echo."));
        assert!(page.text().contains("<h1>Echo not found</h1>"), "the page has a heading");
        let page = app.get_page("/no/such/page").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }

    async fn the_home_page_plays_a_random_echo_of_the_chosen_emotion(app) {
        app.signed_up("ada@example.org").await;
        let echo = app.uploaded_echo(Emotion::Calm).await;
        let html = app.get_page("/?emotion=calm").await.text();
        assert!(html.contains(&format!("src=\"/echoes/{}/audio\"", echo.id)), "{html}");
        let html = app.get_page("/?emotion=joy").await.text();
        assert!(html.contains("You have no joy echoes yet."), "{html}");
    }

    async fn a_refused_html_upload_shows_the_error_next_to_the_file_field(app) {
        app.signed_up("ada@example.org").await;
        let response = app.upload(Upload::file("x.mp3", "audio/mpeg", b"not audio at all".to_vec()).field("emotion", "joy").into_html_form()).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER);
        let location = response.header("location").to_owned();
        assert_eq!(location, "/upload?error=unsupported_media_type&field=audio");
        let html = app.get_page(&location).await.text();
        assert!(html.contains("id=\"audio-error\""), "{html}");
        assert!(html.contains("That file is not audio Echoes can keep."));
    }

    async fn health_and_readiness_answer(app) {
        assert_eq!(app.get("/health").await.status, StatusCode::OK);
        let ready = app.get("/ready").await;
        assert_eq!(ready.status, StatusCode::OK);
        assert_eq!(ready.json::<serde_json::Value>()["database"], "ok");
    }
}
