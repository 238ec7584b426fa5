//! The two routes of a provider sign-in.
//!
//! `GET /auth/{provider}/start` makes a fresh `state`, PKCE verifier (S256)
//! and, for OIDC, `nonce`, keeps them in the session and sends the browser
//! to the provider. `GET /auth/{provider}/callback` takes the matching
//! entry out of the session (so it works once), exchanges the code with
//! the verifier, verifies the ID token with `openidconnect` (signature
//! against the provider's keys, issuer, audience, expiry, nonce) or reads
//! the plain OAuth 2 userinfo, and hands the verified identity to
//! [`linking`](super::linking).
//!
//! `?intent=link` (add a sign-in from the account page) and
//! `?intent=confirm` (prove it's you before deleting the account) need a
//! signed-in session and refuse to start from another site.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, TokenResponse as _, TokenUrl,
};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{Nonce, TokenResponse as _};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::linking::{self, Intent};
use super::providers::{error_chain, Provider};
use super::settings::{EmailVerified, OAuth2Endpoints, ProviderKind};
use super::Failure;
use crate::accounts::identities::Asserted;
use crate::infra::client_ip::ClientIp;
use crate::infra::secrets::constant_time_eq;
use crate::infra::state::AppState;

/// Sign-ins under way in this browser (several tabs may each start one).
const PENDING: &str = "oauth_pending";
const MAX_PENDING: usize = 4;
/// How long the person may take at the provider.
const PENDING_TTL_MS: i64 = 10 * 60 * 1000;
/// The longest query value taken from a callback.
const MAX_PARAM: usize = 4096;

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending {
    provider: String,
    state: String,
    pkce_verifier: String,
    nonce: Option<String>,
    intent: Intent,
    next: Option<String>,
    started_at: i64,
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    intent: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Where a failure ends: a page that says what happened.
pub fn failed(failure: Failure, provider: &str) -> Response {
    let provider: String = provider.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(32).collect();
    Redirect::to(&format!("/auth/failed?reason={}&provider={provider}", failure.as_str())).into_response()
}

pub use crate::accounts::return_to::local_path;

fn redirect_uri(state: &AppState, provider: &str) -> Result<RedirectUrl, Failure> {
    RedirectUrl::new(format!("{}/auth/{provider}/callback", state.config.public_url)).map_err(|_| Failure::Internal)
}

type PlainClient = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn plain_client(provider: &Provider, endpoints: &OAuth2Endpoints, redirect: RedirectUrl) -> Result<PlainClient, Failure> {
    let settings = &provider.settings;
    let mut client = BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_auth_uri(AuthUrl::new(endpoints.authorize_url.clone()).map_err(|_| Failure::Internal)?)
        .set_token_uri(TokenUrl::new(endpoints.token_url.clone()).map_err(|_| Failure::Internal)?)
        .set_redirect_uri(redirect);
    if let Some(secret) = &settings.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
    Ok(client)
}

/// The OIDC client as `from_provider_metadata` makes it.
type OidcClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

async fn oidc_client(
    state: &AppState,
    provider: &Provider,
    redirect: RedirectUrl,
    fresh: bool,
) -> Result<OidcClient, Failure> {
    let metadata = provider.metadata(state.providers.http(), fresh).await?;
    let settings = &provider.settings;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        openidconnect::ClientId::new(settings.client_id.clone()),
        settings.client_secret.clone().map(openidconnect::ClientSecret::new),
    )
    .set_redirect_uri(redirect))
}

async fn take_pending(session: &Session, state: &str) -> Result<Option<Pending>, Failure> {
    let mut all: Vec<Pending> = session.get(PENDING).await.map_err(|_| Failure::Internal)?.unwrap_or_default();
    let now = crate::infra::db::now_millis();
    let found = all.iter().position(|p| constant_time_eq(p.state.as_bytes(), state.as_bytes()));
    let taken = found.map(|i| all.remove(i)).filter(|p| now - p.started_at < PENDING_TTL_MS);
    all.retain(|p| now - p.started_at < PENDING_TTL_MS);
    if all.is_empty() {
        session.remove_value(PENDING).await.map_err(|_| Failure::Internal)?;
    } else {
        session.insert(PENDING, all).await.map_err(|_| Failure::Internal)?;
    }
    Ok(taken)
}

pub async fn start(
    State(state): State<AppState>,
    Path(provider_id): Path<String>,
    query: Result<Query<StartQuery>, axum::extract::rejection::QueryRejection>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = state.providers.get(&provider_id) else {
        return failed(Failure::UnknownProvider, "");
    };
    let Ok(Query(query)) = query else {
        return failed(Failure::ProviderError, &provider_id);
    };
    let intent = match query.intent.as_deref() {
        None | Some("sign_in") => Intent::SignIn,
        Some("link") => Intent::Link,
        Some("confirm") => Intent::Confirm,
        Some(_) => return failed(Failure::ProviderError, &provider_id),
    };
    if intent != Intent::SignIn {
        // Linking changes the account: never on another site's say-so.
        let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site");
        let signed_in = crate::accounts::session::signed_in_user_id(&session).await.ok().flatten().is_some();
        if cross_site || !signed_in {
            return failed(Failure::SignedOut, &provider_id);
        }
    }
    match begin(&state, provider, &session, intent, query.next.as_deref().and_then(local_path)).await {
        Ok(url) => (
            [(header::CACHE_CONTROL, "no-store"), (header::REFERRER_POLICY, "no-referrer")],
            Redirect::to(url.as_str()),
        )
            .into_response(),
        Err(failure) => failed(failure, &provider_id),
    }
}

