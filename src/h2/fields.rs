//! Heads to and from HTTP/2 field blocks: pseudo-headers and the rules of RFC 9113
//! §8.2–§8.3.

use crate::error::Http2Error;
use crate::h1::parse::parse_content_length;
use crate::head::list_elements;
use crate::{Field, Fields, Priority, Request, Response, Version};
use bytes::Bytes;

/// A field that only means something to one HTTP/1.1 connection (RFC 9113 §8.2.2).
fn is_connection_specific(name: &[u8]) -> bool {
    const NAMES: [&str; 6] = [
        "connection",
        "proxy-connection",
        "keep-alive",
        "transfer-encoding",
        "upgrade",
        "host",
    ];
    NAMES
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
}

/// The fields of a head as they go into an HTTP/2 block: HTTP/1.1's connection-specific
/// fields and Host (sent as `:authority`) are left out, and TE keeps only `trailers`
/// (RFC 9113 §8.2.2), so that a head written for HTTP/1.1 goes out unchanged. Values
/// go without the whitespace around them, which RFC 9113 §8.2.1 forbids on the wire
/// and which is not part of a value (RFC 9110 §5.5): an HTTP/1.1 recipient strips it,
/// so the peer reads the same value on both versions.
fn regular(fields: &Fields) -> impl Iterator<Item = Field<'_>> {
    fields
        .iter()
        .map(|f| Field {
            value: trim_whitespace(f.value),
            ..f
        })
        .filter(|f| {
            if f.name.eq_ignore_ascii_case(b"te") {
                return f.value.eq_ignore_ascii_case(b"trailers");
            }
            !is_connection_specific(f.name)
        })
}

/// `v` without leading and trailing spaces and tabs.
fn trim_whitespace(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

fn pseudo<'a>(name: &'static str, value: &'a [u8]) -> Field<'a> {
    Field {
        name: name.as_bytes(),
        value,
        sensitive: false,
    }
}

/// Splits an absolute-form target (`http://host/path`) into scheme, authority and path.
fn split_absolute(target: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let colon = target.iter().position(|&b| b == b':')?;
    let rest = target[colon..].strip_prefix(b"://")?;
    let slash = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
    let path = if slash == rest.len() {
        &b"/"[..]
    } else {
        &rest[slash..]
    };
    Some((&target[..colon], &rest[..slash], path))
}

/// The fields of a request block: pseudo-headers (RFC 9113 §8.3.1) then the rest.
pub(crate) fn request_fields(req: &Request) -> Vec<Field<'_>> {
    let connect = req.method.as_ref() == b"CONNECT";
    let absolute = if connect {
        None
    } else {
        split_absolute(&req.target)
    };
    let authority = req
        .authority
        .as_deref()
        .or(absolute.map(|a| a.1))
        .or_else(|| req.fields.get("host"));
    let mut out = Vec::with_capacity(5 + req.fields.len());
    out.push(pseudo(":method", &req.method));
    if connect && req.protocol.is_none() {
        // §8.5: CONNECT carries only :method and :authority (the target).
        out.push(pseudo(":authority", authority.unwrap_or(&req.target)));
    } else {
        let scheme = req
            .scheme
            .as_deref()
            .or(absolute.map(|a| a.0))
            .unwrap_or(b"http");
        out.push(pseudo(":scheme", scheme));
        if let Some(a) = authority {
            out.push(pseudo(":authority", a));
        }
        out.push(pseudo(":path", absolute.map_or(&req.target[..], |a| a.2)));
        if let Some(p) = &req.protocol {
            out.push(pseudo(":protocol", p));
        }
    }
    out.extend(regular(&req.fields));
    out
}

