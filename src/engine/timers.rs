//! `Timers`: a session's deadlines as a sans-IO state machine — reconnect
//! with exponential backoff (`ZMQ_RECONNECT_IVL` up to
//! `ZMQ_RECONNECT_IVL_MAX`), the connect timeout (`ZMQ_CONNECT_TIMEOUT`),
//! the handshake timeout (`ZMQ_HANDSHAKE_IVL`),
//! heartbeats (`ZMQ_HEARTBEAT_IVL`, `_TTL`, `_TIMEOUT`) and linger.
//!
//! The session tells it what happened (a connect attempt is over, a
//! handshake started, the connection is up, bytes came in, it was lost, the
//! socket closed) and asks it when to wake up (`next_deadline`) and what is
//! due (`poll`). It never reads the clock — every instant comes in as an
//! argument, so a test can run minutes of heartbeats in no time — and it
//! never does I/O or reaches into sockets or the context: it only decides.
//!
//! A deadline that an event superseded (a handshake timeout after the
//! connection was lost, the pings of a connection that is gone) is simply
//! forgotten, so a wake-up set for it finds nothing due.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[cfg(test)]
mod tests;

/// The socket options the timers act on, in the options' own units
/// (milliseconds, and deciseconds for the TTL), with their special values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerConfig {
    /// `ZMQ_RECONNECT_IVL`; 0 or less: a lost connection is not retried.
    pub reconnect_ivl: i32,
    /// `ZMQ_RECONNECT_IVL_MAX`; 0: every retry waits `reconnect_ivl`.
    pub reconnect_ivl_max: i32,
    /// `ZMQ_CONNECT_TIMEOUT`; 0: a connect attempt waits for the OS.
    pub connect_timeout: i32,
    /// `ZMQ_HANDSHAKE_IVL`; 0: a handshake may take forever.
    pub handshake_ivl: i32,
    /// `ZMQ_HEARTBEAT_IVL`; 0: no heartbeats.
    pub heartbeat_ivl: i32,
    /// `ZMQ_HEARTBEAT_TIMEOUT`; 0 or less: `heartbeat_ivl` is the timeout.
    pub heartbeat_timeout: i32,
    /// `ZMQ_HEARTBEAT_TTL` as a PING carries it (RFC 37: deciseconds).
    pub heartbeat_ttl: u16,
}

/// Something due, for the session to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerEvent {
    /// The wait before the next connect attempt is over.
    Reconnect,
    /// `ZMQ_CONNECT_TIMEOUT` passed and the connect attempt is still in
    /// progress: give it up (and retry).
    ConnectExpired,
    /// `ZMQ_HANDSHAKE_IVL` passed and the handshake has not finished.
    HandshakeExpired,
    /// Time for a heartbeat: send a PING with this TTL.
    SendPing { ttl_deciseconds: u16 },
    /// Nothing came in for a whole heartbeat timeout since a PING was
    /// sent (or for the peer's TTL): the connection is dead.
    PeerDead,
    /// The linger period after the socket closed is over.
    LingerExpired,
}

/// A session's deadlines (see the module doc).
#[derive(Debug)]
pub struct Timers {
    config: TimerConfig,
    /// The wait before the next retry; doubles per retry up to the maximum.
    backoff: Duration,
    reconnect_at: Option<Instant>,
    connect_until: Option<Instant>,
    handshake_until: Option<Instant>,
    linger_until: Option<Instant>,
    /// While the connection is up and heartbeats are on.
    heartbeat: Option<Heartbeat>,
    /// The peer's `ZMQ_HEARTBEAT_TTL` from its last PING, and when bytes
    /// last came in: the connection is dead when nothing comes for that
    /// long (whether or not this side sends heartbeats).
    peer_ttl: Option<(Duration, Instant)>,
}

/// Heartbeat state of an established connection.
#[derive(Debug)]
struct Heartbeat {
    next_ping: Instant,
    /// For each PING sent, oldest first: when to look whether the peer
    /// has answered it, and when it went out.
    checks: VecDeque<Check>,
    /// When the last bytes came in.
    last_received: Instant,
}

/// One PING's timeout: at `due`, the peer is dead if nothing came in
/// since `sent`. (Asking instead whether the peer was silent for a whole
/// timeout before `due` would count an answer that came within less than
/// the wake-up's lateness of the PING as silence: with the timeout equal
/// to the interval, every healthy connection on a fast link would die.)
#[derive(Debug, Clone, Copy)]
struct Check {
    due: Instant,
    sent: Instant,
}

