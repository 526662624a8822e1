//! [`Decompress`]: request bodies sent with `content-encoding: gzip` or `deflate`
//! decoded before the application sees them, after Cowboy's `cowboy_decompress_h`,
//! with a bound on what they may decode to.

use super::compress::Coding;
use super::{Handler, Info, Next, Options, Terminate};
use crate::head::list_elements;
use crate::{
    Command, Event, Fields, Initiator, Reason, Request, Response, StreamId, StreamMap, Version,
};
use bytes::Bytes;
use flate2::write::{MultiGzDecoder, ZlibDecoder};
use std::io::{self, Write};

/// The most a request body may decode to, by default.
const DEFAULT_MAX_SIZE: usize = 8 << 20;

/// Decodes request bodies sent with `content-encoding: gzip` (or `x-gzip`) or
/// `deflate` (the zlib format, RFC 9110 §8.4.1.2), so that the handlers after it and
/// the application get the body as it was before the client encoded it (modelled on
/// Cowboy's `cowboy_decompress_h`).
///
/// Only a body with exactly one of these codings is decoded; other codings, and
/// several codings applied one after another, pass through untouched. The request the
/// rest of the chain gets has no `content-encoding` and no `content-length` (the
/// decoded length is not known until the end).
///
/// **Bounds**: a body that decodes to more than [`max_size`](Decompress::max_size)
/// bytes (8 MiB by default) is answered with 413 Content Too Large (RFC 9110
/// §15.5.14), and one that is not valid gzip or zlib with 400 Bad Request (§15.5.1);
/// decoding stops there, so a decompression bomb costs at most `max_size` decoded
/// bytes. The rest of the chain and the application are told the stream was reset
/// (`Terminate::Reset` with `CANCEL`, as [`Event::StreamReset`] for the application)
/// and get nothing more of it; what they send for it is dropped (or, once the stream
/// is over, refused by the connection as for any stream that ended). If the request
/// body has not ended yet, the 413 (or 400) says `connection: close` on HTTP/1.1 and
/// is followed by RST_STREAM with NO_ERROR on HTTP/2 (RFC 9113 §8.1), so that the
/// rest of it is never read. Had the application already begun its response, the
/// stream is reset with CANCEL instead.
///
/// **Flow control** (HTTP/2 with `Config::h2_manual_flow_control`): the handler gives
/// back the window of the encoded bytes as it decodes them
/// ([`Command::ReleaseCapacity`]), and drops the application's own releases for a
/// decoded stream, which count decoded bytes. What the client can make the
/// application hold is then bounded by `max_size`.
///
/// A `CONNECT` request's bytes, and those after a 101, are a tunnel's: never decoded.
///
/// ```
/// use std::io::Write;
/// use std::time::Instant;
/// use weir::handler::{Decompress, Dispatcher};
/// use weir::{Config, Connection, Event, Head, Output, Side, Version};
///
/// let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// gzip.write_all(b"hello, hello, hello").unwrap();
/// let body = gzip.finish().unwrap();
///
/// let now = Instant::now();
/// let conn = Connection::with_version(Side::Server, Version::Http11, Config::default(), now);
/// let mut server: Dispatcher = Dispatcher::new(conn).handler(Decompress::new().max_size(1 << 20));
/// let head = format!(
///     "POST /up HTTP/1.1\r\nHost: a\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
///     body.len()
/// );
/// server.handle_input(now, &[head.as_bytes(), &body].concat());
/// let mut out = Vec::new();
/// let Output::Event(Event::Headers { head: Head::Request(request), .. }) = server.poll_output(&mut out) else {
///     panic!("a request")
/// };
/// assert!(!request.fields.contains("content-encoding"));
/// let Output::Event(Event::Data { data, end_stream: true, .. }) = server.poll_output(&mut out) else {
///     panic!("its body")
/// };
/// assert_eq!(data, "hello, hello, hello");
/// ```
#[derive(Debug)]
pub struct Decompress {
    max_size: usize,
    streams: StreamMap<Stream>,
}

