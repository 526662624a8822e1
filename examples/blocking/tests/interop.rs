//! Interoperability with programs from outside cargo, over loopback: curl and python's
//! h11 as clients of `blocking-server`, and weir's client against an h11 server; over
//! HTTP/2 (with prior knowledge, and by `Upgrade: h2c` for curl and nghttp), curl,
//! nghttp, h2load and python's h2 against `blocking-server`; and compression, decoded
//! by curl `--compressed` and python's `gzip` and `zlib`.
//!
//! Run with `cargo test -p weir-blocking --features interop --test interop`. The
//! programs are `curl`, nghttp2's `nghttp` and `h2load`, and a `python3` that can
//! `import h11, h2` (the one on `PATH`, else `/usr/bin/python3`; Debian: `apt install
//! curl nghttp2-client python3-h11 python3-h2`). A missing program fails
//! the tests that need it: this suite never skips.
//!
//! Once every case has run, a matrix of peer × case → ok / FAIL is printed.

mod support;

#[path = "interop/programs.rs"]
mod programs;

#[path = "interop/h2.rs"]
mod h2;

#[path = "interop/compression.rs"]
mod compression;

use programs::{curl, nghttp2_tool, pattern, python, run, script, Run};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;
use support::{request, Client, Program};

// ---- the matrix ---------------------------------------------------------------------

/// Every row of the matrix: (peer, case).
const ROWS: &[(&str, &str)] = &[
    ("curl", "keep-alive"),
    ("curl", "chunked upload"),
    ("curl", "HTTP/1.0"),
    ("curl", "100-continue"),
    ("curl", "HEAD"),
    ("curl", "bytes/N"),
    ("curl", "trailers"),
    ("curl", "compressed"),
    ("curl", "gzip upload"),
    ("h11 client", "get"),
    ("h11 client", "echo"),
    ("h11 client", "keep-alive"),
    ("h11 server", "content-length"),
    ("h11 server", "chunked response"),
    ("h11 server", "chunked request"),
    ("h11 server", "keep-alive"),
    ("h11 server", "HEAD"),
    ("curl h2", "get"),
    ("curl h2", "echo"),
    ("curl h2", "bytes/N"),
    ("curl h2", "trailers"),
    ("curl h2", "compressed"),
    ("curl h2c", "get"),
    ("curl h2c", "next stream"),
    ("curl h2c", "body: HTTP/1.1"),
    ("nghttp", "push"),
    ("nghttp", "h2c upgrade"),
    ("h2load", "bytes/65536"),
    ("h2load", "echo 1 MB"),
    ("h2 client", "get"),
    ("h2 client", "echo"),
    ("h2 client", "concurrent"),
    ("h2 client", "trailers"),
    ("python", "gzip"),
    ("python", "deflate"),
    ("python", "gzip upload"),
    ("python", "h2 gzip"),
];

static RESULTS: Mutex<BTreeMap<(&str, &str), bool>> = Mutex::new(BTreeMap::new());

fn record(peer: &'static str, case: &'static str, ok: bool) {
    let mut results = RESULTS.lock().unwrap_or_else(|e| e.into_inner());
    results.insert((peer, case), ok);
    // Printed once, by the test that completes the matrix.
    if !ROWS.iter().all(|row| results.contains_key(row)) {
        return;
    }
    let mut table = String::from("\ninterop matrix (peer × case)\n");
    for &(peer, case) in ROWS {
        let verdict = if results[&(peer, case)] { "ok" } else { "FAIL" };
        table += &format!("  {peer:<12} {case:<18} {verdict}\n");
    }
    // Straight to the process's stderr: the test harness captures `eprintln!`.
    let _ = std::io::stderr().lock().write_all(table.as_bytes());
}

