/*
 * flow: moving one direction's bytes (see flow.h).
 */
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow.h"

/* Reads (or direct moves) one flow makes in one turn before the others
 * get theirs. */
#define FLOW_TURN	16

/* The most one direct transfer asks for. */
#define FLOW_DIRECT_MAX	(4 * 1024 * 1024)

/* The size asked for private pipes. */
#define FLOW_PIPESZ	(1024 * 1024)

/* splice(2) flags: never SPLICE_F_MORE, which corks like Nagle. */
#define SPLICE_FLAGS	(SPLICE_F_NONBLOCK | SPLICE_F_MOVE)

/* Where dropped bytes go (--send-only on the copy path). */
static unsigned char scratch[64 * 1024];

/* Whether fd (a pipe or socket) has bytes, or an EOF, to be read now. */
static int
src_pending(int fd)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, 0) != 0;
}

/* Bytes waiting to be read from fd (a pipe or socket), or 0. */
static size_t
readable_bytes(int fd)
{
	int n;

	return ioctl(fd, FIONREAD, &n) == 0 && n > 0 ? (size_t)n : 0;
}

/* --line-delay: the next line is due. */
static void
line_due(void *arg, struct timer *t)
{
	struct flow *f = arg;

	(void)t;
	engine_schedule(f->e, &f->task);
}

void
flow_init(struct flow *f, struct engine *e, struct stream *src,
    size_t readsz, void *owner)
{
	memset(f, 0, sizeof(*f));
	f->task.run = flow_run;
	f->e = e;
	f->src = src;
	f->path = FLOW_COPY;
	f->readsz = readsz;
	f->pipe[0] = f->pipe[1] = -1;
	f->budget = UINT64_MAX;
	f->moved_at = -1;
	f->owner = owner;
	timer_init(&f->t_line, line_due, f);
	src->reader = f;
}

/*
 * Empty pipes kept for the next lazy flow that moves: forward's pairs
 * take a pipe while bytes flow and give it back once idle, so that
 * thousands of idle pairs hold no pipe (nor its two descriptors).
 */
#define PIPE_POOL	64

static struct {
	int	fd[2];
	size_t	cap;
} pipe_pool[PIPE_POOL];
static size_t npipes;

/* FLOW_PIPE's pipe: from the pool, or new.  Returns 0, or -1 with
 * errno. */