impl Default for Decompress {
    fn default() -> Decompress {
        Decompress::new()
    }
}

impl Decompress {
    /// A handler that decodes request bodies of up to 8 MiB.
    pub fn new() -> Decompress {
        Decompress {
            max_size: DEFAULT_MAX_SIZE,
            streams: StreamMap::default(),
        }
    }

    /// The most a request body may decode to, in bytes (builder style).
    pub fn max_size(mut self, bytes: usize) -> Decompress {
        self.max_size = bytes;
        self
    }

    /// Notes the final responses on their way to the connection: after one, a bad
    /// body can only reset the stream.
    fn process(&mut self, commands: Vec<Command>) -> Vec<Command> {
        // Most requests have no encoded body: nothing to note then.
        if self.streams.is_empty() {
            return commands;
        }
        for command in &commands {
            if let Command::Response { stream, head, .. } = command {
                if let Some(s) = self.streams.get_mut(stream).filter(|_| head.status >= 200) {
                    s.responded = true;
                }
            }
        }
        commands
    }

    /// The body cannot be decoded (`failure`): answers the stream and ends it for the
    /// rest of the chain.
    fn reject<M>(
        &mut self,
        stream: StreamId,
        failure: Failure,
        body_ended: bool,
        next: Next<'_, M>,
    ) -> Vec<Command> {
        let Some(s) = self.streams.get_mut(&stream) else {
            return Vec::new();
        };
        s.body = Body::Rejected;
        let mut commands = Vec::new();
        if s.responded {
            // The response has begun and cannot become an error now.
            commands.push(Command::Reset {
                stream,
                code: Reason::CANCEL,
            });
        } else {
            let status = match failure {
                // RFC 9110 §15.5.14: "the request content is larger than the server is
                // willing or able to process".
                Failure::TooLarge => 413,
                // RFC 9110 §15.5.1: the content is malformed.
                Failure::Corrupt => 400,
            };
            let mut head = Response::new(status).field("content-length", "0");
            if !body_ended && s.version != Version::Http2 {
                // RFC 9110 §15.5.14: "the server MAY terminate the request, if the
                // protocol version in use allows it; otherwise, the server MAY close the
                // connection": the rest of the body is not read.
                head.fields.append("connection", "close");
            }
            commands.push(Command::Response {
                stream,
                head,
                end_stream: true,
            });
            if !body_ended && s.version == Version::Http2 {
                // RFC 9113 §8.1: a server that has sent a complete response "MAY request
                // that the client abort transmission of a request without error by
                // sending a RST_STREAM with an error code of NO_ERROR".
                commands.push(Command::Reset {
                    stream,
                    code: Reason::NO_ERROR,
                });
            }
        }
        // The rest of the chain never sees the body that could not be decoded, and
        // hears of the stream's end now; nothing more reaches it (`Body::Rejected`).
        let reset = Terminate::Reset {
            code: Reason::CANCEL,
            initiator: Initiator::Local,
        };
        next.terminate(stream, &reset);
        commands
    }
}

impl<M> Handler<M> for Decompress {
    fn release_buffers(&mut self) {
        if self.streams.is_empty() {
            self.streams = StreamMap::default();
        }
    }

    fn init(
        &mut self,
        stream: StreamId,
        mut request: Request,
        end_stream: bool,
        opts: &Options,
        next: Next<'_, M>,
    ) -> Vec<Command> {
        // Without a body there is nothing to decode, and what follows a CONNECT is a
        // tunnel's bytes, not content (RFC 9110 §9.3.6).
        let content = !end_stream && !request.is_method("CONNECT");
        if let Some(coding) = Some(&request.fields).filter(|_| content).and_then(coding) {
            request.fields.remove("content-encoding");
            // RFC 9110 §8.6: the length was that of the encoded content.
            request.fields.remove("content-length");
            let s = Stream {
                body: Body::Decoding(Box::new(Decoder::new(coding, self.max_size))),
                version: opts.version,
                release: opts.version == Version::Http2 && opts.config.h2_manual_flow_control,
                responded: false,
            };
            self.streams.insert(stream, s);
        }
        let commands = next.init(stream, request, end_stream, opts);
        self.process(commands)
    }

