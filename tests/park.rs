//! `Connection::park` and `Parked::resume`: an idle connection put aside and taken up
//! again behaves as if it had never been parked (same events, same bytes, same
//! deadlines), and a connection with anything under way is not parked.

use bytes::Bytes;
use proptest::prelude::*;
use std::time::{Duration, Instant};
use weir::testing::Pair;
use weir::{Config, Connection, ErrorKind, Event, Request, Response, Side, Timeout, Version};

/// One exchange of the scenarios.
#[derive(Debug, Clone, Copy)]
enum Exchange {
    /// A GET with fields HPACK indexes (the same each time) and one it does not.
    Get(u8),
    /// A POST whose body goes in two pieces; the response has a body too.
    Post(u8),
    /// A HEAD answered 204.
    Head,
}

/// Parks the connection and resumes it at once, if it is idle; returns whether it
/// was.
fn park_and_resume(conn: &mut Connection, now: Instant) -> bool {
    match conn.park() {
        Some(parked) => {
            assert!(
                conn.is_closed(),
                "what a parked connection leaves is closed"
            );
            *conn = parked.resume(now);
            true
        }
        None => false,
    }
}

/// Runs `exchanges` over a pair speaking `version` (the server detects it),
/// parking both sides before every step if `park` says so for that step; returns
/// what each side saw, the bytes both ways, and how often each side was parked.
fn run(version: Version, exchanges: &[Exchange], park: &[bool]) -> (String, Vec<u8>, usize) {
    let mut p = Pair::with_version(
        version,
        Config::default(),
        Config::default(),
        Instant::now(),
    );
    let mut wire = Vec::new();
    let mut parks = 0;
    let mut step_no = 0;
    // Parks (or tries to) right after a command, and after the drain, where an
    // adapter would.
    let mut try_park = |p: &mut Pair| {
        if park.get(step_no).copied().unwrap_or(true) {
            parks += usize::from(park_and_resume(&mut p.client, p.now));
            parks += usize::from(park_and_resume(&mut p.server, p.now));
        }
        step_no += 1;
    };
    let mut step = |p: &mut Pair| {
        try_park(p);
        p.drive();
        wire.append(&mut p.wire_to_server);
        wire.append(&mut p.wire_to_client);
        p.now += Duration::from_millis(5);
        try_park(p);
    };
    step(&mut p);
    for (i, exchange) in exchanges.iter().enumerate() {
        let req = match exchange {
            Exchange::Get(n) => Request::new("GET", format!("/get/{i}"))
                .field("Host", "example.com")
                .field("user-agent", "weir-test/1.0")
                .field("x-once", format!("{n}")),
            Exchange::Post(_) => Request::new("POST", "/post").field("Host", "example.com"),
            Exchange::Head => Request::new("HEAD", "/").field("Host", "example.com"),
        };
        let end = !matches!(exchange, Exchange::Post(_));
        let id = p.client.send_request(req, end).unwrap();
        step(&mut p);
        if let Exchange::Post(n) = exchange {
            let piece = Bytes::from(vec![b'a' + n % 26; usize::from(*n) + 1]);
            p.client.send_data(id, piece.clone(), false).unwrap();
            step(&mut p);
            p.client.send_data(id, piece, true).unwrap();
            step(&mut p);
        }
        let (head, body) = match exchange {
            Exchange::Head => (Response::new(204), None),
            _ => (
                Response::new(200)
                    .field("content-length", "5")
                    .field("server", "weir"),
                Some(Bytes::from("hello")),
            ),
        };
        p.server.send_response(id, head, body.is_none()).unwrap();
        step(&mut p);
        if let Some(body) = body {
            p.server.send_data(id, body, true).unwrap();
            step(&mut p);
        }
    }
    let seen = format!("client {:?}\nserver {:?}", p.client_events, p.server_events);
    (seen, wire, parks)
}

fn scenario() -> Vec<Exchange> {
    vec![
        Exchange::Get(1),
        Exchange::Post(7),
        Exchange::Get(2),
        Exchange::Head,
        Exchange::Get(1),
    ]
}

#[test]
fn parking_between_exchanges_changes_nothing_observable() {
    for version in [Version::Http11, Version::Http2] {
        let exchanges = scenario();
        let kept = run(version, &exchanges, &[false; 128]);
        let parked = run(version, &exchanges, &[true; 128]);
        assert_eq!(kept.2, 0);
        assert_eq!(kept.0, parked.0, "{version:?}: events");
        assert_eq!(kept.1, parked.1, "{version:?}: bytes");
        assert_eq!(
            kept.0.matches("Headers").count(),
            2 * exchanges.len(),
            "{version:?}: every exchange happened: {}",
            kept.0
        );
        // Both sides are idle before the first request and after every response,
        // at the least.
        assert!(
            parked.2 >= 2 * (exchanges.len() + 1),
            "{version:?}: parked only {} times",
            parked.2
        );
    }
}

