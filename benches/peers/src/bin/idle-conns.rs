//! Opens idle connections for the loopback comparison's memory measurement
//! (`benches/loopback.sh`): `idle-conns ADDR N h1|h2` opens N connections to ADDR,
//! brings each to its idle state (HTTP/1.1: one `GET /` answered, kept alive; HTTP/2:
//! the preface and SETTINGS exchanged both ways, acknowledged), prints `ready`, and
//! holds them open until its standard input closes. `IDLE_SPACING_MS` spaces the
//! connections out, so that a server that frees a quiet connection's buffers reuses
//! them for the next rather than holding many at once while they are opened.

use std::io::{Read, Write};
use std::net::TcpStream;

use weir_bench::raw::PREFACE;

/// HTTP/1.1: sends a GET and reads its whole response (the body is `Hello, World!\n`).
fn h1_idle(stream: &mut TcpStream) -> std::io::Result<()> {
    stream.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")?;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.ends_with(b"Hello, World!\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        got.extend_from_slice(&buf[..n]);
    }
    Ok(())
}

/// HTTP/2: the preface and an empty SETTINGS; acknowledges the server's SETTINGS and
/// waits for its acknowledgment of ours.
fn h2_idle(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut hello = PREFACE.to_vec();
    hello.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    stream.write_all(&hello)?;
    let (mut acked, mut answered) = (false, false);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !(acked && answered) {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        while buf.len() >= 9 {
            let len = u32::from_be_bytes([0, buf[0], buf[1], buf[2]]) as usize;
            if buf.len() < 9 + len {
                break;
            }
            let (kind, flags) = (buf[3], buf[4]);
            if kind == 4 && flags & 1 == 1 {
                acked = true;
            } else if kind == 4 {
                stream.write_all(&[0, 0, 0, 4, 1, 0, 0, 0, 0])?;
                answered = true;
            }
            buf.drain(..9 + len);
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, n, version] = args.as_slice() else {
        eprintln!("usage: idle-conns ADDR N h1|h2");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("a number of connections");
    let spacing = std::env::var("IDLE_SPACING_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map(std::time::Duration::from_millis);
    let mut held = Vec::with_capacity(n);
    for i in 0..n {
        if let Some(spacing) = spacing {
            std::thread::sleep(spacing);
        }
        let mut stream = TcpStream::connect(addr.as_str())
            .unwrap_or_else(|e| panic!("connection {i} to {addr}: {e}"));
        let idle = match version.as_str() {
            "h1" => h1_idle(&mut stream),
            "h2" => h2_idle(&mut stream),
            other => panic!("h1 or h2, not {other}"),
        };
        idle.unwrap_or_else(|e| panic!("connection {i}: {e}"));
        held.push(stream);
    }
    println!("ready");
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(held);
}
