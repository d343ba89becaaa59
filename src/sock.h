/*
 * sock: making sockets that connect, listen and accept, each step
 * non-blocking and interruptible by the descriptor of sig.h.
 * Nothing here prints: -1 and errno say what failed.
 */
#ifndef SOCKCAT_SOCK_H
#define SOCKCAT_SOCK_H

/* How long a connect to a unix listener whose backlog is full tries
 * again without -w: as long as Linux's default SYN retries (6) make a
 * TCP connect wait for an answer. */
#define SOCK_UNIX_WAIT_MS	127000

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stddef.h>

#include "sockopt.h"

/*
 * Fill *sun from a unix socket PATH ("@name": the abstract namespace)
 * and set *len.  Returns 0, or -1 with errno ENAMETOOLONG.
 */
int	sock_unix_addr(const char *path, struct sockaddr_un *sun,
	    socklen_t *len);

/* How to make a socket that connects or listens. */
struct sock_spec {
	int			 type;		/* SOCK_STREAM, ... */
	int			 protocol;
	const struct sockaddr	*local;		/* bind this first, or NULL */
	socklen_t		 local_len;
	long long		 timeout_ms;	/* negative: the kernel's */
	int			 broadcast;	/* set SO_BROADCAST */
	const struct sock_opts	*opts;		/* the user's, or NULL */
	/* With TCP Fast Open (opts->fastopen), bytes to carry in the SYN;
	 * they are all sent before sock_connect() returns. */
	const void		*first;
	size_t			 first_len;
	/* Out: which option failed, when one did; whether binding
	 * local did. */
	struct sockopt_fail	 fail;
	int			 bind_failed;
};

/*
 * Connect a new socket made as spec says to sa; with spec->opts->fastopen
 * the handshake carries spec->first (or nothing), so that it never
 * waits for a first write.  Returns the connected socket, non-blocking
 * and close-on-exec, or -1 with errno set: ETIMEDOUT on the time-out,
 * EINTR when a signal came; spec->fail.id says when an option failed.
 */
int	sock_connect(const struct sockaddr *sa, socklen_t len,
	    struct sock_spec *spec);

/*
 * Begin connecting a socket to sa as sock_connect() does, without
 * waiting (nor Fast Open): returns the non-blocking socket with *done
 * set when it connected at once, else to be watched for writability
 * and asked sock_connect_result(); or -1 with errno (spec->fail as
 * sock_connect() says).
 */
int	sock_connect_start(const struct sockaddr *sa, socklen_t len,
	    struct sock_spec *spec, int *done);

/* How the connection begun on fd went: 0, or -1 with errno. */
int	sock_connect_result(int fd);

/*
 * A socket of spec's type and protocol bound to sa with SO_REUSEADDR
 * (a datagram one only when it joins multicast groups) and spec->opts
 * set; v6only is -1 (leave the default), 0 or 1 for
 * IPV6_V6ONLY.  For a stream or seqpacket type it listens with backlog.
 * Returns the socket, non-blocking and close-on-exec, or -1 with errno
 * set (spec->fail.id: an option failed).
 */
int	sock_listen(const struct sockaddr *sa, socklen_t len,
	    struct sock_spec *spec, int v6only, int backlog);

/*
 * sock_listen() on a unix PATH, with the file rules: a stale socket file
 * (nobody accepts on it) is replaced; any other existing file is left
 * alone and refused (errno EEXIST), and so is a live socket (errno
 * EADDRINUSE).  Returns the socket or -1.
 */
int	sock_listen_unix(const char *path, struct sock_spec *spec,
	    int backlog);

struct stat;

/*
 * Whether a server (a listening stream or seqpacket socket, or any
 * datagram socket) is bound to the file path, whose stat(2) is st (see
 * unix-live.c).  Returns 1 or 0, or -1 when it cannot tell.
 */
int	sock_unix_live(const char *path, const struct stat *st);

/*
 * Wait until one of the n listening sockets has a client (or a signal
 * comes: -1, EINTR) and accept it.  Stores the peer address in *peer
 * and *peerlen, and the index of the listener in *which.  Returns the
 * client socket, non-blocking and close-on-exec, or -1 with errno.
 */
int	sock_accept(const int *fds, size_t n, struct sockaddr_storage *peer,
	    socklen_t *peerlen, size_t *which);

/* The most descriptors sock_wait_any() watches at once. */
#define SOCK_WAIT_MAX	16

/*
 * Wait for events on any of the n descriptors fds (one of -1 is
 * ignored: a sleep), or a signal, for at most timeout_ms (negative:
 * forever).  Returns the revents of the first that has some (its index
 * in *which, when not NULL), 0 on a time-out, or -1 with errno (EINTR
 * for a signal, EINVAL for more than SOCK_WAIT_MAX).
 */
int	sock_wait_any(const int *fds, size_t n, short events,
	    long long timeout_ms, size_t *which);

/* sock_wait_any() on one descriptor. */
int	sock_wait(int fd, short events, long long timeout_ms);

/* Whether fd has something to be read now: bytes, an EOF, an error, or
 * (a listening socket) a client in its backlog; or poll(2) failed.
 * No wait, no signal watched. */
int	sock_pending(int fd);

/* Set or clear O_NONBLOCK.  Returns the old flags, or -1 with errno. */
int	sock_nonblock(int fd, int on);

#endif
