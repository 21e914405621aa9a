//! The accept loop: each connection is served by hyper's HTTP/1.1 server
//! with a header-read timeout (which also bounds the idle time of a
//! keep-alive connection between requests), and the number of open
//! connections is capped.
//!
//! Up to `COOPGATE_MAX_CONNECTIONS` connections are served normally. A few
//! more ([`HEALTH_RESERVE`]) are served only for `/healthz` and `/readyz`,
//! with a one-second header timeout and no keep-alive, so that probes keep
//! being answered while the cap is reached; any other request on them gets
//! a 503. Beyond both, a new connection gets a fixed 503 written at once
//! and is closed, so that sockets (and file descriptors) are given back
//! quickly instead of queueing. A websocket holds its connection's slot
//! until it closes.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::Service;

/// Connections beyond the cap still served for health probes.
pub const HEALTH_RESERVE: usize = 16;
/// Header-read timeout of the connections of the health reserve.
const HEALTH_HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// How long in-flight requests may finish after shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// The body of a 503 for a connection over the cap.
const OVER_CAPACITY: &str =
    r#"{"errors":[{"message":"too many connections; retry later","extensions":{"code":"SERVICE_UNAVAILABLE"}}]}"#;

/// The slot a connection holds while it is open; a websocket upgrade takes
/// a clone into the socket's task (a request extension), so the slot is held
/// until the websocket closes.
#[derive(Clone)]
pub struct ConnectionSlot(#[allow(dead_code)] Arc<OwnedSemaphorePermit>);

/// How connections are served.
#[derive(Debug, Clone, Copy)]
pub struct ServeSettings {
    /// Longest wait for a request's headers (and between keep-alive requests).
    pub header_read_timeout: Duration,
    /// Most connections served at once (the health reserve comes on top).
    pub max_connections: usize,
}

impl From<&crate::limits::LimitsConfig> for ServeSettings {
    fn from(c: &crate::limits::LimitsConfig) -> Self {
        ServeSettings { header_read_timeout: c.header_read_timeout, max_connections: c.max_connections }
    }
}

/// Serves `router` on `listener` until `shutdown`, then lets in-flight
/// requests finish (at most [`SHUTDOWN_GRACE`]).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ServeSettings,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let main = Arc::new(Semaphore::new(settings.max_connections));
    let reserve = Arc::new(Semaphore::new(HEALTH_RESERVE));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    if let Ok(permit) = main.clone().try_acquire_owned() {
                        let conn = connection(stream, peer, router.clone(), settings.header_read_timeout, true, permit, shutdown.clone());
                        connections.spawn(conn);
                    } else if let Ok(permit) = reserve.clone().try_acquire_owned() {
                        let conn = connection(stream, peer, router.clone(), HEALTH_HEADER_TIMEOUT, false, permit, shutdown.clone());
                        connections.spawn(conn);
                    } else {
                        connections.spawn(over_capacity(stream));
                    }
                }
                Err(e) => {
                    // e.g. too many open files: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async { while connections.join_next().await.is_some() {} }).await;
    connections.abort_all();
    Ok(())
}

async fn over_capacity(mut stream: TcpStream) {
    tracing::debug!("connection refused: over the connection cap");
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let answer = format!(
            "HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{OVER_CAPACITY}",
            OVER_CAPACITY.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

fn health_only(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    header_timeout: Duration,
    full: bool,
    permit: OwnedSemaphorePermit,
    stop: CancellationToken,
) {
    let slot = ConnectionSlot(Arc::new(permit));
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(slot.clone());
        let mut router = router.clone();
        async move {
            if !full && !health_only(request.uri().path()) {
                let body = Body::from(OVER_CAPACITY);
                let r = axum::http::Response::builder()
                    .status(axum::http::StatusCode::SERVICE_UNAVAILABLE)
                    .header("retry-after", "1")
                    .header("content-type", "application/json")
                    .body(body);
                return Ok(r.unwrap_or_default());
            }
            router.call(request.map(Body::new)).await
        }
    });
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(full);
    let conn = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn.as_mut()).await;
        }
    }
}
