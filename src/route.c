/*
 * route: the arrangements of many peers' flows beyond serve -k's: each
 * stdin line to the one peer its label names (--route), and every
 * peer's bytes to all the others (--broker).
 */
#include <errno.h>
#include <string.h>

#include "engine-int.h"

/* index_find(): whether p is labelled key (len bytes). */
static int
is_labelled(const struct peer *p, const void *key, size_t len)
{
	return p->reading && p->label != NULL && strlen(p->label) == len &&
	    memcmp(p->label, key, len) == 0;
}

/* The label is read: where the rest of the line goes. */
static void
aim(struct engine *e, struct route *r, int labelled)
{
	struct event ev;

	r->in_line = 1;
	r->to = NULL;
	r->all = labelled && r->len == 1 && r->label[0] == '*';
	if (r->all)
		return;
	r->label[r->len] = '\0';
	if (labelled && (r->to = index_find(e, r->label, r->len,
	    is_labelled)) != NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_UNROUTED;
	ev.name = labelled ? r->label : NULL;
	engine_emit(e, &ev);
}

/* Queue len bytes of the line (from p) where it goes. */
static int
send_part(struct flow *f, struct route *r, const unsigned char *p,
    size_t len)
{
	struct chunk *c;

	if (len == 0 || (r->to == NULL && !r->all))
		return 0;
	if ((c = chunk_new(len)) == NULL)
		return -1;
	memcpy(c->data, p, len);
	c->len = len;
	flow_push(f, c, r->all ? NULL : &r->to->out);
	return 0;
}

int
route_run(void *arg, struct flow *f, struct chunk *c)
{
	struct engine *e = arg;
	struct route *r = &e->route;
	const unsigned char *p, *end, *stop;
	size_t n;

	if (c == NULL) {
		/* A label without its line: nothing to send. */
		r->len = 0;
		r->in_line = 0;
		return 0;
	}
	for (p = c->data, end = c->data + c->len; p < end; ) {
		if (r->in_line) {
			stop = memchr(p, '\n', (size_t)(end - p));
			n = stop != NULL ? (size_t)(stop - p) + 1 :
			    (size_t)(end - p);
			if (send_part(f, r, p, n) == -1) {
				chunk_free(c);
				return -1;
			}
			p += n;
			if (stop != NULL) {
				r->in_line = 0;
				r->len = 0;
			}
			continue;
		}
		if (*p == '\t' || *p == '\n' || r->len == LABEL_MAX) {
			/* The line's label, or a line without one (its
			 * newline, or no tab in a label's room). */
			aim(e, r, *p == '\t');
			if (*p == '\n')
				r->in_line = 0, r->len = 0;
			if (*p == '\t' || *p == '\n')
				p++;
			continue;
		}
		r->label[r->len++] = (char)*p++;
	}
	chunk_free(c);
	return 0;
}

void
route_forget(struct engine *e, struct peer *p)
{
	if (e->route.to == p)
		e->route.to = NULL;
}

int
broker_join(struct engine *e, struct peer *p)
{
	struct peer *q;
	size_t i;

	for (i = 0; i < e->npeers; i++) {
		q = e->peers[i];
		if (q == p || !q->reading)
			continue;
		if (!q->in.eof && !q->in.failed &&
		    flow_add_sink(&q->in, &p->out) == -1)
			return -1;
		if (!p->in.eof && !p->in.failed &&
		    flow_add_sink(&p->in, &q->out) == -1)
			return -1;
	}
	return 0;
}

void
broker_leave(struct engine *e, struct peer *p)
{
	struct peer *q;
	size_t i;

	for (i = 0; i < e->npeers; i++) {
		q = e->peers[i];
		if (q != p && q->reading)
			flow_remove_sink(&q->in, &p->out);
	}
}
