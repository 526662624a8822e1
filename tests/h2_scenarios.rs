//! HTTP/2 scenarios: a server connection fed frames built by hand (so each rule of
//! RFC 9113 is exercised exactly), and client/server pairs for what both sides do.

#[path = "support/frames.rs"]
mod frames;
#[path = "support/raw.rs"]
mod raw;
use frames::{frame, settings, PREFACE};
use raw::{data_bytes, Frame, Raw};

use bytes::Bytes;
use std::time::{Duration, Instant};
use weir::testing::Pair;
use weir::{
    Config, Connection, ErrorKind, Event, Head, Initiator, Limit, Output, Reason, Request,
    Response, Side, StreamId, Version,
};

#[test]
fn sends_only_what_the_windows_allow() {
    // RFC 9113 §6.9.1: the sender must not exceed the window the peer gave.
    let mut raw = Raw::new(Config::default(), &[(0x4, 10)]);
    raw.get(1, "/");
    let id = StreamId(1);
    raw.conn
        .send_response(id, Response::new(200), false)
        .unwrap();
    raw.conn
        .send_data(id, Bytes::from(vec![b'x'; 100]), true)
        .unwrap();
    raw.drain();
    assert_eq!(data_bytes(&raw.take(), 1), 10);
    // A stream WINDOW_UPDATE lets 25 more go.
    raw.send(&frame(8, 0, 1, &25u32.to_be_bytes()));
    assert_eq!(data_bytes(&raw.take(), 1), 25);
    // §6.9.2: a larger SETTINGS_INITIAL_WINDOW_SIZE applies to open streams too.
    raw.send(&settings(&[(0x4, 100)]));
    let frames = raw.take();
    assert_eq!(data_bytes(&frames, 1), 65);
    assert!(
        frames.iter().any(|f| f.kind == 0 && f.flags & 1 == 1),
        "END_STREAM"
    );
}

#[test]
fn window_overflow_is_an_error_of_the_right_scope() {
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(1, "/");
    raw.send(&frame(8, 0, 1, &0x7fff_ffffu32.to_be_bytes()));
    let frames = raw.take();
    // §6.9.1: a stream window above 2^31-1 ends the stream with FLOW_CONTROL_ERROR.
    let rst = frames.iter().find(|f| f.kind == 3).expect("RST_STREAM");
    assert_eq!((rst.stream, rst.code()), (1, 3));
    // On the connection window it ends the connection.
    raw.send(&frame(8, 0, 0, &0x7fff_ffffu32.to_be_bytes()));
    let frames = raw.take();
    let goaway = frames.iter().find(|f| f.kind == 7).expect("GOAWAY");
    assert_eq!(goaway.code(), 3);
    assert!(matches!(
        raw.events.last(),
        Some(Event::Closed { error: Some(_) })
    ));
}

