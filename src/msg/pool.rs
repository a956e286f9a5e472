//! The library's allocator: per-thread magazines of freed blocks in front of
//! the C allocator, for the library's own (Rust) allocations.
//!
//! A message is usually allocated on one thread and freed on another: the
//! application's thread fills it, an I/O thread (or, over inproc, the
//! receiving application thread) drops it. glibc returns such a block to
//! the arena of the thread that allocated it, under that arena's lock, so
//! a stream of messages makes both threads fight over one lock and sleep on
//! its futex (profiles of `inproc_thr` spend about a third of their time
//! there, in libzmq as in a plain Rust build).
//!
//! Here each thread keeps, per size class, two magazines (arrays of free
//! blocks), as in Bonwick's magazine allocator: a free pushes onto the
//! thread's magazine and an allocation pops from it, with no lock. A thread
//! whose magazine is full hands it to a shared depot and takes an empty
//! one; a thread that runs dry takes a full one. Blocks thus travel between
//! threads a magazine at a time, with one lock per magazine instead of one
//! per block.
//!
//! Every block is an ordinary `malloc` block at least as large as its class,
//! so any block can also go back to `free` (when a depot is full or its
//! lock is busy, or after the thread's cache is gone) and `realloc` works
//! on it. Depot locks are only ever tried, never waited for: a contended
//! lock falls back to `malloc`/`free`, and so does a child process whose
//! parent forked while another thread held one. Sizes above 512 KiB and
//! alignments above 16 go straight to the C allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// The smallest class is 16 bytes, the largest 512 KiB (powers of two):
/// read buffers (256 KiB) recycle too, instead of faulting in fresh pages.
const MIN_SHIFT: u32 = 4;
const MAX_SHIFT: u32 = 19;
const CLASSES: usize = (MAX_SHIFT - MIN_SHIFT + 1) as usize;
/// Blocks per magazine, at most; large classes hold fewer (`MAG_BYTES`).
const MAG_SLOTS: usize = 32;
const MAG_BYTES: usize = 256 * 1024;
/// Magazines a depot keeps per class, at most; fewer for large classes
/// (`DEPOT_BYTES` of blocks).
const DEPOT_SLOTS: usize = 32;
const DEPOT_BYTES: usize = 2 * 1024 * 1024;
/// `malloc`'s alignment on the platforms we build for.
const MALLOC_ALIGN: usize = 16;

/// The allocator (installed in `lib.rs`).
pub struct Pool;

/// An array of free blocks of one class, itself allocated with `malloc`.
struct Magazine {
    count: usize,
    blocks: [*mut u8; MAG_SLOTS],
}

/// One class's shared stock of full and empty magazines.
struct Depot {
    lock: AtomicBool,
    stock: UnsafeCell<Stock>,
}

struct Stock {
    full: [*mut Magazine; DEPOT_SLOTS],
    full_count: usize,
    empty: [*mut Magazine; DEPOT_SLOTS],
    empty_count: usize,
}

// SAFETY: `stock` is only touched by the thread holding `lock`.
unsafe impl Sync for Depot {}

#[allow(clippy::declare_interior_mutable_const)]
const DEPOT: Depot = Depot {
    lock: AtomicBool::new(false),
    stock: UnsafeCell::new(Stock {
        full: [ptr::null_mut(); DEPOT_SLOTS],
        full_count: 0,
        empty: [ptr::null_mut(); DEPOT_SLOTS],
        empty_count: 0,
    }),
};

static DEPOTS: [Depot; CLASSES] = [DEPOT; CLASSES];

/// A thread's magazines: `loaded` is used first, `spare` is swapped in
/// when `loaded` runs full or empty (so a thread that allocates and frees
/// around a boundary does not go to the depot each time).
struct Cache {
    loaded: [*mut Magazine; CLASSES],
    spare: [*mut Magazine; CLASSES],
    /// 0: not yet registered for flushing at thread exit; 1: registered;
    /// 2: flushed (the thread is ending: use malloc/free directly).
    state: u8,
}

thread_local! {
    static CACHE: UnsafeCell<Cache> = const {
        UnsafeCell::new(Cache {
            loaded: [ptr::null_mut(); CLASSES],
            spare: [ptr::null_mut(); CLASSES],
            state: 0,
        })
    };
}

/// The pthread key whose destructor flushes a thread's cache (0: not made
/// yet; `usize::MAX`: could not be made, caches are not used).
static EXIT_KEY: AtomicUsize = AtomicUsize::new(0);
const NO_KEY: usize = usize::MAX;

fn class_of(size: usize) -> Option<usize> {
    if size > 1 << MAX_SHIFT {
        return None;
    }
    let rounded = size.max(1 << MIN_SHIFT).next_power_of_two();
    Some((rounded.trailing_zeros() - MIN_SHIFT) as usize)
}

