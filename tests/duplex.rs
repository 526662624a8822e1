//! The duplex view ([`weir::Duplex`]) on the in-memory pair, over HTTP/1.1 and HTTP/2:
//! the streaming guide's echo (independent request and response bodies), raw tunnels
//! (Upgrade, CONNECT, extended CONNECT), backpressure both ways, resets, and the
//! property that any interleaving of writes and reads delivers the same bytes in order.

use bytes::{Buf, Bytes};
use proptest::prelude::*;
use std::time::{Duration, Instant};
use weir::testing::Pair;
use weir::{Config, Connection, Duplex, Event, Head, Inbound, Initiator, Reason, Request};
use weir::{Response, Side, StreamError, StreamId, Version};

const VERSIONS: [Version; 2] = [Version::Http11, Version::Http2];

/// `n` bytes that differ from their neighbours, so that order and loss show.
fn body(n: usize) -> Bytes {
    (0..n).map(|i| (i % 251) as u8).collect::<Vec<u8>>().into()
}

fn post() -> Request {
    Request::new("POST", "/echo").field("host", "example.com")
}

/// The answer of an echo server: 101 to an Upgrade, 200 to anything else.
fn answer(req: &Request) -> Response {
    if req.fields.has_token("upgrade", "echo") {
        Response::new(101)
            .field("upgrade", "echo")
            .field("connection", "upgrade")
    } else {
        Response::new(200)
    }
}

/// A client's view of one request and the server's view of it on a [`Pair`], the
/// events of each side routed to its view.
struct Harness {
    pair: Pair,
    stream: StreamId,
    client: Duplex,
    /// Made when the request arrives.
    server: Option<Duplex>,
    /// Whether the server answers the request head at once, with [`answer`].
    answers: bool,
    /// Whether the server echoes by itself as events come (else only when told).
    echo: bool,
    /// What the server read and has not written back yet.
    unsent: Bytes,
    /// Every byte the server read.
    server_read: Vec<u8>,
    /// The `Writable` events the client's view took.
    writables: usize,
}

impl Harness {
    /// A pair past its handshake: on HTTP/2 each side knows the other's SETTINGS (the
    /// windows, extended CONNECT) before the first request.
    fn new(version: Version, client: Config, server: Config) -> Harness {
        let mut pair = Pair::with_version(version, client, server, Instant::now());
        pair.drive();
        Harness {
            pair,
            stream: StreamId(0),
            client: Duplex::new(StreamId(0)),
            server: None,
            answers: true,
            echo: true,
            unsent: Bytes::new(),
            server_read: Vec::new(),
            writables: 0,
        }
    }

    /// Sends `request` and makes the client's view of it.
    fn request(&mut self, request: Request, end_stream: bool) {
        self.stream = self.pair.client.send_request(request, end_stream).unwrap();
        self.client = Duplex::new(self.stream);
    }

    /// Moves bytes both ways until both sides wait.
    fn drive(&mut self) {
        let Harness {
            pair,
            client,
            server,
            answers,
            echo,
            unsent,
            server_read,
            writables,
            ..
        } = self;
        pair.run(|side, event, conn| match side {
            Side::Client => {
                if client.handle_event(event) && matches!(event, Event::Writable { .. }) {
                    *writables += 1;
                }
            }
            Side::Server => {
                if let Event::Headers {
                    stream,
                    head: Head::Request(req),
                    ..
                } = event
                {
                    if *answers {
                        conn.send_response(*stream, answer(req), false).unwrap();
                    }
                    let mut view = Duplex::new(*stream);
                    view.handle_event(event);
                    // The answer's own events (a tunnel opening) come first: the loop
                    // starts with the next event, as the connection's contract has it.
                    *server = Some(view);
                    return;
                }
                if let Some(view) = server {
                    view.handle_event(event);
                    if *echo {
                        while echo_step(view, conn, unsent, server_read, 1024) {}
                    }
                }
            }
        });
    }

    /// The server reads once (at most `max`) and writes back what it can; `false` once
    /// it can do nothing more for now.
    fn server_step(&mut self, max: usize) -> bool {
        let view = self.server.as_mut().expect("the request arrived");
        echo_step(
            view,
            &mut self.pair.server,
            &mut self.unsent,
            &mut self.server_read,
            max,
        )
    }

