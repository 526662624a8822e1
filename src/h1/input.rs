//! The connection's input buffer: bytes received and not yet consumed, handed out as
//! zero-copy [`Bytes`] slices, with the offset of the first one in the whole input.

use bytes::{Bytes, BytesMut};

#[derive(Debug, Default)]
pub(crate) struct Input {
    buf: BytesMut,
    /// How many bytes of the connection's input came before `buf[0]`.
    offset: u64,
}

/// The least room the buffer makes when it runs out, except on a connection's first
/// read: a few reads' worth, so that the buffer is reclaimed (or grown) once every
/// few small reads rather than on each.
const MIN_ROOM: usize = 4096;

impl Input {
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        if self.buf.capacity() - self.buf.len() < bytes.len() {
            // A connection's first read is taken as it came: a thousand connections
            // that each received one small request should not hold a few pages each
            // until they are released. Once a connection has been used, its buffer
            // makes room for a few reads, so that a kept-alive one reclaims (or
            // grows) its buffer once every few requests rather than on each.
            let room = if self.offset == 0 && self.buf.is_empty() {
                bytes.len()
            } else {
                bytes.len().max(MIN_ROOM)
            };
            self.buf.reserve(room);
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Frees the buffer if it holds nothing (see `Connection::release_buffers`).
    pub(crate) fn release(&mut self) {
        if self.buf.is_empty() {
            self.buf = BytesMut::new();
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    pub(crate) fn bytes_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The offset in the whole input of the next unconsumed byte.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// An empty buffer whose next byte is at `offset` in the whole input (a parked
    /// connection coming back).
    pub(crate) fn at(offset: u64) -> Input {
        Input {
            buf: BytesMut::new(),
            offset,
        }
    }

    /// Takes the first `n` bytes (`n <= len`) without copying.
    pub(crate) fn take(&mut self, n: usize) -> Bytes {
        self.offset += n as u64;
        self.buf.split_to(n).freeze()
    }

    /// Drops the first `n` bytes (`n <= len`).
    pub(crate) fn skip(&mut self, n: usize) {
        self.offset += n as u64;
        let _ = self.buf.split_to(n);
    }

    /// The position of the first `byte` at or after `from`.
    pub(crate) fn find_byte(&self, byte: u8, from: usize) -> Option<usize> {
        let from = from.min(self.buf.len());
        let rest = &self.buf[from..];
        let found = if byte == b'\n' {
            super::parse::find_lf(rest)
        } else {
            rest.iter().position(|&b| b == byte)
        };
        found.map(|i| i + from)
    }
}
