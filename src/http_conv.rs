//! Conversions between weir's heads and the `http` crate's (the `http` feature).
//!
//! `TryFrom` in both directions, for [`Request`] and [`Response`] against
//! `http::Request<()>`, `http::Response<()>` and their `Parts` (split an
//! `http::Request<B>` with `into_parts` to convert its head and keep its body).
//!
//! `http` lowercases field names and groups values by name, and has no place for a
//! reason phrase, an extended CONNECT's protocol, or a target's spelling where its `Uri`
//! would normalize it; weir puts those into the `Extensions` ([`Fields`],
//! [`ReasonPhrase`], [`ConnectProtocol`], [`RequestTarget`]) and takes them back only
//! while they agree with what the `http` side says, so a weir head survives the trip
//! unchanged and a change made on the `http` side is never undone.

use crate::head::{reason_phrase, Fields, Request, Response, Version};
use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue, ValueIter};
use http::uri::{Authority, PathAndQuery, Scheme, Uri};
use std::borrow::Cow;
use std::collections::HashMap;

/// The reason phrase of a response (HTTP/1.x), kept in an `http::Response`'s extensions.
///
/// Converting a [`Response`] always inserts it. Converting back without it gives the
/// standard phrase of the status on HTTP/1.x ([`reason_phrase`]) and none on HTTP/2.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReasonPhrase(pub Bytes);

/// The protocol of an extended CONNECT (RFC 8441 `:protocol`, e.g. `websocket`), kept in
/// an `http::Request`'s extensions: [`Request::protocol`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConnectProtocol(pub Bytes);

/// A request's target, scheme and authority exactly as weir held them, kept in an
/// `http::Request`'s extensions beside the `Uri` made of them.
///
/// Converting a [`Request`] always inserts it. Converting back, it is used only if it
/// still makes the same `Uri` (compared component by component, byte for byte);
/// otherwise the target comes from the `Uri` alone. It keeps what a `Uri` cannot:
/// an absolute-form target on HTTP/2 beside `scheme` and `authority`, a scheme's case, an
/// absolute-form target without a path, a fragment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestTarget {
    /// [`Request::target`].
    pub target: Bytes,
    /// [`Request::scheme`].
    pub scheme: Option<Bytes>,
    /// [`Request::authority`].
    pub authority: Option<Bytes>,
}

/// Why a head could not be converted to or from the `http` crate's types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpConvertError {
    /// The method is not a token, which `http::Method` requires.
    #[error("method `{}` is not a valid http::Method", lossy(.0))]
    Method(Bytes),
    /// A field name that `http::HeaderName` refuses.
    #[error("field name `{}` is not a valid http::HeaderName", lossy(.0))]
    FieldName(Bytes),
    /// A field value that `http::HeaderValue` refuses (a control byte other than tab).
    /// The value is left out: it may be a secret.
    #[error("the value of field `{}` is not a valid http::HeaderValue", lossy(.name))]
    FieldValue {
        /// The field's name.
        name: Bytes,
    },
    /// More distinct field names than an `http::HeaderMap` holds (32768).
    #[error("more distinct field names than an http::HeaderMap holds")]
    TooManyFields,
    /// The target, with the scheme and authority, does not make an `http::Uri`.
    #[error(
        "request target `{}`{} is not a valid http::Uri: {detail}",
        lossy(&.target.target),
        pseudo(.target)
    )]
    Target {
        /// What did not convert.
        target: RequestTarget,
        /// What `http` found wrong.
        detail: String,
    },
    /// A status outside `100..=999`, which `http::StatusCode` refuses.
    #[error("status {0} is outside 100..=999")]
    Status(u16),
    /// An `http::Version` that weir does not speak (HTTP/0.9, HTTP/3).
    #[error("{0:?} is not a version weir speaks")]
    Version(http::Version),
}

fn lossy(b: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(b)
}

/// The scheme and authority of a target, for an error message.
fn pseudo(t: &RequestTarget) -> String {
    let given: Vec<String> = [("scheme", &t.scheme), ("authority", &t.authority)]
        .into_iter()
        .filter_map(|(label, v)| Some(format!("{label} `{}`", lossy(v.as_ref()?))))
        .collect();
    if given.is_empty() {
        String::new()
    } else {
        format!(" ({})", given.join(", "))
    }
}

impl RequestTarget {
    /// The `Uri`: scheme, authority and an origin-form or asterisk target joined (as
    /// HTTP/2 carries them), else the target alone, in whichever form it is.
    fn to_uri(&self) -> Result<Uri, HttpConvertError> {
        let fail = |e: &dyn std::fmt::Display| HttpConvertError::Target {
            target: self.clone(),
            detail: e.to_string(),
        };
        match (&self.scheme, &self.authority) {
            (Some(scheme), Some(authority))
                if self.target.starts_with(b"/") || self.target == "*" =>
            {
                let mut parts = http::uri::Parts::default();
                parts.scheme = Some(Scheme::try_from(&scheme[..]).map_err(|e| fail(&e))?);
                parts.authority =
                    Some(Authority::from_maybe_shared(authority.clone()).map_err(|e| fail(&e))?);
                parts.path_and_query = Some(
                    PathAndQuery::from_maybe_shared(self.target.clone()).map_err(|e| fail(&e))?,
                );
                Uri::from_parts(parts).map_err(|e| fail(&e))
            }
            _ => Uri::from_maybe_shared(self.target.clone()).map_err(|e| fail(&e)),
        }
    }

