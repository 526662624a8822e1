//! HPACK decoding and encoding of realistic browser heads, side by side with
//! `loona-hpack` and `httlib-hpack` doing the same work:
//!
//! - `request`: a Chrome navigation request (17 fields, cookie and user-agent included)
//!   in a new context;
//! - `requests_10`: that request then nine subresource requests with small changes,
//!   in one context (the case HPACK is made for);
//! - `response`: a typical response (12 fields) in a new context.
//!
//! The decoders all read the blocks our encoder writes (Huffman-coded, indexed), so that
//! they do the same work. Each iteration builds its own context, as a new connection
//! would; the encoders write into an output buffer allocated beforehand, as a
//! connection's is. Before the measurements it prints the allocations per block.

use std::hint::black_box;

use criterion::{criterion_group, Criterion, Throughput};
use weir::hpack::{Decoder, Encoder};
use weir::Fields;

#[path = "support/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

const UA: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                  Chrome/124.0.0.0 Safari/537.36";
const COOKIE: &str = "sid=4f2a9c81e0b7d3a65c1e; theme=dark; consent=1; \
                      _ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000";
const SEC_CH_UA: &str =
    "\"Chromium\";v=\"124\", \"Google Chrome\";v=\"124\", \"Not-A.Brand\";v=\"99\"";

