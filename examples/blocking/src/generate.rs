//! Generated bodies for `/bytes/N` and `/text/N`, produced in bounded pieces.

use bytes::Bytes;
use std::sync::OnceLock;

/// The largest piece of a generated body sent at once.
pub const PIECE: usize = 64 * 1024;

/// The largest body the `/bytes/N` and `/text/N` routes generate (16 GiB): anything
/// bigger is a mistake, answered with 400.
pub const MAX_GENERATED: u64 = 1 << 34;

/// Text for `/text/N`, repeated: compressible, and plain ASCII.
const TEXT: &[u8] = b"The quick brown fox jumps over the lazy dog; \
the lazy dog sleeps on while the fox runs back across the field.\n";

/// How many pieces at the start of a body are made once and shared by every request:
/// a body's pieces are the same on every request, and a 1 MiB body then costs no
/// generating (2 MiB of memory in all, once per process).
const CACHED_PIECES: usize = 16;

/// The first pieces of each kind, full length, with the state after each.
fn cache(kind: Kind) -> &'static [(Bytes, u64)] {
    static CACHE: OnceLock<[Vec<(Bytes, u64)>; 2]> = OnceLock::new();
    let all = CACHE.get_or_init(|| {
        [Kind::Bytes, Kind::Text].map(|kind| {
            let mut g = Generator::new(kind, (PIECE * CACHED_PIECES) as u64);
            (0..CACHED_PIECES)
                .map(|_| (g.generate(PIECE), g.state))
                .collect()
        })
    });
    &all[kind as usize]
}

/// What a generated body is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Pseudo-random bytes from a fixed seed: the same on every request, not
    /// compressible.
    Bytes,
    /// Repeated English text.
    Text,
}

/// A body of a fixed length that is generated piece by piece.
#[derive(Debug, Clone)]
pub struct Generator {
    kind: Kind,
    remaining: u64,
    /// The pseudo-random state (bytes) or the position in [`TEXT`] (text).
    state: u64,
    /// The number of the next piece.
    index: usize,
}

impl Generator {
    /// A body of `len` bytes of `kind`.
    pub fn new(kind: Kind, len: u64) -> Generator {
        let state = match kind {
            Kind::Bytes => 0x9e37_79b9_7f4a_7c15,
            Kind::Text => 0,
        };
        Generator {
            kind,
            remaining: len,
            state,
            index: 0,
        }
    }

    /// Bytes not generated yet.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The next piece (at most [`PIECE`] bytes; empty once the body is complete).
    pub fn next_piece(&mut self) -> Bytes {
        let n = self.remaining.min(PIECE as u64) as usize;
        self.remaining -= n as u64;
        let index = self.index;
        self.index += 1;
        if let Some((piece, state)) = cache(self.kind).get(index) {
            // A short last piece is the start of the full one: generation does not
            // depend on the length asked for.
            self.state = *state;
            return piece.slice(..n);
        }
        self.generate(n)
    }

    /// Generates the next `n` bytes.
    fn generate(&mut self, n: usize) -> Bytes {
        let mut piece = Vec::with_capacity(n);
        match self.kind {
            Kind::Bytes => {
                while piece.len() < n {
                    // xorshift64*: fast, and its output passes for noise to a compressor.
                    let mut x = self.state;
                    x ^= x >> 12;
                    x ^= x << 25;
                    x ^= x >> 27;
                    self.state = x;
                    let word = x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
                    let take = word.len().min(n - piece.len());
                    piece.extend_from_slice(&word[..take]);
                }
            }
            Kind::Text => {
                while piece.len() < n {
                    let at = self.state as usize;
                    let take = (TEXT.len() - at).min(n - piece.len());
                    piece.extend_from_slice(&TEXT[at..at + take]);
                    self.state = ((at + take) % TEXT.len()) as u64;
                }
            }
        }
        Bytes::from(piece)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(kind: Kind, len: u64) -> Vec<u8> {
        let mut g = Generator::new(kind, len);
        let mut body = Vec::new();
        while g.remaining() > 0 {
            let piece = g.next_piece();
            assert!(!piece.is_empty() && piece.len() <= PIECE);
            body.extend_from_slice(&piece);
        }
        body
    }

    #[test]
    fn exact_lengths_across_pieces() {
        for len in [0, 1, 7, 8, 9, PIECE as u64, PIECE as u64 + 3, 200_001] {
            assert_eq!(all(Kind::Bytes, len).len() as u64, len);
            assert_eq!(all(Kind::Text, len).len() as u64, len);
        }
    }

    #[test]
    fn shared_pieces_are_the_generated_ones() {
        for kind in [Kind::Bytes, Kind::Text] {
            let len = PIECE * (CACHED_PIECES + 2) + 5;
            let mut fresh = Generator::new(kind, len as u64);
            let mut generated = Vec::new();
            while generated.len() < len {
                let n = (len - generated.len()).min(PIECE);
                generated.extend_from_slice(&fresh.generate(n));
            }
            assert!(all(kind, len as u64) == generated, "{kind:?}");
        }
    }

    #[test]
    fn bytes_are_fixed_and_spread() {
        let a = all(Kind::Bytes, 100_000);
        assert_eq!(a, all(Kind::Bytes, 100_000));
        // A prefix of a longer body is the shorter body: the pattern does not depend on N.
        assert_eq!(&all(Kind::Bytes, 150_000)[..100_000], &a[..]);
        let mut seen = [0usize; 256];
        a.iter().for_each(|&b| seen[b as usize] += 1);
        // Roughly uniform: every value within a factor of two of the mean (390).
        assert!(seen.iter().all(|&n| (195..780).contains(&n)), "{seen:?}");
    }

    #[test]
    fn text_repeats_the_sentence() {
        let t = all(Kind::Text, 3 * TEXT.len() as u64 + 5);
        assert_eq!(&t[..TEXT.len()], TEXT);
        assert_eq!(&t[2 * TEXT.len()..3 * TEXT.len()], TEXT);
        assert_eq!(&t[3 * TEXT.len()..], &TEXT[..5]);
    }
}
