//! The server: accepts connections and serves each on its own thread; stops gracefully.

use crate::driver::Driver;
use crate::endpoint::{Drive, Responder};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use weir::handler::{Compress, Decompress, Dispatcher};
use weir::{Command, Config, Connection, Event, Reason, Side, Version};

/// How often an idle connection looks at the shutdown flag.
const SHUTDOWN_TICK: Duration = Duration::from_millis(200);

/// How long a shutdown waits for connections to finish (a tunnel may never end).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A slow or absent reader may not hold a connection's thread forever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a server runs on each connection: it reacts to events with commands.
///
/// The events come, and the commands go, through the server's handlers (see
/// [`serve_connection`]).
pub trait Application {
    /// Handles one event; may answer through `server`.
    fn on_event(&mut self, server: &mut dyn Responder, event: Event);

    /// Sends the next piece of a long body once the previous output was written, so
    /// that a big response never sits whole in memory. Returns whether it sent
    /// anything; the default has nothing to send.
    fn produce(&mut self, server: &mut dyn Responder) -> bool {
        let _ = server;
        false
    }

    /// Whether no response is under way, so that a shutdown may close the connection
    /// now without cutting one short.
    fn is_idle(&self) -> bool {
        true
    }
}

/// Serves one connection with `app` until it closes, or until `shutdown` is triggered
/// and no response is under way.
///
/// `version` fixes the protocol; `None` detects it from the first bytes. The
/// connection is driven through a chain of the built-in handlers: [`Compress`]
/// (response bodies in gzip or deflate, as `accept-encoding` asks) and then
/// [`Decompress`] (request bodies in gzip or deflate decoded, up to 8 MiB).
pub fn serve_connection(
    sock: TcpStream,
    config: impl Into<Arc<Config>>,
    version: Option<Version>,
    app: &mut impl Application,
    shutdown: &ShutdownHandle,
) -> io::Result<()> {
    let conn = server_connection(&sock, config.into(), version)?;
    let server: Dispatcher = Dispatcher::new(conn)
        .handler(Compress::new())
        .handler(Decompress::new());
    let mut driver = Driver::new(sock, server);
    let mut going_away = false;
    loop {
        let mut deadline = driver.drain(|server, event| app.on_event(server, event))?;
        while !driver.connection().is_closed() && app.produce(driver.connection()) {
            deadline = driver.drain(|server, event| app.on_event(server, event))?;
        }
        let go_away = |server: &mut Dispatcher| {
            let command = Command::GoAway {
                code: Reason::NO_ERROR,
            };
            server.connection().version() == Version::Http2 && server.send(command).is_ok()
        };
        let idle = app.is_idle();
        if !serve_on(
            &mut driver,
            shutdown,
            &mut going_away,
            idle,
            deadline,
            go_away,
        )? {
            return Ok(());
        }
    }
}

/// A server connection on `sock`: `version` fixes the protocol, `None` detects it.
pub(crate) fn server_connection(
    sock: &TcpStream,
    config: Arc<Config>,
    version: Option<Version>,
) -> io::Result<Connection> {
    sock.set_nodelay(true)?;
    sock.set_write_timeout(Some(WRITE_TIMEOUT))?;
    Ok(match version {
        Some(v) => Connection::with_version(Side::Server, v, config, Instant::now()),
        None => Connection::new(Side::Server, config, Instant::now()),
    })
}

/// What a server connection does once drained, `deadline` its next deadline and
/// `idle` whether no response is under way: waits for one input (at most until the
/// shutdown flag is due another look), or, once the shutdown is triggered, calls
/// `go_away` once, which says GOAWAY on HTTP/2 and returns whether it did (the
/// connection closes once its streams are done; drain again). Returns `false` when the
/// connection is over: closed (it lingers first), or shut down with nothing under way.
pub(crate) fn serve_on<C: Drive>(
    driver: &mut Driver<C>,
    shutdown: &ShutdownHandle,
    going_away: &mut bool,
    idle: bool,
    deadline: Option<Instant>,
    go_away: impl FnOnce(&mut C) -> bool,
) -> io::Result<bool> {
    if driver.connection().is_closed() {
        driver.linger();
        return Ok(false);
    }
    if shutdown.is_triggered() {
        if !*going_away {
            *going_away = true;
            if go_away(driver.connection()) {
                return Ok(true);
            }
        }
        if idle {
            return Ok(false);
        }
    }
    driver.wait(deadline, Some(SHUTDOWN_TICK))?;
    Ok(true)
}

