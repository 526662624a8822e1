//! Replays the fuzz corpora (and any crash artifacts) through the fuzz drivers, so that
//! a regression fails `cargo test` without a fuzzer.

#[path = "../fuzz/src/chunked.rs"]
mod chunked_driver;
#[cfg(feature = "compression")]
#[path = "../fuzz/src/compression.rs"]
mod compression_driver;
#[path = "../fuzz/src/h1.rs"]
mod h1_drivers;
#[path = "../fuzz/src/h2.rs"]
mod h2_drivers;
#[path = "../fuzz/src/h2c.rs"]
mod h2c_driver;
#[path = "../fuzz/src/head_diff.rs"]
mod head_diff_driver;
#[path = "../fuzz/src/hpack_diff.rs"]
mod hpack_diff_driver;
#[path = "../fuzz/src/hpack.rs"]
mod hpack_driver;

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

/// Every file under `dir` (none if it does not exist), sorted for a stable order.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files(&path));
            } else if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn fuzz_dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join(sub)
}

/// A driver run on an input, then the expectation its file name states.
type Check = fn(&[u8], &str);

const H1_SERVER: Check = |data, name| h1_drivers::server(data).check_name(name);
const H1_CLIENT: Check = |data, name| h1_drivers::client(data).check_name(name);
const H2_FRAMES: Check = |data, name| h2_drivers::frames(data).check_name(name);
const H2_SERVER: Check = |data, name| h2_drivers::server(data).check_name(name);
const H2_CLIENT: Check = |data, name| h2_drivers::client(data).check_name(name);
const H1_CHUNKED: Check = |data, name| chunked_driver::run(data).check_name(name);
const HPACK_DIFF: Check = |data, name| hpack_diff_driver::run(data).check_name(name);
const H2C_UPGRADE: Check = |data, name| h2c_driver::upgrade(data).check_name(name);
const H1_HEAD_DIFF: Check = |data, name| head_diff_driver::run(data).check_name(name);
#[cfg(feature = "compression")]
const COMPRESS: Check = |data, name| compression_driver::compress(data).check_name(name);
#[cfg(feature = "compression")]
const DECOMPRESS: Check = |data, name| compression_driver::decompress(data).check_name(name);

/// Runs `check` on every file, naming the files that fail.
fn replay(paths: &[PathBuf], check: Check) -> Vec<String> {
    let mut failures = Vec::new();
    for path in paths {
        let data = fs::read(path).expect("readable corpus file");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = panic::catch_unwind(|| check(&data, &name));
        if outcome.is_err() {
            failures.push(path.display().to_string());
        }
    }
    failures
}

fn replay_corpus(target: &str, check: Check) {
    let seeds = files(&fuzz_dir("corpus").join(target));
    let named = seeds
        .iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("ok-") || name.starts_with("bad-")
        })
        .count();
    assert!(named >= 12, "{target}: only {named} named seeds");
    let failures = replay(&seeds, check);
    assert!(failures.is_empty(), "{target} failed on {failures:?}");
}

#[test]
fn h1_server_corpus() {
    replay_corpus("h1_server", H1_SERVER);
}

#[test]
fn h1_client_corpus() {
    replay_corpus("h1_client", H1_CLIENT);
}

#[test]
fn h2_frames_corpus() {
    replay_corpus("h2_frames", H2_FRAMES);
}

#[test]
fn h2_server_corpus() {
    replay_corpus("h2_server", H2_SERVER);
}

#[test]
fn h2_client_corpus() {
    replay_corpus("h2_client", H2_CLIENT);
}

#[test]
fn h2c_upgrade_corpus() {
    replay_corpus("h2c_upgrade", H2C_UPGRADE);
}

#[test]
fn h1_chunked_corpus() {
    replay_corpus("h1_chunked", H1_CHUNKED);
}

#[test]
fn hpack_diff_corpus() {
    replay_corpus("hpack_diff", HPACK_DIFF);
}

#[test]
fn h1_head_diff_corpus() {
    replay_corpus("h1_head_diff", H1_HEAD_DIFF);
}

#[cfg(feature = "compression")]
#[test]
fn compress_corpus() {
    replay_corpus("compress", COMPRESS);
}

#[cfg(feature = "compression")]
#[test]
fn decompress_corpus() {
    replay_corpus("decompress", DECOMPRESS);
}

#[test]
fn hpack_decode_corpus() {
    let seeds = files(&fuzz_dir("corpus/hpack_decode"));
    let named = seeds
        .iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("ok-") || name.starts_with("bad-")
        })
        .count();
    assert!(named >= 12, "hpack_decode: only {named} named seeds");
    let mut failures = Vec::new();
    for path in seeds
        .iter()
        .chain(&files(&fuzz_dir("artifacts/hpack_decode")))
    {
        let data = fs::read(path).expect("readable corpus file");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if panic::catch_unwind(|| hpack_driver::decode(&data).check_name(&name)).is_err() {
            failures.push(path.display().to_string());
        }
    }
    assert!(failures.is_empty(), "hpack_decode failed on {failures:?}");
}

