/* The least a Redis proxy can do, as a floor for CPU per request: one thread, epoll, one
   backend, no routing, no hashing, no timeouts, no stats, no error handling beyond giving up.
   It reads what a client sent, passes the complete requests on to the backend as they are,
   and passes each reply back to the client that asked, in order; every connection written to
   in a loop iteration is written once at its end, as Nutjar and nutcracker batch.

   Usage: resp_floor_proxy LISTEN_PORT BACKEND_PORT    (both on 127.0.0.1)
   Only what redis-benchmark GET and SET send and get back is understood: arrays of bulk
   strings in; simple strings, errors, integers, bulk strings and arrays of them out. */
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

enum { BUF = 1 << 20, MAX_FD = 65536, MAX_EVENTS = 1024, FIFO = 1 << 20 };

typedef struct {
    char *in, *out;
    size_t in_len, out_len;
    int dirty;
} conn;

static conn *conns[MAX_FD];
static int dirty_list[MAX_FD], dirty_count, flushing[MAX_FD];
/* Which client each reply the backend owes goes to, in the order the requests were sent. */
static int fifo[FIFO];
static size_t fifo_head, fifo_tail;

static void die(const char *what) { perror(what); exit(1); }

static conn *conn_new(int fd) {
    conn *c = calloc(1, sizeof(conn));
    c->in = malloc(BUF);
    c->out = malloc(BUF);
    conns[fd] = c;
    return c;
}

static void mark_dirty(int fd) {
    if (!conns[fd]->dirty) {
        conns[fd]->dirty = 1;
        dirty_list[dirty_count++] = fd;
    }
}

/* Length of the line starting at p (up to and including \r\n), or 0 if incomplete. */
static size_t line_len(const char *p, const char *end) {
    const char *nl = memchr(p, '\n', end - p);
    return nl ? (size_t) (nl - p + 1) : 0;
}

/* Length of one complete request (an array of bulk strings) at p, or 0 if incomplete. */
static size_t request_len(const char *p, const char *end) {
    size_t n = line_len(p, end);
    if (!n || p[0] != '*') return 0;
    long args = atol(p + 1);
    const char *q = p + n;
    for (long i = 0; i < args; i++) {
        size_t h = line_len(q, end);
        if (!h) return 0;
        long len = atol(q + 1);
        q += h;
        if (end - q < len + 2) return 0;
        q += len + 2;
    }
    return q - p;
}

/* Length of one complete reply at p, or 0 if incomplete. */
static size_t reply_len(const char *p, const char *end) {
    size_t n = line_len(p, end);
    if (!n) return 0;
    if (p[0] == '*') {
        long items = atol(p + 1);
        const char *q = p + n;
        for (long i = 0; i < items; i++) {
            size_t m = reply_len(q, end);
            if (!m) return 0;
            q += m;
        }
        return q - p;
    }
    if (p[0] != '$') return n;
    long len = atol(p + 1);
    if (len < 0) return n;
    if ((size_t) (end - p) < n + len + 2) return 0;
    return n + len + 2;
}

static void flush_conn(int fd) {
    conn *c = conns[fd];
    c->dirty = 0;
    size_t off = 0;
    while (off < c->out_len) {
        ssize_t w = write(fd, c->out + off, c->out_len - off);
        if (w < 0) {
            if (errno == EAGAIN) break; /* a floor, not a proxy: a full socket keeps the rest for later */
            die("write");
        }
        off += w;
    }
    memmove(c->out, c->out + off, c->out_len - off);
    c->out_len -= off;
    if (c->out_len) mark_dirty(fd);
}

static int connect_backend(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *) &a, sizeof a)) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s LISTEN_PORT BACKEND_PORT\n", argv[0]);
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(lfd, (struct sockaddr *) &a, sizeof a) || listen(lfd, 1024)) die("listen");
    fcntl(lfd, F_SETFL, O_NONBLOCK);
    int bfd = connect_backend(atoi(argv[2]));
    conn_new(bfd);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN}, events[MAX_EVENTS];
    ev.data.fd = lfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    ev.data.fd = bfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, bfd, &ev);
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, dirty_count ? 0 : -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd) {
                int cfd;
                while ((cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_new(cfd);
                    ev.data.fd = cfd;
                    epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
                }
                continue;
            }
            conn *c = conns[fd];
            ssize_t r = read(fd, c->in + c->in_len, BUF - c->in_len);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                if (fd == bfd) die("backend closed");
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                close(fd); /* replies still owed to it would go to a reused fd: fine for a floor run */
                continue;
            }
            c->in_len += r;
            char *p = c->in, *end = c->in + c->in_len;
            conn *b = conns[bfd];
            size_t len;
            if (fd == bfd) {
                while (fifo_head != fifo_tail && (len = reply_len(p, end))) {
                    int to = fifo[fifo_head++ % FIFO];
                    conn *dst = conns[to];
                    memcpy(dst->out + dst->out_len, p, len);
                    dst->out_len += len;
                    mark_dirty(to);
                    p += len;
                }
            } else {
                char *start = p;
                while ((len = request_len(p, end))) {
                    fifo[fifo_tail++ % FIFO] = fd;
                    p += len;
                }
                memcpy(b->out + b->out_len, start, p - start);
                b->out_len += p - start;
                if (p > start) mark_dirty(bfd);
            }
            memmove(c->in, p, end - p);
            c->in_len = end - p;
        }
        int count = dirty_count;
        memcpy(flushing, dirty_list, count * sizeof(int));
        dirty_count = 0;
        for (int i = 0; i < count; i++) flush_conn(flushing[i]);
    }
}
