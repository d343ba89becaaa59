/*
 * flow: one direction of a relay, from a source stream to its sinks.
 *
 * The copy path reads the source into chunks (one read, one chunk:
 * a record stays a record) and queues each chunk on every sink the flow
 * feeds, counted by reference; a sink writes its queue in order, whole
 * chunks before the next, so that the reads of several sources never
 * cut into one another (serve -k's stdout) and one source may feed
 * many sinks (stdin to every client).  A sink that holds more than its
 * limit holds its sources up: they wait on it and are woken when it
 * drains, which is all the flow control there is.
 *
 * The direct paths join one source to one sink stream with nothing in
 * between, or with a private pipe: splice(2) from a pipe or into one,
 * sendfile(2) from a file, recv(2) with MSG_TRUNC to drop what nobody
 * wants.  A path that the kernel refuses at the first byte falls back
 * to copying.
 *
 * Flows do not block and do not loop forever: each run moves what the
 * streams take now and says what it waits for by the streams' ready
 * bits, which the engine sets from epoll (edge-triggered) and the flows
 * clear on EAGAIN.
 */
#ifndef SOCKCAT_FLOW_H
#define SOCKCAT_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"
#include "timer.h"

struct engine;

/* A unit of work the engine runs from its queue. */
struct task {
	void		(*run)(struct engine *, struct task *);
	struct task	*next;
	struct task	*prev;
	int		 queued;
};

/* What the engine gives the flows (engine.c). */
void		engine_schedule(struct engine *, struct task *);
/* Take t off the queue (what it belongs to is going away). */
void		engine_unschedule(struct engine *, struct task *);
/* Something of owner's changed: its end rules are to be checked. */
void		engine_touch(struct engine *, void *owner);
/* s refused bytes (EAGAIN): clear its ready bit and have epoll say
 * when it takes more.  (Writability is watched only while something
 * waits for it: a socket's every ACK would wake the loop for nothing.) */
void		engine_wait_out(struct engine *, struct stream *s);
/* Stop (or start again) watching s for reading: its reader is held up
 * and would only be woken for nothing. */
void		engine_mute(struct engine *, struct stream *s, int mute);
/* Bytes moved: the session is not idle. */
void		engine_active(struct engine *);
long long	engine_now(const struct engine *);
/* Arm t on the engine's clock for due (or disarm it). */
void		engine_at(struct engine *, struct timer *t, long long due);
void		engine_cancel(struct engine *, struct timer *t);

/* Bytes read at once from a record socket of an unknown size. */
#define FLOW_RECORD_MAX		(16 * 1024 * 1024)

struct flow;

struct chunk {
	unsigned	 refs;
	size_t		 len;
	size_t		 cap;
	struct flow	*from;		/* counts it in inflight */
	unsigned char	 data[];
};

/* The bytes waiting for one sink stream, in order. */
struct sinkq {
	struct task	 task;
	struct engine	*e;
	struct stream	*st;
	struct chunk	**q;		/* a ring of cap entries */
	size_t		 head;
	size_t		 n;
	size_t		 cap;
	size_t		 off;		/* written of q[head] */
	size_t		 bytes;		/* queued, by allocation */
	size_t		 limit;		/* sources wait above this */
	struct flow	*waiters;	/* flows held up by this sink, in
					   the order they came */
	struct flow	*waiters_tail;
	size_t		*behind;	/* counts the sinks with bytes, or
					   NULL */
	uint64_t	*total;		/* adds what is written, or NULL */
	uint64_t	 written;
	long long	 stall_since;	/* a write refused since, or -1 */
	long long	 moved_at;	/* when bytes last left */
	size_t		 idx;		/* in its feeding flow's sinks */
	int		 err;		/* a write failed: errno */
	unsigned	 eof:1;		/* no more will come */
	unsigned	 shut_at_eof:1;	/* then shut the stream down */
	unsigned	 shut:1;	/* done */
	unsigned	 failed:1;
	unsigned	 coalesce:1;	/* may write several chunks at once */
	void		*owner;
};

enum flow_path {
	FLOW_COPY,		/* read into chunks, queued on the sinks */
	FLOW_SPLICE,		/* splice straight from src to dst */
	FLOW_SENDFILE,		/* sendfile from a file src to dst */
	FLOW_PIPE,		/* splice through a private pipe */
	FLOW_DISCARD		/* recv MSG_TRUNC: dropped in the kernel */
};

/*
 * A look at, or a change of, the bytes a copy flow has just read: *cp,
 * which it may replace or shorten (to nothing); f->sending says the flow
 * carries stdin's bytes to the peers, and f->shape_state is the shape's
 * own from one read to the next.  Returns 0, or -1 with errno.
 */
typedef int	(*flow_shape_fn)(void *arg, struct flow *f,
		    struct chunk **cp);

/*
 * A framing step (copy flows only): what a flow has read, once shaped,
 * goes to its frame instead of to every sink.  The frame owns c, and
 * queues what it makes of it with flow_push(): whole labelled lines
 * (--label), or each line to the sink its label names (--route).  At
 * the source's end or failure it is called once with c NULL, for what
 * it still holds.  Returns 0, or -1 with errno.
 */
typedef int	(*flow_frame_fn)(void *arg, struct flow *f,
		    struct chunk *c);

