//! Who is asking: the client's address, for rate limits and sign-in
//! throttling.
//!
//! The peer address of the TCP connection, unless that peer is one of
//! `TRUSTED_PROXIES`: then `X-Forwarded-For` is read from the right,
//! skipping trusted proxies, and the first other address is the client.
//! Without trusted proxies the header is ignored, so nobody can pick their
//! own address by sending it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The client's address, put in the request's extensions by [`remember`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl std::fmt::Display for ClientIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The client's address, given the TCP peer and the headers.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return ip,
            // Garbage in the chain: stop believing it at this point.
            Err(_) => break,
        }
    }
    peer
}

/// Middleware: works out the client's address once per request.
pub async fn remember(State(trusted): State<std::sync::Arc<Vec<IpNet>>>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let client = ClientIp(resolve(peer, request.headers(), &trusted));
    request.extensions_mut().insert(client);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", xff.parse().unwrap());
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        assert_eq!(resolve(ip("203.0.113.9"), &headers("1.2.3.4"), &[]), ip("203.0.113.9"));
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        assert_eq!(resolve(ip("203.0.113.9"), &headers("1.2.3.4"), &trusted), ip("203.0.113.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client made up "6.6.6.6"; the proxies appended the real one.
        assert_eq!(resolve(ip("10.0.0.2"), &headers("6.6.6.6, 198.51.100.7, 10.0.0.1"), &trusted), ip("198.51.100.7"));
        assert_eq!(resolve(ip("10.0.0.2"), &HeaderMap::new(), &trusted), ip("10.0.0.2"));
        assert_eq!(resolve(ip("10.0.0.2"), &headers("junk"), &trusted), ip("10.0.0.2"));
    }
}
