// The login storm of scripts/login_storm.py: opens a connection every 1/RATE s for DURATION s (an open
// loop, on time whatever the earlier ones do), each logging in as the next of COUNT accounts
// `PREFIX<i>` with the password `PREFIX<i>-storm-password`, then quitting. One epoll thread serves them
// all; the room's lines a connection receives while it waits are skipped in large reads. Prints one JSON
// line: logins done, failed, and their latency from `/login` sent to `LOGGED-IN` read (p50, p99, max).
//
// usage: login_storm PORT RATE DURATION PREFIX COUNT
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { WANT_WELCOME, WANT_LOGGED_IN };

struct conn {
    int fd, state, account;
    double sent_at;
    char tail[16];
    int tail_len;
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

// Whether `needle` (starting a line) occurs in what came, the tail of the last read included.
static int seen(struct conn *c, const char *data, size_t length, const char *needle) {
    static char joined[(1 << 16) + 32];
    size_t total = (size_t)c->tail_len + length;
    memcpy(joined, c->tail, (size_t)c->tail_len);
    memcpy(joined + c->tail_len, data, length);
    size_t keep = total < 15 ? total : 15;
    memcpy(c->tail, joined + total - keep, keep);
    c->tail_len = (int)keep;
    char pattern[32];
    snprintf(pattern, sizeof pattern, "\n%s", needle);
    if (memmem(joined, total, pattern, strlen(pattern))) return 1;
    return total >= strlen(needle) && memcmp(joined, needle, strlen(needle)) == 0 && c->state == WANT_WELCOME;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: login_storm PORT RATE DURATION PREFIX COUNT\n");
        return 64;
    }
    int port = atoi(argv[1]), count = atoi(argv[5]);
    double rate = atof(argv[2]), duration = atof(argv[3]);
    const char *prefix = argv[4];
    int epfd = epoll_create1(0);
    int capacity = (int)(rate * duration) + 16;
    double *latencies = calloc((size_t)capacity, sizeof(double));
    int done = 0, failed = 0, opened = 0, open_now = 0;
    double start = now(), next_at = start;
    static char buffer[1 << 16];
    while (now() - start < duration || open_now > 0) {
        double t = now();
        if (t - start > duration + 30) break;  // stragglers after the storm: counted as failed below
        while (t - start < duration && next_at <= t && opened < capacity - 1) {
            struct conn *c = calloc(1, sizeof *c);
            c->fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
            if (connect(c->fd, (struct sockaddr *)&address, sizeof address) != 0) {
                failed++;
                close(c->fd);
                free(c);
            } else {
                fcntl(c->fd, F_SETFL, O_NONBLOCK);
                c->account = opened % count;
                struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &event);
                open_now++;
            }
            opened++;
            next_at += 1.0 / rate;
        }
        struct epoll_event events[64];
        int timeout = (int)((next_at - now()) * 1000);
        int ready = epoll_wait(epfd, events, 64, timeout < 0 ? 0 : timeout > 100 ? 100 : timeout);
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            ssize_t got;
            int finished = 0;
            while ((got = read(c->fd, buffer, sizeof buffer)) > 0) {
                if (c->state == WANT_WELCOME && seen(c, buffer, (size_t)got, "WELCOME ")) {
                    char line[256];
                    int length = snprintf(line, sizeof line, "/login %s%d %s%d-storm-password\n", prefix,
                                          c->account, prefix, c->account);
                    c->sent_at = now();
                    c->state = WANT_LOGGED_IN;
                    c->tail_len = 0;
                    if (write(c->fd, line, (size_t)length) != length) finished = -1;
                } else if (c->state == WANT_LOGGED_IN && seen(c, buffer, (size_t)got, "LOGGED-IN ")) {
                    latencies[done++] = now() - c->sent_at;
                    if (write(c->fd, "/quit\n", 6) != 6) {}
                    finished = 1;
                    break;
                }
            }
            if (got == 0 || (got < 0 && errno != EAGAIN)) finished = finished ? finished : -1;
            if (finished) {
                if (finished < 0) failed++;
                close(c->fd);
                free(c);
                open_now--;
            }
        }
    }
    failed += open_now;
    double elapsed = now() - start;
    qsort(latencies, (size_t)done, sizeof(double), compare);
    printf("{\"opened\":%d,\"logins\":%d,\"failed\":%d,\"logins_per_s\":%.1f,\"login_p50_ms\":%.1f,"
           "\"login_p99_ms\":%.1f,\"login_max_ms\":%.1f}\n",
           opened, done, failed, done / (elapsed < duration ? elapsed : duration),
           done ? 1000 * latencies[done / 2] : 0.0, done ? 1000 * latencies[(int)(0.99 * (done - 1))] : 0.0,
           done ? 1000 * latencies[done - 1] : 0.0);
    return 0;
}
