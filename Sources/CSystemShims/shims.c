#define _GNU_SOURCE
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include "CSystemShims.h"

int CSystemShims_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int CSystemShims_accept_nonblocking(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }

#include <poll.h>
#include <time.h>

int CSystemShims_poll_nanos(struct pollfd *fds, unsigned long count, int64_t timeout_ns) {
    struct timespec timeout = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
    return ppoll(fds, count, timeout_ns < 0 ? NULL : &timeout, NULL);
}

// MARK: epoll

#include <errno.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <time.h>

_Static_assert(CSystemShims_EPOLLIN == EPOLLIN, "EPOLLIN");
_Static_assert(CSystemShims_EPOLLOUT == EPOLLOUT, "EPOLLOUT");
_Static_assert(CSystemShims_EPOLLERR == EPOLLERR, "EPOLLERR");
_Static_assert(CSystemShims_EPOLLHUP == EPOLLHUP, "EPOLLHUP");

int CSystemShims_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static int CSystemShims_epoll_control(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event event = {.events = events, .data.u64 = token};
    return epoll_ctl(epfd, op, fd, &event);
}

int CSystemShims_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) {
    return CSystemShims_epoll_control(epfd, EPOLL_CTL_ADD, fd, events, token);
}

int CSystemShims_epoll_modify(int epfd, int fd, uint32_t events, uint64_t token) {
    return CSystemShims_epoll_control(epfd, EPOLL_CTL_MOD, fd, events, token);
}

int CSystemShims_epoll_wait(int epfd, CSystemShims_epoll_ready *ready, int capacity, int64_t timeout_ns) {
    struct epoll_event events[1024];
    if (capacity > 1024) capacity = 1024;
    if (capacity < 1) capacity = 1;
    int count = -1;
    static _Atomic int lacks_pwait2 = 0;  // learnt once, the same answer for every thread
    if (!lacks_pwait2) {
        struct timespec timeout = {.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
        count = epoll_pwait2(epfd, events, capacity, timeout_ns < 0 ? NULL : &timeout, NULL);
        if (count < 0 && errno == ENOSYS) lacks_pwait2 = 1;
    }
    if (lacks_pwait2) {
        int timeout_ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
        count = epoll_wait(epfd, events, capacity, timeout_ms);
    }
    for (int i = 0; i < count; i++) {
        ready[i].token = events[i].data.u64;
        ready[i].events = events[i].events;
    }
    return count;
}

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int CSystemShims_make_thread_idle(void) {
    struct sched_param param = {.sched_priority = 0};
    if (sched_setscheduler(0, SCHED_IDLE, &param) == 0) return 0;
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
}

// MARK: memory

#include <malloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

int CSystemShims_release_stack_below(size_t keep) {
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) != 0) return -1;
    void *low = NULL;
    size_t size = 0;
    int got = pthread_attr_getstack(&attributes, &low, &size);
    pthread_attr_destroy(&attributes);
    if (got != 0) return -1;
    // The stack grows down from low + size; what lies below the current frame (less `keep`) is unused now.
    // The frame's address, not a local's: under AddressSanitizer a local may live on a heap "fake stack".
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)low + page - 1) & ~(page - 1);
    uintptr_t top = (uintptr_t)__builtin_frame_address(0);
    if (top < (uintptr_t)low || top >= (uintptr_t)low + size) return -1;
    if (top < start + keep + page) return 0;
    uintptr_t end = (top - keep) & ~(page - 1);
    return madvise((void *)start, end - start, MADV_DONTNEED);
}

int CSystemShims_trim_heap(void) { return malloc_trim(0); }