async fn begin(
    state: &AppState,
    provider: &Provider,
    session: &Session,
    intent: Intent,
    next: Option<String>,
) -> Result<oauth2::url::Url, Failure> {
    let settings = &provider.settings;
    let redirect = redirect_uri(state, &settings.id)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let extra_scopes = settings.scopes.iter().filter(|s| *s != "openid").cloned().map(oauth2::Scope::new);
    let (url, csrf, nonce) = match &settings.kind {
        ProviderKind::Oidc { .. } => {
            let client = oidc_client(state, provider, redirect, false).await?;
            let (url, csrf, nonce) = client
                .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
                .add_scopes(extra_scopes)
                .set_pkce_challenge(challenge)
                .url();
            (url, csrf, Some(nonce.secret().clone()))
        }
        ProviderKind::OAuth2(endpoints) => {
            let client = plain_client(provider, endpoints, redirect)?;
            let (url, csrf) =
                client.authorize_url(CsrfToken::new_random).add_scopes(extra_scopes).set_pkce_challenge(challenge).url();
            (url, csrf, None)
        }
    };
    let mut all: Vec<Pending> = session.get(PENDING).await.map_err(|_| Failure::Internal)?.unwrap_or_default();
    let now = crate::infra::db::now_millis();
    all.retain(|p| now - p.started_at < PENDING_TTL_MS);
    if all.len() >= MAX_PENDING {
        all.remove(0);
    }
    all.push(Pending {
        provider: settings.id.clone(),
        state: csrf.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        nonce,
        intent,
        next,
        started_at: now,
    });
    session.insert(PENDING, all).await.map_err(|_| Failure::Internal)?;
    Ok(url)
}

pub async fn callback(
    State(state): State<AppState>,
    Path(provider_id): Path<String>,
    query: Result<Query<CallbackQuery>, axum::extract::rejection::QueryRejection>,
    session: Session,
    axum::Extension(from): axum::Extension<ClientIp>,
    headers: HeaderMap,
) -> Response {
    let Some(provider) = state.providers.get(&provider_id) else {
        return failed(Failure::UnknownProvider, "");
    };
    let query = match query {
        Ok(Query(q)) if [&q.code, &q.state, &q.error].iter().all(|v| v.as_ref().is_none_or(|v| v.len() <= MAX_PARAM)) => q,
        _ => return failed(Failure::ProviderError, &provider_id),
    };
    let pending = match query.state.as_deref() {
        Some(s) => match take_pending(&session, s).await {
            Ok(found) => found.filter(|p| p.provider == provider_id),
            Err(failure) => return failed(failure, &provider_id),
        },
        None => None,
    };
    let Some(pending) = pending else {
        tracing::info!(provider = %provider_id, "sign-in callback with no matching state refused");
        return failed(Failure::StaleState, &provider_id);
    };
    if let Some(error) = query.error {
        tracing::info!(provider = %provider_id, error = %error.chars().take(64).collect::<String>(), "provider sent an error");
        return failed(if error == "access_denied" { Failure::Denied } else { Failure::ProviderError }, &provider_id);
    }
    let Some(code) = query.code else {
        return failed(Failure::ProviderError, &provider_id);
    };
    let who = match identify(&state, provider, &pending, code).await {
        Ok(who) => who,
        Err(failure) => return failed(failure, &provider_id),
    };
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    match linking::complete(&state, &session, pending.intent, &who, from, user_agent).await {
        Ok(to) => {
            let to = if pending.intent == Intent::SignIn { pending.next.unwrap_or(to) } else { to };
            ([(header::CACHE_CONTROL, "no-store")], Redirect::to(&to)).into_response()
        }
        Err(failure) => failed(failure, &provider_id),
    }
}