    fn data(
        &mut self,
        stream: StreamId,
        data: Bytes,
        end_stream: bool,
        next: Next<'_, M>,
    ) -> Vec<Command> {
        let Some(s) = self.streams.get_mut(&stream) else {
            let commands = next.data(stream, data, end_stream);
            return self.process(commands);
        };
        let mut commands = Vec::new();
        if s.release && !data.is_empty() {
            // The encoded bytes are consumed here (see "Flow control" above).
            commands.push(Command::ReleaseCapacity {
                stream,
                bytes: data.len(),
            });
        }
        let Body::Decoding(decoder) = &mut s.body else {
            // Rejected: the rest of the body goes nowhere.
            return commands;
        };
        match decoder.feed(&data, end_stream) {
            Ok(plain) if plain.is_empty() && !end_stream => {}
            Ok(plain) => {
                let more = next.data(stream, plain, end_stream);
                commands.extend(self.process(more));
            }
            Err(failure) => commands.extend(self.reject(stream, failure, end_stream, next)),
        }
        commands
    }

    fn info(&mut self, stream: StreamId, info: Info<M>, mut next: Next<'_, M>) -> Vec<Command> {
        let Some(s) = self.streams.get_mut(&stream) else {
            let commands = next.info(stream, info);
            return self.process(commands);
        };
        let decoder = match &mut s.body {
            // The rest of the chain is done with this stream.
            Body::Rejected => return Vec::new(),
            Body::Decoding(decoder) => decoder,
        };
        match info {
            // Decoded bytes are not the bytes the peer's window counts; this handler
            // gives those back itself.
            Info::Command(Command::ReleaseCapacity { .. }) => Vec::new(),
            Info::Event(tunnel @ Event::Tunnel { .. }) => {
                // After a 101 the stream carries a tunnel's raw bytes; the body before
                // it was complete (and decoded) first.
                self.streams.remove(&stream);
                let commands = next.info(stream, Info::Event(tunnel));
                self.process(commands)
            }
            Info::Event(trailers @ Event::Trailers { .. }) => {
                // The trailers end the body: the encoded stream must end with it.
                let plain = match decoder.feed(&[], true) {
                    Ok(plain) => plain,
                    Err(failure) => return self.reject(stream, failure, true, next),
                };
                let mut commands = Vec::new();
                if !plain.is_empty() {
                    let more = next.reborrow().data(stream, plain, false);
                    commands.extend(self.process(more));
                }
                let more = next.info(stream, Info::Event(trailers));
                commands.extend(self.process(more));
                commands
            }
            info => {
                let commands = next.info(stream, info);
                self.process(commands)
            }
        }
    }

    fn terminate(&mut self, stream: StreamId, reason: &Terminate, next: Next<'_, M>) {
        let rejected = self
            .streams
            .remove(&stream)
            .is_some_and(|s| matches!(s.body, Body::Rejected));
        // A rejected stream's end was told already.
        if !rejected {
            next.terminate(stream, reason)
        }
    }
}

/// The one coding of a request's `content-encoding` if this handler decodes it.
fn coding(fields: &Fields) -> Option<Coding> {
    let mut codings = fields.get_all("content-encoding").flat_map(list_elements);
    let only = codings.next()?;
    if codings.next().is_some() {
        // Codings applied one after another (RFC 9110 §8.4): left to the application.
        return None;
    }
    Coding::named(only)
}