/// The order of things due at the same instant. When the timeout equals
/// the interval, a PING's check and the next PING fall due together; the
/// check comes first, as it did when each had a reactor timer (the check's
/// was set first): a dead peer gets no last PING.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    Reconnect,
    Connect,
    Handshake,
    Linger,
    Check,
    PeerTtl,
    Ping,
}

/// A positive option value in milliseconds as a duration.
fn millis(ms: i32) -> Option<Duration> {
    (ms > 0).then(|| Duration::from_millis(ms as u64))
}

impl Timers {
    pub fn new(config: TimerConfig) -> Timers {
        Timers {
            config,
            backoff: Self::first_backoff(&config),
            reconnect_at: None,
            connect_until: None,
            handshake_until: None,
            linger_until: None,
            heartbeat: None,
            peer_ttl: None,
        }
    }

    fn first_backoff(config: &TimerConfig) -> Duration {
        millis(config.reconnect_ivl).unwrap_or(Duration::ZERO)
    }

    /// How long the peer may stay silent after a PING.
    fn heartbeat_timeout(&self) -> Duration {
        millis(self.config.heartbeat_timeout)
            .or(millis(self.config.heartbeat_ivl))
            .unwrap_or(Duration::ZERO)
    }

    /// A connect attempt failed, or a connection ended, and the session
    /// means to try again: the retry is due after the returned wait (which
    /// `ZMQ_EVENT_CONNECT_RETRIED` reports). `None`: reconnection is off
    /// (`ZMQ_RECONNECT_IVL` ≤ 0) and nothing will come.
    ///
    /// Each retry waits twice the one before, up to `ZMQ_RECONNECT_IVL_MAX`
    /// (never less than `ZMQ_RECONNECT_IVL`, even if the maximum is lower).
    pub fn schedule_reconnect(&mut self, now: Instant) -> Option<Duration> {
        self.connection_lost();
        millis(self.config.reconnect_ivl)?;
        let wait = self.backoff;
        self.reconnect_at = Some(now + wait);
        if let Some(max) = millis(self.config.reconnect_ivl_max) {
            self.backoff = (wait * 2).min(max).max(wait);
        }
        Some(wait)
    }

    /// A connect attempt is in progress: it must end within
    /// `ZMQ_CONNECT_TIMEOUT`.
    pub fn connect_started(&mut self, now: Instant) {
        self.connect_until = millis(self.config.connect_timeout).map(|t| now + t);
    }

    /// The connect attempt is over (connected, failed or given up).
    pub fn connect_over(&mut self) {
        self.connect_until = None;
    }

    /// A ZMTP handshake started: it must end within `ZMQ_HANDSHAKE_IVL`.
    pub fn handshake_started(&mut self, now: Instant) {
        self.handshake_until = millis(self.config.handshake_ivl).map(|ivl| now + ivl);
    }

    /// The connection is ready for messages: the handshake timeout is
    /// over, the backoff starts again from `ZMQ_RECONNECT_IVL`, and
    /// heartbeats start (the first PING one interval from now).
    pub fn established(&mut self, now: Instant) {
        self.handshake_until = None;
        self.reconnect_at = None;
        self.backoff = Self::first_backoff(&self.config);
        self.heartbeat = millis(self.config.heartbeat_ivl).map(|ivl| Heartbeat {
            next_ping: now + ivl,
            checks: VecDeque::new(),
            last_received: now,
        });
        self.peer_ttl = None;
    }

    /// The TTL the peer's last PING asked for (`None`: none, or no PING
    /// yet), with the engine's last read. libzmq's semantics: a PING with
    /// a TTL starts the clock, anything that comes in restarts it.
    pub fn peer_ttl(&mut self, ttl: Option<Duration>, last_received: Instant) {
        self.peer_ttl = ttl.map(|ttl| (ttl, last_received));
    }

    /// The engine's last read from the peer was at `at` (it keeps that
    /// instant; the session passes it on before it polls).
    pub fn received(&mut self, at: Instant) {
        if let Some(hb) = &mut self.heartbeat {
            hb.last_received = at;
        }
        if let Some((_, last)) = &mut self.peer_ttl {
            *last = at;
        }
    }

    /// The connection is gone: its handshake timeout and heartbeats with it.
    pub fn connection_lost(&mut self) {
        self.connect_until = None;
        self.handshake_until = None;
        self.heartbeat = None;
        self.peer_ttl = None;
    }

