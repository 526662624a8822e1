//! # weir-tokio: weir on the tokio runtime, a task per busy connection, TLS with ALPN
//!
//! The adapter is the driving loop of `weir`'s crate documentation, waiting at once on
//! the socket's readiness, the connection's next deadline, and the application's
//! messages:
//!
//! - [`Server`] accepts connections and serves each on its own task with the example
//!   routes (`EXAMPLE-SERVERS.md`) through the built-in compression handlers; over TLS
//!   (rustls) when given an [`Identity`], ALPN choosing `h2` or `http/1.1`;
//!   [`ShutdownHandle`] stops it gracefully (HTTP/2 GOAWAY, the open streams finish).
//!   A plain-TCP connection that goes quiet with nothing under way is parked: its task
//!   ends, and one thread watches all parked sockets and deadlines until the
//!   connection is needed again (see [`weir::Parked`]);
//! - [`Client`] connects over TCP or TLS and sends requests;
//! - [`StreamIo`] is one stream as `AsyncRead + AsyncWrite` (weir's
//!   [`Duplex`](weir::Duplex) view): the body of a request or response, or the raw
//!   bytes of a tunnel (an Upgrade, CONNECT or extended CONNECT). The server's `/echo`,
//!   its tunnels and its WebSocket echo at `/ws` each run on one.
//!
//! The binaries: `tokio-server`, `tokio-client` and `echo-demo-tokio`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
mod client;
mod driver;
mod link;
mod park;
mod server;
mod stream_io;
pub mod tls;
mod ws;

pub use client::{Client, ClientOptions, Target};
pub use link::Machine;
pub use server::{serve, Server, ShutdownHandle};
pub use stream_io::StreamIo;
pub use tls::Identity;
