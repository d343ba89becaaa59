/*
 * pump: the relay engine (see pump.h), shaped like OpenBSD nc's
 * readwrite(): poll slots with named indices, a buffer per direction,
 * EAGAIN and EINTR taken as "again", flow control by the events asked
 * for, the end conditions stated at the top of the loop.
 *
 * stdin goes into one buffer, in[0, iend - ibase), holding the stdin
 * bytes from absolute offset ibase on; each client has sent up to its
 * own offset pos.  The buffer empties (ibase = iend) once every client
 * that takes stdin has caught up, and stdin is read only into its free
 * tail, so a client that does not read holds stdin up for all: that is
 * the flow control, and PUMP_SLOW_DROP_MS bounds it when there are
 * several.  Each client's bytes go into its own buffer; clients with
 * bytes for stdout wait in a FIFO and the head one is written out before
 * the next, so no read is ever cut into by another client's.
 */
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "pump.h"
#include "sig.h"

#define PUMP_BUFSZ	(256 * 1024)

/* With many clients, each one's buffer: smaller, and held only while it
 * has bytes waiting for stdout, so that idle clients cost no memory. */
#define PUMP_CLIENT_BUFSZ	(64 * 1024)

/* The size asked for pipes: stdin's, stdout's and the private ones. */
#define PUMP_PIPESZ	(1024 * 1024)

/*
 * How stdin's bytes reach the client.  The direct paths (one stream
 * client only) hold nothing in between: the bytes wait in stdin itself
 * until the socket takes them.
 */
enum in_path {
	IN_COPY,	/* read() into in[], write() to each client */
	IN_PIPE,	/* splice: stdin -> in_pipe -> the client */
	IN_SPLICE,	/* stdin is a pipe: splice straight to the client */
	IN_SENDFILE	/* stdin is a regular file: sendfile(2) */
};

/* How a client's bytes reach stdout. */
enum out_path {
	OUT_COPY,	/* read() into buf, write() to stdout */
	OUT_PIPE,	/* splice: socket -> pipe -> stdout */
	OUT_SPLICE,	/* stdout is a pipe: splice straight into it */
	OUT_DISCARD	/* stdout is /dev/null, or --send-only: recv(2) with
			   MSG_TRUNC drops the bytes in the kernel */
};

/* The most one direct transfer asks for. */
#define PUMP_DIRECT_MAX	(4 * 1024 * 1024)

/* The fixed poll slots; clients and listeners follow. */
enum { P_STDIN, P_STDOUT, P_SIG, P_FIXED };

struct client {
	int		 fd;
	/* socket -> stdout: buf[off, off + len) waits to be written */
	unsigned char	*buf;		/* allocated when first needed */
	size_t		 bufsz;
	size_t		 off;
	size_t		 len;
	int		 rd_eof;	/* EOF, or a read error: rd_err */
	int		 rd_err;
	int		 queued;	/* in the stdout FIFO */
	struct client	*out_next;
	/* stdin -> socket */
	uint64_t	 pos;		/* stdin offset sent up to */
	int		 shut;		/* SHUT_WR done */
	int		 wr_err;
	long long	 moved_at;	/* when its stdin last moved */
	long long	 linger_from;	/* single session: peer EOF seen */
	size_t		 slot;		/* its poll slot */
	void		*tag;		/* what cfg->joined returned */
	/* OUT_PIPE: socket -> pipe[1], pipe[0] -> stdout, and len counts
	 * the bytes in the pipe instead of buf.  OUT_SPLICE: out_stuck when
	 * the socket has bytes and stdout's pipe is full. */
	enum out_path	 out_path;
	int		 out_stuck;
	int		 pipe[2];
	size_t		 pipe_cap;
	int		 pipe_full;	/* OUT_PIPE: splice found no room,
					   small fragments filling its slots
					   before pipe_cap bytes */
	uint64_t	 sent;
	uint64_t	 received;
};

struct pump {
	const struct pump_cfg	*cfg;
	struct pump_result	*res;
	unsigned char		*in;		/* the stdin buffer */
	uint64_t		 ibase;		/* offset of in[0] */
	uint64_t		 iend;		/* offset read up to */
	int			 in_eof;
	long long		 quit_at;	/* -q deadline, or -1 */
	long long		 last_active;
	struct client		**c;		/* the clients */
	size_t			 nc;
	size_t			 capc;
	struct client		*out_head;	/* the stdout FIFO */
	struct client		*out_tail;
	struct pollfd		*pfd;
	size_t			 npfd;
	size_t			 cappfd;
	size_t			 lslot;		/* the first listener's slot */
	int			 quitting;	/* -q's moment has come */
	int			 out_fifo;	/* stdout is a pipe: watch for its
					   reader leaving even when idle */
	/* IN_PIPE: stdin -> in_pipe[1], in_pipe[0] -> the client.  The
	 * direct paths: in_stuck when stdin has bytes and the socket is
	 * full. */
	enum in_path		 in_path;
	int			 in_stuck;
	int			 in_pipe[2];
	size_t			 in_pipe_cap;
	int			 in_pipe_full;	/* as a client's pipe_full */
	long long		 accept_pause;	/* EMFILE: until then */
	int			 out_gone;	/* OUT_SPLICE met EPIPE */
};

