//! HTTP/2 (RFC 9113).

pub(crate) mod frame;
