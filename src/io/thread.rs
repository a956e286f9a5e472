//! `IoThread`: one background thread running a mio `Poll` loop that serves
//! its mailbox. Engines, listeners and connecters are registered on it by
//! later layers; here it starts with the context's thread options applied
//! (name, scheduling policy and priority, CPU affinity) and stops cleanly.

use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::thread::JoinHandle;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use super::mailbox::Mailbox;
use crate::error::{Error, Result};

const MAILBOX: Token = Token(0);

/// Work sent to an I/O thread: a closure run on it with its reactor.
pub type IoTask = Box<dyn FnOnce(&mut Reactor) + Send>;

pub enum IoCommand {
    Run(IoTask),
    Stop,
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
            // Linux keeps at most 15 bytes of a thread name.
            let mut name: Vec<u8> = self.name.bytes().filter(|&b| b != 0).take(15).collect();
            name.push(0);
            // SAFETY: sets the calling thread's name from a NUL-terminated buffer.
            unsafe {
                libc::pthread_setname_np(libc::pthread_self(), name.as_ptr() as *const libc::c_char)
            };
        }
        if self.sched_policy >= 0 || self.priority >= 0 {
            let mut policy: libc::c_int = 0;
            // SAFETY: zeroed sched_param is valid; the calls read/write our own thread.
            unsafe {
                let mut param: libc::sched_param = std::mem::zeroed();
                libc::pthread_getschedparam(libc::pthread_self(), &mut policy, &mut param);
                if self.sched_policy >= 0 {
                    policy = self.sched_policy;
                }
                let realtime = policy == libc::SCHED_FIFO || policy == libc::SCHED_RR;
                if realtime && self.priority >= 0 {
                    param.sched_priority = self.priority;
                } else if !realtime {
                    param.sched_priority = 0;
                }
                libc::pthread_setschedparam(libc::pthread_self(), policy, &param);
                if !realtime && self.priority >= 0 {
                    // Other policies take a nice value instead of a priority.
                    libc::setpriority(
                        libc::PRIO_PROCESS,
                        libc::gettid() as libc::id_t,
                        self.priority,
                    );
                }
            }
        }
        if !self.affinity.is_empty() {
            // SAFETY: builds a cpu_set_t on the stack and applies it to this thread.
            unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                for &cpu in &self.affinity {
                    if (cpu as usize) < libc::CPU_SETSIZE as usize {
                        libc::CPU_SET(cpu as usize, &mut set);
                    }
                }
                libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
            }
        }
    }
}

/// The state an I/O thread's tasks run against.
pub struct Reactor {
    poll: Poll,
    stopping: bool,
}

impl Reactor {
    pub fn registry(&self) -> &mio::Registry {
        self.poll.registry()
    }
}

/// A running I/O thread.
pub struct IoThread {
    mailbox: Arc<Mailbox<IoCommand>>,
    join: Option<JoinHandle<()>>,
}

impl IoThread {
    pub fn start(config: ThreadConfig) -> Result<IoThread> {
        let mailbox = Arc::new(Mailbox::new()?);
        let poll = Poll::new()?;
        let fd: RawFd = mailbox.fd();
        poll.registry()
            .register(&mut SourceFd(&fd), MAILBOX, Interest::READABLE)?;
        let mb = mailbox.clone();
        let join = std::thread::Builder::new()
            .name(config.name.clone())
            .spawn(move || {
                config.apply();
                run(
                    Reactor {
                        poll,
                        stopping: false,
                    },
                    &mb,
                );
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

    /// Stops the thread and waits for it.
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

fn run(mut reactor: Reactor, mailbox: &Mailbox<IoCommand>) {
    let mut events = Events::with_capacity(256);
    let mut cmds = VecDeque::new();
    while !reactor.stopping {
        if let Err(e) = reactor.poll.poll(&mut events, None) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        for event in events.iter() {
            if event.token() == MAILBOX {
                // Edge-triggered: serve until the mailbox is seen empty,
                // which also makes its fd unreadable again.
                loop {
                    mailbox.recv_all(&mut cmds);
                    if cmds.is_empty() {
                        break;
                    }
                    for cmd in cmds.drain(..) {
                        match cmd {
                            IoCommand::Run(task) => task(&mut reactor),
                            IoCommand::Stop => reactor.stopping = true,
                        }
                    }
                }
            }
        }
    }
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
}