/// What the handler knows of a stream whose body it decodes.
#[derive(Debug)]
struct Stream {
    body: Body,
    version: Version,
    /// The connection counts received bytes until the application releases them
    /// (HTTP/2 with `h2_manual_flow_control`): this handler releases what it decodes.
    release: bool,
    /// A final response went out: an error can no longer be answered.
    responded: bool,
}

#[derive(Debug)]
enum Body {
    // Boxed: a decoder's state is large, and rejected streams keep none.
    Decoding(Box<Decoder>),
    /// Answered with an error, and the rest of the chain told the stream ended: the
    /// rest of the body, and whatever comes for the stream, is dropped.
    Rejected,
}

/// Why a body cannot be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// It decodes to more than the bound.
    TooLarge,
    /// It is not valid gzip or zlib, or it ended early.
    Corrupt,
}

/// A decoder for one request body, writing into a bounded [`Sink`].
#[derive(Debug)]
struct Decoder {
    inner: Inner,
    /// No encoded byte came yet.
    empty: bool,
}

#[derive(Debug)]
enum Inner {
    // Several gzip members one after another decode as one body (RFC 1952 §2.2).
    Gzip(MultiGzDecoder<Sink>),
    Deflate(ZlibDecoder<Sink>),
}

impl Decoder {
    fn new(coding: Coding, max_size: usize) -> Decoder {
        let sink = Sink {
            out: Vec::new(),
            left: max_size,
            exceeded: false,
        };
        let inner = match coding {
            Coding::Gzip => Inner::Gzip(MultiGzDecoder::new(sink)),
            Coding::Deflate => Inner::Deflate(ZlibDecoder::new(sink)),
        };
        Decoder { inner, empty: true }
    }

    /// Decodes `data`; `end`: it ends the body, and the encoded stream must end too.
    /// Returns every decoded byte so far not returned yet.
    fn feed(&mut self, data: &[u8], end: bool) -> Result<Bytes, Failure> {
        self.empty &= data.is_empty();
        let written = match &mut self.inner {
            Inner::Gzip(d) => d.write_all(data).and_then(|()| d.flush()),
            Inner::Deflate(d) => d.write_all(data).and_then(|()| d.flush()),
        };
        self.check(written)?;
        if end {
            self.finish()?;
        }
        Ok(Bytes::from(std::mem::take(&mut self.sink().out)))
    }

    /// Checks that the encoded stream is complete. An empty body is an empty body,
    /// whatever coding it claims.
    fn finish(&mut self) -> Result<(), Failure> {
        if self.empty {
            return Ok(());
        }
        let finished = match &mut self.inner {
            Inner::Gzip(d) => d.try_finish(),
            Inner::Deflate(d) => d.try_finish(),
        };
        self.check(finished)
    }

    fn check(&mut self, result: io::Result<()>) -> Result<(), Failure> {
        match result {
            Ok(()) => Ok(()),
            Err(_) if self.sink().exceeded => Err(Failure::TooLarge),
            Err(_) => Err(Failure::Corrupt),
        }
    }

    fn sink(&mut self) -> &mut Sink {
        match &mut self.inner {
            Inner::Gzip(d) => d.get_mut(),
            Inner::Deflate(d) => d.get_mut(),
        }
    }
}

/// Where decoded bytes go: refuses those beyond the bound, which stops the decoder.
#[derive(Debug)]
struct Sink {
    out: Vec<u8>,
    /// How many more decoded bytes are allowed.
    left: usize,
    exceeded: bool,
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if bytes.len() > self.left {
            self.exceeded = true;
            return Err(io::Error::other("the decoded body exceeds its bound"));
        }
        self.left -= bytes.len();
        self.out.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::compress::Encoder;
    use super::*;

    // What the compression handler makes, this one undoes.
    fn gzip(bytes: &[u8]) -> Vec<u8> {
        Encoder::new(Coding::Gzip, 6).whole(bytes)
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        Encoder::new(Coding::Deflate, 6).whole(bytes)
    }

