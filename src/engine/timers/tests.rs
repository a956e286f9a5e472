//! Scenarios for the session timers on a simulated clock: time moves only
//! when a scenario moves it, straight from one deadline to the next, so a
//! minute of heartbeats takes no time at all.

use std::time::{Duration, Instant};

use super::TimerEvent::{
    ConnectExpired, HandshakeExpired, LingerExpired, PeerDead, Reconnect, SendPing,
};
use super::{TimerConfig, TimerEvent, Timers, Wakeups};

/// libzmq's defaults for the options the timers read.
const DEFAULTS: TimerConfig = TimerConfig {
    reconnect_ivl: 100,
    reconnect_ivl_max: 0,
    connect_timeout: 0,
    handshake_ivl: 30_000,
    heartbeat_ivl: 0,
    heartbeat_timeout: -1,
    heartbeat_ttl: 0,
};

/// A PING as sent with no `ZMQ_HEARTBEAT_TTL`.
const PING: TimerEvent = SendPing { ttl_deciseconds: 0 };

/// A session's timers and the simulated clock that drives them.
struct Sim {
    timers: Timers,
    /// The start of the scenario; times are given in ms after it.
    epoch: Instant,
    now: Instant,
}

impl Sim {
    fn new(config: TimerConfig) -> Sim {
        let epoch = Instant::now();
        Sim {
            timers: Timers::new(config),
            epoch,
            now: epoch,
        }
    }

    /// `ms` milliseconds after the start.
    fn at(&self, ms: u64) -> Instant {
        self.epoch + Duration::from_millis(ms)
    }

    /// Milliseconds since the start.
    fn ms(&self) -> u64 {
        (self.now - self.epoch).as_millis() as u64
    }

    /// Moves the clock to `ms` (never back).
    fn set(&mut self, ms: u64) {
        self.now = self.now.max(self.at(ms));
    }

    /// What is due now, with when.
    fn poll_all(&mut self, fired: &mut Vec<(u64, TimerEvent)>) {
        while let Some(ev) = self.timers.poll(self.now) {
            fired.push((self.ms(), ev));
        }
    }

    /// Runs the clock to `ms`, stopping at each deadline on the way;
    /// returns what fired, with when.
    fn run_until(&mut self, ms: u64) -> Vec<(u64, TimerEvent)> {
        let mut fired = Vec::new();
        self.poll_all(&mut fired);
        while let Some(next) = self.timers.next_deadline().filter(|&d| d <= self.at(ms)) {
            self.now = self.now.max(next);
            self.poll_all(&mut fired);
        }
        self.set(ms);
        fired
    }

    /// Moves the clock to the next deadline and returns what fired there
    /// (and when), as a session woken up would see it: nothing if the
    /// deadline is stale.
    fn step(&mut self) -> Option<(u64, TimerEvent)> {
        self.now = self.now.max(self.timers.next_deadline()?);
        let ev = self.timers.poll(self.now)?;
        Some((self.ms(), ev))
    }

    /// The connect attempt failed now: the wait before the retry.
    fn fail(&mut self) -> Option<u64> {
        let wait = self.timers.schedule_reconnect(self.now)?;
        Some(wait.as_millis() as u64)
    }

    /// Bytes from the peer every `every` ms from now until `ms`.
    fn peer_talks_until(&mut self, ms: u64, every: u64) -> Vec<(u64, TimerEvent)> {
        let mut fired = Vec::new();
        while self.ms() + every <= ms {
            let next = self.ms() + every;
            fired.extend(self.run_until(next));
            self.timers.received(self.now);
        }
        fired.extend(self.run_until(ms));
        fired
    }
}

fn config(change: impl FnOnce(&mut TimerConfig)) -> TimerConfig {
    let mut c = DEFAULTS;
    change(&mut c);
    c
}

/// A session whose connection is established at the start.
fn established(change: impl FnOnce(&mut TimerConfig)) -> Sim {
    let mut sim = Sim::new(config(change));
    sim.timers.established(sim.now);
    sim
}

