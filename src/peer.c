/*
 * peer: the engine's peers (see engine-int.h): made from a connected or
 * accepted socket, wired to stdin and stdout, checked, closed and freed
 * once nothing of theirs waits; the slow peer dropped.  Accepting them
 * is accept.c's.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"
#include "proxyproto.h"

/* A peer of many is done: both ways over. */
void
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
	if (session_out_err(e, p) != 0 && !p->in.eof && !p->wr_early)
		p->wr_early = 1;
	if (!e->many)
		return;		/* the session's rules are the peer's */
	if (p->udp) {
		/* A sender's socket that failed (its target refused a
		 * datagram) is forgotten; its next datagram starts anew. */
		if (p->in.failed || p->out.failed || p->replyq.failed)
			peer_close(e, p, p->in.failed ? p->in.err :
			    p->out.failed ? p->out.err : p->replyq.err);
		return;
	}
	if (e->cfg->targets != NULL) {
		pair_check(e, p);
		return;
	}
	/* A reset or failed connection takes nothing more either, nor one
	 * that hung up (closed both ways, or reset after a write). */
	if (session_in_done(p) && (session_out_done(e, p) || p->in.failed ||
	    p->sock.hup))
		peer_forget(e, p);
	else if (session_in_done(p) && !p->hc) {
		peer_hc_add(e, p);
		/* A client waits in the backlog for room, which this one
		 * now makes (see accept.c). */
		if (e->accept_more)
			engine_schedule(e, &e->accepting);
	}
}

static void
peer_free(struct engine *e, struct peer *p)
{
	timer_cancel(&e->timers, &p->t_open);
	timer_cancel(&e->timers, &p->t_idle);
	engine_unschedule(e, &p->open);
	engine_unschedule(e, &p->check);
	engine_unschedule(e, &p->in.task);
	engine_unschedule(e, &p->out.task);
	label_frame_fini(&p->lf);
	free(p->why);
	free(p->label);
	free(p->name);
	free(p);
}

long long
peer_open_ms(const struct engine *e)
{
	return e->cfg->open_ms > 0 ? e->cfg->open_ms : ENGINE_OPEN_MS;
}

/* Tell of p's end; close its socket; free it once nothing of its own
 * waits in stdout's queue. */
