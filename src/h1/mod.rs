//! HTTP/1.1 (RFC 9112): heads (plain ones in one pass of our own, the rest through
//! `httparse`), body framing, encoding, and the connection state machine.

mod body;
pub(crate) mod encode;
mod input;
pub(crate) mod parse;
mod state;
mod whole;

pub(crate) use state::{ParkedH1, H1};
