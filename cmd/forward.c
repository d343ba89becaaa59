/*
 * sockcat forward: accept clients on LISTEN and relay each, both ways,
 * to a connection of its own to TARGET, in one process.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "engine.h"
#include "listen.h"
#include "opts.h"
#include "proxy.h"
#include "proxy-opts.h"
#include "relay.h"
#include "sig.h"
#include "sock.h"
#include "tls-opts.h"

/* forward -u: how long a quiet sender is remembered by default. */
#define UDP_IDLE_MS	60000

/* The most addresses TARGET's name may give to try. */
#define TARGETS_MAX	16

enum {
	OPT_SEND_PROXY = OPT_COMMAND,
	OPT_TLS_LISTEN
};

struct forward_opts {
	struct common_opts	co;
	long long		max_clients;	/* 0: no cap */
	long long		backlog;	/* 0: SOMAXCONN */
	int			send_proxy;	/* PROXY header version, or 0 */
	int			udp;		/* -u */
	struct tls_opts		listen;		/* --tls-listen; co.tls is
						   TARGET's */
};

static const char usage[] =
"usage: sockcat forward [options] LISTEN TARGET\n"
"\n"
"Accept clients on LISTEN ([HOST:]PORT, [V6ADDR]:PORT or unix:PATH) and\n"
"relay each, both ways, to a connection of its own to TARGET (HOST:PORT,\n"
"[V6ADDR]:PORT or unix:PATH; unix:@NAME is abstract), all in one process.\n"
"\n"
"  -u, --udp              datagrams: each sender gets a socket of its own to\n"
"                         TARGET, its replies go back to it\n"
"  -4, --ipv4             IPv4 only\n"
"  -6, --ipv6             IPv6 only\n"
"  -n, --numeric          no DNS and no service-name lookups\n"
"  -w, --connect-timeout=SECS  each connection to TARGET within SECS\n"
"                         (default 10), else the next address\n"
"  -i, --idle-timeout=SECS  close a pair quiet that long (-u: forget a\n"
"                         sender; default 60)\n"
"  -m, --max-clients=N    at most N clients at once\n"
"  -b, --backlog=N        listen(2) backlog (default SOMAXCONN)\n"
"      --tls              TLS to TARGET, verified as connect verifies\n"
"      --cacert=FILE, --capath=DIR  the CAs TARGET's certificate (and with\n"
"                         --require-client-cert, clients') is checked against\n"
"      --insecure         do not verify TARGET's certificate\n"
"      --pinnedpubkey=sha256//B64[;...]  TARGET's key is one of these\n"
"      --servername=NAME  the name sent (SNI) and verified\n"
"      --tls-listen       TLS with the clients\n"
"      --cert=FILE, --key=FILE  its certificate and key (PEM)\n"
"      --self-signed      a throwaway certificate (also without --cert)\n"
"      --require-client-cert  clients need a certificate (--cacert's)\n"
"      --alpn=P1[,P2], --tls-min=V, --tls-max=V, --ciphers=LIST,\n"
"      --tls13-ciphers=LIST  both sides' TLS, as connect and serve take them\n"
"  -x, --proxy=URL        reach TARGET through this proxy (repeat: a\n"
"                         chain): socks4://, socks4a://, socks5://,\n"
"                         socks5h://, http:// or https://\n"
"      --proxy-user=USER[:PASS]  the (first) proxy's credentials\n"
"      --proxy-cacert=FILE, --proxy-insecure  an https:// proxy's\n"
"                         --cacert and --insecure\n"
"      --proxy-protocol=v1|v2  send TARGET a PROXY protocol header\n"
"                         naming the client first\n"
"  -C, --crlf             send a client's bare LF to TARGET as CRLF\n"
"      --telnet           refuse TARGET's telnet options; keep them from\n"
"                         the client\n"
"      --hex-dump[=FILE]  a hex dump of every pair, both directions\n"
"                         (default stderr)\n"
"      --line-delay=SECS  send a client's bytes a line at a time, SECS\n"
"                         apart\n"
USAGE_ACL
"Socket options (the listening socket, whose clients inherit them, and\n"
"each target's):\n"
USAGE_SOCK_TCP
USAGE_SOCK_BUFFERS
USAGE_SOCK_IP
USAGE_SOCK_MPTCP
USAGE_SOCK_REUSEPORT
"      --json             diagnostics on stderr as JSON, one object a line\n"
"  -v, --verbose          report each client and its totals on stderr\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_CONNECT_TIMEOUT,
	OPTL_IDLE_TIMEOUT,
	{ "udp",	 no_argument,		NULL, 'u' },
	{ "numeric",	 no_argument,		NULL, 'n' },
	{ "max-clients", required_argument,	NULL, 'm' },
	{ "backlog",	 required_argument,	NULL, 'b' },
	{ "proxy-protocol", required_argument,	NULL, OPT_SEND_PROXY },
	{ "tls-listen",	 no_argument,		NULL, OPT_TLS_LISTEN },
	OPTL_PROXY,
	OPTL_TLS,
	OPTL_TLS_CLIENT,
	OPTL_TLS_SERVER,
	OPTL_SHAPE,
	OPTL_ACL,
	OPTL_SOCK,
	OPTL_JSON,
	OPTL_BASE,
	OPTL_END
};

