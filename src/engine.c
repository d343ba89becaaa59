/*
 * engine: peers, flows and the loop (see engine.h).
 *
 * The end rules, as invariants: a peer is half-closed only once it has
 * all of stdin; a peer's bytes are all written before it is forgotten
 * for its EOF; no timer but -i's, -q's and the slow-peer drop ends a
 * flow, and none drops a byte already read.
 */
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/sockios.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "engine.h"
#include "flow.h"
#include "sig.h"
#include "stream.h"
#include "timer.h"

/* One read's size: a single session's, and each of many peers'. */
#define READ_ONE	(256 * 1024)
#define READ_MANY	(64 * 1024)

/* What a sink may hold before its sources wait. */
#define OUT_LIMIT	(1024 * 1024)
#define PEER_LIMIT	(512 * 1024)

/* Events taken from epoll at once. */
#define EVENTS		256

/* A clock that moved this much more than a wait asked for says the
 * process was stopped. */
#define JUMP_MS		1000

struct peer {
	struct stream	 sock;
	struct flow	 in;		/* sock -> stdout */
	struct sinkq	 out;		/* stdin -> sock */
	struct task	 check;
	struct engine	*e;
	size_t		 idx;		/* in e->peers, or -1: gone */
	char		*name;		/* for events */
	int		 wr_early;	/* out failed before the peer's EOF */
	long long	 dropped_ms;
	/* In the engine's list of half-closed peers, oldest first. */
	struct peer	*hc_next;
	struct peer	*hc_prev;
	int		 hc;
};

struct engine {
	const struct engine_cfg	*cfg;
	struct engine_result	*res;
	int			 ep;
	struct stream		 in;		/* stdin, when read */
	struct stream		 out;		/* stdout */
	struct stream		 sig;		/* sig.h's descriptor */
	struct stream		*lst;		/* the listeners */
	struct flow		 inflow;	/* stdin -> the peers */
	struct sinkq		 outq;		/* -> stdout */
	struct stream		 diag;		/* stderr, for events */
	struct sinkq		 diagq;
	int			 has_diag;
	struct peer		**peers;
	size_t			 npeers;
	size_t			 cappeers;
	struct peer		**gone;		/* closed, bytes still queued */
	size_t			 ngone;
	size_t			 capgone;
	size_t			 behind;	/* peers with stdin queued */
	/* Peers whose own side is over and all written, that only wait
	 * for stdin (or their going away): the first to make room. */
	struct peer		*hc_head;
	struct peer		*hc_tail;
	int			 has_in;
	int			 many;
	int			 ended;
	int			 quitting;
	int			 in_probed;	/* stdin looked at once before
						   an end for its silence */
	int			 accept_more;	/* a listener may hold clients */
	struct task		*rq_head;
	struct task		*rq_tail;
	size_t			 rq_len;
	struct task		 check;		/* the session's end rules */
	struct task		 accepting;
	struct timers		 timers;
	struct timer		 t_idle;
	struct timer		 t_quit;
	struct timer		 t_grace;
	struct timer		 t_slow;
	struct timer		 t_accept;
	long long		 now;
	long long		 started;
	long long		 last_active;
};

void
engine_schedule(struct engine *e, struct task *t)
{
	if (t->queued)
		return;
	t->queued = 1;
	t->next = NULL;
	t->prev = e->rq_tail;
	if (e->rq_tail != NULL)
		e->rq_tail->next = t;
	else
		e->rq_head = t;
	e->rq_tail = t;
	e->rq_len++;
}

void
engine_unschedule(struct engine *e, struct task *t)
{
	if (!t->queued)
		return;
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		e->rq_head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		e->rq_tail = t->prev;
	t->queued = 0;
	t->next = t->prev = NULL;
	e->rq_len--;
}

void
engine_touch(struct engine *e, void *owner)
{
	struct peer *p = owner;

	if (p != NULL)
		engine_schedule(e, &p->check);
	engine_schedule(e, &e->check);
}

void
engine_active(struct engine *e)
{
	e->last_active = e->now;
}

long long
engine_now(const struct engine *e)
{
	return e->now;
}

static void
end(struct engine *e, enum engine_end why, int err)
{
	if (e->ended)
		return;
	e->ended = 1;
	e->res->end = why;
	e->res->err = err;
}

