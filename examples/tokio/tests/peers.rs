//! The tokio adapter's server against independent peers, all in this process: hyper's
//! client (HTTP/1.1 and HTTP/2, plain and over TLS), the h2 crate's client (server push,
//! many concurrent streams, a large echo, RFC 8441 extended CONNECT),
//! tokio-tungstenite's WebSocket client, weir's own tokio client over TLS, the graceful
//! shutdown and a malformed request.
//!
//! Each test prints a matrix of what it checked (peer × case × protocol × TLS); a row is
//! recorded only once its assertions passed.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::io::{self, Read};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use weir::{Config, Request, Version};
use weir_blocking::args::Protocol;
use weir_tokio::{Client, ClientOptions, Identity, Server, ShutdownHandle};

/// How long one test may take: every exchange here is on loopback.
const PATIENCE: Duration = Duration::from_secs(30);

/// The body of `GET /` (EXAMPLE-SERVERS.md).
const HELLO: &[u8] = b"Hello, World!\n";

/// Fails the test, rather than hanging it, when `f` does not finish in time.
async fn bounded<F: Future>(what: &str, f: F) -> F::Output {
    match tokio::time::timeout(PATIENCE, f).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: did not finish within {PATIENCE:?}"),
    }
}

// ---- the matrix ---------------------------------------------------------------------

/// The cells a test checked, printed at its end.
struct Matrix {
    rows: Vec<[String; 4]>,
}

impl Matrix {
    fn new() -> Matrix {
        Matrix { rows: Vec::new() }
    }

    /// Records a cell; call it only after the cell's assertions.
    fn ok(&mut self, peer: &str, case: &str, protocol: Proto, tls: bool) {
        let tls = if tls { "tls" } else { "plain" };
        let row = [peer, case, protocol.name(), tls].map(String::from);
        self.rows.push(row);
    }

    fn print(&self, test: &str) {
        let header = ["peer", "case", "protocol", "tls"].map(String::from);
        let mut widths = header.clone().map(|h| h.len());
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.len());
            }
        }
        let line = |row: &[String; 4], result: &str| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:w$}"))
                .collect();
            format!("| {} | {result} |", cells.join(" | "))
        };
        let header = line(&header, "result");
        let mut out = format!("\n{test}: {} cells\n{header}\n", self.rows.len());
        for row in &self.rows {
            out.push_str(&line(row, "ok"));
            out.push('\n');
        }
        println!("{out}");
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Proto {
    H1,
    H2,
}

impl Proto {
    fn name(self) -> &'static str {
        match self {
            Proto::H1 => "http/1.1",
            Proto::H2 => "h2",
        }
    }

    fn version(self) -> Version {
        match self {
            Proto::H1 => Version::Http11,
            Proto::H2 => Version::Http2,
        }
    }

    fn alpn(self) -> &'static [u8] {
        match self {
            Proto::H1 => b"http/1.1",
            Proto::H2 => b"h2",
        }
    }

    fn hyper(self) -> hyper::Version {
        match self {
            Proto::H1 => hyper::Version::HTTP_11,
            Proto::H2 => hyper::Version::HTTP_2,
        }
    }
}

// ---- the server under test ----------------------------------------------------------

/// A `weir_tokio::Server` running on this test's runtime.
struct Running {
    addr: SocketAddr,
    /// The self-signed certificate's PEM, when the server speaks TLS.
    cert: Option<String>,
    shutdown: ShutdownHandle,
    task: JoinHandle<io::Result<()>>,
}

async fn start(tls: bool) -> Running {
    start_with(Protocol::Auto, tls, Config::default()).await
}

async fn start_with(protocol: Protocol, tls: bool, config: Config) -> Running {
    let mut server = Server::bind("127.0.0.1:0", config)
        .await
        .expect("bind")
        .protocol(protocol);
    let mut cert = None;
    if tls {
        let (identity, pem) = Identity::self_signed().expect("a self-signed certificate");
        server = server.tls(identity);
        cert = Some(pem);
    }
    let addr = server.local_addr().unwrap();
    let shutdown = server.shutdown_handle();
    let task = tokio::spawn(server.run());
    Running {
        addr,
        cert,
        shutdown,
        task,
    }
}

impl Running {
    fn tls(&self) -> bool {
        self.cert.is_some()
    }