static int
forward_option(void *self, int c, const char *arg)
{
	struct forward_opts *o = self;

	switch (c) {
	case 'u':
		o->udp = 1;
		return 0;
	case 'm':
		return parse_count("forward", "--max-clients", arg, 1,
		    1000000, &o->max_clients);
	case 'b':
		return parse_count("forward", "--backlog", arg, 1, 65535,
		    &o->backlog);
	case OPT_SEND_PROXY:
		if (strcmp(arg, "v1") == 0 || strcmp(arg, "1") == 0)
			o->send_proxy = 1;
		else if (strcmp(arg, "v2") == 0 || strcmp(arg, "2") == 0)
			o->send_proxy = 2;
		else
			return usage_error("forward", "--proxy-protocol takes v1 "
			    "or v2, not '%s'", arg);
		return 0;
	/* The listening side's own; the rest of TLS is TARGET's. */
	case OPT_TLS_LISTEN:
		o->listen.on = 1;
		return 0;
	case OPT_CERT:
		return tls_option(&o->listen, "forward", c, arg, "--cert");
	case OPT_KEY:
		return tls_option(&o->listen, "forward", c, arg, "--key");
	case OPT_SELF_SIGNED:
		return tls_option(&o->listen, "forward", c, arg,
		    "--self-signed");
	case OPT_REQUIRE_CERT:
		return tls_option(&o->listen, "forward", c, arg,
		    "--require-client-cert");
	}
	return -1;
}

const struct opts_spec forward_spec = {
	"forward", usage, "46Cunw:i:m:b:x:vh", longopts, forward_option
};

/*
 * Share the TLS options of both sides: the versions, ciphers and ALPN
 * go to the listening side too, the CAs with --require-client-cert;
 * without --tls those are the listening side's alone.  Then check each
 * side.  Returns 0 or a usage error's status.
 */
static int
tls_sides(struct forward_opts *o)
{
	struct tls_opts *t = &o->co.tls, *l = &o->listen;
	int r;

	if (!l->on && l->first[0] != '\0')
		return usage_error("forward", "%s needs --tls-listen", l->first);
	if (l->on) {
		l->alpn = t->alpn;
		l->min_version = t->min_version;
		l->max_version = t->max_version;
		l->ciphers = t->ciphers;
		l->ciphers13 = t->ciphers13;
		if (l->require_client_cert) {
			l->cacert = t->cacert;
			l->capath = t->capath;
		}
		if (!t->on && !t->insecure && t->pins == NULL &&
		    t->servername == NULL)
			t->first[0] = '\0';
	}
	if ((r = tls_check(t, "forward", 0, NULL)) != 0)
		return r;
	return tls_check(l, "forward", 1, NULL);
}

/* "unix:PATH" gives PATH, anything else NULL. */
static const char *
unix_path(const char *op)
{
	return strncmp(op, "unix:", 5) == 0 ? op + 5 : NULL;
}

/* TARGET unix:PATH as an address (@NAME: abstract).  0, or a usage
 * error's status. */
static int
unix_target(const char *path, struct engine_target *t)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&t->ss;
	size_t n = strlen(path);

	if (n == 0)
		return usage_error("forward", "empty TARGET path");
	if (n >= sizeof(sun->sun_path))
		return usage_error("forward", "TARGET path '%.40s...' too long",
		    path);
	memset(t, 0, sizeof(*t));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	t->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '@' ? 0 : 1));
	return 0;
}

