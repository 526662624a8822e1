//! Interoperability of the tokio adapter with independent implementations, over
//! loopback: curl, nghttp, h2load and python's h2 and h11 as clients of `tokio-server`
//! (HTTP/1.1, h2c by prior knowledge and by `Upgrade: h2c`, and over TLS by ALPN); and
//! weir's clients, `blocking-client` and `tokio-client`, against nghttpd and a hyper
//! server.
//!
//! Run with `cargo test -p weir-tokio --features interop --test interop`. The programs
//! are `curl`, nghttp2's `nghttp`, `h2load` and `nghttpd`, and a `python3` that can
//! `import h11, h2` (Debian: `apt install curl nghttp2-client nghttp2-server python3-h11
//! python3-h2`). A missing program fails the tests that need it: this suite never
//! skips. Cargo gives a test the binaries of its own package only, so the suite builds
//! `blocking-client` with the cargo that runs it.
//!
//! The program runner, the server guard and the python clients are weir-blocking's
//! suite's. Once every cell has run, a matrix of peer × case × protocol × TLS is
//! printed.

#[path = "../../blocking/tests/support/mod.rs"]
mod support;

#[path = "../../blocking/tests/interop/programs.rs"]
mod programs;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use programs::{curl, nghttp2_tool, pattern, python, run, script, Run};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use support::Program;
use tokio_rustls::TlsAcceptor;
use weir::Version;
use weir_tokio::Identity;

/// Fails the cell with a message when `cond` does not hold.
macro_rules! ensure {
    ($cond:expr, $($message:tt)+) => {
        if !$cond {
            return Err(format!($($message)+));
        }
    };
}

// ---- the matrix ---------------------------------------------------------------------

/// The protocol a cell speaks.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Proto {
    H1,
    /// HTTP/2 over cleartext TCP.
    H2c,
    /// HTTP/2 over TLS.
    H2,
}

use Proto::{H2c, H1, H2};

impl Proto {
    fn name(self) -> &'static str {
        match self {
            H1 => "h1",
            H2c => "h2c",
            H2 => "h2",
        }
    }
}

/// Peer, case, protocol, over TLS.
type Cell = (&'static str, &'static str, Proto, bool);

/// Every cell, in the order of the printed matrix.
const CELLS: &[Cell] = &[
    ("curl", "GET", H1, false),
    ("curl", "GET (prior knowledge)", H2c, false),
    ("curl", "GET (Upgrade: h2c)", H2c, false),
    ("curl", "--compressed /text/100000", H1, false),
    ("curl", "chunked upload to /echo", H1, false),
    ("curl", "Expect: 100-continue", H1, false),
    ("curl", "GET", H1, true),
    ("curl", "GET", H2, true),
    ("curl", "--compressed /text/100000", H2, true),
    ("curl", "upload to /echo", H2, true),
    ("nghttp", "GET", H2c, false),
    ("nghttp", "push", H2c, false),
    ("nghttp", "/bytes/10000000", H2c, false),
    ("nghttp", "-m 100 (100 streams)", H2c, false),
    ("nghttp", "GET", H2, true),
    ("h2load", "-n 2000 -c 4 -m 16", H1, false),
    ("h2load", "-n 2000 -c 4 -m 16", H2c, false),
    ("h2load", "-n 2000 -c 4 -m 16", H2, true),
    ("python h11", "get", H1, false),
    ("python h11", "echo", H1, false),
    ("python h11", "keep-alive", H1, false),
    ("python h2", "get", H2c, false),
    ("python h2", "echo", H2c, false),
    ("python h2", "concurrent", H2c, false),
    ("python h2", "trailers", H2c, false),
    ("python zlib", "gzip", H1, false),
    ("python zlib", "deflate", H1, false),
    ("python zlib", "gzip upload", H1, false),
    ("python zlib", "h2 gzip", H2c, false),
    ("nghttpd", "blocking-client GET", H2c, false),
    ("nghttpd", "blocking-client POST", H2c, false),
    ("nghttpd", "tokio-client GET", H2c, false),
    ("nghttpd", "tokio-client POST", H2c, false),
    ("nghttpd", "tokio-client GET", H2, true),
    ("nghttpd", "tokio-client POST", H2, true),
    ("hyper", "blocking-client GET", H1, false),
    ("hyper", "blocking-client POST", H1, false),
    ("hyper", "blocking-client GET", H2c, false),
    ("hyper", "blocking-client POST", H2c, false),
    ("hyper", "tokio-client GET", H1, false),
    ("hyper", "tokio-client POST", H1, false),
    ("hyper", "tokio-client GET", H2c, false),
    ("hyper", "tokio-client POST", H2c, false),
    ("hyper", "tokio-client GET", H1, true),
    ("hyper", "tokio-client POST", H1, true),
    ("hyper", "tokio-client GET", H2, true),
    ("hyper", "tokio-client POST", H2, true),
];

