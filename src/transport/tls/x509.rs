//! What the wss hostname check needs from a certificate, read from its DER
//! (RFC 5280 §4.1): the validity period, the subjectAltName dNSName and
//! iPAddress entries, and the subject's commonName attributes.
//!
//! webpki checks names against subjectAltName only. libzmq's GnuTLS also
//! accepts a certificate without dNSName entries whose commonName is the
//! host, and a certificate that is itself in the trust list, whatever its
//! basic constraints: those two cases, and only those, are decided here.
//! The bytes may come from a peer: every read is bounds-checked, nothing
//! here panics, and a malformed certificate is `None`.

use std::net::IpAddr;

/// The parts of a certificate the hostname check reads.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CertNames {
    /// subjectAltName dNSName entries, as written.
    pub dns: Vec<String>,
    /// subjectAltName iPAddress entries.
    pub ips: Vec<IpAddr>,
    /// The subject's commonName attributes, in order.
    pub common_names: Vec<String>,
    /// notBefore and notAfter, seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
/// tbsCertificate's `[0] EXPLICIT Version` and `[3] EXPLICIT Extensions`.
const VERSION: u8 = 0xa0;
const EXTENSIONS: u8 = 0xa3;
/// GeneralName `[2] dNSName` and `[7] iPAddress` (implicit, primitive).
const DNS_NAME: u8 = 0x82;
const IP_ADDRESS: u8 = 0x87;

/// id-ce-subjectAltName, 2.5.29.17.
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
/// id-at-commonName, 2.5.4.3.
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// A cursor over DER elements.
struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The next element's tag and contents. Definite lengths only, up to
    /// four length bytes (DER forbids the indefinite form).
    fn next(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.0.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        self.0 = rest;
        Some((tag, contents))
    }

    /// The next element, which must have `tag`.
    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.next()? {
            (t, contents) if t == tag => Some(contents),
            _ => None,
        }
    }

    /// Skips the next element if it has `tag`.
    fn skip_if(&mut self, tag: u8) {
        if self.0.first() == Some(&tag) {
            let mut probe = Der(self.0);
            if probe.next().is_some() {
                self.0 = probe.0;
            }
        }
    }
}

impl CertNames {
    /// Reads a DER certificate; `None` if it is not one.
    pub fn parse(der: &[u8]) -> Option<CertNames> {
        let mut cert = Der(Der(der).expect(SEQUENCE)?);
        let mut tbs = Der(cert.expect(SEQUENCE)?);
        tbs.skip_if(VERSION);
        tbs.expect(0x02)?; // serialNumber
        tbs.expect(SEQUENCE)?; // signature algorithm
        tbs.expect(SEQUENCE)?; // issuer
        let mut validity = Der(tbs.expect(SEQUENCE)?);
        let mut names = CertNames {
            not_before: time(validity.next()?)?,
            not_after: time(validity.next()?)?,
            ..CertNames::default()
        };
        names.read_subject(tbs.expect(SEQUENCE)?)?;
        tbs.expect(SEQUENCE)?; // subjectPublicKeyInfo
        while let Some((tag, contents)) = tbs.next() {
            if tag == EXTENSIONS {
                names.read_extensions(Der(contents).expect(SEQUENCE)?)?;
            }
        }
        Some(names)
    }

    /// Name ::= SEQUENCE OF SET OF AttributeTypeAndValue.
    fn read_subject(&mut self, subject: &[u8]) -> Option<()> {
        let mut rdns = Der(subject);
        while !rdns.is_empty() {
            let mut set = Der(rdns.expect(SET)?);
            while !set.is_empty() {
                let mut attr = Der(set.expect(SEQUENCE)?);
                let oid = attr.expect(OID)?;
                let (_, value) = attr.next()?;
                if oid == OID_COMMON_NAME {
                    self.common_names
                        .push(String::from_utf8_lossy(value).into_owned());
                }
            }
        }
        Some(())
    }

