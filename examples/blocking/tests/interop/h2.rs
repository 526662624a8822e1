//! HTTP/2 peers: curl with prior knowledge and by `Upgrade: h2c`, nghttp (push
//! included, and by upgrade), h2load, and python's h2, all against `blocking-server`.

use super::*;

#[test]
fn curl_http2_prior_knowledge() {
    let mut rows = Rows::new("curl h2", &["get", "echo", "bytes/N", "trailers"]);
    curl();
    let server = Program::blocking_server();
    let run = curl_run(&server, &["--http2-prior-knowledge"], &["/"], b"");
    let ok = run.said("< HTTP/2 200") && run.stdout == b"Hello, World!\n";
    rows.set("get", ok);
    assert!(ok, "{}", run.stderr);

    // One URL per curl run: curl 7.88 (Debian 12) breaks when it reuses a
    // prior-knowledge connection (curl issue 10634, fixed in 8.0). Many streams on one
    // connection are covered by nghttp, h2load and python's h2 below.
    let body = pattern(300_000);
    let run = curl_run(
        &server,
        &["--http2-prior-knowledge", "--data-binary", "@-"],
        &["/echo"],
        &body,
    );
    rows.set("echo", run.stdout == body);
    assert!(
        run.stdout == body,
        "echo of {} bytes: {}",
        body.len(),
        run.stdout.len()
    );

    let run = curl_run(
        &server,
        &["--http2-prior-knowledge"],
        &["/bytes/1000000"],
        b"",
    );
    rows.set("bytes/N", run.stdout.len() == 1_000_000);
    assert_eq!(run.stdout.len(), 1_000_000);

    let run = curl_run(&server, &["--http2-prior-knowledge"], &["/trailers"], b"");
    let ok = run.stdout == b"body\n" && run.said("x-checksum: done");
    rows.set("trailers", ok);
    assert!(ok, "{}", run.stderr);
}

#[test]
fn curl_h2c_upgrade() {
    let mut rows = Rows::new("curl h2c", &["get", "next stream", "body: HTTP/1.1"]);
    curl();
    let server = Program::blocking_server();
    // A plain http:// URL with --http2: curl asks for h2c with Upgrade (RFC 7540 §3.2)
    // and the server, detecting the version, switches.
    let run = curl_run(
        &server,
        &["--http2", "--write-out", "%{http_version}"],
        &["/"],
        b"",
    );
    let ok = run.said("> Upgrade: h2c")
        && run.said("< HTTP/1.1 101 Switching Protocols")
        && run.said("< HTTP/2 200")
        && run.stdout == b"Hello, World!\n2";
    rows.set("get", ok);
    assert!(ok, "stdout {:?}\n{}", run.stdout_text(), run.stderr);

    // The upgraded connection carries the next request as an HTTP/2 stream.
    let run = curl_run(&server, &["--http2"], &["/", "/bytes/100000"], b"");
    let ok = run.count("Connected to") == 1
        && run.said("> GET /bytes/100000 HTTP/2")
        && run.stdout.len() == 14 + 100_000
        && run.stdout.starts_with(b"Hello, World!\n");
    rows.set("next stream", ok);
    assert!(ok, "{} bytes\n{}", run.stdout.len(), run.stderr);

    // A request with a body does not qualify: it is served as HTTP/1.1.
    let run = curl_run(
        &server,
        &[
            "--http2",
            "--data-binary",
            "@-",
            "--write-out",
            "%{http_version}",
        ],
        &["/echo"],
        b"echo me",
    );
    let ok = run.said("> Upgrade: h2c")
        && run.said("< HTTP/1.1 200")
        && !run.said("< HTTP/1.1 101")
        && run.stdout == b"echo me1.1";
    rows.set("body: HTTP/1.1", ok);
    assert!(ok, "stdout {:?}\n{}", run.stdout_text(), run.stderr);
}

#[test]
fn nghttp_h2c_upgrade() {
    let _row = row("nghttp", "h2c upgrade");
    let nghttp = nghttp2_tool("nghttp");
    let server = Program::blocking_server();
    // -u: the first request goes out as HTTP/1.1 with `Upgrade: h2c`; its response
    // (with pushes, since stream 1 is an HTTP/2 stream once upgraded) comes as frames.
    let url = format!("http://{}/push", server.addr);
    let run = run(nghttp, &["-nvu", &url], b"");
    let out = run.stdout_text();
    assert!(run.status.success(), "nghttp failed:\n{out}{}", run.stderr);
    assert!(out.contains("HTTP Upgrade success"), "{out}");
    assert!(out.contains("recv (stream_id=1) :status: 200"), "{out}");
    assert_eq!(out.matches("recv PUSH_PROMISE frame").count(), 2, "{out}");
    assert!(
        out.contains("recv DATA frame <length=9, flags=0x01, stream_id=1>"),
        "the response on stream 1: {out}"
    );
    assert!(
        !out.contains("RST_STREAM") && !out.contains("recv GOAWAY"),
        "{out}"
    );
}

#[test]
fn nghttp_push() {
    let _row = row("nghttp", "push");
    let nghttp = nghttp2_tool("nghttp");
    let server = Program::blocking_server();
    let url = format!("http://{}/push", server.addr);
    let pushed = run(nghttp, &["-nv", &url], b"");
    assert!(
        pushed.status.success(),
        "nghttp failed:\n{}",
        pushed.stdout_text()
    );
    let out = pushed.stdout_text();
    assert_eq!(out.matches("recv PUSH_PROMISE frame").count(), 2, "{out}");
    assert!(
        out.contains(":path: /bytes/16") && out.contains(":path: /text/64"),
        "{out}"
    );
    // Three streams end: the request and the two pushed responses; no reset, and the
    // connection ends with nghttp's own GOAWAY(NO_ERROR).
    assert!(out.matches("recv DATA frame").count() >= 3, "{out}");
    assert!(!out.contains("RST_STREAM"), "{out}");
    assert!(!out.contains("recv GOAWAY"), "{out}");
}

#[test]
fn h2load_many_streams_and_large_bodies() {
    let mut rows = Rows::new("h2load", &["bytes/65536", "echo 1 MB"]);
    let h2load = nghttp2_tool("h2load");
    let server = Program::blocking_server();
    let url = format!("http://{}/bytes/65536", server.addr);
    let many = run(h2load, &["-n", "2000", "-c", "4", "-m", "50", &url], b"");
    let out = many.stdout_text();
    let ok = many.status.success()
        && out.contains("2000 succeeded, 0 failed, 0 errored, 0 timeout")
        && out.contains("2000 2xx");
    rows.set("bytes/65536", ok);
    assert!(ok, "{out}");

    let dir = std::env::temp_dir().join(format!("weir-h2load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = dir.join("body");
    std::fs::write(&body, pattern(1 << 20)).unwrap();
    let url = format!("http://{}/echo", server.addr);
    let echo = run(
        h2load,
        &[
            "-n",
            "100",
            "-c",
            "2",
            "-m",
            "10",
            "-d",
            body.to_str().unwrap(),
            &url,
        ],
        b"",
    );
    let _ = std::fs::remove_dir_all(&dir);
    let out = echo.stdout_text();
    let ok = echo.status.success()
        && out.contains("100 succeeded, 0 failed, 0 errored, 0 timeout")
        && out.contains("100 2xx");
    rows.set("echo 1 MB", ok);
    assert!(ok, "{out}");
}

#[test]
fn python_h2_client_against_blocking_server() {
    let cases = ["get", "echo", "concurrent", "trailers"];
    python_client("h2 client", &cases, "h2_client.py");
}
