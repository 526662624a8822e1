//! The peers' servers for the loopback comparison (`benches/loopback.sh`): hyper
//! (HTTP/1.1 and HTTP/2, detected per connection) or the h2 crate (HTTP/2), on a
//! current-thread runtime, one thread, as `tokio-server --threads 1` runs.
//!
//! `peer-server hyper|h2 [--listen ADDR]` prints `listening on IP:PORT` once bound and
//! answers the two routes the comparison uses as the example servers do: `GET /` with
//! `Hello, World!\n`, and `GET /bytes/N` with N bytes.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};

/// The body for `path`: N bytes for `/bytes/N` (shared, made once per size), else the
/// greeting.
fn body_for(path: &str, large: &Bytes) -> Bytes {
    match path
        .strip_prefix("/bytes/")
        .and_then(|n| n.parse::<usize>().ok())
    {
        Some(n) if n == large.len() => large.clone(),
        Some(n) => Bytes::from(vec![b'x'; n]),
        None => Bytes::from_static(b"Hello, World!\n"),
    }
}

fn response(body: Bytes) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .header("content-type", "text/plain")
        .body(Full::new(body))
        .expect("a valid response")
}

async fn serve_hyper(stream: TcpStream, large: Bytes) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let body = body_for(request.uri().path(), &large);
        async move { Ok::<_, Infallible>(response(body)) }
    });
    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

async fn serve_h2(stream: TcpStream, large: Bytes) {
    let _ = stream.set_nodelay(true);
    let Ok(mut conn) = h2::server::handshake(stream).await else {
        return;
    };
    while let Some(Ok((request, mut respond))) = conn.accept().await {
        let body = body_for(request.uri().path(), &large);
        let head = http::Response::builder()
            .header("content-type", "text/plain")
            .header("content-length", body.len())
            .body(())
            .expect("a valid response");
        let Ok(mut send) = respond.send_response(head, false) else {
            continue;
        };
        // The body goes as the window allows: a task per stream, as an application
        // of the h2 crate writes it.
        tokio::task::spawn_local(async move {
            let mut body = body;
            while !body.is_empty() {
                send.reserve_capacity(body.len());
                let Some(Ok(n)) = std::future::poll_fn(|cx| send.poll_capacity(cx)).await else {
                    return;
                };
                let chunk = body.split_to(n.min(body.len()));
                if send.send_data(chunk, body.is_empty()).is_err() {
                    return;
                }
            }
        });
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let which = args.first().map(String::as_str);
    let listen = match args.iter().position(|a| a == "--listen") {
        Some(i) => args.get(i + 1).cloned().expect("--listen ADDR"),
        None => "127.0.0.1:0".to_string(),
    };
    let h2 = match which {
        Some("hyper") => false,
        Some("h2") => true,
        _ => {
            eprintln!("usage: peer-server hyper|h2 [--listen ADDR]");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a current-thread runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let listener = TcpListener::bind(&listen).await.expect("bind");
        println!("listening on {}", listener.local_addr().expect("bound"));
        let large = Bytes::from(vec![b'x'; 1 << 20]);
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let large = large.clone();
            if h2 {
                tokio::task::spawn_local(serve_h2(stream, large));
            } else {
                tokio::task::spawn_local(serve_hyper(stream, large));
            }
        }
    });
}
