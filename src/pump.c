/*
 * pump: the relay engine (see pump.h), shaped like OpenBSD nc's
 * readwrite(): four poll slots with named indices, a buffer per
 * direction, EAGAIN and EINTR taken as "again", flow control by the
 * events asked for.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pump.h"
#include "clock.h"
#include "sig.h"

#define PUMP_BUFSZ	(256 * 1024)

/* The poll slots. */
enum { P_STDIN, P_NETIN, P_NETOUT, P_STDOUT, P_SIG, P_N };

/*
 * A channel moves bytes from one descriptor to another through a
 * buffer holding buf[off, off + len).
 */
struct chan {
	int		 from;
	int		 to;
	int		 unit_in;	/* from is a datagram socket: a read of
					   0 bytes is an empty datagram */
	int		 unit_out;	/* to is a datagram socket: each write
					   goes whole */
	int		 discard;	/* drop what is read */
	unsigned char	*buf;
	size_t		 cap;
	size_t		 off;
	size_t		 len;
	int		 eof;		/* from said EOF (or failed) */
	uint64_t	 in;		/* bytes read from from */
	uint64_t	 out;		/* bytes written to to */
};

/* Whether the channel has room to read into. */
static int
chan_room(const struct chan *c)
{
	if (c->eof || c->from < 0)
		return 0;
	/* Datagrams: one at a time, so one read is one write. */
	if (c->unit_in || c->unit_out)
		return c->len == 0;
	return c->off + c->len < c->cap;
}

/*
 * Read what from has into the buffer.  Returns the bytes read, 0 at EOF
 * (c->eof set) or for an empty datagram, -1 with errno (EAGAIN: nothing
 * yet).
 */
static ssize_t
chan_fill(struct chan *c)
{
	ssize_t n;

	if (c->len == 0)
		c->off = 0;
	do
		n = read(c->from, c->buf + c->off + c->len,
		    c->cap - c->off - c->len);
	while (n == -1 && errno == EINTR);
	if (n == 0 && !c->unit_in)
		c->eof = 1;
	if (n <= 0)
		return n;
	c->in += (uint64_t)n;
	if (!c->discard)
		c->len += (size_t)n;
	return n;
}

/*
 * Write out the buffer.  Returns the bytes written, or -1 with errno
 * (EAGAIN: no room yet).
 */