static RESULTS: Mutex<BTreeMap<Cell, bool>> = Mutex::new(BTreeMap::new());

fn record(cell: Cell, ok: bool) {
    let mut results = RESULTS.lock().unwrap_or_else(|e| e.into_inner());
    results.insert(cell, ok);
    // Printed once, by the test that completes the matrix.
    if !CELLS.iter().all(|cell| results.contains_key(cell)) {
        return;
    }
    let mut table = String::from("\ninterop matrix of tokio-server and the weir clients\n");
    table += &format!(
        "  {:<12} {:<28} {:<9} {:<4} result\n",
        "peer", "case", "protocol", "TLS"
    );
    for cell @ &(peer, case, proto, tls) in CELLS {
        let tls = if tls { "yes" } else { "no" };
        let verdict = if results[cell] { "ok" } else { "FAIL" };
        table += &format!(
            "  {peer:<12} {case:<28} {:<9} {tls:<4} {verdict}\n",
            proto.name()
        );
    }
    // Straight to the process's stderr: the test harness captures `eprintln!`.
    let _ = std::io::stderr().lock().write_all(table.as_bytes());
}

/// The cells of one test: each is checked by a closure whose panic (a program missing,
/// a timeout) fails that cell only. They are recorded when the test ends; a cell never
/// checked is a FAIL.
struct Cells {
    cells: Vec<(Cell, Option<Result<(), String>>)>,
}

impl Cells {
    /// The cells of `peer`, all of them or those over TLS or not as `tls` says.
    fn of(peer: &str, tls: Option<bool>) -> Cells {
        let cells = CELLS
            .iter()
            .filter(|c| c.0 == peer && tls.is_none_or(|tls| c.3 == tls))
            .map(|&c| (c, None))
            .collect();
        Cells { cells }
    }

    fn check(
        &mut self,
        case: &str,
        proto: Proto,
        tls: bool,
        f: impl FnOnce() -> Result<(), String>,
    ) {
        let Some((_, verdict)) = self
            .cells
            .iter_mut()
            .find(|((_, c, p, t), _)| *c == case && *p == proto && *t == tls)
        else {
            panic!("no cell {case} / {proto:?} / TLS {tls} in this test");
        };
        *verdict = Some(match catch_unwind(AssertUnwindSafe(f)) {
            Ok(result) => result,
            Err(panic) => Err(panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panicked".into())),
        });
    }

    /// Asserts that every cell was checked and passed.
    fn finish(&self) {
        let failed: Vec<String> = self
            .cells
            .iter()
            .filter_map(|((peer, case, proto, tls), verdict)| {
                let why = match verdict {
                    Some(Ok(())) => return None,
                    Some(Err(why)) => why.as_str(),
                    None => "not checked",
                };
                let tls = if *tls { "TLS" } else { "no TLS" };
                Some(format!("{peer} / {case} / {} / {tls}: {why}", proto.name()))
            })
            .collect();
        assert!(failed.is_empty(), "\n{}", failed.join("\n\n"));
    }
}

impl Drop for Cells {
    fn drop(&mut self) {
        for (cell, verdict) in &self.cells {
            record(*cell, matches!(verdict, Some(Ok(()))));
        }
    }
}

// ---- the programs -------------------------------------------------------------------

/// `tokio-server` on a free loopback port; over TLS with the test certificate if `tls`.
fn tokio_server(tls: bool) -> Program {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokio-server"));
    cmd.args(["--listen", "127.0.0.1:0"]);
    if tls {
        let files = files();
        cmd.arg("--tls-cert").arg(&files.cert);
        cmd.arg("--tls-key").arg(&files.key);
    }
    Program::start("tokio-server", cmd)
}

/// The URL of `path` at `addr`.
fn url(addr: SocketAddr, tls: bool, path: &str) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{addr}{path}")
}