    /// The authority a client names: `localhost` over TLS, which the certificate
    /// covers.
    fn authority(&self) -> String {
        let host = if self.tls() { "localhost" } else { "127.0.0.1" };
        format!("{host}:{}", self.addr.port())
    }

    fn url(&self, path: &str) -> String {
        let scheme = if self.tls() { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.authority())
    }

    /// Stops the server and checks that `run` returns.
    async fn stop(self) {
        self.shutdown.trigger();
        let run = bounded("Server::run after the shutdown", self.task).await;
        run.expect("the server task").expect("Server::run");
    }
}

trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// A connection to `server`: over TLS (trusting its certificate) offering `offer` by
/// ALPN when the server speaks TLS. Returns the protocol ALPN chose, if any.
async fn connect(server: &Running, offer: &[Version]) -> (Box<dyn Io>, Option<Vec<u8>>) {
    let tcp = TcpStream::connect(server.addr).await.expect("connect");
    tcp.set_nodelay(true).unwrap();
    let Some(pem) = &server.cert else {
        return (Box::new(tcp), None);
    };
    let config = weir_tokio::tls::client_config(offer, Some(pem), false).unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .expect("the TLS handshake");
    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    (Box::new(tls), alpn)
}

/// Connects for `proto`: TLS offers both versions for HTTP/2 (the server prefers
/// `h2`) and only `http/1.1` for HTTP/1.1; the choice is checked.
async fn connect_for(server: &Running, proto: Proto) -> Box<dyn Io> {
    let offer: &[Version] = match proto {
        Proto::H2 => &[Version::Http2, Version::Http11],
        Proto::H1 => &[Version::Http11],
    };
    let (io, alpn) = connect(server, offer).await;
    if server.tls() {
        assert_eq!(alpn.as_deref(), Some(proto.alpn()), "ALPN");
    }
    io
}

// ---- hyper's client -----------------------------------------------------------------

type HyperBody = BoxBody<Bytes, Infallible>;

/// A request body fed through a channel: each chunk goes out as it is sent, and
/// dropping the sender ends the body.
struct ChannelBody(mpsc::UnboundedReceiver<Bytes>);

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| Ok(Frame::data(c))))
    }
}

fn channel_body() -> (mpsc::UnboundedSender<Bytes>, HyperBody) {
    let (tx, rx) = mpsc::unbounded_channel();
    (tx, ChannelBody(rx).boxed())
}

fn empty() -> HyperBody {
    Empty::new().boxed()
}

enum Hyper {
    H1(hyper::client::conn::http1::SendRequest<HyperBody>),
    H2(hyper::client::conn::http2::SendRequest<HyperBody>),
}

/// A hyper client connection for `proto`; its connection task is returned so that
/// a test can see how it ends.
async fn hyper_connect(server: &Running, proto: Proto) -> (Hyper, JoinHandle<hyper::Result<()>>) {
    let io = TokioIo::new(connect_for(server, proto).await);
    match proto {
        Proto::H1 => {
            let (send, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
            (Hyper::H1(send), tokio::spawn(conn))
        }
        Proto::H2 => {
            let (send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                .await
                .unwrap();
            (Hyper::H2(send), tokio::spawn(conn))
        }
    }
}

impl Hyper {
    fn proto(&self) -> Proto {
        match self {
            Hyper::H1(_) => Proto::H1,
            Hyper::H2(_) => Proto::H2,
        }
    }

    /// A request for `path`: origin-form with `host` on HTTP/1.1, an absolute URI
    /// (`:scheme` and `:authority`) on HTTP/2.
    fn request(&self, server: &Running, method: &str, path: &str) -> http::request::Builder {
        let builder = hyper::Request::builder().method(method);
        match self {
            Hyper::H1(_) => builder.uri(path).header("host", server.authority()),
            Hyper::H2(_) => builder
                .uri(server.url(path))
                .version(hyper::Version::HTTP_2),
        }
    }

    /// Sends `req`; resolves with the response head.
    async fn send(&mut self, req: hyper::Request<HyperBody>) -> hyper::Response<Incoming> {
        match self {
            Hyper::H1(s) => {
                s.ready().await.expect("the connection takes a request");
                s.send_request(req).await.expect("a response")
            }
            Hyper::H2(s) => {
                s.ready().await.expect("the connection takes a request");
                s.send_request(req).await.expect("a response")
            }
        }
    }

    /// Sends `req` and collects the whole response.
    async fn fetch(
        &mut self,
        req: hyper::Request<HyperBody>,
    ) -> (http::response::Parts, Bytes, Option<http::HeaderMap>) {
        let res = self.send(req).await;
        assert_eq!(res.version(), self.proto().hyper());
        let (parts, body) = res.into_parts();
        let collected = body.collect().await.expect("the whole body");
        let trailers = collected.trailers().cloned();
        (parts, collected.to_bytes(), trailers)
    }
}

fn header<'a>(parts: &'a http::response::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).map(|v| v.to_str().unwrap())
}

