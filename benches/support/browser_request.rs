//! The request both HTTP/1.1 parse measurements read: `benches/h1_parse.rs` (times) and
//! weir-bench's `parse-instructions` (instructions).

/// A Chrome navigation request as it appears on the wire (about 400 bytes).
pub const REQUEST: &[u8] = b"GET /search?q=sans-io HTTP/1.1\r\n\
Host: www.example.com\r\n\
Connection: keep-alive\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\n\
Sec-Fetch-Site: none\r\n\
Sec-Fetch-Mode: navigate\r\n\
Sec-Fetch-Dest: document\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: sid=4f2a9c81e0; theme=dark\r\n\
\r\n";

/// Bare httparse into 64 field slots, as a baseline: the least any HTTP/1.1 parser built
/// on it can cost.
#[inline(always)]
pub fn httparse_once(bytes: &[u8]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(bytes) {
        Ok(httparse::Status::Complete(n)) => n + req.headers.len(),
        other => panic!("the benchmark request does not parse: {other:?}"),
    }
}