    /// The client reads everything that arrived; returns it and what came after it.
    fn client_read(&mut self) -> (Vec<u8>, Result<Inbound, StreamError>) {
        read_all(&mut self.client, &mut self.pair.client)
    }
}

/// The echo server's loop body: write back what is left of the last read, then read
/// again; at the end of the request body, end the response body. Returns whether it
/// got anywhere.
fn echo_step(
    view: &mut Duplex,
    conn: &mut Connection,
    unsent: &mut Bytes,
    read: &mut Vec<u8>,
    max: usize,
) -> bool {
    if !unsent.is_empty() {
        let n = view.write(conn, unsent.clone()).unwrap();
        unsent.advance(n);
        return n > 0;
    }
    match view.read_partial(conn, max).unwrap() {
        Inbound::Data(data) => {
            assert!(!data.is_empty() && data.len() <= max.max(1));
            read.extend_from_slice(&data);
            *unsent = data;
            true
        }
        Inbound::End => {
            view.close_write(conn).unwrap();
            false
        }
        Inbound::Pending => false,
    }
}

/// Reads `view` until it has nothing more for now.
fn read_all(view: &mut Duplex, conn: &mut Connection) -> (Vec<u8>, Result<Inbound, StreamError>) {
    let mut got = Vec::new();
    loop {
        match view.read_partial(conn, 1024) {
            Ok(Inbound::Data(data)) => got.extend_from_slice(&data),
            other => return (got, other),
        }
    }
}

fn label(version: Version) -> &'static str {
    version.as_str()
}

// ---- the streaming guide's echo ---------------------------------------------------

#[test]
fn echo_of_independent_bodies() {
    for version in VERSIONS {
        let mut h = Harness::new(version, Config::default(), Config::default());
        h.request(post(), false);
        // The first piece comes back before the request body has ended: full duplex.
        assert_eq!(h.client.write(&mut h.pair.client, "Hello, ".into()), Ok(7));
        h.drive();
        let (echoed, next) = h.client_read();
        assert_eq!(echoed, b"Hello, ", "{}", label(version));
        assert_eq!(next, Ok(Inbound::Pending));
        assert_eq!(h.client.write(&mut h.pair.client, "World!".into()), Ok(6));
        h.client.close_write(&mut h.pair.client).unwrap();
        h.drive();
        let (echoed, next) = h.client_read();
        assert_eq!(echoed, b"World!", "{}", label(version));
        assert_eq!(next, Ok(Inbound::End), "{}", label(version));
        assert_eq!(h.server_read, b"Hello, World!");
        assert!(!h.client.is_tunnel());
    }
}

#[test]
fn echo_written_whole_then_read_as_the_guide_does() {
    for version in VERSIONS {
        let mut h = Harness::new(version, Config::default(), Config::default());
        h.request(post(), false);
        for word in ["Hello, ", "World!"] {
            h.client.write(&mut h.pair.client, word.into()).unwrap();
        }
        h.client.close_write(&mut h.pair.client).unwrap();
        h.drive();
        assert_eq!(
            h.client_read(),
            (b"Hello, World!".to_vec(), Ok(Inbound::End)),
            "{}",
            label(version)
        );
    }
}

#[test]
fn an_http1_body_of_unknown_length_streams_chunked() {
    let mut h = Harness::new(Version::Http11, Config::default(), Config::default());
    h.request(post(), false);
    h.client
        .write(&mut h.pair.client, "Hello, ".into())
        .unwrap();
    h.drive();
    h.client.close_write(&mut h.pair.client).unwrap();
    h.drive();
    let wire = String::from_utf8_lossy(&h.pair.wire_to_server);
    assert!(
        wire.ends_with("\r\n\r\n7\r\nHello, \r\n0\r\n\r\n"),
        "{wire}"
    );
    assert!(wire.contains("transfer-encoding: chunked"), "{wire}");
}