#[test]
fn reconnect_waits_double_up_to_the_maximum() {
    let mut sim = Sim::new(config(|c| c.reconnect_ivl_max = 1000));
    let mut waits = Vec::new();
    let mut retries = Vec::new();
    for _ in 0..6 {
        waits.push(sim.fail().unwrap());
        let (at, ev) = sim.step().unwrap();
        assert_eq!(ev, Reconnect);
        retries.push(at);
    }
    assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
    assert_eq!(retries, [100, 300, 700, 1500, 2500, 3500]);
}

#[test]
fn a_retry_is_due_at_its_wait_and_not_before() {
    let mut sim = Sim::new(config(|c| c.reconnect_ivl_max = 1000));
    sim.set(40);
    assert_eq!(sim.fail(), Some(100));
    assert_eq!(sim.run_until(139), []);
    assert_eq!(sim.run_until(140), [(140, Reconnect)]);
    assert_eq!(sim.run_until(10_000), []);
}

#[test]
fn the_backoff_starts_again_once_a_connection_is_established() {
    let mut sim = Sim::new(config(|c| c.reconnect_ivl_max = 1000));
    let mut waits = Vec::new();
    for _ in 0..3 {
        waits.extend(sim.fail());
        sim.step();
    }
    sim.timers.handshake_started(sim.now);
    sim.timers.established(sim.now);
    sim.set(sim.ms() + 5000);
    for _ in 0..2 {
        waits.extend(sim.fail());
        sim.step();
    }
    assert_eq!(waits, [100, 200, 400, 100, 200]);
}

#[test]
fn without_a_maximum_every_retry_waits_the_interval() {
    let mut sim = Sim::new(DEFAULTS);
    let waits: Vec<_> = (0..5)
        .filter_map(|_| {
            let wait = sim.fail();
            sim.step();
            wait
        })
        .collect();
    assert_eq!(waits, [100; 5]);
}

#[test]
fn a_maximum_below_the_interval_keeps_the_interval() {
    let mut sim = Sim::new(config(|c| c.reconnect_ivl_max = 50));
    assert_eq!(sim.fail(), Some(100));
    sim.step();
    assert_eq!(sim.fail(), Some(100));
}

#[test]
fn no_interval_means_no_reconnect() {
    for ivl in [-1, 0] {
        let mut sim = Sim::new(config(|c| {
            c.reconnect_ivl = ivl;
            c.reconnect_ivl_max = 1000;
        }));
        assert_eq!(sim.fail(), None);
        assert_eq!(sim.timers.next_deadline(), None);
        assert_eq!(sim.run_until(60_000), []);
    }
}

#[test]
fn a_silent_peer_is_dead_one_timeout_after_the_first_ping() {
    // No ZMQ_HEARTBEAT_TIMEOUT: the interval is the timeout. The silence
    // is judged before the PING due at the same instant would go out.
    let mut sim = established(|c| c.heartbeat_ivl = 100);
    assert_eq!(sim.run_until(199), [(100, PING)]);
    assert_eq!(sim.run_until(200), [(200, PeerDead)]);
    assert_eq!(sim.run_until(60_000), []);
}

#[test]
fn a_talking_peer_is_never_dead() {
    let mut sim = established(|c| {
        c.heartbeat_ivl = 100;
        c.heartbeat_ttl = 30;
    });
    let fired = sim.peer_talks_until(60_000, 50);
    assert_eq!(fired.len(), 600);
    let ping = SendPing {
        ttl_deciseconds: 30,
    };
    for (i, &(at, ev)) in fired.iter().enumerate() {
        assert_eq!((at, ev), (100 * (i as u64 + 1), ping));
    }
}

#[test]
fn the_timeout_counts_from_the_last_bytes_in() {
    // Pings every 100 ms, a timeout of 1 s; the peer falls silent at
    // 550 ms. The first PING it leaves unanswered goes at 600 ms: dead at
    // 1600 ms, when a whole timeout has passed with nothing in.
    let mut sim = established(|c| {
        c.heartbeat_ivl = 100;
        c.heartbeat_timeout = 1000;
    });
    sim.peer_talks_until(550, 50);
    let fired = sim.run_until(1599);
    assert!(fired.iter().all(|&(_, ev)| ev == PING), "{fired:?}");
    assert_eq!(sim.run_until(1600), [(1600, PeerDead)]);
}

