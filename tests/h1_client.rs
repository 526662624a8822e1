//! HTTP/1.1 client scenarios: request framing on the wire, and every kind of response
//! framing, informational response, tunnel and error read back as events.

use std::time::Instant;
use weir::testing::Pair;
use weir::*;

/// A client connection whose peer is scripted as raw bytes.
struct Client {
    conn: Connection,
    now: Instant,
    wire: Vec<u8>,
    events: Vec<Event>,
}

impl Client {
    fn new() -> Client {
        let now = Instant::now();
        Client {
            conn: Connection::new(Side::Client, Config::default(), now),
            now,
            wire: Vec::new(),
            events: Vec::new(),
        }
    }

    fn drain(&mut self) {
        let mut out = Vec::new();
        loop {
            match self.conn.poll_output(&mut out) {
                Output::Transmit => {
                    self.wire.extend_from_slice(&out);
                    out.clear();
                }
                Output::Event(ev) => self.events.push(ev),
                Output::Timeout(_) => return,
            }
        }
    }

    fn get(&mut self, method: &str, target: &str) -> StreamId {
        let req = Request::new(method.to_string(), target.to_string()).field("Host", "h");
        let id = self.conn.send_request(req, true).unwrap();
        self.drain();
        id
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.conn.handle_input(self.now, bytes);
        self.drain();
    }

    fn eof(&mut self) {
        self.conn.handle_eof(self.now);
        self.drain();
    }

    fn wire(&self) -> String {
        String::from_utf8_lossy(&self.wire).into_owned()
    }

    /// The body bytes delivered for `stream`, and whether it ended.
    fn body(&self, stream: StreamId) -> (Vec<u8>, bool) {
        let mut body = Vec::new();
        let mut ended = false;
        for e in &self.events {
            match e {
                Event::Data {
                    stream: s,
                    data,
                    end_stream,
                } if *s == stream => {
                    body.extend_from_slice(data);
                    ended |= end_stream;
                }
                Event::Trailers { stream: s, .. } if *s == stream => ended = true,
                Event::Headers {
                    stream: s,
                    end_stream: true,
                    ..
                } if *s == stream => ended = true,
                _ => {}
            }
        }
        (body, ended)
    }

    fn statuses(&self) -> Vec<u16> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Headers { head, .. } => head.as_response().map(|r| r.status),
                _ => None,
            })
            .collect()
    }

    fn closed_with(&self) -> Option<Option<Error>> {
        self.events.iter().find_map(|e| match e {
            Event::Closed { error } => Some(error.clone()),
            _ => None,
        })
    }
}

