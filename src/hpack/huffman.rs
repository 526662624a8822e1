//! The Huffman code of RFC 7541 Appendix B: encoding, and decoding by a table-driven
//! automaton that consumes four bits at a time.
//!
//! The automaton's states are the 256 internal nodes of the code tree (257 symbols),
//! the root being state 0. Its table is built at compile time from [`CODES`] by a
//! `const fn`, so the code table is the single source of truth.

use super::HpackError;

/// `(code, bit length)` of every symbol, EOS (256) last: RFC 7541 Appendix B, codes
/// aligned to the least significant bit.
#[rustfmt::skip]
const CODES: [(u32, u8); 257] = [
    (0x1ff8, 13), (0x7fffd8, 23), (0xfffffe2, 28), (0xfffffe3, 28), // 0
    (0xfffffe4, 28), (0xfffffe5, 28), (0xfffffe6, 28), (0xfffffe7, 28),
    (0xfffffe8, 28), (0xffffea, 24), (0x3ffffffc, 30), (0xfffffe9, 28), // 8
    (0xfffffea, 28), (0x3ffffffd, 30), (0xfffffeb, 28), (0xfffffec, 28),
    (0xfffffed, 28), (0xfffffee, 28), (0xfffffef, 28), (0xffffff0, 28), // 16
    (0xffffff1, 28), (0xffffff2, 28), (0x3ffffffe, 30), (0xffffff3, 28),
    (0xffffff4, 28), (0xffffff5, 28), (0xffffff6, 28), (0xffffff7, 28), // 24
    (0xffffff8, 28), (0xffffff9, 28), (0xffffffa, 28), (0xffffffb, 28),
    (0x14, 6), (0x3f8, 10), (0x3f9, 10), (0xffa, 12), // 32 ' ' ! " #
    (0x1ff9, 13), (0x15, 6), (0xf8, 8), (0x7fa, 11), // $ % & '
    (0x3fa, 10), (0x3fb, 10), (0xf9, 8), (0x7fb, 11), // ( ) * +
    (0xfa, 8), (0x16, 6), (0x17, 6), (0x18, 6), // , - . /
    (0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6), // 0 1 2 3
    (0x1a, 6), (0x1b, 6), (0x1c, 6), (0x1d, 6), // 4 5 6 7
    (0x1e, 6), (0x1f, 6), (0x5c, 7), (0xfb, 8), // 8 9 : ;
    (0x7ffc, 15), (0x20, 6), (0xffb, 12), (0x3fc, 10), // < = > ?
    (0x1ffa, 13), (0x21, 6), (0x5d, 7), (0x5e, 7), // @ A B C
    (0x5f, 7), (0x60, 7), (0x61, 7), (0x62, 7), // D E F G
    (0x63, 7), (0x64, 7), (0x65, 7), (0x66, 7), // H I J K
    (0x67, 7), (0x68, 7), (0x69, 7), (0x6a, 7), // L M N O
    (0x6b, 7), (0x6c, 7), (0x6d, 7), (0x6e, 7), // P Q R S
    (0x6f, 7), (0x70, 7), (0x71, 7), (0x72, 7), // T U V W
    (0xfc, 8), (0x73, 7), (0xfd, 8), (0x1ffb, 13), // X Y Z [
    (0x7fff0, 19), (0x1ffc, 13), (0x3ffc, 14), (0x22, 6), // \ ] ^ _
    (0x7ffd, 15), (0x3, 5), (0x23, 6), (0x4, 5), // ` a b c
    (0x24, 6), (0x5, 5), (0x25, 6), (0x26, 6), // d e f g
    (0x27, 6), (0x6, 5), (0x74, 7), (0x75, 7), // h i j k
    (0x28, 6), (0x29, 6), (0x2a, 6), (0x7, 5), // l m n o
    (0x2b, 6), (0x76, 7), (0x2c, 6), (0x8, 5), // p q r s
    (0x9, 5), (0x2d, 6), (0x77, 7), (0x78, 7), // t u v w
    (0x79, 7), (0x7a, 7), (0x7b, 7), (0x7ffe, 15), // x y z {
    (0x7fc, 11), (0x3ffd, 14), (0x1ffd, 13), (0xffffffc, 28), // | } ~ DEL
    (0xfffe6, 20), (0x3fffd2, 22), (0xfffe7, 20), (0xfffe8, 20), // 128
    (0x3fffd3, 22), (0x3fffd4, 22), (0x3fffd5, 22), (0x7fffd9, 23),
    (0x3fffd6, 22), (0x7fffda, 23), (0x7fffdb, 23), (0x7fffdc, 23), // 136
    (0x7fffdd, 23), (0x7fffde, 23), (0xffffeb, 24), (0x7fffdf, 23),
    (0xffffec, 24), (0xffffed, 24), (0x3fffd7, 22), (0x7fffe0, 23), // 144
    (0xffffee, 24), (0x7fffe1, 23), (0x7fffe2, 23), (0x7fffe3, 23),
    (0x7fffe4, 23), (0x1fffdc, 21), (0x3fffd8, 22), (0x7fffe5, 23), // 152
    (0x3fffd9, 22), (0x7fffe6, 23), (0x7fffe7, 23), (0xffffef, 24),
    (0x3fffda, 22), (0x1fffdd, 21), (0xfffe9, 20), (0x3fffdb, 22), // 160
    (0x3fffdc, 22), (0x7fffe8, 23), (0x7fffe9, 23), (0x1fffde, 21),
    (0x7fffea, 23), (0x3fffdd, 22), (0x3fffde, 22), (0xfffff0, 24), // 168
    (0x1fffdf, 21), (0x3fffdf, 22), (0x7fffeb, 23), (0x7fffec, 23),
    (0x1fffe0, 21), (0x1fffe1, 21), (0x3fffe0, 22), (0x1fffe2, 21), // 176
    (0x7fffed, 23), (0x3fffe1, 22), (0x7fffee, 23), (0x7fffef, 23),
    (0xfffea, 20), (0x3fffe2, 22), (0x3fffe3, 22), (0x3fffe4, 22), // 184
    (0x7ffff0, 23), (0x3fffe5, 22), (0x3fffe6, 22), (0x7ffff1, 23),
    (0x3ffffe0, 26), (0x3ffffe1, 26), (0xfffeb, 20), (0x7fff1, 19), // 192
    (0x3fffe7, 22), (0x7ffff2, 23), (0x3fffe8, 22), (0x1ffffec, 25),
    (0x3ffffe2, 26), (0x3ffffe3, 26), (0x3ffffe4, 26), (0x7ffffde, 27), // 200
    (0x7ffffdf, 27), (0x3ffffe5, 26), (0xfffff1, 24), (0x1ffffed, 25),
    (0x7fff2, 19), (0x1fffe3, 21), (0x3ffffe6, 26), (0x7ffffe0, 27), // 208
    (0x7ffffe1, 27), (0x3ffffe7, 26), (0x7ffffe2, 27), (0xfffff2, 24),
    (0x1fffe4, 21), (0x1fffe5, 21), (0x3ffffe8, 26), (0x3ffffe9, 26), // 216
    (0xffffffd, 28), (0x7ffffe3, 27), (0x7ffffe4, 27), (0x7ffffe5, 27),
    (0xfffec, 20), (0xfffff3, 24), (0xfffed, 20), (0x1fffe6, 21), // 224
    (0x3fffe9, 22), (0x1fffe7, 21), (0x1fffe8, 21), (0x7ffff3, 23),
    (0x3fffea, 22), (0x3fffeb, 22), (0x1ffffee, 25), (0x1ffffef, 25), // 232
    (0xfffff4, 24), (0xfffff5, 24), (0x3ffffea, 26), (0x7ffff4, 23),
    (0x3ffffeb, 26), (0x7ffffe6, 27), (0x3ffffec, 26), (0x3ffffed, 26), // 240
    (0x7ffffe7, 27), (0x7ffffe8, 27), (0x7ffffe9, 27), (0x7ffffea, 27),
    (0x7ffffeb, 27), (0xffffffe, 28), (0x7ffffec, 27), (0x7ffffed, 27), // 248
    (0x7ffffee, 27), (0x7ffffef, 27), (0x7fffff0, 27), (0x3ffffee, 26),
    (0x3fffffff, 30), // EOS
];

