/*
 * flow: moving one direction's bytes (see flow.h): a flow's life, its
 * sinks, and the copy path; the direct paths are flow-direct.c's.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow-int.h"

/* Where dropped bytes go (--send-only on the copy path). */
static unsigned char scratch[64 * 1024];

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
	flow_drop_pipe(f);
	free(f->sinks);
	f->sinks = NULL;
	f->nsinks = f->capsinks = 0;
	if (f->src != NULL && f->src->reader == f)
		f->src->reader = NULL;
	if (f->dst != NULL && f->dst->direct == f)
		f->dst->direct = NULL;
}

void
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

void
flow_moved(struct flow *f, size_t n)
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
void
flow_src_empty(struct flow *f)
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

	if (!sinkq_any_full())
		return NULL;	/* no need to look at thousands of them */
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
			flow_src_empty(f);
			/* A TLS read that has to write first. */
			if (src->rd_wants_out)
				engine_wait_out(f->e, src);
			return 0;
		}
		flow_failed(f, errno, 0);
		return 0;
	}
	/* An empty datagram or seqpacket record is a record of its own,
	 * not the end. */
	if (n == 0 && !(src->record && (src->socktype == SOCK_DGRAM ||
	    stream_empty_record(src)))) {
		if (c != NULL)
			chunk_free(c);
		flow_ended(f);
		return 0;
	}
	flow_moved(f, (size_t)n);
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
	/* A line let go is bytes moving, for -i: an idle timer due now
	 * must not find the pair quiet since the read. */
	f->moved_at = engine_now(f->e);
	engine_active(f->e);
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
				flow_src_empty(f);
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

void
flow_run(struct engine *e, struct task *t)
{
	struct flow *f = (struct flow *)t;

	(void)e;
	if (f->path == FLOW_COPY)
		run_copy(f);
	else
		flow_run_direct(f);
}