#[test]
fn a_server_that_reads_asks_for_an_expected_body() {
    let mut h = Harness::new(Version::Http11, Config::default(), Config::default());
    (h.answers, h.echo) = (false, false);
    let expects = post()
        .field("expect", "100-continue")
        .field("content-length", "5");
    h.request(expects, false);
    h.drive();
    assert!(
        h.pair.wire_to_client.is_empty(),
        "nothing before the server reads"
    );
    let server = h.server.as_mut().unwrap();
    assert_eq!(
        server.read_partial(&mut h.pair.server, 9),
        Ok(Inbound::Pending)
    );
    h.drive();
    assert_eq!(h.pair.wire_to_client, b"HTTP/1.1 100 Continue\r\n\r\n");
    h.client.write(&mut h.pair.client, "hello".into()).unwrap();
    h.drive();
    let server = h.server.as_mut().unwrap();
    let (got, next) = read_all(server, &mut h.pair.server);
    assert_eq!((got, next), (b"hello".to_vec(), Ok(Inbound::End)));
}

// ---- raw tunnels --------------------------------------------------------------------

/// Opens a tunnel with `request`, sends raw bytes both ways and half-closes.
fn tunnel(version: Version, request: Request) -> Harness {
    let mut h = Harness::new(version, Config::default(), Config::default());
    // A tunnel request has no body.
    h.request(request, true);
    h.drive();
    assert!(h.client.is_tunnel(), "{}", label(version));
    assert!(h.server.as_ref().unwrap().is_tunnel());
    let raw = Bytes::from_static(b"\x00\x01raw\r\n\r\nGET / HTTP/1.1\r\n\xff");
    assert_eq!(
        h.client.write(&mut h.pair.client, raw.clone()),
        Ok(raw.len())
    );
    h.drive();
    assert_eq!(h.client_read(), (raw.to_vec(), Ok(Inbound::Pending)));
    // Half-closed: the server still answers after our end, then ends its side.
    h.client.close_write(&mut h.pair.client).unwrap();
    h.drive();
    assert_eq!(h.client_read(), (Vec::new(), Ok(Inbound::End)));
    assert_eq!(h.server_read, raw);
    h
}

#[test]
fn http1_upgrade_tunnel_carries_raw_bytes() {
    let upgrade = Request::new("GET", "/")
        .field("host", "example.com")
        .field("upgrade", "echo")
        .field("connection", "upgrade");
    let h = tunnel(Version::Http11, upgrade);
    // Raw: no chunk framing around the bytes, and the write half was shut.
    assert!(h
        .pair
        .wire_to_server
        .ends_with(b"\x00\x01raw\r\n\r\nGET / HTTP/1.1\r\n\xff"));
    assert!(h.pair.client.is_write_closed());
}

#[test]
fn connect_tunnel_carries_raw_bytes_on_both_versions() {
    for version in VERSIONS {
        let connect = Request::new("CONNECT", "echo.example:7").field("host", "echo.example:7");
        tunnel(version, connect);
    }
}

#[test]
fn http2_extended_connect_tunnel_carries_raw_bytes() {
    let mut connect = Request::new("CONNECT", "/chat").field("user-agent", "duplex");
    connect.protocol = Some("echo".into());
    connect.scheme = Some("https".into());
    connect.authority = Some("example.com".into());
    tunnel(Version::Http2, connect);
}

#[test]
fn closing_an_http2_tunnel_sends_what_was_written_before_the_reset() {
    let mut h = Harness::new(Version::Http2, Config::default(), Config::default());
    h.echo = false;
    let connect = Request::new("CONNECT", "echo.example:7").field("host", "echo.example:7");
    h.request(connect, true);
    h.drive();
    assert!(h.client.is_tunnel());
    // Written and closed at once, before any of it went out, while the server's side
    // is still open: the bytes and the end go first, then the reset.
    let words = Bytes::from_static(b"last words");
    assert_eq!(
        h.client.write(&mut h.pair.client, words.clone()),
        Ok(words.len())
    );
    h.client.close(&mut h.pair.client);
    h.drive();
    let server = h.server.as_mut().unwrap();
    let (got, next) = read_all(server, &mut h.pair.server);
    assert_eq!((got, next), (words.to_vec(), Ok(Inbound::End)));
    // The reset came behind them: the server's side of the tunnel is cut.
    let failed = server.write(&mut h.pair.server, "late".into());
    assert_eq!(
        failed,
        Err(StreamError::Reset {
            code: Reason::CANCEL,
            initiator: Initiator::Remote
        })
    );
}

// ---- backpressure -------------------------------------------------------------------

fn manual(window: u32) -> Config {
    Config {
        h2_manual_flow_control: true,
        h2_initial_window_size: window,
        ..Config::default()
    }
}