const EOS: usize = 256;

/// The code of each octet, aligned to the least significant bit.
static CODE: [u32; 256] = codes();
/// The length of each octet's code, in a table of its own: a load straight into the
/// shift count, where a packed table would cost two more operations per octet.
static LEN: [u8; 256] = lengths();

const fn codes() -> [u32; 256] {
    let mut codes = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        codes[i] = CODES[i].0;
        i += 1;
    }
    codes
}

const fn lengths() -> [u8; 256] {
    let mut lengths = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        lengths[i] = CODES[i].1;
        i += 1;
    }
    lengths
}

/// Room made for a string shorter than the 7-bit prefix, and its slack.
static ZEROS: [u8; 0x7f + 3] = [0; 0x7f + 3];

/// Appends the Huffman coding of `src` if it takes fewer than `limit` octets, and
/// returns its length; otherwise appends nothing.
///
/// The coding is written into room for `limit` octets and kept only if it ends up
/// shorter, so that the length is not computed in a pass of its own: text is nearly
/// always shorter coded.
#[inline]
pub(crate) fn encode_shorter(src: &[u8], limit: usize, dst: &mut Vec<u8>) -> Option<usize> {
    let start = dst.len();
    // The last write is of a whole 32-bit word: 3 octets of slack past the limit.
    let room = limit.saturating_add(3);
    if room <= ZEROS.len() {
        // For a short string, a fill of constant length: a few vector stores in line,
        // where a fill of `room` octets is a call to memset (a fifth of the cost of
        // coding a 20-octet string). The excess is cut below.
        dst.extend_from_slice(&ZEROS);
    } else {
        dst.resize(start + room, 0);
    }
    let len = encode_into(src, dst.get_mut(start..start + room).unwrap_or_default());
    match len {
        Some(len) if len < limit => {
            dst.truncate(start + len);
            Some(len)
        }
        _ => {
            dst.truncate(start);
            None
        }
    }
}

