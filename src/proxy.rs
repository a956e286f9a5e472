//! `zmq_proxy` / `zmq_proxy_steerable`: shuttles whole messages between a
//! frontend and a backend socket, copying them to an optional capture
//! socket, and obeys PAUSE / RESUME / TERMINATE / STATISTICS on an optional
//! control socket. Runs until terminated (returns `Ok`) or until the
//! context is (`ETERM`).

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::poll::{self, Item, Target, POLLIN};
use crate::socket::{Socket, DONTWAIT, SNDMORE};

/// Message and byte counts of one direction of one socket.
#[derive(Default, Clone, Copy)]
struct Counts {
    msgs_in: u64,
    bytes_in: u64,
    msgs_out: u64,
    bytes_out: u64,
}

/// Messages moved per wake-up at most, so one busy direction cannot
/// starve the other or the control socket.
const BURST: usize = 1000;

/// Moves what `from` has ready, up to `BURST` whole messages, to `to` (and
/// a copy to `capture`): one poll per batch, not per message.
fn forward(
    from: &Socket,
    to: &Socket,
    capture: Option<&Arc<Socket>>,
    from_counts: &mut Counts,
    to_counts: &mut Counts,
) -> Result<()> {
    for _ in 0..BURST {
        if !forward_one(from, to, capture, from_counts, to_counts)? {
            break;
        }
    }
    Ok(())
}

/// Moves one whole message; `false` if none was ready.
fn forward_one(
    from: &Socket,
    to: &Socket,
    capture: Option<&Arc<Socket>>,
    from_counts: &mut Counts,
    to_counts: &mut Counts,
) -> Result<bool> {
    loop {
        let mut msg: Msg = match from.recv(DONTWAIT) {
            Ok(m) => m,
            Err(Error::Again) => return Ok(false),
            Err(e) => return Err(e),
        };
        let more = msg.more();
        let size = msg.size() as u64;
        from_counts.bytes_in += size;
        if let Some(c) = capture {
            let mut copy = msg.share();
            c.send(&mut copy, if more { SNDMORE } else { 0 })?;
        }
        to.send(&mut msg, if more { SNDMORE } else { 0 })?;
        to_counts.bytes_out += size;
        if !more {
            from_counts.msgs_in += 1;
            to_counts.msgs_out += 1;
            return Ok(true);
        }
    }
}

enum Control {
    Pause,
    Resume,
    Terminate,
    Statistics,
    Unknown,
}

fn read_control(control: &Socket) -> Result<Control> {
    let msg = control.recv(0)?;
    let mut more = msg.more();
    while more {
        more = control.recv(0)?.more();
    }
    Ok(match msg.data() {
        b"PAUSE" => Control::Pause,
        b"RESUME" => Control::Resume,
        b"TERMINATE" => Control::Terminate,
        b"STATISTICS" => Control::Statistics,
        _ => Control::Unknown,
    })
}

/// Runs the proxy.
pub fn proxy(
    frontend: &Arc<Socket>,
    backend: &Arc<Socket>,
    capture: Option<&Arc<Socket>>,
    control: Option<&Arc<Socket>>,
) -> Result<()> {
    let single = Arc::ptr_eq(frontend, backend);
    let mut items = vec![Item {
        target: Target::Socket(frontend.clone()),
        events: POLLIN,
    }];
    if !single {
        items.push(Item {
            target: Target::Socket(backend.clone()),
            events: POLLIN,
        });
    }
    if let Some(c) = control {
        items.push(Item {
            target: Target::Socket(c.clone()),
            events: POLLIN,
        });
    }
    let mut revents = vec![0i16; items.len()];
    let (mut front, mut back) = (Counts::default(), Counts::default());
    let mut paused = false;
    loop {
        poll::poll(&items, &mut revents, -1, None)?;
        if let Some(c) = control {
            if revents[items.len() - 1] & POLLIN != 0 {
                match read_control(c)? {
                    Control::Pause => paused = true,
                    Control::Resume => paused = false,
                    Control::Terminate => return Ok(()),
                    Control::Statistics => {
                        let stats = [
                            front.msgs_in,
                            front.bytes_in,
                            front.msgs_out,
                            front.bytes_out,
                            back.msgs_in,
                            back.bytes_in,
                            back.msgs_out,
                            back.bytes_out,
                        ];
                        for (i, v) in stats.iter().enumerate() {
                            let mut m = Msg::from_slice(&v.to_ne_bytes());
                            c.send(&mut m, if i < 7 { SNDMORE } else { 0 })?;
                        }
                    }
                    Control::Unknown => {}
                }
                continue;
            }
        }
        if paused {
            continue;
        }
        if revents[0] & POLLIN != 0 {
            if single {
                let mut copy = front;
                forward(frontend, frontend, capture, &mut front, &mut copy)?;
                front.msgs_out = copy.msgs_out;
                front.bytes_out = copy.bytes_out;
            } else {
                forward(frontend, backend, capture, &mut front, &mut back)?;
            }
        }
        if !single && revents[1] & POLLIN != 0 {
            forward(backend, frontend, capture, &mut back, &mut front)?;
        }
    }
}