#[test]
fn a_reader_that_does_not_read_stops_the_peer_and_reading_lets_it_go_on() {
    let mut h = Harness::new(Version::Http2, Config::default(), manual(1024));
    h.echo = false;
    h.request(post(), false);
    let sent = body(4096);
    assert_eq!(h.client.write(&mut h.pair.client, sent.clone()), Ok(4096));
    h.client.close_write(&mut h.pair.client).unwrap();
    h.drive();
    // The window stays closed while nothing is read, however long we wait.
    let stalled = h.pair.client.send_capacity(h.stream);
    assert_eq!(h.server.as_ref().unwrap().buffered(), 1024);
    h.pair.advance(Duration::from_secs(5));
    assert_eq!(h.server.as_ref().unwrap().buffered(), 1024);
    assert_eq!(h.pair.client.send_capacity(h.stream), stalled);
    // Reading opens it: half a window read gives it back.
    let mut got = Vec::new();
    loop {
        let view = h.server.as_mut().unwrap();
        match view.read_partial(&mut h.pair.server, 512).unwrap() {
            Inbound::Data(data) => got.extend_from_slice(&data),
            Inbound::Pending => h.drive(),
            Inbound::End => break,
        }
        assert!(h.server.as_ref().unwrap().buffered() <= 1024);
    }
    assert_eq!(got, sent);
}

#[test]
fn without_manual_flow_control_the_window_does_not_wait_for_the_reader() {
    let mut h = Harness::new(Version::Http2, Config::default(), Config::default());
    h.echo = false;
    h.request(post(), false);
    h.client.write(&mut h.pair.client, body(200_000)).unwrap();
    h.drive();
    assert_eq!(h.server.as_ref().unwrap().buffered(), 200_000);
}

#[test]
fn writes_are_refused_while_the_buffer_is_full_and_resume_on_writable() {
    for version in VERSIONS {
        let small = Config {
            send_buffer_per_stream: 16,
            ..Config::default()
        };
        let mut h = Harness::new(version, small, Config::default());
        h.request(post(), false);
        let sent = body(1000);
        let mut rest = sent.clone();
        let mut refused = 0;
        while !rest.is_empty() {
            let n = h.client.write(&mut h.pair.client, rest.clone()).unwrap();
            assert!(n <= 16, "takes no more than the room");
            if n == 0 {
                refused += 1;
                let before = h.writables;
                h.drive();
                assert_eq!(
                    h.writables,
                    before + 1,
                    "{}: Writable after a refusal",
                    label(version)
                );
            }
            rest.advance(n);
        }
        assert!(refused >= 1000 / 16 - 1, "{}: {refused}", label(version));
        h.client.close_write(&mut h.pair.client).unwrap();
        h.drive();
        assert_eq!(h.client_read(), (sent.to_vec(), Ok(Inbound::End)));
    }
}

// ---- resets and early ends -----------------------------------------------------------

/// A request whose body has begun with `piece`, answered with a response whose body
/// has begun with `reply` (queued, not sent yet); the server does not echo.
fn half_way(version: Version, piece: &'static str, reply: &'static str) -> Harness {
    let mut h = Harness::new(version, Config::default(), Config::default());
    h.echo = false;
    h.request(post(), false);
    h.client.write(&mut h.pair.client, piece.into()).unwrap();
    h.drive();
    let view = h.server.as_mut().unwrap();
    assert_eq!(
        view.write(&mut h.pair.server, reply.into()),
        Ok(reply.len())
    );
    h
}

#[test]
fn a_reset_is_an_error_for_read_partial_after_what_arrived() {
    for version in VERSIONS {
        let mut h = half_way(version, "Hello", "partial");
        h.drive();
        h.pair
            .server
            .reset_stream(h.stream, Reason::CANCEL)
            .unwrap();
        h.drive();
        let (got, next) = h.client_read();
        assert_eq!(got, b"partial", "{}", label(version));
        assert_eq!(
            next,
            Err(StreamError::Reset {
                code: Reason::CANCEL,
                initiator: Initiator::Remote
            }),
            "{}",
            label(version)
        );
        assert!(h.client.write(&mut h.pair.client, "more".into()).is_err());
        // The resetting side sees its own reset the same way.
        let server = h.server.as_mut().unwrap();
        assert!(matches!(
            server.read_partial(&mut h.pair.server, 9),
            Ok(Inbound::Data(_))
        ));
        assert!(matches!(
            server.read_partial(&mut h.pair.server, 9),
            Err(StreamError::Reset {
                initiator: Initiator::Local,
                ..
            })
        ));
    }
}

