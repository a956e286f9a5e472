//! PGM packets (RFC 3208 §8, §9) as bytes: the common header, the
//! packets a source and its receivers exchange (SPM, ODATA, RDATA, NAK,
//! NCF, SPMR) and the options among them that OpenPGM sends or needs
//! (OPT_LENGTH, OPT_FRAGMENT, OPT_NAK_LIST). Parsing checks every length
//! against the buffer before it reads, and the checksum when there is one;
//! a packet that fails any check is `None`, never a panic. Encoding
//! writes whole packets with their checksum.
//!
//! The same bytes travel as the payload of a UDP datagram (epgm) or of a
//! raw IP packet of protocol 113 (pgm); the IP header is not ours.

use std::net::Ipv4Addr;

/// The common header's size.
pub const HEADER_LEN: usize = 16;

/// Packet types (RFC 3208 §8).
pub mod kind {
    pub const SPM: u8 = 0x00;
    pub const POLL: u8 = 0x01;
    pub const POLR: u8 = 0x02;
    pub const ODATA: u8 = 0x04;
    pub const RDATA: u8 = 0x05;
    pub const NAK: u8 = 0x08;
    pub const NNAK: u8 = 0x09;
    pub const NCF: u8 = 0x0a;
    pub const SPMR: u8 = 0x0c;
}

/// Bits of the header's options field.
const OPT_PRESENT: u8 = 0x01;
const OPT_NETWORK: u8 = 0x02;

/// Option types; the high bit of the type marks the last option.
const OPT_LENGTH: u8 = 0x00;
const OPT_FRAGMENT: u8 = 0x01;
const OPT_NAK_LIST: u8 = 0x02;
const OPT_END: u8 = 0x80;

/// NLA address family (IANA): IPv4.
const AFI_IP: u16 = 1;
const AFI_IP6: u16 = 2;

/// At most this many sequence numbers in one NAK's OPT_NAK_LIST, besides
/// the one in the NAK itself (RFC 3208 §9.3).
pub const NAK_LIST_MAX: usize = 62;

/// A transport session: the source's global id and its port (§3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tsi {
    pub gsi: [u8; 6],
    pub sport: u16,
}

/// OPT_FRAGMENT: where this packet's bytes sit in a larger APDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    /// The sequence number of the APDU's first packet.
    pub first_sqn: u32,
    pub offset: u32,
    /// The whole APDU's length.
    pub apdu_len: u32,
}

/// What a packet says, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body<'a> {
    /// Source path message: the window's edges and the source's address
    /// (NAKs go there).
    Spm {
        sqn: u32,
        trail: u32,
        lead: u32,
        nla: Ipv4Addr,
    },
    /// ODATA (`repair` false) or RDATA.
    Data {
        repair: bool,
        sqn: u32,
        trail: u32,
        fragment: Option<Fragment>,
        payload: &'a [u8],
    },
    /// NAK (`confirm` false) or NCF, for `sqns` (the first is the
    /// packet's own, then its OPT_NAK_LIST).
    Nak {
        confirm: bool,
        sqns: Vec<u32>,
        source: Ipv4Addr,
        group: Ipv4Addr,
    },
    /// SPM request: a receiver asks for an SPM now.
    Spmr,
    /// A type this library does not act on (POLL, POLR, NNAK, ACK...).
    Other(u8),
}

/// A parsed packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The source's session (for a NAK or SPMR: the source it is for).
    pub tsi: Tsi,
    /// The session's destination port (the endpoint's port).
    pub dport: u16,
    pub body: Body<'a>,
}

