//! A connection that goes quiet gives its buffers back (after a moment without
//! activity) and then serves as before: the same connection, HTTP/1.1 and HTTP/2, with
//! a pause longer than that moment between its requests.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use weir::Config;
use weir_tokio::Server;

/// Longer than the adapter's quiet time before it releases buffers.
const PAUSE: Duration = Duration::from_millis(400);

async fn read_until(sock: &mut TcpStream, got: &mut Vec<u8>, done: impl Fn(&[u8]) -> bool) {
    let mut buf = [0u8; 4096];
    while !done(got) {
        let n = tokio::time::timeout(Duration::from_secs(10), sock.read(&mut buf))
            .await
            .expect("an answer in time")
            .expect("a read");
        assert!(
            n > 0,
            "the server closed: {:?}",
            String::from_utf8_lossy(got)
        );
        got.extend_from_slice(&buf[..n]);
    }
}

#[tokio::test]
async fn a_quiet_connection_serves_again() {
    let server = Server::bind("127.0.0.1:0", Config::default())
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.run());

    // HTTP/1.1: a GET, a pause, then an echo whose body comes in two pieces with a
    // pause between them.
    let mut sock = answered_get(addr).await;
    tokio::time::sleep(PAUSE).await;
    sock.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nfirst")
        .await
        .unwrap();
    let mut echo = Vec::new();
    read_until(&mut sock, &mut echo, |g| {
        g.ends_with(b"first") || g.ends_with(b"first\r\n")
    })
    .await;
    tokio::time::sleep(PAUSE).await;
    sock.write_all(b"after").await.unwrap();
    read_until(&mut sock, &mut echo, |g| {
        g.windows(5).any(|w| w == b"after") && (g.ends_with(b"0\r\n\r\n") || g.ends_with(b"after"))
    })
    .await;
    assert!(
        echo.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&echo)
    );

    // HTTP/2: the handshake, a pause, then a GET on the same connection.
    let mut sock = TcpStream::connect(addr).await.unwrap();
    let mut hello = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    sock.write_all(&hello).await.unwrap();
    let mut got = Vec::new();
    // The server's SETTINGS and its acknowledgment of ours.
    read_until(&mut sock, &mut got, |g| {
        g.windows(5).any(|w| w == [0, 0, 0, 4, 1])
    })
    .await;
    sock.write_all(&[0, 0, 0, 4, 1, 0, 0, 0, 0]).await.unwrap();
    tokio::time::sleep(PAUSE).await;
    // HEADERS on stream 1, END_STREAM | END_HEADERS: GET http://a/ from the static
    // table (:method GET, :scheme http, :path /) and :authority a.
    let block = [0x82, 0x86, 0x84, 0x41, 0x01, b'a'];
    let mut headers = vec![0, 0, block.len() as u8, 1, 5, 0, 0, 0, 1];
    headers.extend_from_slice(&block);
    sock.write_all(&headers).await.unwrap();
    got.clear();
    // DATA on stream 1 with END_STREAM, carrying the greeting.
    read_until(&mut sock, &mut got, |g| {
        g.windows(14).any(|w| w == b"Hello, World!\n")
    })
    .await;
}

/// A connection to `addr` that has had one `GET /` answered.
async fn answered_get(addr: std::net::SocketAddr) -> TcpStream {
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    read_until(&mut sock, &mut got, |g| g.ends_with(b"Hello, World!\n")).await;
    sock
}

/// The connection's deadlines fire through the adapter's one timer: a head that stops
/// coming gets its 408 and the close, and a kept-alive connection that stays quiet past
/// its idle deadline is closed, each after a request that armed the timer for later.
#[tokio::test]
async fn deadlines_fire_on_a_quiet_connection() {
    let config = Config {
        header_read_timeout: Some(Duration::from_millis(300)),
        idle_timeout: Some(Duration::from_millis(600)),
        ..Config::default()
    };
    let server = Server::bind("127.0.0.1:0", config).await.unwrap();
    let addr = server.local_addr().unwrap();
    tokio::spawn(server.run());
    let read_to_end = |mut sock: TcpStream| async move {
        let mut got = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), sock.read_to_end(&mut got))
            .await
            .expect("the server closes in time")
            .expect("a read");
        got
    };

    // A request, then half of the next head and nothing more.
    let mut sock = answered_get(addr).await;
    sock.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
    let rest = read_to_end(sock).await;
    assert!(
        rest.starts_with(b"HTTP/1.1 408 "),
        "{:?}",
        String::from_utf8_lossy(&rest)
    );

    // A request, then silence: closed with nothing more said.
    let sock = answered_get(addr).await;
    let started = std::time::Instant::now();
    assert_eq!(read_to_end(sock).await, b"");
    assert!(started.elapsed() >= Duration::from_millis(500));
}
