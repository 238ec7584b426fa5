//! Signing in through providers, against real ones on 127.0.0.1 started
//! here: the certified `oidc-provider` (some of its clients made to
//! misbehave) and testkit's GitHub-shaped OAuth 2 server. Nothing inside
//! Echoes is mocked. Every test runs on SQLite and on PostgreSQL.

mod support;

use reqwest::StatusCode;
use support::providers::{self, sign_in_with, through_provider, OidcProvider};
use support::{backends, Backend, TestApp};

struct Providers {
    _oidc: OidcProvider,
    _github: testkit::oauth2::OAuth2Server,
}

async fn start(backend: Backend, s3: bool) -> (TestApp, Providers) {
    let oidc = OidcProvider::start();
    let github = providers::github().await;
    let vars = providers::config(&oidc, &github);
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = if s3 { TestApp::start_with_s3(backend, &pairs).await } else { TestApp::start(backend, &pairs).await };
    (app, Providers { _oidc: oidc, _github: github })
}

/// The challenge of a PKCE verifier Echoes does not hold.
const FOREIGN_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// Changes one parameter of the provider's authorize URL.
fn with_param(name: &'static str, value: &'static str) -> impl Fn(url::Url) -> url::Url {
    move |mut url| {
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        url.query_pairs_mut().clear();
        for (k, v) in pairs {
            let v = if k == name { value.to_owned() } else { v };
            url.query_pairs_mut().append_pair(&k, &v);
        }
        url
    }
}

/// Runs `body` once per backend with the providers up.
macro_rules! with_providers {
    ($( async fn $name:ident($app:ident) $body:block )*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                for backend in backends() {
                    eprintln!("-- {} on {:?}", stringify!($name), backend);
                    #[allow(unused_mut)]
                    let (mut $app, _providers) = start(backend, false).await;
                    $body
                    $app.finish().await;
                }
            }
        )*
    };
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app::on_db!(&app.state.db, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await).expect(sql)
}

/// Where a refused sign-in ends, and that its page says so with `status`.
async fn assert_refused(app: &mut TestApp, location: &str, reason: &str, status: StatusCode) {
    assert!(location.starts_with(&format!("/auth/failed?reason={reason}&")), "expected {reason}, went to {location}");
    let page = app.get_page(location).await;
    assert_eq!(page.status, status, "{location}");
    let text = page.text();
    assert!(text.contains("data-testid=\"sign-in-failure\""), "{text}");
    assert!(text.contains("Back to"), "a way back: {text}");
}

