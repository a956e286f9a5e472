//! A timer set, the engine behind `zmq_timers_*` (man page zmq_timers(3)):
//! repeating timers with a millisecond-style interval, run only when the
//! owner asks (`zmq_timers_execute`), never by a thread of their own.
//!
//! Sans-IO: the clock is never read here; every call that depends on time
//! takes `now`. Handlers are not called here either: `next_due` hands out
//! one due timer at a time and keeps no borrow, so the `ffi` layer can run a
//! C handler that cancels, adds or resets timers (itself included) while a
//! round of `execute` is in progress.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// A timer's number as C sees it: positive, unique within its set.
pub type TimerId = i32;

/// When a timer is next due. An interval too large to add to the clock
/// (libzmq's tests use `SIZE_MAX`) means never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Deadline {
    At(Instant),
    Never,
}

impl Deadline {
    fn after(now: Instant, interval: Duration) -> Deadline {
        now.checked_add(interval)
            .map_or(Deadline::Never, Deadline::At)
    }
}

/// A place in the schedule: deadline first, then the order of scheduling,
/// so timers due at the same moment run in the order they were (re)armed.
type Slot = (Deadline, u64);

#[derive(Debug)]
struct Timer<T> {
    interval: Duration,
    slot: Slot,
    payload: T,
}

/// One pass of `execute`, started by `TimerSet::start_round`.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    now: Instant,
    /// Timers scheduled at or after this sequence number (re-armed during
    /// the round, or added by a handler) wait for a later round, so a timer
    /// runs at most once per round even with a zero interval.
    horizon: u64,
}

/// Repeating timers carrying a payload each (the C handler and its argument
/// in the `ffi` layer).
#[derive(Debug)]
pub struct TimerSet<T> {
    timers: BTreeMap<TimerId, Timer<T>>,
    schedule: BTreeMap<Slot, TimerId>,
    /// The last id handed out; ids start at 1, as in libzmq.
    last_id: TimerId,
    /// The next scheduling sequence number.
    seq: u64,
}

impl<T> Default for TimerSet<T> {
    fn default() -> Self {
        TimerSet {
            timers: BTreeMap::new(),
            schedule: BTreeMap::new(),
            last_id: 0,
            seq: 0,
        }
    }
}

