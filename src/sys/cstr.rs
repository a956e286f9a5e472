//! Numbers read from text the way glibc reads them, for the places where
//! libzmq hands an option or address to `atoi(3)`, `strtol(3)` or
//! `inet_aton(3)` and we must accept (and refuse) exactly what it does:
//! junk after the digits, signs, octal and hex parts, overflow.
//!
//! Pure functions of their input: no locale (bytes are classified as in the
//! C locale) and no calls into libc outside the tests, which compare with it.

use std::net::Ipv4Addr;

/// The white space `isspace(3)` knows in the C locale.
const C_SPACE: [char; 6] = [' ', '\t', '\n', '\x0b', '\x0c', '\r'];

/// glibc's `strtol(text, NULL, 10)`: leading white space, an optional sign,
/// then decimal digits up to the first non-digit (0 when there are none),
/// clamped to the range of `long` on overflow.
pub fn strtol(text: &str) -> i64 {
    let text = text.trim_start_matches(C_SPACE);
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    // The magnitude is kept one past i64::MAX so that i64::MIN is exact.
    let limit = 1i128 << 63;
    let magnitude = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i128, |n, d| (n * 10 + i128::from(d - b'0')).min(limit));
    let value = if negative { -magnitude } else { magnitude };
    value.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// glibc's `atoi(3)`, which is `(int) strtol(text, NULL, 10)`: the value
/// clamped to 64 bits, then cut to its low 32.
pub fn atoi(text: &str) -> i32 {
    strtol(text) as i32
}

/// `inet_aton(3)`'s IPv4 forms: `a.b.c.d`, `a.b.c`, `a.b` and `a`, each part
/// decimal, octal (a leading `0`) or hex (`0x`), the last part filling the
/// bytes the others left. Nothing else is allowed: no sign, no white space,
/// no empty part.
pub fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts = text
        .split('.')
        .map(aton_part)
        .collect::<Option<Vec<u32>>>()?;
    let (&last, head) = parts.split_last()?;
    if head.len() > 3 || head.iter().any(|&p| p > 0xff) {
        return None;
    }
    let last_bits = 32 - 8 * head.len() as u32;
    if last_bits < 32 && last >> last_bits != 0 {
        return None;
    }
    let high = head
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, &p)| acc | p << (24 - 8 * i as u32));
    Some(Ipv4Addr::from(high | last))
}

/// One part of an `inet_aton` address: at most 32 bits, else `None`.
fn aton_part(part: &str) -> Option<u32> {
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Leading zeros are allowed in any number: from_str_radix skips them.
    u32::from_str_radix(digits, radix).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    #[test]
    fn atoi_and_strtol_are_glibc_s() {
        macro_rules! case {
            ($text:expr => $atoi:expr, $strtol:expr) => {{
                assert_eq!(atoi($text), $atoi, "atoi({:?})", $text);
                assert_eq!(strtol($text), $strtol, "strtol({:?})", $text);
                let c = CString::new($text).unwrap();
                // SAFETY: `c` is a NUL-terminated string alive for the calls;
                // strtol may take a null end pointer.
                let (atoi, strtol) = unsafe {
                    (
                        libc::atoi(c.as_ptr()),
                        libc::strtol(c.as_ptr(), std::ptr::null_mut(), 10),
                    )
                };
                assert_eq!((atoi, strtol), ($atoi, $strtol), "libc {:?}", $text);
            }};
        }
        case!("" => 0, 0);
        case!("12" => 12, 12);
        case!("  +7x" => 7, 7);
        case!("\t\n-1" => -1, -1);
        case!("5abc" => 5, 5);
        case!("abc" => 0, 0);
        case!("- 1" => 0, 0);
        case!("70000" => 70000, 70000);
        case!("4294967297" => 1, 4_294_967_297);
        case!("99999999999999999999" => -1, i64::MAX);
        case!("-99999999999999999999" => 0, i64::MIN);
        case!("-9223372036854775808" => 0, i64::MIN);
    }

    #[test]
    fn inet_aton_forms_match_glibc() {
        // Results of glibc getaddrinfo(AI_NUMERICHOST) for each text.
        let cases: &[(&str, Option<[u8; 4]>)] = &[
            ("127.0.0.1", Some([127, 0, 0, 1])),
            ("127.1", Some([127, 0, 0, 1])),
            ("0x7f.1", Some([127, 0, 0, 1])),
            ("0177.0.0.1", Some([127, 0, 0, 1])),
            ("0X1", Some([0, 0, 0, 1])),
            ("00", Some([0, 0, 0, 0])),
            ("0", Some([0, 0, 0, 0])),
            ("4294967295", Some([255, 255, 255, 255])),
            ("0xffffffff", Some([255, 255, 255, 255])),
            ("1.0xffffff", Some([1, 255, 255, 255])),
            ("1.2.0xffff", Some([1, 2, 255, 255])),
            ("1.2.3.0377", Some([1, 2, 3, 255])),
            ("0x7F.0.0.0x1", Some([127, 0, 0, 1])),
            ("0000000000000000000001", Some([0, 0, 0, 1])),
            ("4294967296", None),
            ("0x100000000", None),
            ("1.0x1000000", None),
            ("1.2.0x10000", None),
            ("1.2.3.256", None),
            ("1.2.3.0400", None),
            ("1.256.1", None),
            ("1.2.3.4.5", None),
            ("1.2.3.4.", None),
            ("1.", None),
            (".1", None),
            ("1..1", None),
            ("0x", None),
            ("0x.1", None),
            ("09", None),
            ("0xg", None),
            ("+1", None),
            ("-1", None),
            ("", None),
            ("127.0.0.1 ", None),
        ];
        for (text, want) in cases {
            assert_eq!(inet_aton(text), want.map(Ipv4Addr::from), "{text:?}");
        }
    }
}
