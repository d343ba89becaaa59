/*
 * flow-int: what flow.c (the copy path) and flow-direct.c (the direct
 * paths) share and nothing else sees.
 */
#ifndef SOCKCAT_FLOW_INT_H
#define SOCKCAT_FLOW_INT_H

#include "flow.h"

/* Reads (or direct moves) one flow makes in one turn before the others
 * get theirs. */
#define FLOW_TURN	16

/* f failed (reading, or writing its direct sink when dst): told. */
void	flow_failed(struct flow *f, int err, int dst);
/* n bytes moved: counted, and the session is not idle. */
void	flow_moved(struct flow *f, size_t n);
/* f's source holds nothing now (-q's first empty moment ends it). */
void	flow_src_empty(struct flow *f);
/* One turn of a direct flow. */
void	flow_run_direct(struct flow *f);
/* f's pipe is no longer its own: to the pool, or closed. */
void	flow_drop_pipe(struct flow *f);

#endif