impl<T> TimerSet<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of live (not cancelled) timers.
    pub fn len(&self) -> usize {
        self.timers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }

    /// A fresh id: the one after the last, wrapping past `i32::MAX` back to
    /// 1 and skipping ids still in use, so ids stay positive and unique.
    fn fresh_id(&mut self) -> TimerId {
        loop {
            self.last_id = if self.last_id == TimerId::MAX {
                1
            } else {
                self.last_id + 1
            };
            if !self.timers.contains_key(&self.last_id) {
                return self.last_id;
            }
        }
    }

    /// Puts a timer (already in `timers`) into the schedule.
    fn arm(&mut self, id: TimerId, deadline: Deadline) {
        let slot = (deadline, self.seq);
        self.seq += 1;
        if let Some(timer) = self.timers.get_mut(&id) {
            self.schedule.remove(&timer.slot);
            timer.slot = slot;
            self.schedule.insert(slot, id);
        }
    }

    /// Adds a timer first due `interval` after `now`, then every `interval`.
    pub fn add(&mut self, now: Instant, interval: Duration, payload: T) -> TimerId {
        let id = self.fresh_id();
        let slot = (Deadline::after(now, interval), self.seq);
        self.seq += 1;
        self.timers.insert(
            id,
            Timer {
                interval,
                slot,
                payload,
            },
        );
        self.schedule.insert(slot, id);
        id
    }

    /// Removes a timer. `EINVAL` if there is no such (live) timer, so a
    /// second cancel of the same id fails.
    pub fn cancel(&mut self, id: TimerId) -> Result<T> {
        let timer = self.timers.remove(&id).ok_or(Error::Inval)?;
        self.schedule.remove(&timer.slot);
        Ok(timer.payload)
    }

    /// Changes a timer's interval and re-arms it to be due `interval` after
    /// `now`. `EINVAL` for an unknown id.
    pub fn set_interval(&mut self, now: Instant, id: TimerId, interval: Duration) -> Result<()> {
        let timer = self.timers.get_mut(&id).ok_or(Error::Inval)?;
        timer.interval = interval;
        self.arm(id, Deadline::after(now, interval));
        Ok(())
    }

    /// Restarts a timer's countdown: due one interval after `now`. `EINVAL`
    /// for an unknown id.
    pub fn reset(&mut self, now: Instant, id: TimerId) -> Result<()> {
        let interval = self.timers.get(&id).ok_or(Error::Inval)?.interval;
        self.arm(id, Deadline::after(now, interval));
        Ok(())
    }

    /// Time from `now` until the next timer is due: zero if one is overdue,
    /// `Duration::MAX` if every timer's deadline is out of the clock's
    /// range, `None` if there are no timers.
    pub fn timeout(&self, now: Instant) -> Option<Duration> {
        let (&(deadline, _), _) = self.schedule.first_key_value()?;
        Some(match deadline {
            Deadline::At(at) => at.saturating_duration_since(now),
            Deadline::Never => Duration::MAX,
        })
    }

    /// Starts an `execute` pass at `now`; then call `next_due` until it
    /// returns `None`.
    pub fn start_round(&self, now: Instant) -> Round {
        Round {
            now,
            horizon: self.seq,
        }
    }

    /// The next timer of the round that is due, earliest deadline first. It
    /// is re-armed for one interval after the round's `now` before it is
    /// returned, so the caller runs it with no borrow of the set held; a
    /// timer cancelled or re-armed meanwhile (by an earlier handler) is
    /// skipped if no longer due.
    pub fn next_due(&mut self, round: &Round) -> Option<(TimerId, T)>
    where
        T: Clone,
    {
        let id = self
            .schedule
            .range(..=(Deadline::At(round.now), u64::MAX))
            .find(|&(&(_, seq), _)| seq < round.horizon)
            .map(|(_, &id)| id)?;
        let timer = self.timers.get(&id)?;
        let (interval, payload) = (timer.interval, timer.payload.clone());
        self.arm(id, Deadline::after(round.now, interval));
        Some((id, payload))
    }

    /// Runs every timer due at `now` once, earliest first, through `run`.
    /// (For callers that need not touch the set from inside `run`.)
    pub fn execute(&mut self, now: Instant, mut run: impl FnMut(TimerId, &T))
    where
        T: Clone,
    {
        let round = self.start_round(now);
        while let Some((id, payload)) = self.next_due(&round) {
            run(id, &payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Runs a round at `now` and lists the ids that fired, in order.
    fn fired(set: &mut TimerSet<&'static str>, now: Instant) -> Vec<TimerId> {
        let mut ids = Vec::new();
        set.execute(now, |id, _| ids.push(id));
        ids
    }

    #[test]
    fn ids_start_at_one_and_increase() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        assert_eq!(set.add(t0, ms(10), "a"), 1);
        assert_eq!(set.add(t0, ms(10), "b"), 2);
        set.cancel(2).unwrap();
        // A cancelled id is not handed out again.
        assert_eq!(set.add(t0, ms(10), "c"), 3);
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn ids_wrap_to_positive_and_skip_live_ones() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        assert_eq!(set.add(t0, ms(1), "one"), 1);
        set.last_id = TimerId::MAX - 1;
        assert_eq!(set.add(t0, ms(1), "max"), TimerId::MAX);
        assert_eq!(set.add(t0, ms(1), "wrapped"), 2);
    }

    #[test]
    fn empty_set_has_no_timeout_and_runs_nothing() {
        let t0 = Instant::now();
        let mut set = TimerSet::<&str>::new();
        assert_eq!(set.timeout(t0), None);
        assert!(fired(&mut set, t0).is_empty());
        assert!(set.is_empty());
    }

    #[test]
    fn fires_when_due_and_repeats_from_the_round() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        let id = set.add(t0, ms(100), "a");
        assert_eq!(set.timeout(t0), Some(ms(100)));
        assert_eq!(set.timeout(t0 + ms(40)), Some(ms(60)));
        assert!(fired(&mut set, t0 + ms(99)).is_empty());
        assert_eq!(fired(&mut set, t0 + ms(100)), [id]);
        // Re-armed one interval after the round that ran it.
        assert_eq!(set.timeout(t0 + ms(100)), Some(ms(100)));
        // Late rounds re-arm from the late time, and run it once only.
        assert_eq!(fired(&mut set, t0 + ms(450)), [id]);
        assert_eq!(set.timeout(t0 + ms(450)), Some(ms(100)));
    }

    #[test]
    fn overdue_timeout_is_zero() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        set.add(t0, ms(10), "a");
        assert_eq!(set.timeout(t0 + ms(50)), Some(Duration::ZERO));
    }

    #[test]
    fn earliest_deadline_decides_and_runs_first() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        let slow = set.add(t0, ms(30), "slow");
        let fast = set.add(t0, ms(10), "fast");
        let tie = set.add(t0, ms(10), "tie");
        assert_eq!(set.timeout(t0), Some(ms(10)));
        // Equal deadlines run in the order they were armed.
        assert_eq!(fired(&mut set, t0 + ms(10)), [fast, tie]);
        assert_eq!(fired(&mut set, t0 + ms(30)), [fast, tie, slow]);
    }

    #[test]
    fn cancel_removes_and_fails_the_second_time() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        let id = set.add(t0, ms(10), "a");
        assert_eq!(set.cancel(id), Ok("a"));
        assert_eq!(set.cancel(id), Err(Error::Inval));
        assert_eq!(set.cancel(99), Err(Error::Inval));
        assert_eq!(set.cancel(-1), Err(Error::Inval));
        assert_eq!(set.timeout(t0), None);
        assert!(fired(&mut set, t0 + ms(20)).is_empty());
    }

    #[test]
    fn set_interval_rearms_from_now_and_sticks() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        let id = set.add(t0, ms(10_000), "a");
        set.set_interval(t0 + ms(5), id, ms(20)).unwrap();
        assert_eq!(set.timeout(t0 + ms(5)), Some(ms(20)));
        assert_eq!(fired(&mut set, t0 + ms(25)), [id]);
        assert_eq!(set.timeout(t0 + ms(25)), Some(ms(20)));
        assert_eq!(set.set_interval(t0, 42, ms(1)), Err(Error::Inval));
    }

    #[test]
    fn reset_restarts_the_countdown() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        let id = set.add(t0, ms(300), "a");
        assert_eq!(set.timeout(t0 + ms(150)), Some(ms(150)));
        set.reset(t0 + ms(150), id).unwrap();
        assert_eq!(set.timeout(t0 + ms(150)), Some(ms(300)));
        assert!(fired(&mut set, t0 + ms(300)).is_empty());
        assert_eq!(fired(&mut set, t0 + ms(450)), [id]);
        assert_eq!(set.reset(t0, 42), Err(Error::Inval));
    }

    #[test]
    fn zero_interval_runs_once_per_round() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        let id = set.add(t0, Duration::ZERO, "a");
        assert_eq!(set.timeout(t0), Some(Duration::ZERO));
        assert_eq!(fired(&mut set, t0), [id]);
        assert_eq!(fired(&mut set, t0), [id]);
    }

    #[test]
    fn huge_interval_never_fires() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        set.add(t0, Duration::MAX, "never");
        assert_eq!(set.timeout(t0), Some(Duration::MAX));
        assert!(fired(&mut set, t0 + ms(1_000_000)).is_empty());
        // A real deadline still comes first.
        let soon = set.add(t0, ms(5), "soon");
        assert_eq!(set.timeout(t0), Some(ms(5)));
        assert_eq!(fired(&mut set, t0 + ms(5)), [soon]);
    }

    #[test]
    fn changes_made_during_a_round_are_respected() {
        let t0 = Instant::now();
        let mut set = TimerSet::new();
        let a = set.add(t0, ms(10), "a");
        let b = set.add(t0, ms(10), "b");
        let c = set.add(t0, ms(10), "c");
        let d = set.add(t0, ms(10), "d");
        let round = set.start_round(t0 + ms(10));
        assert_eq!(set.next_due(&round), Some((a, "a")));
        // As a's handler: cancel itself and b, push c out, add a new one.
        set.cancel(a).unwrap();
        set.cancel(b).unwrap();
        set.set_interval(t0 + ms(10), c, ms(50)).unwrap();
        let e = set.add(t0 + ms(10), Duration::ZERO, "e");
        // d still runs; c no longer due; e waits for the next round.
        assert_eq!(set.next_due(&round), Some((d, "d")));
        assert_eq!(set.next_due(&round), None);
        assert_eq!(fired(&mut set, t0 + ms(20)), [e, d]);
        assert_eq!(fired(&mut set, t0 + ms(60)), [e, d, c]);
    }
}
