//! Configuration: one struct, read once from the environment (and an optional
//! `.env` file), with defaults that run on a laptop with nothing else
//! installed. Every variable is listed in [`VARIABLES`]; a test checks that
//! the README documents each of them.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Every environment variable Echoes reads (besides Leptos' own `LEPTOS_*`),
/// with its default and what it does. The README table mirrors this list.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    ("DATABASE_URL", "sqlite://data/echoes.db", "SQLite file (`sqlite://…`) or PostgreSQL (`postgres://…`)."),
    ("AUDIO_STORAGE_PATH", "data/audio", "Folder where audio objects are kept on local disk."),
    ("MAX_AUDIO_FILE_SIZE", "26214400", "Largest accepted audio file, in bytes (25 MiB)."),
    (
        "AUDIO_OFFLOAD",
        "none",
        "Behind nginx or Apache: `x-accel-redirect` (nginx) or `x-sendfile` (Apache, lighttpd) lets the proxy send the audio bytes after Echoes has checked who may play what.",
    ),
    (
        "AUDIO_OFFLOAD_PREFIX",
        "/_echoes_audio/",
        "With `AUDIO_OFFLOAD=x-accel-redirect`: the nginx `internal` location that maps to `AUDIO_STORAGE_PATH`.",
    ),
    ("MAX_RECORDING_SECONDS", "300", "Longest recording the record page takes before it stops by itself."),
    ("LEPTOS_SITE_ADDR", "127.0.0.1:3000", "Address and port to listen on."),
    ("PUBLIC_URL", "http://127.0.0.1:3000", "The URL people use; `https://` turns on Secure cookies."),
    ("CORS_ORIGINS", "(none)", "Comma-separated origins allowed to call the API from another site."),
    ("SESSION_IDLE_TIMEOUT", "14d", "A session ends after this long without a request (e.g. `30m`, `12h`, `14d`)."),
    ("SESSION_MAX_AGE", "30d", "A session ends this long after log-in, however active."),
    ("SESSION_TTL_DAYS", "(none)", "Older name for `SESSION_IDLE_TIMEOUT`, in days; used only when that is unset."),
    ("API_ACCESS_TOKEN_TTL", "15m", "Lifetime of an API access token (`/api/v1/auth/login`, `refresh`)."),
    ("API_REFRESH_TOKEN_TTL", "30d", "Lifetime of an API refresh token; each refresh replaces it."),
    ("TRUSTED_PROXIES", "(none)", "Comma-separated proxy addresses or CIDRs whose `X-Forwarded-For` is believed."),
    ("RATE_LIMIT_PER_SECOND", "20", "Requests per second each client address may sustain, on every route."),
    ("RATE_LIMIT_BURST", "100", "Requests a client address may send at once before the rate applies."),
    ("LOGIN_MAX_FAILURES", "10", "Failed log-ins for one account before it is blocked for `LOGIN_BLOCK_SECONDS`."),
    ("LOGIN_MAX_FAILURES_PER_ADDRESS", "50", "Failed log-ins from one client address before it is blocked."),
    ("LOGIN_BLOCK_SECONDS", "900", "How long a block lasts, and the window failures are counted in."),
    ("SIGNUPS_PER_ADDRESS_PER_HOUR", "10", "Sign-ups from one client address per hour."),
    (
        "PASSWORD_HASH_CONCURRENCY",
        "(number of cores)",
        "Password hashes computed at once; more wait briefly, then get 503.",
    ),
    ("MAX_PENDING_UPLOADS_PER_USER", "10", "Direct uploads one person may have started and not completed."),
    ("REQUEST_TIMEOUT_SECONDS", "30", "Time to send request headers, and the longest pause while sending a body."),
    ("SHUTDOWN_GRACE_SECONDS", "30", "On SIGTERM, how long requests in flight may finish before the process exits."),
    ("DATABASE_MAX_CONNECTIONS", "10", "Size of the database connection pool."),
    ("S3_BUCKET_NAME", "(none)", "Set to keep audio in this S3 bucket instead of on local disk."),
    ("AWS_REGION", "us-east-1", "The bucket's region."),
    ("S3_ENDPOINT_URL", "(AWS)", "An S3-compatible endpoint (MinIO, R2, Ceph, …)."),
    (
        "S3_PUBLIC_ENDPOINT_URL",
        "(S3_ENDPOINT_URL)",
        "Where browsers reach the store, when that differs from where Echoes does (e.g. `http://minio:9000` inside compose, `https://s3.example.org` outside): presigned URLs are made for it.",
    ),
    ("S3_FORCE_PATH_STYLE", "false", "`true` for stores that need `endpoint/bucket/key` URLs."),
    ("S3_AUTO_CREATE_BUCKET", "false", "`true` creates the bucket at start when it is missing."),
    ("S3_PRESIGN_EXP_SECONDS", "900", "Lifetime of presigned upload and playback URLs."),
    (
        "AWS_ACCESS_KEY_ID",
        "(AWS chain)",
        "S3 credentials; when unset, the standard AWS chain (profiles, instance roles) is used.",
    ),
    ("AWS_SECRET_ACCESS_KEY", "(AWS chain)", "Goes with `AWS_ACCESS_KEY_ID`."),
    (
        "PENDING_UPLOAD_TTL_SECONDS",
        "3600",
        "Direct uploads not completed within this time are swept (object and record).",
    ),
    (
        "MAX_AUDIO_DURATION_SECONDS",
        "3600",
        "Longest accepted audio (1 hour); decoding stops there and the upload is refused.",
    ),
    (
        "PROBE_CONCURRENCY",
        "(number of cores)",
        "How many uploads are decoded at once; more wait in a short queue, then get 503.",
    ),
    ("PROBE_TIMEOUT_SECONDS", "60", "Wall-clock and CPU-time limit for decoding one upload."),
    ("PROBE_MEMORY_LIMIT_MB", "512", "Address-space limit of the process that decodes one upload."),
    ("PROBE_EXECUTABLE", "(this binary)", "Program run to decode uploads; normally the echoes binary itself."),
    ("SMTP_URL", "(none: mail is logged)", "Mail server, e.g. `smtps://user:password@mail.example.org` or `smtp://host:587?tls=required`."),
    ("MAIL_FROM", "Echoes <echoes@localhost>", "Sender of the mail Echoes sends."),
    ("SMS_SENDER", "log", "How text messages (sign-in codes) go out: `log`, `webhook` or `sns` (AWS SNS)."),
    ("SMS_WEBHOOK_URL", "(none)", "With `SMS_SENDER=webhook`: where each message is POSTed as JSON `{\"to\", \"text\"}`."),
    ("SMS_WEBHOOK_TOKEN", "(none)", "With `SMS_SENDER=webhook`: sent as `Authorization: Bearer …`."),
    ("SMS_SNS_REGION", "(AWS chain)", "With `SMS_SENDER=sns`: the AWS region to send from."),
    (
        "PHONE_DEFAULT_REGION",
        "(none: numbers need +country code)",
        "Two-letter country (e.g. `GB`) whose numbers people may type without their `+44`.",
    ),
    (
        "OAUTH_PROVIDERS",
        "(none)",
        "Comma-separated ids of sign-in providers (e.g. `google,github`); each is set up by `OAUTH_<ID>_…`.",
    ),
    ("RUST_LOG", "info", "Log filter (tracing `EnvFilter` syntax)."),
    ("LOG_FORMAT", "text", "`text` for people, `json` for log collectors."),
    (
        "METRICS_TOKEN",
        "(none: /metrics is off)",
        "Turns on Prometheus metrics at `/metrics`, for scrapers that send `Authorization: Bearer <token>`. Use a long random value (16 characters at least).",
    ),
];

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub audio_storage_path: PathBuf,
    /// The bearer token `/metrics` asks for; no token, no metrics.
    pub metrics_token: Option<String>,
    /// Who sends the bytes of audio on local disk.
    pub audio_offload: AudioOffload,
    pub max_audio_file_size: u64,
    pub max_recording_secs: u64,
    pub site_addr: SocketAddr,
    pub public_url: String,
    pub cors_origins: Vec<String>,
    pub sessions: SessionSettings,
    pub api_tokens: TokenSettings,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub limits: AbuseLimits,
    pub max_pending_uploads_per_user: u64,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
    pub database_max_connections: u32,
    pub log_json: bool,
    /// Set when audio lives in S3 rather than on local disk.
    pub s3: Option<S3Settings>,
    pub pending_upload_ttl_secs: u64,
    pub probe: ProbeSettings,
    /// Outgoing mail.
    pub mail: crate::infra::mail::MailSettings,
    /// Outgoing text messages.
    pub sms: crate::infra::sms::SmsSettings,
    /// The country of phone numbers typed without a country code.
    pub phone_default_region: Option<phonenumber::country::Id>,
    /// Sign-in providers (none by default).
    pub oauth_providers: Vec<crate::accounts::oauth::settings::ProviderSettings>,
}

