/*
 * session: the end rules of the relay (see engine-int.h), as
 * invariants: a peer is half-closed only once it has all of stdin; a
 * peer's bytes are all written before it is forgotten for its EOF; no
 * timer but -i's, -q's and the slow-peer drop ends a flow, and none
 * drops a byte already read.
 */
#include <sys/ioctl.h>

#include <errno.h>

#include "engine-int.h"

/* Whether stdin's bytes go straight into the one peer's socket. */
int
session_in_direct(const struct engine *e)
{
	return e->has_in && e->inflow.path != FLOW_COPY;
}

/* Whether the stdin side of p is over: all sent and shut, or failed. */
int
session_out_done(const struct engine *e, const struct peer *p)
{
	if (!e->has_in)
		return 1;
	if (session_in_direct(e))
		return e->inflow.shut || e->inflow.dst_failed;
	return p->out.shut || p->out.failed ||
	    (p->out.eof && !p->out.shut_at_eof && !sinkq_busy(&p->out));
}

/* Why sending to p failed, or 0. */
int
session_out_err(const struct engine *e, const struct peer *p)
{
	if (session_in_direct(e))
		return e->inflow.dst_failed ? e->inflow.err : 0;
	return p->out.failed ? p->out.err : 0;
}

/* Whether stdin bytes wait for p's socket to take them, or for their
 * time (--line-delay). */
int
session_out_waiting(const struct engine *e, const struct peer *p)
{
	const struct flow *f = &e->inflow;

	if (!e->has_in)
		return 0;
	if (session_in_direct(e))
		return f->pipe_len > 0 ||
		    (!f->eof && !f->failed && !f->dst->wr_ready);
	return sinkq_busy(&p->out) || f->held != NULL;
}

/* Whether p's reading is over and all it read is written. */
int
session_in_done(const struct peer *p)
{
	return flow_drained(&p->in);
}

/* Take the rest of what the peers' sockets hold, and no more: -q. */
static void
start_quitting(struct engine *e)
{
	struct peer *p;
	socklen_t len;
	size_t i;
	int n, rcvbuf;

	e->quitting = 1;
	for (i = 0; i < e->npeers; i++) {
		p = e->peers[i];
		if (ioctl(p->sock.fd, FIONREAD, &n) == -1 || n < 0)
			n = 0;
		/* And what a TLS stream holds already. */
		n += (int)p->sock.ops->pending(&p->sock);
		/* What the socket holds, and at most a receive buffer more
		 * of what was on its way; the first empty moment ends it
		 * (a record is taken whole, whatever its size). */
		p->in.budget = (uint64_t)n;
		len = sizeof(rcvbuf);
		if (n > 0 && getsockopt(p->sock.fd, SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, &len) == 0 && rcvbuf > 0)
			p->in.budget += (uint64_t)rcvbuf;
		p->in.stop_when_empty = 1;
		/* Bytes there are bytes to read, whatever an edge said. */
		if (p->in.budget > 0)
			p->sock.rd_ready = 1;
		if (p->in.budget == 0 && !p->in.eof && !p->in.failed) {
			p->in.stopped = 1;
			engine_touch(e, p);
		}
		engine_schedule(e, &p->in.task);
	}
	engine_touch(e, NULL);
}

/* Whether, quitting, everything taken is written. */
static int
quit_done(const struct engine *e)
{
	const struct peer *p;
	size_t i;

	if (sinkq_busy(&e->outq))
		return 0;
	for (i = 0; i < e->npeers; i++) {
		p = e->peers[i];
		if (!(p->in.stopped || p->in.eof || p->in.failed) ||
		    p->in.pipe_len > 0 || p->in.inflight > 0)
			return 0;
	}
	return 1;
}

/* Whether every peer has all of stdin that it takes. */
static int
stdin_all_sent(const struct engine *e)
{
	if (!e->inflow.eof)
		return 0;
	if (session_in_direct(e))
		return e->inflow.shut || e->inflow.dst_failed;
	return e->behind == 0;
}

/* stdout's failures end the session. */
static int
check_stdout(struct engine *e)
{
	int err = 0;

	if (e->outq.failed)
		err = e->outq.err;
	else if (e->npeers == 1 && e->peers[0]->in.dst_failed)
		err = e->peers[0]->in.err;
	if (err != 0) {
		engine_end(e, err == EPIPE ? ENGINE_OUT_GONE : ENGINE_ERR_OUT, err);
		return 1;
	}
	/* An idle stdout pipe whose reader left: nobody to write for.  Once
	 * the one peer's bytes are all written, stdout is over anyway: its
	 * hangup (a socketpair to -e's command, shut by us, that the command
	 * closed) ends nothing, and what stdin still holds is sent. */
	if (e->out.hup && !sinkq_busy(&e->outq) && (e->npeers == 0 ||
	    e->peers[0]->in.pipe_len == 0) && (e->many || e->npeers == 0 ||
	    !session_in_done(e->peers[0]))) {
		engine_end(e, ENGINE_OUT_GONE, EPIPE);
		return 1;
	}
	return 0;
}

/* The session ends at the peer's EOF: well, or with the failure an EOF
 * that was not clean stands for (TLS without close_notify). */
