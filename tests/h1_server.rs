//! HTTP/1.1 server scenarios on the in-memory pair and on a bare server connection:
//! each asserts the exact bytes on the wire and whether the connection closes.

use std::time::{Duration, Instant};
use weir::testing::Pair;
use weir::*;

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
        Raw {
            conn: Connection::new(Side::Server, config, now),
            now,
            wire: Vec::new(),
            events: Vec::new(),
        }
    }

    fn drain(&mut self, answer: &mut dyn FnMut(&Event, &mut Connection)) -> Option<Instant> {
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
                Output::Timeout(t) => return t,
            }
        }
    }

    fn feed(&mut self, bytes: &[u8], answer: &mut dyn FnMut(&Event, &mut Connection)) {
        self.conn.handle_input(self.now, bytes);
        self.drain(answer);
    }

    fn wire(&self) -> String {
        String::from_utf8_lossy(&self.wire).into_owned()
    }

    fn closed_with(&self) -> Option<Option<Error>> {
        self.events.iter().find_map(|e| match e {
            Event::Closed { error } => Some(error.clone()),
            _ => None,
        })
    }
}

/// Answers every request with 200 and `x-body-length` once its body has ended.
fn hello() -> impl FnMut(&Event, &mut Connection) {
    let mut len = 0usize;
    move |ev, conn| {
        let (stream, done) = match ev {
            Event::Headers {
                stream, end_stream, ..
            } => {
                len = 0;
                (*stream, *end_stream)
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                len += data.len();
                (*stream, *end_stream)
            }
            Event::Trailers { stream, .. } => (*stream, true),
            _ => return,
        };
        if done {
            let res = Response::new(200).field("x-body-length", len.to_string());
            conn.send_response(stream, res, false).unwrap();
            conn.send_data(stream, "hi".into(), true).unwrap();
        }
    }
}

/// Answers every request head with a body-less `status`.
fn answer(status: u16) -> impl FnMut(&Event, &mut Connection) {
    move |ev, conn| {
        if let Event::Headers { stream, .. } = ev {
            conn.send_response(*stream, Response::new(status), true)
                .unwrap();
        }
    }
}

const OK_2: &str = "HTTP/1.1 200 OK\r\nx-body-length: 0\r\ncontent-length: 2\r\n\r\nhi";

#[test]
fn keep_alive_and_stream_ids() {
    let mut s = Raw::new(Config::default());
    let mut app = hello();
    s.feed(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n", &mut app);
    s.feed(b"GET /b HTTP/1.1\r\nHost: x\r\n\r\n", &mut app);
    assert_eq!(s.wire(), format!("{OK_2}{OK_2}"));
    let ids: Vec<_> = s.events.iter().filter_map(Event::stream).collect();
    assert_eq!(ids, [StreamId(1), StreamId(3)]);
    assert!(!s.conn.is_closed());
}

#[test]
fn pipelined_requests_are_answered_in_order_one_at_a_time() {
    let mut s = Raw::new(Config::default());
    let mut order = Vec::new();
    s.feed(
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
        &mut |ev, conn| {
            if let Event::Headers { stream, head, .. } = ev {
                order.push(head.as_request().unwrap().target.clone());
                // Answer only the first immediately; the second request must not be
                // surfaced before the first response is complete.
                if *stream == StreamId(1) {
                    conn.send_response(*stream, Response::new(204), true).unwrap();
                }
            }
        },
    );
    assert_eq!(order, ["/1", "/2"]);
    let two = StreamId(3);
    s.conn
        .send_response(two, Response::new(200), false)
        .unwrap();
    s.conn.send_data(two, "x".into(), true).unwrap();
    s.drain(&mut |ev, conn| {
        if let Event::Headers { stream, head, .. } = ev {
            order.push(head.as_request().unwrap().target.clone());
            conn.send_response(*stream, Response::new(204), true)
                .unwrap();
        }
    });
    assert_eq!(order, ["/1", "/2", "/3"]);
    assert_eq!(
        s.wire(),
        "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nxHTTP/1.1 204 No Content\r\n\r\n"
    );
}

#[test]
fn pipelined_input_is_bounded_while_a_response_is_pending() {
    let config = Config {
        max_buffered_input: 1024,
        ..Config::default()
    };
    let mut s = Raw::new(config);
    s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &mut |_, _| {});
    assert!(s.conn.wants_input());
    // A read that starts under the bound is taken whole; then no more is wanted…
    let more = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(60);
    s.feed(&more, &mut |_, _| {});
    assert!(!s.conn.wants_input());
    assert!(s.closed_with().is_none());
    // …and input that comes all the same ends the connection.
    s.feed(b"GET", &mut |_, _| {});
    let error = s.closed_with().expect("closed").expect("with an error");
    assert_eq!(error.kind, ErrorKind::Limit(Limit::BufferedInput));
    assert!(s.conn.is_closed());
}