#[test]
fn data_beyond_the_window_is_a_flow_control_error() {
    let config = Config {
        h2_initial_window_size: 16,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    let block = raw.block(&[(":method", "POST"), (":scheme", "http"), (":path", "/")]);
    raw.send(&frame(1, 0x4, 1, &block));
    raw.send(&frame(0, 0, 1, &[0; 17]));
    let rst = raw
        .take()
        .into_iter()
        .find(|f| f.kind == 3)
        .expect("RST_STREAM");
    assert_eq!((rst.stream, rst.code()), (1, 3));
    assert!(raw.events.iter().any(|e| matches!(
        e,
        Event::StreamReset {
            code: Reason::FLOW_CONTROL_ERROR,
            initiator: Initiator::Local,
            ..
        }
    )));
}

#[test]
fn releases_the_window_as_data_is_delivered() {
    let config = Config {
        h2_initial_window_size: 100,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    let block = raw.block(&[(":method", "POST"), (":scheme", "http"), (":path", "/")]);
    raw.send(&frame(1, 0x4, 1, &block));
    // Padding counts against the window too (§6.9.1): 1 + 9 + 40 = 50 bytes.
    let mut padded = vec![9];
    padded.extend_from_slice(&[b'a'; 40]);
    padded.extend_from_slice(&[0; 9]);
    raw.send(&frame(0, 0x8, 1, &padded));
    let updates: Vec<_> = raw.take().into_iter().filter(|f| f.kind == 8).collect();
    assert!(
        updates
            .iter()
            .any(|f| f.stream == 1 && f.payload == 50u32.to_be_bytes()),
        "{updates:?}"
    );
    let got: usize = raw
        .events
        .iter()
        .map(|e| match e {
            Event::Data { data, .. } => data.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(got, 40);
}

#[test]
fn settings_must_be_acknowledged_in_time() {
    let now = Instant::now();
    let mut conn = Connection::with_version(Side::Server, Version::Http2, Config::default(), now);
    let mut hello = PREFACE.to_vec();
    hello.extend(settings(&[]));
    conn.handle_input(now, &hello);
    let mut out = Vec::new();
    let deadline = loop {
        if let Output::Timeout(t) = conn.poll_output(&mut out) {
            break t;
        }
    };
    let deadline = deadline.expect("a SETTINGS ACK deadline");
    assert_eq!(deadline, now + Duration::from_secs(10));
    conn.handle_timeout(deadline);
    out.clear();
    let mut closed = None;
    loop {
        let o = conn.poll_output(&mut out);
        match o {
            Output::Event(Event::Closed { error }) => closed = error,
            Output::Timeout(_) => break,
            _ => {}
        }
    }
    // §6.5.3: GOAWAY with SETTINGS_TIMEOUT.
    assert_eq!(out[3], 7);
    assert_eq!(out[13..17], [0, 0, 0, 4]);
    assert_eq!(closed.unwrap().reason(), Reason::SETTINGS_TIMEOUT);
    assert!(conn.is_closed());
}

#[test]
fn refuses_streams_beyond_the_concurrency_limit() {
    let config = Config {
        h2_max_concurrent_streams: 1,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    raw.get(1, "/");
    raw.get(3, "/");
    let rst = raw
        .take()
        .into_iter()
        .find(|f| f.kind == 3)
        .expect("RST_STREAM");
    // §5.1.2: REFUSED_STREAM, and the application never hears of stream 3.
    assert_eq!((rst.stream, rst.code()), (3, 7));
    assert_eq!(raw.events.len(), 1);
    // Once stream 1 is done, a new one is welcome.
    raw.conn
        .send_response(StreamId(1), Response::new(204), true)
        .unwrap();
    raw.drain();
    raw.get(5, "/");
    assert_eq!(raw.events.len(), 2);
}

#[test]
fn stream_id_rules() {
    // §5.1.1: a stream id lower than one already used is a connection error.
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(5, "/");
    raw.get(3, "/");
    let goaway = raw
        .take()
        .into_iter()
        .find(|f| f.kind == 7)
        .expect("GOAWAY");
    assert_eq!(goaway.code(), 1);
    // An even id from a client too.
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(2, "/");
    assert!(raw.take().iter().any(|f| f.kind == 7 && f.code() == 1));
}

#[test]
fn continuation_must_follow_without_interruption() {
    let mut raw = Raw::new(Config::default(), &[]);
    let block = raw.block(&[(":method", "GET"), (":scheme", "http"), (":path", "/")]);
    let (a, b) = block.split_at(2);
    raw.send(&frame(1, 0x1, 1, a));
    raw.send(&frame(9, 0x4, 1, b));
    assert!(matches!(
        raw.events.as_slice(),
        [Event::Headers {
            end_stream: true,
            ..
        }]
    ));
    // Anything else in the middle of a block is a connection error (§6.10).
    let mut raw = Raw::new(Config::default(), &[]);
    let block = raw.block(&[(":method", "GET"), (":scheme", "http"), (":path", "/")]);
    raw.send(&frame(1, 0x1, 1, &block));
    raw.send(&frame(6, 0, 0, &[0; 8]));
    assert!(raw.take().iter().any(|f| f.kind == 7 && f.code() == 1));
}

/// Answers a GET on `stream` at once, so that the stream closes both ways.
fn answer(raw: &mut Raw, stream: u32) {
    raw.get(stream, "/");
    raw.conn
        .send_response(StreamId(stream), Response::new(204), true)
        .unwrap();
    raw.drain();
}

/// The frames that are RST_STREAM or GOAWAY, as (type, stream, code): the stream
/// reset, or the last stream a GOAWAY names.
fn errors(frames: &[Frame]) -> Vec<(u8, u32, u32)> {
    frames
        .iter()
        .filter(|f| f.kind == 3 || f.kind == 7)
        .map(|f| match f.kind {
            7 => (7, goaway_last(f), f.code()),
            _ => (f.kind, f.stream, f.code()),
        })
        .collect()
}

/// RFC 9113 §5.1, "closed": frames the peer sent before it learned that a stream
/// closed. After this side's RST_STREAM they are ignored ("An endpoint MUST ignore
/// frames that it receives on closed streams after it has sent a RST_STREAM frame");
/// otherwise DATA is a stream error and HEADERS a connection error, STREAM_CLOSED.
/// Only the last `h2_max_closed_streams` are told apart: an older one is an unknown
/// stream below the highest, and HEADERS on it a PROTOCOL_ERROR (§5.1.1).
#[test]
fn late_frames_on_closed_streams() {
    let config = Config {
        h2_max_closed_streams: 2,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    answer(&mut raw, 1);
    // Stream 3 sends a body, and this side resets it.
    let post = raw.block(&[(":method", "POST"), (":scheme", "http"), (":path", "/")]);
    raw.send(&frame(1, 0x4, 3, &post));
    raw.conn.reset_stream(StreamId(3), Reason::CANCEL).unwrap();
    raw.drain();
    assert_eq!(errors(&raw.take()), [(3, 3, 0x8)]);
    raw.events.clear();
    // What was in flight on 3 (DATA, trailers) is ignored, and the trailers' HPACK
    // still updates the table: the next request decodes.
    raw.send(&frame(0, 0, 3, b"body"));
    let trailers = raw.block(&[("x-trailer", "t")]);
    raw.send(&frame(1, 0x5, 3, &trailers));
    assert_eq!(errors(&raw.take()), []);
    assert!(raw.events.is_empty(), "{:?}", raw.events);
    // DATA on 1, which closed without a reset: STREAM_CLOSED.
    raw.send(&frame(0, 0, 1, b"late"));
    assert_eq!(errors(&raw.take()), [(3, 1, 0x5)]);
    // Two more close: 1 and 3 are forgotten. DATA on 3 is now answered too.
    answer(&mut raw, 5);
    answer(&mut raw, 7);
    assert_eq!(raw.events.len(), 2, "{:?}", raw.events);
    raw.take();
    raw.send(&frame(0, 0, 3, b"late"));
    assert_eq!(errors(&raw.take()), [(3, 3, 0x5)]);
    // HEADERS on 7, remembered: a connection error STREAM_CLOSED.
    raw.send(&frame(1, 0x5, 7, &trailers));
    assert_eq!(errors(&raw.take()), [(7, 7, 0x5)]);
    // A HEADERS frame that is a stream error on a new stream (it depends on itself,
    // RFC 9113 §5.3.1) uses the stream's id: the same id cannot open a stream later.
    let mut raw = Raw::new(Config::default(), &[]);
    let block = raw.block(&[(":method", "GET"), (":scheme", "http"), (":path", "/")]);
    let mut payload = vec![0, 0, 0, 1, 16];
    payload.extend_from_slice(&block);
    raw.send(&frame(1, 0x25, 1, &payload));
    assert_eq!(errors(&raw.take()), [(3, 1, 0x1)]);
    raw.get(1, "/");
    assert_eq!(errors(&raw.take()), []);
    assert!(raw.events.is_empty(), "{:?}", raw.events);
    raw.get(3, "/");
    assert_eq!(requests_seen(&raw.events), [3]);
    // HEADERS on a forgotten stream: PROTOCOL_ERROR.
    let config = Config {
        h2_max_closed_streams: 1,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    answer(&mut raw, 1);
    answer(&mut raw, 3);
    raw.take();
    let block = raw.block(&[("x-trailer", "t")]);
    raw.send(&frame(1, 0x5, 1, &block));
    assert_eq!(errors(&raw.take()), [(7, 3, 0x1)]);
}

#[test]
fn malformed_requests_are_reset_without_reaching_the_application() {
    let mut raw = Raw::new(Config::default(), &[]);
    let block = raw.block(&[
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        ("connection", "keep-alive"),
    ]);
    raw.send(&frame(1, 0x5, 1, &block));
    let rst = raw
        .take()
        .into_iter()
        .find(|f| f.kind == 3)
        .expect("RST_STREAM");
    assert_eq!((rst.stream, rst.code()), (1, 1));
    assert!(raw.events.is_empty());
    // Content-Length that the DATA does not match (§8.1.1).
    let block = raw.block(&[
        (":method", "POST"),
        (":scheme", "http"),
        (":path", "/"),
        ("content-length", "3"),
    ]);
    raw.send(&frame(1, 0x4, 3, &block));
    raw.send(&frame(0, 0x1, 3, b"toolong"));
    let rst = raw
        .take()
        .into_iter()
        .find(|f| f.kind == 3)
        .expect("RST_STREAM");
    assert_eq!((rst.stream, rst.code()), (3, 1));
}

#[test]
fn pings_both_ways() {
    let mut raw = Raw::new(Config::default(), &[]);
    raw.send(&frame(6, 0, 0, b"12345678"));
    let ack = raw
        .take()
        .into_iter()
        .find(|f| f.kind == 6)
        .expect("PING ACK");
    assert_eq!((ack.flags, &ack.payload[..]), (1, &b"12345678"[..]));

    let mut p = Pair::with_version(
        Version::Http2,
        Config::default(),
        Config::default(),
        Instant::now(),
    );
    p.drive();
    p.client.ping(*b"rtt-test").unwrap();
    p.drive();
    assert!(p.client_events.iter().any(|e| matches!(
        e,
        Event::Pong { payload, .. } if payload == b"rtt-test"
    )));
}

fn h2_pair() -> Pair {
    Pair::with_version(
        Version::Http2,
        Config::default(),
        Config::default(),
        Instant::now(),
    )
}

#[test]
fn resets_reach_the_other_side() {
    let mut p = h2_pair();
    let id = p
        .client
        .send_request(Request::new("POST", "/").field("host", "a"), false)
        .unwrap();
    p.drive();
    p.client.reset_stream(id, Reason::CANCEL).unwrap();
    p.drive();
    assert!(p.server_events.iter().any(|e| matches!(
        e,
        Event::StreamReset { stream, code: Reason::CANCEL, initiator: Initiator::Remote }
            if *stream == id
    )));
    assert!(p.client_events.iter().any(|e| matches!(
        e,
        Event::StreamReset {
            initiator: Initiator::Local,
            ..
        }
    )));
    // The stream is gone for commands on both sides.
    assert!(p.client.send_data(id, Bytes::new(), true).is_err());
    assert!(p
        .server
        .send_response(id, Response::new(200), true)
        .is_err());
}

#[test]
fn graceful_goaway_finishes_open_streams() {
    let mut p = h2_pair();
    let id = p
        .client
        .send_request(Request::new("GET", "/").field("host", "a"), true)
        .unwrap();
    p.drive();
    p.server.go_away(Reason::NO_ERROR).unwrap();
    p.drive();
    assert!(p.client_events.iter().any(|e| matches!(
        e,
        Event::GoAway {
            code: Reason::NO_ERROR,
            ..
        }
    )));
    // No new stream after GOAWAY; the open one completes.
    assert!(p
        .client
        .send_request(Request::new("GET", "/"), true)
        .is_err());
    p.server
        .send_response(id, Response::new(200), false)
        .unwrap();
    p.server.send_data(id, Bytes::from("bye"), true).unwrap();
    p.drive();
    assert!(p.client_events.iter().any(|e| matches!(
        e,
        Event::Data {
            end_stream: true,
            ..
        }
    )));
    assert!(matches!(
        p.server_events.last(),
        Some(Event::Closed { error: None })
    ));
    assert!(p.server.is_closed());
}

/// The last stream id a GOAWAY frame names.
fn goaway_last(f: &Frame) -> u32 {
    assert_eq!(f.kind, 7, "not a GOAWAY: {f:?}");
    u32::from_be_bytes(f.payload[..4].try_into().unwrap()) & 0x7fff_ffff
}

fn requests_seen(events: &[Event]) -> Vec<u32> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Headers { stream, .. } => Some(stream.0),
            _ => None,
        })
        .collect()
}

#[test]
fn graceful_shutdown_serves_requests_already_in_flight() {
    // RFC 9113 §6.8: GOAWAY with 2^31-1 first, the real last stream one round trip later.
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(1, "/");
    raw.conn.go_away(Reason::NO_ERROR).unwrap();
    raw.drain();
    let frames = raw.take();
    assert_eq!(goaway_last(&frames[0]), 0x7fff_ffff);
    assert_eq!(frames[0].code(), 0, "NO_ERROR");
    let ping = frames
        .iter()
        .find(|f| f.kind == 6)
        .expect("a PING to time the round trip");
    assert_eq!(ping.flags, 0);
    // A request the client sent before it saw the GOAWAY is still served.
    raw.get(3, "/in-flight");
    assert_eq!(requests_seen(&raw.events), [1, 3]);
    assert!(
        raw.take().iter().all(|f| f.kind != 7),
        "no final GOAWAY before the PING returns"
    );
    raw.send(&frame(6, 1, 0, &ping.payload));
    let last = raw.take();
    assert_eq!(last.len(), 1, "{last:?}");
    assert_eq!(goaway_last(&last[0]), 3);
    // After the final GOAWAY, a new stream is ignored (§6.8).
    raw.get(5, "/late");
    assert_eq!(requests_seen(&raw.events), [1, 3]);
    // The connection ends once the streams it kept are answered.
    for id in [1, 3] {
        raw.conn
            .send_response(StreamId(id), Response::new(204), true)
            .unwrap();
        raw.drain();
    }
    assert!(matches!(
        raw.events.last(),
        Some(Event::Closed { error: None })
    ));
    assert!(raw.conn.is_closed());
}

#[test]
fn an_error_after_a_graceful_shutdown_names_no_later_stream() {
    // §6.8: "Endpoints MUST NOT increase the value they send in the last stream
    // identifier".
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(1, "/");
    raw.conn.go_away(Reason::NO_ERROR).unwrap();
    raw.drain();
    let ping = raw.take().into_iter().find(|f| f.kind == 6).expect("PING");
    raw.send(&frame(6, 1, 0, &ping.payload));
    assert_eq!(goaway_last(&raw.take()[0]), 1);
    // Stream 3 comes after the final GOAWAY and is ignored; then the peer errs.
    raw.get(3, "/late");
    raw.send(&frame(6, 0, 0, b"short"));
    let last = raw.take();
    let goaway = last
        .iter()
        .find(|f| f.kind == 7)
        .expect("a GOAWAY for the error");
    assert_eq!(goaway.code(), 0x6, "FRAME_SIZE_ERROR");
    assert_eq!(goaway_last(goaway), 1);
}

#[test]
fn graceful_shutdown_names_the_last_stream_without_the_ping() {
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(1, "/");
    raw.conn.go_away(Reason::NO_ERROR).unwrap();
    let deadline = raw.drain().expect("a deadline for the round trip");
    assert_eq!(deadline, raw.now + Duration::from_secs(5));
    raw.take();
    // A second graceful go_away changes nothing.
    raw.conn.go_away(Reason::NO_ERROR).unwrap();
    raw.drain();
    assert!(raw.take().is_empty());
    raw.now = deadline;
    raw.conn.handle_timeout(deadline);
    raw.drain();
    let frames = raw.take();
    assert_eq!(frames.len(), 1, "{frames:?}");
    assert_eq!(goaway_last(&frames[0]), 1);
    assert!(
        !raw.conn.is_closed(),
        "stream 1 still has its answer to get"
    );
}

#[test]
fn push_arrives_as_an_event_then_a_response() {
    let mut p = h2_pair();
    let id = p
        .client
        .send_request(Request::new("GET", "/page").field("host", "a"), true)
        .unwrap();
    p.drive();
    let promised = p
        .server
        .push(id, Request::new("GET", "/style.css").field("host", "a"))
        .unwrap();
    p.server
        .send_response(promised, Response::new(200), false)
        .unwrap();
    p.server
        .send_data(promised, Bytes::from("css"), true)
        .unwrap();
    p.server
        .send_response(id, Response::new(200), true)
        .unwrap();
    p.drive();
    let push = p.client_events.iter().find_map(|e| match e {
        Event::Push {
            stream,
            promised,
            request,
        } => Some((*stream, *promised, request.target.clone())),
        _ => None,
    });
    assert_eq!(push, Some((id, promised, Bytes::from("/style.css"))));
    assert!(p.client_events.iter().any(|e| matches!(
        e,
        Event::Data { stream, data, end_stream: true } if *stream == promised && data == "css"
    )));
    // A client that disabled push makes the server's push a misuse.
    let no_push = Config {
        h2_enable_push: false,
        ..Config::default()
    };
    let mut p = Pair::with_version(Version::Http2, no_push, Config::default(), Instant::now());
    let id = p
        .client
        .send_request(Request::new("GET", "/").field("host", "a"), true)
        .unwrap();
    p.drive();
    assert!(p.server.push(id, Request::new("GET", "/x")).is_err());
}

/// What an application sees of an exchange, without what differs by version.
fn summary(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Headers {
                head: Head::Request(r),
                end_stream,
                ..
            } => Some(format!(
                "request {} {} {:?} end={end_stream}",
                String::from_utf8_lossy(&r.method),
                String::from_utf8_lossy(&r.target),
                r.fields.get("x-app")
            )),
            Event::Headers {
                head: Head::Response(r),
                end_stream,
                ..
            } => Some(format!(
                "response {} {:?} end={end_stream}",
                r.status,
                r.fields.get("x-app")
            )),
            Event::Data {
                data, end_stream, ..
            } if !data.is_empty() || *end_stream => {
                Some(format!("data {:?} end={end_stream}", data))
            }
            Event::Trailers { fields, .. } => Some(format!("trailers {:?}", fields.get("x-sum"))),
            _ => None,
        })
        .collect()
}

#[test]
fn the_same_application_sees_the_same_events_on_both_versions() {
    let mut seen = Vec::new();
    for version in [Version::Http11, Version::Http2] {
        let mut p = Pair::with_version(
            version,
            Config::default(),
            Config::default(),
            Instant::now(),
        );
        let id = p
            .client
            .send_request(
                Request::new("POST", "/echo")
                    .field("Host", "a")
                    .field("X-App", "1"),
                false,
            )
            .unwrap();
        p.client.send_data(id, Bytes::from("hello"), false).unwrap();
        let mut t = weir::Fields::new();
        t.append("x-sum", "5");
        p.client.send_trailers(id, t).unwrap();
        // One application, written against events and commands only.
        p.run(|side, ev, conn| {
            if side != Side::Server {
                return;
            }
            match ev {
                Event::Headers { stream, .. } => {
                    conn.send_response(*stream, Response::new(200).field("x-app", "2"), false)
                        .unwrap();
                }
                Event::Data { stream, data, .. } if !data.is_empty() => {
                    conn.send_data(*stream, data.clone(), false).unwrap();
                }
                Event::Trailers { stream, .. } => {
                    conn.send_data(*stream, Bytes::new(), true).unwrap();
                }
                _ => {}
            }
        });
        seen.push((summary(&p.server_events), summary(&p.client_events)));
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0].0.len(), 3, "{:?}", seen[0]);
}

/// Whether the server answered with GOAWAY ENHANCE_YOUR_CALM and closed.
fn calmed(raw: &mut Raw) -> bool {
    calmed_by(raw, Limit::Resets)
}

/// Whether the server answered with GOAWAY ENHANCE_YOUR_CALM and closed on `limit`.
fn calmed_by(raw: &mut Raw, limit: Limit) -> bool {
    raw.take().iter().any(|f| f.kind == 7 && f.code() == 0xb)
        && matches!(raw.events.last(), Some(Event::Closed { error: Some(e) }) if e.kind == ErrorKind::Limit(limit))
}

#[test]
fn continuation_flood_is_stopped() {
    // A field block that never ends: each CONTINUATION carries 16 KiB of a literal.
    let config = Config::default();
    let limit = 2 * config.max_head_bytes;
    let mut raw = Raw::new(config, &[]);
    let start = raw.block(&[(":method", "GET"), (":scheme", "http"), (":path", "/")]);
    raw.send(&frame(1, 0, 1, &start));
    let junk = vec![b'a'; 16 * 1024];
    let mut sent = 0;
    while !raw.conn.is_closed() && sent <= limit + junk.len() {
        raw.send(&frame(9, 0, 1, &junk));
        sent += junk.len();
    }
    assert!(calmed_by(&mut raw, Limit::FieldBlock), "{:?}", raw.events);
    assert!(start.len() + sent > limit, "stopped early, at {sent} bytes");
    assert!(requests_seen(&raw.events).is_empty());
}

#[test]
fn rapid_reset_flood_is_stopped() {
    // CVE-2023-44487: open a stream, reset it, again and again.
    let config = Config {
        h2_reset_budget: 50,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    let mut id = 1;
    while !raw.conn.is_closed() && id < 400 {
        raw.get(id, "/");
        raw.send(&frame(3, 0, id, &8u32.to_be_bytes()));
        id += 2;
    }
    assert!(calmed(&mut raw));
    // The budget (50) was spent, not much more.
    assert!((101..=105).contains(&id), "stopped after stream {id}");
}

#[test]
fn resets_refill_with_time() {
    let config = Config {
        h2_reset_budget: 10,
        h2_reset_refill_per_second: 10,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    // 100 resets over 20 virtual seconds: never more than the budget in a burst.
    for i in 0..100u32 {
        let id = 2 * i + 1;
        raw.get(id, "/");
        raw.send(&frame(3, 0, id, &8u32.to_be_bytes()));
        raw.now += Duration::from_millis(200);
    }
    assert!(!raw.conn.is_closed());
    assert!(!raw.take().iter().any(|f| f.kind == 7));
}

#[test]
fn made_you_reset_flood_is_stopped() {
    // CVE-2025-8671: frames that make the server reset the stream itself (here a
    // WINDOW_UPDATE that overflows the stream's window).
    let config = Config {
        h2_reset_budget: 20,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    let mut id = 1;
    while !raw.conn.is_closed() && id < 200 {
        raw.get(id, "/");
        raw.send(&frame(8, 0, id, &0x7fff_ffffu32.to_be_bytes()));
        id += 2;
    }
    assert!(calmed(&mut raw));
    assert!(id <= 45, "stopped after stream {id}");
}

#[test]
fn malformed_request_flood_is_stopped() {
    // CVE-2025-8671 again: requests the server must reset because they are malformed
    // (here a connection-specific field, RFC 9113 §8.2.2) spend the reset budget too.
    let config = Config {
        h2_reset_budget: 20,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    let mut id = 1;
    while !raw.conn.is_closed() && id < 200 {
        let block = raw.block(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            ("connection", "keep-alive"),
        ]);
        raw.send(&frame(1, 0x5, id, &block));
        id += 2;
    }
    assert!(calmed(&mut raw));
    assert_eq!(id, 2 * 21 + 1, "stopped at the reset past the budget");
}

#[test]
fn push_ping_and_goaway_run_as_commands_too() {
    let mut p = h2_pair();
    let id = p
        .client
        .execute(weir::Command::Request {
            head: Request::new("GET", "/page").field("host", "a"),
            end_stream: true,
        })
        .unwrap()
        .expect("a request opens a stream");
    p.drive();
    let push = weir::Command::Push {
        stream: id,
        request: Request::new("GET", "/style.css").field("host", "a"),
    };
    assert_eq!(push.stream(), Some(id));
    let promised = p
        .server
        .execute(push)
        .unwrap()
        .expect("the promised stream");
    assert_eq!(promised, StreamId(2));
    p.client
        .execute(weir::Command::Ping {
            payload: *b"by-value",
        })
        .unwrap();
    p.server
        .execute(weir::Command::GoAway {
            code: Reason::NO_ERROR,
        })
        .unwrap();
    p.drive();
    assert!(p
        .client_events
        .iter()
        .any(|e| matches!(e, Event::Push { promised: s, .. } if *s == promised)));
    assert!(p
        .client_events
        .iter()
        .any(|e| matches!(e, Event::Pong { payload, .. } if payload == b"by-value")));
    assert!(p.client_events.iter().any(|e| matches!(
        e,
        Event::GoAway {
            code: Reason::NO_ERROR,
            ..
        }
    )));
    // HTTP/1.1 has none of them: a per-call error that changes nothing.
    let mut h1 = Connection::new(Side::Client, Config::default(), Instant::now());
    assert!(h1.execute(weir::Command::Ping { payload: [0; 8] }).is_err());
}

#[test]
fn floods_of_frames_that_carry_nothing_are_stopped() {
    // PING (CVE-2019-9512), SETTINGS (CVE-2019-9515), empty frames (CVE-2019-9518),
    // PRIORITY, unknown types, and a window opened a byte at a time.
    let floods: [(&str, Vec<u8>); 8] = [
        ("ping", frame(6, 0, 0, b"flooding")),
        ("settings", settings(&[(3, 100)])),
        ("priority", frame(2, 0, 1, &[0, 0, 0, 0, 16])),
        ("unknown", frame(0xfa, 0, 0, b"?")),
        ("empty data", frame(0, 0, 1, &[])),
        ("tiny window update", {
            frame(8, 0, 0, &1u32.to_be_bytes())
        }),
        ("priority update", {
            frame(16, 0, 0, &[0, 0, 0, 1, b'u', b'=', b'1'])
        }),
        ("empty continuation", frame(9, 0, 1, &[])),
    ];
    for (name, flood) in floods {
        let config = Config {
            h2_idle_frame_budget: 100,
            ..Config::default()
        };
        let mut raw = Raw::new(config, &[]);
        if name == "empty data" {
            // An open request whose body the flood pretends to send.
            let block = raw.block(&[
                (":method", "POST"),
                (":scheme", "http"),
                (":authority", "a"),
                (":path", "/"),
            ]);
            raw.send(&frame(1, 0x4, 1, &block));
        }
        if name == "empty continuation" {
            // A field block left open, so that CONTINUATION may follow.
            let block = raw.block(&[(":method", "GET")]);
            raw.send(&frame(1, 0x1, 1, &block));
        }
        let mut sent = 0;
        while !raw.conn.is_closed() && sent < 1000 {
            raw.send(&flood);
            sent += 1;
        }
        assert!(
            calmed_by(&mut raw, Limit::IdleFrames),
            "{name}: not stopped"
        );
        assert!((100..=102).contains(&sent), "{name}: stopped after {sent}");
    }
}

#[test]
fn frames_that_carry_nothing_refill_with_time() {
    let config = Config {
        h2_idle_frame_budget: 10,
        h2_idle_frame_refill_per_second: 10,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    // A keep-alive PING every 200 ms for a minute: never a burst over the budget.
    for _ in 0..300 {
        raw.send(&frame(6, 0, 0, b"12345678"));
        raw.now += Duration::from_millis(200);
    }
    assert!(!raw.conn.is_closed());
    let acks = raw
        .take()
        .iter()
        .filter(|f| f.kind == 6 && f.flags == 1)
        .count();
    assert_eq!(acks, 300);
}

#[test]
fn a_peer_that_floods_and_does_not_read_is_owed_a_bounded_queue() {
    let config = Config {
        h2_max_owed_control_frames: 10,
        h2_idle_frame_budget: 100_000,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    let flood: Vec<u8> = (0..1000)
        .flat_map(|_| frame(6, 0, 0, b"no-reads"))
        .collect();
    raw.conn.handle_input(raw.now, &flood);
    // Whatever one read holds, no more than 10 ACKs are queued at a time…
    let mut out = Vec::new();
    let mut transmits = 0;
    let mut acked = 0;
    loop {
        match raw.conn.poll_output(&mut out) {
            Output::Transmit => {
                assert!(out.len() <= 10 * 17, "{} bytes queued at once", out.len());
                acked += out.len() / 17;
                transmits += 1;
                out.clear();
            }
            Output::Event(e) => panic!("unexpected {e:?}"),
            Output::Timeout(_) => break,
        }
    }
    // …and every PING is still answered, in order, once the output is taken.
    assert_eq!(acked, 1000);
    assert_eq!(transmits, 100);
    assert!(!raw.conn.is_closed());
}

#[test]
fn a_read_of_small_frames_becomes_events_as_they_are_taken() {
    // 2,000 DATA frames of one byte in one read make 2,000 events: the connection
    // reads on only as the application takes them, so the PING behind them is
    // answered after (nearly all of) them, and the peer's close is handled after
    // everything it sent.
    let mut raw = Raw::new(Config::default(), &[]);
    let block = raw.block(&[(":method", "POST"), (":scheme", "http"), (":path", "/")]);
    let mut read = frame(1, 0x4, 1, &block);
    for _ in 0..2_000 {
        read.extend(frame(0, 0, 1, b"x"));
    }
    read.extend(frame(6, 0, 0, b"and now?"));
    raw.conn.handle_input(raw.now, &read);
    raw.conn.handle_eof(raw.now);
    let mut out = Vec::new();
    let (mut bytes, mut acked_after) = (0, None);
    loop {
        match raw.conn.poll_output(&mut out) {
            Output::Transmit => {
                let mut frames = Vec::new();
                raw::read_frames(&mut out, &mut frames);
                if frames.iter().any(|f| f.kind == 6 && f.flags == 1) {
                    acked_after.get_or_insert(bytes);
                }
            }
            Output::Event(Event::Data { data, .. }) => bytes += data.len(),
            Output::Event(Event::Closed { error }) => {
                assert_eq!(error.unwrap().kind, ErrorKind::UnexpectedEof);
                break;
            }
            Output::Event(_) => {}
            Output::Timeout(_) => panic!("the close never came"),
        }
    }
    assert_eq!(bytes, 2_000);
    // Read in batches of a few dozen events: the PING is read (and its answer goes
    // out first) once all but the last batch of DATA were taken.
    let acked_after = acked_after.expect("the PING was answered");
    assert!((2_000 - 64..2_000).contains(&acked_after), "{acked_after}");
}

#[test]
fn no_owed_control_frames_allowed_still_reads_on() {
    let config = Config {
        h2_max_owed_control_frames: 0,
        ..Config::default()
    };
    let mut raw = Raw::new(config, &[]);
    let pings: Vec<u8> = (0..5).flat_map(|_| frame(6, 0, 0, b"one-each")).collect();
    raw.send(&pings);
    let acks = raw
        .take()
        .iter()
        .filter(|f| f.kind == 6 && f.flags == 1)
        .count();
    assert_eq!(acks, 5);
}

#[test]
fn initial_window_changes_apply_in_order_within_a_frame() {
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(1, "/");
    // Up, then back down, in one frame: the last value counts…
    raw.send(&settings(&[(4, 1000), (4, 10)]));
    raw.take();
    raw.conn
        .send_response(StreamId(1), Response::new(200), false)
        .unwrap();
    // The body stays open: a closed stream has no window left to adjust.
    raw.conn
        .send_data(StreamId(1), Bytes::from(vec![b'x'; 100]), false)
        .unwrap();
    raw.drain();
    assert_eq!(data_bytes(&raw.take(), 1), 10);
    // …but a value on the way that overflows a window is still an error (§6.9.2).
    raw.send(&frame(8, 0, 1, &0x7fff_0000u32.to_be_bytes()));
    raw.send(&settings(&[(4, 0x7fff_ffff), (4, 10)]));
    assert!(raw.take().iter().any(|f| f.kind == 7 && f.code() == 0x3));
}

#[test]
fn extension_frames_are_ignored_unless_asked_for() {
    let ext = frame(0xfa, 0x3, 0, b"origin?");
    let mut ignoring = Raw::new(Config::default(), &[]);
    ignoring.send(&ext);
    assert!(ignoring.events.is_empty());
    assert!(ignoring.take().is_empty(), "nothing is answered");

    let showing = Config {
        h2_extension_frames: true,
        ..Config::default()
    };
    let mut raw = Raw::new(showing.clone(), &[]);
    raw.send(&ext);
    assert_eq!(
        raw.events,
        vec![Event::ExtensionFrame {
            kind: 0xfa,
            flags: 0x3,
            stream: StreamId(0),
            payload: Bytes::from_static(b"origin?"),
        }]
    );

    // Both ways on a pair, as a verb and as a command.
    let mut p = Pair::with_version(Version::Http2, showing.clone(), showing, Instant::now());
    p.drive();
    p.client
        .send_extension_frame(0xfb, 0, StreamId(0), Bytes::from_static(b"up"))
        .unwrap();
    p.server
        .execute(weir::Command::ExtensionFrame {
            kind: 0xfc,
            flags: 1,
            stream: StreamId(0),
            payload: Bytes::from_static(b"down"),
        })
        .unwrap();
    p.drive();
    assert!(p.server_events.iter().any(
        |e| matches!(e, Event::ExtensionFrame { kind: 0xfb, payload, .. } if payload == "up")
    ));
    assert!(p.client_events.iter().any(
        |e| matches!(e, Event::ExtensionFrame { kind: 0xfc, flags: 1, payload, .. } if payload == "down")
    ));
    // Defined types have their own commands; a frame over the peer's limit cannot go.
    for kind in [0x0, 0x1, 0x4, 0x9, 0x10] {
        assert!(p
            .client
            .send_extension_frame(kind, 0, StreamId(0), Bytes::new())
            .is_err());
    }
    let big = Bytes::from(vec![0; 16_385]);
    assert!(p
        .client
        .send_extension_frame(0xfb, 0, StreamId(0), big)
        .is_err());
}

/// The frames of `wire` (a server's output to a client with prior knowledge).
fn frames_of(wire: &[u8]) -> Vec<Frame> {
    let mut wire = wire.to_vec();
    let mut frames = Vec::new();
    raw::read_frames(&mut wire, &mut frames);
    frames
}

#[test]
fn responses_without_content_carry_no_data() {
    // RFC 9113 §8.1.1: the response to HEAD, a 204 and a 304 have no content. As on
    // HTTP/1.1, the body an application writes for HEAD as it would for GET is
    // dropped, and a 204 or 304 ends with its head.
    let mut p = h2_pair();
    let head = p
        .client
        .send_request(Request::new("HEAD", "/").field("host", "a"), true)
        .unwrap();
    let get = p
        .client
        .send_request(Request::new("GET", "/").field("host", "a"), true)
        .unwrap();
    p.drive();
    let res = Response::new(200).field("content-length", "10");
    p.server.send_response(head, res, false).unwrap();
    p.server.send_data(head, "01234".into(), false).unwrap();
    p.server.send_data(head, "56789".into(), true).unwrap();
    p.server
        .send_response(get, Response::new(204), false)
        .unwrap();
    assert!(p.server.send_data(get, "x".into(), true).is_err());
    p.drive();
    assert_eq!(data_bytes(&frames_of(&p.wire_to_client), head.0), 0);
    assert_eq!(data_bytes(&frames_of(&p.wire_to_client), get.0), 0);
    let ends: Vec<_> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::Headers {
                stream, end_stream, ..
            } => Some((*stream, *end_stream)),
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                assert!(data.is_empty(), "content for {stream:?}");
                Some((*stream, *end_stream))
            }
            _ => None,
        })
        .collect();
    assert_eq!(ends, [(head, false), (get, true), (head, true)]);
}

#[test]
fn a_client_refuses_content_in_responses_that_have_none() {
    for (method, status, length) in [
        ("HEAD", "200", "5"),
        ("GET", "204", "0"),
        ("GET", "304", "5"),
    ] {
        let mut raw = Raw::client(Some(&[]));
        let request = Request::new(method, "/").field("host", "a");
        let id = raw.conn.send_request(request, true).unwrap();
        raw.drain();
        raw.take();
        let block = raw.block(&[(":status", status), ("content-length", length)]);
        raw.send(&frame(1, 0x4, id.0, &block));
        raw.send(&frame(0, 0x1, id.0, b"hello"));
        let what = format!("{method} answered {status}");
        // §8.1.1: malformed, a stream error of type PROTOCOL_ERROR.
        assert!(
            raw.take()
                .iter()
                .any(|f| f.kind == 3 && f.stream == id.0 && f.code() == 1),
            "{what}: no RST_STREAM"
        );
        assert!(
            !raw.events
                .iter()
                .any(|e| matches!(e, Event::Data { data, .. } if !data.is_empty())),
            "{what}: its content was delivered"
        );
        assert!(
            raw.events.iter().any(|e| matches!(
                e,
                Event::StreamReset { stream, code: Reason::PROTOCOL_ERROR, .. } if *stream == id
            )),
            "{what}: {:?}",
            raw.events
        );
    }
}

/// §8.5: "Frame types other than DATA or stream management frames ... MUST NOT be sent
/// on a connected stream and MUST be treated as a stream error ... if received": a
/// trailer section on a CONNECT stream is refused, on either side, and never surfaces
/// (the client half found by the `h2_client` fuzz target).
#[test]
fn trailers_on_a_connect_stream_are_a_stream_error() {
    let is_reset = |frames: &[Frame], id: u32| {
        frames
            .iter()
            .any(|f| f.kind == 3 && f.stream == id && f.code() == 1)
    };
    let trailers = |events: &[Event]| events.iter().any(|e| matches!(e, Event::Trailers { .. }));

    // A client whose CONNECT was answered 200.
    let mut raw = Raw::client(Some(&[]));
    let connect = Request::new("CONNECT", "a:443");
    let id = raw.conn.send_request(connect, false).unwrap();
    raw.drain();
    raw.take();
    let block = raw.block(&[(":status", "200")]);
    raw.send(&frame(1, 0x4, id.0, &block));
    raw.send(&frame(0, 0, id.0, b"abc"));
    assert!(raw.events.iter().any(|e| matches!(e, Event::Tunnel { .. })));
    let block = raw.block(&[("x-checksum", "abc")]);
    raw.send(&frame(1, 0x5, id.0, &block));
    assert!(is_reset(&raw.take(), id.0), "client: no RST_STREAM");
    assert!(!trailers(&raw.events), "client: {:?}", raw.events);

    // A server, before and after it answers: the client's CONNECT sends no HEADERS
    // after its request.
    for answer in [false, true] {
        let mut raw = Raw::new(Config::default(), &[]);
        let block = raw.block(&[(":method", "CONNECT"), (":authority", "a:443")]);
        raw.send(&frame(1, 0x4, 1, &block));
        if answer {
            raw.conn
                .send_response(StreamId(1), Response::new(200), false)
                .unwrap();
            raw.drain();
        }
        raw.send(&frame(0, 0, 1, b"abc"));
        let block = raw.block(&[("x-checksum", "abc")]);
        raw.send(&frame(1, 0x5, 1, &block));
        assert!(
            is_reset(&raw.take(), 1),
            "server (answered: {answer}): no RST"
        );
        assert!(!trailers(&raw.events), "server: {:?}", raw.events);
    }
}

/// Trailers an application gives a CONNECT stream cannot be carried (§8.5): as on an
/// HTTP/1.1 tunnel, they end the sending side, with an empty DATA frame.
#[test]
fn trailers_sent_on_a_connect_stream_end_it() {
    let mut p = Pair::with_version(
        Version::Http2,
        Config::default(),
        Config::default(),
        Instant::now(),
    );
    let id = p
        .client
        .send_request(Request::new("CONNECT", "a:443"), false)
        .unwrap();
    p.drive();
    p.server
        .send_response(id, Response::new(200), false)
        .unwrap();
    let mut fields = weir::Fields::new();
    fields.append("x-checksum", "abc");
    p.server.send_trailers(id, fields.clone()).unwrap();
    p.client.send_trailers(id, fields).unwrap();
    p.drive();
    for events in [&p.client_events, &p.server_events] {
        assert!(
            events.iter().any(
                |e| matches!(e, Event::Data { end_stream: true, data, .. } if data.is_empty())
            ),
            "{events:?}"
        );
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, Event::Trailers { .. } | Event::StreamReset { .. })),
            "{events:?}"
        );
    }
}

