/*
 * sockcat udp-listen: receive datagrams and write each payload to stdout
 * as it came.
 */
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "cmd.h"
#include "label.h"
#include "listen.h"
#include "opts.h"
#include "relay.h"
#include "sig.h"

/* Big enough for any UDP datagram, and for most unix ones; a bigger
 * unix datagram grows the buffer, up to RECV_MAX. */
#define RECV_SIZE	(256 * 1024)
#define RECV_MAX	(64 * 1024 * 1024)

/* The senders --label and --route remember, the oldest forgotten
 * first. */
#define SENDERS_MAX	4096

/* A stdin line for --route: a datagram and its label. */
#define ROUTE_LINE_MAX	(65536 + LABEL_MAX + 2)

enum {
	OPT_ECHO = OPT_COMMAND
};

struct udp_listen_opts {
	struct common_opts	co;
	long long		count;		/* 0: no limit */
	int			echo;
};

/* A sender heard from: where it is, which socket heard it, its label. */
struct sender {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd;
	char			 label[LABEL_MAX];
};

struct senders {
	struct sender		*v;
	size_t			 n;
	unsigned long		 count;		/* unix senders' numbers */
};

/* --route: stdin's line so far. */
struct route_in {
	char			 buf[ROUTE_LINE_MAX];
	size_t			 len;
	int			 skipping;	/* a line too long, to its end */
};

static const char usage[] =
"usage: sockcat udp-listen [options] [HOST] PORT\n"
"       sockcat udp-listen -U [options] PATH\n"
"\n"
"Receive datagrams and write each payload to stdout exactly as received.\n"
"\n"
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only\n"
"  -U, --unix             PATH is a unix datagram socket\n"
"      --family=F         inet, inet6, unix or any\n"
"  -p, --port=PORT        the port, instead of the operand\n"
"  -n, --numeric          no DNS and no service-name lookups\n"
"  -c, --count=N          exit after N datagrams\n"
"  -i, --idle-timeout=SECS  exit after SECS without a datagram\n"
"      --echo             send each datagram back to its sender\n"
"      --sndbuf=BYTES, --rcvbuf=BYTES  buffers (default rcvbuf: up to 4M)\n"
USAGE_SOCK_IP
USAGE_SOCK_REUSEPORT
"      --join=[SOURCE@]GROUP[%IFACE]  join a multicast group (repeatable)\n"
USAGE_ACL
USAGE_LABEL
"      --json             diagnostics on stderr as JSON, one object a line\n"
"  -v, --verbose          report each datagram on stderr\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_UNIX,
	OPTL_PORT,
	OPTL_IDLE_TIMEOUT,
	{ "count",	required_argument,	NULL, 'c' },
	{ "echo",	no_argument,		NULL, OPT_ECHO },
	OPTL_SOCK,
	OPTL_ACL,
	OPTL_LABEL,
	OPTL_JSON,
	OPTL_BASE,
	OPTL_END
};

/* -v: "N bytes from ADDR PORT" (an event: JSON with --json). */
static void
report_datagram(const char *host, int port, const struct sockaddr *sa,
    socklen_t salen, size_t n)
{
	char name[NI_MAXHOST + 16];
	struct event ev;

	if (port >= 0)
		snprintf(name, sizeof(name), "%s %d", host, port);
	else
		snprintf(name, sizeof(name), "%s", host);
	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_DATAGRAM;
	ev.name = name;
	ev.sa = sa;
	ev.salen = salen;
	ev.received = n;
	report_event(&ev);
}

static int
udp_listen_option(void *self, int c, const char *arg)
{
	struct udp_listen_opts *o = self;

	switch (c) {
	case 'c':
		return parse_count("udp-listen", "--count", arg, 1,
		    LLONG_MAX, &o->count);
	case OPT_ECHO:
		o->echo = 1;
		return 0;
	}
	return -1;
}

const struct opts_spec udp_listen_spec = {
	"udp-listen", usage, "46Up:ni:c:vh", longopts, udp_listen_option
};

/*
 * The sender at sa, remembered (the oldest forgotten when there are
 * SENDERS_MAX), heard by fd.  NULL only when out of memory.
 */
static struct sender *
sender(struct senders *t, int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sender *s;
	size_t i;

	for (i = 0; i < t->n; i++) {
		s = &t->v[i];
		if (s->len == len && memcmp(&s->ss, sa, len) == 0) {
			s->fd = fd;
			return s;
		}
	}
	if (t->v == NULL && (t->v = calloc(SENDERS_MAX, sizeof(*s))) == NULL)
		return NULL;
	if (t->n == SENDERS_MAX)
		memmove(t->v, t->v + 1, --t->n * sizeof(*s));
	s = &t->v[t->n++];
	memcpy(&s->ss, sa, len);
	s->len = len;
	s->fd = fd;
	/* An unbound unix sender has no address: all of them are one,
	 * told apart from nobody, and take no number. */
	if (len <= sizeof(sa_family_t))
		strlcpy(s->label, "unix (unnamed)", sizeof(s->label));
	else
		label_name(sa, len, ++t->count, s->label, sizeof(s->label));
	return s;
}