/// RFC 1071's sum of `data` (ones' complement, not yet inverted).
fn sum16(data: &[u8], mut acc: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

/// The checksum of a packet whose checksum field is zero; never 0 (that
/// value means "no checksum", so 0 is sent as 0xffff).
pub fn checksum(packet: &[u8]) -> u16 {
    fold(sum16(packet, 0))
}

/// Folds a sum to 16 bits and inverts it, 0 sent as 0xffff.
fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    match !(acc as u16) {
        0 => 0xffff,
        c => c,
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// An NLA (AFI, reserved, address) at `at`: the IPv4 address and the
/// offset after it. IPv6 NLAs are read past but not supported.
fn nla(b: &[u8], at: usize) -> Option<(Option<Ipv4Addr>, usize)> {
    match be16(b, at)? {
        AFI_IP => {
            let a: [u8; 4] = b.get(at + 4..at + 8)?.try_into().ok()?;
            Some((Some(Ipv4Addr::from(a)), at + 8))
        }
        AFI_IP6 => {
            b.get(at + 4..at + 20)?;
            Some((None, at + 20))
        }
        _ => None,
    }
}

/// What the options say that we act on.
#[derive(Default)]
struct Options {
    fragment: Option<Fragment>,
    nak_list: Vec<u32>,
}

/// The options at `at` (after the type's fixed fields): what they say and
/// the offset after them.
fn options(b: &[u8], at: usize) -> Option<(Options, usize)> {
    // OPT_LENGTH first: type, length 4, the options' total length.
    if b.get(at)? & !OPT_END != OPT_LENGTH || *b.get(at + 1)? != 4 {
        return None;
    }
    let total = usize::from(be16(b, at + 2)?);
    let end = at.checked_add(total)?;
    if total < 4 || end > b.len() {
        return None;
    }
    let mut o = Options::default();
    let mut p = at + 4;
    let mut last = b[at] & OPT_END != 0;
    while !last {
        let ty = *b.get(p)?;
        let len = usize::from(*b.get(p + 1)?);
        if len < 3 || p + len > end {
            return None;
        }
        let value = &b[p..p + len];
        match ty & !OPT_END {
            OPT_FRAGMENT if len == 16 => {
                o.fragment = Some(Fragment {
                    first_sqn: be32(value, 4)?,
                    offset: be32(value, 8)?,
                    apdu_len: be32(value, 12)?,
                });
            }
            OPT_NAK_LIST if len >= 4 && (len - 4) % 4 == 0 => {
                o.nak_list = value[4..]
                    .chunks_exact(4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
            }
            _ => {}
        }
        last = ty & OPT_END != 0;
        p += len;
    }
    Some((o, end))
}

/// Parses one PGM packet (the bytes after the IP or UDP header).
pub fn parse(b: &[u8]) -> Option<Packet<'_>> {
    if b.len() < HEADER_LEN {
        return None;
    }
    let sum = be16(b, 6)?;
    if sum != 0 {
        // The sum with the checksum field read as zero.
        if fold(sum16(&b[8..], sum16(&b[..6], 0))) != sum {
            return None;
        }
    }
    let ty = b[4];
    // Packets from a receiver to its source carry the session's ports
    // swapped: the source's port is then the destination.
    let upstream = matches!(ty, kind::NAK | kind::NNAK | kind::SPMR | kind::POLR);
    let (sport, dport) = match upstream {
        false => (be16(b, 0)?, be16(b, 2)?),
        true => (be16(b, 2)?, be16(b, 0)?),
    };
    let tsi = Tsi {
        gsi: b[8..14].try_into().ok()?,
        sport,
    };
    let opts = b[5];
    let tsdu_len = usize::from(be16(b, 14)?);
    let with_options = |at: usize| -> Option<(Options, usize)> {
        if opts & OPT_PRESENT != 0 {
            options(b, at)
        } else {
            Some((Options::default(), at))
        }
    };
    let body = match ty {
        kind::SPM => {
            let (addr, _) = nla(b, HEADER_LEN + 12)?;
            Body::Spm {
                sqn: be32(b, HEADER_LEN)?,
                trail: be32(b, HEADER_LEN + 4)?,
                lead: be32(b, HEADER_LEN + 8)?,
                nla: addr?,
            }
        }
        kind::ODATA | kind::RDATA => {
            let (o, data_at) = with_options(HEADER_LEN + 8)?;
            let payload = b.get(data_at..data_at.checked_add(tsdu_len)?)?;
            Body::Data {
                repair: ty == kind::RDATA,
                sqn: be32(b, HEADER_LEN)?,
                trail: be32(b, HEADER_LEN + 4)?,
                fragment: o.fragment,
                payload,
            }
        }
        kind::NAK | kind::NCF => {
            let (source, at) = nla(b, HEADER_LEN + 4)?;
            let (group, at) = nla(b, at)?;
            let (o, _) = with_options(at)?;
            let mut sqns = vec![be32(b, HEADER_LEN)?];
            sqns.extend(o.nak_list.iter().take(NAK_LIST_MAX));
            Body::Nak {
                confirm: ty == kind::NCF,
                sqns,
                source: source?,
                group: group?,
            }
        }
        kind::SPMR => Body::Spmr,
        other => Body::Other(other),
    };
    Some(Packet { tsi, dport, body })
}

/// The header of an outgoing packet.
#[derive(Debug, Clone, Copy)]
pub struct Head {
    /// The source's session; a receiver's NAK names the source's.
    pub tsi: Tsi,
    pub dport: u16,
}

fn put_nla(out: &mut Vec<u8>, a: Ipv4Addr) {
    out.extend_from_slice(&AFI_IP.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&a.octets());
}

/// Writes the common header (checksum 0 for now); `from_source` says
/// whether sport/dport are the session's ports as sent (source to
/// receivers) or swapped (a receiver's NAK or SPMR to the source).
fn put_header(out: &mut Vec<u8>, h: &Head, ty: u8, opts: u8, tsdu_len: u16, from_source: bool) {
    let (sport, dport) = if from_source {
        (h.tsi.sport, h.dport)
    } else {
        (h.dport, h.tsi.sport)
    };
    out.extend_from_slice(&sport.to_be_bytes());
    out.extend_from_slice(&dport.to_be_bytes());
    out.push(ty);
    out.push(opts);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&h.tsi.gsi);
    out.extend_from_slice(&tsdu_len.to_be_bytes());
}

/// Fills in the checksum of the packet written at `start..`.
fn seal(out: &mut [u8], start: usize) {
    let sum = checksum(&out[start..]);
    out[start + 6..start + 8].copy_from_slice(&sum.to_be_bytes());
}

/// An SPM.
pub fn spm(out: &mut Vec<u8>, h: &Head, sqn: u32, trail: u32, lead: u32, nla: Ipv4Addr) {
    let start = out.len();
    put_header(out, h, kind::SPM, 0, 0, true);
    out.extend_from_slice(&sqn.to_be_bytes());
    out.extend_from_slice(&trail.to_be_bytes());
    out.extend_from_slice(&lead.to_be_bytes());
    put_nla(out, nla);
    seal(out, start);
}

/// An ODATA or (`repair`) RDATA packet carrying `payload`.
pub fn data(out: &mut Vec<u8>, h: &Head, repair: bool, sqn: u32, trail: u32, payload: &[u8]) {
    let start = out.len();
    let ty = if repair { kind::RDATA } else { kind::ODATA };
    put_header(out, h, ty, 0, payload.len() as u16, true);
    out.extend_from_slice(&sqn.to_be_bytes());
    out.extend_from_slice(&trail.to_be_bytes());
    out.extend_from_slice(payload);
    seal(out, start);
}

/// A NAK (from a receiver, to the source) or (`confirm`) an NCF (from the
/// source, to the group) for `sqns` (at most `NAK_LIST_MAX + 1`).
pub fn nak(
    out: &mut Vec<u8>,
    h: &Head,
    confirm: bool,
    sqns: &[u32],
    source: Ipv4Addr,
    group: Ipv4Addr,
) {
    let Some((&first, rest)) = sqns.split_first() else {
        return;
    };
    let rest = &rest[..rest.len().min(NAK_LIST_MAX)];
    let start = out.len();
    let ty = if confirm { kind::NCF } else { kind::NAK };
    let opts = if rest.is_empty() {
        0
    } else {
        OPT_PRESENT | OPT_NETWORK
    };
    put_header(out, h, ty, opts, 0, confirm);
    out.extend_from_slice(&first.to_be_bytes());
    put_nla(out, source);
    put_nla(out, group);
    if !rest.is_empty() {
        let list_len = 4 + 4 * rest.len();
        out.extend_from_slice(&[OPT_LENGTH, 4]);
        out.extend_from_slice(&((4 + list_len) as u16).to_be_bytes());
        out.extend_from_slice(&[OPT_NAK_LIST | OPT_END, list_len as u8, 0, 0]);
        for s in rest {
            out.extend_from_slice(&s.to_be_bytes());
        }
    }
    seal(out, start);
}

/// An SPMR (from a receiver, to the source).
pub fn spmr(out: &mut Vec<u8>, h: &Head) {
    let start = out.len();
    put_header(out, h, kind::SPMR, 0, 0, false);
    seal(out, start);
}

#[cfg(test)]
mod tests;