static void
emit(struct engine *e, const struct event *ev)
{
	char line[EVENT_NAME_MAX + 256];
	size_t n;

	if (e->cfg->render == NULL || !e->has_diag)
		return;
	n = e->cfg->render(e->cfg->arg, ev, line, sizeof(line));
	if (n > 0)
		(void)sinkq_put(&e->diagq, line, n);
}

/*
 * The end: give a stuck stderr a while to take what is queued, then
 * let it go.
 */
static void
flush_diag(struct engine *e)
{
	struct pollfd pfd;
	long long deadline = clock_ms() + ENGINE_DIAG_FLUSH_MS;

	if (!e->has_diag)
		return;
	pfd.fd = e->diag.fd;
	pfd.events = POLLOUT;
	for (;;) {
		e->diag.wr_ready = 1;
		sinkq_run(e, &e->diagq.task);
		if (!sinkq_busy(&e->diagq) || e->diagq.failed ||
		    clock_ms() >= deadline || sig_caught())
			break;
		(void)poll(&pfd, 1, 50);
	}
}

/* The epoll events s is watched for now. */
static uint32_t
interest(const struct stream *s)
{
	return (s->muted ? 0 : EPOLLIN | EPOLLRDHUP) |
	    (s->out_on ? EPOLLOUT : 0) | EPOLLET;
}

/* Watch s in epoll; what epoll refuses (files) is always ready.  Only
 * reading at first: writing is tried at once, and watched for only once
 * it is refused (engine_wait_out()). */
static void
watch(struct engine *e, struct stream *s)
{
	struct epoll_event ev;

	if (!s->pollable || s->fd < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = interest(s);
	ev.data.ptr = s;
	if (epoll_ctl(e->ep, EPOLL_CTL_ADD, s->watch_fd, &ev) == 0)
		s->registered = 1;
	else
		s->pollable = 0;
}

static void
rearm(struct engine *e, struct stream *s)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = interest(s);
	ev.data.ptr = s;
	(void)epoll_ctl(e->ep, EPOLL_CTL_MOD, s->watch_fd, &ev);
}

void
engine_wait_out(struct engine *e, struct stream *s)
{
	s->wr_ready = 0;
	if (!s->registered) {
		/* Never refused for long (a file): try again. */
		s->wr_ready = 1;
		return;
	}
	if (!s->out_on) {
		/* Rearming reports it at once if it has room already. */
		s->out_on = 1;
		rearm(e, s);
	}
}

void
engine_mute(struct engine *e, struct stream *s, int mute)
{
	if (!s->registered || s->muted == (mute != 0))
		return;
	s->muted = mute != 0;
	rearm(e, s);
}

static void
unwatch(struct engine *e, struct stream *s)
{
	if (s->registered)
		(void)epoll_ctl(e->ep, EPOLL_CTL_DEL, s->watch_fd, NULL);
	s->registered = 0;
}

/* Whether stdin's bytes go straight into the one peer's socket. */
static int
in_direct(const struct engine *e)
{
	return e->has_in && e->inflow.path != FLOW_COPY;
}

/* Whether the stdin side of p is over: all sent and shut, or failed. */
static int
out_done(const struct engine *e, const struct peer *p)
{
	if (!e->has_in)
		return 1;
	if (in_direct(e))
		return e->inflow.shut || e->inflow.dst_failed;
	return p->out.shut || p->out.failed ||
	    (p->out.eof && !p->out.shut_at_eof && !sinkq_busy(&p->out));
}

/* Why sending to p failed, or 0. */
static int
out_err(const struct engine *e, const struct peer *p)
{
	if (in_direct(e))
		return e->inflow.dst_failed ? e->inflow.err : 0;
	return p->out.failed ? p->out.err : 0;
}

/* Whether stdin bytes wait for p's socket to take them. */
static int
out_waiting(const struct engine *e, const struct peer *p)
{
	const struct flow *f = &e->inflow;

	if (!e->has_in)
		return 0;
	if (in_direct(e))
		return f->pipe_len > 0 ||
		    (!f->eof && !f->failed && !f->dst->wr_ready);
	return sinkq_busy(&p->out);
}

/* Whether p's reading is over and all it read is written. */
static int
in_done(const struct peer *p)
{
	return flow_drained(&p->in);
}

static void peer_forget(struct engine *, struct peer *);

static void
hc_add(struct engine *e, struct peer *p)
{
	p->hc = 1;
	p->hc_next = NULL;
	p->hc_prev = e->hc_tail;
	if (e->hc_tail != NULL)
		e->hc_tail->hc_next = p;
	else
		e->hc_head = p;
	e->hc_tail = p;
}