type List = Vec<(&'static str, String)>;

/// The navigation request.
fn navigation() -> List {
    vec![
        (":method", "GET".into()),
        (":authority", "www.example.com".into()),
        (":scheme", "https".into()),
        (":path", "/search?q=sans-io&hl=en".into()),
        ("sec-ch-ua", SEC_CH_UA.into()),
        ("sec-ch-ua-mobile", "?0".into()),
        ("sec-ch-ua-platform", "\"Linux\"".into()),
        ("upgrade-insecure-requests", "1".into()),
        ("user-agent", UA.into()),
        (
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,\
             image/webp,*/*;q=0.8"
                .into(),
        ),
        ("sec-fetch-site", "none".into()),
        ("sec-fetch-mode", "navigate".into()),
        ("sec-fetch-user", "?1".into()),
        ("sec-fetch-dest", "document".into()),
        ("accept-encoding", "gzip, deflate, br, zstd".into()),
        ("accept-language", "en-US,en;q=0.9".into()),
        ("cookie", COOKIE.into()),
    ]
}

/// The navigation, then nine subresources of the page.
fn page() -> Vec<List> {
    let mut lists = vec![navigation()];
    let subresources = [
        ("/static/app.js", "*/*", "script", "no-cors"),
        (
            "/static/style.css",
            "text/css,*/*;q=0.1",
            "style",
            "no-cors",
        ),
        ("/static/vendor.js", "*/*", "script", "no-cors"),
        (
            "/img/logo.svg",
            "image/avif,image/webp,*/*;q=0.8",
            "image",
            "no-cors",
        ),
        (
            "/img/hero.webp",
            "image/avif,image/webp,*/*;q=0.8",
            "image",
            "no-cors",
        ),
        ("/api/session", "application/json", "empty", "cors"),
        (
            "/api/results?q=sans-io&page=1",
            "application/json",
            "empty",
            "cors",
        ),
        ("/fonts/inter.woff2", "*/*", "font", "cors"),
        (
            "/favicon.ico",
            "image/avif,image/webp,*/*;q=0.8",
            "image",
            "no-cors",
        ),
    ];
    for (path, accept, dest, mode) in subresources {
        lists.push(vec![
            (":method", "GET".into()),
            (":authority", "www.example.com".into()),
            (":scheme", "https".into()),
            (":path", path.into()),
            ("sec-ch-ua", SEC_CH_UA.into()),
            ("sec-ch-ua-mobile", "?0".into()),
            ("user-agent", UA.into()),
            ("sec-ch-ua-platform", "\"Linux\"".into()),
            ("accept", accept.into()),
            ("sec-fetch-site", "same-origin".into()),
            ("sec-fetch-mode", mode.into()),
            ("sec-fetch-dest", dest.into()),
            (
                "referer",
                "https://www.example.com/search?q=sans-io&hl=en".into(),
            ),
            ("accept-encoding", "gzip, deflate, br, zstd".into()),
            ("accept-language", "en-US,en;q=0.9".into()),
            ("cookie", COOKIE.into()),
        ]);
    }
    lists
}

fn response() -> List {
    vec![
        (":status", "200".into()),
        ("content-type", "text/html; charset=utf-8".into()),
        ("content-length", "48213".into()),
        ("date", "Tue, 21 May 2024 10:15:32 GMT".into()),
        ("server", "weir".into()),
        ("cache-control", "private, max-age=0".into()),
        ("vary", "accept-encoding".into()),
        ("content-encoding", "br".into()),
        (
            "strict-transport-security",
            "max-age=31536000; includeSubDomains".into(),
        ),
        ("x-content-type-options", "nosniff".into()),
        ("x-frame-options", "SAMEORIGIN".into()),
        (
            "set-cookie",
            "sid=4f2a9c81e0b7d3a65c1e; Path=/; Secure; HttpOnly; SameSite=Lax".into(),
        ),
    ]
}

/// One workload in every implementation's input shape.
struct Workload {
    name: &'static str,
    lists: Vec<List>,
    fields: Vec<Fields>,
    /// Our blocks, in one context.
    blocks: Vec<Vec<u8>>,
    fields_count: usize,
}

impl Workload {
    fn new(name: &'static str, lists: Vec<List>) -> Workload {
        let fields: Vec<Fields> = lists
            .iter()
            .map(|l| l.iter().map(|(n, v)| (*n, v.as_str())).collect())
            .collect();
        let mut encoder = Encoder::new();
        let blocks = fields
            .iter()
            .map(|f| {
                let mut block = Vec::new();
                encoder.encode(f, &mut block);
                block
            })
            .collect();
        let fields_count = lists.iter().map(Vec::len).sum();
        Workload {
            name,
            lists,
            fields,
            blocks,
            fields_count,
        }
    }
}

fn weir_decode(w: &Workload) -> usize {
    let mut d = Decoder::new(4096);
    w.blocks
        .iter()
        .map(|b| d.decode(black_box(b), 64 * 1024).unwrap().len())
        .sum()
}

fn loona_decode(w: &Workload) -> usize {
    let mut d = loona_hpack::Decoder::new();
    w.blocks
        .iter()
        .map(|b| d.decode(black_box(b)).unwrap().len())
        .sum()
}

fn httlib_decode(w: &Workload) -> usize {
    let mut d = httlib_hpack::Decoder::default();
    w.blocks
        .iter()
        .map(|b| {
            // Its decoder consumes an owned buffer.
            let mut buf = black_box(b).clone();
            let mut out = Vec::new();
            d.decode(&mut buf, &mut out).unwrap();
            out.len()
        })
        .sum()
}

/// The output buffer a connection reuses for its frames.
fn output() -> Vec<u8> {
    Vec::with_capacity(16 * 1024)
}

fn weir_encode(w: &Workload) -> usize {
    let mut e = Encoder::new();
    let mut dst = output();
    for f in &w.fields {
        e.encode(black_box(f), &mut dst);
    }
    dst.len()
}

fn loona_encode(w: &Workload) -> usize {
    let mut e = loona_hpack::Encoder::new();
    let mut dst = output();
    for l in &w.lists {
        e.encode_into(
            black_box(l)
                .iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
            &mut dst,
        )
        .unwrap();
    }
    dst.len()
}

fn httlib_encode(w: &Workload) -> usize {
    use httlib_hpack::Encoder as E;
    let mut e = E::default();
    let mut dst = output();
    let flags = E::HUFFMAN_NAME | E::HUFFMAN_VALUE | E::WITH_INDEXING | E::BEST_FORMAT;
    for l in &w.lists {
        for (n, v) in black_box(l) {
            // Its encoder takes owned names and values.
            e.encode(
                (n.as_bytes().to_vec(), v.as_bytes().to_vec(), flags),
                &mut dst,
            )
            .unwrap();
        }
    }
    dst.len()
}

/// Allocations per block, after a warm-up.
fn allocations(w: &Workload, run: fn(&Workload) -> usize) -> f64 {
    for _ in 0..10 {
        black_box(run(w));
    }
    let before = counting::allocations();
    for _ in 0..100 {
        black_box(run(w));
    }
    (counting::allocations() - before) as f64 / (100 * w.blocks.len()) as f64
}

fn workloads() -> Vec<Workload> {
    vec![
        Workload::new("request", vec![navigation()]),
        Workload::new("requests_10", page()),
        Workload::new("response", vec![response()]),
    ]
}

fn check(w: &Workload) {
    // Every decoder reads our blocks back to the same lists, and every encoder's
    // output is readable: otherwise the figures compare different work.
    assert_eq!(weir_decode(w), w.fields_count);
    assert_eq!(loona_decode(w), w.fields_count);
    assert_eq!(httlib_decode(w), w.fields_count);
    let mut d = Decoder::new(4096);
    for (block, f) in w.blocks.iter().zip(&w.fields) {
        assert_eq!(&d.decode(block, 64 * 1024).unwrap(), f);
    }
    let bytes: usize = w.blocks.iter().map(Vec::len).sum();
    println!(
        "{}: {} blocks, {} fields, {} bytes encoded (weir), {} (loona-hpack), {} (httlib-hpack); \
         allocations per block: decode weir {:.1}, loona-hpack {:.1}, httlib-hpack {:.1}; \
         encode weir {:.1}, loona-hpack {:.1}, httlib-hpack {:.1}",
        w.name,
        w.blocks.len(),
        w.fields_count,
        bytes,
        loona_encode(w),
        httlib_encode(w),
        allocations(w, weir_decode),
        allocations(w, loona_decode),
        allocations(w, httlib_decode),
        allocations(w, weir_encode),
        allocations(w, loona_encode),
        allocations(w, httlib_encode),
    );
}

fn hpack(c: &mut Criterion) {
    for w in workloads() {
        let mut group = c.benchmark_group(format!("hpack_decode/{}", w.name));
        group.throughput(Throughput::Elements(w.blocks.len() as u64));
        group.bench_function("weir", |b| b.iter(|| weir_decode(&w)));
        group.bench_function("loona-hpack", |b| b.iter(|| loona_decode(&w)));
        group.bench_function("httlib-hpack", |b| b.iter(|| httlib_decode(&w)));
        group.finish();
        let mut group = c.benchmark_group(format!("hpack_encode/{}", w.name));
        group.throughput(Throughput::Elements(w.blocks.len() as u64));
        group.bench_function("weir", |b| b.iter(|| weir_encode(&w)));
        group.bench_function("loona-hpack", |b| b.iter(|| loona_encode(&w)));
        group.bench_function("httlib-hpack", |b| b.iter(|| httlib_encode(&w)));
        group.finish();
    }
}

criterion_group!(benches, hpack);

fn main() {
    for w in workloads() {
        check(&w);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
