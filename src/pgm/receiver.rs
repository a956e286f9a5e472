//! One source's receive window (RFC 3208 §5.1, §6): packets in any order
//! in, payloads out in sequence order, and the NAKs to send for what is
//! missing. A gap's sequence numbers wait a random back-off (so that many
//! receivers of one group do not all NAK at once), are NAKed, wait for the
//! source's NCF and then for the repair; each wait that expires starts the
//! back-off again, up to the retry limits. A packet is lost for good when
//! the retries run out or the source's trail passes it (the source no
//! longer holds it); `pop` then reports `Delivery::Lost`, and the caller
//! resynchronises at the next message start (libzmq's behaviour).
//!
//! State machine only: time comes in as `now`, NAKs go out as sequence
//! numbers for the engine to send. Bounded: at most `window` packets are
//! held, whatever sequence numbers a peer sends.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What the window's timers and bounds are (the defaults are libzmq's
/// settings of OpenPGM's receiver).
#[derive(Debug, Clone, Copy)]
pub struct RxConfig {
    /// The longest random back-off before a NAK.
    pub nak_bo_ivl: Duration,
    /// How long a NAK waits for its NCF.
    pub nak_rpt_ivl: Duration,
    /// How long an NCF'd packet waits for its repair.
    pub nak_rdata_ivl: Duration,
    /// Repairs waited for in vain before the packet is lost.
    pub nak_data_retries: u32,
    /// NAKs that got no NCF before the packet is lost.
    pub nak_ncf_retries: u32,
    /// The most sequence numbers held (received or missing).
    pub window: u32,
}

impl Default for RxConfig {
    fn default() -> Self {
        RxConfig {
            nak_bo_ivl: Duration::from_millis(50),
            nak_rpt_ivl: Duration::from_millis(200),
            nak_rdata_ivl: Duration::from_millis(200),
            nak_data_retries: 50,
            nak_ncf_retries: 50,
            window: 64 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    /// Backing off before the NAK.
    BackOff,
    /// NAKed: waiting for the NCF.
    Ncf,
    /// Confirmed: waiting for the repair.
    Repair,
}

#[derive(Debug)]
enum Slot {
    Missing {
        wait: Wait,
        until: Instant,
        ncf_retries: u32,
        data_retries: u32,
    },
    Have(Vec<u8>),
    Lost,
}

/// What comes out of the window, in sequence order.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Payload(Vec<u8>),
    /// One or more packets here will never come.
    Lost,
}

/// `a - b` as a signed distance in sequence-number space.
fn dist(a: u32, b: u32) -> i64 {
    i64::from(a.wrapping_sub(b) as i32)
}

pub struct RxWindow {
    cfg: RxConfig,
    /// The sequence number of `slots[0]`: the next to deliver.
    next: u32,
    slots: VecDeque<Slot>,
    /// The oldest packet the source still holds (its last trail).
    trail: u32,
    rng: u64,
    /// The window moved past packets not delivered: `pop` says so first.
    lost: bool,
}

impl RxWindow {
    /// A window that starts at `first` (the first packet heard of: older
    /// ones are not asked for, as libzmq's receivers join without late
    /// join). `seed` varies the back-offs between receivers.
    pub fn new(first: u32, cfg: RxConfig, seed: u64) -> RxWindow {
        RxWindow {
            cfg,
            next: first,
            slots: VecDeque::new(),
            trail: first,
            rng: seed | 1,
            lost: false,
        }
    }

    /// The next sequence number after everything heard of.
    fn lead_next(&self) -> u32 {
        self.next.wrapping_add(self.slots.len() as u32)
    }

    fn backoff(&mut self, now: Instant) -> Instant {
        // xorshift64: the spread, not its quality, is what matters.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let ivl = self.cfg.nak_bo_ivl.as_micros().max(1) as u64;
        now + Duration::from_micros(self.rng % ivl)
    }

    fn missing(&mut self, now: Instant) -> Slot {
        Slot::Missing {
            wait: Wait::BackOff,
            until: self.backoff(now),
            ncf_retries: 0,
            data_retries: 0,
        }
    }

    /// Makes room for `sqn` and the slots up to it; its index, or `None`
    /// if it is older than the window. A `sqn` beyond the window moves the
    /// window on: what falls out of it is lost (the engine pops after
    /// every packet, so what is held at the front waits behind a gap).
    fn reach(&mut self, sqn: u32, now: Instant) -> Option<usize> {
        let d = dist(sqn, self.next);
        if d < 0 {
            return None;
        }
        let window = i64::from(self.cfg.window.max(1));
        if d >= window {
            let shift = (d - window + 1) as u64;
            let n = shift.min(self.slots.len() as u64) as usize;
            self.slots.drain(..n);
            self.next = self.next.wrapping_add(shift as u32);
            self.lost = true;
        }
        let d = dist(sqn, self.next) as usize;
        while self.slots.len() <= d {
            let s = self.missing(now);
            self.slots.push_back(s);
        }
        Some(d)
    }