/// Writes the Huffman coding of `src` at the start of `out`; `None` if it does not fit
/// (with 3 octets to spare for the last word).
fn encode_into(src: &[u8], out: &mut [u8]) -> Option<usize> {
    let mut bits = Bits::default();
    let mut quads = src.chunks_exact(4);
    for quad in &mut quads {
        let lens = [quad[0], quad[1], quad[2], quad[3]].map(|b| u32::from(LEN[usize::from(b)]));
        let codes = [quad[0], quad[1], quad[2], quad[3]].map(|b| u64::from(CODE[usize::from(b)]));
        bits.quad(lens, codes, out)?;
    }
    // The last one to three octets as a quad padded with empty codes, rather than
    // one at a time, each with its own test for a full word.
    let rest = quads.remainder();
    if !rest.is_empty() {
        let (mut lens, mut codes) = ([0u32; 4], [0u64; 4]);
        for ((&b, len), code) in rest.iter().zip(&mut lens).zip(&mut codes) {
            *len = u32::from(LEN[usize::from(b)]);
            *code = u64::from(CODE[usize::from(b)]);
        }
        bits.quad(lens, codes, out)?;
    }
    bits.finish(out)
}

/// The encoder's bit accumulator: `len` pending bits at the bottom of `acc` (fewer
/// than 32 between quads), and how many octets were written.
#[derive(Default)]
struct Bits {
    acc: u64,
    len: u32,
    at: usize,
}

impl Bits {
    /// Adds the codes of four octets. (Inlined: as a call it costs a third more.)
    #[inline(always)]
    fn quad(&mut self, lens: [u32; 4], codes: [u64; 4], out: &mut [u8]) -> Option<()> {
        let total = lens[0] + lens[1] + lens[2] + lens[3];
        if total <= 32 {
            // Text, whose codes are at most 8 bits long: the four codes are joined
            // apart from the accumulator, so that its chain of dependent shifts is one
            // per quad rather than one per octet, and one word at most is complete.
            let joined = (((((codes[0] << lens[1]) | codes[1]) << lens[2]) | codes[2]) << lens[3])
                | codes[3];
            self.acc = (self.acc << total) | joined;
            self.len += total;
            self.flush(out)
        } else {
            // Codes of up to 30 bits: one at a time, with room for each.
            for (len, code) in lens.into_iter().zip(codes) {
                self.acc = (self.acc << len) | code;
                self.len += len;
                self.flush(out)?;
            }
            Some(())
        }
    }