#[test]
fn an_adapter_that_stops_reading_when_asked_is_never_failed_for_pipelining() {
    // Pipelined requests behind a slow response, read as they come (reads of any size
    // that cross the bound) only while the connection wants input: none is refused,
    // and all are served once the application answers.
    let config = Config {
        max_buffered_input: 1000,
        ..Config::default()
    };
    let mut s = Raw::new(config);
    let pipeline = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    let mut fed = 0;
    while fed < pipeline.len() && s.conn.wants_input() {
        let n = 333.min(pipeline.len() - fed);
        s.feed(&pipeline[fed..fed + n], &mut |_, _| {});
        fed += n;
    }
    assert!(fed < pipeline.len(), "the connection stopped wanting input");
    assert!(s.closed_with().is_none(), "{}", s.wire());
    // The application answers now, and the adapter reads on as it may.
    let mut app = answer(204);
    s.conn
        .send_response(StreamId(1), Response::new(204), true)
        .unwrap();
    s.drain(&mut app);
    while fed < pipeline.len() {
        assert!(s.conn.wants_input());
        let n = 333.min(pipeline.len() - fed);
        s.feed(&pipeline[fed..fed + n], &mut app);
        fed += n;
    }
    assert_eq!(s.wire().matches("HTTP/1.1 204").count(), 200);
    assert!(s.closed_with().is_none());
}

#[test]
fn http10_keep_alive_is_opt_in() {
    let mut s = Raw::new(Config::default());
    s.feed(b"GET / HTTP/1.0\r\n\r\n", &mut hello());
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\nx-body-length: 0\r\nconnection: close\r\ncontent-length: 2\r\n\r\nhi"
    );
    assert!(s.conn.is_closed());

    let mut s = Raw::new(Config::default());
    s.feed(
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        &mut hello(),
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\nx-body-length: 0\r\nconnection: keep-alive\r\ncontent-length: 2\r\n\r\nhi"
    );
    assert!(!s.conn.is_closed());
}

#[test]
fn http10_streaming_response_is_close_delimited() {
    let mut s = Raw::new(Config::default());
    s.feed(b"GET / HTTP/1.0\r\n\r\n", &mut |ev, conn| {
        if let Event::Headers { stream, .. } = ev {
            conn.send_response(*stream, Response::new(200), false)
                .unwrap();
        }
    });
    s.conn.send_data(StreamId(1), "part".into(), false).unwrap();
    s.drain(&mut |_, _| {});
    s.conn.send_data(StreamId(1), "s".into(), true).unwrap();
    s.drain(&mut |_, _| {});
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nparts"
    );
    assert!(s.conn.is_closed());
}

#[test]
fn connection_close_closes_after_the_response() {
    let mut s = Raw::new(Config::default());
    s.feed(
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n",
        &mut hello(),
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\nx-body-length: 0\r\nconnection: close\r\ncontent-length: 2\r\n\r\nhi"
    );
    assert_eq!(s.closed_with(), Some(None));
}

