//! `IoThread`: one background thread running a mio `Poll` loop. It serves
//! its mailbox (tasks sent by sockets), drives the handlers registered on it
//! (listeners, connecters, engines), fires their timers, and routes pipe
//! events to them. Thread options from the context (name, scheduling policy
//! and priority, CPU affinity) are applied when it starts.
//!
//! mio is edge-triggered: a handler told its source is ready must work until
//! `WouldBlock`, or remember that it can go on: `Reactor::defer` calls it
//! back (`Handler::resume`) on the next turn of the loop.
//!
//! Fairness: work that is costly and can wait (a handshake step: CURVE's
//! X25519) takes one of `COSTLY_STEPS_PER_TURN` per turn
//! (`Reactor::costly_step`) and is deferred past it, so that a flood of
//! connecting peers delays established connections on the same thread by
//! a bounded amount of work per turn, never by the whole flood.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::os::fd::RawFd;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token};

use super::mailbox::Mailbox;
use crate::error::{Error, Result};
use crate::pipe::{PipeEvent, PipeKey, Waker};
use crate::sys::thread as os_thread;

const MAILBOX: Token = Token(usize::MAX);

/// Costly steps (`Reactor::costly_step`) a turn of the loop may run. A
/// CURVE handshake step is about one X25519 (160 µs measured on this
/// project's shared 2-core machine), so a turn spends well under a
/// millisecond on handshakes before it serves established connections
/// and the mailbox again. (With 8, some loaded runs of
/// `test_handshake_flood` had medians of 1-4 ms; with 4, 0.06-0.09 ms.)
pub const COSTLY_STEPS_PER_TURN: usize = 4;

/// Work sent to an I/O thread: a closure run on it with its reactor.
pub type IoTask = Box<dyn FnOnce(&mut Reactor) + Send>;

pub enum IoCommand {
    Run(IoTask),
    /// A pipe owned by handler `token` has news.
    Pipe(Token, PipeEvent),
    /// The same for the handler's second pipe (`Reactor::aux_pipe_waker`).
    AuxPipe(Token, PipeEvent),
    Stop,
}

/// Something the I/O thread drives. Every callback gets the reactor and
/// the handler's own token.
pub trait Handler: Send {
    /// The handler was added (register sources, start timers here).
    fn start(&mut self, r: &mut Reactor, token: Token);
    /// A registered source is ready.
    fn ready(&mut self, r: &mut Reactor, token: Token, readable: bool, writable: bool);
    /// The peer's end is closed or in error, as reported with a
    /// readiness (called before `ready`): reads must go on until they say
    /// so, however short the data before it.
    fn hangup(&mut self) {}
    /// A pipe this handler owns has news.
    fn pipe(&mut self, _r: &mut Reactor, _token: Token, _event: PipeEvent) {}
    /// The handler's second pipe has news (the ZAP client's).
    fn aux_pipe(&mut self, _r: &mut Reactor, _token: Token, _event: PipeEvent) {}
    /// A timer set with `Reactor::set_timer` fired.
    fn timer(&mut self, _r: &mut Reactor, _token: Token, _id: u64) {}
    /// The next turn after `Reactor::defer` came: go on with the work put
    /// off.
    fn resume(&mut self, _r: &mut Reactor, _token: Token) {}
    /// The handler is being removed (deregister, close, report).
    fn stop(&mut self, _r: &mut Reactor, _token: Token) {}
}

/// Scheduling settings for background threads (`zmq_ctx_set` thread options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadConfig {
    pub name: String,
    /// `ZMQ_THREAD_SCHED_POLICY`, -1 for the system default.
    pub sched_policy: i32,
    /// `ZMQ_THREAD_PRIORITY`, -1 for the system default.
    pub priority: i32,
    /// `ZMQ_THREAD_AFFINITY_CPU_ADD`; empty for no pinning.
    pub affinity: Vec<i32>,
}

impl ThreadConfig {
    /// Applies the settings to the calling thread. Failures (for instance no
    /// permission for a real-time policy) leave the thread as it was, as
    /// libzmq does.
    fn apply(&self) {
        if !self.name.is_empty() {
            os_thread::set_name(&self.name);
        }
        if self.sched_policy >= 0 || self.priority >= 0 {
            let (mut policy, mut priority) = os_thread::scheduling();
            if self.sched_policy >= 0 {
                policy = self.sched_policy;
            }
            let realtime = policy == libc::SCHED_FIFO || policy == libc::SCHED_RR;
            if realtime && self.priority >= 0 {
                priority = self.priority;
            } else if !realtime {
                priority = 0;
            }
            let _ = os_thread::set_scheduling(policy, priority);
            if !realtime && self.priority >= 0 {
                // Other policies take a nice value instead of a priority.
                let _ = os_thread::set_nice(self.priority);
            }
        }
        if !self.affinity.is_empty() {
            let _ = os_thread::set_affinity(&self.affinity);
        }
    }
}