fn class_size(class: usize) -> usize {
    1 << (class as u32 + MIN_SHIFT)
}

fn mag_slots(class: usize) -> usize {
    (MAG_BYTES / class_size(class)).clamp(2, MAG_SLOTS)
}

fn depot_slots(class: usize) -> usize {
    (DEPOT_BYTES / (mag_slots(class) * class_size(class))).clamp(2, DEPOT_SLOTS)
}

/// A new empty magazine, or null.
fn new_magazine() -> *mut Magazine {
    // SAFETY: plain malloc of a POD struct; null is handled by callers.
    let m = unsafe { libc::malloc(std::mem::size_of::<Magazine>()) } as *mut Magazine;
    if !m.is_null() {
        // SAFETY: `m` is a fresh allocation of the right size and alignment.
        unsafe { (*m).count = 0 };
    }
    m
}

/// Frees a magazine and every block in it.
///
/// # Safety
/// `m` is a magazine no one else uses.
unsafe fn free_magazine(m: *mut Magazine) {
    // SAFETY: the caller owns `m`; its first `count` blocks are malloc blocks.
    unsafe {
        let mag = &*m;
        for &b in &mag.blocks[..mag.count] {
            libc::free(b as *mut libc::c_void);
        }
        libc::free(m as *mut libc::c_void);
    }
}

impl Depot {
    /// Runs `f` on the stock if the lock is free right now.
    fn try_with<R>(&self, f: impl FnOnce(&mut Stock) -> R) -> Option<R> {
        if self
            .lock
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return None;
        }
        // SAFETY: the lock is held, so no one else touches the stock.
        let r = f(unsafe { &mut *self.stock.get() });
        self.lock.store(false, Ordering::Release);
        Some(r)
    }
}

/// Makes sure the thread's cache will be flushed when it exits; false if
/// the cache must not be used (no key, or the thread is ending).
fn registered(cache: &mut Cache) -> bool {
    match cache.state {
        1 => return true,
        2 => return false,
        _ => {}
    }
    let mut key = EXIT_KEY.load(Ordering::Acquire);
    if key == 0 {
        let mut k: libc::pthread_key_t = 0;
        // SAFETY: `k` is a valid out pointer; `flush_at_exit` has the
        // destructor signature.
        let made = unsafe { libc::pthread_key_create(&mut k, Some(flush_at_exit)) } == 0;
        // Key 0 is valid in POSIX but we use 0 as "not made": shift by one.
        let new = if made { k as usize + 1 } else { NO_KEY };
        key = match EXIT_KEY.compare_exchange(0, new, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => new,
            Err(other) => {
                if made {
                    // SAFETY: our key lost the race and was never used.
                    unsafe { libc::pthread_key_delete(k) };
                }
                other
            }
        };
    }
    if key == NO_KEY {
        return false;
    }
    // SAFETY: the key exists; any non-null value makes the destructor run.
    let ok = unsafe {
        libc::pthread_setspecific(
            (key - 1) as libc::pthread_key_t,
            ptr::dangling::<libc::c_void>(),
        )
    };
    if ok != 0 {
        return false;
    }
    cache.state = 1;
    true
}

/// The pthread key destructor: gives the thread's magazines to the depots
/// (or frees them) and stops caching on this thread.
extern "C" fn flush_at_exit(_: *mut libc::c_void) {
    let _ = CACHE.try_with(|c| {
        // SAFETY: the cache is this thread's, and no allocation is running
        // on this thread while a key destructor runs.
        let cache = unsafe { &mut *c.get() };
        cache.state = 2;
        for class in 0..CLASSES {
            for m in [cache.loaded[class], cache.spare[class]] {
                if !m.is_null() {
                    give_back(class, m);
                }
            }
            cache.loaded[class] = ptr::null_mut();
            cache.spare[class] = ptr::null_mut();
        }
    });
}

/// Puts a magazine in the depot (full or empty as it is), or frees it.
fn give_back(class: usize, m: *mut Magazine) {
    let cap = depot_slots(class);
    // SAFETY: the caller owns `m`.
    let count = unsafe { (*m).count };
    let kept = DEPOTS[class]
        .try_with(|s| {
            if count == 0 && s.empty_count < cap {
                s.empty[s.empty_count] = m;
                s.empty_count += 1;
                true
            } else if count > 0 && s.full_count < cap {
                s.full[s.full_count] = m;
                s.full_count += 1;
                true
            } else {
                false
            }
        })
        .unwrap_or(false);
    if !kept {
        // SAFETY: `m` is ours and no longer referenced.
        unsafe { free_magazine(m) };
    }
}