    /// The target a `Uri` stands for: on HTTP/2, scheme and authority apart from the
    /// path (or an authority-form CONNECT, whose authority is also its target, as weir
    /// receives it); on HTTP/1.x, the whole `Uri` as the request line writes it.
    fn from_uri(uri: &Uri, version: Version) -> RequestTarget {
        let text = |s: &str| Bytes::copy_from_slice(s.as_bytes());
        let h2 = version == Version::Http2;
        let path = || uri.path_and_query().map_or("/", PathAndQuery::as_str);
        match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), authority) if h2 => RequestTarget {
                target: text(path()),
                scheme: Some(text(scheme)),
                authority: authority.map(|a| text(a.as_str())),
            },
            (Some(_), _) => RequestTarget {
                target: Bytes::from(uri.to_string()),
                scheme: None,
                authority: None,
            },
            (None, Some(authority)) => RequestTarget {
                target: text(authority.as_str()),
                scheme: None,
                authority: h2.then(|| text(authority.as_str())),
            },
            (None, None) => RequestTarget {
                target: text(path()),
                scheme: None,
                authority: None,
            },
        }
    }
}

/// Whether two `Uri`s are spelled alike (`Uri`'s `==` ignores the authority's case).
fn same_uri(a: &Uri, b: &Uri) -> bool {
    a.scheme_str() == b.scheme_str()
        && a.authority().map(Authority::as_str) == b.authority().map(Authority::as_str)
        && a.path_and_query().map(PathAndQuery::as_str)
            == b.path_and_query().map(PathAndQuery::as_str)
}

fn to_http_version(v: Version) -> http::Version {
    match v {
        Version::Http10 => http::Version::HTTP_10,
        Version::Http11 => http::Version::HTTP_11,
        Version::Http2 => http::Version::HTTP_2,
    }
}

fn from_http_version(v: http::Version) -> Result<Version, HttpConvertError> {
    match v {
        http::Version::HTTP_10 => Ok(Version::Http10),
        http::Version::HTTP_11 => Ok(Version::Http11),
        http::Version::HTTP_2 => Ok(Version::Http2),
        other => Err(HttpConvertError::Version(other)),
    }
}

/// Every field, in order; never-indexed fields stay sensitive.
fn header_map(fields: &Fields) -> Result<HeaderMap, HttpConvertError> {
    // The capacity counts distinct names, which may be far fewer than the fields: if
    // the fields alone are too many, let the names decide.
    let mut map = HeaderMap::try_with_capacity(fields.len()).unwrap_or_default();
    for (i, f) in fields.iter().enumerate() {
        let name = HeaderName::from_bytes(f.name)
            .map_err(|_| HttpConvertError::FieldName(Bytes::copy_from_slice(f.name)))?;
        // A received section hands out its values without a copy.
        let bytes = fields.value_bytes(i).unwrap_or_default();
        let mut value =
            HeaderValue::from_maybe_shared(bytes).map_err(|_| HttpConvertError::FieldValue {
                name: Bytes::copy_from_slice(f.name),
            })?;
        value.set_sensitive(f.sensitive);
        map.try_append(name, value)
            .map_err(|_| HttpConvertError::TooManyFields)?;
    }
    Ok(map)
}

/// The fields of a `HeaderMap`: `original`'s names and order if it still says the same,
/// else the map's lowercase names, grouped by name.
fn fields_of(map: &HeaderMap, original: Option<Fields>) -> Fields {
    if let Some(fields) = original.and_then(|o| restore(map, o)) {
        return fields;
    }
    let mut fields = Fields::with_capacity(map.len());
    for (name, value) in map {
        if value.is_sensitive() {
            fields.append_sensitive(name, value.as_bytes());
        } else {
            fields.append(name, value.as_bytes());
        }
    }
    fields
}

/// `original` if each of its names has, in the map, the same values in the same order
/// and nothing more. That is stricter than the same (name, value) pairs in any order:
/// the order of a name's values means something (`Via`, `Forwarded`) and `http` keeps
/// it, so a map whose values were reordered has changed. Sensitivity is taken from the
/// map, which may have set or cleared it without touching a value.
fn restore(map: &HeaderMap, original: Fields) -> Option<Fields> {
    if original.len() != map.len() {
        return None;
    }
    let mut values: HashMap<HeaderName, ValueIter<'_, HeaderValue>> = HashMap::new();
    let mut sensitive = Vec::with_capacity(original.len());
    for f in &original {
        let name = HeaderName::from_bytes(f.name).ok()?;
        let value = values
            .entry(name)
            .or_insert_with_key(|name| map.get_all(name).into_iter())
            .next()?;
        if value.as_bytes() != f.value {
            return None;
        }
        sensitive.push(value.is_sensitive());
    }
    // As many fields as values, each matched to a distinct value: the map holds nothing
    // else.
    if original
        .iter()
        .zip(&sensitive)
        .all(|(f, &s)| f.sensitive == s)
    {
        return Some(original);
    }
    let mut fields = Fields::with_capacity(original.len());
    for (f, s) in original.iter().zip(sensitive) {
        if s {
            fields.append_sensitive(f.name, f.value);
        } else {
            fields.append(f.name, f.value);
        }
    }
    Some(fields)
}

