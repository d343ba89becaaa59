/*
 * relay: what connect and serve share once they hold a socket: the
 * fixed -v lines, running the pump with the shared options, and turning
 * how it ended into a message and an exit status.
 */
#ifndef SOCKCAT_RELAY_H
#define SOCKCAT_RELAY_H

#include <sys/socket.h>
#include <stddef.h>

#include "opts.h"

/* Room for "ADDR port PORT" or a unix path. */
#define RELAY_NAME_MAX	1100

/*
 * Describe sa as "ADDR port PORT" (a unix socket: its path) in buf.
 * Returns buf.
 */
char	*relay_name(const struct sockaddr *sa, socklen_t len, char *buf,
	    size_t buflen);

/* The -v lines whose shape scripts may read. */
void	report_listening(int fd);
void	report_connection_from(const struct sockaddr *sa, socklen_t len);
void	report_connected(int fd);

/*
 * Relay stdin/stdout with the connected socket fd as co says (fd is
 * closed on return); peer names the other end in messages.  Returns the
 * exit status: 0, 1 with a message, or 128+N after signal N.
 */
int	relay_session(const struct common_opts *co, int fd, int dgram,
	    const char *peer);

/* The exit status for a signal caught (sig_caught()): 128+N. */
int	relay_signal_status(void);

#endif
