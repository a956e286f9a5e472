use super::RemoveResult::{LastRemoved, NotFound, Removed};
use super::*;

fn sub_listing(t: &SubscriptionTrie) -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    t.for_each(|p| all.push(p.to_vec()));
    all
}

fn multi_listing(t: &MultiTrie<u32>) -> Vec<(Vec<u8>, Vec<u32>)> {
    let mut all = Vec::new();
    t.tree.for_each(|key, pipes| {
        assert!(pipes.windows(2).all(|w| w[0] < w[1]), "pipe set not sorted");
        all.push((key.to_vec(), pipes.clone()));
    });
    all
}

fn matched(t: &MultiTrie<u32>, data: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
    t.match_prefixes(data, |p| out.push(p));
    // Sorted but not deduplicated: a pipe reported twice shows up.
    out.sort_unstable();
    let mut with_scratch = Vec::new();
    t.match_prefixes_with(data, &mut vec![0; 3], |p| with_scratch.push(p));
    with_scratch.sort_unstable();
    assert_eq!(out, with_scratch);
    out
}

/// `check` on a `SubscriptionTrie` holding the listed subscriptions.
macro_rules! check {
    ($name:ident: [$($sub:literal),*], $data:literal => $want:expr) => {
        #[test]
        fn $name() {
            #[allow(unused_mut)] // when no subscriptions are listed
            let mut t = SubscriptionTrie::new();
            $(t.add(&$sub[..]);)*
            t.tree.assert_canonical();
            assert_eq!(t.check(&$data[..]), $want);
        }
    };
}

check!(check_empty_trie: [], b"abc" => false);
check!(check_empty_trie_empty_data: [], b"" => false);
check!(check_empty_prefix_empty_data: [b""], b"" => true);
check!(check_empty_prefix_any_data: [b""], b"\x00\xff" => true);
check!(check_exact: [b"abc"], b"abc" => true);
check!(check_longer_data: [b"abc"], b"abcdef" => true);
check!(check_shorter_data: [b"abc"], b"ab" => false);
check!(check_empty_data: [b"abc"], b"" => false);
check!(check_diverges_in_label: [b"abc"], b"abd" => false);
check!(check_diverges_first_byte: [b"abc"], b"xbc" => false);
check!(check_sibling: [b"abc", b"abd"], b"abdz" => true);
check!(check_branch_node_not_subscribed: [b"abc", b"abd"], b"ab" => false);
check!(check_short_after_long: [b"abcd", b"ab"], b"abx" => true);
check!(check_long_after_short: [b"ab", b"abcd"], b"abx" => true);
check!(check_deep_only: [b"a", b"abcd"], b"b" => false);
check!(check_nul_prefix: [b"\x00"], b"\x00\x00" => true);
check!(check_nul_needs_byte: [b"\x00"], b"" => false);
check!(check_ff: [b"\xff\xff"], b"\xff\xfe" => false);
check!(check_ff_match: [b"\xff\xff"], b"\xff\xff\x00" => true);
check!(check_case_sensitive: [b"A"], b"a" => false);
check!(check_many_siblings: [b"a", b"c", b"e", b"g", b"\x00", b"\xff"], b"e1" => true);
check!(check_between_siblings: [b"a", b"c", b"e", b"g"], b"d" => false);

/// A sequence of `add`/`remove` calls with their results, then the
/// distinct prefixes left.
macro_rules! sub_ops {
    ($name:ident: $($op:ident $arg:literal => $want:expr),* ; [$($left:literal),*]) => {
        #[test]
        fn $name() {
            let mut t = SubscriptionTrie::new();
            $(
                assert_eq!(t.$op(&$arg[..]), $want, "{}({:?})", stringify!($op), $arg);
                t.tree.assert_canonical();
            )*
            let left: Vec<Vec<u8>> = vec![$($left.to_vec()),*];
            assert_eq!(sub_listing(&t), left);
            assert_eq!(t.num_prefixes(), left.len());
            assert_eq!(t.is_empty(), left.is_empty());
        }
    };
}