/// A request head as `http`'s: method, `Uri`, version and fields; [`Fields`],
/// [`RequestTarget`] and (for an extended CONNECT) [`ConnectProtocol`] go into the
/// extensions.
impl TryFrom<Request> for http::request::Parts {
    type Error = HttpConvertError;

    fn try_from(req: Request) -> Result<http::request::Parts, HttpConvertError> {
        let method = http::Method::from_bytes(&req.method)
            .map_err(|_| HttpConvertError::Method(req.method.clone()))?;
        let target = RequestTarget {
            target: req.target,
            scheme: req.scheme,
            authority: req.authority,
        };
        let uri = target.to_uri()?;
        let headers = header_map(&req.fields)?;
        let (mut parts, ()) = http::Request::new(()).into_parts();
        parts.method = method;
        parts.uri = uri;
        parts.version = to_http_version(req.version);
        parts.headers = headers;
        parts.extensions.insert(req.fields);
        parts.extensions.insert(target);
        if let Some(protocol) = req.protocol {
            parts.extensions.insert(ConnectProtocol(protocol));
        }
        Ok(parts)
    }
}

/// A request head as `http`'s, with an empty body: see the conversion to
/// `http::request::Parts`.
///
/// ```
/// use weir::{Fields, Request, Version};
///
/// let mut req = Request::new("GET", "/a?b")
///     .version(Version::Http2)
///     .field("Accept", "text/html")
///     .field("X-Trace", "1");
/// req.scheme = Some("https".into());
/// req.authority = Some("example.com".into());
///
/// let http_req = http::Request::try_from(req.clone()).unwrap();
/// assert_eq!(http_req.uri(), "https://example.com/a?b");
/// assert_eq!(http_req.version(), http::Version::HTTP_2);
/// assert_eq!(http_req.headers()["x-trace"], "1");
/// // The original case and order ride along in the extensions.
/// let original = http_req.extensions().get::<Fields>().unwrap();
/// assert_eq!(original.iter().next().unwrap().name, b"Accept");
///
/// assert_eq!(Request::try_from(http_req).unwrap(), req);
/// ```
impl TryFrom<Request> for http::Request<()> {
    type Error = HttpConvertError;

    fn try_from(req: Request) -> Result<http::Request<()>, HttpConvertError> {
        Ok(http::Request::from_parts(req.try_into()?, ()))
    }
}

/// A request head from `http`'s. The target comes from [`RequestTarget`] if it still
/// makes the `Uri`, else from the `Uri`: on HTTP/2, a scheme and authority become
/// [`Request::scheme`] and [`Request::authority`] and the path and query the target (an
/// authority alone, as for CONNECT, is both authority and target); on HTTP/1.x the `Uri`
/// is the target as written (origin, absolute, authority or asterisk form). The fields
/// keep the case and order of the [`Fields`] extension if it still matches the
/// `HeaderMap` (each name with the same values in the same order), else they are the
/// map's. [`ConnectProtocol`] becomes [`Request::protocol`]. Other extensions are
/// dropped.
///
/// Fails only on a version weir does not speak.
impl TryFrom<http::request::Parts> for Request {
    type Error = HttpConvertError;

    fn try_from(mut parts: http::request::Parts) -> Result<Request, HttpConvertError> {
        let version = from_http_version(parts.version)?;
        let target = parts
            .extensions
            .remove::<RequestTarget>()
            .filter(|t| t.to_uri().is_ok_and(|uri| same_uri(&uri, &parts.uri)))
            .unwrap_or_else(|| RequestTarget::from_uri(&parts.uri, version));
        Ok(Request {
            method: Bytes::copy_from_slice(parts.method.as_str().as_bytes()),
            target: target.target,
            version,
            fields: fields_of(&parts.headers, parts.extensions.remove::<Fields>()),
            scheme: target.scheme,
            authority: target.authority,
            protocol: parts.extensions.remove::<ConnectProtocol>().map(|p| p.0),
        })
    }
}

/// A request head from `http`'s, whose body is `()`: see the conversion from
/// `http::request::Parts`.
impl TryFrom<http::Request<()>> for Request {
    type Error = HttpConvertError;

    fn try_from(req: http::Request<()>) -> Result<Request, HttpConvertError> {
        req.into_parts().0.try_into()
    }
}

/// A response head as `http`'s: status, version and fields; [`Fields`] and
/// [`ReasonPhrase`] go into the extensions.
impl TryFrom<Response> for http::response::Parts {
    type Error = HttpConvertError;

    fn try_from(res: Response) -> Result<http::response::Parts, HttpConvertError> {
        let status = http::StatusCode::from_u16(res.status)
            .map_err(|_| HttpConvertError::Status(res.status))?;
        let headers = header_map(&res.fields)?;
        let (mut parts, ()) = http::Response::new(()).into_parts();
        parts.status = status;
        parts.version = to_http_version(res.version);
        parts.headers = headers;
        parts.extensions.insert(res.fields);
        parts.extensions.insert(ReasonPhrase(res.reason));
        Ok(parts)
    }
}

