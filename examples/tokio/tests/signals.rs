//! `tokio-server` as a process: SIGTERM shuts it down gracefully. A request in flight
//! when the signal comes still gets its whole response, a new connection is refused,
//! and the process then exits on its own with status 0.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server if the test fails before it exits.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(protocol: &str) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tokio-server"))
        .args(["--listen", "127.0.0.1:0", "--protocol", protocol])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tokio-server");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped");
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let addr = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("expected `listening on IP:PORT`, got {line:?}"))
        .to_string();
    (Guard(child), addr)
}

fn sigterm(child: &Child) {
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -TERM {}", child.id())])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill -TERM failed");
}

/// Waits (boundedly) for the process to exit; returns its status.
fn exit_status(guard: &mut Guard, within: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + within;
    loop {
        if let Some(status) = guard.0.try_wait().expect("wait") {
            return status;
        }
        assert!(
            Instant::now() < until,
            "tokio-server still runs {within:?} after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_then_exits() {
    let (mut guard, addr) = start("h1");
    let mut sock = TcpStream::connect(&addr).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // Half of an echo's body: the response is under way when the signal comes.
    let head = format!("POST /echo HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 10\r\n\r\n");
    sock.write_all(head.as_bytes()).unwrap();
    sock.write_all(b"Hello").unwrap();
    let mut first = [0; 512];
    let n = sock.read(&mut first).unwrap();
    let first = String::from_utf8_lossy(&first[..n]).into_owned();
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");

    sigterm(&guard.0);
    // The listener closes: nobody new gets in (allow the signal a moment to land).
    let until = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(&addr).is_ok() {
        assert!(Instant::now() < until, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }

    sock.write_all(b"World").unwrap();
    let mut rest = Vec::new();
    sock.read_to_end(&mut rest).unwrap();
    let all = first + &String::from_utf8_lossy(&rest);
    let body: String = all
        .split_once("\r\n\r\n")
        .map(|(_, chunked)| chunked.split("\r\n").skip(1).step_by(2).collect())
        .unwrap_or_default();
    assert_eq!(
        body, "HelloWorld",
        "the whole echo, then the close: {all:?}"
    );
    assert!(exit_status(&mut guard, Duration::from_secs(5)).success());
}

#[test]
fn sigterm_on_an_idle_server_exits_at_once() {
    let (mut guard, addr) = start("auto");
    // An idle keep-alive connection does not hold the shutdown up.
    let mut idle = TcpStream::connect(&addr).expect("connect");
    idle.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut response = [0; 512];
    assert!(idle.read(&mut response).unwrap() > 0);
    sigterm(&guard.0);
    assert!(exit_status(&mut guard, Duration::from_secs(5)).success());
}