sub_ops!(sub_add_first: add b"a" => true; [b"a"]);
sub_ops!(sub_add_twice: add b"a" => true, add b"a" => false; [b"a"]);
sub_ops!(sub_counted: add b"a" => true, add b"a" => false, remove b"a" => false,
    remove b"a" => true; []);
sub_ops!(sub_remove_unknown: remove b"a" => false; []);
sub_ops!(sub_remove_too_often: add b"a" => true, remove b"a" => true, remove b"a" => false; []);
sub_ops!(sub_remove_longer: add b"abc" => true, remove b"abcd" => false; [b"abc"]);
sub_ops!(sub_remove_shorter: add b"abc" => true, remove b"ab" => false; [b"abc"]);
sub_ops!(sub_remove_branch_node: add b"abc" => true, add b"abd" => true, remove b"ab" => false;
    [b"abc", b"abd"]);
sub_ops!(sub_empty_prefix: add b"" => true, add b"" => false, remove b"" => false; [b""]);
sub_ops!(sub_empty_prefix_gone: add b"" => true, remove b"" => true; []);
sub_ops!(sub_nested: add b"abc" => true, add b"a" => true, add b"ab" => true, remove b"ab" => true;
    [b"a", b"abc"]);
sub_ops!(sub_merge_after_remove: add b"ab" => true, add b"abc" => true, add b"abd" => true,
    remove b"abc" => true, remove b"ab" => true; [b"abd"]);
sub_ops!(sub_byte_order: add b"\xff" => true, add b"b" => true, add b"\x00" => true, add b"" => true,
    add b"ba" => true; [b"", b"\x00", b"b", b"ba", b"\xff"]);

/// `match_prefixes` on a `MultiTrie` holding the listed subscriptions:
/// the pipes reported, each exactly once.
macro_rules! match_case {
    ($name:ident: [$(($sub:literal, $pipe:literal)),*], $data:literal => [$($want:literal),*]) => {
        #[test]
        fn $name() {
            #[allow(unused_mut)] // when no subscriptions are listed
            let mut t = MultiTrie::<u32>::new();
            $(t.add(&$sub[..], $pipe);)*
            t.tree.assert_canonical();
            let want: Vec<u32> = vec![$($want),*];
            assert_eq!(matched(&t, &$data[..]), want);
        }
    };
}

match_case!(match_empty_trie: [], b"abc" => []);
match_case!(match_empty_prefix: [(b"", 1)], b"" => [1]);
match_case!(match_empty_prefix_any: [(b"", 1)], b"\xff" => [1]);
match_case!(match_exact: [(b"ab", 1), (b"ab", 2)], b"ab" => [1, 2]);
match_case!(match_no_match: [(b"abc", 1)], b"ab" => []);
match_case!(match_sibling_only: [(b"ab", 1), (b"ac", 2)], b"abz" => [1]);
match_case!(match_levels: [(b"a", 1), (b"ab", 2), (b"abc", 3)], b"abc" => [1, 2, 3]);
match_case!(match_dedup_two: [(b"a", 1), (b"ab", 1)], b"abc" => [1]);
match_case!(match_dedup_interleaved: [(b"", 1), (b"a", 2), (b"ab", 1), (b"abc", 3)],
    b"abcd" => [1, 2, 3]);
match_case!(match_dedup_inline_limit: [(b"", 5), (b"1", 5), (b"12", 5), (b"123", 5), (b"1234", 5),
    (b"12345", 5), (b"123456", 5), (b"1234567", 5)], b"1234567" => [5]);
match_case!(match_dedup_scratch: [(b"", 7), (b"1", 7), (b"12", 7), (b"123", 7), (b"1234", 7),
    (b"12345", 7), (b"123456", 7), (b"1234567", 7), (b"12345678", 7)], b"123456789" => [7]);