static ssize_t
chan_drain(struct chan *c)
{
	ssize_t n;

	do
		n = write(c->to, c->buf + c->off, c->len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (c->unit_out && (size_t)n < c->len) {
		errno = EMSGSIZE;
		return -1;
	}
	c->off += (size_t)n;
	c->len -= (size_t)n;
	c->out += (uint64_t)n;
	if (c->len == 0)
		c->off = 0;
	return n;
}

/* Whether a failed read or write only means "not now". */
static int
again(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* Make fd non-blocking unless it is a terminal; the old flags, or -1. */
static int
nonblock_unless_tty(int fd)
{
	int fl;

	if (fd < 0 || isatty(fd) || (fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if (!(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	return fl;
}

static void
restore_flags(int fd, int fl)
{
	if (fd >= 0 && fl != -1)
		(void)fcntl(fd, F_SETFL, fl);
}

/* The earlier of two deadlines, either of which may be unset (< 0). */
static long long
earliest(long long a, long long b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/* Ask poll for events on fd, or leave the slot out (fd -1): a slot
 * with no events would still wake us for POLLHUP and spin. */
static void
want(struct pollfd *p, int fd, short events)
{
	p->fd = events != 0 ? fd : -1;
	p->events = events;
	p->revents = 0;
}

static int
relay(const struct pump_cfg *cfg, struct chan *up, struct chan *down,
    struct pump_result *res)
{
	struct pollfd pfd[P_N];
	long long now, last_active, linger_from = -1, quit_at = -1;
	long long idle_at, wake;
	int shut = 0, stdin_done = 0, net_rd_err = 0, net_wr_err = 0;
	int timeout;
	ssize_t n;

	last_active = clock_ms();
	if (cfg->shut_at_start && !cfg->net_dgram) {
		(void)shutdown(cfg->net_fd, SHUT_WR);
		shut = 1;
	}
	for (;;) {
		now = clock_ms();
		/*
		 * Invariants: stdin's bytes are all sent before the
		 * half-close; the socket's bytes are all written before the
		 * session ends; no timer but -i's drops a byte read.
		 */
		if (sig_caught()) {
			res->end = PUMP_SIGNAL;
			return 0;
		}
		if (up->from >= 0 && up->eof && up->len == 0 && !stdin_done) {
			stdin_done = 1;
			if (cfg->quit_ms >= 0)
				quit_at = now + cfg->quit_ms;
			if (!shut && !cfg->net_dgram && !net_wr_err)
				(void)shutdown(cfg->net_fd, SHUT_WR);
			shut = 1;
		}
		if (stdin_done && cfg->end_on_sent) {
			res->end = net_wr_err ? PUMP_ERR_NET_WRITE : PUMP_SENT;
			res->err = net_wr_err;
			return 0;
		}
		if (down->eof && down->len == 0) {
			if (net_rd_err || net_wr_err) {
				res->end = net_rd_err ? PUMP_ERR_NET_READ :
				    PUMP_ERR_NET_WRITE;
				res->err = net_rd_err ? net_rd_err : net_wr_err;
				return 0;
			}
			if (up->from < 0 || stdin_done) {
				res->end = PUMP_NET_EOF;
				return 0;
			}
			/* The peer closed its side; stdin may still flow. */
			if (linger_from < 0)
				linger_from = now;
			if (up->len == 0 && !cfg->end_on_sent &&
			    now >= linger_from + PUMP_LINGER_MS) {
				res->end = PUMP_NET_EOF;
				return 0;
			}
		}
		if (quit_at >= 0 && now >= quit_at && down->len == 0) {
			/*
			 * Take what the socket already holds, so that it is
			 * written and closing does not reset the connection.
			 */
			if (chan_room(down) && chan_fill(down) > 0)
				continue;
			res->end = PUMP_QUIT;
			return 0;
		}
		idle_at = cfg->idle_ms >= 0 ? last_active + cfg->idle_ms : -1;
		if (idle_at >= 0 && now >= idle_at) {
			res->end = PUMP_IDLE;
			return 0;
		}

		want(&pfd[P_STDIN], up->from, chan_room(up) ? POLLIN : 0);
		want(&pfd[P_NETOUT], cfg->net_fd, up->len > 0 ? POLLOUT : 0);
		/* After -q's moment, take no more from the socket. */
		want(&pfd[P_NETIN], cfg->net_fd, chan_room(down) &&
		    quit_at < 0 ? POLLIN : 0);
		want(&pfd[P_STDOUT], cfg->out_fd, down->len > 0 ? POLLOUT : 0);
		want(&pfd[P_SIG], sig_fd(), POLLIN);

		wake = earliest(idle_at, quit_at);
		if (linger_from >= 0)
			wake = earliest(wake, linger_from + PUMP_LINGER_MS);
		timeout = wake < 0 ? -1 : wake - now > 60000 ? 60000 :
		    (int)(wake - now);
		if (poll(pfd, P_N, timeout) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pfd[P_SIG].revents)
			sig_drain();

		if (pfd[P_STDIN].revents) {
			if ((n = chan_fill(up)) > 0) {
				last_active = clock_ms();
				if (linger_from >= 0)
					linger_from = last_active;
			} else if (n == -1 && !again(errno)) {
				res->end = PUMP_ERR_IN;
				res->err = errno;
				return 0;
			}
		}
		if (pfd[P_NETIN].revents) {
			if ((n = chan_fill(down)) > 0)
				last_active = clock_ms();
			else if (n == -1 && !again(errno)) {
				/* What came before the error is still written. */
				net_rd_err = errno;
				down->eof = 1;
			}
		}
		if (pfd[P_NETOUT].revents) {
			if ((n = chan_drain(up)) > 0)
				last_active = clock_ms();
			else if (n == -1 && !again(errno)) {
				/*
				 * The peer takes no more: stop reading stdin and
				 * go on writing what it still sends.
				 */
				net_wr_err = errno;
				up->len = 0;
				up->eof = 1;
				if (cfg->net_dgram)
					down->eof = 1;
			}
		}
		if (pfd[P_STDOUT].revents) {
			if ((n = chan_drain(down)) > 0)
				last_active = clock_ms();
			else if (n == -1 && !again(errno)) {
				res->end = errno == EPIPE ? PUMP_OUT_GONE :
				    PUMP_ERR_OUT;
				res->err = errno;
				return 0;
			}
		}
	}
}

int
pump_run(const struct pump_cfg *cfg, struct pump_result *res)
{
	struct chan up, down;
	int in_fl, out_fl, r, saved;

	memset(res, 0, sizeof(*res));
	memset(&up, 0, sizeof(up));
	memset(&down, 0, sizeof(down));
	up.from = cfg->in_fd;
	up.to = cfg->net_fd;
	up.unit_out = cfg->net_dgram;
	up.cap = PUMP_BUFSZ;
	down.from = cfg->net_fd;
	down.to = cfg->out_fd;
	down.unit_in = cfg->net_dgram;
	down.discard = cfg->discard_net;
	down.cap = PUMP_BUFSZ;
	if ((up.buf = malloc(up.cap)) == NULL ||
	    (down.buf = malloc(down.cap)) == NULL) {
		free(up.buf);
		return -1;
	}
	in_fl = nonblock_unless_tty(cfg->in_fd);
	out_fl = nonblock_unless_tty(cfg->out_fd);
	r = relay(cfg, &up, &down, res);
	saved = errno;
	restore_flags(cfg->in_fd, in_fl);
	restore_flags(cfg->out_fd, out_fl);
	res->sent = up.out;
	res->received = down.in;
	free(up.buf);
	free(down.buf);
	errno = saved;
	return r;
}
