//! The server: accepts connections (over TLS when configured) and serves each on its
//! own task with the example routes; stops gracefully.

use crate::driver::{drive, App};
use crate::link::{Link, Shared, Views};
use crate::park::{self, ParkedConn, Parker};
use crate::tls::{negotiated, Identity};
use crate::{ws, StreamIo};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use weir::handler::{Compress, Decompress, Dispatcher};
use weir::{
    Command, Config, Connection, Event, Head, Parked, Reason, Request, Response, Side, Version,
};
use weir_blocking::args::Protocol;
use weir_blocking::{path_of, Application, Responder, Routes};

/// How long a shutdown waits for connections to finish (a tunnel may never end).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// How long a TLS handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A listening socket and the connections it accepted, each served on its own task
/// with the example routes ([`Routes`]) through the built-in compression handlers;
/// `/echo`, the tunnels and the WebSocket echo at `/ws` run on a [`StreamIo`] of
/// their own.
///
/// ```no_run
/// use weir_tokio::Server;
///
/// # async fn demo() -> std::io::Result<()> {
/// let server = Server::bind("127.0.0.1:0", weir::Config::default()).await?;
/// println!("listening on {}", server.local_addr()?);
/// let shutdown = server.shutdown_handle();
/// tokio::spawn(async move {
///     let _ = tokio::signal::ctrl_c().await;
///     shutdown.trigger();
/// });
/// server.run().await
/// # }
/// ```
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    /// Shared by every connection.
    config: Arc<Config>,
    protocol: Protocol,
    tls: Option<Identity>,
    stop: Arc<watch::Sender<bool>>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port); every connection gets `config`.
    pub async fn bind(addr: impl ToSocketAddrs, config: Config) -> io::Result<Server> {
        Ok(Server {
            listener: TcpListener::bind(addr).await?,
            config: Arc::new(config),
            protocol: Protocol::Auto,
            tls: None,
            stop: Arc::new(watch::Sender::new(false)),
        })
    }

    /// Speaks only `protocol` (by default the version is detected per connection, or
    /// chosen by ALPN).
    pub fn protocol(mut self, protocol: Protocol) -> Server {
        self.protocol = protocol;
        self
    }

    /// Serves over TLS with `identity`, offering by ALPN the versions the protocol
    /// allows (`h2` first).
    pub fn tls(mut self, identity: Identity) -> Server {
        self.tls = Some(identity);
        self
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops the server from anywhere (a signal handler, a test).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.stop.clone())
    }

    /// Accepts connections and serves each on its own task until the shutdown is
    /// triggered. Then stops accepting, lets the connections finish (HTTP/2: GOAWAY,
    /// the open streams complete; HTTP/1.1: the current response completes), waits for
    /// them a bounded time, and returns.
    pub async fn run(self) -> io::Result<()> {
        let versions: &[Version] = match self.protocol {
            Protocol::Auto => &[Version::Http2, Version::Http11],
            Protocol::H1 => &[Version::Http11],
            Protocol::H2 => &[Version::Http2],
        };
        let acceptor = match self.tls {
            Some(identity) => Some(TlsAcceptor::from(identity.server_config(versions)?)),
            None => None,
        };
        let fixed = match self.protocol {
            Protocol::Auto => None,
            Protocol::H1 => Some(Version::Http11),
            Protocol::H2 => Some(Version::Http2),
        };
        let mut stopped = self.stop.subscribe();
        // A connection's I/O error concerns that peer only: the results are dropped.
        let mut connections = JoinSet::new();
        // Idle plain-TCP connections wait there without a task (see `park`).
        let (parker, mut woken) = park::start()?;
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((sock, _)) => {
                        let (config, stop) = (self.config.clone(), Some(self.stop.subscribe()));
                        // The connection's future is spawned as it is, not wrapped in
                        // another: each `async` layer holds its own copy of what it
                        // was given, and an idle connection would carry them all.
                        if sock.set_nodelay(true).is_err() {
                            continue;
                        }
                        match &acceptor {
                            None => {
                                let conn = connection(config, fixed);
                                let parker = Some(parker.clone());
                                connections.spawn(serve_conn(sock, conn, stop, parker))
                            }
                            Some(acceptor) => connections.spawn(serve_tls(
                                sock,
                                config,
                                fixed,
                                acceptor.clone(),
                                stop,
                            )),
                        };
                    }
                    Err(e) if is_per_connection(&e) => {}
                    // Out of descriptors or memory: give the running connections time
                    // to free some rather than spin.
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                },
                Some(_) = connections.join_next() => {}
                Some(conn) = woken.recv() => {
                    resume(&mut connections, conn, &self.stop, Some(&parker));
                }
                () = async { drop(stopped.wait_for(|stop| *stop).await) } => break,
            }
        }
        drop(self.listener);
        // The parked connections are served again, to close as the others do; so is
        // any a task parks until it sees the shutdown. The park ends once every task
        // that could park is gone.
        parker.take_all();
        drop(parker);
        let finished = async {
            let mut parked = true;
            while parked || !connections.is_empty() {
                tokio::select! {
                    Some(_) = connections.join_next() => {}
                    conn = woken.recv(), if parked => match conn {
                        Some(conn) => resume(&mut connections, conn, &self.stop, None),
                        None => parked = false,
                    },
                }
            }
        };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, finished).await;
        connections.abort_all();
        Ok(())
    }
}

