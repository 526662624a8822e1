//! HTTP/2 over cleartext by `Upgrade: h2c` (RFC 7540 §3.2, §3.2.1), server side: a
//! server connection that detects the version, fed raw bytes; what it writes after the
//! 101 is read back as frames and HPACK blocks.

#[path = "support/frames.rs"]
mod frames;
use frames::{frame, settings, PREFACE};

use bytes::Bytes;
use std::time::Instant;
use weir::hpack::{Decoder, Encoder};
use weir::*;

const SWITCHING: &[u8] =
    b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
/// What curl 7.88 sends: MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW_SIZE 32 MiB,
/// ENABLE_PUSH 0.
const CURL_SETTINGS: &str = "AAMAAABkAAQCAAAAAAIAAAAA";

/// An h2c request without content, with extra header lines `extra` (each ending CRLF).
fn h2c_request(settings: &str, extra: &str) -> Vec<u8> {
    format!(
        "GET /index.html?x=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\
         Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\
         HTTP2-Settings: {settings}\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// The client's side after the 101: preface, SETTINGS, and the ACK of the server's.
fn client_preface(params: &[(u16, u32)]) -> Vec<u8> {
    let mut v = PREFACE.to_vec();
    v.extend(settings(params));
    v.extend(frame(4, 1, 0, &[]));
    v
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
}

impl Frame {
    fn code(&self) -> u32 {
        let at = if self.kind == 7 { 4 } else { 0 };
        u32::from_be_bytes(self.payload[at..at + 4].try_into().unwrap())
    }
}

/// Splits `bytes` into whole frames; trailing bytes are an error.
fn frames(mut bytes: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        assert!(bytes.len() >= 9, "a partial frame head: {bytes:?}");
        let len = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]) as usize;
        assert!(bytes.len() >= 9 + len, "a partial frame");
        out.push(Frame {
            kind: bytes[3],
            flags: bytes[4],
            stream: u32::from_be_bytes(bytes[5..9].try_into().unwrap()) & 0x7fff_ffff,
            payload: bytes[9..9 + len].to_vec(),
        });
        bytes = &bytes[9 + len..];
    }
    out
}

/// The frames in `wire` after the 101, which must come first.
fn after_101(wire: &[u8]) -> Vec<Frame> {
    assert!(
        wire.starts_with(SWITCHING),
        "no 101 first: {:?}",
        String::from_utf8_lossy(wire)
    );
    frames(&wire[SWITCHING.len()..])
}

/// A server connection fed raw bytes; `answer` runs for each event as it is delivered.
struct Raw {
    conn: Connection,
    now: Instant,
    wire: Vec<u8>,
    events: Vec<Event>,
}

impl Raw {
    fn new(config: Config) -> Raw {
        let now = Instant::now();
        Raw::with(Connection::new(Side::Server, config, now), now)
    }

    fn with(conn: Connection, now: Instant) -> Raw {
        Raw {
            conn,
            now,
            wire: Vec::new(),
            events: Vec::new(),
        }
    }

    fn feed(&mut self, bytes: &[u8], answer: &mut dyn FnMut(&Event, &mut Connection)) {
        self.conn.handle_input(self.now, bytes);
        self.drain(answer);
    }

    fn send(&mut self, bytes: &[u8]) {
        self.feed(bytes, &mut |_, _| {});
    }

    fn drain(&mut self, answer: &mut dyn FnMut(&Event, &mut Connection)) {
        let mut out = Vec::new();
        loop {
            match self.conn.poll_output(&mut out) {
                Output::Transmit => {
                    self.wire.extend_from_slice(&out);
                    out.clear();
                }
                Output::Event(ev) => {
                    answer(&ev, &mut self.conn);
                    self.events.push(ev);
                }
                Output::Timeout(_) => return,
            }
        }
    }

    /// The frames written after the 101, which must come first.
    fn frames(&self) -> Vec<Frame> {
        after_101(&self.wire)
    }

    fn request(&self, i: usize) -> (StreamId, &Request, bool) {
        let heads: Vec<_> = self
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Headers {
                    stream,
                    head: Head::Request(r),
                    end_stream,
                } => Some((*stream, r, *end_stream)),
                _ => None,
            })
            .collect();
        heads[i]
    }
}

