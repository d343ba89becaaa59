/*
 * listen: the listening sockets of serve and udp-listen: every address
 * HOST resolves to, the dual-stack wildcard, or a unix path with its
 * file rules; reported failures are one line each.
 */
#ifndef SOCKCAT_LISTEN_H
#define SOCKCAT_LISTEN_H

#include <sys/types.h>
#include <stddef.h>

#include "opts.h"

/* The most sockets a HOST may bind (every address it resolves to). */
#define MAX_LISTEN	15

struct listeners {
	int		 fd[MAX_LISTEN];
	size_t		 n;
	const char	*unix_path;	/* a file to remove at the end */
	dev_t		 unix_dev;	/* ... if it is still ours */
	ino_t		 unix_ino;
};

/*
 * Bind (and for connection types, listen on) what ep names: a unix path,
 * every address of ep->host, or the wildcard (one dual-stack socket on
 * :: where IPv6 exists, else 0.0.0.0).  backlog <= 0 means SOMAXCONN.
 * Returns 0, 1 after a run-time error message, or EXIT_USAGE.
 */
int	listeners_open(const struct common_opts *co, const struct endpoint *ep,
	    int type, int backlog, struct listeners *l);

/* Many clients need many descriptors: the soft limit raised to the
 * hard one. */
void	listeners_more_files(void);

/* Close the sockets (the unix file stays: see listeners_remove_file). */
void	listeners_close(struct listeners *l);

/* Remove the unix socket file, unless another server has replaced it. */
void	listeners_remove_file(const struct listeners *l);

#endif
