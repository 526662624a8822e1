//! Instructions to read one HTTP/1.1 request head, counted by callgrind: weir's server
//! connection from `handle_input` to the `Headers` event, side by side with bare
//! `httparse::Request::parse` of the same bytes (the request of `benches/h1_parse.rs`).
//!
//! `parse-instructions` runs itself twice under `valgrind --tool=callgrind`, counting
//! only inside one of the two `measured_*` functions each time, and prints both and
//! their ratio. `parse-instructions weir|httparse N` is what it runs.

use std::hint::black_box;
use std::time::Instant;

use weir::{Config, Connection, Event, Output, Response, Side};

#[path = "../../../support/browser_request.rs"]
mod browser_request;
use browser_request::{httparse_once, REQUEST};

/// Heads read per run: enough to amortise the warm-up.
const HEADS: usize = 1000;

/// Bare httparse, counted.
#[inline(never)]
fn measured_httparse(bytes: &[u8]) -> usize {
    httparse_once(bytes)
}

/// weir on a kept-alive connection: the bytes in, the request head out.
#[inline(never)]
fn measured_weir(conn: &mut Connection, out: &mut Vec<u8>, now: Instant) -> Output {
    conn.handle_input(now, black_box(REQUEST));
    conn.poll_output(out)
}

/// Answers the request with an empty 204 and drains the connection, outside the count,
/// so that it is ready for the next request.
fn answer(conn: &mut Connection, out: &mut Vec<u8>, ev: Output) {
    let Output::Event(Event::Headers { stream, head, .. }) = ev else {
        panic!("expected the request head, got {ev:?}");
    };
    black_box(head);
    conn.send_response(stream, Response::new(204), true)
        .expect("a 204 is always valid here");
    loop {
        match conn.poll_output(out) {
            Output::Transmit => out.clear(),
            Output::Timeout(_) => return,
            Output::Event(other) => panic!("unexpected event {other:?}"),
        }
    }
}

fn run(which: &str, n: usize) {
    match which {
        "httparse" => {
            for _ in 0..n {
                black_box(measured_httparse(black_box(REQUEST)));
            }
        }
        "weir" => {
            let now = Instant::now();
            let mut conn = Connection::new(Side::Server, Config::default(), now);
            let mut out = Vec::with_capacity(4096);
            // Warm-up, uncounted: buffers that grow once have grown.
            for _ in 0..10 {
                conn.handle_input(now, REQUEST);
                let ev = conn.poll_output(&mut out);
                answer(&mut conn, &mut out, ev);
            }
            for _ in 0..n {
                let ev = measured_weir(&mut conn, &mut out, now);
                answer(&mut conn, &mut out, ev);
            }
        }
        other => panic!("weir or httparse, not {other}"),
    }
}

/// Instructions per head inside `measured_{which}`, from a callgrind run of this binary.
fn count(which: &str) -> f64 {
    let heads = HEADS.to_string();
    let total = weir_bench::callgrind::count(&format!("*measured_{which}*"), &[which, &heads]);
    total as f64 / HEADS as f64
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [which, n] = args.as_slice() {
        run(which, n.parse().expect("a number of heads"));
        return;
    }
    let (weir, httparse) = (count("weir"), count("httparse"));
    println!(
        "instructions per request head ({} bytes): weir {weir:.0}, bare httparse {httparse:.0}, ratio {:.2}x",
        REQUEST.len(),
        weir / httparse
    );
}
