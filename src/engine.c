/*
 * engine: the loop (see engine.h): streams in edge-triggered epoll, a
 * run queue of woken flows and queues, deadlines, signals; the data paths
 * chosen; setting up and tearing down.  Peers are peer.c's (accepted
 * by accept.c), the end rules session.c's (engine-int.h joins them).
 *
 * The end rules, as invariants: a peer is half-closed only once it has
 * all of stdin; a peer's bytes are all written before it is forgotten
 * for its EOF; no timer but -i's, -q's and the slow-peer drop ends a
 * flow, and none drops a byte already read.
 */
#include <sys/epoll.h>
#include <sys/ioctl.h>

#include <linux/sockios.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "engine-int.h"
#include "sig.h"

/* Events taken from epoll at once. */
#define EVENTS		256

/* A clock that moved this much more than a wait asked for says the
 * process was stopped. */
#define JUMP_MS		1000

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

void
engine_at(struct engine *e, struct timer *t, long long due)
{
	(void)timer_set(&e->timers, t, due);
}

void
engine_cancel(struct engine *e, struct timer *t)
{
	timer_cancel(&e->timers, t);
}

void
engine_end(struct engine *e, enum engine_end why, int err)
{
	if (e->ended)
		return;
	e->ended = 1;
	e->res->end = why;
	e->res->err = err;
	/* The one peer's stream may say more than errno (TLS). */
	if ((why == ENGINE_ERR_NET_READ || why == ENGINE_ERR_NET_WRITE ||
	    why == ENGINE_ERR_OPEN) && !e->many && e->npeers == 1 &&
	    stream_why(&e->peers[0]->sock) != NULL)
		strlcpy(e->res->why, stream_why(&e->peers[0]->sock),
		    sizeof(e->res->why));
}

