//! Request and response heads, and their fields: wire-exact and zero-copy.
//!
//! A head received from a peer keeps the original bytes of every field name and value,
//! in their original case and order, as [`Bytes`] slices of the connection's input
//! buffer. A head you send has the same type and is written exactly as you built it.

use bytes::Bytes;
use std::fmt;

/// The HTTP version of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// HTTP/1.0 (keep-alive is opt-in, no chunked framing).
    Http10,
    /// HTTP/1.1 (RFC 9112).
    Http11,
    /// HTTP/2 (RFC 9113).
    Http2,
}

impl Version {
    /// The version as written on an HTTP/1.x start line.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
            Version::Http2 => "HTTP/2",
        }
    }
}

/// One header or trailer field: a name and a value, both kept byte for byte.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// The name as it appeared on the wire (case preserved).
    pub name: Bytes,
    /// The value, without leading and trailing whitespace (RFC 9110 §5.5).
    pub value: Bytes,
}

impl Field {
    /// A field from anything that converts to [`Bytes`] (`&'static str`, `String`, `Vec<u8>`…).
    pub fn new(name: impl Into<Bytes>, value: impl Into<Bytes>) -> Field {
        Field {
            name: name.into(),
            value: value.into(),
        }
    }

    /// Whether the name equals `name`, ignoring ASCII case (field names are
    /// case-insensitive, RFC 9110 §5.1).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            String::from_utf8_lossy(&self.name),
            String::from_utf8_lossy(&self.value)
        )
    }
}

/// An ordered list of fields: a header section or a trailer section.
///
/// Lookups ignore ASCII case; iteration gives the fields in wire order with their
/// original bytes.
///
/// ```
/// use weir::Fields;
/// let mut fields = Fields::new();
/// fields.append("Content-Type", "text/plain");
/// fields.append("X-Trace", "a");
/// fields.append("x-trace", "b");
/// assert_eq!(fields.get("content-type").unwrap(), "text/plain");
/// assert_eq!(fields.get_all("X-TRACE").count(), 2);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Fields(Vec<Field>);

impl Fields {
    /// An empty field list.
    pub fn new() -> Fields {
        Fields(Vec::new())
    }

    /// An empty field list with room for `n` fields.
    pub fn with_capacity(n: usize) -> Fields {
        Fields(Vec::with_capacity(n))
    }

    /// Adds a field at the end, keeping any others of the same name.
    pub fn append(&mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) {
        self.0.push(Field::new(name, value));
    }

    /// Adds a field unless one of that name is already present.
    pub fn append_if_missing(&mut self, name: &'static str, value: impl Into<Bytes>) {
        if !self.contains(name) {
            self.append(name, value);
        }
    }

    /// Replaces every field named `name` with one field (placed where the first was).
    pub fn set(&mut self, name: &'static str, value: impl Into<Bytes>) {
        let value = value.into();
        match self.0.iter().position(|f| f.is(name)) {
            Some(i) => {
                self.0[i].value = value;
                let mut seen = 0usize;
                self.0.retain(|f| {
                    if f.is(name) {
                        seen += 1;
                        seen == 1
                    } else {
                        true
                    }
                });
            }
            None => self.append(name, value),
        }
    }

    /// Removes every field named `name`; returns how many were removed.
    pub fn remove(&mut self, name: &str) -> usize {
        let before = self.0.len();
        self.0.retain(|f| !f.is(name));
        before - self.0.len()
    }

    /// The value of the first field named `name`.
    pub fn get(&self, name: &str) -> Option<&Bytes> {
        self.0.iter().find(|f| f.is(name)).map(|f| &f.value)
    }

    /// The values of every field named `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Bytes> + 'a {
        self.0.iter().filter(move |f| f.is(name)).map(|f| &f.value)
    }

    /// Whether a field named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|f| f.is(name))
    }

    /// Whether any comma-separated element of any `name` field equals `token`,
    /// ignoring ASCII case (for list fields such as `Connection`, RFC 9110 §5.6.1).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.get_all(name)
            .flat_map(|v| list_elements(v))
            .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
    }

    /// The fields in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, Field> {
        self.0.iter()
    }

    /// The number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn push(&mut self, field: Field) {
        self.0.push(field);
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = &'a Field;
    type IntoIter = std::slice::Iter<'a, Field>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromIterator<Field> for Fields {
    fn from_iter<I: IntoIterator<Item = Field>>(iter: I) -> Fields {
        Fields(iter.into_iter().collect())
    }
}

/// The non-empty elements of a comma-separated list value, trimmed of optional
/// whitespace (RFC 9110 §5.6.1: recipients accept empty elements and ignore them).
pub(crate) fn list_elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|e| !e.is_empty())
}

pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// A request head: method, target, version and header fields.
///
/// ```
/// use weir::Request;
/// let req = Request::new("GET", "/index.html").field("Host", "example.com");
/// assert_eq!(req.method, "GET");
/// assert_eq!(req.fields.get("host").unwrap(), "example.com");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// The method token, e.g. `GET`.
    pub method: Bytes,
    /// The request target exactly as sent (origin, absolute, authority or asterisk form).
    pub target: Bytes,
    /// The protocol version.
    pub version: Version,
    /// The header fields, in wire order.
    pub fields: Fields,
}

impl Request {
    /// An HTTP/1.1 request with no fields.
    pub fn new(method: impl Into<Bytes>, target: impl Into<Bytes>) -> Request {
        Request {
            method: method.into(),
            target: target.into(),
            version: Version::Http11,
            fields: Fields::new(),
        }
    }

    /// Adds a field (builder style).
    pub fn field(mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) -> Request {
        self.fields.append(name, value);
        self
    }

    /// Sets the version (builder style).
    pub fn version(mut self, version: Version) -> Request {
        self.version = version;
        self
    }

    /// Whether the method is `name` (methods are case-sensitive, RFC 9110 §9.1).
    pub fn is_method(&self, name: &str) -> bool {
        self.method == name.as_bytes()
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &String::from_utf8_lossy(&self.method))
            .field("target", &String::from_utf8_lossy(&self.target))
            .field("version", &self.version)
            .field("fields", &self.fields)
            .finish()
    }
}

/// A response head: status, reason phrase, version and header fields.
///
/// ```
/// use weir::Response;
/// let res = Response::new(404).field("content-length", "0");
/// assert_eq!(res.status, 404);
/// assert_eq!(res.reason, "Not Found");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The three-digit status code.
    pub status: u16,
    /// The reason phrase (HTTP/1.x only; may be empty).
    pub reason: Bytes,
    /// The protocol version.
    pub version: Version,
    /// The header fields, in wire order.
    pub fields: Fields,
}

impl Response {
    /// An HTTP/1.1 response with the standard reason phrase and no fields.
    pub fn new(status: u16) -> Response {
        Response {
            status,
            reason: Bytes::from_static(reason_phrase(status).as_bytes()),
            version: Version::Http11,
            fields: Fields::new(),
        }
    }

    /// Adds a field (builder style).
    pub fn field(mut self, name: impl Into<Bytes>, value: impl Into<Bytes>) -> Response {
        self.fields.append(name, value);
        self
    }

    /// Whether this is an informational (1xx) response.
    pub fn is_informational(&self) -> bool {
        (100..200).contains(&self.status)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("reason", &String::from_utf8_lossy(&self.reason))
            .field("version", &self.version)
            .field("fields", &self.fields)
            .finish()
    }
}

/// A received head: a request (on a server) or a response (on a client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// A request head.
    Request(Request),
    /// A response head.
    Response(Response),
}

impl Head {
    /// The request, if this is one.
    pub fn as_request(&self) -> Option<&Request> {
        match self {
            Head::Request(r) => Some(r),
            Head::Response(_) => None,
        }
    }

    /// The response, if this is one.
    pub fn as_response(&self) -> Option<&Response> {
        match self {
            Head::Response(r) => Some(r),
            Head::Request(_) => None,
        }
    }

    /// The header fields.
    pub fn fields(&self) -> &Fields {
        match self {
            Head::Request(r) => &r.fields,
            Head::Response(r) => &r.fields,
        }
    }
}

/// What was parsed of a request before it failed (see [`Event::EarlyError`](crate::Event::EarlyError)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartialRequest {
    /// The method, if the request line got that far.
    pub method: Option<Bytes>,
    /// The target, if the request line got that far.
    pub target: Option<Bytes>,
    /// The version, if the request line was complete.
    pub version: Option<Version>,
    /// The fields parsed before the error (possibly none).
    pub fields: Fields,
}

/// The standard reason phrase of a status code (RFC 9110 §15), or `""`.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_order_and_case() {
        let mut f = Fields::new();
        f.append("X-A", "1");
        f.append("x-b", "2");
        f.append("X-a", "3");
        let names: Vec<_> = f.iter().map(|f| f.name.clone()).collect();
        assert_eq!(names, vec!["X-A", "x-b", "X-a"]);
        assert_eq!(f.get_all("x-a").collect::<Vec<_>>(), vec!["1", "3"]);
    }

    #[test]
    fn set_replaces_all_in_place() {
        let mut f = Fields::new();
        f.append("a", "1");
        f.append("B", "2");
        f.append("b", "3");
        f.set("b", "9");
        assert_eq!(format!("{f:?}"), "[a: 1, B: 9]");
        assert_eq!(f.remove("A"), 1);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn tokens_in_lists() {
        let mut f = Fields::new();
        f.append("Connection", "keep-alive, , Upgrade");
        assert!(f.has_token("connection", "upgrade"));
        assert!(f.has_token("connection", "Keep-Alive"));
        assert!(!f.has_token("connection", "close"));
    }

    #[test]
    fn trim() {
        assert_eq!(trim_ows(b" \t a b\t "), b"a b");
        assert_eq!(trim_ows(b"   "), b"");
    }
}
