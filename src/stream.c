/*
 * stream: the plain kinds of endpoint (see stream.h).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "stream.h"

int
stream_empty_record(const struct stream *s)
{
	struct pollfd p;
	int n;

	if (s->socktype != SOCK_SEQPACKET)
		return 0;
	/* A unix seqpacket socket counts every record's bytes queued. */
	if (ioctl(s->fd, FIONREAD, &n) == 0 && n > 0)
		return 1;
	p.fd = s->fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	if (poll(&p, 1, 0) == -1)
		return 0;
	return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) == 0;
}

static ssize_t
fd_read(struct stream *s, void *buf, size_t len)
{
	if (s->lazy && stream_private(s) == -1)
		return -1;
	return read(s->fd, buf, len);
}

static ssize_t
fd_write(struct stream *s, const void *buf, size_t len)
{
	if (s->lazy && stream_private(s) == -1)
		return -1;
	if (s->open_err != 0) {
		errno = s->open_err;
		return -1;
	}
	return write(s->fd, buf, len);
}

static ssize_t
sock_read(struct stream *s, void *buf, size_t len)
{
	return recv(s->fd, buf, len, s->dontwait ? MSG_DONTWAIT : 0);
}

static ssize_t
sock_write(struct stream *s, const void *buf, size_t len)
{
	return send(s->fd, buf, len,
	    MSG_NOSIGNAL | (s->dontwait ? MSG_DONTWAIT : 0));
}

static int
sock_shutdown_wr(struct stream *s)
{
	return shutdown(s->fd, SHUT_WR);
}

static int
no_shutdown(struct stream *s)
{
	(void)s;
	return 0;
}

