//! The corpus: raw requests, the RFC 9112 / RFC 9110 requirement each one exercises,
//! and exactly what a conforming server (with the defaults of `weir::Config`) answers.
//!
//! An outcome is the sequence of responses on the wire until the server closes, and
//! whether the server closes on its own (`Close`) or keeps the connection open until
//! the client half-closes (`Open`). After a half-close the server still answers the
//! complete requests it received, then closes: an incomplete head gets a 400, an
//! incomplete body nothing.
//!
//! Where the RFC lets a server choose between rejecting and repairing (bare CR, NUL,
//! obs-fold…), the expectation is the strict choice weir makes by default; the level is
//! that of the requirement the choice satisfies.

/// How strongly the RFC asks for the expected outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Must,
    Should,
    May,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

/// One response on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// The application's answer: 200 with `x-body-length: N` and a body.
    Hello(u64),
    /// The application's answer to HEAD: 200 with `x-body-length: N`, no body.
    Head(u64),
    /// A response the connection wrote itself (an error, or `100 Continue`): this
    /// status, no `x-body-length`.
    Status(u16),
    /// A response with this status after which the connection is a tunnel.
    Tunnel(u16),
}

/// Whether the server closes the connection by itself once it has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Open,
    Close,
}

/// One case of the corpus.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub name: &'static str,
    pub level: Level,
    /// Where the requirement is, e.g. `9112 §6.3`.
    pub rfc: &'static str,
    /// The bytes the client sends (possibly several pipelined requests).
    pub raw: &'static [u8],
    pub replies: &'static [Reply],
    pub end: End,
}

const fn ok(n: u64) -> Reply {
    Reply::Hello(n)
}

const fn head(n: u64) -> Reply {
    Reply::Head(n)
}

const fn st(status: u16) -> Reply {
    Reply::Status(status)
}

const fn tunnel(status: u16) -> Reply {
    Reply::Tunnel(status)
}

macro_rules! level {
    (MUST) => {
        Level::Must
    };
    (SHOULD) => {
        Level::Should
    };
    (MAY) => {
        Level::May
    };
}

/// `"name" LEVEL "rfc" b"raw" => [replies] Open|Close;`
macro_rules! cases {
    ($($name:literal $level:ident $rfc:literal $raw:literal => [$($reply:expr),*] $end:ident;)*) => {
        /// The hand-written cases.
        pub const TABLE: &[Case] = &[$(Case {
            name: $name,
            level: level!($level),
            rfc: $rfc,
            raw: $raw,
            replies: &[$($reply),*],
            end: End::$end,
        },)*];
    };
}

