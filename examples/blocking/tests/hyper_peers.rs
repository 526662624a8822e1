//! HTTP/1.1 interoperability with hyper over loopback: hyper's client against the
//! `blocking-server` binary, and weir's client (driven by a blocking loop) against a
//! hyper server running in this process.

mod support;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::client::conn::http1::SendRequest;
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use support::{request, Client, Program, PATIENCE};

// ---- a body the test feeds frame by frame -------------------------------------------

#[derive(Default)]
struct Pipe {
    frames: VecDeque<Frame<Bytes>>,
    closed: bool,
    waker: Option<Waker>,
}

/// A streaming body: hyper sends each frame as it is handed over, so the framing is
/// chunked and the test decides when the body ends.
struct PipeBody(Arc<Mutex<Pipe>>);

/// Feeds a [`PipeBody`]; dropping it ends the body.
struct PipeSender(Arc<Mutex<Pipe>>);

fn pipe() -> (PipeSender, PipeBody) {
    let shared = Arc::new(Mutex::new(Pipe::default()));
    (PipeSender(Arc::clone(&shared)), PipeBody(shared))
}

impl PipeSender {
    fn send(&self, frame: Frame<Bytes>) {
        let mut p = self.0.lock().unwrap();
        p.frames.push_back(frame);
        if let Some(w) = p.waker.take() {
            w.wake();
        }
    }

    fn data(&self, data: &'static str) {
        self.send(Frame::data(Bytes::from_static(data.as_bytes())));
    }
}

impl Drop for PipeSender {
    fn drop(&mut self) {
        let mut p = self.0.lock().unwrap();
        p.closed = true;
        if let Some(w) = p.waker.take() {
            w.wake();
        }
    }
}

impl Body for PipeBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let mut p = self.0.lock().unwrap();
        if let Some(frame) = p.frames.pop_front() {
            return Poll::Ready(Some(Ok(frame)));
        }
        if p.closed {
            return Poll::Ready(None);
        }
        p.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

// ---- tokio plumbing -----------------------------------------------------------------

/// Runs `f` on a fresh current-thread runtime, failing the test after [`PATIENCE`].
fn block_on<F: Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(PATIENCE, f)
                .await
                .expect("the exchange did not finish in time")
        })
}

type ClientBody = BoxBody<Bytes, Infallible>;

/// A hyper HTTP/1.1 client connection to `addr`.
async fn hyper_connect(addr: SocketAddr) -> SendRequest<ClientBody> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            eprintln!("hyper client connection: {e}");
        }
    });
    sender
}

fn empty() -> ClientBody {
    Full::new(Bytes::new()).boxed()
}

fn hyper_request(
    method: Method,
    target: &str,
    server: &Program,
    body: ClientBody,
) -> hyper::Request<ClientBody> {
    hyper::Request::builder()
        .method(method)
        .uri(target)
        .header("host", server.authority())
        .body(body)
        .unwrap()
}

/// Sends a request and collects the whole response.
async fn fetch(
    sender: &mut SendRequest<ClientBody>,
    req: hyper::Request<ClientBody>,
) -> (hyper::http::response::Parts, Bytes, Option<HeaderMap>) {
    sender
        .ready()
        .await
        .expect("the connection takes another request");
    let res = sender.send_request(req).await.expect("a response");
    let (parts, body) = res.into_parts();
    let collected = body.collect().await.expect("the whole body");
    let trailers = collected.trailers().cloned();
    (parts, collected.to_bytes(), trailers)
}

fn header<'a>(parts: &'a hyper::http::response::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).map(|v| v.to_str().unwrap())
}

/// The `GET /` answer of EXAMPLE-SERVERS.md, for a request body of `n` bytes.
fn assert_hello(parts: &hyper::http::response::Parts, body: &[u8], n: usize) {
    assert_eq!(parts.status, StatusCode::OK);
    assert_eq!(parts.version, hyper::Version::HTTP_11);
    assert_eq!(header(parts, "content-type"), Some("text/plain"));
    assert_eq!(header(parts, "x-body-length"), Some(n.to_string().as_str()));
    assert_eq!(header(parts, "content-encoding"), None);
    if let Some(len) = header(parts, "content-length") {
        assert_eq!(len, "14");
    }
    assert_eq!(body, b"Hello, World!\n");
}