static void
fd_close(struct stream *s)
{
	if (s->restore_fl != -1)
		(void)fcntl(s->shared_fd, F_SETFL, s->restore_fl);
	if (s->own && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static size_t
no_pending(const struct stream *s)
{
	(void)s;
	return 0;
}

static const struct stream_ops fd_ops = {
	fd_read, fd_write, no_shutdown, fd_close, no_pending, NULL, NULL
};

static const struct stream_ops sock_ops = {
	sock_read, sock_write, sock_shutdown_wr, fd_close, no_pending, NULL,
	NULL
};

void
stream_next_init(struct stream_next *n, const struct stream *s,
    int (*then)(void *, struct stream *), void *then_arg)
{
	n->ops = s->ops;
	n->ctx = s->ctx;
	n->then = then;
	n->then_arg = then_arg;
}

void
stream_next_close(struct stream *s, const struct stream_next *n, void *ctx)
{
	s->ops = n->ops;
	s->ctx = n->ctx;
	free(ctx);
	stream_close(s);
}

int
stream_next_open(struct stream *s, struct stream_next n)
{
	s->ops = n.ops;
	s->ctx = n.ctx;
	if (n.then == NULL) {
		s->opening = 0;
		return 1;
	}
	if (n.then(n.then_arg, s) == -1)
		return -1;
	if (s->ops->open == NULL) {
		/* then made nothing that opens on. */
		s->opening = 0;
		return 1;
	}
	return s->ops->open(s);
}

/* stream_connecting(): the connect's end, then what comes next. */
static int
conn_open(struct stream *s)
{
	struct stream_next *c = s->ctx, n;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(int), sslen = sizeof(ss);
	int err = 0;

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	if (getpeername(s->fd, (struct sockaddr *)&ss, &sslen) == -1) {
		if (errno != ENOTCONN)
			return -1;
		/* Still under way: its end makes it writable. */
		s->rd_wants_out = 1;
		errno = EAGAIN;
		return 0;
	}
	s->rd_wants_out = 0;
	n = *c;
	free(c);
	return stream_next_open(s, n);
}

static void
conn_close(struct stream *s)
{
	stream_next_close(s, s->ctx, s->ctx);
}

static const struct stream_ops conn_ops = {
	sock_read, sock_write, sock_shutdown_wr, conn_close, no_pending,
	conn_open, NULL
};

int
stream_connecting(struct stream *s, int (*then)(void *, struct stream *),
    void *then_arg)
{
	struct stream_next *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	stream_next_init(c, s, then, then_arg);
	s->ops = &conn_ops;
	s->ctx = c;
	s->opening = 1;
	return 0;
}

/* stream_then(): the stream's own opening, then what comes next. */
static const struct stream_ops then_ops;

static int
then_open(struct stream *s)
{
	struct stream_next *c = s->ctx, n;
	int r;

	s->ops = c->ops;
	s->ctx = c->ctx;
	r = s->ops->open(s);
	if (r != 1) {
		c->ctx = s->ctx;
		s->ops = &then_ops;
		s->ctx = c;
		return r;
	}
	n = *c;
	free(c);
	s->opening = 1;
	return stream_next_open(s, n);
}

static void
then_close(struct stream *s)
{
	stream_next_close(s, s->ctx, s->ctx);
}

/* The stream's own failure, told through the step. */
static const char *
then_why(const struct stream *s)
{
	const struct stream_next *c = s->ctx;
	struct stream own = *s;

	own.ops = c->ops;
	own.ctx = c->ctx;
	return own.ops->why != NULL ? own.ops->why(&own) : NULL;
}

static const struct stream_ops then_ops = {
	stream_step_read, stream_step_write, stream_step_shutdown, then_close,
	stream_step_pending, then_open, then_why
};

int
stream_then(struct stream *s, int (*then)(void *, struct stream *),
    void *then_arg)
{
	struct stream_next *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	stream_next_init(c, s, then, then_arg);
	s->ops = &then_ops;
	s->ctx = c;
	s->opening = 1;
	return 0;
}

/* stream_dgram_in() and stream_sendto(): the address of the last
 * datagram read, or the one written to. */
struct peer_addr {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
};

static ssize_t
from_read(struct stream *s, void *buf, size_t len)
{
	struct peer_addr *a = s->ctx;

	a->len = sizeof(a->ss);
	return recvfrom(s->fd, buf, len, MSG_DONTWAIT,
	    (struct sockaddr *)&a->ss, &a->len);
}

static ssize_t
to_write(struct stream *s, const void *buf, size_t len)
{
	struct peer_addr *a = s->ctx;

	return sendto(s->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
	    (const struct sockaddr *)&a->ss, a->len);
}

ssize_t
stream_step_read(struct stream *s, void *buf, size_t len)
{
	(void)s;
	(void)buf;
	(void)len;
	errno = EAGAIN;
	return -1;
}

ssize_t
stream_step_write(struct stream *s, const void *buf, size_t len)
{
	(void)s;
	(void)buf;
	(void)len;
	errno = EAGAIN;
	return -1;
}

int
stream_step_shutdown(struct stream *s)
{
	(void)s;
	return 0;
}

size_t
stream_step_pending(const struct stream *s)
{
	(void)s;
	return 0;
}

static void
addr_close(struct stream *s)
{
	free(s->ctx);
	s->ctx = NULL;
	fd_close(s);
}

static const struct stream_ops from_ops = {
	from_read, sock_write, no_shutdown, addr_close, no_pending, NULL,
	NULL
};

static const struct stream_ops to_ops = {
	stream_step_read, to_write, no_shutdown, addr_close, no_pending, NULL,
	NULL
};

/* A stream over fd (not owned) with an address of its own. */
static int
addr_stream(struct stream *s, int fd, const struct stream_ops *ops)
{
	if (stream_socket(s, fd) == -1)
		return -1;
	s->own = 0;
	if ((s->ctx = calloc(1, sizeof(struct peer_addr))) == NULL)
		return -1;
	s->ops = ops;
	return 0;
}

int
stream_dgram_in(struct stream *s, int fd)
{
	return addr_stream(s, fd, &from_ops);
}

void
stream_from(const struct stream *s, struct sockaddr_storage *ss,
    socklen_t *len)
{
	const struct peer_addr *a = s->ctx;

	memcpy(ss, &a->ss, sizeof(*ss));
	*len = a->len;
}

int
stream_sendto(struct stream *s, int fd, const struct sockaddr *to,
    socklen_t len)
{
	struct peer_addr *a;

	if (addr_stream(s, fd, &to_ops) == -1)
		return -1;
	a = s->ctx;
	memcpy(&a->ss, to, len);
	a->len = len;
	/* Never watched: the listener it shares is its partner's. */
	s->pollable = 0;
	return 0;
}

int
stream_kind_of(int fd)
{
	struct stat st;
	int fl;

	if (fstat(fd, &st) == -1)
		return -1;
	switch (st.st_mode & S_IFMT) {
	case S_IFSOCK:
		return STREAM_SOCKET;
	case S_IFIFO:
		return STREAM_PIPE;
	case S_IFREG:
	case S_IFBLK:
		return STREAM_FILE;
	case S_IFCHR:
		if (isatty(fd))
			return STREAM_TTY;
		/* /dev/null open for writing; a closed stdout is held open
		 * read-only on it, and its writes must still fail. */
		if (st.st_rdev == makedev(1, 3) &&
		    (fl = fcntl(fd, F_GETFL)) != -1 &&
		    (fl & O_ACCMODE) != O_RDONLY)
			return STREAM_NULL;
		return STREAM_CHAR;
	}
	return STREAM_CHAR;
}

static void
stream_init(struct stream *s, int fd)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->watch_fd = fd;
	s->shared_fd = -1;
	s->restore_fl = -1;
	s->rd_ready = s->wr_ready = 1;
	s->ops = &fd_ops;
}

int
stream_socket(struct stream *s, int fd)
{
	socklen_t len;

	stream_init(s, fd);
	s->own = 1;
	s->kind = STREAM_SOCKET;
	s->ops = &sock_ops;
	s->pollable = 1;
	len = sizeof(s->socktype);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &s->socktype, &len) == -1)
		return -1;
	len = sizeof(s->family);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &s->family, &len) == -1)
		s->family = 0;
	s->record = s->socktype == SOCK_DGRAM ||
	    s->socktype == SOCK_SEQPACKET;
	s->splice_ok = !s->record;
	return 0;
}