/// A block of `class` from the thread's cache, or null if it has none.
fn cached_alloc(class: usize) -> *mut u8 {
    CACHE
        .try_with(|c| {
            // SAFETY: the cache is this thread's; the allocator does not
            // re-enter itself (it calls only libc).
            let cache = unsafe { &mut *c.get() };
            let m = cache.loaded[class];
            // SAFETY: magazines in the cache belong to this thread.
            unsafe {
                if !m.is_null() && (*m).count > 0 {
                    (*m).count -= 1;
                    return (*m).blocks[(*m).count];
                }
                let spare = cache.spare[class];
                if !spare.is_null() && (*spare).count > 0 {
                    cache.spare[class] = m;
                    cache.loaded[class] = spare;
                    (*spare).count -= 1;
                    return (*spare).blocks[(*spare).count];
                }
            }
            if !registered(cache) {
                return ptr::null_mut();
            }
            // Both empty: trade an empty one for a full one from the depot.
            let full = DEPOTS[class]
                .try_with(|s| {
                    if s.full_count == 0 {
                        return ptr::null_mut();
                    }
                    s.full_count -= 1;
                    let full = s.full[s.full_count];
                    if !m.is_null() && s.empty_count < depot_slots(class) {
                        s.empty[s.empty_count] = m;
                        s.empty_count += 1;
                        cache.loaded[class] = ptr::null_mut();
                    }
                    full
                })
                .unwrap_or(ptr::null_mut());
            if full.is_null() {
                return ptr::null_mut();
            }
            let old = cache.loaded[class];
            if !old.is_null() {
                // SAFETY: an empty magazine of ours, not kept by the depot.
                unsafe { free_magazine(old) };
            }
            cache.loaded[class] = full;
            // SAFETY: a full magazine from the depot is now ours.
            unsafe {
                (*full).count -= 1;
                (*full).blocks[(*full).count]
            }
        })
        .unwrap_or(ptr::null_mut())
}

/// Keeps `block` of `class` in the thread's cache; false if it must be
/// freed instead.
fn cached_free(class: usize, block: *mut u8) -> bool {
    CACHE
        .try_with(|c| {
            // SAFETY: as in `cached_alloc`.
            let cache = unsafe { &mut *c.get() };
            let slots = mag_slots(class);
            let m = cache.loaded[class];
            // SAFETY: magazines in the cache belong to this thread.
            unsafe {
                if !m.is_null() && (*m).count < slots {
                    (*m).blocks[(*m).count] = block;
                    (*m).count += 1;
                    return true;
                }
                let spare = cache.spare[class];
                if !spare.is_null() && (*spare).count < slots {
                    cache.spare[class] = m;
                    cache.loaded[class] = spare;
                    (*spare).blocks[(*spare).count] = block;
                    (*spare).count += 1;
                    return true;
                }
            }
            if !registered(cache) {
                return false;
            }
            // No room: the loaded magazine (full, or none yet) goes to the
            // depot, an empty one comes back.
            let cap = depot_slots(class);
            let traded = DEPOTS[class].try_with(|s| {
                if !m.is_null() {
                    if s.full_count >= cap {
                        return None;
                    }
                    s.full[s.full_count] = m;
                    s.full_count += 1;
                }
                Some(if s.empty_count > 0 {
                    s.empty_count -= 1;
                    s.empty[s.empty_count]
                } else {
                    ptr::null_mut()
                })
            });
            let empty = match traded {
                Some(Some(e)) if !e.is_null() => e,
                Some(Some(_)) => {
                    // The full one went to the depot; make a new empty one.
                    cache.loaded[class] = ptr::null_mut();
                    new_magazine()
                }
                // Depot busy or full: free the block directly.
                _ if !m.is_null() => return false,
                _ => new_magazine(),
            };
            if empty.is_null() {
                cache.loaded[class] = ptr::null_mut();
                return false;
            }
            cache.loaded[class] = empty;
            // SAFETY: an empty magazine, now ours.
            unsafe {
                (*empty).blocks[0] = block;
                (*empty).count = 1;
            }
            true
        })
        .unwrap_or(false)
}