/* --route: one stdin line (len bytes, its newline included if any) as a
 * datagram to the sender its label names, or to every one for "*". */
static void
route_line(const struct udp_listen_opts *o, const struct senders *t,
    const char *line, size_t len)
{
	const struct sender *s;
	const char *label;
	struct event ev;
	size_t labellen, i, sent = 0;
	long off;

	memset(&ev, 0, sizeof(ev));
	ev.kind = EVENT_UNROUTED;
	if ((off = label_split(line, len, &label, &labellen)) == -1) {
		if (o->co.verbose)
			report_event(&ev);
		return;
	}
	for (i = 0; i < t->n; i++) {
		s = &t->v[i];
		if (!(labellen == 1 && label[0] == '*') &&
		    (strlen(s->label) != labellen ||
		    memcmp(s->label, label, labellen) != 0))
			continue;
		sent++;
		/* An unbound unix sender has no address to answer. */
		if (s->len > sizeof(sa_family_t) && sendto(s->fd, line + off,
		    len - (size_t)off, MSG_DONTWAIT,
		    (const struct sockaddr *)&s->ss, s->len) == -1 &&
		    o->co.verbose)
			warn("udp-listen: send to %s", s->label);
	}
	if (sent == 0 && !(labellen == 1 && label[0] == '*') &&
	    o->co.verbose) {
		char name[LABEL_MAX];

		snprintf(name, sizeof(name), "%.*s", (int)labellen, label);
		ev.name = name;
		report_event(&ev);
	}
}

/*
 * --route: what stdin holds now, its whole lines routed.  Returns 1 at
 * its end (what is left then is a last line), 0 otherwise.
 */
static int
route_stdin(const struct udp_listen_opts *o, const struct senders *t,
    struct route_in *ri)
{
	char *nl;
	size_t used;
	ssize_t n;

	n = read(STDIN_FILENO, ri->buf + ri->len, sizeof(ri->buf) - ri->len);
	if (n == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0) {
		if (ri->len > 0 && !ri->skipping)
			route_line(o, t, ri->buf, ri->len);
		ri->len = 0;
		return 1;
	}
	ri->len += (size_t)n;
	used = 0;
	while ((nl = memchr(ri->buf + used, '\n', ri->len - used)) != NULL) {
		if (!ri->skipping)
			route_line(o, t, ri->buf + used,
			    (size_t)(nl - ri->buf) - used + 1);
		ri->skipping = 0;
		used = (size_t)(nl - ri->buf) + 1;
	}
	memmove(ri->buf, ri->buf + used, ri->len - used);
	ri->len -= used;
	if (ri->len == sizeof(ri->buf)) {
		/* No datagram is that long: the line is dropped. */
		warnx("udp-listen: a stdin line too long for a datagram "
		    "(more than 64 KiB after its label); dropped");
		ri->len = 0;
		ri->skipping = 1;
	}
	return 0;
}

/*
 * Take every datagram fd holds now, up to the count.  Returns 0, or the
 * exit status to end with.
 */
static int
take(const struct udp_listen_opts *o, int fd, unsigned char **bufp,
    size_t *bufsz, int peek, uint64_t *count, struct senders *t)
{
	const struct sender *s = NULL;
	unsigned char *buf = *bufp, *nb;
	ssize_t want;
	struct sockaddr_storage from;
	char host[NI_MAXHOST];
	socklen_t fromlen;
	ssize_t n;
	int port;

	while (o->count == 0 || *count < (uint64_t)o->count) {
		/* A unix datagram may be larger than any UDP one: make
		 * room for the next one whole. */
		want = peek ? recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC |
		    MSG_DONTWAIT) : 0;
		if (want > (ssize_t)*bufsz && want <= RECV_MAX &&
		    (nb = realloc(buf, (size_t)want)) != NULL) {
			*bufp = buf = nb;
			*bufsz = (size_t)want;
		}
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, *bufsz, MSG_DONTWAIT | MSG_TRUNC,
		    (struct sockaddr *)&from, &fromlen);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNREFUSED)
				return 0;
			warn("udp-listen: receive");
			return EXIT_FAILURE;
		}
		if (!relay_admit(&o->co, (struct sockaddr *)&from, fromlen,
		    (size_t)n))
			continue;	/* dropped, not counted */
		if ((size_t)n > *bufsz) {
			/* Never written cut: a record is whole or fails. */
			warnx("udp-listen: a datagram of %zd bytes is larger "
			    "than %zu", n, *bufsz);
			return EXIT_FAILURE;
		}
		(*count)++;
		if ((o->co.label || o->co.route) && (s = sender(t, fd,
		    (struct sockaddr *)&from, fromlen)) == NULL) {
			warn("udp-listen");
			return EXIT_FAILURE;
		}
		if (relay_write_record(o->co.label ? s->label : NULL, buf,
		    (size_t)n) == -1) {
			if (errno == EPIPE)
				return -1;	/* the reader left: quietly */
			if (errno == EINTR)
				return relay_signal_status();
			warn("udp-listen: write to stdout");
			return EXIT_FAILURE;
		}
		if (o->co.verbose) {
			/* The contract's shape: "N bytes from ADDR PORT". */
			if (addr_format_peer((struct sockaddr *)&from,
			    fromlen, host, sizeof(host), &port) != 0) {
				strlcpy(host, "(unknown address)",
				    sizeof(host));
				port = -1;
			}
			report_datagram(host, port, (struct sockaddr *)&from,
			    fromlen, (size_t)n);
		}
		/* An unbound unix sender has no address to answer. */
		if (o->echo && fromlen > sizeof(sa_family_t) &&
		    sendto(fd, buf, (size_t)n, MSG_DONTWAIT,
		    (struct sockaddr *)&from, fromlen) == -1 && o->co.verbose)
			warn("udp-listen: echo");
	}
	return 0;
}