#[test]
fn a_server_done_before_the_request_body_closes_as_each_version_allows() {
    for version in VERSIONS {
        let mut h = half_way(version, "first", "done");
        let view = h.server.as_mut().unwrap();
        view.close(&mut h.pair.server);
        assert_eq!(view.read_partial(&mut h.pair.server, 9), Ok(Inbound::End));
        h.drive();
        // The response is whole either way.
        assert_eq!(h.client_read(), (b"done".to_vec(), Ok(Inbound::End)));
        let more = h.client.write(&mut h.pair.client, "second".into());
        match version {
            // RFC 9113 §8.1: the client is asked to stop, without error.
            Version::Http2 => assert_eq!(
                more,
                Err(StreamError::Reset {
                    code: Reason::NO_ERROR,
                    initiator: Initiator::Remote
                })
            ),
            // HTTP/1.1 reads the rest and drops it; the connection serves on.
            _ => {
                assert_eq!(more, Ok(6));
                h.client.close_write(&mut h.pair.client).unwrap();
                h.drive();
                assert!(!h.pair.server.is_closed());
                let next = h.pair.client.send_request(post(), true);
                assert_eq!(next, Ok(StreamId(3)));
            }
        }
    }
}

#[test]
fn a_client_that_gives_up_cancels_the_stream() {
    for version in VERSIONS {
        let mut h = Harness::new(version, Config::default(), Config::default());
        h.echo = false;
        h.request(post(), false);
        h.client.write(&mut h.pair.client, "Hello".into()).unwrap();
        h.drive();
        h.client.close(&mut h.pair.client);
        assert_eq!(
            h.client.read_partial(&mut h.pair.client, 9),
            Ok(Inbound::End)
        );
        h.drive();
        let server = h.server.as_mut().unwrap();
        let (got, next) = read_all(server, &mut h.pair.server);
        assert_eq!(got, b"Hello", "{}", label(version));
        match version {
            // The whole stream is cancelled, the end of the body with it.
            Version::Http2 => assert_eq!(
                next,
                Err(StreamError::Reset {
                    code: Reason::CANCEL,
                    initiator: Initiator::Remote
                })
            ),
            // HTTP/1.1 ends the body, then abandons the response the only way it can:
            // by closing the connection.
            _ => {
                assert_eq!(next, Ok(Inbound::End));
                assert!(h.pair.client.is_closed());
            }
        }
    }
}

// ---- any interleaving ----------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    /// The client writes the next this-many bytes (or what the buffer takes of them).
    Write(usize),
    /// The client reads, at most this many.
    ClientRead(usize),
    /// The server reads, at most this many, and writes back what it can.
    ServerRead(usize),
    /// The bytes move.
    Drive,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..700).prop_map(Op::Write),
        (0usize..700).prop_map(Op::ClientRead),
        (0usize..700).prop_map(Op::ServerRead),
        Just(Op::Drive),
    ]
}

