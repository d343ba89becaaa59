/*
 * stream: one endpoint of a relay behind a table of operations, so that
 * the flows moving bytes never know whether they talk to a socket, a
 * pipe, a file, a terminal or (later) a TLS session.
 *
 * A stream over a descriptor that others share (stdin, stdout) never
 * changes that descriptor's file status flags: a pipe, FIFO or terminal
 * gets a private open file description of its own (reopened through
 * /proc/self/fd, non-blocking; a pipe only once it is read or written,
 * since splice(2) with SPLICE_F_NONBLOCK needs none), a socket is read
 * and written with MSG_DONTWAIT, and files and /dev/null never block
 * anyway.
 */
#ifndef SOCKCAT_STREAM_H
#define SOCKCAT_STREAM_H

#include <sys/socket.h>
#include <sys/types.h>
#include <stddef.h>

enum stream_kind {
	STREAM_SOCKET,		/* a socket of ours, or a shared one */
	STREAM_PIPE,		/* a pipe or FIFO */
	STREAM_FILE,		/* a regular file or block device */
	STREAM_TTY,		/* a terminal */
	STREAM_NULL,		/* /dev/null open for writing */
	STREAM_CHAR		/* another character device */
};

struct pp_header;
struct stream;
struct task;

/*
 * The operations of one kind of stream.  read and write return bytes
 * moved, 0 at EOF (read), or -1 with errno (EAGAIN: not now).
 */
struct stream_ops {
	ssize_t	(*read)(struct stream *, void *, size_t);
	ssize_t	(*write)(struct stream *, const void *, size_t);
	int	(*shutdown_wr)(struct stream *);
	void	(*close)(struct stream *);
	/* Bytes already read from the descriptor and held inside (TLS). */
	size_t	(*pending)(const struct stream *);
	/*
	 * Finish opening (a TLS handshake): 1 done, 0 not yet (EAGAIN;
	 * rd_wants_out says for what), -1 failed with errno.  NULL: a
	 * kind that is open from the start.
	 */
	int	(*open)(struct stream *);
	/* The last failure in the kind's own words, or NULL (strerror's
	 * are enough).  NULL: a kind that has none. */
	const char *(*why)(const struct stream *);
};

struct stream {
	int			 fd;	/* what I/O goes through */
	int			 watch_fd;	/* what epoll watches: fd, or the
						   shared one it came from */
	const struct stream_ops	*ops;
	void			*ctx;	/* the kind's own state */
	enum stream_kind	 kind;
	int			 socktype;	/* sockets: SOCK_STREAM, ... */
	int			 family;	/* sockets: AF_INET, ... */
	unsigned		 record:1;	/* a read or write is one record
						   (datagram, seqpacket) */
	unsigned		 pollable:1;	/* epoll takes fd */
	unsigned		 splice_ok:1;	/* splice(2) and sendfile(2)
						   may use fd directly */
	unsigned		 rd_ready:1;	/* readable, as far as known */
	unsigned		 wr_ready:1;	/* writable, as far as known */
	unsigned		 hup:1;		/* EPOLLERR or EPOLLHUP seen */
	unsigned		 rdhup:1;	/* the other end will send no more
						   (EPOLLRDHUP or EPOLLHUP) */
	unsigned		 registered:1;	/* in the engine's epoll */
	unsigned		 muted:1;	/* not watched for reading */
	unsigned		 out_on:1;	/* watched for writing */
	unsigned		 opening:1;	/* open not done yet: no data */
	struct pp_header	*pp;		/* a PROXY protocol header read
						   at its opening, or NULL */
	int			 eof_err;	/* its EOF was not clean (a TLS
						   stream cut without close_notify):
						   errno for the session's end */
	/* A TLS stream's read may have to write (a handshake or key
	 * update message) and its write to read: after an EAGAIN these
	 * say that the operation waits for the other readiness. */
	unsigned		 rd_wants_out:1;
	unsigned		 wr_wants_in:1;
	/* Private to stream.c. */
	int			 shared_fd;	/* the caller's fd, or -1 */
	int			 own;		/* fd is ours to close */
	int			 dontwait;	/* recv/send with MSG_DONTWAIT */
	int			 restore_fl;	/* flags to give back, or -1 */
	int			 open_err;	/* why no writable description */
	int			 writing;	/* shared: opened for writing */
	int			 lazy;		/* a shared pipe: its private
						   description is opened at the
						   first read or write (splice(2)
						   needs none) */
	/* The engine's links. */
	void			*owner;
	struct flow		*reader;	/* the flow reading it */
	struct flow		*direct;	/* a direct flow writing it */
	struct sinkq		*sinkq;		/* its queue, when written */
	struct task		*opener;	/* woken while opening */
};

/*
 * Make s a stream over a socket of ours (non-blocking already); s owns
 * fd from now on.  Returns 0, or -1 with errno.
 */
int	stream_socket(struct stream *s, int fd);