/// RFC 9113 §6.8: "Receivers of a GOAWAY frame MUST NOT open additional streams"; §8.4:
/// no push once the client set SETTINGS_ENABLE_PUSH to 0. Once the connection has read
/// either, the command is refused and nothing goes out.
#[test]
fn no_new_stream_once_goaway_or_no_push_is_read() {
    let push = |raw: &mut Raw| {
        let promised = Request::new("GET", "/pushed").field("host", "a");
        raw.conn.push(StreamId(1), promised)
    };
    // A server that read the client's GOAWAY.
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(1, "/");
    raw.send(&frame(7, 0, 0, &[0, 0, 0, 0, 0, 0, 0, 0]));
    assert!(matches!(push(&mut raw), Err(weir::Misuse::Closed)));
    // A server that read SETTINGS_ENABLE_PUSH = 0.
    let mut raw = Raw::new(Config::default(), &[(0x2, 0)]);
    raw.get(1, "/");
    assert!(push(&mut raw).is_err());
    assert!(
        !raw.take().iter().any(|f| f.kind == 5),
        "a PUSH_PROMISE went out"
    );
    // A client that read the server's GOAWAY.
    let mut raw = Raw::client(Some(&[]));
    raw.send(&frame(7, 0, 0, &[0, 0, 0, 0, 0, 0, 0, 0]));
    let get = Request::new("GET", "/").field("host", "a");
    assert!(matches!(
        raw.conn.send_request(get, true),
        Err(weir::Misuse::Closed)
    ));
    raw.drain();
    assert!(
        !raw.take().iter().any(|f| f.kind == 1),
        "a HEADERS went out"
    );
}