/// Runs `ops`, then finishes: the client writes the rest and closes its side, and both
/// sides read until the end. Returns what the server read and what the client read.
fn interleave(
    version: Version,
    buffer: usize,
    window: u32,
    payload: &[u8],
    ops: &[Op],
) -> (Vec<u8>, Vec<u8>) {
    let config = Config {
        send_buffer_per_stream: buffer,
        ..manual(window)
    };
    let mut h = Harness::new(version, config.clone(), config);
    h.echo = false;
    h.request(post(), false);
    let mut rest = Bytes::copy_from_slice(payload);
    let mut echoed = Vec::new();
    let client_read = |h: &mut Harness, max: usize, echoed: &mut Vec<u8>| match h
        .client
        .read_partial(&mut h.pair.client, max)
        .unwrap()
    {
        Inbound::Data(data) => {
            assert!(!data.is_empty() && data.len() <= max.max(1));
            echoed.extend_from_slice(&data);
            true
        }
        Inbound::End | Inbound::Pending => false,
    };
    for op in ops {
        match *op {
            Op::Write(n) => {
                let n = h
                    .client
                    .write(&mut h.pair.client, rest.slice(..n.min(rest.len())));
                rest.advance(n.unwrap());
            }
            Op::ClientRead(max) => {
                client_read(&mut h, max, &mut echoed);
            }
            Op::ServerRead(max) => {
                if h.server.is_some() {
                    h.server_step(max);
                }
            }
            Op::Drive => h.drive(),
        }
    }
    let mut closed = false;
    for _ in 0..100_000 {
        if !rest.is_empty() {
            let n = h.client.write(&mut h.pair.client, rest.clone()).unwrap();
            rest.advance(n);
        } else if !closed {
            h.client.close_write(&mut h.pair.client).unwrap();
            closed = true;
        }
        h.drive();
        while h.server.is_some() && h.server_step(333) {}
        while client_read(&mut h, 333, &mut echoed) {}
        if h.client.read_partial(&mut h.pair.client, 1) == Ok(Inbound::End) {
            return (h.server_read, echoed);
        }
    }
    panic!("the echo did not finish");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_interleaving_delivers_the_same_bytes_in_order(
        payload in prop::collection::vec(any::<u8>(), 0..3000),
        ops in prop::collection::vec(op(), 0..60),
        buffer in 1usize..2048,
        window in 64u32..4096,
    ) {
        for version in VERSIONS {
            let (server, client) = interleave(version, buffer, window, &payload, &ops);
            prop_assert_eq!(&server, &payload, "{} server", label(version));
            prop_assert_eq!(&client, &payload, "{} client", label(version));
        }
    }
}

/// The view alone, fed events by hand: what it makes of each.
mod view_alone {
    use bytes::Bytes;
    use std::time::Instant;
    use weir::{
        Config, Connection, Duplex, Error, ErrorKind, Event, Fields, Inbound, Initiator, Misuse,
        Reason, Side, StreamError, StreamId,
    };

    const S: StreamId = StreamId(1);

    fn conn(side: Side) -> Connection {
        Connection::new(side, Config::default(), Instant::now())
    }

    fn data(bytes: &'static [u8], end_stream: bool) -> Event {
        Event::Data {
            stream: S,
            data: Bytes::from_static(bytes),
            end_stream,
        }
    }

