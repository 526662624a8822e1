//! Prefix-coded integers (RFC 7541 §5.1).

use super::HpackError;

/// The most continuation octets accepted: enough for any `u32`.
const MAX_CONTINUATIONS: usize = 5;

/// Reads an integer whose first octet is `block[*pos]`, with an `n`-bit prefix
/// (1 ≤ n ≤ 8), and moves `pos` past it.
pub(crate) fn decode(block: &[u8], pos: &mut usize, n: u8) -> Result<usize, HpackError> {
    let mask = u8::MAX >> (8 - n);
    let first = *block.get(*pos).ok_or(HpackError::Truncated)? & mask;
    *pos += 1;
    if first < mask {
        return Ok(usize::from(first));
    }
    let mut value = u64::from(mask);
    for i in 0..MAX_CONTINUATIONS {
        let b = *block.get(*pos).ok_or(HpackError::Truncated)?;
        *pos += 1;
        value += u64::from(b & 0x7f) << (7 * i);
        // RFC 7541 §5.1: integer encodings that exceed implementation limits, in value
        // or octet length, MUST be treated as decoding errors.
        if value > u64::from(u32::MAX) {
            return Err(HpackError::IntegerOverflow);
        }
        if b & 0x80 == 0 {
            return usize::try_from(value).map_err(|_| HpackError::IntegerOverflow);
        }
    }
    Err(HpackError::IntegerOverflow)
}

/// The most octets an encoded `usize` takes: the prefix, then 7 bits per octet.
pub(crate) const MAX_LEN: usize = 1 + (usize::BITS as usize).div_ceil(7);

/// `value` with an `n`-bit prefix, `flags` being the bits above the prefix in the first
/// octet: the octets and how many of them are used.
pub(crate) fn encode_array(value: usize, n: u8, flags: u8) -> ([u8; MAX_LEN], usize) {
    let mut out = [0u8; MAX_LEN];
    let mask = u8::MAX >> (8 - n);
    if value < usize::from(mask) {
        out[0] = flags | value as u8;
        return (out, 1);
    }
    out[0] = flags | mask;
    let mut rest = value - usize::from(mask);
    let mut len = 1;
    // At most MAX_LEN - 1 continuation octets: 7 bits each cover a usize.
    for slot in out.iter_mut().skip(1) {
        len += 1;
        if rest < 0x80 {
            *slot = rest as u8;
            break;
        }
        *slot = 0x80 | (rest & 0x7f) as u8;
        rest >>= 7;
    }
    (out, len)
}

/// Appends `value` with an `n`-bit prefix; `flags` are the bits above the prefix in the
/// first octet.
///
/// Always inlined: most integers are one octet, and a call costs more than the push.
#[inline(always)]
pub(crate) fn encode(value: usize, n: u8, flags: u8, dst: &mut Vec<u8>) {
    if value < usize::from(u8::MAX >> (8 - n)) {
        dst.push(flags | value as u8);
    } else {
        encode_long(value, n, flags, dst);
    }
}

/// [`encode`] for an integer of more than one octet.
#[inline(never)]
fn encode_long(value: usize, n: u8, flags: u8, dst: &mut Vec<u8>) {
    let (octets, len) = encode_array(value, n, flags);
    dst.extend_from_slice(octets.get(..len).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(bytes: &[u8], n: u8) -> Result<(usize, usize), HpackError> {
        let mut pos = 0;
        decode(bytes, &mut pos, n).map(|v| (v, pos))
    }

    fn enc(value: usize, n: u8) -> Vec<u8> {
        let mut out = Vec::new();
        encode(value, n, 0, &mut out);
        out
    }

    #[test]
    fn rfc_examples() {
        // RFC 7541 §C.1.1, §C.1.2, §C.1.3.
        assert_eq!(enc(10, 5), [0b01010]);
        assert_eq!(enc(1337, 5), [0b11111, 0b10011010, 0b00001010]);
        assert_eq!(enc(42, 8), [42]);
        assert_eq!(dec(&[0b01010], 5), Ok((10, 1)));
        assert_eq!(dec(&[0b11111, 0b10011010, 0b00001010], 5), Ok((1337, 3)));
        assert_eq!(dec(&[42], 8), Ok((42, 1)));
    }

    #[test]
    fn flags_are_kept_and_ignored() {
        let mut out = Vec::new();
        encode(3, 6, 0x40, &mut out);
        assert_eq!(out, [0x43]);
        assert_eq!(dec(&[0xe3], 5), Ok((3, 1)));
        assert_eq!(dec(&[0xff, 0x00], 7), Ok((127, 2)));
    }

    #[test]
    fn round_trip_at_every_prefix() {
        for n in 1..=8 {
            for v in [
                0,
                1,
                30,
                31,
                32,
                126,
                127,
                128,
                254,
                255,
                256,
                16_383,
                1 << 20,
            ] {
                assert_eq!(dec(&enc(v, n), n), Ok((v, enc(v, n).len())), "{v} on {n}");
            }
            let max = u32::MAX as usize;
            assert_eq!(dec(&enc(max, n), n).map(|r| r.0), Ok(max));
        }
    }

    #[test]
    fn the_largest_values_fit() {
        for n in 1..=8 {
            let (_, len) = encode_array(usize::MAX, n, 0);
            assert!(len <= MAX_LEN);
            let out = enc(u32::MAX as usize, n);
            assert_eq!(encode_array(u32::MAX as usize, n, 0).1, out.len());
        }
    }

    #[test]
    fn non_minimal_encodings_are_accepted() {
        // Trailing zero continuations change nothing; §5.1 does not forbid them.
        assert_eq!(dec(&[0x1f, 0x80, 0x80, 0x00], 5), Ok((31, 4)));
    }

    #[test]
    fn truncated() {
        assert_eq!(dec(&[], 5), Err(HpackError::Truncated));
        assert_eq!(dec(&[0x1f], 5), Err(HpackError::Truncated));
        assert_eq!(dec(&[0x1f, 0x80], 5), Err(HpackError::Truncated));
    }

    #[test]
    fn overflow_is_rejected() {
        // One more than u32::MAX.
        let mut big = enc(u32::MAX as usize, 8);
        assert_eq!(dec(&big, 8).map(|r| r.0), Ok(u32::MAX as usize));
        let last = big.len() - 1;
        big[last] += 1;
        assert_eq!(dec(&big, 8), Err(HpackError::IntegerOverflow));
        // Too many continuation octets, even if they are zeros.
        assert_eq!(
            dec(&[0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 5),
            Err(HpackError::IntegerOverflow)
        );
        assert_eq!(
            dec(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 8),
            Err(HpackError::IntegerOverflow)
        );
    }
}
