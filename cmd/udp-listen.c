/*
 * sockcat udp-listen: receive datagrams and write each payload to stdout
 * as it came.
 */
#include <sys/socket.h>

#include <err.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "opts.h"

enum {
	OPT_ECHO = OPT_COMMAND,
	OPT_RCVBUF
};

struct udp_listen_opts {
	struct common_opts	co;
	long long		count;		/* 0: no limit */
	int			echo;
	long long		rcvbuf;		/* 0: as large as allowed */
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
"      --rcvbuf=BYTES     set SO_RCVBUF (default: up to 4 MiB)\n"
"  -v, --verbose          report each datagram on stderr\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_UNIX,
	OPTL_PORT,
	OPTL_IDLE_TIMEOUT,
	{ "count",	required_argument,	NULL, 'c' },
	{ "echo",	no_argument,		NULL, OPT_ECHO },
	{ "rcvbuf",	required_argument,	NULL, OPT_RCVBUF },
	OPTL_BASE,
	OPTL_END
};

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
	case OPT_RCVBUF:
		return parse_count("udp-listen", "--rcvbuf", arg, 1024,
		    1LL << 30, &o->rcvbuf);
	}
	return -1;
}

static const struct opts_spec spec = {
	"udp-listen", usage, "46Up:ni:c:vh", longopts, udp_listen_option
};

int
cmd_udp_listen(int argc, char **argv)
{
	struct udp_listen_opts o;
	struct endpoint ep;
	int first, r;

	memset(&o, 0, sizeof(o));
	if ((r = opts_parse(&spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if ((r = opts_endpoint(&o.co, OPERANDS_OPT_HOST, 0, argc - first,
	    argv + first, &ep)) != 0)
		return r;
	free(ep.alloc);
	warnx("udp-listen: not implemented yet");
	return EXIT_FAILURE;
}
