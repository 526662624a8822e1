//! The contract of `EXAMPLE-SERVERS.md`, checked from outside: the `blocking-server`
//! binary on a free port, driven over raw TCP, and the `blocking-client` and
//! `echo-demo` binaries.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SERVER: &str = env!("CARGO_BIN_EXE_blocking-server");
const CLIENT: &str = env!("CARGO_BIN_EXE_blocking-client");
const DEMO: &str = env!("CARGO_BIN_EXE_echo-demo");

/// Every read and wait of these tests gives up after this long.
const TIMEOUT: Duration = Duration::from_secs(10);

const HELLO: &[u8] = b"Hello, World!\n";

// ---- the server process ----------------------------------------------------------

/// A running `blocking-server`, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        let mut child = Command::new(SERVER)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn blocking-server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let mut server = Server {
            child,
            addr: String::new(),
        };
        let line = rx
            .recv_timeout(TIMEOUT)
            .expect("the listening line in time");
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|l| l.strip_suffix('\n'))
            .unwrap_or_else(|| panic!("expected `listening on IP:PORT`, got {line:?}"));
        assert!(
            addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
            "{addr}"
        );
        server.addr = addr.to_string();
        server
    }

    fn connect(&self) -> Conn {
        Conn::new(TcpStream::connect(&self.addr).expect("connect"))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait(&mut self) -> ExitStatus {
        wait_for(&mut self.child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(child: &mut Child) -> ExitStatus {
    let give_up = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        assert!(Instant::now() < give_up, "the process did not exit in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a program to completion (killed if it takes too long), stdin closed.
fn run(program: &str, args: &[&str]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).map(|_| v)
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).map(|_| v)
    });
    let give_up = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("{program} did not finish in time");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap().unwrap(),
        stderr: err.join().unwrap().unwrap(),
    }
}

// ---- a raw HTTP/1.1 reader ---------------------------------------------------------

/// One TCP connection with a read buffer, and just enough HTTP/1.1 to check responses.
struct Conn {
    sock: TcpStream,
    buf: Vec<u8>,
}

#[derive(Debug)]
struct Response {
    status: u16,
    fields: Vec<(String, String)>,
    body: Vec<u8>,
    trailers: Vec<(String, String)>,
}

impl Response {
    fn field(&self, name: &str) -> Option<&str> {
        find(&self.fields, name)
    }
}

fn find<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl Conn {
    fn new(sock: TcpStream) -> Conn {
        sock.set_read_timeout(Some(TIMEOUT)).unwrap();
        sock.set_write_timeout(Some(TIMEOUT)).unwrap();
        Conn {
            sock,
            buf: Vec::new(),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.sock.write_all(bytes).expect("write");
    }

    /// Reads more into the buffer; false at the end of input.
    fn fill(&mut self) -> bool {
        let mut chunk = [0; 16 * 1024];
        let n = self.sock.read(&mut chunk).expect("read (timed out?)");
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    fn read_exact(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.fill(), "EOF after {:?}, wanted {n} bytes", self.buf);
        }
        self.buf.drain(..n).collect()
    }

    fn read_line(&mut self) -> String {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.drain(..i + 2).collect::<Vec<_>>();
                return String::from_utf8(line[..i].to_vec()).expect("ASCII line");
            }
            assert!(self.fill(), "EOF in a line: {:?}", self.buf);
        }
    }

    fn read_fields(&mut self) -> Vec<(String, String)> {
        let mut fields = Vec::new();
        loop {
            let line = self.read_line();
            if line.is_empty() {
                return fields;
            }
            let (name, value) = line.split_once(':').expect("name: value");
            fields.push((name.to_string(), value.trim().to_string()));
        }
    }

    /// A response head: the status and the fields.
    fn read_head(&mut self) -> (u16, Vec<(String, String)>) {
        let line = self.read_line();
        let status = line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|s| s.get(..3))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("status line: {line:?}"));
        (status, self.read_fields())
    }

    /// One chunk of a chunked body; `None` for the last chunk (the trailers follow).
    fn read_chunk(&mut self) -> Option<Vec<u8>> {
        let line = self.read_line();
        let size = usize::from_str_radix(&line, 16).unwrap_or_else(|_| panic!("chunk {line:?}"));
        if size == 0 {
            return None;
        }
        let data = self.read_exact(size);
        assert_eq!(self.read_exact(2), b"\r\n");
        Some(data)
    }

    /// A whole response; `head_request`: it has no body whatever its fields say.
    fn read_response(&mut self, head_request: bool) -> Response {
        let (status, fields) = self.read_head();
        let mut res = Response {
            status,
            fields,
            body: Vec::new(),
            trailers: Vec::new(),
        };
        if head_request {
            return res;
        }
        if res.field("transfer-encoding") == Some("chunked") {
            while let Some(chunk) = self.read_chunk() {
                res.body.extend_from_slice(&chunk);
            }
            res.trailers = self.read_fields();
        } else {
            let len = res
                .field("content-length")
                .expect("a length")
                .parse()
                .unwrap();
            res.body = self.read_exact(len);
        }
        res
    }

    /// Sends a request and reads its response.
    fn exchange(&mut self, request: &[u8]) -> Response {
        self.send(request);
        self.read_response(request.starts_with(b"HEAD "))
    }

    /// Reads until the peer closes: what was left and what came.
    fn read_to_eof(&mut self) -> Vec<u8> {
        while self.fill() {}
        std::mem::take(&mut self.buf)
    }
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").into_bytes()
}