/// A server connection: of version `fixed`, or detected from the first bytes.
fn connection(config: Arc<Config>, fixed: Option<Version>) -> Connection {
    let now = Instant::now();
    match fixed {
        Some(v) => Connection::with_version(Side::Server, v, config, now),
        None => Connection::new(Side::Server, config, now),
    }
}

/// Serves a parked connection again on a task of its own, which parks it again
/// when it goes idle if there is a `parker`.
fn resume(
    connections: &mut JoinSet<io::Result<()>>,
    parked: ParkedConn,
    stop: &Arc<watch::Sender<bool>>,
    parker: Option<&Parker>,
) {
    // Back in the runtime; a socket it cannot take is closed.
    let Ok(sock) = TcpStream::from_std(parked.sock) else {
        return;
    };
    let conn = parked.conn.resume(Instant::now());
    connections.spawn(serve_conn(
        sock,
        conn,
        Some(stop.subscribe()),
        parker.cloned(),
    ));
}

/// Whether an accept error concerns only the connection being accepted.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// Stops a [`Server`]: no more connections are accepted, and connections close once
/// their streams are done. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShutdownHandle(Arc<watch::Sender<bool>>);

impl ShutdownHandle {
    /// Starts the shutdown. Idempotent.
    pub fn trigger(&self) {
        self.0.send_replace(true);
    }

    /// Whether the shutdown has started.
    pub fn is_triggered(&self) -> bool {
        *self.0.borrow()
    }
}

/// Serves one accepted socket over TLS: the handshake first, whose ALPN then chooses
/// the version (`fixed`, if any, when ALPN chose none).
async fn serve_tls(
    sock: TcpStream,
    config: Arc<Config>,
    fixed: Option<Version>,
    acceptor: TlsAcceptor,
    stop: Option<watch::Receiver<bool>>,
) -> io::Result<()> {
    let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(sock));
    let tls = handshake
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TLS handshake"))??;
    let version = negotiated(tls.get_ref().1.alpn_protocol()).or(fixed);
    serve(tls, config, version, stop).await
}

/// Serves one connection over `sock` with the example routes until it closes, or until
/// `stop` turns true and its streams are done. `version` fixes the protocol; `None`
/// detects it from the first bytes (the HTTP/2 preface, or HTTP/1.1 and its h2c
/// upgrade).
///
/// The connection runs through a chain of the built-in handlers: [`Compress`]
/// (response bodies in gzip or deflate, as `accept-encoding` asks) and then
/// [`Decompress`] (request bodies in gzip or deflate decoded, up to 8 MiB).
///
/// The connection is made when this is called, and the future holds only what its
/// loop needs. `config` is a [`Config`] or an `Arc<Config>` that connections share.
pub fn serve<S>(
    sock: S,
    config: impl Into<Arc<Config>>,
    version: Option<Version>,
    stop: Option<watch::Receiver<bool>>,
) -> impl Future<Output = io::Result<()>> + Send
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    serve_conn(sock, connection(config.into(), version), stop, None)
}

/// Serves `conn` over `sock` as [`serve`] does; with a `parker`, a plain TCP
/// connection is parked there when it goes idle, and its task ends.
fn serve_conn<S>(
    sock: S,
    conn: Connection,
    stop: Option<watch::Receiver<bool>>,
    parker: Option<Parker>,
) -> impl Future<Output = io::Result<()>> + Send
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let server: Dispatcher = Dispatcher::new(conn)
        .handler(Compress::new())
        .handler(Decompress::new());
    let app = ServerApp {
        routes: Routes::new(),
    };
    drive(sock, Link::new(server), app, stop, parker)
}

