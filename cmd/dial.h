/*
 * dial: connecting to the addresses of a resolved HOST in turn, with
 * the source address and port of -s and --source-port bound first.
 */
#ifndef SOCKCAT_DIAL_H
#define SOCKCAT_DIAL_H

#include <netdb.h>

#include "opts.h"

/*
 * Try each address of res in getaddrinfo's order until one connects
 * (-w bounds each attempt; with -v each failure is reported); set
 * SO_BROADCAST first when broadcast is set.  Returns the socket and
 * stores its address in *which, or -1 with errno of the last failure
 * (EINTR: a signal came).
 */
int	dial_any(const struct common_opts *co, struct addrinfo *res,
	    int broadcast, struct addrinfo **which);

#endif