/// Reads `body` until `want` more bytes came (however the server split them), and
/// checks they are `want`.
async fn read_echo(body: &mut Incoming, want: &[u8]) {
    let mut got = Vec::new();
    while got.len() < want.len() {
        let frame = body
            .frame()
            .await
            .expect("the echo ended early")
            .expect("an echoed frame");
        got.extend_from_slice(&frame.into_data().expect("data, not trailers"));
    }
    assert_eq!(got, want);
}

/// `GET /`, a streamed full-duplex `POST /echo`, `/bytes/N`, `/trailers` and a gzip
/// `/text/N` over one hyper connection.
async fn hyper_cases(server: &Running, proto: Proto, matrix: &mut Matrix) {
    let tls = server.tls();
    let (mut client, _conn) = hyper_connect(server, proto).await;

    let req = client.request(server, "GET", "/").body(empty()).unwrap();
    let (parts, body, trailers) = client.fetch(req).await;
    assert_eq!(parts.status, 200);
    assert_eq!(header(&parts, "x-body-length"), Some("0"));
    assert_eq!(header(&parts, "content-type"), Some("text/plain"));
    assert_eq!(&body[..], HELLO);
    assert_eq!(trailers, None);
    matrix.ok("hyper", "GET /", proto, tls);

    // Full duplex: the first chunk comes back before the second is sent.
    let (tx, body) = channel_body();
    let req = client.request(server, "POST", "/echo").body(body).unwrap();
    tx.send(Bytes::from_static(b"first chunk, ")).unwrap();
    let res = client.send(req).await;
    assert_eq!(res.status(), 200);
    let mut echoed = res.into_body();
    read_echo(&mut echoed, b"first chunk, ").await;
    tx.send(Bytes::from_static(b"second chunk")).unwrap();
    read_echo(&mut echoed, b"second chunk").await;
    drop(tx);
    let rest = echoed.collect().await.expect("the echo's end").to_bytes();
    assert!(rest.is_empty(), "echoed more than was sent: {rest:?}");
    matrix.ok("hyper", "POST /echo duplex", proto, tls);

    // Over the HTTP/2 initial window of 65,535 bytes, so that flow control matters.
    let n = 100_000;
    let path = format!("/bytes/{n}");
    let req = client.request(server, "GET", &path).body(empty()).unwrap();
    let (parts, body, _) = client.fetch(req).await;
    assert_eq!(parts.status, 200);
    assert_eq!(header(&parts, "content-length"), Some("100000"));
    assert_eq!(body.len(), n);
    assert!(
        body.iter().any(|&b| b != body[0]),
        "a pattern, not one byte"
    );
    matrix.ok("hyper", "GET /bytes/100000", proto, tls);

    let req = client
        .request(server, "GET", "/trailers")
        .body(empty())
        .unwrap();
    let (parts, body, trailers) = client.fetch(req).await;
    assert_eq!(parts.status, 200);
    if proto == Proto::H1 {
        assert_eq!(header(&parts, "transfer-encoding"), Some("chunked"));
    }
    assert_eq!(&body[..], b"body\n");
    let trailers = trailers.expect("a trailer section");
    assert_eq!(trailers.get("x-checksum").unwrap(), "done");
    matrix.ok("hyper", "GET /trailers", proto, tls);

    // The same text, once as is and once compressed.
    let req = client.request(server, "GET", "/text/100000").body(empty());
    let (parts, plain, _) = client.fetch(req.unwrap()).await;
    assert_eq!(parts.status, 200);
    assert_eq!(header(&parts, "content-encoding"), None);
    assert_eq!(plain.len(), 100_000);
    let req = client.request(server, "GET", "/text/100000");
    let req = req.header("accept-encoding", "gzip").body(empty()).unwrap();
    let (parts, gzipped, _) = client.fetch(req).await;
    assert_eq!(parts.status, 200);
    assert_eq!(header(&parts, "content-encoding"), Some("gzip"));
    assert_eq!(header(&parts, "content-type"), Some("text/plain"));
    assert!(
        gzipped.len() < plain.len() / 2,
        "text compresses: {} bytes",
        gzipped.len()
    );
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut decoded)
        .expect("a gzip body");
    assert_eq!(decoded, plain);
    matrix.ok("hyper", "GET /text/100000 gzip", proto, tls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyper_client() {
    bounded("hyper client", async {
        let mut matrix = Matrix::new();
        for tls in [false, true] {
            let server = start(tls).await;
            for proto in [Proto::H1, Proto::H2] {
                hyper_cases(&server, proto, &mut matrix).await;
            }
            server.stop().await;
        }
        matrix.print("hyper_client");
    })
    .await;
}

// ---- the h2 crate's client ----------------------------------------------------------

type H2Send = h2::client::SendRequest<Bytes>;

/// An h2 client connection that accepts pushes; the PING handle lets a test wait for
/// the server's SETTINGS (the answer to a PING comes after them).
async fn h2_connect(server: &Running) -> (H2Send, h2::PingPong, JoinHandle<Result<(), h2::Error>>) {
    let io = connect_for(server, Proto::H2).await;
    let (send, mut conn) = h2::client::Builder::new()
        .enable_push(true)
        .handshake::<_, Bytes>(io)
        .await
        .expect("the h2 handshake");
    let ping = conn.ping_pong().expect("the PING handle");
    (send, ping, tokio::spawn(conn))
}

fn h2_request(server: &Running, method: &str, path: &str) -> http::Request<()> {
    http::Request::builder()
        .method(method)
        .uri(server.url(path))
        .body(())
        .unwrap()
}

/// Reads a body to its end, giving the window back as it goes.
async fn h2_read_all(body: &mut h2::RecvStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("a DATA frame");
        body.flow_control().release_capacity(chunk.len()).unwrap();
        out.extend_from_slice(&chunk);
    }
    out
}

