//! # weir-blocking: weir over `std::net`, a thread per connection
//!
//! The whole adapter is the driving loop of `weir`'s crate documentation, over a
//! blocking [`TcpStream`](std::net::TcpStream):
//!
//! - [`Driver`] binds a [`weir::Connection`] (or a [`weir::handler::Dispatcher`], anything
//!   that [drives](Drive) like one) to a socket: [`drain`](Driver::drain) writes
//!   what the connection transmits and hands events over until it reports its deadline,
//!   [`wait`](Driver::wait) reads once (with the deadline as the socket's read timeout)
//!   and feeds bytes, end of input or the timeout back in;
//! - [`Server`] accepts connections and serves each with an [`Application`] on its own
//!   thread, through the built-in compression handlers; the application answers with
//!   the verbs of a [`Responder`]; [`ShutdownHandle`] stops the server gracefully;
//! - [`Routes`] is the application of the example servers (`EXAMPLE-SERVERS.md`);
//! - [`Client`] sends commands and pulls events one at a time;
//! - [`StreamIo`] is one stream as [`std::io::Read`] + [`std::io::Write`] (weir's
//!   [`Duplex`](weir::Duplex) view): [`Client::stream_io`] on a client, and on a server
//!   [`Server::run_streams`], which hands each request to a plain function.
//!
//! The binaries: `blocking-server`, `blocking-client` and `echo-demo`.
//!
//! ```no_run
//! use weir_blocking::{Routes, Server};
//!
//! let server = Server::bind("127.0.0.1:0", weir::Config::default())?;
//! println!("listening on {}", server.local_addr()?);
//! let shutdown = server.shutdown_handle();
//! server.run(move || Routes::with_shutdown(shutdown.clone()))?;
//! # Ok::<(), std::io::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
mod backlog;
mod client;
mod driver;
mod endpoint;
pub mod generate;
pub mod print;
mod routes;
mod server;
mod stream_io;
mod stream_server;

pub use client::Client;
pub use driver::Driver;
pub use endpoint::{Drive, Responder};
pub use routes::{path_of, Routes, HELLO, PUSH_NEEDS_H2};
pub use server::{serve_connection, Application, Server, ShutdownHandle};
pub use stream_io::StreamIo;
pub use stream_server::serve_streams;
