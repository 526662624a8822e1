//! A small HPACK encoder (RFC 7541) that makes the same choices as the encoder the
//! h2spec tool sends its requests with: a field found whole in the static or dynamic
//! table is indexed; otherwise it is a literal *with incremental indexing* (indexed
//! name when the name is in a table, the newest entry of that name winning) and is
//! added to the dynamic table if it fits; a string is Huffman coded when that is
//! strictly shorter. So the server sees the same header blocks, dynamic table
//! references included, as it will from the real tool.

/// RFC 7541 Appendix A, the static table (index = position + 1).
const STATIC: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

/// RFC 7541 Appendix B: the Huffman code of each octet, as (code, bit length).
#[rustfmt::skip]
const HUFFMAN: [(u32, u8); 256] = [
    (0x1ff8, 13), (0x7fffd8, 23), (0xfffffe2, 28), (0xfffffe3, 28),
    (0xfffffe4, 28), (0xfffffe5, 28), (0xfffffe6, 28), (0xfffffe7, 28),
    (0xfffffe8, 28), (0xffffea, 24), (0x3ffffffc, 30), (0xfffffe9, 28),
    (0xfffffea, 28), (0x3ffffffd, 30), (0xfffffeb, 28), (0xfffffec, 28),
    (0xfffffed, 28), (0xfffffee, 28), (0xfffffef, 28), (0xffffff0, 28),
    (0xffffff1, 28), (0xffffff2, 28), (0x3ffffffe, 30), (0xffffff3, 28),
    (0xffffff4, 28), (0xffffff5, 28), (0xffffff6, 28), (0xffffff7, 28),
    (0xffffff8, 28), (0xffffff9, 28), (0xffffffa, 28), (0xffffffb, 28),
    (0x14, 6), (0x3f8, 10), (0x3f9, 10), (0xffa, 12),
    (0x1ff9, 13), (0x15, 6), (0xf8, 8), (0x7fa, 11),
    (0x3fa, 10), (0x3fb, 10), (0xf9, 8), (0x7fb, 11),
    (0xfa, 8), (0x16, 6), (0x17, 6), (0x18, 6),
    (0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6),
    (0x1a, 6), (0x1b, 6), (0x1c, 6), (0x1d, 6),
    (0x1e, 6), (0x1f, 6), (0x5c, 7), (0xfb, 8),
    (0x7ffc, 15), (0x20, 6), (0xffb, 12), (0x3fc, 10),
    (0x1ffa, 13), (0x21, 6), (0x5d, 7), (0x5e, 7),
    (0x5f, 7), (0x60, 7), (0x61, 7), (0x62, 7),
    (0x63, 7), (0x64, 7), (0x65, 7), (0x66, 7),
    (0x67, 7), (0x68, 7), (0x69, 7), (0x6a, 7),
    (0x6b, 7), (0x6c, 7), (0x6d, 7), (0x6e, 7),
    (0x6f, 7), (0x70, 7), (0x71, 7), (0x72, 7),
    (0xfc, 8), (0x73, 7), (0xfd, 8), (0x1ffb, 13),
    (0x7fff0, 19), (0x1ffc, 13), (0x3ffc, 14), (0x22, 6),
    (0x7ffd, 15), (0x3, 5), (0x23, 6), (0x4, 5),
    (0x24, 6), (0x5, 5), (0x25, 6), (0x26, 6),
    (0x27, 6), (0x6, 5), (0x74, 7), (0x75, 7),
    (0x28, 6), (0x29, 6), (0x2a, 6), (0x7, 5),
    (0x2b, 6), (0x76, 7), (0x2c, 6), (0x8, 5),
    (0x9, 5), (0x2d, 6), (0x77, 7), (0x78, 7),
    (0x79, 7), (0x7a, 7), (0x7b, 7), (0x7ffe, 15),
    (0x7fc, 11), (0x3ffd, 14), (0x1ffd, 13), (0xffffffc, 28),
    (0xfffe6, 20), (0x3fffd2, 22), (0xfffe7, 20), (0xfffe8, 20),
    (0x3fffd3, 22), (0x3fffd4, 22), (0x3fffd5, 22), (0x7fffd9, 23),
    (0x3fffd6, 22), (0x7fffda, 23), (0x7fffdb, 23), (0x7fffdc, 23),
    (0x7fffdd, 23), (0x7fffde, 23), (0xffffeb, 24), (0x7fffdf, 23),
    (0xffffec, 24), (0xffffed, 24), (0x3fffd7, 22), (0x7fffe0, 23),
    (0xffffee, 24), (0x7fffe1, 23), (0x7fffe2, 23), (0x7fffe3, 23),
    (0x7fffe4, 23), (0x1fffdc, 21), (0x3fffd8, 22), (0x7fffe5, 23),
    (0x3fffd9, 22), (0x7fffe6, 23), (0x7fffe7, 23), (0xffffef, 24),
    (0x3fffda, 22), (0x1fffdd, 21), (0xfffe9, 20), (0x3fffdb, 22),
    (0x3fffdc, 22), (0x7fffe8, 23), (0x7fffe9, 23), (0x1fffde, 21),
    (0x7fffea, 23), (0x3fffdd, 22), (0x3fffde, 22), (0xfffff0, 24),
    (0x1fffdf, 21), (0x3fffdf, 22), (0x7fffeb, 23), (0x7fffec, 23),
    (0x1fffe0, 21), (0x1fffe1, 21), (0x3fffe0, 22), (0x1fffe2, 21),
    (0x7fffed, 23), (0x3fffe1, 22), (0x7fffee, 23), (0x7fffef, 23),
    (0xfffea, 20), (0x3fffe2, 22), (0x3fffe3, 22), (0x3fffe4, 22),
    (0x7ffff0, 23), (0x3fffe5, 22), (0x3fffe6, 22), (0x7ffff1, 23),
    (0x3ffffe0, 26), (0x3ffffe1, 26), (0xfffeb, 20), (0x7fff1, 19),
    (0x3fffe7, 22), (0x7ffff2, 23), (0x3fffe8, 22), (0x1ffffec, 25),
    (0x3ffffe2, 26), (0x3ffffe3, 26), (0x3ffffe4, 26), (0x7ffffde, 27),
    (0x7ffffdf, 27), (0x3ffffe5, 26), (0xfffff1, 24), (0x1ffffed, 25),
    (0x7fff2, 19), (0x1fffe3, 21), (0x3ffffe6, 26), (0x7ffffe0, 27),
    (0x7ffffe1, 27), (0x3ffffe7, 26), (0x7ffffe2, 27), (0xfffff2, 24),
    (0x1fffe4, 21), (0x1fffe5, 21), (0x3ffffe8, 26), (0x3ffffe9, 26),
    (0xffffffd, 28), (0x7ffffe3, 27), (0x7ffffe4, 27), (0x7ffffe5, 27),
    (0xfffec, 20), (0xfffff3, 24), (0xfffed, 20), (0x1fffe6, 21),
    (0x3fffe9, 22), (0x1fffe7, 21), (0x1fffe8, 21), (0x7ffff3, 23),
    (0x3fffea, 22), (0x3fffeb, 22), (0x1ffffee, 25), (0x1ffffef, 25),
    (0xfffff4, 24), (0xfffff5, 24), (0x3ffffea, 26), (0x7ffff4, 23),
    (0x3ffffeb, 26), (0x7ffffe6, 27), (0x3ffffec, 26), (0x3ffffed, 26),
    (0x7ffffe7, 27), (0x7ffffe8, 27), (0x7ffffe9, 27), (0x7ffffea, 27),
    (0x7ffffeb, 27), (0xffffffe, 28), (0x7ffffec, 27), (0x7ffffed, 27),
    (0x7ffffee, 27), (0x7ffffef, 27), (0x7fffff0, 27), (0x3ffffee, 26),
];

