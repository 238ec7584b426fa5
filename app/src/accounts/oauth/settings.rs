//! Sign-in providers from the environment, checked at start.
//!
//! `OAUTH_PROVIDERS=google,github` lists them; each one's settings are
//! `OAUTH_<ID>_…` (the id upper-cased, `-` as `_`). See [`PROVIDER_VARIABLES`]
//! and the README. `github` and `yandex` come with their endpoints and
//! fields filled in; any other plain OAuth 2 provider names its own.

use crate::infra::config::ConfigError;

/// Per-provider variables (`<ID>` is the provider's id), with their
/// defaults and what they do. The README documents each one (a test checks).
pub const PROVIDER_VARIABLES: &[(&str, &str, &str)] = &[
    ("OAUTH_<ID>_KIND", "oidc if an issuer is set", "`oidc` (discovery from the issuer) or `oauth2` (endpoints listed)."),
    ("OAUTH_<ID>_LABEL", "the id, capitalised", "The button's text: “Continue with <label>”."),
    ("OAUTH_<ID>_CLIENT_ID", "(required)", "The client id the provider gave Echoes."),
    ("OAUTH_<ID>_CLIENT_SECRET", "(none)", "Its client secret (sent with HTTP Basic auth)."),
    ("OAUTH_<ID>_SCOPES", "`openid email profile` (oidc)", "Space-separated scopes to ask for."),
    ("OAUTH_<ID>_ISSUER", "(none)", "OIDC: the issuer URL; the rest is found by discovery."),
    ("OAUTH_<ID>_AUTHORIZE_URL", "(preset)", "OAuth 2: where the person is sent to approve."),
    ("OAUTH_<ID>_TOKEN_URL", "(preset)", "OAuth 2: where the code is exchanged for a token."),
    ("OAUTH_<ID>_USERINFO_URL", "(preset)", "OAuth 2: the JSON document that says who the person is."),
    ("OAUTH_<ID>_EMAILS_URL", "(preset)", "OAuth 2: a GitHub-style list of `{email, primary, verified}`."),
    ("OAUTH_<ID>_SUBJECT_FIELD", "`id`", "OAuth 2: the userinfo field that identifies the person for good."),
    ("OAUTH_<ID>_EMAIL_FIELD", "`email`", "OAuth 2: the userinfo field with the email address."),
    ("OAUTH_<ID>_NAME_FIELD", "`name`", "OAuth 2: the userinfo field with the person's name."),
    (
        "OAUTH_<ID>_EMAIL_VERIFIED",
        "`never`",
        "OAuth 2: `never`, `always` (the provider only gives proven addresses) or a boolean userinfo field.",
    ),
];

/// How a provider says who someone is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// OpenID Connect: discovery from the issuer, a verified ID token.
    Oidc { issuer: String },
    /// Plain OAuth 2: an access token, then a userinfo document.
    OAuth2(OAuth2Endpoints),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuth2Endpoints {
    pub authorize_url: String,
    pub token_url: String,
    pub userinfo_url: String,
    pub emails_url: Option<String>,
    pub subject_field: String,
    pub email_field: String,
    pub name_field: String,
    pub email_verified: EmailVerified,
}

/// Whether an OAuth 2 provider's email address is proven to be the person's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailVerified {
    Never,
    Always,
    Field(String),
}

#[derive(Clone, Debug)]
pub struct ProviderSettings {
    /// Lower-case letters, digits and `-`: used in URLs and stored with identities.
    pub id: String,
    pub label: String,
    pub kind: ProviderKind,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scopes: Vec<String>,
}

/// What Echoes already knows about a well-known plain OAuth 2 provider.
struct Preset {
    label: &'static str,
    authorize: &'static str,
    token: &'static str,
    userinfo: &'static str,
    emails: Option<&'static str>,
    email_field: &'static str,
    name_field: &'static str,
    verified: EmailVerified,
    scopes: &'static str,
}

fn preset(id: &str) -> Option<Preset> {
    match id {
        "github" => Some(Preset {
            label: "GitHub",
            authorize: "https://github.com/login/oauth/authorize",
            token: "https://github.com/login/oauth/access_token",
            userinfo: "https://api.github.com/user",
            emails: Some("https://api.github.com/user/emails"),
            email_field: "email",
            name_field: "name",
            verified: EmailVerified::Never,
            scopes: "read:user user:email",
        }),
        "yandex" => Some(Preset {
            label: "Yandex",
            authorize: "https://oauth.yandex.ru/authorize",
            token: "https://oauth.yandex.ru/token",
            userinfo: "https://login.yandex.ru/info?format=json",
            emails: None,
            email_field: "default_email",
            name_field: "real_name",
            // Yandex hands out only addresses its users have confirmed.
            verified: EmailVerified::Always,
            scopes: "login:email login:info",
        }),
        _ => None,
    }
}

