/*
 * engine-int: what the engine's files share and nothing else sees:
 * engine.c (the loop, streams in epoll, the data paths, setting up and
 * tearing down), peer.c (peers coming and going), accept.c (clients
 * taken, room made for them) and session.c (the end rules and their
 * timers), with pair.c, route.c and index.c.
 */
#ifndef SOCKCAT_ENGINE_INT_H
#define SOCKCAT_ENGINE_INT_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "flow.h"
#include "label.h"
#include "stream.h"
#include "timer.h"

/* One read's size: a single session's, and each of many peers'. */
#define READ_ONE	(256 * 1024)
#define READ_MANY	(64 * 1024)

/* What a sink may hold before its sources wait. */
#define OUT_LIMIT	(1024 * 1024)
#define PEER_LIMIT	(512 * 1024)

struct peer {
	struct stream	 sock;
	struct flow	 in;		/* sock -> stdout */
	struct sinkq	 out;		/* stdin -> sock */
	struct task	 check;
	struct task	 open;		/* opening its stream (TLS) */
	struct timer	 t_open;	/* ... within the time for it */
	size_t		 idx;		/* in e->peers, or -1: gone */
	char		*name;		/* for events */
	int		 wr_early;	/* out failed before the peer's EOF */
	long long	 dropped_ms;
	long long	 started;	/* when it came (the clock's ms) */
	int		 quiet;		/* its end is not told */
	/* In the engine's list of half-closed peers, oldest first. */
	struct peer	*hc_next;
	struct peer	*hc_prev;
	int		 hc;
	int		 reading;	/* its flows are wired in */
	/* forward: the other end of its pair (NULL while a target is
	 * still sought), whether it is the target, the target tried. */
	struct peer	*partner;
	int		 target;
	size_t		 attempt;
	int		 attempt_err;
	size_t		 hop;		/* a target's next proxy */
	char		*why;		/* its end's reason, when its own
					   stream has none (its target's) */
	struct timer	 t_idle;	/* the pair's -i */
	/* forward -u: a sender's replies, written from the listener, and
	 * the listener's flow that feeds it. */
	int		 udp;
	struct stream	 reply;
	struct sinkq	 replyq;
	struct flow	*from_flow;
	/* In the engine's index (index.c), by its key's hash. */
	struct peer	*knext;
	uint32_t	 khash;
	int		 indexed;
	char		*label;		/* --label's name for it, or NULL */
	struct label_frame lf;		/* ... framing its bytes */
};

/* --route: where stdin's line stands. */
struct route {
	char		 label[LABEL_MAX + 1];
	size_t		 len;
	int		 in_line;	/* past the label's tab */
	struct peer	*to;		/* the line's peer, or NULL */
	int		 all;		/* "*": every peer */
};

struct engine {
	const struct engine_cfg	*cfg;
	struct engine_result	*res;
	int			 ep;
	struct stream		 in;		/* stdin, when read */
	struct stream		 out;		/* stdout */
	struct stream		 sig;		/* sig.h's descriptor */
	struct stream		*lst;		/* the listeners */
	struct flow		 inflow;	/* stdin -> the peers */
	struct sinkq		 outq;		/* -> stdout */
	struct stream		 diag;		/* stderr, for events */
	struct sinkq		 diagq;
	int			 has_diag;
	struct peer		**peers;
	size_t			 npeers;
	size_t			 cappeers;
	struct peer		**gone;		/* closed, bytes still queued */
	size_t			 ngone;
	size_t			 capgone;
	size_t			 behind;	/* peers with stdin queued */
	/* Peers whose own side is over and all written, that only wait
	 * for stdin (or their going away): the first to make room. */
	struct peer		*hc_head;
	struct peer		*hc_tail;
	/* Peers by a key (index.c): forward -u's senders by address,
	 * --route's peers by label; chained in buckets, a power of two
	 * of them, at least as many as peers in it. */
	struct peer		**index;
	size_t			 nbuckets;
	size_t			 nindexed;
	int			 has_in;
	int			 many;
	int			 ended;
	int			 quitting;
	int			 in_probed;	/* stdin looked at once before
						   an end for its silence */
	int			 accept_more;	/* a listener may hold clients */
	int			 accept_said;	/* its waiting for descriptors
						   was told */
	struct task		*rq_head;
	struct task		*rq_tail;
	size_t			 rq_len;
	struct task		 check;		/* the session's end rules */
	struct task		 accepting;
	struct timers		 timers;
	struct timer		 t_idle;
	struct timer		 t_quit;
	struct timer		 t_grace;
	struct timer		 t_slow;
	struct timer		 t_accept;
	long long		 now;
	long long		 started;
	long long		 last_active;
	unsigned long		 nconn;		/* peers so far (labels) */
	size_t			 ntargets;	/* of the peers, forward's
						   targets */
	int			 has_out;	/* stdout is written */
	struct flow		*lflows;	/* forward -u: each listener's
						   datagrams, to their senders'
						   peers */
	struct route		 route;
};

