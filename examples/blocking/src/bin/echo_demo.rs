//! `echo-demo`: the streaming guide's echo example, over HTTP/1.1 and HTTP/2.
//!
//! An echo server runs on a free local port in this process; a client then
//! 1. streams a request body to `POST /echo` (`Hello, `, then `World!`, then the end of
//!    the body), reading each echoed piece as it comes back: the request and the
//!    response bodies are independent streams, open at the same time;
//! 2. does the same over a raw bi-directional stream: an `Upgrade: echo` tunnel, then a
//!    `CONNECT` tunnel, closing its writing side and reading to the end;
//! 3. does both again over HTTP/2 (prior knowledge): the body echo, and a `CONNECT`
//!    stream as the raw tunnel.
//!
//! The last line is `echo demo: ok` when every echoed byte matched.

use std::io;
use std::process::ExitCode;
use std::time::Duration;
use weir::{Config, Event, Head, Request, StreamId, Version};
use weir_blocking::{Client, Routes, Server};

const TIMEOUT: Duration = Duration::from_secs(10);
const WORDS: [&str; 2] = ["Hello, ", "World!"];

fn main() -> ExitCode {
    match demo() {
        Ok(()) => {
            println!("echo demo: ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("echo demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn demo() -> io::Result<()> {
    let server = Server::bind("127.0.0.1:0", Config::default())?;
    let addr = server.local_addr()?;
    let shutdown = server.shutdown_handle();
    let app_shutdown = shutdown.clone();
    let running =
        std::thread::spawn(move || server.run(move || Routes::with_shutdown(app_shutdown.clone())));
    println!("echo server listening on {addr}");
    let host = addr.to_string();

    let result = (|| {
        let post = Request::new("POST", "/echo").field("host", host.clone());
        echo("http/1.1 body echo", addr, post, 200)?;
        let upgrade = Request::new("GET", "/")
            .field("host", host.clone())
            .field("upgrade", "echo")
            .field("connection", "upgrade");
        echo("http/1.1 upgrade echo", addr, upgrade, 101)?;
        let connect = Request::new("CONNECT", "echo.example:7").field("host", "echo.example:7");
        echo("http/1.1 connect echo", addr, connect.clone(), 200)?;
        let post = Request::new("POST", "/echo").field("host", host.clone());
        echo("http/2 body echo", addr, post, 200)?;
        echo("http/2 connect echo", addr, connect, 200)
    })();

    shutdown.trigger();
    running
        .join()
        .map_err(|_| io::Error::other("the server thread panicked"))??;
    result
}

/// Opens `request`, expects `status`, then writes each of [`WORDS`], reading its echo
/// before writing the next; closes its writing side and reads to the end.
fn echo(label: &str, addr: std::net::SocketAddr, request: Request, status: u16) -> io::Result<()> {
    let version = if label.starts_with("http/2") {
        Version::Http2
    } else {
        Version::Http11
    };
    let mut client = Client::connect_version(addr, version, Config::default(), TIMEOUT)?;
    let tunnel = status == 101 || request.is_method("CONNECT");
    // A body without a known length streams (chunked) until we end it; a tunnel
    // request has none.
    let stream = client.send_request(request, tunnel)?;
    let got = next_head(&mut client)?;
    if got != status {
        return Err(mismatch(
            label,
            format!("status {status}"),
            format!("status {got}"),
        ));
    }
    if tunnel {
        match client.next_event()? {
            Some(Event::Tunnel { .. }) => {}
            other => return Err(mismatch(label, "the tunnel".into(), format!("{other:?}"))),
        }
    }
    for word in WORDS {
        client.send_data(stream, word, false)?;
        let echoed = read_exactly(&mut client, stream, word.len())?;
        println!("{label}: {:?}", String::from_utf8_lossy(&echoed));
        if echoed != word.as_bytes() {
            return Err(mismatch(
                label,
                format!("{word:?}"),
                format!("{:?}", String::from_utf8_lossy(&echoed)),
            ));
        }
    }
    // The end of our side: the end of the request body, or of our half of the tunnel.
    client.send_data(stream, "", true)?;
    let rest = read_to_end(&mut client, stream)?;
    if !rest.is_empty() {
        return Err(mismatch(
            label,
            "the end".into(),
            format!("{:?} more", String::from_utf8_lossy(&rest)),
        ));
    }
    println!("{label}: end of stream");
    Ok(())
}

/// The status of the final response (or of the 101), skipping a 100.
fn next_head(client: &mut Client) -> io::Result<u16> {
    loop {
        match client.next_event()? {
            Some(Event::Headers {
                head: Head::Response(res),
                ..
            }) if res.status != 100 => return Ok(res.status),
            Some(Event::Headers { .. }) => {}
            other => {
                return Err(io::Error::other(format!(
                    "expected a response, got {other:?}"
                )))
            }
        }
    }
}

/// Reads `n` bytes of `stream`'s body, however the server splits them.
fn read_exactly(client: &mut Client, stream: StreamId, n: usize) -> io::Result<Vec<u8>> {
    read_body(client, stream, Some(n))
}

/// Reads the rest of `stream`'s body until it ends.
fn read_to_end(client: &mut Client, stream: StreamId) -> io::Result<Vec<u8>> {
    read_body(client, stream, None)
}

/// Reads `stream`'s body until `limit` bytes have come or it ends.
fn read_body(client: &mut Client, stream: StreamId, limit: Option<usize>) -> io::Result<Vec<u8>> {
    let mut got = Vec::new();
    while limit.is_none_or(|n| got.len() < n) {
        match client.next_event()? {
            Some(Event::Data {
                stream: s,
                data,
                end_stream,
            }) if s == stream => {
                got.extend_from_slice(&data);
                if end_stream {
                    break;
                }
            }
            other => {
                return Err(io::Error::other(format!(
                    "expected echoed data, got {other:?}"
                )))
            }
        }
    }
    Ok(got)
}

fn mismatch(label: &str, expected: String, got: String) -> io::Error {
    io::Error::other(format!("{label}: expected {expected}, got {got}"))
}