match_case!(match_inline_mixed: [(b"", 1), (b"1", 2), (b"12", 1), (b"123", 3), (b"1234", 2),
    (b"12345", 4), (b"123456", 1), (b"1234567", 6), (b"1235", 9)], b"1234567" => [1, 2, 3, 4, 6]);
match_case!(match_scratch_mixed: [(b"", 1), (b"1", 2), (b"12", 1), (b"123", 3), (b"1234", 2),
    (b"12345", 4), (b"123456", 1), (b"1234567", 6), (b"12345678", 2), (b"1235", 9)],
    b"123456789" => [1, 2, 3, 4, 6]);
match_case!(match_repeat_add: [(b"a", 1), (b"a", 1)], b"a" => [1]);
match_case!(match_nul_and_ff: [(b"\x00", 1), (b"\xff", 2), (b"\x00\xff", 3)], b"\x00\xff" => [1, 3]);

/// A sequence of `add`/`remove` calls with their results, then what is
/// left, as (prefix, pipes).
macro_rules! multi_ops {
    ($name:ident: $($op:ident $arg:literal $pipe:literal => $want:expr),* ;
        [$(($left:literal, [$($lp:literal),*])),*]) => {
        #[test]
        fn $name() {
            let mut t = MultiTrie::<u32>::new();
            $(
                assert_eq!(t.$op(&$arg[..], $pipe), $want, "{}({:?}, {})", stringify!($op), $arg, $pipe);
                t.tree.assert_canonical();
            )*
            let left: Vec<(Vec<u8>, Vec<u32>)> = vec![$(($left.to_vec(), vec![$($lp),*])),*];
            assert_eq!(multi_listing(&t), left);
            assert_eq!(t.num_prefixes(), left.len());
            assert_eq!(t.is_empty(), left.is_empty());
        }
    };
}

multi_ops!(multi_first: add b"a" 1 => true, add b"a" 2 => false; [(b"a", [1, 2])]);
multi_ops!(multi_same_pipe_twice: add b"a" 1 => true, add b"a" 1 => false, remove b"a" 1 => LastRemoved;
    []);
multi_ops!(multi_removed_then_last: add b"a" 2 => true, add b"a" 1 => false, remove b"a" 2 => Removed,
    remove b"a" 1 => LastRemoved; []);
multi_ops!(multi_remove_unknown_prefix: remove b"a" 1 => NotFound; []);
multi_ops!(multi_remove_unknown_pipe: add b"a" 1 => true, remove b"a" 2 => NotFound; [(b"a", [1])]);
multi_ops!(multi_remove_twice: add b"a" 1 => true, remove b"a" 1 => LastRemoved,
    remove b"a" 1 => NotFound; []);
multi_ops!(multi_remove_branch_node: add b"abc" 1 => true, add b"abd" 1 => true,
    remove b"ab" 1 => NotFound; [(b"abc", [1]), (b"abd", [1])]);
multi_ops!(multi_remove_longer: add b"ab" 1 => true, remove b"abc" 1 => NotFound; [(b"ab", [1])]);
multi_ops!(multi_empty_prefix: add b"" 3 => true, add b"x" 3 => true, remove b"" 3 => LastRemoved;
    [(b"x", [3])]);
multi_ops!(multi_prefix_per_pipe: add b"a" 1 => true, add b"ab" 2 => true, add b"a" 3 => false;
    [(b"a", [1, 3]), (b"ab", [2])]);