static void
hc_remove(struct engine *e, struct peer *p)
{
	if (!p->hc)
		return;
	if (p->hc_prev != NULL)
		p->hc_prev->hc_next = p->hc_next;
	else
		e->hc_head = p->hc_next;
	if (p->hc_next != NULL)
		p->hc_next->hc_prev = p->hc_prev;
	else
		e->hc_tail = p->hc_prev;
	p->hc = 0;
	p->hc_next = p->hc_prev = NULL;
}

/*
 * A new client needs room (-m, or descriptors run out): close the peer
 * that half-closed longest ago, which may well have gone away without
 * our knowing (a close and a half-close look the same until a write).
 * Returns whether one was closed.
 */
static int
make_room(struct engine *e)
{
	if (e->hc_head == NULL)
		return 0;
	peer_forget(e, e->hc_head);
	return 1;
}

/* A peer of many is done: both ways over. */
static void
peer_check(struct engine *e, struct task *t)
{
	struct peer *p = (struct peer *)((char *)t -
	    offsetof(struct peer, check));

	if (p->idx == (size_t)-1) {
		/* Gone already: freed once its bytes have left. */
		if (p->in.inflight == 0)
			peer_forget(e, p);
		return;
	}
	if (out_err(e, p) != 0 && !p->in.eof && !p->wr_early)
		p->wr_early = 1;
	if (!e->many)
		return;		/* the session's rules are the peer's */
	/* A reset or failed connection takes nothing more either. */
	if (in_done(p) && (out_done(e, p) || p->in.failed))
		peer_forget(e, p);
	else if (in_done(p) && !p->hc)
		hc_add(e, p);
}

static void
peer_free(struct engine *e, struct peer *p)
{
	engine_unschedule(e, &p->check);
	engine_unschedule(e, &p->in.task);
	engine_unschedule(e, &p->out.task);
	free(p->name);
	free(p);
}

/* Tell of p's end; close its socket; free it once nothing of its own
 * waits in stdout's queue. */
static void
peer_close(struct engine *e, struct peer *p, int err)
{
	struct event ev;
	struct peer **ng;
	size_t cap;

	if (p->idx != (size_t)-1) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_DISCONNECTED;
		ev.name = p->name;
		ev.err = err;
		ev.ms = p->dropped_ms;
		ev.sent = in_direct(e) ? e->inflow.bytes : p->out.written;
		ev.received = p->in.bytes;
		if (e->many)
			emit(e, &ev);
		e->peers[p->idx] = e->peers[--e->npeers];
		e->peers[p->idx]->idx = p->idx;
		p->idx = (size_t)-1;
		hc_remove(e, p);
		if (e->has_in && !in_direct(e))
			flow_remove_sink(&e->inflow, &p->out);
		if (e->inflow.dst == &p->sock) {
			e->inflow.dst = NULL;
			p->sock.direct = NULL;
		}
		sinkq_fini(&p->out);
		if (p->in.path == FLOW_COPY)
			flow_remove_sink(&p->in, &e->outq);
		unwatch(e, &p->sock);
		engine_unschedule(e, &p->in.task);
		engine_unschedule(e, &p->out.task);
		flow_fini(&p->in);
		p->in.eof = 1;
		stream_close(&p->sock);
		if (e->accept_more)
			engine_schedule(e, &e->accepting);
	}
	if (p->in.inflight > 0) {
		if (e->ngone == e->capgone) {
			cap = e->capgone ? e->capgone * 2 : 8;
			ng = reallocarray(e->gone, cap, sizeof(*ng));
			if (ng == NULL)
				return;	/* freed at the end instead */
			e->gone = ng;
			e->capgone = cap;
		}
		e->gone[e->ngone++] = p;
		return;
	}
	peer_free(e, p);
}

