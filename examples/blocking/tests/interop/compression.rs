//! Compression: curl `--compressed` (HTTP/1.1 and HTTP/2) and python's standard
//! library decode what `blocking-server` compresses, and a gzip request body reaches
//! the routes decoded.

use super::*;
use std::io::Write as _;

/// The identity body of `/text/100000`, and the request that got it (no
/// Accept-Encoding) left it alone.
fn identity(server: &Program, args: &[&str]) -> Vec<u8> {
    let run = curl_run(server, args, &["/text/100000"], b"");
    assert!(
        !run.said("< content-encoding"),
        "no Accept-Encoding, no content coding:\n{}",
        run.stderr
    );
    assert_eq!(run.stdout.len(), 100_000, "{}", run.stderr);
    run.stdout
}

/// curl `--compressed` gets `/text/100000` in gzip and decodes it to the identity body.
fn curl_compressed(server: &Program, args: &[&str]) -> bool {
    let identity = identity(server, args);
    let compressed: Vec<&str> = args.iter().copied().chain(["--compressed"]).collect();
    let run = curl_run(server, &compressed, &["/text/100000"], b"");
    // curl asks for deflate and gzip alike (and br and zstd, which the server does not
    // make): gzip wins the tie.
    assert!(
        run.said("> accept-encoding: deflate, gzip"),
        "{}",
        run.stderr
    );
    assert!(run.said("< content-encoding: gzip"), "{}", run.stderr);
    assert!(run.said("< vary: accept-encoding"), "{}", run.stderr);
    run.stdout == identity
}

#[test]
fn curl_compressed_http1() {
    let _row = row("curl", "compressed");
    curl();
    let server = Program::blocking_server();
    assert!(curl_compressed(&server, &[]), "curl decoded another body");
}

#[test]
fn curl_compressed_http2() {
    let _row = row("curl h2", "compressed");
    curl();
    let server = Program::blocking_server();
    let decoded = curl_compressed(&server, &["--http2-prior-knowledge"]);
    assert!(decoded, "curl decoded another body");
}

#[test]
fn curl_gzip_upload() {
    let _row = row("curl", "gzip upload");
    curl();
    let server = Program::blocking_server();
    let body = pattern(200_000);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(&body).unwrap();
    let encoded = gzip.finish().unwrap();
    let run = curl_run(
        &server,
        &["--header", "Content-Encoding: gzip", "--data-binary", "@-"],
        &["/"],
        &encoded,
    );
    // The routes count what they received: the decoded body.
    assert!(run.said("< x-body-length: 200000"), "{}", run.stderr);
    assert_eq!(run.stdout, b"Hello, World!\n");
}

#[test]
fn python_decodes_gzip_and_deflate() {
    let cases = ["gzip", "deflate", "gzip upload", "h2 gzip"];
    python_client("python", &cases, "compression_client.py");
}
