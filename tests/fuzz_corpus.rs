//! Replays the fuzz corpora (and any crash artifacts) through the fuzz drivers, so that
//! a regression fails `cargo test` without a fuzzer.

#[path = "../fuzz/src/h1.rs"]
mod h1_drivers;
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

/// Runs `driver` on every file, naming the files that fail.
fn replay(paths: &[PathBuf], driver: fn(&[u8]) -> h1_drivers::Summary) -> Vec<String> {
    let mut failures = Vec::new();
    for path in paths {
        let data = fs::read(path).expect("readable corpus file");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = panic::catch_unwind(|| driver(&data).check_name(&name));
        if outcome.is_err() {
            failures.push(path.display().to_string());
        }
    }
    failures
}

fn replay_corpus(target: &str, driver: fn(&[u8]) -> h1_drivers::Summary) {
    let seeds = files(&fuzz_dir("corpus").join(target));
    let named = seeds
        .iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("ok-") || name.starts_with("bad-")
        })
        .count();
    assert!(named >= 12, "{target}: only {named} named seeds");
    let failures = replay(&seeds, driver);
    assert!(failures.is_empty(), "{target} failed on {failures:?}");
}

#[test]
fn h1_server_corpus() {
    replay_corpus("h1_server", h1_drivers::server);
}

#[test]
fn h1_client_corpus() {
    replay_corpus("h1_client", h1_drivers::client);
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
    let server = replay(&files(&fuzz_dir("artifacts/h1_server")), h1_drivers::server);
    let client = replay(&files(&fuzz_dir("artifacts/h1_client")), h1_drivers::client);
    assert!(server.is_empty(), "h1_server artifacts fail: {server:?}");
    assert!(client.is_empty(), "h1_client artifacts fail: {client:?}");
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
}