/// A request received over HTTP/1.1 that upgraded the connection (RFC 7540 §3.2), as
/// HTTP/2 shows a request: version 2; `scheme`, `authority` and the target (`:path`)
/// from an absolute-form target, else `http`, the Host field's value and the target;
/// without the fields that only meant something to the HTTP/1.1 connection (RFC 9113
/// §8.2.2): those of [`is_connection_specific`] (Host among them: it became the
/// authority, as [`request_fields`] sends it), `HTTP2-Settings` and whatever else the
/// Connection field names, and a TE other than `trailers`. The other fields keep their
/// bytes, name case included, without a copy.
pub(crate) fn upgraded_request(req: Request) -> Request {
    let Request {
        method,
        target,
        mut fields,
        ..
    } = req;
    let (scheme, authority, target) = match split_absolute(&target) {
        // RFC 9112 §3.2.2: the target's authority wins over Host. Rare enough to copy.
        Some((scheme, authority, path)) => (
            Bytes::copy_from_slice(scheme),
            Some(Bytes::copy_from_slice(authority)),
            Bytes::copy_from_slice(path),
        ),
        None => (
            Bytes::from_static(b"http"),
            fields.get_bytes("host"),
            target,
        ),
    };
    let options: Vec<Vec<u8>> = fields
        .get_all("connection")
        .flat_map(list_elements)
        .map(<[u8]>::to_vec)
        .collect();
    fields.retain(|f| {
        if f.name.eq_ignore_ascii_case(b"te") {
            return f.value.eq_ignore_ascii_case(b"trailers");
        }
        !(is_connection_specific(f.name)
            || f.name.eq_ignore_ascii_case(b"http2-settings")
            || options.iter().any(|o| f.name.eq_ignore_ascii_case(o)))
    });
    Request {
        method,
        target,
        version: Version::Http2,
        fields,
        scheme: Some(scheme),
        authority: authority.filter(|a| !a.is_empty()),
        protocol: None,
    }
}

/// The fields of a response block.
pub(crate) fn response_fields<'a>(
    res: &'a Response,
    status: &'a [u8; 3],
) -> impl Iterator<Item = Field<'a>> {
    std::iter::once(pseudo(":status", status)).chain(regular(&res.fields))
}

/// The fields of a trailer block.
pub(crate) fn trailer_fields(fields: &Fields) -> impl Iterator<Item = Field<'_>> {
    regular(fields)
}

/// `status` as three ASCII digits.
pub(crate) fn status_digits(status: u16) -> [u8; 3] {
    let s = status.min(999);
    [
        b'0' + (s / 100) as u8,
        b'0' + (s / 10 % 10) as u8,
        b'0' + (s % 10) as u8,
    ]
}

/// Whether a pseudo-header value (other than `:method`) can be taken as is: no
/// controls, whitespace or DEL (RFC 9113 §8.2.1 forbids CR, LF and NUL in any value;
/// §8.3.1 makes these URI parts, which hold none of the others). An empty `:path` is
/// refused on its own.
pub(crate) fn is_pseudo_value(v: &[u8]) -> bool {
    v.iter().all(|&b| b > b' ' && b != 0x7f)
}

/// Whether a received field passes every check that looks at it alone, and is one
/// that nothing else in its block's checks reads: a pseudo-header other than
/// `:status` with a value as §8.3.1 allows (the block's checks still see its name), or
/// a regular field that [`check_field`] accepts other than Content-Length, Host and
/// Priority.
///
/// The HPACK decoder asks this once per table entry, so that a field sent again by
/// index is not checked again (see `Decoder::decode_checked`). It depends on the
/// field alone, never on the block around it, or a verdict could not be kept.
pub(crate) fn passes(name: &[u8], value: &[u8]) -> bool {
    if let [b':', pseudo @ ..] = name {
        return match pseudo {
            b"method" => crate::h1::parse::is_token(value),
            b"scheme" | b"authority" | b"path" | b"protocol" => is_pseudo_value(value),
            _ => false,
        };
    }
    let read_by_block = match name.len() {
        4 => name == b"host",
        8 => name == b"priority",
        14 => name == b"content-length",
        _ => false,
    };
    !read_by_block
        && check_field(&Field {
            name,
            value,
            sensitive: false,
        })
        .is_ok()
}

/// [`passes`] for each entry of the static table (RFC 7541 Appendix A): bit `i` for
/// index `i + 1`. Computed by a test (`static_verdicts`) rather than at each start.
pub(crate) const STATIC_PASSES: u64 = 0x1eff_ffdf_f7ff_c07f;