// ---- hyper's client against blocking-server -----------------------------------------

#[test]
fn hyper_client_get_root() {
    let server = Program::blocking_server();
    block_on(async {
        let mut sender = hyper_connect(server.addr).await;
        let (parts, body, trailers) = fetch(
            &mut sender,
            hyper_request(Method::GET, "/", &server, empty()),
        )
        .await;
        assert_hello(&parts, &body, 0);
        assert_eq!(trailers, None);
    });
}

#[test]
fn hyper_client_keep_alive() {
    let server = Program::blocking_server();
    block_on(async {
        let mut sender = hyper_connect(server.addr).await;
        for round in 0..3 {
            let (parts, body, _) = fetch(
                &mut sender,
                hyper_request(Method::GET, "/", &server, empty()),
            )
            .await;
            assert_hello(&parts, &body, 0);

            let (parts, body, _) = fetch(
                &mut sender,
                hyper_request(Method::GET, "/bytes/10", &server, empty()),
            )
            .await;
            assert_eq!(parts.status, StatusCode::OK, "round {round}");
            assert_eq!(body.len(), 10);

            // A request body of known length on the same connection.
            let post = hyper_request(
                Method::POST,
                "/count",
                &server,
                Full::new(Bytes::from_static(b"abc")).boxed(),
            );
            let (parts, body, _) = fetch(&mut sender, post).await;
            assert_hello(&parts, &body, 3);
        }
        // Had the server closed the connection, hyper would not call it ready.
        assert!(!sender.is_closed());
    });
}

#[test]
fn hyper_client_streams_to_echo_full_duplex() {
    let server = Program::blocking_server();
    block_on(async {
        let mut sender = hyper_connect(server.addr).await;
        let (tx, body) = pipe();
        tx.data("Hello, ");
        let req = hyper_request(Method::POST, "/echo", &server, body.boxed());
        sender.ready().await.unwrap();
        let res = sender.send_request(req).await.expect("a response head");
        assert_eq!(res.status(), StatusCode::OK);
        let mut body = res.into_body();
        // The first piece comes back while the request body is still open.
        let mut echoed = Vec::new();
        while echoed.len() < 7 {
            let frame = body.frame().await.expect("more body").expect("no error");
            echoed.extend_from_slice(frame.data_ref().expect("a data frame"));
        }
        assert_eq!(echoed, b"Hello, ");
        tx.data("World!");
        drop(tx);
        let rest = body.collect().await.expect("the rest").to_bytes();
        echoed.extend_from_slice(&rest);
        assert_eq!(echoed, b"Hello, World!");
    });
}

#[test]
fn hyper_client_bytes_100000() {
    let server = Program::blocking_server();
    block_on(async {
        let mut sender = hyper_connect(server.addr).await;
        let get = || hyper_request(Method::GET, "/bytes/100000", &server, empty());
        let (parts, first, _) = fetch(&mut sender, get()).await;
        assert_eq!(parts.status, StatusCode::OK);
        assert_eq!(header(&parts, "content-length"), Some("100000"));
        assert_eq!(first.len(), 100_000);
        // A fixed pattern: the same bytes every time.
        let (_, second, _) = fetch(&mut sender, get()).await;
        assert_eq!(first, second);
    });
}

#[test]
fn hyper_client_sees_trailers() {
    let server = Program::blocking_server();
    block_on(async {
        let mut sender = hyper_connect(server.addr).await;
        let (parts, body, trailers) = fetch(
            &mut sender,
            hyper_request(Method::GET, "/trailers", &server, empty()),
        )
        .await;
        assert_eq!(parts.status, StatusCode::OK);
        assert_eq!(header(&parts, "transfer-encoding"), Some("chunked"));
        assert_eq!(body, "body\n");
        let trailers = trailers.expect("a trailer section");
        assert_eq!(trailers.get("x-checksum").unwrap(), "done");
    });
}