/// Records its rows when the test ends: a verdict given with [`Rows::set`], else ok,
/// or FAIL if the test is unwinding.
struct Rows {
    peer: &'static str,
    cases: Vec<(&'static str, Option<bool>)>,
}

impl Rows {
    fn new(peer: &'static str, cases: &[&'static str]) -> Rows {
        let cases = cases.iter().map(|&c| (c, None)).collect();
        Rows { peer, cases }
    }

    fn set(&mut self, case: &str, ok: bool) {
        for (c, verdict) in &mut self.cases {
            if *c == case {
                *verdict = Some(ok);
            }
        }
    }
}

impl Drop for Rows {
    fn drop(&mut self) {
        let unwinding = std::thread::panicking();
        for &(case, verdict) in &self.cases {
            record(self.peer, case, verdict.unwrap_or(!unwinding));
        }
    }
}

/// The row of a test with a single case.
fn row(peer: &'static str, case: &'static str) -> Rows {
    Rows::new(peer, &[case])
}

// ---- programs -----------------------------------------------------------------------

/// curl with `args` then `urls` (paths on `server`); it must exit 0.
fn curl_run(server: &Program, args: &[&str], paths: &[&str], stdin: &[u8]) -> Run {
    let urls: Vec<String> = paths
        .iter()
        .map(|p| format!("http://{}{p}", server.addr))
        .collect();
    let mut all = vec!["--silent", "--show-error", "--verbose", "--max-time", "10"];
    all.extend_from_slice(args);
    all.extend(urls.iter().map(String::as_str));
    let run = run(curl(), &all, stdin);
    assert!(
        run.status.success(),
        "curl {all:?} failed ({}); stderr:\n{}",
        run.status,
        run.stderr
    );
    run
}

// ---- curl against blocking-server ---------------------------------------------------

#[test]
fn curl_keep_alive() {
    let _row = row("curl", "keep-alive");
    curl();
    let server = Program::blocking_server();
    let run = curl_run(&server, &[], &["/", "/bytes/10", "/"], b"");
    assert!(run.said("> GET / HTTP/1.1"), "{}", run.stderr);
    assert_eq!(
        run.count("Connected to"),
        1,
        "one connection:\n{}",
        run.stderr
    );
    assert_eq!(
        run.count("Re-using existing connection"),
        2,
        "the connection is reused:\n{}",
        run.stderr
    );
    assert_eq!(run.stdout.len(), 14 + 10 + 14);
    assert!(run.stdout.starts_with(b"Hello, World!\n"));
    assert!(run.stdout.ends_with(b"Hello, World!\n"));
}

#[test]
fn curl_chunked_upload_echoed() {
    let _row = row("curl", "chunked upload");
    curl();
    let server = Program::blocking_server();
    // Larger than the socket buffers, so that the echo streams while curl still sends.
    let body = pattern(300_000);
    let run = curl_run(&server, &["--upload-file", "-"], &["/echo"], &body);
    assert!(run.said("> PUT /echo HTTP/1.1"), "{}", run.stderr);
    assert!(run.said("> Transfer-Encoding: chunked"), "{}", run.stderr);
    assert!(run.said("< HTTP/1.1 200"), "{}", run.stderr);
    assert_eq!(run.stdout.len(), body.len());
    assert!(run.stdout == body, "the echo differs from what was sent");
}

#[test]
fn curl_http10() {
    let _row = row("curl", "HTTP/1.0");
    curl();
    let server = Program::blocking_server();
    // `/trailers` is chunked to HTTP/1.1 clients; an HTTP/1.0 client cannot take that.
    let run = curl_run(&server, &["--http1.0"], &["/", "/trailers"], b"");
    assert!(run.said("> GET / HTTP/1.0"), "{}", run.stderr);
    assert!(run.said("> GET /trailers HTTP/1.0"), "{}", run.stderr);
    let ok = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("< HTTP/1.1 200") || l.starts_with("< HTTP/1.0 200"))
        .count();
    assert_eq!(ok, 2, "{}", run.stderr);
    assert!(
        !run.said("< transfer-encoding"),
        "no Transfer-Encoding to an HTTP/1.0 client:\n{}",
        run.stderr
    );
    assert_eq!(run.stdout_text(), "Hello, World!\nbody\n");
}