/* Whether a failed read or write only means "not now". */
static int
again(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
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

/* Whether clients are sent stdin at all. */
static int
takes_stdin(const struct pump *p)
{
	return p->cfg->in_fd >= 0;
}

/* Whether c still wants stdin bytes. */
static int
wants_in(const struct pump *p, const struct client *c)
{
	return takes_stdin(p) && !c->shut && !c->wr_err;
}

static int
many(const struct pump *p)
{
	return p->cfg->nlisten > 0;
}

/* Whether bytes wait for stdout: in a buffer or private pipe (the FIFO),
 * or in the socket of a direct path whose stdout pipe is full. */
static int
out_pending(const struct pump *p)
{
	return p->out_head != NULL || (p->nc == 1 && p->c[0]->out_stuck);
}

static struct client *
client_new(struct pump *p, int fd)
{
	struct client *c, **cs;

	if (p->nc == p->capc) {
		cs = reallocarray(p->c, p->capc ? p->capc * 2 : 8,
		    sizeof(*cs));
		if (cs == NULL)
			return NULL;
		p->c = cs;
		p->capc = p->capc ? p->capc * 2 : 8;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->bufsz = many(p) ? PUMP_CLIENT_BUFSZ : PUMP_BUFSZ;
	c->fd = fd;
	c->pipe[0] = c->pipe[1] = -1;
	c->pos = p->iend;
	c->moved_at = clock_ms();
	c->linger_from = -1;
	p->c[p->nc++] = c;
	if (p->cfg->shut_at_start && !p->cfg->net_dgram) {
		(void)shutdown(fd, SHUT_WR);
		c->shut = 1;
	}
	return c;
}

/* Take c out of the stdout FIFO. */
static void
unqueue(struct pump *p, struct client *c)
{
	struct client **pp, *prev = NULL;

	if (!c->queued)
		return;
	for (pp = &p->out_head; *pp != NULL; prev = *pp, pp = &(*pp)->out_next)
		if (*pp == c)
			break;
	*pp = c->out_next;
	if (p->out_tail == c)
		p->out_tail = prev;
	c->queued = 0;
	c->out_next = NULL;
}

/* Close and forget client i, telling the caller how it ended. */
static void
client_drop(struct pump *p, size_t i, enum pump_end end, int err)
{
	struct client *c = p->c[i];
	struct pump_result r;

	memset(&r, 0, sizeof(r));
	r.end = end;
	r.err = err;
	r.sent = c->sent;
	r.received = c->received;
	if (p->cfg->left != NULL)
		p->cfg->left(p->cfg->arg, c->tag, &r);
	unqueue(p, c);
	close(c->fd);
	free(c->buf);
	free(c);
	p->c[i] = p->c[--p->nc];
}

/* The lowest stdin offset a client still has to send, or iend. */
static uint64_t
min_pos(const struct pump *p)
{
	uint64_t m = p->iend;
	size_t i;

	for (i = 0; i < p->nc; i++)
		if (wants_in(p, p->c[i]) && p->c[i]->pos < m)
			m = p->c[i]->pos;
	return m;
}

/* Whether stdin may be read now: a client to take it, and room. */
static int
in_room(struct pump *p)
{
	size_t i;

	if (!takes_stdin(p) || p->in_eof)
		return 0;
	for (i = 0; i < p->nc && !wants_in(p, p->c[i]); i++)
		continue;
	if (i == p->nc)
		return 0;	/* nobody to send it to: leave it unread */
	if (p->in_path == IN_SPLICE || p->in_path == IN_SENDFILE)
		return !p->in_stuck;
	if (p->in_path == IN_PIPE)
		return !p->in_pipe_full &&
		    p->iend - min_pos(p) < p->in_pipe_cap;
	if (min_pos(p) == p->iend)
		p->ibase = p->iend;	/* everyone caught up: start over */
	if (p->cfg->net_dgram)
		return p->iend == p->ibase;	/* one read, one datagram */
	return p->iend - p->ibase < PUMP_BUFSZ;
}

/* splice(2) flags: never SPLICE_F_MORE, which corks like Nagle. */
#define SPLICE_FLAGS	(SPLICE_F_NONBLOCK | SPLICE_F_MOVE)

/* Whether a transfer's errno comes from the socket's side. */
static int
net_error(int e)
{
	return e == EPIPE || e == ECONNRESET || e == ENOTCONN ||
	    e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH ||
	    e == ENETDOWN || e == ECONNABORTED || e == ECONNREFUSED ||
	    e == EHOSTDOWN;
}

/* Bytes waiting to be read from fd (a pipe or socket), or 0. */
static int
readable_bytes(int fd)
{
	int n;

	return ioctl(fd, FIONREAD, &n) == 0 ? n : 0;
}

/*
 * The direct paths: move stdin's bytes to the one client in one call.
 * Returns bytes moved, 0 at EOF, -1 with errno: EAGAIN (in_stuck says
 * whether the socket is the one that is full), EINVAL before the first
 * byte (the path is not possible: the caller falls back), or an error of
 * stdin or, per net_error(), of the socket.
 */
static ssize_t
move_in(struct pump *p, struct client *c)
{
	ssize_t n;

	do
		n = p->in_path == IN_SENDFILE ?
		    sendfile(c->fd, p->cfg->in_fd, NULL, PUMP_DIRECT_MAX) :
		    splice(p->cfg->in_fd, NULL, c->fd, NULL, PUMP_DIRECT_MAX,
		    SPLICE_FLAGS);
	while (n == -1 && errno == EINTR && !sig_caught());
	/* On EAGAIN, a file is never empty but at its end, so the socket
	 * is full; a pipe says which side it was. */
	p->in_stuck = n == -1 && errno == EAGAIN &&
	    (p->in_path == IN_SENDFILE || readable_bytes(p->cfg->in_fd) > 0);
	if (n < 0)
		return n;
	if (n == 0) {
		p->in_eof = 1;
		return 0;
	}
	p->iend += (uint64_t)n;
	c->pos += (uint64_t)n;
	c->sent += (uint64_t)n;
	p->res->sent += (uint64_t)n;
	return n;
}

/* Read stdin.  Returns bytes read, 0 at EOF, -1 with errno. */
static ssize_t
fill_in(struct pump *p)
{
	size_t used = (size_t)(p->iend - p->ibase);
	ssize_t n;

	if (p->in_path == IN_SPLICE || p->in_path == IN_SENDFILE) {
		n = move_in(p, p->c[0]);
		/* Not possible after all: copy instead. */
		if (n == -1 && errno == EINVAL && p->iend == 0) {
			p->in_path = IN_COPY;
			return fill_in(p);
		}
		if (n == -1 && net_error(errno)) {
			/* The peer takes no more: as drain_in's failure. */
			p->c[0]->wr_err = errno;
			errno = EAGAIN;
		}
		return n;
	}
	if (p->in_path == IN_PIPE) {
		do
			n = splice(p->cfg->in_fd, NULL, p->in_pipe[1], NULL,
			    p->in_pipe_cap - (size_t)(p->iend - min_pos(p)),
			    SPLICE_FLAGS);
		while (n == -1 && errno == EINTR && !sig_caught());
		/* Not spliceable after all (nothing is in the pipe yet). */
		if (n == -1 && errno == EINVAL && p->iend == 0) {
			p->in_path = IN_COPY;
			return fill_in(p);
		}
		/* stdin polled readable, so a pipe holding bytes is full:
		 * wait until some leave it, or poll would spin. */
		if (n == -1 && errno == EAGAIN && p->iend > min_pos(p))
			p->in_pipe_full = 1;
	} else {
		do
			n = read(p->cfg->in_fd, p->in + used,
			    PUMP_BUFSZ - used);
		while (n == -1 && errno == EINTR && !sig_caught());
	}
	if (n == 0)
		p->in_eof = 1;
	if (n > 0)
		p->iend += (uint64_t)n;
	return n;
}

/* Send c what it has not had of stdin.  Returns bytes, or -1 errno. */
static ssize_t
drain_in(struct pump *p, struct client *c)
{
	size_t len = (size_t)(p->iend - c->pos);
	ssize_t n;

	do
		n = p->in_path == IN_PIPE ? splice(p->in_pipe[0], NULL, c->fd,
		    NULL, len, SPLICE_FLAGS) : write(c->fd,
		    p->in + (c->pos - p->ibase), len);
	while (n == -1 && errno == EINTR && !sig_caught());
	if (n == -1)
		return -1;
	p->in_pipe_full = 0;
	if (p->cfg->net_dgram && (size_t)n < len) {
		errno = EMSGSIZE;
		return -1;
	}
	c->pos += (uint64_t)n;
	c->sent += (uint64_t)n;
	p->res->sent += (uint64_t)n;
	return n;
}

/* Whether c may read its socket: room, and one datagram at a time. */
static int
net_room(const struct pump *p, const struct client *c)
{
	if (c->rd_eof || p->quitting)
		return 0;
	if (p->cfg->net_dgram)
		return c->len == 0;
	if (c->out_path == OUT_SPLICE)
		return !c->out_stuck;
	if (c->out_path == OUT_DISCARD)
		return 1;
	if (c->out_path == OUT_PIPE)
		return !c->pipe_full && c->len < c->pipe_cap;
	return c->off + c->len < c->bufsz;
}

/*
 * The direct paths of c's bytes: spliced straight into stdout's pipe, or
 * dropped in the kernel.  Returns bytes moved, 0 at EOF, -1 with errno:
 * EAGAIN (out_stuck says whether stdout is the one that is full), EPIPE
 * when stdout's reader has gone (out_gone set), or a socket error.
 */
static ssize_t
move_out(struct pump *p, struct client *c)
{
	ssize_t n;

	do
		n = c->out_path == OUT_DISCARD ? recv(c->fd, NULL,
		    PUMP_DIRECT_MAX, MSG_TRUNC | MSG_DONTWAIT) :
		    splice(c->fd, NULL, p->cfg->out_fd, NULL, PUMP_DIRECT_MAX,
		    SPLICE_FLAGS);
	while (n == -1 && errno == EINTR && !sig_caught());
	c->out_stuck = n == -1 && errno == EAGAIN &&
	    c->out_path == OUT_SPLICE && readable_bytes(c->fd) > 0;
	if (n == -1 && errno == EPIPE && c->out_path == OUT_SPLICE)
		p->out_gone = 1;
	if (n < 0)
		return n;
	if (n == 0) {
		c->rd_eof = 1;
		return 0;
	}
	c->received += (uint64_t)n;
	p->res->received += (uint64_t)n;
	return n;
}

/* Read c's socket.  Returns bytes read (0: EOF, or an empty datagram),
 * -1 with errno. */
static ssize_t
fill_net(struct pump *p, struct client *c)
{
	ssize_t n;

	if (c->out_path == OUT_SPLICE || c->out_path == OUT_DISCARD) {
		n = move_out(p, c);
		/* Not possible after all: copy instead. */
		if (n == -1 && (errno == EINVAL || errno == EFAULT) &&
		    c->received == 0) {
			c->out_path = OUT_COPY;
			return fill_net(p, c);
		}
		return n;
	}
	if (c->len == 0)
		c->off = 0;
	if (c->out_path == OUT_COPY && c->buf == NULL &&
	    (c->buf = malloc(c->bufsz)) == NULL)
		return -1;
	do
		n = c->out_path == OUT_PIPE ? splice(c->fd, NULL, c->pipe[1],
		    NULL, c->pipe_cap - c->len, SPLICE_FLAGS) : read(c->fd,
		    c->buf + c->off + c->len, c->bufsz - c->off - c->len);
	while (n == -1 && errno == EINTR && !sig_caught());
	/* As in fill_in: a private pipe holding bytes is full. */
	if (n == -1 && errno == EAGAIN && c->out_path == OUT_PIPE && c->len > 0)
		c->pipe_full = 1;
	if (n == 0 && !p->cfg->net_dgram)
		c->rd_eof = 1;
	if (n <= 0)
		return n;
	c->received += (uint64_t)n;
	p->res->received += (uint64_t)n;
	if (p->cfg->discard_net)
		return n;
	c->len += (size_t)n;
	if (!c->queued) {
		c->queued = 1;
		if (p->out_tail != NULL)
			p->out_tail->out_next = c;
		else
			p->out_head = c;
		p->out_tail = c;
	}
	return n;
}

/*
 * Write the head of the stdout FIFO; once its bytes are all out, the next
 * client's turn comes.  Returns bytes written, or -1 with errno.
 */
static ssize_t
drain_out(struct pump *p)
{
	struct client *c = p->out_head;
	ssize_t n;

	do
		n = c->out_path == OUT_PIPE ? splice(c->pipe[0], NULL,
		    p->cfg->out_fd, NULL, c->len, SPLICE_FLAGS) :
		    write(p->cfg->out_fd, c->buf + c->off, c->len);
	while (n == -1 && errno == EINTR && !sig_caught());
	if (n == -1)
		return -1;
	c->pipe_full = 0;
	c->off += (size_t)n;
	c->len -= (size_t)n;
	if (c->len == 0) {
		c->off = 0;
		unqueue(p, c);
		if (many(p)) {
			free(c->buf);
			c->buf = NULL;
		}
	}
	return n;
}

/* Half-close c once it has all of stdin. */
static void
maybe_shut(struct pump *p, struct client *c)
{
	if (p->in_eof && !c->shut && c->pos == p->iend && takes_stdin(p)) {
		if (!p->cfg->net_dgram && !c->wr_err)
			(void)shutdown(c->fd, SHUT_WR);
		c->shut = 1;
	}
}

/*
 * The end rules of one client.  Returns 1 when the client is done, with
 * *end and *err saying how; 0 while it goes on.
 */
static int
client_done(struct pump *p, struct client *c, long long now,
    enum pump_end *end, int *err)
{
	int stdin_done = !takes_stdin(p) || c->shut;

	if (!c->rd_eof || c->len > 0)
		return 0;
	if (c->rd_err || c->wr_err) {
		*end = c->rd_err ? PUMP_ERR_NET_READ : PUMP_ERR_NET_WRITE;
		*err = c->rd_err ? c->rd_err : c->wr_err;
		return 1;
	}
	*end = PUMP_NET_EOF;
	*err = 0;
	if (stdin_done || many(p))
		return 1;
	/* The peer closed its side; stdin may still flow to it. */
	if (c->linger_from < 0)
		c->linger_from = now;
	return c->pos == p->iend && !p->in_stuck && !p->cfg->end_on_sent &&
	    now >= c->linger_from + PUMP_LINGER_MS;
}

static void
accept_clients(struct pump *p, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct client *c;
	int fd;

	while (p->cfg->max_clients == 0 || p->nc < p->cfg->max_clients) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			/* Out of descriptors: leave them in the backlog. */
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				p->accept_pause = clock_ms() + 100;
			return;
		}
		if ((c = client_new(p, fd)) == NULL) {
			close(fd);
			p->accept_pause = clock_ms() + 100;
			return;
		}
		maybe_shut(p, c);
		if (p->cfg->joined != NULL)
			c->tag = p->cfg->joined(p->cfg->arg, fd,
			    (struct sockaddr *)&ss, len);
	}
}

