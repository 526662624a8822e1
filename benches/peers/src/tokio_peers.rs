//! The peers' side: hyper's server connections and the h2 crate's, each a task on a
//! current-thread runtime, reached through `tokio::io::duplex`.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::runtime::Runtime;

use crate::raw::{self, H2Client};
use crate::{Case, Cycle, Server};

/// The in-memory pipe's capacity each way: about what a socket buffers.
const PIPE: usize = 256 * 1024;

/// The response every server gives (hyper adds the Content-Length of a `Full` body).
fn response(body: Bytes) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .header("content-type", "text/plain")
        .body(Full::new(body))
        .expect("a valid response")
}

/// The h2 crate's server, answering each request as it is accepted: a GET has no body
/// to wait for, so no task per stream is needed.
async fn serve_h2(io: DuplexStream, body: Bytes) {
    let Ok(mut conn) = h2::server::handshake(io).await else {
        return;
    };
    while let Some(Ok((_request, mut respond))) = conn.accept().await {
        let head = http::Response::builder()
            .header("content-type", "text/plain")
            .header("content-length", body.len())
            .body(())
            .expect("a valid response");
        let Ok(mut send) = respond.send_response(head, false) else {
            return;
        };
        if send.send_data(body.clone(), true).is_err() {
            return;
        }
    }
}

/// A peer's connection and the raw client that talks to it.
pub struct Peer {
    rt: Runtime,
    server: Server,
    case: Case,
    body: Bytes,
    io: DuplexStream,
    h2: H2Client,
    /// What the next cycle writes first: the HTTP/2 handshake, once.
    prefix: Vec<u8>,
    wire: Vec<u8>,
    buf: Vec<u8>,
    /// HTTP/1.1: the length of one response, learned from the first.
    response_len: Option<usize>,
}

impl Peer {
    pub fn new(server: Server, case: Case) -> Peer {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime");
        let body = case.body();
        let io = connect(&rt, server, case, &body);
        let h2 = H2Client::new("/");
        let mut prefix = Vec::new();
        if case.is_h2() {
            h2.handshake(&mut prefix);
        }
        let mut wire = Vec::new();
        if case == Case::H2First {
            // Every new connection gets the same bytes: prepared once.
            let mut first = H2Client::new("/");
            first.handshake(&mut wire);
            first.requests(1, &mut wire);
            prefix.clear();
        } else if !case.is_h2() {
            wire = raw::h1_request("/").repeat(case.requests());
        }
        Peer {
            rt,
            server,
            case,
            body,
            io,
            h2,
            prefix,
            wire,
            buf: vec![0; 64 * 1024],
            response_len: None,
        }
    }
}

/// A new connection to a new server task.
fn connect(rt: &Runtime, server: Server, case: Case, body: &Bytes) -> DuplexStream {
    let (client, server_io) = tokio::io::duplex(PIPE);
    let body = body.clone();
    let io = TokioIo::new(server_io);
    match (server, case.is_h2()) {
        (Server::Hyper, false) => {
            let service = service_fn(move |_request| {
                let body = body.clone();
                async move { Ok::<_, Infallible>(response(body)) }
            });
            rt.spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .auto_date_header(false)
                    .pipeline_flush(true)
                    .serve_connection(io, service)
                    .await;
            });
        }
        (Server::Hyper, true) => {
            let service = service_fn(move |_request| {
                let body = body.clone();
                async move { Ok::<_, Infallible>(response(body)) }
            });
            rt.spawn(async move {
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .auto_date_header(false)
                    .serve_connection(io, service)
                    .await;
            });
        }
        (Server::H2, true) => {
            rt.spawn(serve_h2(io.into_inner(), body));
        }
        (Server::H2, false) | (Server::Weir, _) => unreachable!("not a tokio peer"),
    }
    client
}

impl Cycle for Peer {
    fn cycle(&mut self) {
        let requests = self.case.requests();
        if self.case == Case::H2First {
            // The previous connection's server sees EOF and ends as the runtime runs.
            self.io = connect(&self.rt, self.server, self.case, &self.body);
            self.h2.restart();
        } else if self.case.is_h2() {
            self.wire.clear();
            self.wire.append(&mut self.prefix);
            self.h2.requests(requests, &mut self.wire);
        }
        let Peer {
            rt,
            io,
            h2,
            wire,
            buf,
            response_len,
            case,
            ..
        } = self;
        rt.block_on(async {
            io.write_all(wire).await.expect("the server reads");
            if case.is_h2() {
                let mut ended = 0;
                while ended < requests {
                    let n = io.read(buf).await.expect("the server writes");
                    assert!(n > 0, "the server closed");
                    ended += h2.read(&buf[..n]);
                }
                return;
            }
            let mut received = 0;
            let mut first = Vec::new();
            loop {
                if let Some(len) = *response_len {
                    if received >= len * requests {
                        assert_eq!(received, len * requests, "whole responses, nothing more");
                        return;
                    }
                } else {
                    *response_len = raw::h1_response_len(&first).filter(|&l| first.len() >= l);
                    if response_len.is_some() {
                        continue;
                    }
                }
                let n = io.read(buf).await.expect("the server writes");
                assert!(n > 0, "the server closed");
                received += n;
                if response_len.is_none() {
                    first.extend_from_slice(&buf[..n]);
                }
            }
        });
    }
}