fn assert_hello(res: &Response, body_length: u64) {
    assert_eq!(res.status, 200);
    assert_eq!(res.field("content-type"), Some("text/plain"));
    assert_eq!(res.field("x-body-length"), Some(&*body_length.to_string()));
    assert_eq!(res.body, HELLO);
}

// ---- routes ----------------------------------------------------------------------

#[test]
fn get_root_is_hello_world_byte_for_byte() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    conn.send(&get("/"));
    let expected = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-body-length: 0\r\n\
content-length: 14\r\n\r\nHello, World!\n";
    assert_eq!(
        String::from_utf8_lossy(&conn.read_exact(expected.len())),
        String::from_utf8_lossy(expected)
    );
}

#[test]
fn one_connection_serves_every_route_in_turn() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    assert_hello(&conn.exchange(&get("/")), 0);

    let head = conn.exchange(b"HEAD / HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(head.status, 200);
    assert_eq!(head.field("content-length"), Some("14"));
    assert_eq!(head.field("x-body-length"), Some("0"));

    // Anything else, with a body: the body is read and counted.
    let res = conn
        .exchange(b"DELETE /some/where HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nabcde");
    assert_hello(&res, 5);
    let res = conn.exchange(
        b"POST /form HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n",
    );
    assert_hello(&res, 7);

    let res = conn.exchange(&get("/push"));
    assert_eq!(
        (res.status, &res.body[..]),
        (200, &b"push needs HTTP/2\n"[..])
    );

    let res = conn.exchange(&get("/text/10"));
    assert_eq!((res.status, res.body.len()), (200, 10));

    let res = conn.exchange(&get("/bytes/10?query=ignored"));
    assert_eq!((res.status, res.body.len()), (200, 10));

    let res = conn.exchange(&get("/trailers"));
    assert_eq!(res.body, b"body\n");

    let res = conn.exchange(b"PUT /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nxyz");
    assert_eq!((res.status, &res.body[..]), (200, &b"xyz"[..]));

    // Two requests in one write (pipelined): two responses, in order.
    let mut two = get("/text/3");
    two.extend_from_slice(&get("/"));
    conn.send(&two);
    assert_eq!(conn.read_response(false).body.len(), 3);
    assert_hello(&conn.read_response(false), 0);
}

