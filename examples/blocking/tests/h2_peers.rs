//! HTTP/2 interoperability with the `h2` crate over loopback: h2's client against the
//! `blocking-server` binary (HTTP/2 only, and detecting the version from the preface
//! with prior knowledge), and weir's blocking client against an h2 server running in
//! this process.

mod support;

use bytes::Bytes;
use h2::client::SendRequest;
use h2::server::SendResponse;
use h2::{RecvStream, SendStream};
use http::{HeaderMap, StatusCode};
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::process::Command;
use std::sync::OnceLock;
use support::{Program, PATIENCE};
use weir::{Config, Event, Fields, Head, Initiator, Reason, Request, StreamId, Version};
use weir_blocking::generate::{Generator, Kind};
use weir_blocking::Client;

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

// ---- h2's client against blocking-server --------------------------------------------

/// Both ways `blocking-server` can speak HTTP/2 over cleartext: only HTTP/2, or
/// detecting it from the client preface (prior knowledge, RFC 9113 §3.3).
const PROTOCOLS: [&str; 2] = ["h2", "auto"];

fn blocking_server(protocol: &str) -> Program {
    blocking_server_with(protocol, &[])
}

/// `blocking-server` with `--config KEY=VALUE` for each of `config`.
fn blocking_server_with(protocol: &str, config: &[&str]) -> Program {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_blocking-server"));
    cmd.args(["--listen", "127.0.0.1:0", "--protocol", protocol]);
    for c in config {
        cmd.args(["--config", c]);
    }
    Program::start(
        &format!("blocking-server --protocol {protocol} {config:?}"),
        cmd,
    )
}

/// Runs `scenario` against a fresh server for each protocol setting.
fn for_each_protocol<F, Fut>(scenario: F)
where
    F: Fn(SocketAddr, &'static str) -> Fut,
    Fut: Future<Output = ()>,
{
    for protocol in PROTOCOLS {
        let server = blocking_server(protocol);
        block_on(scenario(server.addr, protocol));
    }
}

/// An h2 client connection to `addr`, its connection task spawned.
async fn h2_connect(addr: SocketAddr, push: bool) -> SendRequest<Bytes> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (sender, conn) = h2::client::Builder::new()
        .enable_push(push)
        .handshake::<_, Bytes>(tcp)
        .await
        .expect("an HTTP/2 handshake");
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            eprintln!("h2 client connection: {e}");
        }
    });
    sender
}

fn request(method: &str, addr: SocketAddr, path: &str) -> http::Request<()> {
    http::Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .body(())
        .unwrap()
}

/// A whole response as h2's client saw it.
struct Fetched {
    parts: http::response::Parts,
    body: Vec<u8>,
    trailers: Option<HeaderMap>,
}

impl Fetched {
    fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

/// Reads a body to its end, giving the flow-control window back as it goes.
async fn read_body(mut body: RecvStream) -> (Vec<u8>, Option<HeaderMap>) {
    let mut out = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("body data");
        body.flow_control()
            .release_capacity(chunk.len())
            .expect("window released");
        out.extend_from_slice(&chunk);
    }
    let trailers = body.trailers().await.expect("the end of the body");
    (out, trailers)
}

async fn fetch_response(response: h2::client::ResponseFuture) -> Fetched {
    let (parts, body) = response.await.expect("a response").into_parts();
    let (body, trailers) = read_body(body).await;
    Fetched {
        parts,
        body,
        trailers,
    }
}

/// Sends a GET (no body) and collects its response.
async fn get(sender: &SendRequest<Bytes>, addr: SocketAddr, path: &str) -> Fetched {
    let mut sender = sender.clone().ready().await.expect("a stream to send on");
    let (response, _) = sender
        .send_request(request("GET", addr, path), true)
        .expect("send_request");
    fetch_response(response).await
}