#[test]
fn streamed_response_is_chunked_with_trailers() {
    let mut s = Raw::new(Config::default());
    s.feed(
        b"GET /trailers HTTP/1.1\r\nHost: x\r\n\r\n",
        &mut |ev, conn| {
            if let Event::Headers { stream, .. } = ev {
                conn.send_response(*stream, Response::new(200), false)
                    .unwrap();
            }
        },
    );
    s.conn
        .send_data(StreamId(1), "body\n".into(), false)
        .unwrap();
    let mut trailers = Fields::new();
    trailers.append("x-checksum", "done");
    s.conn.send_trailers(StreamId(1), trailers).unwrap();
    s.drain(&mut |_, _| {});
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nbody\n\r\n0\r\nx-checksum: done\r\n\r\n"
    );
}

#[test]
fn a_body_that_ends_before_the_next_transmit_gets_a_content_length() {
    // Pipelined: each head goes out whole behind the response before it, whether its
    // body ended at its first write or its second.
    let mut s = Raw::new(Config::default());
    s.feed(
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
        &mut |ev, conn| {
            if let Event::Headers { stream, .. } = ev {
                let res = Response::new(200).field("content-type", "text/plain");
                conn.send_response(*stream, res, false).unwrap();
                if stream.0 == 1 {
                    conn.send_data(*stream, "one".into(), true).unwrap();
                } else {
                    conn.send_data(*stream, "tw".into(), false).unwrap();
                    conn.send_data(*stream, "".into(), false).unwrap();
                    conn.send_data(*stream, "o!".into(), true).unwrap();
                }
            }
        },
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 3\r\n\r\none\
         HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 4\r\n\r\ntwo!"
    );
    assert!(!s.conn.is_closed());
}

#[test]
fn a_reset_takes_back_a_head_whose_framing_was_still_open() {
    let mut s = Raw::new(Config::default());
    s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &mut |ev, conn| {
        if let Event::Headers { stream, .. } = ev {
            conn.send_response(*stream, Response::new(200), false)
                .unwrap();
            conn.send_data(*stream, "partial".into(), false).unwrap();
            conn.reset_stream(*stream, Reason::INTERNAL_ERROR).unwrap();
        }
    });
    // No half a head: the peer sees the connection close without a response.
    assert_eq!(s.wire(), "");
    assert!(s.conn.is_closed());
}

#[test]
fn full_duplex_echo_answers_before_the_request_ends() {
    let mut s = Raw::new(Config::default());
    let mut echo = |ev: &Event, conn: &mut Connection| match ev {
        Event::Headers { stream, .. } => conn
            .send_response(*stream, Response::new(200), false)
            .unwrap(),
        Event::Data {
            stream,
            data,
            end_stream,
        } => conn.send_data(*stream, data.clone(), *end_stream).unwrap(),
        _ => {}
    };
    s.feed(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nHello, \r\n",
        &mut echo,
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n7\r\nHello, \r\n"
    );
    s.feed(b"6\r\nWorld!\r\n0\r\n\r\n", &mut echo);
    assert!(s.wire().ends_with("6\r\nWorld!\r\n0\r\n\r\n"));
    assert!(!s.conn.is_closed());
}

#[test]
fn head_response_has_no_body() {
    let mut s = Raw::new(Config::default());
    s.feed(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", &mut |ev, conn| {
        if let Event::Headers { stream, .. } = ev {
            let res = Response::new(200).field("content-length", "14");
            conn.send_response(*stream, res, false).unwrap();
            // The same handler code as for GET: the body is dropped.
            conn.send_data(*stream, "Hello, World!\n".into(), true)
                .unwrap();
        }
    });
    assert_eq!(s.wire(), "HTTP/1.1 200 OK\r\ncontent-length: 14\r\n\r\n");
    assert!(!s.conn.is_closed());
}

