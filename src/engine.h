/*
 * engine: the relay between stdin/stdout and sockets, for one peer or
 * many, on one epoll loop.
 *
 * A peer is a socket stream with two flows: its bytes to stdout (a
 * flow from the socket into stdout's queue, or straight into stdout),
 * and stdin's bytes to it (one flow from stdin feeding every peer's
 * queue, or straight into the one socket).  The loop registers each
 * descriptor once, edge-triggered, keeps every deadline in a heap, and
 * runs only the flows and queues that an event or a neighbour woke, so
 * that the cost of one event does not grow with idle peers.  Signals
 * arrive through sig.h's descriptor.
 */
#ifndef SOCKCAT_ENGINE_H
#define SOCKCAT_ENGINE_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "flow.h"

struct stream;

/* The default --grace: how long stdin may pause, after the peer's EOF,
 * before the session ends. */
#define ENGINE_GRACE_MS		500
/* A stdin that never delivered a byte is not taken for idle before the
 * session is this old (a producer started beside sockcat may not have
 * written yet). */
#define ENGINE_START_MS		100

/* --grace=inf */
#define ENGINE_FOREVER		(-2LL)

/* With many peers: how long one that takes nothing may hold stdin up
 * for the others before it is dropped. */
#define ENGINE_SLOW_DROP_MS	5000

/* How long the end of a session waits for a stuck stderr to take the
 * diagnostics still queued. */
#define ENGINE_DIAG_FLUSH_MS	2000

/* How long the end of a session waits for the peer to take what was
 * sent (--send-only, -q) before the socket is closed. */
#define ENGINE_LINGER_MS	10000

/* How long a peer may take to open (a TLS handshake) by default. */
#define ENGINE_OPEN_MS		10000

/* Room for a failure in a stream's own words. */
#define ENGINE_WHY_MAX		512

/* Why a session (or a peer) ended. */
enum engine_end {
	ENGINE_NET_EOF,		/* the peer closed and all was written */
	ENGINE_SENT,		/* --send-only: stdin all sent */
	ENGINE_QUIT,		/* -q after stdin EOF */
	ENGINE_IDLE,		/* -i */
	ENGINE_OUT_GONE,	/* stdout's reader went away (EPIPE) */
	ENGINE_SIGNAL,		/* SIGINT or SIGTERM: see sig_caught() */
	ENGINE_ERR_NET_READ,	/* reading the socket failed: err */
	ENGINE_ERR_NET_WRITE,	/* writing the socket failed: err */
	ENGINE_ERR_IN,		/* reading stdin failed: err */
	ENGINE_ERR_OUT,		/* writing stdout failed: err */
	ENGINE_DROPPED,		/* a peer too slow for the others */
	ENGINE_ERR_OPEN,	/* opening the peer failed (a TLS
				   handshake): err, why */
	ENGINE_ERR_ACCEPT	/* no descriptor for even one client */
};

struct engine_result {
	enum engine_end	end;
	int		err;		/* errno, for the _ERR_ ends */
	uint64_t	sent;		/* bytes written to the socket(s) */
	uint64_t	received;	/* bytes read from the socket(s) */
	/* The peer stream's own words for a failure (TLS), or "". */
	char		why[ENGINE_WHY_MAX];
};

/* forward: where each client's partner connects (in turn, until one
 * takes it). */
struct engine_target {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
};

struct sock_spec;
struct proxy_talk;

/* What the session does; see the contract's "The relay". */
/* forward --proxy: one hop of the chain to the targets. */
struct engine_hop {
	/* The handshake that asks it for the next hop, or for TARGET
	 * (begun: a copy is run for each connection). */
	const struct proxy_talk *talk;
	/* How it is named in events: the first by the address connected
	 * to (NULL here), the others as "HOST port PORT". */
	const char	*name;
	/* https://: TLS to the hop before its handshake, or NULL. */
	int		(*wrap)(void *arg, struct stream *s);
	void		*wrap_arg;
};

struct engine_cfg {
	int		in_fd;		/* stdin, or -1: never read it */
	int		out_fd;		/* stdout */
	int		net_fd;		/* the connected socket, or -1 */
	int		shut_at_start;	/* --recv-only: half-close at once */
	int		discard_net;	/* --send-only: drop what arrives */
	int		end_on_sent;	/* --send-only: stdin sent, done */
	long long	idle_ms;	/* -i, or negative */
	long long	quit_ms;	/* -q, or negative */
	long long	grace_ms;	/* --grace, or ENGINE_FOREVER */
	int		copy_only;	/* never splice(2): read/write only */
	/* stdout is a socket of its own (serve -e --tls): the peer's
	 * EOF half-closes it, and the session waits for stdin's EOF. */
	int		shut_out_at_eof;
	/* --no-shutdown: stdin's EOF leaves the connection open both
	 * ways (no FIN, no close_notify). */
	int		no_shutdown;