/* Set the poll slots; returns the poll time-out. */
static int
plan(struct pump *p, long long now, long long wake)
{
	const struct pump_cfg *cfg = p->cfg;
	struct client *c;
	size_t i, n = P_FIXED;
	short ev;
	int accepting, out_wait;

	p->pfd[P_STDIN].fd = in_room(p) ? cfg->in_fd : -1;
	p->pfd[P_STDIN].events = POLLIN;
	/* An idle stdout pipe still reports POLLERR when its reader goes. */
	out_wait = out_pending(p);
	p->pfd[P_STDOUT].fd = out_wait || p->out_fifo ? cfg->out_fd : -1;
	p->pfd[P_STDOUT].events = out_wait ? POLLOUT : 0;
	p->pfd[P_SIG].fd = sig_fd();
	p->pfd[P_SIG].events = POLLIN;
	for (i = 0; i < p->nc; i++) {
		c = p->c[i];
		ev = 0;
		if (net_room(p, c))
			ev |= POLLIN;
		if (wants_in(p, c) && (c->pos < p->iend || p->in_stuck))
			ev |= POLLOUT;
		c->slot = n;
		/* No events: leave the slot out, or POLLHUP would spin. */
		p->pfd[n].fd = ev != 0 ? c->fd : -1;
		p->pfd[n].events = ev;
		n++;
	}
	accepting = cfg->nlisten > 0 && now >= p->accept_pause &&
	    (cfg->max_clients == 0 || p->nc < cfg->max_clients);
	if (cfg->nlisten > 0 && now < p->accept_pause)
		wake = earliest(wake, p->accept_pause);
	p->lslot = n;
	for (i = 0; i < cfg->nlisten; i++, n++) {
		p->pfd[n].fd = accepting ? cfg->listen_fd[i] : -1;
		p->pfd[n].events = POLLIN;
	}
	for (i = 0; i < n; i++)
		p->pfd[i].revents = 0;
	p->npfd = n;
	if (wake < 0)
		return -1;
	return wake - now > 60000 ? 60000 : (int)(wake > now ? wake - now : 0);
}

