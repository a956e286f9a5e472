//! Blocking with timeouts: how a socket call that cannot complete now
//! waits for a command (spinning briefly first when that pays, see
//! `SpinPolicy`), and the deadlines of `ZMQ_SNDTIMEO`/`ZMQ_RCVTIMEO`.
//!
//! A wait never holds the socket's lock while it sleeps or spins, and
//! never decides what a call does: the caller retries its pattern.

use std::time::{Duration, Instant};

use parking_lot::MutexGuard;

use crate::error::{Error, Result};

use super::state::State;
use super::waiters::{self, Registration};
use super::Socket;

/// How long a blocking call on an inproc-only socket watches for a
/// command before it sleeps (see `Socket::spin_for_command`).
const SPIN_BUDGET: Duration = Duration::from_micros(20);

/// Spinning only helps where the peer can run meanwhile: not on one CPU.
fn spin_allowed() -> bool {
    static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())) > 1
}

/// When a socket spins before sleeping: after a spin that saw nothing, the
/// next few waits sleep at once (more after each such spin, up to
/// `SPIN_SKIP_MAX`). A spin only pays while the peer thread has a core of
/// its own; with more runnable threads than cores (a proxy between two
/// inproc threads on two cores) it takes the core the peer needs, and its
/// spins then keep running out.
#[derive(Default)]
pub(super) struct SpinPolicy {
    skip: u32,
    backoff: u32,
}

const SPIN_SKIP_MAX: u32 = 1024;

impl SpinPolicy {
    fn try_now(&mut self) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        true
    }

    fn record(&mut self, arrived: bool) {
        if arrived {
            self.backoff = 0;
        } else {
            self.backoff = (self.backoff * 2).clamp(4, SPIN_SKIP_MAX);
            self.skip = self.backoff;
        }
    }
}

impl Socket {
    /// Sleeps (without the lock) until a command may have arrived or the
    /// deadline passes, then processes commands. A thread-safe socket's
    /// caller first registers its own signaler in `reg` and looks once more
    /// before its first sleep (see `waiters`).
    pub(super) fn wait(
        &self,
        st: &mut MutexGuard<'_, State>,
        deadline: Option<Instant>,
        reg: &mut Option<Registration>,
    ) -> Result<()> {
        let timeout = match deadline {
            None => None,
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return Err(Error::Again);
                }
                Some(d - now)
            }
        };
        let slept = match (&self.waiters, reg.as_ref()) {
            (None, _) => {
                let spin = spin_allowed() && st.endpoints.is_empty() && st.spin.try_now();
                let mut arrived = false;
                let r = MutexGuard::unlocked(st, || {
                    if spin {
                        arrived = self.spin_for_command(timeout);
                        if arrived {
                            return Ok(());
                        }
                    }
                    self.mailbox.wait(timeout)
                });
                if spin {
                    st.spin.record(arrived);
                }
                r
            }
            (Some(w), None) => {
                // From here on every command wakes us: look again first.
                *reg = Some(Registration::new(w, waiters::thread_signaler()?));
                Ok(())
            }
            (Some(_), Some(r)) => {
                let own = r.signaler();
                let r = MutexGuard::unlocked(st, || own.wait(timeout));
                own.drain();
                r
            }
        };
        match slept {
            Ok(()) | Err(Error::Again) => {}
            Err(e) => return Err(e),
        }
        st.process_commands(&self.mailbox);
        if st.terminated {
            return Err(Error::Term);
        }
        Ok(())
    }

    /// Before a socket with no tcp/ipc endpoint sleeps, it watches its
    /// mailbox for a short while: its peers are application threads (over
    /// inproc) that often answer within microseconds, and a sleep costs a
    /// wake-up of several (a futex round trip is ~6 us here, most of an
    /// inproc hop). Sockets with network endpoints never spin: on a small
    /// machine the spinning thread would take the core their I/O thread
    /// needs. True if a command arrived.
    fn spin_for_command(&self, timeout: Option<Duration>) -> bool {
        let budget = timeout.map_or(SPIN_BUDGET, |t| t.min(SPIN_BUDGET));
        let start = Instant::now();
        loop {
            for _ in 0..64 {
                if !self.mailbox.is_idle() {
                    return true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= budget {
                return false;
            }
        }
    }

    pub(super) fn deadline(timeout_ms: i32) -> Option<Instant> {
        (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64))
    }
}
