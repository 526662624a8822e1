//! HTTP/2 scenarios on the in-memory pair: the client speaks HTTP/2 with prior
//! knowledge, the server detects it.

use bytes::Bytes;
use std::time::Instant;
use weir::testing::Pair;
use weir::{Config, Event, Fields, Head, Request, Response, Version};

fn pair() -> Pair {
    Pair::with_version(
        Version::Http2,
        Config::default(),
        Config::default(),
        Instant::now(),
    )
}

fn get(path: &'static str) -> Request {
    Request::new("GET", path).field("Host", "example.com")
}

#[test]
fn a_get_and_its_response() {
    let mut p = pair();
    let id = p.client.send_request(get("/hello"), true).unwrap();
    p.drive();
    assert_eq!(p.server.version(), Version::Http2);
    let Some(Event::Headers {
        stream,
        head: Head::Request(req),
        end_stream: true,
    }) = p.server_events.first()
    else {
        panic!("{:?}", p.server_events);
    };
    assert_eq!(*stream, id);
    assert_eq!(req.method, "GET");
    assert_eq!(req.target, "/hello");
    assert_eq!(req.authority.as_deref(), Some(&b"example.com"[..]));
    assert_eq!(req.version, Version::Http2);
    p.server
        .send_response(
            id,
            Response::new(200).field("content-type", "text/plain"),
            false,
        )
        .unwrap();
    p.server.send_data(id, Bytes::from("hi"), true).unwrap();
    p.drive();
    let heads: Vec<_> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::Headers {
                head: Head::Response(r),
                ..
            } => Some(r.status),
            _ => None,
        })
        .collect();
    assert_eq!(heads, [200]);
    let body: Vec<u8> = p
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::Data { data, .. } => Some(data.to_vec()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(body, b"hi");
    assert!(matches!(
        p.client_events.last(),
        Some(Event::Data {
            end_stream: true,
            ..
        })
    ));
}