struct flow {
	struct task	 task;
	struct engine	*e;
	struct stream	*src;
	enum flow_path	 path;
	/* FLOW_COPY: the sinks fed. */
	struct sinkq	**sinks;
	size_t		 nsinks;
	size_t		 capsinks;
	size_t		 readsz;	/* one read's size */
	/* The direct paths: the one sink. */
	struct stream	*dst;
	int		 pipe[2];	/* FLOW_PIPE */
	size_t		 pipe_cap;
	size_t		 pipe_len;
	unsigned	 pipe_full:1;	/* fragments fill its slots */
	unsigned	 lazy_pipe:1;	/* FLOW_PIPE: made at the first
					   move (forward's pairs) */
	unsigned	 eof:1;		/* the source ended */
	unsigned	 failed:1;	/* reading (or writing dst) failed */
	unsigned	 dst_failed:1;	/* which of the two, on a direct path */
	unsigned	 stopped:1;	/* its budget is spent */
	unsigned	 discard:1;	/* read, count and drop */
	unsigned	 eof_to_sinks:1;	/* EOF ends the sinks' queues */
	unsigned	 keep_open:1;	/* ... without shutting them down */
	unsigned	 shut:1;	/* direct: dst shut down after EOF */
	unsigned	 guessed:1;	/* direct: EAGAIN taken for a full dst */
	unsigned	 stop_when_empty:1;	/* -q: the source's first
						   empty moment ends it */
	int		 err;
	uint64_t	 bytes;		/* read from src */
	uint64_t	*total;		/* adds what is read, or NULL */
	uint64_t	 budget;	/* bytes it may still read */
	size_t		 inflight;	/* its chunks not yet all written */
	long long	 moved_at;	/* when bytes last came, or -1 */
	struct flow	*wait_next;	/* in a sink's waiters */
	struct sinkq	*waiting_on;
	void		*owner;
	/* Shaping (copy flows only), or NULL. */
	flow_shape_fn	 shape;
	void		*shape_arg;
	unsigned	 shape_state;
	uint64_t	 shape_out;	/* bytes after shaping */
	char *const	*shape_tag;	/* names the flow's pair or client
					   in a dump, or NULL */
	/* Framing (copy flows only), or NULL. */
	flow_frame_fn	 frame;
	void		*frame_arg;
	unsigned	 framed_end:1;	/* the frame had its end call */
	unsigned	 sinks_made:1;	/* its frame makes its sinks: it
					   reads with none yet */
	unsigned	 sending:1;	/* stdin's bytes, to the peers */
	/* --line-delay (copy flows only): a line at a time, this far
	 * apart; what is read waits in held from held_off on. */
	long long	 line_delay_ms;
	long long	 line_next;	/* when the next line may go */
	struct chunk	*held;
	size_t		 held_off;
	struct timer	 t_line;
};

/*
 * Set f up as a copy flow from src (no sinks yet) reading readsz bytes
 * at a time (records: see flow_record_size()).
 */
void	flow_init(struct flow *f, struct engine *e, struct stream *src,
	    size_t readsz, void *owner);

/*
 * Make f a direct flow to dst by path (FLOW_PIPE makes its pipe, now or,
 * with f->lazy_pipe, at the first move: falling back to copying when
 * it cannot).  Returns 0, or -1 with errno; f is still a copy flow then.
 */
int	flow_direct(struct flow *f, enum flow_path path, struct stream *dst);

/* Feed sq from f from now on, or no longer.  0, or -1 with ENOMEM. */
int	flow_add_sink(struct flow *f, struct sinkq *sq);
void	flow_remove_sink(struct flow *f, struct sinkq *sq);

/*
 * Queue c (new, not queued yet) from f on the sink only, or on every
 * sink f feeds when only is NULL; f counts it until it is written.
 */
void	flow_push(struct flow *f, struct chunk *c, struct sinkq *only);

/* The end of f's source for its frame (once): what it holds goes on. */
void	flow_frame_end(struct flow *f);

/* Whether f has ended and left nothing of its own unwritten. */
int	flow_drained(const struct flow *f);

/* Release what f holds (its pipe; its place in a waiters list). */
void	flow_fini(struct flow *f);

/* Chunks, shared by flow.c and sinkq.c: a new one of size bytes (NULL
 * with errno), one given back (kept for reuse when of a read size), one
 * reference dropped (its flow told when its last chunk is written). */
struct chunk	*chunk_new(size_t size);
void		 chunk_free(struct chunk *c);
void		 chunk_put(struct engine *e, struct chunk *c);

/* Queue c on sq (a reference taken).  0, or -1 with errno ENOMEM. */
int	sinkq_push(struct sinkq *sq, struct chunk *c);

/* Close the empty pipes kept for reuse (at the end of a session). */
void	flow_pipes_free(void);

/* Give back the chunks kept for reuse (at the end of a session). */
void	flow_cache_free(void);

/* The source of a direct flow has new bytes: a full sink that was only
 * guessed is tried again. */
void	flow_src_event(struct flow *f);

/* The engine's task of a flow: move what can be moved now. */
void	flow_run(struct engine *e, struct task *t);

/* A sink queue for st; limit bytes hold its sources up. */
void	sinkq_init(struct sinkq *sq, struct engine *e, struct stream *st,
	    size_t limit, void *owner);

/* Drop what sq holds (a failed or closed sink); wake its waiters. */
void	sinkq_clear(struct sinkq *sq);
/* Whether any queue, of any engine, holds its limit or more now. */
int	sinkq_any_full(void);

/* The end of sq's input: shut the stream down once it is written (when
 * shut is set). */
void	sinkq_eof(struct sinkq *sq, int shut);

void	sinkq_fini(struct sinkq *sq);

/* Queue a copy of buf on sq (bytes of no flow's: diagnostics).  0, or
 * -1 with errno ENOMEM. */
int	sinkq_put(struct sinkq *sq, const void *buf, size_t len);

/* The engine's task of a sink: write what waits. */
void	sinkq_run(struct engine *e, struct task *t);

/* Whether sq holds bytes. */
static inline int
sinkq_busy(const struct sinkq *sq)
{
	return sq->n > 0;
}

#endif