    /// Feeds `encoded` in pieces of `piece` bytes; the decoded body, or the failure.
    fn decode(
        coding: Coding,
        max: usize,
        encoded: &[u8],
        piece: usize,
    ) -> Result<Vec<u8>, Failure> {
        let mut d = Decoder::new(coding, max);
        let mut body = Vec::new();
        let pieces: Vec<&[u8]> = encoded.chunks(piece).collect();
        for (i, p) in pieces.iter().enumerate() {
            body.extend_from_slice(&d.feed(p, i + 1 == pieces.len())?);
        }
        if pieces.is_empty() {
            body.extend_from_slice(&d.feed(&[], true)?);
        }
        Ok(body)
    }

    #[test]
    fn the_one_coding_is_decoded() {
        let one = |v: &[&str]| coding(&v.iter().map(|v| ("content-encoding", *v)).collect());
        assert_eq!(one(&["gzip"]), Some(Coding::Gzip));
        assert_eq!(one(&["X-GZIP"]), Some(Coding::Gzip));
        assert_eq!(one(&["deflate"]), Some(Coding::Deflate));
        assert_eq!(
            one(&[" gzip , "]),
            Some(Coding::Gzip),
            "empty elements do not count"
        );
        assert_eq!(one(&["br"]), None);
        assert_eq!(one(&["gzip, gzip"]), None, "two codings");
        assert_eq!(one(&["deflate", "gzip"]), None, "two fields");
        assert_eq!(coding(&Fields::new()), None);
    }

    #[test]
    fn gzip_and_zlib_decode_in_any_pieces() {
        let body = b"The quick brown fox jumps over the lazy dog. ".repeat(200);
        for piece in [1, 7, 100, 1 << 20] {
            assert_eq!(
                decode(Coding::Gzip, 1 << 20, &gzip(&body), piece).unwrap(),
                body
            );
            assert_eq!(
                decode(Coding::Deflate, 1 << 20, &zlib(&body), piece).unwrap(),
                body
            );
        }
        // Two gzip members are one body (RFC 1952 §2.2).
        let two = [gzip(b"first, "), gzip(b"second")].concat();
        assert_eq!(
            decode(Coding::Gzip, 100, &two, 5).unwrap(),
            b"first, second"
        );
        // An empty body is empty, whatever it claims.
        assert_eq!(decode(Coding::Gzip, 100, b"", 1).unwrap(), b"");
    }

    #[test]
    fn the_bound_stops_a_bomb_early() {
        let zeros = vec![0; 4 << 20];
        let bomb = gzip(&zeros);
        assert!(bomb.len() < 10_000, "{}", bomb.len());
        assert_eq!(
            decode(Coding::Gzip, 1 << 20, &bomb, 1000),
            Err(Failure::TooLarge)
        );
        // Exactly at the bound is allowed.
        assert_eq!(
            decode(Coding::Gzip, 4 << 20, &bomb, 1000).unwrap().len(),
            4 << 20
        );
        assert_eq!(
            decode(Coding::Deflate, (4 << 20) - 1, &zlib(&zeros), 1000),
            Err(Failure::TooLarge)
        );
    }

    #[test]
    fn corrupt_or_truncated_bodies_fail() {
        let body = b"some text that is long enough to be worth compressing".repeat(10);
        let good = gzip(&body);
        let mut flipped = good.clone();
        flipped[good.len() - 6] ^= 0xff;
        for bad in [
            &b"not gzip at all"[..],
            &good[..good.len() - 4],
            &good[..good.len() / 2],
            &flipped,
            &[&good[..], b"trailing junk"].concat(),
        ] {
            assert_eq!(
                decode(Coding::Gzip, 1 << 20, bad, 16),
                Err(Failure::Corrupt),
                "{bad:?}"
            );
        }
        // A gzip body said to be deflate.
        assert_eq!(
            decode(Coding::Deflate, 1 << 20, &good, 16),
            Err(Failure::Corrupt)
        );
    }
}
