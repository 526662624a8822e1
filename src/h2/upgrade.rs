//! HTTP/2 over cleartext by upgrade from HTTP/1.1 (RFC 7540 §3.2, §3.2.1): which
//! requests may switch a server connection to HTTP/2, their `HTTP2-Settings`, and the
//! `101` that accepts.
//!
//! RFC 9113 §3.1 deprecates the `h2c` upgrade token, but clients still send it (curl's
//! `--http2` on an `http://` URL, nghttp's `-u`). A request that asks for `h2c` and
//! does not qualify is served as HTTP/1.1, its Upgrade ignored, as RFC 9110 §7.8
//! allows ("A server MAY ignore a received Upgrade header field"); so is one whose
//! `HTTP2-Settings` is malformed (no 400: the request is still a valid HTTP/1.1 one).

use super::frame::{kind, FrameHead, Setting, Settings};
use crate::head::list_elements;
use crate::{Config, Request, Version};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Instant;

/// The response that accepts the upgrade (RFC 7540 §3.2's example, byte for byte).
pub(crate) const SWITCHING_PROTOCOLS: &[u8] =
    b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";

/// What HTTP/1.1 hands over when a request switches the connection to HTTP/2.
#[derive(Debug)]
pub(crate) struct Handoff {
    /// The request that asked for the upgrade, as HTTP/1.1 parsed it.
    pub request: Request,
    /// The client's settings, from its `HTTP2-Settings` field.
    pub settings: Vec<Setting>,
    /// What arrived after the request head (the client's preface, usually).
    pub input: Bytes,
    /// Whether the peer had already closed its side.
    pub eof: bool,
    pub config: Arc<Config>,
    pub now: Instant,
}

/// The client's settings if `req` asks for HTTP/2 with `Upgrade: h2c` and qualifies;
/// `None` if it is to be served as HTTP/1.1. `has_body`: the request's framing
/// announces content (a Content-Length above 0, or a Transfer-Encoding).
pub(crate) fn h2c_settings(req: &Request, has_body: bool) -> Option<Vec<Setting>> {
    // RFC 9110 §7.8: "A server MUST ignore an Upgrade header field that is received in
    // an HTTP/1.0 request." CONNECT has its own meaning for the connection.
    if req.version != Version::Http11 || req.is_method("CONNECT") {
        return None;
    }
    // RFC 7540 §3.2: "Requests that contain a payload body MUST be sent in their
    // entirety before the client can send HTTP/2 frames." This server takes the
    // simpler way the RFC leaves open and upgrades only requests without content.
    if has_body {
        return None;
    }
    // "A server MUST ignore an "h2" token in an Upgrade header field." Any other token
    // next to h2c is one the application might honour instead: the request goes to it
    // as HTTP/1.1, Upgrade and all.
    let mut tokens = req
        .fields
        .get_all("upgrade")
        .flat_map(list_elements)
        .filter(|t| !t.eq_ignore_ascii_case(b"h2"));
    match (tokens.next(), tokens.next()) {
        (Some(t), None) if t.eq_ignore_ascii_case(b"h2c") => {}
        _ => return None,
    }
    // RFC 9110 §7.8: "the Upgrade header field ... MUST be listed in Connection", and
    // RFC 7540 §3.2.1: "a client sending the HTTP2-Settings header field MUST also
    // send "HTTP2-Settings" as a connection option in the Connection header field".
    if !req.fields.has_token("connection", "upgrade")
        || !req.fields.has_token("connection", "http2-settings")
    {
        return None;
    }
    // RFC 7540 §3.2.1: "A server MUST NOT upgrade the connection to HTTP/2 if this
    // header field is not present or if more than one is present."
    let mut values = req.fields.get_all("http2-settings");
    let (Some(value), None) = (values.next(), values.next()) else {
        return None;
    };
    // "The content of the HTTP2-Settings header field is the payload of a SETTINGS
    // frame (Section 6.5), encoded as a base64url string ... with any trailing '='
    // characters omitted." "A server decodes and interprets these values as it would
    // any other SETTINGS frame": a length that is not a multiple of 6 or a value out of
    // its range (RFC 9113 §6.5.2) would be a connection error there; here the upgrade
    // is declined instead.
    let payload = decode_base64url(value)?;
    let head = FrameHead {
        length: u32::try_from(payload.len()).ok()?,
        kind: kind::SETTINGS,
        flags: 0,
        stream: 0,
    };
    Settings::parse(head, &payload).ok().map(|s| s.params)
}