/// Sends all of `data` as flow control allows, then ends the stream.
async fn h2_write_all(send: &mut h2::SendStream<Bytes>, data: Bytes, end: bool) {
    let mut sent = 0;
    while sent < data.len() {
        send.reserve_capacity(data.len() - sent);
        let room = match send.capacity() {
            0 => match poll_fn(|cx| send.poll_capacity(cx)).await {
                Some(Ok(n)) => n,
                Some(Err(e)) => panic!("waiting for send capacity: {e}"),
                None => panic!("the stream closed while sending"),
            },
            n => n,
        };
        let n = room.min(data.len() - sent);
        if n > 0 {
            send.send_data(data.slice(sent..sent + n), false).unwrap();
            sent += n;
        }
    }
    if end {
        send.send_data(Bytes::new(), true).unwrap();
    }
}

/// A fixed, not very compressible pattern.
fn pattern(len: usize) -> Bytes {
    let mut x: u32 = 0x2545_f491;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect::<Vec<u8>>()
        .into()
}

async fn h2_cases(server: &Running, matrix: &mut Matrix) {
    let tls = server.tls();
    let (send, _ping, _conn) = h2_connect(server).await;
    let mut send = send.ready().await.unwrap();

    let (res, _) = send
        .send_request(h2_request(server, "GET", "/"), true)
        .unwrap();
    let res = res.await.expect("the response");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-body-length"], "0");
    let mut body = res.into_body();
    assert_eq!(h2_read_all(&mut body).await, HELLO);
    matrix.ok("h2", "GET /", Proto::H2, tls);

    // Server push: the promised requests, then their responses, then the parent's.
    let (mut res, _) = send
        .send_request(h2_request(server, "GET", "/push"), true)
        .unwrap();
    let mut pushes = res.push_promises();
    let res = res.await.expect("the response");
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    assert_eq!(h2_read_all(&mut body).await, b"pushed 2\n");
    let mut pushed = Vec::new();
    while let Some(promise) = pushes.push_promise().await {
        let (req, res) = promise.expect("a push promise").into_parts();
        assert_eq!(req.method(), "GET");
        let res = res.await.expect("the pushed response");
        assert_eq!(res.status(), 200);
        let length = res.headers().get("content-length").cloned();
        let mut body = res.into_body();
        let body = h2_read_all(&mut body).await;
        if let Some(length) = length {
            assert_eq!(length, body.len().to_string().as_str());
        }
        pushed.push((req.uri().path().to_string(), body));
    }
    pushed.sort();
    let paths: Vec<&str> = pushed.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["/bytes/16", "/text/64"]);
    assert_eq!(pushed[0].1.len(), 16);
    assert_eq!(pushed[1].1.len(), 64);
    // The pushed text is the route's own.
    let (res, _) = send
        .send_request(h2_request(server, "GET", "/text/64"), true)
        .unwrap();
    let mut body = res.await.unwrap().into_body();
    assert_eq!(h2_read_all(&mut body).await, pushed[1].1);
    matrix.ok("h2", "GET /push (2 promises)", Proto::H2, tls);

    // As many streams at once as the server allows (SETTINGS_MAX_CONCURRENT_STREAMS
    // is 100 by default), each with a body of its own length.
    let mut streams = tokio::task::JoinSet::new();
    for i in 0..100usize {
        let send = send.clone();
        let (kind, len) = if i % 2 == 0 {
            ("bytes", 1000 + i * 97)
        } else {
            ("text", 1000 + i * 89)
        };
        let req = h2_request(server, "GET", &format!("/{kind}/{len}"));
        streams.spawn(async move {
            let mut send = send.ready().await.expect("room for a stream");
            let (res, _) = send.send_request(req, true).expect("a stream");
            let res = res.await.expect("the response");
            assert_eq!(res.status(), 200);
            let mut body = res.into_body();
            (len, h2_read_all(&mut body).await.len())
        });
    }
    let mut done = 0;
    while let Some(joined) = streams.join_next().await {
        let (want, got) = joined.expect("a stream task");
        assert_eq!(got, want);
        done += 1;
    }
    assert_eq!(done, 100);
    matrix.ok("h2", "100 concurrent streams", Proto::H2, tls);

    // 1 MiB through /echo: sent and read at once, both windows in play.
    let data = pattern(1 << 20);
    let (res, mut out) = send
        .send_request(h2_request(server, "POST", "/echo"), false)
        .unwrap();
    let writer = {
        let data = data.clone();
        tokio::spawn(async move { h2_write_all(&mut out, data, true).await })
    };
    let res = res.await.expect("the response");
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    let echoed = h2_read_all(&mut body).await;
    writer.await.unwrap();
    assert_eq!(echoed.len(), data.len());
    assert!(echoed == data, "the echo differs from what was sent");
    matrix.ok("h2", "POST /echo 1 MiB", Proto::H2, tls);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_client() {
    bounded("h2 client", async {
        let mut matrix = Matrix::new();
        for tls in [false, true] {
            let server = start(tls).await;
            h2_cases(&server, &mut matrix).await;
            server.stop().await;
        }
        matrix.print("h2_client");
    })
    .await;
}

