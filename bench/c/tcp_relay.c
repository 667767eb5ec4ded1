/* The least any proxy of large values does, as a floor: a TCP relay that knows no protocol.
   One thread, epoll, one upstream connection per client, bytes passed on as they arrive.
   "copy" moves them through a 64 KiB buffer with read() and write(), as socat does; "splice"
   moves them socket -> pipe (1 MiB) -> socket with splice(2), never into user space.

   Usage: tcp_relay copy|splice LISTEN_PORT UPSTREAM_PORT    (both on 127.0.0.1)
   No error handling beyond closing the pair. Used by bench/large_floor.py. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF (64 * 1024)
struct side { int fd; struct side *peer; int pipe[2]; int inpipe; char *buf; int len, off; unsigned events; };
static int splice_mode;

static void nb(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); int one = 1; setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); }

static void closeboth(int ep, struct side *s) {
    struct side *p = s->peer;
    epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, 0); epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, 0);
    close(s->fd); close(p->fd);
    if (splice_mode) { close(s->pipe[0]); close(s->pipe[1]); close(p->pipe[0]); close(p->pipe[1]); }
    free(s->buf); free(p->buf); free(s); free(p);
}

// Moves what it can from s to s->peer; returns -1 when the connection pair should close.
static int pump(struct side *s) {
    struct side *d = s->peer;
    for (;;) {
        if (splice_mode) {
            if (s->inpipe > 0) {
                ssize_t n = splice(s->pipe[0], 0, d->fd, 0, s->inpipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n < 0) return errno == EAGAIN ? 0 : -1;
                s->inpipe -= n;
                if (s->inpipe > 0) return 0;
            }
            ssize_t n = splice(s->fd, 0, s->pipe[1], 0, 1 << 20, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (n == 0) return -1;
            if (n < 0) return errno == EAGAIN ? 0 : -1;
            s->inpipe += n;
        } else {
            if (s->len > s->off) {
                ssize_t n = write(d->fd, s->buf + s->off, s->len - s->off);
                if (n < 0) return errno == EAGAIN ? 0 : -1;
                s->off += n;
                if (s->off < s->len) return 0;
            }
            ssize_t n = read(s->fd, s->buf, BUF);
            if (n == 0) return -1;
            if (n < 0) return errno == EAGAIN ? 0 : -1;
            s->len = n; s->off = 0;
        }
    }
}

static int pending(struct side *s) { return splice_mode ? s->inpipe > 0 : s->len > s->off; }
// Reads a side only while nothing of it waits for its peer; waits for the peer's room when it does.
static void rearm(int ep, struct side *s) {
    unsigned want = (pending(s) ? 0 : EPOLLIN) | (pending(s->peer) ? EPOLLOUT : 0);
    if (want == s->events) return;
    s->events = want;
    struct epoll_event e = { .events = want, .data.ptr = s };
    epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &e);
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: tcp_relay copy|splice LISTEN_PORT UPSTREAM_PORT\n"); return 2; }
    splice_mode = strcmp(argv[1], "splice") == 0;
    int lport = atoi(argv[2]), uport = atoi(argv[3]);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(lport), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(ls, (void *)&a, sizeof a) || listen(ls, 128)) { perror("listen"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = 0 };
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            struct side *s = evs[i].data.ptr;
            if (!s) {
                int c = accept(ls, 0, 0);
                if (c < 0) continue;
                int u = socket(AF_INET, SOCK_STREAM, 0);
                struct sockaddr_in ua = { .sin_family = AF_INET, .sin_port = htons(uport), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
                if (connect(u, (void *)&ua, sizeof ua)) { perror("connect"); close(c); close(u); continue; }
                nb(c); nb(u);
                struct side *cs = calloc(1, sizeof *cs), *us = calloc(1, sizeof *us);
                cs->fd = c; us->fd = u; cs->peer = us; us->peer = cs;
                if (splice_mode) { pipe2(cs->pipe, O_NONBLOCK); pipe2(us->pipe, O_NONBLOCK); fcntl(cs->pipe[1], F_SETPIPE_SZ, 1 << 20); fcntl(us->pipe[1], F_SETPIPE_SZ, 1 << 20); }
                else { cs->buf = malloc(BUF); us->buf = malloc(BUF); }
                struct epoll_event e1 = { .events = EPOLLIN, .data.ptr = cs }, e2 = { .events = EPOLLIN, .data.ptr = us };
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &e1); epoll_ctl(ep, EPOLL_CTL_ADD, u, &e2); cs->events = us->events = EPOLLIN;
                continue;
            }
            if (pump(s) < 0 || pump(s->peer) < 0) { closeboth(ep, s); continue; }
            rearm(ep, s); rearm(ep, s->peer);
        }
    }
}
