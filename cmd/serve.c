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
#include "relay.h"
#include "sig.h"
#include "sock.h"

/* The most sockets a HOST may bind (every address it resolves to). */
#define MAX_LISTEN	15

struct listeners {
	int		 fd[MAX_LISTEN];
	size_t		 n;
	const char	*unix_path;	/* a file to remove at the end */
	dev_t		 unix_dev;	/* ... if it is still ours */
	ino_t		 unix_ino;
};

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

static void
close_listeners(struct listeners *l)
{
	while (l->n > 0)
		close(l->fd[--l->n]);
}

/* The port a socket got (for port 0), or -1. */
static int
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST];
	int port;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
	    addr_format((struct sockaddr *)&ss, len, host, sizeof(host),
	    &port) != 0)
		return -1;
	return port;
}

/* The first result of family in res, or NULL. */
static struct addrinfo *
first_of(struct addrinfo *res, int family)
{
	for (; res != NULL; res = res->ai_next)
		if (res->ai_family == family)
			return res;
	return NULL;
}

/* Listen on ai and add the socket to l.  Returns 0, or -1 with errno. */
static int
add_listener(struct listeners *l, const struct addrinfo *ai, int v6only,
    int backlog)
{
	int fd;

	fd = sock_listen(ai->ai_addr, ai->ai_addrlen, ai->ai_socktype,
	    ai->ai_protocol, v6only, backlog);
	if (fd == -1)
		return -1;
	l->fd[l->n++] = fd;
	return 0;
}

/*
 * Bind every address of res; the wildcard of no family is one dual-stack
 * socket on :: where IPv6 exists, else 0.0.0.0.  With port 0 the later
 * sockets take the port the first got, so that one port serves them
 * all.  Returns 0 or 1 after a message.
 */
static int
listen_inet(const struct serve_opts *o, const struct endpoint *ep,
    struct addrinfo *res, int backlog, struct listeners *l)
{
	struct addrinfo *ai, *prev;
	char name[RELAY_NAME_MAX];
	int port = -1;

	if ((ep->host == NULL || *ep->host == '\0') &&
	    o->co.family == AF_UNSPEC) {
		if ((ai = first_of(res, AF_INET6)) != NULL &&
		    add_listener(l, ai, 0, backlog) == 0)
			return 0;
		if (ai == NULL || errno == EAFNOSUPPORT ||
		    errno == EADDRNOTAVAIL)
			ai = first_of(res, AF_INET);
		if (ai != NULL && add_listener(l, ai, -1, backlog) == 0)
			return 0;
		if (ai != NULL)
			warn("serve %s", relay_name(ai->ai_addr,
			    ai->ai_addrlen, name, sizeof(name)));
		else
			warnx("serve port %s: no address to listen on",
			    ep->port);
		return 1;
	}
	for (ai = res; ai != NULL && l->n < MAX_LISTEN; ai = ai->ai_next) {
		for (prev = res; prev != ai; prev = prev->ai_next)
			if (prev->ai_addrlen == ai->ai_addrlen && memcmp(
			    prev->ai_addr, ai->ai_addr, ai->ai_addrlen) == 0)
				break;
		if (prev != ai)
			continue;
		if (port > 0)
			addr_set_port(ai->ai_addr, port);
		if (add_listener(l, ai, 1, backlog) == -1) {
			warn("serve %s", relay_name(ai->ai_addr,
			    ai->ai_addrlen, name, sizeof(name)));
			return 1;
		}
		if (port <= 0)
			port = bound_port(l->fd[l->n - 1]);
	}
	return 0;
}

static int
open_listeners(const struct serve_opts *o, const struct endpoint *ep,
    int type, struct listeners *l)
{
	struct addrinfo hints, *res;
	struct stat st;
	int backlog, r;

	backlog = o->backlog > 0 ? (int)o->backlog : SOMAXCONN;
	if (ep->path != NULL) {
		if ((r = sock_listen_unix(ep->path, type, backlog)) >= 0) {
			l->fd[l->n++] = r;
			if (ep->path[0] != '@' && lstat(ep->path, &st) == 0) {
				l->unix_path = ep->path;
				l->unix_dev = st.st_dev;
				l->unix_ino = st.st_ino;
			}
			return 0;
		}
		if (errno == ENAMETOOLONG)
			return usage_error("serve", "unix path '%.40s...' too "
			    "long (%zu bytes, at most %zu)", ep->path,
			    strlen(ep->path),
			    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		if (errno == EEXIST)
			warnx("serve %s: file exists and is not a socket of "
			    "this type; not replaced", ep->path);
		else if (errno == EADDRINUSE)
			warnx("serve %s: a server is listening there",
			    ep->path);
		else
			warn("serve %s", ep->path);
		return 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->co.family;
	hints.ai_socktype = type;
	hints.ai_protocol = o->co.protocol;
	hints.ai_flags = AI_PASSIVE | (o->co.numeric ?
	    AI_NUMERICHOST | AI_NUMERICSERV : 0);
	if ((r = addr_resolve(ep->host, ep->port, &hints, &res)) != 0) {
		warnx("serve %s port %s: %s", ep->host != NULL ? ep->host : "*",
		    ep->port, r == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(r));
		return 1;
	}
	r = listen_inet(o, ep, res, backlog, l);
	freeaddrinfo(res);
	return r;
}

/* Remove the unix socket file, unless another server has replaced it. */
static void
remove_socket_file(const struct listeners *l)
{
	struct stat st;

	if (l->unix_path != NULL && lstat(l->unix_path, &st) == 0 &&
	    st.st_dev == l->unix_dev && st.st_ino == l->unix_ino)
		(void)unlink(l->unix_path);
}

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
	memset(&l, 0, sizeof(l));
	if ((r = open_listeners(o, ep, type, &l)) != 0) {
		close_listeners(&l);
		return r;
	}
	if (o->co.verbose)
		for (i = 0; i < l.n; i++)
			report_listening(l.fd[i]);
	fd = sock_accept(l.fd, l.n, &peer, &peerlen, &which);
	/* One client: later ones are refused, not left waiting. */
	close_listeners(&l);
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
	remove_socket_file(&l);
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