void
peer_close(struct engine *e, struct peer *p, int err)
{
	struct event ev;
	struct peer **ng;
	char text[ENGINE_WHY_MAX + 64], secs[EVENT_SECS_MAX];
	size_t cap;
	int pp;

	if (p->idx != (size_t)-1) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_DISCONNECTED;
		ev.name = p->name;
		ev.err = err;
		ev.text = err != 0 ? stream_why(&p->sock) : NULL;
		if (err != 0 && p->sock.opening) {
			/* Dropped before its stream opened: still reading
			 * its PROXY header, or in its TLS handshake. */
			pp = pp_stream_reading(&p->sock);
			if (err == ETIMEDOUT)
				snprintf(text, sizeof(text), "no %s within "
				    "%s", pp ? "PROXY header" : "handshake",
				    event_secs(peer_open_ms(e), secs, sizeof(secs)));
			else
				snprintf(text, sizeof(text), "%s: %s", pp ?
				    "no valid PROXY header" :
				    "handshake failed", ev.text != NULL ?
				    ev.text : strerror(err));
			ev.text = text;
		}
		ev.ms = p->dropped_ms;
		ev.elapsed_ms = e->now - p->started;
		ev.sent = session_in_direct(e) ? e->inflow.bytes : p->out.written;
		ev.received = p->in.bytes;
		if (e->cfg->targets != NULL) {
			/* A pair: told without "disconnected". */
			ev.all = 1;
			ev.sent = pair_sent(p);
			if (!p->reading && err != 0 && ev.text == NULL) {
				snprintf(text, sizeof(text), "no target: %s",
				    p->why != NULL ? p->why : strerror(err));
				ev.text = text;
			} else if (err != 0 && p->why != NULL)
				ev.text = p->why;	/* which side, and why */
		}
		if (p->udp) {
			ev.sent = p->replyq.written;
			ev.received = p->out.written;
		}
		if (p->target)
			e->ntargets--;
		if (e->many && !p->quiet)
			engine_emit(e, &ev);
		/* A last line without its newline goes with one. */
		if (p->reading)
			flow_frame_end(&p->in);
		if (e->cfg->broker && p->reading)
			broker_leave(e, p);
		route_forget(e, p);
		pair_forget(p);
		e->peers[p->idx] = e->peers[--e->npeers];
		e->peers[p->idx]->idx = p->idx;
		p->idx = (size_t)-1;
		peer_hc_remove(e, p);
		if (e->has_in && !session_in_direct(e))
			flow_remove_sink(&e->inflow, &p->out);
		if (e->inflow.dst == &p->sock) {
			e->inflow.dst = NULL;
			p->sock.direct = NULL;
		}
		sinkq_fini(&p->out);
		if (p->in.path == FLOW_COPY)
			flow_remove_sink(&p->in, &e->outq);
		index_del(e, p);
		if (p->udp) {
			flow_remove_sink(p->from_flow, &p->out);
			sinkq_fini(&p->replyq);
			stream_close(&p->reply);
		}
		engine_unwatch(e, &p->sock);
		timer_cancel(&e->timers, &p->t_open);
		engine_unschedule(e, &p->open);
		engine_unschedule(e, &p->in.task);
		engine_unschedule(e, &p->out.task);
		flow_fini(&p->in);
		p->in.eof = 1;
		stream_close(&p->sock);
		/* Nobody left: the pipes kept for them go too. */
		if (e->npeers == 0)
			flow_pipes_free();
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
void
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
		err = session_out_err(e, p);
	else if (p->sock.eof_err != 0)
		err = p->sock.eof_err;	/* cut short (TLS) */
	peer_close(e, p, err);
}

/*
 * stdin (or, with --broker, another peer) waits on a peer's full
 * queue: drop that peer once its socket has refused bytes for
 * ENGINE_SLOW_DROP_MS while others wait.
 */
void
peer_on_slow(void *arg, struct timer *t)
{
	struct engine *e = arg;
	struct sinkq *sq;
	struct peer *p;
	long long next = -1, due;
	size_t i = 0;

	(void)t;
	while (e->npeers >= 2 && i < e->npeers) {
		p = e->peers[i];
		sq = &p->out;
		if (sq->waiters == NULL || sq->stall_since < 0 ||
		    !sinkq_busy(sq)) {
			i++;
			continue;
		}
		due = sq->stall_since + ENGINE_SLOW_DROP_MS;
		if (e->now < due) {
			if (next < 0 || due < next)
				next = due;
			i++;
			continue;
		}
		/* Its place in the list is another's now. */
		p->dropped_ms = ENGINE_SLOW_DROP_MS;
		peer_close(e, p, 0);
	}
	if (next >= 0)
		(void)timer_set(&e->timers, &e->t_slow, next);
}

/* --recv-only: nothing is sent, the half-close at once (a TLS stream's
 * close_notify once it is open). */
static void
shut_at_start(struct engine *e, struct peer *p)
{
	if (e->cfg->shut_at_start && p->sock.socktype != SOCK_DGRAM)
		(void)p->sock.ops->shutdown_wr(&p->sock);
}

/*
 * p's PROXY header is in: the client it names is p's name, and told;
 * or, when --allow or --deny keep that client out, told so.  Returns
 * 0, or -1 when p is to be closed.
 */