/*
 * A private, non-blocking open file description of the pipe, FIFO,
 * terminal or device behind fd, for reading or writing: its flags are
 * ours alone.  Returns the new descriptor, or -1 with errno.
 */
static int
reopen(int fd, int writing)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, (writing ? O_WRONLY : O_RDONLY) | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
}

int
stream_shared(struct stream *s, int fd, int writing)
{
	int kind, fl;

	stream_init(s, fd);
	s->shared_fd = fd;
	if ((kind = stream_kind_of(fd)) == -1)
		return -1;
	s->kind = (enum stream_kind)kind;
	if (s->kind == STREAM_SOCKET) {
		/* No description of its own to be had: every call says
		 * MSG_DONTWAIT instead.  No splice(2) either: a TCP
		 * socket's splice blocks unless its own file is
		 * non-blocking, whatever SPLICE_F_NONBLOCK says. */
		s->ops = &sock_ops;
		s->dontwait = 1;
		s->pollable = 1;
		return 0;
	}
	if (s->kind == STREAM_FILE || s->kind == STREAM_NULL) {
		/* Never blocks: no flags needed, always ready. */
		s->splice_ok = 1;
		return 0;
	}
	/* Keep the caller's access mode: a descriptor that may not be
	 * written stays one whose writes fail. */
	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if ((fl & O_ACCMODE) == (writing ? O_RDONLY : O_WRONLY))
		return 0;
	s->pollable = 1;
	s->splice_ok = s->kind != STREAM_TTY;
	s->writing = writing;
	s->lazy = 1;
	if (s->kind == STREAM_PIPE)
		return 0;
	return stream_private(s);
}

int
stream_private(struct stream *s)
{
	int fl, nfd;

	if (!s->lazy)
		return 0;
	s->lazy = 0;
	if ((nfd = reopen(s->shared_fd, s->writing)) >= 0) {
		s->fd = nfd;
		s->own = 1;
		return 0;
	}
	if (errno == ENXIO && s->writing && s->kind == STREAM_PIPE) {
		/* A FIFO nobody reads any more: as a write would say. */
		s->open_err = EPIPE;
		return 0;
	}
	/*
	 * No /proc: the old way, the flag set on the shared description
	 * for the session and given back after.
	 */
	if ((fl = fcntl(s->shared_fd, F_GETFL)) == -1)
		return -1;
	if (!(fl & O_NONBLOCK) &&
	    fcntl(s->shared_fd, F_SETFL, fl | O_NONBLOCK) == 0)
		s->restore_fl = fl;
	return 0;
}

int
stream_open_wait(struct stream *s, long long deadline_ms, int intr_fd)
{
	struct pollfd pfd[2];
	long long now;
	int r;

	while (s->opening && s->ops->open != NULL) {
		if ((r = s->ops->open(s)) != 0)
			return r == 1 ? 0 : -1;
		if ((now = clock_ms()) >= deadline_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd[0].fd = s->fd;
		pfd[0].events = s->rd_wants_out ? POLLOUT : POLLIN;
		pfd[1].fd = intr_fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		if (poll(pfd, intr_fd >= 0 ? 2 : 1,
		    (int)(deadline_ms - now)) == -1 && errno != EINTR)
			return -1;
		if (pfd[1].revents != 0) {
			errno = EINTR;
			return -1;
		}
	}
	return 0;
}

int
stream_release(struct stream *s)
{
	int fd = s->fd;

	s->own = 0;
	stream_close(s);
	return fd;
}

void
stream_close(struct stream *s)
{
	if (s->ops != NULL)
		s->ops->close(s);
	free(s->pp);
	s->pp = NULL;
}
