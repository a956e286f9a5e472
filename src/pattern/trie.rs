//! Prefix-matching subscriptions for the PUB/SUB family (RFC 29/PUBSUB): a
//! message matches a subscription when the subscription's bytes are a prefix
//! of the message's first frame; the empty subscription matches everything.
//!
//! - [`SubscriptionTrie`]: a subscriber's own subscriptions (SUB, XSUB), with
//!   a count per topic, so that subscribing twice needs two unsubscribes.
//! - [`MultiTrie`]: a publisher's view (PUB, XPUB): which pipes subscribed to
//!   which prefixes. A pipe is subscribed to a prefix or not: subscribing
//!   twice from the same pipe is one subscription.
//!
//! Pure data structures in safe Rust: no I/O, no locks. They must never
//! recurse along a topic or down the tree: topics are bytes chosen by a peer,
//! of any length, so recursion would let a peer overflow our stack. They must
//! give memory back when subscriptions go away.
//!
//! Both are one radix tree (a trie whose single-child chains are folded into
//! one node with a multi-byte label) holding a value per node. The tree is
//! kept in its canonical shape: apart from the root, every node either holds
//! a subscription or branches into at least two kids. So the number of nodes
//! is at most twice the number of distinct prefixes, whatever was added and
//! removed before.

use std::fmt;

/// The value a node holds for the prefix it spells; `Default` is "nothing
/// subscribed here".
trait Slot: Default {
    fn is_vacant(&self) -> bool;
}

/// `SubscriptionTrie`: how many times the prefix was subscribed.
impl Slot for usize {
    fn is_vacant(&self) -> bool {
        *self == 0
    }
}

/// `MultiTrie`: the pipes subscribed to the prefix, sorted, no duplicates.
impl<P> Slot for Vec<P> {
    fn is_vacant(&self) -> bool {
        self.is_empty()
    }
}

/// One node of the radix tree. Its key is the concatenation of the labels on
/// the way from the root down to it.
struct Node<V> {
    /// The bytes on the edge from the parent. Empty only for the root, and
    /// for the placeholder `visit_all_mut` leaves behind a node it moved out.
    label: Box<[u8]>,
    value: V,
    /// Sorted by first label byte; no two kids share a first byte.
    kids: Vec<Node<V>>,
}

impl<V: Default> Default for Node<V> {
    fn default() -> Self {
        Node {
            label: Box::default(),
            value: V::default(),
            kids: Vec::new(),
        }
    }
}

/// Dropping must not recurse either: a chain of 10 000 nodes would otherwise
/// take 10 000 nested drop frames.
impl<V> Drop for Node<V> {
    fn drop(&mut self) {
        if self.kids.is_empty() {
            return;
        }
        let mut doomed = std::mem::take(&mut self.kids);
        while let Some(mut node) = doomed.pop() {
            doomed.append(&mut node.kids);
            // `node` is dropped here with no kids left.
        }
    }
}

impl<V> Node<V> {
    fn kid_index(&self, byte: u8) -> Result<usize, usize> {
        self.kids.binary_search_by_key(&byte, |kid| kid.label[0])
    }

    fn kid(&self, byte: u8) -> Option<&Node<V>> {
        self.kid_index(byte).ok().map(|at| &self.kids[at])
    }
}

impl<V: Slot> Node<V> {
    fn leaf(label: &[u8]) -> Self {
        Node {
            label: label.into(),
            value: V::default(),
            kids: Vec::new(),
        }
    }

    /// Cuts this node's label after `at` bytes (0 < at < label length): this
    /// node becomes a vacant node spelling the first part, with the old node
    /// (relabelled with the rest) as its only kid. The caller then gives the
    /// new node a value or a second kid, so the shape stays canonical.
    fn split(&mut self, at: usize) {
        let head: Box<[u8]> = self.label[..at].into();
        let mut lower = std::mem::take(self);
        lower.label = lower.label[at..].into();
        *self = Node {
            label: head,
            value: V::default(),
            kids: vec![lower],
        };
    }