// ---- WebSocket at /ws ---------------------------------------------------------------

/// One h2 stream (a tunnel opened by extended CONNECT) as a byte stream.
struct H2Io {
    send: h2::SendStream<Bytes>,
    recv: h2::RecvStream,
    unread: Bytes,
    ended: bool,
}

impl AsyncRead for H2Io {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        while this.unread.is_empty() {
            match ready!(this.recv.poll_data(cx)) {
                None => return Poll::Ready(Ok(())),
                Some(Err(e)) => return Poll::Ready(Err(io::Error::other(e))),
                Some(Ok(data)) => {
                    // Taken in: the peer may send as much again.
                    let window = this.recv.flow_control();
                    window
                        .release_capacity(data.len())
                        .map_err(io::Error::other)?;
                    this.unread = data;
                }
            }
        }
        let n = this.unread.len().min(buf.remaining());
        buf.put_slice(&this.unread.split_to(n));
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for H2Io {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let send = &mut self.send;
        send.reserve_capacity(buf.len());
        loop {
            let room = send.capacity();
            if room > 0 {
                let n = room.min(buf.len());
                let data = Bytes::copy_from_slice(&buf[..n]);
                send.send_data(data, false).map_err(io::Error::other)?;
                return Poll::Ready(Ok(n));
            }
            match ready!(send.poll_capacity(cx)) {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Poll::Ready(Err(io::Error::other(e))),
                None => return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.ended {
            self.ended = true;
            let end = self.send.send_data(Bytes::new(), true);
            end.map_err(io::Error::other)?;
        }
        Poll::Ready(Ok(()))
    }
}

/// Text and binary messages echoed, a ping answered, the close handshake completed.
async fn ws_exchange<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) {
    let text = "Hello, WebSocket! ¿Qué tal? ✓";
    ws.send(Message::text(text)).await.unwrap();
    match ws.next().await {
        Some(Ok(Message::Text(echo))) => assert_eq!(echo.as_str(), text),
        other => panic!("expected the text echoed, got {other:?}"),
    }

    // Larger than a socket read and than an HTTP/2 frame: reassembled on both sides.
    let binary = pattern(100_000);
    ws.send(Message::binary(binary.clone())).await.unwrap();
    match ws.next().await {
        Some(Ok(Message::Binary(echo))) => assert!(echo == binary, "the binary echo differs"),
        other => panic!("expected the binary echoed, got {other:?}"),
    }

    ws.send(Message::Ping(Bytes::from_static(b"are you there?")))
        .await
        .unwrap();
    match ws.next().await {
        Some(Ok(Message::Pong(payload))) => assert_eq!(&payload[..], b"are you there?"),
        other => panic!("expected a pong, got {other:?}"),
    }

    let close = CloseFrame {
        code: CloseCode::Normal,
        reason: "done".into(),
    };
    ws.close(Some(close)).await.unwrap();
    match ws.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Normal),
        other => panic!("expected the server's Close, got {other:?}"),
    }
    // After the close handshake the WebSocket is over: no more messages.
    match ws.next().await {
        None | Some(Err(_)) => {}
        Some(Ok(message)) => panic!("a message after the close: {message:?}"),
    }
    // RFC 6455 §7.1.1: the server closes the transport first, in order: a clean end
    // (a FIN, or END_STREAM on HTTP/2), not a reset. Then this side ends too.
    let io = ws.get_mut();
    let mut rest = Vec::new();
    io.read_to_end(&mut rest)
        .await
        .expect("the server's orderly end");
    assert!(rest.is_empty(), "bytes after the close: {rest:?}");
    io.shutdown().await.expect("this side's end");
}