    #[test]
    fn reads_split_the_received_bytes_without_copying() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        let received = Bytes::from_static(b"Hello, World!");
        let at = received.as_ptr() as usize;
        assert!(view.handle_event(&Event::Data {
            stream: S,
            data: received,
            end_stream: false,
        }));
        assert_eq!(view.buffered(), 13);
        let Ok(Inbound::Data(first)) = view.read_partial(&mut c, 5) else {
            panic!("data expected");
        };
        let Ok(Inbound::Data(rest)) = view.read_partial(&mut c, 100) else {
            panic!("data expected");
        };
        assert_eq!((&first[..], &rest[..]), (&b"Hello"[..], &b", World!"[..]));
        assert_eq!(first.as_ptr() as usize, at, "a slice of the input");
        assert_eq!(rest.as_ptr() as usize, at + 5, "a slice of the input");
        assert_eq!(view.buffered(), 0);
        assert_eq!(view.read_partial(&mut c, 100), Ok(Inbound::Pending));
    }

    #[test]
    fn a_zero_max_still_makes_progress() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        view.handle_event(&data(b"ab", true));
        assert_eq!(
            view.read_partial(&mut c, 0),
            Ok(Inbound::Data(Bytes::from_static(b"a")))
        );
    }

    #[test]
    fn the_end_comes_after_the_data_and_stays() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        view.handle_event(&data(b"ab", false));
        view.handle_event(&data(b"", true));
        assert!(matches!(view.read_partial(&mut c, 9), Ok(Inbound::Data(_))));
        assert_eq!(view.read_partial(&mut c, 9), Ok(Inbound::End));
        assert_eq!(view.read_partial(&mut c, 9), Ok(Inbound::End));
    }

    #[test]
    fn trailers_end_the_read_side_and_are_kept() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        let mut fields = Fields::new();
        fields.append("x-checksum", "done");
        view.handle_event(&Event::Trailers {
            stream: S,
            fields: fields.clone(),
        });
        assert_eq!(view.read_partial(&mut c, 9), Ok(Inbound::End));
        assert_eq!(view.trailers(), Some(&fields));
    }

    #[test]
    fn other_streams_and_connection_news_are_not_its_business() {
        let mut view = Duplex::new(S);
        let other = Event::Data {
            stream: StreamId(3),
            data: Bytes::from_static(b"x"),
            end_stream: true,
        };
        assert!(!view.handle_event(&other));
        assert!(!view.handle_event(&Event::Closed { error: None }));
        assert!(view.handle_event(&Event::Writable { stream: S }));
        assert_eq!(view.buffered(), 0);
    }

    #[test]
    fn a_reset_fails_what_is_open_after_the_bytes_that_arrived() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        view.handle_event(&data(b"ab", false));
        let reset = StreamError::Reset {
            code: Reason::CANCEL,
            initiator: Initiator::Remote,
        };
        view.handle_event(&Event::StreamReset {
            stream: S,
            code: Reason::CANCEL,
            initiator: Initiator::Remote,
        });
        assert!(matches!(view.read_partial(&mut c, 9), Ok(Inbound::Data(_))));
        assert_eq!(view.read_partial(&mut c, 9), Err(reset.clone()));
        assert_eq!(view.write(&mut c, "x".into()), Err(reset.clone()));
        assert_eq!(view.close_write(&mut c), Err(reset));
    }

    #[test]
    fn a_reset_after_the_end_leaves_the_end() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        view.handle_event(&data(b"", true));
        view.handle_event(&Event::StreamReset {
            stream: S,
            code: Reason::NO_ERROR,
            initiator: Initiator::Remote,
        });
        assert_eq!(view.read_partial(&mut c, 9), Ok(Inbound::End));
        assert!(matches!(
            view.write(&mut c, "x".into()),
            Err(StreamError::Reset { .. })
        ));
    }

    #[test]
    fn a_closed_connection_fails_what_is_open() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        let error = Error::new(ErrorKind::UnexpectedEof);
        view.handle_event(&Event::Closed {
            error: Some(error.clone()),
        });
        let closed = StreamError::ConnectionClosed(Some(error));
        assert_eq!(view.read_partial(&mut c, 9), Err(closed.clone()));
        assert!(closed.to_string().starts_with(
            "the connection closed before the stream ended: connection closed in the middle"
        ));
    }

    #[test]
    fn a_tunnel_reopens_both_directions() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Server));
        // A GET with `Upgrade` has no body: its read side ends with its head.
        view.handle_event(&Event::Headers {
            stream: S,
            head: crate::Head::Request(crate::Request::new("GET", "/")),
            end_stream: true,
        });
        assert_eq!(view.read_partial(&mut c, 9), Ok(Inbound::End));
        assert!(view.handle_event(&Event::Tunnel { stream: S }));
        assert!(view.is_tunnel());
        assert_eq!(view.read_partial(&mut c, 9), Ok(Inbound::Pending));
        view.handle_event(&data(b"raw", false));
        assert_eq!(
            view.read_partial(&mut c, 9),
            Ok(Inbound::Data(Bytes::from_static(b"raw")))
        );
    }

    #[test]
    fn writing_after_close_write_is_refused_and_close_write_is_idempotent() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        let post = weir::Request::new("POST", "/").field("host", "a");
        assert_eq!(c.send_request(post, false), Ok(S));
        assert_eq!(view.close_write(&mut c), Ok(()));
        assert_eq!(view.close_write(&mut c), Ok(()));
        assert_eq!(
            view.write(&mut c, "x".into()),
            Err(StreamError::Refused(Misuse::State(
                "the write side is closed"
            )))
        );
    }

    #[test]
    fn close_drops_the_unread_bytes_and_reads_end() {
        let (mut view, mut c) = (Duplex::new(S), conn(Side::Client));
        view.handle_event(&data(b"unread", false));
        view.close(&mut c);
        assert_eq!(view.buffered(), 0);
        assert_eq!(view.read_partial(&mut c, 9), Ok(Inbound::End));
        // Nothing more is kept, and a late tunnel does not reopen it.
        view.handle_event(&data(b"late", false));
        view.handle_event(&Event::Tunnel { stream: S });
        assert_eq!(view.read_partial(&mut c, 9), Ok(Inbound::End));
    }
}