/// Who sends the bytes of audio kept on local disk, once Echoes has
/// checked the caller may play it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AudioOffload {
    /// Echoes itself (Range requests included).
    None,
    /// nginx: `X-Accel-Redirect: {prefix}{key}`, an `internal` location.
    XAccelRedirect { prefix: String },
    /// Apache (mod_xsendfile), lighttpd: `X-Sendfile: {absolute path}`.
    XSendfile,
}

/// How long a browser session lasts.
#[derive(Clone, Copy, Debug)]
pub struct SessionSettings {
    /// Ends after this long without a request.
    pub idle_timeout: std::time::Duration,
    /// Ends this long after log-in, however active.
    pub max_age: std::time::Duration,
}

impl SessionSettings {
    /// How often an active session's expiry is pushed back: a write at most
    /// every few minutes, not one per request.
    pub fn refresh_every(&self) -> std::time::Duration {
        (self.idle_timeout / 4).min(std::time::Duration::from_secs(300))
    }
}

/// How long API tokens last.
#[derive(Clone, Copy, Debug)]
pub struct TokenSettings {
    pub access_ttl: std::time::Duration,
    pub refresh_ttl: std::time::Duration,
}

/// Rate limits and throttles against abuse.
#[derive(Clone, Copy, Debug)]
pub struct AbuseLimits {
    pub rate_per_second: u64,
    pub rate_burst: u32,
    pub login_max_failures: i64,
    pub login_max_failures_per_address: i64,
    pub login_block_secs: u64,
    pub signups_per_address_per_hour: i64,
    pub password_hash_concurrency: usize,
}