/* p's end rules say it is done, or it is dropped: let it go. */
static void
peer_forget(struct engine *e, struct peer *p)
{
	size_t i;
	int err = 0;

	if (p->idx == (size_t)-1) {
		for (i = 0; i < e->ngone; i++)
			if (e->gone[i] == p) {
				e->gone[i] = e->gone[--e->ngone];
				break;
			}
		peer_free(e, p);
		return;
	}
	if (p->in.failed)
		err = p->in.err;
	else if (p->wr_early)
		err = out_err(e, p);
	peer_close(e, p, err);
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
		/* What the socket holds, and at most a receive buffer more
		 * of what was on its way; the first empty moment ends it
		 * (a record is taken whole, whatever its size). */
		p->in.budget = (uint64_t)n;
		len = sizeof(rcvbuf);
		if (n > 0 && getsockopt(p->sock.fd, SOL_SOCKET, SO_RCVBUF,
		    &rcvbuf, &len) == 0 && rcvbuf > 0)
			p->in.budget += (uint64_t)rcvbuf;
		p->in.stop_when_empty = 1;
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
	if (in_direct(e))
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
		end(e, err == EPIPE ? ENGINE_OUT_GONE : ENGINE_ERR_OUT, err);
		return 1;
	}
	/* An idle stdout pipe whose reader left: nobody to write for. */
	if (e->out.hup && !sinkq_busy(&e->outq) && (e->npeers == 0 ||
	    e->peers[0]->in.pipe_len == 0)) {
		end(e, ENGINE_OUT_GONE, EPIPE);
		return 1;
	}
	return 0;
}