    /// Writes 32 bits out if that many are pending.
    #[inline(always)]
    fn flush(&mut self, out: &mut [u8]) -> Option<()> {
        if self.len >= 32 {
            self.len -= 32;
            out.get_mut(self.at..self.at + 4)?
                .copy_from_slice(&((self.acc >> self.len) as u32).to_be_bytes());
            self.at += 4;
        }
        Some(())
    }

    /// Writes the remaining bits and the padding, as one word of which only the
    /// octets begun count; returns the length written.
    fn finish(self, out: &mut [u8]) -> Option<usize> {
        if self.len == 0 {
            return Some(self.at);
        }
        // RFC 7541 §5.2: padding with the most significant bits of EOS (all ones).
        let word = ((self.acc << (32 - self.len)) as u32) | (u32::MAX >> self.len);
        out.get_mut(self.at..self.at + 4)?
            .copy_from_slice(&word.to_be_bytes());
        Some(self.at + self.len.div_ceil(8) as usize)
    }
}

/// One transition of the automaton.
#[derive(Clone, Copy)]
struct Step {
    /// The state after the four bits.
    next: u8,
    /// The symbol completed by these bits, if `flags & EMIT`.
    symbol: u8,
    flags: u8,
}

/// The four bits complete a symbol.
const EMIT: u8 = 1;
/// The four bits complete EOS.
const FAIL: u8 = 2;

/// The decoding automaton, and for each state whether a string may end there.
struct Automaton {
    steps: [[Step; 16]; 256],
    /// Bits read since the last symbol ended (the node's depth).
    depth: [u8; 256],
    /// Whether those bits are all ones.
    ones: [bool; 256],
}

static AUTOMATON: Automaton = build();

/// A child in the code tree: an internal node (`< 256`) or `LEAF + symbol`.
const LEAF: u16 = 256;
const NONE: u16 = u16::MAX;

const fn build() -> Automaton {
    // The code tree: children[node][bit].
    let mut children = [[NONE; 2]; 256];
    let mut depth = [0u8; 256];
    let mut ones = [false; 256];
    ones[0] = true;
    let mut nodes = 1;
    let mut sym = 0;
    while sym < CODES.len() {
        let (code, len) = CODES[sym];
        let mut node = 0;
        let mut i = len;
        while i > 0 {
            i -= 1;
            let bit = ((code >> i) & 1) as usize;
            if i == 0 {
                assert!(children[node][bit] == NONE, "the code is not prefix-free");
                children[node][bit] = LEAF + sym as u16;
            } else {
                if children[node][bit] == NONE {
                    assert!(nodes < 256, "more internal nodes than a full tree has");
                    children[node][bit] = nodes as u16;
                    depth[nodes] = depth[node] + 1;
                    ones[nodes] = ones[node] && bit == 1;
                    nodes += 1;
                }
                let child = children[node][bit];
                assert!(child < LEAF, "a code is a prefix of another");
                node = child as usize;
            }
        }
        sym += 1;
    }
    assert!(nodes == 256, "the code tree is not full");

    let mut steps = [[Step {
        next: 0,
        symbol: 0,
        flags: 0,
    }; 16]; 256];
    let mut state = 0;
    while state < 256 {
        let mut nibble = 0;
        while nibble < 16 {
            let mut node = state;
            let mut step = Step {
                next: 0,
                symbol: 0,
                flags: 0,
            };
            let mut i = 4;
            while i > 0 {
                i -= 1;
                let child = children[node][(nibble >> i) & 1];
                assert!(child != NONE, "the code tree is not full");
                if child >= LEAF {
                    if (child - LEAF) as usize == EOS {
                        step.flags = FAIL;
                        break;
                    }
                    // Codes are at least 5 bits long: one symbol per nibble at most.
                    assert!(step.flags & EMIT == 0, "two symbols in four bits");
                    step.flags = EMIT;
                    step.symbol = (child - LEAF) as u8;
                    node = 0;
                } else {
                    node = child as usize;
                }
            }
            step.next = node as u8;
            steps[state][nibble] = step;
            nibble += 1;
        }
        state += 1;
    }
    Automaton { steps, depth, ones }
}