#[test]
fn hyper_client_head() {
    let server = Program::blocking_server();
    block_on(async {
        let mut sender = hyper_connect(server.addr).await;
        let (parts, body, _) = fetch(
            &mut sender,
            hyper_request(Method::HEAD, "/", &server, empty()),
        )
        .await;
        assert_eq!(parts.status, StatusCode::OK);
        assert_eq!(header(&parts, "content-type"), Some("text/plain"));
        assert_eq!(header(&parts, "x-body-length"), Some("0"));
        if let Some(len) = header(&parts, "content-length") {
            assert_eq!(len, "14", "HEAD announces the length GET would have");
        }
        assert!(body.is_empty());
        // No body bytes leaked after the HEAD response: the next answer parses.
        let (parts, body, _) = fetch(
            &mut sender,
            hyper_request(Method::GET, "/", &server, empty()),
        )
        .await;
        assert_hello(&parts, &body, 0);
    });
}

// ---- a hyper server, for weir's client ----------------------------------------------

const HELLO: &str = "hello from hyper\n";

/// A hyper server on its own thread and current-thread runtime, shared by the tests.
/// Every response carries `x-connection: N`, N counting accepted connections, so that
/// a test can tell whether two exchanges shared one.
fn hyper_server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                for n in 1u64.. {
                    let (tcp, _) = listener.accept().await.unwrap();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| route(n, req));
                        let served = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(tcp), service)
                            .await;
                        if let Err(e) = served {
                            eprintln!("hyper server connection {n}: {e}");
                        }
                    });
                }
            });
        });
        addr
    })
}

type ServerBody = BoxBody<Bytes, hyper::Error>;