    /// The socket closed with `ZMQ_LINGER` `linger` (milliseconds): a
    /// positive value ends the session that long from now at the latest;
    /// a negative one lets it flush for as long as it takes. (With 0 the
    /// session does not linger at all, so there is nothing to time.)
    pub fn linger_started(&mut self, now: Instant, linger: i32) {
        self.linger_until = millis(linger).map(|l| now + l);
    }

    /// The earliest instant something may be due, if any.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.earliest().map(|(at, _)| at)
    }

    /// The earliest deadline and what it is for (ties in `Due` order).
    fn earliest(&self) -> Option<(Instant, Due)> {
        let hb = self.heartbeat.as_ref();
        [
            (self.reconnect_at, Due::Reconnect),
            (self.connect_until, Due::Connect),
            (self.handshake_until, Due::Handshake),
            (self.linger_until, Due::Linger),
            (hb.map(|h| h.next_ping), Due::Ping),
            (hb.and_then(|h| h.checks.front().map(|c| c.due)), Due::Check),
            (self.peer_ttl.map(|(ttl, last)| last + ttl), Due::PeerTtl),
        ]
        .into_iter()
        .filter_map(|(at, due)| Some((at?, due)))
        .min()
    }

    /// The next thing due at `now`, earliest first; `None` when nothing is
    /// (call it until then). Each deadline fires once.
    pub fn poll(&mut self, now: Instant) -> Option<TimerEvent> {
        loop {
            let (_, due) = self.earliest().filter(|&(at, _)| at <= now)?;
            match due {
                Due::Reconnect => {
                    self.reconnect_at = None;
                    return Some(TimerEvent::Reconnect);
                }
                Due::Connect => {
                    self.connect_until = None;
                    return Some(TimerEvent::ConnectExpired);
                }
                Due::Handshake => {
                    self.handshake_until = None;
                    return Some(TimerEvent::HandshakeExpired);
                }
                Due::Linger => {
                    self.linger_until = None;
                    return Some(TimerEvent::LingerExpired);
                }
                Due::Ping => {
                    let ivl = millis(self.config.heartbeat_ivl).unwrap_or(Duration::ZERO);
                    let timeout = self.heartbeat_timeout();
                    let hb = self.heartbeat.as_mut()?;
                    // Both count from when the PING actually goes out.
                    hb.checks.push_back(Check {
                        due: now + timeout,
                        sent: now,
                    });
                    hb.next_ping = now + ivl;
                    return Some(TimerEvent::SendPing {
                        ttl_deciseconds: self.config.heartbeat_ttl,
                    });
                }
                Due::Check => {
                    let hb = self.heartbeat.as_mut()?;
                    // Of the checks due by now, the newest PING's is the
                    // strictest: an answer to it answers the older ones.
                    let mut newest = hb.checks.pop_front()?.sent;
                    while let Some(c) = hb.checks.front().filter(|c| c.due <= now) {
                        newest = c.sent;
                        hb.checks.pop_front();
                    }
                    // Nothing came in since that PING went out.
                    if hb.last_received < newest {
                        self.heartbeat = None;
                        self.peer_ttl = None;
                        return Some(TimerEvent::PeerDead);
                    }
                }
                Due::PeerTtl => {
                    // Due means silent for the whole TTL since the last read.
                    self.heartbeat = None;
                    self.peer_ttl = None;
                    return Some(TimerEvent::PeerDead);
                }
            }
        }
    }
}

/// The wake-ups a session has asked its reactor for. The reactor cannot
/// cancel a timer, so a wake-up outlives the deadline it was set for; this
/// only avoids asking for one when an earlier one is already coming.
#[derive(Debug, Default)]
pub struct Wakeups {
    /// Instants of wake-ups set and not yet seen, at most a few.
    pending: Vec<Instant>,
}

impl Wakeups {
    /// For a session whose next deadline is `deadline`: the instant to set
    /// a reactor timer for, or `None` if a wake-up at or before it is
    /// already set (or there is no deadline).
    pub fn arm(&mut self, deadline: Option<Instant>) -> Option<Instant> {
        let deadline = deadline?;
        if self.pending.iter().any(|&p| p <= deadline) {
            return None;
        }
        self.pending.push(deadline);
        Some(deadline)
    }

    /// A wake-up fired at `now`: those set for `now` or earlier are done.
    pub fn fired(&mut self, now: Instant) {
        self.pending.retain(|&p| p > now);
    }
}
