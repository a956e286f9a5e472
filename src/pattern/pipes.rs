//! `PipeSet`: the pipes a socket owns, addressed by `PipeKey`. A slab: keys
//! carry a generation so that an event naming a removed pipe finds nothing
//! instead of a newer pipe in the same slot.

use crate::pipe::{Pipe, PipeKey};

struct Slot {
    generation: u32,
    pipe: Option<Pipe>,
}

#[derive(Default)]
pub struct PipeSet {
    slots: Vec<Slot>,
    free: Vec<u32>,
    len: usize,
    /// Pipes found finished (peer closed, all read) by a routing block;
    /// the socket removes them after the current operation.
    finished: Vec<PipeKey>,
}

fn split(key: PipeKey) -> (usize, u32) {
    ((key.0 & 0xffff_ffff) as usize, (key.0 >> 32) as u32)
}

impl PipeSet {
    pub fn new() -> PipeSet {
        PipeSet::default()
    }

    /// Stores a pipe and returns its key.
    pub fn insert(&mut self, pipe: Pipe) -> PipeKey {
        self.len += 1;
        let index = match self.free.pop() {
            Some(i) => {
                let slot = &mut self.slots[i as usize];
                slot.generation = slot.generation.wrapping_add(1);
                slot.pipe = Some(pipe);
                i
            }
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    pipe: Some(pipe),
                });
                (self.slots.len() - 1) as u32
            }
        };
        let generation = self.slots[index as usize].generation;
        PipeKey(u64::from(generation) << 32 | u64::from(index))
    }

    pub fn get(&self, key: PipeKey) -> Option<&Pipe> {
        let (i, g) = split(key);
        match self.slots.get(i) {
            Some(s) if s.generation == g => s.pipe.as_ref(),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: PipeKey) -> Option<&mut Pipe> {
        let (i, g) = split(key);
        match self.slots.get_mut(i) {
            Some(s) if s.generation == g => s.pipe.as_mut(),
            _ => None,
        }
    }

    /// The pipe behind a key that a routing block holds; its presence is
    /// an invariant (blocks forget a key before the socket removes it).
    pub fn at(&mut self, key: PipeKey) -> &mut Pipe {
        self.get_mut(key)
            .expect("routing block names a removed pipe")
    }

    pub fn remove(&mut self, key: PipeKey) -> Option<Pipe> {
        let (i, g) = split(key);
        let slot = self.slots.get_mut(i)?;
        if slot.generation != g {
            return None;
        }
        let pipe = slot.pipe.take()?;
        self.free.push(i as u32);
        self.len -= 1;
        Some(pipe)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn keys(&self) -> Vec<PipeKey> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.pipe.is_some())
            .map(|(i, s)| PipeKey(u64::from(s.generation) << 32 | i as u64))
            .collect()
    }

    /// Notes a pipe found finished, for the socket to remove.
    pub fn mark_finished(&mut self, key: PipeKey) {
        if !self.finished.contains(&key) {
            self.finished.push(key);
        }
    }

    pub fn take_finished(&mut self) -> Vec<PipeKey> {
        std::mem::take(&mut self.finished)
    }

    #[inline]
    pub fn has_finished(&self) -> bool {
        !self.finished.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::{pair, Flow};

    #[test]
    fn stale_keys_find_nothing() {
        let mut set = PipeSet::new();
        let (a, _b) = pair([Flow::default(); 2]);
        let k1 = set.insert(a);
        assert!(set.remove(k1).is_some());
        let (c, _d) = pair([Flow::default(); 2]);
        let k2 = set.insert(c);
        assert_ne!(k1, k2);
        assert!(set.get(k1).is_none());
        assert!(set.get(k2).is_some());
        assert_eq!(set.keys(), vec![k2]);
    }
}
