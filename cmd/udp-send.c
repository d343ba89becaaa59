/*
 * sockcat udp-send: send stdin as datagrams, one a line (or --chunk
 * bytes), or the --message texts.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "dgram.h"
#include "dial.h"
#include "opts.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"

/* How much of stdin is read at once. */
#define READ_SIZE	(1024 * 1024)

enum {
	OPT_CHUNK = OPT_COMMAND,
	OPT_BROADCAST
};


struct udp_send_opts {
	struct common_opts	co;
	const char		**messages;
	size_t			nmessages;
	long long		chunk;		/* 0: one datagram a line */
	int			broadcast;
};

static const char usage[] =
"usage: sockcat udp-send [options] HOST PORT\n"
"       sockcat udp-send -U [options] PATH\n"
"\n"
"Send each line of stdin, its newline kept, as one datagram.\n"
"\n"
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only\n"
"  -U, --unix             PATH is a unix datagram socket\n"
"      --family=F         inet, inet6, unix or any\n"
"  -p, --port=PORT        the port, instead of the operand\n"
"  -n, --numeric          no DNS and no service-name lookups\n"
"  -s, --source=ADDR      bind this local address first\n"
"      --source-port=PORT bind this local port first\n"
"  -m, --message=TEXT     send TEXT as one datagram (repeatable);\n"
"                         stdin is not read\n"
"      --chunk=N          cut stdin into N-byte datagrams, not lines\n"
"      --broadcast        set SO_BROADCAST (implied by <broadcast>)\n"
USAGE_SOCK_BUFFERS
USAGE_SOCK_IP
"      --multicast-if=IFACE, --multicast-loop=0|1  sending to a group\n"
"      --json             diagnostics on stderr as JSON, one object a line\n"
"  -v, --verbose          diagnostics on stderr (repeat for more)\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_UNIX,
	OPTL_PORT,
	OPTL_SOURCE,
	{ "message",	required_argument,	NULL, 'm' },
	{ "chunk",	required_argument,	NULL, OPT_CHUNK },
	{ "broadcast",	no_argument,		NULL, OPT_BROADCAST },
	OPTL_SOCK,
	OPTL_JSON,
	OPTL_BASE,
	OPTL_END
};

static int
udp_send_option(void *self, int c, const char *arg)
{
	struct udp_send_opts *o = self;
	const char **m;

	switch (c) {
	case 'm':
		m = reallocarray(o->messages, o->nmessages + 1, sizeof(*m));
		if (m == NULL)
			err(EXIT_FAILURE, "udp-send");
		o->messages = m;
		o->messages[o->nmessages++] = arg;
		return 0;
	case OPT_CHUNK:
		return parse_count("udp-send", "--chunk", arg, 1,
		    DGRAM_MAX_INET6, &o->chunk);
	case OPT_BROADCAST:
		o->broadcast = 1;
		return 0;
	}
	return -1;
}

const struct opts_spec udp_send_spec = {
	"udp-send", usage, "46Up:ns:m:vh", longopts, udp_send_option
};

/* The largest datagram to any of res's addresses (IPv6's is larger). */
static size_t
chunk_max(const struct addrinfo *res)
{
	size_t max = DGRAM_MAX_INET;

	for (; res != NULL; res = res->ai_next)
		if (res->ai_family == AF_INET6)
			max = DGRAM_MAX_INET6;
	return max;
}

/*
 * Send stdin: one datagram a line (newline kept), or a --chunk bytes
 * each.  Returns 0, or 1 after a message.
 */
static int
send_stdin(const struct udp_send_opts *o, struct dgram_out *q, size_t max,
    const char *peer)
{
	unsigned char *buf, *nl;
	size_t cap = READ_SIZE + max + 1, start = 0, end = 0, len;
	uint64_t line = 0;
	ssize_t n;
	int eof = 0, r = 0;

	if ((buf = malloc(cap)) == NULL) {
		warn("udp-send");
		return EXIT_FAILURE;
	}
	while (!eof) {
		/* The queue points into buf: send it before moving bytes. */
		if (dgram_flush(q) == -1)
			goto send_failed;
		memmove(buf, buf + start, end - start);
		end -= start;
		start = 0;
		n = read(STDIN_FILENO, buf + end, cap - end);
		if (n == -1 && errno == EINTR && !sig_caught())
			continue;
		if (n == -1) {
			if (errno == EINTR)
				goto send_failed;
			warn("udp-send: read from stdin");
			r = EXIT_FAILURE;
			break;
		}
		eof = n == 0;
		end += (size_t)n;
		for (;;) {
			if (o->chunk > 0) {
				len = end - start >= (size_t)o->chunk ?
				    (size_t)o->chunk : eof ? end - start : 0;
			} else if ((nl = memchr(buf + start, '\n',
			    end - start)) != NULL)
				len = (size_t)(nl - (buf + start)) + 1;
			else
				len = eof || end - start > max ? end - start : 0;
			if (len == 0)
				break;
			line++;
			if (len > max) {
				warnx("udp-send: %s %" PRIu64 " is longer than the "
				    "largest datagram (%zu bytes); the %" PRIu64
				    " before it were sent", o->chunk > 0 ?
				    "chunk" : "line", line, max, line - 1);
				/* What came before it still goes. */
				r = dgram_flush(q);
				free(buf);
				if (r == -1)
					return errno == EINTR ?
					    relay_signal_status() : EXIT_FAILURE;
				return EXIT_FAILURE;
			}
			if (dgram_add(q, buf + start, len) == -1)
				goto send_failed;
			start += len;
		}
	}
	if (r == 0 && dgram_flush(q) == -1)
		goto send_failed;
	free(buf);
	return r;
send_failed:
	free(buf);
	if (errno == EINTR)
		return relay_signal_status();
	warn("udp-send: send to %s", peer);
	return EXIT_FAILURE;
}