    /// Puts a non-root node back into canonical shape after its value or kids
    /// changed. A vacant node with one kid absorbs that kid (the label grows,
    /// its first byte stays, so the parent's order holds). Returns false if
    /// the node is now a vacant leaf, which the parent must drop.
    fn settle(&mut self) -> bool {
        if !self.value.is_vacant() {
            return true;
        }
        match self.kids.pop() {
            None => false,
            Some(kid) if self.kids.is_empty() => {
                let mut kid = kid;
                let mut label = Vec::with_capacity(self.label.len() + kid.label.len());
                label.extend_from_slice(&self.label);
                label.extend_from_slice(&kid.label);
                self.label = label.into_boxed_slice();
                self.value = std::mem::take(&mut kid.value);
                self.kids = std::mem::take(&mut kid.kids);
                true
            }
            Some(kid) => {
                self.kids.push(kid);
                true
            }
        }
    }
}

/// Gives back spare capacity once a vector is mostly empty, so that a node
/// that once had many kids (or a topic that once had many pipes) does not
/// keep that memory for ever. Shrinking only at a quarter full keeps the cost
/// amortised constant.
fn trim<T>(v: &mut Vec<T>) {
    if v.capacity() > 8 && v.len() * 4 <= v.capacity() {
        v.shrink_to(v.len() * 2);
    }
}

fn common_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The radix tree both tries are made of. It knows nothing of what a value
/// means beyond "vacant or not"; the tries keep their own counts.
struct Radix<V> {
    root: Node<V>,
}

impl<V: Slot> Radix<V> {
    fn new() -> Self {
        Radix {
            root: Node::default(),
        }
    }

    /// The value of the node spelling `key`, creating nodes as needed. The
    /// caller must leave the value occupied, or the shape is no longer
    /// canonical.
    fn entry(&mut self, key: &[u8]) -> &mut V {
        let mut node = &mut self.root;
        let mut rest = key;
        loop {
            let Some(&first) = rest.first() else {
                return &mut node.value;
            };
            match node.kid_index(first) {
                Err(at) => {
                    node.kids.insert(at, Node::leaf(rest));
                    return &mut node.kids[at].value;
                }
                Ok(at) => {
                    let kid = &mut node.kids[at];
                    let common = common_len(&kid.label, rest);
                    if common < kid.label.len() {
                        kid.split(common);
                    }
                    rest = &rest[common..];
                    node = kid;
                }
            }
        }
    }

    /// Applies `op` to the value of the node spelling `key`, then restores
    /// the canonical shape. `None` (and `op` not called) if no node spells
    /// `key`. Only the node and its parent can need reshaping, so no path is
    /// kept: the walk stops one level above the node.
    fn update<R>(&mut self, key: &[u8], op: impl FnOnce(&mut V) -> R) -> Option<R> {
        if key.is_empty() {
            return Some(op(&mut self.root.value));
        }
        let mut parent = &mut self.root;
        let mut parent_is_root = true;
        let mut rest = key;
        loop {
            let at = parent.kid_index(rest[0]).ok()?;
            rest = rest.strip_prefix(&parent.kids[at].label[..])?;
            if rest.is_empty() {
                let out = op(&mut parent.kids[at].value);
                if !parent.kids[at].settle() {
                    parent.kids.remove(at);
                    trim(&mut parent.kids);
                    if !parent_is_root {
                        // A vacant parent had two kids or more, so it keeps one.
                        let kept = parent.settle();
                        debug_assert!(kept, "vacant node with a single kid");
                    }
                }
                return Some(out);
            }
            parent = &mut parent.kids[at];
            parent_is_root = false;
        }
    }

    /// Calls `f` with each occupied value whose key is a prefix of `data`,
    /// shortest key first, while `f` returns true.
    fn walk_prefixes<'a>(&'a self, data: &[u8], mut f: impl FnMut(&'a V) -> bool) {
        let mut node = &self.root;
        let mut rest = data;
        loop {
            if !node.value.is_vacant() && !f(&node.value) {
                return;
            }
            let Some(&first) = rest.first() else { return };
            let Some(kid) = node.kid(first) else { return };
            let Some(tail) = rest.strip_prefix(&kid.label[..]) else {
                return;
            };
            rest = tail;
            node = kid;
        }
    }