/*
 * Drop a client that has held stdin up for the others too long.  Returns
 * when the next one would be due, or -1.
 */
static long long
drop_slow(struct pump *p, long long now)
{
	long long due = -1;
	uint64_t m;
	size_t i;

	if (p->nc < 2 || p->iend - p->ibase < PUMP_BUFSZ)
		return -1;
	m = min_pos(p);
	for (i = 0; i < p->nc; i++) {
		if (!wants_in(p, p->c[i]) || p->c[i]->pos != m)
			continue;
		if (now - p->c[i]->moved_at > PUMP_SLOW_DROP_MS) {
			client_drop(p, i, PUMP_DROPPED, 0);
			return now;
		}
		due = earliest(due, p->c[i]->moved_at + PUMP_SLOW_DROP_MS + 1);
	}
	return due;
}

/* stdin moved: the session is active, and a linger starts again. */
static void
stdin_moved(struct pump *p)
{
	size_t i;

	p->last_active = clock_ms();
	for (i = 0; i < p->nc; i++)
		if (p->c[i]->linger_from >= 0)
			p->c[i]->linger_from = p->last_active;
}

/* stdin is readable.  Returns 1 when the session ends (res set). */
static int
on_stdin(struct pump *p)
{
	ssize_t n;

	if ((n = fill_in(p)) > 0)
		stdin_moved(p);
	else if (n == -1 && !again(errno)) {
		p->res->end = PUMP_ERR_IN;
		p->res->err = errno;
		return 1;
	}
	return 0;
}

