//! The HTTP client that talks to sign-in providers. Their answers are
//! outside input like any other: each exchange is bounded in time
//! ([`TIMEOUT`]) and size ([`MAX_BODY`]), and redirects are never followed
//! (a redirect from a token endpoint is an error, not a new place to send
//! the client's secret — and following them invites SSRF).

use std::time::Duration;

use oauth2::{HttpRequest, HttpResponse};

pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Discovery documents, key sets, tokens and userinfo are a few KiB.
pub const MAX_BODY: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ProviderHttpError {
    #[error("provider request failed: {0}")]
    Transport(#[from] reqwest::Error),
    #[error("provider answer is larger than {MAX_BODY} bytes")]
    TooLarge,
    #[error("provider request could not be built: {0}")]
    Request(String),
}

/// A client for providers (one per process; it pools connections).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .user_agent(concat!("Echoes/", env!("CARGO_PKG_VERSION")))
        .build()
        // Only fails when the TLS backend cannot start, which is a broken
        // build rather than something a request can cause.
        .expect("TLS backend for the provider client")
}

/// What the `oauth2` and `openidconnect` crates are given to send with:
/// each request a boxed, `Send`, self-contained future (it holds its own
/// handle on the pooled client), so handlers that use it stay `Send`.
pub fn sender(client: &reqwest::Client) -> impl Fn(HttpRequest) -> Sent + Send + Sync + 'static {
    let client = client.clone();
    move |request| {
        let client = client.clone();
        Box::pin(async move { send(&client, request).await })
    }
}

pub type Sent = std::pin::Pin<Box<dyn std::future::Future<Output = Result<HttpResponse, ProviderHttpError>> + Send>>;

/// Sends `request` and reads at most [`MAX_BODY`] bytes of the answer.
pub async fn send(client: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse, ProviderHttpError> {
    let request = reqwest::Request::try_from(request).map_err(|e| ProviderHttpError::Request(e.to_string()))?;
    let mut response = client.execute(request).await?;
    if response.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(ProviderHttpError::TooLarge);
    }
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ProviderHttpError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    builder.body(body).map_err(|e| ProviderHttpError::Request(e.to_string()))
}
