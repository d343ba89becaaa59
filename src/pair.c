/*
 * pair: forward's arrangement of flows.  Each client, once open, gets a
 * partner: a target peer connecting to the first address that takes it.
 * The two are then joined both ways, with splice(2) through a private
 * pipe per direction where both are plain sockets, else through the
 * partner's queue (whose limit slows the side that sends); a FIN goes
 * on as a half-close, a reset or a failure as a reset of the other
 * side.  A pair ends when both directions have ended and all is
 * written, or when quiet for its -i.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "proxy.h"
#include "proxyproto.h"
#include "sock.h"
#include "tls.h"

/* An abortive close: the peer gets a reset, not a FIN. */
static void
linger0(struct peer *p)
{
	struct linger l = { 1, 0 };

	if (p->sock.fd >= 0)
		(void)setsockopt(p->sock.fd, SOL_SOCKET, SO_LINGER, &l,
		    sizeof(l));
}

/* x's direct flow into y's socket forgets it (y is going). */
static void
unlink_direct(struct peer *x, struct peer *y)
{
	if (x->in.dst == &y->sock) {
		x->in.dst = NULL;
		y->sock.direct = NULL;
	}
}

void
pair_forget(struct peer *p)
{
	struct peer *o = p->partner;

	if (o == NULL)
		return;
	unlink_direct(o, p);
	unlink_direct(p, o);
	if (o->partner == p)
		o->partner = NULL;
	p->partner = NULL;
}

/* A target address that failed (err; text: in its own words) is told. */
static void
attempt_failed(struct engine *e, const struct engine_target *a, int err,
    const char *text)
{
	struct event ev;
	char name[EVENT_NAME_MAX];

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_ATTEMPT_END;
	ev.name = event_name((const struct sockaddr *)&a->ss, a->len, name,
	    sizeof(name));
	ev.sa = (const struct sockaddr *)&a->ss;
	ev.salen = a->len;
	ev.err = err;
	ev.text = text;
	engine_emit(e, &ev);
}

/* End the pair of client c: told once, for c; reset: both get one. */
static void
pair_close(struct engine *e, struct peer *c, int reset, int err)
{
	struct peer *t = c->partner;

	if (t != NULL && reset) {
		linger0(c);
		linger0(t);
	}
	/* c is told, its counts taken with t still its partner; closing
	 * unlinks the two (pair_forget()), so t goes quietly after. */
	peer_close(e, c, err);
	if (t != NULL)
		peer_close(e, t, 0);
}

/* The time a pair may be quiet is up, or not yet. */
static void
pair_on_idle(void *arg, struct timer *t)
{
	struct peer *c = arg, *p = c->partner;
	struct engine *e = c->in.e;
	char secs[EVENT_SECS_MAX];
	long long last;

	(void)t;
	if (p == NULL || c->idx == (size_t)-1)
		return;
	last = c->started;
	if (c->in.moved_at > last)
		last = c->in.moved_at;
	if (p->in.moved_at > last)
		last = p->in.moved_at;
	/* Lines --line-delay holds back are bytes still on their way. */
	if (c->in.held != NULL)
		last = engine_now(e);
	if (engine_now(e) < last + e->cfg->pair_idle_ms) {
		engine_at(e, &c->t_idle, last + e->cfg->pair_idle_ms);
		return;
	}
	/* Closed both ways (FINs: what was sent is delivered), the end
	 * line saying why. */
	peer_set_why(c, "idle for %s", event_secs(e->cfg->pair_idle_ms, secs,
	    sizeof(secs)));
	pair_close(e, c, 0, ETIMEDOUT);
}

static int	connected(void *, struct stream *);

/* Try the targets from c->attempt on until one is under way. */
static void
dial(struct engine *e, struct peer *c)
{
	const struct engine_target *a;
	struct peer *t;
	int fd, done;

	while (c->attempt < e->cfg->ntargets) {
		a = &e->cfg->targets[c->attempt];
		done = 0;
		fd = sock_connect_start((const struct sockaddr *)&a->ss,
		    a->len, e->cfg->target_spec, &done);
		/* Connected at once or not, its opening goes on in the
		 * loop: the header, TLS. */
		if (fd >= 0 && (t = peer_new_target(e, fd, connected)) !=
		    NULL) {
			t->partner = c;
			c->partner = t;
			return;
		}
		c->attempt_err = errno;
		attempt_failed(e, a, errno, NULL);
		c->attempt++;
	}
	/* No target: the client gets a reset, and the reason. */
	linger0(c);
	peer_close(e, c, c->attempt_err != 0 ? c->attempt_err : ECONNREFUSED);
}

