//! The routing logic's interface: the `Pattern` trait each socket type
//! implements (one file per type), the `Cx` it works in, and `new_pattern`,
//! which picks the type's logic.
//!
//! A pattern sees only its pipes and the options: it never blocks, never
//! touches the mailbox, endpoints or the context.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pattern::PipeSet;
use crate::pipe::PipeKey;

use super::{
    channel, client, dealer, dgram, dish, gather, kind, pair, publish, pull, push, radio, rep, req,
    router, scatter, server, stream, sub, xpub, xsub, Options,
};

/// What routing logic can touch while it works: the pipes and the options.
pub struct Cx<'a> {
    pub pipes: &'a mut PipeSet,
    pub options: &'a Options,
}

/// The routing logic of one socket type (libzmq's `x*` methods).
pub trait Pattern: Send {
    /// A new pipe is attached (it may already hold messages).
    fn attach(&mut self, key: PipeKey, cx: &mut Cx);
    /// Sends one frame; on success the message is taken (left empty).
    fn send(&mut self, msg: &mut Msg, cx: &mut Cx) -> Result<()>;
    /// Receives one frame.
    fn recv(&mut self, cx: &mut Cx) -> Result<Msg>;
    fn has_in(&mut self, cx: &mut Cx) -> bool;
    fn has_out(&mut self, cx: &mut Cx) -> bool;
    fn read_activated(&mut self, key: PipeKey, cx: &mut Cx);
    fn write_activated(&mut self, key: PipeKey, cx: &mut Cx);
    /// The pipe is finished and about to be removed.
    fn terminated(&mut self, key: PipeKey, cx: &mut Cx);
    /// The peer of a connect-before-bind pipe attached (its routing id is known).
    fn peer_attached(&mut self, _key: PipeKey, _cx: &mut Cx) {}
    /// The pipe's network connection was re-established.
    fn hiccuped(&mut self, _key: PipeKey, _cx: &mut Cx) {}
    /// DRAFT `zmq_socket_get_peer_state`: `ZMQ_POLLOUT` if the peer named
    /// by `id` can take a message (ROUTER only).
    fn peer_state(&mut self, _id: &[u8], _cx: &mut Cx) -> Result<i32> {
        Err(Error::NotSup)
    }
    /// Type-specific options; `Inval` for the ones the type does not own.
    fn set_option(&mut self, _option: i32, _value: &[u8], _cx: &mut Cx) -> Result<()> {
        Err(Error::Inval)
    }
    fn get_option(&self, _option: i32, _out: &mut [u8]) -> Result<usize> {
        Err(Error::Inval)
    }
    /// DRAFT `zmq_join` (DISH only).
    fn join(&mut self, _group: &[u8], _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }
    /// DRAFT `zmq_leave` (DISH only).
    fn leave(&mut self, _group: &[u8], _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }
    /// DRAFT `zmq_disconnect_peer`: closes the pipe of the peer with this
    /// routing id (SERVER, PEER).
    fn disconnect_peer(&mut self, _id: u32, _cx: &mut Cx) -> Result<()> {
        Err(Error::NotSup)
    }
    /// The routing id given to the peer of pipe `key` (SERVER, PEER).
    fn routing_id_of(&self, _key: PipeKey) -> Option<u32> {
        None
    }
}

pub(super) fn new_pattern(kind: i32, options: &Options) -> Result<Box<dyn Pattern>> {
    Ok(match kind {
        kind::PAIR => Box::new(pair::Pair::default()),
        kind::PUB => Box::new(publish::Pub::new_pub()),
        kind::SUB => Box::new(sub::Sub::new(true)),
        kind::REQ => Box::new(req::Req::default()),
        kind::REP => Box::new(rep::Rep::new(options)),
        kind::DEALER => Box::new(dealer::Dealer::default()),
        kind::ROUTER => Box::new(router::Router::new(options)),
        kind::PULL => Box::new(pull::Pull::default()),
        kind::PUSH => Box::new(push::Push::default()),
        kind::XPUB => Box::new(xpub::XPub::new(false)),
        kind::XSUB => Box::new(xsub::XSub::new(false)),
        kind::STREAM => Box::new(stream::Stream::default()),
        kind::CLIENT => Box::new(client::Client::default()),
        kind::SERVER => Box::new(server::Server::new()),
        kind::PEER => Box::new(server::Server::new()),
        kind::GATHER => Box::new(gather::Gather::default()),
        kind::SCATTER => Box::new(scatter::Scatter::default()),
        kind::CHANNEL => Box::new(channel::Channel::default()),
        kind::RADIO => Box::new(radio::Radio::default()),
        kind::DISH => Box::new(dish::Dish::default()),
        kind::DGRAM => Box::new(dgram::Dgram::default()),
        _ => return Err(Error::Inval),
    })
}
