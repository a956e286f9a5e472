//! Z85, the printable binary encoding of ZeroMQ RFC 32: every 4 bytes,
//! read as a big-endian 32-bit number, become 5 base-85 digits drawn from
//! an alphabet chosen to be safe in source code and shells (no quotes, no
//! backslash, no space).
//!
//! Pure and allocation-free at its core (`encode_into`, `decode_into`); it
//! never touches pointers or errno, which the `ffi` layer handles.

use crate::error::{Error, Result};

/// The 85 digits in value order (RFC 32 §"Formal Specification").
pub const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Marks a byte that is not a Z85 digit in `DIGIT_VALUE`.
const NOT_A_DIGIT: u8 = 0xff;

/// The value of each byte as a Z85 digit, derived from `ALPHABET` when the
/// crate is compiled.
const DIGIT_VALUE: [u8; 256] = {
    let mut table = [NOT_A_DIGIT; 256];
    let mut value = 0;
    while value < ALPHABET.len() {
        table[ALPHABET[value] as usize] = value as u8;
        value += 1;
    }
    table
};

/// Bytes per group on the binary side.
pub const BYTES_PER_GROUP: usize = 4;
/// Digits per group on the text side.
pub const DIGITS_PER_GROUP: usize = 5;

/// How many characters `len` bytes encode to, or `None` when `len` is not
/// a multiple of 4 (RFC 32 leaves framing of other lengths to the caller).
pub fn encoded_len(len: usize) -> Option<usize> {
    len.is_multiple_of(BYTES_PER_GROUP)
        .then(|| len / BYTES_PER_GROUP * DIGITS_PER_GROUP)
}

/// How many bytes `len` characters decode to, or `None` when `len` is not a
/// multiple of 5.
pub fn decoded_len(len: usize) -> Option<usize> {
    len.is_multiple_of(DIGITS_PER_GROUP)
        .then(|| len / DIGITS_PER_GROUP * BYTES_PER_GROUP)
}