/// Sends `body` in pieces of at most `piece` bytes, each once the peer's window has room
/// for it: the body is streamed as the server reads it, never buffered whole.
async fn stream_body(upload: &mut SendStream<Bytes>, mut body: Bytes, piece: usize) {
    while !body.is_empty() {
        upload.reserve_capacity(piece.min(body.len()));
        let granted = poll_fn(|cx| upload.poll_capacity(cx))
            .await
            .expect("the stream is open")
            .expect("send capacity");
        if granted == 0 {
            continue;
        }
        let chunk = body.split_to(granted.min(body.len()));
        upload.send_data(chunk, body.is_empty()).expect("send_data");
    }
}

/// The bytes `/bytes/N` or `/text/N` of blocking-server answers with.
fn generated(kind: Kind, n: u64) -> Vec<u8> {
    let mut generator = Generator::new(kind, n);
    let mut out = Vec::new();
    while generator.remaining() > 0 {
        out.extend_from_slice(&generator.next_piece());
    }
    out
}

#[test]
fn h2_client_get_root() {
    for_each_protocol(|addr, protocol| async move {
        let sender = h2_connect(addr, false).await;
        let got = get(&sender, addr, "/").await;
        assert_eq!(got.parts.status, StatusCode::OK, "{protocol}");
        assert_eq!(got.parts.version, http::Version::HTTP_2, "{protocol}");
        assert_eq!(got.header("content-type"), Some("text/plain"), "{protocol}");
        assert_eq!(got.header("x-body-length"), Some("0"), "{protocol}");
        assert_eq!(got.header("content-length"), Some("14"), "{protocol}");
        assert_eq!(got.body, weir_blocking::HELLO.as_bytes(), "{protocol}");
        assert!(got.trailers.is_none(), "{protocol}");
    });
}

#[test]
fn h2_client_streams_a_large_body_to_echo() {
    let input: Bytes = (0..300 * 1024u32).map(|i| (i % 251) as u8).collect();
    for_each_protocol(|addr, protocol| {
        let input = input.clone();
        async move {
            let sender = h2_connect(addr, false).await;
            let mut sender = sender.ready().await.unwrap();
            let (response, mut upload) = sender
                .send_request(request("POST", addr, "/echo"), false)
                .expect("send_request");
            // Full duplex: the echo is read while the upload goes on.
            let ((), got) = tokio::join!(
                stream_body(&mut upload, input.clone(), 16 * 1024),
                fetch_response(response)
            );
            assert_eq!(got.parts.status, StatusCode::OK, "{protocol}");
            assert_eq!(got.body.len(), input.len(), "{protocol}");
            assert!(
                got.body == input,
                "{protocol}: the echo differs from the input"
            );
        }
    });
}

#[test]
fn h2_client_gets_a_megabyte() {
    let expected = generated(Kind::Bytes, 1_000_000);
    for_each_protocol(|addr, protocol| {
        let expected = expected.clone();
        async move {
            let sender = h2_connect(addr, false).await;
            let got = get(&sender, addr, "/bytes/1000000").await;
            assert_eq!(got.parts.status, StatusCode::OK, "{protocol}");
            assert_eq!(got.header("content-length"), Some("1000000"), "{protocol}");
            assert_eq!(got.body.len(), 1_000_000, "{protocol}");
            assert!(got.body == expected, "{protocol}: not the generated bytes");
        }
    });
}

#[test]
fn tiny_send_buffers_and_manual_flow_control_lose_nothing() {
    // Buffers far smaller than one generated piece (64 KiB) or one read of the echo:
    // nearly every write of the routes is refused first and sent on `Writable`. With
    // manual flow control the echo gives the peer's window back only as it is taken.
    let server = blocking_server_with(
        "h2",
        &[
            "send_buffer_per_stream=4096",
            "send_buffer_per_connection=10000",
            "h2_manual_flow_control=true",
            // Windows smaller than the upload, so that it needs the releases.
            "h2_initial_window_size=65535",
            "h2_connection_window_size=65535",
        ],
    );
    let addr = server.addr;
    let input: Bytes = (0..300 * 1024u32).map(|i| (i % 251) as u8).collect();
    block_on(async move {
        let sender = h2_connect(addr, false).await;
        let bytes = get(&sender, addr, "/bytes/1000000").await;
        assert!(bytes.body == generated(Kind::Bytes, 1_000_000), "/bytes");
        let trailers = get(&sender, addr, "/trailers").await;
        assert_eq!(trailers.body, b"body\n");
        assert!(trailers.trailers.is_some());
        let mut sender = sender.ready().await.unwrap();
        let (response, mut upload) = sender
            .send_request(request("POST", addr, "/echo"), false)
            .expect("send_request");
        let ((), echo) = tokio::join!(
            stream_body(&mut upload, input.clone(), 16 * 1024),
            fetch_response(response)
        );
        assert!(echo.body == input, "the echo differs from the input");
    });
}

