//! HTTP/2 (RFC 9113).

pub(crate) mod budget;
pub(crate) mod conn;
pub(crate) mod fields;
pub(crate) mod frame;
pub(crate) mod schedule;
pub(crate) mod stream;
pub(crate) mod upgrade;