/// Whether `checked` (from `Decoder::decode_checked`) marks the `i`th field.
fn marked(checked: u64, i: usize) -> bool {
    i < 64 && checked >> i & 1 == 1
}

/// The octets a field name may hold: RFC 9113 §8.2.1 forbids 0x00-0x20, 0x41-0x5a
/// and 0x7f-0xff, and a name is a token (RFC 9110 §5.1), so a lowercase tchar.
static NAME_OCTET: [bool; 256] = {
    let mut table = crate::h1::parse::TCHAR_TABLE;
    let mut b = b'A';
    while b <= b'Z' {
        table[b as usize] = false;
        b += 1;
    }
    table
};

/// Checks one regular field (RFC 9113 §8.2.1, §8.2.2).
fn check_field(f: &Field<'_>) -> Result<(), Http2Error> {
    // One load per octet and no early exit: names are short.
    let name_ok = f
        .name
        .iter()
        .fold(!f.name.is_empty(), |ok, &b| ok & NAME_OCTET[usize::from(b)]);
    if !name_ok {
        return Err(Http2Error::FieldName);
    }
    // "A field value MUST NOT contain the zero value (ASCII NUL, 0x00), line feed
    // (ASCII LF, 0x0a), or carriage return (ASCII CR, 0x0d) at any position. A field
    // value MUST NOT start or end with an ASCII whitespace character."
    if crate::h1::encode::has_cr_lf_or_nul(f.value)
        || matches!(f.value.first(), Some(b' ' | b'\t'))
        || matches!(f.value.last(), Some(b' ' | b'\t'))
    {
        return Err(Http2Error::FieldValue);
    }
    // §8.2.2: connection-specific fields make a message malformed, and "The only
    // exception to this is the TE header field, which MAY be present in an HTTP/2
    // request; when it is, it MUST NOT contain any value other than 'trailers'."
    // The name is lowercase by now: compared exactly, by length first.
    let refused = match f.name.len() {
        2 => f.name == b"te" && f.value != b"trailers",
        7 => f.name == b"upgrade",
        10 => f.name == b"connection" || f.name == b"keep-alive",
        16 => f.name == b"proxy-connection",
        17 => f.name == b"transfer-encoding",
        _ => false,
    };
    if refused {
        return Err(Http2Error::ConnectionField);
    }
    Ok(())
}

/// Checks the regular fields after the `n` pseudo-headers, but those `checked` marks
/// as passing already (see [`passes`]); returns what the block's checks need.
fn check_regular(fields: &Fields, n: usize, checked: u64) -> Result<Regular<'_>, Http2Error> {
    let mut regular = Regular::default();
    for (i, f) in fields.iter().enumerate().skip(n) {
        if f.name.first() == Some(&b':') {
            // §8.3: "All pseudo-header fields MUST appear in a field block before all
            // regular field lines."
            return Err(Http2Error::PseudoHeader);
        }
        if marked(checked, i) {
            continue;
        }
        check_field(&f)?;
        match f.name {
            b"content-length" => {
                // One value, or a list of identical values (RFC 9110 §8.6).
                let mut values = list_elements(f.value);
                let v = values
                    .next()
                    .and_then(parse_content_length)
                    .ok_or(Http2Error::ContentLength)?;
                if values.any(|o| parse_content_length(o) != Some(v))
                    || regular.length.is_some_and(|l| l != v)
                {
                    return Err(Http2Error::ContentLength);
                }
                regular.length = Some(v);
            }
            b"host" if regular.host.is_none() => regular.host = Some(f.value),
            b"priority" => {
                regular.priority = Some(f.value);
                regular.priorities += 1;
            }
            _ => {}
        }
    }
    Ok(regular)
}

/// What the checks of the regular fields found on the way.
#[derive(Default)]
struct Regular<'a> {
    /// The Content-Length (§8.1.1).
    length: Option<u64>,
    /// The first Host, to compare with `:authority` (§8.3.1).
    host: Option<&'a [u8]>,
    /// The last Priority field (RFC 9218 §5), and how many there are.
    priority: Option<&'a [u8]>,
    priorities: usize,
}

