//! Routing building blocks shared by the socket types: the pipe set, load
//! balancing, fair queuing, fan-out, and subscription tries. They move
//! messages between pipes; they never block and know nothing of transports.

mod active;
pub mod dist;
pub mod fq;
pub mod lb;
mod pipes;
pub mod trie;

pub use dist::Distributor;
pub use fq::FairQueue;
pub use lb::LoadBalancer;
pub use pipes::PipeSet;
