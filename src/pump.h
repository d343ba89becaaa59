/*
 * pump: the relay between stdin/stdout and a socket.
 *
 * One poll loop, non-blocking, one buffer per direction, so that a slow
 * stdout never stalls reading the socket nor a slow socket reading stdin.
 * Every byte read is written, in order; datagram sockets keep their
 * boundaries.  The bytes move through a "channel" whose kind says how
 * (read/write today; splice or a TLS transport slot in there without
 * touching the loop).
 */
#ifndef SOCKCAT_PUMP_H
#define SOCKCAT_PUMP_H

#include <stdint.h>

/* How long stdin may pause, after the peer closed, before the session
 * ends: a terminal or a quiet pipe ends it, a flowing upload does not. */
#define PUMP_LINGER_MS	500

/* What the session does; see the contract's "The relay". */
struct pump_cfg {
	int		in_fd;		/* stdin, or -1: never read it */
	int		out_fd;		/* stdout */
	int		net_fd;		/* the connected socket */
	int		net_dgram;	/* a datagram socket: no half-close,
					   one read is one datagram */
	int		shut_at_start;	/* --recv-only: half-close at once */
	int		discard_net;	/* --send-only: drop what arrives */
	int		end_on_sent;	/* --send-only: stdin sent, session
					   over */
	long long	idle_ms;	/* -i, or negative */
	long long	quit_ms;	/* -q, or negative */
};

/* Why a session ended. */
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
	PUMP_ERR_OUT		/* writing stdout failed: err */
};

struct pump_result {
	enum pump_end	end;
	int		err;		/* errno, for the PUMP_ERR_* ends */
	uint64_t	sent;		/* bytes written to the socket */
	uint64_t	received;	/* bytes read from the socket */
};

/*
 * Run one session as cfg says until it ends; *res says how.  stdin and
 * stdout are made non-blocking for the session (terminals excepted) and
 * given back as they were.  Returns 0, or -1 with errno set when the
 * session could not start (no memory).
 */
int	pump_run(const struct pump_cfg *cfg, struct pump_result *res);

#endif