#[test]
fn artifacts_do_not_crash() {
    let targets = [
        ("h1_server", H1_SERVER),
        ("h1_client", H1_CLIENT),
        ("h2_frames", H2_FRAMES),
        ("h2_server", H2_SERVER),
        ("h2_client", H2_CLIENT),
        ("h1_chunked", H1_CHUNKED),
        ("hpack_diff", HPACK_DIFF),
        ("h1_head_diff", H1_HEAD_DIFF),
    ];
    #[cfg(feature = "compression")]
    let targets = [
        &targets[..],
        &[("compress", COMPRESS), ("decompress", DECOMPRESS)],
    ]
    .concat();
    for (target, check) in targets {
        let failures = replay(&files(&fuzz_dir("artifacts").join(target)), check);
        assert!(failures.is_empty(), "{target} artifacts fail: {failures:?}");
    }
}

/// The drivers must notice a broken invariant, or the corpus proves nothing.
#[test]
fn drivers_check_expectations() {
    let get = b"\x00\x00\x00GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let summary = h1_drivers::server(get);
    assert_eq!((summary.heads, summary.round_trips), (1, 1));
    assert!(!summary.failed());
    assert!(summary.transmitted > 0);
    let wrong_name = panic::catch_unwind(|| summary.check_name("bad-get"));
    assert!(wrong_name.is_err());

    let smuggle = b"\x00\x00\x00POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n";
    let summary = h1_drivers::server(smuggle);
    assert_eq!(summary.early_errors, 1);
    assert!(summary.close_error.is_some());

    let response = b"\x00\x00\x00HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
    let summary = h1_drivers::client(response);
    assert_eq!((summary.heads, summary.data_bytes), (1, 2));
    // The GET the client wrote was read back by the mirror server.
    assert_eq!(summary.round_trips, 1);

    // HTTP/2: a GET after the preface and SETTINGS, answered, read back frame by frame.
    let mut get = vec![0u8, 0, 0];
    get.extend_from_slice(h2_drivers::PREFACE);
    get.extend_from_slice(&h2_drivers::EMPTY_SETTINGS);
    get.extend_from_slice(&[0, 0, 0, 4, 1, 0, 0, 0, 0]);
    get.extend_from_slice(&[0, 0, 5, 1, 5, 0, 0, 0, 1, 0x82, 0x86, 0x84, 0x41, 0]);
    let summary = h2_drivers::server(&get);
    assert_eq!((summary.heads, summary.resets), (1, 0));
    assert!(summary.close_error.is_none());
    // SETTINGS, WINDOW_UPDATE, SETTINGS ACK, HEADERS, DATA and the final GOAWAY.
    assert_eq!(summary.frames_out, 6);
    let wrong_name = panic::catch_unwind(|| summary.check_name("bad-get"));
    assert!(wrong_name.is_err());

    // The same bytes without the preface are an HTTP/2 connection error.
    let summary = h2_drivers::server(&[0, 0, 0, 0, 0, 5, 1, 5, 0, 0, 0, 1, 0x82]);
    assert_eq!(summary.heads, 0);
    assert!(summary.close_error.is_some());

    // A client with prior knowledge reads a response to its GET.
    let response = [1, 0, 2, 0, 0, 0, 0, 1, 1, 5, 0, 0, 0, 1, 0x88];
    let summary = h2_drivers::client(&response);
    assert_eq!((summary.heads, summary.resets), (1, 0));
    assert!(summary.close_error.is_none());

    // The chunked body: the reference decoder and the connection read the same.
    let mut input = vec![0, 0];
    input.extend_from_slice(b"3;x=1\r\nabc\r\n0\r\nX-Sum: 3\r\n\r\n");
    let summary = chunked_driver::run(&input);
    assert!(summary.completed && summary.error.is_none());
    assert_eq!(summary.data_bytes, 3);
    assert_eq!(
        summary.reference.trailers,
        [(b"X-Sum".to_vec(), b"3".to_vec())]
    );
    let wrong_name = panic::catch_unwind(|| summary.check_name("bad-chunk"));
    assert!(wrong_name.is_err());
}