/*
 * A stream kind that opens a socket in a step of its own (a PROXY
 * header, a connect) before what comes next (then, a TLS session):
 * what it keeps of the socket's stream while it is in the way.
 */
struct stream_next {
	const struct stream_ops	*ops;		/* the stream's own */
	void			*ctx;		/* ... and its context (a TLS
						   session's; a socket has none) */
	int			(*then)(void *, struct stream *);
	void			*then_arg;
};

/* A stream that an opening step holds moves no byte yet: its reads and
 * writes say EAGAIN, a half-close does nothing, it holds nothing
 * pending. */
ssize_t	stream_step_read(struct stream *s, void *buf, size_t len);
ssize_t	stream_step_write(struct stream *s, const void *buf, size_t len);
int	stream_step_shutdown(struct stream *s);
size_t	stream_step_pending(const struct stream *s);

/* Keep s's own operations and then in n before a step takes s over. */
void	stream_next_init(struct stream_next *n, const struct stream *s,
	    int (*then)(void *, struct stream *), void *then_arg);

/* s is closed while its step holds it: its own operations back, ctx
 * (the step's context, which holds n) freed, then closed. */
void	stream_next_close(struct stream *s, const struct stream_next *n,
	    void *ctx);

/*
 * The step is done (its context, holding n, is freed by the caller
 * after this copy): s is the socket's stream again, then made of it
 * and opened.  Returns as an open operation does.
 */
int	stream_next_open(struct stream *s, struct stream_next n);

/*
 * Make s, a stream still opening in an open operation of its own (a TLS
 * handshake), one that then goes on to what then makes of it (a proxy's
 * handshake through that TLS).  Returns 0, or -1 with errno.
 */
int	stream_then(struct stream *s, int (*then)(void *, struct stream *),
	    void *then_arg);

/*
 * Make s, a stream_socket() whose connect is under way, one whose
 * opening is that connect's end (the engine watches it for writing),
 * then what then (when not NULL) makes of it, a TLS session: as
 * pp_stream() does for a PROXY header.  Returns 0, or -1 with errno.
 */
int	stream_connecting(struct stream *s, int (*then)(void *, struct stream *),
	    void *then_arg);

/*
 * forward -u: make s a stream over fd, a datagram socket of ours that
 * many send to (s does not own it), whose reads say the sender (see
 * stream_from()).  Returns 0, or -1 with errno.
 */
int	stream_dgram_in(struct stream *s, int fd);

/* The sender of the last datagram s read (stream_dgram_in()'s). */
void	stream_from(const struct stream *s, struct sockaddr_storage *ss,
	    socklen_t *len);

/*
 * Make s a stream that writes each record to the address to (len bytes)
 * from fd, a datagram socket it does not own and never reads.  Returns
 * 0, or -1 with errno.
 */
int	stream_sendto(struct stream *s, int fd, const struct sockaddr *to,
	    socklen_t len);

/*
 * Make s a stream over a shared descriptor (stdin: writing 0; stdout:
 * writing 1) without changing its flags, as the header says.  s does
 * not own fd.  A FIFO whose reader has gone yields a stream whose
 * writes fail with EPIPE.  Returns 0, or -1 with errno.
 */
int	stream_shared(struct stream *s, int fd, int writing);

/* Whether fd is a pipe or FIFO, a regular file, ... (STREAM_* kind);
 * -1 when fstat fails. */
int	stream_kind_of(int fd);

/*
 * Give s its private description now, if it is to have one and has not
 * yet (read and write do it themselves).  Returns 0, or -1 with errno.
 */
int	stream_private(struct stream *s);

/*
 * Open s (a TLS handshake) outside any engine, waiting with poll(2)
 * until it is done, deadline_ms (clock.h's clock) passes or intr_fd
 * turns readable (a signal; -1: none).  Returns 0, or -1 with errno
 * (ETIMEDOUT, EINTR, or the failure, which stream_why() words).
 */
int	stream_open_wait(struct stream *s, long long deadline_ms, int intr_fd);

/*
 * Take back the socket of s, a stream of stream_socket()'s with
 * nothing held inside (no TLS), and close the rest.  Returns the
 * descriptor.
 */
int	stream_release(struct stream *s);

/* Close what s holds (a shared descriptor itself is left open). */
void	stream_close(struct stream *s);

/* The last failure of s in its kind's own words, or NULL. */
static inline const char *
stream_why(const struct stream *s)
{
	return s->ops != NULL && s->ops->why != NULL ? s->ops->why(s) : NULL;
}

/*
 * After a read of s gave 0: whether that was an empty record, not the
 * end (SOCK_SEQPACKET, where both read as 0: the peer has not shut
 * down, or records still wait behind it).
 */
int	stream_empty_record(const struct stream *s);

/* Shorthands for the ops. */
static inline ssize_t
stream_read(struct stream *s, void *buf, size_t len)
{
	return s->ops->read(s, buf, len);
}

static inline ssize_t
stream_write(struct stream *s, const void *buf, size_t len)
{
	return s->ops->write(s, buf, len);
}

#endif
