//! Properties that hold for every input:
//! - encode then decode is the identity: the heads, bodies and trailers one side sends
//!   are the ones the other side receives (wire-exact field names and values, in order);
//! - the events do not depend on how the input is split, down to one byte at a time
//!   (body data may be cut differently; merged, it is the same).

use bytes::Bytes;
use proptest::prelude::*;
use std::time::Instant;
use weir::*;

#[derive(Debug, Clone)]
struct Message {
    start: (String, String),
    fields: Vec<(String, String)>,
    chunks: Vec<Vec<u8>>,
    /// Whether each chunk is flushed before the next (forcing chunked framing).
    stream: bool,
    trailers: Vec<(String, String)>,
}

fn field() -> impl Strategy<Value = (String, String)> {
    (
        "[A-Za-z][A-Za-z0-9-]{0,10}".prop_map(|n| format!("X-{n}")),
        "[!-~]([ -~]{0,16}[!-~])?",
    )
}

fn message(start: impl Strategy<Value = (String, String)>) -> impl Strategy<Value = Message> {
    (
        start,
        prop::collection::vec(field(), 0..6),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 1..40), 0..5),
        any::<bool>(),
        prop::collection::vec(field(), 0..3),
    )
        .prop_map(|(start, fields, chunks, stream, trailers)| Message {
            start,
            fields,
            // Trailers need a streamed body on HTTP/1.1.
            trailers: if stream && !chunks.is_empty() {
                trailers
            } else {
                vec![]
            },
            chunks,
            stream,
        })
}

fn request() -> impl Strategy<Value = Message> {
    message((
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"])
            .prop_map(str::to_string),
        "/[a-z0-9/._-]{0,12}",
    ))
}

fn response() -> impl Strategy<Value = Message> {
    message((
        (200u16..600)
            .prop_filter("has a body", |s| *s != 204 && *s != 304)
            .prop_map(|s| s.to_string()),
        Just(String::new()),
    ))
}

/// What a receiver saw of one message, with body data merged.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    stream: StreamId,
    head: Head,
    body: Vec<u8>,
    trailers: Option<Fields>,
    ended: bool,
}

fn collect(events: &[Event]) -> Vec<Seen> {
    let mut seen: Vec<Seen> = Vec::new();
    for e in events {
        match e {
            Event::Headers {
                stream,
                head,
                end_stream,
            } => seen.push(Seen {
                stream: *stream,
                head: head.clone(),
                body: vec![],
                trailers: None,
                ended: *end_stream,
            }),
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                let s = seen
                    .iter_mut()
                    .rfind(|s| s.stream == *stream)
                    .expect("data after its head");
                s.body.extend_from_slice(data);
                s.ended |= end_stream;
            }
            Event::Trailers { stream, fields } => {
                let s = seen
                    .iter_mut()
                    .rfind(|s| s.stream == *stream)
                    .expect("trailers after the head");
                s.trailers = Some(fields.clone());
                s.ended = true;
            }
            Event::Closed { error: Some(e) } => panic!("closed with {e}"),
            _ => {}
        }
    }
    seen
}

fn drain(
    conn: &mut Connection,
    wire: &mut Vec<u8>,
    events: &mut Vec<Event>,
    answer: &mut dyn FnMut(&Event, &mut Connection),
) {
    let mut out = Vec::new();
    loop {
        match conn.poll_output(&mut out) {
            Output::Transmit => {
                wire.extend_from_slice(&out);
                out.clear();
            }
            Output::Event(ev) => {
                answer(&ev, conn);
                events.push(ev);
            }
            Output::Timeout(_) => return,
        }
    }
}

