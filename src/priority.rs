//! [`Priority`]: how urgently a response should be sent, and whether it is useful in
//! parts (RFC 9218, Extensible Prioritization Scheme for HTTP).
//!
//! The value is a Structured Fields Dictionary (RFC 8941 §3.2), carried by the
//! `priority` header field and by HTTP/2 PRIORITY_UPDATE frames. [`Priority::parse`]
//! checks the whole dictionary with the grammar of RFC 8941 §4.2 and keeps only the
//! two parameters RFC 9218 defines.

use crate::Fields;
use std::fmt;

/// The priority of a response (RFC 9218 §4).
///
/// On HTTP/2 it decides the order in which queued DATA is sent: lower urgency first;
/// within one urgency, non-incremental responses one after another in stream order,
/// incremental ones sharing the connection a frame at a time.
///
/// ```
/// use weir::Priority;
///
/// let p = Priority::parse(b"u=5, i").unwrap();
/// assert_eq!((p.urgency, p.incremental), (5, true));
/// assert_eq!(p.to_string(), "u=5, i");
/// // Out-of-range and unknown parameters are ignored; a malformed value is not a priority.
/// assert_eq!(Priority::parse(b"u=9, x=?1"), Some(Priority::default()));
/// assert_eq!(Priority::parse(b"u=1,"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Priority {
    /// From 0 (most urgent) to 7 (background tasks); 3 by default (RFC 9218 §4.1).
    /// Values above 7 are treated as 7.
    pub urgency: u8,
    /// Whether the response is useful as its parts arrive, so that it may share the
    /// connection with others of the same urgency; `false` by default (RFC 9218 §4.2).
    pub incremental: bool,
}

impl Default for Priority {
    fn default() -> Priority {
        Priority {
            urgency: Priority::DEFAULT_URGENCY,
            incremental: false,
        }
    }
}

impl Priority {
    /// The urgency of a request that does not say (RFC 9218 §4.1: "The default value
    /// is 3").
    pub const DEFAULT_URGENCY: u8 = 3;
    /// The least urgent level (RFC 9218 §4.1: "reserved for background tasks").
    pub const MAX_URGENCY: u8 = 7;

    /// A priority; an urgency above 7 becomes 7.
    pub const fn new(urgency: u8, incremental: bool) -> Priority {
        Priority {
            urgency: if urgency > Priority::MAX_URGENCY {
                Priority::MAX_URGENCY
            } else {
                urgency
            },
            incremental,
        }
    }

    /// Parses a Priority Field Value such as `u=1, i` (RFC 9218 §4, §5).
    ///
    /// `None` if the value is not a Structured Fields Dictionary (RFC 8941 §4.2.2).
    /// Otherwise the parameters it does not set keep their defaults, and "unknown
    /// priority parameters, priority parameters with out-of-range values, or values of
    /// unexpected types MUST be ignored" (RFC 9218 §4). Of a key given twice, only the
    /// last counts (RFC 8941 §3.2).
    pub fn parse(value: &[u8]) -> Option<Priority> {
        let mut urgency = None;
        let mut incremental = None;
        let mut c = Cursor(value);
        // RFC 8941 §4.2: "Discard any leading SP characters from input_string."
        c.skip_sp();
        while !c.is_empty() {
            let key = c.key()?;
            // §4.2.2: a key without "=" is the Boolean true, with parameters.
            let item = if c.eat(b'=') {
                c.member_value()?
            } else {
                c.parameters()?;
                Bare::Boolean(true)
            };
            match key {
                b"u" => urgency = Some(item),
                b"i" => incremental = Some(item),
                _ => {}
            }
            // §4.2.2: members are separated by a comma with optional whitespace, and a
            // comma must be followed by a member.
            c.skip_ows();
            if c.is_empty() {
                break;
            }
            if !c.eat(b',') {
                return None;
            }
            c.skip_ows();
            if c.is_empty() {
                return None;
            }
        }
        let mut p = Priority::default();
        // RFC 9218 §4.1: "The urgency (`u`) parameter takes an integer between 0 and 7".
        if let Some(Bare::Integer(u @ 0..=7)) = urgency {
            p.urgency = u as u8;
        }
        // RFC 9218 §4.2: "The incremental (`i`) parameter takes an sf-boolean".
        if let Some(Bare::Boolean(i)) = incremental {
            p.incremental = i;
        }
        Some(p)
    }