/// What this process writes for its peers: a certificate for 127.0.0.1 and its key
/// (PEM), and the document root of nghttpd.
struct Files {
    cert: PathBuf,
    key: PathBuf,
    htdocs: PathBuf,
}

/// What nghttpd serves at `/hello.txt`.
const NGHTTPD_HELLO: &[u8] = b"hello from nghttpd\n";

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("weir-tokio-interop-{}", std::process::id()));
        let htdocs = dir.join("htdocs");
        std::fs::create_dir_all(&htdocs).unwrap();
        std::fs::write(htdocs.join("hello.txt"), NGHTTPD_HELLO).unwrap();
        let names = ["localhost", "127.0.0.1"].map(String::from).to_vec();
        let made = rcgen::generate_simple_self_signed(names).expect("a certificate");
        let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&cert, made.cert.pem()).unwrap();
        std::fs::write(&key, made.key_pair.serialize_pem()).unwrap();
        Files { cert, key, htdocs }
    })
}

/// curl with `args` on `url`, verbose, `--write-out` adding `http_version=V` and
/// `size_download=N` (bytes received, before decoding) to its stderr; it must exit 0.
fn curl_run(args: &[&str], url: &str, stdin: &[u8]) -> Result<Run, String> {
    let mut all = vec![
        "--silent",
        "--show-error",
        "--verbose",
        "--max-time",
        "10",
        "--write-out",
        "%{stderr}http_version=%{http_version}\nsize_download=%{size_download}\n",
    ];
    all.extend_from_slice(args);
    all.push(url);
    let run = run(curl(), &all, stdin);
    ensure!(
        run.status.success(),
        "curl {all:?} failed ({}); stderr:\n{}",
        run.status,
        run.stderr
    );
    Ok(run)
}

/// A program's run that must have exited 0.
fn run_ok(program: &str, args: &[&str], stdin: &[u8]) -> Result<Run, String> {
    let run = run(program, args, stdin);
    ensure!(
        run.status.success(),
        "{program} {args:?} failed ({}); stdout:\n{}\nstderr:\n{}",
        run.status,
        String::from_utf8_lossy(&run.stdout[..run.stdout.len().min(4096)]),
        run.stderr
    );
    Ok(run)
}

// ---- curl against tokio-server ------------------------------------------------------

const HELLO: &[u8] = b"Hello, World!\n";

#[test]
fn curl_cleartext() {
    let mut cells = Cells::of("curl", Some(false));
    curl();
    let server = tokio_server(false);
    let addr = server.addr;

    cells.check("GET", H1, false, || {
        let run = curl_run(&[], &url(addr, false, "/"), b"")?;
        ensure!(run.said("> GET / HTTP/1.1"), "{}", run.stderr);
        ensure!(run.said("< HTTP/1.1 200"), "{}", run.stderr);
        ensure!(run.said("http_version=1.1"), "{}", run.stderr);
        ensure!(run.stdout == HELLO, "body {:?}", run.stdout_text());
        Ok(())
    });

    cells.check("GET (prior knowledge)", H2c, false, || {
        let run = curl_run(&["--http2-prior-knowledge"], &url(addr, false, "/"), b"")?;
        ensure!(run.said("< HTTP/2 200"), "{}", run.stderr);
        ensure!(run.said("http_version=2"), "{}", run.stderr);
        ensure!(run.stdout == HELLO, "body {:?}", run.stdout_text());
        Ok(())
    });

    // A plain http:// URL with --http2: curl asks for h2c with Upgrade (RFC 7540 §3.2)
    // and the server, detecting the version, switches.
    cells.check("GET (Upgrade: h2c)", H2c, false, || {
        let run = curl_run(&["--http2"], &url(addr, false, "/"), b"")?;
        ensure!(run.said("> Upgrade: h2c"), "{}", run.stderr);
        ensure!(
            run.said("< HTTP/1.1 101 Switching Protocols"),
            "{}",
            run.stderr
        );
        ensure!(run.said("< HTTP/2 200"), "{}", run.stderr);
        ensure!(run.said("http_version=2"), "{}", run.stderr);
        ensure!(run.stdout == HELLO, "body {:?}", run.stdout_text());
        Ok(())
    });

    cells.check("--compressed /text/100000", H1, false, || {
        curl_compressed(&[], addr, false)
    });

    cells.check("chunked upload to /echo", H1, false, || {
        // Larger than the socket buffers, so that the echo streams while curl still
        // sends.
        let body = pattern(300_000);
        let run = curl_run(&["--upload-file", "-"], &url(addr, false, "/echo"), &body)?;
        ensure!(run.said("> PUT /echo HTTP/1.1"), "{}", run.stderr);
        ensure!(run.said("> Transfer-Encoding: chunked"), "{}", run.stderr);
        ensure!(run.said("< HTTP/1.1 200"), "{}", run.stderr);
        ensure!(
            run.stdout == body,
            "the echo ({} bytes) differs from the {} bytes sent",
            run.stdout.len(),
            body.len()
        );
        Ok(())
    });

    cells.check("Expect: 100-continue", H1, false, || {
        let body = b"a body that waits to be asked for";
        // curl waits up to 3 s for the 100 before sending the body anyway: finishing
        // well under 1 s shows that the server asked for it at once.
        let args = [
            "--header",
            "Expect: 100-continue",
            "--expect100-timeout",
            "3",
            "--data-binary",
            "@-",
        ];
        let run = curl_run(&args, &url(addr, false, "/echo"), body)?;
        ensure!(run.said("> Expect: 100-continue"), "{}", run.stderr);
        ensure!(run.said("< HTTP/1.1 100 Continue"), "{}", run.stderr);
        ensure!(run.said("< HTTP/1.1 200"), "{}", run.stderr);
        ensure!(run.stdout == body, "echo {:?}", run.stdout_text());
        ensure!(
            run.elapsed < Duration::from_millis(900),
            "took {:?}: curl waited for the 100 instead of getting it",
            run.elapsed
        );
        Ok(())
    });

    cells.finish();
}

