//! Parsing a realistic browser request: weir's whole server path (input buffer, head
//! parsing, checks, events, the response) side by side with bare `httparse`, which weir
//! uses underneath. Before the measurements it prints the allocations per request.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use weir::{Config, Connection, Event, Output, Response, Side, StreamId};

#[path = "support/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

#[path = "support/browser_request.rs"]
mod browser_request;
use browser_request::{httparse_once, REQUEST};

const PIPELINED: usize = 16;

/// A server connection that answers every request with an empty 204.
struct Server {
    conn: Connection,
    now: Instant,
    out: Vec<u8>,
}

impl Server {
    fn new(now: Instant) -> Server {
        Server {
            conn: Connection::new(Side::Server, Config::default(), now),
            now,
            out: Vec::with_capacity(4096),
        }
    }

    /// Answers `stream` with an empty 204.
    fn respond(&mut self, stream: StreamId) {
        self.conn
            .send_response(stream, Response::new(204), true)
            .expect("a 204 is always valid here");
    }

    /// Feeds `bytes` and drains the connection, answering each request; returns how
    /// many requests it saw.
    fn serve(&mut self, bytes: &[u8]) -> usize {
        self.conn.handle_input(self.now, bytes);
        let mut requests = 0;
        loop {
            match self.conn.poll_output(&mut self.out) {
                Output::Event(Event::Headers { stream, head, .. }) => {
                    black_box(&head);
                    requests += 1;
                    self.respond(stream);
                }
                Output::Event(other) => panic!("unexpected event {other:?}"),
                Output::Transmit => self.out.clear(),
                Output::Timeout(_) => return requests,
            }
        }
    }
}

/// Allocations per request over `n` requests after a warm-up, so that buffers that
/// only grow once are not counted.
fn allocations_per_request(n: u64, mut run: impl FnMut() -> u64) -> f64 {
    for _ in 0..100 {
        run();
    }
    let before = counting::allocations();
    let mut requests = 0;
    while requests < n {
        requests += run();
    }
    (counting::allocations() - before) as f64 / requests as f64
}

fn report_allocations() {
    let now = Instant::now();
    let pipelined = REQUEST.repeat(PIPELINED);
    let mut keep_alive = Server::new(now);
    let weir = allocations_per_request(10_000, || keep_alive.serve(REQUEST) as u64);
    let mut batch = Server::new(now);
    let weir_pipelined = allocations_per_request(10_000, || batch.serve(&pipelined) as u64);
    let parse = allocations_per_request(10_000, || {
        black_box(httparse_once(black_box(REQUEST)));
        1
    });
    println!(
        "allocations per request: weir keep-alive {weir:.2}, weir pipelined {weir_pipelined:.2}, \
         httparse {parse:.2} ({} request bytes)",
        REQUEST.len()
    );
}

fn h1_parse(c: &mut Criterion) {
    let now = Instant::now();
    let mut group = c.benchmark_group("h1_parse");
    group.throughput(Throughput::Elements(1));
    group.bench_function("httparse", |b| b.iter(|| httparse_once(black_box(REQUEST))));
    // Exactly what bare httparse does: bytes in, a parsed head out, on a kept-alive
    // connection that is ready for its next request. Only that part is timed (the
    // clock is read around it, which counts against weir); the response that readies
    // the connection for the next request is not.
    let mut warm = Server::new(now);
    assert_eq!(warm.serve(REQUEST), 1);
    group.bench_function("weir_to_headers", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                warm.conn.handle_input(now, black_box(REQUEST));
                let ev = warm.conn.poll_output(&mut warm.out);
                timed += start.elapsed();
                let Output::Event(Event::Headers { stream, head, .. }) = ev else {
                    panic!("expected the request head, got {ev:?}");
                };
                black_box(head);
                warm.respond(stream);
                assert_eq!(warm.serve(&[]), 0, "one request, one head");
            }
            timed
        })
    });
    let mut server = Server::new(now);
    group.bench_function("weir_keep_alive", |b| {
        b.iter(|| server.serve(black_box(REQUEST)))
    });
    group.bench_function("weir_fresh_connection", |b| {
        b.iter(|| Server::new(now).serve(black_box(REQUEST)))
    });
    let pipelined = REQUEST.repeat(PIPELINED);
    group.throughput(Throughput::Elements(PIPELINED as u64));
    let mut server = Server::new(now);
    group.bench_function("weir_pipelined_16", |b| {
        b.iter(|| {
            let served = server.serve(black_box(&pipelined));
            assert_eq!(served, PIPELINED);
        })
    });
    group.finish();
}

criterion_group!(benches, h1_parse);

fn main() {
    // Sanity first: the request must be answered, or the numbers mean nothing.
    assert_eq!(Server::new(Instant::now()).serve(REQUEST), 1);
    report_allocations();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
