/*
 * timer: a binary min-heap of deadlines (see timer.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "timer.h"

void
timer_init(struct timer *t, void (*fire)(void *, struct timer *), void *arg)
{
	t->due = 0;
	t->slot = TIMER_OFF;
	t->fire = fire;
	t->arg = arg;
}

static void
place(struct timers *ts, struct timer *t, size_t i)
{
	ts->heap[i] = t;
	t->slot = i;
}

static void
sift_up(struct timers *ts, size_t i)
{
	struct timer *t = ts->heap[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (ts->heap[parent]->due <= t->due)
			break;
		place(ts, ts->heap[parent], i);
		i = parent;
	}
	place(ts, t, i);
}

static void
sift_down(struct timers *ts, size_t i)
{
	struct timer *t = ts->heap[i];
	size_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= ts->n)
			break;
		if (child + 1 < ts->n &&
		    ts->heap[child + 1]->due < ts->heap[child]->due)
			child++;
		if (ts->heap[child]->due >= t->due)
			break;
		place(ts, ts->heap[child], i);
		i = child;
	}
	place(ts, t, i);
}

int
timer_set(struct timers *ts, struct timer *t, long long due)
{
	struct timer **nh;
	size_t cap;

	if (timer_armed(t)) {
		t->due = due;
		sift_up(ts, t->slot);
		sift_down(ts, t->slot);
		return 0;
	}
	if (ts->n == ts->cap) {
		cap = ts->cap ? ts->cap * 2 : 16;
		if ((nh = reallocarray(ts->heap, cap, sizeof(*nh))) == NULL)
			return -1;
		ts->heap = nh;
		ts->cap = cap;
	}
	t->due = due;
	place(ts, t, ts->n++);
	sift_up(ts, t->slot);
	return 0;
}

void
timer_cancel(struct timers *ts, struct timer *t)
{
	struct timer *m;
	size_t i = t->slot;

	if (i == TIMER_OFF)
		return;
	t->slot = TIMER_OFF;
	if (--ts->n == i)
		return;
	m = ts->heap[ts->n];
	place(ts, m, i);
	sift_up(ts, i);
	sift_down(ts, m->slot);
}

long long
timer_next(const struct timers *ts)
{
	return ts->n > 0 ? ts->heap[0]->due : -1;
}

struct timer *
timer_pop_due(struct timers *ts, long long now)
{
	struct timer *t;

	if (ts->n == 0 || ts->heap[0]->due > now)
		return NULL;
	t = ts->heap[0];
	timer_cancel(ts, t);
	return t;
}

void
timers_free(struct timers *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		ts->heap[i]->slot = TIMER_OFF;
	free(ts->heap);
	ts->heap = NULL;
	ts->n = ts->cap = 0;
}