/// `remove_pipe` on the listed subscriptions: the prefixes it reports as
/// emptied (sorted), then what is left.
macro_rules! remove_pipe_case {
    ($name:ident: [$(($sub:literal, $pipe:literal)),*], $gone:literal => [$($emptied:literal),*];
        [$(($left:literal, [$($lp:literal),*])),*]) => {
        #[test]
        fn $name() {
            #[allow(unused_mut)] // when no subscriptions are listed
            #[allow(unused_mut)] // when no subscriptions are listed
            let mut t = MultiTrie::<u32>::new();
            $(t.add(&$sub[..], $pipe);)*
            #[allow(unused_mut)]
            let mut t2 = MultiTrie::<u32>::new();
            $(t2.add(&$sub[..], $pipe);)*
            let mut emptied = Vec::new();
            t.remove_pipe($gone, |p| emptied.push(p.to_vec()));
            emptied.sort();
            t.tree.assert_canonical();
            let want: Vec<Vec<u8>> = vec![$($emptied.to_vec()),*];
            assert_eq!(emptied, want);
            // `remove_pipe_all`: every prefix the pipe had, flagged.
            let mut all = Vec::new();
            t2.remove_pipe_all($gone, |p, last| all.push((p.to_vec(), last)));
            all.sort();
            let mut had: Vec<(Vec<u8>, bool)> = [$((&$sub[..], $pipe)),*]
                .iter()
                .filter(|&&(_, p): &&(&[u8], u32)| p == $gone)
                .map(|&(q, _)| (q.to_vec(), want.iter().any(|w| w == q)))
                .collect();
            had.sort();
            had.dedup();
            assert_eq!(all, had);
            assert_eq!(multi_listing(&t2), multi_listing(&t));
            let left: Vec<(Vec<u8>, Vec<u32>)> = vec![$(($left.to_vec(), vec![$($lp),*])),*];
            assert_eq!(multi_listing(&t), left);
            assert_eq!(t.num_prefixes(), left.len());
        }
    };
}

remove_pipe_case!(rp_empty: [], 1 => []; []);
remove_pipe_case!(rp_unknown: [(b"a", 2)], 1 => []; [(b"a", [2])]);
remove_pipe_case!(rp_only: [(b"a", 1), (b"", 1), (b"ab", 1)], 1 => [b"", b"a", b"ab"]; []);
remove_pipe_case!(rp_shared: [(b"a", 1), (b"a", 2), (b"b", 1)], 1 => [b"b"]; [(b"a", [2])]);
remove_pipe_case!(rp_merges: [(b"ab", 1), (b"abc", 2), (b"abd", 1)], 1 => [b"ab", b"abd"];
    [(b"abc", [2])]);
remove_pipe_case!(rp_keeps_branch: [(b"a", 1), (b"abc", 2), (b"abd", 3)], 1 => [b"a"];
    [(b"abc", [2]), (b"abd", [3])]);
remove_pipe_case!(rp_nested_survivors: [(b"", 2), (b"a", 1), (b"ab", 2), (b"abc", 1)], 1 => [b"a", b"abc"];
    [(b"", [2]), (b"ab", [2])]);

#[test]
fn canonical_shape_whatever_the_order() {
    let topics: [&[u8]; 6] = [b"ab", b"abc", b"abd", b"a", b"b", b""];
    let mut fresh = MultiTrie::<u32>::new();
    for t in &topics[..3] {
        fresh.add(t, 1);
    }
    let mut churned = MultiTrie::<u32>::new();
    for t in topics.iter().rev() {
        churned.add(t, 2);
        churned.add(t, 1);
    }
    churned.remove_pipe(2, |_| {});
    for t in &topics[3..] {
        churned.remove(t, 1);
    }
    assert_eq!(churned.tree.node_count(), fresh.tree.node_count());
    assert_eq!(multi_listing(&churned), multi_listing(&fresh));
}