/* The single session's end rules after the peer's EOF. */
static void
check_peer_eof(struct engine *e, struct peer *p)
{
	const struct flow *f = &e->inflow;
	long long last, due;

	if (p->in.failed) {
		end(e, ENGINE_ERR_NET_READ, p->in.err);
		return;
	}
	if (p->wr_early) {
		end(e, ENGINE_ERR_NET_WRITE, out_err(e, p));
		return;
	}
	/* --send-only ends when stdin is all sent, whatever the peer
	 * does. */
	if (e->cfg->end_on_sent && !out_done(e, p))
		return;
	/* stdin done, never read from, or given no time: done.  A send
	 * the peer refuses after its EOF ends the session well. */
	if (f->moved_at < 0 && !out_done(e, p) && e->in.rd_ready &&
	    !f->eof && !f->failed && !out_waiting(e, p) && !e->in_probed) {
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
	if (f->moved_at < 0 && !out_done(e, p) && e->in.pollable &&
	    e->cfg->grace_ms != 0 && e->now < e->started + ENGINE_START_MS) {
		(void)timer_set(&e->timers, &e->t_grace,
		    e->started + ENGINE_START_MS);
		return;
	}
	if (out_done(e, p) || f->moved_at < 0 || e->cfg->grace_ms == 0) {
		end(e, ENGINE_NET_EOF, 0);
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
	if (out_waiting(e, p))
		due = e->now + e->cfg->grace_ms;
	else if (e->now >= due) {
		end(e, ENGINE_NET_EOF, 0);
		return;
	}
	(void)timer_set(&e->timers, &e->t_grace, due);
}

static void
session_check(struct engine *e, struct task *t)
{
	struct peer *p = e->npeers > 0 ? e->peers[0] : NULL;

	(void)t;
	if (e->ended || check_stdout(e))
		return;
	if (e->has_in && e->inflow.failed && !e->inflow.dst_failed) {
		end(e, ENGINE_ERR_IN, e->inflow.err);
		return;
	}
	if (e->cfg->end_on_sent && stdin_all_sent(e) && (e->many ||
	    p != NULL)) {
		if (p != NULL && !e->many && out_err(e, p) != 0)
			end(e, ENGINE_ERR_NET_WRITE, out_err(e, p));
		else
			end(e, ENGINE_SENT, 0);
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
		end(e, ENGINE_QUIT, 0);
		return;
	}
	if (e->many)
		return;
	if (p == NULL) {
		end(e, ENGINE_NET_EOF, 0);
		return;
	}
	peer_check(e, &p->check);
	/* A datagram socket has no EOF: a refused send ends it. */
	if (p->sock.socktype == SOCK_DGRAM && out_err(e, p) != 0) {
		end(e, ENGINE_ERR_NET_WRITE, out_err(e, p));
		return;
	}
	if (in_done(p) && !check_stdout(e))
		check_peer_eof(e, p);
}

static void
on_idle(void *arg, struct timer *t)
{
	struct engine *e = arg;

	(void)t;
	if (e->now < e->last_active + e->cfg->idle_ms) {
		(void)timer_set(&e->timers, &e->t_idle,
		    e->last_active + e->cfg->idle_ms);
		return;
	}
	end(e, ENGINE_IDLE, 0);
}

static void
on_quit(void *arg, struct timer *t)
{
	(void)t;
	start_quitting(arg);
}

static void
on_grace(void *arg, struct timer *t)
{
	(void)t;
	engine_touch(arg, NULL);
}

/*
 * stdin waits on one peer's full queue: drop that peer once its socket
 * has refused bytes for ENGINE_SLOW_DROP_MS while others wait.
 */
static void
on_slow(void *arg, struct timer *t)
{
	struct engine *e = arg;
	struct sinkq *sq = e->inflow.waiting_on;
	struct peer *p;

	(void)t;
	if (sq == NULL || sq->owner == NULL || e->npeers < 2)
		return;
	p = sq->owner;
	if (sq->stall_since < 0 || !sinkq_busy(sq))
		return;
	if (e->now - sq->stall_since < ENGINE_SLOW_DROP_MS) {
		(void)timer_set(&e->timers, &e->t_slow,
		    sq->stall_since + ENGINE_SLOW_DROP_MS);
		return;
	}
	p->dropped_ms = ENGINE_SLOW_DROP_MS;
	peer_close(e, p, 0);
}

static void peer_read_start(struct engine *, struct peer *);

static void
on_accept_pause(void *arg, struct timer *t)
{
	struct engine *e = arg;

	(void)t;
	engine_schedule(e, &e->accepting);
}

/* Make a peer of the connected socket fd.  NULL, errno set, on failure
 * (fd is closed). */
static struct peer *
peer_new(struct engine *e, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct peer *p, **np;
	struct event ev;
	char name[EVENT_NAME_MAX];
	size_t cap;

	if (e->npeers == e->cappeers) {
		cap = e->cappeers ? e->cappeers * 2 : 8;
		if ((np = reallocarray(e->peers, cap, sizeof(*np))) == NULL) {
			close(fd);
			return NULL;
		}
		e->peers = np;
		e->cappeers = cap;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    stream_socket(&p->sock, fd) == -1) {
		free(p);
		close(fd);
		return NULL;
	}
	p->e = e;
	p->check.run = peer_check;
	p->idx = e->npeers;
	e->peers[e->npeers++] = p;
	p->sock.owner = p;
	flow_init(&p->in, e, &p->sock, e->many ? READ_MANY : READ_ONE, p);
	p->in.total = &e->res->received;
	p->in.discard = e->cfg->discard_net != 0;
	sinkq_init(&p->out, e, &p->sock, PEER_LIMIT, p);
	p->out.total = &e->res->sent;
	p->out.behind = &e->behind;
	if (sa != NULL && e->cfg->render != NULL) {
		event_name(sa, salen, name, sizeof(name));
		p->name = strdup(name);
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_CONNECTION;
		ev.name = name;
		emit(e, &ev);
	}
	if (e->cfg->shut_at_start && p->sock.socktype != SOCK_DGRAM)
		(void)shutdown(fd, SHUT_WR);
	watch(e, &p->sock);
	return p;
}

/* Wire p's flows in: its bytes to stdout, stdin's to it. */
static void
peer_read_start(struct engine *e, struct peer *p)
{
	if (!p->in.discard && p->in.path == FLOW_COPY &&
	    flow_add_sink(&p->in, &e->outq) == -1)
		p->in.failed = 1;
	if (e->has_in && !in_direct(e)) {
		if (e->inflow.eof)
			sinkq_eof(&p->out, p->sock.socktype != SOCK_DGRAM);
		else if (flow_add_sink(&e->inflow, &p->out) == -1)
			p->out.failed = 1;
	}
	engine_schedule(e, &p->in.task);
	engine_touch(e, p);
}

static void
accept_run(struct engine *e, struct task *t)
{
	const struct engine_cfg *cfg = e->cfg;
	struct sockaddr_storage ss;
	socklen_t len;
	struct peer *p;
	size_t i;
	int fd;

	(void)t;
	e->accept_more = 0;
	if (timer_armed(&e->t_accept))
		return;
	for (i = 0; i < cfg->nlisten; i++) {
		while (e->lst[i].rd_ready) {
			if (cfg->max_clients != 0 &&
			    e->npeers >= cfg->max_clients && !make_room(e)) {
				e->accept_more = 1;	/* in the backlog */
				return;
			}
			len = sizeof(ss);
			fd = accept4(e->lst[i].fd, (struct sockaddr *)&ss,
			    &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd == -1) {
				if (errno == EAGAIN)
					e->lst[i].rd_ready = 0;
				else if ((errno == EMFILE || errno == ENFILE) &&
				    make_room(e))
					continue;
				else if (errno == EMFILE || errno == ENFILE ||
				    errno == ENOBUFS || errno == ENOMEM) {
					/* Out of descriptors: leave them in
					 * the backlog a while. */
					e->accept_more = 1;
					(void)timer_set(&e->timers,
					    &e->t_accept, e->now + 100);
					return;
				}
				continue;	/* EINTR, ECONNABORTED */
			}
			if ((p = peer_new(e, fd, (struct sockaddr *)&ss,
			    len)) == NULL) {
				e->accept_more = 1;
				(void)timer_set(&e->timers, &e->t_accept,
				    e->now + 100);
				return;
			}
			peer_read_start(e, p);
		}
	}
}

static void
run_queue(struct engine *e)
{
	struct task *t;
	size_t n = e->rq_len;

	/* One round: as many as were queued when it began; what runs now
	 * may queue more, for the next round. */
	while (n-- > 0 && (t = e->rq_head) != NULL) {
		engine_unschedule(e, t);
		t->run(e, t);
	}
}

/* An epoll event on s: what it makes ready, and who to wake. */
static void
dispatch(struct engine *e, struct stream *s, uint32_t ev)
{
	if (s == &e->sig) {
		sig_drain();
		return;
	}
	if (s->owner == e && e->lst != NULL && s >= e->lst &&
	    s < e->lst + e->cfg->nlisten) {
		s->rd_ready = 1;
		engine_schedule(e, &e->accepting);
		return;
	}
	if (ev & (EPOLLRDHUP | EPOLLHUP))
		s->rdhup = 1;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		s->rd_ready = 1;
		if (s->reader != NULL) {
			flow_src_event(s->reader);
			engine_schedule(e, &s->reader->task);
		}
	}
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
		s->wr_ready = 1;
		if (s->sinkq != NULL)
			engine_schedule(e, &s->sinkq->task);
		if (s->direct != NULL)
			engine_schedule(e, &s->direct->task);
		/* Room again: until the next refusal, writes are tried
		 * without asking (an ACK's edge would wake us for
		 * nothing). */
		if ((ev & EPOLLOUT) && s->out_on) {
			s->out_on = 0;
			rearm(e, s);
		}
	}
	if (ev & (EPOLLHUP | EPOLLERR)) {
		s->hup = 1;
		if (s == &e->out)
			engine_touch(e, NULL);
	}
}