#[test]
fn a_malformed_priority_resets_an_open_stream_and_ends_the_connection_on_an_idle_one() {
    // §6.3: "A PRIORITY frame with a length other than 5 octets MUST be treated as a
    // stream error (Section 5.4.2) of type FRAME_SIZE_ERROR."
    let short = [0, 0, 0, 0];
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(1, "/");
    raw.send(&frame(2, 0, 1, &short));
    let frames = raw.take();
    let rst = frames.iter().find(|f| f.kind == 3).expect("RST_STREAM");
    assert_eq!((rst.stream, rst.code()), (1, 0x6), "{frames:?}");
    assert!(!raw.conn.is_closed());
    // §6.4: "RST_STREAM frames MUST NOT be sent for a stream in the "idle" state": on an
    // idle stream, of either side's parity, the stream error takes the connection
    // (§5.4.1). An even one reset here could not be promised later.
    for idle in [2, 7] {
        let mut raw = Raw::new(Config::default(), &[]);
        raw.get(1, "/");
        raw.send(&frame(2, 0, idle, &short));
        let frames = raw.take();
        assert!(frames.iter().all(|f| f.kind != 3), "{frames:?}");
        let goaway = frames.iter().find(|f| f.kind == 7).expect("GOAWAY");
        assert_eq!(goaway.code(), 0x6, "FRAME_SIZE_ERROR");
        assert!(raw
            .events
            .iter()
            .any(|e| matches!(e, Event::Closed { error: Some(_) })));
    }
}