/* TARGET's host, for TLS's names (a unix TARGET: NULL); it stays
 * for the run (a static copy). */
static const char *
target_host(const char *op)
{
	static char host[NI_MAXHOST];
	char *h, *p;

	if (unix_path(op) != NULL || addr_split(op, &h, &p) == -1)
		return NULL;
	strlcpy(host, h, sizeof(host));
	free(h);
	return host;
}

/* Whether TARGET op has HOST:PORT's shape, with a port that can be
 * reached (1-65535, or a service unless -n), stored in *nport if not
 * NULL: 0, or a usage error's status. */
static int
target_shape(const struct forward_opts *o, const char *op, int *nport)
{
	char *host, *port;
	int n, r = 0;

	if (addr_split(op, &host, &port) == -1)
		return usage_error("forward", "TARGET '%s' is not HOST:PORT, "
		    "[V6ADDR]:PORT or unix:PATH", op);
	if (addr_port_parse(port, o->co.numeric, &n) == -1)
		r = usage_error("forward", errno == ERANGE ? "TARGET port "
		    "'%s' out of range 1-65535" : errno == EINVAL ? "TARGET "
		    "port '%s' is not a number (-n looks up no service names)" :
		    "TARGET port '%s': no such service in services(5)", port);
	else if (n == 0)
		r = usage_error("forward", "TARGET port '%s' out of range "
		    "1-65535", port);
	else if (nport != NULL)
		*nport = n;
	free(host);
	return r;
}

/*
 * TARGET HOST:PORT, resolved now (a name is looked up once, at start):
 * its addresses in getaddrinfo's order into t.  Returns how many, or -1
 * after the message with *status set.
 */
static int
inet_targets(const struct forward_opts *o, const char *op,
    struct engine_target *t, int *status)
{
	struct addrinfo hints, *res, *ai;
	char *host, *port;
	int r, n = 0;

	if ((*status = target_shape(o, op, NULL)) != 0 ||
	    addr_split(op, &host, &port) == -1)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->co.family;
	hints.ai_socktype = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	hints.ai_flags = o->co.numeric ? AI_NUMERICHOST | AI_NUMERICSERV : 0;
	if ((r = addr_resolve(host, port, &hints, &res)) != 0) {
		warnx("forward: %s port %s: %s", host, port, r == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(r));
		free(host);
		*status = EXIT_FAILURE;
		return -1;
	}
	for (ai = res; ai != NULL && n < TARGETS_MAX; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(t[n].ss))
			continue;
		memcpy(&t[n].ss, ai->ai_addr, ai->ai_addrlen);
		t[n++].len = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	free(host);
	return n;
}

/* --proxy: each hop's handshake, name in events and TLS (https://). */
struct chain {
	struct proxy_talk talks[PROXY_HOPS_MAX];
	struct tls_opts	 tls[PROXY_HOPS_MAX];
	char		 names[PROXY_HOPS_MAX][PROXY_FIELD_MAX + 16];
	struct engine_hop hops[PROXY_HOPS_MAX];
	size_t		 n;
};

/* Wipe the credentials ch holds. */
static void
chain_end(struct chain *ch)
{
	size_t i;

	for (i = 0; i < PROXY_HOPS_MAX; i++)
		proxy_talk_end(&ch->talks[i]);
}

/*
 * --proxy: the first proxy's addresses into t (what the forwarder
 * connects to) and the chain's hops, the last asking for TARGET op,
 * into ch.  Returns how many addresses, or -1 after the message with
 * *status set.
 */
static int
proxy_targets(const struct forward_opts *o, const char *op,
    struct engine_target *t, struct chain *ch, int *status)
{
	const struct proxy_opts *p = &o->co.proxy;
	const struct proxy_url *h;
	struct sockaddr_storage ss[PROXY_HOPS_MAX];
	int nport[PROXY_HOPS_MAX];
	char hp[PROXY_FIELD_MAX + 16], *host, *port;
	size_t i;