static void
end_at_eof(struct engine *e, const struct peer *p)
{
	if (p->sock.eof_err != 0)
		engine_end(e, ENGINE_ERR_NET_READ, p->sock.eof_err);
	else
		engine_end(e, ENGINE_NET_EOF, 0);
}

/* The single session's end rules after the peer's EOF. */
static void
check_peer_eof(struct engine *e, struct peer *p)
{
	const struct flow *f = &e->inflow;
	long long last, due;

	if (p->in.failed) {
		engine_end(e, ENGINE_ERR_NET_READ, p->in.err);
		return;
	}
	if (p->wr_early) {
		engine_end(e, ENGINE_ERR_NET_WRITE, session_out_err(e, p));
		return;
	}
	/* --send-only ends when stdin is all sent, whatever the peer
	 * does. */
	if ((e->cfg->end_on_sent || e->cfg->shut_out_at_eof) &&
	    !session_out_done(e, p))
		return;
	/* stdin done, never read from, or given no time: done.  A send
	 * the peer refuses after its EOF ends the session well. */
	if (f->moved_at < 0 && !session_out_done(e, p) && e->in.rd_ready &&
	    !f->eof && !f->failed && !session_out_waiting(e, p) && !e->in_probed) {
		/* Not read yet is not idle: look at stdin once first. */
		e->in_probed = 1;
		engine_schedule(e, &e->inflow.task);
		engine_touch(e, NULL);
		return;
	}
	/*
	 * A stdin that never delivered is idle, but in a session's first
	 * moments: a producer started beside sockcat (tar c | sockcat
	 * connect) may not have written yet when a peer that half-closes
	 * at once (serve < /dev/null) sends its EOF.
	 */
	if (f->moved_at < 0 && !session_out_done(e, p) && e->in.pollable &&
	    e->cfg->grace_ms != 0 && e->now < e->started + ENGINE_START_MS) {
		(void)timer_set(&e->timers, &e->t_grace,
		    e->started + ENGINE_START_MS);
		return;
	}
	/* --grace=inf waits for stdin's EOF, whether it delivered yet or
	 * not. */
	if (session_out_done(e, p) || e->cfg->grace_ms == 0 ||
	    (f->moved_at < 0 && e->cfg->grace_ms != ENGINE_FOREVER)) {
		end_at_eof(e, p);
		return;
	}
	/* A file never pauses: it goes on until its end. */
	if (e->cfg->grace_ms == ENGINE_FOREVER || !e->in.pollable)
		return;
	last = f->moved_at;
	if (p->out.moved_at > last)
		last = p->out.moved_at;
	due = last + e->cfg->grace_ms;
	/* Bytes waiting for the socket are stdin still flowing. */
	if (session_out_waiting(e, p))
		due = e->now + e->cfg->grace_ms;
	else if (e->now >= due) {
		end_at_eof(e, p);
		return;
	}
	(void)timer_set(&e->timers, &e->t_grace, due);
}

void
session_check(struct engine *e, struct task *t)
{
	struct peer *p = e->npeers > 0 ? e->peers[0] : NULL;

	(void)t;
	if (e->ended || check_stdout(e))
		return;
	if (e->has_in && e->inflow.failed && !e->inflow.dst_failed) {
		engine_end(e, ENGINE_ERR_IN, e->inflow.err);
		return;
	}
	if (e->cfg->end_on_sent && stdin_all_sent(e) && (e->many ||
	    p != NULL)) {
		if (p != NULL && !e->many && session_out_err(e, p) != 0)
			engine_end(e, ENGINE_ERR_NET_WRITE, session_out_err(e, p));
		else
			engine_end(e, ENGINE_SENT, 0);
		return;
	}
	if (e->has_in && e->cfg->quit_ms >= 0 && !e->quitting &&
	    !timer_armed(&e->t_quit) && stdin_all_sent(e)) {
		if (e->cfg->quit_ms == 0)
			start_quitting(e);
		else
			(void)timer_set(&e->timers, &e->t_quit,
			    e->now + e->cfg->quit_ms);
	}
	if (e->quitting && quit_done(e)) {
		engine_end(e, ENGINE_QUIT, 0);
		return;
	}
	if (e->many)
		return;
	if (p == NULL) {
		engine_end(e, ENGINE_NET_EOF, 0);
		return;
	}
	peer_check(e, &p->check);
	/* A datagram socket has no EOF: a refused send ends it. */
	if (p->sock.socktype == SOCK_DGRAM && session_out_err(e, p) != 0) {
		engine_end(e, ENGINE_ERR_NET_WRITE, session_out_err(e, p));
		return;
	}
	if (session_in_done(p) && !check_stdout(e))
		check_peer_eof(e, p);
}

void
session_on_idle(void *arg, struct timer *t)
{
	struct engine *e = arg;

	(void)t;
	/* Lines --line-delay holds back are bytes still on their way. */
	if (e->has_in && e->inflow.held != NULL)
		e->last_active = e->now;
	if (e->now < e->last_active + e->cfg->idle_ms) {
		(void)timer_set(&e->timers, &e->t_idle,
		    e->last_active + e->cfg->idle_ms);
		return;
	}
	engine_end(e, ENGINE_IDLE, 0);
}

void
session_on_quit(void *arg, struct timer *t)
{
	(void)t;
	start_quitting(arg);
}

void
session_on_grace(void *arg, struct timer *t)
{
	(void)t;
	engine_touch(arg, NULL);
}