#[test]
fn expect_continue_is_sent_when_the_body_is_accepted() {
    let mut s = Raw::new(Config::default());
    s.feed(
        b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        &mut |ev, conn| {
            if let Event::Headers { stream, .. } = ev {
                conn.accept_body(*stream).unwrap();
                conn.accept_body(*stream).unwrap(); // only one 100 goes out
            }
        },
    );
    assert_eq!(s.wire(), "HTTP/1.1 100 Continue\r\n\r\n");
    s.feed(b"abc", &mut hello());
    assert!(s
        .wire()
        .ends_with("x-body-length: 3\r\ncontent-length: 2\r\n\r\nhi"));
    assert!(!s.conn.is_closed());
}

#[test]
fn final_response_without_continue_closes_the_connection() {
    let mut s = Raw::new(Config::default());
    s.feed(
        b"PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        &mut answer(417),
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 417 Expectation Failed\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
    );
}

#[test]
fn informational_responses_go_out_before_the_final_one() {
    let mut s = Raw::new(Config::default());
    s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &mut |ev, conn| {
        if let Event::Headers { stream, .. } = ev {
            let hints = Response::new(103).field("link", "</s.css>; rel=preload");
            conn.send_response(*stream, hints, false).unwrap();
            assert!(conn
                .send_response(*stream, Response::new(103), true)
                .is_err());
            conn.send_response(*stream, Response::new(204), true)
                .unwrap();
        }
    });
    assert_eq!(
        s.wire(),
        "HTTP/1.1 103 Early Hints\r\nlink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
    );
}

#[test]
fn upgrade_tunnel_carries_bytes_buffered_behind_the_head() {
    let mut s = Raw::new(Config::default());
    let mut echo = |ev: &Event, conn: &mut Connection| match ev {
        Event::Headers { stream, .. } => conn
            .send_response(*stream, Response::new(101).field("upgrade", "echo"), false)
            .unwrap(),
        Event::Data {
            stream,
            data,
            end_stream,
        } => conn.send_data(*stream, data.clone(), *end_stream).unwrap(),
        _ => {}
    };
    s.feed(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nearly bytes",
        &mut echo,
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: echo\r\nconnection: upgrade\r\n\r\nearly bytes"
    );
    assert!(s.events.iter().any(|e| matches!(
        e,
        Event::Tunnel {
            stream: StreamId(1)
        }
    )));
    s.feed(b"GET / HTTP/1.1\r\n\r\n", &mut echo);
    assert!(
        s.wire().ends_with("early bytesGET / HTTP/1.1\r\n\r\n"),
        "raw, not parsed"
    );
    s.conn.handle_eof(s.now);
    s.drain(&mut echo);
    assert!(s.conn.is_write_closed());
    assert_eq!(s.closed_with(), Some(None));
}

#[test]
fn connect_tunnel_and_refused_connect() {
    let mut s = Raw::new(Config::default());
    s.feed(
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03",
        &mut |ev, conn| {
            if let Event::Headers {
                stream, end_stream, ..
            } = ev
            {
                assert!(*end_stream);
                conn.send_response(*stream, Response::new(200), false)
                    .unwrap();
            }
        },
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\n\r\n\u{16}\u{3}".replace("\u{16}\u{3}", "")
    );
    assert!(matches!(s.events.last(), Some(Event::Data { data, .. }) if &data[..] == b"\x16\x03"));

    let mut s = Raw::new(Config::default());
    s.feed(
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nGET / HTTP/1.1\r\n",
        &mut answer(403),
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
    );
    assert!(
        s.conn.is_closed(),
        "bytes after a refused CONNECT are never parsed"
    );
}