/// Encodes `data` into `out`, which must be exactly `encoded_len` long.
/// Fails with `EINVAL` for a length that is not a multiple of 4 or an
/// output of the wrong size.
pub fn encode_into(data: &[u8], out: &mut [u8]) -> Result<()> {
    if encoded_len(data.len()) != Some(out.len()) {
        return Err(Error::Inval);
    }
    for (group, digits) in data
        .chunks_exact(BYTES_PER_GROUP)
        .zip(out.chunks_exact_mut(DIGITS_PER_GROUP))
    {
        let mut value = u32::from_be_bytes([group[0], group[1], group[2], group[3]]);
        // Fill from the least significant digit, at the right-hand end.
        for digit in digits.iter_mut().rev() {
            *digit = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
    }
    Ok(())
}

/// Encodes `data` as a Z85 string.
pub fn encode(data: &[u8]) -> Result<String> {
    let mut out = vec![0u8; encoded_len(data.len()).ok_or(Error::Inval)?];
    encode_into(data, &mut out)?;
    // Every byte written comes from the ASCII alphabet.
    String::from_utf8(out).map_err(|_| Error::Inval)
}

/// The 32-bit value of one group of 5 digits, or `EINVAL` for a byte outside
/// the alphabet or a group above `0xFFFF_FFFF` (the largest, "%nSc0", is
/// the only 5-digit form of that value).
fn group_value(digits: &[u8]) -> Result<u32> {
    let mut value: u64 = 0;
    for &c in digits {
        let digit = DIGIT_VALUE[c as usize];
        if digit == NOT_A_DIGIT {
            return Err(Error::Inval);
        }
        value = value * 85 + u64::from(digit);
    }
    u32::try_from(value).map_err(|_| Error::Inval)
}

/// Decodes `text` into `out`, which must be exactly `decoded_len` long.
/// Fails with `EINVAL`, leaving `out` untouched, for a length that is not a
/// multiple of 5, a byte outside the alphabet, or a group that overflows
/// 32 bits.
pub fn decode_into(text: &[u8], out: &mut [u8]) -> Result<()> {
    if decoded_len(text.len()) != Some(out.len()) {
        return Err(Error::Inval);
    }
    // Check everything first so a failure writes nothing.
    for digits in text.chunks_exact(DIGITS_PER_GROUP) {
        group_value(digits)?;
    }
    for (digits, group) in text
        .chunks_exact(DIGITS_PER_GROUP)
        .zip(out.chunks_exact_mut(BYTES_PER_GROUP))
    {
        group.copy_from_slice(&group_value(digits)?.to_be_bytes());
    }
    Ok(())
}

/// Decodes a Z85 string.
pub fn decode(text: &[u8]) -> Result<Vec<u8>> {
    let mut out = vec![0u8; decoded_len(text.len()).ok_or(Error::Inval)?];
    decode_into(text, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 32's example.
    const HELLO: [u8; 8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];

    #[test]
    fn rfc32_test_vector() {
        assert_eq!(encode(&HELLO).unwrap(), "HelloWorld");
        assert_eq!(decode(b"HelloWorld").unwrap(), HELLO);
    }

    #[test]
    fn alphabet_is_85_distinct_printable_bytes() {
        let mut seen = [false; 256];
        for &c in ALPHABET {
            assert!(c.is_ascii_graphic(), "{c:#x}");
            assert!(!b"\"'\\,;_`|~".contains(&c), "{}", c as char);
            assert!(!seen[c as usize], "duplicate {}", c as char);
            seen[c as usize] = true;
        }
        assert_eq!(
            DIGIT_VALUE.iter().filter(|&&v| v != NOT_A_DIGIT).count(),
            85
        );
    }

    #[test]
    fn extremes_of_a_group() {
        assert_eq!(encode(&[0; 4]).unwrap(), "00000");
        assert_eq!(encode(&[0xff; 4]).unwrap(), "%nSc0");
        assert_eq!(decode(b"%nSc0").unwrap(), [0xff; 4]);
        assert_eq!(encode(&[0, 0, 0, 84]).unwrap(), "0000#");
        assert_eq!(encode(&[0, 0, 0, 85]).unwrap(), "00010");
    }

    #[test]
    fn empty_input_is_empty_output() {
        assert_eq!(encode(&[]).unwrap(), "");
        assert_eq!(decode(b"").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn round_trips() {
        // A simple deterministic byte stream covering every byte value.
        let data: Vec<u8> = (0..1024u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in (0..=data.len()).step_by(4) {
            let text = encode(&data[..len]).unwrap();
            assert_eq!(text.len(), len / 4 * 5);
            assert_eq!(decode(text.as_bytes()).unwrap(), &data[..len]);
        }
        let every_byte: Vec<u8> = (0..=255).collect();
        assert_eq!(
            decode(encode(&every_byte).unwrap().as_bytes()).unwrap(),
            every_byte
        );
    }

    #[test]
    fn in_range_text_round_trips() {
        // Text -> bytes -> text is the identity for groups up to 0xFFFF_FFFF.
        for text in [
            "00000",
            "zzzzz",
            "Hello",
            "%nSb#",
            "{}[]$",
            "HelloWorld%nSc0",
        ] {
            let bytes = decode(text.as_bytes()).unwrap();
            assert_eq!(encode(&bytes).unwrap(), text);
        }
        assert_eq!(decode(b"%nSb#").unwrap(), [0xff, 0xff, 0xff, 0xfe]);
    }

    #[test]
    fn lengths_must_be_whole_groups() {
        for len in [1, 2, 3, 5, 7] {
            assert_eq!(encode(&vec![0; len]), Err(Error::Inval), "{len}");
        }
        for text in ["H", "Hell", "HelloW", "HelloWorl", "HelloWorld!"] {
            assert_eq!(decode(text.as_bytes()), Err(Error::Inval), "{text}");
        }
        assert_eq!(encoded_len(12), Some(15));
        assert_eq!(decoded_len(15), Some(12));
        assert_eq!(encoded_len(13), None);
        assert_eq!(decoded_len(16), None);
    }

    #[test]
    fn output_buffer_must_fit_exactly() {
        let mut small = [0u8; 9];
        assert_eq!(encode_into(&HELLO, &mut small), Err(Error::Inval));
        let mut big = [0u8; 9];
        assert_eq!(decode_into(b"HelloWorld", &mut big), Err(Error::Inval));
    }

    #[test]
    fn bytes_outside_the_alphabet_are_rejected() {
        for bad in [
            b' ', b'"', b'\'', b',', b';', b'\\', b'_', b'`', b'|', b'~', 0x7f, 0, b'\n', 0x80,
            0xff,
        ] {
            let mut text = *b"HelloWorld";
            text[7] = bad;
            assert_eq!(decode(&text), Err(Error::Inval), "{bad:#x}");
        }
    }

    #[test]
    fn groups_above_32_bits_are_rejected() {
        assert_eq!(decode(b"%nSc1"), Err(Error::Inval));
        assert_eq!(decode(b"#####"), Err(Error::Inval));
        assert_eq!(decode(b"HelloWorld#####"), Err(Error::Inval));
    }

    #[test]
    fn failed_decode_writes_nothing() {
        let mut out = [0xaau8; 8];
        assert_eq!(decode_into(b"Hello#####", &mut out), Err(Error::Inval));
        assert_eq!(out, [0xaa; 8]);
    }
}