/// A received request block made into a head, with what its fields say of its body
/// and its priority.
pub(crate) struct RequestBlock {
    pub(crate) req: Request,
    /// The Content-Length (§8.1.1).
    pub(crate) length: Option<u64>,
    /// The priority its Priority fields ask for (RFC 9218 §5), or the default.
    pub(crate) priority: Priority,
}

/// A received request block made into a head; also its Content-Length.
///
/// RFC 9113 §8.3.1: `:method`, `:scheme` and `:path` are required (a non-empty path),
/// except CONNECT (§8.5) which has `:authority` and neither of the others, unless it is
/// an extended CONNECT (RFC 8441 §4) carrying `:protocol`.
///
/// `checked` marks fields known to pass the checks of each field alone (see
/// [`passes`]); 0 checks them all.
pub(crate) fn parse_request(mut fields: Fields, checked: u64) -> Result<RequestBlock, Http2Error> {
    let (mut method, mut scheme, mut authority, mut path, mut protocol) =
        (None, None, None, None, None);
    let mut n = 0;
    for f in fields.iter() {
        let slot = match f.name {
            b":method" => &mut method,
            b":scheme" => &mut scheme,
            b":authority" => &mut authority,
            b":path" => &mut path,
            b":protocol" => &mut protocol,
            [b':', ..] => return Err(Http2Error::PseudoHeader),
            _ => break,
        };
        // §8.3: "The same pseudo-header field name MUST NOT appear more than once".
        if slot.replace(f.value).is_some() {
            return Err(Http2Error::PseudoHeader);
        }
        n += 1;
    }
    let Regular {
        length,
        host,
        priority,
        priorities,
    } = check_regular(&fields, n, checked)?;
    let method = method.ok_or(Http2Error::PseudoHeader)?;
    // The pseudo-headers' own checks, unless each of them passed already (n <= 5).
    let all_pseudo = (1u64 << n) - 1;
    if checked & all_pseudo != all_pseudo {
        if !crate::h1::parse::is_token(method) {
            return Err(Http2Error::PseudoHeader);
        }
        for v in [scheme, authority, path, protocol].into_iter().flatten() {
            if !is_pseudo_value(v) {
                return Err(Http2Error::PseudoHeader);
            }
        }
    }
    let connect = method == b"CONNECT";
    if connect && protocol.is_none() {
        if scheme.is_some() || path.is_some() || authority.is_none() {
            return Err(Http2Error::PseudoHeader);
        }
    } else {
        if protocol.is_some() && !connect {
            return Err(Http2Error::PseudoHeader);
        }
        // §8.3.1: ":path ... MUST NOT be empty for "http" or "https" URIs".
        if scheme.is_none() || path.is_none_or(|p| p.is_empty()) {
            return Err(Http2Error::PseudoHeader);
        }
    }
    // §8.3.1: a server SHOULD treat a request whose Host differs from :authority as
    // malformed.
    if let (Some(a), Some(host)) = (authority, host) {
        if a != host {
            return Err(Http2Error::PseudoHeader);
        }
    }
    let bytes = |v: Option<&[u8]>| v.map(|v| pseudo_bytes(&fields, v));
    let target = if connect && protocol.is_none() {
        authority
    } else {
        path
    };
    let (method, target, scheme, authority, protocol) = (
        pseudo_bytes(&fields, method),
        bytes(target).unwrap_or_default(),
        bytes(scheme),
        bytes(authority),
        bytes(protocol),
    );
    // One Priority field, as nearly always, is read as it is; several are joined.
    let priority = match (priority, priorities) {
        (None, _) => Priority::default(),
        (Some(p), 1) => Priority::parse(p).unwrap_or_default(),
        _ => Priority::from_fields(&fields),
    };
    fields.drop_first(n);
    let req = Request {
        method,
        target,
        version: Version::Http2,
        scheme,
        authority,
        protocol,
        fields,
    };
    Ok(RequestBlock {
        req,
        length,
        priority,
    })
}

