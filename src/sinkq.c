/*
 * sinkq: chunks and the queues of sink streams (see flow.h): a chunk is
 * one read, counted by reference from every queue it waits in; a queue
 * writes its chunks in order, whole before the next (several at once
 * with writev(2) where records need not be kept), shuts its stream down
 * after the last when told, and wakes the flows it held up once it has
 * room.
 */
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* Writes one queue makes in one turn before the others get theirs. */
#define SINKQ_TURN	16

/* Chunks written with one writev(2) at most. */
#define SINKQ_IOV	64

/*
 * Chunks of the sizes flows read with, kept for the next read instead
 * of going back to malloc: a heap fragmented by many clients would
 * otherwise give back and take again fresh pages at every read (brk
 * and page faults cost more than the copy).
 */
#define CACHE_SLOTS	16

/* Queues holding their limit or more, of every engine: while there is
 * none, no flow has to look for one before it reads (sinkq_any_full()). */
static size_t nfull;

static struct chunk_cache {
	size_t		 size;
	size_t		 n;
	struct chunk	*free[CACHE_SLOTS];
} cache[2] = { { 64 * 1024, 0, { NULL } }, { 256 * 1024, 0, { NULL } } };

static struct chunk_cache *
cache_for(size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(cache) / sizeof(cache[0]); i++)
		if (cache[i].size == size)
			return &cache[i];
	return NULL;
}

void
chunk_free(struct chunk *c)
{
	struct chunk_cache *cc = cache_for(c->cap);

	if (cc != NULL && cc->n < CACHE_SLOTS)
		cc->free[cc->n++] = c;
	else
		free(c);
}

void
flow_cache_free(void)
{
	size_t i;

	for (i = 0; i < sizeof(cache) / sizeof(cache[0]); i++)
		while (cache[i].n > 0)
			free(cache[i].free[--cache[i].n]);
}

struct chunk *
chunk_new(size_t size)
{
	struct chunk_cache *cc = cache_for(size);
	struct chunk *c;

	if (cc != NULL && cc->n > 0)
		c = cc->free[--cc->n];
	else if ((c = malloc(sizeof(*c) + size)) == NULL)
		return NULL;
	c->refs = 0;
	c->len = 0;
	c->cap = size;
	c->from = NULL;
	return c;
}

/* What a queued chunk counts against its sink's limit: at least 1 KiB,
 * so that a queue of tiny fragments fills too. */
static size_t
chunk_cost(const struct chunk *c)
{
	return (c->cap > 1024 ? c->cap : 1024) + sizeof(*c);
}

/* sq holds bytes now: counted in nfull while they reach its limit. */
static void
set_bytes(struct sinkq *sq, size_t bytes)
{
	int was = sq->bytes >= sq->limit;

	sq->bytes = bytes;
	if (was && bytes < sq->limit)
		nfull--;
	else if (!was && bytes >= sq->limit)
		nfull++;
}

int
sinkq_any_full(void)
{
	return nfull > 0;
}

void
chunk_put(struct engine *e, struct chunk *c)
{
	struct flow *f = c->from;

	if (--c->refs > 0)
		return;
	chunk_free(c);
	if (f != NULL && --f->inflight == 0 &&
	    (f->eof || f->failed || f->stopped))
		engine_touch(e, f->owner);
}

/* Wake up to n of sq's waiters, the longest held up first. */
static void
wake_waiters(struct sinkq *sq, size_t n)
{
	struct flow *f;

	while (n-- > 0 && (f = sq->waiters) != NULL) {
		sq->waiters = f->wait_next;
		if (sq->waiters == NULL)
			sq->waiters_tail = NULL;
		f->wait_next = NULL;
		f->waiting_on = NULL;
		/* Still muted: it hears its source again only once it
		 * finds room (thousands woken must not cost thousands of
		 * epoll_ctl calls to be muted again). */
		engine_schedule(sq->e, &f->task);
	}
}

int
sinkq_push(struct sinkq *sq, struct chunk *c)
{
	struct chunk **nq;
	size_t i, cap;

	if (sq->failed)
		return 0;
	if (sq->n == sq->cap) {
		cap = sq->cap ? sq->cap * 2 : 4;
		if ((nq = reallocarray(NULL, cap, sizeof(*nq))) == NULL)
			return -1;
		for (i = 0; i < sq->n; i++)
			nq[i] = sq->q[(sq->head + i) % sq->cap];
		free(sq->q);
		sq->q = nq;
		sq->head = 0;
		sq->cap = cap;
	}
	sq->q[(sq->head + sq->n) % sq->cap] = c;
	if (sq->n++ == 0 && sq->behind != NULL)
		++*sq->behind;
	set_bytes(sq, sq->bytes + chunk_cost(c));
	c->refs++;
	engine_schedule(sq->e, &sq->task);
	return 0;
}

int
sinkq_put(struct sinkq *sq, const void *buf, size_t len)
{
	struct chunk *c;
	int r;

	if ((c = chunk_new(len)) == NULL)
		return -1;
	memcpy(c->data, buf, len);
	c->len = len;
	c->refs = 1;
	r = sinkq_push(sq, c);
	chunk_put(sq->e, c);
	return r;
}

