//! The calling thread's OS settings: name, scheduling policy and priority,
//! nice value, CPU affinity, signal mask. Each call acts on the calling
//! thread only and reports failure; whether a failure matters is the
//! caller's decision (libzmq ignores them).

use std::io;
use std::mem;
use std::ptr;

/// Sets the calling thread's name. Linux keeps at most 15 bytes; NULs are
/// dropped.
pub fn set_name(name: &str) {
    let mut name: Vec<u8> = name.bytes().filter(|&b| b != 0).take(15).collect();
    name.push(0);
    // SAFETY: sets the calling thread's name from a NUL-terminated buffer of
    // at most 16 bytes.
    unsafe { libc::pthread_setname_np(libc::pthread_self(), name.as_ptr().cast()) };
}

/// The calling thread's scheduling policy and priority.
pub fn scheduling() -> (libc::c_int, libc::c_int) {
    let mut policy: libc::c_int = 0;
    // SAFETY: sched_param is plain integers: all zeros is valid.
    let mut param: libc::sched_param = unsafe { mem::zeroed() };
    // SAFETY: writes into two live locals; on failure they keep their zeros.
    unsafe { libc::pthread_getschedparam(libc::pthread_self(), &mut policy, &mut param) };
    (policy, param.sched_priority)
}

/// Sets the calling thread's scheduling policy and priority.
pub fn set_scheduling(policy: libc::c_int, priority: libc::c_int) -> io::Result<()> {
    // SAFETY: sched_param is plain integers: all zeros is valid.
    let mut param: libc::sched_param = unsafe { mem::zeroed() };
    param.sched_priority = priority;
    // SAFETY: reads a live sched_param; acts on this thread only.
    match unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) } {
        0 => Ok(()),
        errno => Err(io::Error::from_raw_os_error(errno)),
    }
}

/// Sets the calling thread's nice value (for policies without priorities).
pub fn set_nice(nice: libc::c_int) -> io::Result<()> {
    // SAFETY: gettid(2) and setpriority(2) take no pointers.
    super::check(unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, nice)
    })
    .map(drop)
}

/// Pins the calling thread to `cpus`; numbers outside the CPU set are left
/// out.
pub fn set_affinity(cpus: &[i32]) -> io::Result<()> {
    // SAFETY: cpu_set_t is a bit array: all zeros is the empty set.
    let mut set: libc::cpu_set_t = unsafe { mem::zeroed() };
    for &cpu in cpus {
        if (cpu as usize) < libc::CPU_SETSIZE as usize {
            // SAFETY: the index is below CPU_SETSIZE, within `set`.
            unsafe { libc::CPU_SET(cpu as usize, &mut set) };
        }
    }
    // SAFETY: reads a live cpu_set_t of the size given; 0 is this thread.
    super::check(unsafe { libc::sched_setaffinity(0, mem::size_of::<libc::cpu_set_t>(), &set) })
        .map(drop)
}

/// Blocks every signal in the calling thread, so that signals go to other
/// threads.
pub fn block_signals() {
    // SAFETY: sigset_t is plain data; sigfillset initialises it before use.
    let mut set: libc::sigset_t = unsafe { mem::zeroed() };
    // SAFETY: `set` is a live sigset_t; the mask change is this thread's.
    unsafe {
        libc::sigfillset(&mut set);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, ptr::null_mut());
    }
}