#[test]
fn curl_tls() {
    let mut cells = Cells::of("curl", Some(true));
    curl();
    let server = tokio_server(true);
    let addr = server.addr;

    cells.check("GET", H2, true, || {
        let run = curl_run(&["--insecure"], &url(addr, true, "/"), b"")?;
        ensure!(run.said("ALPN: server accepted h2"), "{}", run.stderr);
        ensure!(run.said("< HTTP/2 200"), "{}", run.stderr);
        ensure!(run.said("http_version=2"), "{}", run.stderr);
        ensure!(run.stdout == HELLO, "body {:?}", run.stdout_text());
        Ok(())
    });

    cells.check("GET", H1, true, || {
        let run = curl_run(&["--http1.1", "--insecure"], &url(addr, true, "/"), b"")?;
        ensure!(run.said("ALPN: server accepted http/1.1"), "{}", run.stderr);
        ensure!(run.said("< HTTP/1.1 200"), "{}", run.stderr);
        ensure!(run.said("http_version=1.1"), "{}", run.stderr);
        ensure!(run.stdout == HELLO, "body {:?}", run.stdout_text());
        Ok(())
    });

    cells.check("--compressed /text/100000", H2, true, || {
        curl_compressed(&["--insecure"], addr, true)
    });

    cells.check("upload to /echo", H2, true, || {
        let body = pattern(300_000);
        let args = ["--insecure", "--data-binary", "@-"];
        let run = curl_run(&args, &url(addr, true, "/echo"), &body)?;
        ensure!(run.said("< HTTP/2 200"), "{}", run.stderr);
        ensure!(
            run.stdout == body,
            "the echo ({} bytes) differs from the {} bytes sent",
            run.stdout.len(),
            body.len()
        );
        Ok(())
    });

    cells.finish();
}

/// curl `--compressed` gets `/text/100000` content-coded, fewer bytes on the wire, and
/// decodes it to the identity body that a request without Accept-Encoding gets.
fn curl_compressed(args: &[&str], addr: SocketAddr, tls: bool) -> Result<(), String> {
    let target = url(addr, tls, "/text/100000");
    let identity = curl_run(args, &target, b"")?;
    ensure!(
        !identity.said("< content-encoding"),
        "no Accept-Encoding, no content coding:\n{}",
        identity.stderr
    );
    ensure!(identity.stdout.len() == 100_000, "{}", identity.stderr);
    let compressed: Vec<&str> = args.iter().copied().chain(["--compressed"]).collect();
    let run = curl_run(&compressed, &target, b"")?;
    ensure!(run.said("> accept-encoding:"), "{}", run.stderr);
    ensure!(run.said("< content-encoding: gzip"), "{}", run.stderr);
    let size = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("size_download="))
        .and_then(|n| n.parse::<usize>().ok());
    ensure!(
        size.is_some_and(|n| n < 100_000 / 4),
        "{size:?} bytes came for 100000 bytes of text"
    );
    ensure!(
        run.stdout == identity.stdout,
        "curl decoded {} bytes that differ from the identity body",
        run.stdout.len()
    );
    Ok(())
}

