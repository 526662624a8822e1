//! `echo-demo`: the streaming guide's echo server and client, over HTTP/1.1 and HTTP/2.
//!
//! An echo server runs on a free local port in this process. Its handler is a plain
//! read/write loop over the request's stream as `std::io::Read + Write`. A client then
//! 1. streams a request body to `POST /echo` over HTTP/1.1, then over HTTP/2: it writes
//!    `Hello, `, reads its echo, writes `World!`, reads its echo, and closes its side:
//!    the request and response bodies are independent streams, open at the same time,
//!    and each piece comes back before the request body has ended;
//! 2. does the same over a raw bi-directional stream: an `Upgrade: echo` tunnel and a
//!    `CONNECT` tunnel over HTTP/1.1, a `CONNECT` and an extended CONNECT
//!    (`:protocol: echo`) stream over HTTP/2.
//!
//! It prints every echoed chunk; the last line is `echo demo: ok` when every echoed byte
//! matched.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use weir::{Config, Event, Request, Response, Version};
use weir_blocking::{Client, Server, StreamIo};

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
    let running = std::thread::spawn(move || server.run_streams(echo_server));
    println!("echo server listening on {addr}");
    let host = addr.to_string();

    let result = (|| {
        let post = Request::new("POST", "/echo").field("host", host.clone());
        echo("http/1.1 body echo", addr, Version::Http11, post.clone())?;
        echo("http/2 body echo", addr, Version::Http2, post)?;
        let upgrade = Request::new("GET", "/")
            .field("host", host.clone())
            .field("upgrade", "echo")
            .field("connection", "upgrade");
        echo("http/1.1 upgrade echo", addr, Version::Http11, upgrade)?;
        let connect = Request::new("CONNECT", "echo.example:7").field("host", "echo.example:7");
        echo(
            "http/1.1 connect echo",
            addr,
            Version::Http11,
            connect.clone(),
        )?;
        echo("http/2 connect echo", addr, Version::Http2, connect)?;
        let mut extended = Request::new("CONNECT", "/echo");
        extended.protocol = Some("echo".into());
        extended.scheme = Some("http".into());
        extended.authority = Some(host.clone().into());
        echo(
            "http/2 extended connect echo",
            addr,
            Version::Http2,
            extended,
        )
    })();

    shutdown.trigger();
    running
        .join()
        .map_err(|_| io::Error::other("the server thread panicked"))??;
    result
}

/// The echo server: answers, then writes back every chunk it reads until the client's
/// side ends, and ends its own.
fn echo_server(request: Request, io: &mut StreamIo<'_>) -> io::Result<()> {
    io.send_response(answer(&request))?;
    let mut buf = [0; 1024];
    loop {
        let n = io.read(&mut buf)?;
        if n == 0 {
            break;
        }
        io.write_all(&buf[..n])?;
    }
    io.close_write()
}

/// 101 to `Upgrade: echo`; 200 to anything else (to a CONNECT, a 2xx opens the tunnel).
fn answer(request: &Request) -> Response {
    if request.fields.has_token("upgrade", "echo") {
        Response::new(101)
            .field("upgrade", "echo")
            .field("connection", "upgrade")
    } else {
        Response::new(200)
    }
}

/// Opens `request`, then writes each of [`WORDS`] and reads its echo before writing
/// the next; closes its writing side and reads to the end.
fn echo(label: &str, addr: SocketAddr, version: Version, request: Request) -> io::Result<()> {
    let mut client = Client::connect_version(addr, version, Config::default(), TIMEOUT)?;
    if request.protocol.is_some() {
        settings(&mut client)?;
    }
    let upgrade = request.fields.contains("upgrade");
    let tunnel = upgrade || request.is_method("CONNECT");
    // A tunnel request has no body; a body without a known length streams until we end
    // it (chunked on HTTP/1.1).
    let stream = client.send_request(request, tunnel)?;
    let mut io = client.stream_io(stream);
    let expected = if upgrade { 101 } else { 200 };
    let status = io.response()?.status;
    if status != expected {
        return Err(mismatch(label, &format!("status {expected}"), &status));
    }
    if io.is_tunnel() != tunnel {
        return Err(mismatch(
            label,
            &format!("tunnel: {tunnel}"),
            &io.is_tunnel(),
        ));
    }
    for word in WORDS {
        io.write_all(word.as_bytes())?;
        let mut echoed = vec![0; word.len()];
        io.read_exact(&mut echoed)?;
        let echoed = String::from_utf8_lossy(&echoed);
        println!("{label}: {echoed:?}");
        if echoed != word {
            return Err(mismatch(label, word, &echoed));
        }
    }
    // The end of our side: the end of the request body, or of our half of the tunnel.
    io.close_write()?;
    let mut rest = Vec::new();
    io.read_to_end(&mut rest)?;
    if !rest.is_empty() {
        return Err(mismatch(label, "the end", &String::from_utf8_lossy(&rest)));
    }
    println!("{label}: end of stream");
    io.close()
}

/// Waits for the server's SETTINGS, which say whether it takes extended CONNECT: the
/// answer to a PING comes after them.
fn settings(client: &mut Client) -> io::Result<()> {
    client
        .connection()
        .ping(*b"settings")
        .map_err(io::Error::other)?;
    loop {
        match client.next_event()? {
            Some(Event::Pong { .. }) => return Ok(()),
            Some(_) => {}
            None => return Err(io::Error::other("closed before the server's SETTINGS")),
        }
    }
}

fn mismatch(label: &str, expected: &str, got: &dyn std::fmt::Debug) -> io::Error {
    io::Error::other(format!("{label}: expected {expected}, got {got:?}"))
}