    /// The priority a request asks for with its `priority` fields (RFC 9218 §5): the
    /// field lines joined with commas as one value (RFC 8941 §4.2), the defaults if
    /// there is none or it does not parse ("When receiving an HTTP request that does
    /// not carry these priority parameters, a server SHOULD act as if their default
    /// values were specified", RFC 9218 §4).
    pub fn from_fields(fields: &Fields) -> Priority {
        let mut lines = fields.get_all("priority");
        let Some(first) = lines.next() else {
            return Priority::default();
        };
        let parsed = match lines.next() {
            None => Priority::parse(first),
            Some(second) => {
                let mut joined = first.to_vec();
                for line in std::iter::once(second).chain(lines) {
                    joined.extend_from_slice(b", ");
                    joined.extend_from_slice(line);
                }
                Priority::parse(&joined)
            }
        };
        parsed.unwrap_or_default()
    }
}

/// The Priority Field Value: `u=N`, then `, i` if incremental (what [`Priority::parse`]
/// reads back as the same priority).
impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "u={}", self.urgency.min(Priority::MAX_URGENCY))?;
        if self.incremental {
            f.write_str(", i")?;
        }
        Ok(())
    }
}

/// What a parsed item is, as far as the priority parameters care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bare {
    Integer(i64),
    Boolean(bool),
    /// A decimal, string, token, byte sequence or inner list.
    Other,
}