/// A response head as `http`'s, with an empty body: see the conversion to
/// `http::response::Parts`.
///
/// ```
/// use weir::{ReasonPhrase, Response};
///
/// let mut res = Response::new(200).field("Content-Length", "0");
/// res.reason = "Fine".into();
/// let http_res = http::Response::try_from(res.clone()).unwrap();
/// assert_eq!(http_res.status(), 200);
/// assert_eq!(http_res.extensions().get(), Some(&ReasonPhrase("Fine".into())));
/// assert_eq!(Response::try_from(http_res).unwrap(), res);
/// ```
impl TryFrom<Response> for http::Response<()> {
    type Error = HttpConvertError;

    fn try_from(res: Response) -> Result<http::Response<()>, HttpConvertError> {
        Ok(http::Response::from_parts(res.try_into()?, ()))
    }
}

/// A response head from `http`'s. The reason phrase is the [`ReasonPhrase`] extension,
/// else the status's standard one on HTTP/1.x and none on HTTP/2; the fields are as for
/// a request. Other extensions are dropped.
///
/// Fails only on a version weir does not speak.
impl TryFrom<http::response::Parts> for Response {
    type Error = HttpConvertError;

    fn try_from(mut parts: http::response::Parts) -> Result<Response, HttpConvertError> {
        let version = from_http_version(parts.version)?;
        let status = parts.status.as_u16();
        let reason = match parts.extensions.remove::<ReasonPhrase>() {
            Some(ReasonPhrase(reason)) => reason,
            None if version == Version::Http2 => Bytes::new(),
            None => Bytes::from_static(reason_phrase(status).as_bytes()),
        };
        Ok(Response {
            status,
            reason,
            version,
            fields: fields_of(&parts.headers, parts.extensions.remove::<Fields>()),
        })
    }
}

/// A response head from `http`'s, whose body is `()`: see the conversion from
/// `http::response::Parts`.
impl TryFrom<http::Response<()>> for Response {
    type Error = HttpConvertError;

