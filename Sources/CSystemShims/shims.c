#define _GNU_SOURCE
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include "CSystemShims.h"

int CSystemShims_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int CSystemShims_accept_nonblocking(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }
