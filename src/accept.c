/*
 * accept: the engine's clients taken from its listening sockets, with
 * -m and when descriptors run out; the half-closed clients that may be
 * closed to make room for one that waits; --allow and --deny's refusals
 * told.
 */
#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"
#include "sock.h"

/* The half-closed clients, oldest first (see make_room()). */
void
peer_hc_add(struct engine *e, struct peer *p)
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

void
peer_hc_remove(struct engine *e, struct peer *p)
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
 * A new client, seen waiting in the backlog, needs room (-m, or
 * descriptors run out): close the peer that half-closed longest ago,
 * which may well have gone away without our knowing (a close and a
 * half-close look the same until a write).  Returns whether one was
 * closed.
 */
static int
make_room(struct engine *e)
{
	if (e->hc_head == NULL)
		return 0;
	peer_forget(e, e->hc_head);
	return 1;
}

/* A client --allow or --deny keeps out: told. */
void
peer_refused(struct engine *e, const struct sockaddr *sa, socklen_t len)
{
	struct event ev;
	char name[EVENT_NAME_MAX];

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_REFUSED;
	ev.name = event_name(sa, len, name, sizeof(name));
	ev.sa = sa;
	ev.salen = len;
	engine_emit(e, &ev);
}

/* Accepting waits for descriptors (err): tell it, once a session
 * (Linux refuses an accept for want of a descriptor whether or not a
 * client waits). */
static void
accept_wait(struct engine *e, int err)
{
	struct event ev;

	if (e->accept_said)
		return;
	e->accept_said = 1;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_ACCEPT_WAIT;
	ev.err = err;
	engine_emit(e, &ev);
}

void
peer_on_accept_pause(void *arg, struct timer *t)
{
	struct engine *e = arg;

	(void)t;
	engine_schedule(e, &e->accepting);
}

void
peer_accept_run(struct engine *e, struct task *t)
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
			/* A ready bit may stand with the backlog empty
			 * (the last accept took the last client): room is
			 * made only for a client that waits, and the next
			 * one to come brings an edge.  Linux says EMFILE
			 * before it looks at the backlog. */
			if (cfg->max_clients != 0 && e->npeers - e->ntargets >=
			    cfg->max_clients) {
				if (!sock_pending(e->lst[i].fd)) {
					e->lst[i].rd_ready = 0;
					continue;
				}
				if (!make_room(e)) {
					e->accept_more = 1;  /* in the backlog */
					return;
				}
			}
			len = sizeof(ss);
			fd = accept4(e->lst[i].fd, (struct sockaddr *)&ss,
			    &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd == -1) {
				if (errno == EAGAIN || ((errno == EMFILE ||
				    errno == ENFILE) &&
				    !sock_pending(e->lst[i].fd)))
					e->lst[i].rd_ready = 0;
				else if ((errno == EMFILE || errno == ENFILE) &&
				    make_room(e))
					continue;
				else if (errno == EMFILE || errno == ENFILE ||
				    errno == ENOBUFS || errno == ENOMEM) {
					/* Out of descriptors: leave them in
					 * the backlog a while, and say so
					 * once; with nobody to free one up,
					 * nobody could ever be served. */
					if (e->npeers == 0 && e->ngone == 0) {
						engine_end(e, ENGINE_ERR_ACCEPT,
						    errno);
						return;
					}
					accept_wait(e, errno);
					e->accept_more = 1;
					(void)timer_set(&e->timers,
					    &e->t_accept, e->now + 100);
					return;
				}
				continue;	/* EINTR, ECONNABORTED */
			}
			if (cfg->admit != NULL && !cfg->proxy_protocol &&
			    !cfg->admit(cfg->admit_arg, (struct sockaddr *)&ss,
			    len)) {
				peer_refused(e, (struct sockaddr *)&ss, len);
				close(fd);
				continue;
			}
			if ((p = peer_new(e, fd, (struct sockaddr *)&ss,
			    len)) == NULL) {
				e->accept_more = 1;
				(void)timer_set(&e->timers, &e->t_accept,
				    e->now + 100);
				return;
			}
			if (p->sock.opening)
				continue;
			if (cfg->targets != NULL)
				pair_start(e, p);
			else
				peer_read_start(e, p);
		}
	}
}