#[test]
fn head_gets_the_head_of_get_and_no_body() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    for (path, length) in [("/", "14"), ("/bytes/1000", "1000"), ("/text/7", "7")] {
        conn.send(format!("HEAD {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        let (status, fields) = conn.read_head();
        assert_eq!(status, 200, "{path}");
        assert_eq!(find(&fields, "content-length"), Some(length), "{path}");
    }
    // Had a body followed a head, it would be read here instead of this response.
    conn.send(&get("/"));
    assert_hello(&conn.read_response(false), 0);
    conn.sock.shutdown(Shutdown::Write).unwrap();
    assert_eq!(conn.read_to_eof(), b"", "nothing after the last response");
}

#[test]
fn bytes_are_exact_in_length_fixed_and_incompressible() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let n = 300_000;
    let res = conn.exchange(&get(&format!("/bytes/{n}")));
    assert_eq!(res.status, 200);
    assert_eq!(res.field("content-length"), Some("300000"));
    assert_eq!(res.body.len(), n);
    let mut counts = [0usize; 256];
    res.body.iter().for_each(|&b| counts[b as usize] += 1);
    let mean = n / 256;
    assert!(
        counts.iter().all(|&c| c > mean / 2 && c < mean * 2),
        "not spread: {counts:?}"
    );
    // A fixed pattern: the same bytes every time.
    let again = conn.exchange(&get("/bytes/1000"));
    assert_eq!(again.body, res.body[..1000]);

    let empty = conn.exchange(&get("/bytes/0"));
    assert_eq!(
        (empty.status, empty.field("content-length")),
        (200, Some("0"))
    );
    assert!(empty.body.is_empty());

    for absurd in ["17179869185", "99999999999999999999999"] {
        let mut conn = server.connect();
        let res = conn.exchange(&get(&format!("/bytes/{absurd}")));
        assert_eq!(res.status, 400, "{absurd}");
    }
}

#[test]
fn big_bodies_stream_in_bounded_pieces() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let n = 8 * 1024 * 1024;
    conn.send(&get(&format!("/bytes/{n}")));
    let (status, fields) = conn.read_head();
    assert_eq!(
        (status, find(&fields, "content-length")),
        (200, Some("8388608"))
    );
    let mut total = conn.buf.len();
    conn.buf.clear();
    while total < n {
        assert!(conn.fill());
        total += conn.buf.len();
        conn.buf.clear();
    }
    assert_eq!(total, n);
}

#[test]
fn text_is_plain_and_compressible() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let res = conn.exchange(&get("/text/5000"));
    assert_eq!(res.status, 200);
    assert_eq!(res.field("content-type"), Some("text/plain"));
    assert_eq!(res.field("content-length"), Some("5000"));
    assert_eq!(res.body.len(), 5000);
    assert!(res
        .body
        .iter()
        .all(|&b| b == b'\n' || (b' '..=b'~').contains(&b)));
    // Compressible: few distinct bytes, and the opening comes back again and again.
    let mut distinct = res.body.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(distinct.len() < 40, "{} distinct bytes", distinct.len());
    let opening = &res.body[..32];
    assert!(res.body.windows(32).filter(|w| w == &opening).count() > 10);
}

#[test]
fn push_needs_http2_on_http1() {
    let server = Server::start(&[]);
    let res = server.connect().exchange(&get("/push"));
    assert_eq!(res.status, 200);
    assert_eq!(res.field("content-type"), Some("text/plain"));
    assert_eq!(res.body, b"push needs HTTP/2\n");
}

#[test]
fn trailers_come_after_a_chunked_body() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let res = conn.exchange(&get("/trailers"));
    assert_eq!(res.status, 200);
    assert_eq!(res.field("transfer-encoding"), Some("chunked"));
    assert_eq!(res.field("content-length"), None);
    assert_eq!(res.body, b"body\n");
    assert_eq!(
        res.trailers,
        vec![("x-checksum".to_string(), "done".to_string())]
    );
    // The connection is still good.
    assert_hello(&conn.exchange(&get("/")), 0);
}

