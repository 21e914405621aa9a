//! The running server: shared state, the state file, and a connection loop
//! of its own, so that a "lost answer" can close a connection without
//! sending anything.

use super::faults::FaultDice;
use super::state::State;
use super::{SimConfig, SimError};
use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tower::Service;

/// How long open connections may finish after shutdown starts.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// What the lock guards: both systems, the random stream for answers and
/// codes, and the live access tokens (never persisted).
pub(crate) struct Inner {
    pub state: State,
    pub rng: StdRng,
    pub tokens: HashMap<String, Instant>,
}

/// What every request shares.
pub(crate) struct Shared {
    pub clients: Vec<(String, String)>,
    pub token_ttl: Duration,
    pub async_tax_share: f64,
    pub tax_pending: Duration,
    state_file: Option<PathBuf>,
    /// Seed of the random streams, kept so that a reset starts them again.
    seed: u64,
    inner: Mutex<Inner>,
    dice: Mutex<FaultDice>,
    /// Calls received on the national systems' routes (token included).
    pub calls: std::sync::atomic::AtomicU64,
    /// TLS handshakes refused or failed.
    pub handshakes_refused: std::sync::atomic::AtomicU64,
}

impl Shared {
    pub(crate) fn new(config: &SimConfig, state: State) -> Self {
        Self {
            clients: config.clients.clone(),
            token_ttl: config.token_ttl,
            async_tax_share: config.async_tax_share,
            tax_pending: config.tax_pending,
            state_file: config.state_file.clone(),
            seed: config.seed,
            inner: Mutex::new(Inner { state, rng: StdRng::seed_from_u64(config.seed), tokens: HashMap::new() }),
            dice: Mutex::new(FaultDice::new(config.faults.clone(), config.seed.wrapping_add(1))),
            calls: Default::default(),
            handshakes_refused: Default::default(),
        }
    }

    /// The state. Never held across an `.await`. A panic elsewhere cannot
    /// leave it half-written (every operation checks before it changes), so
    /// a poisoned lock is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The fault dice.
    pub(crate) fn dice(&self) -> MutexGuard<'_, FaultDice> {
        self.dice.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the state of a fresh start with no state file: nothing held,
    /// no faults, the random streams from their seed again
    /// (so the same calls get the same tax codes and fates as after a
    /// restart). Written to the state file, if there is one.
    pub(crate) fn reset(&self) -> Result<(), String> {
        *self.dice() = FaultDice::new(super::Faults::default(), self.seed.wrapping_add(1));
        let mut inner = self.lock();
        inner.state = State::default();
        // Live tokens stay: a client holding one goes on without a 401.
        inner.rng = StdRng::seed_from_u64(self.seed);
        self.persist(&inner.state)
    }

    /// Writes the state file, if there is one (call with the lock held, so
    /// that files are written in the order changes were applied).
    pub(crate) fn persist(&self, state: &State) -> Result<(), String> {
        match &self.state_file {
            Some(path) => {
                save_state(path, state).map_err(|e| format!("cannot write state file {}: {e}", path.display()))
            }
            None => Ok(()),
        }
    }
}

/// Reads the state file (a missing file is an empty state) and writes it
/// back at once, creating its folder, so an unwritable path stops start-up
/// instead of failing every write.
pub(crate) fn open_state(path: &Path) -> Result<State, SimError> {
    let bad = |message: String| SimError::StateFile { path: path.to_owned(), message };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| bad(format!("cannot create its folder: {e}")))?;
    }
    let state = load_state(path)?;
    save_state(path, &state).map_err(|e| bad(format!("cannot write it: {e}")))?;
    Ok(state)
}

/// Reads the state file; a missing file is an empty state.
fn load_state(path: &Path) -> Result<State, SimError> {
    let bad = |message: String| SimError::StateFile { path: path.to_owned(), message };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
        Err(e) => return Err(bad(e.to_string())),
    };
    let mut state: State = serde_json::from_slice(&bytes).map_err(|e| bad(format!("not a national-sim state: {e}")))?;
    state.after_load().map_err(bad)?;
    Ok(state)
}

/// Writes the whole state to `PATH.tmp`, flushes it to disk and renames it
/// over `PATH`, so a reader never sees half a file.
fn save_state(path: &Path, state: &State) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(state)?;
    let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "state".into());
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Request extension: closes the request's connection without an answer.
#[derive(Clone)]
pub(crate) struct ConnectionAbort(pub CancellationToken);

/// How long a client may take over its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until `stop` (through the TLS handshake first when
/// `tls` is set), then lets open ones finish for a moment and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: std::sync::Arc<Shared>,
    stop: CancellationToken,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let (router, stop) = (router.clone(), stop.clone());
                    match tls.clone() {
                        None => connections.spawn(connection(stream, router, stop)),
                        Some(acceptor) => connections.spawn(tls_connection(acceptor, stream, router, shared.clone(), stop)),
                    };
                }
                Err(e) => {
                    // e.g. too many open files: back off rather than spin.
                    tracing::warn!(error = %e, "national-sim: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Completes the TLS handshake, then serves the connection. A refused
/// handshake (no client certificate, one of another CA, a client that does
/// not trust this server) is counted and logged; nothing the client sent
/// reaches the routes.
async fn tls_connection(
    acceptor: tokio_rustls::TlsAcceptor,
    stream: TcpStream,
    router: Router,
    shared: std::sync::Arc<Shared>,
    stop: CancellationToken,
) {
    let refused = |why: String| {
        shared.handshakes_refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tracing::warn!(error = %why, "national-sim: TLS handshake refused");
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream).into_fallible()).await {
        Ok(Ok(tls)) => connection(tls, router, stop).await,
        Ok(Err((e, tcp))) => {
            refused(e.to_string());
            linger(tcp).await;
        }
        Err(_) => refused("timed out".to_owned()),
    }
}

/// Closes a refused connection gently: the TLS alert is already written;
/// shuts the sending side and discards what the client still sends (for at
/// most a second, 64 KiB), so that closing with unread data does not reset
/// the connection and destroy the alert before the client reads it. None
/// of it is decrypted or looked at.
async fn linger(mut tcp: TcpStream) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let _ = tcp.shutdown().await;
    let drain = async {
        let mut buf = [0u8; 4096];
        let mut total = 0usize;
        while total < 64 * 1024 {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

/// Serves one HTTP/1.1 connection. Each request carries a [`ConnectionAbort`];
/// cancelling it drops the connection, and with it the unanswered request.
async fn connection<S>(stream: S, router: Router, stop: CancellationToken)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let abort = CancellationToken::new();
    let for_requests = ConnectionAbort(abort.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(for_requests.clone());
        router.clone().call(request.map(Body::new))
    });
    let mut builder = http1::Builder::new();
    // No header-read timeout (as in axum::serve): hyper's would also close
    // idle keep-alive connections after 30 s, which a client would take for
    // a simulated fault.
    builder.header_read_timeout(None);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        () = abort.cancelled() => {}
        () = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                _ = conn.as_mut() => {}
                () = abort.cancelled() => {}
                () = tokio::time::sleep(SHUTDOWN_GRACE) => {}
            }
        }
    }
}
