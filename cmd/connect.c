/*
 * sockcat connect: connect to HOST PORT (trying every address) and relay
 * stdin/stdout; with -z, probe a list of ports.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "opts.h"
#include "dial.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"


enum {
	OPT_SCAN = OPT_COMMAND
};

/* The most bytes of stdin a Fast Open SYN is offered (the kernel puts
 * in what fits, the rest follows the handshake). */
#define FASTOPEN_FIRST	1400

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
"      --grace=SECS       after the peer's EOF, end once stdin is quiet\n"
"                         this long (default 0.5; 0, or inf: its EOF)\n"
"  -d, --no-stdin         never read stdin\n"
"      --send-only        only send stdin; discard what arrives\n"
"      --recv-only        only receive; send nothing\n"
"  -z, --scan             connect and close at once; print open ports\n"
"      --tls              TLS over the connection, the server verified\n"
"      --cacert=FILE      trust the CAs in FILE instead of the system's\n"
"      --capath=DIR       trust the CAs in DIR instead of the system's\n"
"      --servername=NAME  send NAME as SNI and verify it (default: HOST)\n"
"      --insecure         do not verify the server (a warning says so)\n"
"      --pinnedpubkey=sha256//B64[;...]  accept only these public keys\n"
"      --cert=FILE, --key=FILE  a client certificate and its key (PEM)\n"
"      --alpn=P1[,P2]     offer these ALPN protocols\n"
"      --tls-min=V, --tls-max=V  1.2 or 1.3\n"
"      --ciphers=LIST, --tls13-ciphers=LIST  OpenSSL cipher lists\n"
USAGE_SOCK_TCP
USAGE_SOCK_BUFFERS
USAGE_SOCK_IP
USAGE_SOCK_MPTCP
"      --multicast-if=IFACE, --multicast-loop=0|1  with -u, to a group\n"
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
	OPTL_TLS,
	OPTL_TLS_CLIENT,
	OPTL_SOCK,
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

/* Scan the port list: print "HOST PORT open" for each that accepts. */
static int
scan(const struct connect_opts *o, const struct endpoint *ep,
    struct addrinfo *res)
{
	const char *p, *comma;
	char item[64];
	struct addrinfo *ai, *which;
	int lo, hi, port, fd, open = 0;
	size_t n;

	for (p = ep->port;; p = comma + 1) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n >= sizeof(item))
			n = sizeof(item) - 1;
		memcpy(item, p, n);
		item[n] = '\0';
		if (addr_port_range(item, o->co.numeric, &lo, &hi) == -1)
			return EXIT_USAGE;	/* checked when parsed */
		for (port = lo; port <= hi; port++) {
			for (ai = res; ai != NULL; ai = ai->ai_next)
				addr_set_port(ai->ai_addr, port);
			if ((fd = dial_any(&o->co, res, 0, NULL,
			    &which)) >= 0) {
				close(fd);
				printf("%s %d open\n", ep->host, port);
				fflush(stdout);
				open++;
			} else if (fd == DIAL_REPORTED)
				return EXIT_FAILURE;
			else if (errno == EINTR)
				return relay_signal_status();
		}
		if (comma == NULL)
			break;
	}
	return open > 0 ? 0 : EXIT_FAILURE;
}

static int
connect_unix(struct connect_opts *o, const char *path, int type)
{
	int fd, r;

	if ((fd = dial_unix(&o->co, path, type, &r)) == -1)
		return r;
	if (o->co.verbose)
		report_connected_name(path);
	r = relay_session(&o->co, fd, path, 0, 0);
	dial_unix_done(&o->co);
	return r;
}

static int
run(struct connect_opts *o, const struct endpoint *ep)
{
	struct addrinfo hints, *res, *which;
	struct dial_first first;
	char name[RELAY_NAME_MAX], firstbuf[FASTOPEN_FIRST];
	int type, fd, r, several;

	if (sig_init() == -1)
		err(EXIT_FAILURE, "connect: signals");
	type = o->co.type != 0 ? o->co.type : SOCK_STREAM;
	if (type == SOCK_DGRAM && o->co.quit_ms == OPTS_NO_TIME)
		o->co.quit_ms = RELAY_DGRAM_QUIT_MS;
	if (ep->path != NULL)
		return connect_unix(o, ep->path, type);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->co.family;
	hints.ai_socktype = type;
	hints.ai_protocol = o->co.protocol;
	if (o->co.numeric)
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	r = addr_resolve(ep->host, o->scan ? "0" : ep->port, &hints, &res);
	if (r != 0) {
		warnx("connect %s port %s: %s", ep->host, ep->port,
		    r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return EXIT_FAILURE;
	}
	if (o->scan) {
		r = scan(o, ep, res);
		freeaddrinfo(res);
		return r;
	}
	dial_first_read(&o->co, firstbuf, sizeof(firstbuf), &first);
	fd = dial_any(&o->co, res, 0, &first, &which);
	if (fd == DIAL_REPORTED) {
		freeaddrinfo(res);
		return EXIT_FAILURE;
	}
	if (fd == -1) {
		r = errno;
		several = res->ai_next != NULL;
		freeaddrinfo(res);
		if (r == EINTR)
			return relay_signal_status();
		/* With -v a lone address was named already. */
		if (!o->co.verbose || several)
			warnx("connect %s port %s: %s", ep->host, ep->port,
			    strerror(r));
		return EXIT_FAILURE;
	}
	relay_name(which->ai_addr, which->ai_addrlen, name, sizeof(name));
	freeaddrinfo(res);
	if (o->co.verbose)
		report_connected(fd);
	return relay_session(&o->co, fd, name, 0, first.len);
}

static int
connect_main(int argc, char **argv, int check_only)
{
	struct connect_opts o;
	struct endpoint ep;
	char group[64];
	int first, r;

	memset(&o, 0, sizeof(o));
	if ((r = opts_parse(&spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if ((r = opts_check_relay(&o.co)) != 0)
		return r;
	if (o.scan && o.co.family == AF_UNIX)
		return usage_error("connect", "--scan conflicts with %s",
		    o.co.family_by);
	if (o.scan && o.co.type == SOCK_DGRAM)
		return usage_error("connect", "--scan conflicts with %s",
		    o.co.type_by);
	if (o.scan && o.co.tls.on)
		return usage_error("connect", "--scan conflicts with --tls");
	if ((r = tls_check(&o.co.tls, "connect", 0,
	    o.co.type == SOCK_DGRAM || o.co.type == SOCK_SEQPACKET ?
	    o.co.type_by : NULL)) != 0)
		return r;
	if ((r = opts_endpoint(&o.co, OPERANDS_HOST_PORT, o.scan,
	    argc - first, argv + first, &ep)) != 0)
		return r;
	if ((r = opts_check_sock(&o.co, 0, SOCK_STREAM, &ep, group,
	    sizeof(group))) != 0) {
		free(ep.alloc);
		return r;
	}
	if (!check_only && (r = tls_setup(&o.co.tls, "connect", 0,
	    ep.path != NULL ? NULL : ep.host)) != 0) {
		free(ep.alloc);
		return r;
	}
	r = check_only ? 0 : run(&o, &ep);
	tls_teardown(&o.co.tls);
	sig_fini();
	free(ep.alloc);
	return r;
}

int
cmd_connect(int argc, char **argv)
{
	return connect_main(argc, argv, 0);
}

int
cmd_connect_check(int argc, char **argv)
{
	return connect_main(argc, argv, 1);
}
