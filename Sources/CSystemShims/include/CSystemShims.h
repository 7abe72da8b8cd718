#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H

/// Linux calls that Swift's Glibc module does not export (they sit behind _GNU_SOURCE or in headers it
/// leaves out), wrapped as plain functions.

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); -1 with errno on failure.
int CSystemShims_eventfd(void);

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); -1 with errno on failure.
int CSystemShims_accept_nonblocking(int fd);

#endif
