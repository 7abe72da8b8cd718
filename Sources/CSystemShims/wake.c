#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "CSystemShimsWake.h"

static void on_wake(int signal) { (void)signal; }

int CSystemShims_wake_signal(void) { return SIGRTMIN + 4; }

int CSystemShims_install_wake_handler(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_wake;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(CSystemShims_wake_signal(), &action, NULL);
}

int CSystemShims_prepare_wakeable_thread(sigset_t *waitMask) {
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, CSystemShims_wake_signal());
    int rc = pthread_sigmask(SIG_BLOCK, &wake, waitMask);
    if (rc != 0) return rc;
    sigdelset(waitMask, CSystemShims_wake_signal());
    return 0;
}

int CSystemShims_poll_wakeable(struct pollfd *fds, unsigned long count, int timeoutMillis, const sigset_t *waitMask) {
    struct timespec timeout;
    struct timespec *limit = NULL;
    if (timeoutMillis >= 0) {
        timeout.tv_sec = timeoutMillis / 1000;
        timeout.tv_nsec = (long)(timeoutMillis % 1000) * 1000000L;
        limit = &timeout;
    }
    return ppoll(fds, count, limit, waitMask);
}

int CSystemShims_wake_thread(pthread_t thread) { return pthread_kill(thread, CSystemShims_wake_signal()); }