static int
header_in(struct engine *e, struct peer *p)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct pp_header h;
	struct event ev;
	char name[EVENT_NAME_MAX];
	char *dup;

	if (pp_stream_header(&p->sock, &h) == 0 && !h.local) {
		memcpy(&ss, &h.src, h.srclen);
		len = h.srclen;
	} else if (getpeername(p->sock.fd, (struct sockaddr *)&ss, &len) ==
	    -1)
		len = 0;
	if (e->cfg->admit != NULL && len > 0 &&
	    !e->cfg->admit(e->cfg->admit_arg, (struct sockaddr *)&ss, len)) {
		peer_refused(e, (struct sockaddr *)&ss, len);
		return -1;
	}
	if (pp_stream_header(&p->sock, &h) == 0 && !h.local &&
	    p->label != NULL) {
		label_name((struct sockaddr *)&h.src, h.srclen, e->nconn, name,
		    sizeof(name));
		if ((dup = strdup(name)) != NULL) {
			free(p->label);
			p->label = dup;
			label_frame_init(&p->lf, p->label, p->sock.record);
		}
	}
	if (pp_stream_header(&p->sock, &h) == 0 && !h.local &&
	    e->cfg->render != NULL) {
		event_name((struct sockaddr *)&h.src, h.srclen, name,
		    sizeof(name));
		if ((dup = strdup(name)) != NULL) {
			free(p->name);
			p->name = dup;
		}
	}
	if (p->name == NULL)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_CONNECTION;
	ev.name = p->name;
	engine_emit(e, &ev);
	return 0;
}