/// Decodes base64url (RFC 4648 §5): `A`–`Z`, `a`–`z`, `0`–`9`, `-`, `_`; the `=`
/// padding may be left out, but if present it must be complete. Non-canonical text
/// (a length of 4n+1, or bits left over that are not zero, RFC 4648 §3.5) is refused.
pub(crate) fn decode_base64url(text: &[u8]) -> Option<Vec<u8>> {
    let data_len = text.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let (data, pad) = (&text[..data_len], text.len() - data_len);
    if data.len() % 4 == 1 || (pad > 0 && (data.len() % 4 == 0 || (data.len() + pad) % 4 != 0)) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in data {
        let sextet = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_vectors() {
        // RFC 4648 §10, with and without padding.
        for (plain, coded, padded) in [
            ("", "", ""),
            ("f", "Zg", "Zg=="),
            ("fo", "Zm8", "Zm8="),
            ("foo", "Zm9v", "Zm9v"),
            ("foob", "Zm9vYg", "Zm9vYg=="),
            ("fooba", "Zm9vYmE", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy", "Zm9vYmFy"),
        ] {
            assert_eq!(
                decode_base64url(coded.as_bytes()).unwrap(),
                plain.as_bytes()
            );
            assert_eq!(
                decode_base64url(padded.as_bytes()).unwrap(),
                plain.as_bytes()
            );
        }
        // The URL-safe alphabet: 62 is `-`, 63 is `_`; `+` and `/` are not in it.
        assert_eq!(decode_base64url(b"-_-_").unwrap(), [0xfb, 0xff, 0xbf]);
        for bad in [
            &b"+/+/"[..],
            b"Zm9v YmFy",
            b"Z",
            b"Zm9vY",
            b"Zg=",
            b"Zg===",
            b"Zm9v=",
            b"=",
            b"Zg==Zg",
            // Leftover bits that are not zero.
            b"Zh",
            b"Zm9",
        ] {
            assert_eq!(
                decode_base64url(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    fn asking(fields: &[(&str, &str)]) -> Request {
        let mut req = Request::new("GET", "/").field("Host", "a");
        for (n, v) in fields {
            req = req.field(n, v);
        }
        req
    }

    const CURL: (&str, &str) = ("HTTP2-Settings", "AAMAAABkAAQCAAAAAAIAAAAA");

    #[test]
    fn which_requests_qualify() {
        let conn = ("Connection", "Upgrade, HTTP2-Settings");
        let ok = asking(&[conn, ("Upgrade", "h2c"), CURL]);
        // What curl 7.88 sends: MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW_SIZE 32 MiB,
        // ENABLE_PUSH 0.
        let settings = h2c_settings(&ok, false).unwrap();
        let pairs: Vec<(u16, u32)> = settings.iter().map(|s| (s.id, s.value)).collect();
        assert_eq!(pairs, [(3, 100), (4, 32 << 20), (2, 0)]);
        assert_eq!(h2c_settings(&ok, true), None, "a body");
        assert_eq!(
            h2c_settings(&ok.clone().version(Version::Http10), false),
            None
        );
        // Tokens are compared without case; h2 is ignored; empty settings are fine.
        let fine = asking(&[
            ("connection", "upgrade"),
            ("connection", "http2-settings"),
            ("upgrade", "H2C, h2"),
            ("http2-settings", ""),
        ]);
        assert_eq!(h2c_settings(&fine, false), Some(Vec::new()));
        for fields in [
            &[conn, ("Upgrade", "h2c, websocket"), CURL][..],
            &[conn, ("Upgrade", "h2"), CURL],
            &[conn, ("Upgrade", "websocket"), CURL],
            &[conn, CURL],
            &[("Connection", "Upgrade"), ("Upgrade", "h2c"), CURL],
            &[("Connection", "HTTP2-Settings"), ("Upgrade", "h2c"), CURL],
            &[conn, ("Upgrade", "h2c")],
            &[conn, ("Upgrade", "h2c"), CURL, CURL],
            &[conn, ("Upgrade", "h2c"), ("HTTP2-Settings", "AAMAAABk=")],
            &[conn, ("Upgrade", "h2c"), ("HTTP2-Settings", "AAMAAAB")],
            &[conn, ("Upgrade", "h2c"), ("HTTP2-Settings", "AAMAAABkAA")],
            // ENABLE_PUSH 2, MAX_FRAME_SIZE 16383, INITIAL_WINDOW_SIZE 2^31.
            &[conn, ("Upgrade", "h2c"), ("HTTP2-Settings", "AAIAAAAC")],
            &[conn, ("Upgrade", "h2c"), ("HTTP2-Settings", "AAUAAD__")],
            &[conn, ("Upgrade", "h2c"), ("HTTP2-Settings", "AASAAAAA")],
        ] {
            assert_eq!(h2c_settings(&asking(fields), false), None, "{fields:?}");
        }
        let connect = Request::new("CONNECT", "a:80")
            .field("Host", "a:80")
            .field(conn.0, conn.1)
            .field("Upgrade", "h2c")
            .field(CURL.0, CURL.1);
        assert_eq!(h2c_settings(&connect, false), None);
    }
}
