/*
 * pump: the relay between stdin/stdout and sockets.
 *
 * One poll loop, non-blocking, for one client or many: stdin is read into
 * one buffer that every client is sent from, and each client's bytes go
 * to stdout through a buffer of its own, whole reads at a time, so that a
 * slow stdout never stalls reading the sockets nor a slow socket reading
 * stdin.  A single session is the case of one client: many clients are
 * not a second engine.  Every byte read is written, in order; datagram
 * sockets keep their boundaries.
 */
#ifndef SOCKCAT_PUMP_H
#define SOCKCAT_PUMP_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

/* How long stdin may pause, after the peer closed, before the session
 * ends: a terminal or a quiet pipe ends it, a flowing upload does not. */
#define PUMP_LINGER_MS	500

/* With many clients: how long one that reads nothing may hold stdin up
 * for the others before it is dropped. */
#define PUMP_SLOW_DROP_MS	5000

/* Why a session (or a client) ended. */
enum pump_end {
	PUMP_NET_EOF,		/* the peer closed and all was written */
	PUMP_SENT,		/* --send-only: stdin all sent */
	PUMP_QUIT,		/* -q after stdin EOF */
	PUMP_IDLE,		/* -i */
	PUMP_OUT_GONE,		/* stdout's reader went away (EPIPE) */
	PUMP_SIGNAL,		/* SIGINT or SIGTERM: see sig_caught() */
	PUMP_ERR_NET_READ,	/* reading the socket failed: err */
	PUMP_ERR_NET_WRITE,	/* writing the socket failed: err */
	PUMP_ERR_IN,		/* reading stdin failed: err */
	PUMP_ERR_OUT,		/* writing stdout failed: err */
	PUMP_DROPPED		/* a client too slow for the others */
};

struct pump_result {
	enum pump_end	end;
	int		err;		/* errno, for the PUMP_ERR_* ends */
	uint64_t	sent;		/* bytes written to the socket(s) */
	uint64_t	received;	/* bytes read from the socket(s) */
};

/* What the session does; see the contract's "The relay". */
struct pump_cfg {
	int		in_fd;		/* stdin, or -1: never read it */
	int		out_fd;		/* stdout */
	int		net_fd;		/* the connected socket, or -1 */
	int		net_dgram;	/* datagram sockets: no half-close,
					   one read is one datagram */
	int		shut_at_start;	/* --recv-only: half-close at once */
	int		discard_net;	/* --send-only: drop what arrives */
	int		end_on_sent;	/* --send-only: stdin sent, session
					   over */
	long long	idle_ms;	/* -i, or negative */
	long long	quit_ms;	/* -q, or negative */
	int		copy_only;	/* never splice(2): read/write only */

	/* Many clients: accept them on these, until the session ends. */
	const int	*listen_fd;
	size_t		 nlisten;
	size_t		 max_clients;	/* 0: no cap */
	/*
	 * When not NULL, told of each client accepted (its address, sa);
	 * what joined returns is handed to left when the client goes, with
	 * how it went.
	 */
	void		*(*joined)(void *arg, int fd, const struct sockaddr *sa,
			    socklen_t salen);
	void		(*left)(void *arg, void *tag,
			    const struct pump_result *res);
	void		*arg;
};

/*
 * Run one session as cfg says until it ends; *res says how.  With no
 * listening sockets, the session is the one client net_fd and ends with
 * it; with them, clients come and go and the session ends only by a
 * signal, -q, -i, --send-only, or a failure of stdin or stdout.  Sockets
 * are closed as their clients leave.  stdin and stdout are made
 * non-blocking for the session (terminals excepted) and given back as
 * they were.  Returns 0, or -1 with errno set when the session could not
 * start (no memory).
 */
int	pump_run(const struct pump_cfg *cfg, struct pump_result *res);

#endif
