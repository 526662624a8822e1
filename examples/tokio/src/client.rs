//! The client: one connection (TCP, or TLS with ALPN), requests as [`StreamIo`]s.

use crate::driver::{drive, App};
use crate::link::{Link, Shared, Views};
use crate::tls::{client_config, negotiated};
use crate::StreamIo;
use rustls::pki_types::ServerName;
use std::io;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use weir::{Config, Connection, Event, Reason, Request, Side, Version};
use weir_blocking::args::Url;

/// How many of the connection's own events wait for [`Client::next_event`] at most.
const EVENTS: usize = 64;

/// How a [`Client`] connects.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Speak HTTP/2 from the first byte on `http://`; offer only `h2` on `https://`.
    pub http2_prior_knowledge: bool,
    /// Accept any server certificate (`--insecure`).
    pub insecure: bool,
    /// Certificates (PEM) to trust besides the system's roots.
    pub extra_roots: Option<String>,
    /// The connection's limits.
    pub config: Config,
}

/// An `http://` or `https://` URL, split for connecting and for the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Whether the URL is `https://`.
    pub tls: bool,
    /// The rest: host, port (443 by default for `https://`), authority and path.
    pub url: Url,
}

impl Target {
    /// Parses `url`; errors say what is wrong.
    pub fn parse(url: &str) -> Result<Target, String> {
        let (tls, plain) = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => {
                (true, format!("http://{rest}"))
            }
            _ => (false, url.to_string()),
        };
        let mut url = Url::parse(&plain)?;
        let explicit_port = url
            .authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
        if tls && !explicit_port {
            url.port = 443;
        }
        Ok(Target { tls, url })
    }
}

/// One client connection; each request is a [`StreamIo`] (its body written, the
/// response read from it). The connection runs on a task of its own, which ends when
/// the `Client` is dropped: keep it while its streams are in use.
///
/// ```no_run
/// use tokio::io::AsyncReadExt;
/// use weir::Request;
/// use weir_tokio::{Client, ClientOptions};
///
/// # async fn demo() -> std::io::Result<()> {
/// let client = Client::connect("https://localhost:8443/", ClientOptions::default()).await?;
/// let get = Request::new("GET", "/").field("host", "localhost:8443");
/// let mut io = client.send_request(get, true)?;
/// println!("{}", io.response().await?.status);
/// let mut body = Vec::new();
/// io.read_to_end(&mut body).await?;
/// # Ok(())
/// # }
/// ```
pub struct Client {
    link: Arc<Link<Connection>>,
    version: Version,
    /// The connection's own events (PONG, GOAWAY, the close).
    events: mpsc::Receiver<Event>,
    task: JoinHandle<io::Result<()>>,
}

impl Client {
    /// Connects to the server of `url` (`http://` or `https://`), over TLS for
    /// `https://` with ALPN choosing the version.
    pub async fn connect(url: &str, options: ClientOptions) -> io::Result<Client> {
        let target =
            Target::parse(url).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let url = &target.url;
        let sock = TcpStream::connect((url.host.as_str(), url.port)).await?;
        sock.set_nodelay(true)?;
        let prior = options.http2_prior_knowledge;
        if !target.tls {
            let version = if prior {
                Version::Http2
            } else {
                Version::Http11
            };
            return Ok(Client::over(sock, version, options.config));
        }
        let versions: &[Version] = if prior {
            &[Version::Http2]
        } else {
            &[Version::Http2, Version::Http11]
        };
        let tls = client_config(versions, options.extra_roots.as_deref(), options.insecure)?;
        let name = ServerName::try_from(url.host.clone())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let sock = TlsConnector::from(tls).connect(name, sock).await?;
        // A server without ALPN speaks HTTP/1.1 (RFC 9113 §3.3 needs `h2` said).
        let version = negotiated(sock.get_ref().1.alpn_protocol()).unwrap_or(Version::Http11);
        Ok(Client::over(sock, version, options.config))
    }

    /// A client speaking `version` over `sock`, already connected (TLS done, if any).
    /// Spawns the connection's task: call it inside a tokio runtime.
    pub fn over<S>(sock: S, version: Version, config: Config) -> Client
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let conn = Connection::with_version(Side::Client, version, config, Instant::now());
        let link = Link::new(conn);
        let (tx, events) = mpsc::channel(EVENTS);
        let task = tokio::spawn(drive(
            sock,
            link.clone(),
            ClientApp { events: tx },
            None,
            None,
        ));
        Client {
            link,
            version,
            events,
            task,
        }
    }

    /// The version the connection speaks.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Sends a request head; write its body to the returned stream (unless
    /// `end_stream`: it has none) and read the response from it.
    pub fn send_request(&self, request: Request, end_stream: bool) -> io::Result<StreamIo> {
        let connect = request.is_method("CONNECT");
        let stream = {
            let mut shared = self.link.lock();
            let stream = shared
                .machine
                .send_request(request, end_stream)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
            shared.open(stream, None, false, connect);
            stream
        };
        self.link.bell.ring();
        let views: Arc<dyn Views> = self.link.clone();
        Ok(StreamIo::new(stream, views))
    }

    /// The next of the connection's own events (a PONG, a GOAWAY); `None` once it is
    /// closed.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Waits until the server's first SETTINGS are in (HTTP/2), which say, for one,
    /// whether it takes extended CONNECT: the answer to a PING comes after them.
    pub async fn settled(&mut self) -> io::Result<()> {
        if self.version != Version::Http2 {
            return Ok(());
        }
        let pinged = self.link.lock().machine.ping(*b"settled?");
        pinged.map_err(io::Error::other)?;
        self.link.bell.ring();
        loop {
            match self.next_event().await {
                Some(Event::Pong { .. }) => return Ok(()),
                Some(Event::Closed { error }) => {
                    let why = error.map_or(String::new(), |e| format!(": {e}"));
                    return Err(io::Error::other(format!("closed before SETTINGS{why}")));
                }
                Some(_) => {}
                None => return Err(io::Error::other("closed before SETTINGS")),
            }
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What a client does with the events no stream handle takes.
struct ClientApp {
    events: mpsc::Sender<Event>,
}

impl App<Connection> for ClientApp {
    fn on_event(
        &mut self,
        _: &Arc<Link<Connection>>,
        shared: &mut Shared<Connection>,
        event: Event,
    ) {
        match event {
            // Nobody asked for pushed responses: refused, so that they stop coming.
            Event::Push { promised, .. } => {
                let _ = shared.machine.reset_stream(promised, Reason::CANCEL);
            }
            // The connection's own events, as many as are read: a peer cannot make them
            // pile up. Those of streams no handle holds any more are dropped.
            event if event.stream().is_none() => {
                let _ = self.events.try_send(event);
            }
            _ => {}
        }
    }
}