static int
run(const struct udp_send_opts *o, const struct endpoint *ep)
{
	struct addrinfo hints, *res, *which;
	struct dgram_out q;
	char peer[RELAY_NAME_MAX], hint[96];
	size_t max, i;
	int fd, r, broadcast;

	if (sig_init() == -1)
		err(EXIT_FAILURE, "udp-send: signals");
	broadcast = o->broadcast ||
	    (ep->host != NULL && addr_is_broadcast(ep->host));
	if (ep->path != NULL) {
		if ((fd = dial_unix(&o->co, ep->path, SOCK_DGRAM, 0, &r)) == -1)
			return r;
		strlcpy(peer, ep->path, sizeof(peer));
		max = DGRAM_MAX_INET;
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = o->co.family;
		hints.ai_socktype = SOCK_DGRAM;
		if (o->co.numeric)
			hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
		if ((r = addr_resolve(ep->host, ep->port, &hints, &res)) != 0) {
			warnx("udp-send %s port %s: %s%s", ep->host, ep->port,
			    r == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(r), opts_family_hint(&o->co, hint,
			    sizeof(hint)));
			return EXIT_FAILURE;
		}
		if ((size_t)o->chunk > chunk_max(res)) {
			r = usage_error("udp-send", "--chunk '%lld': larger than "
			    "the largest datagram to %s (%zu bytes)", o->chunk,
			    ep->host, chunk_max(res));
			freeaddrinfo(res);
			return r;
		}
		if ((fd = dial_any(&o->co, res, broadcast, NULL, &which)) < 0) {
			r = errno;
			freeaddrinfo(res);
			if (fd == DIAL_REPORTED)
				return EXIT_FAILURE;
			if (r == EINTR)
				return relay_signal_status();
			warnx("udp-send %s port %s: %s", ep->host, ep->port,
			    strerror(r));
			return EXIT_FAILURE;
		}
		max = which->ai_family == AF_INET6 ? DGRAM_MAX_INET6 :
		    DGRAM_MAX_INET;
		relay_name(which->ai_addr, which->ai_addrlen, peer,
		    sizeof(peer));
		freeaddrinfo(res);
	}
	if ((size_t)o->chunk > max) {
		close(fd);
		dial_unix_done(&o->co);
		return usage_error("udp-send", "--chunk '%lld': larger than "
		    "the largest datagram here (%zu bytes)", o->chunk, max);
	}
	if (o->co.verbose)
		report_connected(fd);
	dgram_init(&q, fd);
	r = 0;
	for (i = 0; i < o->nmessages && r == 0; i++) {
		if (strlen(o->messages[i]) > max) {
			warnx("udp-send: message %zu is longer than the largest "
			    "datagram (%zu bytes)", i + 1, max);
			r = EXIT_FAILURE;
		} else if (dgram_add(&q, o->messages[i],
		    strlen(o->messages[i])) == -1)
			r = -1;
	}
	if (r == 0 && o->nmessages > 0 && dgram_flush(&q) == -1)
		r = -1;
	if (r == -1) {
		r = errno == EINTR ? relay_signal_status() : EXIT_FAILURE;
		if (errno != EINTR)
			warn("udp-send: send to %s", peer);
	} else if (r == 0 && o->nmessages == 0)
		r = send_stdin(o, &q, max, peer);
	if (o->co.verbose) {
		struct event ev;

		if (q.refused > 0)
			warnx("send to %s: Connection refused %" PRIu64
			    " times (ICMP port unreachable); sent again",
			    peer, q.refused);
		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_DGRAM_TOTALS;
		ev.sent = q.bytes;
		ev.count = (long long)q.datagrams;
		report_event(&ev);
	}
	close(fd);
	dial_unix_done(&o->co);
	return r;
}

static int
udp_send_main(int argc, char **argv, int check_only)
{
	struct udp_send_opts o;
	struct endpoint ep;
	int first, r;

	memset(&o, 0, sizeof(o));
	r = opts_parse(&udp_send_spec, &o.co, &o, argc, argv, &first);
	if (r == 0 && !check_only)
		r = opts_start_json(&o.co);
	if (r == 0 && o.chunk != 0 && o.nmessages != 0)
		r = usage_error("udp-send", "--chunk conflicts with --message");
	if (r == 0)
		r = opts_endpoint(&o.co, OPERANDS_HOST_PORT, 0, argc - first,
		    argv + first, &ep);
	/* IPv4 (by -4 or an address) is known now: so is its limit. */
	if (r == 0 && (size_t)o.chunk > DGRAM_MAX_INET && ep.path == NULL &&
	    (o.co.family == AF_INET || (ep.host != NULL &&
	    inet_pton(AF_INET, ep.host, &(struct in_addr){ 0 }) == 1))) {
		r = usage_error("udp-send", "--chunk '%lld': larger than the "
		    "largest IPv4 datagram (%d bytes)", o.chunk,
		    DGRAM_MAX_INET);
		free(ep.alloc);
	} else if (r == 0 && (r = opts_check_sock(&o.co, 0, SOCK_DGRAM, NULL,
	    NULL, 0)) != 0) {
		free(ep.alloc);
	} else if (r == 0) {
		r = check_only ? 0 : run(&o, &ep);
		sig_fini();
		free(ep.alloc);
	}
	free(o.messages);
	return r == OPTS_HELP ? 0 : r;
}

int
cmd_udp_send(int argc, char **argv)
{
	return udp_send_main(argc, argv, 0);
}

int
cmd_udp_send_check(int argc, char **argv)
{
	return udp_send_main(argc, argv, 1);
}
