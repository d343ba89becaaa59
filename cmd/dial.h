/*
 * dial: connecting to the addresses of a resolved HOST in turn, with
 * the source address and port of -s and --source-port bound first.
 */
#ifndef SOCKCAT_DIAL_H
#define SOCKCAT_DIAL_H

#include <netdb.h>

#include "opts.h"

/* Happy Eyeballs: the time between attempts (RFC 8305's default). */
#define DIAL_ATTEMPT_DELAY_MS	250

/* dial_any() failed on a socket option and said so: exit 1. */
#define DIAL_REPORTED	(-2)

/* With --fastopen, the first bytes to carry in the SYN. */
struct dial_first {
	const void	*buf;
	size_t		 len;
};

/*
 * Try each address of res in getaddrinfo's order until one connects
 * (-w bounds each attempt; with -v each failure is reported); set
 * SO_BROADCAST first when broadcast is set, and the socket options of
 * co; with --fastopen, send first (NULL: nothing) in the handshake.
 * Returns the socket and stores its address in *which; DIAL_REPORTED
 * after the message when the kernel refused an option; or -1 with errno
 * of the last failure (EINTR: a signal came).
 */
int	dial_any(const struct common_opts *co, struct addrinfo *res,
	    int broadcast, const struct dial_first *first,
	    struct addrinfo **which);

/*
 * With --fastopen (and stdin read, no TLS, not a terminal), take what
 * stdin holds now, up to len bytes into buf, as the bytes for the SYN;
 * a stdin with nothing yet gives none, so that nothing waits.  The rest
 * of stdin is the relay's.
 */
void	dial_first_read(const struct common_opts *co, char *buf, size_t len,
	    struct dial_first *first);

/*
 * Connect a socket of type to the unix PATH (-w bounds it), bound first
 * to the unix path of -s when given, so that the peer sees a name and
 * datagrams can come back; that file is made anew and is to be removed
 * with dial_unix_done().  Returns the socket, or -1 after the message
 * (*status: EXIT_USAGE or EXIT_FAILURE, 128+N after a signal); quiet
 * keeps a refusal, a time-out or a missing file unsaid (errno says it)
 * for a caller that tries again.
 */
int	dial_unix(const struct common_opts *co, const char *path, int type,
	    int quiet, int *status);

/* Remove the file of -s that dial_unix() bound, if any. */
void	dial_unix_done(const struct common_opts *co);

#endif