/* The process was stopped: a peer's stall counts from now. */
static void
clock_jumped(struct engine *e)
{
	size_t i;

	for (i = 0; i < e->npeers; i++)
		if (e->peers[i]->out.stall_since >= 0)
			e->peers[i]->out.stall_since = e->now;
	if (timer_armed(&e->t_slow))
		(void)timer_set(&e->timers, &e->t_slow,
		    e->now + ENGINE_SLOW_DROP_MS);
}

static int
loop(struct engine *e)
{
	struct epoll_event evs[EVENTS];
	struct timer *t;
	long long next, before;
	int i, n, timeout;

	while (!e->ended) {
		e->now = clock_ms();
		run_queue(e);
		if (sig_caught())
			end(e, ENGINE_SIGNAL, 0);
		if (e->ended)
			break;
		if (e->many && e->inflow.waiting_on != NULL &&
		    !timer_armed(&e->t_slow))
			(void)timer_set(&e->timers, &e->t_slow,
			    e->now + ENGINE_SLOW_DROP_MS);
		next = timer_next(&e->timers);
		if (e->rq_head != NULL)
			timeout = 0;
		else if (next < 0)
			timeout = -1;
		else if (next - e->now > 60000)
			timeout = 60000;
		else
			timeout = next > e->now ? (int)(next - e->now) : 0;
		before = e->now;
		n = epoll_wait(e->ep, evs, EVENTS, timeout);
		if (n == -1 && errno != EINTR)
			return -1;
		e->now = clock_ms();
		if (timeout >= 0 && e->now - before > timeout + JUMP_MS)
			clock_jumped(e);
		for (i = 0; i < n; i++)
			dispatch(e, evs[i].data.ptr, evs[i].events);
		/* What came in is seen before a timer judges it. */
		run_queue(e);
		while (!e->ended && (t = timer_pop_due(&e->timers,
		    e->now)) != NULL)
			t->fire(t->arg, t);
	}
	return 0;
}