/// How uploads are decoded (see `echoes::probe::sandbox`).
#[derive(Clone, Debug)]
pub struct ProbeSettings {
    pub max_audio_secs: u64,
    pub concurrency: usize,
    pub timeout_secs: u64,
    pub memory_mb: u64,
    /// `None`: this very binary.
    pub executable: Option<PathBuf>,
}

/// Where and how to reach the S3 bucket.
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub bucket: String,
    pub region: String,
    pub endpoint: Option<String>,
    /// Where browsers reach the store, when not at `endpoint`.
    pub public_endpoint: Option<String>,
    pub force_path_style: bool,
    pub auto_create_bucket: bool,
    pub presign_expiry_secs: u64,
    /// Explicit keys; `None` means the standard AWS credential chain.
    pub credentials: Option<(String, String)>,
}

/// A variable that is set but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={} is invalid: {reason}", shown(.name, .value))]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

fn sms_settings(
    lookup: &impl Fn(&str) -> Option<String>,
    get: &impl Fn(&'static str) -> String,
    invalid: &impl Fn(&'static str, &str) -> ConfigError,
) -> Result<crate::infra::sms::SmsSettings, ConfigError> {
    use crate::infra::sms::SmsSettings;
    let set = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match get("SMS_SENDER").trim() {
        "log" => Ok(SmsSettings::Log),
        "webhook" => {
            let url = set("SMS_WEBHOOK_URL")
                .ok_or_else(|| invalid("SMS_WEBHOOK_URL", "SMS_SENDER=webhook needs the address to POST to"))?;
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(invalid("SMS_WEBHOOK_URL", "expected an http:// or https:// address"));
            }
            Ok(SmsSettings::Webhook { url, token: set("SMS_WEBHOOK_TOKEN") })
        }
        "sns" => Ok(SmsSettings::Sns { region: set("SMS_SNS_REGION") }),
        _ => Err(invalid("SMS_SENDER", "expected log, webhook or sns")),
    }
}

/// A value as it may appear in a message: secrets never do, and a
/// database URL loses its password.
fn shown(name: &str, value: &str) -> String {
    match name {
        "AWS_SECRET_ACCESS_KEY" | "AWS_ACCESS_KEY_ID" | "SMS_WEBHOOK_TOKEN" => "(hidden)".to_owned(),
        "DATABASE_URL" => {
            let hidden = value.split_once("://").and_then(|(scheme, rest)| {
                let (credentials, host) = rest.split_once('@')?;
                let user = credentials.split(':').next().unwrap_or_default();
                Some(format!("{scheme}://{user}:(hidden)@{host}"))
            });
            format!("{:?}", hidden.unwrap_or_else(|| value.to_owned()))
        }
        _ => format!("{value:?}"),
    }
}

/// `https://a.example[:port]`: a scheme, a host and maybe a port, nothing else.
fn is_origin(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else { return false };
    let host = rest.rsplit_once(':').map(|(h, port)| (h, port.parse::<u16>().is_ok())).unwrap_or((rest, true));
    matches!(scheme, "http" | "https")
        && host.1
        && !host.0.is_empty()
        && host.0.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
}

impl Config {
    /// Reads `.env` (if present) and the environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        // A missing .env is normal; a broken one is worth a warning, not a crash.
        if let Err(err) = dotenvy::dotenv() {
            if !err.not_found() {
                eprintln!("warning: could not read .env: {err}");
            }
        }
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the config from any lookup function; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &'static str| -> String {
            lookup(name).filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default_of(name).to_owned())
        };
        let invalid =
            |name: &'static str, reason: &str| ConfigError { name, value: get(name), reason: reason.to_owned() };

        let max_audio_file_size = get("MAX_AUDIO_FILE_SIZE")
            .trim()
            .parse::<u64>()
            .map_err(|_| invalid("MAX_AUDIO_FILE_SIZE", "expected a number of bytes"))?;
        if max_audio_file_size == 0 {
            return Err(ConfigError {
                name: "MAX_AUDIO_FILE_SIZE",
                value: "0".into(),
                reason: "must be greater than zero".into(),
            });
        }
        let database_url = get("DATABASE_URL");
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                name: "DATABASE_URL",
                value: database_url,
                reason: "expected sqlite://… or postgres://…".into(),
            });
        }
        let public_url = get("PUBLIC_URL").trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                name: "PUBLIC_URL",
                value: public_url,
                reason: "expected an http:// or https:// URL".into(),
            });
        }
        let cors_origins: Vec<String> = lookup("CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        if let Some(bad) = cors_origins.iter().find(|o| !is_origin(o)) {
            return Err(ConfigError {
                name: "CORS_ORIGINS",
                value: lookup("CORS_ORIGINS").unwrap_or_default(),
                reason: format!(
                    "{bad:?} is not an origin: list each site as https://host[:port] (a wildcard cannot be used with sign-in cookies)"
                ),
            });
        }
        Ok(Config {
            database_url,
            audio_storage_path: PathBuf::from(get("AUDIO_STORAGE_PATH")),
            metrics_token: match lookup("METRICS_TOKEN").map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) {
                Some(token) if token.len() < 16 || token.chars().any(|c| !c.is_ascii_graphic()) => {
                    return Err(ConfigError {
                        name: "METRICS_TOKEN",
                        value: "(hidden)".into(),
                        reason: "expected at least 16 printable characters, without spaces".into(),
                    })
                }
                token => token,
            },
            audio_offload: match get("AUDIO_OFFLOAD").trim() {
                "none" => AudioOffload::None,
                "x-sendfile" => AudioOffload::XSendfile,
                "x-accel-redirect" => {
                    let prefix = get("AUDIO_OFFLOAD_PREFIX").trim().to_owned();
                    if !prefix.starts_with('/') || !prefix.ends_with('/') || prefix.chars().any(|c| c.is_whitespace() || c.is_control()) {
                        return Err(invalid("AUDIO_OFFLOAD_PREFIX", "expected a path that starts and ends with /, like /_echoes_audio/"));
                    }
                    AudioOffload::XAccelRedirect { prefix }
                }
                _ => return Err(invalid("AUDIO_OFFLOAD", "expected none, x-accel-redirect or x-sendfile")),
            },
            max_recording_secs: get("MAX_RECORDING_SECONDS")
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=3 * 3600).contains(s))
                .ok_or_else(|| invalid("MAX_RECORDING_SECONDS", "expected seconds between 1 and 10800"))?,
            max_audio_file_size,
            site_addr: get("LEPTOS_SITE_ADDR")
                .parse()
                .map_err(|_| invalid("LEPTOS_SITE_ADDR", "expected host:port, like 127.0.0.1:3000"))?,
            public_url,
            cors_origins,
            sessions: session_settings(&lookup, &get, &invalid)?,
            api_tokens: token_settings(&get, &invalid)?,
            trusted_proxies: trusted_proxies(&get, &invalid)?,
            limits: abuse_limits(&get, &invalid)?,
            max_pending_uploads_per_user: number_in(&get, &invalid, "MAX_PENDING_UPLOADS_PER_USER", 1, 10_000)?,
            request_timeout_secs: number_in(&get, &invalid, "REQUEST_TIMEOUT_SECONDS", 1, 3600)?,
            shutdown_grace_secs: number_in(&get, &invalid, "SHUTDOWN_GRACE_SECONDS", 0, 3600)?,
            database_max_connections: get("DATABASE_MAX_CONNECTIONS")
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| invalid("DATABASE_MAX_CONNECTIONS", "expected a positive number"))?,
            log_json: match get("LOG_FORMAT").as_str() {
                "json" => true,
                "text" => false,
                _ => return Err(invalid("LOG_FORMAT", "expected text or json")),
            },
            s3: s3_settings(&get, &invalid)?,
            pending_upload_ttl_secs: get("PENDING_UPLOAD_TTL_SECONDS")
                .parse::<u64>()
                .map_err(|_| invalid("PENDING_UPLOAD_TTL_SECONDS", "expected a number of seconds"))?,
            probe: probe_settings(&get, &invalid)?,
            mail: crate::infra::mail::MailSettings {
                smtp_url: lookup("SMTP_URL").map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()),
                from: get("MAIL_FROM"),
            },
            sms: sms_settings(&lookup, &get, &invalid)?,
            phone_default_region: match lookup("PHONE_DEFAULT_REGION").map(|v| v.trim().to_uppercase()) {
                None => None,
                Some(v) if v.is_empty() => None,
                Some(v) => Some(v.parse().map_err(|_| invalid("PHONE_DEFAULT_REGION", "expected a two-letter country code such as GB"))?),
            },
            oauth_providers: crate::accounts::oauth::settings::from_lookup(&lookup)?,
        })
    }

    /// Cookies get the `Secure` flag when people reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }
}