#[test]
fn curl_expect_100_continue() {
    let _row = row("curl", "100-continue");
    curl();
    let server = Program::blocking_server();
    let body = b"a body that waits to be asked for";
    // curl waits up to 3 s for the 100 before sending the body anyway: finishing well
    // under 1 s shows that the server asked for it at once.
    let run = curl_run(
        &server,
        &[
            "--header",
            "Expect: 100-continue",
            "--expect100-timeout",
            "3",
            "--data-binary",
            "@-",
        ],
        &["/echo"],
        body,
    );
    assert!(run.said("> Expect: 100-continue"), "{}", run.stderr);
    assert!(run.said("< HTTP/1.1 100 Continue"), "{}", run.stderr);
    assert!(run.said("< HTTP/1.1 200"), "{}", run.stderr);
    assert_eq!(run.stdout, body);
    assert!(
        run.elapsed < Duration::from_millis(900),
        "took {:?}: curl waited for the 100 instead of getting it",
        run.elapsed
    );
}

#[test]
fn curl_head() {
    let _row = row("curl", "HEAD");
    curl();
    let server = Program::blocking_server();
    let run = curl_run(&server, &["--head"], &["/", "/"], b"");
    assert!(run.said("> HEAD / HTTP/1.1"), "{}", run.stderr);
    // The connection stays usable after a HEAD: no body bytes were sent.
    assert_eq!(run.count("Connected to"), 1, "{}", run.stderr);
    let heads = run.stdout_text().to_ascii_lowercase();
    assert_eq!(heads.matches("http/1.1 200").count(), 2, "{heads}");
    assert_eq!(heads.matches("content-type: text/plain\r\n").count(), 2);
    assert_eq!(heads.matches("x-body-length: 0\r\n").count(), 2);
    assert!(
        !heads.contains("hello"),
        "a HEAD response has no body: {heads}"
    );
}

#[test]
fn curl_bytes_n() {
    let _row = row("curl", "bytes/N");
    curl();
    let server = Program::blocking_server();
    let run = curl_run(&server, &[], &["/bytes/123457"], b"");
    assert!(run.said("< content-length: 123457"), "{}", run.stderr);
    assert_eq!(run.stdout.len(), 123_457);
}

#[test]
fn curl_trailers() {
    let _row = row("curl", "trailers");
    curl();
    let server = Program::blocking_server();
    // With --include, curl writes the trailer lines after the body.
    let run = curl_run(&server, &["--include"], &["/trailers"], b"");
    let text = run.stdout_text();
    let (head, rest) = text.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    assert!(rest.starts_with("body\n"), "body: {rest:?}");
    assert!(
        rest.to_ascii_lowercase().contains("x-checksum: done"),
        "no trailer after the body: {rest:?}"
    );
}

// ---- python's h11 as a client of blocking-server ------------------------------------

/// Runs the python client `name` (in `tests/interop/`) against a new
/// `blocking-server`: each of `cases` of `peer` is ok if it printed `ok CASE`, and it
/// must exit 0.
fn python_client(peer: &'static str, cases: &[&'static str], name: &str) {
    let mut rows = Rows::new(peer, cases);
    let python = python();
    let server = Program::blocking_server();
    let run = run(python, &[&script(name), &server.authority()], b"");
    let said = run.stdout_text();
    for case in cases {
        rows.set(case, said.lines().any(|l| l == format!("ok {case}")));
    }
    assert!(
        run.status.success(),
        "{name} failed ({}):\n{said}{}",
        run.status,
        run.stderr
    );
}

#[test]
fn h11_client_against_blocking_server() {
    python_client(
        "h11 client",
        &["get", "echo", "keep-alive"],
        "h11_client.py",
    );
}