/// Sends `messages` through a connection of `side` and returns the bytes it wrote.
fn send_all(side: Side, messages: &[Message]) -> Vec<u8> {
    let now = Instant::now();
    let mut conn = Connection::new(side, Config::default(), now);
    let (mut wire, mut events) = (Vec::new(), Vec::new());
    if side == Side::Server {
        // A server can answer only requests it received.
        let mut requests = Vec::new();
        for _ in messages {
            requests.extend_from_slice(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        }
        conn.handle_input(now, &requests);
    }
    for m in messages {
        let mut fields = Fields::new();
        for (n, v) in &m.fields {
            fields.append(n.clone(), v.clone());
        }
        let end = m.chunks.is_empty();
        let id = match side {
            Side::Client => {
                let mut head = Request::new(m.start.0.clone(), m.start.1.clone());
                head.fields = fields;
                head.fields.append("Host", "h");
                conn.send_request(head, end).unwrap()
            }
            Side::Server => {
                drain(&mut conn, &mut wire, &mut events, &mut |_, _| {});
                let id = events.iter().rev().find_map(Event::stream).unwrap();
                let mut head = Response::new(m.start.0.parse().unwrap());
                head.fields = fields;
                conn.send_response(id, head, end).unwrap();
                id
            }
        };
        for (i, c) in m.chunks.iter().enumerate() {
            let last = i + 1 == m.chunks.len() && m.trailers.is_empty();
            conn.send_data(id, Bytes::from(c.clone()), last).unwrap();
            if m.stream {
                drain(&mut conn, &mut wire, &mut events, &mut |_, _| {});
            }
        }
        if !m.trailers.is_empty() {
            let mut t = Fields::new();
            for (n, v) in &m.trailers {
                t.append(n.clone(), v.clone());
            }
            conn.send_trailers(id, t).unwrap();
        }
        drain(&mut conn, &mut wire, &mut events, &mut |_, _| {});
    }
    wire
}

/// Feeds `wire` to a receiver of `side`, cut at `cuts`, and returns what it saw.
fn receive(side: Side, wire: &[u8], cuts: &[usize], requests: usize) -> (Vec<Seen>, Vec<u8>) {
    let now = Instant::now();
    let mut conn = Connection::new(side, Config::default(), now);
    let (mut out, mut events) = (Vec::new(), Vec::new());
    // A client must have asked; a server answers each request once it has ended.
    if side == Side::Client {
        for _ in 0..requests {
            conn.send_request(Request::new("GET", "/").field("Host", "h"), true)
                .unwrap();
        }
    }
    let mut answer = |ev: &Event, conn: &mut Connection| {
        let done = match ev {
            Event::Headers {
                stream,
                end_stream: true,
                ..
            }
            | Event::Data {
                stream,
                end_stream: true,
                ..
            } => Some(*stream),
            Event::Trailers { stream, .. } => Some(*stream),
            _ => None,
        };
        if let (Side::Server, Some(s)) = (side, done) {
            conn.send_response(s, Response::new(204), true).unwrap();
        }
    };
    let mut at = 0;
    for &cut in cuts.iter().chain(std::iter::once(&wire.len())) {
        let cut = cut.clamp(at, wire.len());
        conn.handle_input(now, &wire[at..cut]);
        drain(&mut conn, &mut out, &mut events, &mut answer);
        at = cut;
    }
    (collect(&events), out)
}

fn cuts(len: usize, seed: &[usize]) -> Vec<usize> {
    let mut c: Vec<usize> = seed.iter().map(|s| s % (len + 1)).collect();
    c.sort_unstable();
    c
}

fn check_roundtrip(sent: &[Message], seen: &[Seen]) {
    assert_eq!(seen.len(), sent.len());
    for (m, s) in sent.iter().zip(seen) {
        let fields = s.head.fields();
        // The application's fields arrive first, byte for byte and in order; framing
        // fields the connection added may follow.
        let got: Vec<(String, String)> = fields
            .iter()
            .take(m.fields.len())
            .map(|f| {
                (
                    String::from_utf8(f.name.to_vec()).unwrap(),
                    String::from_utf8(f.value.to_vec()).unwrap(),
                )
            })
            .collect();
        assert_eq!(got, m.fields);
        if let Head::Request(r) = &s.head {
            assert_eq!(
                (&r.method[..], &r.target[..]),
                (m.start.0.as_bytes(), m.start.1.as_bytes())
            );
        }
        assert_eq!(s.body, m.chunks.concat());
        assert!(s.ended);
        let trailers: Vec<(String, String)> = s
            .trailers
            .iter()
            .flatten()
            .map(|f| {
                (
                    String::from_utf8(f.name.to_vec()).unwrap(),
                    String::from_utf8(f.value.to_vec()).unwrap(),
                )
            })
            .collect();
        assert_eq!(trailers, m.trailers);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn requests_roundtrip_however_split(msgs in prop::collection::vec(request(), 1..4), seed in prop::collection::vec(any::<usize>(), 0..12)) {
        let wire = send_all(Side::Client, &msgs);
        let (whole, answers) = receive(Side::Server, &wire, &[], 0);
        check_roundtrip(&msgs, &whole);
        let (split, split_answers) = receive(Side::Server, &wire, &cuts(wire.len(), &seed), 0);
        prop_assert_eq!(&split, &whole);
        prop_assert_eq!(split_answers, answers);
    }

    #[test]
    fn responses_roundtrip_however_split(msgs in prop::collection::vec(response(), 1..4), seed in prop::collection::vec(any::<usize>(), 0..12)) {
        let wire = send_all(Side::Server, &msgs);
        let (whole, _) = receive(Side::Client, &wire, &[], msgs.len());
        check_roundtrip(&msgs, &whole);
        let (split, _) = receive(Side::Client, &wire, &cuts(wire.len(), &seed), msgs.len());
        prop_assert_eq!(split, whole);
    }
}

#[test]
fn one_byte_at_a_time() {
    let wire: &[u8] = b"POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n\
        GET /b HTTP/1.1\r\nHost: h\r\n\r\nPUT /c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nwxyz";
    let (whole, answers) = receive(Side::Server, wire, &[], 0);
    let every: Vec<usize> = (1..wire.len()).collect();
    let (bytewise, bytewise_answers) = receive(Side::Server, wire, &every, 0);
    assert_eq!(whole.len(), 3);
    assert_eq!(bytewise, whole);
    assert_eq!(bytewise_answers, answers);
    assert_eq!(answers.len(), 3 * "HTTP/1.1 204 No Content\r\n\r\n".len());
}

/// Pieces a hostile request head is made of: valid lines, and the bytes and fields that
/// smuggling and framing attacks rely on.
fn hostile_piece() -> impl Strategy<Value = &'static [u8]> {
    prop::sample::select(vec![
        &b"GET / HTTP/1.1\r\n"[..],
        b"POST /p HTTP/1.1\r\n",
        b"GET /x HTTP/1.0\r\n",
        b"CONNECT a:1 HTTP/1.1\r\n",
        b"Host: a\r\n",
        b"Host: b\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: x\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"Connection: close\r\n",
        b"Expect: 100-continue\r\n",
        b"X: y\r\n",
        b"X: y\n",
        b"GET / HTTP/1.1\n",
        b"\r\n",
        b"\n",
        b"\r",
        b" ",
        b"\t",
        b":",
        b"\0",
        b"#",
        b"\x7f",
        b"\xff",
        b"abc",
        b"HTTP/1.2",
    ])
}

/// Everything a server connection emitted, in order: events as text, with body data
/// merged per stream so that only the cut of the data can differ.
fn server_trace(wire: &[u8], cuts: &[usize]) -> (Vec<String>, Vec<u8>) {
    let now = Instant::now();
    let mut conn = Connection::new(Side::Server, Config::default(), now);
    let (mut out, mut trace, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
    let mut data: Vec<u8> = Vec::new();
    let mut at = 0;
    for &cut in cuts.iter().chain(std::iter::once(&wire.len())) {
        let cut = cut.clamp(at, wire.len());
        conn.handle_input(now, &wire[at..cut]);
        at = cut;
        loop {
            match conn.poll_output(&mut out) {
                Output::Transmit => {
                    bytes.extend_from_slice(&out);
                    out.clear();
                }
                Output::Event(Event::Data {
                    data: d,
                    end_stream,
                    ..
                }) => {
                    data.extend_from_slice(&d);
                    if end_stream {
                        trace.push(format!("data {:?} end", std::mem::take(&mut data)));
                    }
                }
                Output::Event(ev) => {
                    if !data.is_empty() {
                        trace.push(format!("data {:?}", std::mem::take(&mut data)));
                    }
                    if let Event::Headers { stream, .. } = &ev {
                        let _ = conn.accept_body(*stream);
                        let _ = conn.send_response(*stream, Response::new(204), true);
                    }
                    trace.push(format!("{ev:?}"));
                }
                Output::Timeout(_) => break,
            }
        }
    }
    conn.handle_eof(now);
    while let Output::Transmit | Output::Event(_) = conn.poll_output(&mut out) {}
    (trace, bytes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// A head that arrives whole is parsed in one pass, one that trickles in is scanned
    /// for its end first: both must see the same requests, refuse the same heads with
    /// the same error, and answer with the same bytes.
    #[test]
    fn hostile_heads_the_same_whole_or_byte_by_byte(
        pieces in prop::collection::vec(hostile_piece(), 1..14),
        valid_start in any::<bool>(),
    ) {
        let mut wire = if valid_start { b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec() } else { vec![] };
        wire.extend(pieces.concat());
        wire.extend_from_slice(b"\r\n");
        let whole = server_trace(&wire, &[]);
        let every: Vec<usize> = (1..wire.len()).collect();
        let bytewise = server_trace(&wire, &every);
        prop_assert_eq!(whole, bytewise);
    }
}
