//! HPACK decoding and encoding of realistic browser heads, side by side with
//! `loona-hpack` and `httlib-hpack` doing the same work:
//!
//! - `request`: a Chrome navigation request (17 fields, cookie and user-agent included);
//! - `requests_10`: that request then nine subresource requests with small changes,
//!   in one context (the case HPACK is made for);
//! - `response`: a typical response (12 fields).
//!
//! The decoders all read the blocks our encoder writes (Huffman-coded, indexed), so that
//! they do the same work; each iteration builds its own context, as a new connection
//! would. Each workload is encoded twice over:
//!
//! - *cold* (`hpack_encode_cold`): in a new context with an empty table, as the first
//!   request or response of a connection;
//! - *warm* (`hpack_encode_warm`): in a context that has already encoded the same
//!   workload, as a connection that keeps making the same kind of requests.
//!
//! Every context has a table of 4096 octets (each library's default, the protocol's
//! initial size), and every encoder appends to one output buffer per case, allocated
//! beforehand and cleared before each iteration, as a connection reuses its own. The
//! encoders differ in what they write: ours and `httlib-hpack` Huffman-code a string
//! when that is shorter, `loona-hpack` never does (less work, more bytes); the byte
//! counts are printed first, with the allocations per block.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{criterion_group, BenchmarkGroup, Criterion, Throughput};
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

/// The three encoders behind one interface, so that every case runs the same code
/// around each of them.
trait Encode: Sized {
    const NAME: &'static str;
    /// A context as a new connection starts it: a table of 4096 octets (the protocol's
    /// initial size, and each library's default).
    fn new() -> Self;
    /// Encodes every list of `w` in order, appending the blocks to `dst`.
    fn encode(&mut self, w: &Workload, dst: &mut Vec<u8>);
}

struct Weir(Encoder);

impl Encode for Weir {
    const NAME: &'static str = "weir";

    fn new() -> Self {
        Weir(Encoder::new())
    }

    fn encode(&mut self, w: &Workload, dst: &mut Vec<u8>) {
        for f in &w.fields {
            self.0.encode(black_box(f), dst);
        }
    }
}

