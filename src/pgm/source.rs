//! The sending side of a PGM session (RFC 3208 §5): sequence numbers, the
//! transmit window that repairs are made from, the SPMs that tell
//! receivers where the source is and how far it has sent, the answer to a
//! NAK (an NCF to the group, then the RDATA), and the rate limit.
//!
//! State machine only: packets come out as bytes, time comes in as `now`.
//! The window holds `window` packets at most, sized by the engine from
//! `ZMQ_RATE` and `ZMQ_RECOVERY_IVL` as libzmq sizes OpenPGM's.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::packet::{self, Head};

/// After data, SPMs follow at these intervals, then every `ambient_spm`
/// (libzmq's heartbeat schedule for OpenPGM).
pub const HEARTBEAT_SPM: [Duration; 9] = [
    Duration::from_millis(100),
    Duration::from_millis(100),
    Duration::from_millis(100),
    Duration::from_millis(100),
    Duration::from_millis(1300),
    Duration::from_secs(7),
    Duration::from_secs(16),
    Duration::from_secs(25),
    Duration::from_secs(30),
];

#[derive(Debug, Clone, Copy)]
pub struct TxConfig {
    /// Packets kept for repair.
    pub window: u32,
    /// Bytes per second on the wire (`ZMQ_RATE`); 0: no limit.
    pub rate: u64,
    /// Bytes below the PGM packet that the rate counts (IP, UDP).
    pub overhead: usize,
    /// The largest PGM packet sent (headers included, IP and UDP not).
    pub max_packet: usize,
    /// SPMs when nothing is sent.
    pub ambient_spm: Duration,
}

/// The next packet a source has to send that is not new data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Ncf,
    Repair(u32),
    Spm,
}

pub struct Source {
    cfg: TxConfig,
    head: Head,
    /// The source's address, as SPMs carry it and NAKs name it.
    nla: Ipv4Addr,
    group: Ipv4Addr,
    /// The sequence number of the next ODATA.
    next_sqn: u32,
    /// The last `window` payloads sent, oldest first.
    window: VecDeque<Vec<u8>>,
    spm_sqn: u32,
    /// NAKed sequence numbers to confirm (one NCF), then to repair.
    confirm: Vec<u32>,
    repairs: VecDeque<u32>,
    /// When the next SPM is due, and where in the heartbeat schedule.
    spm_at: Instant,
    /// The ambient SPM, due `ambient_spm` after the last SPM whatever is
    /// sent: a steady stream of data, which keeps putting the heartbeat
    /// off, still tells receivers where to NAK and how far the trail is.
    ambient_at: Instant,
    heartbeat: Option<usize>,
    /// SPMs still to send back to back at the start (OpenPGM sends three).
    start_spms: u32,
    /// Rate limit: bytes that may go now, as of `filled`.
    tokens: f64,
    filled: Instant,
}

impl Source {
    pub fn new(cfg: TxConfig, head: Head, nla: Ipv4Addr, group: Ipv4Addr, now: Instant) -> Source {
        let mut s = Source {
            cfg,
            head,
            nla,
            group,
            next_sqn: 0,
            window: VecDeque::new(),
            spm_sqn: 0,
            confirm: Vec::new(),
            repairs: VecDeque::new(),
            // An SPM first, so receivers know where to NAK.
            spm_at: now,
            ambient_at: now + cfg.ambient_spm,
            heartbeat: None,
            start_spms: 3,
            tokens: 0.0,
            filled: now,
        };
        s.tokens = s.bucket();
        s
    }

    /// The oldest sequence number held for repair.
    fn trail(&self) -> u32 {
        self.next_sqn.wrapping_sub(self.window.len() as u32)
    }

    fn lead(&self) -> u32 {
        self.next_sqn.wrapping_sub(1)
    }

