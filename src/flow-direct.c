/*
 * flow-direct: the direct paths of a flow (see flow.h): splice(2) and
 * sendfile(2) from a source straight into its one sink, through a
 * private pipe (forward's pairs take theirs from a pool while bytes
 * flow), or recv(2) MSG_TRUNC to drop what nobody wants; the fall back
 * to copying where the kernel refuses.
 */
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "flow-int.h"
#include "sock.h"

/* The most one direct transfer asks for. */
#define FLOW_DIRECT_MAX	(4 * 1024 * 1024)

/* The size asked for private pipes. */
#define FLOW_PIPESZ	(1024 * 1024)

/* splice(2) flags: never SPLICE_F_MORE, which corks like Nagle. */
#define SPLICE_FLAGS	(SPLICE_F_NONBLOCK | SPLICE_F_MOVE)

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
void
flow_drop_pipe(struct flow *f)
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
	/* It has its sink now: a source muted for want of one is read
	 * again (forward's client, whose bytes came before its target). */
	engine_mute(f->e, f->src, 0);
	if (dst != NULL)
		dst->direct = f;
	return 0;
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
 * loses its ready bit (bytes written after the look bring an edge);
 * one that holds no bytes but its EOF is not empty: a full sink said
 * EAGAIN before the source was looked at, and that EOF, come already,
 * brings no edge again.
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
	if (f->path != FLOW_SENDFILE && !sock_pending(f->src->fd)) {
		flow_src_empty(f);
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
		/* Into the private pipe, or nowhere: the source failed. */
		flow_failed(f, errno, f->path == FLOW_PIPE ||
		    f->path == FLOW_DISCARD ? 0 : dst_error(f, errno));
		return 0;
	}
	if (n == 0) {
		f->eof = 1;
		engine_touch(f->e, f->owner);
		return 0;
	}
	if (f->path == FLOW_PIPE)
		f->pipe_len += (size_t)n;
	flow_moved(f, (size_t)n);
	if (f->path == FLOW_SPLICE && (size_t)n < max && !f->src->rdhup) {
		/*
		 * Less than asked: often the source is drained, and one
		 * look says so where another move would take a call to
		 * fail and a look after it.  Bytes left say nothing sure
		 * (a socket's splice stops short with room to spare): move
		 * again.  A source whose writer has gone goes on to read
		 * its EOF, for which no edge would come.
		 */
		if (!sock_pending(f->src->fd)) {
			flow_src_empty(f);
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

void
flow_run_direct(struct flow *f)
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
				flow_drop_pipe(f);
			return;
		}
	}
	engine_schedule(f->e, &f->task);
}
