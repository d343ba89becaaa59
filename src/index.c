/*
 * index: peers found by a key of bytes, in a hash table of chained
 * buckets (FNV-1a of the key); forward -u finds a datagram's sender by
 * its address, --route a line's peer by its label, in the same time
 * with ten thousand peers as with ten.
 */
#include <stdlib.h>

#include "engine-int.h"

static uint32_t
hash(const void *key, size_t len)
{
	const unsigned char *b = key;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

int
index_add(struct engine *e, struct peer *p, const void *key, size_t len)
{
	struct peer **nb, **ob = e->index, *q;
	size_t i, n = e->nbuckets;

	/* As many buckets as peers at least: doubled (and the peers
	 * moved, by the hash each keeps) when they run out. */
	if (e->nindexed >= n &&
	    (nb = calloc(n == 0 ? 64 : n * 2, sizeof(*nb))) != NULL) {
		e->index = nb;
		e->nbuckets = n == 0 ? 64 : n * 2;
		for (i = 0; i < n; i++)
			while ((q = ob[i]) != NULL) {
				ob[i] = q->knext;
				q->knext = nb[q->khash & (e->nbuckets - 1)];
				nb[q->khash & (e->nbuckets - 1)] = q;
			}
		free(ob);
	} else if (n == 0)
		return -1;	/* with buckets, longer chains would do */
	p->khash = hash(key, len);
	i = p->khash & (e->nbuckets - 1);
	p->knext = e->index[i];
	e->index[i] = p;
	p->indexed = 1;
	e->nindexed++;
	return 0;
}

void
index_del(struct engine *e, struct peer *p)
{
	struct peer **pp;

	if (!p->indexed)
		return;
	for (pp = &e->index[p->khash & (e->nbuckets - 1)]; *pp != NULL;
	    pp = &(*pp)->knext)
		if (*pp == p) {
			*pp = p->knext;
			p->indexed = 0;
			e->nindexed--;
			return;
		}
}

struct peer *
index_find(const struct engine *e, const void *key, size_t len,
    int (*is)(const struct peer *, const void *, size_t))
{
	struct peer *p;
	uint32_t h;

	if (e->nbuckets == 0)
		return NULL;
	h = hash(key, len);
	for (p = e->index[h & (e->nbuckets - 1)]; p != NULL; p = p->knext)
		if (p->khash == h && is(p, key, len))
			return p;
	return NULL;
}