/* p's stream is open: the -v lines, and its data flows. */
static void
opened(struct engine *e, struct peer *p)
{
	struct event ev;

	p->sock.opener = NULL;
	timer_cancel(&e->timers, &p->t_open);
	if (p->target) {
		pair_target_opened(e, p);
		return;
	}
	if (e->cfg->proxy_protocol && header_in(e, p) == -1) {
		/* Kept out: gone without a word more. */
		p->quiet = 1;
		peer_close(e, p, 0);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_OPENED;
	ev.name = p->name;
	ev.stream = &p->sock;
	engine_emit(e, &ev);
	/* What came meanwhile is to be read, and room to be used. */
	p->sock.rd_ready = p->sock.wr_ready = 1;
	shut_at_start(e, p);
	if (e->cfg->targets != NULL)
		pair_start(e, p);
	else if (e->many)
		peer_read_start(e, p);
	else
		engine_start_one(e, p);
}

/* p could not be opened (err): the session's end, or p's. */
static void
open_failed(struct engine *e, struct peer *p, int err)
{
	if (!e->many) {
		engine_end(e, ENGINE_ERR_OPEN, err);
		return;
	}
	if (p->target)
		pair_target_failed(e, p, err);
	else
		peer_close(e, p, err);
}

/* The task that opens p's stream (a TLS handshake), a step at a time. */
static void
peer_open_run(struct engine *e, struct task *t)
{
	struct peer *p = (struct peer *)((char *)t -
	    offsetof(struct peer, open));
	int r;

	if (!p->sock.opening || p->idx == (size_t)-1)
		return;
	r = p->sock.ops->open(&p->sock);
	if (r == 1)
		opened(e, p);
	else if (r == -1)
		open_failed(e, p, errno);
	else if (p->sock.rd_wants_out)
		engine_wait_out(e, &p->sock);
}

/* The time to open is up. */
static void
peer_on_open_time(void *arg, struct timer *t)
{
	struct peer *p = arg;

	(void)t;
	if (p->sock.opening && p->idx != (size_t)-1)
		open_failed(p->in.e, p, ETIMEDOUT);
}

/* --label: p's name as labels say it (sa NULL: its socket's peer), for
 * the framing of its bytes.  Returns 0, or -1 with errno. */
static int
set_label(struct engine *e, struct peer *p, const struct sockaddr *sa,
    socklen_t salen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char name[LABEL_MAX];

	if (sa == NULL && getpeername(p->sock.fd, (struct sockaddr *)&ss,
	    &len) == 0) {
		sa = (struct sockaddr *)&ss;
		salen = len;
	}
	if ((p->label = strdup(label_name(sa, salen, e->nconn, name,
	    sizeof(name)))) == NULL)
		return -1;
	label_frame_init(&p->lf, p->label, p->sock.record);
	return 0;
}

/* A peer of socket fd, not in the engine yet.  NULL, errno set, on
 * failure (fd is closed). */
static struct peer *
peer_make(struct engine *e, int fd)
{
	struct peer *p, **np;
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
	return p;
}

/* p joins the engine's peers, its flows and tasks made. */
static void
peer_enter(struct engine *e, struct peer *p)
{
	p->started = e->now;
	p->check.run = peer_check;
	p->open.run = peer_open_run;
	timer_init(&p->t_open, peer_on_open_time, p);
	timer_init(&p->t_idle, NULL, p);
	p->idx = e->npeers;
	e->peers[e->npeers++] = p;
	p->sock.owner = p;
	flow_init(&p->in, e, &p->sock, e->many ? READ_MANY : READ_ONE, p);
	p->in.total = &e->res->received;
	p->in.discard = e->cfg->discard_net != 0;
	p->in.shape = e->cfg->shape;
	p->in.shape_arg = e->cfg->shape_arg;
	/* Many clients: a dump names whose bytes a block holds. */
	if (e->many)
		p->in.shape_tag = &p->name;
	sinkq_init(&p->out, e, &p->sock, PEER_LIMIT, p);
	p->out.total = &e->res->sent;
	p->out.behind = &e->behind;
}

/* Watch p, and open its stream in the loop when it is not open yet. */
static void
peer_watch(struct engine *e, struct peer *p)
{
	engine_watch(e, &p->sock);
	if (p->sock.opening) {
		p->sock.opener = &p->open;
		engine_schedule(e, &p->open);
		(void)timer_set(&e->timers, &p->t_open, e->now + peer_open_ms(e));
	}
}

/* Make a peer of the connected socket fd.  NULL, errno set, on failure
 * (fd is closed). */
struct peer *
peer_new(struct engine *e, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct peer *p;
	struct event ev;
	char name[EVENT_NAME_MAX];

	if ((p = peer_make(e, fd)) == NULL)
		return NULL;
	if (e->cfg->proxy_protocol ? pp_stream(&p->sock, e->cfg->wrap,
	    e->cfg->wrap_arg) == -1 : e->cfg->wrap != NULL &&
	    e->cfg->wrap(e->cfg->wrap_arg, &p->sock) == -1) {
		stream_close(&p->sock);
		free(p);
		return NULL;
	}
	e->nconn++;
	if (e->cfg->label && set_label(e, p, sa, salen) == -1) {
		stream_close(&p->sock);
		free(p);
		return NULL;
	}
	peer_enter(e, p);
	if (p->label != NULL) {
		p->in.frame = label_frame_run;
		p->in.frame_arg = &p->lf;
	}
	if (sa != NULL && e->cfg->render != NULL) {
		/* Many unix clients with no address of their own: each by
		 * its number, as --label names them. */
		if (e->many && sa->sa_family == AF_UNIX &&
		    salen <= offsetof(struct sockaddr_un, sun_path))
			label_name(sa, salen, e->nconn, name, sizeof(name));
		else
			event_name(sa, salen, name, sizeof(name));
		p->name = strdup(name);
		/* With a PROXY header, its client is told once it is in. */
		if (!e->cfg->proxy_protocol) {
			memset(&ev, 0, sizeof(ev));
			ev.kind = EVENT_CONNECTION;
			ev.name = name;
			engine_emit(e, &ev);
		}
	}
	if (!p->sock.opening)
		shut_at_start(e, p);
	peer_watch(e, p);
	return p;
}

void
peer_set_why(struct peer *p, const char *fmt, ...)
{
	va_list ap;

	free(p->why);
	p->why = NULL;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&p->why, fmt, ap) == -1)
		p->why = NULL;
	va_end(ap);
}