/// Exchanges the code and works out who the provider says this is.
async fn identify(state: &AppState, provider: &Provider, pending: &Pending, code: String) -> Result<Asserted, Failure> {
    let settings = &provider.settings;
    let redirect = redirect_uri(state, &settings.id)?;
    let http = state.providers.http();
    let send = super::http::sender(http);
    match &settings.kind {
        ProviderKind::Oidc { .. } => {
            let client = oidc_client(state, provider, redirect.clone(), false).await?;
            let token = client
                .exchange_code(AuthorizationCode::new(code))
                .map_err(|_| Failure::Internal)?
                .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
                .request_async(&send)
                .await
                .map_err(|err| token_failure(&settings.id, err))?;
            let id_token = token.id_token().ok_or_else(|| {
                tracing::warn!(provider = %settings.id, "token response without an ID token");
                Failure::BadToken
            })?;
            let nonce = Nonce::new(pending.nonce.clone().unwrap_or_default());
            let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
                Ok(claims) => claims.clone(),
                Err(openidconnect::ClaimsVerificationError::SignatureVerification(first)) => {
                    // Perhaps the provider rotated its keys: look again, once.
                    let client = oidc_client(state, provider, redirect, true).await?;
                    let verifier = client.id_token_verifier();
                    let claims = id_token.claims(&verifier, &nonce).cloned().map_err(|err| {
                        tracing::warn!(provider = %settings.id, error = %first, again = %err, "ID token refused");
                        Failure::BadToken
                    })?;
                    claims
                }
                Err(err) => {
                    tracing::warn!(provider = %settings.id, error = %err, "ID token refused");
                    return Err(Failure::BadToken);
                }
            };
            let subject = claims.subject().as_str().to_owned();
            Ok(Asserted {
                provider: settings.id.clone(),
                subject: bounded_subject(subject)?,
                email: claims.email().map(|e| e.as_str().to_owned()),
                email_verified: claims.email_verified().unwrap_or(false),
                name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned()),
            })
        }
        ProviderKind::OAuth2(endpoints) => {
            let client = plain_client(provider, endpoints, redirect)?;
            let token = client
                .exchange_code(AuthorizationCode::new(code))
                .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
                .request_async(&send)
                .await
                .map_err(|err| token_failure(&settings.id, err))?;
            userinfo(http, &settings.id, endpoints, token.access_token().secret()).await
        }
    }
}

fn token_failure<E: std::error::Error + 'static>(
    provider: &str,
    err: RequestTokenError<E, oauth2::StandardErrorResponse<oauth2::basic::BasicErrorResponseType>>,
) -> Failure {
    tracing::warn!(provider, error = %error_chain(&err), "code exchange failed");
    match err {
        RequestTokenError::ServerResponse(_) => Failure::CodeRefused,
        _ => Failure::Unreachable,
    }
}

fn bounded_subject(subject: String) -> Result<String, Failure> {
    if subject.is_empty() || subject.len() > 255 {
        return Err(Failure::ProviderError);
    }
    Ok(subject)
}

/// A plain OAuth 2 provider's userinfo (and, GitHub-style, its list of
/// addresses), read with the access token.
async fn userinfo(
    http: &reqwest::Client,
    provider: &str,
    endpoints: &OAuth2Endpoints,
    access_token: &str,
) -> Result<Asserted, Failure> {
    let info = get_json(http, provider, &endpoints.userinfo_url, access_token).await?;
    let subject = match info.get(&endpoints.subject_field) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => {
            tracing::warn!(provider, field = %endpoints.subject_field, "userinfo without a subject");
            return Err(Failure::ProviderError);
        }
    };
    let text = |field: &str| info.get(field).and_then(|v| v.as_str()).map(str::to_owned).filter(|s| !s.is_empty());
    let mut email = text(&endpoints.email_field);
    let mut email_verified = match &endpoints.email_verified {
        EmailVerified::Never => false,
        EmailVerified::Always => email.is_some(),
        EmailVerified::Field(field) => info.get(field).and_then(|v| v.as_bool()).unwrap_or(false),
    };
    if let Some(url) = &endpoints.emails_url {
        #[derive(Deserialize)]
        struct Address {
            email: String,
            #[serde(default)]
            primary: bool,
            #[serde(default)]
            verified: bool,
        }
        let list = get_json(http, provider, url, access_token).await?;
        let addresses: Vec<Address> = serde_json::from_value(list).map_err(|_| Failure::ProviderError)?;
        // The primary verified address; else (so the person is told why)
        // the primary one, unverified.
        let best = addresses.iter().filter(|a| a.verified).max_by_key(|a| a.primary);
        if let Some(address) = best {
            email = Some(address.email.clone());
            email_verified = true;
        } else if email.is_none() {
            email = addresses.iter().max_by_key(|a| a.primary).map(|a| a.email.clone());
            email_verified = false;
        }
    }
    Ok(Asserted {
        provider: provider.to_owned(),
        subject: bounded_subject(subject)?,
        email,
        email_verified,
        name: text(&endpoints.name_field),
    })
}

async fn get_json(
    http: &reqwest::Client,
    provider: &str,
    url: &str,
    access_token: &str,
) -> Result<serde_json::Value, Failure> {
    let request = http::Request::get(url)
        .header(header::AUTHORIZATION, format!("Bearer {access_token}"))
        .header(header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|_| Failure::Internal)?;
    let response = super::http::send(http, request).await.map_err(|err| {
        tracing::warn!(provider, error = %error_chain(&err), "userinfo request failed");
        Failure::Unreachable
    })?;
    if !response.status().is_success() {
        tracing::warn!(provider, status = %response.status(), "userinfo refused");
        return Err(Failure::Unreachable);
    }
    serde_json::from_slice(response.body()).map_err(|err| {
        tracing::warn!(provider, error = %err, "userinfo is not JSON");
        Failure::Unreachable
    })
}