// ---- nghttp and h2load against tokio-server -----------------------------------------

/// The rows of nghttp's `--stat` table: (pushed, status, body size, path).
fn nghttp_stats(out: &str) -> Vec<(bool, u16, usize, String)> {
    let table = out.split_once("request path\n").map_or("", |(_, t)| t);
    table
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let [.., code, size, path] = words[..] else {
                return None;
            };
            Some((
                words.contains(&"*"),
                code.parse().ok()?,
                size.parse().ok()?,
                path.to_string(),
            ))
        })
        .collect()
}

/// nghttp's verbose log of one exchange: no reset, no GOAWAY from the server.
fn nghttp_clean(out: &str) -> Result<(), String> {
    ensure!(
        !out.contains("RST_STREAM") && !out.contains("recv GOAWAY"),
        "{out}"
    );
    Ok(())
}

#[test]
fn nghttp_cleartext() {
    let mut cells = Cells::of("nghttp", Some(false));
    let nghttp = nghttp2_tool("nghttp");
    let server = tokio_server(false);
    let addr = server.addr;

    cells.check("GET", H2c, false, || {
        let run = run_ok(nghttp, &["--verbose", &url(addr, false, "/")], b"")?;
        let out = run.stdout_text();
        ensure!(out.contains(":status: 200"), "{out}");
        ensure!(out.contains("Hello, World!\n"), "{out}");
        nghttp_clean(&out)
    });

    // nghttp takes pushed streams unless told `--no-push`.
    cells.check("push", H2c, false, || {
        let args = [
            "--verbose",
            "--null-out",
            "--stat",
            &url(addr, false, "/push"),
        ];
        let run = run_ok(nghttp, &args, b"")?;
        let out = run.stdout_text();
        ensure!(out.matches("recv PUSH_PROMISE frame").count() == 2, "{out}");
        let mut stats = nghttp_stats(&out);
        stats.sort_by(|a, b| a.3.cmp(&b.3));
        let expected = [
            (true, 200, 16, "/bytes/16".to_string()),
            (false, 200, 9, "/push".to_string()),
            (true, 200, 64, "/text/64".to_string()),
        ];
        ensure!(
            stats == expected,
            "streams (pushed, status, size, path): {stats:?}\n{out}"
        );
        nghttp_clean(&out)
    });

    cells.check("/bytes/10000000", H2c, false, || {
        let run = run_ok(nghttp, &[&url(addr, false, "/bytes/10000000")], b"")?;
        ensure!(
            run.stdout.len() == 10_000_000,
            "{} bytes; stderr:\n{}",
            run.stdout.len(),
            run.stderr
        );
        Ok(())
    });

    // `-m 100`: the same request 100 times, on as many streams at once as the server
    // allows.
    cells.check("-m 100 (100 streams)", H2c, false, || {
        let target = url(addr, false, "/bytes/1000");
        let args = ["--null-out", "--stat", "--multiply", "100", &target];
        let run = run_ok(nghttp, &args, b"")?;
        let out = run.stdout_text();
        let stats = nghttp_stats(&out);
        ensure!(stats.len() == 100, "{} streams:\n{out}", stats.len());
        ensure!(
            stats.iter().all(|s| s.1 == 200 && s.2 == 1000),
            "every stream is a 200 with 1000 bytes:\n{out}"
        );
        Ok(())
    });

    cells.finish();
}

#[test]
fn nghttp_tls() {
    let mut cells = Cells::of("nghttp", Some(true));
    let nghttp = nghttp2_tool("nghttp");
    let server = tokio_server(true);
    let addr = server.addr;

    cells.check("GET", H2, true, || {
        let run = run_ok(nghttp, &["--verbose", &url(addr, true, "/")], b"")?;
        let out = run.stdout_text();
        ensure!(out.contains("The negotiated protocol: h2"), "{out}");
        ensure!(out.contains(":status: 200"), "{out}");
        ensure!(out.contains("Hello, World!\n"), "{out}");
        nghttp_clean(&out)
    });

    cells.finish();
}

