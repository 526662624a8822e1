//! Clients that cost next to nothing: they write request bytes prepared in advance and
//! read responses by counting, so that what a cycle measures is the server's work, and
//! the same client work is charged to every server.

use weir::hpack::Encoder;
use weir::Field;

/// The HTTP/2 connection preface (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The request every case sends: what a small API client sends.
pub fn h1_request(path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: weir-bench/1\r\n\
         Accept: */*\r\nAccept-Encoding: gzip\r\n\r\n"
    )
    .into_bytes()
}

/// The length of the HTTP/1.1 response at the start of `bytes`, from its
/// Content-Length, if its head is complete.
pub fn h1_response_len(bytes: &[u8]) -> Option<usize> {
    let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let head = std::str::from_utf8(&bytes[..head_end]).ok()?;
    let length = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())?
    })?;
    Some(head_end + length)
}

const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const GOAWAY: u8 = 0x7;
const WINDOW_UPDATE: u8 = 0x8;
const END_STREAM: u8 = 0x1;
const ACK: u8 = 0x1;
const END_HEADERS: u8 = 0x4;

/// The largest flow-control window (RFC 9113 §6.9.1).
const MAX_WINDOW: u32 = (1 << 31) - 1;

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8], out: &mut Vec<u8>) {
    let len = payload.len() as u32;
    out.extend_from_slice(&len.to_be_bytes()[1..]);
    out.push(kind);
    out.push(flags);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

/// An HTTP/2 client that opens windows as wide as they go, so that no server ever waits
/// on flow control, sends GETs from HPACK blocks encoded once, and counts the streams
/// whose response has ended.
pub struct H2Client {
    /// The field block of the first request, which fills the server's table…
    first: Vec<u8>,
    /// …and of every later one, which only refers to it.
    repeat: Vec<u8>,
    sent_first: bool,
    next_stream: u32,
    /// Frame bytes received and not parsed yet.
    input: Vec<u8>,
    /// Control frames to send with the next requests: acknowledgements and the
    /// connection window that DATA used up.
    pending: Vec<u8>,
    owed_window: u32,
}

impl H2Client {
    /// A client for GETs of `path`.
    pub fn new(path: &str) -> H2Client {
        let fields = [
            (&b":method"[..], &b"GET"[..]),
            (b":scheme", b"http"),
            (b":path", path.as_bytes()),
            (b":authority", b"localhost"),
            (b"user-agent", b"weir-bench/1"),
            (b"accept", b"*/*"),
            (b"accept-encoding", b"gzip"),
        ];
        let mut encoder = Encoder::new();
        let mut blocks = [Vec::new(), Vec::new(), Vec::new()];
        for block in &mut blocks {
            let fields = fields.iter().map(|&(name, value)| Field {
                name,
                value,
                sensitive: false,
            });
            encoder.encode(fields, block);
        }
        let [first, repeat, third] = blocks;
        assert_eq!(repeat, third, "a repeated request encodes the same way");
        H2Client {
            first,
            repeat,
            sent_first: false,
            next_stream: 1,
            input: Vec::new(),
            pending: Vec::new(),
            owed_window: 0,
        }
    }

    /// The preface, SETTINGS with the widest stream windows and no push, and a
    /// WINDOW_UPDATE that widens the connection's window as far.
    pub fn handshake(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(PREFACE);
        let mut settings = Vec::new();
        settings.extend_from_slice(&2u16.to_be_bytes()); // ENABLE_PUSH
        settings.extend_from_slice(&0u32.to_be_bytes());
        settings.extend_from_slice(&4u16.to_be_bytes()); // INITIAL_WINDOW_SIZE
        settings.extend_from_slice(&MAX_WINDOW.to_be_bytes());
        frame(SETTINGS, 0, 0, &settings, out);
        frame(
            WINDOW_UPDATE,
            0,
            0,
            &(MAX_WINDOW - 65_535).to_be_bytes(),
            out,
        );
    }

    /// Forgets what was read and owed: the next bytes read are a new connection's.
    pub fn restart(&mut self) {
        self.input.clear();
        self.pending.clear();
        self.owed_window = 0;
    }

    /// `n` GETs on new streams, after any control frames owed.
    pub fn requests(&mut self, n: usize, out: &mut Vec<u8>) {
        out.append(&mut self.pending);
        if self.owed_window > 0 {
            frame(WINDOW_UPDATE, 0, 0, &self.owed_window.to_be_bytes(), out);
            self.owed_window = 0;
        }
        for _ in 0..n {
            let block = if self.sent_first {
                &self.repeat
            } else {
                self.sent_first = true;
                &self.first
            };
            frame(
                HEADERS,
                END_STREAM | END_HEADERS,
                self.next_stream,
                block,
                out,
            );
            self.next_stream += 2;
        }
    }

    /// Reads server bytes; returns how many responses ended in them.
    pub fn read(&mut self, bytes: &[u8]) -> usize {
        self.input.extend_from_slice(bytes);
        let mut ended = 0;
        let mut at = 0;
        while self.input.len() - at >= 9 {
            let h = &self.input[at..at + 9];
            let len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
            if self.input.len() - at < 9 + len {
                break;
            }
            let (kind, flags) = (h[3], h[4]);
            match kind {
                DATA => {
                    self.owed_window += len as u32;
                    ended += usize::from(flags & END_STREAM != 0);
                }
                HEADERS => ended += usize::from(flags & END_STREAM != 0),
                SETTINGS if flags & ACK == 0 => frame(SETTINGS, ACK, 0, &[], &mut self.pending),
                PING if flags & ACK == 0 => {
                    let payload = self.input[at + 9..at + 9 + len].to_vec();
                    frame(PING, ACK, 0, &payload, &mut self.pending);
                }
                RST_STREAM | GOAWAY => panic!("the server refused: frame type {kind}"),
                _ => {}
            }
            at += 9 + len;
        }
        self.input.drain(..at);
        ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_length_from_the_head() {
        let r = b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabcHTTP/1.1";
        assert_eq!(h1_response_len(r), Some(41));
        assert_eq!(h1_response_len(b"HTTP/1.1 200 OK\r\n"), None);
    }

    #[test]
    fn h2_client_counts_ended_streams_and_owes_windows() {
        let mut c = H2Client::new("/");
        let mut wire = Vec::new();
        c.requests(2, &mut wire);
        // Two HEADERS frames, the second shorter: its fields are in the table.
        let first_len = 9 + c.first.len();
        assert_eq!(wire[first_len + 3], HEADERS);
        assert!(c.repeat.len() < c.first.len());
        let mut server = Vec::new();
        frame(SETTINGS, 0, 0, &[], &mut server);
        frame(HEADERS, END_HEADERS, 1, &[0x88], &mut server);
        frame(DATA, END_STREAM, 1, b"hello", &mut server);
        frame(HEADERS, END_HEADERS | END_STREAM, 3, &[0x88], &mut server);
        // Split anywhere, the count is the same.
        assert_eq!(c.read(&server[..20]), 0);
        assert_eq!(c.read(&server[20..]), 2);
        let mut next = Vec::new();
        c.requests(0, &mut next);
        // SETTINGS ACK, then a WINDOW_UPDATE for the 5 DATA bytes.
        assert_eq!(&next[..9], &[0, 0, 0, SETTINGS, ACK, 0, 0, 0, 0]);
        assert_eq!(
            &next[9..],
            &[0, 0, 4, WINDOW_UPDATE, 0, 0, 0, 0, 0, 0, 0, 0, 5]
        );
    }
}