#[test]
fn h2_client_sees_trailers() {
    for_each_protocol(|addr, protocol| async move {
        let sender = h2_connect(addr, false).await;
        let got = get(&sender, addr, "/trailers").await;
        assert_eq!(got.parts.status, StatusCode::OK, "{protocol}");
        assert_eq!(got.body, b"body\n", "{protocol}");
        let trailers = got.trailers.expect("a trailer section");
        assert_eq!(trailers.get("x-checksum").unwrap(), "done", "{protocol}");
    });
}

#[test]
fn h2_client_runs_50_concurrent_streams() {
    for_each_protocol(|addr, protocol| async move {
        let sender = h2_connect(addr, false).await;
        // Bodies that together exceed the client's 64 KiB connection window, so that
        // the streams are open at the same time.
        let sizes: Vec<u64> = (0..50).map(|i| 5_000 + 397 * i).collect();
        let tasks: Vec<_> = sizes
            .iter()
            .map(|&n| {
                let sender = sender.clone();
                tokio::spawn(async move { get(&sender, addr, &format!("/bytes/{n}")).await })
            })
            .collect();
        for (task, n) in tasks.into_iter().zip(sizes) {
            let got = task.await.expect("the request task");
            assert_eq!(got.parts.status, StatusCode::OK, "{protocol}");
            assert_eq!(
                got.body,
                generated(Kind::Bytes, n),
                "{protocol}: /bytes/{n}"
            );
        }
    });
}

#[test]
fn h2_client_receives_pushes() {
    for_each_protocol(|addr, protocol| async move {
        let sender = h2_connect(addr, true).await;
        let mut sender = sender.ready().await.unwrap();
        let (mut response, _) = sender
            .send_request(request("GET", addr, "/push"), true)
            .expect("send_request");
        let mut promises = response.push_promises();
        let got = fetch_response(response).await;
        assert_eq!(got.parts.status, StatusCode::OK, "{protocol}");
        assert_eq!(got.body, b"pushed 2\n", "{protocol}");
        // The promises came before the response they belong to, and wait here.
        let mut pushed = Vec::new();
        while let Some(promise) = promises.push_promise().await {
            let (req, response) = promise.expect("a valid promise").into_parts();
            assert_eq!(req.method(), http::Method::GET, "{protocol}");
            let (parts, body) = response.await.expect("a pushed response").into_parts();
            let (body, _) = read_body(body).await;
            assert_eq!(parts.status, StatusCode::OK, "{protocol}");
            pushed.push((req.uri().path().to_string(), body));
        }
        let expected = vec![
            ("/bytes/16".to_string(), generated(Kind::Bytes, 16)),
            ("/text/64".to_string(), generated(Kind::Text, 64)),
        ];
        assert_eq!(pushed, expected, "{protocol}");
    });
}