#[test]
fn churn_of_distinct_topics_gives_memory_back() {
    let mut sub = SubscriptionTrie::new();
    let mut multi = MultiTrie::<u32>::new();
    let keep: [&[u8]; 3] = [b"keep", b"kept", b"news."];
    for k in keep {
        sub.add(k);
        multi.add(k, 9);
    }
    let (sub_nodes, multi_nodes) = (sub.tree.node_count(), multi.tree.node_count());
    for i in 0..20_000u32 {
        let topic = format!("news.{}.{}", i % 97, i);
        let (topic, short) = (topic.as_bytes(), &topic.as_bytes()[..7]);
        assert!(sub.add(topic));
        assert!(multi.add(topic, i % 5));
        multi.add(short, i % 5 + 1);
        assert!(sub.remove(topic));
        assert_eq!(multi.remove(topic, i % 5), LastRemoved);
        assert_eq!(multi.remove(short, i % 5 + 1), LastRemoved);
    }
    assert_eq!(sub.tree.node_count(), sub_nodes);
    assert_eq!(multi.tree.node_count(), multi_nodes);
    assert_eq!((sub.num_prefixes(), multi.num_prefixes()), (3, 3));
    multi.remove_pipe(9, |_| {});
    assert_eq!(multi.tree.node_count(), 1);
    assert!(multi.is_empty());
    for k in keep {
        assert!(sub.remove(k));
    }
    assert_eq!(sub.tree.node_count(), 1);
}

#[test]
fn pipe_sets_give_memory_back() {
    let mut t = MultiTrie::<u32>::new();
    for pipe in 0..1000 {
        t.add(b"a", pipe);
        t.add(b"ab", pipe);
    }
    for pipe in 1..1000 {
        assert_eq!(t.remove(b"a", pipe), Removed);
    }
    t.remove_pipe(999, |_| {});
    for pipe in 1..998 {
        assert_eq!(t.remove(b"ab", pipe), Removed);
    }
    assert_eq!(
        multi_listing(&t),
        [(b"a".to_vec(), vec![0]), (b"ab".to_vec(), vec![0, 998])]
    );
    let mut capacities = Vec::new();
    t.tree
        .visit_all_mut(|_, pipes| capacities.push(pipes.capacity()));
    assert!(capacities.iter().all(|&c| c <= 8), "{capacities:?}");
    // A topic that loses its last pipe but stays as a branch keeps nothing.
    t.add(b"ac", 5);
    assert_eq!(t.remove(b"a", 0), LastRemoved);
    let mut vacant = Vec::new();
    t.tree.visit_all_mut(|key, pipes| {
        if pipes.is_empty() {
            vacant.push((key.to_vec(), pipes.capacity()));
        }
    });
    assert_eq!(vacant, [(b"".to_vec(), 0), (b"a".to_vec(), 0)]);
}

#[test]
fn kid_lists_give_memory_back() {
    let mut t = SubscriptionTrie::new();
    for byte in 0..=255u8 {
        t.add(&[byte, 1]);
        t.add(&[7, byte]);
    }
    for byte in 0..=255u8 {
        t.remove(&[byte, 1]);
        t.remove(&[7, byte]);
    }
    t.add(b"x");
    assert_eq!(t.tree.node_count(), 2);
    assert!(t.tree.root.kids.capacity() <= 8);
    let mut m = MultiTrie::<u32>::new();
    for byte in 0..=255u8 {
        m.add(&[byte, 3], u32::from(byte % 2));
    }
    m.remove_pipe(0, |_| {});
    m.remove_pipe(1, |_| {});
    assert_eq!(m.tree.node_count(), 1);
    assert!(m.tree.root.kids.capacity() <= 8);
}

