/*
 * proxy: reaching a host through a proxy: SOCKS4 and 4a, SOCKS5 (RFC
 * 1928, with RFC 1929's username and password) and HTTP CONNECT, each a
 * small state machine that says what to send and how many bytes to read
 * next, never more than its reply holds, so that whatever the proxy or
 * the target sends after the reply stays in the stream for the relay.
 * A driver runs it over a stream (a socket, or TLS to an https proxy)
 * without ever blocking past a deadline.
 */
#ifndef SOCKCAT_PROXY_H
#define SOCKCAT_PROXY_H

#include <sys/socket.h>
#include <stddef.h>

struct stream;

enum proxy_scheme {
	PROXY_SOCKS4,
	PROXY_SOCKS4A,		/* the proxy resolves the name */
	PROXY_SOCKS5,
	PROXY_SOCKS5H,		/* the proxy resolves the name */
	PROXY_HTTP,		/* CONNECT */
	PROXY_HTTPS		/* CONNECT inside TLS to the proxy */
};

/* Room for a host, a user, a password (RFC 1929's limit: 255). */
#define PROXY_FIELD_MAX	256

/* The most header bytes an HTTP proxy's reply may have. */
#define PROXY_HTTP_MAX	8192

/* A proxy URL taken apart. */
struct proxy_url {
	enum proxy_scheme scheme;
	char		 host[PROXY_FIELD_MAX];	/* no brackets */
	char		 port[8];
	int		 has_user;
	int		 has_pass;
	char		 user[PROXY_FIELD_MAX];	/* percent-decoded */
	char		 pass[PROXY_FIELD_MAX];
};

/*
 * Parse [SCHEME://][USER[:PASS]@]HOST[:PORT][/] (curl's forms; no
 * scheme: http; no port: 1080, 80 or 443 by scheme; an IPv6 HOST in
 * brackets).  Returns 0, or -1 with what is wrong in *why.
 */
int	proxy_url_parse(const char *url, struct proxy_url *u, const char **why);

/* "socks5h", "http", ... */
const char *proxy_scheme_name(enum proxy_scheme scheme);

/* Whether the scheme sends the target's name for the proxy to resolve
 * (no local name lookup). */
int	proxy_scheme_sends_name(enum proxy_scheme scheme);

/* The protocol a scheme speaks, as its replies are named: "SOCKS4",
 * "SOCKS5" or "HTTP". */
const char *proxy_protocol_name(enum proxy_scheme scheme);

/* One handshake with one proxy. */
struct proxy_talk {
	enum proxy_scheme scheme;
	int		 state;
	unsigned char	 out[1024];	/* to send */
	size_t		 outlen;
	size_t		 outoff;	/* sent of it so far */
	unsigned char	 in[PROXY_HTTP_MAX + 1];	/* the reply so far,
						   NUL-terminated */
	size_t		 inlen;
	size_t		 want;		/* bytes to read next, or 0 */
	int		 auth;		/* SOCKS5: user and password given */
	char		 user[PROXY_FIELD_MAX];
	char		 pass[PROXY_FIELD_MAX];
	/* What is asked for (SOCKS5's request, sent once a method is
	 * agreed, is made of it). */
	char		 host[PROXY_FIELD_MAX];
	int		 port;
	struct sockaddr_storage sa;	/* AF_UNSPEC: send the name */
	int		 refused;	/* the proxy answered, but would not
					   or could not reach the target */
	char		 why[PROXY_FIELD_MAX + 64];	/* a failure, in the
						   protocol's own terms */
};

/*
 * Begin the handshake that asks the proxy for host (a name, or an
 * address in text) and port: sa, when not NULL, is host's address as
 * resolved here (SOCKS4 needs one, of AF_INET; SOCKS5 sends it instead
 * of the name).  user and pass may be NULL.  Returns 0, or -1 with why
 * (a name too long, no IPv4 address for SOCKS4).
 */
int	proxy_talk_start(struct proxy_talk *t, enum proxy_scheme scheme,
	    const char *host, int port, const struct sockaddr *sa,
	    const char *user, const char *pass);

/*
 * Take n bytes of the reply (n no more than t->want): 0 to go on
 * (there may be more to send, t->outlen > t->outoff, and t->want bytes
 * to read), 1 when the proxy has connected, -1 when it refused or spoke
 * nonsense (t->why says which).
 */
int	proxy_talk_feed(struct proxy_talk *t, const void *buf, size_t n);

/*
 * Run the handshake over s until it is done, deadline_ms (clock.h)
 * passes or intr_fd turns readable.  Returns 0, or -1 with errno:
 * EPROTO (t->why says why), ETIMEDOUT, EINTR, ECONNRESET when the proxy
 * closed (t->why says so too), or an I/O failure.
 */
int	proxy_talk_run(struct proxy_talk *t, struct stream *s,
	    long long deadline_ms, int intr_fd);

/*
 * One step of the handshake over s, never waiting: 1 when the proxy has
 * connected, 0 when it waits for s (s->rd_wants_out: to write), -1 with
 * errno as proxy_talk_run() says.
 */
int	proxy_talk_step(struct proxy_talk *t, struct stream *s);

/*
 * Make s, a connected stream to the proxy, one whose opening is the
 * handshake of (a copy of) t, begun, then what then (when not NULL)
 * makes of it: forward's targets through a proxy.  Returns 0, or -1
 * with errno.
 */
int	proxy_stream(struct stream *s, const struct proxy_talk *t,
	    int (*then)(void *, struct stream *), void *then_arg);

/* The protocol whose reply s, a proxy_stream() still in its
 * handshake, waits for ("SOCKS5", ...); NULL for any other stream. */
const char *proxy_stream_waiting(const struct stream *s);

/* Wipe the credentials t holds. */
void	proxy_talk_end(struct proxy_talk *t);

#endif