/// The first bytes a prior-knowledge server writes: its SETTINGS (and WINDOW_UPDATE).
fn server_preface(config: Config) -> Vec<u8> {
    let mut raw = Raw::with(
        Connection::with_version(Side::Server, Version::Http2, config, Instant::now()),
        Instant::now(),
    );
    raw.drain(&mut |_, _| {});
    raw.wire
}

fn names(fields: &Fields) -> Vec<String> {
    fields
        .iter()
        .map(|f| String::from_utf8_lossy(f.name).into_owned())
        .collect()
}

#[test]
fn upgrade_answers_101_then_settings_and_hands_over_stream_1() {
    let mut s = Raw::new(Config::default());
    s.send(&h2c_request(
        CURL_SETTINGS,
        "User-Agent: test\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n",
    ));
    // RFC 7540 §3.2: the 101, then "a server connection preface ... consisting of a
    // SETTINGS frame", the same as with prior knowledge; no ACK for HTTP2-Settings.
    let mut expected = SWITCHING.to_vec();
    expected.extend(server_preface(Config::default()));
    assert_eq!(
        String::from_utf8_lossy(&s.wire),
        String::from_utf8_lossy(&expected)
    );
    let frames = s.frames();
    assert_eq!(
        (frames[0].kind, frames[0].flags, frames[0].stream),
        (4, 0, 0)
    );
    assert!(!frames.iter().any(|f| f.kind == 4 && f.flags & 1 == 1));
    assert_eq!(s.conn.version(), Version::Http2);
    assert_eq!(s.events.len(), 1, "{:?}", s.events);
    let (stream, req, end_stream) = s.request(0);
    assert_eq!((stream, end_stream), (StreamId(1), true));
    assert_eq!(req.method, "GET");
    assert_eq!(req.target, "/index.html?x=1");
    assert_eq!(req.version, Version::Http2);
    assert_eq!(req.scheme.as_deref(), Some(&b"http"[..]));
    assert_eq!(req.authority.as_deref(), Some(&b"example.com"[..]));
    assert_eq!(req.protocol, None);
    // Host became the authority; the fields of the HTTP/1.1 connection are gone.
    assert_eq!(names(&req.fields), ["Accept", "User-Agent", "TE"]);
}

#[test]
fn the_response_on_stream_1_goes_out_as_http2_frames() {
    let mut s = Raw::new(Config::default());
    let mut answer = |ev: &Event, conn: &mut Connection| {
        if let Event::Headers { stream, .. } = ev {
            let res = Response::new(200).field("content-type", "text/plain");
            conn.send_response(*stream, res, false).unwrap();
            conn.send_data(*stream, Bytes::from_static(b"hello"), true)
                .unwrap();
        }
    };
    s.feed(&h2c_request(CURL_SETTINGS, ""), &mut answer);
    s.feed(&client_preface(&[]), &mut answer);
    let frames = s.frames();
    let kinds: Vec<(u8, u8, u32)> = frames.iter().map(|f| (f.kind, f.flags, f.stream)).collect();
    // SETTINGS, WINDOW_UPDATE (the connection window), HEADERS, DATA + END_STREAM, and
    // the ACK of the client's SETTINGS.
    assert_eq!(
        kinds,
        [(4, 0, 0), (8, 0, 0), (1, 4, 1), (0, 1, 1), (4, 1, 0)],
        "{frames:?}"
    );
    let head = Decoder::new(4096)
        .decode(&frames[2].payload, 1 << 16)
        .unwrap();
    assert_eq!(head.get(":status"), Some(&b"200"[..]));
    assert_eq!(head.get("content-type"), Some(&b"text/plain"[..]));
    assert_eq!(frames[3].payload, b"hello");
    assert!(!s.events.iter().any(|e| matches!(e, Event::Closed { .. })));
}