/* Grow fd to the pipe size flows ask for if it is a pipe. */
static void
grow_pipe(const struct stream *s)
{
	if (s->kind == STREAM_PIPE && s->fd >= 0)
		(void)fcntl(s->fd, F_SETPIPE_SZ, 1024 * 1024);
}

/* Whether fd takes splice(2) from a pipe: ask the kernel with an empty
 * one, which says EAGAIN where it could and EINVAL where it could not
 * (O_APPEND files, some devices). */
static int
can_splice_out(int fd)
{
	int p[2], ok;

	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) == -1)
		return 0;
	ok = splice(p[0], NULL, fd, NULL, 1, SPLICE_F_NONBLOCK) == -1 &&
	    errno == EAGAIN;
	close(p[0]);
	close(p[1]);
	return ok;
}

/*
 * Zero-copy where it can be: one stream peer, and stdin or stdout that
 * splice(2) or sendfile(2) takes: straight from a pipe or file to the
 * socket, straight from the socket into a pipe or nowhere (/dev/null),
 * through a private pipe otherwise.  Terminals, records and many peers
 * copy.
 */
static void
choose_paths(struct engine *e, struct peer *p)
{
	const struct engine_cfg *cfg = e->cfg;

	if (cfg->copy_only || e->many || p->sock.record)
		return;
	if (e->has_in && e->in.splice_ok) {
		if (e->in.kind == STREAM_PIPE)
			(void)flow_direct(&e->inflow, FLOW_SPLICE, &p->sock);
		else if (e->in.kind == STREAM_FILE)
			(void)flow_direct(&e->inflow, FLOW_SENDFILE,
			    &p->sock);
		else if (e->in.kind == STREAM_CHAR)
			(void)flow_direct(&e->inflow, FLOW_PIPE, &p->sock);
	}
	if (cfg->discard_net || e->out.kind == STREAM_NULL) {
		(void)flow_direct(&p->in, FLOW_DISCARD, NULL);
		p->in.discard = 0;
	} else if (!e->out.splice_ok || e->out.open_err != 0)
		;
	else if (e->out.kind == STREAM_PIPE)
		(void)flow_direct(&p->in, FLOW_SPLICE, &e->out);
	else if (can_splice_out(e->out.fd))
		(void)flow_direct(&p->in, FLOW_PIPE, &e->out);
}