/* c's socket is readable.  Returns 1 when the session ends (stdout's
 * reader gone, on a direct path). */
static int
on_client_read(struct pump *p, struct client *c)
{
	ssize_t n;

	if ((n = fill_net(p, c)) > 0)
		p->last_active = clock_ms();
	else if (p->out_gone) {
		p->res->end = PUMP_OUT_GONE;
		p->res->err = EPIPE;
		return 1;
	} else if (n == -1 && !again(errno)) {
		/* What came before the error is still written. */
		c->rd_err = errno;
		c->rd_eof = 1;
	}
	return 0;
}

/* Send c what it lacks of stdin, if it takes it now. */
static void
on_client_write(struct pump *p, struct client *c)
{
	ssize_t n;

	if (!wants_in(p, c) || (c->pos >= p->iend && !p->in_stuck))
		return;
	if (p->in_stuck) {
		/* A direct path: the socket has room again; a failure of
		 * stdin is on_stdin's to report. */
		if (fill_in(p) > 0) {
			stdin_moved(p);
			c->moved_at = p->last_active;
		}
		return;
	}
	if ((n = drain_in(p, c)) > 0)
		p->last_active = c->moved_at = clock_ms();
	else if (n == -1 && !again(errno)) {
		/* The peer takes no more: go on writing what it sends. */
		c->wr_err = errno;
		if (p->cfg->net_dgram)
			c->rd_eof = 1;
	}
}