static int
run(const struct udp_listen_opts *o, const struct endpoint *ep)
{
	struct listeners l;
	struct pollfd pfd[MAX_LISTEN + 2];
	struct senders t;
	struct route_in *ri = NULL;
	unsigned char *buf;
	size_t bufsz = RECV_SIZE, npfd;
	uint64_t count = 0;
	long long deadline = -1, now;
	size_t i;
	int r, timeout;

	memset(&t, 0, sizeof(t));

	if (sig_init() == -1)
		err(EXIT_FAILURE, "udp-listen: signals");
	if ((r = listeners_open(&o->co, ep, SOCK_DGRAM, 0, &l)) != 0)
		return r;
	if ((buf = malloc(bufsz)) == NULL ||
	    (o->co.route && (ri = calloc(1, sizeof(*ri))) == NULL)) {
		free(buf);
		warn("udp-listen");
		listeners_close(&l);
		listeners_remove_file(&l);
		return EXIT_FAILURE;
	}
	for (i = 0; i < l.n; i++) {
		if (o->co.verbose)
			report_listening(l.fd[i]);
		pfd[i].fd = l.fd[i];
		pfd[i].events = POLLIN;
	}
	pfd[l.n].fd = sig_fd();
	pfd[l.n].events = POLLIN;
	npfd = l.n + 1;
	if (ri != NULL) {
		pfd[npfd].fd = STDIN_FILENO;
		pfd[npfd++].events = POLLIN;
	}
	r = 0;
	while (r == 0 && (o->count == 0 || count < (uint64_t)o->count)) {
		now = clock_ms();
		if (o->co.idle_ms >= 0 && deadline < 0)
			deadline = now + o->co.idle_ms;
		if (deadline >= 0 && now >= deadline)
			break;		/* -i: quiet long enough, status 0 */
		timeout = deadline < 0 ? -1 : (int)(deadline - now);
		if (poll(pfd, npfd, timeout) == -1 && errno != EINTR) {
			warn("udp-listen: poll");
			r = EXIT_FAILURE;
			break;
		}
		if (sig_caught()) {
			r = relay_signal_status();
			break;
		}
		for (i = 0; i < l.n && r == 0; i++) {
			if (pfd[i].revents == 0)
				continue;
			r = take(o, pfd[i].fd, &buf, &bufsz, ep->path != NULL,
			    &count, &t);
			deadline = -1;
		}
		/* At stdin's end the replies are over; datagrams are not. */
		if (r == 0 && npfd > l.n + 1 && pfd[l.n + 1].revents != 0 &&
		    route_stdin(o, &t, ri))
			npfd--;
	}
	if (r == -1)
		r = 0;
	free(ri);
	free(t.v);
	free(buf);
	listeners_close(&l);
	listeners_remove_file(&l);
	return r;
}

static int
udp_listen_main(int argc, char **argv, int check_only)
{
	struct udp_listen_opts o;
	struct endpoint ep;
	char group[64];
	int first, r;

	memset(&o, 0, sizeof(o));
	if ((r = opts_parse(&udp_listen_spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if (!check_only && (r = opts_start_json(&o.co)) != 0)
		return r;
	if ((r = opts_endpoint(&o.co, OPERANDS_OPT_HOST, 0, argc - first,
	    argv + first, &ep)) != 0)
		return r;
	if ((r = opts_check_label(&o.co, NULL, 0)) != 0) {
		free(ep.alloc);
		return r;
	}
	if ((r = opts_check_sock(&o.co, 1, SOCK_DGRAM, &ep, group,
	    sizeof(group))) != 0) {
		free(ep.alloc);
		return r;
	}
	if (!check_only && (r = opts_setup_acl(&o.co)) == 0)
		r = run(&o, &ep);
	opts_acl_done(&o.co);
	sig_fini();
	free(ep.alloc);
	return r;
}

int
cmd_udp_listen(int argc, char **argv)
{
	return udp_listen_main(argc, argv, 0);
}

int
cmd_udp_listen_check(int argc, char **argv)
{
	return udp_listen_main(argc, argv, 1);
}