/// RFC 6455 over an HTTP/1.1 Upgrade.
async fn ws_over_h1(server: &Running, matrix: &mut Matrix) {
    let io = connect_for(server, Proto::H1).await;
    let scheme = if server.tls() { "wss" } else { "ws" };
    let url = format!("{scheme}://{}/ws", server.authority());
    let (mut ws, res) = tokio_tungstenite::client_async(url, io)
        .await
        .expect("the WebSocket handshake");
    assert_eq!(res.status(), 101);
    ws_exchange(&mut ws).await;
    matrix.ok(
        "tungstenite",
        "WebSocket /ws (Upgrade)",
        Proto::H1,
        server.tls(),
    );
}

/// RFC 8441: a WebSocket on an HTTP/2 stream opened by extended CONNECT.
async fn ws_over_h2(server: &Running, matrix: &mut Matrix) {
    let (send, mut ping, _conn) = h2_connect(server).await;
    // The server's SETTINGS come before the answer to this PING.
    ping.ping(h2::Ping::opaque()).await.expect("a PONG");
    assert!(
        send.is_extended_connect_protocol_enabled(),
        "the server sent SETTINGS_ENABLE_CONNECT_PROTOCOL = 1"
    );
    let mut send = send.ready().await.unwrap();
    let mut req = http::Request::builder()
        .method("CONNECT")
        .uri(server.url("/ws"))
        .header("sec-websocket-version", "13")
        .body(())
        .unwrap();
    req.extensions_mut()
        .insert(h2::ext::Protocol::from("websocket"));
    let (res, out) = send.send_request(req, false).expect("a stream");
    let res = res.await.expect("the CONNECT's response");
    assert_eq!(res.status(), 200);
    let io = H2Io {
        send: out,
        recv: res.into_body(),
        unread: Bytes::new(),
        ended: false,
    };
    let mut ws = WebSocketStream::from_raw_socket(io, Role::Client, None).await;
    ws_exchange(&mut ws).await;
    matrix.ok(
        "tungstenite+h2",
        "WebSocket /ws (RFC 8441)",
        Proto::H2,
        server.tls(),
    );
}