    /// Calls `f` with every occupied key and its value, in byte order (a key
    /// before its extensions).
    fn for_each(&self, mut f: impl FnMut(&[u8], &V)) {
        let mut key = Vec::new();
        // Each entry: a node still to visit, and the length of its parent's key.
        let mut stack = vec![(&self.root, 0)];
        while let Some((node, parent_len)) = stack.pop() {
            key.truncate(parent_len);
            key.extend_from_slice(&node.label);
            if !node.value.is_vacant() {
                f(&key, &node.value);
            }
            let len = key.len();
            stack.extend(node.kids.iter().rev().map(|kid| (kid, len)));
        }
    }

    /// Lets `visit` change the value of every node (its key given), then
    /// drops and merges the nodes it left vacant, in one pass.
    ///
    /// Post-order without recursion, in safe Rust: the node being
    /// worked on is moved out of its parent onto an explicit stack (leaving a
    /// placeholder with an empty label), and moved back once its kids are
    /// done, unless it became a vacant leaf. If `visit` panics the tree is
    /// left empty.
    fn visit_all_mut(&mut self, mut visit: impl FnMut(&[u8], &mut V)) {
        struct Frame<V> {
            node: Node<V>,
            /// Index of the next kid to visit.
            next: usize,
            /// Length of the parent's key.
            parent_len: usize,
        }
        let mut key = Vec::new();
        let mut root = std::mem::take(&mut self.root);
        visit(&key, &mut root.value);
        let mut stack = vec![Frame {
            node: root,
            next: 0,
            parent_len: 0,
        }];
        loop {
            let top = stack.last_mut().expect("the root frame is popped last");
            if top.next < top.node.kids.len() {
                let mut kid = std::mem::take(&mut top.node.kids[top.next]);
                top.next += 1;
                let parent_len = key.len();
                key.extend_from_slice(&kid.label);
                visit(&key, &mut kid.value);
                stack.push(Frame {
                    node: kid,
                    next: 0,
                    parent_len,
                });
                continue;
            }
            let Frame {
                mut node,
                parent_len,
                ..
            } = stack.pop().expect("checked above");
            node.kids.retain(|kid| !kid.label.is_empty());
            trim(&mut node.kids);
            key.truncate(parent_len);
            let Some(parent) = stack.last_mut() else {
                self.root = node;
                return;
            };
            if node.settle() {
                parent.node.kids[parent.next - 1] = node;
            }
        }
    }

    /// The number of nodes, root included (tests: memory is given back).
    #[cfg(any(test, fuzzing))]
    fn node_count(&self) -> usize {
        let mut count = 0;
        let mut stack = vec![&self.root];
        while let Some(node) = stack.pop() {
            count += 1;
            stack.extend(node.kids.iter());
        }
        count
    }

    /// Panics unless the tree has its canonical shape.
    #[cfg(any(test, fuzzing))]
    fn assert_canonical(&self) {
        assert!(self.root.label.is_empty(), "root has a label");
        let mut stack = vec![&self.root];
        while let Some(node) = stack.pop() {
            for kid in &node.kids {
                assert!(!kid.label.is_empty(), "kid with an empty label");
                assert!(
                    !kid.value.is_vacant() || kid.kids.len() >= 2,
                    "useless node {:?}",
                    kid.label
                );
            }
            assert!(
                node.kids.windows(2).all(|w| w[0].label[0] < w[1].label[0]),
                "kids out of order"
            );
            stack.extend(node.kids.iter());
        }
    }

    /// Panics unless the tree has its canonical shape and so at most two
    /// nodes per prefix, root aside (the fuzz harnesses' check that
    /// memory is given back).
    #[cfg(any(test, fuzzing))]
    fn assert_bounded(&self, prefixes: usize) {
        self.assert_canonical();
        let nodes = self.node_count();
        assert!(
            nodes <= 2 * prefixes + 1,
            "{nodes} nodes for {prefixes} prefixes"
        );
    }
}

/// A subscriber's own subscriptions (SUB, XSUB), counted per prefix: RFC 29
/// lets a subscriber subscribe to the same topic more than once, and each
/// subscription is undone by its own unsubscription.
pub struct SubscriptionTrie {
    tree: Radix<usize>,
    /// Distinct prefixes with a count above zero.
    prefixes: usize,
}

impl SubscriptionTrie {
    pub fn new() -> Self {
        SubscriptionTrie {
            tree: Radix::new(),
            prefixes: 0,
        }
    }

