/*
 * sockcat serve: listen on [HOST] PORT (or a unix PATH) and relay one
 * client, or many with -k, to stdin/stdout.
 */
#include <sys/socket.h>
#include <sys/stat.h>

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
#include "listen.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"

struct serve_opts {
	struct common_opts	co;
	int			keep_open;
	const char		*exec;
	long long		max_clients;	/* 0: no cap */
	long long		backlog;	/* 0: SOMAXCONN */
};

static const char usage[] =
"usage: sockcat serve [options] [HOST] PORT\n"
"       sockcat serve -U [options] PATH\n"
"\n"
"Listen on every address HOST resolves to (no HOST: the wildcard, one\n"
"dual-stack socket) and relay a client to stdin/stdout.\n"
"\n"
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only\n"
"  -U, --unix             PATH is a unix socket (@name: abstract)\n"
"      --family=F         inet, inet6, unix or any\n"
"  -t, --type=T           stream, dgram or seqpacket\n"
"  -u, --udp              a datagram server: same as --type=dgram\n"
"      --protocol=P       protocol number or protocols(5) name\n"
"  -p, --port=PORT        the port, instead of the operand\n"
"  -n, --numeric          no DNS and no service-name lookups\n"
"  -k, --keep-open        keep accepting; many clients at once\n"
"  -e, --exec=CMD         give each client its own /bin/sh -c CMD\n"
"  -m, --max-clients=N    at most N clients at once (with -k)\n"
"  -b, --backlog=N        listen(2) backlog (default SOMAXCONN)\n"
"  -i, --idle-timeout=SECS     end after SECS with no data either way\n"
"  -q, --quit-after-eof=SECS   end SECS after stdin EOF (0: at once)\n"
"  -d, --no-stdin         never read stdin\n"
"      --send-only        only send stdin; discard what arrives\n"
"      --recv-only        only receive; send nothing\n"
"  -v, --verbose          diagnostics on stderr (repeat for more)\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_UNIX,
	OPTL_TYPE,
	OPTL_PORT,
	OPTL_RELAY,
	{ "keep-open",	 no_argument,		NULL, 'k' },
	{ "exec",	 required_argument,	NULL, 'e' },
	{ "max-clients", required_argument,	NULL, 'm' },
	{ "backlog",	 required_argument,	NULL, 'b' },
	OPTL_BASE,
	OPTL_END
};

static int
serve_option(void *self, int c, const char *arg)
{
	struct serve_opts *o = self;

	switch (c) {
	case 'k':
		o->keep_open = 1;
		return 0;
	case 'e':
		if (*arg == '\0')
			return usage_error("serve", "--exec: empty command");
		o->exec = arg;
		return 0;
	case 'm':
		return parse_count("serve", "--max-clients", arg, 1,
		    1000000, &o->max_clients);
	case 'b':
		return parse_count("serve", "--backlog", arg, 1, 65535,
		    &o->backlog);
	}
	return -1;
}

static const struct opts_spec spec = {
	"serve", usage, "46Ut:up:ni:q:dke:m:b:vh", longopts, serve_option
};

static int
run(const struct serve_opts *o, const struct endpoint *ep)
{
	struct listeners l;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	char name[RELAY_NAME_MAX];
	size_t i, which;
	int type, fd, r;

	type = o->co.type != 0 ? o->co.type : SOCK_STREAM;
	if (o->keep_open || o->exec != NULL || type == SOCK_DGRAM) {
		warnx("serve: %s: not implemented yet", o->keep_open ?
		    "--keep-open" : o->exec != NULL ? "--exec" : "--udp");
		return EXIT_FAILURE;
	}
	if (sig_init() == -1)
		err(EXIT_FAILURE, "serve: signals");
	if ((r = listeners_open(&o->co, ep, type, (int)o->backlog, &l)) != 0)
		return r;
	if (o->co.verbose)
		for (i = 0; i < l.n; i++)
			report_listening(l.fd[i]);
	fd = sock_accept(l.fd, l.n, &peer, &peerlen, &which);
	/* One client: later ones are refused, not left waiting. */
	listeners_close(&l);
	if (fd == -1) {
		r = errno == EINTR ? relay_signal_status() : EXIT_FAILURE;
		if (errno != EINTR)
			warn("serve: accept");
	} else {
		if (o->co.verbose)
			report_connection_from((struct sockaddr *)&peer,
			    peerlen);
		relay_name((struct sockaddr *)&peer, peerlen, name,
		    sizeof(name));
		if (ep->path != NULL)
			strlcpy(name, ep->path, sizeof(name));
		r = relay_session(&o->co, fd, 0, name);
	}
	listeners_remove_file(&l);
	return r;
}

int
cmd_serve(int argc, char **argv)
{
	struct serve_opts o;
	struct endpoint ep;
	int first, r;

	memset(&o, 0, sizeof(o));
	if ((r = opts_parse(&spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if ((r = opts_check_relay(&o.co)) != 0)
		return r;
	if (o.max_clients != 0 && !o.keep_open)
		return usage_error("serve", "--max-clients goes only with "
		    "--keep-open");
	if ((r = opts_endpoint(&o.co, OPERANDS_OPT_HOST, 0, argc - first,
	    argv + first, &ep)) != 0)
		return r;
	r = run(&o, &ep);
	free(ep.alloc);
	return r;
}