type Get<'a> = &'a dyn Fn(&'static str) -> String;
type Invalid<'a> = &'a dyn Fn(&'static str, &str) -> ConfigError;

/// A whole number from `min` to `max`, or an error naming the variable.
fn number_in(get: Get, invalid: Invalid, name: &'static str, min: u64, max: u64) -> Result<u64, ConfigError> {
    get(name)
        .trim()
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| invalid(name, &format!("expected a number from {min} to {max}")))
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

fn session_settings(
    lookup: &dyn Fn(&str) -> Option<String>,
    get: Get,
    invalid: Invalid,
) -> Result<SessionSettings, ConfigError> {
    let duration = |name: &'static str| {
        humantime::parse_duration(get(name).trim())
            .ok()
            .filter(|d| d.as_secs() >= 1)
            .ok_or_else(|| invalid(name, "expected a duration like 30m, 12h or 14d"))
    };
    let older_days = lookup("SESSION_TTL_DAYS").filter(|v| !v.trim().is_empty());
    let idle_timeout = match (lookup("SESSION_IDLE_TIMEOUT").filter(|v| !v.trim().is_empty()), older_days) {
        (None, Some(days)) => days
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|d| *d > 0)
            .map(|d| std::time::Duration::from_secs(d * 24 * 3600))
            .ok_or_else(|| ConfigError {
                name: "SESSION_TTL_DAYS",
                value: days.clone(),
                reason: "expected a positive number of days".into(),
            })?,
        _ => duration("SESSION_IDLE_TIMEOUT")?,
    };
    let max_age = duration("SESSION_MAX_AGE")?;
    if max_age < idle_timeout {
        return Err(invalid("SESSION_MAX_AGE", "must not be shorter than SESSION_IDLE_TIMEOUT"));
    }
    Ok(SessionSettings { idle_timeout, max_age })
}