#[test]
fn h2_client_gets_text_compressed_and_sends_a_compressed_body() {
    for_each_protocol(|addr, protocol| async move {
        let sender = h2_connect(addr, false).await;
        let mut ready = sender.clone().ready().await.unwrap();
        let mut ask = request("GET", addr, "/text/100000");
        ask.headers_mut()
            .insert("accept-encoding", "gzip".parse().unwrap());
        let (response, _) = ready.send_request(ask, true).expect("send_request");
        let got = fetch_response(response).await;
        assert_eq!(got.header("content-encoding"), Some("gzip"), "{protocol}");
        assert_eq!(got.header("vary"), Some("accept-encoding"), "{protocol}");
        assert_eq!(got.header("content-length"), None, "{protocol}");
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&got.body[..]), &mut text)
            .expect("a gzip body");
        assert!(text == generated(Kind::Text, 100_000), "{protocol}");

        // A request body in gzip reaches the routes decoded: they count its length.
        let plain = generated(Kind::Text, 50_000);
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gzip, &plain).unwrap();
        let encoded = Bytes::from(gzip.finish().unwrap());
        let mut post = request("POST", addr, "/form");
        post.headers_mut()
            .insert("content-encoding", "gzip".parse().unwrap());
        let mut ready = sender.ready().await.unwrap();
        let (response, mut upload) = ready.send_request(post, false).expect("send_request");
        let ((), got) = tokio::join!(
            stream_body(&mut upload, encoded, 1000),
            fetch_response(response)
        );
        assert_eq!(got.header("x-body-length"), Some("50000"), "{protocol}");
    });
}

// ---- an h2 server, for weir's client ------------------------------------------------

const HELLO_H2: &str = "hello from h2\n";

/// An h2 server on its own thread and current-thread runtime, shared by the tests.
///
/// `/hello`: a body of known length; `/echo`: the request body streamed back, then the
/// request's `x-checksum` trailer returned as `x-request-checksum` (or the end of the
/// body without trailers); `/reset`: a head and some body, then RST_STREAM(CANCEL);
/// `/goaway`: a graceful shutdown of the connection (GOAWAY), then `bye\n`.
fn h2_server() -> SocketAddr {
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
                loop {
                    let (tcp, _) = listener.accept().await.unwrap();
                    tokio::spawn(async move {
                        if let Err(e) = serve_h2(tcp).await {
                            eprintln!("h2 server connection: {e}");
                        }
                    });
                }
            });
        });
        addr
    })
}

async fn serve_h2(tcp: tokio::net::TcpStream) -> Result<(), h2::Error> {
    let mut conn = h2::server::handshake(tcp).await?;
    while let Some(accepted) = conn.accept().await {
        let (req, respond) = accepted?;
        if req.uri().path() == "/goaway" {
            // GOAWAY with the highest stream id, a PING, then GOAWAY with the last one
            // processed: this request is answered, later ones are refused.
            conn.graceful_shutdown();
        }
        tokio::spawn(async move {
            if let Err(e) = route(req, respond).await {
                eprintln!("h2 server stream: {e}");
            }
        });
    }
    Ok(())
}

async fn route(
    req: http::Request<RecvStream>,
    mut respond: SendResponse<Bytes>,
) -> Result<(), h2::Error> {
    let head = |status: u16| http::Response::builder().status(status).body(()).unwrap();
    let path = req.uri().path().to_string();
    match path.as_str() {
        "/hello" => {
            let res = http::Response::builder()
                .header("content-type", "text/plain")
                .header("content-length", HELLO_H2.len())
                .body(())
                .unwrap();
            let mut send = respond.send_response(res, false)?;
            send.send_data(Bytes::from_static(HELLO_H2.as_bytes()), true)?;
        }
        "/echo" => {
            let mut body = req.into_body();
            let mut send = respond.send_response(head(200), false)?;
            while let Some(chunk) = body.data().await {
                let chunk = chunk?;
                body.flow_control().release_capacity(chunk.len())?;
                send.send_data(chunk, false)?;
            }
            match body.trailers().await? {
                Some(trailers) => {
                    let mut out = HeaderMap::new();
                    if let Some(sum) = trailers.get("x-checksum") {
                        out.insert("x-request-checksum", sum.clone());
                    }
                    out.insert("x-trailer", "h2".parse().unwrap());
                    send.send_trailers(out)?;
                }
                None => send.send_data(Bytes::new(), true)?,
            }
        }
        "/reset" => {
            let mut send = respond.send_response(head(200), false)?;
            send.send_data(Bytes::from_static(b"partial"), false)?;
            send.send_reset(h2::Reason::CANCEL);
        }
        "/goaway" => {
            let mut send = respond.send_response(head(200), false)?;
            send.send_data(Bytes::from_static(b"bye\n"), true)?;
        }
        _ => {
            respond.send_response(head(404), true)?;
        }
    }
    Ok(())
}

