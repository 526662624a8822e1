//! Streams: their states (RFC 9113 §5.1).

pub(crate) mod state;