/* Write what waits for stdout.  Returns 1 when the session ends. */
static int
on_stdout(struct pump *p)
{
	ssize_t n;

	if (p->nc == 1 && p->c[0]->out_stuck)
		return on_client_read(p, p->c[0]);
	if (p->out_head == NULL)
		return 0;
	if ((n = drain_out(p)) > 0)
		p->last_active = clock_ms();
	else if (n == -1 && !again(errno)) {
		p->res->end = errno == EPIPE ? PUMP_OUT_GONE : PUMP_ERR_OUT;
		p->res->err = errno;
		return 1;
	}
	return 0;
}

static int
relay(struct pump *p)
{
	const struct pump_cfg *cfg = p->cfg;
	struct pump_result *res = p->res;
	struct client *c;
	enum pump_end end;
	long long now, wake, idle_at;
	size_t i;
	ssize_t n;
	int err, timeout;

	p->last_active = clock_ms();
	for (;;) {
		now = clock_ms();
		/*
		 * Invariants: a client is half-closed only once it has all of
		 * stdin; a client's bytes are all written before it is
		 * dropped for its EOF; no timer but -i's drops a byte read.
		 */
		if (sig_caught()) {
			res->end = PUMP_SIGNAL;
			return 0;
		}
		wake = -1;
		if (p->in_eof && p->quit_at < 0 && cfg->quit_ms >= 0 &&
		    min_pos(p) == p->iend)
			p->quit_at = now + cfg->quit_ms;
		for (i = 0; i < p->nc; i++) {
			c = p->c[i];
			maybe_shut(p, c);
			if (!client_done(p, c, now, &end, &err)) {
				if (c->linger_from >= 0)
					wake = earliest(wake,
					    c->linger_from + PUMP_LINGER_MS);
				continue;
			}
			if (!many(p)) {
				res->end = end;
				res->err = err;
				return 0;
			}
			client_drop(p, i--, end, err);
		}
		if (!many(p) && p->nc == 0) {
			res->end = PUMP_NET_EOF;
			return 0;
		}
		if (cfg->end_on_sent && p->in_eof && min_pos(p) == p->iend &&
		    (p->nc > 0 || many(p))) {
			res->end = PUMP_SENT;
			for (i = 0; i < p->nc; i++)
				if (p->c[i]->wr_err) {
					res->end = PUMP_ERR_NET_WRITE;
					res->err = p->c[i]->wr_err;
				}
			return 0;
		}
		if (p->quit_at >= 0 && now >= p->quit_at)
			p->quitting = 1;
		if (p->quitting && !out_pending(p)) {
			/*
			 * Take what the sockets already hold, so that it is
			 * written and closing does not reset the connection.
			 */
			for (i = 0, n = 0; i < p->nc; i++)
				if (p->c[i]->len == 0 && !p->c[i]->rd_eof)
					n += fill_net(p, p->c[i]) > 0;
			if (n > 0)
				continue;
			res->end = PUMP_QUIT;
			return 0;
		}
		idle_at = cfg->idle_ms >= 0 ? p->last_active + cfg->idle_ms : -1;
		if (idle_at >= 0 && now >= idle_at) {
			res->end = PUMP_IDLE;
			return 0;
		}
		wake = earliest(wake, drop_slow(p, now));
		wake = earliest(wake, earliest(idle_at, p->quit_at));
		if (P_FIXED + p->nc + cfg->nlisten > p->cappfd) {
			struct pollfd *np;
			size_t want = (P_FIXED + p->nc + cfg->nlisten) * 2;

			if ((np = reallocarray(p->pfd, want,
			    sizeof(*np))) == NULL)
				return -1;
			p->pfd = np;
			p->cappfd = want;
		}
		timeout = plan(p, now, wake);
		if (poll(p->pfd, p->npfd, timeout) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p->pfd[P_SIG].revents)
			sig_drain();

		/*
		 * What is read is written at once where the other side takes
		 * it (EAGAIN is cheap), so a chunk costs one poll, not two.
		 */
		if (p->pfd[P_STDIN].revents) {
			if (on_stdin(p))
				return 0;
			for (i = 0; i < p->nc && !p->in_stuck; i++)
				on_client_write(p, p->c[i]);
		}
		for (i = 0; i < p->nc; i++) {
			c = p->c[i];
			if (p->pfd[c->slot].fd < 0 || p->pfd[c->slot].revents == 0)
				continue;
			if ((p->pfd[c->slot].events & POLLIN) &&
			    on_client_read(p, c))
				return 0;
			/* Optimistic, but not on a direct path's full
			 * socket: that waits for POLLOUT. */
			if ((p->pfd[c->slot].events & POLLOUT) &&
			    (!p->in_stuck || (p->pfd[c->slot].revents &
			    (POLLOUT | POLLERR | POLLHUP))))
				on_client_write(p, c);
		}
		if ((p->pfd[P_STDOUT].revents || p->out_head != NULL) &&
		    on_stdout(p))
			return 0;
		if (p->out_head == NULL &&
		    (p->pfd[P_STDOUT].revents & (POLLERR | POLLHUP))) {
			/* Nothing to write, and nobody to read it: done. */
			res->end = PUMP_OUT_GONE;
			res->err = EPIPE;
			return 0;
		}
		for (i = 0; i < cfg->nlisten; i++)
			if (p->pfd[p->lslot + i].revents)
				accept_clients(p, cfg->listen_fd[i]);
	}
}