/// h2load's run of 2000 requests from 4 clients, 16 at a time on each: all succeed.
fn h2load_run(addr: SocketAddr, tls: bool, extra: &[&str], protocol: &str) -> Result<(), String> {
    let h2load = nghttp2_tool("h2load");
    let target = url(addr, tls, "/bytes/1000");
    let mut args = vec!["-n", "2000", "-c", "4", "-m", "16"];
    args.extend_from_slice(extra);
    args.push(&target);
    let run = run_ok(h2load, &args, b"")?;
    let out = run.stdout_text();
    ensure!(
        out.contains(&format!("Application protocol: {protocol}\n")),
        "{out}"
    );
    ensure!(
        out.contains("2000 succeeded, 0 failed, 0 errored, 0 timeout"),
        "{out}"
    );
    ensure!(out.contains("status codes: 2000 2xx"), "{out}");
    // 2000 bodies of 1000 bytes.
    ensure!(out.contains(" (2000000) data"), "{out}");
    Ok(())
}

#[test]
fn h2load_cleartext() {
    let mut cells = Cells::of("h2load", Some(false));
    let server = tokio_server(false);
    cells.check("-n 2000 -c 4 -m 16", H2c, false, || {
        h2load_run(server.addr, false, &[], "h2c")
    });
    // `--h1`: HTTP/1.1, the 16 requests of a client pipelined on its connection.
    cells.check("-n 2000 -c 4 -m 16", H1, false, || {
        h2load_run(server.addr, false, &["--h1"], "http/1.1")
    });
    cells.finish();
}

#[test]
fn h2load_tls() {
    let mut cells = Cells::of("h2load", Some(true));
    let server = tokio_server(true);
    cells.check("-n 2000 -c 4 -m 16", H2, true, || {
        h2load_run(server.addr, true, &[], "h2")
    });
    cells.finish();
}

// ---- python's h11 and h2 against tokio-server ---------------------------------------

/// Runs weir-blocking's python client `name` against a new `tokio-server`: each case
/// is ok if the script printed `ok CASE`; the script must also exit 0, which the last
/// case answers for.
fn python_client(peer: &str, name: &str, cases: &[(&str, Proto)]) {
    let mut cells = Cells::of(peer, None);
    let python = python();
    let server = tokio_server(false);
    let run = run(python, &[&script(name), &server.authority()], b"");
    let said = run.stdout_text();
    for (i, &(case, proto)) in cases.iter().enumerate() {
        let last = i + 1 == cases.len();
        cells.check(case, proto, false, || {
            let ok = said.lines().any(|l| l == format!("ok {case}"));
            ensure!(
                ok && (!last || run.status.success()),
                "{name} ({}) said:\n{said}{}",
                run.status,
                run.stderr
            );
            Ok(())
        });
    }
    cells.finish();
}

#[test]
fn python_h11_client() {
    let cases = [("get", H1), ("echo", H1), ("keep-alive", H1)];
    python_client("python h11", "h11_client.py", &cases);
}

#[test]
fn python_h2_client() {
    let cases = [
        ("get", H2c),
        ("echo", H2c),
        ("concurrent", H2c),
        ("trailers", H2c),
    ];
    python_client("python h2", "h2_client.py", &cases);
}

#[test]
fn python_decodes_compression() {
    let cases = [
        ("gzip", H1),
        ("deflate", H1),
        ("gzip upload", H1),
        ("h2 gzip", H2c),
    ];
    python_client("python zlib", "compression_client.py", &cases);
}

// ---- weir's clients against nghttpd and hyper ---------------------------------------