/* The session ends, why and with err (the first reason stands). */
void	engine_end(struct engine *e, enum engine_end why, int err);
/* Queue the -v line of ev on stderr's queue, when rendered. */
void	engine_emit(struct engine *e, const struct event *ev);
/* Watch s in epoll (what epoll refuses, a file, is always ready). */
void	engine_watch(struct engine *e, struct stream *s);
/* Stop watching s. */
void	engine_unwatch(struct engine *e, struct stream *s);
/* The task of one peer's end rules. */
void	peer_check(struct engine *e, struct task *t);
/* Tell of p's end, close its socket, free it once its bytes have left. */
void	peer_close(struct engine *e, struct peer *p, int err);
/* p's end's reason, when its own stream has none (fmt NULL: none). */
void	peer_set_why(struct peer *p, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* How long a peer (forward: a target, hops and TLS included) may take
 * to open. */
long long peer_open_ms(const struct engine *e);
/* p is done (or dropped): let it go. */
void	peer_forget(struct engine *e, struct peer *p);
/* The slow-peer and accept-pause timers. */
void	peer_on_slow(void *arg, struct timer *t);
void	peer_on_accept_pause(void *arg, struct timer *t);
/* Wire the one peer of a single session in, its data paths chosen. */
void	engine_start_one(struct engine *e, struct peer *p);
/* Make a peer of the connected socket fd (closed on failure); NULL with errno. */
struct peer *peer_new(struct engine *e, int fd,
	    const struct sockaddr *sa, socklen_t salen);
/* Wire p's flows in: its bytes to stdout, stdin's to it. */
void	peer_read_start(struct engine *e, struct peer *p);
/* The task that accepts clients on the listeners (accept.c). */
void	peer_accept_run(struct engine *e, struct task *t);
/* p half-closed: one that may be closed to make room; or no longer. */
void	peer_hc_add(struct engine *e, struct peer *p);
void	peer_hc_remove(struct engine *e, struct peer *p);
/* A client --allow or --deny keeps out: told. */
void	peer_refused(struct engine *e, const struct sockaddr *sa,
	    socklen_t len);
/* Whether stdin's bytes go straight into the one peer's socket. */
int	session_in_direct(const struct engine *e);
/* Whether the stdin side of p is over: all sent and shut, or failed. */
int	session_out_done(const struct engine *e, const struct peer *p);
/* Why sending to p failed, or 0. */
int	session_out_err(const struct engine *e, const struct peer *p);
/* Whether stdin bytes wait for p's socket to take them. */
int	session_out_waiting(const struct engine *e, const struct peer *p);
/* Whether p's reading is over and all it read is written. */
int	session_in_done(const struct peer *p);
/* The task of the session's end rules. */
void	session_check(struct engine *e, struct task *t);
/* forward: p (a client, open) gets its partner; t (a target) opened
 * or failed (err); the task of a pair's end rules. */
void	pair_start(struct engine *e, struct peer *p);
void	pair_target_opened(struct engine *e, struct peer *t);
void	pair_target_failed(struct engine *e, struct peer *t, int err);
void	pair_check(struct engine *e, struct peer *p);
/* forward -u: the frame of a listener's flow: each datagram to its
 * sender's peer (made at its first).  arg: the engine. */
int	udp_demux(void *arg, struct flow *f, struct chunk *c);
/*
 * index: peers found by a key of bytes (a sender's address, a label).
 * index_add() puts p in under key (len bytes): 0, or -1 (ENOMEM);
 * index_del() takes it out, if it is in; index_find() is the peer under
 * key for which is() says yes, or NULL.
 */
int	index_add(struct engine *e, struct peer *p, const void *key,
	    size_t len);
void	index_del(struct engine *e, struct peer *p);
struct peer *index_find(const struct engine *e, const void *key, size_t len,
	    int (*is)(const struct peer *, const void *, size_t));
/* forward -u: the sender at sa gets its peer, connected to fd, fed by
 * the listener's flow f.  NULL with errno (fd closed). */
struct peer *peer_new_udp(struct engine *e, int fd, struct flow *f,
	    const struct sockaddr *sa, socklen_t len);
/* p (of a pair) is going: its partner forgets it, and neither's direct
 * flow points into the other any more. */
void	pair_forget(struct peer *p);
/* The bytes written to p (of a pair) so far. */
uint64_t pair_sent(const struct peer *p);
/* A peer whose socket is connecting (forward's target); its opening
 * is the connect's end, then then(p, its stream).  NULL with errno (fd
 * closed). */
struct peer *peer_new_target(struct engine *e, int fd,
	    int (*then)(void *, struct stream *));
/* --route: the frame of stdin's flow (flow_frame_fn), arg the engine. */
int	route_run(void *arg, struct flow *f, struct chunk *c);
/* p is going away: a line on its way to it is dropped. */
void	route_forget(struct engine *e, struct peer *p);
/* --broker: p's bytes to the others and theirs to p, or no longer. */
int	broker_join(struct engine *e, struct peer *p);
void	broker_leave(struct engine *e, struct peer *p);
/* The -i, -q and grace timers. */
void	session_on_idle(void *arg, struct timer *t);
void	session_on_quit(void *arg, struct timer *t);
void	session_on_grace(void *arg, struct timer *t);

#endif