#[test]
fn the_peers_http2_settings_are_in_force() {
    // INITIAL_WINDOW_SIZE 10 and ENABLE_PUSH 0: "AAQAAAAKAAIAAAAA".
    let mut s = Raw::new(Config::default());
    s.send(&h2c_request("AAQAAAAKAAIAAAAA", ""));
    // The client's preface comes with an empty SETTINGS: the upgrade's still hold.
    s.send(&client_preface(&[]));
    let id = StreamId(1);
    assert!(matches!(
        s.conn
            .push(id, Request::new("GET", "/pushed").field("host", "a")),
        Err(Misuse::Unsupported(_))
    ));
    s.conn.send_response(id, Response::new(200), false).unwrap();
    s.conn
        .send_data(id, Bytes::from(vec![b'x'; 100]), true)
        .unwrap();
    s.drain(&mut |_, _| {});
    let sent = |s: &Raw| -> usize {
        s.frames()
            .iter()
            .filter(|f| f.kind == 0 && f.stream == 1)
            .map(|f| f.payload.len())
            .sum()
    };
    assert_eq!(sent(&s), 10, "the stream window from HTTP2-Settings");
    s.send(&frame(8, 0, 1, &90u32.to_be_bytes()));
    assert_eq!(sent(&s), 100);
    assert!(s.frames().iter().any(|f| f.kind == 0 && f.flags & 1 == 1));
}

#[test]
fn a_larger_max_frame_size_lets_bigger_frames_out() {
    // MAX_FRAME_SIZE 20000 ("AAUAAE4g"): one DATA frame carries 20000 bytes.
    let mut s = Raw::new(Config::default());
    s.send(&h2c_request("AAUAAE4g", ""));
    s.send(&client_preface(&[]));
    let id = StreamId(1);
    s.conn.send_response(id, Response::new(200), false).unwrap();
    s.conn
        .send_data(id, Bytes::from(vec![b'x'; 30_000]), true)
        .unwrap();
    s.drain(&mut |_, _| {});
    let sizes: Vec<usize> = s
        .frames()
        .iter()
        .filter(|f| f.kind == 0)
        .map(|f| f.payload.len())
        .collect();
    assert_eq!(sizes, [20_000, 10_000]);
}