struct Loona(loona_hpack::Encoder<'static>);

impl Encode for Loona {
    const NAME: &'static str = "loona-hpack";

    fn new() -> Self {
        Loona(loona_hpack::Encoder::new())
    }

    fn encode(&mut self, w: &Workload, dst: &mut Vec<u8>) {
        for l in &w.lists {
            self.0
                .encode_into(
                    black_box(l)
                        .iter()
                        .map(|(n, v)| (n.as_bytes(), v.as_bytes())),
                    dst,
                )
                .unwrap();
        }
    }
}

struct Httlib(httlib_hpack::Encoder<'static>);

impl Encode for Httlib {
    const NAME: &'static str = "httlib-hpack";

    fn new() -> Self {
        Httlib(httlib_hpack::Encoder::default())
    }

    fn encode(&mut self, w: &Workload, dst: &mut Vec<u8>) {
        use httlib_hpack::Encoder as E;
        let flags = E::HUFFMAN_NAME | E::HUFFMAN_VALUE | E::WITH_INDEXING | E::BEST_FORMAT;
        for l in &w.lists {
            for (n, v) in black_box(l) {
                // Its encoder takes owned names and values.
                self.0
                    .encode((n.as_bytes().to_vec(), v.as_bytes().to_vec(), flags), dst)
                    .unwrap();
            }
        }
    }
}

/// The output buffer a connection reuses for its frames: allocated once per case and
/// cleared before each iteration, the same for every encoder.
fn output() -> Vec<u8> {
    Vec::with_capacity(16 * 1024)
}

/// Cold: a new context for the workload, as on a new connection (its first request,
/// or its first response).
fn cold<E: Encode>(w: &Workload, dst: &mut Vec<u8>) -> usize {
    dst.clear();
    E::new().encode(w, dst);
    dst.len()
}

/// A context that has already encoded the workload once, as on a connection that
/// keeps making the same kind of requests.
fn primed<E: Encode>(w: &Workload) -> E {
    let mut e = E::new();
    e.encode(w, &mut output());
    e
}

/// Warm: the workload again in a context that has seen it.
fn warm<E: Encode>(e: &mut E, w: &Workload, dst: &mut Vec<u8>) -> usize {
    dst.clear();
    e.encode(w, dst);
    dst.len()
}

fn decode_allocations(w: &Workload, run: fn(&Workload) -> usize) -> f64 {
    per_block(w, || {
        black_box(run(w));
    })
}

fn cold_allocations<E: Encode>(w: &Workload) -> f64 {
    let mut dst = output();
    per_block(w, || {
        black_box(cold::<E>(w, &mut dst));
    })
}

fn warm_allocations<E: Encode>(w: &Workload) -> f64 {
    let (mut e, mut dst) = (primed::<E>(w), output());
    per_block(w, || {
        black_box(warm(&mut e, w, &mut dst));
    })
}

/// Allocations per block of `run`, after a warm-up.
fn per_block(w: &Workload, mut run: impl FnMut()) -> f64 {
    for _ in 0..10 {
        run();
    }
    let before = counting::allocations();
    for _ in 0..100 {
        run();
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
    let mut dst = output();
    println!(
        "{}: {} blocks, {} fields; bytes encoded cold (warm): weir {} ({}), loona-hpack {} ({}), \
         httlib-hpack {} ({})",
        w.name,
        w.blocks.len(),
        w.fields_count,
        cold::<Weir>(w, &mut dst),
        warm(&mut primed::<Weir>(w), w, &mut dst),
        cold::<Loona>(w, &mut dst),
        warm(&mut primed::<Loona>(w), w, &mut dst),
        cold::<Httlib>(w, &mut dst),
        warm(&mut primed::<Httlib>(w), w, &mut dst),
    );
    println!(
        "  allocations per block: decode weir {:.1}, loona-hpack {:.1}, httlib-hpack {:.1}; \
         encode cold (warm) weir {:.1} ({:.1}), loona-hpack {:.1} ({:.1}), httlib-hpack {:.1} ({:.1})",
        decode_allocations(w, weir_decode),
        decode_allocations(w, loona_decode),
        decode_allocations(w, httlib_decode),
        cold_allocations::<Weir>(w),
        warm_allocations::<Weir>(w),
        cold_allocations::<Loona>(w),
        warm_allocations::<Loona>(w),
        cold_allocations::<Httlib>(w),
        warm_allocations::<Httlib>(w),
    );
}

fn bench_cold<E: Encode>(group: &mut BenchmarkGroup<'_, WallTime>, w: &Workload) {
    let mut dst = output();
    group.bench_function(E::NAME, |b| b.iter(|| cold::<E>(w, &mut dst)));
}

fn bench_warm<E: Encode>(group: &mut BenchmarkGroup<'_, WallTime>, w: &Workload) {
    let (mut e, mut dst) = (primed::<E>(w), output());
    group.bench_function(E::NAME, |b| b.iter(|| warm(&mut e, w, &mut dst)));
}

fn hpack(c: &mut Criterion) {
    for w in workloads() {
        let mut group = c.benchmark_group(format!("hpack_decode/{}", w.name));
        group.throughput(Throughput::Elements(w.blocks.len() as u64));
        group.bench_function("weir", |b| b.iter(|| weir_decode(&w)));
        group.bench_function("loona-hpack", |b| b.iter(|| loona_decode(&w)));
        group.bench_function("httlib-hpack", |b| b.iter(|| httlib_decode(&w)));
        group.finish();
        let mut group = c.benchmark_group(format!("hpack_encode_cold/{}", w.name));
        group.throughput(Throughput::Elements(w.blocks.len() as u64));
        bench_cold::<Weir>(&mut group, &w);
        bench_cold::<Loona>(&mut group, &w);
        bench_cold::<Httlib>(&mut group, &w);
        group.finish();
        let mut group = c.benchmark_group(format!("hpack_encode_warm/{}", w.name));
        group.throughput(Throughput::Elements(w.blocks.len() as u64));
        bench_warm::<Weir>(&mut group, &w);
        bench_warm::<Loona>(&mut group, &w);
        bench_warm::<Httlib>(&mut group, &w);
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