cases! {
    // ==== request line (RFC 9112 §3) ====================================================
    // "request-line = method SP request-target SP HTTP-version"
    "line/origin-form" MUST "9112 §3.2.1"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "line/origin-form-query" MUST "9112 §3.2.1"
        b"GET /a/b?c=d&e HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "line/origin-form-unknown-path" MUST "9112 §3.2.1"
        b"GET /no/such/route HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    // "A server MUST accept the absolute-form in requests even though most HTTP/1.1
    // clients will only send the absolute-form to a proxy."
    "line/absolute-form" MUST "9112 §3.2.2"
        b"GET http://a/b HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "line/absolute-form-https-port" MUST "9112 §3.2.2"
        b"GET https://a:8443/b?c HTTP/1.1\r\nHost: a:8443\r\n\r\n" => [ok(0)] Open;
    "line/absolute-form-no-path" MUST "9112 §3.2.2"
        b"GET http://a HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    // "When an origin server receives a request with an absolute-form of request-target,
    // the origin server MUST ignore the received Host header field (if any)".
    "line/absolute-form-other-host" MUST "9112 §3.2.2"
        b"GET http://a/ HTTP/1.1\r\nHost: b\r\n\r\n" => [ok(0)] Open;
    // RFC 9110 §4.2.1: "A sender MUST NOT generate an "http" URI with an empty host
    // identifier. A recipient that processes such a URI reference MUST reject it as
    // invalid."
    "line/absolute-form-empty-host" MUST "9110 §4.2.1"
        b"GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/absolute-form-only-scheme" MUST "9110 §4.2.1"
        b"GET http:// HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // RFC 9110 §4.2.4: "A recipient SHOULD parse for userinfo and treat its presence as
    // an error; it is likely being used to obscure the authority for the sake of phishing
    // attacks."
    "line/absolute-form-userinfo" SHOULD "9110 §4.2.4"
        b"GET http://u:p@a/ HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // origin-form = absolute-path [ "?" query ]: no fragment.
    "line/fragment" SHOULD "9112 §3.2.1"
        b"GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // "The authority-form of request-target is only used for CONNECT requests."
    "line/authority-form-connect" MUST "9112 §3.2.3"
        b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n" => [tunnel(200)] Open;
    "line/authority-form-connect-ipv6" MUST "9112 §3.2.3"
        b"CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n" => [tunnel(200)] Open;
    "line/connect-origin-form" SHOULD "9112 §3.2.3"
        b"CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/connect-no-port" SHOULD "9112 §3.2.3"
        b"CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // RFC 9110 §9.3.6: "A server MUST reject a CONNECT request that targets an empty or
    // invalid port number, typically by responding with a 400 (Bad Request) status code."
    "line/connect-empty-port" MUST "9110 §9.3.6"
        b"CONNECT a: HTTP/1.1\r\nHost: a:\r\n\r\n" => [st(400)] Close;
    "line/connect-port-not-digits" MUST "9110 §9.3.6"
        b"CONNECT a:https HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/connect-port-too-large" MUST "9110 §9.3.6"
        b"CONNECT a:99999 HTTP/1.1\r\nHost: a:99999\r\n\r\n" => [st(400)] Close;
    "line/connect-port-zero" SHOULD "9110 §9.3.6"
        b"CONNECT a:0 HTTP/1.1\r\nHost: a:0\r\n\r\n" => [st(400)] Close;
    "line/connect-with-path" SHOULD "9112 §3.2.3"
        b"CONNECT a:443/x HTTP/1.1\r\nHost: a:443\r\n\r\n" => [st(400)] Close;
    "line/connect-userinfo" SHOULD "9112 §3.2.3"
        b"CONNECT u@a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n" => [st(400)] Close;
    // "The asterisk-form of request-target is only used for a server-wide OPTIONS request."
    "line/asterisk-options" MUST "9112 §3.2.4"
        b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "line/asterisk-get" SHOULD "9112 §3.2.4"
        b"GET * HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/asterisk-post" SHOULD "9112 §3.2.4"
        b"POST * HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n" => [st(400)] Close;
    "line/options-origin-form" MUST "9112 §3.2.1"
        b"OPTIONS /x HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "line/relative-target" SHOULD "9112 §3.2"
        b"GET a/b HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/bare-hostname-target" SHOULD "9112 §3.2"
        b"GET www.example.com HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // §3: recipients "MAY instead parse on whitespace-delimited word boundaries"; weir
    // does not, and §2.2: a server SHOULD answer what does not match the grammar with 400.
    "line/double-space-after-method" SHOULD "9112 §3"
        b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/double-space-before-version" SHOULD "9112 §3"
        b"GET /  HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/tab-separators" SHOULD "9112 §3"
        b"GET\t/\tHTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/vt-separator" SHOULD "9112 §3"
        b"GET\x0b/ HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/ff-separator" SHOULD "9112 §3"
        b"GET /\x0cHTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/leading-space" SHOULD "9112 §2.2"
        b" GET / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/trailing-space" SHOULD "9112 §3"
        b"GET / HTTP/1.1 \r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/no-target" SHOULD "9112 §3"
        b"GET HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/method-only" SHOULD "9112 §3"
        b"GET\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/space-in-target" SHOULD "9112 §3.2"
        b"GET /a b HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/nul-in-target" SHOULD "9112 §3.2"
        b"GET /a\x00b HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/del-in-target" SHOULD "9112 §3.2"
        b"GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/non-ascii-target" SHOULD "9112 §3.2"
        b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // §2.2: "A sender MUST NOT generate a bare CR ... A recipient of such a bare CR MUST
    // consider that element to be invalid or replace each bare CR with SP before
    // processing the element or forwarding the message."
    "line/bare-cr-in-target" MUST "9112 §2.2"
        b"GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/bare-cr-terminator" MUST "9112 §2.2"
        b"GET / HTTP/1.1\rHost: a\r\n\r\n" => [st(400)] Close;
    "line/cr-cr-lf" MUST "9112 §2.2"
        b"GET / HTTP/1.1\r\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // §2.2: "a recipient MAY recognize a single LF as a line terminator"; weir does not
    // (by default), so these do not match the grammar: 400.
    "line/bare-lf-terminator" SHOULD "9112 §2.2"
        b"GET / HTTP/1.1\nHost: a\r\n\r\n" => [st(400)] Close;
    "line/all-bare-lf" SHOULD "9112 §2.2"
        b"GET / HTTP/1.1\nHost: a\n\n" => [st(400)] Close;
    "line/bare-lf-final-empty-line" SHOULD "9112 §2.2"
        b"GET / HTTP/1.1\r\nHost: a\r\n\n" => [st(400)] Close;
    "line/garbage" SHOULD "9112 §2.2"
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n" => [st(400)] Close;
    // ==== methods (RFC 9110 §9.1: method = token) ========================================
    "method/post-no-framing" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "method/put" MUST "9110 §9.3.4"
        b"PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi" => [ok(2)] Open;
    "method/delete" MUST "9110 §9.3.5"
        b"DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    // The server answers every method the same way (its contract), though RFC 9110 §9.1
    // says an unknown method SHOULD get 501.
    "method/unknown-token" MAY "9110 §9.1"
        b"FOO / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "method/lowercase" MAY "9110 §9.1"
        b"get / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "method/all-tchars" MAY "9110 §5.6.2"
        b"!#$%&'*+-.^_`|~09AZaz / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "method/not-a-token" SHOULD "9112 §3.1"
        b"G(T / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "method/slash" SHOULD "9112 §3.1"
        b"GE/T / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "method/non-ascii" SHOULD "9112 §3.1"
        b"G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "method/nul" SHOULD "9112 §3.1"
        b"GE\x00T / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // ==== versions (RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT) =========
    "version/1.0" MUST "9112 §2.3"
        b"GET / HTTP/1.0\r\n\r\n" => [ok(0)] Close;
    "version/1.0-with-host" MUST "9112 §2.3"
        b"GET / HTTP/1.0\r\nHost: a\r\n\r\n" => [ok(0)] Close;
    // RFC 9110 §2.5: a recipient of a higher minor version "SHOULD process the message as
    // if it were in the highest minor version within that major version".
    "version/1.2" SHOULD "9110 §2.5"
        b"GET / HTTP/1.2\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "version/1.9" SHOULD "9110 §2.5"
        b"GET / HTTP/1.9\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    // RFC 9110 §15.6.6: 505 "indicates that the server does not support, or refuses to
    // support, the major version of HTTP that was used in the request message".
    "version/2.0" SHOULD "9110 §15.6.6"
        b"GET / HTTP/2.0\r\nHost: a\r\n\r\n" => [st(505)] Close;
    "version/3.0" SHOULD "9110 §15.6.6"
        b"GET / HTTP/3.0\r\nHost: a\r\n\r\n" => [st(505)] Close;
    "version/0.9" MAY "9110 §15.6.6"
        b"GET / HTTP/0.9\r\nHost: a\r\n\r\n" => [st(505)] Close;
    // "HTTP-name = %s"HTTP"" is case-sensitive.
    "version/lowercase-name" SHOULD "9112 §2.3"
        b"GET / http/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "version/junk" SHOULD "9112 §2.3"
        b"GET / HTTX/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "version/no-minor" SHOULD "9112 §2.3"
        b"GET / HTTP/1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "version/two-digit-major" SHOULD "9112 §2.3"
        b"GET / HTTP/11\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "version/two-digit-minor" SHOULD "9112 §2.3"
        b"GET / HTTP/1.10\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "version/three-parts" SHOULD "9112 §2.3"
        b"GET / HTTP/1.1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "version/missing" SHOULD "9112 §2.3"
        b"GET /\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // ==== Host (RFC 9112 §3.2) ==========================================================
    // "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request
    // message that lacks a Host header field and to any request message that contains
    // more than one Host header field line or a Host header field with an invalid field
    // value."
    "host/missing" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\n\r\n" => [st(400)] Close;
    "host/missing-absolute-form" MUST "9112 §3.2"
        b"GET http://a/ HTTP/1.1\r\n\r\n" => [st(400)] Close;
    "host/duplicate" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" => [st(400)] Close;
    "host/duplicate-same-value" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "host/duplicate-empty-first" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost:\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "host/duplicate-case" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n" => [st(400)] Close;
    "host/duplicate-on-1.0" MUST "9112 §3.2"
        b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n" => [st(400)] Close;
    "host/invalid-space" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n" => [st(400)] Close;
    "host/invalid-list" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n" => [st(400)] Close;
    "host/invalid-userinfo" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n" => [st(400)] Close;
    "host/invalid-path" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n" => [st(400)] Close;
    "host/invalid-port" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n" => [st(400)] Close;
    "host/invalid-two-ports" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n" => [st(400)] Close;
    "host/invalid-unclosed-ipv6" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: [::1\r\n\r\n" => [st(400)] Close;
    "host/invalid-non-ascii" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: caf\xc3\xa9\r\n\r\n" => [st(400)] Close;
    "host/invalid-on-1.0" MUST "9112 §3.2"
        b"GET / HTTP/1.0\r\nHost: a b\r\n\r\n" => [st(400)] Close;
    "host/absent-on-1.0" MUST "9112 §3.2"
        b"GET / HTTP/1.0\r\n\r\n" => [ok(0)] Close;
    "host/port" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a:8080\r\n\r\n" => [ok(0)] Open;
    "host/ipv4" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n" => [ok(0)] Open;
    "host/ipv6" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n" => [ok(0)] Open;
    "host/name-case" MUST "9110 §5.1"
        b"GET / HTTP/1.1\r\nhOsT: a\r\n\r\n" => [ok(0)] Open;
    "host/surrounding-whitespace" MUST "9112 §5.1"
        b"GET / HTTP/1.1\r\nHost:  \ta \t\r\n\r\n" => [ok(0)] Open;
    // "If the authority component is missing or undefined for the target URI, then a
    // client MUST send a Host header field with an empty field value."
    "host/empty" MAY "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost:\r\n\r\n" => [ok(0)] Open;
    "host/reg-name-chars" MAY "9110 §7.2"
        b"GET / HTTP/1.1\r\nHost: a-b_c.d~e%20f\r\n\r\n" => [ok(0)] Open;
    // ==== field syntax (RFC 9112 §5, RFC 9110 §5) =======================================
    // "A server MUST reject, with a response status code of 400 (Bad Request), any received
    // request message that contains whitespace between a header field name and colon."
    "field/space-before-colon" MUST "9112 §5.1"
        b"GET / HTTP/1.1\r\nHost : a\r\n\r\n" => [st(400)] Close;
    "field/tab-before-colon" MUST "9112 §5.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nX\t: y\r\n\r\n" => [st(400)] Close;
    "field/space-before-colon-other" MUST "9112 §5.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Y : z\r\n\r\n" => [st(400)] Close;
    // §2.2: "A recipient that receives whitespace between the start-line and the first
    // header field MUST either reject the message as invalid or consume each
    // whitespace-preceded line without further processing of it".
    "field/whitespace-before-first" MUST "9112 §2.2"
        b"GET / HTTP/1.1\r\n X: y\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "field/tab-before-first" MUST "9112 §2.2"
        b"GET / HTTP/1.1\r\n\tX: y\r\nHost: a\r\n\r\n" => [st(400)] Close;
    // "A server that receives an obs-fold in a request message ... MUST either reject the
    // message by sending a 400 (Bad Request) ... or replace each received obs-fold with
    // one or more SP octets".
    "field/obs-fold" MUST "9112 §5.2"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n" => [st(400)] Close;
    "field/obs-fold-tab" MUST "9112 §5.2"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n" => [st(400)] Close;
    "field/obs-fold-empty-value" MUST "9112 §5.2"
        b"GET / HTTP/1.1\r\nX:\r\n a\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "field/obs-fold-host" MUST "9112 §5.2"
        b"GET / HTTP/1.1\r\nHost:\r\n a\r\n\r\n" => [st(400)] Close;
    // RFC 9110 §5.5: "a recipient of CR, LF, or NUL within a field value MUST either
    // reject the message or replace each of those characters with SP".
    "field/nul-in-value" MUST "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n" => [st(400)] Close;
    "field/bare-cr-in-value" MUST "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n" => [st(400)] Close;
    "field/cr-cr-lf" MUST "9112 §2.2"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n" => [st(400)] Close;
    "field/bare-lf-in-value" MUST "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n" => [st(400)] Close;
    // "Field values containing other CTL characters are also invalid; however, recipients
    // MAY retain such characters for the sake of robustness".
    "field/ctl-in-value" MAY "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n" => [st(400)] Close;
    "field/esc-in-value" MAY "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x1bb\r\n\r\n" => [st(400)] Close;
    "field/del-in-value" MAY "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n" => [st(400)] Close;
    // field-vchar = VCHAR / obs-text; HTAB and SP are allowed inside a value.
    "field/obs-text-in-value" SHOULD "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9 \xff\r\n\r\n" => [ok(0)] Open;
    "field/tab-in-value" MUST "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n" => [ok(0)] Open;
    "field/empty-value" MUST "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n" => [ok(0)] Open;
    "field/whitespace-only-value" MUST "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: \t \r\n\r\n" => [ok(0)] Open;
    "field/colon-in-value" MUST "9110 §5.5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: a:b::c\r\n\r\n" => [ok(0)] Open;
    "field/no-space-after-colon" MUST "9112 §5.1"
        b"GET / HTTP/1.1\r\nHost:a\r\nX:y\r\n\r\n" => [ok(0)] Open;
    "field/repeated-name" MUST "9110 §5.3"
        b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nX: 2\r\nx: 3\r\n\r\n" => [ok(0)] Open;
    "field/name-all-tchars" MUST "9110 §5.1"
        b"GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09AZaz: v\r\n\r\n" => [ok(0)] Open;
    // field-name = token: anything else does not match the grammar (§2.2: 400).
    "field/empty-name" SHOULD "9110 §5.1"
        b"GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n" => [st(400)] Close;
    "field/no-colon" SHOULD "9112 §5"
        b"GET / HTTP/1.1\r\nHost: a\r\nX y\r\n\r\n" => [st(400)] Close;
    "field/space-in-name" SHOULD "9110 §5.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nX Y: z\r\n\r\n" => [st(400)] Close;
    "field/bracket-in-name" SHOULD "9110 §5.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nX[1]: z\r\n\r\n" => [st(400)] Close;
    "field/nul-in-name" SHOULD "9110 §5.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nX\x00Y: z\r\n\r\n" => [st(400)] Close;
    "field/non-ascii-name" SHOULD "9110 §5.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nX\xc3\xa9: z\r\n\r\n" => [st(400)] Close;
    "field/bare-cr-in-name" MUST "9112 §2.2"
        b"GET / HTTP/1.1\r\nHost: a\r\nX\rY: z\r\n\r\n" => [st(400)] Close;
    // ==== Content-Length (RFC 9112 §6.3, RFC 9110 §8.6) =================================
    // "If a valid Content-Length header field is present without Transfer-Encoding, its
    // decimal value defines the expected message body length in octets."
    "cl/valid" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" => [ok(5)] Open;
    "cl/zero" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n" => [ok(0)] Open;
    "cl/leading-zeros" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello" => [ok(5)] Open;
    "cl/many-leading-zeros" SHOULD "9110 §8.6"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0000000000000000000000005\r\n\r\nhello"
        => [ok(5)] Open;
    "cl/surrounding-whitespace" MUST "9112 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \t5 \t\r\n\r\nhello" => [ok(5)] Open;
    "cl/name-case" MUST "9110 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\ncONTENT-lENGTH: 5\r\n\r\nhello" => [ok(5)] Open;
    "cl/on-get" MUST "9112 §6.3"
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" => [ok(5)] Open;
    "cl/on-1.0" MUST "9112 §6.3"
        b"POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello" => [ok(5)] Close;
    "cl/body-with-crlf" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n\r\n\r\n\r\n" => [ok(6)] Open;
    "cl/then-request" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(5), ok(0)] Open;
    // "If the sender closes the connection or the recipient times out before the indicated
    // number of octets are received, the recipient MUST consider the message to be
    // incomplete and close the connection."
    "cl/incomplete" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello" => [] Open;
    // RFC 9110 §8.6: a recipient of "the same decimal value repeated as a comma-separated
    // list ... MAY either reject the message as invalid or replace that invalid field
    // value with a single instance of the decimal value".
    "cl/duplicate-equal" MAY "9110 §8.6"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
        => [st(400)] Close;
    "cl/list-equal" MAY "9110 §8.6"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello" => [st(400)] Close;
    "cl/list-trailing-comma" MAY "9110 §5.6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\nhello" => [st(400)] Close;
    // "If a message is received without Transfer-Encoding and with an invalid
    // Content-Length header field, then the message framing is invalid and the recipient
    // MUST treat it as an unrecoverable error ... the server MUST respond with a 400 (Bad
    // Request) status code and then close the connection."
    "cl/duplicate-different" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
        => [st(400)] Close;
    "cl/list-different" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello!" => [st(400)] Close;
    "cl/plus-sign" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello" => [st(400)] Close;
    "cl/minus-sign" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\nhello" => [st(400)] Close;
    "cl/minus-zero" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -0\r\n\r\n" => [st(400)] Close;
    "cl/hex" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello" => [st(400)] Close;
    "cl/decimal-point" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5.0\r\n\r\nhello" => [st(400)] Close;
    "cl/exponent" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5e0\r\n\r\nhello" => [st(400)] Close;
    "cl/space-inside" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\nhello" => [st(400)] Close;
    "cl/letter-suffix" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5a\r\n\r\nhello" => [st(400)] Close;
    "cl/empty" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\nhello" => [st(400)] Close;
    "cl/nul" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\x00\r\n\r\nhello" => [st(400)] Close;
    "cl/vt" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\x0b\r\n\r\nhello" => [st(400)] Close;
    "cl/non-ascii-digit" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \xd9\xa5\r\n\r\nhello" => [st(400)] Close;
    // RFC 9110 §8.6: "a recipient MUST anticipate potentially large decimal numerals and
    // prevent parsing errors due to integer conversion overflows or precision loss due to
    // integer conversion."
    "cl/overflow-u64" MUST "9110 §8.6"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551621\r\n\r\nhello"
        => [st(400)] Close;
    "cl/overflow-huge" MUST "9110 §8.6"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999999999\r\n\r\nhello"
        => [st(400)] Close;
    "cl/space-before-colon" MUST "9112 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\nhello" => [st(400)] Close;
    "cl/obs-fold" MUST "9112 §5.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n 5\r\n\r\nhello" => [st(400)] Close;
    // ==== Transfer-Encoding (RFC 9112 §6.1, §6.3) ======================================
    // §6.3: "If a Transfer-Encoding header field is present and the chunked transfer
    // coding is the final encoding, the message body length is determined by reading and
    // decoding the chunked data until the transfer coding indicates the data is complete."
    "te/chunked" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    // §7: "All transfer-coding names are case-insensitive".
    "te/uppercase" MUST "9112 §7"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "te/mixed-case" MUST "9112 §7"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: cHuNkEd\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "te/name-case" MUST "9110 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\ntRANSFER-eNCODING: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "te/no-space" MUST "9112 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "te/tab-and-trailing-ows" MUST "9112 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked \t\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    // RFC 9110 §5.6.1.2: "A recipient MUST parse and ignore a reasonable number of empty
    // list elements".
    "te/empty-element-after" MUST "9110 §5.6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "te/empty-element-before" MUST "9110 §5.6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "te/on-get" MUST "9112 §6.3"
        b"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "te/then-request" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(5), ok(0)] Open;
    // §6.3: "If a message is received with both a Transfer-Encoding and a Content-Length
    // header field, the Transfer-Encoding overrides the Content-Length. ... A server MAY
    // reject a request that contains both Content-Length and Transfer-Encoding or process
    // such a request in accordance with the Transfer-Encoding alone. Regardless, the
    // server MUST close the connection after responding to such a request".
    "te/with-cl" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/with-cl-first" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/with-cl-zero" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    // §6.1: "A server or client that receives an HTTP/1.0 message containing a
    // Transfer-Encoding header field MUST treat the message as if the framing is faulty,
    // even if a Content-Length is present, and close the connection after processing the
    // message."
    "te/http10" MUST "9112 §6.1"
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/http10-with-cl" MUST "9112 §6.1"
        b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello"
        => [st(400)] Close;
    "te/http10-keep-alive" MUST "9112 §6.1"
        b"POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    // §6.3: "If a Transfer-Encoding header field is present in a request and the chunked
    // transfer coding is not the final encoding, the message body length cannot be
    // determined reliably; the server MUST respond with the 400 (Bad Request) status code
    // and then close the connection."
    "te/chunked-then-gzip" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/chunked-field-then-gzip-field" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/gzip-only" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n" => [st(400)] Close;
    "te/identity" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/empty" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n0\r\n\r\n" => [st(400)] Close;
    "te/empty-field-then-chunked" MAY "9110 §5.6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "te/only-comma" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\n\r\n0\r\n\r\n" => [st(400)] Close;
    "te/xchunked" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/chunked-suffix" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedx\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/quoted" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/vt-after" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/vt-before" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/nul-after" MUST "9110 §5.5"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\x00\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/space-inside" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chun ked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/non-ascii-lookalike" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chun\xc4\xb8ed\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/with-parameter" MAY "9112 §7"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/space-before-colon" MUST "9112 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/obs-fold" MUST "9112 §5.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/leading-whitespace-line" MUST "9112 §2.2"
        b"POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: a\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    // `Transfer_Encoding` is another field: the body has no framing, so it is empty and
    // what follows is the next request.
    "te/underscore-name" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0), ok(0)] Open;
    // A sender "MUST NOT apply the chunked transfer coding more than once": such a body
    // cannot be framed the same way by every recipient.
    "te/chunked-twice-list" SHOULD "9112 §6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "te/chunked-twice-fields" SHOULD "9112 §6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    // §6.1: "A server that receives a request message with a transfer coding it does not
    // understand SHOULD respond with 501 (Not Implemented)."
    "te/gzip-then-chunked" SHOULD "9112 §6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
        => [st(501)] Close;
    "te/gzip-field-then-chunked-field" SHOULD "9112 §6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        => [st(501)] Close;
    "te/identity-then-chunked" SHOULD "9112 §6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n"
        => [st(501)] Close;
    // ==== chunked coding (RFC 9112 §7.1) ================================================
    // "chunk-size = 1*HEXDIG"; "A recipient MUST be able to parse and decode the chunked
    // transfer coding."
    "chunk/two-chunks" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "chunk/empty-body" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" => [ok(0)] Open;
    "chunk/leading-zeros" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0005\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "chunk/many-leading-zeros" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000000000005\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    // "last-chunk = 1*("0") [ chunk-ext ] CRLF"
    "chunk/last-chunk-zeros" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n000\r\n\r\n"
        => [ok(5)] Open;
    "chunk/uppercase-hex" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"
        => [ok(10)] Open;
    "chunk/lowercase-hex" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"
        => [ok(26)] Open;
    "chunk/crlf-in-data" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\na\r\nb\r\n0\r\n\r\n"
        => [ok(4)] Open;
    "chunk/last-chunk-in-data" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n0\r\n\r\n\r\n0\r\n\r\n"
        => [ok(5)] Open;
    // "Recipients MUST anticipate potentially large hexadecimal numerals and prevent
    // parsing errors due to integer conversion overflows or precision loss due to integer
    // conversion."
    "chunk/size-overflow" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-overflow-wraps-to-5" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    // Not 1*HEXDIG: a parser that reads these as a number frames the body differently.
    "chunk/size-0x" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-negative" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-plus" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-not-hex" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\ng\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-empty" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-leading-space" SHOULD "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-trailing-space" SHOULD "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-trailing-tab" SHOULD "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\t\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/size-underscore" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0_5\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    // "chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF"
    "chunk/data-not-followed-by-crlf" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n"
        => [st(400)] Close;
    "chunk/data-longer-than-size" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/data-shorter-than-size" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhi\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/bare-cr-after-data" MUST "9112 §2.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r0\r\n\r\n"
        => [st(400)] Close;
    "chunk/bare-cr-after-size" MUST "9112 §2.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\rhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    // §2.2 lets a recipient accept a bare LF in the start-line and fields only; chunk
    // lines read leniently are a known smuggling vector.
    "chunk/bare-lf-after-size" SHOULD "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/bare-lf-after-data" SHOULD "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/bare-lf-after-last-chunk" SHOULD "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\n\r\n"
        => [st(400)] Close;
    "chunk/bare-lf-final-line" SHOULD "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\n"
        => [st(400)] Close;
    // "A message that uses a valid chunked transfer encoding is incomplete if the
    // zero-sized chunk that terminates the encoding has not been received." (§8)
    "chunk/incomplete-data" MUST "9112 §8"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel" => [] Open;
    "chunk/no-last-chunk" MUST "9112 §8"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n" => [] Open;
    "chunk/no-final-crlf" MUST "9112 §8"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n" => [] Open;
    // "A recipient MUST ignore unrecognized chunk extensions." chunk-ext = *( BWS ";" BWS
    // chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ); RFC 9110 §5.6.3: a recipient "MUST
    // parse for such bad whitespace and remove it".
    "chunk/ext-name" MUST "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "chunk/ext-token-value" MUST "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "chunk/ext-quoted-value" MUST "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b c;d\"\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "chunk/ext-quoted-pair" MUST "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\\\"c\"\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "chunk/ext-several" MUST "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a;b=c;d=\"e\"\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "chunk/ext-bws" MUST "9110 §5.6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 ; a = b\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Open;
    "chunk/ext-on-last-chunk" MUST "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0;a=b\r\n\r\n"
        => [ok(5)] Open;
    "chunk/ext-empty" SHOULD "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/ext-no-name" SHOULD "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;=b\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/ext-no-value" SHOULD "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/ext-unterminated-quote" SHOULD "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/ext-space-in-name" SHOULD "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a b\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/ext-nul" SHOULD "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\x00\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/ext-bare-cr" MUST "9112 §2.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\rb\r\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    "chunk/ext-bare-lf" SHOULD "9112 §7.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nhello\r\n0\r\n\r\n"
        => [st(400)] Close;
    // §7.1.2: "trailer-section = *( field-line CRLF )"
    "chunk/trailer" MUST "9112 §7.1.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n"
        => [ok(5)] Open;
    "chunk/trailers-several" MUST "9112 §7.1.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-A: 1\r\nX-B: 2\r\nX-A: 3\r\n\r\n"
        => [ok(5)] Open;
    // Framing fields in a trailer section do not frame anything (RFC 9110 §6.5.1).
    "chunk/trailer-content-length" MUST "9110 §6.5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 10\r\n\r\n"
        => [ok(5)] Open;
    "chunk/trailer-then-request" MUST "9112 §7.1.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(5), ok(0)] Open;
    "chunk/trailer-no-colon" SHOULD "9112 §7.1.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T 1\r\n\r\n"
        => [st(400)] Close;
    "chunk/trailer-space-before-colon" SHOULD "9112 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T : 1\r\n\r\n"
        => [st(400)] Close;
    "chunk/trailer-obs-fold" SHOULD "9112 §5.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n 2\r\n\r\n"
        => [st(400)] Close;
    "chunk/trailer-nul" MUST "9110 §5.5"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: a\x00b\r\n\r\n"
        => [st(400)] Close;
    "chunk/trailer-bare-cr" MUST "9110 §5.5"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: a\rb\r\n\r\n"
        => [st(400)] Close;
    // Heads refuse a bare LF (weir's default); a trailer section is a field section too.
    "chunk/trailer-bare-lf" MAY "9112 §2.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\n\r\n"
        => [st(400)] Close;
    // After the last chunk comes a trailer section and a CRLF, not another request.
    "chunk/last-chunk-then-request" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    // ==== request smuggling (RFC 9112 §6.3, §11.2) =======================================
    // The smuggled request must never be answered as a request of its own.
    // CL.TE: a front end framing by Content-Length forwards the smuggled request as body.
    "smuggle/cl-te" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    // TE.CL: a front end framing by chunked forwards the smuggled request as a chunk.
    "smuggle/te-cl" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    // TE.TE: one of two Transfer-Encoding fields is obfuscated.
    "smuggle/te-te-second-unknown" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-te-first-unknown" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: x\r\nTransfer-Encoding: chunked\r\n\r\n23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-space-before-colon" MUST "9112 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-xchunked" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-vt" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-quoted" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-tab" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-obs-fold" MUST "9112 §5.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-folded-after-other-field" MUST "9112 §5.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nX: y\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-leading-whitespace-line" MUST "9112 §2.2"
        b"POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: a\r\nContent-Length: 40\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-empty-element" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-nul" MUST "9110 §5.5"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\x00\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-bare-cr-line" MUST "9112 §2.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nX: y\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-bare-lf-line" MUST "9112 §2.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nX: y\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-http10" MUST "9112 §6.1"
        b"POST / HTTP/1.0\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    // `Transfer_Encoding` is not Transfer-Encoding: Content-Length frames the body, which
    // holds the smuggled request.
    "smuggle/te-underscore-with-cl" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\nContent-Length: 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(35)] Open;
    // CL.CL
    "smuggle/cl-cl" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/cl-list" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0, 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/cl-space-before-colon" MUST "9112 §5.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/cl-obs-fold" MUST "9112 §5.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/cl-underscore" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent_Length: 35\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0), ok(0)] Open;
    // A GET body that holds a request is body: it is read, not served.
    "smuggle/get-body-is-body" MUST "9112 §6.3"
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(35)] Open;
    "smuggle/head-body-is-body" MUST "9112 §6.3"
        b"HEAD / HTTP/1.1\r\nHost: a\r\nContent-Length: 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [head(35)] Open;
    "smuggle/chunk-holds-request" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n"
        => [ok(35)] Open;
    // Chunk lines that a lenient parser reads as the last chunk.
    "smuggle/chunk-size-0x" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "smuggle/chunk-size-overflow" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/chunk-last-bare-lf" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/chunk-final-bare-lf" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/trailer-bare-lf-end" MUST "9112 §7.1.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-twice-with-cl" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-name-nul" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding\x00: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/te-prefixed-name" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nX-Transfer-Encoding: chunked\r\nContent-Length: 35\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(35)] Open;
    "smuggle/chunked-then-cl-te" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n"
        => [ok(0), st(400)] Close;
    "smuggle/chunk-ext-bare-lf" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2;\nxx\r\n23\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n\r\n0\r\n\r\n"
        => [st(400)] Close;
    "smuggle/chunk-data-bare-lf" MUST "9112 §7.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/expect-with-cl-te" MUST "9112 §6.3"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(400)] Close;
    "smuggle/after-valid-request" MUST "9112 §6.3"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0), st(400)] Close;
    "smuggle/request-line-bare-cr" MUST "9112 §2.2"
        b"GET / HTTP/1.1\rGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "smuggle/host-duplicate" MUST "9112 §3.2"
        b"GET / HTTP/1.1\r\nHost: a\r\nHost: evil\r\n\r\n" => [st(400)] Close;
    // ==== pipelining and persistence (RFC 9112 §9) ======================================
    // §9.3.2: "A server ... MUST send the corresponding responses in the same order that
    // the requests were received."
    "pipeline/three-gets" MUST "9112 §9.3.2"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0), ok(0), ok(0)] Open;
    "pipeline/bodies-in-order" MUST "9112 §9.3.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nxPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nxyPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyz"
        => [ok(1), ok(2), ok(3)] Open;
    "pipeline/chunked-then-cl" MUST "9112 §9.3.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
        => [ok(2), ok(3)] Open;
    "pipeline/head-then-get" MUST "9112 §9.3.2"
        b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => [head(0), ok(0)] Open;
    "pipeline/get-then-head" MUST "9112 §9.3.2"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0), head(0)] Open;
    "pipeline/then-error" SHOULD "9112 §2.2"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0), st(400)] Close;
    "pipeline/empty-line-between" SHOULD "9112 §2.2"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0), ok(0)] Open;
    "pipeline/empty-line-after-body" SHOULD "9112 §2.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(1), ok(0)] Open;
    "pipeline/incomplete-second" MAY "9112 §8"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n" => [ok(0), st(400)] Open;
    // §9.3: "If the "close" connection option is present, the connection will not persist
    // after the current response"; §9.6: "A server that receives a "close" connection
    // option MUST initiate closure of the connection ... after it sends the final response
    // to the request that contained the "close" connection option. ... The server MUST
    // NOT process any further requests received on that connection."
    "conn/close" MUST "9112 §9.6"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" => [ok(0)] Close;
    "conn/close-then-more" MUST "9112 §9.6"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0)] Close;
    "conn/close-second-of-three" MUST "9112 §9.6"
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0), ok(0)] Close;
    "conn/close-uppercase" MUST "9112 §9.6"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0)] Close;
    "conn/close-in-list" MUST "9112 §9.6"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0)] Close;
    "conn/close-second-field" MUST "9112 §9.6"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0)] Close;
    // RFC 9110 §5.6.1.2: "A recipient MUST parse and ignore a reasonable number of empty
    // list elements".
    "conn/close-empty-elements" MUST "9110 §5.6.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: , ,close,\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0)] Close;
    "conn/close-with-body" MUST "9112 §9.6"
        b"POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(5)] Close;
    "conn/close-chunked" MUST "9112 §9.6"
        b"POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [ok(5)] Close;
    "conn/keep-alive-1.1" MUST "9112 §9.3"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0), ok(0)] Open;
    "conn/other-token" MUST "9112 §9.3"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: x-foo, closed\r\n\r\n" => [ok(0)] Open;
    // §9.3: with HTTP/1.0, only the "keep-alive" connection option keeps the connection.
    "conn/1.0-closes" MUST "9112 §9.3"
        b"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n" => [ok(0)] Close;
    "conn/1.0-keep-alive" MUST "9112 §9.3"
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" => [ok(0)] Open;
    "conn/1.0-keep-alive-case" MUST "9112 §9.3"
        b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n" => [ok(0)] Open;
    "conn/1.0-keep-alive-pipelined" MUST "9112 §9.3"
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n"
        => [ok(0), ok(0)] Close;
    "conn/1.0-keep-alive-then-1.1" MUST "9112 §9.3"
        b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(0), ok(0)] Open;
    "conn/1.0-keep-alive-and-close" MUST "9112 §9.3"
        b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\nGET / HTTP/1.0\r\n\r\n"
        => [ok(0)] Close;
    "conn/1.0-keep-alive-body" MUST "9112 §9.3"
        b"POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhiGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [ok(2), ok(0)] Open;
    // ==== Expect (RFC 9110 §10.1.1) =====================================================
    // "an origin server MUST send either: an immediate response with a final status code,
    // ... or an immediate 100 (Continue) response"; "A server that sends a 100 (Continue)
    // response MUST ultimately send a final status code".
    "expect/100-continue" MUST "9110 §10.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"
        => [st(100), ok(5)] Open;
    "expect/100-continue-chunked" MUST "9110 §10.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [st(100), ok(5)] Open;
    // "The origin server MUST NOT wait for the content before sending the 100 (Continue)
    // response."
    "expect/body-not-sent" MUST "9110 §10.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
        => [st(100)] Open;
    // "The Expect field value is case-insensitive."
    "expect/case-insensitive" SHOULD "9110 §10.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n"
        => [st(100)] Open;
    // "A server MAY omit sending a 100 (Continue) response if ... the framing indicates
    // that there is no content."
    "expect/no-content" MAY "9110 §10.1.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n" => [ok(0)] Open;
    "expect/cl-zero" MAY "9110 §10.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"
        => [ok(0)] Open;
    // "A server that receives a 100-continue expectation in an HTTP/1.0 request MUST
    // ignore that expectation." RFC 9110 §15.2: "A server MUST NOT send a 1xx response to
    // an HTTP/1.0 client."
    "expect/http10-ignored" MUST "9110 §10.1.1"
        b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"
        => [ok(5)] Close;
    "expect/then-pipelined" MUST "9112 §9.3.2"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        => [st(100), ok(5), ok(0)] Open;
    "expect/with-close" MUST "9110 §10.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
        => [st(100), ok(5)] Close;
    // "A server that receives an Expect field value containing a member other than
    // 100-continue MAY respond with a 417 (Expectation Failed) status code".
    "expect/unknown" MAY "9110 §10.1.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nExpect: foo\r\n\r\n" => [st(417)] Close;
    "expect/unknown-with-body" MAY "9110 §10.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 5\r\n\r\nhello"
        => [st(417)] Close;
    "expect/100-continue-and-unknown" MAY "9110 §10.1.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, foo\r\nContent-Length: 5\r\n\r\n"
        => [st(417)] Close;
    // Expect = #expectation: an empty list asks for nothing, and RFC 9110 §5.6.1.2: "A
    // recipient MUST parse and ignore a reasonable number of empty list elements".
    "expect/empty-list" MAY "9110 §10.1.1"
        b"GET / HTTP/1.1\r\nHost: a\r\nExpect:\r\n\r\n" => [ok(0)] Open;
    "expect/empty-list-element" MUST "9110 §5.6.1"
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue,\r\nContent-Length: 5\r\n\r\n"
        => [st(100)] Open;
    // ==== Upgrade (RFC 9110 §7.8) and CONNECT ============================================
    // "When Upgrade is sent, the sender MUST also send a Connection header field ... that
    // contains an "upgrade" connection option"; "A server MAY ignore a received Upgrade
    // header field if it wishes to continue using the current protocol".
    "upgrade/without-connection-option" SHOULD "9110 §7.8"
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\n\r\n" => [ok(0)] Open;
    "upgrade/unknown-protocol" MAY "9110 §7.8"
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: foo/1\r\nConnection: upgrade\r\n\r\n" => [ok(0)] Open;
    "upgrade/connection-option-only" MAY "9110 §7.8"
        b"GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n" => [ok(0)] Open;
    "upgrade/echo" MAY "9110 §7.8"
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\n"
        => [tunnel(101)] Open;
    "upgrade/echo-after-body" MAY "9110 §7.8"
        b"POST / HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: upgrade\r\nContent-Length: 2\r\n\r\nhi"
        => [tunnel(101)] Open;
    // "If a server receives both an Upgrade and an Expect header field with the
    // 100-continue expectation, the server MUST send a 100 (Continue) response before
    // sending a 101 (Switching Protocols) response."
    "upgrade/expect-100-first" MUST "9110 §7.8"
        b"POST / HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: upgrade\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"
        => [st(100), tunnel(101)] Open;
    // "A server MUST ignore an Upgrade header field that is received in an HTTP/1.0
    // request."
    "upgrade/http10-ignored" MUST "9110 §7.8"
        b"GET / HTTP/1.0\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\n" => [ok(0)] Close;
    "upgrade/http10-keep-alive-ignored" MUST "9110 §7.8"
        b"GET / HTTP/1.0\r\nUpgrade: echo\r\nConnection: upgrade, keep-alive\r\n\r\n"
        => [ok(0)] Open;
    // ==== HEAD (RFC 9110 §9.3.2, RFC 9112 §6.3) ==========================================
    // §6.3: "Any response to a HEAD request ... is always terminated by the first empty
    // line after the header fields ... and thus cannot contain a message body."
    "head/no-body" MUST "9112 §6.3"
        b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" => [head(0)] Open;
    "head/http10" MUST "9112 §6.3"
        b"HEAD / HTTP/1.0\r\n\r\n" => [head(0)] Close;
    "head/with-chunked-body" MUST "9112 §6.3"
        b"HEAD / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        => [head(5)] Open;
    "head/twice" MUST "9112 §6.3"
        b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /x HTTP/1.1\r\nHost: a\r\n\r\n" => [head(0), head(0)] Open;
    "head/error" SHOULD "9112 §6.3"
        b"HEAD / HTTP/1.1\r\n\r\n" => [st(400)] Close;
    // ==== empty lines before the request line (RFC 9112 §2.2) ============================
    // "a server that is expecting to receive and parse a request-line SHOULD ignore at
    // least one empty line (CRLF) received prior to the request-line."
    "empty-line/one" SHOULD "9112 §2.2"
        b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "empty-line/several" MAY "9112 §2.2"
        b"\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => [ok(0)] Open;
    "empty-line/bare-lf" MAY "9112 §2.2"
        b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "empty-line/whitespace" SHOULD "9112 §2.2"
        b" \r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => [st(400)] Close;
    "empty-line/only" MAY "9112 §2.2"
        b"\r\n\r\n" => [] Open;
}