void
engine_emit(struct engine *e, const struct event *ev)
{
	char line[EVENT_LINE_MAX + 64];
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
void
engine_watch(struct engine *e, struct stream *s)
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

void
engine_unwatch(struct engine *e, struct stream *s)
{
	if (s->registered)
		(void)epoll_ctl(e->ep, EPOLL_CTL_DEL, s->watch_fd, NULL);
	s->registered = 0;
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
	int rd, wr;

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
	if (s->opening && s->opener != NULL) {
		/* Nothing moves before it is open. */
		s->rd_ready = s->wr_ready = 1;
		engine_schedule(e, s->opener);
		if ((ev & EPOLLOUT) && s->out_on) {
			s->out_on = 0;
			rearm(e, s);
		}
		return;
	}
	rd = (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
	wr = (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0;
	/* A TLS read may wait for room to write, a write for bytes to
	 * read: the other readiness wakes it. */
	if (rd && s->wr_wants_in) {
		s->wr_wants_in = 0;
		wr = 1;
	}
	if ((ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) && s->rd_wants_out) {
		s->rd_wants_out = 0;
		rd = 1;
	}
	if (rd) {
		s->rd_ready = 1;
		if (s->reader != NULL) {
			flow_src_event(s->reader);
			engine_schedule(e, &s->reader->task);
		}
	}
	if (wr) {
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
		else if (e->many && s->owner != NULL && s->owner != e)
			engine_touch(e, s->owner);	/* a peer gone */
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
			engine_end(e, ENGINE_SIGNAL, 0);
		if (e->ended)
			break;
		if (e->many && (e->inflow.waiting_on != NULL ||
		    (e->cfg->broker && e->npeers > 1)) &&
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

	if (cfg->copy_only || cfg->shape != NULL || cfg->line_delay_ms > 0 ||
	    cfg->label || e->many || p->sock.record || !p->sock.splice_ok)
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

void
engine_start_one(struct engine *e, struct peer *p)
{
	p->in.eof_to_sinks = e->cfg->shut_out_at_eof != 0;
	choose_paths(e, p);
	if (session_in_direct(e))
		e->inflow.total = &e->res->sent;
	else
		e->inflow.total = NULL;
	peer_read_start(e, p);
}

/* forward -u: each listener's datagrams go to their senders' peers. */
static int
listen_udp(struct engine *e)
{
	const struct engine_cfg *cfg = e->cfg;
	struct flow *f;
	size_t i;

	if ((e->lst = calloc(cfg->nlisten, sizeof(*e->lst))) == NULL ||
	    (e->lflows = calloc(cfg->nlisten, sizeof(*e->lflows))) == NULL)
		return -1;
	for (i = 0; i < cfg->nlisten; i++) {
		if (stream_dgram_in(&e->lst[i], cfg->listen_fd[i]) == -1)
			return -1;
		f = &e->lflows[i];
		flow_init(f, e, &e->lst[i], 65536, NULL);
		f->frame = udp_demux;
		f->frame_arg = e;
		f->sinks_made = 1;
		engine_watch(e, &e->lst[i]);
		engine_schedule(e, &f->task);
	}
	engine_touch(e, NULL);
	return 0;
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
	timer_init(&e->t_idle, session_on_idle, e);
	timer_init(&e->t_quit, session_on_quit, e);
	timer_init(&e->t_grace, session_on_grace, e);
	timer_init(&e->t_slow, peer_on_slow, e);
	timer_init(&e->t_accept, peer_on_accept_pause, e);
	e->check.run = session_check;
	e->accepting.run = peer_accept_run;
	e->now = e->last_active = e->started = clock_ms();
	if (sig_fd() >= 0) {
		memset(&e->sig, 0, sizeof(e->sig));
		e->sig.fd = e->sig.watch_fd = sig_fd();
		e->sig.pollable = 1;
		engine_watch(e, &e->sig);
	}
	if (cfg->render != NULL && cfg->diag_fd >= 0 &&
	    stream_shared(&e->diag, cfg->diag_fd, 1) == 0) {
		e->has_diag = 1;
		sinkq_init(&e->diagq, e, &e->diag, SIZE_MAX, NULL);
		engine_watch(e, &e->diag);
	}
	/* forward writes no stdout: its queue stays empty. */
	if (cfg->out_fd >= 0) {
		if (stream_shared(&e->out, cfg->out_fd, 1) == -1)
			return -1;
		e->has_out = 1;
		grow_pipe(&e->out);
	}
	sinkq_init(&e->outq, e, &e->out, OUT_LIMIT, NULL);
	if (e->has_out) {
		e->outq.coalesce = e->out.kind != STREAM_SOCKET;
		engine_watch(e, &e->out);
	}
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
		/* A broker's peers hear each other after stdin's end. */
		e->inflow.eof_to_sinks = !cfg->broker;
		if (cfg->route) {
			e->inflow.frame = route_run;
			e->inflow.frame_arg = e;
		}
		e->inflow.keep_open = cfg->no_shutdown != 0;
		e->inflow.sending = 1;
		e->inflow.shape = cfg->shape;
		e->inflow.shape_arg = cfg->shape_arg;
		e->inflow.line_delay_ms = cfg->line_delay_ms;
		engine_watch(e, &e->in);
		if (!e->many && e->npeers == 1)
			e->inflow.total = &e->res->sent;
	}
	if (!e->many && e->npeers == 1 && !e->peers[0]->sock.opening)
		engine_start_one(e, e->peers[0]);
	if (e->has_in)
		engine_schedule(e, &e->inflow.task);
	if (cfg->nlisten > 0 && cfg->udp)
		return listen_udp(e);
	if (cfg->nlisten > 0) {
		if ((e->lst = calloc(cfg->nlisten, sizeof(*e->lst))) == NULL)
			return -1;
		for (i = 0; i < cfg->nlisten; i++) {
			e->lst[i].fd = e->lst[i].watch_fd = cfg->listen_fd[i];
			e->lst[i].pollable = 1;
			e->lst[i].rd_ready = 1;
			e->lst[i].owner = e;
			engine_watch(e, &e->lst[i]);
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
	size_t i;
	int saved = errno, fd, linger;

	linger = !e->many && (e->res->end == ENGINE_SENT ||
	    e->res->end == ENGINE_QUIT);
	while (e->npeers > 0) {
		p = e->peers[e->npeers - 1];
		fd = -1;
		if (linger && p->sock.socktype == SOCK_STREAM &&
		    !session_out_err(e, p)) {
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
	if (e->lflows != NULL) {
		for (i = 0; i < e->cfg->nlisten; i++) {
			flow_fini(&e->lflows[i]);
			stream_close(&e->lst[i]);
		}
		free(e->lflows);
	}
	free(e->gone);
	free(e->peers);
	free(e->index);
	free(e->lst);
	if (e->has_out)
		stream_close(&e->out);
	if (e->has_in)
		stream_close(&e->in);
	timers_free(&e->timers);
	flow_cache_free();
	flow_pipes_free();
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
