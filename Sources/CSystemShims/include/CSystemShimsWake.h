#ifndef CSYSTEMSHIMS_WAKE_H
#define CSYSTEMSHIMS_WAKE_H

#include <poll.h>
#include <pthread.h>
#include <signal.h>

/// Waking one thread out of poll without a descriptor: a real-time signal with an empty handler,
/// blocked in the thread except while it waits in ppoll. The server uses it so that a connection
/// costs one file descriptor (its socket), not two.

/// The signal used (SIGRTMIN + 4).
int CSystemShims_wake_signal(void);

/// Installs the empty handler (without SA_RESTART, so the wait returns EINTR). Idempotent.
int CSystemShims_install_wake_handler(void);

/// Blocks the wake signal in the calling thread and stores in `waitMask` the thread's mask without it,
/// to pass to CSystemShims_poll_wakeable.
int CSystemShims_prepare_wakeable_thread(sigset_t *waitMask);

/// ppoll with `waitMask` in force: returns -1 with errno EINTR when the thread is woken (also when the
/// wake came before the call). A negative timeout waits without limit.
int CSystemShims_poll_wakeable(struct pollfd *fds, unsigned long count, int timeoutMillis, const sigset_t *waitMask);

/// Sends the wake signal to `thread`.
int CSystemShims_wake_thread(pthread_t thread);

#endif