/// A pseudo-header's value, one of `fields`, as `Bytes`: the values nearly every
/// request carries (a standard method, `http` or `https`, the path `/`) as static
/// bytes, which cost no count on the block's shared store to make or to drop.
fn pseudo_bytes(fields: &Fields, v: &[u8]) -> Bytes {
    let known: &'static [u8] = match v {
        b"GET" => b"GET",
        b"POST" => b"POST",
        b"HEAD" => b"HEAD",
        b"PUT" => b"PUT",
        b"DELETE" => b"DELETE",
        b"OPTIONS" => b"OPTIONS",
        b"PATCH" => b"PATCH",
        b"CONNECT" => b"CONNECT",
        b"http" => b"http",
        b"https" => b"https",
        b"/" => b"/",
        _ => return fields.bytes_of(v),
    };
    Bytes::from_static(known)
}

/// A received response block made into a head; also its Content-Length.
pub(crate) fn parse_response(
    mut fields: Fields,
    checked: u64,
) -> Result<(Response, Option<u64>), Http2Error> {
    let mut status = None;
    let mut n = 0;
    for f in fields.iter() {
        match f.name {
            b":status" if status.is_none() => status = Some(f.value),
            [b':', ..] => return Err(Http2Error::PseudoHeader),
            _ => break,
        }
        n += 1;
    }
    let status = match status {
        Some(&[a @ b'1'..=b'9', b, c]) if b.is_ascii_digit() && c.is_ascii_digit() => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(Http2Error::PseudoHeader),
    };
    let length = check_regular(&fields, n, checked)?.length;
    fields.drop_first(n);
    Ok((
        Response {
            status,
            reason: Bytes::new(),
            version: Version::Http2,
            fields,
        },
        length,
    ))
}

