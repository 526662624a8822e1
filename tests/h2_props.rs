//! HTTP/2 properties for every input:
//! - what one side sends (heads with their fields in order, bodies, trailers) is what
//!   the other side receives, across many streams sharing one HPACK context;
//! - the events do not depend on how the input is split, down to one byte at a time
//!   (frames are whole before they mean anything, so even body events are the same).

use bytes::Bytes;
use proptest::prelude::*;
use std::time::Instant;
use weir::testing::Pair;
use weir::*;

#[derive(Debug, Clone)]
struct Exchange {
    path: String,
    fields: Vec<(String, String)>,
    body: Vec<Vec<u8>>,
    trailers: Vec<(String, String)>,
}

fn field() -> impl Strategy<Value = (String, String)> {
    (
        "[a-z][a-z0-9-]{0,10}".prop_map(|n| format!("x-{n}")),
        "[!-~]([ -~]{0,40}[!-~])?",
    )
}

fn exchange() -> impl Strategy<Value = Exchange> {
    (
        "/[a-z0-9/?=&]{0,30}",
        prop::collection::vec(field(), 0..8),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..3000), 0..4),
        prop::collection::vec(field(), 0..3),
    )
        .prop_map(|(path, fields, body, trailers)| Exchange {
            path,
            fields,
            body,
            trailers,
        })
}

/// Sends the exchanges' requests, bodies and trailers on a client connection.
fn send_requests(client: &mut Connection, exchanges: &[Exchange]) {
    for x in exchanges {
        let mut req = Request::new("POST", x.path.clone()).field("host", "example.com");
        for (n, v) in &x.fields {
            req = req.field(n, v);
        }
        let id = client.send_request(req, false).unwrap();
        for chunk in &x.body {
            client
                .send_data(id, Bytes::from(chunk.clone()), false)
                .unwrap();
        }
        if x.trailers.is_empty() {
            client.send_data(id, Bytes::new(), true).unwrap();
        } else {
            client
                .send_trailers(id, x.trailers.iter().cloned().collect())
                .unwrap();
        }
    }
}

/// Runs the exchanges over an in-memory HTTP/2 pair; the server echoes each request
/// body, and its trailers.
fn run(exchanges: &[Exchange]) -> Pair {
    let now = Instant::now();
    let mut p = Pair::with_version(Version::Http2, Config::default(), Config::default(), now);
    send_requests(&mut p.client, exchanges);
    p.run(|side, ev, conn| {
        if side != Side::Server {
            return;
        }
        match ev {
            Event::Headers { stream, .. } => {
                conn.send_response(*stream, Response::new(200).field("x-echo", "1"), false)
                    .unwrap();
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                conn.send_data(*stream, data.clone(), *end_stream).unwrap();
            }
            Event::Trailers { stream, fields } => {
                conn.send_trailers(*stream, fields.clone()).unwrap();
            }
            _ => {}
        }
    });
    p
}

/// Feeds `wire` to a fresh connection in pieces cut at `cuts`, and returns its events.
/// A client first sends the same requests, so the responses find their streams.
fn replay(side: Side, exchanges: &[Exchange], wire: &[u8], cuts: &[usize]) -> Vec<Event> {
    let now = Instant::now();
    let mut conn = match side {
        Side::Server => Connection::new(Side::Server, Config::default(), now),
        Side::Client => {
            let mut c =
                Connection::with_version(Side::Client, Version::Http2, Config::default(), now);
            send_requests(&mut c, exchanges);
            c
        }
    };
    let mut events = Vec::new();
    let mut out = Vec::new();
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (wire.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.push(wire.len());
    for cut in cuts {
        if cut > at {
            conn.handle_input(now, &wire[at..cut]);
            at = cut;
        }
        loop {
            match conn.poll_output(&mut out) {
                Output::Event(e) => events.push(e),
                Output::Transmit => out.clear(),
                Output::Timeout(_) => break,
            }
        }
    }
    events
}

/// The events a side received in the pair, without those about the connection itself.
fn stream_events(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.stream().is_some())
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn what_is_sent_is_received(exchanges in prop::collection::vec(exchange(), 1..6)) {
        let p = run(&exchanges);
        let requests: Vec<_> = p.server_events.iter().filter_map(|e| match e {
            Event::Headers { head: Head::Request(r), .. } => Some(r.clone()),
            _ => None,
        }).collect();
        prop_assert_eq!(requests.len(), exchanges.len());
        for (r, x) in requests.iter().zip(&exchanges) {
            prop_assert_eq!(&r.target[..], x.path.as_bytes());
            let got: Vec<_> = r.fields.iter().map(|f| (f.name.to_vec(), f.value.to_vec())).collect();
            // Host went as :authority.
            prop_assert_eq!(r.authority.as_deref(), Some(&b"example.com"[..]));
            let want: Vec<_> = x.fields.iter().map(|(n, v)| (n.clone().into_bytes(), v.clone().into_bytes())).collect();
            prop_assert_eq!(got, want);
        }
        // Every body comes back whole, in order, per stream.
        for (i, x) in exchanges.iter().enumerate() {
            let id = StreamId(2 * i as u32 + 1);
            let echoed: Vec<u8> = p.client_events.iter().filter_map(|e| match e {
                Event::Data { stream, data, .. } if *stream == id => Some(data.to_vec()),
                _ => None,
            }).flatten().collect();
            prop_assert_eq!(echoed, x.body.concat());
            let trailers = p.client_events.iter().find_map(|e| match e {
                Event::Trailers { stream, fields } if *stream == id => Some(fields.clone()),
                _ => None,
            });
            let want: Option<Fields> = (!x.trailers.is_empty()).then(|| x.trailers.iter().cloned().collect());
            prop_assert_eq!(trailers, want);
        }
    }

    #[test]
    fn events_do_not_depend_on_how_input_is_split(
        exchanges in prop::collection::vec(exchange(), 1..4),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let p = run(&exchanges);
        let whole = stream_events(&replay(Side::Server, &exchanges, &p.wire_to_server, &[]));
        prop_assert!(whole.len() >= 2 * exchanges.len());
        prop_assert_eq!(&whole, &stream_events(&p.server_events));
        prop_assert_eq!(&stream_events(&replay(Side::Server, &exchanges, &p.wire_to_server, &cuts)), &whole);
        let whole = stream_events(&replay(Side::Client, &exchanges, &p.wire_to_client, &[]));
        prop_assert_eq!(&whole, &stream_events(&p.client_events));
        prop_assert_eq!(&stream_events(&replay(Side::Client, &exchanges, &p.wire_to_client, &cuts)), &whole);
    }
}

#[test]
fn one_byte_at_a_time() {
    let x = Exchange {
        path: "/a".into(),
        fields: vec![("x-a".into(), "b".into())],
        body: vec![vec![1; 100], vec![2; 20_000]],
        trailers: vec![("x-t".into(), "1".into())],
    };
    let exchanges = [x.clone(), x];
    let p = run(&exchanges);
    let cuts: Vec<usize> = (0..p.wire_to_server.len()).collect();
    assert_eq!(
        stream_events(&replay(Side::Server, &exchanges, &p.wire_to_server, &cuts)),
        stream_events(&p.server_events)
    );
}
