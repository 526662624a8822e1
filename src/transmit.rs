//! Bytes for the peer that carry body data without copying it: see
//! [`Connection::poll_output_vectored`](crate::Connection::poll_output_vectored).

use bytes::Bytes;
use std::io::{self, IoSlice, Write};

/// Body chunks at least this long are passed on as they are; shorter ones are copied,
/// which costs less than one more slice to write.
const SHARE_MIN: usize = 1024;

/// What to write to the peer, in order: bytes the connection wrote (frame heads,
/// control frames, header blocks, small bodies) and the application's body chunks,
/// passed on as the same [`Bytes`] without a copy. Write it with one vectored write
/// ([`chunks`](Transmit::chunks), or [`write_to`](Transmit::write_to) for a blocking
/// writer).
///
/// ```
/// use std::time::Instant;
/// use bytes::Bytes;
/// use weir::{Config, Connection, Output, Response, Side, Transmit, Version};
///
/// let now = Instant::now();
/// let mut client = Connection::with_version(Side::Client, Version::Http2, Config::default(), now);
/// let mut server = Connection::with_version(Side::Server, Version::Http2, Config::default(), now);
/// let body = Bytes::from(vec![b'x'; 10_000]);
/// let mut wire = Vec::new();
/// let mut to_server = Vec::new();
/// let id = client.send_request(weir::Request::new("GET", "/").field("host", "a"), true).unwrap();
/// while !matches!(client.poll_output(&mut to_server), Output::Timeout(_)) {}
/// server.handle_input(now, &to_server);
/// let mut out = Transmit::new();
/// loop {
///     match server.poll_output_vectored(&mut out) {
///         Output::Transmit => {
///             out.write_to(&mut wire).unwrap(); // one vectored write; `out` is cleared
///         }
///         Output::Event(weir::Event::Headers { stream, .. }) => {
///             server.send_response(stream, Response::new(200), false).unwrap();
///             server.send_data(stream, body.clone(), true).unwrap();
///         }
///         Output::Event(_) => {}
///         Output::Timeout(_) => break,
///     }
/// }
/// // The body went out as the application's own bytes, behind a 9-octet DATA head.
/// assert!(wire.windows(10_000).any(|w| w == &body[..]));
/// # let _ = id;
/// ```
#[derive(Debug, Default, Clone)]
pub struct Transmit {
    /// The bytes written here.
    buf: Vec<u8>,
    /// The chunks passed on, each with the length of `buf` when it came: it goes
    /// before the bytes of `buf` from there on.
    shared: Vec<(usize, Bytes)>,
}

impl Transmit {
    /// An empty transmission.
    pub fn new() -> Transmit {
        Transmit::default()
    }

    /// How many bytes it holds.
    pub fn len(&self) -> usize {
        self.buf.len() + self.shared.iter().map(|(_, b)| b.len()).sum::<usize>()
    }

    /// Whether it holds nothing.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty() && self.shared.is_empty()
    }

    /// Empties it, keeping its memory for the next transmission.
    #[inline]
    pub fn clear(&mut self) {
        self.buf.clear();
        self.shared.clear();
    }

    /// The bytes to write, in order, as non-empty slices.
    #[inline]
    pub fn chunks(&self) -> Chunks<'_> {
        Chunks {
            buf: &self.buf,
            from: 0,
            shared: self.shared.iter(),
            next_shared: None,
        }
    }

    /// Appends every byte to `dst`: for a transport that takes one buffer.
    pub fn copy_to(&self, dst: &mut Vec<u8>) {
        dst.reserve(self.len());
        for c in self.chunks() {
            dst.extend_from_slice(c);
        }
    }

    /// Writes everything to `w` with vectored writes, then clears it.
    ///
    /// # Errors
    ///
    /// What `w` returns, or [`io::ErrorKind::WriteZero`] if it takes nothing. Nothing
    /// is cleared then, though part of it may have been written: an error on the
    /// transport ends the connection.
    pub fn write_to(&mut self, w: &mut impl Write) -> io::Result<()> {
        let mut slices: Vec<IoSlice<'_>> = self.chunks().map(IoSlice::new).collect();
        let mut rest = &mut slices[..];
        while !rest.is_empty() {
            match w.write_vectored(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut rest, n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.clear();
        Ok(())
    }
}

/// The slices of a [`Transmit`], in order (see [`Transmit::chunks`]).
#[derive(Debug)]
pub struct Chunks<'a> {
    buf: &'a [u8],
    /// Where the bytes of `buf` not yet given start.
    from: usize,
    shared: std::slice::Iter<'a, (usize, Bytes)>,
    /// A shared chunk to give after the bytes of `buf` before it.
    next_shared: Option<&'a [u8]>,
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if let Some(chunk) = self.next_shared.take() {
            return Some(chunk);
        }
        let Some((at, chunk)) = self.shared.next() else {
            let rest = self.buf.get(self.from..).filter(|r| !r.is_empty())?;
            self.from = self.buf.len();
            return Some(rest);
        };
        let written = self.buf.get(self.from..*at).unwrap_or_default();
        self.from = *at;
        if written.is_empty() {
            return Some(chunk);
        }
        self.next_shared = Some(chunk);
        Some(written)
    }
}

/// Where a connection writes what it transmits: a plain buffer, which copies body
/// chunks, or a [`Transmit`], which keeps the large ones as they are.
pub(crate) trait Sink {
    /// The buffer that frame heads and everything else are written to.
    fn buf(&mut self) -> &mut Vec<u8>;
    /// A chunk of body data, after what `buf` holds so far.
    fn body(&mut self, chunk: Bytes);
}

impl Sink for Vec<u8> {
    fn buf(&mut self) -> &mut Vec<u8> {
        self
    }

    fn body(&mut self, chunk: Bytes) {
        self.extend_from_slice(&chunk);
    }
}

impl Sink for Transmit {
    fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    fn body(&mut self, chunk: Bytes) {
        if chunk.len() < SHARE_MIN {
            self.buf.extend_from_slice(&chunk);
        } else {
            self.shared.push((self.buf.len(), chunk));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_keep_the_order_of_writes() {
        let mut t = Transmit::new();
        assert_eq!(t.chunks().count(), 0);
        t.buf().extend_from_slice(b"head1");
        t.body(Bytes::from(vec![b'a'; 2000]));
        t.body(Bytes::from_static(b"small"));
        t.buf().extend_from_slice(b"head2");
        t.body(Bytes::from(vec![b'b'; 3000]));
        t.body(Bytes::from(vec![b'c'; 1024]));
        t.buf().extend_from_slice(b"tail");
        let lens: Vec<usize> = t.chunks().map(<[u8]>::len).collect();
        assert_eq!(lens, [5, 2000, 10, 3000, 1024, 4]);
        let mut all = Vec::new();
        t.copy_to(&mut all);
        let mut expected = b"head1".to_vec();
        expected.extend([b'a'; 2000]);
        expected.extend(b"smallhead2");
        expected.extend([b'b'; 3000]);
        expected.extend([b'c'; 1024]);
        expected.extend(b"tail");
        assert_eq!(all, expected);
        assert_eq!(t.len(), expected.len());
        // A writer that takes a few bytes at a time still gets everything, in order.
        struct Trickle(Vec<u8>);
        impl Write for Trickle {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                let n = b.len().min(7);
                self.0.extend_from_slice(&b[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut w = Trickle(Vec::new());
        t.write_to(&mut w).unwrap();
        assert_eq!(w.0, expected);
        assert!(t.is_empty());
    }
}