/// Checks a received trailer block: no pseudo-headers (RFC 9113 §8.1).
pub(crate) fn check_trailers(fields: &Fields, checked: u64) -> Result<(), Http2Error> {
    check_regular(fields, 0, checked).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hpack::Decoder;
    use proptest::prelude::*;

    fn block(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().copied().collect()
    }

    /// Every field checked, as for a block from no table.
    fn parse_request_all(fields: Fields) -> Result<RequestBlock, Http2Error> {
        parse_request(fields, 0)
    }

    fn parse_response_all(fields: Fields) -> Result<(Response, Option<u64>), Http2Error> {
        parse_response(fields, 0)
    }

    /// One field representation of a raw HPACK block.
    #[derive(Debug, Clone)]
    enum Rep {
        /// A literal with a literal name, added to the table or not (RFC 7541 §6.2.1,
        /// §6.2.2).
        Literal {
            name: Vec<u8>,
            value: Vec<u8>,
            indexing: bool,
        },
        /// An indexed field (§6.1), taken modulo the entries there are.
        Indexed(u8),
    }

    /// RFC 7541 §5.1, for the tests' own blocks.
    fn integer(mut v: usize, prefix: u8, flags: u8, out: &mut Vec<u8>) {
        let max = (1usize << prefix) - 1;
        if v < max {
            out.push(flags | v as u8);
            return;
        }
        out.push(flags | max as u8);
        v -= max;
        while v >= 128 {
            out.push((v % 128) as u8 | 0x80);
            v /= 128;
        }
        out.push(v as u8);
    }

    fn string(s: &[u8], out: &mut Vec<u8>) {
        integer(s.len(), 7, 0, out);
        out.extend_from_slice(s);
    }

    /// Names and values that each check cares about, and bytes that break them.
    fn name() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            3 => prop::sample::select(vec![
                ":method",
                ":scheme",
                ":authority",
                ":path",
                ":protocol",
                ":status",
                ":x",
                "content-length",
                "host",
                "priority",
                "te",
                "connection",
                "keep-alive",
                "proxy-connection",
                "transfer-encoding",
                "upgrade",
                "Upgrade",
                "accept",
                "x-a",
            ])
            .prop_map(|n| n.as_bytes().to_vec()),
            1 => prop::collection::vec(prop::sample::select(b"aZ:- \0\xe9".to_vec()), 0..4),
        ]
    }

    fn value() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            3 => prop::sample::select(vec![
                "GET", "CONNECT", "http", "/", "", "5", "trailers", "gzip", "u=1", "h:1",
            ])
            .prop_map(|v| v.as_bytes().to_vec()),
            1 => prop::collection::vec(
                prop::sample::select(b"a1/ \t\0\n\r\x7f\x80".to_vec()),
                0..4
            ),
        ]
    }

    fn rep() -> impl Strategy<Value = Rep> {
        prop_oneof![
            (name(), value(), any::<bool>()).prop_map(|(name, value, indexing)| {
                Rep::Literal {
                    name,
                    value,
                    indexing,
                }
            }),
            any::<u8>().prop_map(Rep::Indexed),
        ]
    }

    /// RFC 9113 §8.2.1 and §8.2.2 as written, octet by octet.
    fn check_field_as_written(name: &[u8], value: &[u8]) -> Result<(), Http2Error> {
        let name_ok = !name.is_empty()
            && name.iter().all(|&b| {
                !(b <= 0x20 || (0x41..=0x5a).contains(&b) || b >= 0x7f)
                    && crate::h1::parse::is_tchar(b)
            });
        if !name_ok {
            return Err(Http2Error::FieldName);
        }
        let ws = |b: Option<&u8>| b == Some(&b' ') || b == Some(&b'\t');
        if value.iter().any(|&b| b == 0 || b == b'\n' || b == b'\r')
            || ws(value.first())
            || ws(value.last())
        {
            return Err(Http2Error::FieldValue);
        }
        let specific = [
            &b"connection"[..],
            b"proxy-connection",
            b"keep-alive",
            b"transfer-encoding",
            b"upgrade",
        ];
        if specific.contains(&name) || (name == b"te" && value != b"trailers") {
            return Err(Http2Error::ConnectionField);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn check_field_is_the_rfc_as_written(
            name in name(),
            value in prop_oneof![
                value(),
                prop::collection::vec(any::<u8>(), 0..24),
                Just(b"trailers".to_vec()),
            ],
        ) {
            let f = Field { name: &name, value: &value, sensitive: false };
            prop_assert_eq!(check_field(&f), check_field_as_written(&name, &value));
        }

        /// The verdicts the decoder keeps on its table never change what a block's
        /// checks decide: whatever the fields, and however they came (literal, by
        /// index from either table, again in a later block), a request, a response and
        /// trailers read with the verdicts read exactly as with every field checked.
        #[test]
        fn verdicts_never_change_an_outcome(
            blocks in prop::collection::vec(
                (0..5usize, value(), prop::collection::vec(rep(), 0..8)),
                1..6,
            )
        ) {
            let mut decoder = Decoder::new(4096);
            for (start, pseudo, reps) in blocks {
                let mut entries = decoder.table_entries().len();
                // Most blocks start as a valid request or response would, so that the
                // checks of the rest decide.
                let mut raw = match start {
                    0 => vec![0x82, 0x86, 0x84, 0x81], // GET, http, /, empty authority
                    1 => vec![0x88],                   // 200
                    2 => Vec::new(),
                    // A request with any method, or any path, kept in the table.
                    3 => {
                        let mut raw = vec![0x40];
                        string(b":method", &mut raw);
                        string(&pseudo, &mut raw);
                        entries += 1;
                        raw.extend([0x86, 0x84, 0x81]);
                        raw
                    }
                    _ => {
                        let mut raw = vec![0x82, 0x86, 0x81, 0x40];
                        string(b":path", &mut raw);
                        string(&pseudo, &mut raw);
                        entries += 1;
                        raw
                    }
                };
                for r in reps {
                    match r {
                        Rep::Literal { name, value, indexing } => {
                            raw.push(if indexing { 0x40 } else { 0x00 });
                            string(&name, &mut raw);
                            string(&value, &mut raw);
                            entries += usize::from(indexing);
                        }
                        Rep::Indexed(k) => {
                            integer(1 + usize::from(k) % (61 + entries), 7, 0x80, &mut raw)
                        }
                    }
                }
                let Ok((fields, checked)) = decoder.decode_checked(&raw, 1 << 16) else {
                    continue;
                };
                let request = |c| parse_request(fields.clone(), c)
                    .map(|b| (b.req, b.length, b.priority));
                prop_assert_eq!(request(checked), request(0));
                prop_assert_eq!(
                    parse_response(fields.clone(), checked),
                    parse_response(fields.clone(), 0)
                );
                prop_assert_eq!(
                    check_trailers(&fields, checked),
                    check_trailers(&fields, 0)
                );
            }
        }
    }

    #[test]
    fn requests() {
        let RequestBlock {
            req, length: len, ..
        } = parse_request_all(block(&[
            (":method", "POST"),
            (":scheme", "https"),
            (":authority", "example.com"),
            (":path", "/upload"),
            ("content-length", "5"),
        ]))
        .unwrap();
        assert_eq!(req.method, "POST");
        assert_eq!(req.target, "/upload");
        assert_eq!(req.authority.as_deref(), Some(&b"example.com"[..]));
        assert_eq!(req.fields.len(), 1);
        assert_eq!(len, Some(5));
        let connect =
            parse_request_all(block(&[(":method", "CONNECT"), (":authority", "a:443")])).unwrap();
        assert_eq!(connect.req.target, "a:443");
    }

    #[test]
    fn malformed_requests() {
        let bad: &[&[(&str, &str)]] = &[
            &[(":scheme", "http"), (":path", "/")],
            &[(":method", "GET"), (":path", "/")],
            &[(":method", "GET"), (":scheme", "http"), (":path", "")],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":path", "/"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":status", "200"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                ("a", "1"),
                (":path", "/"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                ("A", "1"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                ("connection", "x"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                ("te", "gzip"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                ("x", " a"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                ("x", "a\r"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                ("content-length", "x"),
            ],
            &[
                (":method", "CONNECT"),
                (":authority", "a:1"),
                (":path", "/"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":path", "/"),
                (":protocol", "ws"),
            ],
            &[
                (":method", "GET"),
                (":scheme", "http"),
                (":authority", "a"),
                (":path", "/"),
                ("host", "b"),
            ],
        ];
        for pairs in bad {
            assert!(parse_request_all(block(pairs)).is_err(), "{pairs:?}");
        }
        assert!(parse_request_all(block(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            ("te", "trailers")
        ]))
        .is_ok());
    }

    #[test]
    fn responses() {
        let (res, _) = parse_response_all(block(&[(":status", "204"), ("x", "1")])).unwrap();
        assert_eq!(res.status, 204);
        assert_eq!(res.fields.len(), 1);
        for bad in [
            &[(":status", "2000")][..],
            &[("x", "1")],
            &[(":status", "20a")],
        ] {
            assert!(parse_response_all(block(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn outgoing_heads_drop_what_only_http11_means() {
        let req = Request::new("GET", "/a")
            .field("Host", "example.com")
            .field("Connection", "keep-alive")
            .field("TE", "trailers")
            .field("Accept", "*/*");
        let names: Vec<_> = request_fields(&req)
            .iter()
            .map(|f| String::from_utf8_lossy(f.name).into_owned())
            .collect();
        assert_eq!(
            names,
            [":method", ":scheme", ":authority", ":path", "TE", "Accept"]
        );
        // RFC 9113 §8.2.1: no whitespace around a value on the wire.
        let padded = Response::new(200).field("x", " a b\t");
        let digits = status_digits(200);
        assert_eq!(
            response_fields(&padded, &digits).nth(1).unwrap().value,
            b"a b"
        );
        let abs = Request::new("GET", "https://h:8/p?q");
        let f = request_fields(&abs);
        assert_eq!(f[1].value, b"https");
        assert_eq!(f[2].value, b"h:8");
        assert_eq!(f[3].value, b"/p?q");
        assert_eq!(status_digits(404), *b"404");
    }
}
