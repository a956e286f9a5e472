/* perf_proc.h: what the perf programs that fork helper processes share
 * (router_many, mem_conns): lines over pipes, and the open-files limit.
 * Include after perf_util.h. */
#ifndef PERF_PROC_H
#define PERF_PROC_H

#include <sys/resource.h>

/* Writes all of `buf` or dies. */
static inline void write_all (int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write (fd, p, len);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            PERF_DIE ("write");
        }
        p += w;
        len -= (size_t) w;
    }
}

/* Reads one line (up to '\n', not stored) from `fd`; 0 on EOF first. */
static inline int read_line (int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        char c;
        ssize_t r = read (fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (c == '\n') {
            buf[n] = '\0';
            return 1;
        }
        buf[n++] = c;
    }
    buf[n] = '\0';
    return n > 0;
}

/* Raises the soft open-files limit towards `want` (never above the hard
 * limit, never lowering it). */
static inline void raise_fd_limit (long want)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t target = (rlim_t) want;
    if (rl.rlim_max != RLIM_INFINITY && target > rl.rlim_max)
        target = rl.rlim_max;
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= target)
        return;
    rl.rlim_cur = target;
    setrlimit (RLIMIT_NOFILE, &rl);
}

#endif
