//! Accepting connections: our own small loop over hyper rather than
//! `axum::serve`, for what that one does not offer:
//!
//! - a time limit on reading request headers (`REQUEST_TIMEOUT_SECONDS`),
//!   so a client that trickles its headers cannot hold a connection open
//!   forever (`axum::serve` sets no timer, so hyper's own limit never fires);
//! - a bounded graceful shutdown: after the signal no new connection is
//!   accepted, requests in flight get `SHUTDOWN_GRACE_SECONDS`, and then
//!   the process stops regardless;
//! - TCP_NODELAY on every connection (a response written in two parts
//!   otherwise waits ~40 ms for the peer's delayed ACK);
//! - the peer address as `ConnectInfo`, for rate limits.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

pub struct ServeSettings {
    pub header_timeout: Duration,
    pub shutdown_grace: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains.
pub async fn serve(listener: TcpListener, app: Router, settings: ServeSettings, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: pause, go on.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        if let Err(err) = stream.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {err}");
        }
        let service = app.clone().map_request(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.map(Body::new)
        });
        let watcher = graceful.watcher();
        let header_timeout = settings.header_timeout;
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder.http1().timer(TokioTimer::new()).header_read_timeout(header_timeout);
            builder.http2().timer(TokioTimer::new());
            let connection =
                builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
            if let Err(err) = watcher.watch(connection).await {
                tracing::debug!(%peer, "connection ended: {err}");
            }
        });
    }
    drop(listener);
    tracing::info!(grace_secs = settings.shutdown_grace.as_secs(), "stopping: finishing requests in flight");
    tokio::select! {
        _ = graceful.shutdown() => tracing::info!("all connections closed"),
        _ = tokio::time::sleep(settings.shutdown_grace) => {
            tracing::warn!("grace period over; stopping with requests still in flight");
        }
    }
}