/// The input not parsed yet. Every step either consumes and succeeds or returns `None`
/// (RFC 8941: "fail parsing"), so no input can panic.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn next(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.0 = &self.0[1..];
            true
        } else {
            false
        }
    }

    /// Consumes bytes while `f` holds.
    fn skip_while(&mut self, f: impl Fn(u8) -> bool) {
        let n = self.0.iter().take_while(|&&b| f(b)).count();
        self.0 = &self.0[n..];
    }

    fn skip_sp(&mut self) {
        self.skip_while(|b| b == b' ');
    }

    /// OWS, optional whitespace: spaces and horizontal tabs (RFC 9110 §5.6.3).
    fn skip_ows(&mut self) {
        self.skip_while(|b| b == b' ' || b == b'\t');
    }

    /// §4.2.3.3: `key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )`.
    fn key(&mut self) -> Option<&'a [u8]> {
        let start = self.0;
        match self.next()? {
            b'a'..=b'z' | b'*' => {}
            _ => return None,
        }
        self.skip_while(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' | b'*'));
        Some(&start[..start.len() - self.0.len()])
    }

    /// §4.2.2: `member-value = sf-item / inner-list`.
    fn member_value(&mut self) -> Option<Bare> {
        if self.peek() == Some(b'(') {
            self.inner_list()?;
            return Some(Bare::Other);
        }
        self.item()
    }

    /// §4.2.3: `sf-item = bare-item parameters`.
    fn item(&mut self) -> Option<Bare> {
        let bare = self.bare_item()?;
        self.parameters()?;
        Some(bare)
    }

    /// §4.2.1.2: `"(" *SP [ sf-item *( 1*SP sf-item ) *SP ] ")" parameters`.
    fn inner_list(&mut self) -> Option<()> {
        self.next()?;
        loop {
            self.skip_sp();
            if self.eat(b')') {
                return self.parameters();
            }
            self.item()?;
            // "If the first character of input_string is not SP or ")", fail parsing";
            // the end of the input is a failure too.
            match self.peek()? {
                b' ' | b')' => {}
                _ => return None,
            }
        }
    }

    /// §4.2.3.2: `*( ";" *SP key [ "=" bare-item ] )`.
    fn parameters(&mut self) -> Option<()> {
        while self.eat(b';') {
            self.skip_sp();
            self.key()?;
            if self.eat(b'=') {
                self.bare_item()?;
            }
        }
        Some(())
    }

    /// §4.2.3.1: the first character decides the type.
    fn bare_item(&mut self) -> Option<Bare> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => self.number(),
            b'"' => self.string().map(|()| Bare::Other),
            b'A'..=b'Z' | b'a'..=b'z' | b'*' => {
                // §4.2.6: `sf-token = ( ALPHA / "*" ) *( tchar / ":" / "/" )`.
                self.next()?;
                self.skip_while(|b| is_tchar(b) || b == b':' || b == b'/');
                Some(Bare::Other)
            }
            b':' => self.byte_sequence().map(|()| Bare::Other),
            b'?' => {
                // §4.2.8: `sf-boolean = "?" ( "0" / "1" )`.
                self.next()?;
                match self.next()? {
                    b'0' => Some(Bare::Boolean(false)),
                    b'1' => Some(Bare::Boolean(true)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// §4.2.4: an integer of at most 15 digits, or a decimal of at most 12 digits, a
    /// dot and 1 to 3 digits.
    fn number(&mut self) -> Option<Bare> {
        let negative = self.eat(b'-');
        if !self.peek()?.is_ascii_digit() {
            return None;
        }
        let mut value: i64 = 0;
        let mut len = 0;
        let mut dot = None;
        while let Some(b) = self.peek() {
            match b {
                b'0'..=b'9' => value = value * 10 + i64::from(b - b'0'),
                // "If input_number contains more than 12 characters, fail parsing."
                b'.' if dot.is_none() => {
                    if len > 12 {
                        return None;
                    }
                    dot = Some(len);
                }
                _ => break,
            }
            self.next();
            len += 1;
            // "If type is "integer" and input_number contains more than 15
            // characters, fail parsing"; a decimal, more than 16 (its dot included).
            if len > if dot.is_some() { 16 } else { 15 } {
                return None;
            }
        }
        match dot {
            None => Some(Bare::Integer(if negative { -value } else { value })),
            // "If the final character of input_number is ".", fail parsing"; "If the
            // number of characters after "." in input_number is greater than three,
            // fail parsing."
            Some(at) if (1..=3).contains(&(len - at - 1)) => Some(Bare::Other),
            Some(_) => None,
        }
    }

    /// §4.2.5: printable ASCII between double quotes, `\` escaping only `"` and `\`.
    fn string(&mut self) -> Option<()> {
        self.next()?;
        loop {
            match self.next()? {
                b'\\' => match self.next()? {
                    b'"' | b'\\' => {}
                    _ => return None,
                },
                b'"' => return Some(()),
                0x20..=0x7e => {}
                _ => return None,
            }
        }
    }

    /// §4.2.7: base64 between colons. Padding may be missing ("parsers SHOULD NOT fail
    /// when "=" padding is not present"), but is only ever at the end.
    fn byte_sequence(&mut self) -> Option<()> {
        self.next()?;
        let mut len = 0usize;
        let mut padding = 0usize;
        loop {
            match self.next()? {
                b':' => break,
                b'=' => padding += 1,
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' if padding == 0 => {}
                _ => return None,
            }
            len += 1;
        }
        // One base64 character over a multiple of four encodes no whole octet.
        let data = len - padding;
        if padding > 2 || data % 4 == 1 || (padding > 0 && len % 4 != 0) {
            return None;
        }
        Some(())
    }
}

/// RFC 9110 §5.6.2: the characters of a token.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `None`: the value is not a dictionary; otherwise (urgency, incremental).
    const CASES: &[(&str, Option<(u8, bool)>)] = &[
        // RFC 9218's own examples (§4.1, §4.2, §8).
        ("u=0", Some((0, false))),
        ("u=5, i", Some((5, true))),
        ("u=1", Some((1, false))),
        // Defaults: nothing said, or only unknown parameters.
        ("", Some((3, false))),
        ("   ", Some((3, false))),
        ("x=1, visible, foo=\"bar\"", Some((3, false))),
        // Booleans: a bare key is true.
        ("i", Some((3, true))),
        ("i=?1", Some((3, true))),
        ("i=?0", Some((3, false))),
        ("i;p=1", Some((3, true))),
        ("u=2;q=\"x\", i=?1;r", Some((2, true))),
        // Out of range or of the wrong type: ignored, the rest still counts.
        ("u=8, i", Some((3, true))),
        ("u=-1", Some((3, false))),
        ("u=1000000000000000", None),
        ("u=999999999999999", Some((3, false))),
        ("u=1.0", Some((3, false))),
        ("u=?1", Some((3, false))),
        ("u", Some((3, false))),
        ("u=\"1\"", Some((3, false))),
        ("u=(1 2)", Some((3, false))),
        ("u=a1", Some((3, false))),
        ("i=1", Some((3, false))),
        ("i=?0, u=7", Some((7, false))),
        // The last of a repeated key counts, even when it is out of range.
        ("u=1, u=2", Some((2, false))),
        ("u=9, u=2", Some((2, false))),
        ("u=2, u=9", Some((3, false))),
        ("i, i=?0", Some((3, false))),
        // Whitespace: OWS around commas, SP at the ends.
        ("u=1,i", Some((1, true))),
        ("u=1 ,\ti", Some((1, true))),
        (" u=1, i ", Some((1, true))),
        // Every kind of item, in an unknown key.
        ("b=:aGVsbG8=:, u=4", Some((4, false))),
        ("b=:aGVsbG8:, u=4", Some((4, false))),
        ("d=-12.345, u=4", Some((4, false))),
        ("t=*foo/bar:baz, u=4", Some((4, false))),
        ("l=(\"a\" b;c 1.5);d, u=4", Some((4, false))),
        ("l=(), u=4", Some((4, false))),
        ("s=\"a\\\"b\\\\c\", u=4", Some((4, false))),
        ("*k=1, u=4", Some((4, false))),
        // Not a dictionary: the whole value is ignored.
        ("u=1,", None),
        (",u=1", None),
        ("u=1,,i", None),
        ("u=1 i", None),
        ("U=1", None),
        ("1=u", None),
        ("u=", None),
        ("u==1", None),
        ("u=1;", None),
        ("u=1; ", None),
        ("\tu=1", None),
        ("u=-", None),
        ("u=1.", None),
        ("u=1.2345", None),
        ("u=1234567890123.1", None),
        ("u=?2", None),
        ("u=?", None),
        ("s=\"open", None),
        ("s=\"\\n\"", None),
        ("s=\"\u{e9}\"", None),
        ("l=(1 2", None),
        ("l=(1,2)", None),
        ("b=:a=b=:", None),
        ("b=:abcde:", None),
        ("b=:ab$:", None),
        ("b=:abc", None),
        ("u=@1", None),
        ("u=%\"x\"", None),
        ("u=1\u{0}", None),
    ];

    #[test]
    fn parses_the_dictionaries_of_rfc_9218() {
        for (input, want) in CASES {
            let got = Priority::parse(input.as_bytes()).map(|p| (p.urgency, p.incremental));
            assert_eq!(got, *want, "{input:?}");
        }
    }

    #[test]
    fn hostile_inputs_end_in_an_answer() {
        let deep = "l=".to_string() + &"(".repeat(10_000);
        let long = "u=".to_string() + &"9".repeat(100_000);
        let many = "u=1, ".repeat(20_000) + "i";
        let binary: Vec<u8> = (0..=255).collect();
        assert_eq!(Priority::parse(deep.as_bytes()), None);
        assert_eq!(Priority::parse(long.as_bytes()), None);
        assert_eq!(
            Priority::parse(many.as_bytes()),
            Some(Priority::new(1, true))
        );
        assert_eq!(Priority::parse(&binary), None);
        assert_eq!(Priority::parse(&[0xff, b'=', 0xfe]), None);
    }

    #[test]
    fn formats_what_it_parses() {
        for u in 0..=7 {
            for i in [false, true] {
                let p = Priority::new(u, i);
                assert_eq!(Priority::parse(p.to_string().as_bytes()), Some(p));
            }
        }
        assert_eq!(Priority::new(200, false), Priority::new(7, false));
        let odd = Priority {
            urgency: 200,
            incremental: false,
        };
        assert_eq!(odd.to_string(), "u=7");
    }

    #[test]
    fn field_lines_join_into_one_value() {
        let fields: Fields = [("priority", "u=1"), ("x", "y"), ("Priority", "i")]
            .into_iter()
            .collect();
        assert_eq!(Priority::from_fields(&fields), Priority::new(1, true));
        let broken: Fields = [("priority", "u=1,"), ("priority", ",i")]
            .into_iter()
            .collect();
        assert_eq!(Priority::from_fields(&broken), Priority::default());
        assert_eq!(Priority::from_fields(&Fields::new()), Priority::default());
    }
}