/* Grow fd to PUMP_PIPESZ if it is a pipe (EPERM past the limit: keep). */
static void
grow_pipe(int fd)
{
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
		(void)fcntl(fd, F_SETPIPE_SZ, PUMP_PIPESZ);
}

/* A private pipe for splice(2), as large as we may.  0, or -1. */
static int
make_pipe(int fds[2], size_t *cap)
{
	int sz;

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	(void)fcntl(fds[1], F_SETPIPE_SZ, PUMP_PIPESZ);
	sz = fcntl(fds[1], F_GETPIPE_SZ);
	*cap = sz > 0 ? (size_t)sz : 65536;
	return 0;
}

/*
 * Whether fd takes splice(2): never a terminal; else ask the kernel,
 * with an empty pipe, which says EAGAIN where it could and EINVAL where
 * it could not (O_APPEND files, some devices).
 */
static int
can_splice_out(int fd, int pipe_r)
{
	if (isatty(fd))
		return 0;
	return splice(pipe_r, NULL, fd, NULL, 1, SPLICE_F_NONBLOCK) == -1 &&
	    errno == EAGAIN;
}

/* Whether fd may give splice(2) its bytes; the first read tells for
 * sure (fill_in falls back on EINVAL). */
static int
can_splice_in(int fd)
{
	struct stat st;

	return !isatty(fd) && fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) ||
	    S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode) ||
	    S_ISCHR(st.st_mode));
}