    /// The most bytes a burst may send at once: 10 ms of the rate (OpenPGM
    /// refills its bucket by the millisecond; 10 ms leaves room for the
    /// reactor's timer granularity), and never less than two of the
    /// largest packets.
    fn bucket(&self) -> f64 {
        (self.cfg.rate as f64 / 100.0).max(2.0 * (self.cfg.max_packet + self.cfg.overhead) as f64)
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.filled).as_secs_f64();
        self.filled = now;
        self.tokens = (self.tokens + dt * self.cfg.rate as f64).min(self.bucket());
    }

    /// Whether a packet of `len` bytes may go now under the rate limit;
    /// if so its bytes are counted.
    pub fn admit(&mut self, len: usize, now: Instant) -> bool {
        if self.cfg.rate == 0 {
            return true;
        }
        self.refill(now);
        let cost = (len + self.cfg.overhead) as f64;
        // A packet larger than the bucket goes once the bucket is full.
        if self.tokens >= cost.min(self.bucket()) {
            self.tokens -= cost;
            true
        } else {
            false
        }
    }

    /// When a packet of `len` bytes will be admitted.
    fn admitted_at(&self, len: usize, now: Instant) -> Instant {
        if self.cfg.rate == 0 {
            return now;
        }
        let cost = ((len + self.cfg.overhead) as f64).min(self.bucket());
        let lack = (cost - self.tokens).max(0.0);
        now + Duration::from_secs_f64(lack / self.cfg.rate as f64).max(Duration::from_micros(500))
    }

    /// Writes the ODATA for `payload` into `out` and keeps the payload for
    /// repairs.
    pub fn odata(&mut self, payload: &[u8], out: &mut Vec<u8>, now: Instant) {
        if self.window.len() >= self.cfg.window.max(1) as usize {
            self.window.pop_front();
        }
        self.window.push_back(payload.to_vec());
        let sqn = self.next_sqn;
        self.next_sqn = sqn.wrapping_add(1);
        packet::data(out, &self.head, false, sqn, self.trail(), payload);
        // Each ODATA starts the heartbeat schedule again (as OpenPGM),
        // unless SPMs are still owed from the start.
        if self.start_spms == 0 {
            self.heartbeat = Some(0);
            self.spm_at = now + HEARTBEAT_SPM[0];
        }
    }

    /// A NAK from a receiver (already matched to this session): what is
    /// still in the window is confirmed and repaired; the rest is gone.
    pub fn nak(&mut self, sqns: &[u32], source: Ipv4Addr, group: Ipv4Addr) {
        if source != self.nla || group != self.group {
            return;
        }
        let trail = self.trail();
        for &sqn in sqns {
            let held = sqn.wrapping_sub(trail) < self.window.len() as u32;
            if held && !self.repairs.contains(&sqn) {
                self.confirm.push(sqn);
                self.repairs.push_back(sqn);
            }
        }
    }

    /// An SPMR: a receiver wants an SPM now.
    pub fn spmr(&mut self, now: Instant) {
        self.spm_at = self.spm_at.min(now);
    }

    /// The payload bytes of a held packet as the rate counts them (headers
    /// included), `None` if the window no longer holds it.
    fn held_len(&self, sqn: u32) -> Option<usize> {
        let i = sqn.wrapping_sub(self.trail()) as usize;
        self.window.get(i).map(|p| p.len() + packet::HEADER_LEN + 8)
    }

    /// What to send next, if anything: an NCF, then a repair if the rate
    /// admits it (its bytes are then counted), then a due SPM (which a
    /// repair held back by the rate does not hold up).
    fn next_control(&mut self, now: Instant) -> Option<Control> {
        if !self.confirm.is_empty() {
            return Some(Control::Ncf);
        }
        if let Some(&sqn) = self.repairs.front() {
            // Repairs share the rate limit with new data, so the wire never
            // carries more than ZMQ_RATE (libzmq sets only OpenPGM's ODATA
            // limit): a burst of the RDATA for a long NAK list overran
            // OpenPGM receivers' socket buffers and was lost again, and
            // while repairs go, new data slowing keeps the trail back.
            match self.held_len(sqn) {
                None => return Some(Control::Repair(sqn)),
                Some(len) if self.admit(len, now) => return Some(Control::Repair(sqn)),
                Some(_) => {}
            }
        }
        if self.spm_at <= now || self.ambient_at <= now {
            Some(Control::Spm)
        } else {
            None
        }
    }

    /// Writes the next packet that is not new data (an NCF, a repair, a
    /// due SPM) into `out`, if there is one and the rate admits it (`out`
    /// may stay empty: a repair of what the window no longer holds);
    /// `false` when there is nothing more to send now.
    pub fn control(&mut self, out: &mut Vec<u8>, now: Instant) -> bool {
        let Some(c) = self.next_control(now) else {
            return false;
        };
        let start = out.len();
        match c {
            Control::Ncf => {
                let sqns = std::mem::take(&mut self.confirm);
                for chunk in sqns.chunks(packet::NAK_LIST_MAX + 1) {
                    packet::nak(out, &self.head, true, chunk, self.nla, self.group);
                }
            }
            Control::Repair(sqn) => {
                // Admitted by `next_control`, or gone from the window since
                // the NAK (then nothing is sent).
                self.repairs.pop_front();
                let i = sqn.wrapping_sub(self.trail()) as usize;
                let trail = self.trail();
                if let Some(p) = self.window.get(i) {
                    packet::data(out, &self.head, true, sqn, trail, p);
                }
                return true;
            }
            Control::Spm => {
                let heartbeat_due = self.spm_at <= now;
                let (trail, lead) = (self.trail(), self.lead());
                packet::spm(out, &self.head, self.spm_sqn, trail, lead, self.nla);
                self.spm_sqn = self.spm_sqn.wrapping_add(1);
                self.ambient_at = now + self.cfg.ambient_spm;
                if self.start_spms > 0 {
                    self.start_spms -= 1;
                    if self.start_spms > 0 {
                        return true;
                    }
                }
                if !heartbeat_due {
                    // Only the ambient SPM: the heartbeat keeps its place.
                    return true;
                }
                let next = match self.heartbeat {
                    Some(i) if i + 1 < HEARTBEAT_SPM.len() => {
                        self.heartbeat = Some(i + 1);
                        HEARTBEAT_SPM[i + 1]
                    }
                    _ => {
                        self.heartbeat = None;
                        self.cfg.ambient_spm
                    }
                };
                self.spm_at = now + next;
            }
        }
        out.len() > start
    }

    /// Repairs queued and not yet sent.
    pub fn repairs_pending(&self) -> bool {
        !self.confirm.is_empty() || !self.repairs.is_empty()
    }

    /// When the source next has something to do by itself: an SPM, or
    /// the rate limit letting a waiting packet of `waiting` bytes go.
    pub fn next_deadline(&self, waiting: Option<usize>, now: Instant) -> Instant {
        let mut at = self.spm_at.min(self.ambient_at);
        if let Some(len) = waiting {
            at = at.min(self.admitted_at(len, now));
        }
        if !self.confirm.is_empty() {
            at = now;
        } else if let Some(&sqn) = self.repairs.front() {
            let len = self.held_len(sqn).unwrap_or(0);
            at = at.min(self.admitted_at(len, now));
        }
        at
    }

    /// The session this source sends as.
    pub fn head(&self) -> &Head {
        &self.head
    }
}

#[cfg(test)]
mod tests;