#[test]
fn a_connection_with_something_under_way_is_not_parked() {
    let now = Instant::now();
    let get = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut out = Vec::new();

    // Half a request head.
    let mut server = Connection::new(Side::Server, Config::default(), now);
    server.handle_input(now, &get[..10]);
    assert!(server.park().is_none());
    // A request delivered and not answered.
    server.handle_input(now, &get[10..]);
    let weir::Output::Event(Event::Headers { stream, .. }) = server.poll_output(&mut out) else {
        panic!("a request")
    };
    assert!(server.park().is_none());
    // The answer not yet handed out.
    server
        .send_response(stream, Response::new(204), true)
        .unwrap();
    assert!(server.park().is_none());
    // Nothing was lost to the attempts: the answer goes out, then it parks.
    assert!(matches!(
        server.poll_output(&mut out),
        weir::Output::Transmit
    ));
    assert!(out.starts_with(b"HTTP/1.1 204"));
    assert!(matches!(
        server.poll_output(&mut out),
        weir::Output::Timeout(Some(_))
    ));
    assert!(server.park().is_some());

    // Part of the HTTP/2 preface, held while the version is undecided.
    let mut server = Connection::new(Side::Server, Config::default(), now);
    server.handle_input(now, b"PRI * HTTP/2.0\r\n");
    assert!(server.park().is_none());

    // HTTP/2: a stream open.
    let mut p = Pair::with_version(Version::Http2, Config::default(), Config::default(), now);
    p.drive();
    let req = Request::new("POST", "/").field("Host", "a");
    let id = p.client.send_request(req, false).unwrap();
    p.drive();
    assert!(p.server.park().is_none());
    assert!(p.client.park().is_none());
    p.client.send_data(id, Bytes::from("x"), true).unwrap();
    p.server
        .send_response(id, Response::new(204), true)
        .unwrap();
    p.drive();
    assert!(p.server.park().is_some());
    assert!(p.client.park().is_some());
}

#[test]
fn a_parked_connection_keeps_its_deadlines() {
    let now = Instant::now();
    let config = Config {
        idle_timeout: Some(Duration::from_secs(30)),
        ..Config::default()
    };
    // HTTP/1.1: the idle timeout, from the end of the last response.
    let mut server = Connection::new(Side::Server, config, now);
    let parked = server.park().unwrap();
    assert_eq!(parked.version(), Version::Http11);
    assert_eq!(parked.deadline(), Some(now + Duration::from_secs(30)));
    assert_eq!(parked.config().idle_timeout, Some(Duration::from_secs(30)));
    let late = now + Duration::from_secs(30);
    let mut server = parked.resume(late);
    server.handle_timeout(late);
    let mut out = Vec::new();
    let weir::Output::Event(Event::Closed { error: Some(e) }) = server.poll_output(&mut out) else {
        panic!("closed for the idle timeout")
    };
    assert!(matches!(e.kind, ErrorKind::Timeout(Timeout::Idle)), "{e:?}");

    // HTTP/2: the SETTINGS acknowledgment the peer owes.
    let config = Config {
        h2_settings_timeout: Some(Duration::from_secs(5)),
        ..Config::default()
    };
    let mut server = Connection::with_version(Side::Server, Version::Http2, config, now);
    let mut out = Vec::new();
    assert!(matches!(
        server.poll_output(&mut out),
        weir::Output::Transmit
    ));
    let weir::Output::Timeout(Some(due)) = server.poll_output(&mut out) else {
        panic!("the acknowledgment is due")
    };
    let parked = server.park().unwrap();
    assert_eq!(parked.version(), Version::Http2);
    assert_eq!(parked.deadline(), Some(due));
    let mut server = parked.resume(due);
    server.handle_timeout(due);
    out.clear();
    let closed = std::iter::from_fn(|| match server.poll_output(&mut out) {
        weir::Output::Timeout(_) => None,
        other => Some(other),
    })
    .any(|o| matches!(o, weir::Output::Event(Event::Closed { error: Some(_) })));
    assert!(closed, "the overdue acknowledgment closes the connection");
}

#[test]
fn a_server_parked_before_its_first_byte_still_detects_http2() {
    let now = Instant::now();
    let mut p = Pair::with_version(Version::Http2, Config::default(), Config::default(), now);
    assert!(park_and_resume(&mut p.server, now));
    assert_eq!(p.server.version(), Version::Http11);
    let req = Request::new("GET", "/").field("Host", "a");
    let id = p.client.send_request(req, true).unwrap();
    p.drive();
    assert_eq!(p.server.version(), Version::Http2);
    p.server
        .send_response(id, Response::new(204), true)
        .unwrap();
    p.drive();
    assert!(
        p.client_events.iter().any(|e| matches!(
            e,
            Event::Headers {
                end_stream: true,
                ..
            }
        )),
        "{:?}",
        p.client_events
    );
}

fn exchange() -> impl Strategy<Value = Exchange> {
    prop_oneof![
        any::<u8>().prop_map(|n| Exchange::Get(n % 4)),
        any::<u8>().prop_map(Exchange::Post),
        Just(Exchange::Head),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Wherever a connection is parked, what both sides see and send is the same as
    /// without parking.
    #[test]
    fn parking_anywhere_changes_nothing(
        http2 in any::<bool>(),
        exchanges in prop::collection::vec(exchange(), 1..6),
        park in prop::collection::vec(any::<bool>(), 80),
    ) {
        let version = if http2 { Version::Http2 } else { Version::Http11 };
        let kept = run(version, &exchanges, &[false; 80]);
        let parked = run(version, &exchanges, &park);
        prop_assert_eq!(kept.0, parked.0);
        prop_assert_eq!(kept.1, parked.1);
    }
}