/// The differential drivers compare what they claim to.
#[test]
fn differential_drivers_compare() {
    // RFC 7541 §C.2.1, decoded by all three.
    let mut block = vec![0, 32];
    block.extend_from_slice(b"\x40\x0acustom-key\x0dcustom-header\x40\x01a\x01b\xbe");
    let summary = hpack_diff_driver::run(&block);
    assert_eq!((summary.blocks, summary.fields, summary.refused), (1, 3, 0));
    assert_eq!((summary.same_as_hpack, summary.same_as_loona), (1, 1));
    // Encoding a list of two fields: written by ours, read by all three.
    let summary = hpack_diff_driver::run(&[1, 2, 6, 0, 0, 0, 1, b'x', 1, b'y']);
    assert_eq!((summary.blocks, summary.fields), (1, 2));
    assert_eq!((summary.same_as_hpack, summary.same_as_loona), (1, 1));

    // Three pipelined requests, each compared with httparse where it starts.
    let mut wire = vec![20, 0];
    wire.extend_from_slice(b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
    wire.extend_from_slice(b"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi");
    wire.extend_from_slice(b"GET /3 HTTP/1.7\r\nHost: a\r\n\r\n");
    let summary = head_diff_driver::run(&wire);
    assert_eq!((summary.heads, summary.compared), (3, 3));
    assert!(!summary.failed);
}

#[cfg(feature = "compression")]
#[test]
fn compression_drivers_decode_what_went_through() {
    // gzip over HTTP/1.1, text, in two pieces of a body that compresses well.
    let body = b"0123456789".repeat(50);
    let input = [&[0x10, 0x06, 1, 100][..], &body].concat();
    let summary = compression_driver::compress(&input);
    assert_eq!(summary.coding.as_deref(), Some("gzip"));
    assert_eq!(summary.sent, 500);
    assert!(summary.delivered < 100, "{summary:?}");
    // The same body as a gzip request body, compressed by the driver (at level 0, the
    // length's last digit: stored), bound 1 MiB.
    let input = [&[0x1c, 0][..], &body].concat();
    let summary = compression_driver::decompress(&input);
    assert_eq!((summary.delivered, summary.whole), (500, true));
    assert!(summary.sent > 500, "{summary:?}");
    // With a bound of 16 bytes: refused with 413.
    let input = [&[0x0c, 0][..], &body].concat();
    let summary = compression_driver::decompress(&input);
    assert_eq!((summary.status, summary.whole), (Some(413), false));
}

/// The chunked reference decoder reads RFC 9112 §7.1 as written, or the target checks
/// the connection against the wrong thing.
#[test]
fn chunked_reference_follows_the_grammar() {
    use chunked_driver::{reference, Item, Limits, Verdict};
    let strict = Limits::from_flags(0);
    let cases: &[(&[u8], Verdict)] = &[
        (b"3\r\nabc\r\n0\r\n\r\n", Verdict::Complete),
        (b"3 ;a=\"q\\\"\"\r\nabc\r\n0\r\n\r\n", Verdict::Complete),
        (b"3;a=b;c\r\nabc\r\n0\r\nA: b\r\n\r\n", Verdict::Complete),
        (b"3\r\nab", Verdict::Incomplete),
        (b"3\r\nabc\r", Verdict::Incomplete),
        (b"0\r\nA: b\r\n", Verdict::Incomplete),
        (b"3 \r\nabc\r\n0\r\n\r\n", Verdict::Rejected),
        (b"3;\r\nabc\r\n0\r\n\r\n", Verdict::Rejected),
        (b"3;a=\r\nabc\r\n0\r\n\r\n", Verdict::Rejected),
        (b"+3\r\nabc\r\n0\r\n\r\n", Verdict::Rejected),
        (b"3\nabc\r\n0\r\n\r\n", Verdict::Rejected),
        (b"3\r\nabc\n0\r\n\r\n", Verdict::Rejected),
        (b"0\r\n A: b\r\n\r\n", Verdict::Rejected),
        (b"0\r\nA : b\r\n\r\n", Verdict::Rejected),
        (b"0\r\nA: b\x00\r\n\r\n", Verdict::Rejected),
        (b"10000000000000000\r\n", Verdict::Rejected),
    ];
    for (body, verdict) in cases {
        let r = reference(body, &strict);
        assert_eq!(
            r.verdict,
            *verdict,
            "{:?}: {r:?}",
            String::from_utf8_lossy(body)
        );
    }
    let r = reference(b"2;e\r\nab\r\n0\r\nA:  b c \r\n\r\nGET", &strict);
    assert_eq!(
        r.items,
        [Item::Extension(b";e".to_vec()), Item::Data(b"ab".to_vec())]
    );
    assert_eq!(r.trailers, [(b"A".to_vec(), b"b c".to_vec())]);
    assert_eq!(r.end, 24);
    // Lenient: bare LF, and obs-fold replaced by a space per line-end byte.
    let lenient = Limits::from_flags(3);
    let r = reference(b"1\na\n0\nA: b\r\n c\n\n", &lenient);
    assert_eq!(r.verdict, Verdict::Complete);
    assert_eq!(r.trailers, [(b"A".to_vec(), b"b   c".to_vec())]);
    // Limits: a long chunk line, a large body (its first bytes may come out).
    let r = reference(b"1;aaaaaaaaaa\r\n", &Limits::from_flags(4));
    assert_eq!(r.verdict, Verdict::OverLimit);
    let r = reference(
        &[&b"20\r\n"[..], &[b'x'; 32]].concat(),
        &Limits::from_flags(32),
    );
    assert_eq!(r.verdict, Verdict::OverLimit);
    assert_eq!(r.items, [Item::Data(vec![b'x'; 16])]);
}