#[tokio::test(flavor = "current_thread")]
async fn websocket() {
    bounded("websocket", async {
        let mut matrix = Matrix::new();
        for tls in [false, true] {
            let server = start(tls).await;
            ws_over_h1(&server, &mut matrix).await;
            ws_over_h2(&server, &mut matrix).await;
            server.stop().await;
        }
        matrix.print("websocket");
    })
    .await;
}

// ---- weir's own tokio client --------------------------------------------------------

async fn weir_client_cases(server: &Running, proto: Proto, matrix: &mut Matrix) {
    let options = ClientOptions {
        extra_roots: server.cert.clone(),
        ..ClientOptions::default()
    };
    let client = Client::connect(&server.url("/"), options)
        .await
        .expect("connect");
    // ALPN chose as the server allows: `h2` first, unless it speaks only HTTP/1.1.
    assert_eq!(client.version(), proto.version());

    let get = Request::new("GET", "/").field("host", server.authority());
    let mut io = client.send_request(get, true).unwrap();
    let res = io.response().await.expect("the response");
    assert_eq!(res.status, 200);
    assert_eq!(res.version, proto.version());
    assert_eq!(res.fields.get("x-body-length"), Some(&b"0"[..]));
    let mut body = Vec::new();
    io.read_to_end(&mut body).await.unwrap();
    assert_eq!(body, HELLO);
    matrix.ok("weir-tokio", "GET /", proto, server.tls());

    // The StreamIo echo: each write comes back before the next is sent.
    let post = Request::new("POST", "/echo").field("host", server.authority());
    let mut io = client.send_request(post, false).unwrap();
    io.write_all(b"Hello, ").await.unwrap();
    assert_eq!(io.response().await.unwrap().status, 200);
    let mut echo = [0; 7];
    io.read_exact(&mut echo).await.unwrap();
    assert_eq!(&echo, b"Hello, ");
    io.write_all(b"World!").await.unwrap();
    let mut echo = [0; 6];
    io.read_exact(&mut echo).await.unwrap();
    assert_eq!(&echo, b"World!");
    io.shutdown().await.unwrap();
    let mut rest = Vec::new();
    io.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty(), "echoed more than was sent: {rest:?}");
    matrix.ok("weir-tokio", "StreamIo POST /echo", proto, server.tls());

    let get = Request::new("GET", "/trailers").field("host", server.authority());
    let mut io = client.send_request(get, true).unwrap();
    assert_eq!(io.response().await.unwrap().status, 200);
    let mut body = Vec::new();
    io.read_to_end(&mut body).await.unwrap();
    assert_eq!(body, b"body\n");
    let trailers = io.trailers().expect("a trailer section");
    assert_eq!(trailers.get("x-checksum"), Some(&b"done"[..]));
    matrix.ok("weir-tokio", "GET /trailers", proto, server.tls());
}

#[tokio::test(flavor = "current_thread")]
async fn weir_client_over_tls() {
    bounded("weir client over TLS", async {
        let mut matrix = Matrix::new();
        // The server offers `h2` and `http/1.1`, or only `http/1.1`.
        for (protocol, proto) in [(Protocol::Auto, Proto::H2), (Protocol::H1, Proto::H1)] {
            let server = start_with(protocol, true, Config::default()).await;
            weir_client_cases(&server, proto, &mut matrix).await;
            server.stop().await;
        }
        matrix.print("weir_client_over_tls");
    })
    .await;
}

// ---- graceful shutdown --------------------------------------------------------------

