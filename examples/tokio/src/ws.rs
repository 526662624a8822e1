//! The WebSocket echo at `/ws`: the handshake over HTTP/1.1 Upgrade (RFC 6455 §4) or
//! HTTP/2 extended CONNECT (RFC 8441 §5), then a WebSocket over the stream's raw tunnel.

use crate::StreamIo;
use futures_util::{SinkExt, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use weir::{Request, Response, Version};

/// What a request to `/ws` gets, if it asks for a WebSocket: the response that accepts
/// it (which opens the tunnel), or the 400 of a handshake that is not right. `None`:
/// not a WebSocket request; the other routes take it.
pub(crate) fn handshake(req: &Request, path: &[u8]) -> Option<Response> {
    if path != b"/ws" {
        return None;
    }
    if req.version == Version::Http2 {
        // RFC 8441 §4: the request is a CONNECT with `:protocol` websocket; "the
        // Sec-WebSocket-Key and Sec-WebSocket-Accept header fields are not used".
        let websocket = req.is_method("CONNECT")
            && req
                .protocol
                .as_ref()
                .is_some_and(|p| p.eq_ignore_ascii_case(b"websocket"));
        return websocket.then(|| version_checked(req, Response::new(200)));
    }
    // RFC 6455 §4.2.1: a GET with `Upgrade: websocket` and `Connection: Upgrade`.
    if !(req.is_method("GET")
        && req.version == Version::Http11
        && req.fields.has_token("upgrade", "websocket")
        && req.fields.has_token("connection", "upgrade"))
    {
        return None;
    }
    let Some(key) = req.fields.get("sec-websocket-key") else {
        return Some(Response::new(400).field("content-length", "0"));
    };
    // RFC 6455 §4.2.2: the accept key proves the server read the handshake.
    let accept = Response::new(101)
        .field("upgrade", "websocket")
        .field("connection", "Upgrade")
        .field("sec-websocket-accept", derive_accept_key(key));
    Some(version_checked(req, accept))
}

/// RFC 6455 §4.2.2: a version the server does not speak gets a 400 naming the one it
/// does (13, the only one).
fn version_checked(req: &Request, accept: Response) -> Response {
    if req.fields.get("sec-websocket-version") == Some(&b"13"[..]) {
        accept
    } else {
        Response::new(400)
            .field("sec-websocket-version", "13")
            .field("content-length", "0")
    }
}

/// How long the server waits, once the close handshake is over, for the client to end
/// its side of the stream.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Echoes text and binary messages until the close handshake; pings are answered by
/// the WebSocket layer itself.
pub(crate) async fn echo(io: StreamIo) {
    let mut ws = WebSocketStream::from_raw_socket(io, Role::Server, None).await;
    while let Some(Ok(message)) = ws.next().await {
        if matches!(message, Message::Text(_) | Message::Binary(_))
            && ws.send(message).await.is_err()
        {
            break;
        }
    }
    // RFC 6455 §7.1.1: after the close handshake the server closes the transport
    // first, and RFC 8441 maps an orderly close to END_STREAM and a reset to
    // RST_STREAM. Dropping the stream while the client may still send would reset it
    // (behind the Close reply): so this side ends, and the client's own end is awaited
    // for a while, for a clean close on both sides.
    let io = ws.get_mut();
    if io.shutdown().await.is_ok() {
        let mut sink = [0; 1024];
        let drain = async { while matches!(io.read(&mut sink).await, Ok(n) if n > 0) {} };
        let _ = tokio::time::timeout(CLOSE_WAIT, drain).await;
    }
}