    /// Adds one subscription to `prefix`. True if the prefix was not
    /// subscribed before (the subscription must then go upstream).
    pub fn add(&mut self, prefix: &[u8]) -> bool {
        let count = self.tree.entry(prefix);
        *count += 1;
        let first = *count == 1;
        if first {
            self.prefixes += 1;
        }
        first
    }

    /// Removes one subscription to exactly `prefix`. True if that was its
    /// last one; false if it was not subscribed, or still is.
    pub fn remove(&mut self, prefix: &[u8]) -> bool {
        let last = self.tree.update(prefix, |count| match *count {
            0 => false,
            _ => {
                *count -= 1;
                *count == 0
            }
        });
        if last == Some(true) {
            self.prefixes -= 1;
            return true;
        }
        false
    }

    /// Whether some subscribed prefix (the empty one included) is a prefix
    /// of `data`: the message is for us.
    pub fn check(&self, data: &[u8]) -> bool {
        let mut found = false;
        self.tree.walk_prefixes(data, |_| {
            found = true;
            false
        });
        found
    }

    /// Distinct prefixes subscribed (`ZMQ_TOPICS_COUNT`).
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes == 0
    }

    /// Calls `f` once per distinct subscribed prefix, in byte order (to send
    /// the subscriptions again to a reconnected peer).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        self.tree.for_each(|key, _| f(key));
    }

    /// Panics unless the tree is in canonical shape (see `Radix`).
    #[cfg(any(test, fuzzing))]
    pub(crate) fn assert_shape(&self) {
        self.tree.assert_bounded(self.prefixes);
    }
}

impl Default for SubscriptionTrie {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SubscriptionTrie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionTrie")
            .field("prefixes", &self.prefixes)
            .finish_non_exhaustive()
    }
}

/// What [`MultiTrie::remove`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveResult {
    /// The pipe was not subscribed to that prefix.
    NotFound,
    /// Unsubscribed; other pipes remain subscribed to the prefix.
    Removed,
    /// Unsubscribed, and that was the prefix's last pipe.
    LastRemoved,
}

/// A publisher's subscriptions (PUB, XPUB): which pipes `P` subscribed to
/// which prefixes. `P` is the socket's name for a pipe (a `PipeKey`); `Ord`
/// lets each node keep its pipes in a sorted vector.
pub struct MultiTrie<P> {
    tree: Radix<Vec<P>>,
    /// Distinct prefixes with at least one pipe.
    prefixes: usize,
}

/// Matching keeps up to this many pipe sets (one per matching prefix) on the
/// stack before it falls back to a scratch vector. Deduplicating across them
/// costs a binary search per earlier set, hence the small bound.
const INLINE_SETS: usize = 8;

impl<P: Copy + Ord> MultiTrie<P> {
    pub fn new() -> Self {
        MultiTrie {
            tree: Radix::new(),
            prefixes: 0,
        }
    }

    /// Subscribes `pipe` to `prefix` (again: no effect). True if `pipe` is
    /// the prefix's first subscriber: XPUB passes only those upstream unless
    /// `ZMQ_XPUB_VERBOSE` is set.
    pub fn add(&mut self, prefix: &[u8], pipe: P) -> bool {
        let pipes = self.tree.entry(prefix);
        let first = pipes.is_empty();
        if let Err(at) = pipes.binary_search(&pipe) {
            pipes.insert(at, pipe);
        }
        if first {
            self.prefixes += 1;
        }
        first
    }

    /// Unsubscribes `pipe` from exactly `prefix`.
    pub fn remove(&mut self, prefix: &[u8], pipe: P) -> RemoveResult {
        let result = self
            .tree
            .update(prefix, |pipes| take_pipe(pipes, pipe))
            .unwrap_or(RemoveResult::NotFound);
        if result == RemoveResult::LastRemoved {
            self.prefixes -= 1;
        }
        result
    }

    /// Drops every subscription of `pipe` (it is gone), calling `f` with each
    /// prefix that thereby lost its last subscriber, in no fixed order.
    pub fn remove_pipe(&mut self, pipe: P, mut f: impl FnMut(&[u8])) {
        self.remove_pipe_all(pipe, |prefix, last| {
            if last {
                f(prefix)
            }
        });
    }