/// RFC 7541 §4.1: the size of an entry is its name and value lengths plus 32.
fn entry_size(name: &str, value: &str) -> usize {
    name.len() + value.len() + 32
}

/// RFC 7541 §5.1: an integer with an `n`-bit prefix; `first` carries the pattern bits.
pub fn integer(out: &mut Vec<u8>, n: u8, first: u8, value: u64) {
    let max = (1u64 << n) - 1;
    if value < max {
        out.push(first | value as u8);
        return;
    }
    out.push(first | max as u8);
    let mut rest = value - max;
    while rest >= 128 {
        out.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    out.push(rest as u8);
}

/// The length in octets of the Huffman coding of `s` (RFC 7541 §5.2).
pub fn huffman_len(s: &[u8]) -> usize {
    let bits: usize = s.iter().map(|&b| HUFFMAN[b as usize].1 as usize).sum();
    bits.div_ceil(8)
}

/// The Huffman coding of `s`, padded with the high bits of EOS (all ones).
pub fn huffman(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(huffman_len(s));
    let (mut acc, mut bits) = (0u64, 0u32);
    for &b in s {
        let (code, len) = HUFFMAN[b as usize];
        acc = (acc << len) | code as u64;
        bits += len as u32;
        while bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
        acc &= (1u64 << bits) - 1;
    }
    if bits > 0 {
        out.push(((acc << (8 - bits)) | (0xff >> bits)) as u8);
    }
    out
}

/// RFC 7541 §5.2: a string literal, Huffman coded when strictly shorter.
pub fn string(out: &mut Vec<u8>, s: &[u8]) {
    let h = huffman_len(s);
    if h < s.len() {
        integer(out, 7, 0x80, h as u64);
        out.extend_from_slice(&huffman(s));
    } else {
        integer(out, 7, 0x00, s.len() as u64);
        out.extend_from_slice(s);
    }
}

/// The encoding context of one connection.
pub struct Encoder {
    /// Newest last.
    dynamic: Vec<(String, String)>,
    size: usize,
    max_size: usize,
    /// The largest size the peer allows (the default 4096: the tool never reads the
    /// server's SETTINGS_HEADER_TABLE_SIZE for its encoder).
    limit: usize,
    /// The smallest size set since the last header block, if any was set.
    min_size: Option<usize>,
    pending_update: bool,
}

impl Encoder {
    pub fn new() -> Encoder {
        Encoder {
            dynamic: Vec::new(),
            size: 0,
            max_size: 4096,
            limit: 4096,
            min_size: None,
            pending_update: false,
        }
    }

    /// Changes the dynamic table size; the next block starts with the size update(s)
    /// (RFC 7541 §4.2: the smallest size in between, then the final one).
    pub fn set_max_table_size(&mut self, size: usize) {
        let size = size.min(self.limit);
        self.min_size = Some(self.min_size.map_or(size, |m| m.min(size)));
        self.pending_update = true;
        self.max_size = size;
        self.evict();
    }

    fn evict(&mut self) {
        while self.size > self.max_size && !self.dynamic.is_empty() {
            let (n, v) = self.dynamic.remove(0);
            self.size -= entry_size(&n, &v);
        }
    }

    /// (index, whole field matched): the static table first, then the dynamic one;
    /// for a name-only match the newest entry of that name.
    fn search(&self, name: &str, value: &str) -> (usize, bool) {
        let mut static_name = 0;
        for (i, (n, v)) in STATIC.iter().enumerate() {
            if *n == name {
                if *v == value {
                    return (i + 1, true);
                }
                static_name = i + 1;
            }
        }
        let count = self.dynamic.len();
        let mut dynamic_name = 0;
        for (k, (n, v)) in self.dynamic.iter().enumerate().rev() {
            let index = STATIC.len() + (count - k);
            if n == name {
                if v == value {
                    return (index, true);
                }
                if dynamic_name == 0 {
                    dynamic_name = index;
                }
            }
        }
        if static_name == 0 && dynamic_name != 0 {
            return (dynamic_name, false);
        }
        (static_name, false)
    }

    /// Encodes one header block.
    pub fn encode<N: AsRef<str>, V: AsRef<str>>(&mut self, fields: &[(N, V)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in fields {
            let (name, value) = (name.as_ref(), value.as_ref());
            if self.pending_update {
                self.pending_update = false;
                if let Some(min) = self.min_size.take() {
                    if min < self.max_size {
                        integer(&mut out, 5, 0x20, min as u64);
                    }
                }
                integer(&mut out, 5, 0x20, self.max_size as u64);
            }
            let (index, whole) = self.search(name, value);
            if whole {
                integer(&mut out, 7, 0x80, index as u64);
                continue;
            }
            let indexing = entry_size(name, value) <= self.max_size;
            if indexing {
                self.dynamic.push((name.to_string(), value.to_string()));
                self.size += entry_size(name, value);
                self.evict();
            }
            let (bits, pattern) = if indexing { (6, 0x40) } else { (4, 0x00) };
            if index == 0 {
                out.push(pattern);
                string(&mut out, name.as_bytes());
            } else {
                integer(&mut out, bits, pattern, index as u64);
            }
            string(&mut out, value.as_bytes());
        }
        out
    }
}

#[test]
fn huffman_matches_rfc7541_examples() {
    // RFC 7541 Appendix C.4.1 and C.4.3.
    assert_eq!(
        huffman(b"www.example.com"),
        [0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff]
    );
    assert_eq!(huffman(b"no-cache"), [0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf]);
    assert_eq!(
        huffman(b"custom-value"),
        [0x25, 0xa8, 0x49, 0xe9, 0x5b, 0xb8, 0xe8, 0xb4, 0xbf]
    );
    assert_eq!(huffman(b"x-test"), [0xf2, 0xb2, 0x4a, 0x84, 0xff]);
    assert_eq!(
        huffman(b"user-agent"),
        [0xb5, 0x05, 0xb1, 0x61, 0xcc, 0x5a, 0x93]
    );
    // RFC 7541 Appendix C.3: three requests sharing one dynamic table (no Huffman there,
    // so only the indexing decisions are compared, through the first octets).
    let mut e = Encoder::new();
    let first = e.encode(&[
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "www.example.com"),
    ]);
    assert_eq!(&first[..4], &[0x82, 0x86, 0x84, 0x41]);
    let second = e.encode(&[
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "www.example.com"),
        ("cache-control", "no-cache"),
    ]);
    assert_eq!(&second[..5], &[0x82, 0x86, 0x84, 0xbe, 0x58]);
}