    /// Extensions ::= SEQUENCE OF Extension; only subjectAltName is read.
    fn read_extensions(&mut self, extensions: &[u8]) -> Option<()> {
        let mut list = Der(extensions);
        while !list.is_empty() {
            let mut ext = Der(list.expect(SEQUENCE)?);
            let oid = ext.expect(OID)?;
            ext.skip_if(BOOLEAN); // critical
            let value = ext.expect(OCTET_STRING)?;
            if oid != OID_SUBJECT_ALT_NAME {
                continue;
            }
            let mut general_names = Der(Der(value).expect(SEQUENCE)?);
            while let Some((tag, name)) = general_names.next() {
                match tag {
                    DNS_NAME => self.dns.push(String::from_utf8_lossy(name).into_owned()),
                    IP_ADDRESS => {
                        if let Ok(v4) = <[u8; 4]>::try_from(name) {
                            self.ips.push(IpAddr::from(v4));
                        } else if let Ok(v6) = <[u8; 16]>::try_from(name) {
                            self.ips.push(IpAddr::from(v6));
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(())
    }

    /// Whether the certificate names `host` as GnuTLS checks it: an IP
    /// literal against the iPAddress entries; a name against the dNSName
    /// entries (a leftmost `*` label matching one label), or, when there
    /// are none, against the commonName. Case does not matter, nor a
    /// trailing dot.
    pub fn names_host(&self, host: &str) -> bool {
        let host = host.strip_suffix('.').unwrap_or(host);
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = literal.parse::<IpAddr>() {
            return self.ips.contains(&ip);
        }
        if !self.dns.is_empty() {
            return self.dns.iter().any(|pattern| dns_matches(pattern, host));
        }
        // The most specific commonName is the last.
        self.common_names
            .last()
            .is_some_and(|cn| dns_matches(cn, host))
    }

    /// Whether `now` (seconds since the epoch) is inside the validity
    /// period.
    pub fn valid_at(&self, now: i64) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// One name pattern against a host name.
fn dns_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    if host.is_empty() || pattern.is_empty() {
        return false;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => match host.split_once('.') {
            // A wildcard covers one label and needs two more after it.
            Some((label, rest)) => {
                !label.is_empty() && suffix.contains('.') && rest.eq_ignore_ascii_case(suffix)
            }
            None => false,
        },
        None => pattern.eq_ignore_ascii_case(host),
    }
}

/// UTCTime (`YYMMDDHHMMSSZ`, years 1950-2049) or GeneralizedTime
/// (`YYYYMMDDHHMMSSZ`) as seconds since the epoch.
fn time((tag, text): (u8, &[u8])) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.iter().try_fold(0i64, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
        })
    };
    let (year, rest) = match tag {
        UTC_TIME if text.len() == 13 => {
            let yy = digits(0..2)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        GENERALIZED_TIME if text.len() == 15 => (digits(0..4)?, 4),
        _ => return None,
    };
    if text.last() != Some(&b'Z') {
        return None;
    }
    let month = digits(rest..rest + 2)?;
    let day = digits(rest + 2..rest + 4)?;
    let hour = digits(rest + 4..rest + 6)?;
    let minute = digits(rest + 6..rest + 8)?;
    let second = digits(rest + 8..rest + 10)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(time((UTC_TIME, b"191110083318Z")), Some(1_573_374_798));
        assert_eq!(
            time((GENERALIZED_TIME, b"21191017083318Z")),
            Some(4_726_974_798)
        );
        assert_eq!(time((UTC_TIME, b"1911100833Z")), None);
    }

    #[test]
    fn wildcards() {
        assert!(dns_matches("*.example.com", "a.EXAMPLE.com"));
        assert!(!dns_matches("*.example.com", "example.com"));
        assert!(!dns_matches("*.example.com", "a.b.example.com"));
        assert!(!dns_matches("*.com", "a.com"));
        assert!(dns_matches("zeromq.org.", "zeromq.org"));
    }

    #[test]
    fn common_name_only_without_dns_entries() {
        let names = CertNames {
            common_names: vec!["zeromq.org".into()],
            ..CertNames::default()
        };
        assert!(names.names_host("zeromq.org"));
        assert!(!names.names_host("example.org"));
        let with_san = CertNames {
            dns: vec!["other.org".into()],
            ..names
        };
        assert!(!with_san.names_host("zeromq.org"));
        assert!(!with_san.names_host("127.0.0.1"));
    }

    #[test]
    fn real_certificates() {
        // libzmq's test_wss_transport certificate: commonName only.
        let upstream = CertNames::parse(include_bytes!(
            "../../../fuzz/seeds/tls_cert/rsa-cn-only.der"
        ))
        .expect("parses");
        assert_eq!(upstream.common_names, ["zeromq.org"]);
        assert!(upstream.dns.is_empty() && upstream.names_host("zeromq.org"));
        assert_eq!(
            (upstream.not_before, upstream.not_after),
            (1_573_374_798, 4_726_974_798)
        );
        // capi-tests/wss_certs.h's server: a subjectAltName.
        let server = CertNames::parse(include_bytes!(
            "../../../fuzz/seeds/tls_cert/wss_server_cert.der"
        ))
        .expect("parses");
        assert_eq!(server.dns, ["server.zmq.test"]);
        assert!(server.names_host("SERVER.zmq.test") && !server.names_host("other.zmq.test"));
    }

    #[test]
    fn malformed_is_none() {
        assert_eq!(CertNames::parse(b""), None);
        assert_eq!(
            CertNames::parse(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(CertNames::parse(&[0x30, 0x80, 0, 0]), None);
    }
}
