//! The configured providers at run time. An OIDC provider's metadata (its
//! endpoints and signing keys) comes from discovery on first use and is
//! kept for [`METADATA_TTL`], so a provider that is down at start does not
//! stop Echoes, and rotated keys are picked up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::CoreProviderMetadata;
use openidconnect::IssuerUrl;

use super::settings::{ProviderKind, ProviderSettings};
use super::Failure;

const METADATA_TTL: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub struct Providers(Arc<Inner>);

struct Inner {
    http: reqwest::Client,
    list: Vec<Provider>,
}

pub struct Provider {
    pub settings: ProviderSettings,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl Providers {
    pub fn new(settings: &[ProviderSettings]) -> Providers {
        let list = settings
            .iter()
            .cloned()
            .map(|settings| Provider { settings, metadata: tokio::sync::Mutex::new(None) })
            .collect();
        Providers(Arc::new(Inner { http: super::http::client(), list }))
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.0.list.iter().find(|p| p.settings.id == id)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.0.http
    }
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.list.iter().map(|p| &p.settings.id)).finish()
    }
}

impl Provider {
    /// The OIDC provider's metadata, discovered (or from the cache).
    /// `fresh` skips the cache: after a token signed by a key we do not
    /// know, in case the provider rotated its keys.
    pub async fn metadata(&self, http: &reqwest::Client, fresh: bool) -> Result<CoreProviderMetadata, Failure> {
        let ProviderKind::Oidc { issuer } = &self.settings.kind else {
            return Err(Failure::Internal);
        };
        let mut cached = self.metadata.lock().await;
        if let Some((at, metadata)) = cached.as_ref() {
            if !fresh && at.elapsed() < METADATA_TTL {
                return Ok(metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(issuer.clone()).map_err(|_| Failure::Internal)?;
        let send = super::http::sender(http);
        match CoreProviderMetadata::discover_async(issuer, &send).await {
            Ok(metadata) => {
                *cached = Some((Instant::now(), metadata.clone()));
                Ok(metadata)
            }
            Err(err) => {
                tracing::warn!(provider = %self.settings.id, error = %error_chain(&err), "OIDC discovery failed");
                Err(Failure::Unreachable)
            }
        }
    }
}

/// An error and its causes on one line, for the log.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