/// A peer may subscribe to every prefix of a 10 KB topic: the tree is
/// then 10 000 nodes deep. Run on a small stack: nothing may recurse.
#[test]
fn deep_tree_needs_no_stack() {
    const LEN: usize = 10_000;
    // Every 4th prefix: 2501 nested subscriptions (all 10 001 would only
    // make the test slower: building them is quadratic).
    let lens: Vec<usize> = (0..=LEN).step_by(4).collect();
    let pipe_of = |len: usize| (len / 4 % 3) as u32;
    let run = move || {
        let topic: Vec<u8> = (0..LEN).map(|i| (i * 7 % 256) as u8).collect();
        let mut sub = SubscriptionTrie::new();
        let mut multi = MultiTrie::<u32>::new();
        for &len in lens.iter().rev() {
            sub.add(&topic[..len]);
            multi.add(&topic[..len], pipe_of(len));
        }
        assert_eq!(multi.tree.node_count(), lens.len());
        assert!(sub.check(&topic));
        let mut seen = Vec::new();
        multi.match_prefixes_with(&topic, &mut Vec::new(), |p| seen.push(p));
        seen.sort_unstable();
        assert_eq!(seen, [0, 1, 2]);
        let mut count = 0;
        sub.for_each(|_| count += 1);
        assert_eq!(count, lens.len());
        let mut emptied = 0;
        multi.remove_pipe(1, |_| emptied += 1);
        let pipe_1_lens = lens.iter().filter(|&&len| pipe_of(len) == 1).count();
        assert_eq!(emptied, pipe_1_lens);
        multi.tree.assert_canonical();
        assert_eq!(multi.tree.node_count(), lens.len() - pipe_1_lens);
        drop(multi);
        drop(sub);
        // A single long topic, cut by a second one at its middle.
        let mut one = SubscriptionTrie::new();
        one.add(&topic);
        one.add(&topic[..LEN / 2]);
        assert!(one.remove(&topic[..LEN / 2]));
        assert_eq!(one.tree.node_count(), 2);
        assert!(one.check(&topic) && !one.check(&topic[..LEN - 1]));
    };
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(run)
        .expect("spawn")
        .join()
        .expect("no stack overflow");
}

/// xorshift64*: deterministic, good enough to shuffle test operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Short strings over a small alphabet, half of it `a`, so that
    /// prefixes collide and nest.
    fn bytes(&mut self, max_len: u64) -> Vec<u8> {
        const ALPHABET: [u8; 6] = [0x00, 0x01, 0xff, b'a', b'a', b'a'];
        let len = self.below(max_len + 1);
        (0..len).map(|_| ALPHABET[self.below(6) as usize]).collect()
    }
}