	if ((*status = target_shape(o, op, NULL)) != 0 ||
	    addr_split(op, &host, &port) == -1)
		return -1;
	if (proxy_asks(&o->co, host, port, nport, ss) == -1) {
		free(host);
		*status = EXIT_FAILURE;
		return -1;
	}
	for (i = 0; i < p->n; i++) {
		h = &p->hops[i];
		if (proxy_talk_start(&ch->talks[i], h->scheme, i + 1 < p->n ?
		    p->hops[i + 1].host : host, nport[i],
		    ss[i].ss_family != AF_UNSPEC ?
		    (const struct sockaddr *)&ss[i] : NULL,
		    h->has_user ? h->user : NULL,
		    h->has_pass ? h->pass : NULL) == -1) {
			warnx("forward: proxy %s port %s: %s", h->host,
			    h->port, ch->talks[i].why);
			free(host);
			*status = EXIT_FAILURE;
			return -1;
		}
		ch->hops[i].talk = &ch->talks[i];
		if (i > 0) {
			snprintf(ch->names[i], sizeof(ch->names[i]),
			    "%s port %s", h->host, h->port);
			ch->hops[i].name = ch->names[i];
		}
		if (h->scheme == PROXY_HTTPS) {
			/* The one context, each hop's own names. */
			ch->tls[i] = p->tls;
			tls_names(&ch->tls[i], h->host);
			ch->hops[i].wrap = tls_wrap;
			ch->hops[i].wrap_arg = &ch->tls[i];
		}
	}
	ch->n = p->n;
	free(host);
	h = &p->hops[0];
	snprintf(hp, sizeof(hp), strchr(h->host, ':') != NULL ? "[%s]:%s" :
	    "%s:%s", h->host, h->port);
	return inet_targets(o, hp, t, status);
}

static int
run(const struct forward_opts *o, const struct endpoint *ep,
    const struct engine_target *t, size_t nt, const struct chain *ch)
{
	struct common_opts lco = o->co;
	struct pairs_spec ps;
	struct listeners l;
	struct sock_spec spec;
	size_t i;
	int r;

	if (sig_init() == -1)
		err(EXIT_FAILURE, "forward: signals");
	listeners_more_files();
	if (ep->path != NULL)
		lco.family = AF_UNIX;
	if ((r = listeners_open(&lco, ep, o->udp ? SOCK_DGRAM : SOCK_STREAM,
	    (int)o->backlog, &l)) != 0)
		return r;
	if (o->co.verbose)
		for (i = 0; i < l.n; i++)
			report_listening(l.fd[i]);
	memset(&spec, 0, sizeof(spec));
	spec.type = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	spec.timeout_ms = -1;
	spec.opts = &o->co.sock.opts;
	memset(&ps, 0, sizeof(ps));
	ps.targets = t;
	ps.ntargets = nt;
	ps.sock = &spec;
	ps.send_proxy = o->send_proxy;
	ps.udp = o->udp;
	ps.hops = ch->hops;
	ps.nhops = ch->n;
	ps.target_tls = (struct tls_opts *)(uintptr_t)&o->co.tls;
	ps.listen_tls = (struct tls_opts *)(uintptr_t)&o->listen;
	r = relay_pairs(&o->co, l.fd, l.n, (size_t)o->max_clients, &ps);
	listeners_close(&l);
	listeners_remove_file(&l);
	return r;
}