#[test]
fn a_late_answer_saves_the_connection_once() {
    let mut sim = established(|c| c.heartbeat_ivl = 100);
    assert_eq!(sim.run_until(150), [(100, PING)]);
    sim.timers.received(sim.now);
    assert_eq!(sim.run_until(300), [(200, PING), (300, PeerDead)]);
}

#[test]
fn an_answer_right_after_the_ping_counts_however_late_the_check() {
    // The timeout is the interval; the PONG comes 100 µs after the PING
    // and the wake-up for its check 1 ms late: the peer is alive (on a
    // fast link this is every PING).
    let mut sim = established(|c| c.heartbeat_ivl = 100);
    assert_eq!(sim.run_until(100), [(100, PING)]);
    sim.timers
        .received(sim.at(100) + Duration::from_micros(100));
    sim.set(201);
    assert_eq!(sim.timers.poll(sim.now), Some(PING));
    assert_eq!(sim.timers.poll(sim.now), None);
}

#[test]
fn of_checks_due_together_an_unanswered_newer_ping_decides() {
    // A wake-up so late that two checks are due: the answer to the first
    // PING does not answer the second.
    let mut sim = established(|c| {
        c.heartbeat_ivl = 100;
        c.heartbeat_timeout = 1000;
    });
    assert_eq!(sim.run_until(200), [(100, PING), (200, PING)]);
    sim.timers.received(sim.at(150));
    sim.set(1250);
    let mut fired = Vec::new();
    sim.poll_all(&mut fired);
    // The PING overdue since 300 ms first, then both checks at once.
    assert_eq!(fired, [(1250, PING), (1250, PeerDead)]);
}

#[test]
fn the_peers_ttl_ends_a_silent_connection_without_heartbeats_here() {
    // No heartbeat options on this side; the peer's PING at 0 asked for
    // 1.5 s. Bytes at 400 ms restart the clock: dead at 1900 ms.
    let mut sim = established(|_| {});
    sim.timers
        .peer_ttl(Some(Duration::from_millis(1500)), sim.at(0));
    sim.timers.received(sim.at(400));
    assert_eq!(sim.run_until(1899), []);
    assert_eq!(sim.run_until(1900), [(1900, PeerDead)]);
    assert_eq!(sim.run_until(60_000), []);
}

#[test]
fn a_talking_peer_outlives_its_ttl() {
    let mut sim = established(|_| {});
    sim.timers
        .peer_ttl(Some(Duration::from_millis(300)), sim.at(0));
    assert_eq!(sim.peer_talks_until(60_000, 100), []);
}

#[test]
fn no_ttl_once_the_connection_is_lost_or_a_ping_asks_for_none() {
    let mut sim = established(|_| {});
    sim.timers
        .peer_ttl(Some(Duration::from_millis(300)), sim.at(0));
    sim.timers.peer_ttl(None, sim.at(0));
    assert_eq!(sim.run_until(1000), []);
    sim.timers
        .peer_ttl(Some(Duration::from_millis(300)), sim.at(1000));
    sim.timers.connection_lost();
    assert_eq!(sim.run_until(60_000), []);
}

#[test]
fn a_late_wake_up_delays_the_next_ping() {
    // The next PING, and the timeout, count from when a PING went out.
    let mut sim = established(|c| c.heartbeat_ivl = 100);
    sim.set(130);
    assert_eq!(sim.timers.poll(sim.now), Some(PING));
    assert_eq!(sim.timers.poll(sim.now), None);
    assert_eq!(sim.timers.next_deadline(), Some(sim.at(230)));
}

#[test]
fn no_heartbeat_without_an_interval() {
    let mut sim = established(|c| c.heartbeat_timeout = 100);
    assert_eq!(sim.timers.next_deadline(), None);
    assert_eq!(sim.run_until(60_000), []);
}