#[test]
fn multi_trie_agrees_with_a_naive_model() {
    for seed in 1..=8u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut t = MultiTrie::<u32>::new();
        let mut model: Vec<(Vec<u8>, u32)> = Vec::new();
        let mut scratch = Vec::new();
        let mut deep_matches = 0;
        for step in 0..4000 {
            // Now and then a run of `a`s, so that many prefixes nest.
            let prefix = match rng.below(4) {
                0 => vec![b'a'; rng.below(13) as usize],
                _ => rng.bytes(4),
            };
            let pipe = rng.below(6) as u32;
            let has_prefix = |m: &[(Vec<u8>, u32)], p: &[u8]| m.iter().any(|(q, _)| q == p);
            match rng.below(10) {
                0..=3 => {
                    let want = !has_prefix(&model, &prefix);
                    if !model.contains(&(prefix.clone(), pipe)) {
                        model.push((prefix.clone(), pipe));
                    }
                    assert_eq!(t.add(&prefix, pipe), want, "seed {seed} step {step}");
                }
                4..=6 => {
                    let want = match model.iter().position(|e| *e == (prefix.clone(), pipe)) {
                        None => NotFound,
                        Some(at) => {
                            model.swap_remove(at);
                            if has_prefix(&model, &prefix) {
                                Removed
                            } else {
                                LastRemoved
                            }
                        }
                    };
                    assert_eq!(t.remove(&prefix, pipe), want, "seed {seed} step {step}");
                }
                7 => {
                    let mut want: Vec<(Vec<u8>, bool)> = model
                        .iter()
                        .filter(|(_, p)| *p == pipe)
                        .map(|(q, _)| (q.clone(), false))
                        .collect();
                    model.retain(|(_, p)| *p != pipe);
                    want.iter_mut()
                        .for_each(|(q, last)| *last = !has_prefix(&model, q));
                    want.sort();
                    let mut got = Vec::new();
                    if rng.below(2) == 0 {
                        t.remove_pipe_all(pipe, |q, last| got.push((q.to_vec(), last)));
                    } else {
                        t.remove_pipe(pipe, |q| got.push((q.to_vec(), true)));
                        want.retain(|&(_, last)| last);
                    }
                    got.sort();
                    assert_eq!(got, want, "seed {seed} step {step}");
                }
                _ => {
                    let data = match rng.below(3) {
                        0 => vec![b'a'; rng.below(15) as usize],
                        _ => rng.bytes(7),
                    };
                    let mut levels: Vec<&[u8]> = model
                        .iter()
                        .map(|(q, _)| &q[..])
                        .filter(|q| data.starts_with(q))
                        .collect();
                    levels.sort();
                    levels.dedup();
                    if levels.len() > INLINE_SETS {
                        deep_matches += 1;
                    }
                    let mut want: Vec<u32> = model
                        .iter()
                        .filter(|(q, _)| data.starts_with(q))
                        .map(|&(_, p)| p)
                        .collect();
                    want.sort_unstable();
                    want.dedup();
                    let mut got = Vec::new();
                    t.match_prefixes_with(&data, &mut scratch, |p| got.push(p));
                    got.sort_unstable();
                    assert_eq!(got, want, "seed {seed} step {step} data {data:?}");
                }
            }
            let mut distinct: Vec<&Vec<u8>> = model.iter().map(|(q, _)| q).collect();
            distinct.sort();
            distinct.dedup();
            assert_eq!(t.num_prefixes(), distinct.len(), "seed {seed} step {step}");
            assert_eq!(t.is_empty(), model.is_empty());
            if step % 100 == 0 {
                t.tree.assert_canonical();
                // The canonical shape depends only on the set of prefixes.
                let mut fresh = MultiTrie::<u32>::new();
                model.iter().for_each(|(q, p)| {
                    fresh.add(q, *p);
                });
                assert_eq!(t.tree.node_count(), fresh.tree.node_count());
                assert_eq!(multi_listing(&t), multi_listing(&fresh));
            }
        }
        // The scratch fallback of matching was exercised too.

        assert!(deep_matches > 0, "seed {seed}: no match beyond INLINE_SETS");
    }
}

#[test]
fn subscription_trie_agrees_with_a_naive_model() {
    for seed in 1..=8u64 {
        let mut rng = Rng(seed.wrapping_mul(0xd1b5_4a32_d192_ed03));
        let mut t = SubscriptionTrie::new();
        let mut model: Vec<(Vec<u8>, usize)> = Vec::new();
        for step in 0..4000 {
            let prefix = rng.bytes(4);
            match rng.below(3) {
                0 => {
                    let want = match model.iter_mut().find(|(q, _)| *q == prefix) {
                        Some((_, n)) => {
                            *n += 1;
                            false
                        }
                        None => {
                            model.push((prefix.clone(), 1));
                            true
                        }
                    };
                    assert_eq!(t.add(&prefix), want, "seed {seed} step {step}");
                }
                1 => {
                    let want = match model.iter().position(|(q, _)| *q == prefix) {
                        None => false,
                        Some(at) if model[at].1 == 1 => {
                            model.swap_remove(at);
                            true
                        }
                        Some(at) => {
                            model[at].1 -= 1;
                            false
                        }
                    };
                    assert_eq!(t.remove(&prefix), want, "seed {seed} step {step}");
                }
                _ => {
                    let data = rng.bytes(7);
                    let want = model.iter().any(|(q, _)| data.starts_with(q));
                    assert_eq!(
                        t.check(&data),
                        want,
                        "seed {seed} step {step} data {data:?}"
                    );
                }
            }
            assert_eq!(t.num_prefixes(), model.len());
            if step % 100 == 0 {
                t.tree.assert_canonical();
                let mut want: Vec<Vec<u8>> = model.iter().map(|(q, _)| q.clone()).collect();
                want.sort();
                assert_eq!(sub_listing(&t), want, "seed {seed} step {step}");
            }
        }
    }
}