#[test]
fn a_post_with_a_large_body_and_trailers() {
    let mut p = pair();
    let id = p
        .client
        .send_request(Request::new("POST", "/up").field("Host", "a"), false)
        .unwrap();
    let body = Bytes::from(vec![7u8; 300_000]);
    p.client.send_data(id, body.clone(), false).unwrap();
    let mut t = Fields::new();
    t.append("x-sum", "42");
    p.client.send_trailers(id, t).unwrap();
    p.drive();
    let got: usize = p
        .server_events
        .iter()
        .map(|e| match e {
            Event::Data { data, .. } => data.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(got, body.len());
    assert!(matches!(
        p.server_events.last(),
        Some(Event::Trailers { fields, .. }) if fields.get("x-sum") == Some(b"42")
    ));
    p.server
        .send_response(id, Response::new(204), true)
        .unwrap();
    p.drive();
    assert!(matches!(
        p.client_events.last(),
        Some(Event::Headers {
            end_stream: true,
            ..
        })
    ));
}

/// A response with no content (to HEAD, a 204, a 304) carries none on HTTP/2 either,
/// whatever the application writes or Content-Length says: the same application code
/// gives the same events on both versions (found by the conversation fuzzer).
#[test]
fn responses_without_content_carry_none() {
    for version in [Version::Http11, Version::Http2] {
        let mut p = Pair::with_version(
            version,
            Config::default(),
            Config::default(),
            Instant::now(),
        );
        let head = p
            .client
            .send_request(Request::new("HEAD", "/").field("Host", "a"), true)
            .unwrap();
        p.drive();
        let res = Response::new(200).field("content-length", "4");
        p.server.send_response(head, res, false).unwrap();
        p.server
            .send_data(head, Bytes::from("gone"), false)
            .unwrap();
        let mut trailers = Fields::new();
        trailers.append("x-t", "1");
        p.server.send_trailers(head, trailers).unwrap();
        let get = p.client.send_request(get("/"), true).unwrap();
        p.drive();
        // A 204's head ends the stream: no body can follow it.
        p.server
            .send_response(get, Response::new(204), false)
            .unwrap();
        assert!(p.server.send_data(get, Bytes::from("x"), true).is_err());
        p.drive();
        let seen: Vec<String> = p
            .client_events
            .iter()
            .map(|e| match e {
                Event::Headers {
                    head: Head::Response(r),
                    end_stream,
                    ..
                } => format!("{} {end_stream}", r.status),
                Event::Data {
                    data, end_stream, ..
                } => format!("data {data:?} {end_stream}"),
                other => format!("{other:?}"),
            })
            .collect();
        let head_end = match version {
            // HTTP/1.1 knows at the head that a response to HEAD is complete; HTTP/2
            // hears of the end in an empty DATA frame.
            Version::Http2 => vec!["200 false", "data b\"\" true", "204 true"],
            _ => vec!["200 true", "204 true"],
        };
        assert_eq!(seen, head_end, "{version:?}");
    }
}

/// A value with whitespace around it, which HTTP/1.1 carries and its recipient strips,
/// goes out stripped on HTTP/2, where RFC 9113 §8.2.1 makes it malformed: the peer
/// reads the same value on both versions instead of resetting the stream (found by
/// the conversation fuzzer).
#[test]
fn whitespace_around_a_value_is_not_sent() {
    let mut p = pair();
    let id = p
        .client
        .send_request(get("/").field("x-padded", "\tin  side "), true)
        .unwrap();
    p.drive();
    p.server
        .send_response(id, Response::new(200).field("x-padded", " v "), true)
        .unwrap();
    p.drive();
    let value = |events: &[Event]| match events.first() {
        Some(Event::Headers { head, .. }) => head.fields().get("x-padded").map(<[u8]>::to_vec),
        other => panic!("{other:?}"),
    };
    assert_eq!(value(&p.server_events).as_deref(), Some(&b"in  side"[..]));
    assert_eq!(value(&p.client_events).as_deref(), Some(&b"v"[..]));
}

/// A body that does not match the Content-Length the application sent is refused and
/// changes nothing, as on HTTP/1.1, instead of going out as a message the peer must
/// reject (RFC 9113 §8.1.1; found by the conversation fuzzer).
#[test]
fn body_is_held_to_its_content_length() {
    use weir::Misuse;
    for version in [Version::Http11, Version::Http2] {
        let mut p = Pair::with_version(
            version,
            Config::default(),
            Config::default(),
            Instant::now(),
        );
        let post = |len: &str| {
            Request::new("POST", "/")
                .field("Host", "a")
                .field("Content-Length", len)
        };
        assert_eq!(
            p.client.send_request(post("3"), true),
            Err(Misuse::ContentLength),
            "{version:?}"
        );
        let id = p.client.send_request(post("3"), false).unwrap();
        let refused = [
            p.client.send_data(id, Bytes::from("abcd"), false),
            p.client.send_data(id, Bytes::from("ab"), true),
            p.client.send_trailers(id, Fields::new()),
        ];
        assert!(
            refused.iter().all(|r| *r == Err(Misuse::ContentLength)),
            "{version:?}: {refused:?}"
        );
        p.client.send_data(id, Bytes::from("abc"), true).unwrap();
        p.drive();
        let body: Vec<u8> = p
            .server_events
            .iter()
            .filter_map(|e| match e {
                Event::Data { data, .. } => Some(data.to_vec()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(body, b"abc", "{version:?}");
        assert!(
            !p.server_events
                .iter()
                .any(|e| matches!(e, Event::StreamReset { .. })),
            "{version:?}"
        );
    }
}

/// A server that detects the version keeps waiting for the preface through a
/// `handle_timeout` that comes before any deadline is due, whether or not part of the
/// preface arrived; only a deadline that is due ends the wait (found by the
/// conversation fuzzer).
#[test]
fn an_early_timeout_does_not_end_the_wait_for_the_preface() {
    use std::time::Duration;
    use weir::{Connection, Output, Side};
    let mut p = pair();
    p.server.handle_timeout(p.now);
    p.client.send_request(get("/"), true).unwrap();
    p.drive();
    assert_eq!(p.server.version(), Version::Http2);
    assert!(matches!(p.server_events[0], Event::Headers { .. }));

    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";
    let now = Instant::now();
    let drain = |c: &mut Connection| {
        let mut out = Vec::new();
        loop {
            if let Output::Timeout(t) = c.poll_output(&mut out) {
                return t;
            }
        }
    };
    let mut server = Connection::new(Side::Server, Config::default(), now);
    let deadline = drain(&mut server).expect("an idle deadline");
    server.handle_input(now, &preface[..10]);
    server.handle_timeout(now + Duration::from_millis(1));
    server.handle_input(now, &preface[10..]);
    drain(&mut server);
    assert_eq!(server.version(), Version::Http2);

    // The deadline that is due ends it: the bytes so far were HTTP/1.1's.
    let mut server = Connection::new(Side::Server, Config::default(), now);
    drain(&mut server);
    server.handle_input(now, &preface[..10]);
    server.handle_timeout(deadline);
    server.handle_input(deadline, &preface[10..]);
    drain(&mut server);
    assert_eq!(server.version(), Version::Http11);
}

/// A CONNECT has no content (RFC 9110 §9.3.6): a Content-Length on it does not measure
/// the tunnel's bytes, on HTTP/2 as on HTTP/1.1 (found by the conversation fuzzer).
#[test]
fn a_tunnel_is_not_held_to_a_content_length() {
    let mut p = pair();
    let connect = Request::new("CONNECT", "a:443")
        .field("Host", "a:443")
        .field("Content-Length", "10");
    let id = p.client.send_request(connect, false).unwrap();
    p.drive();
    p.server
        .send_response(id, Response::new(200), false)
        .unwrap();
    p.drive();
    p.client.send_data(id, Bytes::from("abc"), true).unwrap();
    p.drive();
    let reset = |events: &[Event]| {
        events
            .iter()
            .any(|e| matches!(e, Event::StreamReset { .. }))
    };
    assert!(!reset(&p.server_events) && !reset(&p.client_events));
    assert!(p.server_events.iter().any(|e| matches!(
        e,
        Event::Data { data, end_stream: true, .. } if data == "abc"
    )));
}

/// A server whose SETTINGS shrink the stream window takes the body a client sent by
/// the protocol's window before it read them: the new window is in force once the
/// client acknowledges it (RFC 9113 §6.5.3, §6.9.2; found by the conversation fuzzer).
#[test]
fn a_smaller_window_applies_once_acknowledged() {
    let server = Config {
        h2_initial_window_size: 100,
        ..Config::default()
    };
    let mut p = Pair::with_version(Version::Http2, Config::default(), server, Instant::now());
    let post = Request::new("POST", "/").field("Host", "a");
    let id = p.client.send_request(post, false).unwrap();
    p.client
        .send_data(id, Bytes::from(vec![b'x'; 5000]), true)
        .unwrap();
    p.drive();
    let received: usize = p
        .server_events
        .iter()
        .map(|e| match e {
            Event::Data { data, .. } => data.len(),
            Event::StreamReset { .. } => panic!("{e:?}"),
            _ => 0,
        })
        .sum();
    assert_eq!(received, 5000);
    // From the acknowledgment on, the smaller window holds the next stream's body.
    let post = Request::new("POST", "/").field("Host", "a");
    let next = p.client.send_request(post, false).unwrap();
    p.client
        .send_data(next, Bytes::from(vec![b'y'; 5000]), true)
        .unwrap();
    p.drive();
    assert!(p
        .server_events
        .iter()
        .any(|e| matches!(e, Event::Data { stream, end_stream: true, .. } if *stream == next)));
}

/// A write of nothing that ends nothing sends nothing, as on HTTP/1.1: no empty DATA
/// frame to spend the peer's budget of frames that carry nothing. And an empty frame
/// exceeds no window, even one that a smaller SETTINGS took below zero: the end still
/// goes through (RFC 9113 §6.9.1; found by the conversation fuzzer, where the server
/// reset the stream with FLOW_CONTROL_ERROR).
#[test]
fn an_empty_write_sends_nothing() {
    let server = Config {
        h2_initial_window_size: 100,
        h2_manual_flow_control: true,
        ..Config::default()
    };
    let mut p = Pair::with_version(Version::Http2, Config::default(), server, Instant::now());
    let post = Request::new("POST", "/").field("Host", "a");
    let id = p.client.send_request(post, false).unwrap();
    // Sent by the protocol's window, before the server's SETTINGS arrive: once they
    // are acknowledged, the stream's window is 100 - 5000.
    p.client
        .send_data(id, Bytes::from(vec![b'x'; 5000]), false)
        .unwrap();
    p.drive();
    let wire = p.wire_to_server.len();
    p.client.send_data(id, Bytes::new(), false).unwrap();
    p.drive();
    assert_eq!(p.wire_to_server.len(), wire, "an empty DATA frame went out");
    assert!(!p
        .server_events
        .iter()
        .any(|e| matches!(e, Event::StreamReset { .. })));
    // The end still goes out, empty.
    p.client.send_data(id, Bytes::new(), true).unwrap();
    p.drive();
    assert!(p.server_events.iter().any(|e| matches!(
        e,
        Event::Data {
            end_stream: true,
            ..
        }
    )));
}