    fn try_from(res: http::Response<()>) -> Result<Response, HttpConvertError> {
        res.into_parts().0.try_into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn h2(
        mut req: Request,
        scheme: Option<&'static str>,
        authority: Option<&'static str>,
    ) -> Request {
        req.version = Version::Http2;
        req.scheme = scheme.map(Bytes::from);
        req.authority = authority.map(Bytes::from);
        req
    }

    /// Each lowercased name with its values (and sensitivity) in order: what a
    /// `HeaderMap` keeps of a field section.
    type ByName = BTreeMap<String, Vec<(Vec<u8>, bool)>>;

    fn by_name(fields: &Fields) -> ByName {
        let mut out = ByName::new();
        for f in fields {
            let name = String::from_utf8_lossy(f.name).to_ascii_lowercase();
            out.entry(name)
                .or_default()
                .push((f.value.to_vec(), f.sensitive));
        }
        out
    }

    fn map_by_name(map: &HeaderMap) -> ByName {
        let mut out = ByName::new();
        for (name, value) in map {
            out.entry(name.to_string())
                .or_default()
                .push((value.as_bytes().to_vec(), value.is_sensitive()));
        }
        out
    }

    struct RequestCase {
        head: Request,
        method: &'static str,
        /// The `Uri`'s scheme, authority and path-and-query.
        uri: (
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
        ),
        version: http::Version,
    }

    fn request_cases() -> Vec<RequestCase> {
        let mut sensitive = Request::new("GET", "/private").field("Host", "example.com");
        sensitive
            .fields
            .append_sensitive("Authorization", "Bearer secret");
        let mut extended = h2(
            Request::new("CONNECT", "/chat").field("Sec-WebSocket-Version", "13"),
            Some("https"),
            Some("example.com"),
        );
        extended.protocol = Some(Bytes::from_static(b"websocket"));
        vec![
            RequestCase {
                head: Request::new("GET", "/a/b?c=d")
                    .field("Host", "example.com")
                    .field("Accept", "*/*")
                    .field("X-Trace", "1")
                    .field("accept", "text/html"),
                method: "GET",
                uri: (None, None, Some("/a/b?c=d")),
                version: http::Version::HTTP_11,
            },
            RequestCase {
                head: Request::new("GET", "http://example.com:8080/x?y")
                    .field("Host", "example.com:8080"),
                method: "GET",
                uri: (Some("http"), Some("example.com:8080"), Some("/x?y")),
                version: http::Version::HTTP_11,
            },
            RequestCase {
                head: Request::new("CONNECT", "example.com:443").field("Host", "example.com:443"),
                method: "CONNECT",
                uri: (None, Some("example.com:443"), None),
                version: http::Version::HTTP_11,
            },
            RequestCase {
                head: Request::new("OPTIONS", "*").field("Host", "example.com"),
                method: "OPTIONS",
                uri: (None, None, Some("*")),
                version: http::Version::HTTP_11,
            },
            RequestCase {
                head: h2(
                    Request::new("GET", "/a?b").field("Accept", "*/*"),
                    Some("https"),
                    Some("example.com"),
                ),
                method: "GET",
                uri: (Some("https"), Some("example.com"), Some("/a?b")),
                version: http::Version::HTTP_2,
            },
            RequestCase {
                head: h2(
                    Request::new("OPTIONS", "*"),
                    Some("https"),
                    Some("example.com"),
                ),
                method: "OPTIONS",
                uri: (Some("https"), Some("example.com"), Some("*")),
                version: http::Version::HTTP_2,
            },
            RequestCase {
                head: h2(
                    Request::new("CONNECT", "example.com:443"),
                    None,
                    Some("example.com:443"),
                ),
                method: "CONNECT",
                uri: (None, Some("example.com:443"), None),
                version: http::Version::HTTP_2,
            },
            RequestCase {
                head: extended,
                method: "CONNECT",
                uri: (Some("https"), Some("example.com"), Some("/chat")),
                version: http::Version::HTTP_2,
            },
            RequestCase {
                head: Request::new("GET", "/")
                    .version(Version::Http10)
                    .field("User-Agent", "old/1.0"),
                method: "GET",
                uri: (None, None, Some("/")),
                version: http::Version::HTTP_10,
            },
            RequestCase {
                head: sensitive,
                method: "GET",
                uri: (None, None, Some("/private")),
                version: http::Version::HTTP_11,
            },
        ]
    }

    fn uri_parts(uri: &Uri) -> (Option<&str>, Option<&str>, Option<&str>) {
        (
            uri.scheme_str(),
            uri.authority().map(Authority::as_str),
            uri.path_and_query().map(PathAndQuery::as_str),
        )
    }

    #[test]
    fn requests_both_ways() {
        for case in request_cases() {
            let head = &case.head;
            let parts = http::request::Parts::try_from(head.clone()).unwrap();
            assert_eq!(parts.method, case.method, "{head:?}");
            assert_eq!(uri_parts(&parts.uri), case.uri, "{head:?}");
            assert_eq!(parts.version, case.version, "{head:?}");
            assert_eq!(
                map_by_name(&parts.headers),
                by_name(&head.fields),
                "{head:?}"
            );
            assert_eq!(parts.extensions.get::<Fields>(), Some(&head.fields));
            assert_eq!(
                parts.extensions.get::<RequestTarget>(),
                Some(&RequestTarget {
                    target: head.target.clone(),
                    scheme: head.scheme.clone(),
                    authority: head.authority.clone(),
                })
            );
            assert_eq!(
                parts.extensions.get::<ConnectProtocol>().map(|p| &p.0),
                head.protocol.as_ref()
            );
            assert_eq!(&Request::try_from(parts.clone()).unwrap(), head);

            // These heads are as weir receives them: the `Uri` alone gives the target
            // back.
            let mut bare = parts.clone();
            bare.extensions.remove::<RequestTarget>();
            assert_eq!(&Request::try_from(bare.clone()).unwrap(), head);

            // Without the original fields, they are the map's.
            bare.extensions.remove::<Fields>();
            let back = Request::try_from(bare).unwrap();
            assert_eq!(by_name(&back.fields), by_name(&head.fields));
            assert!(back
                .fields
                .iter()
                .all(|f| !f.name.iter().any(u8::is_ascii_uppercase)));

            // The whole request goes the same way as its parts.
            let req = http::Request::try_from(head.clone()).unwrap();
            assert_eq!(uri_parts(req.uri()), case.uri);
            assert_eq!(&Request::try_from(req).unwrap(), head);
        }
    }

    #[test]
    fn responses_both_ways() {
        let mut custom = Response::new(200).field("Content-Type", "text/plain");
        custom.reason = Bytes::from_static(b"Everything Fine");
        let mut empty = Response::new(200).field("Content-Length", "0");
        empty.reason = Bytes::new();
        let mut h2_204 = Response::new(204).field("server", "weir");
        h2_204.version = Version::Http2;
        h2_204.reason = Bytes::new();
        let mut h2_with_reason = Response::new(200);
        h2_with_reason.version = Version::Http2;
        let mut old = Response::new(404).field("Content-Length", "0");
        old.version = Version::Http10;
        let cases = [
            (
                Response::new(200)
                    .field("Content-Length", "5")
                    .field("Set-Cookie", "a=1")
                    .field("set-cookie", "b=2"),
                true,
            ),
            (custom, false),
            (empty, false),
            (Response::new(100), true),
            (
                Response::new(101)
                    .field("Upgrade", "websocket")
                    .field("Connection", "upgrade"),
                true,
            ),
            (Response::new(204), true),
            (h2_204, true),
            (h2_with_reason, false),
            (old, true),
        ];
        for (head, default_reason) in cases {
            let parts = http::response::Parts::try_from(head.clone()).unwrap();
            assert_eq!(parts.status.as_u16(), head.status);
            assert_eq!(parts.version, to_http_version(head.version));
            assert_eq!(map_by_name(&parts.headers), by_name(&head.fields));
            assert_eq!(parts.extensions.get::<Fields>(), Some(&head.fields));
            assert_eq!(
                parts.extensions.get::<ReasonPhrase>(),
                Some(&ReasonPhrase(head.reason.clone()))
            );
            assert_eq!(Response::try_from(parts.clone()).unwrap(), head);

            // Without the extension, the reason is the version's default.
            let mut bare = parts.clone();
            bare.extensions.remove::<ReasonPhrase>();
            let back = Response::try_from(bare).unwrap();
            assert_eq!(back == head, default_reason, "{head:?}");
            let expected: &[u8] = match head.version {
                Version::Http2 => b"",
                _ => reason_phrase(head.status).as_bytes(),
            };
            assert_eq!(back.reason, expected);

            let res = http::Response::try_from(head.clone()).unwrap();
            assert_eq!(res.status(), head.status);
            assert_eq!(Response::try_from(res).unwrap(), head);
        }
    }

    #[test]
    fn requests_built_with_http() {
        let req = |version, method: &str, uri: &str| {
            http::Request::builder()
                .version(version)
                .method(method)
                .uri(uri)
                .header("Accept", "*/*")
                .body(())
                .unwrap()
        };
        let h2 = Request::try_from(req(http::Version::HTTP_2, "GET", "https://example.com/a?b"))
            .unwrap();
        assert_eq!(h2.version, Version::Http2);
        assert_eq!(h2.scheme.as_deref(), Some(&b"https"[..]));
        assert_eq!(h2.authority.as_deref(), Some(&b"example.com"[..]));
        assert_eq!(h2.target, "/a?b");
        assert_eq!(format!("{:?}", h2.fields), "[accept: */*]");

        let h1 = Request::try_from(req(
            http::Version::HTTP_11,
            "GET",
            "https://example.com/a?b",
        ))
        .unwrap();
        assert_eq!((h1.scheme, h1.authority), (None, None));
        assert_eq!(h1.target, "https://example.com/a?b");

        let connect =
            Request::try_from(req(http::Version::HTTP_2, "CONNECT", "example.com:443")).unwrap();
        assert_eq!(connect.method, "CONNECT");
        assert_eq!(connect.target, "example.com:443");
        assert_eq!(connect.authority.as_deref(), Some(&b"example.com:443"[..]));
        assert_eq!(connect.scheme, None);

        let default = Request::try_from(http::Request::new(())).unwrap();
        assert_eq!(default, Request::new("GET", "/"));

        let res =
            Response::try_from(http::Response::builder().status(404).body(()).unwrap()).unwrap();
        assert_eq!(res, Response::new(404));
        let mut h2_res = http::Response::new(());
        *h2_res.version_mut() = http::Version::HTTP_2;
        assert_eq!(Response::try_from(h2_res).unwrap().reason, "");
    }

    /// What a `Uri` cannot spell comes back through [`RequestTarget`], and only while
    /// the `Uri` is unchanged.
    #[test]
    fn target_spelling_kept_until_the_uri_changes() {
        let odd = [
            Request::new("GET", "HTTP://Example.com"),
            Request::new("GET", "/a#fragment"),
            h2(Request::new("GET", "https://example.com/x"), None, None),
            h2(Request::new("GET", "/x"), Some("https"), None),
            h2(Request::new("GET", "/x"), None, Some("example.com")),
            h2(Request::new("CONNECT", "example.com:443"), None, None),
            Request {
                scheme: Some(Bytes::from_static(b"http")),
                authority: Some(Bytes::from_static(b"example.com")),
                ..Request::new("GET", "/x")
            },
        ];
        for head in odd {
            let parts = http::request::Parts::try_from(head.clone()).unwrap();
            assert_eq!(Request::try_from(parts.clone()).unwrap(), head);
            let mut changed = parts;
            changed.uri = Uri::from_static("/other");
            let back = Request::try_from(changed).unwrap();
            assert_eq!(
                (back.target, back.scheme, back.authority),
                (Bytes::from_static(b"/other"), None, None)
            );
        }
        // `Uri`'s own `==` ignores the authority's case; a change of case is a change.
        let head = h2(
            Request::new("GET", "/a"),
            Some("https"),
            Some("example.com"),
        );
        let mut parts = http::request::Parts::try_from(head).unwrap();
        parts.uri = Uri::from_static("https://EXAMPLE.com/a");
        let back = Request::try_from(parts).unwrap();
        assert_eq!(back.authority.as_deref(), Some(&b"EXAMPLE.com"[..]));

        let parts =
            http::request::Parts::try_from(Request::new("GET", "HTTP://Example.com")).unwrap();
        assert_eq!(parts.uri, "http://Example.com/");
        let mut bare = parts;
        bare.extensions.remove::<RequestTarget>();
        assert_eq!(
            Request::try_from(bare).unwrap().target,
            "http://Example.com/"
        );
    }

    #[test]
    fn changed_headers_win_over_the_original_fields() {
        let head = Request::new("GET", "/")
            .field("Host", "a")
            .field("X-Forwarded-For", "1.1.1.1")
            .field("Accept", "*/*")
            .field("x-forwarded-for", "2.2.2.2");
        let parts = || http::request::Parts::try_from(head.clone()).unwrap();
        let lowercase = |req: Request| format!("{:?}", req.fields);

        let mut added = parts();
        added.headers.append("x-new", HeaderValue::from_static("1"));
        assert_eq!(
            lowercase(Request::try_from(added).unwrap()),
            "[host: a, x-forwarded-for: 1.1.1.1, x-forwarded-for: 2.2.2.2, accept: */*, x-new: 1]"
        );

        let mut removed = parts();
        removed.headers.remove("accept");
        assert_eq!(
            lowercase(Request::try_from(removed).unwrap()),
            "[host: a, x-forwarded-for: 1.1.1.1, x-forwarded-for: 2.2.2.2]"
        );

        let mut changed = parts();
        changed
            .headers
            .insert("host", HeaderValue::from_static("b"));
        assert_eq!(
            lowercase(Request::try_from(changed).unwrap()),
            "[host: b, x-forwarded-for: 1.1.1.1, x-forwarded-for: 2.2.2.2, accept: */*]"
        );

        // The same pairs, but one name's values in another order: a change.
        let mut reordered = parts();
        reordered.headers.remove("x-forwarded-for");
        reordered
            .headers
            .append("x-forwarded-for", HeaderValue::from_static("2.2.2.2"));
        reordered
            .headers
            .append("x-forwarded-for", HeaderValue::from_static("1.1.1.1"));
        assert_eq!(
            lowercase(Request::try_from(reordered).unwrap()),
            "[host: a, accept: */*, x-forwarded-for: 2.2.2.2, x-forwarded-for: 1.1.1.1]"
        );

        // Removed and put back as it was: unchanged, so the original case and order.
        let mut restored = parts();
        let host = restored.headers.remove("host").unwrap();
        restored.headers.append("host", host);
        assert_eq!(Request::try_from(restored).unwrap(), head);

        // Only the sensitivity changed: the original case and order, the map's flag.
        let mut flagged = parts();
        flagged
            .headers
            .get_mut("accept")
            .unwrap()
            .set_sensitive(true);
        assert_eq!(
            format!("{:?}", Request::try_from(flagged).unwrap().fields),
            "[Host: a, X-Forwarded-For: 1.1.1.1, Accept: */* (sensitive), x-forwarded-for: 2.2.2.2]"
        );

        // Fields that never matched this map (trailers, say) are not taken for it.
        let mut foreign = parts();
        foreign
            .extensions
            .insert(Fields::from_iter([("Grpc-Status", "0")]));
        assert_eq!(
            lowercase(Request::try_from(foreign).unwrap()),
            "[host: a, x-forwarded-for: 1.1.1.1, x-forwarded-for: 2.2.2.2, accept: */*]"
        );
    }

    #[test]
    fn failures_say_what_failed() {
        let req = |r: Request| http::request::Parts::try_from(r).unwrap_err();
        assert_eq!(
            req(Request::new("GE T", "/")),
            HttpConvertError::Method(Bytes::from_static(b"GE T"))
        );
        assert_eq!(
            req(Request::new("", "/")),
            HttpConvertError::Method(Bytes::new())
        );
        assert_eq!(
            req(Request::new("GET", "/").field("Bad Name", "1")),
            HttpConvertError::FieldName(Bytes::from_static(b"Bad Name"))
        );
        let mut secret = Request::new("GET", "/");
        secret
            .fields
            .append_sensitive("Authorization", "token\nX-Evil: 1");
        let err = req(secret);
        assert_eq!(
            err,
            HttpConvertError::FieldValue {
                name: Bytes::from_static(b"Authorization")
            }
        );
        assert!(!err.to_string().contains("token"), "{err}");

        for (target, scheme, authority) in [
            ("/a b", None, None),
            ("", None, None),
            ("/", Some("ht tp"), Some("example.com")),
            ("/", Some("https"), Some("exa mple.com")),
            ("/a b", Some("https"), Some("example.com")),
        ] {
            let mut head = Request::new("GET", target);
            head.scheme = scheme.map(Bytes::from);
            head.authority = authority.map(Bytes::from);
            let err = req(head.clone());
            assert!(
                matches!(
                    &err,
                    HttpConvertError::Target { target: t, .. }
                        if *t == RequestTarget {
                            target: head.target.clone(),
                            scheme: head.scheme.clone(),
                            authority: head.authority.clone(),
                        }
                ),
                "{err:?}"
            );
        }
        let err = req(Request {
            scheme: Some(Bytes::from_static(b"ht tp")),
            authority: Some(Bytes::from_static(b"example.com")),
            ..Request::new("GET", "/a")
        });
        assert_eq!(
            err.to_string(),
            "request target `/a` (scheme `ht tp`, authority `example.com`) is not a valid \
             http::Uri: invalid scheme"
        );

        let many: Fields = (0..40_000).map(|i| (format!("x-{i}"), "1")).collect();
        let mut head = Request::new("GET", "/");
        head.fields = many;
        assert_eq!(req(head), HttpConvertError::TooManyFields);
        // Many values under few names fit.
        let mut head = Request::new("GET", "/");
        head.fields = (0..40_000).map(|i| (format!("x-{}", i % 4), "1")).collect();
        assert_eq!(
            http::request::Parts::try_from(head).unwrap().headers.len(),
            40_000
        );

        for status in [0, 99, 1000, u16::MAX] {
            let err = http::response::Parts::try_from(Response::new(status)).unwrap_err();
            assert_eq!(err, HttpConvertError::Status(status));
        }
        assert_eq!(
            HttpConvertError::Status(99).to_string(),
            "status 99 is outside 100..=999"
        );
        let mut res = Response::new(200);
        res.fields.append("ok", "\u{7f}");
        assert_eq!(
            http::Response::try_from(res).unwrap_err(),
            HttpConvertError::FieldValue {
                name: Bytes::from_static(b"ok")
            }
        );

        for version in [http::Version::HTTP_09, http::Version::HTTP_3] {
            let mut req = http::Request::new(());
            *req.version_mut() = version;
            assert_eq!(
                Request::try_from(req).unwrap_err(),
                HttpConvertError::Version(version)
            );
            let mut res = http::Response::new(());
            *res.version_mut() = version;
            assert_eq!(
                Response::try_from(res).unwrap_err(),
                HttpConvertError::Version(version)
            );
        }
        assert_eq!(
            HttpConvertError::Version(http::Version::HTTP_3).to_string(),
            "HTTP/3.0 is not a version weir speaks"
        );
    }

    fn token() -> impl Strategy<Value = String> {
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}"
    }

