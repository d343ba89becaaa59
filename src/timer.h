/*
 * timer: deadlines in monotonic milliseconds, kept in a binary min-heap
 * so that finding the next one due costs nothing however many clients
 * each hold one (redis's ae keeps a list; one deadline per client needs
 * better).
 */
#ifndef SOCKCAT_TIMER_H
#define SOCKCAT_TIMER_H

#include <stddef.h>

struct timer {
	long long	 due;		/* clock_ms() value */
	size_t		 slot;		/* index in the heap, or TIMER_OFF */
	void		(*fire)(void *arg, struct timer *);
	void		*arg;
};

#define TIMER_OFF	((size_t)-1)

struct timers {
	struct timer	**heap;
	size_t		  n;
	size_t		  cap;
};

/* A timer not armed, that calls fire(arg, t) when due. */
void	timer_init(struct timer *t, void (*fire)(void *, struct timer *),
	    void *arg);

/*
 * Arm t for due (moving it if armed already).  Returns 0, or -1 with
 * errno ENOMEM.
 */
int	timer_set(struct timers *ts, struct timer *t, long long due);

/* Disarm t; a no-op when it is not armed. */
void	timer_cancel(struct timers *ts, struct timer *t);

/* Whether t is armed. */
static inline int
timer_armed(const struct timer *t)
{
	return t->slot != TIMER_OFF;
}

/* The earliest deadline, or -1 when none is armed. */
long long	timer_next(const struct timers *ts);

/*
 * Disarm and return the earliest timer due at or before now, or NULL.
 */
struct timer	*timer_pop_due(struct timers *ts, long long now);

void	timers_free(struct timers *ts);

#endif