static int
make_pipe(struct flow *f)
{
	int sz;

	if (f->lazy_pipe && npipes > 0) {
		npipes--;
		f->pipe[0] = pipe_pool[npipes].fd[0];
		f->pipe[1] = pipe_pool[npipes].fd[1];
		f->pipe_cap = pipe_pool[npipes].cap;
		return 0;
	}
	if (pipe2(f->pipe, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	(void)fcntl(f->pipe[1], F_SETPIPE_SZ, FLOW_PIPESZ);
	sz = fcntl(f->pipe[1], F_GETPIPE_SZ);
	f->pipe_cap = sz > 0 ? (size_t)sz : 65536;
	return 0;
}

/* f's pipe is gone: back to the pool when it is empty and lazy. */
static void
drop_pipe(struct flow *f)
{
	if (f->pipe[0] < 0)
		return;
	if (f->lazy_pipe && f->pipe_len == 0 && npipes < PIPE_POOL) {
		pipe_pool[npipes].fd[0] = f->pipe[0];
		pipe_pool[npipes].fd[1] = f->pipe[1];
		pipe_pool[npipes++].cap = f->pipe_cap;
	} else {
		close(f->pipe[0]);
		close(f->pipe[1]);
	}
	f->pipe[0] = f->pipe[1] = -1;
}

void
flow_pipes_free(void)
{
	while (npipes > 0) {
		npipes--;
		close(pipe_pool[npipes].fd[0]);
		close(pipe_pool[npipes].fd[1]);
	}
}

int
flow_direct(struct flow *f, enum flow_path path, struct stream *dst)
{
	/* A single session's pipe at once: its failure is told now. */
	if (path == FLOW_PIPE && !f->lazy_pipe &&
	    make_pipe(f) == -1)
		return -1;
	f->path = path;
	f->dst = dst;
	if (dst != NULL)
		dst->direct = f;
	return 0;
}

int
flow_add_sink(struct flow *f, struct sinkq *sq)
{
	struct sinkq **ns;
	size_t cap;

	if (f->nsinks == f->capsinks) {
		cap = f->capsinks ? f->capsinks * 2 : 4;
		if ((ns = reallocarray(f->sinks, cap, sizeof(*ns))) == NULL)
			return -1;
		f->sinks = ns;
		f->capsinks = cap;
	}
	sq->idx = f->nsinks;
	f->sinks[f->nsinks++] = sq;
	if (f->waiting_on == NULL)
		engine_mute(f->e, f->src, 0);
	if (f->eof && f->eof_to_sinks)
		sinkq_eof(sq, !f->keep_open);
	else
		engine_schedule(f->e, &f->task);
	return 0;
}

static void
unwait(struct flow *f)
{
	struct sinkq *sq = f->waiting_on;
	struct flow **pp, *prev = NULL;

	if (sq == NULL)
		return;
	for (pp = &sq->waiters; *pp != NULL; prev = *pp,
	    pp = &(*pp)->wait_next)
		if (*pp == f) {
			*pp = f->wait_next;
			if (sq->waiters_tail == f)
				sq->waiters_tail = prev;
			break;
		}
	f->waiting_on = NULL;
	f->wait_next = NULL;
	engine_mute(f->e, f->src, 0);
}

void
flow_remove_sink(struct flow *f, struct sinkq *sq)
{
	size_t i = sq->idx;

	/* A sink fed by several flows keeps the index of one only. */
	if (i >= f->nsinks || f->sinks[i] != sq)
		for (i = 0; i < f->nsinks && f->sinks[i] != sq; i++)
			continue;
	if (i == f->nsinks)
		return;
	f->sinks[i] = f->sinks[--f->nsinks];
	f->sinks[i]->idx = i;
	sq->idx = (size_t)-1;
	/* It may have been the one holding f up. */
	if (f->waiting_on == sq)
		unwait(f);
	engine_schedule(f->e, &f->task);
}

int
flow_drained(const struct flow *f)
{
	if (!(f->eof || f->failed || f->stopped))
		return 0;
	return f->inflight == 0 && (f->pipe_len == 0 || f->failed);
}

void
flow_fini(struct flow *f)
{
	unwait(f);
	engine_cancel(f->e, &f->t_line);
	if (f->held != NULL)
		chunk_free(f->held);
	f->held = NULL;
	drop_pipe(f);
	free(f->sinks);
	f->sinks = NULL;
	f->nsinks = f->capsinks = 0;
	if (f->src != NULL && f->src->reader == f)
		f->src->reader = NULL;
	if (f->dst != NULL && f->dst->direct == f)
		f->dst->direct = NULL;
}

static void
flow_failed(struct flow *f, int err, int dst)
{
	if (!dst)
		flow_frame_end(f);
	f->failed = 1;
	f->dst_failed = dst != 0;
	f->err = err;
	engine_touch(f->e, f->owner);
}

static void
flow_ended(struct flow *f)
{
	size_t i;

	flow_frame_end(f);
	f->eof = 1;
	if (f->eof_to_sinks)
		for (i = 0; i < f->nsinks; i++)
			sinkq_eof(f->sinks[i], !f->keep_open);
	engine_touch(f->e, f->owner);
}

static void
moved(struct flow *f, size_t n)
{
	f->bytes += n;
	if (f->total != NULL)
		*f->total += n;
	if (f->budget != UINT64_MAX)
		f->budget -= n < f->budget ? n : f->budget;
	f->moved_at = engine_now(f->e);
	engine_active(f->e);
}

/* f's source holds nothing now; once -q's moment is past, that is the
 * end of what f takes. */
static void
src_empty(struct flow *f)
{
	f->src->rd_ready = 0;
	if (f->stop_when_empty && !f->stopped) {
		f->stopped = 1;
		engine_touch(f->e, f->owner);
	}
}

/* Hold f up until sq drains. */
static void
wait_on(struct flow *f, struct sinkq *sq)
{
	if (f->waiting_on == sq)
		return;
	unwait(f);
	f->waiting_on = sq;
	f->wait_next = NULL;
	/* In turn: the first held up is the first woken. */
	if (sq->waiters_tail != NULL)
		sq->waiters_tail->wait_next = f;
	else
		sq->waiters = f;
	sq->waiters_tail = f;
	engine_mute(f->e, f->src, 1);
}

/* The size of the next record on a record socket, or -1 with errno. */
static ssize_t
record_size(struct stream *s)
{
	if (s->family != AF_UNIX)
		return 65536;	/* any IP datagram fits */
	return recv(s->fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
}

/* The first sink that holds too much, or NULL. */
static struct sinkq *
full_sink(const struct flow *f)
{
	size_t i;

	for (i = 0; i < f->nsinks; i++)
		if (f->sinks[i]->bytes >= f->sinks[i]->limit)
			return f->sinks[i];
	return NULL;
}

static void
push_one(struct flow *f, struct sinkq *sq, struct chunk *c)
{
	if (sinkq_push(sq, c) == -1) {
		sq->failed = 1;
		sq->err = ENOMEM;
		engine_touch(f->e, sq->owner);
	}
}

void
flow_push(struct flow *f, struct chunk *c, struct sinkq *only)
{
	size_t i;

	c->from = f;
	c->refs = 1;		/* ours while we queue it */
	f->inflight++;
	if (only != NULL)
		push_one(f, only, c);
	else
		for (i = 0; i < f->nsinks; i++)
			push_one(f, f->sinks[i], c);
	chunk_put(f->e, c);
}

/* What f has read goes on: through its frame, or to every sink. */
static int
deliver(struct flow *f, struct chunk *c)
{
	if (f->frame != NULL)
		return f->frame(f->frame_arg, f, c);
	flow_push(f, c, NULL);
	return 0;
}

void
flow_frame_end(struct flow *f)
{
	if (f->frame == NULL || f->framed_end)
		return;
	f->framed_end = 1;
	(void)f->frame(f->frame_arg, f, NULL);
}

static int	next_line(struct flow *);

/*
 * One read of a copy flow.  Returns 1 when it may read again, 0 when it
 * must wait (EAGAIN, EOF, a failure).
 */
static int
read_chunk(struct flow *f)
{
	struct stream *src = f->src;
	struct chunk *c = NULL, *small;
	ssize_t n, size = (ssize_t)f->readsz;
	void *buf;

	if (src->record) {
		if ((size = record_size(src)) == -1) {
			if (errno == EAGAIN || errno == EINTR) {
				src->rd_ready = errno == EINTR;
				return errno == EINTR;
			}
			flow_failed(f, errno, 0);
			return 0;
		}
		if (size > FLOW_RECORD_MAX) {
			flow_failed(f, EMSGSIZE, 0);
			return 0;
		}
		if (size == 0)
			size = 1;
	} else if ((uint64_t)size > f->budget)
		size = (ssize_t)f->budget;
	if (f->discard && (!src->record || (size_t)size <= sizeof(scratch)))
		buf = scratch;
	else if (f->discard)
		buf = NULL;	/* a big record: recv drops it whole */
	else {
		if ((c = chunk_new((size_t)size)) == NULL) {
			flow_failed(f, errno, 0);
			return 0;
		}
		buf = c->data;
	}
	if (f->discard && !src->record && (size_t)size > sizeof(scratch))
		size = sizeof(scratch);
	n = stream_read(src, buf, buf == NULL ? 0 : (size_t)size);
	if (n == -1) {
		if (c != NULL)
			chunk_free(c);
		if (errno == EINTR)
			return 1;
		if (errno == EAGAIN) {
			src_empty(f);
			/* A TLS read that has to write first. */
			if (src->rd_wants_out)
				engine_wait_out(f->e, src);
			return 0;
		}
		flow_failed(f, errno, 0);
		return 0;
	}
	if (n == 0 && !(src->record && src->socktype == SOCK_DGRAM)) {
		if (c != NULL)
			chunk_free(c);
		flow_ended(f);
		return 0;
	}
	moved(f, (size_t)n);
	if (c == NULL)
		return 1;
	c->len = (size_t)n;
	if (f->shape != NULL && n > 0) {
		if (f->shape(f->shape_arg, f, &c) == -1) {
			chunk_free(c);
			flow_failed(f, errno, 0);
			return 0;
		}
		if (c->len == 0) {	/* all of it was the shape's */
			chunk_free(c);
			return 1;
		}
	}
	/* A short read must not pin a whole buffer (idle clients' lines,
	 * fragments): it moves to a chunk of its size, and the buffer is
	 * kept for the next read. */
	if (c->cap > 4096 && c->len < c->cap / 2 &&
	    (small = chunk_new(c->len)) != NULL) {
		memcpy(small->data, c->data, c->len);
		small->len = c->len;
		chunk_free(c);
		c = small;
	}
	if (f->line_delay_ms > 0) {
		/* Sent a line at a time by run_copy(). */
		f->held = c;
		f->held_off = 0;
		return 1;
	}
	if (deliver(f, c) == -1) {
		flow_failed(f, errno, 0);
		return 0;
	}
	return 1;
}

/*
 * --line-delay: the next line of what is held (up to its LF, or the
 * rest), when it is due; returns 0 when it must wait for its time.
 */
static int
next_line(struct flow *f)
{
	struct chunk *c = f->held, *line;
	const unsigned char *p = c->data + f->held_off, *lf;
	size_t left = c->len - f->held_off, n;

	if (engine_now(f->e) < f->line_next) {
		engine_at(f->e, &f->t_line, f->line_next);
		return 0;
	}
	lf = memchr(p, '\n', left);
	n = lf != NULL ? (size_t)(lf - p) + 1 : left;
	if (f->held_off == 0 && n == c->len) {
		f->held = NULL;
		line = c;
	} else if ((line = chunk_new(n)) != NULL) {
		memcpy(line->data, p, n);
		line->len = n;
		f->held_off += n;
		if (f->held_off == c->len) {
			chunk_free(c);
			f->held = NULL;
		}
	} else {
		flow_failed(f, errno, 0);
		return 0;
	}
	f->line_next = engine_now(f->e) + f->line_delay_ms;
	if (deliver(f, line) == -1) {
		flow_failed(f, errno, 0);
		return 0;
	}
	return 1;
}

static void
run_copy(struct flow *f)
{
	struct sinkq *sq;
	int i;

	for (i = 0; i < FLOW_TURN; i++) {
		if (f->eof || f->failed || f->stopped)
			return;
		if (f->budget == 0) {
			f->stopped = 1;
			engine_touch(f->e, f->owner);
			return;
		}
		if (f->held != NULL) {
			if ((sq = full_sink(f)) != NULL) {
				wait_on(f, sq);
				return;
			}
			if (!next_line(f))
				return;
			continue;
		}
		if (!f->src->rd_ready && f->src->ops->pending(f->src) == 0) {
			/* Found empty by its own read (TLS): for -q, as an
			 * EAGAIN would say. */
			if (f->stop_when_empty)
				src_empty(f);
			return;
		}
		if (!f->discard) {
			if (f->nsinks == 0 && !f->sinks_made) {
				/* Nobody to send it to: unread. */
				engine_mute(f->e, f->src, 1);
				return;
			}
			if ((sq = full_sink(f)) != NULL) {
				wait_on(f, sq);
				return;
			}
			engine_mute(f->e, f->src, 0);
		}
		if (!read_chunk(f))
			return;
	}
	engine_schedule(f->e, &f->task);
}

/* Whether errno, met moving from src to dst, is dst's. */
static int
dst_error(const struct flow *f, int e)
{
	if (f->dst == NULL)
		return 0;
	if (f->dst->kind == STREAM_SOCKET)
		return e == EPIPE || e == ECONNRESET || e == ENOTCONN ||
		    e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH ||
		    e == ENETDOWN || e == ECONNABORTED || e == ECONNREFUSED ||
		    e == EHOSTDOWN;
	/* From a socket into stdout: only its reader leaving is stdout's. */
	return e == EPIPE || f->src->kind != STREAM_SOCKET;
}

/* A direct path the kernel refuses: copy instead, through the sink's
 * queue. */
static void
fall_back(struct flow *f)
{
	struct stream *dst = f->dst;

	if (f->pipe[0] >= 0) {
		close(f->pipe[0]);
		close(f->pipe[1]);
		f->pipe[0] = f->pipe[1] = -1;
	}
	if (f->path == FLOW_DISCARD)
		f->discard = 1;
	f->path = FLOW_COPY;
	f->dst = NULL;
	if (dst != NULL) {
		dst->direct = NULL;
		if (dst->sinkq != NULL && flow_add_sink(f, dst->sinkq) == -1)
			flow_failed(f, ENOMEM, 0);
	}
	engine_schedule(f->e, &f->task);
}

/* The end of a direct flow's source, once nothing is left in between. */
static void
direct_end(struct flow *f)
{
	if (f->pipe_len > 0 || f->shut)
		return;
	if (f->eof_to_sinks && !f->keep_open && f->dst != NULL &&
	    !f->dst_failed)
		(void)f->dst->ops->shutdown_wr(f->dst);
	f->shut = 1;
	engine_touch(f->e, f->owner);
}

/*
 * A direct move said EAGAIN: which side waits?  A source found empty
 * loses its ready bit (bytes written after the look bring an edge).
 * One that still holds bytes means the sink is full, as the old
 * readwrite() loops guessed; but bytes may have come just after the
 * move, with the sink not full at all: the edge those bytes brought
 * then tries again (see flow_src_event()), so the guess never stalls.
 * Returns 0: wait.
 */
static int
blocked(struct flow *f)
{
	/* A file is never empty but at its end, which is no EAGAIN. */
	if (f->path != FLOW_SENDFILE && readable_bytes(f->src->fd) == 0) {
		src_empty(f);
		return 0;
	}
	if (f->path == FLOW_PIPE)
		f->pipe_full = f->pipe_len > 0;
	else if (f->dst != NULL) {
		engine_wait_out(f->e, f->dst);
		f->guessed = 1;
	}
	if (f->path == FLOW_PIPE && f->pipe_len == 0)
		f->guessed = 1;
	return 0;
}

void
flow_src_event(struct flow *f)
{
	if (!f->guessed)
		return;
	f->guessed = 0;
	if (f->dst != NULL && f->path != FLOW_PIPE)
		f->dst->wr_ready = 1;
	f->pipe_full = 0;
}

/*
 * One direct move: src to dst (or to the private pipe, or nowhere).
 * Returns 1 when it may go on, 0 when it waits or is done.
 */
static int
move_direct(struct flow *f)
{
	size_t max = FLOW_DIRECT_MAX;
	ssize_t n;

	if (f->budget < max)
		max = (size_t)f->budget;
	if (f->path == FLOW_PIPE && f->pipe[0] < 0 && f->src->rd_ready &&
	    make_pipe(f) == -1) {
		/* No pipe to be had (descriptors): copy instead. */
		fall_back(f);
		return 0;
	}
	if (f->path == FLOW_PIPE) {
		if (f->pipe_full || f->pipe_len >= f->pipe_cap)
			return 0;
		max = f->pipe_cap - f->pipe_len < max ?
		    f->pipe_cap - f->pipe_len : max;
	}
	if (!f->src->rd_ready || max == 0 ||
	    ((f->path == FLOW_SPLICE || f->path == FLOW_SENDFILE) &&
	    !f->dst->wr_ready))
		return 0;
	switch (f->path) {
	case FLOW_SENDFILE:
		n = sendfile(f->dst->fd, f->src->fd, NULL, max);
		break;
	case FLOW_SPLICE:
		n = splice(f->src->fd, NULL, f->dst->fd, NULL, max,
		    SPLICE_FLAGS);
		break;
	case FLOW_PIPE:
		n = splice(f->src->fd, NULL, f->pipe[1], NULL, max,
		    SPLICE_FLAGS);
		break;
	default:
		n = recv(f->src->fd, NULL, max, MSG_TRUNC | MSG_DONTWAIT);
		break;
	}
	if (n == -1) {
		if (errno == EINTR)
			return 1;
		if ((errno == EINVAL || errno == EFAULT) && f->bytes == 0) {
			fall_back(f);
			return 0;
		}
		if (errno == EAGAIN)
			return blocked(f);
		flow_failed(f, errno, dst_error(f, errno));
		return 0;
	}
	if (n == 0) {
		f->eof = 1;
		engine_touch(f->e, f->owner);
		return 0;
	}
	if (f->path == FLOW_PIPE)
		f->pipe_len += (size_t)n;
	moved(f, (size_t)n);
	if (f->path == FLOW_SPLICE && (size_t)n < max && !f->src->rdhup) {
		/*
		 * Less than asked: often the source is drained, and one
		 * look says so where another move would take a call to
		 * fail and a look after it.  Bytes left say nothing sure
		 * (a socket's splice stops short with room to spare): move
		 * again.  A source whose writer has gone goes on to read
		 * its EOF, for which no edge would come.
		 */
		if (!src_pending(f->src->fd)) {
			src_empty(f);
			return 0;
		}
	}
	return 1;
}

/* The private pipe's bytes to dst.  Returns 1 when it may go on. */
static int
drain_pipe(struct flow *f)
{
	ssize_t n;

	if (f->pipe_len == 0 || !f->dst->wr_ready)
		return 0;
	n = splice(f->pipe[0], NULL, f->dst->fd, NULL, f->pipe_len,
	    SPLICE_FLAGS);
	if (n == -1) {
		if (errno == EINTR)
			return 1;
		if (errno == EAGAIN) {
			engine_wait_out(f->e, f->dst);
			return 0;
		}
		flow_failed(f, errno, 1);
		return 0;
	}
	f->pipe_len -= (size_t)n;
	f->pipe_full = 0;
	engine_active(f->e);
	return 1;
}

static void
run_direct(struct flow *f)
{
	int i, more;

	for (i = 0; i < FLOW_TURN; i++) {
		if (f->failed || f->path == FLOW_COPY)
			return;
		if (f->budget == 0 && !f->stopped && f->pipe_len == 0) {
			f->stopped = 1;
			engine_touch(f->e, f->owner);
		}
		more = 0;
		if (!f->eof && !f->stopped)
			more = move_direct(f);
		if (f->path == FLOW_COPY || f->failed)
			return;
		if (f->path == FLOW_PIPE)
			more |= drain_pipe(f);
		if (f->eof) {
			direct_end(f);
			if (f->pipe_len == 0)
				return;
		}
		if (!more) {
			/* Idle: a lazy pipe goes back to the pool. */
			if (f->lazy_pipe && f->pipe_len == 0 &&
			    !f->src->rd_ready)
				drop_pipe(f);
			return;
		}
	}
	engine_schedule(f->e, &f->task);
}

void
flow_run(struct engine *e, struct task *t)
{
	struct flow *f = (struct flow *)t;

	(void)e;
	if (f->path == FLOW_COPY)
		run_copy(f);
	else
		run_direct(f);
}