/// The pipe key bit that marks a handler's second pipe.
const AUX_PIPE: u64 = 1 << 63;

/// Routes a pipe's events to the handler owning it, through the mailbox.
struct IoWaker(Arc<Mailbox<IoCommand>>);

impl Waker for IoWaker {
    fn wake(&self, key: PipeKey, event: PipeEvent) {
        let token = Token((key.0 & !AUX_PIPE) as usize);
        self.0.send(if key.0 & AUX_PIPE != 0 {
            IoCommand::AuxPipe(token, event)
        } else {
            IoCommand::Pipe(token, event)
        });
    }
}

/// The state an I/O thread's handlers and tasks run against.
pub struct Reactor {
    poll: Poll,
    waker: Arc<IoWaker>,
    handlers: Vec<Option<Box<dyn Handler>>>,
    free: Vec<usize>,
    /// (when, token, timer id, handler generation)
    timers: BinaryHeap<Reverse<(Instant, usize, u64, u64)>>,
    generations: Vec<u64>,
    /// Handlers that asked to be removed during a callback.
    removing: Vec<Token>,
    /// Handlers to resume on the next turn: (token, handler generation).
    deferred: Vec<(usize, u64)>,
    /// What is left of this turn's `COSTLY_STEPS_PER_TURN`.
    costly_left: usize,
    stopping: bool,
}

impl Reactor {
    pub fn registry(&self) -> &Registry {
        self.poll.registry()
    }

    /// Adds a handler and starts it; returns its token.
    pub fn add(&mut self, handler: Box<dyn Handler>) -> Token {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.handlers.push(None);
                self.generations.push(0);
                self.handlers.len() - 1
            }
        };
        self.generations[index] += 1;
        self.handlers[index] = Some(handler);
        let token = Token(index);
        self.with_handler(token, |h, r| h.start(r, token));
        token
    }

    /// Removes a handler (after its current callback, if inside one).
    pub fn remove(&mut self, token: Token) {
        self.removing.push(token);
    }

    /// Calls `Handler::timer(id)` on a handler now (a note from a socket).
    pub fn poke(&mut self, token: Token, id: u64) {
        self.with_handler(token, |h, r| h.timer(r, token, id));
    }

    /// Whether a handler is still there.
    pub fn contains(&self, token: Token) -> bool {
        self.handlers.get(token.0).is_some_and(|h| h.is_some())
    }

    /// Fires `Handler::timer(id)` after `after`. Timers die with their handler.
    pub fn set_timer(&mut self, token: Token, after: Duration, id: u64) {
        let generation = self.generations[token.0];
        self.timers
            .push(Reverse((Instant::now() + after, token.0, id, generation)));
    }

    /// Calls `Handler::resume` on the next turn, after the loop has polled
    /// again (without waiting) and before the sources it reports. A
    /// handler that defers twice in a turn is resumed twice.
    pub fn defer(&mut self, token: Token) {
        self.deferred.push((token.0, self.generations[token.0]));
    }

    /// Takes one of this turn's costly steps; `false` when they are spent:
    /// the caller then defers its step to a later turn.
    pub fn costly_step(&mut self) -> bool {
        match self.costly_left.checked_sub(1) {
            Some(left) => {
                self.costly_left = left;
                true
            }
            None => false,
        }
    }

    /// Starts a turn: a fresh costly-step allowance, and the handlers
    /// deferred by the last one resumed, in the order they deferred.
    fn begin_turn(&mut self) {
        self.costly_left = COSTLY_STEPS_PER_TURN;
        for (index, generation) in std::mem::take(&mut self.deferred) {
            if self.generations.get(index) == Some(&generation) {
                let token = Token(index);
                self.with_handler(token, |h, r| h.resume(r, token));
            }
        }
    }

    /// The waker and key a pipe owned by handler `token` should use.
    pub fn pipe_waker(&self, token: Token) -> (Arc<dyn Waker>, PipeKey) {
        (self.waker.clone(), PipeKey(token.0 as u64))
    }

    /// Like `pipe_waker`, for a handler's second pipe: its events come to
    /// `Handler::aux_pipe`.
    pub fn aux_pipe_waker(&self, token: Token) -> (Arc<dyn Waker>, PipeKey) {
        (self.waker.clone(), PipeKey(token.0 as u64 | AUX_PIPE))
    }

    /// Runs `f` on handler `token` with the reactor, if it exists.
    fn with_handler(&mut self, token: Token, f: impl FnOnce(&mut dyn Handler, &mut Reactor)) {
        let Some(mut h) = self.handlers.get_mut(token.0).and_then(Option::take) else {
            return;
        };
        f(h.as_mut(), self);
        self.handlers[token.0] = Some(h);
        self.reap();
    }

    fn reap(&mut self) {
        while let Some(token) = self.removing.pop() {
            if let Some(mut h) = self.handlers.get_mut(token.0).and_then(Option::take) {
                h.stop(self, token);
                self.generations[token.0] += 1;
                self.free.push(token.0);
            }
        }
    }

    /// Milliseconds until the next timer, firing the due ones.
    fn run_timers(&mut self) -> Option<Duration> {
        loop {
            let Reverse((when, index, id, generation)) = self.timers.peek().copied()?;
            let now = Instant::now();
            if when > now {
                return Some(when - now);
            }
            self.timers.pop();
            if self.generations.get(index) == Some(&generation) {
                let token = Token(index);
                self.with_handler(token, |h, r| h.timer(r, token, id));
            }
        }
    }

    fn stop_all(&mut self) {
        for i in 0..self.handlers.len() {
            if self.handlers[i].is_some() {
                self.remove(Token(i));
            }
        }
        self.reap();
    }
}