#[test]
fn anything_but_the_preface_after_the_101_is_a_protocol_error() {
    let mut s = Raw::new(Config::default());
    s.send(&h2c_request(CURL_SETTINGS, ""));
    s.send(b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
    let frames = s.frames();
    let goaway = frames.iter().find(|f| f.kind == 7).expect("GOAWAY");
    // PROTOCOL_ERROR; stream 1 is the last one the server processes.
    assert_eq!(goaway.code(), 1);
    assert_eq!(
        u32::from_be_bytes(goaway.payload[..4].try_into().unwrap()),
        1
    );
    assert!(s.events.iter().any(|e| matches!(
        e,
        Event::StreamReset {
            stream: StreamId(1),
            ..
        }
    )));
    match s.events.last() {
        Some(Event::Closed { error: Some(e) }) => assert_eq!(e.reason(), Reason::PROTOCOL_ERROR),
        other => panic!("{other:?}"),
    }
}

/// The request, the client's preface and SETTINGS, and a second request on stream 3:
/// all in one read, then answered.
fn whole_exchange() -> Vec<u8> {
    let mut input = h2c_request(CURL_SETTINGS, "");
    input.extend(client_preface(&[(4, 1 << 16)]));
    let mut block = Vec::new();
    Encoder::new().encode(
        [
            (":method", "GET"),
            (":scheme", "http"),
            (":authority", "example.com"),
            (":path", "/second"),
        ]
        .into_iter()
        .map(|(n, v)| Field {
            name: n.as_bytes(),
            value: v.as_bytes(),
            sensitive: false,
        }),
        &mut block,
    );
    input.extend(frame(1, 0x5, 3, &block));
    input
}

fn answer_all(ev: &Event, conn: &mut Connection) {
    if let Event::Headers { stream, .. } = ev {
        conn.send_response(*stream, Response::new(204), true)
            .unwrap();
    }
}

#[test]
fn bytes_after_the_request_head_are_not_lost() {
    let mut s = Raw::new(Config::default());
    s.feed(&whole_exchange(), &mut answer_all);
    assert_eq!(s.request(0).0, StreamId(1));
    let (stream, second, end) = s.request(1);
    assert_eq!((stream, end), (StreamId(3), true));
    assert_eq!(second.target, "/second");
    let frames = s.frames();
    let answered: Vec<u32> = frames
        .iter()
        .filter(|f| f.kind == 1)
        .map(|f| f.stream)
        .collect();
    assert_eq!(answered, [1, 3]);
    assert!(frames.iter().any(|f| f.kind == 4 && f.flags == 1));
    assert!(!frames.iter().any(|f| f.kind == 7), "no GOAWAY: {frames:?}");
}

#[test]
fn input_split_anywhere_gives_the_same_result() {
    // The answers come once all input is in, so that the wire does not depend on when
    // the application happened to hear of each request.
    let input = whole_exchange();
    let run = |parts: &[&[u8]]| {
        let mut s = Raw::new(Config::default());
        for part in parts {
            s.send(part);
        }
        for stream in [1, 3] {
            s.conn
                .send_response(StreamId(stream), Response::new(204), true)
                .unwrap();
        }
        s.drain(&mut |_, _| {});
        s
    };
    let whole = run(&[&input]);
    assert_eq!(whole.events.len(), 2);
    assert_eq!(whole.conn.version(), Version::Http2);
    let kinds: Vec<(u8, u32)> = whole.frames().iter().map(|f| (f.kind, f.stream)).collect();
    assert_eq!(kinds, [(4, 0), (8, 0), (4, 0), (1, 1), (1, 3)]);
    for at in 0..=input.len() {
        let s = run(&[&input[..at], &input[at..]]);
        assert_eq!(s.events, whole.events, "split at {at}");
        assert_eq!(s.wire, whole.wire, "split at {at}");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    let s = run(&bytes);
    assert_eq!(s.events, whole.events, "byte by byte");
    assert_eq!(s.wire, whole.wire, "byte by byte");
}

#[test]
fn an_absolute_form_target_gives_scheme_authority_and_path() {
    let mut s = Raw::new(Config::default());
    s.send(
        b"OPTIONS http://example.com:8080/p?q HTTP/1.1\r\nHost: example.com:8080\r\n\
          Connection: Upgrade, HTTP2-Settings, X-Hop\r\nX-Hop: 1\r\nUpgrade: h2c\r\n\
          HTTP2-Settings: \r\nTE: gzip\r\nContent-Length: 0\r\nX-End: 2\r\n\r\n",
    );
    let (_, req, end_stream) = s.request(0);
    assert!(end_stream);
    assert_eq!(req.method, "OPTIONS");
    assert_eq!(req.target, "/p?q");
    assert_eq!(req.scheme.as_deref(), Some(&b"http"[..]));
    assert_eq!(req.authority.as_deref(), Some(&b"example.com:8080"[..]));
    // X-Hop is named by Connection; a TE other than trailers is hop-by-hop.
    assert_eq!(names(&req.fields), ["Content-Length", "X-End"]);
}

/// Serves one HTTP/1.1 request with 200 and checks it stayed HTTP/1.1.
fn served_as_http11(mut s: Raw, input: &[u8]) {
    let mut hello = |ev: &Event, conn: &mut Connection| {
        let done = match ev {
            Event::Headers { end_stream, .. } | Event::Data { end_stream, .. } => *end_stream,
            _ => false,
        };
        if done {
            conn.send_response(StreamId(1), Response::new(200), true)
                .unwrap();
        }
    };
    s.feed(input, &mut hello);
    let wire = String::from_utf8_lossy(&s.wire).into_owned();
    assert!(
        wire.starts_with("HTTP/1.1 200 OK\r\n"),
        "{wire:?} for {:?}",
        String::from_utf8_lossy(input)
    );
    assert!(!wire.contains("101"), "{wire:?}");
    let (stream, req, _) = s.request(0);
    assert_eq!(stream, StreamId(1));
    assert_ne!(req.version, Version::Http2);
    // The application sees the request as sent, Upgrade included.
    assert!(req.fields.contains("upgrade"));
    assert_ne!(s.conn.version(), Version::Http2);
}

#[test]
fn requests_that_do_not_qualify_are_served_as_http11() {
    let cases: Vec<Vec<u8>> =
        vec![
        // A body, with a length or chunked.
        {
            let mut r = h2c_request(CURL_SETTINGS, "Content-Length: 5\r\n");
            r.extend_from_slice(b"hello");
            r
        },
        {
            let mut r = h2c_request(CURL_SETTINGS, "Transfer-Encoding: chunked\r\n");
            r.extend_from_slice(b"0\r\n\r\n");
            r
        },
        // Malformed settings: bad base64url, standard base64, not a multiple of 6,
        // a value out of range (ENABLE_PUSH 2).
        h2c_request("AAMAAABk!", ""),
        h2c_request("AAMAAABk+/", ""),
        h2c_request("AAMAAA", ""),
        h2c_request("AAIAAAAC", ""),
        // Two HTTP2-Settings.
        h2c_request(CURL_SETTINGS, &format!("HTTP2-Settings: {CURL_SETTINGS}\r\n")),
        // Another upgrade next to h2c.
        h2c_request(CURL_SETTINGS, "Upgrade: websocket\r\n"),
        // HTTP2-Settings missing, or not named by Connection.
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n"
            .to_vec(),
        format!(
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\
             HTTP2-Settings: {CURL_SETTINGS}\r\n\r\n"
        )
        .into_bytes(),
        // HTTP/1.0.
        format!(
            "GET / HTTP/1.0\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n\
             Upgrade: h2c\r\nHTTP2-Settings: {CURL_SETTINGS}\r\n\r\n"
        )
        .into_bytes(),
    ];
    for input in &cases {
        served_as_http11(Raw::new(Config::default()), input);
    }
    // A server that speaks only HTTP/1.1, and one with the switch off.
    let good = h2c_request(CURL_SETTINGS, "");
    let now = Instant::now();
    let only_h1 = Connection::with_version(Side::Server, Version::Http11, Config::default(), now);
    served_as_http11(Raw::with(only_h1, now), &good);
    let mut off = Config::default();
    off.set("h2c_upgrade", "false").unwrap();
    served_as_http11(Raw::new(off), &good);
}

#[test]
fn an_http2_only_server_wants_the_preface() {
    let now = Instant::now();
    let conn = Connection::with_version(Side::Server, Version::Http2, Config::default(), now);
    let mut s = Raw::with(conn, now);
    s.send(&h2c_request(CURL_SETTINGS, ""));
    assert!(!s.wire.starts_with(b"HTTP/1.1"));
    let frames = frames(&s.wire);
    let goaway = frames.iter().find(|f| f.kind == 7).expect("GOAWAY");
    assert_eq!(goaway.code(), 1);
    assert!(!s.events.iter().any(|e| matches!(e, Event::Headers { .. })));
}

#[test]
fn a_first_request_in_http11_then_the_upgrade() {
    // Pipelined: the first response is written before the 101, and in order.
    let mut input = b"GET /one HTTP/1.1\r\nHost: example.com\r\n\r\n".to_vec();
    input.extend(h2c_request(CURL_SETTINGS, ""));
    input.extend(client_preface(&[]));
    let mut s = Raw::new(Config::default());
    let mut answer = |ev: &Event, conn: &mut Connection| {
        if let Event::Headers { stream, .. } = ev {
            conn.send_response(*stream, Response::new(200), false)
                .unwrap();
            conn.send_data(*stream, Bytes::from_static(b"one"), true)
                .unwrap();
        }
    };
    s.feed(&input, &mut answer);
    let first = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\none";
    assert!(
        s.wire.starts_with(first),
        "{:?}",
        String::from_utf8_lossy(&s.wire)
    );
    let frames = after_101(&s.wire[first.len()..]);
    assert!(frames.iter().any(|f| f.kind == 1 && f.stream == 1));
    assert_eq!(s.request(0).1.version, Version::Http11);
    assert_eq!(s.request(1).1.version, Version::Http2);
    assert_eq!(s.request(1).0, StreamId(1));
}

#[test]
fn other_upgrades_still_open_a_tunnel() {
    let mut s = Raw::new(Config::default());
    let mut echo = |ev: &Event, conn: &mut Connection| match ev {
        Event::Headers { stream, .. } => conn
            .send_response(*stream, Response::new(101).field("upgrade", "echo"), false)
            .unwrap(),
        Event::Data { stream, data, .. } => conn.send_data(*stream, data.clone(), false).unwrap(),
        _ => {}
    };
    s.feed(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nraw",
        &mut echo,
    );
    assert_eq!(
        String::from_utf8_lossy(&s.wire),
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: upgrade\r\n\r\nraw"
    );
    assert!(s.events.iter().any(|e| matches!(
        e,
        Event::Tunnel {
            stream: StreamId(1)
        }
    )));
    assert_eq!(s.conn.version(), Version::Http11);
}
