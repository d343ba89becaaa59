/*
 * exec: -e, a shell command with a connection as its stdin and stdout,
 * for serve (a command per client) and connect (one): the SOCKCAT_*
 * environment, TLS through a relay on a socketpair, and the children's
 * ends.
 */
#ifndef SOCKCAT_EXEC_H
#define SOCKCAT_EXEC_H

#include <sys/types.h>
#include <netdb.h>

#include "opts.h"

struct stream;

/* The children of -e. */
struct kids {
	pid_t		*pid;
	size_t		 n;
	size_t		 cap;
	int		 last;		/* the exit status of the last reaped */
};

/* -e / --exec CMD into *exec.  Returns 0, or EXIT_USAGE after the
 * message (an empty CMD). */
int	exec_option(const char *cmd, const char *arg, const char **exec);

/* SOCKCAT_PEER_ADDR, _PORT, SOCKCAT_LOCAL_ADDR, _PORT. */
#define EXEC_ENV_N	4
#define EXEC_ENV_LEN	(NI_MAXHOST + 32)

/*
 * Fill env (NULL-terminated) with the SOCKCAT_* variables of the
 * connected socket fd (unix sockets: the paths, and empty ports).
 */
void	exec_env(int fd, char buf[EXEC_ENV_N][EXEC_ENV_LEN],
	    char *env[EXEC_ENV_N + 1]);

/*
 * Set env's SOCKCAT_PEER_ADDR and _PORT (exec_env()'s) to addr and
 * port: the peer as something other than the socket knows it (a
 * proxy's target, a PROXY header's client).
 */
void	exec_env_peer(char buf[EXEC_ENV_N][EXEC_ENV_LEN], const char *addr,
	    const char *port);

/* Reap the children that ended; say so with -v. */
void	kids_reap(struct kids *k, int verbose);

/*
 * End every child with all it started (each leads a process group of
 * its own): SIGTERM to each group, and SIGKILL to each after 2 s.
 */
void	kids_end(struct kids *k);

/*
 * Wait for the one child pid; a signal ends it and all it started.
 * Returns its exit status, 128+N when signal N ended it, or 128+N
 * after our own signal N.  With verbose, its end is said as
 * kids_reap()'s are: serve's per-client processes (a PROXY header or a
 * TLS handshake first) say their command's, by its own PID, and only
 * when one ran.
 */
int	exec_wait(pid_t pid, int verbose);

/*
 * -e over TLS: the handshake on fd (within -w, or ENGINE_OPEN_MS), then
 * cmd on one end of a socketpair, with env and the SOCKCAT_TLS_*
 * variables, and the relay between the other end and the peer, whose
 * EOF cmd sees as its stdin's; our stdin and stdout become that end.
 * name is the peer, for messages.  how: EXEC_TLS_CLIENT for connect,
 * which says its command's end itself; EXEC_TLS_ALONE when the peer is
 * the session's only one (connect, serve without -k), whose failed
 * handshake is then always said, as the session's end; a serve -k
 * client's only with -v.  Returns cmd's status (exec_wait()), or 1
 * when the handshake fails.
 */
#define EXEC_TLS_CLIENT	0x1
#define EXEC_TLS_ALONE	0x2
int	exec_tls(const struct common_opts *co, const char *cmd, int fd,
	    const char *name, char **env, int how);

/* As exec_tls(), with s a TLS stream to be opened (taken over). */
int	exec_tls_stream(const struct common_opts *co, const char *cmd,
	    struct stream *s, const char *name, char **env, int how);

/*
 * As exec_tls() once the stream s is open (it is taken over); the
 * SOCKCAT_TLS_* variables of its handshake are set when tls_env is,
 * and cmd's end is said when told (exec_wait()).
 */
int	exec_stream(const struct common_opts *co, const char *cmd,
	    struct stream *s, const char *name, char **env, int tls_env,
	    int told);

#endif