	/* Many peers: accept them on these until the session ends. */
	const int	*listen_fd;
	size_t		 nlisten;
	size_t		 max_clients;	/* 0: no cap */

	/*
	 * What happens (clients come and go) is rendered by render, when
	 * not NULL, as a line in buf (returning its length, 0 for none)
	 * that the engine writes to diag_fd without ever waiting for it:
	 * a slow stderr delays diagnostics, never the relay.
	 */
	size_t		(*render)(void *arg, const struct event *ev,
			    char *buf, size_t len);
	void		*arg;
	int		 diag_fd;

	/*
	 * Make each peer's socket stream what it is to be (TLS), when not
	 * NULL: returns 0, or -1 with errno.  A stream left opening is
	 * opened in the loop, within open_ms, before any data moves.
	 */
	int		(*wrap)(void *wrap_arg, struct stream *s);
	void		*wrap_arg;
	/* serve -k --proxy-protocol: each client's PROXY header is read
	 * first (within open_ms), before the wrap; the client it names is
	 * the one reported. */
	int		 proxy_protocol;
	/* Whether a client at sa may come in (--allow, --deny): one that
	 * may not is told (EVENT_REFUSED) and closed at once; with
	 * proxy_protocol, the header's client is asked.  NULL: all. */
	int		(*admit)(void *arg, const struct sockaddr *sa,
			    socklen_t len);
	void		*admit_arg;
	long long	 open_ms;	/* 0: ENGINE_OPEN_MS */

	/* Shaping every flow's bytes (see flow.h), when not NULL: the
	 * session then copies (no zero-copy path). */
	flow_shape_fn	 shape;
	void		*shape_arg;
	/* --line-delay: stdin's bytes a line at a time, this far apart
	 * (0: as they come); the session then copies stdin's bytes. */
	long long	 line_delay_ms;

	/* --label: each peer's bytes go to stdout (and, with broker, to
	 * the others) as whole lines, each with the peer's label (see
	 * label.h); a datagram is one line. */
	int		 label;
	/* --broker (many peers): each peer's bytes go to every other peer
	 * as well; stdin's EOF then half-closes nobody. */
	int		 broker;
	/* --route (many peers, with label): each stdin line goes to the
	 * peer its label names (EVENT_UNROUTED when none), "*" to all. */
	int		 route;

	/*
	 * forward (many peers, in_fd and out_fd -1): each client, once
	 * open, gets a partner connected to targets[0], or the next when
	 * one fails (EVENT_ATTEMPT_END), each within open_ms, with the
	 * socket options of target_spec; the two are relayed to each
	 * other (a FIN passed on as a half-close, a reset as a reset), and
	 * a pair quiet for pair_idle_ms (when not negative) is closed.  A
	 * client no target takes is reset.
	 */
	const struct engine_target *targets;
	size_t		 ntargets;
	struct sock_spec *target_spec;
	long long	 pair_idle_ms;
	/* --proxy-protocol=v1|v2: each target is first sent a PROXY
	 * header of this version naming the client (0: none). */
	int		 send_proxy;
	/* Make each target's stream what it is to be (TLS) once connected
	 * (and sent its header), when not NULL: as wrap. */
	int		(*target_wrap)(void *arg, struct stream *s);
	void		*target_wrap_arg;
	/* forward --proxy: the targets are the first proxy's addresses,
	 * and each connection to one goes through these hops in turn
	 * before the header and TLS. */
	const struct engine_hop *hops;
	size_t		 nhops;
	/* forward -u: the listeners are datagram sockets; each sender is a
	 * peer of its own, a socket connected to the first target that
	 * takes it, its datagrams passed on whole and the replies sent
	 * back to it from the listener; a sender quiet for pair_idle_ms is
	 * forgotten. */
	int		 udp;
};

/*
 * Run one session as cfg says until it ends; *res says how.  With no
 * listening sockets, the session is the one peer net_fd and ends with
 * it; with them, peers come and go and the session ends only by a
 * signal, -q, -i, --send-only, or a failure of stdin or stdout.  The
 * engine owns net_fd and every accepted socket and closes them.
 * stdin's and stdout's flags are never changed (see stream.h).
 * Returns 0, or -1 with errno set when the session could not start.
 */
int	engine_run(const struct engine_cfg *cfg, struct engine_result *res);

#endif