    /// A name from a small pool most of the time, so that names repeat, in any case.
    fn name() -> impl Strategy<Value = String> {
        let pool = prop::sample::select(vec!["accept", "via", "set-cookie", "x-a"]);
        (
            prop_oneof![3 => pool.prop_map(String::from), 1 => token()],
            any::<u64>(),
        )
            .prop_map(|(name, bits)| {
                name.chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if bits >> (i % 64) & 1 == 1 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect()
            })
    }

    /// Visible ASCII, with spaces and tabs inside.
    fn value() -> impl Strategy<Value = String> {
        "([!-~]([ \t!-~]{0,16}[!-~])?)?"
    }

    fn fields() -> impl Strategy<Value = Fields> {
        prop::collection::vec((name(), value(), any::<bool>()), 0..10).prop_map(|list| {
            let mut fields = Fields::new();
            for (name, value, sensitive) in list {
                if sensitive {
                    fields.append_sensitive(name, value);
                } else {
                    fields.append(name, value);
                }
            }
            fields
        })
    }

    fn authority() -> impl Strategy<Value = String> {
        "[a-z0-9-]{1,10}(\\.[a-z0-9-]{1,8}){0,2}(:[0-9]{1,5})?"
    }

    fn origin() -> impl Strategy<Value = String> {
        "/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,16}(\\?[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,12})?"
    }