/// Appends the decoding of the Huffman-coded `src`.
pub(crate) fn decode(src: &[u8], dst: &mut Vec<u8>) -> Result<(), HpackError> {
    // Codes are at least 5 bits long.
    dst.reserve(src.len() * 8 / 5 + 1);
    let steps = &AUTOMATON.steps;
    let mut state = 0u8;
    for &b in src {
        // `state` is a u8 and a nibble is below 16: both indexes are always in range.
        for nibble in [b >> 4, b & 0x0f] {
            let step = steps[usize::from(state)][usize::from(nibble)];
            if step.flags & (EMIT | FAIL) != 0 {
                if step.flags & FAIL != 0 {
                    // RFC 7541 §5.2: a Huffman-encoded string literal containing the EOS
                    // symbol MUST be treated as a decoding error.
                    return Err(HpackError::HuffmanEos);
                }
                dst.push(step.symbol);
            }
            state = step.next;
        }
    }
    let state = usize::from(state);
    // RFC 7541 §5.2: padding strictly longer than 7 bits MUST be treated as a decoding
    // error.
    if AUTOMATON.depth[state] > 7 {
        return Err(HpackError::HuffmanPaddingTooLong);
    }
    // RFC 7541 §5.2: padding not corresponding to the most significant bits of the code
    // for EOS MUST be treated as a decoding error.
    if !AUTOMATON.ones[state] {
        return Err(HpackError::HuffmanPaddingNotOnes);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn dec(src: &[u8]) -> Result<Vec<u8>, HpackError> {
        let mut out = Vec::new();
        decode(src, &mut out).map(|()| out)
    }

    fn enc(src: &[u8]) -> Vec<u8> {
        let mut out = vec![0xaa];
        let len = encode_shorter(src, usize::from(u16::MAX), &mut out).unwrap();
        assert_eq!(out.remove(0), 0xaa, "appends");
        assert_eq!(out.len(), len);
        out
    }

    /// The encoded length, from the code lengths alone.
    fn encoded_len(src: &[u8]) -> usize {
        let bits: usize = src
            .iter()
            .map(|&b| usize::from(CODES[usize::from(b)].1))
            .sum();
        bits.div_ceil(8)
    }

    /// The code is a complete prefix code: Kraft's sum is exactly one. (`build` checks
    /// prefix-freedom at compile time.)
    #[test]
    fn the_code_is_complete() {
        let kraft: u64 = CODES.iter().map(|&(_, len)| 1u64 << (30 - len)).sum();
        assert_eq!(kraft, 1 << 30);
        for &(code, len) in &CODES {
            assert!(u64::from(code) < 1 << len);
            assert!((5..=30).contains(&len));
        }
        assert_eq!(CODES[EOS], (0x3fff_ffff, 30));
    }

    /// Walks the automaton against a bit-by-bit decoding over the code table itself,
    /// for every symbol followed by every padding.
    #[test]
    fn the_automaton_agrees_with_the_code_table() {
        for sym in 0..=255u8 {
            let (code, len) = CODES[usize::from(sym)];
            // The symbol alone, padded.
            let encoded = enc(&[sym]);
            let bits = u64::from(code) << (64 - u32::from(len));
            let mut expect = Vec::new();
            for i in 0..encoded.len() {
                let byte = (bits >> (56 - 8 * i)) as u8;
                let pad_bits = (8 * (i + 1)).saturating_sub(usize::from(len)).min(8);
                expect.push(byte | ((1u16 << pad_bits) - 1) as u8);
            }
            assert_eq!(encoded, expect, "symbol {sym}");
            assert_eq!(dec(&encoded).unwrap(), [sym], "symbol {sym}");
            // Between two other symbols, at every bit alignment.
            for lead in [b'a', b'0', b'0' + 1] {
                let s = [lead, sym, lead, sym, sym];
                assert_eq!(dec(&enc(&s)).unwrap(), s, "symbol {sym}");
            }
        }
    }

    #[test]
    fn rfc_examples() {
        // RFC 7541 §C.4.1 and §C.6.1.
        let cases = [
            ("www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"),
            ("no-cache", "a8eb 1064 9cbf"),
            ("custom-key", "25a8 49e9 5ba9 7d7f"),
            ("custom-value", "25a8 49e9 5bb8 e8b4 bf"),
            ("302", "6402"),
            ("private", "aec3 771a 4b"),
            (
                "Mon, 21 Oct 2013 20:13:21 GMT",
                "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff",
            ),
            (
                "https://www.example.com",
                "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3",
            ),
        ];
        for (plain, coded) in cases {
            assert_eq!(enc(plain.as_bytes()), hex(coded), "{plain}");
            assert_eq!(dec(&hex(coded)).unwrap(), plain.as_bytes(), "{plain}");
        }
    }

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        let coded = enc(&all);
        assert_eq!(coded.len(), encoded_len(&all));
        assert_eq!(dec(&coded).unwrap(), all);
        assert_eq!(dec(&[]).unwrap(), b"");
        assert_eq!(enc(b""), b"");
    }

    #[test]
    fn only_strictly_shorter_codings_are_written() {
        let mut out = vec![1, 2];
        // "302" codes in 2 octets: written under a limit of 3, not of 2.
        assert_eq!(encode_shorter(b"302", 3, &mut out), Some(2));
        assert_eq!(out, [1, 2, 0x64, 0x02]);
        assert_eq!(encode_shorter(b"302", 2, &mut out), None);
        assert_eq!(out, [1, 2, 0x64, 0x02]);
        // Binary octets code longer than plain: nothing is written.
        assert_eq!(encode_shorter(&[0, 1, 2, 3, 4, 5, 6, 7], 8, &mut out), None);
        assert_eq!(out.len(), 4);
        // Every length up to a long string agrees with the code lengths.
        let text = b"the quick brown fox jumps over the lazy dog 0123456789 ~{}";
        for n in 0..text.len() {
            let mut out = Vec::new();
            let len = encode_shorter(&text[..n], n + 1, &mut out);
            assert_eq!(len, Some(encoded_len(&text[..n])).filter(|&l| l < n + 1));
        }
    }

    #[test]
    fn eos_is_rejected() {
        // EOS alone (30 ones), padded with ones.
        assert_eq!(dec(&[0xff, 0xff, 0xff, 0xff]), Err(HpackError::HuffmanEos));
        // EOS after a symbol: 'a' (00011) then 30 ones, then 5 bits of padding.
        let mut s = vec![0b0001_1111, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(dec(&s), Err(HpackError::HuffmanEos));
        s.truncate(1);
        assert_eq!(dec(&s).unwrap(), b"a");
    }

    #[test]
    fn padding_longer_than_seven_bits_is_rejected() {
        // 'a' then 11 one bits: the padding alone is a whole octet and more.
        assert_eq!(
            dec(&[0b0001_1111, 0xff]),
            Err(HpackError::HuffmanPaddingTooLong)
        );
        // A whole octet of ones with no symbol.
        assert_eq!(dec(&[0xff]), Err(HpackError::HuffmanPaddingTooLong));
        // An unfinished long code that is not all ones.
        assert_eq!(dec(&[0xff, 0xfe]), Err(HpackError::HuffmanPaddingTooLong));
    }

    #[test]
    fn padding_not_all_ones_is_rejected() {
        // 'a' (00011) then padding 000.
        assert_eq!(dec(&[0b0001_1000]), Err(HpackError::HuffmanPaddingNotOnes));
        // 'a' then padding 110.
        assert_eq!(dec(&[0b0001_1110]), Err(HpackError::HuffmanPaddingNotOnes));
        // Seven bits of ones are fine: '0' (00000) is not, here the padding is 111.
        assert_eq!(dec(&[0b0000_0111]).unwrap(), b"0");
    }
}