#[test]
fn blocks_larger_than_a_frame_go_out_in_continuation_frames() {
    // RFC 9113 §4.3: a field block larger than SETTINGS_MAX_FRAME_SIZE (16,384 by
    // default) is a HEADERS or PUSH_PROMISE frame and CONTINUATION frames, with nothing
    // between them and END_HEADERS on the last.
    let mut raw = Raw::new(Config::default(), &[]);
    raw.get(1, "/");
    // Octets whose Huffman codes are longer than 8 bits: the block stays as long.
    let big = |n: usize| "{}~^".repeat(n / 4);
    let promised = raw
        .conn
        .push(
            StreamId(1),
            Request::new("GET", "/pushed")
                .field("host", "a")
                .field("x-big", big(20_000)),
        )
        .unwrap();
    raw.conn
        .send_response(
            StreamId(1),
            Response::new(200).field("x-big", big(40_000)),
            true,
        )
        .unwrap();
    raw.drain();
    let frames = raw.take();
    let kinds: Vec<(u8, u8, usize)> = frames
        .iter()
        .map(|f| (f.kind, f.flags & 0x4, f.payload.len()))
        .collect();
    assert_eq!(
        kinds,
        [
            (5, 0, 16_384),
            (9, 0x4, kinds[1].2),
            (1, 0, 16_384),
            (9, 0, 16_384),
            (9, 0x4, kinds[4].2),
        ],
        "PUSH_PROMISE and HEADERS, each followed by its CONTINUATION frames"
    );
    assert!(frames.iter().all(|f| f.stream == 1));
    assert_eq!(frames[0].payload[..4], promised.0.to_be_bytes());
    // Joined, the fragments decode to what was sent.
    let mut decoder = weir::hpack::Decoder::new(4096);
    let promise: Vec<u8> = frames[0].payload[4..]
        .iter()
        .chain(&frames[1].payload)
        .copied()
        .collect();
    let fields = decoder.decode(&promise, 1 << 20).unwrap();
    assert_eq!(fields.get(":path").unwrap(), b"/pushed");
    assert_eq!(fields.get("x-big").unwrap(), big(20_000).as_bytes());
    let head: Vec<u8> = frames[2..]
        .iter()
        .flat_map(|f| f.payload.iter().copied())
        .collect();
    let fields = decoder.decode(&head, 1 << 20).unwrap();
    assert_eq!(fields.get(":status").unwrap(), b"200");
    assert_eq!(fields.get("x-big").unwrap(), big(40_000).as_bytes());
}