// ---- weir's client against python's h11 as a server ---------------------------------

fn h11_server() -> Program {
    let mut cmd = Command::new(python());
    cmd.arg(script("h11_server.py"));
    Program::start("h11 server", cmd)
}

#[test]
fn h11_server_content_length() {
    let _row = row("h11 server", "content-length");
    let server = h11_server();
    let mut client = Client::connect(server.addr);
    let reply = client.exchange(request("GET", "/hello", &server.authority()), &[]);
    assert_eq!(reply.head.status, 200);
    // h11 writes an empty reason phrase: `HTTP/1.1 200 \r\n`.
    assert_eq!(reply.head.reason, "");
    assert_eq!(reply.field("content-length").as_deref(), Some("15"));
    assert_eq!(reply.field("content-type").as_deref(), Some("text/plain"));
    assert_eq!(reply.body, b"hello from h11\n");
    assert!(reply.trailers.is_none());
}

#[test]
fn h11_server_chunked_response_with_trailer() {
    let _row = row("h11 server", "chunked response");
    let server = h11_server();
    let mut client = Client::connect(server.addr);
    let reply = client.exchange(request("GET", "/chunked", &server.authority()), &[]);
    assert_eq!(reply.head.status, 200);
    assert_eq!(reply.field("transfer-encoding").as_deref(), Some("chunked"));
    assert_eq!(reply.body, b"alpha beta gamma\n");
    assert_eq!(reply.trailer("x-trailer").as_deref(), Some("h11"));
}

#[test]
fn h11_server_reads_chunked_request() {
    let _row = row("h11 server", "chunked request");
    let server = h11_server();
    let mut client = Client::connect(server.addr);
    let big = pattern(100_000);
    let reply = client.exchange(
        request("POST", "/upload", &server.authority()),
        &[b"one,", &big, b"three"],
    );
    assert_eq!(reply.head.status, 200);
    assert_eq!(reply.field("x-request-te").as_deref(), Some("chunked"));
    assert_eq!(reply.field("x-body-length").as_deref(), Some("100009"));
    let expected = [&b"one,"[..], &big, b"three"].concat();
    assert!(reply.body == expected, "h11 received a different body");
}

#[test]
fn h11_server_keep_alive() {
    let _row = row("h11 server", "keep-alive");
    let server = h11_server();
    let authority = server.authority();
    let mut client = Client::connect(server.addr);
    let mut connections = Vec::new();
    for (method, target, body) in [
        ("GET", "/hello", &[][..]),
        ("GET", "/chunked", &[]),
        ("POST", "/upload", &[&b"abc"[..]]),
        ("GET", "/missing", &[]),
        ("GET", "/hello", &[]),
    ] {
        let reply = client.exchange(request(method, target, &authority), body);
        let expected = if target == "/missing" { 404 } else { 200 };
        assert_eq!(reply.head.status, expected, "{method} {target}");
        connections.push(reply.field("x-connection").expect("x-connection"));
    }
    assert!(
        connections.windows(2).all(|w| w[0] == w[1]),
        "every exchange on one connection: {connections:?}"
    );
}

#[test]
fn h11_server_head() {
    let _row = row("h11 server", "HEAD");
    let server = h11_server();
    let authority = server.authority();
    let mut client = Client::connect(server.addr);
    let head = client.exchange(request("HEAD", "/hello", &authority), &[]);
    assert_eq!(head.head.status, 200);
    assert_eq!(head.field("content-length").as_deref(), Some("15"));
    assert!(head.body.is_empty());
    // The announced 15 bytes never come: the next response starts right after the head.
    let get = client.exchange(request("GET", "/hello", &authority), &[]);
    assert_eq!(get.body, b"hello from h11\n");
    assert_eq!(get.field("x-connection"), head.field("x-connection"));
}