// SAFETY: every block handed out is a malloc block (or posix_memalign for
// large alignments) of at least the layout's size, suitably aligned, and
// is returned either to a cache (to be handed out again for the same
// class) or to free/realloc, which accept any malloc block.
unsafe impl GlobalAlloc for Pool {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > MALLOC_ALIGN {
            return aligned(layout);
        }
        match class_of(layout.size()) {
            Some(class) => {
                let b = cached_alloc(class);
                if b.is_null() {
                    // SAFETY: plain malloc; the class size keeps the
                    // invariant that a block fills its class.
                    unsafe { libc::malloc(class_size(class)) as *mut u8 }
                } else {
                    b
                }
            }
            // SAFETY: plain malloc.
            None => unsafe { libc::malloc(layout.size()) as *mut u8 },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN && class_of(layout.size()).is_none() {
            // SAFETY: plain calloc.
            return unsafe { libc::calloc(1, layout.size()) as *mut u8 };
        }
        // SAFETY: forwarded contract.
        let p = unsafe { self.alloc(layout) };
        if !p.is_null() {
            // SAFETY: `p` holds at least `layout.size()` bytes.
            unsafe { ptr::write_bytes(p, 0, layout.size()) };
        }
        p
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        if layout.align() <= MALLOC_ALIGN {
            if let Some(class) = class_of(layout.size()) {
                if cached_free(class, block) {
                    return;
                }
            }
        }
        // SAFETY: every block we hand out is a malloc/posix_memalign block.
        unsafe { libc::free(block as *mut libc::c_void) };
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() > MALLOC_ALIGN {
            // SAFETY: forwarded contract (alloc, copy, dealloc).
            unsafe {
                let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
                if !new.is_null() {
                    ptr::copy_nonoverlapping(block, new, layout.size().min(new_size));
                    self.dealloc(block, layout);
                }
                return new;
            }
        }
        let old = class_of(layout.size());
        let new = class_of(new_size);
        if old.is_some() && old == new {
            // The block already fills the class.
            return block;
        }
        let size = new.map_or(new_size, class_size);
        // SAFETY: `block` is a malloc block; the size keeps the invariant.
        unsafe { libc::realloc(block as *mut libc::c_void, size) as *mut u8 }
    }
}

/// A block with an alignment above malloc's.
fn aligned(layout: Layout) -> *mut u8 {
    let mut p: *mut libc::c_void = ptr::null_mut();
    // SAFETY: `p` is a valid out pointer; the alignment is a power of two
    // above 16, hence a multiple of the pointer size.
    let rc = unsafe { libc::posix_memalign(&mut p, layout.align(), layout.size()) };
    if rc == 0 {
        p as *mut u8
    } else {
        ptr::null_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(class_of(1), Some(0));
        assert_eq!(class_of(16), Some(0));
        assert_eq!(class_of(17), Some(1));
        assert_eq!(class_of(4096), Some(8));
        assert_eq!(class_of(65536), Some(12));
        assert_eq!(class_of(512 * 1024), Some(CLASSES - 1));
        assert_eq!(class_of(512 * 1024 + 1), None);
        assert_eq!(class_size(CLASSES - 1), 512 * 1024);
        assert_eq!(mag_slots(12), 4);
        assert_eq!(mag_slots(CLASSES - 1), 2);
        assert_eq!(mag_slots(0), MAG_SLOTS);
    }

    #[test]
    fn blocks_cross_threads_intact() {
        // One thread allocates and fills, another checks and frees: blocks
        // travel through the depots and come back filled correctly.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(64);
        let producer = std::thread::spawn(move || {
            for i in 0..20_000usize {
                let size = 17 + (i * 37) % 5000;
                tx.send(vec![(i % 251) as u8; size]).unwrap();
            }
        });
        for i in 0..20_000usize {
            let v = rx.recv().unwrap();
            assert_eq!(v.len(), 17 + (i * 37) % 5000);
            assert!(v.iter().all(|&b| b == (i % 251) as u8));
        }
        producer.join().unwrap();
    }

    #[test]
    fn exiting_threads_hand_their_blocks_back() {
        // Threads that free into their caches and then end leave their
        // magazines to the depot (flush_at_exit); a later thread gets
        // valid blocks from it.
        for _ in 0..4 {
            std::thread::spawn(|| {
                let blocks: Vec<Vec<u8>> = (0..200).map(|i| vec![i as u8; 300]).collect();
                drop(blocks);
            })
            .join()
            .unwrap();
        }
        let v: Vec<Vec<u8>> = (0..200).map(|i| vec![i as u8; 300]).collect();
        assert!(v
            .iter()
            .enumerate()
            .all(|(i, b)| b.iter().all(|&x| x == i as u8)));
    }

    #[test]
    fn realloc_keeps_content() {
        let mut v: Vec<u8> = Vec::with_capacity(20);
        for i in 0..100_000u32 {
            v.push(i as u8);
        }
        assert!(v.iter().enumerate().all(|(i, &b)| b == i as u8));
        v.truncate(100);
        v.shrink_to_fit();
        assert!(v.iter().enumerate().all(|(i, &b)| b == i as u8));
    }

    #[test]
    fn large_alignment() {
        #[repr(align(128))]
        struct Wide([u8; 128]);
        let b = Box::new(Wide([3; 128]));
        assert_eq!(&*b as *const Wide as usize % 128, 0);
        assert_eq!(b.0[127], 3);
    }
}
