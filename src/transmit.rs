//! Bytes for the peer that carry body data without copying it: see
//! [`Connection::poll_output_vectored`](crate::Connection::poll_output_vectored).

use bytes::Bytes;
use std::io::{self, IoSlice, Write};

/// Body chunks at least this long are passed on as they are; shorter ones are copied,
/// which costs less than one more slice to write.
const SHARE_MIN: usize = 1024;

/// At most this many slices go to one vectored write in [`Transmit::write_to`]: kept on
/// the stack, and more than a kernel usually takes at once anyway.
const WRITE_SLICES: usize = 64;

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
    /// The sum of the lengths of `shared`: a writer that bounds what it holds asks for
    /// the length after every output.
    shared_len: usize,
}

impl Transmit {
    /// An empty transmission.
    pub fn new() -> Transmit {
        Transmit::default()
    }

    /// How many bytes it holds.
    #[inline]
    pub fn len(&self) -> usize {
        self.buf.len() + self.shared_len
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
        self.shared_len = 0;
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

    /// The bytes to write after the first `n`, in order, as non-empty slices (the
    /// first one possibly a part of a chunk): what is left after a write that took
    /// `n` bytes. Nothing if `n` is [`len`](Transmit::len) or more.
    ///
    /// Bytes are only ever appended to a transmission, so `n` stays valid as it grows.
    pub fn chunks_from(&self, n: usize) -> Chunks<'_> {
        let mut left = n;
        // Where the bytes of `buf` not yet skipped start.
        let mut from = 0usize;
        let mut shared = self.shared.iter();
        loop {
            let before = shared.clone();
            let Some((at, chunk)) = shared.next() else {
                return Chunks {
                    buf: &self.buf,
                    from: from.saturating_add(left).min(self.buf.len()),
                    shared,
                    next_shared: None,
                };
            };
            let written = at - from;
            if left < written {
                // Within the bytes of `buf` before this chunk: it comes after them.
                return Chunks {
                    buf: &self.buf,
                    from: from + left,
                    shared: before,
                    next_shared: None,
                };
            }
            left -= written;
            from = *at;
            if left < chunk.len() {
                return Chunks {
                    buf: &self.buf,
                    from,
                    shared,
                    next_shared: Some(&chunk[left..]),
                };
            }
            left -= chunk.len();
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
        let len = self.len();
        let mut written = 0;
        // On the stack, at most `WRITE_SLICES` at a time: a write allocates nothing.
        let mut slices = [IoSlice::new(&[]); WRITE_SLICES];
        while written < len {
            let mut count = 0;
            for (slot, chunk) in slices.iter_mut().zip(self.chunks_from(written)) {
                *slot = IoSlice::new(chunk);
                count += 1;
            }
            match w.write_vectored(&slices[..count]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => written += n,
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
            self.shared_len += chunk.len();
            self.shared.push((self.buf.len(), chunk));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        assert_eq!(t.len(), 0);
    }

    /// What a transmission is built from: bytes the connection wrote, or a body chunk,
    /// of so many bytes.
    #[derive(Debug, Clone)]
    enum Piece {
        Written(usize),
        Body(usize),
    }

    /// The transmission `pieces` make, and its bytes in order. The bytes count modulo
    /// a prime, so that a slice out of place shows.
    fn build(pieces: &[Piece]) -> (Transmit, Vec<u8>) {
        let mut t = Transmit::new();
        let mut all = Vec::new();
        for piece in pieces {
            let (Piece::Written(n) | Piece::Body(n)) = *piece;
            let bytes: Vec<u8> = (all.len()..all.len() + n)
                .map(|i| (i % 251) as u8)
                .collect();
            all.extend_from_slice(&bytes);
            match piece {
                Piece::Written(_) => t.buf().extend_from_slice(&bytes),
                Piece::Body(_) => t.body(Bytes::from(bytes)),
            }
        }
        (t, all)
    }

    /// `chunks_from(n)` is `chunks()` without its first `n` bytes, in non-empty slices,
    /// for every `n` up to past the end.
    fn check_every_offset(t: &Transmit, all: &[u8]) {
        assert_eq!(t.len(), all.len());
        for n in 0..=all.len() + 2 {
            let mut got = Vec::new();
            for chunk in t.chunks_from(n) {
                assert!(!chunk.is_empty(), "an empty slice from {n}");
                got.extend_from_slice(chunk);
            }
            assert_eq!(got, all[n.min(all.len())..], "from {n}");
        }
        // From zero it is `chunks()`, slice for slice.
        assert!(t.chunks_from(0).eq(t.chunks()));
    }

    #[test]
    fn chunks_from_skips_exactly_n_bytes() {
        use Piece::{Body, Written};
        let layouts: [&[Piece]; 7] = [
            &[],
            &[Written(5)],
            &[Body(1030)],
            &[Body(1025), Body(1100)],
            &[Written(3), Body(1024), Written(4)],
            &[
                Body(1024),
                Written(9),
                Body(1500),
                Body(10),
                Body(1024),
                Written(2),
            ],
            &[Written(9), Body(2000), Written(9), Body(1024)],
        ];
        for pieces in layouts {
            let (t, all) = build(pieces);
            check_every_offset(&t, &all);
        }
    }

    /// A writer that takes at most `max` bytes over at most three slices per write.
    struct Partial {
        got: Vec<u8>,
        max: usize,
        writes: usize,
    }

    impl Write for Partial {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(b)])
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            assert!(bufs.len() <= WRITE_SLICES);
            assert!(bufs.iter().all(|b| !b.is_empty()));
            self.writes += 1;
            let mut left = self.max;
            for b in bufs.iter().take(3) {
                let n = b.len().min(left);
                self.got.extend_from_slice(&b[..n]);
                left -= n;
            }
            Ok(self.max - left)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_to_takes_more_slices_than_one_write_does() {
        // More slices than one write passes on: they go in several.
        let pieces: Vec<Piece> = (0..WRITE_SLICES * 2 + 3)
            .flat_map(|i| [Piece::Written(i % 7 + 1), Piece::Body(1024)])
            .collect();
        let (mut t, all) = build(&pieces);
        assert!(t.chunks().count() > 2 * WRITE_SLICES);
        let mut w = Partial {
            got: Vec::new(),
            max: usize::MAX,
            writes: 0,
        };
        let mut copy = t.clone();
        t.write_to(&mut w).unwrap();
        assert_eq!(w.got, all);
        assert!(t.is_empty());
        // And with writes that stop within a slice.
        let mut w = Partial {
            got: Vec::new(),
            max: 1000,
            writes: 0,
        };
        copy.write_to(&mut w).unwrap();
        assert_eq!(w.got, all);
        assert!(w.writes >= all.len() / 1000);
    }

    proptest! {
        #[test]
        fn chunks_from_is_the_rest_of_the_bytes(
            pieces in prop::collection::vec(
                prop_oneof![
                    (0usize..40).prop_map(Piece::Written),
                    (0usize..2100).prop_map(Piece::Body),
                ],
                0..8,
            ),
            max in 1usize..5000,
        ) {
            let (mut t, all) = build(&pieces);
            check_every_offset(&t, &all);
            let mut w = Partial { got: Vec::new(), max, writes: 0 };
            t.write_to(&mut w).unwrap();
            prop_assert_eq!(w.got, all);
            prop_assert!(t.is_empty());
        }
    }
}