#[test]
fn pushed_responses_keep_to_the_clients_concurrency_limit() {
    // RFC 9113 §5.1.2: a pushed stream counts once its response starts (§8.4: a
    // reserved one does not), and "Endpoints MUST NOT exceed the limit set by their
    // peer". The server refuses to start a second pushed response over a limit of 1
    // until the first ends.
    let one = Config {
        h2_max_concurrent_streams: 1,
        ..Config::default()
    };
    let mut p = Pair::with_version(Version::Http2, one, Config::default(), Instant::now());
    let id = p
        .client
        .send_request(Request::new("GET", "/").field("host", "a"), true)
        .unwrap();
    p.drive();
    let push = |p: &mut Pair, path: &'static str| {
        p.server
            .push(id, Request::new("GET", path).field("host", "a"))
            .unwrap()
    };
    let (a, b) = (push(&mut p, "/a"), push(&mut p, "/b"));
    p.server
        .send_response(a, Response::new(200), false)
        .unwrap();
    assert!(matches!(
        p.server.send_response(b, Response::new(100), false),
        Err(weir::Misuse::State(_))
    ));
    // The first ends once its END_STREAM goes out.
    p.server.send_data(a, Bytes::from("a"), true).unwrap();
    p.drive();
    p.server.send_response(b, Response::new(200), true).unwrap();
    p.drive();
    let ended: Vec<StreamId> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::Data {
                stream,
                end_stream: true,
                ..
            }
            | Event::Headers {
                stream,
                end_stream: true,
                ..
            } => Some(*stream),
            _ => None,
        })
        .collect();
    assert_eq!(ended, [a, b]);
}