/* Whether fd is /dev/null open for writing (a closed stdout is held
 * open read-only on /dev/null, and its writes must still fail). */
static int
is_devnull(int fd)
{
	struct stat st;
	int fl;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(1, 3) && (fl = fcntl(fd, F_GETFL)) != -1 &&
	    (fl & O_ACCMODE) != O_RDONLY;
}

/* The type of fd's file (S_IFMT bits), or 0. */
static mode_t
file_type(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 ? st.st_mode & S_IFMT : 0;
}

/*
 * Choose zero-copy where it can be: one stream client, and stdin or
 * stdout that splice(2) or sendfile(2) takes; straight from a pipe or a
 * file to the socket, straight from the socket into a pipe or nowhere
 * (/dev/null), through a private pipe otherwise.  Terminals, datagrams
 * and many clients stay read/write.  A path that turns out impossible
 * at its first byte (EINVAL) falls back to read/write.
 */
static void
choose_paths(struct pump *p)
{
	const struct pump_cfg *cfg = p->cfg;
	struct client *c;
	mode_t in_type = file_type(cfg->in_fd);
	int copy = cfg->copy_only || many(p) || cfg->net_dgram || p->nc != 1;

	if (copy)
		return;
	c = p->c[0];
	if (!takes_stdin(p) || isatty(cfg->in_fd))
		;
	else if (in_type == S_IFIFO)
		p->in_path = IN_SPLICE;
	else if (in_type == S_IFREG)
		p->in_path = IN_SENDFILE;
	else if (can_splice_in(cfg->in_fd) &&
	    make_pipe(p->in_pipe, &p->in_pipe_cap) == 0)
		p->in_path = IN_PIPE;
	if (cfg->discard_net || is_devnull(cfg->out_fd))
		c->out_path = OUT_DISCARD;
	else if (isatty(cfg->out_fd))
		;
	else if (file_type(cfg->out_fd) == S_IFIFO)
		c->out_path = OUT_SPLICE;
	else if (make_pipe(c->pipe, &c->pipe_cap) == 0) {
		if (can_splice_out(cfg->out_fd, c->pipe[0]))
			c->out_path = OUT_PIPE;
		else {
			close(c->pipe[0]);
			close(c->pipe[1]);
			c->pipe[0] = c->pipe[1] = -1;
		}
	}
}

static void
close_pipe(int fds[2])
{
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
}

int
pump_run(const struct pump_cfg *cfg, struct pump_result *res)
{
	struct pump p;
	struct client *c;
	struct stat st;
	int in_fl, out_fl, r, saved;

	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.res = res;
	p.quit_at = -1;
	p.in_pipe[0] = p.in_pipe[1] = -1;
	r = -1;
	/* The session owns net_fd from here on, whatever happens. */
	if ((p.in = malloc(PUMP_BUFSZ)) == NULL ||
	    (cfg->net_fd >= 0 && client_new(&p, cfg->net_fd) == NULL)) {
		if (cfg->net_fd >= 0)
			close(cfg->net_fd);
		goto out;
	}
	grow_pipe(cfg->in_fd);
	grow_pipe(cfg->out_fd);
	p.out_fifo = fstat(cfg->out_fd, &st) == 0 && S_ISFIFO(st.st_mode);
	choose_paths(&p);
	in_fl = nonblock_unless_tty(cfg->in_fd);
	out_fl = nonblock_unless_tty(cfg->out_fd);
	r = relay(&p);
	saved = errno;
	restore_flags(cfg->in_fd, in_fl);
	restore_flags(cfg->out_fd, out_fl);
	close_pipe(p.in_pipe);
	errno = saved;
out:
	saved = errno;
	while (p.nc > 0) {
		c = p.c[p.nc - 1];
		close_pipe(c->pipe);
		/* A single session's end is the caller's to report. */
		if (!many(&p)) {
			p.nc--;
			close(c->fd);
			free(c->buf);
			free(c);
		} else
			client_drop(&p, p.nc - 1, res->end, 0);
	}
	free(p.c);
	free(p.pfd);
	free(p.in);
	errno = saved;
	return r;
}
