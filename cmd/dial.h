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

/*
 * Connect a socket of type to the unix PATH (-w bounds it), bound first
 * to the unix path of -s when given, so that the peer sees a name and
 * datagrams can come back; that file is made anew and is to be removed
 * with dial_unix_done().  Returns the socket, or -1 after the message
 * (*status: EXIT_USAGE or EXIT_FAILURE, 128+N after a signal).
 */
int	dial_unix(const struct common_opts *co, const char *path, int type,
	    int *status);

/* Remove the file of -s that dial_unix() bound, if any. */
void	dial_unix_done(const struct common_opts *co);

#endif