#[test]
fn echo_is_full_duplex() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    conn.send(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nHello, \r\n",
    );
    // The head and the first piece come back while the request body is still open.
    let (status, fields) = conn.read_head();
    assert_eq!(status, 200);
    assert_eq!(find(&fields, "transfer-encoding"), Some("chunked"));
    assert_eq!(conn.read_chunk().as_deref(), Some(&b"Hello, "[..]));
    conn.send(b"6\r\nWorld!\r\n");
    assert_eq!(conn.read_chunk().as_deref(), Some(&b"World!"[..]));
    conn.send(b"0\r\n\r\n");
    assert_eq!(conn.read_chunk(), None);
    assert!(conn.read_fields().is_empty());
    // Keep-alive after a streamed exchange.
    assert_hello(&conn.exchange(&get("/")), 0);

    let res = conn.exchange(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\n\r\n");
    assert_eq!((res.status, res.body.len()), (200, 0));
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    for (path, body) in [("/", "12345"), ("/echo", "hello")] {
        conn.send(
            format!(
                "POST {path} HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
            )
            .as_bytes(),
        );
        assert_eq!(
            conn.read_exact(25),
            b"HTTP/1.1 100 Continue\r\n\r\n",
            "{path}"
        );
        conn.send(body.as_bytes());
        let res = conn.read_response(false);
        assert_eq!(res.status, 200, "{path}");
        if path == "/" {
            assert_hello(&res, 5);
        } else {
            assert_eq!(res.body, b"hello");
        }
    }
}

/// Checks a raw echo on an open tunnel: pieces come back as they are written; after
/// our write side closes, the server closes its side.
fn assert_tunnel_echoes(conn: &mut Conn) {
    for piece in [
        &b"ping"[..],
        b"\x00\x01 raw \xff bytes\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
    ] {
        conn.send(piece);
        assert_eq!(conn.read_exact(piece.len()), piece);
    }
    conn.sock.shutdown(Shutdown::Write).unwrap();
    assert_eq!(conn.read_to_eof(), b"", "nothing but the echo");
}

#[test]
fn upgrade_echo_tunnels_raw_bytes() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    conn.send(
        b"GET /anything HTTP/1.1\r\nHost: test\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n",
    );
    let (status, fields) = conn.read_head();
    assert_eq!(status, 101);
    assert_eq!(find(&fields, "upgrade"), Some("echo"));
    assert_eq!(find(&fields, "connection"), Some("upgrade"));
    assert_tunnel_echoes(&mut conn);

    // An upgrade without `Connection: upgrade` is an ordinary request.
    let res = server
        .connect()
        .exchange(b"GET / HTTP/1.1\r\nHost: test\r\nUpgrade: echo\r\n\r\n");
    assert_hello(&res, 0);
}

#[test]
fn connect_tunnels_raw_bytes() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    conn.send(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    let (status, fields) = conn.read_head();
    assert_eq!(status, 200);
    assert_eq!(find(&fields, "content-length"), None);
    assert_eq!(find(&fields, "transfer-encoding"), None);
    assert_tunnel_echoes(&mut conn);
}

#[test]
fn malformed_requests_get_the_early_error_and_a_close() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    conn.send(b"GET / HTTP/1.1\r\nHost: test\r\nno colon here\r\n\r\n");
    let res = conn.read_response(false);
    assert_eq!(res.status, 400);
    assert_eq!(res.field("connection"), Some("close"));
    assert_eq!(conn.read_to_eof(), b"");
}

// ---- compression ------------------------------------------------------------------

fn decode(coding: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        Some("gzip") => flate2::read::GzDecoder::new(body).read_to_end(&mut out),
        Some("deflate") => flate2::read::ZlibDecoder::new(body).read_to_end(&mut out),
        None => return body.to_vec(),
        Some(other) => panic!("coding {other}"),
    }
    .expect("a complete compressed body");
    out
}