fn token_settings(get: Get, invalid: Invalid) -> Result<TokenSettings, ConfigError> {
    let duration = |name: &'static str, min_secs: u64| {
        humantime::parse_duration(get(name).trim())
            .ok()
            .filter(|d| d.as_secs() >= min_secs)
            .ok_or_else(|| invalid(name, &format!("expected a duration of at least {min_secs} s, like 15m or 30d")))
    };
    let settings = TokenSettings {
        access_ttl: duration("API_ACCESS_TOKEN_TTL", 10)?,
        refresh_ttl: duration("API_REFRESH_TOKEN_TTL", 60)?,
    };
    if settings.refresh_ttl < settings.access_ttl {
        return Err(invalid("API_REFRESH_TOKEN_TTL", "must not be shorter than API_ACCESS_TOKEN_TTL"));
    }
    Ok(settings)
}

fn trusted_proxies(get: Get, invalid: Invalid) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    get("TRUSTED_PROXIES")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| invalid("TRUSTED_PROXIES", &format!("{p:?} is not an IP address or CIDR range")))
        })
        .collect()
}

fn abuse_limits(get: Get, invalid: Invalid) -> Result<AbuseLimits, ConfigError> {
    let password_hash_concurrency = match get("PASSWORD_HASH_CONCURRENCY").trim() {
        "" => cores(),
        _ => number_in(get, invalid, "PASSWORD_HASH_CONCURRENCY", 1, 256)? as usize,
    };
    Ok(AbuseLimits {
        rate_per_second: number_in(get, invalid, "RATE_LIMIT_PER_SECOND", 1, 1_000_000)?,
        rate_burst: number_in(get, invalid, "RATE_LIMIT_BURST", 1, 1_000_000)? as u32,
        login_max_failures: number_in(get, invalid, "LOGIN_MAX_FAILURES", 2, 1000)? as i64,
        login_max_failures_per_address: number_in(get, invalid, "LOGIN_MAX_FAILURES_PER_ADDRESS", 2, 100_000)? as i64,
        login_block_secs: number_in(get, invalid, "LOGIN_BLOCK_SECONDS", 1, 7 * 24 * 3600)?,
        signups_per_address_per_hour: number_in(get, invalid, "SIGNUPS_PER_ADDRESS_PER_HOUR", 1, 100_000)? as i64,
        password_hash_concurrency,
    })
}

