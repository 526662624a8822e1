//! One stream as `std::io::Read + Write` over TCP: `Client::stream_io` against the
//! example routes and against `Server::run_streams`, whose handlers are plain
//! read/write loops, over HTTP/1.1 and HTTP/2.

use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Duration;
use weir::{Config, Request, Response, Version};
use weir_blocking::{Client, Routes, Server, ShutdownHandle, StreamIo};

const TIMEOUT: Duration = Duration::from_secs(10);
const VERSIONS: [Version; 2] = [Version::Http11, Version::Http2];

/// A server in this process, shut down (and joined) when dropped.
struct Running {
    addr: SocketAddr,
    shutdown: ShutdownHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl Running {
    fn start(run: impl FnOnce(Server) -> io::Result<()> + Send + 'static) -> Running {
        let server = Server::bind("127.0.0.1:0", Config::default()).unwrap();
        let (addr, shutdown) = (server.local_addr().unwrap(), server.shutdown_handle());
        let thread = Some(std::thread::spawn(move || run(server)));
        Running {
            addr,
            shutdown,
            thread,
        }
    }

    /// The example routes (`POST /echo` echoes as the body arrives).
    fn routes() -> Running {
        Running::start(|server| server.run(Routes::new))
    }

    /// A stream server whose handler is the plain echo loop.
    fn echo() -> Running {
        Running::start(|server| server.run_streams(echo))
    }

    fn client(&self, version: Version) -> Client {
        Client::connect_version(self.addr, version, Config::default(), TIMEOUT).unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.trigger();
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap().unwrap();
        }
    }
}

/// Answers 200, then writes back what it reads until the client's side ends.
fn echo(_: Request, io: &mut StreamIo<'_>) -> io::Result<()> {
    io.send_response(Response::new(200))?;
    let mut buf = [0; 16 * 1024];
    while let n @ 1.. = io.read(&mut buf)? {
        io.write_all(&buf[..n])?;
    }
    io.close_write()
}

fn post() -> Request {
    Request::new("POST", "/echo").field("host", "127.0.0.1")
}

/// `n` bytes that differ from their neighbours, so that order and loss show.
fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

#[test]
fn a_large_body_is_written_whole_then_read_back_whole() {
    // Neither side reads while it writes, yet neither blocks: the writer takes in what
    // the echo sends between its pieces.
    let sent = body(3 << 20);
    for server in [Running::routes(), Running::echo()] {
        for version in VERSIONS {
            let mut client = server.client(version);
            let stream = client.send_request(post(), false).unwrap();
            let mut io = client.stream_io(stream);
            io.write_all(&sent).unwrap();
            io.close_write().unwrap();
            assert_eq!(io.response().unwrap().status, 200);
            let mut got = Vec::new();
            io.read_to_end(&mut got).unwrap();
            assert!(
                got == sent,
                "{version:?}: {} of {} bytes",
                got.len(),
                sent.len()
            );
        }
    }
}

#[test]
fn a_stream_after_another_on_one_connection() {
    let server = Running::echo();
    for version in VERSIONS {
        let mut client = server.client(version);
        for word in ["first", "second"] {
            let stream = client.send_request(post(), false).unwrap();
            let mut io = client.stream_io(stream);
            io.write_all(word.as_bytes()).unwrap();
            io.close_write().unwrap();
            let mut got = String::new();
            io.read_to_string(&mut got).unwrap();
            assert_eq!(got, word, "{version:?}");
            io.close().unwrap();
        }
    }
}

#[test]
fn a_handler_that_fails_resets_the_stream_and_read_says_so() {
    let server = Running::start(|server| {
        server.run_streams(|_, io| {
            io.send_response(Response::new(200))?;
            io.write_all(b"partial")?;
            Err(io::Error::other("the handler gave up"))
        })
    });
    for version in VERSIONS {
        let mut client = server.client(version);
        let stream = client.send_request(post(), false).unwrap();
        let mut io = client.stream_io(stream);
        let mut got = [0; 7];
        io.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"partial");
        let e = io.read(&mut [0; 16]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{version:?}: {e}");
    }
}

#[test]
fn a_request_without_a_body_reads_as_ended_at_once() {
    let server = Running::start(|server| {
        server.run_streams(|_, io| {
            let mut body = Vec::new();
            io.read_to_end(&mut body)?;
            io.send_response(Response::new(200))?;
            write!(io, "{} bytes", body.len())?;
            io.close_write()
        })
    });
    for version in VERSIONS {
        let mut client = server.client(version);
        let get = Request::new("GET", "/").field("host", "127.0.0.1");
        let stream = client.send_request(get, true).unwrap();
        let mut io = client.stream_io(stream);
        let mut got = String::new();
        io.read_to_string(&mut got).unwrap();
        assert_eq!(got, "0 bytes", "{version:?}");
        // Its write side ended with the request.
        assert!(io.write(b"x").is_err());
    }
}