    /// The (method, target, scheme, authority, protocol) of a request as weir holds it:
    /// HTTP/1.x with the four target forms, HTTP/2 with its pseudo-fields.
    fn request() -> impl Strategy<Value = Request> {
        let h1 = prop_oneof![
            (token(), origin()).prop_map(|(m, t)| (m, t)),
            (token(), "https?", authority(), origin())
                .prop_map(|(m, s, a, t)| (m, format!("{s}://{a}{t}"))),
            authority().prop_map(|a| ("CONNECT".to_owned(), a)),
            Just(("OPTIONS".to_owned(), "*".to_owned())),
        ];
        let h1 = (h1, prop::bool::ANY).prop_map(|((method, target), old)| {
            Request::new(method, target).version(if old {
                Version::Http10
            } else {
                Version::Http11
            })
        });
        let h2 = prop_oneof![
            (
                token(),
                "https?|[a-z][a-z0-9+.-]{0,6}",
                prop::option::of(authority()),
                prop_oneof![4 => origin(), 1 => Just("*".to_owned())]
            )
                .prop_map(|(m, s, a, t)| Request {
                    scheme: Some(s.into()),
                    authority: a.map(Into::into),
                    ..Request::new(m, t)
                }),
            authority().prop_map(|a| Request {
                authority: Some(a.clone().into()),
                ..Request::new("CONNECT", a)
            }),
            ("https?", authority(), origin(), token()).prop_map(|(s, a, t, p)| Request {
                scheme: Some(s.into()),
                authority: Some(a.into()),
                protocol: Some(p.into()),
                ..Request::new("CONNECT", t)
            }),
        ]
        .prop_map(|r| r.version(Version::Http2));
        (prop_oneof![h1, h2], fields()).prop_map(|(mut req, fields)| {
            req.fields = fields;
            req
        })
    }