/// `/len`: a body of known length; `/stream`: three chunks a few milliseconds apart;
/// `/echo`: the request body streamed back, with `x-request-te` telling the request's
/// Transfer-Encoding; `/trailers`: a chunked body and a trailer (hyper sends trailers
/// only to a request with `te: trailers`, and only the fields its `trailer` header names).
async fn route(
    conn: u64,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<ServerBody>, Infallible> {
    let full = |s: &'static str| Full::new(Bytes::from_static(s.as_bytes()));
    let streamed = |frames: Vec<Frame<Bytes>>| {
        let (tx, body) = pipe();
        tokio::spawn(async move {
            for frame in frames {
                tx.send(frame);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        body.map_err(|never| match never {}).boxed()
    };
    let builder = hyper::Response::builder().header("x-connection", conn.to_string());
    let res = match req.uri().path() {
        "/len" => builder
            .header("content-type", "text/plain")
            .body(full(HELLO).map_err(|never| match never {}).boxed()),
        "/stream" => builder.body(streamed(
            ["one ", "two ", "three\n"]
                .map(|s| Frame::data(Bytes::from_static(s.as_bytes())))
                .into(),
        )),
        "/echo" => {
            let te = req
                .headers()
                .get("transfer-encoding")
                .map_or("none".to_string(), |v| v.to_str().unwrap().to_string());
            builder
                .header("x-request-te", te)
                .body(req.into_body().boxed())
        }
        "/trailers" => {
            let mut trailers = HeaderMap::new();
            trailers.insert("x-trailer", "hyper".parse().unwrap());
            builder.header("trailer", "x-trailer").body(streamed(vec![
                Frame::data(Bytes::from_static(b"trailer body\n")),
                Frame::trailers(trailers),
            ]))
        }
        _ => builder
            .status(StatusCode::NOT_FOUND)
            .body(full("not found\n").map_err(|never| match never {}).boxed()),
    };
    Ok(res.unwrap())
}

// ---- weir's client against the hyper server -----------------------------------------

#[test]
fn weir_client_content_length_response() {
    let addr = hyper_server();
    let mut client = Client::connect(addr);
    let reply = client.exchange(request("GET", "/len", &addr.to_string()), &[]);
    assert_eq!(reply.head.status, 200);
    assert_eq!(reply.head.reason, "OK");
    assert_eq!(reply.head.version, weir::Version::Http11);
    assert_eq!(reply.field("content-length").as_deref(), Some("17"));
    assert_eq!(reply.field("content-type").as_deref(), Some("text/plain"));
    assert_eq!(reply.body, HELLO.as_bytes());
    assert!(reply.informational.is_empty() && reply.trailers.is_none());
}

#[test]
fn weir_client_chunked_response() {
    let addr = hyper_server();
    let mut client = Client::connect(addr);
    let reply = client.exchange(request("GET", "/stream", &addr.to_string()), &[]);
    assert_eq!(reply.head.status, 200);
    assert_eq!(reply.field("transfer-encoding").as_deref(), Some("chunked"));
    assert_eq!(reply.field("content-length"), None);
    assert_eq!(reply.body, b"one two three\n");
    assert!(reply.trailers.is_none());
}

#[test]
fn weir_client_chunked_request_echoed() {
    let addr = hyper_server();
    let mut client = Client::connect(addr);
    let reply = client.exchange(
        request("POST", "/echo", &addr.to_string()),
        &[b"first,", b"second,", b"third"],
    );
    assert_eq!(reply.head.status, 200);
    assert_eq!(reply.field("x-request-te").as_deref(), Some("chunked"));
    assert_eq!(reply.body, b"first,second,third");
}

#[test]
fn weir_client_full_duplex_with_hyper_echo() {
    let addr = hyper_server();
    let mut client = Client::connect(addr);
    let stream = client
        .conn
        .send_request(request("POST", "/echo", &addr.to_string()), false)
        .unwrap();
    client
        .conn
        .send_data(stream, Bytes::from_static(b"Hello, "), false)
        .unwrap();
    client.flush();
    // hyper answers and echoes while weir's request body is still open.
    assert_eq!(client.body_so_far(stream, 7), b"Hello, ");
    client
        .conn
        .send_data(stream, Bytes::from_static(b"World!"), true)
        .unwrap();
    let reply = client.response(stream);
    assert_eq!(reply.field("x-request-te").as_deref(), Some("chunked"));
    assert_eq!(reply.body, b"Hello, World!");
}

#[test]
fn weir_client_keep_alive() {
    let addr = hyper_server();
    let authority = addr.to_string();
    let mut client = Client::connect(addr);
    let mut connections = Vec::new();
    for target in ["/len", "/stream", "/len", "/echo", "/trailers", "/len"] {
        let method = if target == "/echo" { "PUT" } else { "GET" };
        let reply = client.exchange(request(method, target, &authority), &[]);
        assert_eq!(reply.head.status, 200, "{target}");
        connections.push(reply.field("x-connection").expect("x-connection"));
    }
    assert!(
        connections.windows(2).all(|w| w[0] == w[1]),
        "every exchange on one connection: {connections:?}"
    );
}

#[test]
fn weir_client_receives_trailers() {
    let addr = hyper_server();
    let mut client = Client::connect(addr);
    let reply = client.exchange(
        request("GET", "/trailers", &addr.to_string()).field("TE", "trailers"),
        &[],
    );
    assert_eq!(reply.head.status, 200);
    assert_eq!(reply.field("transfer-encoding").as_deref(), Some("chunked"));
    assert_eq!(reply.body, b"trailer body\n");
    assert_eq!(reply.trailer("x-trailer").as_deref(), Some("hyper"));
}

#[test]
fn weir_client_head() {
    let addr = hyper_server();
    let authority = addr.to_string();
    let mut client = Client::connect(addr);
    let head = client.exchange(request("HEAD", "/len", &authority), &[]);
    assert_eq!(head.head.status, 200);
    assert_eq!(head.field("content-length").as_deref(), Some("17"));
    assert!(head.body.is_empty());
    // The 17 announced bytes were never sent: the next response starts right there.
    let get = client.exchange(request("GET", "/len", &authority), &[]);
    assert_eq!(get.body, HELLO.as_bytes());
    assert_eq!(get.field("x-connection"), head.field("x-connection"));
}