/// HTTP/2: an echo stream in flight when the shutdown starts. The client hears GOAWAY
/// (new streams refused), the stream still completes, the connection ends cleanly,
/// then `Server::run` returns.
async fn shutdown_h2(tls: bool, matrix: &mut Matrix) {
    let server = start(tls).await;
    let (send, _ping, conn) = h2_connect(&server).await;
    let mut send = send.ready().await.unwrap();
    let (res, mut out) = send
        .send_request(h2_request(&server, "POST", "/echo"), false)
        .unwrap();
    h2_write_all(
        &mut out,
        Bytes::from_static(b"before the shutdown, "),
        false,
    )
    .await;
    let res = res.await.expect("the response");
    assert_eq!(res.status(), 200);
    let mut body = res.into_body();
    let first = body.data().await.expect("the first echo").unwrap();
    body.flow_control().release_capacity(first.len()).unwrap();
    assert_eq!(&first[..], b"before the shutdown, ");

    server.shutdown.trigger();
    // GOAWAY makes the h2 client refuse to open streams.
    let refused = bounded("GOAWAY", async {
        loop {
            if let Err(e) = send.clone().ready().await {
                return e;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(refused.is_go_away(), "refused by a GOAWAY: {refused}");
    assert!(refused.is_remote());
    assert_eq!(refused.reason(), Some(h2::Reason::NO_ERROR));
    assert!(
        send.send_request(h2_request(&server, "GET", "/"), true)
            .is_err(),
        "a new stream after GOAWAY"
    );
    assert!(!server.task.is_finished(), "a stream is still open");

    h2_write_all(&mut out, Bytes::from_static(b"after it"), true).await;
    let rest = h2_read_all(&mut body).await;
    assert_eq!(rest, b"after it");
    let conn = bounded("the h2 connection's end", conn).await;
    conn.expect("the connection task").expect("a graceful end");
    server.stop().await;
    matrix.ok(
        "h2",
        "shutdown: GOAWAY, in-flight echo done",
        Proto::H2,
        tls,
    );
}

/// HTTP/1.1: the response in flight completes, then the server closes the connection
/// and `Server::run` returns.
async fn shutdown_h1(tls: bool, matrix: &mut Matrix) {
    let server = start(tls).await;
    let (mut client, conn) = hyper_connect(&server, Proto::H1).await;
    let (tx, body) = channel_body();
    let req = client.request(&server, "POST", "/echo").body(body).unwrap();
    tx.send(Bytes::from_static(b"before the shutdown, "))
        .unwrap();
    let res = client.send(req).await;
    assert_eq!(res.status(), 200);
    let mut echoed = res.into_body();
    read_echo(&mut echoed, b"before the shutdown, ").await;

    server.shutdown.trigger();
    // Time for the connection's task to hear of it, with the response still open.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!server.task.is_finished(), "a response is in flight");
    tx.send(Bytes::from_static(b"after it")).unwrap();
    read_echo(&mut echoed, b"after it").await;
    drop(tx);
    let rest = echoed
        .collect()
        .await
        .expect("the response's end")
        .to_bytes();
    assert!(rest.is_empty());
    // The server closes the connection once the response is over.
    let conn = bounded("the HTTP/1.1 connection's end", conn).await;
    conn.expect("the connection task").expect("a clean close");
    server.stop().await;
    matrix.ok(
        "hyper",
        "shutdown: in-flight response done, closed",
        Proto::H1,
        tls,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown() {
    bounded("graceful shutdown", async {
        let mut matrix = Matrix::new();
        for tls in [false, true] {
            shutdown_h2(tls, &mut matrix).await;
            shutdown_h1(tls, &mut matrix).await;
        }
        matrix.print("graceful_shutdown");
    })
    .await;
}

// ---- bad input ----------------------------------------------------------------------

/// RFC 9112 §6.1: a request with both Content-Length and Transfer-Encoding gets a 400
/// and the connection closes (its framing cannot be trusted).
#[tokio::test(flavor = "current_thread")]
async fn malformed_request() {
    bounded("malformed request", async {
        let mut matrix = Matrix::new();
        for tls in [false, true] {
            let server = start(tls).await;
            let mut io = connect_for(&server, Proto::H1).await;
            let bad = "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\
                       Transfer-Encoding: chunked\r\n\r\n";
            io.write_all(bad.as_bytes()).await.unwrap();
            // To the end: the server closes the connection (over TLS with close_notify,
            // so the end is a clean one there too).
            let mut answer = Vec::new();
            io.read_to_end(&mut answer)
                .await
                .expect("the answer, then the close");
            let answer = String::from_utf8_lossy(&answer).to_ascii_lowercase();
            assert!(answer.starts_with("http/1.1 400 "), "{answer}");
            let head = answer.split("\r\n\r\n").next().unwrap();
            assert!(head.contains("\r\nconnection: close"), "{head}");
            // Closed here too, the server's lingering read ends at once.
            drop(io);
            server.stop().await;
            matrix.ok("raw tcp", "CL + TE request: 400, closed", Proto::H1, tls);
        }
        matrix.print("malformed_request");
    })
    .await;
}
