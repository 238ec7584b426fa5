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
    ("MAX_RECORDING_SECONDS", "300", "Longest recording the record page takes before it stops by itself."),
    ("LEPTOS_SITE_ADDR", "127.0.0.1:3000", "Address and port to listen on."),
    ("PUBLIC_URL", "http://127.0.0.1:3000", "The URL people use; `https://` turns on Secure cookies."),
    ("CORS_ORIGINS", "(none)", "Comma-separated origins allowed to call the API from another site."),
    ("SESSION_TTL_DAYS", "14", "How long a browser session lasts without activity."),
    ("DATABASE_MAX_CONNECTIONS", "10", "Size of the database connection pool."),
    ("S3_BUCKET_NAME", "(none)", "Set to keep audio in this S3 bucket instead of on local disk."),
    ("AWS_REGION", "us-east-1", "The bucket's region."),
    ("S3_ENDPOINT_URL", "(AWS)", "An S3-compatible endpoint (MinIO, R2, Ceph, …)."),
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
    ("RUST_LOG", "info", "Log filter (tracing `EnvFilter` syntax)."),
    ("LOG_FORMAT", "text", "`text` for people, `json` for log collectors."),
];

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub audio_storage_path: PathBuf,
    pub max_audio_file_size: u64,
    pub max_recording_secs: u64,
    pub site_addr: SocketAddr,
    pub public_url: String,
    pub cors_origins: Vec<String>,
    pub session_ttl_days: i64,
    pub database_max_connections: u32,
    pub log_json: bool,
    /// Set when audio lives in S3 rather than on local disk.
    pub s3: Option<S3Settings>,
    pub pending_upload_ttl_secs: u64,
    pub probe: ProbeSettings,
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
    pub force_path_style: bool,
    pub auto_create_bucket: bool,
    pub presign_expiry_secs: u64,
    /// Explicit keys; `None` means the standard AWS credential chain.
    pub credentials: Option<(String, String)>,
}

/// A variable that is set but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {name}={value:?} is invalid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
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
        let cors_origins = lookup("CORS_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        Ok(Config {
            database_url,
            audio_storage_path: PathBuf::from(get("AUDIO_STORAGE_PATH")),
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
            session_ttl_days: get("SESSION_TTL_DAYS")
                .parse::<i64>()
                .ok()
                .filter(|d| *d > 0)
                .ok_or_else(|| invalid("SESSION_TTL_DAYS", "expected a positive number of days"))?,
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

fn probe_settings(
    get: &dyn Fn(&'static str) -> String,
    invalid: &dyn Fn(&'static str, &str) -> ConfigError,
) -> Result<ProbeSettings, ConfigError> {
    let in_range = |name: &'static str, min: u64, max: u64| {
        get(name)
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| invalid(name, &format!("expected a number from {min} to {max}")))
    };
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let concurrency = match get("PROBE_CONCURRENCY").trim() {
        "" => cores,
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
    let presign_expiry_secs = get("S3_PRESIGN_EXP_SECONDS")
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=7 * 24 * 3600).contains(s))
        .ok_or_else(|| invalid("S3_PRESIGN_EXP_SECONDS", "expected seconds between 1 and 604800 (7 days)"))?;
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
    }

    #[test]
    fn half_a_credential_pair_is_refused() {
        let err = config_with(&[("S3_BUCKET_NAME", "b"), ("AWS_ACCESS_KEY_ID", "AKIA")]).unwrap_err();
        assert_eq!(err.name, "AWS_SECRET_ACCESS_KEY");
        let err = config_with(&[("S3_BUCKET_NAME", "b"), ("S3_FORCE_PATH_STYLE", "maybe")]).unwrap_err();
        assert_eq!(err.name, "S3_FORCE_PATH_STYLE");
    }

    #[test]
    fn cors_origins_are_split_and_trimmed() {
        let config = config_with(&[("CORS_ORIGINS", "https://a.example/, https://b.example")]).unwrap();
        assert_eq!(config.cors_origins, vec!["https://a.example", "https://b.example"]);
    }

    #[test]
    fn the_readme_documents_every_variable() {
        let readme = include_str!("../../../README.md");
        for (name, _, _) in VARIABLES {
            assert!(readme.contains(&format!("`{name}`")), "README.md does not document {name}");
        }
    }
}