#[test]
fn early_error_proposes_a_response_and_closes() {
    let mut s = Raw::new(Config::default());
    s.feed(
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        &mut |_, _| {},
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
    );
    let Some(Event::EarlyError {
        stream,
        request,
        error,
        response,
    }) = s.events.first()
    else {
        panic!("{:?}", s.events)
    };
    assert_eq!(*stream, StreamId(1));
    assert_eq!(request.target.as_deref(), Some(&b"/"[..]));
    assert_eq!(
        request.fields.len(),
        2,
        "the partial request keeps what was parsed"
    );
    assert_eq!(
        error.kind,
        ErrorKind::Protocol(ProtocolError::DuplicateHost)
    );
    assert_eq!(error.field.as_deref(), Some(&b"Host"[..]));
    assert_eq!(response.status, 400);
    let closed = s.closed_with().unwrap().unwrap();
    assert_eq!(
        closed.kind,
        ErrorKind::Protocol(ProtocolError::DuplicateHost)
    );
    assert!(s.conn.is_closed());
}

#[test]
fn early_error_response_can_be_rewritten() {
    let mut s = Raw::new(Config::default());
    s.feed(b"GET / HTTP/2.0\r\n\r\n", &mut |ev, conn| {
        if let Event::EarlyError {
            stream, response, ..
        } = ev
        {
            assert_eq!(response.status, 505);
            let mine = Response::new(505).field("content-type", "text/plain");
            conn.send_response(*stream, mine, false).unwrap();
            conn.send_data(*stream, "use HTTP/1.1\n".into(), true)
                .unwrap();
        }
    });
    assert_eq!(
        s.wire(),
        "HTTP/1.1 505 HTTP Version Not Supported\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: 13\r\n\r\nuse HTTP/1.1\n"
    );
    assert!(s.conn.is_closed());
}

#[test]
fn smuggling_attempts_are_rejected_and_the_connection_closed() {
    let cases: &[(&[u8], u16)] = &[
        // A bare LF ending the trailer section must not let it swallow a second request.
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-encoding: x\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nFoo: bar\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
        (b"GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n", 400),
    ];
    for (input, status) in cases {
        let mut s = Raw::new(Config::default());
        s.feed(input, &mut hello());
        let wire = s.wire();
        assert!(
            wire.starts_with(&format!("HTTP/1.1 {status} ")) && wire.contains("connection: close"),
            "{} -> {wire}",
            String::from_utf8_lossy(input)
        );
        assert_eq!(wire.matches("HTTP/1.1").count(), 1, "exactly one response");
        assert!(s.conn.is_closed());
    }
}

#[test]
fn chunked_body_error_after_the_head_resets_and_closes() {
    let mut s = Raw::new(Config::default());
    s.feed(
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
        &mut |_, _| {},
    );
    assert!(s.events.iter().any(|e| matches!(
        e,
        Event::StreamReset {
            stream: StreamId(1),
            code: Reason::PROTOCOL_ERROR,
            initiator: Initiator::Remote
        }
    )));
    assert_eq!(
        s.wire(),
        "HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
    );
    let e = s.closed_with().unwrap().unwrap();
    assert_eq!(e.kind, ErrorKind::Protocol(ProtocolError::InvalidChunkSize));
    assert_eq!(e.offset, Some(64), "points at the bad chunk line");
}

#[test]
fn limits_answer_with_their_status() {
    let c = Config {
        max_request_line: 64,
        max_fields: 4,
        max_head_bytes: 512,
        max_body: 10,
        ..Config::default()
    };
    let long_target = format!("GET /{} HTTP/1.1\r\n", "a".repeat(100));
    let many = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n".to_string();
    let big = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nA: {}\r\n\r\n",
        "b".repeat(600)
    );
    let body = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n".to_string();
    let chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n";
    for (input, status) in [
        (long_target.as_str(), 414),
        (many.as_str(), 431),
        (big.as_str(), 431),
        (body.as_str(), 413),
        (chunked, 413),
    ] {
        let mut s = Raw::new(c.clone());
        s.feed(input.as_bytes(), &mut |_, _| {});
        assert!(
            s.wire().starts_with(&format!("HTTP/1.1 {status} ")),
            "{input:.40} -> {}",
            s.wire()
        );
        assert!(s.conn.is_closed());
    }
}