    /// Drops every subscription of `pipe`, calling `f` with each prefix it
    /// was subscribed to and whether that was the prefix's last subscriber
    /// (XPUB with `ZMQ_XPUB_VERBOSER` passes every unsubscription upstream).
    /// In no fixed order. Visits the whole tree: pipes do not index their own
    /// subscriptions, so that each topic's bytes are stored once.
    pub fn remove_pipe_all(&mut self, pipe: P, mut f: impl FnMut(&[u8], bool)) {
        let mut emptied = 0;
        self.tree
            .visit_all_mut(|key, pipes| match take_pipe(pipes, pipe) {
                RemoveResult::NotFound => {}
                RemoveResult::Removed => f(key, false),
                RemoveResult::LastRemoved => {
                    emptied += 1;
                    f(key, true);
                }
            });
        self.prefixes -= emptied;
    }

    /// Calls `f` once for each pipe subscribed to some prefix of `data`
    /// (RFC 29: the publisher sends the message to those pipes).
    ///
    /// A pipe subscribed to several of the matching prefixes (say `a` and
    /// `ab` for `abc`) is still reported once. Pipes come out in no fixed
    /// order. This is PUB's hot path: one walk down the tree, then
    /// - one matching prefix (the common case): its pipes are reported
    ///   straight from the tree;
    /// - up to `INLINE_SETS` (8) of them: their pipe sets are kept on the
    ///   stack, and a pipe is reported from the first set holding it (binary
    ///   search in the earlier, sorted sets);
    /// - more (a peer subscribed to `a`, `ab`, `abc`, ...): the pipes are
    ///   gathered in a temporary vector, sorted and deduplicated. That is the
    ///   only case that allocates; [`Self::match_prefixes_with`] avoids even
    ///   that.
    pub fn match_prefixes(&self, data: &[u8], f: impl FnMut(P)) {
        // `Vec::new` does not allocate; only the rare fallback fills it.
        self.match_prefixes_with(data, &mut Vec::new(), f);
    }

    /// [`Self::match_prefixes`] that never allocates once `scratch` has
    /// grown: the caller keeps one vector and passes it every time. Its
    /// contents on return are unspecified.
    pub fn match_prefixes_with(&self, data: &[u8], scratch: &mut Vec<P>, mut f: impl FnMut(P)) {
        let mut sets: [&[P]; INLINE_SETS] = [&[]; INLINE_SETS];
        let mut found = 0;
        scratch.clear();
        self.tree.walk_prefixes(data, |pipes| {
            if found < INLINE_SETS {
                sets[found] = pipes;
            } else {
                if found == INLINE_SETS {
                    for set in sets {
                        scratch.extend_from_slice(set);
                    }
                }
                scratch.extend_from_slice(pipes);
            }
            found += 1;
            true
        });
        if found <= INLINE_SETS {
            let sets = &sets[..found];
            for (at, set) in sets.iter().enumerate() {
                let earlier = &sets[..at];
                for &pipe in *set {
                    if earlier.iter().all(|e| e.binary_search(&pipe).is_err()) {
                        f(pipe);
                    }
                }
            }
        } else {
            scratch.sort_unstable();
            scratch.dedup();
            scratch.iter().for_each(|&pipe| f(pipe));
        }
    }

    /// Distinct prefixes with at least one subscribed pipe.
    pub fn num_prefixes(&self) -> usize {
        self.prefixes
    }

    /// Panics unless the tree is in canonical shape (see `Radix`).
    #[cfg(any(test, fuzzing))]
    pub(crate) fn assert_shape(&self) {
        self.tree.assert_bounded(self.prefixes);
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes == 0
    }
}

/// Removes `pipe` from a sorted set; an emptied set gives back its memory.
fn take_pipe<P: Ord>(pipes: &mut Vec<P>, pipe: P) -> RemoveResult {
    let Ok(at) = pipes.binary_search(&pipe) else {
        return RemoveResult::NotFound;
    };
    pipes.remove(at);
    if pipes.is_empty() {
        *pipes = Vec::new();
        return RemoveResult::LastRemoved;
    }
    trim(pipes);
    RemoveResult::Removed
}

impl<P: Copy + Ord> Default for MultiTrie<P> {
    fn default() -> Self {
        Self::new()
    }
}

impl<P> fmt::Debug for MultiTrie<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiTrie")
            .field("prefixes", &self.prefixes)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