/// weir-blocking's `blocking-client`, built for this run.
fn blocking_client() -> &'static str {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        // Cargo gives a test only its own package's binaries; the cargo that runs the
        // suite builds this one, in the same target directory.
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .args(["build", "-p", "weir-blocking", "--bin", "blocking-client"])
            .arg("--message-format=json")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let mut child = cmd.spawn().map_err(|e| format!("{cargo}: {e}"))?;
        // The library is built already (weir-tokio depends on it): only the binary's
        // crate is left, or nothing.
        let give_up = Instant::now() + Duration::from_secs(300);
        while child.try_wait().map_err(|e| e.to_string())?.is_none() {
            if Instant::now() > give_up {
                let _ = child.kill();
                let _ = child.wait();
                return Err("building blocking-client took over 300 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let executable = stdout
            .lines()
            .filter(|l| l.contains(r#""name":"blocking-client""#))
            .find_map(|l| l.split_once(r#""executable":""#)?.1.split_once('"'))
            .map(|(path, _)| path.to_string());
        match executable {
            Some(path) if output.status.success() => Ok(path),
            _ => Err(format!(
                "cargo build -p weir-blocking --bin blocking-client failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )),
        }
    });
    built.as_deref().unwrap_or_else(|e| panic!("{e}"))
}

/// Whether a weir client printed the status line `VERSION 200 [REASON]` first.
fn status_line(run: &Run, version: &str) -> Result<(), String> {
    let first = run.stderr.lines().next().unwrap_or_default();
    let words: Vec<&str> = first.split_whitespace().collect();
    ensure!(
        words.starts_with(&[version, "200"]),
        "status line {first:?}; stderr:\n{}",
        run.stderr
    );
    Ok(())
}

/// A weir client's GET of `path`: status 200 in `version`, the body `expected`.
fn client_get(
    client: &str,
    target: &str,
    extra: &[&str],
    version: &str,
    expected: &[u8],
) -> Result<Run, String> {
    let mut args = vec![target];
    args.extend_from_slice(extra);
    let run = run_ok(client, &args, b"")?;
    status_line(&run, version)?;
    ensure!(
        run.stdout == expected,
        "body {:?}; stderr:\n{}",
        run.stdout_text(),
        run.stderr
    );
    Ok(run)
}

/// A weir client's POST to `target` of a body larger than a stream's initial window,
/// from stdin: the server echoes it.
fn client_post(client: &str, target: &str, extra: &[&str], version: &str) -> Result<Run, String> {
    let body = pattern(200_000);
    let mut args = vec![target, "-X", "POST", "--data-file", "-"];
    args.extend_from_slice(extra);
    let run = run_ok(client, &args, &body)?;
    status_line(&run, version)?;
    ensure!(
        run.stdout == body,
        "the echo ({} bytes) differs from the {} bytes sent; stderr:\n{}",
        run.stdout.len(),
        body.len(),
        run.stderr
    );
    Ok(run)
}

fn tokio_client() -> &'static str {
    env!("CARGO_BIN_EXE_tokio-client")
}

/// Where a program is.
type Locate = fn() -> &'static str;

/// weir's clients that can speak to a server over TLS if `tls`: `blocking-client`
/// speaks no TLS.
fn clients(tls: bool) -> impl Iterator<Item = (&'static str, Locate)> {
    let all: [(&str, Locate); 2] = [
        ("blocking-client", blocking_client),
        ("tokio-client", tokio_client),
    ];
    all.into_iter()
        .filter(move |c| !tls || c.0 == "tokio-client")
}

/// nghttpd on a free loopback port (h2c by prior knowledge, or TLS), serving the
/// document root of [`files`] and echoing uploads.
fn nghttpd(tls: bool) -> Program {
    let nghttpd = nghttp2_tool("nghttpd");
    let files = files();
    // nghttpd says nothing once listening: a port is picked here, and waited for.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut cmd = Command::new(nghttpd);
    cmd.args(["--address", "127.0.0.1", "--echo-upload", "--htdocs"])
        .arg(&files.htdocs);
    if !tls {
        cmd.arg("--no-tls");
    }
    cmd.arg(port.to_string());
    if tls {
        cmd.arg(&files.key).arg(&files.cert);
    }
    Program::start_at("nghttpd", cmd, SocketAddr::from(([127, 0, 0, 1], port)))
}

#[test]
fn clients_against_nghttpd() {
    let mut cells = Cells::of("nghttpd", None);
    let servers = [(H2c, false, nghttpd(false)), (H2, true, nghttpd(true))];
    for (proto, tls, server) in &servers {
        let (proto, tls) = (*proto, *tls);
        let extra: &[&str] = if tls {
            &["--insecure"]
        } else {
            &["--http2-prior-knowledge"]
        };
        let hello = url(server.addr, tls, "/hello.txt");
        let echo = url(server.addr, tls, "/echo");
        for (name, exe) in clients(tls) {
            cells.check(&format!("{name} GET"), proto, tls, || {
                let run = client_get(exe(), &hello, extra, "HTTP/2", NGHTTPD_HELLO)?;
                ensure!(run.said("server: nghttpd"), "{}", run.stderr);
                Ok(())
            });
            cells.check(&format!("{name} POST"), proto, tls, || {
                let run = client_post(exe(), &echo, extra, "HTTP/2")?;
                ensure!(run.said("nghttpd-response: echo"), "{}", run.stderr);
                Ok(())
            });
        }
    }
    cells.finish();
}

/// What the hyper server answers to anything but `POST /echo`.
const HYPER_HELLO: &[u8] = b"hello from hyper\n";

/// How the hyper server takes connections.
#[derive(Clone, Copy)]
enum HyperMode {
    H1,
    /// HTTP/2 by prior knowledge.
    H2c,
    /// TLS, offering `versions` by ALPN; serving the one chosen.
    Tls(&'static [Version]),
}

/// A hyper server on its own runtime in this process; stops when dropped. `POST /echo`
/// streams the request body back; anything else gets [`HYPER_HELLO`]. Each response
/// says in `x-hyper-version` the version hyper saw.
struct Hyper {
    addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Hyper {
    fn start(mode: HyperMode) -> Hyper {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = match mode {
            HyperMode::Tls(versions) => {
                let files = files();
                let identity = Identity::from_pem_files(&files.cert, &files.key).unwrap();
                Some(TlsAcceptor::from(identity.server_config(versions).unwrap()))
            }
            _ => None,
        };
        runtime.spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A connection's error concerns that peer only; the client's
                    // verdict tells.
                    let _ = match acceptor {
                        None => hyper_serve(sock, matches!(mode, HyperMode::H2c)).await,
                        Some(acceptor) => {
                            let Ok(tls) = acceptor.accept(sock).await else {
                                return;
                            };
                            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                            hyper_serve(tls, h2).await
                        }
                    };
                });
            }
        });
        Hyper {
            addr,
            runtime: Some(runtime),
        }
    }
}

impl Drop for Hyper {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn hyper_serve<S>(sock: S, h2: bool) -> Result<(), hyper::Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static,
{
    let io = TokioIo::new(sock);
    let service = service_fn(hyper_route);
    if h2 {
        hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(io, service)
            .await
    } else {
        hyper::server::conn::http1::Builder::new()
            .serve_connection(io, service)
            .await
    }
}

async fn hyper_route(
    req: http::Request<Incoming>,
) -> Result<http::Response<BoxBody<Bytes, hyper::Error>>, Infallible> {
    let version = format!("{:?}", req.version());
    let body = if req.method() == http::Method::POST && req.uri().path() == "/echo" {
        req.into_body().boxed()
    } else {
        Full::new(Bytes::from_static(HYPER_HELLO))
            .map_err(|never| match never {})
            .boxed()
    };
    let response = http::Response::builder()
        .header("x-hyper-version", version)
        .body(body)
        .expect("a valid response");
    Ok(response)
}

#[test]
fn clients_against_hyper() {
    let mut cells = Cells::of("hyper", None);
    let both: &[Version] = &[Version::Http2, Version::Http11];
    let servers = [
        (H1, false, Hyper::start(HyperMode::H1)),
        (H2c, false, Hyper::start(HyperMode::H2c)),
        (H2, true, Hyper::start(HyperMode::Tls(both))),
        // Offering only http/1.1, for a client that offers both.
        (H1, true, Hyper::start(HyperMode::Tls(&[Version::Http11]))),
    ];
    for (proto, tls, server) in &servers {
        let (proto, tls) = (*proto, *tls);
        let (version, hyper_saw) = match proto {
            H1 => ("HTTP/1.1", "x-hyper-version: HTTP/1.1"),
            H2c | H2 => ("HTTP/2", "x-hyper-version: HTTP/2.0"),
        };
        let hello = url(server.addr, tls, "/");
        let echo = url(server.addr, tls, "/echo");
        let extra: &[&str] = match proto {
            H1 if tls => &["--insecure"],
            H1 => &[],
            H2c => &["--http2-prior-knowledge"],
            H2 => &["--insecure"],
        };
        for (name, exe) in clients(tls) {
            cells.check(&format!("{name} GET"), proto, tls, || {
                let run = client_get(exe(), &hello, extra, version, HYPER_HELLO)?;
                ensure!(run.said(hyper_saw), "{}", run.stderr);
                Ok(())
            });
            cells.check(&format!("{name} POST"), proto, tls, || {
                let run = client_post(exe(), &echo, extra, version)?;
                ensure!(run.said(hyper_saw), "{}", run.stderr);
                Ok(())
            });
        }
    }
    cells.finish();
}
