//! [`Decimal`]: a number written out in decimal digits without an allocation, for field
//! values such as `content-length`.

/// The decimal digits of a `u64`, held inline: a field value that costs no allocation,
/// where `n.to_string()` makes a `String` only to copy it into the head.
///
/// ```
/// use weir::{Decimal, Response};
///
/// let body = b"Hello, World!\n";
/// let head = Response::new(200).field("content-length", Decimal::from(body.len()));
/// assert_eq!(head.fields.get("content-length"), Some(&b"14"[..]));
/// assert_eq!(Decimal::from(u64::MAX).as_ref(), u64::MAX.to_string().as_bytes());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    digits: [u8; 20],
    start: u8,
}

impl From<u64> for Decimal {
    fn from(n: u64) -> Decimal {
        // u64::MAX has 20 digits.
        let mut digits = [0; 20];
        let start = digits_before(&mut digits, 20, n);
        Decimal {
            digits,
            start: start as u8,
        }
    }
}

/// Writes the digits of `n` so that they end at `end` in `buf` (which has room for
/// them), last digit first; returns where they start.
#[inline]
pub(crate) fn digits_before(buf: &mut [u8], end: usize, mut n: u64) -> usize {
    let mut start = end;
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return start;
        }
    }
}

impl From<usize> for Decimal {
    fn from(n: usize) -> Decimal {
        // usize is at most 64 bits on every target Rust supports.
        Decimal::from(n as u64)
    }
}

impl AsRef<[u8]> for Decimal {
    fn as_ref(&self) -> &[u8] {
        &self.digits[usize::from(self.start)..]
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Only ASCII digits were written.
        f.write_str(std::str::from_utf8(self.as_ref()).unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_to_string_writes() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let d = Decimal::from(n);
            assert_eq!(d.as_ref(), n.to_string().as_bytes());
            assert_eq!(d.to_string(), n.to_string());
        }
        assert_eq!(Decimal::from(7usize).as_ref(), b"7");
    }
}