    /// The source's trail moved: what it no longer holds cannot be
    /// repaired.
    fn set_trail(&mut self, trail: u32) {
        if dist(trail, self.trail) > 0 {
            self.trail = trail;
        }
        let behind = dist(self.trail, self.next).max(0) as usize;
        for slot in self.slots.iter_mut().take(behind) {
            if let Slot::Missing { .. } = slot {
                *slot = Slot::Lost;
            }
        }
    }

    /// An ODATA or RDATA packet.
    pub fn data(&mut self, sqn: u32, trail: u32, payload: &[u8], now: Instant) {
        if let Some(i) = self.reach(sqn, now) {
            if let Slot::Missing { .. } = self.slots[i] {
                self.slots[i] = Slot::Have(payload.to_vec());
            }
        }
        self.set_trail(trail);
    }

    /// An SPM: packets up to `lead` were sent, so any of them not heard of
    /// is missing (loss at the end of a burst shows only this way).
    pub fn spm(&mut self, lead: u32, trail: u32, now: Instant) {
        // `lead` one before `next`: nothing was sent that we lack.
        if dist(lead, self.lead_next()) >= 0 {
            self.reach(lead, now);
        }
        self.set_trail(trail);
    }

    /// An NCF: the source will repair these; wait for the repair.
    pub fn ncf(&mut self, sqns: &[u32], now: Instant) {
        for &sqn in sqns {
            let d = dist(sqn, self.next);
            if d < 0 || d as usize >= self.slots.len() {
                continue;
            }
            if let Slot::Missing { wait, until, .. } = &mut self.slots[d as usize] {
                if *wait != Wait::Repair {
                    *wait = Wait::Repair;
                    *until = now + self.cfg.nak_rdata_ivl;
                }
            }
        }
    }

    /// Runs the timers due at `now`: back-offs over become NAKs (their
    /// sequence numbers appended to `naks`), waits over become new
    /// back-offs or, past the retry limits, losses.
    pub fn poll(&mut self, now: Instant, naks: &mut Vec<u32>) {
        let cfg = self.cfg;
        for i in 0..self.slots.len() {
            match &self.slots[i] {
                Slot::Missing { until, .. } if *until <= now => {}
                _ => continue,
            }
            let sqn = self.next.wrapping_add(i as u32);
            let again = self.backoff(now);
            let Slot::Missing {
                wait,
                until,
                ncf_retries,
                data_retries,
            } = &mut self.slots[i]
            else {
                continue;
            };
            let retries = match *wait {
                Wait::BackOff => {
                    naks.push(sqn);
                    *wait = Wait::Ncf;
                    *until = now + cfg.nak_rpt_ivl;
                    continue;
                }
                Wait::Ncf => {
                    *ncf_retries += 1;
                    *ncf_retries > cfg.nak_ncf_retries
                }
                Wait::Repair => {
                    *data_retries += 1;
                    *data_retries > cfg.nak_data_retries
                }
            };
            if retries {
                self.slots[i] = Slot::Lost;
            } else {
                *wait = Wait::BackOff;
                *until = again;
            }
        }
    }

    /// The earliest timer, if anything is missing.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Missing { until, .. } => Some(*until),
                _ => None,
            })
            .min()
    }

    /// The next payload in order, or the news of a loss.
    pub fn pop(&mut self) -> Option<Delivery> {
        if std::mem::take(&mut self.lost) {
            return Some(Delivery::Lost);
        }
        let d = match self.slots.front()? {
            Slot::Missing { .. } => return None,
            Slot::Lost => Delivery::Lost,
            Slot::Have(_) => match self.slots.pop_front() {
                Some(Slot::Have(p)) => {
                    self.next = self.next.wrapping_add(1);
                    return Some(Delivery::Payload(p));
                }
                _ => return None,
            },
        };
        // Consecutive losses are one.
        while let Some(Slot::Lost) = self.slots.front() {
            self.slots.pop_front();
            self.next = self.next.wrapping_add(1);
        }
        Some(d)
    }

    /// Packets held (received or missing).
    pub fn held(&self) -> usize {
        self.slots.len()
    }
}

#[cfg(test)]
mod tests;
