//! [`StreamIo`]: one stream as [`AsyncRead`] + [`AsyncWrite`], over weir's
//! [`Duplex`](weir::Duplex) view; the connection's task does the socket I/O.

use crate::link::Views;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use weir::{Fields, Response, StreamId};

/// One stream as an async byte stream (the streaming guide's `Body::Stream`):
/// [`AsyncRead`] gives what the peer sends (its body, or the raw bytes of a tunnel)
/// and ends with it; [`AsyncWrite`] sends this side's, and
/// [`shutdown`](tokio::io::AsyncWriteExt::shutdown) ends it. The two directions are
/// independent, so an echo is `tokio::io::copy` between the halves of
/// [`tokio::io::split`]:
///
/// ```no_run
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// use weir::Request;
/// use weir_tokio::Client;
///
/// # async fn demo() -> std::io::Result<()> {
/// let client = Client::connect("http://127.0.0.1:3000/", Default::default()).await?;
/// let post = Request::new("POST", "/echo").field("host", "127.0.0.1:3000");
/// let mut io = client.send_request(post, false)?;
/// io.write_all(b"Hello, ").await?;
/// io.write_all(b"World!").await?;
/// io.shutdown().await?;
/// assert_eq!(io.response().await?.status, 200);
/// let mut echo = String::new();
/// io.read_to_string(&mut echo).await?;
/// assert_eq!(echo, "Hello, World!");
/// # Ok(())
/// # }
/// ```
///
/// Writes take what the stream's send buffer has room for and wait for room when
/// there is none; reads give the peer's flow-control window back as they take bytes
/// out. Dropping the handle abandons what is left of the stream (see
/// [`Duplex::close`](weir::Duplex::close)).
pub struct StreamIo {
    stream: StreamId,
    link: Arc<dyn Views>,
}

impl std::fmt::Debug for StreamIo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamIo")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

impl StreamIo {
    pub(crate) fn new(stream: StreamId, link: Arc<dyn Views>) -> StreamIo {
        StreamIo { stream, link }
    }

    /// The stream.
    pub fn stream(&self) -> StreamId {
        self.stream
    }

    /// Waits for the response head (a client's stream): the final one, or a 101.
    pub async fn response(&self) -> io::Result<Response> {
        poll_fn(|cx| self.link.poll_response(self.stream, cx)).await
    }

    /// Whether the stream became a tunnel: reads and writes carry its raw bytes.
    pub fn is_tunnel(&self) -> bool {
        self.link.is_tunnel(self.stream)
    }

    /// The trailer section that ended the peer's body, once it came.
    pub fn trailers(&self) -> Option<Fields> {
        self.link.trailers(self.stream)
    }
}

impl AsyncRead for StreamIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        self.link.poll_read(self.stream, cx, buf)
    }
}

impl AsyncWrite for StreamIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.link.poll_write(self.stream, cx, buf)
    }

    /// Written bytes are the connection's at once: its task sends them.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Ends this side: the end of the body, or of this side's half of a tunnel.
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.link.close_write(self.stream))
    }
}

impl Drop for StreamIo {
    fn drop(&mut self) {
        self.link.close(self.stream);
    }
}