#[test]
fn a_pushed_response_over_the_limit_is_refused() {
    // RFC 9113 §5.1.2: "An endpoint that receives a HEADERS frame that causes its
    // advertised concurrent stream limit to be exceeded MUST treat this as a stream
    // error ... of type PROTOCOL_ERROR or REFUSED_STREAM."
    let one = Config {
        h2_max_concurrent_streams: 1,
        ..Config::default()
    };
    let mut raw = Raw::client_with(one, Some(&[]));
    let id = raw
        .conn
        .send_request(Request::new("GET", "/").field("host", "a"), true)
        .unwrap();
    raw.drain();
    raw.take();
    for promised in [2u32, 4] {
        let mut payload = promised.to_be_bytes().to_vec();
        payload.extend(raw.block(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":authority", "a"),
            (":path", "/p"),
        ]));
        raw.send(&frame(5, 0x4, id.0, &payload));
    }
    for promised in [2u32, 4] {
        let block = raw.block(&[(":status", "200")]);
        raw.send(&frame(1, 0x4, promised, &block));
    }
    let frames = raw.take();
    let resets: Vec<(u32, u32)> = frames
        .iter()
        .filter(|f| f.kind == 3)
        .map(|f| (f.stream, f.code()))
        .collect();
    assert_eq!(resets, [(4, 0x7)], "REFUSED_STREAM for the second");
    assert!(raw.events.iter().any(|e| matches!(
        e,
        Event::StreamReset {
            stream: StreamId(4),
            code: Reason::REFUSED_STREAM,
            initiator: weir::Initiator::Local
        }
    )));
    assert!(raw.events.iter().any(|e| matches!(
        e,
        Event::Headers {
            stream: StreamId(2),
            ..
        }
    )));
}
