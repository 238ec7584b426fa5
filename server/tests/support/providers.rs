//! Real sign-in providers on 127.0.0.1 for the tests: the certified
//! `oidc-provider` (testkit/oidc, run with Node) and testkit's GitHub-shaped
//! OAuth 2 server, plus a browser that walks through them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::StatusCode;

use super::TestApp;

pub const PUBLIC_URL: &str = "http://127.0.0.1:3000";
pub const SECRET: &str = "test-client-secret";

/// The OIDC test provider, with one client per misbehaviour.
pub struct OidcProvider {
    pub issuer: String,
    child: Child,
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Echoes' provider ids and what each client of the OIDC provider does.
pub const OIDC_CLIENTS: &[(&str, Option<&str>)] =
    &[("oidc", None), ("badaud", Some("aud")), ("expired", Some("exp")), ("otherkey", Some("key"))];

impl OidcProvider {
    pub fn start() -> OidcProvider {
        let clients: Vec<serde_json::Value> = OIDC_CLIENTS
            .iter()
            .map(|(id, mangle)| {
                serde_json::json!({
                    "client_id": format!("echoes-{id}"),
                    "client_secret": SECRET,
                    "redirect_uris": [format!("{PUBLIC_URL}/auth/{id}/callback")],
                    "mangle": mangle,
                })
            })
            .collect();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../testkit/oidc/provider.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .env("OIDC_PORT", "0")
            .env("OIDC_CLIENTS", serde_json::Value::Array(clients).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the OIDC test provider (node testkit/oidc/provider.mjs; run scripts/setup.sh)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("provider's first line");
        let issuer = line.trim().strip_prefix("listening on ").expect("provider says where it listens").to_owned();
        OidcProvider { issuer, child }
    }
}

/// Echoes' configuration for every test provider.
pub fn config(oidc: &OidcProvider, github: &testkit::oauth2::OAuth2Server) -> Vec<(String, String)> {
    let mut vars = vec![
        ("PUBLIC_URL".to_owned(), PUBLIC_URL.to_owned()),
        ("OAUTH_PROVIDERS".to_owned(), "oidc,badaud,expired,otherkey,gh,down".to_owned()),
    ];
    for (id, _) in OIDC_CLIENTS {
        let up = id.to_uppercase();
        vars.push((format!("OAUTH_{up}_ISSUER"), oidc.issuer.clone()));
        vars.push((format!("OAUTH_{up}_CLIENT_ID"), format!("echoes-{id}")));
        vars.push((format!("OAUTH_{up}_CLIENT_SECRET"), SECRET.to_owned()));
    }
    vars.push(("OAUTH_OIDC_LABEL".to_owned(), "Test OIDC".to_owned()));
    let base = github.base_url();
    for (k, v) in [
        ("KIND", "oauth2".to_owned()),
        ("LABEL", "Test GitHub".to_owned()),
        ("CLIENT_ID", "echoes-gh".to_owned()),
        ("CLIENT_SECRET", SECRET.to_owned()),
        ("AUTHORIZE_URL", format!("{base}/login/oauth/authorize")),
        ("TOKEN_URL", format!("{base}/login/oauth/access_token")),
        ("USERINFO_URL", format!("{base}/user")),
        ("EMAILS_URL", format!("{base}/user/emails")),
    ] {
        vars.push((format!("OAUTH_GH_{k}"), v));
    }
    // A provider nobody answers for.
    vars.push(("OAUTH_DOWN_ISSUER".to_owned(), "http://127.0.0.1:9".to_owned()));
    vars.push(("OAUTH_DOWN_CLIENT_ID".to_owned(), "nobody".to_owned()));
    vars
}

pub async fn github() -> testkit::oauth2::OAuth2Server {
    testkit::oauth2::OAuth2Server::start(
        testkit::oauth2::OAuth2Client {
            client_id: "echoes-gh".into(),
            client_secret: SECRET.into(),
            redirect_uri: format!("{PUBLIC_URL}/auth/gh/callback"),
        },
        0,
    )
    .await
    .expect("start the OAuth 2 test provider")
}

/// The person's browser at the providers (its own cookies there).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Starts a sign-in at Echoes (`/auth/{provider}/start{query}`), lets the
/// provider sign in `login`, and returns the callback path Echoes is sent
/// back to. `tamper` may change the provider's authorize URL first.
pub async fn through_provider(
    app: &mut TestApp,
    provider: &str,
    query: &str,
    login: &str,
    tamper: impl Fn(url::Url) -> url::Url,
) -> String {
    let start = app.get(&format!("/auth/{provider}/start{query}")).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "start: {}", start.text());
    let mut url = url::Url::parse(start.header("location")).expect("authorize URL");
    url.query_pairs_mut().append_pair("login_hint", login);
    let mut url = tamper(url);
    let browser = browser();
    for _ in 0..10 {
        let response = browser.get(url.clone()).send().await.expect("provider answers");
        assert!(response.status().is_redirection(), "provider: {} {}", response.status(), response.text().await.unwrap());
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let next = url.join(&location).expect("redirect target");
        if next.as_str().starts_with(PUBLIC_URL) {
            return next.as_str()[PUBLIC_URL.len()..].to_owned();
        }
        url = next;
    }
    panic!("the provider never sent the browser back");
}

/// A whole sign-in; returns where Echoes sent the browser in the end.
pub async fn sign_in_with(app: &mut TestApp, provider: &str, login: &str) -> String {
    let callback = through_provider(app, provider, "", login, |u| u).await;
    let done = app.get(&callback).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "callback: {}", done.text());
    done.header("location").to_owned()
}