#[test]
fn text_is_compressed_as_accept_encoding_asks() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let identity = conn.exchange(&get("/text/100000"));
    assert_eq!(identity.field("content-encoding"), None);
    assert_eq!(identity.field("content-length"), Some("100000"));
    // It would have been compressed for another accept-encoding.
    assert_eq!(identity.field("vary"), Some("accept-encoding"));
    for (accept, coding) in [
        ("gzip", "gzip"),
        ("deflate", "deflate"),
        ("gzip;q=0.4, deflate;q=0.9", "deflate"),
    ] {
        let request =
            format!("GET /text/100000 HTTP/1.1\r\nHost: test\r\nAccept-Encoding: {accept}\r\n\r\n");
        let res = conn.exchange(request.as_bytes());
        assert_eq!(res.status, 200);
        assert_eq!(res.field("content-type"), Some("text/plain"));
        assert_eq!(res.field("content-encoding"), Some(coding), "{accept}");
        assert_eq!(res.field("vary"), Some("accept-encoding"));
        // Streamed in pieces: the length is not known up front.
        assert_eq!(res.field("content-length"), None);
        assert_eq!(res.field("transfer-encoding"), Some("chunked"));
        assert!(res.body.len() < 5000, "{accept}: {} bytes", res.body.len());
        assert!(decode(Some(coding), &res.body) == identity.body, "{accept}");
    }
    // Not compressible, or too small to be worth it: as it is.
    let bytes =
        conn.exchange(b"GET /bytes/5000 HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n");
    assert_eq!(bytes.field("content-encoding"), None);
    assert_eq!(bytes.body.len(), 5000);
    let hello = conn.exchange(b"GET / HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n");
    assert_hello(&hello, 0);
    assert_eq!(hello.field("content-encoding"), None);
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(body).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_gzip_request_body_is_decoded_and_a_bomb_refused() {
    let server = Server::start(&[]);
    let mut conn = server.connect();
    let body = b"a request body that the client compressed. ".repeat(1000);
    let encoded = gzip(&body);
    let mut request = format!(
        "POST /form HTTP/1.1\r\nHost: test\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        encoded.len()
    )
    .into_bytes();
    request.extend_from_slice(&encoded);
    // The routes count the decoded body.
    assert_hello(&conn.exchange(&request), body.len() as u64);

    // 100 MiB of zeros in about 100 kB: 413 well before the end, and a close.
    let bomb = gzip(&vec![0; 100 << 20]);
    conn.send(
        format!(
            "POST /form HTTP/1.1\r\nHost: test\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
            bomb.len()
        )
        .as_bytes(),
    );
    // The server may stop reading before all of it is written.
    let _ = conn.sock.write_all(&bomb);
    let res = conn.read_response(false);
    assert_eq!(res.status, 413);
    assert_eq!(res.field("connection"), Some("close"));
}

// ---- command line ----------------------------------------------------------------

