#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H

#include <stddef.h>
#include <stdint.h>
#include "CSystemShimsWake.h"

/// Linux calls that Swift's Glibc module does not export (they sit behind _GNU_SOURCE or in headers it
/// leaves out), wrapped as plain functions.

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); -1 with errno on failure.
int CSystemShims_eventfd(void);

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); -1 with errno on failure.
int CSystemShims_accept_nonblocking(int fd);

/// ppoll with a timeout of `timeout_ns` nanoseconds (negative: without limit) and the thread's own signal
/// mask; poll's whole milliseconds are too coarse for the server's write coalescing.
int CSystemShims_poll_nanos(struct pollfd *fds, unsigned long count, int64_t timeout_ns);

// MARK: epoll, for chatroom-bench's event loop (Swift's Glibc module has no <sys/epoll.h>).

/// Event bits, the same values as <sys/epoll.h>'s (shims.c checks that they are).
#define CSystemShims_EPOLLIN 0x001u
#define CSystemShims_EPOLLOUT 0x004u
#define CSystemShims_EPOLLERR 0x008u
#define CSystemShims_EPOLLHUP 0x010u

/// One readiness report: the token the descriptor was registered with and the event bits that fired.
///
/// A plain struct, unlike `struct epoll_event`, which is packed on x86_64.
typedef struct {
    uint64_t token;
    uint32_t events;
} CSystemShims_epoll_ready;

/// epoll_create1(EPOLL_CLOEXEC); -1 with errno on failure.
int CSystemShims_epoll_create(void);

/// epoll_ctl(EPOLL_CTL_ADD) watching `events` (level-triggered) and reporting `token`; -1 with errno on failure.
int CSystemShims_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);

/// epoll_ctl(EPOLL_CTL_MOD) to watch `events` and report `token`; -1 with errno on failure.
int CSystemShims_epoll_modify(int epfd, int fd, uint32_t events, uint64_t token);

/// Waits for events, at most `timeout_ns` nanoseconds (negative: without limit), filling up to `capacity`
/// (at most 1024) reports. Uses epoll_pwait2 for its nanosecond timeout, falling back to epoll_wait
/// (timeout rounded up to whole milliseconds) where the kernel lacks it.
///
/// Returns the number of reports, 0 on timeout, or -1 with errno (EINTR included) on failure.
int CSystemShims_epoll_wait(int epfd, CSystemShims_epoll_ready *ready, int capacity, int64_t timeout_ns);

/// Makes the calling thread alone a background one: SCHED_IDLE (it runs only on a processor nothing else
/// wants), or, where that is refused, nice 19. A thread cannot come back from either without privilege.
/// Returns 0, or -1 with errno when neither took.
int CSystemShims_make_thread_idle(void);

/// Gives back to the system the calling thread's stack pages below its current frame, less `keep` bytes: a
/// thread that went deep once (a TLS handshake) and then idles shallow need not keep them. Pages touched again
/// come back as zeroes. Returns 0, or -1 with errno.
int CSystemShims_release_stack_below(size_t keep);

/// Gives back the free pages of every malloc arena (`malloc_trim(0)`). Returns 1 if memory was released.
int CSystemShims_trim_heap(void);

#endif
