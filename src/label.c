/*
 * label: labelled lines (see label.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "flow.h"
#include "label.h"

char *
label_name(const struct sockaddr *sa, socklen_t len, unsigned long n,
    char *buf, size_t buflen)
{
	char host[LABEL_MAX];
	int port;

	if (sa != NULL && sa->sa_family == AF_UNIX)
		snprintf(buf, buflen, "unix %lu", n);
	else if (sa == NULL || addr_format_peer(sa, len, host, sizeof(host),
	    &port) != 0 || port < 0)
		snprintf(buf, buflen, "? %lu", n);
	else
		snprintf(buf, buflen, "%s %d", host, port);
	return buf;
}

size_t
label_record(const char *label, const void *d, size_t len,
    unsigned char *out, size_t outlen)
{
	size_t ll = strlen(label), n;

	if (outlen < ll + len + 2)
		return 0;
	memcpy(out, label, ll);
	out[ll] = '\t';
	memcpy(out + ll + 1, d, len);
	n = ll + 1 + len;
	if (len == 0 || ((const unsigned char *)d)[len - 1] != '\n')
		out[n++] = '\n';
	return n;
}

void
label_frame_init(struct label_frame *lf, const char *label, int record)
{
	memset(lf, 0, sizeof(*lf));
	lf->taglen = (size_t)snprintf(lf->tag, sizeof(lf->tag), "%s\t",
	    label);
	if (lf->taglen >= sizeof(lf->tag))
		lf->taglen = sizeof(lf->tag) - 1;
	lf->record = record;
}

void
label_frame_fini(struct label_frame *lf)
{
	free(lf->part);
	lf->part = NULL;
	lf->partlen = lf->partcap = 0;
}

/* Queue the labelled line of a (alen bytes), ended with a newline when
 * it has none, as a chunk of its own. */
static int
put_line(struct label_frame *lf, struct flow *f, const unsigned char *a,
    size_t alen)
{
	struct chunk *c;
	size_t n;

	if ((c = chunk_new(lf->taglen + alen + 1)) == NULL)
		return -1;
	memcpy(c->data, lf->tag, lf->taglen);
	n = lf->taglen;
	if (alen > 0)
		memcpy(c->data + n, a, alen);
	n += alen;
	if (n == lf->taglen || c->data[n - 1] != '\n')
		c->data[n++] = '\n';
	c->len = n;
	flow_push(f, c, NULL);
	return 0;
}

/* Keep len bytes of a line not ended yet; a line grown to
 * LABEL_LINE_MAX goes as a piece of its own. */
static int
keep(struct label_frame *lf, struct flow *f, const unsigned char *p,
    size_t len)
{
	unsigned char *np;
	size_t take, cap;

	while (len > 0) {
		take = LABEL_LINE_MAX - lf->partlen;
		if (take > len)
			take = len;
		if (lf->partlen + take > lf->partcap) {
			cap = lf->partcap != 0 ? lf->partcap : 4096;
			while (cap < lf->partlen + take)
				cap *= 2;
			if ((np = realloc(lf->part, cap)) == NULL)
				return -1;
			lf->part = np;
			lf->partcap = cap;
		}
		memcpy(lf->part + lf->partlen, p, take);
		lf->partlen += take;
		p += take;
		len -= take;
		if (lf->partlen == LABEL_LINE_MAX) {
			if (put_line(lf, f, lf->part, lf->partlen) == -1)
				return -1;
			lf->partlen = 0;
		}
	}
	/* A long line's room is not kept for the short ones after it. */
	if (lf->partlen == 0 && lf->partcap > 65536) {
		free(lf->part);
		lf->part = NULL;
		lf->partcap = 0;
	}
	return 0;
}

int
label_frame_run(void *arg, struct flow *f, struct chunk *c)
{
	struct label_frame *lf = arg;
	const unsigned char *d, *lf_at, *end, *p;
	struct chunk *out;
	size_t lines = 0, upto, n;
	int r = 0;

	if (c == NULL) {
		if (lf->partlen > 0 &&
		    put_line(lf, f, lf->part, lf->partlen) == -1)
			return -1;
		lf->partlen = 0;
		return 0;
	}
	d = c->data;
	if (lf->record) {
		r = put_line(lf, f, d, c->len);
		chunk_free(c);
		return r;
	}
	/* The last newline: what is after it waits. */
	for (end = d + c->len; end > d && end[-1] != '\n'; end--)
		continue;
	if (end == d) {
		r = keep(lf, f, d, c->len);
		chunk_free(c);
		return r;
	}
	upto = (size_t)(end - d);
	for (p = d; p < end && (lf_at = memchr(p, '\n', (size_t)(end - p))) !=
	    NULL; p = lf_at + 1)
		lines++;
	/* The lines, each labelled, the first ending what was kept. */
	if ((out = chunk_new(lines * lf->taglen + lf->partlen + upto)) ==
	    NULL) {
		chunk_free(c);
		return -1;
	}
	n = 0;
	for (p = d; p < end; p = lf_at + 1) {
		lf_at = memchr(p, '\n', (size_t)(end - p));
		memcpy(out->data + n, lf->tag, lf->taglen);
		n += lf->taglen;
		if (p == d && lf->partlen > 0) {
			memcpy(out->data + n, lf->part, lf->partlen);
			n += lf->partlen;
			lf->partlen = 0;
		}
		memcpy(out->data + n, p, (size_t)(lf_at - p) + 1);
		n += (size_t)(lf_at - p) + 1;
	}
	out->len = n;
	flow_push(f, out, NULL);
	r = keep(lf, f, end, c->len - upto);
	chunk_free(c);
	return r;
}

long
label_split(const char *line, size_t len, const char **label,
    size_t *labellen)
{
	const char *tab;

	if (len > LABEL_MAX + 1)
		len = LABEL_MAX + 1;
	if ((tab = memchr(line, '\t', len)) == NULL)
		return -1;
	*label = line;
	*labellen = (size_t)(tab - line);
	return (long)(tab - line) + 1;
}