/* forward -u: a quiet sender is forgotten. */
static void
udp_on_idle(void *arg, struct timer *t)
{
	struct peer *p = arg;
	struct engine *e = p->in.e;
	char secs[EVENT_SECS_MAX];
	long long last = p->started;

	(void)t;
	if (p->in.moved_at > last)
		last = p->in.moved_at;
	if (p->out.moved_at > last)
		last = p->out.moved_at;
	if (e->now < last + e->cfg->pair_idle_ms) {
		engine_at(e, &p->t_idle, last + e->cfg->pair_idle_ms);
		return;
	}
	/* Its end line says why, as a quiet TCP pair's does. */
	peer_set_why(p, "idle for %s", event_secs(e->cfg->pair_idle_ms, secs,
	    sizeof(secs)));
	peer_close(e, p, ETIMEDOUT);
}

struct peer *
peer_new_udp(struct engine *e, int fd, struct flow *f,
    const struct sockaddr *sa, socklen_t len)
{
	struct peer *p;
	struct event ev;
	char name[EVENT_NAME_MAX];

	if ((p = peer_make(e, fd)) == NULL)
		return NULL;
	if (stream_sendto(&p->reply, f->src->fd, sa, len) == -1) {
		stream_close(&p->reply);
		stream_close(&p->sock);
		free(p);
		return NULL;
	}
	peer_enter(e, p);
	p->udp = 1;
	p->reading = 1;
	p->from_flow = f;
	/* From the sender's side: what went back to it, what came. */
	p->in.total = &e->res->sent;
	p->out.total = &e->res->received;
	sinkq_init(&p->replyq, e, &p->reply, PEER_LIMIT, p);
	if (flow_add_sink(&p->in, &p->replyq) == -1 ||
	    flow_add_sink(f, &p->out) == -1)
		p->in.failed = 1;
	if (e->cfg->render != NULL) {
		p->name = strdup(event_name(sa, len, name, sizeof(name)));
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_CONNECTION;
		ev.name = name;
		engine_emit(e, &ev);
	}
	timer_init(&p->t_idle, udp_on_idle, p);
	if (e->cfg->pair_idle_ms >= 0)
		engine_at(e, &p->t_idle, e->now + e->cfg->pair_idle_ms);
	peer_watch(e, p);
	engine_schedule(e, &p->in.task);
	return p;
}

struct peer *
peer_new_target(struct engine *e, int fd, int (*then)(void *, struct stream *))
{
	struct peer *p;

	if ((p = peer_make(e, fd)) == NULL)
		return NULL;
	if (stream_connecting(&p->sock, then, p) == -1) {
		stream_close(&p->sock);
		free(p);
		return NULL;
	}
	peer_enter(e, p);
	p->target = 1;
	p->quiet = 1;
	e->ntargets++;
	/* The totals are the clients': what came from a target is what
	 * was sent to its client. */
	p->in.total = &e->res->sent;
	p->out.total = NULL;
	peer_watch(e, p);
	return p;
}

/* Wire p's flows in: its bytes to stdout, stdin's to it. */
void
peer_read_start(struct engine *e, struct peer *p)
{
	p->reading = 1;
	if (e->cfg->route && p->label != NULL &&
	    index_add(e, p, p->label, strlen(p->label)) == -1)
		p->in.failed = 1;
	if (!p->in.discard && p->in.path == FLOW_COPY &&
	    flow_add_sink(&p->in, &e->outq) == -1)
		p->in.failed = 1;
	if (e->has_in && !session_in_direct(e)) {
		if (e->inflow.eof && e->inflow.eof_to_sinks)
			sinkq_eof(&p->out, p->sock.socktype != SOCK_DGRAM);
		else if (!e->inflow.eof &&
		    flow_add_sink(&e->inflow, &p->out) == -1)
			p->out.failed = 1;
	}
	if (e->cfg->broker && broker_join(e, p) == -1)
		p->in.failed = 1;
	engine_schedule(e, &p->in.task);
	engine_touch(e, p);
}