/// A running I/O thread.
pub struct IoThread {
    mailbox: Arc<Mailbox<IoCommand>>,
    join: Option<JoinHandle<()>>,
}

impl IoThread {
    pub fn start(config: ThreadConfig) -> Result<IoThread> {
        let mailbox = Arc::new(Mailbox::edge_triggered()?);
        let poll = Poll::new()?;
        let fd: RawFd = mailbox.fd();
        poll.registry()
            .register(&mut SourceFd(&fd), MAILBOX, Interest::READABLE)?;
        let mb = mailbox.clone();
        let join = std::thread::Builder::new()
            .name(config.name.clone())
            .spawn(move || {
                // Signals go to the application's threads, not to ours (as
                // libzmq's background threads): a handler never runs on an
                // I/O thread, and no system call here is interrupted half-way.
                os_thread::block_signals();
                config.apply();
                let reactor = Reactor {
                    poll,
                    waker: Arc::new(IoWaker(mb.clone())),
                    handlers: Vec::new(),
                    free: Vec::new(),
                    timers: BinaryHeap::new(),
                    generations: Vec::new(),
                    removing: Vec::new(),
                    deferred: Vec::new(),
                    costly_left: COSTLY_STEPS_PER_TURN,
                    stopping: false,
                };
                run(reactor, &mb);
            })
            .map_err(|_| Error::MThread)?;
        Ok(IoThread {
            mailbox,
            join: Some(join),
        })
    }

    /// Runs `task` on the I/O thread.
    pub fn execute(&self, task: IoTask) {
        self.mailbox.send(IoCommand::Run(task));
    }