/// Every case: the table, then the ones too large to write by hand.
pub fn all() -> Vec<Case> {
    let mut all = TABLE.to_vec();
    all.extend(generated());
    all
}

/// Cases built at run time (limits, long bodies): their bytes live as long as the test.
fn generated() -> Vec<Case> {
    fn request(line: &str, fields: &[String], body: &[u8]) -> Vec<u8> {
        let mut raw = format!("{line}\r\n").into_bytes();
        for f in fields {
            raw.extend_from_slice(f.as_bytes());
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(b"\r\n");
        raw.extend_from_slice(body);
        raw
    }
    fn fields(n: usize, value_len: usize) -> Vec<String> {
        let mut f = vec!["Host: a".to_string()];
        f.extend((1..n).map(|i| format!("X-{i}: {}", "v".repeat(value_len))));
        f
    }
    fn chunked(line: &str, body: &[u8]) -> Vec<u8> {
        let te = ["Host: a".into(), "Transfer-Encoding: chunked".into()];
        request(line, &te, body)
    }
    let mut out = Vec::new();
    let mut add = |name, level, rfc, raw: Vec<u8>, replies: &'static [Reply], end| {
        out.push(Case {
            name,
            level,
            rfc,
            raw: Vec::leak(raw),
            replies,
            end,
        })
    };
    use End::{Close, Open};
    use Level::{May, Must, Should};

    // §3: "A server that receives a request-target longer than any URI it wishes to parse
    // MUST respond with a 414 (URI Too Long) status code." The default limit is 8 KiB.
    let target = |n: usize| format!("GET /{} HTTP/1.1", "a".repeat(n));
    let host = ["Host: a".to_string()];
    add(
        "limit/request-line-9000",
        Must,
        "9112 §3",
        request(&target(9000), &host, b""),
        &[Reply::Status(414)],
        Close,
    );
    add(
        "limit/request-line-64k",
        Must,
        "9112 §3",
        request(&target(65_000), &host, b""),
        &[Reply::Status(414)],
        Close,
    );
    // "It is RECOMMENDED that all HTTP senders and recipients support, at a minimum,
    // request-line lengths of 8000 octets."
    add(
        "limit/request-line-8000",
        Should,
        "9112 §3",
        request(&target(7985), &host, b""),
        &[Reply::Hello(0)],
        Open,
    );
    // The boundaries of the defaults (`max_request_line` 8192, `max_head_bytes` 65536).
    add(
        "limit/request-line-8192",
        May,
        "9112 §3",
        request(&target(8178), &host, b""),
        &[Reply::Hello(0)],
        Open,
    );
    add(
        "limit/request-line-8193",
        May,
        "9112 §3",
        request(&target(8179), &host, b""),
        &[Reply::Status(414)],
        Close,
    );
    // RFC 9110 §5.4: "A server that receives a request header field line, field value, or
    // set of fields larger than it wishes to process MUST respond with an appropriate 4xx
    // (Client Error) status code." The defaults: 100 fields, a 64 KiB head (431).
    let get = "GET / HTTP/1.1";
    add(
        "limit/fields-100",
        May,
        "9110 §5.4",
        request(get, &fields(100, 4), b""),
        &[Reply::Hello(0)],
        Open,
    );
    add(
        "limit/fields-101",
        Must,
        "9110 §5.4",
        request(get, &fields(101, 4), b""),
        &[Reply::Status(431)],
        Close,
    );
    add(
        "limit/fields-2000",
        Must,
        "9110 §5.4",
        request(get, &fields(2000, 1), b""),
        &[Reply::Status(431)],
        Close,
    );
    add(
        "limit/head-60k",
        May,
        "9110 §5.4",
        request(get, &fields(2, 60_000), b""),
        &[Reply::Hello(0)],
        Open,
    );
    add(
        "limit/head-65536",
        May,
        "9110 §5.4",
        request(get, &fields(2, 65_502), b""),
        &[Reply::Hello(0)],
        Open,
    );
    add(
        "limit/head-65537",
        May,
        "9110 §5.4",
        request(get, &fields(2, 65_503), b""),
        &[Reply::Status(431)],
        Close,
    );
    add(
        "limit/head-70k-one-field",
        Must,
        "9110 §5.4",
        request(get, &fields(2, 70_000), b""),
        &[Reply::Status(431)],
        Close,
    );
    add(
        "limit/head-70k-many-fields",
        Must,
        "9110 §5.4",
        request(get, &fields(90, 800), b""),
        &[Reply::Status(431)],
        Close,
    );
    add(
        "limit/head-unterminated",
        Must,
        "9110 §5.4",
        {
            let mut raw = request(get, &fields(1, 0), b"");
            raw.truncate(raw.len() - 2);
            raw.extend(std::iter::repeat_n(b'x', 70_000));
            raw
        },
        &[Reply::Status(431)],
        Close,
    );
    // §7.1.1: "A server ought to limit the total length of chunk extensions received in a
    // request ... and generate an appropriate 4xx (Client Error) response if that amount
    // is exceeded." The default: a 4 KiB chunk line (413).
    let post = "POST / HTTP/1.1";
    add(
        "limit/chunk-ext-5000",
        Should,
        "9112 §7.1.1",
        chunked(
            post,
            format!("5;a={}\r\nhello\r\n0\r\n\r\n", "b".repeat(5000)).as_bytes(),
        ),
        &[Reply::Status(413)],
        Close,
    );
    add(
        "limit/chunk-ext-1000",
        Must,
        "9112 §7.1.1",
        chunked(
            post,
            format!("5;a={}\r\nhello\r\n0\r\n\r\n", "b".repeat(1000)).as_bytes(),
        ),
        &[Reply::Hello(5)],
        Open,
    );
    // The default trailer section limit is 16 KiB (431).
    add(
        "limit/trailers-20k",
        Should,
        "9110 §5.4",
        chunked(
            post,
            format!("5\r\nhello\r\n0\r\nX-T: {}\r\n\r\n", "t".repeat(20_000)).as_bytes(),
        ),
        &[Reply::Status(431)],
        Close,
    );
    // Bodies are streamed: a large one is counted exactly.
    let cl = |n: usize| vec!["Host: a".to_string(), format!("Content-Length: {n}")];
    add(
        "body/cl-20000",
        Must,
        "9112 §6.3",
        request(post, &cl(20_000), &[b'x'; 20_000]),
        &[Reply::Hello(20_000)],
        Open,
    );
    add(
        "body/chunked-500-chunks",
        Must,
        "9112 §7.1",
        chunked(
            post,
            format!("{}0\r\n\r\n", "1\r\nx\r\n".repeat(500)).as_bytes(),
        ),
        &[Reply::Hello(500)],
        Open,
    );
    add(
        "body/chunked-big-chunk",
        Must,
        "9112 §7.1",
        chunked(
            post,
            format!("4e20\r\n{}\r\n0\r\n\r\n", "y".repeat(20_000)).as_bytes(),
        ),
        &[Reply::Hello(20_000)],
        Open,
    );
    // §9.3.2: responses to pipelined requests, in order.
    let one = request(get, &host, b"");
    add(
        "pipeline/thirty-gets",
        Must,
        "9112 §9.3.2",
        one.repeat(30),
        &[Reply::Hello(0); 30],
        Open,
    );
    // §2.2: "SHOULD ignore at least one empty line"; weir ignores any number.
    add(
        "empty-line/thousand",
        May,
        "9112 §2.2",
        [b"\r\n".repeat(1000), one].concat(),
        &[Reply::Hello(0)],
        Open,
    );
    out
}