void
sinkq_init(struct sinkq *sq, struct engine *e, struct stream *st,
    size_t limit, void *owner)
{
	memset(sq, 0, sizeof(*sq));
	sq->task.run = sinkq_run;
	sq->e = e;
	sq->st = st;
	sq->limit = limit;
	sq->stall_since = -1;
	sq->moved_at = -1;
	sq->idx = (size_t)-1;
	sq->owner = owner;
	st->sinkq = sq;
}

/* Take n written bytes off the head of the queue. */
static void
advance(struct sinkq *sq, size_t n)
{
	struct chunk *c;
	size_t left;

	while (sq->n > 0 && (n > 0 || sq->q[sq->head]->len == sq->off)) {
		c = sq->q[sq->head];
		left = c->len - sq->off;
		if (n < left) {
			sq->off += n;
			return;
		}
		n -= left;
		sq->off = 0;
		sq->head = (sq->head + 1) % sq->cap;
		set_bytes(sq, sq->bytes - chunk_cost(c));
		if (--sq->n == 0 && sq->behind != NULL) {
			--*sq->behind;
			engine_touch(sq->e, NULL);
		}
		chunk_put(sq->e, c);
	}
}

void
sinkq_clear(struct sinkq *sq)
{
	struct chunk *c;

	if (sq->n > 0 && sq->behind != NULL) {
		--*sq->behind;
		engine_touch(sq->e, NULL);
	}
	while (sq->n > 0) {
		c = sq->q[sq->head];
		sq->head = (sq->head + 1) % sq->cap;
		sq->n--;
		set_bytes(sq, sq->bytes - chunk_cost(c));
		chunk_put(sq->e, c);
	}
	sq->off = 0;
	wake_waiters(sq, SIZE_MAX);
}

void
sinkq_eof(struct sinkq *sq, int shut)
{
	sq->eof = 1;
	sq->shut_at_eof = shut != 0;
	engine_schedule(sq->e, &sq->task);
}

void
sinkq_fini(struct sinkq *sq)
{
	sinkq_clear(sq);
	free(sq->q);
	sq->q = NULL;
	sq->cap = 0;
	if (sq->st != NULL && sq->st->sinkq == sq)
		sq->st->sinkq = NULL;
}

/* st refused a write: wait for room, or, for a TLS write that has to
 * read first, for bytes (never muted then: nothing else would wake
 * it). */
static void
wait_room(struct engine *e, struct stream *st)
{
	if (!st->wr_wants_in) {
		engine_wait_out(e, st);
		return;
	}
	st->wr_ready = 0;
	engine_mute(e, st, 0);
}

/* Write the queue's head, or several chunks at once where allowed.
 * Returns bytes written, or -1 with errno. */
static ssize_t
write_head(struct sinkq *sq)
{
	struct iovec iov[SINKQ_IOV];
	struct chunk *c = sq->q[sq->head];
	size_t i, k;

	if (!sq->coalesce || sq->n == 1 || sq->st->record)
		return stream_write(sq->st, c->data + sq->off, c->len - sq->off);
	iov[0].iov_base = c->data + sq->off;
	iov[0].iov_len = c->len - sq->off;
	for (i = 1, k = 1; i < sq->n && k < SINKQ_IOV; i++) {
		c = sq->q[(sq->head + i) % sq->cap];
		iov[k].iov_base = c->data;
		iov[k++].iov_len = c->len;
	}
	return writev(sq->st->fd, iov, (int)k);
}

void
sinkq_run(struct engine *e, struct task *t)
{
	struct sinkq *sq = (struct sinkq *)t;
	struct stream *st = sq->st;
	size_t want;
	ssize_t n;
	int turns = SINKQ_TURN;

	while (sq->n > 0 && !sq->failed && st->wr_ready && turns-- > 0) {
		want = sq->q[sq->head]->len - sq->off;
		if (want == 0 && !st->record) {
			advance(sq, 0);	/* nothing to write */
			continue;
		}
		/* (An empty record is one: an empty datagram is sent.) */
		if ((n = write_head(sq)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				wait_room(e, st);
				if (sq->stall_since < 0)
					sq->stall_since = engine_now(e);
				break;
			}
			sq->failed = 1;
			sq->err = errno;
			sinkq_clear(sq);
			engine_touch(e, sq->owner);
			return;
		}
		if (st->record && (size_t)n < want) {
			sq->failed = 1;
			sq->err = EMSGSIZE;
			sinkq_clear(sq);
			engine_touch(e, sq->owner);
			return;
		}
		sq->written += (size_t)n;
		if (sq->total != NULL)
			*sq->total += (size_t)n;
		sq->moved_at = engine_now(e);
		sq->stall_since = -1;
		engine_active(e);
		advance(sq, (size_t)n);
	}
	if (sq->n > 0 && st->wr_ready && !sq->failed)
		engine_schedule(e, &sq->task);
	if (sq->n == 0 && sq->eof && sq->shut_at_eof && !sq->shut &&
	    !sq->failed) {
		/* A TLS close_notify may have to wait for room. */
		if (st->ops->shutdown_wr(st) == -1 && errno == EAGAIN)
			wait_room(e, st);
		else {
			sq->shut = 1;
			engine_touch(e, sq->owner);
		}
	}
	if (sq->waiters != NULL && sq->bytes < sq->limit)
		wake_waiters(sq, SIZE_MAX);
}