#[test]
fn slowloris_gets_408_and_idle_connections_close() {
    let mut p = Pair::new(Config::default(), Config::default(), Instant::now());
    p.server.handle_input(p.now, b"GET / HTTP/1.1\r\nHost:");
    p.drive();
    p.advance(Duration::from_secs(29));
    assert!(p.wire_to_client.is_empty());
    p.server.handle_input(p.now, b" x\r\n");
    p.advance(Duration::from_secs(2));
    assert_eq!(
        String::from_utf8_lossy(&p.wire_to_client),
        "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
    );
    assert!(p.server.is_closed());

    let mut p = Pair::new(Config::default(), Config::default(), Instant::now());
    let s = p
        .client
        .send_request(Request::new("GET", "/").field("Host", "x"), true)
        .unwrap();
    p.drive();
    p.server.send_response(s, Response::new(204), true).unwrap();
    p.drive();
    p.advance(Duration::from_secs(59));
    assert!(!p.server.is_closed());
    p.advance(Duration::from_secs(1));
    assert!(p.server.is_closed());
    assert!(matches!(
        p.server_events.last(),
        Some(Event::Closed {
            error: Some(Error {
                kind: ErrorKind::Timeout(Timeout::Idle),
                ..
            })
        })
    ));
    assert!(
        p.wire_to_client.ends_with(b"\r\n\r\n"),
        "an idle close sends nothing"
    );
}

#[test]
fn misuse_changes_nothing() {
    let mut s = Raw::new(Config::default());
    s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &mut |_, _| {});
    let id = StreamId(1);
    assert_eq!(
        s.conn.send_data(id, "x".into(), false),
        Err(Misuse::State("data before the head"))
    );
    assert_eq!(
        s.conn.send_response(StreamId(9), Response::new(200), true),
        Err(Misuse::UnknownStream(StreamId(9)))
    );
    assert!(matches!(
        s.conn.send_request(Request::new("GET", "/"), true),
        Err(Misuse::WrongSide)
    ));
    let injected = Response::new(200).field("x", "a\r\nset-cookie: b");
    assert!(matches!(
        s.conn.send_response(id, injected, true),
        Err(Misuse::InvalidHead(_))
    ));
    s.conn
        .send_response(id, Response::new(200).field("content-length", "3"), false)
        .unwrap();
    assert_eq!(
        s.conn.send_data(id, "abcd".into(), false),
        Err(Misuse::ContentLength)
    );
    assert_eq!(
        s.conn.send_data(id, "ab".into(), true),
        Err(Misuse::ContentLength)
    );
    s.conn.send_data(id, "abc".into(), true).unwrap();
    assert!(s.conn.send_data(id, "more".into(), false).is_err());
    s.drain(&mut |_, _| {});
    assert_eq!(s.wire(), "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc");
}

#[test]
fn reset_closes_the_connection() {
    let mut s = Raw::new(Config::default());
    s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &mut |_, _| {});
    s.conn
        .send_response(StreamId(1), Response::new(200), false)
        .unwrap();
    s.conn.reset_stream(StreamId(1), Reason::CANCEL).unwrap();
    s.drain(&mut |_, _| {});
    assert!(s.events.iter().any(|e| matches!(
        e,
        Event::StreamReset {
            initiator: Initiator::Local,
            ..
        }
    )));
    assert!(s.conn.is_closed());
    assert_eq!(
        s.conn.send_data(StreamId(1), "x".into(), true),
        Err(Misuse::Closed)
    );
}

#[test]
fn eof_after_a_complete_request_still_gets_the_response() {
    let mut s = Raw::new(Config::default());
    s.conn
        .handle_input(s.now, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    s.conn.handle_eof(s.now);
    s.drain(&mut hello());
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\nx-body-length: 0\r\ncontent-length: 2\r\n\r\nhi"
    );
    assert_eq!(s.closed_with(), Some(None));
}

