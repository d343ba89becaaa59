/*
 * relay: what connect and serve share once they hold a socket: the
 * fixed -v lines, running the engine with the shared options, and turning
 * how it ended into a message and an exit status.
 */
#ifndef SOCKCAT_RELAY_H
#define SOCKCAT_RELAY_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "opts.h"

struct stream;

/* How long a datagram relay waits for replies after stdin EOF without
 * -q (connect -u, serve -u). */
#define RELAY_DGRAM_QUIT_MS	1000

/* Room for "ADDR port PORT" or a unix path. */
#define RELAY_NAME_MAX	EVENT_NAME_MAX

/*
 * Describe sa as "ADDR port PORT" (a unix socket: its path) in buf.
 * Returns buf.
 */
char	*relay_name(const struct sockaddr *sa, socklen_t len, char *buf,
	    size_t buflen);

/*
 * The -v line of a client dropped before any byte moved: "disconnected
 * NAME (TEXT): sent 0 bytes, received 0 bytes"; err, when not 0, is
 * its errno (for JSON).
 */
void	report_dropped(const char *name, int err, const char *text);

/*
 * Whether --allow and --deny let the client at sa in; one they keep
 * out is told with -v (dgram: the size of its datagram, or 0 for a
 * connection).
 */
int	relay_admit(const struct common_opts *co, const struct sockaddr *sa,
	    socklen_t len, size_t dgram);

/* Write ev as a diagnostic (text or JSON: diag.h). */
void	report_event(const struct event *ev);

/* The -v lines whose shape scripts may read. */
void	report_listening(int fd);
void	report_connection_from(const struct sockaddr *sa, socklen_t len);
void	report_connected(int fd);
void	report_connected_name(const char *name);
/* Through proxies: each one reached, then HOST PORT. */
void	report_proxy(const char *name, const char *scheme);
void	report_connected_via(const char *name);
/* -e: the command pid ended with status. */
void	report_command_end(long long pid, int status);

/*
 * Relay stdin/stdout with the connected socket fd as co says (fd is
 * closed on return; its type says whether records are kept); peer
 * names the other end in messages; received_before and sent_before count
 * the bytes it already took part in (serve -u's first datagrams, the
 * bytes of a Fast Open SYN), for the -v totals.  Returns the exit
 * status: 0, 1 with a message, or 128+N after signal N.
 */
int	relay_session(const struct common_opts *co, int fd, const char *peer,
	    uint64_t received_before, uint64_t sent_before);

/*
 * As relay_session(), with s, a stream opened already (TLS to an
 * https:// proxy), which is taken over.
 */
int	relay_stream(const struct common_opts *co, struct stream *s,
	    const char *peer);

/*
 * Relay stdin/stdout with s, a stream opened already (a TLS handshake
 * done), which is taken over; stdout is a socket of its own (serve -e
 * --tls), half-closed at the peer's EOF, and the session lasts until
 * stdin's EOF.  Returns the exit status, with no -v totals.
 */
int	relay_opened(const struct common_opts *co, struct stream *s,
	    const char *peer);

/* The -v lines of s's opening (TLS), naming the peer as name. */
void	report_opened(const char *name, const struct stream *s);

/*
 * Serve many clients on the n listening sockets fds (serve -k): stdin
 * goes to every client, each client's bytes to stdout; at most
 * max_clients at once (0: no cap).  Returns the exit status.
 */
int	relay_many(const struct common_opts *co, const int *fds, size_t n,
	    size_t max_clients);

/* forward's side of the relay: where the targets are and how each
 * connection to one is made. */
struct engine_hop;
struct engine_target;
struct sock_spec;
struct pairs_spec {
	const struct engine_target *targets;
	size_t		 ntargets;
	struct sock_spec *sock;
	int		 send_proxy;	/* PROXY header version, or 0 */
	int		 udp;		/* -u: datagrams */
	/* --proxy: the chain, the first hop's addresses the targets; or
	 * none. */
	const struct engine_hop *hops;
	size_t		 nhops;
	/* TLS to the targets, and with the clients: their contexts'
	 * options, or NULL. */
	struct tls_opts	*target_tls;
	struct tls_opts	*listen_tls;
};

/*
 * forward: relay each client accepted on the listeners fds (n of them;
 * -m: max_clients) both ways to its own connection to the first of the
 * targets that takes it, as ps says; the engine's rules (-w per
 * attempt, -i per pair).  Returns the exit status, as relay_many().
 */
int	relay_pairs(const struct common_opts *co, const int *fds, size_t n,
	    size_t max_clients, const struct pairs_spec *ps);

/*
 * Write all of buf to stdout, blocking.  Returns 0, or -1 with errno
 * (EPIPE: the reader went away; EINTR: a terminating signal came).
 */
int	relay_write_stdout(const void *buf, size_t len);

/*
 * Write the datagram buf (len bytes) to stdout as relay_write_stdout(),
 * as a labelled line (label.h) when label is not NULL.  Returns 0, or
 * -1 with errno.
 */
int	relay_write_record(const char *label, const void *buf, size_t len);

/* The exit status for a signal caught (sig_caught()): 128+N. */
int	relay_signal_status(void);

#endif