void
pair_start(struct engine *e, struct peer *c)
{
	c->attempt = 0;
	dial(e, c);
}

/*
 * What target t's opening was still waiting for when its time ran out:
 * the connect, a proxy's reply or a TLS handshake.
 */
static const char *
late(const struct engine *e, const struct peer *t, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	const char *proto = proxy_stream_waiting(&t->sock);
	char secs[EVENT_SECS_MAX];

	(void)event_secs(peer_open_ms(e), secs, sizeof(secs));
	if (proto != NULL)
		snprintf(buf, len, "no %s reply within %s", proto, secs);
	else if (getpeername(t->sock.fd, (struct sockaddr *)&ss, &sslen) ==
	    0)
		snprintf(buf, len, "no TLS handshake within %s", secs);
	else
		return "timed out";
	return buf;
}

void
pair_target_failed(struct engine *e, struct peer *t, int err)
{
	const struct engine_target *a;
	struct peer *c = t->partner;
	char text[EVENT_SECS_MAX + 64];
	const char *why;

	t->quiet = 1;
	t->partner = NULL;
	if (c == NULL) {
		peer_close(e, t, err);
		return;
	}
	c->partner = NULL;
	a = &e->cfg->targets[c->attempt];
	why = err == ETIMEDOUT ? late(e, t, text, sizeof(text)) :
	    stream_why(&t->sock);
	attempt_failed(e, a, err, why);
	/* The last target's reason is the client's end's. */
	peer_set_why(c, why != NULL && (err != ETIMEDOUT ||
	    strcmp(why, "timed out") != 0) ? "%s" : NULL, why);
	peer_close(e, t, err);
	c->attempt_err = err;
	c->attempt++;
	dial(e, c);
}

/*
 * Join x's bytes to y: straight through a pipe, or into y's queue.  The
 * client plays stdin's part for the shaping options (its bytes are the
 * ones sent: -C, --line-delay, a dump's '>'), the target the peer's
 * (--telnet, '<'); a dump names the pair by its client.
 */
static void
join(struct engine *e, struct peer *x, struct peer *y)
{
	struct peer *c = x->target ? y : x;

	x->in.eof_to_sinks = 1;
	x->in.lazy_pipe = 1;
	x->in.sending = !x->target;
	x->in.shape_tag = &c->name;
	if (!x->target)
		x->in.line_delay_ms = e->cfg->line_delay_ms;
	if (!e->cfg->copy_only && e->cfg->shape == NULL &&
	    e->cfg->line_delay_ms <= 0 &&
	    x->sock.splice_ok && y->sock.splice_ok &&
	    x->sock.ops->open == NULL && y->sock.ops->open == NULL &&
	    flow_direct(&x->in, FLOW_PIPE, &y->sock) == 0)
		return;
	if (flow_add_sink(&x->in, &y->out) == -1)
		x->in.failed = 1;
}

/*
 * --proxy-protocol: the header naming c's client, sent to t first.  A
 * socket just connected has room for it: one that takes less fails the
 * pair.  Returns 0, or -1 with errno.
 */
static int
send_header(const struct engine *e, const struct peer *c,
    const struct peer *t)
{
	struct sockaddr_storage src, dst;
	socklen_t srclen = sizeof(src), dstlen = sizeof(dst);
	unsigned char buf[PP_BUILD_MAX];
	size_t n;
	ssize_t w;

	if (getpeername(c->sock.fd, (struct sockaddr *)&src, &srclen) == -1 ||
	    getsockname(c->sock.fd, (struct sockaddr *)&dst, &dstlen) == -1)
		return -1;
	n = pp_build(e->cfg->send_proxy, (struct sockaddr *)&src, srclen,
	    (struct sockaddr *)&dst, dstlen, buf);
	w = send(t->sock.fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w == (ssize_t)n)
		return 0;
	if (w >= 0)
		errno = EAGAIN;
	return -1;
}

static int	next_hop(void *, struct stream *);

/* A target is reached (through its proxies): its PROXY header first,
 * then TLS. */
static int
reached(struct peer *t, struct stream *s)
{
	struct engine *e = t->in.e;

	if (e->cfg->send_proxy != 0 && send_header(e, t->partner, t) == -1)
		return -1;
	if (e->cfg->target_wrap != NULL)
		return e->cfg->target_wrap(e->cfg->target_wrap_arg, s);
	return 0;
}