#[test]
fn a_connect_attempt_is_given_up_after_the_connect_timeout() {
    let mut sim = Sim::new(config(|c| c.connect_timeout = 500));
    sim.timers.connect_started(sim.now);
    assert_eq!(sim.run_until(499), []);
    assert_eq!(sim.run_until(500), [(500, ConnectExpired)]);
    // The retry after it has a timeout of its own.
    assert_eq!(sim.fail(), Some(100));
    assert_eq!(sim.run_until(600), [(600, Reconnect)]);
    sim.timers.connect_started(sim.now);
    assert_eq!(sim.run_until(1100), [(1100, ConnectExpired)]);
}

#[test]
fn a_connect_that_ends_in_time_does_not_expire() {
    let mut sim = Sim::new(config(|c| c.connect_timeout = 500));
    sim.timers.connect_started(sim.now);
    sim.set(200);
    sim.timers.connect_over();
    assert_eq!(sim.run_until(60_000), []);
}

#[test]
fn no_connect_timeout_means_the_os_decides() {
    let mut sim = Sim::new(DEFAULTS);
    sim.timers.connect_started(sim.now);
    assert_eq!(sim.timers.next_deadline(), None);
}

#[test]
fn a_handshake_expires_after_the_handshake_interval() {
    let mut sim = Sim::new(DEFAULTS);
    sim.set(10);
    sim.timers.handshake_started(sim.now);
    assert_eq!(sim.run_until(30_009), []);
    assert_eq!(sim.run_until(30_010), [(30_010, HandshakeExpired)]);
    assert_eq!(sim.run_until(120_000), []);
}

#[test]
fn a_handshake_that_ends_in_time_does_not_expire() {
    let mut sim = Sim::new(DEFAULTS);
    sim.timers.handshake_started(sim.now);
    sim.set(29_999);
    sim.timers.established(sim.now);
    assert_eq!(sim.run_until(120_000), []);
}

#[test]
fn no_handshake_interval_means_no_handshake_timeout() {
    let mut sim = Sim::new(config(|c| c.handshake_ivl = 0));
    sim.timers.handshake_started(sim.now);
    assert_eq!(sim.timers.next_deadline(), None);
}

#[test]
fn the_handshake_timeout_of_a_lost_connection_is_forgotten() {
    // The first connection fails during its handshake; its timeout must
    // not cut the next connection's handshake short.
    let mut sim = Sim::new(DEFAULTS);
    sim.timers.handshake_started(sim.now);
    sim.set(10);
    assert_eq!(sim.fail(), Some(100));
    assert_eq!(sim.step(), Some((110, Reconnect)));
    sim.set(20_000);
    sim.timers.handshake_started(sim.now);
    assert_eq!(sim.run_until(49_999), []);
    assert_eq!(sim.run_until(50_000), [(50_000, HandshakeExpired)]);
}

#[test]
fn a_lost_connection_stops_its_pings_and_the_next_one_has_its_own() {
    let mut sim = established(|c| c.heartbeat_ivl = 100);
    sim.set(150);
    sim.timers.connection_lost();
    assert_eq!(sim.run_until(1000), []);
    sim.timers.established(sim.now);
    sim.timers.received(sim.now);
    assert_eq!(sim.run_until(1150), [(1100, PING)]);
}

#[test]
fn linger_ends_after_its_period() {
    let mut sim = Sim::new(DEFAULTS);
    sim.set(5);
    sim.timers.linger_started(sim.now, 500);
    assert_eq!(sim.run_until(504), []);
    assert_eq!(sim.run_until(505), [(505, LingerExpired)]);
    assert_eq!(sim.run_until(60_000), []);
}

#[test]
fn an_infinite_or_zero_linger_sets_no_deadline() {
    for linger in [-1, 0] {
        let mut sim = Sim::new(DEFAULTS);
        sim.timers.linger_started(sim.now, linger);
        assert_eq!(sim.timers.next_deadline(), None);
    }
}