static int
forward_main(int argc, char **argv, int check_only)
{
	struct forward_opts o;
	struct engine_target t[TARGETS_MAX];
	struct chain ch;	/* about 90 KiB */
	struct endpoint ep;
	const char *lpath, *tpath;
	int first, r, nt = 0;

	memset(&o, 0, sizeof(o));
	memset(&ch, 0, sizeof(ch));
	if ((r = opts_parse(&forward_spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if (!check_only && (r = opts_start_json(&o.co)) != 0)
		return r;
	argc -= first;
	argv += first;
	if (argc < 2)
		return usage_error("forward", "missing %s", argc == 0 ?
		    "LISTEN and TARGET" : "TARGET");
	if (argc > 2)
		return opts_extra_operand(&o.co, argv[2]);
	if ((r = tls_sides(&o)) != 0)
		return r;
	if (o.udp && (o.co.tls.on || o.listen.on || o.send_proxy ||
	    o.co.proxy.n > 0))
		return usage_error("forward", "-u conflicts with %s",
		    o.co.tls.on ? "--tls" : o.listen.on ? "--tls-listen" :
		    o.send_proxy ? "--proxy-protocol" : "--proxy");
	if (o.udp && (o.co.shape.crlf || o.co.shape.telnet ||
	    o.co.hex_dump != NULL || o.co.line_delay_ms != OPTS_NO_TIME))
		return usage_error("forward", "-u conflicts with %s: forward "
		    "shapes streams only", o.co.shape.crlf ? "--crlf" :
		    o.co.shape.telnet ? "--telnet" : o.co.hex_dump != NULL ?
		    "--hex-dump" : "--line-delay");
	if ((r = proxy_check(&o.co)) != 0 ||
	    (r = opts_setup_shape(&o.co, NULL, 1)) != 0)
		return r;
	/* Many https:// proxy sessions at once: small buffers. */
	o.co.proxy.tls.many = 1;
	if (o.co.proxy.n > 0 && unix_path(argv[1]) != NULL)
		return usage_error("forward", "--proxy conflicts with a unix "
		    "TARGET");
	if (o.udp && o.co.idle_ms == OPTS_NO_TIME)
		o.co.idle_ms = UDP_IDLE_MS;
	memset(&ep, 0, sizeof(ep));
	if ((lpath = unix_path(argv[0])) != NULL) {
		if (*lpath == '\0')
			return usage_error("forward", "empty LISTEN path");
		ep.path = lpath;
	} else if ((r = opts_endpoint(&o.co, OPERANDS_OPT_HOST, 0, 1, argv,
	    &ep)) != 0)
		return r;
	tpath = unix_path(argv[1]);
	/* Socket options: an IP or TCP one with no IP socket at all is a
	 * usage error, as for serve -U. */
	if (ep.path != NULL && tpath != NULL && o.co.family == AF_UNSPEC) {
		o.co.family = AF_UNIX;
		strlcpy(o.co.family_by, "unix: LISTEN and TARGET",
		    sizeof(o.co.family_by));
	}
	/* forward's own -u, for the messages that name what chose UDP. */
	if (o.udp && o.co.type_by[0] == '\0')
		strlcpy(o.co.type_by, "-u", sizeof(o.co.type_by));
	if ((r = opts_check_sock(&o.co, 1, o.udp ? SOCK_DGRAM : SOCK_STREAM,
	    NULL, NULL, 0)) != 0) {
		free(ep.alloc);
		return r;
	}
	if (tpath != NULL) {
		if ((r = unix_target(tpath, &t[0])) != 0) {
			free(ep.alloc);
			return r;
		}
		nt = 1;
	} else if (check_only) {
		/* Its shape only: nothing is resolved. */
		if ((r = target_shape(&o, argv[1], NULL)) != 0) {
			free(ep.alloc);
			return r;
		}
		nt = 0;
	} else if (o.co.proxy.n > 0 && ((r = proxy_setup(&o.co)) != 0 ||
	    (nt = proxy_targets(&o, argv[1], t, &ch, &r)) <= 0)) {
		chain_end(&ch);
		proxy_teardown(&o.co);
		free(ep.alloc);
		if (r == 0 && nt == 0) {
			warnx("forward: the proxy has no address to connect to");
			r = EXIT_FAILURE;
		}
		return r;
	} else if (o.co.proxy.n == 0 &&
	    (nt = inet_targets(&o, argv[1], t, &r)) <= 0) {
		free(ep.alloc);
		if (nt == 0) {
			warnx("forward: %s has no address to connect to",
			    argv[1]);
			return EXIT_FAILURE;
		}
		return r;
	}
	o.listen.many = 1;
	if (!check_only && ((r = tls_setup(&o.co.tls, "forward", 0,
	    target_host(argv[1]))) != 0 ||
	    (r = tls_setup(&o.listen, "forward", 1, NULL)) != 0)) {
		tls_teardown(&o.co.tls);
		free(ep.alloc);
		return r;
	}
	if ((r = opts_setup_shape(&o.co, NULL, check_only)) == 0 &&
	    !check_only && (r = opts_setup_acl(&o.co)) == 0)
		r = run(&o, &ep, t, (size_t)nt, &ch);
	r = opts_shape_done(&o.co, r);
	chain_end(&ch);
	proxy_teardown(&o.co);
	opts_acl_done(&o.co);
	tls_teardown(&o.co.tls);
	tls_teardown(&o.listen);
	sig_fini();
	free(ep.alloc);
	return r;
}

int
cmd_forward(int argc, char **argv)
{
	return forward_main(argc, argv, 0);
}

int
cmd_forward_check(int argc, char **argv)
{
	return forward_main(argc, argv, 1);
}