/// The example routes: [`Routes`] for most, a [`StreamIo`] task for the streaming ones.
struct ServerApp {
    routes: Routes,
}

/// What a streaming route runs on its stream.
enum Task {
    /// Writes back every byte it reads, then ends its side.
    Echo,
    /// The WebSocket echo.
    WebSocket,
}

impl ServerApp {
    /// The answer and the task of a request a [`StreamIo`] serves, if it is one: `POST`
    /// or `PUT /echo`, a tunnel (`Upgrade: echo`, CONNECT, extended CONNECT), or a
    /// WebSocket handshake at `/ws`. The bool says whether the answer opens a tunnel.
    fn stream_route(req: &Request, end_stream: bool) -> Option<(Response, Option<Task>, bool)> {
        let path = path_of(&req.target);
        if let Some(answer) = ws::handshake(req, path) {
            let accepted = answer.status < 300;
            return Some((answer, accepted.then_some(Task::WebSocket), accepted));
        }
        if req.is_method("CONNECT") {
            // Any authority, any `:protocol`: the tunnel leads back to us.
            return Some((Response::new(200), Some(Task::Echo), true));
        }
        // RFC 9110 §7.8: Upgrade in an HTTP/1.0 request is ignored. An upgrade request
        // with a body switches once the body is over: the routes do that.
        if req.version == Version::Http11
            && end_stream
            && req.fields.has_token("upgrade", "echo")
            && req.fields.has_token("connection", "upgrade")
        {
            let head = Response::new(101)
                .field("upgrade", "echo")
                .field("connection", "upgrade");
            return Some((head, Some(Task::Echo), true));
        }
        if path == b"/echo" && (req.is_method("POST") || req.is_method("PUT")) {
            let head = Response::new(200).field("content-type", "application/octet-stream");
            return Some((head, Some(Task::Echo), false));
        }
        None
    }
}

impl App<Dispatcher> for ServerApp {
    fn on_event(
        &mut self,
        link: &Arc<Link<Dispatcher>>,
        shared: &mut Shared<Dispatcher>,
        event: Event,
    ) {
        if let Event::Headers {
            stream,
            head: Head::Request(req),
            end_stream,
        } = &event
        {
            if let Some((answer, task, tunnel)) = Self::stream_route(req, *end_stream) {
                let stream = *stream;
                let Some(task) = task else {
                    // A handshake refused: the answer is all there is.
                    report(shared.machine.send_response(stream, answer, true));
                    return;
                };
                shared.open(stream, Some(&event), tunnel, false);
                if !tunnel {
                    // The task reads the body, but only after the final head has gone
                    // out, too late for a `100 Continue`: asked for now, it goes first,
                    // and a client sending `Expect: 100-continue` need not wait for its
                    // own timeout (RFC 9110 §10.1.1).
                    report(shared.machine.accept_body(stream));
                }
                report(shared.machine.send_response(stream, answer, false));
                let views: Arc<dyn Views> = link.clone();
                let io = StreamIo::new(stream, views);
                tokio::spawn(async move {
                    match task {
                        Task::Echo => echo(io).await,
                        Task::WebSocket => ws::echo(io).await,
                    }
                });
                return;
            }
        }
        self.routes.on_event(&mut shared.machine, event);
    }

    fn produce(&mut self, machine: &mut Dispatcher) -> bool {
        self.routes.produce(machine)
    }

    fn is_idle(&self) -> bool {
        self.routes.is_idle()
    }

    fn release_buffers(&mut self) {
        self.routes.release_buffers();
    }

    fn park(&mut self, machine: &mut Dispatcher) -> Option<Parked> {
        machine.park()
    }

    fn go_away(&mut self, machine: &mut Dispatcher) -> bool {
        let command = Command::GoAway {
            code: Reason::NO_ERROR,
        };
        machine.connection().version() == Version::Http2 && machine.send(command).is_ok()
    }
}

/// The streaming guide's echo: every byte read is written back, then this side ends.
async fn echo(io: StreamIo) {
    let (mut rd, mut wr) = tokio::io::split(io);
    if tokio::io::copy(&mut rd, &mut wr).await.is_ok() {
        let _ = wr.shutdown().await;
    }
}

/// A command refused by the connection is a mistake of these routes, except on a
/// connection that has closed under them (the peer left).
fn report(result: Result<(), weir::Misuse>) {
    if let Err(e) = result {
        if !matches!(e, weir::Misuse::Closed) {
            eprintln!("routes: command refused: {e}");
        }
    }
}