// ---- weir's client against the h2 server --------------------------------------------

fn weir_client(addr: SocketAddr) -> Client {
    weir_client_with(addr, Config::default())
}

fn weir_client_with(addr: SocketAddr, config: Config) -> Client {
    Client::connect_version(addr, Version::Http2, config, PATIENCE)
        .expect("connect to the h2 server")
}

fn weir_request(method: &str, path: &str, addr: SocketAddr) -> Request {
    Request::new(method.to_string(), path.to_string()).field("host", addr.to_string())
}

/// A response as weir's client saw it, and the events of other streams or of the
/// connection that came meanwhile.
#[derive(Debug)]
struct Reply {
    head: Option<weir::Response>,
    body: Vec<u8>,
    trailers: Option<Fields>,
    reset: Option<(Reason, Initiator)>,
    others: Vec<Event>,
}

impl Reply {
    fn status(&self) -> u16 {
        self.head.as_ref().expect("a response head").status
    }
}

/// Reads events until the response on `stream` is complete or reset.
fn reply(client: &mut Client, stream: StreamId) -> Reply {
    let mut r = Reply {
        head: None,
        body: Vec::new(),
        trailers: None,
        reset: None,
        others: Vec::new(),
    };
    loop {
        let event = client
            .next_event()
            .expect("an event in time")
            .unwrap_or_else(|| panic!("the connection closed before the response ended: {r:?}"));
        if event.stream() != Some(stream) {
            r.others.push(event);
            continue;
        }
        match event {
            Event::Headers {
                head: Head::Response(res),
                end_stream,
                ..
            } => {
                let informational = res.is_informational();
                if !informational {
                    assert!(r.head.is_none(), "a second final head: {res:?}");
                    r.head = Some(res);
                }
                if end_stream {
                    return r;
                }
            }
            Event::Data {
                data, end_stream, ..
            } => {
                assert!(r.head.is_some(), "data before the head");
                r.body.extend_from_slice(&data);
                if end_stream {
                    return r;
                }
            }
            Event::Trailers { fields, .. } => {
                r.trailers = Some(fields);
                return r;
            }
            Event::StreamReset {
                code, initiator, ..
            } => {
                r.reset = Some((code, initiator));
                return r;
            }
            other => panic!("unexpected event on stream {stream:?}: {other:?}"),
        }
    }
}

