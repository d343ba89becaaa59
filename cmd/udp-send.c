/*
 * sockcat udp-send: send stdin as datagrams, one a line (or --chunk
 * bytes), or the --message texts.
 */
#include <sys/socket.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "opts.h"

enum {
	OPT_CHUNK = OPT_COMMAND,
	OPT_BROADCAST
};

/* The largest UDP payload: 65535 less the IPv4 and UDP headers. */
#define UDP_PAYLOAD_MAX	65507

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
		    UDP_PAYLOAD_MAX, &o->chunk);
	case OPT_BROADCAST:
		o->broadcast = 1;
		return 0;
	}
	return -1;
}

static const struct opts_spec spec = {
	"udp-send", usage, "46Up:ns:m:vh", longopts, udp_send_option
};

int
cmd_udp_send(int argc, char **argv)
{
	struct udp_send_opts o;
	struct endpoint ep;
	int first, r;

	memset(&o, 0, sizeof(o));
	r = opts_parse(&spec, &o.co, &o, argc, argv, &first);
	if (r == 0 && o.chunk != 0 && o.nmessages != 0)
		r = usage_error("udp-send", "--chunk conflicts with --message");
	if (r == 0)
		r = opts_endpoint(&o.co, OPERANDS_HOST_PORT, 0, argc - first,
		    argv + first, &ep);
	free(o.messages);
	if (r != 0)
		return r == OPTS_HELP ? 0 : r;
	free(ep.alloc);
	warnx("udp-send: not implemented yet");
	return EXIT_FAILURE;
}