#[test]
fn request_framing_is_chosen_for_the_application() {
    let mut c = Client::new();
    c.get("GET", "/");
    assert_eq!(c.wire(), "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    c.feed(b"HTTP/1.1 204 No Content\r\n\r\n");

    // An empty POST says so.
    let mut c = Client::new();
    c.get("POST", "/");
    assert_eq!(
        c.wire(),
        "POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 0\r\n\r\n"
    );

    // A body that ends before the next transmit gets a Content-Length.
    let mut c = Client::new();
    let id = c
        .conn
        .send_request(Request::new("PUT", "/x").field("Host", "h"), false)
        .unwrap();
    c.conn.send_data(id, "ab".into(), false).unwrap();
    c.conn.send_data(id, "c".into(), true).unwrap();
    c.drain();
    assert_eq!(
        c.wire(),
        "PUT /x HTTP/1.1\r\nHost: h\r\ncontent-length: 3\r\n\r\nabc"
    );

    // One that streams is chunked.
    let mut c = Client::new();
    let id = c
        .conn
        .send_request(Request::new("POST", "/echo").field("Host", "h"), false)
        .unwrap();
    c.conn.send_data(id, "Hello, ".into(), false).unwrap();
    c.drain();
    c.conn.send_data(id, "World!".into(), true).unwrap();
    c.drain();
    assert_eq!(
        c.wire(),
        "POST /echo HTTP/1.1\r\nHost: h\r\ntransfer-encoding: chunked\r\n\r\n7\r\nHello, \r\n6\r\nWorld!\r\n0\r\n\r\n"
    );
}

#[test]
fn requests_need_a_host_and_wait_for_the_previous_body() {
    let mut c = Client::new();
    assert!(matches!(
        c.conn.send_request(Request::new("GET", "/"), true),
        Err(Misuse::InvalidHead(_))
    ));
    let id = c
        .conn
        .send_request(Request::new("POST", "/").field("Host", "h"), false)
        .unwrap();
    assert!(matches!(
        c.conn
            .send_request(Request::new("GET", "/").field("Host", "h"), true),
        Err(Misuse::State(_))
    ));
    c.conn.send_data(id, "x".into(), true).unwrap();
    assert!(c
        .conn
        .send_request(Request::new("GET", "/").field("Host", "h"), true)
        .is_ok());
}

#[test]
fn response_framings() {
    let mut c = Client::new();
    let a = c.get("GET", "/a");
    c.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    assert_eq!(c.body(a), (b"hello".to_vec(), true));

    let b = c.get("GET", "/b");
    c.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Sum: 9\r\n\r\n");
    assert_eq!(c.body(b), (b"hello".to_vec(), true));
    assert!(c
        .events
        .iter()
        .any(|e| matches!(e, Event::ChunkExtension { extension, .. } if extension == ";ext=1")));
    assert!(c
        .events
        .iter()
        .any(|e| matches!(e, Event::Trailers { fields, .. } if fields.get("x-sum") == Some(b"9"))));

    let h = c.get("HEAD", "/h");
    c.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    assert_eq!(c.body(h), (vec![], true), "a HEAD response has no body");

    let n = c.get("GET", "/n");
    c.feed(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n");
    assert_eq!(c.body(n), (vec![], true));

    let close = c.get("GET", "/close");
    c.feed(b"HTTP/1.1 200 OK\r\n\r\nuntil ");
    c.feed(b"the end");
    assert_eq!(c.body(close), (b"until the end".to_vec(), false));
    c.eof();
    assert_eq!(c.body(close), (b"until the end".to_vec(), true));
    assert_eq!(c.closed_with(), Some(None));
    assert_eq!(c.statuses(), [200, 200, 200, 304, 200]);
}

#[test]
fn pipelined_responses_arrive_in_order() {
    let mut c = Client::new();
    let a = c.get("GET", "/a");
    let b = c.get("GET", "/b");
    assert_eq!((a, b), (StreamId(1), StreamId(3)));
    c.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb");
    assert_eq!(c.body(a), (b"a".to_vec(), true));
    assert_eq!(c.body(b), (b"b".to_vec(), true));
}

#[test]
fn informational_responses_then_the_final_one() {
    let mut c = Client::new();
    let id = c
        .conn
        .send_request(
            Request::new("PUT", "/")
                .field("Host", "h")
                .field("Expect", "100-continue")
                .field("Content-Length", "2"),
            false,
        )
        .unwrap();
    c.drain();
    c.feed(b"HTTP/1.1 100 Continue\r\n\r\n");
    assert_eq!(c.statuses(), [100]);
    c.conn.send_data(id, "ok".into(), true).unwrap();
    c.feed(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.statuses(), [100, 103, 201]);
    assert!(matches!(
        c.events.last(),
        Some(Event::Headers {
            end_stream: true,
            ..
        })
    ));
}

#[test]
fn upgrade_and_connect_open_tunnels() {
    let mut c = Client::new();
    let id = c
        .conn
        .send_request(
            Request::new("GET", "/")
                .field("Host", "h")
                .field("Upgrade", "echo")
                .field("Connection", "upgrade"),
            true,
        )
        .unwrap();
    c.drain();
    c.feed(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n\r\nraw bytes");
    assert!(c
        .events
        .iter()
        .any(|e| matches!(e, Event::Tunnel { stream } if *stream == id)));
    assert_eq!(c.body(id).0, b"raw bytes");
    c.conn
        .send_data(id, "HTTP/1.1 is not parsed here".into(), true)
        .unwrap();
    c.drain();
    assert!(c.wire().ends_with("\r\n\r\nHTTP/1.1 is not parsed here"));
    assert!(c.conn.is_write_closed());

    let mut c = Client::new();
    let id = c
        .conn
        .send_request(
            Request::new("CONNECT", "h:443").field("Host", "h:443"),
            false,
        )
        .unwrap();
    c.drain();
    assert_eq!(c.wire(), "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n");
    assert!(matches!(
        c.conn.send_data(id, "early".into(), false),
        Err(Misuse::State(_))
    ));
    c.feed(b"HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01");
    assert_eq!(c.body(id).0, b"\x16\x03\x01");
    c.conn.send_data(id, "tls".into(), false).unwrap();
    c.eof();
    assert_eq!(c.body(id), (b"\x16\x03\x01".to_vec(), true));

    let mut c = Client::new();
    c.conn
        .send_request(
            Request::new("CONNECT", "h:443").field("Host", "h:443"),
            true,
        )
        .unwrap();
    c.drain();
    c.feed(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nno");
    assert_eq!(
        c.closed_with(),
        Some(None),
        "a refused CONNECT closes the connection"
    );
}

#[test]
fn connection_close_and_http10_responses_end_the_connection() {
    let mut c = Client::new();
    c.get("GET", "/");
    c.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.closed_with(), Some(None));
    assert!(matches!(
        c.conn
            .send_request(Request::new("GET", "/").field("Host", "h"), true),
        Err(Misuse::Closed)
    ));

    let mut c = Client::new();
    c.get("GET", "/");
    c.feed(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.closed_with(), Some(None));
}

#[test]
fn bad_responses_close_with_a_typed_error() {
    let cases: &[(&[u8], ErrorKind)] = &[
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            ProtocolError::DuplicateContentLength.into(),
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            ProtocolError::InvalidContentLength.into(),
        ),
        (
            b"HTTP/1.1 2000 OK\r\n\r\n",
            ProtocolError::InvalidStatus.into(),
        ),
        (
            b"HTTP/1.1 101 Switching\r\n\r\n",
            ProtocolError::InvalidStatus.into(),
        ),
        (b"HTTP/2 200\r\n\r\n", ProtocolError::InvalidVersion.into()),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n",
            ProtocolError::InvalidChunkSize.into(),
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc",
            ErrorKind::UnexpectedEof,
        ),
    ];
    for (input, kind) in cases {
        let mut c = Client::new();
        let id = c.get("GET", "/");
        c.feed(input);
        c.eof();
        let error = c.closed_with().expect("closed").expect("with an error");
        assert_eq!(&error.kind, kind, "{}", String::from_utf8_lossy(input));
        assert!(c.conn.is_closed());
        let reset = c
            .events
            .iter()
            .any(|e| matches!(e, Event::StreamReset { stream, .. } if *stream == id));
        assert!(reset, "the open stream is reset: {:?}", c.events);
    }

    let mut c = Client::new();
    c.feed(b"HTTP/1.1 408 Request Timeout\r\n\r\n");
    let error = c.closed_with().unwrap().unwrap();
    assert_eq!(
        error.kind,
        ErrorKind::Protocol(ProtocolError::UnexpectedInput)
    );
}

#[test]
fn trailers_travel_from_client_to_server() {
    let mut p = Pair::new(Config::default(), Config::default(), Instant::now());
    let id = p
        .client
        .send_request(Request::new("POST", "/").field("Host", "h"), false)
        .unwrap();
    p.client.send_data(id, "data".into(), false).unwrap();
    p.drive();
    let mut t = Fields::new();
    t.append("X-Digest", "abc");
    p.client.send_trailers(id, t.clone()).unwrap();
    p.drive();
    assert!(matches!(p.server_events.last(), Some(Event::Trailers { fields, .. }) if *fields == t));
}

#[test]
fn http10_requests_wait_for_their_length() {
    let mut c = Client::new();
    let req = Request::new("POST", "/").version(Version::Http10);
    let id = c.conn.send_request(req, false).unwrap();
    c.conn.send_data(id, "ab".into(), false).unwrap();
    c.drain();
    assert!(c.wire.is_empty(), "no chunked framing for HTTP/1.0");
    c.conn.send_data(id, "c".into(), true).unwrap();
    c.drain();
    assert_eq!(c.wire(), "POST / HTTP/1.0\r\ncontent-length: 3\r\n\r\nabc");
}

#[test]
fn pipelined_requests_behind_a_closing_response_are_refused() {
    let mut c = Client::new();
    let a = c.get("GET", "/1");
    let b = c.get("GET", "/2");
    c.feed(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.body(a), (vec![], true));
    assert!(
        c.events.iter().any(|e| matches!(
            e,
            Event::StreamReset { stream, code: Reason::REFUSED_STREAM, initiator: Initiator::Remote } if *stream == b
        )),
        "the unanswered request may be retried: {:?}",
        c.events
    );
    assert_eq!(c.closed_with(), Some(None));
}

/// A head that chose chunked itself and ends at once still carries the last chunk:
/// without it the peer waits for the body forever, and reads the next request as a
/// chunk size (found by the conversation fuzzer).
#[test]
fn chunked_head_that_ends_at_once_writes_the_last_chunk() {
    let mut pair = Pair::new(Config::default(), Config::default(), Instant::now());
    let get = Request::new("GET", "/a")
        .field("Host", "h")
        .field("Transfer-Encoding", "chunked");
    let first = pair.client.send_request(get, true).unwrap();
    let second = pair
        .client
        .send_request(Request::new("GET", "/b").field("Host", "h"), true)
        .unwrap();
    pair.run(|_, ev, conn| {
        if let Event::Headers { stream, .. } = ev {
            let chunked = Response::new(200).field("Transfer-Encoding", "chunked");
            if conn.side() == Side::Server {
                conn.send_response(*stream, chunked, true).unwrap();
            }
        }
    });
    assert!(String::from_utf8_lossy(&pair.wire_to_server).starts_with(
        "GET /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /b"
    ));
    let ends = |events: &[Event], id: StreamId| {
        events.iter().any(|ev| match ev {
            Event::Headers {
                stream, end_stream, ..
            }
            | Event::Data {
                stream, end_stream, ..
            } => *stream == id && *end_stream,
            _ => false,
        })
    };
    for id in [first, second] {
        assert!(ends(&pair.server_events, id), "request {id:?} never ended");
        assert!(ends(&pair.client_events, id), "response {id:?} never ended");
    }
}

/// A request line or Host that a server must reject is refused before it is sent,
/// and changes nothing: a CONNECT needs `host:port`, `*` goes only with OPTIONS, one
/// Host of `host[:port]` (found by the conversation fuzzer: weir's client wrote
/// `CONNECT /`, which weir's server answered with 400).
#[test]
fn a_request_its_server_must_reject_is_refused() {
    let mut c = Client::new();
    let refused = [
        Request::new("CONNECT", "/").field("Host", "h"),
        Request::new("GET", "*").field("Host", "h"),
        Request::new("GET", "/a#frag").field("Host", "h"),
        Request::new("GET", "/")
            .field("Host", "h")
            .field("Host", "h"),
        Request::new("GET", "/").field("Host", "a b"),
    ];
    for req in refused {
        let shown = format!("{req:?}");
        assert!(
            matches!(c.conn.send_request(req, true), Err(Misuse::InvalidHead(_))),
            "{shown}"
        );
    }
    c.drain();
    assert!(c.wire.is_empty());
    // A CONNECT last: no request may follow it.
    for (method, target) in [
        ("OPTIONS", "*"),
        ("GET", "http://h/x"),
        ("CONNECT", "h:443"),
    ] {
        let req = Request::new(method, target).field("Host", "h:443");
        assert!(c.conn.send_request(req, true).is_ok(), "{method} {target}");
    }
    c.drain();
    assert!(c.wire().starts_with("OPTIONS * HTTP/1.1\r\n"));
    assert!(c.wire().contains("CONNECT h:443 HTTP/1.1\r\n"));
}

/// A CONNECT has no body, but its framing fields must be ones a server accepts: no
/// Transfer-Encoding from an HTTP/1.0 client, not both Transfer-Encoding and
/// Content-Length (found by the conversation fuzzer: weir's server answered 400).
#[test]
fn a_connect_with_framing_a_server_rejects_is_refused() {
    let mut c = Client::new();
    let connect = || Request::new("CONNECT", "h:443").field("Host", "h:443");
    for req in [
        connect()
            .version(Version::Http10)
            .field("Transfer-Encoding", "chunked"),
        connect()
            .field("Transfer-Encoding", "chunked")
            .field("Content-Length", "0"),
        connect().field("Content-Length", "x"),
    ] {
        assert!(matches!(
            c.conn.send_request(req, false),
            Err(Misuse::InvalidHead(_))
        ));
    }
    c.conn
        .send_request(connect().field("Content-Length", "0"), false)
        .unwrap();
    c.drain();
    assert_eq!(
        c.wire(),
        "CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\nContent-Length: 0\r\n\r\n"
    );
}