/* The handshake of t's hop, over s (TLS to it, for https://, done). */
static int
hop_talk(void *arg, struct stream *s)
{
	struct peer *t = arg;

	return proxy_stream(s, t->in.e->cfg->hops[t->hop++].talk, next_hop,
	    t);
}

/*
 * t's next hop, told as connect tells its own (the first named by the
 * address connected to): TLS to it for https://, then its handshake;
 * or, the chain done, the target reached.
 */
static int
next_hop(void *arg, struct stream *s)
{
	struct peer *t = arg;
	struct engine *e = t->in.e;
	const struct engine_target *a;
	const struct engine_hop *h;
	char name[EVENT_NAME_MAX];
	struct event ev;

	if (t->partner == NULL)
		return -1;
	if (t->hop == e->cfg->nhops)
		return reached(t, s);
	h = &e->cfg->hops[t->hop];
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_PROXY;
	if (t->hop == 0) {
		a = &e->cfg->targets[t->partner->attempt];
		ev.name = event_name((const struct sockaddr *)&a->ss, a->len,
		    name, sizeof(name));
		ev.sa = (const struct sockaddr *)&a->ss;
		ev.salen = a->len;
	} else
		ev.name = h->name;
	ev.text = proxy_scheme_name(h->talk->scheme);
	engine_emit(e, &ev);
	if (h->wrap == NULL)
		return hop_talk(t, s);
	if (h->wrap(h->wrap_arg, s) == -1)
		return -1;
	return stream_then(s, hop_talk, t);
}

/* A target's connect is done: its proxies' handshakes, if any, first. */
static int
connected(void *arg, struct stream *s)
{
	struct peer *t = arg;

	t->hop = 0;
	return next_hop(t, s);
}

/* A target's TLS handshake is told, named by the target: through
 * proxies, as the last was asked for it. */
static void
target_opened_told(struct engine *e, const struct peer *t)
{
	const struct engine_target *a = &e->cfg->targets[t->partner->attempt];
	const struct proxy_talk *px;
	char name[EVENT_NAME_MAX];
	struct event ev;

	/* (An https:// proxy's TLS alone is no target's.) */
	if (e->cfg->target_wrap == NULL || !tls_stream_is(&t->sock))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_OPENED;
	ev.stream = &t->sock;
	if (e->cfg->nhops > 0) {
		px = e->cfg->hops[e->cfg->nhops - 1].talk;
		snprintf(name, sizeof(name), "%s port %d", px->host, px->port);
		ev.name = name;
	} else {
		ev.name = event_name((const struct sockaddr *)&a->ss, a->len,
		    name, sizeof(name));
		ev.sa = (const struct sockaddr *)&a->ss;
		ev.salen = a->len;
	}
	engine_emit(e, &ev);
}

void
pair_target_opened(struct engine *e, struct peer *t)
{
	struct peer *c = t->partner;

	target_opened_told(e, t);
	c->reading = t->reading = 1;
	/* What reaches the client is counted as read from its target. */
	c->out.total = NULL;
	join(e, c, t);
	join(e, t, c);
	engine_schedule(e, &c->in.task);
	engine_schedule(e, &t->in.task);
	if (e->cfg->pair_idle_ms >= 0) {
		timer_init(&c->t_idle, pair_on_idle, c);
		engine_at(e, &c->t_idle, e->now + e->cfg->pair_idle_ms);
	}
	engine_touch(e, c);
}

/* Whether x's bytes have all gone to y, and y is half-closed after. */
static int
dir_done(const struct peer *x, const struct peer *y)
{
	if (!x->in.eof || !flow_drained(&x->in))
		return 0;
	return x->in.path == FLOW_COPY ? y->out.shut || y->out.failed :
	    x->in.shut;
}

/* Why x's side failed (reading it, or writing what went to it), or 0. */
static int
side_err(const struct peer *x, const struct peer *y)
{
	if (x->in.failed && !x->in.dst_failed)
		return x->in.err;
	if (y->in.failed && y->in.dst_failed)
		return y->in.err;
	if (x->out.failed)
		return x->out.err;
	return 0;
}