static int
setup(struct engine *e)
{
	const struct engine_cfg *cfg = e->cfg;
	struct peer *p;
	size_t i;
	int dgram = 0;

	if ((e->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	timer_init(&e->t_idle, on_idle, e);
	timer_init(&e->t_quit, on_quit, e);
	timer_init(&e->t_grace, on_grace, e);
	timer_init(&e->t_slow, on_slow, e);
	timer_init(&e->t_accept, on_accept_pause, e);
	e->check.run = session_check;
	e->accepting.run = accept_run;
	e->now = e->last_active = e->started = clock_ms();
	if (sig_fd() >= 0) {
		memset(&e->sig, 0, sizeof(e->sig));
		e->sig.fd = e->sig.watch_fd = sig_fd();
		e->sig.pollable = 1;
		watch(e, &e->sig);
	}
	if (cfg->render != NULL && cfg->diag_fd >= 0 &&
	    stream_shared(&e->diag, cfg->diag_fd, 1) == 0) {
		e->has_diag = 1;
		sinkq_init(&e->diagq, e, &e->diag, SIZE_MAX, NULL);
		watch(e, &e->diag);
	}
	if (stream_shared(&e->out, cfg->out_fd, 1) == -1)
		return -1;
	grow_pipe(&e->out);
	sinkq_init(&e->outq, e, &e->out, OUT_LIMIT, NULL);
	e->outq.coalesce = e->out.kind != STREAM_SOCKET;
	watch(e, &e->out);
	if (cfg->net_fd >= 0) {
		p = peer_new(e, cfg->net_fd, NULL, 0);
		if (p == NULL)
			return -1;
		dgram = p->sock.record;
		if (p->sock.family == AF_INET6)
			dgram = dgram ? 65527 : 0;
		else if (p->sock.family == AF_INET)
			dgram = dgram ? 65507 : 0;
		else
			dgram = dgram ? 65536 : 0;
	}
	if (cfg->in_fd >= 0) {
		if (stream_shared(&e->in, cfg->in_fd, 0) == -1)
			return -1;
		e->has_in = 1;
		grow_pipe(&e->in);
		flow_init(&e->inflow, e, &e->in, dgram ? (size_t)dgram :
		    READ_ONE, NULL);
		e->inflow.eof_to_sinks = 1;
		watch(e, &e->in);
		if (!e->many && e->npeers == 1)
			e->inflow.total = &e->res->sent;
	}
	if (!e->many && e->npeers == 1) {
		choose_paths(e, e->peers[0]);
		if (in_direct(e))
			e->inflow.total = &e->res->sent;
		else
			e->inflow.total = NULL;
		peer_read_start(e, e->peers[0]);
	}
	if (e->has_in)
		engine_schedule(e, &e->inflow.task);
	if (cfg->nlisten > 0) {
		if ((e->lst = calloc(cfg->nlisten, sizeof(*e->lst))) == NULL)
			return -1;
		for (i = 0; i < cfg->nlisten; i++) {
			e->lst[i].fd = e->lst[i].watch_fd = cfg->listen_fd[i];
			e->lst[i].pollable = 1;
			e->lst[i].rd_ready = 1;
			e->lst[i].owner = e;
			watch(e, &e->lst[i]);
		}
		engine_schedule(e, &e->accepting);
	}
	if (cfg->idle_ms >= 0)
		(void)timer_set(&e->timers, &e->t_idle,
		    e->now + cfg->idle_ms);
	engine_touch(e, NULL);
	return 0;
}

/*
 * Close a stream socket after what was sent has been taken: closing
 * with received bytes unread makes the kernel reset the connection and
 * throw its unsent queue away.  Reads and drops what comes meanwhile,
 * until the send queue is empty or the peer closes, for at most
 * ENGINE_LINGER_MS or until a signal.  Returns 0, or -1 with errno
 * when the peer reset the connection.
 */
static int
linger_close(int fd)
{
	struct pollfd pfd;
	long long deadline = clock_ms() + ENGINE_LINGER_MS;
	ssize_t n;
	int outq, r = 0;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (clock_ms() < deadline && !sig_caught()) {
		if (ioctl(fd, SIOCOUTQ, &outq) == -1 || outq <= 0)
			break;
		(void)poll(&pfd, 1, 10);
		n = recv(fd, NULL, 1 << 20, MSG_TRUNC | MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n == -1 && errno == EINVAL)
			n = recv(fd, (char[4096]){0}, 4096, MSG_DONTWAIT);
		if (n == -1 && errno != EAGAIN && errno != EINTR &&
		    errno != EINVAL) {
			r = -1;
			break;
		}
	}
	close(fd);
	return r;
}

static void
teardown(struct engine *e)
{
	struct peer *p;
	int saved = errno, fd, linger;

	linger = !e->many && (e->res->end == ENGINE_SENT ||
	    e->res->end == ENGINE_QUIT);
	while (e->npeers > 0) {
		p = e->peers[e->npeers - 1];
		fd = -1;
		if (linger && p->sock.socktype == SOCK_STREAM &&
		    !out_err(e, p)) {
			/* Kept open past peer_close for linger_close. */
			fd = dup(p->sock.fd);
		}
		peer_close(e, p, 0);
		if (fd >= 0 && linger_close(fd) == -1 && !e->many) {
			e->res->end = ENGINE_ERR_NET_WRITE;
			e->res->err = errno;
		}
	}
	sinkq_fini(&e->outq);
	if (e->has_in)
		flow_fini(&e->inflow);
	flush_diag(e);
	if (e->has_diag) {
		sinkq_fini(&e->diagq);
		stream_close(&e->diag);
	}
	while (e->ngone > 0)
		peer_forget(e, e->gone[e->ngone - 1]);
	free(e->gone);
	free(e->peers);
	free(e->lst);
	stream_close(&e->out);
	if (e->has_in)
		stream_close(&e->in);
	timers_free(&e->timers);
	flow_cache_free();
	if (e->ep >= 0)
		close(e->ep);
	errno = saved;
}

int
engine_run(const struct engine_cfg *cfg, struct engine_result *res)
{
	struct engine e;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&e, 0, sizeof(e));
	e.cfg = cfg;
	e.res = res;
	e.ep = -1;
	e.many = cfg->nlisten > 0;
	r = setup(&e);
	if (r == 0)
		r = loop(&e);
	teardown(&e);
	return r;
}
