//! `Connection::release_buffers` frees what holds nothing and changes nothing else:
//! an exchange with buffers released at every step, even mid-body and with pipelined
//! input waiting, gives the same events and the same bytes as one without.

use bytes::Bytes;
use std::time::Instant;
use weir::testing::Pair;
use weir::{Config, Event, Request, Response, Version};

/// Runs a few exchanges (a body sent in pieces, pipelined GETs), calling
/// `release_buffers` on both sides between the steps if `release`; returns what each
/// side saw and what went over the wire.
fn run(version: Version, release: bool) -> (String, String, Vec<u8>) {
    let mut p = Pair::with_version(
        version,
        Config::default(),
        Config::default(),
        Instant::now(),
    );
    let mut wire = Vec::new();
    let mut step = |p: &mut Pair| {
        if release {
            p.client.release_buffers();
            p.server.release_buffers();
        }
        p.drive();
        wire.extend_from_slice(&p.wire_to_server);
        wire.extend_from_slice(&p.wire_to_client);
        if release {
            p.client.release_buffers();
            p.server.release_buffers();
        }
    };
    let post = Request::new("POST", "/upload").field("Host", "a");
    let upload = p.client.send_request(post, false).unwrap();
    p.client
        .send_data(upload, Bytes::from("first "), false)
        .unwrap();
    step(&mut p);
    p.client
        .send_data(upload, Bytes::from("second"), true)
        .unwrap();
    let gets: Vec<_> = (0..3)
        .map(|i| {
            let get = Request::new("GET", format!("/{i}")).field("Host", "a");
            p.client.send_request(get, true).unwrap()
        })
        .collect();
    step(&mut p);
    for id in std::iter::once(upload).chain(gets) {
        p.server
            .send_response(id, Response::new(200).field("content-length", "5"), false)
            .unwrap();
        step(&mut p);
        p.server.send_data(id, Bytes::from("hello"), true).unwrap();
        step(&mut p);
    }
    let show = |events: &[Event]| format!("{events:?}");
    (show(&p.client_events), show(&p.server_events), wire)
}

#[test]
fn releasing_buffers_changes_nothing_observable() {
    for version in [Version::Http11, Version::Http2] {
        let kept = run(version, false);
        let released = run(version, true);
        assert_eq!(kept.0, released.0, "{version:?}: client events");
        assert_eq!(kept.1, released.1, "{version:?}: server events");
        assert_eq!(kept.2, released.2, "{version:?}: bytes");
        assert!(
            kept.1.matches("Headers").count() >= 4,
            "{version:?}: the exchanges happened: {}",
            kept.1
        );
    }
}
