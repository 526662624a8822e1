//! What a connection holds: while it waits between requests (after
//! `release_buffers`), and at most while it serves a small request. A server holds
//! thousands of idle connections, and a burst of small requests on many of them should
//! not leave each with pages it does not need.
//!
//! One test function: the counters are the process's, and tests run in parallel.

#[path = "../benches/support/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

use std::sync::Arc;
use std::time::Instant;
use weir::handler::{Compress, Decompress, Dispatcher};
use weir::{Command, Config, Connection, Event, Head, Output, Response, Side, Version};

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Drains `server`, answering every request head with a small response.
fn serve(server: &mut Dispatcher, out: &mut Vec<u8>) {
    loop {
        match server.poll_output(out) {
            Output::Transmit => {}
            Output::Event(Event::Headers {
                stream,
                head: Head::Request(_),
                ..
            }) => {
                let head = Response::new(200).field("content-length", "14");
                let response = Command::Response {
                    stream,
                    head,
                    end_stream: false,
                };
                let data = Command::Data {
                    stream,
                    data: "Hello, World!\n".into(),
                    end_stream: true,
                };
                server.send(response).unwrap();
                server.send(data).unwrap();
            }
            Output::Event(_) => {}
            Output::Timeout(_) => return,
        }
    }
}

/// A server as the example servers run it (the version detected from the first bytes,
/// the compression handlers in its chain, the configuration shared with the other
/// connections), boxed so that its own size counts.
fn server(now: Instant, config: &Arc<Config>) -> Box<Dispatcher> {
    let conn = Connection::new(Side::Server, config.clone(), now);
    Box::new(
        Dispatcher::new(conn)
            .handler(Compress::new())
            .handler(Decompress::new()),
    )
}

/// What one connection holds once idle, and at most while it served, with `input` as
/// its peer's only read.
fn measure(input: &[u8], config: &Arc<Config>) -> (i64, i64, Box<Dispatcher>) {
    let now = Instant::now();
    let before = counting::held() as i64;
    counting::reset_peak();
    // The adapter's output buffer counts too (the connection may swap its own for
    // it), and is dropped when the connection goes quiet, as the adapters do.
    let mut out = Vec::new();
    let mut server = server(now, config);
    server.handle_input(now, input);
    serve(&mut server, &mut out);
    let peak = counting::peak() as i64 - before;
    drop(out);
    server.release_buffers();
    (counting::held() as i64 - before, peak, server)
}

/// What `server`'s connection holds once parked: the heap the `Parked` value owns,
/// and its own size.
fn parked_bytes(mut server: Box<Dispatcher>) -> i64 {
    let parked = server.park().expect("the connection is idle");
    drop(server);
    let with = counting::held() as i64;
    drop(parked);
    let without = counting::held() as i64;
    with - without + std::mem::size_of::<weir::Parked>() as i64
}

#[test]
fn an_idle_connection_holds_little_and_a_small_request_takes_little() {
    // Once for nothing: the first use of some things (the clock, the harness's
    // output capture) allocates for good.
    // The configuration is shared by all connections, as the servers share it.
    let config = Arc::new(Config::default());
    drop(measure(GET, &config));
    // HTTP/1.1: one GET answered, kept alive.
    let (idle, peak, server) = measure(GET, &config);
    assert_eq!(server.connection().version(), Version::Http11);
    assert!(!server.connection().is_closed());
    eprintln!("HTTP/1.1: idle {idle} bytes, at most {peak} while serving");
    // The connection itself (its HTTP/2 state boxed away, no copy of the
    // configuration) and its handlers' boxes; nothing of the exchange is left.
    assert!(
        idle <= 900,
        "an idle HTTP/1.1 connection holds {idle} bytes"
    );
    // The request's 37 bytes are taken in as they came (not split by the look for
    // the HTTP/2 preface into a page-sized buffer), and the queues hold one event at
    // a time rather than room for four.
    assert!(peak <= 3_000, "a small request took {peak} bytes at once");
    let parked = parked_bytes(server);
    eprintln!("HTTP/1.1: parked {parked} bytes");
    // The configuration is shared: a parked HTTP/1.1 connection is a few words, and
    // nothing on the heap.
    assert!(
        parked <= 64,
        "a parked HTTP/1.1 connection holds {parked} bytes"
    );

    // HTTP/2 by prior knowledge: the preface and an empty SETTINGS, acknowledged.
    let mut hello = PREFACE.to_vec();
    hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    hello.extend_from_slice(&[0, 0, 0, 4, 1, 0, 0, 0, 0]);
    let (idle, peak, server) = measure(&hello, &config);
    assert_eq!(server.connection().version(), Version::Http2);
    assert!(!server.connection().is_closed());
    eprintln!("HTTP/2: idle {idle} bytes, at most {peak} while serving");
    // HTTP/2's state is larger (flow control, the HPACK tables' bookkeeping), and
    // boxed, so that HTTP/1.1 connections do not carry its room.
    assert!(
        idle <= 2_100,
        "an idle HTTP/2 connection holds {idle} bytes"
    );
    assert!(peak <= 4_000, "the handshake took {peak} bytes at once");
    let parked = parked_bytes(server);
    eprintln!("HTTP/2: parked {parked} bytes");
    // The protocol's state without the handlers and the dispatcher's bookkeeping.
    assert!(
        parked <= 1_200,
        "a parked HTTP/2 connection holds {parked} bytes"
    );
    // Parking gives the buffers back by itself.
    let mut fresh = self::server(Instant::now(), &config);
    fresh.handle_input(Instant::now(), &hello);
    serve(&mut fresh, &mut Vec::new());
    let unreleased = parked_bytes(fresh);
    assert_eq!(unreleased, parked, "parked without a release first");

    // HTTP/2 after 1,000 requests: what is left of them is the closed streams
    // remembered (`h2_max_closed_streams`, 256, 4 bytes each) and the two HPACK
    // tables' stores (1 KiB each, taken at their first entry). Whole stream records
    // for the closed streams took 74 KB.
    let mut server = self::server(Instant::now(), &config);
    server.handle_input(Instant::now(), &hello);
    let mut out = Vec::new();
    serve(&mut server, &mut out);
    let mut encoder = weir::hpack::Encoder::new();
    for batch in 0..20 {
        let mut wire = Vec::new();
        for i in 0..50u32 {
            let mut block = Vec::new();
            let fields = [
                (":method", "GET"),
                (":scheme", "http"),
                (":authority", "localhost"),
                (":path", "/"),
            ];
            encoder.encode(
                fields.iter().map(|(n, v)| weir::Field {
                    name: n.as_bytes(),
                    value: v.as_bytes(),
                    sensitive: false,
                }),
                &mut block,
            );
            let id = 2 * (batch * 50 + i) + 1;
            wire.extend_from_slice(&(block.len() as u32).to_be_bytes()[1..]);
            wire.extend_from_slice(&[1, 0x5]);
            wire.extend_from_slice(&id.to_be_bytes());
            wire.extend_from_slice(&block);
        }
        server.handle_input(Instant::now(), &wire);
        serve(&mut server, &mut out);
        out.clear();
    }
    assert!(!server.connection().is_closed());
    drop(out);
    let used = parked_bytes(server);
    eprintln!("HTTP/2 after 1,000 requests: parked {used} bytes");
    assert!(
        used <= parked + 3_000,
        "a parked HTTP/2 connection that served 1,000 requests holds {used} bytes"
    );
}