fn field(fields: &Fields, name: &str) -> Option<String> {
    fields
        .get(name)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

#[test]
fn weir_client_get_with_body() {
    let addr = h2_server();
    let mut client = weir_client(addr);
    for _ in 0..3 {
        let stream = client
            .send_request(weir_request("GET", "/hello", addr), true)
            .unwrap();
        let r = reply(&mut client, stream);
        let head = r.head.as_ref().expect("a head");
        assert_eq!(head.status, 200);
        assert_eq!(head.version, Version::Http2);
        assert_eq!(
            field(&head.fields, "content-type").as_deref(),
            Some("text/plain")
        );
        assert_eq!(field(&head.fields, "content-length").as_deref(), Some("14"));
        assert_eq!(r.body, HELLO_H2.as_bytes());
        assert!(r.trailers.is_none() && r.reset.is_none());
    }
    // One connection, three streams.
    let stream = client
        .send_request(weir_request("GET", "/missing", addr), true)
        .unwrap();
    assert_eq!(stream, StreamId(7));
    assert_eq!(reply(&mut client, stream).status(), 404);
}

#[test]
fn weir_client_large_body_echoed() {
    let addr = h2_server();
    // Larger than h2's 64 KiB stream window: the upload waits for WINDOW_UPDATE, with
    // the body queued in the connection or, with a send buffer smaller than a piece,
    // in the client waiting for room.
    let input: Bytes = (0..700 * 1024u32).map(|i| (i % 253) as u8).collect();
    for buffer in [Config::default().send_buffer_per_stream, 4096] {
        let config = Config {
            send_buffer_per_stream: buffer,
            ..Config::default()
        };
        let mut client = weir_client_with(addr, config);
        let stream = client
            .send_request(weir_request("POST", "/echo", addr), false)
            .unwrap();
        client.send_body(stream, input.clone(), true).unwrap();
        let r = reply(&mut client, stream);
        assert_eq!(r.status(), 200, "buffer {buffer}");
        assert_eq!(r.body.len(), input.len(), "buffer {buffer}");
        assert!(
            r.body == input,
            "buffer {buffer}: the echo differs from the input"
        );
        assert!(r.trailers.is_none() && r.reset.is_none(), "buffer {buffer}");
    }
}

#[test]
fn weir_client_trailers_both_ways() {
    let addr = h2_server();
    let mut client = weir_client(addr);
    let stream = client
        .send_request(weir_request("POST", "/echo", addr), false)
        .unwrap();
    client.send_data(stream, "first,", false).unwrap();
    client.send_data(stream, "second", false).unwrap();
    let mut trailers = Fields::new();
    trailers.append("x-checksum", "c0ffee");
    client
        .connection()
        .send_trailers(stream, trailers)
        .expect("trailers end the request");
    let r = reply(&mut client, stream);
    assert_eq!(r.status(), 200);
    assert_eq!(r.body, b"first,second");
    let trailers = r.trailers.expect("a trailer section");
    assert_eq!(
        field(&trailers, "x-request-checksum").as_deref(),
        Some("c0ffee")
    );
    assert_eq!(field(&trailers, "x-trailer").as_deref(), Some("h2"));
}

#[test]
fn weir_client_sees_the_server_reset() {
    let addr = h2_server();
    let mut client = weir_client(addr);
    let stream = client
        .send_request(weir_request("GET", "/reset", addr), true)
        .unwrap();
    let r = reply(&mut client, stream);
    assert_eq!(
        r.reset,
        Some((Reason::CANCEL, Initiator::Remote)),
        "RST_STREAM(CANCEL) from the server: {r:?}"
    );
    // Whatever came before the reset is a prefix of what the server sent.
    assert!(b"partial".starts_with(&r.body));
    // The connection goes on.
    let stream = client
        .send_request(weir_request("GET", "/hello", addr), true)
        .unwrap();
    let r = reply(&mut client, stream);
    assert_eq!(r.status(), 200);
    assert_eq!(r.body, HELLO_H2.as_bytes());
}

#[test]
fn weir_client_sees_the_server_goaway() {
    let addr = h2_server();
    let mut client = weir_client(addr);
    let stream = client
        .send_request(weir_request("GET", "/goaway", addr), true)
        .unwrap();
    let r = reply(&mut client, stream);
    // The stream the GOAWAY covers is answered in full.
    assert_eq!(r.status(), 200);
    assert_eq!(r.body, b"bye\n");
    let mut events = r.others;
    // The connection then ends by itself: collect what is left.
    while let Some(event) = client.next_event().expect("the connection ends in time") {
        events.push(event);
    }
    let goaways: Vec<(StreamId, Reason)> = events
        .iter()
        .filter_map(|e| match e {
            Event::GoAway {
                last_stream, code, ..
            } => Some((*last_stream, *code)),
            _ => None,
        })
        .collect();
    assert!(!goaways.is_empty(), "no GoAway event: {events:?}");
    assert!(goaways.iter().all(|(_, code)| *code == Reason::NO_ERROR));
    // h2 first announces 2^31-1, then (after a PING) the last stream it processed; weir
    // may close as soon as its stream is done, before the second one arrives. Either
    // way the answered stream is covered.
    assert!(
        goaways.iter().all(|(last, _)| *last >= stream),
        "{events:?}"
    );
    assert!(
        matches!(events.last(), Some(Event::Closed { error: None })),
        "a clean close last: {events:?}"
    );
    // No new stream on a connection that is going away.
    assert!(client
        .send_request(weir_request("GET", "/hello", addr), true)
        .is_err());
}
