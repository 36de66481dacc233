//! Accepting connections: slow and idle connections are cut, and one source cannot hold
//! all of the server's connections (issue 13, finding 10).
//!
//! hyper reads each request head under a deadline ([`Connections::header_read`]); the
//! deadline also runs while a kept-alive connection waits for its next request, so an
//! idle connection ends too. Bodies and handlers are bounded by the router's timeout.

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

/// How the server treats connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connections {
    /// A request head must arrive within this, counted from when the connection is
    /// ready for it (also between requests on a kept-alive connection).
    pub header_read: Duration,
    /// Open connections allowed from one address; more are closed at once. Behind a
    /// reverse proxy every connection comes from the proxy: raise it there
    /// (`KIKAN_CONNECTIONS_PER_SOURCE`).
    pub per_source: usize,
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            header_read: Duration::from_secs(10),
            per_source: 128,
        }
    }
}

/// Open connections per source address.
#[derive(Default)]
struct Sources(Mutex<HashMap<IpAddr, usize>>);

/// One held connection; released when dropped.
struct Slot {
    sources: Arc<Sources>,
    ip: IpAddr,
}

impl Sources {
    fn take(self: &Arc<Self>, ip: IpAddr, limit: usize) -> Option<Slot> {
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(ip).or_default();
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Slot {
            sources: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.sources.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// The most a connection buffers of a request head: past it, hyper answers a bare 431
/// and closes. Well above the application's own limit (`MAX_HEADER_BYTES`, answered
/// with a code), so that only absurd heads meet it.
pub const MAX_HEAD_BYTES: usize = 256 * 1024;

/// Serves `app` on `listener` until `shutdown` completes, then lets the open
/// connections finish (at most 10 s).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: Connections,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_buf_size(MAX_HEAD_BYTES);
    let sources = Arc::new(Sources::default());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, say: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(slot) = sources.take(peer.ip(), limits.per_source) else {
            tracing::warn!(source = %peer.ip(), "too many connections from one source");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = tower::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // A connection cut by a deadline or by its client is not the server's error.
            let _ = conn.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_holds_at_most_its_share() {
        let sources = Arc::new(Sources::default());
        let ip: IpAddr = [192, 0, 2, 1].into();
        let a = sources.take(ip, 2);
        let b = sources.take(ip, 2);
        assert!(a.is_some() && b.is_some());
        assert!(sources.take(ip, 2).is_none());
        assert!(sources.take([192, 0, 2, 2].into(), 2).is_some());
        drop(a);
        assert!(sources.take(ip, 2).is_some());
    }
}