#[test]
fn eof_in_the_middle_of_a_body_is_an_error() {
    let mut s = Raw::new(Config::default());
    s.conn.handle_input(
        s.now,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
    );
    s.conn.handle_eof(s.now);
    s.drain(&mut |_, _| {});
    let e = s.closed_with().unwrap().unwrap();
    assert_eq!(
        (e.kind, e.stream),
        (ErrorKind::UnexpectedEof, Some(StreamId(1)))
    );
}

#[test]
fn leniencies_are_off_by_default_and_named() {
    let folded = b"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n";
    let mut s = Raw::new(Config::default());
    s.feed(folded, &mut |_, _| {});
    assert!(s.wire().starts_with("HTTP/1.1 400 "));
    let c = Config {
        allow_obs_fold: Leniency::Allow,
        allow_bare_lf: Leniency::Allow,
        allow_multiple_spaces: Leniency::Allow,
        ..Config::default()
    };
    let mut s = Raw::new(c);
    s.feed(folded, &mut |_, _| {});
    s.feed(b"GET  /b  HTTP/1.1\nHost: x\n\n", &mut |_, _| {});
    let heads: Vec<_> = s
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Headers { head, .. } => Some(head.as_request().unwrap().clone()),
            _ => None,
        })
        .collect();
    assert_eq!(heads.len(), 1, "the second waits for the first response");
    assert_eq!(heads[0].fields.get("x").unwrap(), b"a   b");
}

#[test]
fn a_408_can_be_rewritten_too() {
    let mut p = Pair::new(Config::default(), Config::default(), Instant::now());
    p.server.handle_input(p.now, b"GET / HTT");
    p.drive();
    p.now += Duration::from_secs(31);
    p.server.handle_timeout(p.now);
    p.run(|side, ev, conn| {
        if let (
            Side::Server,
            Event::EarlyError {
                stream, response, ..
            },
        ) = (side, ev)
        {
            assert_eq!(response.status, 408);
            conn.send_response(*stream, Response::new(408).field("retry-after", "1"), true)
                .unwrap();
        }
    });
    assert_eq!(
        String::from_utf8_lossy(&p.wire_to_client),
        "HTTP/1.1 408 Request Timeout\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
    );
}

#[test]
fn pipelined_requests_before_eof_are_all_served() {
    let mut s = Raw::new(Config::default());
    s.conn.handle_input(
        s.now,
        b"GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    s.conn.handle_eof(s.now);
    s.drain(&mut hello());
    assert_eq!(s.wire(), format!("{OK_2}{OK_2}"));
    assert_eq!(s.closed_with(), Some(None));
}

#[test]
fn a_refused_head_writes_nothing() {
    let mut s = Raw::new(Config::default());
    s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &mut |_, _| {});
    let declared = Response::new(200).field("content-length", "5");
    assert_eq!(
        s.conn.send_response(StreamId(1), declared, true),
        Err(Misuse::ContentLength)
    );
    s.drain(&mut |_, _| {});
    assert!(s.wire.is_empty());
    s.conn
        .send_response(StreamId(1), Response::new(204), true)
        .unwrap();
    s.drain(&mut |_, _| {});
    assert_eq!(s.wire(), "HTTP/1.1 204 No Content\r\n\r\n");
}

#[test]
fn a_response_without_continue_does_not_wait_for_the_body() {
    let mut s = Raw::new(Config::default());
    s.feed(
        b"GET /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        &mut |ev, conn| {
            if let Event::Headers { stream, .. } = ev {
                conn.send_response(
                    *stream,
                    Response::new(200).field("content-length", "2"),
                    false,
                )
                .unwrap();
                conn.send_data(*stream, "ok".into(), true).unwrap();
            }
        },
    );
    assert_eq!(
        s.wire(),
        "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
    );
    // The request body is abandoned after a complete response: the stream says so.
    assert!(s.events.iter().any(|e| matches!(
        e,
        Event::StreamReset {
            stream: StreamId(1),
            code: Reason::NO_ERROR,
            initiator: Initiator::Local
        }
    )));
    assert_eq!(s.closed_with(), Some(None));
    assert!(s.conn.is_closed());
}