#[test]
fn a_dead_peer_is_retried_with_the_usual_backoff() {
    // As a session reacts: a dead peer loses the connection, which is
    // retried; the retry fails twice, then connects and heartbeats again.
    let mut sim = Sim::new(config(|c| {
        c.reconnect_ivl_max = 1000;
        c.heartbeat_ivl = 100;
        c.heartbeat_timeout = 300;
    }));
    sim.timers.handshake_started(sim.now);
    sim.timers.established(sim.now);
    let mut fired = Vec::new();
    // The waits CONNECT_RETRIED reports.
    let mut waits = Vec::new();
    while let Some((at, ev)) = sim.step() {
        fired.push((at, ev));
        match ev {
            PeerDead => waits.extend(sim.fail()),
            Reconnect if at < 1000 => waits.extend(sim.fail()),
            Reconnect => {
                sim.timers.handshake_started(sim.now);
                sim.timers.established(sim.now);
                sim.timers.received(sim.now);
                break;
            }
            _ => {}
        }
    }
    assert_eq!(
        fired,
        [
            (100, PING),
            (200, PING),
            (300, PING),
            (400, PeerDead),
            (500, Reconnect),
            (700, Reconnect),
            (1100, Reconnect),
        ]
    );
    assert_eq!(waits, [100, 200, 400]);
    assert_eq!(sim.step(), Some((1200, PING)));
}

#[test]
fn a_stale_wake_up_finds_nothing_due() {
    // The session's reactor cannot cancel a timer: the wake-up set for the
    // handshake timeout still comes after the connection is up.
    let mut sim = Sim::new(DEFAULTS);
    let mut wakeups = Wakeups::default();
    sim.timers.handshake_started(sim.now);
    assert_eq!(
        wakeups.arm(sim.timers.next_deadline()),
        Some(sim.at(30_000))
    );
    sim.set(50);
    sim.timers.established(sim.now);
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), None);
    sim.set(30_000);
    wakeups.fired(sim.now);
    assert_eq!(sim.timers.poll(sim.now), None);
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), None);
}

#[test]
fn a_wake_up_is_set_only_when_none_comes_earlier() {
    let mut sim = Sim::new(config(|c| c.heartbeat_ivl = 1000));
    let mut wakeups = Wakeups::default();
    sim.timers.linger_started(sim.now, 5000);
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), Some(sim.at(5000)));
    sim.set(100);
    sim.timers.established(sim.now);
    // The PING at 1100 comes before the linger's wake-up: one more.
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), Some(sim.at(1100)));
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), None);
    sim.set(1100);
    wakeups.fired(sim.now);
    assert_eq!(sim.timers.poll(sim.now), Some(PING));
    // The next PING and its check (2100) come before the linger's
    // wake-up (5000), which is still set.
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), Some(sim.at(2100)));
    sim.set(2100);
    wakeups.fired(sim.now);
    assert_eq!(sim.timers.poll(sim.now), Some(PeerDead));
    // Only the linger is left, and its wake-up is still set.
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), None);
    sim.set(5100);
    wakeups.fired(sim.now);
    assert_eq!(sim.timers.poll(sim.now), Some(LingerExpired));
}

#[test]
fn two_things_due_at_once_come_one_per_wake_up() {
    // A session handles one event per wake-up (the first may end it), so
    // the second gets a wake-up of its own, right away.
    let mut sim = Sim::new(config(|c| c.handshake_ivl = 5000));
    let mut wakeups = Wakeups::default();
    sim.timers.handshake_started(sim.now);
    sim.timers.linger_started(sim.now, 5000);
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), Some(sim.at(5000)));
    sim.set(5001);
    wakeups.fired(sim.now);
    assert_eq!(sim.timers.poll(sim.now), Some(HandshakeExpired));
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), Some(sim.at(5000)));
    sim.set(5002);
    wakeups.fired(sim.now);
    assert_eq!(sim.timers.poll(sim.now), Some(LingerExpired));
    assert_eq!(wakeups.arm(sim.timers.next_deadline()), None);
}
