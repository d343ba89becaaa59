/*
 * sockcat connect: connect to HOST PORT (trying every address) and relay
 * stdin/stdout; with -z, probe a list of ports.
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
	OPT_SCAN = OPT_COMMAND
};

struct connect_opts {
	struct common_opts	co;
	int			scan;
};

static const char usage[] =
"usage: sockcat connect [options] HOST PORT\n"
"       sockcat connect -U [options] PATH\n"
"       sockcat connect -z [options] HOST PORT[,PORT|LO-HI...]\n"
"\n"
"Connect to HOST PORT, trying each address in turn, and relay stdin to\n"
"the connection and the connection to stdout.\n"
"\n"
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only\n"
"  -U, --unix             PATH is a unix socket (@name: abstract)\n"
"      --family=F         inet, inet6, unix or any\n"
"  -t, --type=T           stream, dgram or seqpacket\n"
"  -u, --udp              same as --type=dgram\n"
"      --protocol=P       protocol number or protocols(5) name\n"
"  -p, --port=PORT        the port, instead of the operand\n"
"  -n, --numeric          no DNS and no service-name lookups\n"
"  -s, --source=ADDR      bind this local address first\n"
"      --source-port=PORT bind this local port first\n"
"  -w, --connect-timeout=SECS  give up each connection attempt after SECS\n"
"  -i, --idle-timeout=SECS     end after SECS with no data either way\n"
"  -q, --quit-after-eof=SECS   end SECS after stdin EOF (0: at once)\n"
"  -d, --no-stdin         never read stdin\n"
"      --send-only        only send stdin; discard what arrives\n"
"      --recv-only        only receive; send nothing\n"
"  -z, --scan             connect and close at once; print open ports\n"
"  -v, --verbose          diagnostics on stderr (repeat for more)\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_UNIX,
	OPTL_TYPE,
	OPTL_PORT,
	OPTL_SOURCE,
	OPTL_CONNECT_TIMEOUT,
	OPTL_RELAY,
	{ "scan",	no_argument,	NULL, 'z' },
	OPTL_BASE,
	OPTL_END
};

static int
connect_option(void *self, int c, const char *arg)
{
	struct connect_opts *o = self;

	(void)arg;
	if (c != 'z')
		return -1;
	o->scan = 1;
	return 0;
}

static const struct opts_spec spec = {
	"connect", usage, "46Ut:up:ns:w:i:q:dzvh", longopts, connect_option
};

int
cmd_connect(int argc, char **argv)
{
	struct connect_opts o;
	struct endpoint ep;
	int first, r;

	memset(&o, 0, sizeof(o));
	if ((r = opts_parse(&spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if ((r = opts_check_relay(&o.co)) != 0)
		return r;
	if (o.scan && o.co.family == AF_UNIX)
		return usage_error("connect", "--scan conflicts with %s",
		    o.co.family_by);
	if ((r = opts_endpoint(&o.co, OPERANDS_HOST_PORT, o.scan,
	    argc - first, argv + first, &ep)) != 0)
		return r;
	free(ep.alloc);
	warnx("connect: not implemented yet");
	return EXIT_FAILURE;
}