#[test]
fn a_stalled_request_body_times_out() {
    let mut p = Pair::new(Config::default(), Config::default(), Instant::now());
    p.server.handle_input(
        p.now,
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc",
    );
    p.drive();
    p.advance(Duration::from_secs(59));
    assert!(!p.server.is_closed());
    p.server.handle_input(p.now, b"def");
    p.advance(Duration::from_secs(59));
    assert!(!p.server.is_closed(), "each arrival restarts the clock");
    p.advance(Duration::from_secs(1));
    assert_eq!(
        String::from_utf8_lossy(&p.wire_to_client),
        "HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
    );
    assert!(p.server.is_closed());
    assert!(matches!(
        p.server_events.last(),
        Some(Event::Closed {
            error: Some(Error {
                kind: ErrorKind::Timeout(Timeout::BodyRead),
                ..
            })
        })
    ));
}

/// A head refused for its Content-Length changes nothing: not the connection's
/// keep-alive decision (from its `Connection: close`), not the next stream id (found by
/// the conversation fuzzer, whose twin connection never got the refused call).
#[test]
fn a_head_refused_for_its_length_changes_nothing() {
    let mut pair = Pair::new(Config::default(), Config::default(), Instant::now());
    let bad = Request::new("POST", "/")
        .field("Host", "h")
        .field("Content-Length", "5");
    assert_eq!(
        pair.client.send_request(bad, true),
        Err(Misuse::ContentLength)
    );
    let get = || Request::new("GET", "/").field("Host", "h");
    assert_eq!(pair.client.send_request(get(), true), Ok(StreamId(1)));
    assert_eq!(pair.client.send_request(get(), true), Ok(StreamId(3)));
    pair.run(|_, ev, conn| {
        if let Event::Headers { stream, .. } = ev {
            if conn.side() == Side::Server {
                let closing = Response::new(200)
                    .field("Connection", "close")
                    .field("Content-Length", "5");
                assert_eq!(
                    conn.send_response(*stream, closing, true),
                    Err(Misuse::ContentLength)
                );
                conn.send_response(*stream, Response::new(204), true)
                    .unwrap();
            }
        }
    });
    let answered = pair
        .client_events
        .iter()
        .filter(|e| matches!(e, Event::Headers { .. }))
        .count();
    assert_eq!(answered, 2, "{:?}", pair.client_events);
    assert!(!pair.server.is_closed());
}

/// A 204 or 304 ends its response whatever the request was, HEAD included, as on
/// HTTP/2: the next pipelined request is served without an explicit end (found by
/// the conversation fuzzer, where the connection waited for an end that never came).
#[test]
fn a_304_to_head_ends_the_response() {
    let mut pair = Pair::new(Config::default(), Config::default(), Instant::now());
    let head = Request::new("HEAD", "/").field("Host", "h");
    pair.client.send_request(head, true).unwrap();
    let get = Request::new("GET", "/").field("Host", "h");
    pair.client.send_request(get, true).unwrap();
    pair.run(|_, ev, conn| {
        if let Event::Headers { stream, .. } = ev {
            if conn.side() == Side::Server {
                let status = if stream.0 == 1 { 304 } else { 200 };
                conn.send_response(*stream, Response::new(status), false)
                    .unwrap();
                if stream.0 == 1 {
                    assert!(conn.send_data(*stream, "x".into(), true).is_err());
                } else {
                    conn.send_data(*stream, "ok".into(), true).unwrap();
                }
            }
        }
    });
    let requests = pair
        .server_events
        .iter()
        .filter(|e| matches!(e, Event::Headers { .. }))
        .count();
    assert_eq!(requests, 2, "{:?}", pair.server_events);
}
