/*
 * Fuzz target: --label's framing (src/label.c) and --route's reading of
 * labelled lines (src/route.c) on any bytes, cut into reads as the
 * first byte says.  Framing: every line out is the label, a tab and a
 * line in, and taking the labels off gives back the input (with a
 * newline at its end); the result is the same however the input was
 * cut.  Routing, with no peer connected: what goes out is exactly the
 * rest of the lines labelled "*", worked out here independently.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine-int.h"
#include "label.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
	unsigned char	*buf;
	size_t		 len;
};

static void
append(struct out *o, const void *p, size_t n)
{
	if ((o->buf = realloc(o->buf, o->len + n + 1)) == NULL)
		abort();
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* What the flow queued on sq, taken off (as a write would). */
static void
drain(struct engine *e, struct sinkq *sq, struct out *o)
{
	struct chunk *c;

	while (sq->n > 0) {
		c = sq->q[sq->head];
		append(o, c->data, c->len);
		sq->head = (sq->head + 1) % sq->cap;
		sq->n--;
		chunk_put(e, c);
	}
	sq->bytes = 0;
}

/* Run frame over data in reads as step says (0: one read). */
static void
run(flow_frame_fn frame, int route, const uint8_t *data, size_t size,
    unsigned step, struct out *o)
{
	struct engine_cfg cfg;
	struct engine e;
	struct stream src, dst;
	struct label_frame lf;
	struct sinkq sq;
	struct flow f;
	struct chunk *c;
	size_t off = 0, n;

	memset(&cfg, 0, sizeof(cfg));
	memset(&e, 0, sizeof(e));
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	e.cfg = &cfg;
	flow_init(&f, &e, &src, 65536, NULL);
	sinkq_init(&sq, &e, &dst, SIZE_MAX, NULL);
	if (flow_add_sink(&f, &sq) == -1)
		abort();
	label_frame_init(&lf, "192.0.2.1 40000", 0);
	f.frame = frame;
	f.frame_arg = route ? (void *)&e : (void *)&lf;
	while (off < size) {
		n = step == 0 ? size - off : 1 + (data[off] + step) % (step + 7);
		if (n > size - off)
			n = size - off;
		if ((c = chunk_new(n)) == NULL)
			abort();
		memcpy(c->data, data + off, n);
		c->len = n;
		if (frame(f.frame_arg, &f, c) == -1)
			abort();
		drain(&e, &sq, o);
		off += n;
	}
	flow_frame_end(&f);
	drain(&e, &sq, o);
	label_frame_fini(&lf);
	free(sq.q);
	free(f.sinks);
}

/* The labels taken off the framed lines: the input, newline-ended. */
static void
check_frame(const uint8_t *data, size_t size, const struct out *o)
{
	static const char tag[] = "192.0.2.1 40000\t";
	const unsigned char *p, *end, *nl;
	struct out back = { NULL, 0 };

	if (o->len == 0) {
		if (size != 0)
			abort();
		return;
	}
	p = o->buf;
	end = o->buf + o->len;

	while (p < end) {
		if ((size_t)(end - p) < sizeof(tag) - 1 ||
		    memcmp(p, tag, sizeof(tag) - 1) != 0)
			abort();
		p += sizeof(tag) - 1;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			abort();
		append(&back, p, (size_t)(nl - p) + 1);
		p = nl + 1;
	}
	if (size == 0 || back.len != size + (data[size - 1] != '\n') ||
	    memcmp(back.buf, data, size) != 0)
		abort();
	free(back.buf);
}

/* What routing sends with nobody there: the rests of the "*" lines. */
static void
check_route(const uint8_t *data, size_t size, const struct out *o)
{
	const uint8_t *p = data, *end, *nl, *tab;
	struct out want = { NULL, 0 };
	size_t len;

	if (size == 0) {
		if (o->len != 0)
			abort();
		return;
	}
	end = data + size;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		tab = memchr(p, '\t', len);
		if (tab != NULL && tab - p <= LABEL_MAX && tab - p == 1 &&
		    p[0] == '*')
			append(&want, tab + 1, len - 2);
		p += len;
	}
	if (want.len != o->len || (want.len > 0 &&
	    memcmp(want.buf, o->buf, want.len) != 0))
		abort();
	free(want.buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct out one = { NULL, 0 }, cut = { NULL, 0 };
	int route;

	if (size < 1)
		return 0;
	route = data[0] & 1;
	run(route ? route_run : label_frame_run, route, data + 1, size - 1, 0,
	    &one);
	run(route ? route_run : label_frame_run, route, data + 1, size - 1,
	    1 + data[0] % 13, &cut);
	if (one.len != cut.len || (one.len > 0 &&
	    memcmp(one.buf, cut.buf, one.len) != 0))
		abort();
	if (route)
		check_route(data + 1, size - 1, &one);
	else
		check_frame(data + 1, size - 1, &one);
	free(one.buf);
	free(cut.buf);
	return 0;
}
