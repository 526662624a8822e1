//! `echo-demo-tokio`: the streaming guide's echo server and client, over HTTP/1.1 and
//! HTTP/2, on tokio.
//!
//! The example server runs on a free local port in this process; its echo routes run
//! on a [`StreamIo`] each (`AsyncRead + AsyncWrite`), copying what they read back. A
//! client then
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

use std::io;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use weir::{Config, Request};
use weir_tokio::{Client, ClientOptions, Server, StreamIo};

const TIMEOUT: Duration = Duration::from_secs(10);
const WORDS: [&str; 2] = ["Hello, ", "World!"];

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match tokio::time::timeout(TIMEOUT, demo()).await {
        Ok(Ok(())) => {
            println!("echo demo: ok");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("echo demo failed: {e}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("echo demo failed: no answer in {TIMEOUT:?}");
            ExitCode::FAILURE
        }
    }
}

async fn demo() -> io::Result<()> {
    let server = Server::bind("127.0.0.1:0", Config::default()).await?;
    let addr = server.local_addr()?;
    let shutdown = server.shutdown_handle();
    let running = tokio::spawn(server.run());
    println!("echo server listening on {addr}");
    let host = addr.to_string();

    let result = async {
        let post = Request::new("POST", "/echo").field("host", host.clone());
        echo("http/1.1 body echo", addr, false, post.clone()).await?;
        echo("http/2 body echo", addr, true, post).await?;
        let upgrade = Request::new("GET", "/")
            .field("host", host.clone())
            .field("upgrade", "echo")
            .field("connection", "upgrade");
        echo("http/1.1 upgrade echo", addr, false, upgrade).await?;
        let connect = Request::new("CONNECT", "echo.example:7").field("host", "echo.example:7");
        echo("http/1.1 connect echo", addr, false, connect.clone()).await?;
        echo("http/2 connect echo", addr, true, connect).await?;
        let mut extended = Request::new("CONNECT", "/echo");
        extended.protocol = Some("echo".into());
        extended.scheme = Some("http".into());
        extended.authority = Some(host.clone().into());
        echo("http/2 extended connect echo", addr, true, extended).await
    }
    .await;

    shutdown.trigger();
    running.await.map_err(io::Error::other)??;
    result
}

/// Opens `request`, then writes each of [`WORDS`] and reads its echo before writing
/// the next; closes its writing side and reads to the end.
async fn echo(label: &str, addr: SocketAddr, http2: bool, request: Request) -> io::Result<()> {
    let options = ClientOptions {
        http2_prior_knowledge: http2,
        ..ClientOptions::default()
    };
    let mut client = Client::connect(&format!("http://{addr}/"), options).await?;
    if request.protocol.is_some() {
        // Extended CONNECT waits for the server's SETTINGS to allow it.
        client.settled().await?;
    }
    let upgrade = request.fields.contains("upgrade");
    let tunnel = upgrade || request.is_method("CONNECT");
    // A tunnel request has no body; a body without a known length streams until we end
    // it (chunked on HTTP/1.1).
    let mut io = client.send_request(request, tunnel)?;
    let expected = if upgrade { 101 } else { 200 };
    let status = io.response().await?.status;
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
        io.write_all(word.as_bytes()).await?;
        let echoed = read_exactly(&mut io, word.len()).await?;
        println!("{label}: {echoed:?}");
        if echoed != word {
            return Err(mismatch(label, word, &echoed));
        }
    }
    // The end of our side: the end of the request body, or of our half of the tunnel.
    io.shutdown().await?;
    let mut rest = Vec::new();
    io.read_to_end(&mut rest).await?;
    if !rest.is_empty() {
        return Err(mismatch(label, "the end", &String::from_utf8_lossy(&rest)));
    }
    println!("{label}: end of stream");
    Ok(())
}

async fn read_exactly(io: &mut StreamIo, n: usize) -> io::Result<String> {
    let mut echoed = vec![0; n];
    io.read_exact(&mut echoed).await?;
    Ok(String::from_utf8_lossy(&echoed).into_owned())
}

fn mismatch(label: &str, expected: &str, got: &dyn std::fmt::Debug) -> io::Error {
    io::Error::other(format!("{label}: expected {expected}, got {got:?}"))
}
