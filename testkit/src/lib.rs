//! A real S3-protocol server for tests, on 127.0.0.1: s3s (which checks
//! SigV4 signatures, presigned URLs included) over s3s-fs (buckets are
//! folders). Integration tests start it inside their process; the browser
//! tests run it as the `echoes-test-s3` binary.
//!
//! CORS is answered the way a bucket's CORS rules would, so a browser page
//! on another origin can PUT to a presigned URL.

pub mod oauth2;

use std::net::SocketAddr;
use std::path::Path;

use axum::error_handling::HandleError;
use axum::http::{header, Method, StatusCode};
use axum::Router;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub const ACCESS_KEY: &str = "echoes-test-access-key";
pub const SECRET_KEY: &str = "echoes-test-secret-key-0123456789";
pub const REGION: &str = "us-east-1";

/// A running S3 server; stops when dropped.
pub struct S3Server {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl S3Server {
    /// Starts a server storing buckets under `root`, listening on `port`
    /// (0 for any free port).
    pub async fn start(root: &Path, port: u16) -> anyhow::Result<S3Server> {
        let fs = s3s_fs::FileSystem::new(root).map_err(|e| anyhow::anyhow!("s3s-fs: {e:?}"))?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let service = HandleError::new(builder.build(), |err: s3s::HttpError| async move {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("S3 test server error: {err:?}"))
        });
        let cors = CorsLayer::new()
            .allow_origin(AllowOrigin::mirror_request())
            .allow_methods([Method::GET, Method::PUT, Method::HEAD])
            .allow_headers([header::CONTENT_TYPE, header::RANGE])
            .expose_headers([header::ETAG, header::CONTENT_RANGE, header::CONTENT_LENGTH])
            .max_age(std::time::Duration::from_secs(3600));
        let app = Router::new().fallback_service(service).layer(cors);
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(S3Server { addr, task })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The configuration that points Echoes at this server.
    pub fn echoes_config(&self, bucket: &str) -> Vec<(&'static str, String)> {
        vec![
            ("S3_BUCKET_NAME", bucket.to_owned()),
            ("S3_ENDPOINT_URL", self.endpoint()),
            ("S3_FORCE_PATH_STYLE", "true".to_owned()),
            ("S3_AUTO_CREATE_BUCKET", "true".to_owned()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_owned()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A mono 16-bit PCM WAV file of `samples` at `rate` Hz (test audio).
pub fn wav_pcm16(rate: u32, samples: impl ExactSizeIterator<Item = i16>) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}