/// A listening socket and the connections it accepted.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    /// Shared by every connection.
    config: Arc<Config>,
    version: Option<Version>,
    shutdown: ShutdownHandle,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port); every connection gets `config`.
    pub fn bind(addr: impl ToSocketAddrs, config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind(addr)?;
        let local = listener.local_addr()?;
        Ok(Server {
            listener,
            config: Arc::new(config),
            version: None,
            shutdown: ShutdownHandle::new(local),
        })
    }

    /// Speaks only `version` on every connection (by default the version is detected
    /// per connection).
    pub fn only(mut self, version: Version) -> Server {
        self.version = Some(version);
        self
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops the server from any thread (a signal handler, a test).
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Accepts connections and serves each on its own thread with an application made
    /// by `make_app`, until the shutdown is triggered. Then stops accepting, waits (a
    /// bounded time) for the connections to finish their current response, and returns.
    pub fn run<A, F>(self, make_app: F) -> io::Result<()>
    where
        A: Application,
        F: Fn() -> A + Send + Sync + 'static,
    {
        self.accept(move |sock, config, version, shutdown| {
            let mut app = make_app();
            serve_connection(sock, config, version, &mut app, shutdown)
        })
    }

    /// Accepts connections and serves each on its own thread with `serve`, until the
    /// shutdown is triggered; then waits (a bounded time) for them to finish.
    pub(crate) fn accept<F>(self, serve: F) -> io::Result<()>
    where
        F: Fn(TcpStream, Arc<Config>, Option<Version>, &ShutdownHandle) -> io::Result<()>
            + Send
            + Sync
            + 'static,
    {
        let serve = Arc::new(serve);
        for accepted in self.listener.incoming() {
            if self.shutdown.is_triggered() {
                break;
            }
            let sock = match accepted {
                Ok(sock) => sock,
                Err(e) if is_per_connection(&e) => continue,
                Err(_) => {
                    // Out of descriptors or memory: give the running connections time
                    // to free some rather than spin.
                    thread::sleep(Duration::from_millis(10));
                    continue;
                }
            };
            let (config, shutdown, serve) =
                (self.config.clone(), self.shutdown.clone(), serve.clone());
            let version = self.version;
            let active = ActiveGuard::new(&self.shutdown);
            let spawned = thread::Builder::new()
                .name("connection".into())
                .spawn(move || {
                    let _active = active;
                    // A connection's I/O error concerns that peer only.
                    let _ = serve(sock, config, version, &shutdown);
                });
            // Without a thread the connection is dropped (closed), and the server goes on.
            drop(spawned);
        }
        self.shutdown.wait_for_connections(SHUTDOWN_GRACE);
        Ok(())
    }
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
/// their current response is complete. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    triggered: AtomicBool,
    /// Where to connect to wake up a blocked `accept`.
    addr: SocketAddr,
    active: Mutex<usize>,
    finished: Condvar,
}

impl ShutdownHandle {
    fn new(addr: SocketAddr) -> ShutdownHandle {
        ShutdownHandle {
            shared: Arc::new(Shared {
                triggered: AtomicBool::new(false),
                addr,
                active: Mutex::new(0),
                finished: Condvar::new(),
            }),
        }
    }

    /// Starts the shutdown. Idempotent.
    pub fn trigger(&self) {
        if self.shared.triggered.swap(true, Ordering::SeqCst) {
            return;
        }
        // `accept` blocks; a connection of our own wakes it up to see the flag.
        let mut addr = self.shared.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    }

    /// Whether the shutdown has started.
    pub fn is_triggered(&self) -> bool {
        self.shared.triggered.load(Ordering::SeqCst)
    }

    /// Waits until no connection is left, or `grace` has passed.
    fn wait_for_connections(&self, grace: Duration) {
        let end = Instant::now() + grace;
        let mut active = self.shared.active.lock().unwrap_or_else(|e| e.into_inner());
        while *active > 0 {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            active = match self.shared.finished.wait_timeout(active, left) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        }
    }
}

/// Counts a connection as active for as long as it lives.
struct ActiveGuard(Arc<Shared>);

impl ActiveGuard {
    fn new(shutdown: &ShutdownHandle) -> ActiveGuard {
        *shutdown
            .shared
            .active
            .lock()
            .unwrap_or_else(|e| e.into_inner()) += 1;
        ActiveGuard(shutdown.shared.clone())
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        let mut active = self.0.active.lock().unwrap_or_else(|e| e.into_inner());
        *active -= 1;
        if *active == 0 {
            self.0.finished.notify_all();
        }
    }
}
