/*
 * event: what a relay reports as it goes (listening, connected, a
 * client come or gone, the totals), rendered in one place as the fixed
 * -v lines that scripts read; a JSON rendering can sit beside it.
 */
#ifndef SOCKCAT_EVENT_H
#define SOCKCAT_EVENT_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

/* Room for "ADDR port PORT" or a unix path. */
#define EVENT_NAME_MAX	1100

/* Room for an event's lines. */
#define EVENT_LINE_MAX	(EVENT_NAME_MAX * 2 + 1024)

enum event_kind {
	EVENT_LISTENING,	/* name: the local address */
	EVENT_CONNECTED,	/* name: the peer; all: through a proxy */
	EVENT_CONNECTION,	/* name: a client accepted */
	EVENT_DISCONNECTED,	/* name, err, dropped_ms, sent, received;
				   all: a forwarded client's pair */
	EVENT_IDLE,		/* ms: the -i time */
	EVENT_TOTALS,		/* sent, received; all: serve -k's sums */
	EVENT_OPENED,		/* name (NULL: the one peer), stream: a
				   TLS handshake done */
	EVENT_ACCEPT_WAIT,	/* err: accepting waits for descriptors */
	EVENT_PROXY,		/* name: a proxy reached; text: its scheme */
	EVENT_ATTEMPT,		/* name: a connection attempt begun */
	EVENT_ATTEMPT_END,	/* name, err (text): an attempt that failed
				   or was cancelled */
	EVENT_RETRY,		/* count: the try that failed; ms: the
				   delay before the next */
	EVENT_DATAGRAM,		/* name (as "ADDR PORT"), sa, received: a
				   datagram; all: one ignored */
	EVENT_DGRAM_TOTALS,	/* sent, count: udp-send's datagrams */
	EVENT_COMMAND_END,	/* count: a command's pid, err: its exit
				   status */
	EVENT_TLS_PIN,		/* text: the pin of serve's own
				   certificate */
	EVENT_REFUSED,		/* name, sa: a client --allow or --deny
				   kept out; all: a datagram of received
				   bytes; count: not for that but because
				   so many senders are known already */
	EVENT_UNROUTED		/* name: the label of a stdin line that
				   names no peer (NULL: it has none),
				   dropped */
};

struct stream;

struct event {
	enum event_kind	 kind;
	const char	*name;
	int		 err;		/* errno of a failure, or 0 */
	long long	 ms;		/* EVENT_IDLE; EVENT_DISCONNECTED: the
					   slow-client time when dropped */
	uint64_t	 sent;
	uint64_t	 received;
	int		 all;
	const char	*text;		/* a failure in its own words, or NULL */
	const struct stream *stream;	/* EVENT_OPENED */
	long long	 count;
	const struct sockaddr *sa;	/* the address name says, or NULL */
	socklen_t	 salen;
	long long	 elapsed_ms;	/* how long it lasted (closed, totals) */
};

/*
 * Describe sa as "ADDR port PORT" (a unix socket: its path)
 * in buf.  Returns buf.
 */
char	*event_name(const struct sockaddr *sa, socklen_t len, char *buf,
	    size_t buflen);

/* ms as words, "1 second", "0.5 seconds", "10 seconds", in buf (at
 * least EVENT_SECS_MAX bytes).  Returns buf. */
#define EVENT_SECS_MAX	32
char	*event_secs(long long ms, char *buf, size_t buflen);

/*
 * The -v line of ev, without the "sockcat: " prefix and newline, in buf
 * (cut to fit); an event of several lines has them joined by '\n'.
 * Returns buf.
 */
char	*event_format(const struct event *ev, char *buf, size_t buflen);

/*
 * ev as one JSON object (one line, no newline) in buf, valid whatever
 * the names in it hold (see json.h).  Returns its length.
 */
size_t	event_json(const struct event *ev, char *buf, size_t buflen);

#endif