void
pair_check(struct engine *e, struct peer *p)
{
	struct peer *c = p->target ? p->partner : p, *t;
	int err;

	if (c == NULL || (t = c->partner) == NULL || !t->reading)
		return;
	if ((err = side_err(c, t)) != 0) {
		/* The client failed: the target is reset. */
		peer_set_why(c, "client: %s", stream_why(&c->sock) != NULL ?
		    stream_why(&c->sock) : strerror(err));
		pair_close(e, c, 1, err);
		return;
	}
	if ((err = side_err(t, c)) != 0) {
		/* The target failed: the client is reset, and told why. */
		peer_set_why(c, "target: %s", stream_why(&t->sock) != NULL ?
		    stream_why(&t->sock) : strerror(err));
		pair_close(e, c, 1, err);
		return;
	}
	if (dir_done(c, t) && dir_done(t, c)) {
		/* A TLS side that ended without close_notify went on as a
		 * half-close (all that came is delivered); the end says
		 * so. */
		err = t->sock.eof_err != 0 ? t->sock.eof_err :
		    c->sock.eof_err;
		if (t->sock.eof_err != 0)
			peer_set_why(c, stream_why(&t->sock) != NULL ?
			    "target: %s" : NULL, stream_why(&t->sock));
		else if (c->sock.eof_err != 0)
			peer_set_why(c, stream_why(&c->sock) != NULL ?
			    "client: %s" : NULL, stream_why(&c->sock));
		pair_close(e, c, 0, err);
	}
}

/* index_find(): whether p is the sender at key. */
static int
is_sender(const struct peer *p, const void *key, size_t len)
{
	struct sockaddr_storage to;
	socklen_t tolen;

	if (!p->udp)
		return 0;
	/* The reply stream's address is the sender's. */
	stream_from(&p->reply, &to, &tolen);
	return tolen == len && memcmp(&to, key, len) == 0;
}

/* A new sender at sa: let in, and given a socket to a target that takes
 * it; NULL when it is not (told). */
static struct peer *
udp_new(struct engine *e, struct flow *f, const struct sockaddr_storage *sa,
    socklen_t len, size_t bytes)
{
	const struct engine_target *a;
	struct event ev;
	char name[EVENT_NAME_MAX];
	struct peer *p;
	size_t i;
	int fd, done;

	memset(&ev, 0, sizeof(ev));
	if (e->cfg->admit != NULL && !e->cfg->admit(e->cfg->admit_arg,
	    (const struct sockaddr *)sa, len))
		ev.kind = EVENT_REFUSED;
	else if (e->cfg->max_clients != 0 &&
	    e->npeers >= e->cfg->max_clients) {
		ev.kind = EVENT_REFUSED;
		ev.count = (long long)e->cfg->max_clients;
	}
	if (ev.kind == EVENT_REFUSED) {
		/* Not allowed, or no room (count: the most at once): its
		 * datagram dropped. */
		ev.name = event_name((const struct sockaddr *)sa, len, name,
		    sizeof(name));
		ev.sa = (const struct sockaddr *)sa;
		ev.salen = len;
		ev.all = 1;
		ev.received = bytes;
		engine_emit(e, &ev);
		return NULL;
	}
	for (i = 0; i < e->cfg->ntargets; i++) {
		a = &e->cfg->targets[i];
		fd = sock_connect_start((const struct sockaddr *)&a->ss,
		    a->len, e->cfg->target_spec, &done);
		if (fd >= 0 && (p = peer_new_udp(e, fd, f,
		    (const struct sockaddr *)sa, len)) != NULL) {
			if (index_add(e, p, sa, len) == 0)
				return p;
			peer_close(e, p, ENOMEM);
			return NULL;
		}
		attempt_failed(e, a, errno, NULL);
	}
	return NULL;
}

int
udp_demux(void *arg, struct flow *f, struct chunk *c)
{
	struct engine *e = arg;
	struct sockaddr_storage sa;
	socklen_t len;
	struct peer *p;

	if (c == NULL)
		return 0;	/* a listener has no end */
	stream_from(f->src, &sa, &len);
	if ((p = index_find(e, &sa, len, is_sender)) == NULL &&
	    (p = udp_new(e, f, &sa, len, c->len)) == NULL) {
		chunk_free(c);	/* nobody to take it: dropped, as told */
		return 0;
	}
	flow_push(f, c, &p->out);
	return 0;
}

uint64_t
pair_sent(const struct peer *p)
{
	const struct peer *o = p->partner;

	if (o == NULL)
		return p->out.written;
	if (o->in.path == FLOW_COPY)
		return p->out.written;
	return o->in.bytes - o->in.pipe_len;
}