/// The button label of provider `id`, if it is configured.
pub fn label_of(providers: &[ProviderSettings], id: &str) -> Option<String> {
    providers.iter().find(|p| p.id == id).map(|p| p.label.clone())
}

fn is_provider_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
}

fn is_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://")) && text.len() > 8 && !text.contains(char::is_whitespace)
}

/// Reads `OAUTH_PROVIDERS` and each listed provider's variables.
pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<ProviderSettings>, ConfigError> {
    let listed = lookup("OAUTH_PROVIDERS").unwrap_or_default();
    let mut providers: Vec<ProviderSettings> = Vec::new();
    for id in listed.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        let id = id.to_ascii_lowercase();
        let bad = |reason: String| ConfigError { name: "OAUTH_PROVIDERS", value: listed.clone(), reason };
        if !is_provider_id(&id) {
            return Err(bad(format!("{id:?} is not a provider id: use lower-case letters, digits and -")));
        }
        if providers.iter().any(|p| p.id == id) {
            return Err(bad(format!("{id:?} is listed twice")));
        }
        providers.push(provider(&id, lookup)?);
    }
    Ok(providers)
}

fn provider(id: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<ProviderSettings, ConfigError> {
    let prefix = format!("OAUTH_{}_", id.to_ascii_uppercase().replace('-', "_"));
    let var = |suffix: &str| lookup(&format!("{prefix}{suffix}")).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    // ConfigError names a &'static str: the per-provider names are made once
    // per start, so leaking them is bounded and keeps messages exact.
    let invalid = |suffix: &str, value: String, reason: &str| ConfigError {
        name: Box::leak(format!("{prefix}{suffix}").into_boxed_str()),
        value: if suffix == "CLIENT_SECRET" { "(hidden)".into() } else { value },
        reason: reason.to_owned(),
    };
    let url = |suffix: &str, fallback: Option<&str>| -> Result<String, ConfigError> {
        match var(suffix).or_else(|| fallback.map(str::to_owned)) {
            Some(url) if is_url(&url) => Ok(url),
            Some(url) => Err(invalid(suffix, url, "expected an http:// or https:// URL")),
            None => Err(invalid(suffix, String::new(), "must be set for an oauth2 provider")),
        }
    };
    let preset = preset(id);
    let issuer = var("ISSUER");
    let kind_name = var("KIND").unwrap_or_else(|| if issuer.is_some() || preset.is_none() { "oidc" } else { "oauth2" }.into());
    let kind = match kind_name.as_str() {
        "oidc" => {
            let issuer = issuer.ok_or_else(|| invalid("ISSUER", String::new(), "must be set for an oidc provider"))?;
            if !is_url(&issuer) {
                return Err(invalid("ISSUER", issuer, "expected an http:// or https:// URL"));
            }
            ProviderKind::Oidc { issuer: issuer.trim_end_matches('/').to_owned() }
        }
        "oauth2" => {
            let p = preset.as_ref();
            let emails_url = match var("EMAILS_URL").or_else(|| p.and_then(|p| p.emails).map(str::to_owned)) {
                Some(u) if is_url(&u) => Some(u),
                Some(u) => return Err(invalid("EMAILS_URL", u, "expected an http:// or https:// URL")),
                None => None,
            };
            let email_verified = match var("EMAIL_VERIFIED") {
                None => p.map(|p| p.verified.clone()).unwrap_or(EmailVerified::Never),
                Some(v) if v == "never" => EmailVerified::Never,
                Some(v) if v == "always" => EmailVerified::Always,
                Some(field) => EmailVerified::Field(field),
            };
            ProviderKind::OAuth2(OAuth2Endpoints {
                authorize_url: url("AUTHORIZE_URL", p.map(|p| p.authorize))?,
                token_url: url("TOKEN_URL", p.map(|p| p.token))?,
                userinfo_url: url("USERINFO_URL", p.map(|p| p.userinfo))?,
                emails_url,
                subject_field: var("SUBJECT_FIELD").unwrap_or_else(|| "id".into()),
                email_field: var("EMAIL_FIELD").unwrap_or_else(|| p.map_or("email", |p| p.email_field).into()),
                name_field: var("NAME_FIELD").unwrap_or_else(|| p.map_or("name", |p| p.name_field).into()),
                email_verified,
            })
        }
        other => return Err(invalid("KIND", other.to_owned(), "expected oidc or oauth2")),
    };
    let client_id = var("CLIENT_ID").ok_or_else(|| invalid("CLIENT_ID", String::new(), "must be set"))?;
    let default_scopes = match (&kind, &preset) {
        (ProviderKind::Oidc { .. }, _) => "openid email profile",
        (ProviderKind::OAuth2(_), Some(p)) => p.scopes,
        (ProviderKind::OAuth2(_), None) => "",
    };
    let mut scopes: Vec<String> =
        var("SCOPES").unwrap_or_else(|| default_scopes.into()).split_whitespace().map(str::to_owned).collect();
    if matches!(kind, ProviderKind::Oidc { .. }) && !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    let label = var("LABEL").unwrap_or_else(|| match &preset {
        Some(p) => p.label.to_owned(),
        None => {
            let mut chars = id.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        }
    });
    if label.chars().count() > 40 {
        return Err(invalid("LABEL", label, "at most 40 characters"));
    }
    Ok(ProviderSettings { id: id.to_owned(), label, kind, client_id, client_secret: var("CLIENT_SECRET"), scopes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<Vec<ProviderSettings>, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        from_lookup(&|name| map.get(name).cloned())
    }

    #[test]
    fn none_configured_means_no_providers() {
        assert!(parse(&[]).unwrap().is_empty());
        assert!(parse(&[("OAUTH_PROVIDERS", " , ")]).unwrap().is_empty());
    }

    #[test]
    fn oidc_provider_from_its_issuer() {
        let providers = parse(&[
            ("OAUTH_PROVIDERS", "google"),
            ("OAUTH_GOOGLE_ISSUER", "https://accounts.google.com/"),
            ("OAUTH_GOOGLE_CLIENT_ID", "abc"),
            ("OAUTH_GOOGLE_CLIENT_SECRET", "s3cret"),
        ])
        .unwrap();
        let google = &providers[0];
        assert_eq!(google.label, "Google");
        assert_eq!(google.kind, ProviderKind::Oidc { issuer: "https://accounts.google.com".into() });
        assert_eq!(google.scopes, ["openid", "email", "profile"]);
    }

    #[test]
    fn github_and_yandex_need_only_their_client() {
        let providers = parse(&[
            ("OAUTH_PROVIDERS", "github,yandex"),
            ("OAUTH_GITHUB_CLIENT_ID", "gh"),
            ("OAUTH_YANDEX_CLIENT_ID", "ya"),
        ])
        .unwrap();
        let ProviderKind::OAuth2(github) = &providers[0].kind else { panic!("github is oauth2") };
        assert_eq!(github.emails_url.as_deref(), Some("https://api.github.com/user/emails"));
        let ProviderKind::OAuth2(yandex) = &providers[1].kind else { panic!("yandex is oauth2") };
        assert_eq!(yandex.email_field, "default_email");
        assert_eq!(yandex.email_verified, EmailVerified::Always);
    }

    #[test]
    fn mistakes_name_their_variable_and_hide_secrets() {
        let err = parse(&[("OAUTH_PROVIDERS", "corp")]).unwrap_err();
        assert_eq!(err.name, "OAUTH_CORP_ISSUER");
        let err = parse(&[("OAUTH_PROVIDERS", "corp"), ("OAUTH_CORP_ISSUER", "https://id.corp")]).unwrap_err();
        assert_eq!(err.name, "OAUTH_CORP_CLIENT_ID");
        let err = parse(&[("OAUTH_PROVIDERS", "Bad Id")]).unwrap_err();
        assert_eq!(err.name, "OAUTH_PROVIDERS");
        let err = parse(&[("OAUTH_PROVIDERS", "github,github"), ("OAUTH_GITHUB_CLIENT_ID", "c")]).unwrap_err();
        assert!(err.reason.contains("twice"));
        let err = parse(&[("OAUTH_PROVIDERS", "x"), ("OAUTH_X_KIND", "oauth2"), ("OAUTH_X_CLIENT_ID", "c")]).unwrap_err();
        assert_eq!(err.name, "OAUTH_X_AUTHORIZE_URL");
        let err =
            parse(&[("OAUTH_PROVIDERS", "x"), ("OAUTH_X_ISSUER", "ftp://nope"), ("OAUTH_X_CLIENT_ID", "c")]).unwrap_err();
        assert!(err.to_string().contains("ftp://nope"));
    }
}
