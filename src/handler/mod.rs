//! Stream handlers, after Cowboy's: a chain of [`Handler`]s between a server
//! [`Connection`](crate::Connection) and the application, each of which sees every
//! stream's request on its way in and every command on its way out, and may pass,
//! drop, rewrite or add commands. The same handler code runs on HTTP/1.1 and HTTP/2.
//!
//! A stream is one request and its response (or a promised request and its response).
//! Its handlers get, in order:
//!
//! - [`init`](Handler::init): the request head, and the connection's [`Options`];
//! - [`data`](Handler::data): request body bytes with the end-of-stream flag;
//! - [`info`](Handler::info): the application's commands ([`Info::Command`]), the
//!   stream's other events (trailers, a tunnel, room to write) and the application's
//!   own messages;
//! - [`terminate`](Handler::terminate): the stream is over, with the reason;
//!
//! and, for a request whose head could not be read,
//! [`early_error`](Handler::early_error) alone, which may rewrite the response about
//! to be sent.
//!
//! A [`Dispatcher`] drives a connection with a chain, sans-IO: an adapter drains
//! [`Dispatcher::poll_output`] exactly as it drains
//! [`Connection::poll_output`](crate::Connection::poll_output), and the application
//! sends its commands with [`Dispatcher::send`].
//!
//! Built in, besides the [`DefaultHandler`] that ends every chain, with the cargo
//! feature `compression` (on by default): `Compress`, which compresses response bodies
//! as `accept-encoding` asks, and `Decompress`, which decodes compressed request
//! bodies within a bound. Put `Compress` first, so that it sees every response as it
//! finally is:
//!
//! ```
//! # #[cfg(feature = "compression")] {
//! use std::time::Instant;
//! use weir::handler::{Compress, Decompress, Dispatcher};
//! use weir::{Config, Connection, Side};
//!
//! let conn = Connection::new(Side::Server, Config::default(), Instant::now());
//! let server: Dispatcher = Dispatcher::new(conn)
//!     .handler(Compress::new())
//!     .handler(Decompress::new().max_size(1 << 20));
//! # }
//! ```

mod chain;
#[cfg(feature = "compression")]
mod compress;
#[cfg(feature = "compression")]
mod decompress;
mod default;
mod dispatch;

pub use chain::{Handler, Info, Next, Options, Terminate};
#[cfg(feature = "compression")]
pub use compress::Compress;
#[cfg(feature = "compression")]
pub use decompress::Decompress;
pub use default::DefaultHandler;
pub use dispatch::Dispatcher;