impl S3Settings {
    /// The origins a browser talks to for this bucket (direct PUTs, audio
    /// playback), for the Content-Security-Policy.
    pub fn browser_origins(&self) -> Vec<String> {
        match self.public_endpoint.as_ref().or(self.endpoint.as_ref()) {
            Some(endpoint) => {
                let (scheme, rest) = endpoint.split_once("://").unwrap_or(("https", endpoint));
                let host = rest.split('/').next().unwrap_or(rest);
                if self.force_path_style {
                    vec![format!("{scheme}://{host}")]
                } else {
                    vec![format!("{scheme}://{}.{host}", self.bucket)]
                }
            }
            None => vec![
                format!("https://{}.s3.{}.amazonaws.com", self.bucket, self.region),
                format!("https://{}.s3.amazonaws.com", self.bucket),
            ],
        }
    }
}

fn probe_settings(
    get: &dyn Fn(&'static str) -> String,
    invalid: &dyn Fn(&'static str, &str) -> ConfigError,
) -> Result<ProbeSettings, ConfigError> {
    let in_range = |name: &'static str, min: u64, max: u64| number_in(get, invalid, name, min, max);
    let concurrency = match get("PROBE_CONCURRENCY").trim() {
        "" => cores(),
        _ => in_range("PROBE_CONCURRENCY", 1, 256)? as usize,
    };
    let executable = Some(get("PROBE_EXECUTABLE").trim().to_owned()).filter(|p| !p.is_empty()).map(PathBuf::from);
    Ok(ProbeSettings {
        max_audio_secs: in_range("MAX_AUDIO_DURATION_SECONDS", 1, 24 * 3600)?,
        concurrency,
        timeout_secs: in_range("PROBE_TIMEOUT_SECONDS", 1, 3600)?,
        memory_mb: in_range("PROBE_MEMORY_LIMIT_MB", 64, 65_536)?,
        executable,
    })
}

fn s3_settings(
    get: &dyn Fn(&'static str) -> String,
    invalid: &dyn Fn(&'static str, &str) -> ConfigError,
) -> Result<Option<S3Settings>, ConfigError> {
    let bucket = get("S3_BUCKET_NAME");
    if bucket.trim().is_empty() {
        return Ok(None);
    }
    let flag = |name: &'static str| match get(name).trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" | "" => Ok(false),
        _ => Err(invalid(name, "expected true or false")),
    };
    let endpoint = Some(get("S3_ENDPOINT_URL").trim().trim_end_matches('/').to_owned()).filter(|e| !e.is_empty());
    if let Some(endpoint) = &endpoint {
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(invalid("S3_ENDPOINT_URL", "expected an http:// or https:// URL"));
        }
    }
    let public_endpoint =
        Some(get("S3_PUBLIC_ENDPOINT_URL").trim().trim_end_matches('/').to_owned()).filter(|e| !e.is_empty());
    if let Some(public) = &public_endpoint {
        if !(public.starts_with("http://") || public.starts_with("https://")) {
            return Err(invalid("S3_PUBLIC_ENDPOINT_URL", "expected an http:// or https:// URL"));
        }
    }
    let presign_expiry_secs =
        get("S3_PRESIGN_EXP_SECONDS").parse::<u64>().ok().filter(|s| (1..=3600).contains(s)).ok_or_else(|| {
            invalid("S3_PRESIGN_EXP_SECONDS", "expected seconds between 1 and 3600 (an hour at most)")
        })?;
    let key = get("AWS_ACCESS_KEY_ID");
    let secret = get("AWS_SECRET_ACCESS_KEY");
    let credentials = match (key.trim().is_empty(), secret.trim().is_empty()) {
        (true, true) => None,
        (false, false) => Some((key, secret)),
        _ => {
            return Err(invalid(
                "AWS_SECRET_ACCESS_KEY",
                "set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither",
            ))
        }
    };
    Ok(Some(S3Settings {
        bucket: bucket.trim().to_owned(),
        region: get("AWS_REGION").trim().to_owned(),
        endpoint,
        public_endpoint,
        force_path_style: flag("S3_FORCE_PATH_STYLE")?,
        auto_create_bucket: flag("S3_AUTO_CREATE_BUCKET")?,
        presign_expiry_secs,
        credentials,
    }))
}

fn default_of(name: &str) -> &'static str {
    VARIABLES
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, default, _)| *default)
        .filter(|d| !d.starts_with('('))
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_run_on_sqlite_and_local_disk() {
        let config = config_with(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://data/echoes.db");
        assert_eq!(config.audio_storage_path, PathBuf::from("data/audio"));
        assert_eq!(config.max_audio_file_size, 25 * 1024 * 1024);
        assert_eq!(config.site_addr.to_string(), "127.0.0.1:3000");
        assert!(!config.secure_cookies());
        assert!(config.cors_origins.is_empty());
    }

    #[test]
    fn an_https_public_url_makes_cookies_secure() {
        let config = config_with(&[("PUBLIC_URL", "https://echoes.example/")]).unwrap();
        assert!(config.secure_cookies());
        assert_eq!(config.public_url, "https://echoes.example");
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let err = config_with(&[("MAX_AUDIO_FILE_SIZE", "lots")]).unwrap_err();
        assert_eq!(err.name, "MAX_AUDIO_FILE_SIZE");
        let err = config_with(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.name, "DATABASE_URL");
        let err = config_with(&[("SESSION_TTL_DAYS", "-1")]).unwrap_err();
        assert_eq!(err.name, "SESSION_TTL_DAYS");
        let err = config_with(&[("RATE_LIMIT_BURST", "0")]).unwrap_err();
        assert_eq!(err.name, "RATE_LIMIT_BURST");
    }

    #[test]
    fn s3_is_used_only_when_a_bucket_is_named() {
        assert!(config_with(&[]).unwrap().s3.is_none());
        let config = config_with(&[
            ("S3_BUCKET_NAME", "echoes-audio"),
            ("S3_ENDPOINT_URL", "http://127.0.0.1:9000/"),
            ("S3_FORCE_PATH_STYLE", "true"),
        ])
        .unwrap();
        let s3 = config.s3.unwrap();
        assert_eq!(s3.bucket, "echoes-audio");
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(s3.force_path_style && !s3.auto_create_bucket);
        assert_eq!(s3.presign_expiry_secs, 900);
        assert!(s3.credentials.is_none());
        assert_eq!(s3.browser_origins(), vec!["http://127.0.0.1:9000"]);
    }

    #[test]
    fn half_a_credential_pair_is_refused() {
        let err = config_with(&[("S3_BUCKET_NAME", "b"), ("AWS_ACCESS_KEY_ID", "AKIA")]).unwrap_err();
        assert_eq!(err.name, "AWS_SECRET_ACCESS_KEY");
        let err = config_with(&[("S3_BUCKET_NAME", "b"), ("S3_FORCE_PATH_STYLE", "maybe")]).unwrap_err();
        assert_eq!(err.name, "S3_FORCE_PATH_STYLE");
    }

    #[test]
    fn a_wildcard_or_a_path_in_cors_origins_is_a_configuration_error() {
        for bad in ["*", "https://a.example/path", "a.example", "https://a.example, *"] {
            let err = config_with(&[("CORS_ORIGINS", bad)]).unwrap_err();
            assert_eq!(err.name, "CORS_ORIGINS", "{bad}");
        }
        assert!(config_with(&[("CORS_ORIGINS", "http://127.0.0.1:8080")]).is_ok());
    }

    #[test]
    fn secrets_never_appear_in_configuration_errors() {
        let err = config_with(&[("S3_BUCKET_NAME", "b"), ("AWS_SECRET_ACCESS_KEY", "s3cr3t")]).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"), "{err}");
        let err = config_with(&[("DATABASE_URL", "mysql://ada:hunter2@db/echoes")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(err.to_string().contains("ada"), "{err}");
    }

    #[test]
    fn sessions_end_when_idle_and_after_a_maximum_age() {
        let config = config_with(&[]).unwrap();
        assert_eq!(config.sessions.idle_timeout.as_secs(), 14 * 24 * 3600);
        assert_eq!(config.sessions.max_age.as_secs(), 30 * 24 * 3600);
        assert_eq!(config.sessions.refresh_every().as_secs(), 300);
        let short = config_with(&[("SESSION_IDLE_TIMEOUT", "2s"), ("SESSION_MAX_AGE", "5s")]).unwrap();
        assert_eq!(short.sessions.refresh_every().as_millis(), 500);
        let older = config_with(&[("SESSION_TTL_DAYS", "3")]).unwrap();
        assert_eq!(older.sessions.idle_timeout.as_secs(), 3 * 24 * 3600);
        assert_eq!(config_with(&[("SESSION_MAX_AGE", "1h")]).unwrap_err().name, "SESSION_MAX_AGE");
        assert_eq!(config_with(&[("SESSION_IDLE_TIMEOUT", "soon")]).unwrap_err().name, "SESSION_IDLE_TIMEOUT");
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges() {
        let config = config_with(&[("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1")]).unwrap();
        assert_eq!(config.trusted_proxies.len(), 3);
        assert_eq!(config_with(&[("TRUSTED_PROXIES", "proxy")]).unwrap_err().name, "TRUSTED_PROXIES");
    }

    #[test]
    fn cors_origins_are_split_and_trimmed() {
        let config = config_with(&[("CORS_ORIGINS", "https://a.example/, https://b.example")]).unwrap();
        assert_eq!(config.cors_origins, vec!["https://a.example", "https://b.example"]);
    }

    #[test]
    fn the_readme_documents_every_variable() {
        let readme = include_str!("../../../README.md");
        for (name, _, _) in VARIABLES.iter().chain(crate::accounts::oauth::settings::PROVIDER_VARIABLES) {
            assert!(readme.contains(&format!("`{name}`")), "README.md does not document {name}");
        }
    }
}