    /// Stops the thread (every handler is stopped) and waits for it.
    pub fn stop(&mut self) {
        if let Some(join) = self.join.take() {
            self.mailbox.send(IoCommand::Stop);
            let _ = join.join();
        }
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(mut r: Reactor, mailbox: &Mailbox<IoCommand>) {
    let mut events = Events::with_capacity(256);
    let mut cmds = VecDeque::new();
    while !r.stopping {
        let mut timeout = r.run_timers();
        if !r.deferred.is_empty() {
            // Deferred work waits for nothing but this turn's sources.
            timeout = Some(Duration::ZERO);
        }
        if let Err(e) = r.poll.poll(&mut events, timeout) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break;
        }
        r.begin_turn();
        for event in events.iter() {
            let token = event.token();
            if token == MAILBOX {
                continue;
            }
            let (readable, writable) = (
                event.is_readable() || event.is_read_closed() || event.is_error(),
                event.is_writable() || event.is_write_closed() || event.is_error(),
            );
            let hangup = event.is_read_closed() || event.is_error();
            r.with_handler(token, |h, r| {
                if hangup {
                    h.hangup();
                }
                h.ready(r, token, readable, writable)
            });
        }
        // The mailbox is served after the sources, and until it is seen
        // empty (which also makes its fd unreadable again: edge-triggered).
        loop {
            mailbox.recv_all(&mut cmds);
            if cmds.is_empty() {
                break;
            }
            for cmd in cmds.drain(..) {
                match cmd {
                    IoCommand::Run(task) => {
                        task(&mut r);
                        r.reap();
                    }
                    IoCommand::Pipe(token, event) => {
                        r.with_handler(token, |h, r| h.pipe(r, token, event))
                    }
                    IoCommand::AuxPipe(token, event) => {
                        r.with_handler(token, |h, r| h.aux_pipe(r, token, event))
                    }
                    IoCommand::Stop => r.stopping = true,
                }
            }
        }
    }
    r.stop_all();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn runs_tasks_with_its_name_and_stops() {
        let mut t = IoThread::start(ThreadConfig {
            name: "ZMQbg/IO/0".into(),
            sched_policy: -1,
            priority: -1,
            affinity: vec![0],
        })
        .unwrap();
        let (tx, rx) = mpsc::channel();
        for i in 0..100 {
            let tx = tx.clone();
            t.execute(Box::new(move |_| {
                let name = std::thread::current().name().map(str::to_owned);
                tx.send((i, name)).unwrap();
            }));
        }
        for i in 0..100 {
            let (got, name) = rx.recv().unwrap();
            assert_eq!(got, i);
            assert_eq!(name.as_deref(), Some("ZMQbg/IO/0"));
        }
        t.stop();
    }

    struct Ticker(mpsc::Sender<u64>);
    impl Handler for Ticker {
        fn start(&mut self, r: &mut Reactor, token: Token) {
            r.set_timer(token, Duration::from_millis(5), 1);
            r.set_timer(token, Duration::from_millis(1), 2);
        }
        fn ready(&mut self, _r: &mut Reactor, _t: Token, _rd: bool, _wr: bool) {}
        fn timer(&mut self, r: &mut Reactor, token: Token, id: u64) {
            self.0.send(id).unwrap();
            if id == 1 {
                r.remove(token);
            }
        }
        fn stop(&mut self, _r: &mut Reactor, _t: Token) {
            self.0.send(99).unwrap();
        }
    }

    #[test]
    fn timers_fire_in_order_and_handlers_stop() {
        let mut t = IoThread::start(ThreadConfig::default()).unwrap();
        let (tx, rx) = mpsc::channel();
        t.execute(Box::new(move |r| {
            r.add(Box::new(Ticker(tx)));
        }));
        let got: Vec<u64> = (0..3).map(|_| rx.recv().unwrap()).collect();
        assert_eq!(got, vec![2, 1, 99]);
        t.stop();
    }

    /// Takes a costly step per callback, deferring itself when none is
    /// left, and reports (turn, step) for each step it ran.
    struct Greedy {
        steps: mpsc::Sender<(u64, usize)>,
        turn: u64,
        runs: usize,
        wanted: usize,
    }
    impl Greedy {
        fn work(&mut self, r: &mut Reactor, token: Token) {
            while self.runs < self.wanted {
                if !r.costly_step() {
                    r.defer(token);
                    return;
                }
                self.runs += 1;
                self.steps.send((self.turn, self.runs)).unwrap();
            }
            r.remove(token);
        }
    }
    impl Handler for Greedy {
        fn start(&mut self, r: &mut Reactor, token: Token) {
            // Started from a task: this turn's allowance is whole.
            self.work(r, token);
        }
        fn ready(&mut self, _r: &mut Reactor, _t: Token, _rd: bool, _wr: bool) {}
        fn resume(&mut self, r: &mut Reactor, token: Token) {
            self.turn += 1;
            self.work(r, token);
        }
    }

    #[test]
    fn costly_steps_are_bounded_per_turn_and_deferred() {
        let mut t = IoThread::start(ThreadConfig::default()).unwrap();
        let (tx, rx) = mpsc::channel();
        let wanted = 2 * COSTLY_STEPS_PER_TURN + 3;
        t.execute(Box::new(move |r| {
            r.add(Box::new(Greedy {
                steps: tx,
                turn: 0,
                runs: 0,
                wanted,
            }));
        }));
        let got: Vec<(u64, usize)> = (0..wanted).map(|_| rx.recv().unwrap()).collect();
        for (i, &(turn, step)) in got.iter().enumerate() {
            assert_eq!(step, i + 1);
            // Each turn runs at most COSTLY_STEPS_PER_TURN, and the next
            // turn comes without any event to wake the thread.
            assert_eq!(turn as usize, i / COSTLY_STEPS_PER_TURN, "step {step}");
        }
        t.stop();
    }
}