with_providers! {
    async fn first_oidc_sign_in_makes_an_account_and_the_next_signs_into_it(app) {
        assert_eq!(sign_in_with(&mut app, "oidc", "ada@example.org").await, "/echoes");
        let me = app.me().await.expect("signed in");
        assert_eq!(me.email, "ada@example.org");
        assert_eq!(me.display_name, "ada");
        app.log_out().await;
        assert!(app.me().await.is_none());

        assert_eq!(sign_in_with(&mut app, "oidc", "ada@example.org").await, "/echoes");
        assert_eq!(app.me().await.expect("signed in again").id, me.id);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 1);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM identities").await, 1);
        // No password was set, so none signs in.
        let mut other = app.client();
        assert_eq!(other.log_in("ada@example.org", "").await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(other.log_in("ada@example.org", "anything-at-all").await.status, StatusCode::UNAUTHORIZED);
    }

    async fn a_provider_sign_in_passes_through_the_second_step_when_it_is_on(app) {
        use support::two_factor::{code, second_step, turn_on};
        assert_eq!(sign_in_with(&mut app, "oidc", "ada@example.org").await, "/echoes");
        let (secret, _) = turn_on(&mut app).await;
        app.log_out().await;
        assert_eq!(sign_in_with(&mut app, "oidc", "ada@example.org").await, "/login/two-factor");
        assert!(app.me().await.is_none(), "the provider's answer alone does not sign in");
        assert_eq!(second_step(&mut app, "000000").await.status, StatusCode::UNAUTHORIZED);
        let done = second_step(&mut app, &code(&secret, 30)).await;
        assert!(done.status.is_success(), "{}", done.text());
        assert_eq!(app.me().await.expect("signed in").email, "ada@example.org");
    }

    async fn plain_oauth2_sign_in_reads_the_verified_address(app) {
        assert_eq!(sign_in_with(&mut app, "gh", "grace@example.org").await, "/echoes");
        let me = app.me().await.expect("signed in");
        assert_eq!(me.email, "grace@example.org");
        app.log_out().await;
        assert_eq!(sign_in_with(&mut app, "gh", "grace@example.org").await, "/echoes");
        assert_eq!(app.me().await.unwrap().id, me.id);
    }

    async fn the_session_id_changes_at_sign_in(app) {
        // A visitor's session (the one holding the pending sign-in) never
        // becomes the signed-in one: fixation is defeated.
        let callback = through_provider(&mut app, "oidc", "", "lin@example.org", |u| u).await;
        let before = app.cookie.clone().expect("a session for the sign-in under way");
        app.get(&callback).await;
        let after = app.cookie.clone().expect("signed-in session");
        assert_ne!(before, after);
    }

    async fn a_replayed_or_mismatched_state_is_refused(app) {
        let callback = through_provider(&mut app, "oidc", "", "ada@example.org", |u| u).await;
        let mut stranger = app.client();
        // Another browser (no session) bringing the callback: no such sign-in.
        let to = stranger.get(&callback).await;
        assert_refused(&mut stranger, to.header("location"), "stale_state", StatusCode::BAD_REQUEST).await;
        // This browser, with the state changed: refused, and that entry is still unused...
        let forged = callback.replace("state=", "state=x");
        let to = app.get(&forged).await;
        assert_refused(&mut app, to.header("location"), "stale_state", StatusCode::BAD_REQUEST).await;
        // ...so the real one works once, and its replay is refused.
        assert_eq!(app.get(&callback).await.header("location"), "/echoes");
        app.log_out().await;
        let to = app.get(&callback).await;
        assert_refused(&mut app, to.header("location"), "stale_state", StatusCode::BAD_REQUEST).await;
        assert!(app.me().await.is_none());
        // The used code under a fresh, valid state: the provider refuses it.
        let start = app.get("/auth/oidc/start").await;
        let authorize = url::Url::parse(start.header("location")).unwrap();
        let state = authorize.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
        let old = url::Url::parse(&format!("http://x{callback}")).unwrap();
        let code = old.query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
        let to = app.get(&format!("/auth/oidc/callback?code={code}&state={state}")).await;
        assert_refused(&mut app, to.header("location"), "code_refused", StatusCode::BAD_REQUEST).await;
        assert!(app.me().await.is_none());
    }

    async fn a_wrong_pkce_verifier_is_refused_by_the_provider(app) {
        let callback = through_provider(&mut app, "oidc", "", "ada@example.org", with_param("code_challenge", FOREIGN_CHALLENGE))
        .await;
        let to = app.get(&callback).await;
        assert_refused(&mut app, to.header("location"), "code_refused", StatusCode::BAD_REQUEST).await;
        assert!(app.me().await.is_none());

        // The same against the plain OAuth 2 provider.
        let callback = through_provider(&mut app, "gh", "", "ada@example.org", with_param("code_challenge", FOREIGN_CHALLENGE))
        .await;
        let to = app.get(&callback).await;
        assert_refused(&mut app, to.header("location"), "code_refused", StatusCode::BAD_REQUEST).await;
    }

    async fn a_wrong_nonce_is_refused(app) {
        let callback = through_provider(&mut app, "oidc", "", "ada@example.org", with_param("nonce", "a-nonce-echoes-never-made"))
        .await;
        let to = app.get(&callback).await;
        assert_refused(&mut app, to.header("location"), "bad_token", StatusCode::BAD_REQUEST).await;
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
    }

    async fn id_tokens_for_someone_else_expired_or_signed_by_another_key_are_refused(app) {
        for provider in ["badaud", "expired", "otherkey"] {
            let callback = through_provider(&mut app, provider, "", "ada@example.org", |u| u).await;
            let to = app.get(&callback).await;
            assert_refused(&mut app, to.header("location"), "bad_token", StatusCode::BAD_REQUEST).await;
            assert!(app.me().await.is_none(), "{provider}");
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM identities").await, 0);
    }

    async fn an_unverified_email_makes_no_account(app) {
        for provider in ["oidc", "gh"] {
            let to = sign_in_with(&mut app, provider, "unverified:eve@example.org").await;
            assert_refused(&mut app, &to, "unverified_email", StatusCode::BAD_REQUEST).await;
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 0);
    }

    async fn consent_denied_and_an_unreachable_provider_end_on_a_clear_page(app) {
        let start = app.get("/auth/oidc/start").await;
        let authorize = url::Url::parse(start.header("location")).unwrap();
        let state = authorize.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
        let to = app.get(&format!("/auth/oidc/callback?error=access_denied&state={state}")).await;
        assert_refused(&mut app, to.header("location"), "denied", StatusCode::FORBIDDEN).await;

        let to = app.get("/auth/down/start").await;
        assert_refused(&mut app, to.header("location"), "unreachable", StatusCode::BAD_GATEWAY).await;
        let to = app.get("/auth/nowhere/start").await;
        assert_refused(&mut app, to.header("location"), "unknown_provider", StatusCode::NOT_FOUND).await;
        // Hostile callbacks: no state, a huge one, garbage.
        for query in ["", "?code=x", &format!("?state={}", "a".repeat(10_000)), "?state=%ZZ&code=%00"] {
            let to = app.get(&format!("/auth/oidc/callback{query}")).await;
            assert_eq!(to.status, StatusCode::SEE_OTHER, "{query}");
            assert!(to.header("location").starts_with("/auth/failed?"), "{query}");
        }
    }

    async fn an_equal_email_never_takes_over_an_account(app) {
        app.signed_up("ada@example.org").await;
        app.log_out().await;
        // Someone with "ada@example.org" at a provider, verified or not,
        // does not get into Ada's account (hers is not verified either).
        for login in ["ada@example.org", "unverified:ada@example.org"] {
            for provider in ["oidc", "gh"] {
                let to = sign_in_with(&mut app, provider, login).await;
                assert_refused(&mut app, &to, "email_in_use", StatusCode::CONFLICT).await;
                assert!(app.me().await.is_none());
            }
        }
        assert_eq!(count(&app, "SELECT COUNT(*) FROM identities").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM users").await, 1);
    }

    async fn the_signed_in_person_links_and_unlinks_providers(app) {
        app.signed_up("ada@example.org").await;
        let ada = app.me().await.unwrap();
        // Link, from the account page: her GitHub has another address.
        let callback = through_provider(&mut app, "gh", "?intent=link", "ada.codes@example.net", |u| u).await;
        assert_eq!(app.get(&callback).await.header("location"), "/account");
        let methods: app::accounts::SignInMethods = app.call("accounts/sign_in_methods", &[]).await.json();
        assert!(methods.has_password);
        assert_eq!(methods.linked.len(), 1);
        assert_eq!(methods.linked[0].provider_label, "Test GitHub");
        assert!(!methods.linkable.iter().any(|p| p.id == "gh"));
        // It signs her in now.
        app.log_out().await;
        assert_eq!(sign_in_with(&mut app, "gh", "ada.codes@example.net").await, "/echoes");
        assert_eq!(app.me().await.unwrap().id, ada.id);

        // Someone else cannot link it to theirs.
        let mut bob = app.other_user("bob@example.org").await;
        let callback = through_provider(&mut bob, "gh", "?intent=link", "ada.codes@example.net", |u| u).await;
        let to = bob.get(&callback).await;
        assert_refused(&mut bob, to.header("location"), "linked_elsewhere", StatusCode::CONFLICT).await;

        // Linking needs a session.
        let mut visitor = app.client();
        let to = visitor.get("/auth/gh/start?intent=link").await;
        assert_refused(&mut visitor, to.header("location"), "signed_out", StatusCode::UNAUTHORIZED).await;

        // Unlink (she still has her password).
        let linked = &methods.linked[0];
        let unlinked = app.call("accounts/unlink_sign_in", &[("provider", &linked.provider), ("subject", &linked.subject)]).await;
        assert!(unlinked.status.is_success(), "{}", unlinked.text());
        assert_eq!(count(&app, "SELECT COUNT(*) FROM identities").await, 0);
    }

    async fn the_last_way_to_sign_in_cannot_be_unlinked(app) {
        sign_in_with(&mut app, "oidc", "kit@example.org").await;
        let methods: app::accounts::SignInMethods = app.call("accounts/sign_in_methods", &[]).await.json();
        assert!(!methods.has_password);
        let only = &methods.linked[0];
        let refused = app.call("accounts/unlink_sign_in", &[("provider", &only.provider), ("subject", &only.subject)]).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert_eq!(refused.error().code, app::error::ErrorCode::LastSignInMethod);
        assert!(refused.error().message.contains("only way you can sign in"));
        // With a password set (no current one needed), it may go.
        let set = app.call("accounts/change_password", &[("new_password", "a-brand-new-password")]).await;
        assert!(set.status.is_success(), "{}", set.text());
        let unlinked = app.call("accounts/unlink_sign_in", &[("provider", &only.provider), ("subject", &only.subject)]).await;
        assert!(unlinked.status.is_success(), "{}", unlinked.text());
        let mut again = app.client();
        assert!(again.log_in("kit@example.org", "a-brand-new-password").await.status.is_success());
    }

    async fn a_disabled_account_cannot_sign_in_through_a_provider(app) {
        sign_in_with(&mut app, "oidc", "mal@example.org").await;
        let id = app.me().await.unwrap().id;
        app::on_db!(&app.state.db, pool => sqlx::query("UPDATE users SET disabled_at = 1 WHERE id = $1").bind(id).execute(pool).await.map(|_| ())).unwrap();
        app.log_out().await;
        let to = sign_in_with(&mut app, "oidc", "mal@example.org").await;
        assert_refused(&mut app, &to, "disabled", StatusCode::FORBIDDEN).await;
    }

    async fn the_pages_show_a_button_per_provider(app) {
        for path in ["/login", "/signup"] {
            let page = app.get_page(path).await.text();
            assert!(page.contains("href=\"/auth/oidc/start\""), "{path}");
            assert!(page.contains("Continue with Test OIDC"), "{path}");
            assert!(page.contains("Continue with Test GitHub"), "{path}");
        }
    }

    async fn sign_in_returns_to_a_local_page_only(app) {
        let callback = through_provider(&mut app, "oidc", "?next=/upload", "ada@example.org", |u| u).await;
        assert_eq!(app.get(&callback).await.header("location"), "/upload");
        app.log_out().await;
        for next in ["//evil.example", "https://evil.example/", "/%5Cevil.example", "/\\evil"] {
            let query = format!("?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>());
            let callback = through_provider(&mut app, "oidc", &query, "ada@example.org", |u| u).await;
            let to = app.get(&callback).await;
            assert_eq!(to.header("location"), "/echoes", "{next}");
            app.log_out().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_providers_there_are_no_buttons() {
    let mut app = TestApp::start(Backend::Sqlite, &[]).await;
    for path in ["/login", "/signup"] {
        let page = app.get_page(path).await.text();
        assert!(!page.contains("/auth/"), "{path}");
        assert!(!page.contains("Continue with"), "{path}");
    }
    let to = app.get("/auth/google/start").await;
    assert!(to.header("location").starts_with("/auth/failed?reason=unknown_provider"));
    app.finish().await;
}

/// Providers that answer with a redirect, or with far too much: refused as
/// unreachable, without following or reading it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_redirects_or_floods_is_not_followed() {
    use axum::response::IntoResponse;
    let evil = axum::Router::new()
        .route(
            "/redirects/.well-known/openid-configuration",
            axum::routing::get(|| async { axum::response::Redirect::permanent("http://127.0.0.1:9/elsewhere") }),
        )
        .route(
            "/floods/.well-known/openid-configuration",
            axum::routing::get(|| async { ([("content-type", "application/json")], vec![b' '; 4 << 20]).into_response() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, evil).await });
    let redirects = format!("{base}/redirects");
    let floods = format!("{base}/floods");
    let mut app = TestApp::start(
        Backend::Sqlite,
        &[
            ("OAUTH_PROVIDERS", "redirects,floods"),
            ("OAUTH_REDIRECTS_ISSUER", &redirects),
            ("OAUTH_REDIRECTS_CLIENT_ID", "c"),
            ("OAUTH_FLOODS_ISSUER", &floods),
            ("OAUTH_FLOODS_CLIENT_ID", "c"),
        ],
    )
    .await;
    for provider in ["redirects", "floods"] {
        let to = app.get(&format!("/auth/{provider}/start")).await;
        assert_refused(&mut app, to.header("location"), "unreachable", StatusCode::BAD_GATEWAY).await;
    }
    app.finish().await;
}
