//! Streams: their states (RFC 9113 §5.1).

pub(crate) mod closed;
pub(crate) mod map;
pub(crate) mod queue;
pub(crate) mod state;