#[test]
fn config_sets_limits_and_rejects_unknown_keys() {
    let out = run(
        SERVER,
        &["--listen", "127.0.0.1:0", "--config", "no_such_key=1"],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no_such_key"), "{err}");
    assert!(out.stdout.is_empty(), "no listening line");

    let out = run(
        SERVER,
        &["--listen", "127.0.0.1:0", "--config", "max_fields=oops"],
    );
    assert!(!out.status.success());

    let server = Server::start(&["--protocol", "h1", "--config", "max_fields=3"]);
    let mut conn = server.connect();
    let res = conn.exchange(b"GET / HTTP/1.1\r\nHost: test\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n");
    assert_eq!(res.status, 431);
}

#[test]
fn protocol_h2_speaks_only_http2() {
    let server = Server::start(&["--protocol", "h2"]);
    // An HTTP/1.1 request is a connection error (RFC 9113 §3.4): the server's
    // SETTINGS, then GOAWAY with PROTOCOL_ERROR, then the close.
    let mut h1 = server.connect();
    h1.send(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    while h1.fill() {}
    let mut frames = Vec::new();
    let mut rest = &h1.buf[..];
    while rest.len() >= 9 {
        let len = u32::from_be_bytes([0, rest[0], rest[1], rest[2]]) as usize;
        frames.push((rest[3], rest[9..9 + len].to_vec()));
        rest = &rest[9 + len..];
    }
    assert_eq!(frames.first().map(|f| f.0), Some(4), "SETTINGS first");
    let goaway = frames.iter().find(|f| f.0 == 7).expect("a GOAWAY");
    assert_eq!(goaway.1[4..8], [0, 0, 0, 1], "PROTOCOL_ERROR");
    // The HTTP/2 client gets the routes.
    let out = run(
        CLIENT,
        &[
            &format!("http://{}/", server.addr),
            "--http2-prior-knowledge",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, HELLO);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("HTTP/2 200"));
    // Auto still speaks HTTP/1.1.
    let server = Server::start(&["--protocol", "auto"]);
    assert_hello(&server.connect().exchange(&get("/")), 0);
}

#[cfg(unix)]
#[test]
fn sigterm_finishes_the_current_response_then_exits_0() {
    let mut server = Server::start(&[]);
    let mut idle = server.connect();
    assert_hello(&idle.exchange(&get("/")), 0);
    let mut busy = server.connect();
    busy.send(
        b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
    );
    assert_eq!(busy.read_head().0, 200);
    assert_eq!(busy.read_chunk().as_deref(), Some(&b"abc"[..]));

    let kill = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    // The idle connection is closed; the busy one finishes its response.
    assert_eq!(idle.read_to_eof(), b"");
    busy.send(b"2\r\nde\r\n0\r\n\r\n");
    assert_eq!(busy.read_chunk().as_deref(), Some(&b"de"[..]));
    assert_eq!(busy.read_chunk(), None);
    assert!(busy.read_fields().is_empty());
    assert_eq!(busy.read_to_eof(), b"");
    assert_eq!(server.wait().code(), Some(0));
}

#[test]
fn blocking_client_prints_the_body_and_exits_0() {
    let server = Server::start(&[]);
    let url = format!("http://{}", server.addr);

    let out = run(CLIENT, &[&format!("{url}/")]);
    assert!(out.status.success());
    assert_eq!(out.stdout, HELLO);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("HTTP/1.1 200 OK\n"), "{err}");
    assert!(err.contains("x-body-length: 0\n"), "{err}");

    let out = run(CLIENT, &[&format!("{url}/echo"), "-d", "abc"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"abc");

    let out = run(
        CLIENT,
        &[&url, "-X", "PUT", "-d", "12345", "-H", "X-Test: yes"],
    );
    assert!(out.status.success());
    assert_eq!(out.stdout, HELLO);
    assert!(String::from_utf8_lossy(&out.stderr).contains("x-body-length: 5"));

    let file = std::env::temp_dir().join(format!("blocking-client-{}.bin", std::process::id()));
    let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&file, &data).unwrap();
    let out = run(
        CLIENT,
        &[
            &format!("{url}/echo"),
            "--data-file",
            file.to_str().unwrap(),
        ],
    );
    std::fs::remove_file(&file).unwrap();
    assert!(out.status.success());
    assert!(out.stdout == data, "the file echoed back");

    let out = run(CLIENT, &[&format!("{url}/trailers")]);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"body\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("x-checksum: done"));

    let out = run(CLIENT, &[&url, "-X", "CONNECT", "-d", "through the tunnel"]);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"through the tunnel");

    let out = run(CLIENT, &[&format!("{url}/"), "-X", "HEAD"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

#[test]
fn blocking_client_fails_without_a_complete_response() {
    // A port where nothing listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run(CLIENT, &[&format!("http://127.0.0.1:{port}/")]);
    assert!(!out.status.success());

    // A server that closes in the middle of the body.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let cut = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut buf = [0; 1024];
        let _ = sock.read(&mut buf);
        sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc")
            .unwrap();
    });
    let out = run(CLIENT, &[&format!("http://{addr}/")]);
    cut.join().unwrap();
    assert!(!out.status.success());
    assert_eq!(out.stdout, b"abc");

    for args in [
        &["https://127.0.0.1/"][..],
        &["http://127.0.0.1/", "--http2-prior-knowledge"],
    ] {
        let out = run(CLIENT, args);
        assert!(!out.status.success(), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn echo_demo_echoes_everything_and_says_ok_last() {
    let out = run(DEMO, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with("echo server listening on 127.0.0.1:"),
        "{stdout}"
    );
    // Both versions, independent bodies first, then the raw streams: each word echoed
    // before the next is written, then the end of the stream.
    let mut expected = Vec::new();
    for label in [
        "http/1.1 body echo",
        "http/2 body echo",
        "http/1.1 upgrade echo",
        "http/1.1 connect echo",
        "http/2 connect echo",
        "http/2 extended connect echo",
    ] {
        for what in ["\"Hello, \"", "\"World!\"", "end of stream"] {
            expected.push(format!("{label}: {what}"));
        }
    }
    expected.push("echo demo: ok".into());
    assert_eq!(lines.collect::<Vec<_>>(), expected, "{stdout}");
}