    fn response() -> impl Strategy<Value = Response> {
        (
            100u16..=999,
            "([!-~]([ \t!-~]{0,16}[!-~])?)?",
            prop::sample::select(vec![Version::Http10, Version::Http11, Version::Http2]),
            fields(),
        )
            .prop_map(|(status, reason, version, fields)| Response {
                status,
                reason: reason.into(),
                version,
                fields,
            })
    }

    proptest! {
        #[test]
        fn requests_come_back_unchanged(head in request()) {
            let parts = http::request::Parts::try_from(head.clone()).unwrap();
            prop_assert_eq!(map_by_name(&parts.headers), by_name(&head.fields));
            prop_assert_eq!(&Request::try_from(parts.clone()).unwrap(), &head);

            // The `Uri` alone says as much, except for a scheme without an authority,
            // which a `Uri` cannot hold.
            let mut bare = parts;
            bare.extensions.remove::<RequestTarget>();
            let back = Request::try_from(bare.clone()).unwrap();
            if head.scheme.is_some() && head.authority.is_none() {
                prop_assert_eq!(back.scheme, None);
            } else {
                prop_assert_eq!(&back, &head);
            }

            bare.extensions.remove::<Fields>();
            let back = Request::try_from(bare).unwrap();
            prop_assert_eq!(by_name(&back.fields), by_name(&head.fields));
        }

        #[test]
        fn responses_come_back_unchanged(head in response()) {
            let parts = http::response::Parts::try_from(head.clone()).unwrap();
            prop_assert_eq!(map_by_name(&parts.headers), by_name(&head.fields));
            prop_assert_eq!(&Response::try_from(parts.clone()).unwrap(), &head);

            let mut bare = parts;
            bare.extensions.remove::<Fields>();
            let back = Response::try_from(bare).unwrap();
            prop_assert_eq!(by_name(&back.fields), by_name(&head.fields));
            prop_assert_eq!(back.reason, head.reason);
        }
    }
}
