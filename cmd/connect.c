/*
 * sockcat connect: connect to HOST PORT (trying every address) and relay
 * stdin/stdout; with -z, probe a list of ports.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "cmd.h"
#include "exec.h"
#include "opts.h"
#include "dial.h"
#include "relay.h"
#include "sig.h"
#include "json.h"
#include "sock.h"
#include "stream.h"
#include "tls.h"
#include "spawn.h"


enum {
	OPT_SCAN = OPT_COMMAND,
	OPT_RETRY,
	OPT_RETRY_DELAY,
	OPT_WAIT
};

/* --retry=inf */
#define RETRY_FOREVER	(-1LL)
/* --retry-delay's default. */
#define RETRY_DELAY_MS	1000

/* The most bytes of stdin a Fast Open SYN is offered (the kernel puts
 * in what fits, the rest follows the handshake). */
#define FASTOPEN_FIRST	1400

struct connect_opts {
	struct common_opts	co;
	int			scan;
	const char		*exec;		/* -e, or NULL */
	long long		retries;	/* tries after the first */
	long long		retry_delay_ms;
	long long		wait_ms;	/* --wait, or OPTS_NO_TIME */
};

/* How many tries were made, and until when --wait goes on. */
struct tries {
	long long	made;
	long long	deadline;	/* -1: no --wait */
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
"      --attempt-delay=SECS  with IPv6 and IPv4 addresses, start the next\n"
"                         attempt after SECS (default 0.25; Happy Eyeballs)\n"
"      --sequential       try the addresses one after another instead\n"
"  -i, --idle-timeout=SECS     end after SECS with no data either way\n"
"  -q, --quit-after-eof=SECS   end SECS after stdin EOF (0: at once)\n"
"      --grace=SECS       after the peer's EOF, end once stdin is quiet\n"
"                         this long (default 0.5; 0, or inf: its EOF)\n"
"      --no-shutdown      at stdin's EOF, keep the connection open both\n"
"                         ways (no half-close)\n"
"  -d, --no-stdin         never read stdin\n"
"      --send-only        only send stdin; discard what arrives\n"
"      --recv-only        only receive; send nothing\n"
"  -z, --scan             connect and close at once; print open ports\n"
"  -e, --exec=CMD         run /bin/sh -c CMD with the connection as its\n"
"                         stdin and stdout; exit with its status\n"
"      --retry=N|inf      try again N more times when refused, timed out,\n"
"                         unreachable or not resolvable yet\n"
"      --retry-delay=SECS between tries (default 1)\n"
"      --wait=SECS        keep trying until SECS have passed\n"
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
USAGE_PROXY
USAGE_SOCK_TCP
USAGE_SOCK_BUFFERS
USAGE_SOCK_IP
USAGE_SOCK_MPTCP
"      --multicast-if=IFACE, --multicast-loop=0|1  with -u, to a group\n"
"  -C, --crlf             send stdin's bare LF as CRLF\n"
"      --telnet           refuse telnet options; keep them off stdout\n"
"      --hex-dump[=FILE]  a hex dump of both directions (default stderr)\n"
"      --line-delay=SECS  send stdin a line at a time, SECS apart\n"
"      --json             diagnostics on stderr as JSON, one object a line\n"
"  -v, --verbose          diagnostics on stderr (repeat for more)\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_UNIX,
	OPTL_TYPE,
	OPTL_PORT,
	OPTL_SOURCE,
	OPTL_CONNECT_TIMEOUT,
	OPTL_HAPPY,
	OPTL_RELAY,
	{ "scan",	no_argument,	NULL, 'z' },
	{ "exec",	required_argument,	NULL, 'e' },
	{ "retry",	required_argument,	NULL, OPT_RETRY },
	{ "retry-delay", required_argument,	NULL, OPT_RETRY_DELAY },
	{ "wait",	required_argument,	NULL, OPT_WAIT },
	OPTL_TLS,
	OPTL_TLS_CLIENT,
	OPTL_PROXY,
	OPTL_SOCK,
	OPTL_SHAPE,
	OPTL_JSON,
	OPTL_BASE,
	OPTL_END
};

static int
connect_option(void *self, int c, const char *arg)
{
	struct connect_opts *o = self;

	switch (c) {
	case 'z':
		o->scan = 1;
		return 0;
	case 'e':
		return exec_option("connect", arg, &o->exec);
	case OPT_RETRY:
		if (strcmp(arg, "inf") == 0) {
			o->retries = RETRY_FOREVER;
			return 0;
		}
		return parse_count("connect", "--retry", arg, 0, INT_MAX,
		    &o->retries);
	case OPT_RETRY_DELAY:
		if (parse_seconds(arg, &o->retry_delay_ms) == -1)
			return usage_error("connect", "--retry-delay '%s': not "
			    "a number of seconds (like 1 or 0.25)", arg);
		return 0;
	case OPT_WAIT:
		if (parse_seconds(arg, &o->wait_ms) == -1)
			return usage_error("connect", "--wait '%s': not a "
			    "number of seconds (like 30)", arg);
		return 0;
	}
	return -1;
}

const struct opts_spec connect_spec = {
	"connect", usage, "46CUt:up:ns:w:i:q:dze:x:vh", longopts, connect_option
};

/*
 * Whether a failure is worth another try: a refusal, a time-out, no
 * route, a unix socket not there yet (errno e), or a name that does not
 * resolve yet (gai, a getaddrinfo error, or 0).
 */
static int
retryable(int e, int gai)
{
	if (gai != 0)
		return gai == EAI_NONAME || gai == EAI_AGAIN
#ifdef EAI_NODATA
		    || gai == EAI_NODATA
#endif
		    ;
	return e == ECONNREFUSED || e == ETIMEDOUT || e == ENETUNREACH ||
	    e == EHOSTUNREACH || e == ENETDOWN || e == EHOSTDOWN ||
	    e == ENOENT || e == EAGAIN;
}

/* Start the tries: --wait's end, if any. */
static void
tries_start(const struct connect_opts *o, struct tries *t)
{
	t->made = 0;
	t->deadline = o->wait_ms != OPTS_NO_TIME ? clock_ms() + o->wait_ms :
	    -1;
}

/* Before a try: -w, but not past --wait's end. */
static void
try_begin(struct connect_opts *o, const struct tries *t, long long saved_ms)
{
	long long left;

	o->co.connect_ms = saved_ms;
	if (t->deadline < 0)
		return;
	if ((left = t->deadline - clock_ms()) < 1)
		left = 1;
	if (saved_ms < 0 || saved_ms > left)
		o->co.connect_ms = left;
}

/*
 * After a failed try: when --retry or --wait allow another, wait
 * --retry-delay (not past --wait's end) and return 1; 0 when the tries
 * are over; -1 when a signal came.
 */
static int
try_again(const struct connect_opts *o, struct tries *t)
{
	long long now = clock_ms(), delay = o->retry_delay_ms;

	t->made++;
	if (o->retries == 0 && t->deadline < 0)
		return 0;
	if (o->retries > 0 && t->made > o->retries)
		return 0;
	if (t->deadline >= 0) {
		if (now >= t->deadline)
			return 0;
		if (delay > t->deadline - now)
			delay = t->deadline - now;
	}
	if (o->co.verbose) {
		struct event ev;

		memset(&ev, 0, sizeof(ev));
		ev.kind = EVENT_RETRY;
		ev.count = t->made;
		ev.ms = delay;
		report_event(&ev);
	}
	if (sock_wait(-1, 0, delay) == -1)
		return -1;
	return 1;
}

/* What probing a port found. */
enum { PROBE_OPEN, PROBE_CLOSED, PROBE_END };

/*
 * Probe port (res: HOST's addresses; NULL through a proxy): PROBE_OPEN,
 * PROBE_CLOSED, or PROBE_END with the exit status in *status.
 */
static int
probe(struct connect_opts *o, const struct endpoint *ep,
    struct addrinfo *res, int port, struct tries *t, int *status)
{
	struct addrinfo *ai, *which;
	struct stream s;
	char portstr[8];
	long long saved = o->co.connect_ms;
	int fd, again, r;

	if (res == NULL) {
		/* As without a proxy: a port the proxy could not reach, or
		 * a proxy not reached (or silent), is tried again. */
		snprintf(portstr, sizeof(portstr), "%d", port);
		t->made = 0;
		do {
			try_begin(o, t, saved);
			r = proxy_dial(&o->co, ep->host, portstr, 1, &s);
			o->co.connect_ms = saved;
			again = r == PROXY_DIAL_TARGET ||
			    r == PROXY_DIAL_UNREACHABLE ? try_again(o, t) : 0;
		} while (again == 1);
		if (r == PROXY_DIAL_OK) {
			stream_close(&s);
			return PROBE_OPEN;
		}
		if (r == PROXY_DIAL_TARGET && again == 0)
			return PROBE_CLOSED;
		*status = r == PROXY_DIAL_SIGNAL || again == -1 ?
		    relay_signal_status() : EXIT_FAILURE;
		return PROBE_END;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		addr_set_port(ai->ai_addr, port);
	t->made = 0;
	do {
		try_begin(o, t, saved);
		fd = dial_any(&o->co, res, 0, NULL, &which);
		again = fd == -1 && retryable(errno, 0) ? try_again(o, t) : 0;
	} while (again == 1);
	o->co.connect_ms = saved;
	if (fd >= 0) {
		close(fd);
		return PROBE_OPEN;
	}
	if (fd == DIAL_REPORTED) {
		*status = EXIT_FAILURE;
		return PROBE_END;
	}
	if (errno == EINTR || again == -1) {
		*status = relay_signal_status();
		return PROBE_END;
	}
	return PROBE_CLOSED;
}

/* -z's line for port: "HOST PORT open", or with --json an object for
 * every port, open or not. */
static void
print_port(const struct connect_opts *o, const char *host, int port,
    int open)
{
	struct json_obj j;
	char buf[EVENT_NAME_MAX * 6 + 64];

	if (!o->co.json) {
		printf("%s %d open\n", host, port);
	} else {
		json_obj_begin(&j, buf, sizeof(buf));
		json_obj_str(&j, "host", host);
		json_obj_int(&j, "port", port);
		json_obj_bool(&j, "open", open);
		json_obj_end(&j);
		printf("%s\n", buf);
	}
	fflush(stdout);
}

/* Scan the port list: print "HOST PORT open" for each that accepts;
 * --retry and --wait apply to each port.  res NULL: through the
 * proxies; none: HOST has no address, every port is closed. */
static int
scan(struct connect_opts *o, const struct endpoint *ep,
    struct addrinfo *res, struct tries *t, int none)
{
	const char *p, *comma;
	char item[64];
	int lo, hi, port, open = 0, status;

	for (p = ep->port;; p = comma + 1) {
		comma = opts_list_item(p, 1, item, sizeof(item));
		if (addr_port_range(item, o->co.numeric, &lo, &hi) == -1)
			return EXIT_USAGE;	/* checked when parsed */
		for (port = lo; port <= hi; port++) {
			/* No address at all: every port is closed. */
			switch (none ? PROBE_CLOSED :
			    probe(o, ep, res, port, t, &status)) {
			case PROBE_OPEN:
				print_port(o, ep->host, port, 1);
				open++;
				break;
			case PROBE_CLOSED:
				if (o->co.json)
					print_port(o, ep->host, port, 0);
				break;
			case PROBE_END:
				return status;
			}
		}
		if (comma == NULL)
			break;
	}
	return open > 0 ? 0 : EXIT_FAILURE;
}

/*
 * The connection made: relay it, or give it to -e's command.  Through
 * proxies (via: HOST PORT), s is the stream when it is TLS to an
 * https:// proxy, else NULL.
 */
static int
session(struct connect_opts *o, int fd, struct stream *s, const char *name,
    size_t first_len, const struct endpoint *via)
{
	char envbuf[EXEC_ENV_N][EXEC_ENV_LEN], *env[EXEC_ENV_N + 1];
	pid_t pid;

	/* TLS to HOST inside the https:// proxy's. */
	if (s != NULL && o->co.tls.ctx != NULL &&
	    tls_wrap(&o->co.tls, s) == -1) {
		warn("connect %s", name);
		stream_close(s);
		return EXIT_FAILURE;
	}
	if (o->exec == NULL)
		return s != NULL ? relay_stream(&o->co, s, name) :
		    relay_session(&o->co, fd, name, 0, first_len);
	exec_env(fd, envbuf, env);
	if (via != NULL) {
		/* The peer is HOST PORT, not the first proxy. */
		exec_env_peer(envbuf, via->host, via->port);
	}
	if (s != NULL)
		return o->co.tls.ctx != NULL ? exec_tls_stream(&o->co, o->exec,
		    s, name, env, EXEC_TLS_CLIENT | EXEC_TLS_ALONE) :
		    exec_stream(&o->co, o->exec, s, name, env, 0, 0);
	if (o->co.tls.ctx != NULL)
		return exec_tls(&o->co, o->exec, fd, name, env,
		    EXEC_TLS_CLIENT | EXEC_TLS_ALONE);
	pid = spawn_shell(o->exec, fd, env);
	close(fd);
	if (pid == -1) {
		warn("connect: %s", o->exec);
		return EXIT_FAILURE;
	}
	return exec_wait(pid, 0);
}

static int
connect_unix(struct connect_opts *o, const char *path, int type)
{
	struct tries t;
	long long saved = o->co.connect_ms;
	int fd, r, e, again, quiet;

	tries_start(o, &t);
	quiet = o->retries != 0 || t.deadline >= 0;
	do {
		try_begin(o, &t, saved);
		if ((fd = dial_unix(&o->co, path, type, quiet, &r)) >= 0)
			break;
		e = errno;
		again = r == EXIT_FAILURE && retryable(e, 0) ?
		    try_again(o, &t) : 0;
		if (again == -1)
			return relay_signal_status();
		if (again == 0 && quiet && r == EXIT_FAILURE && retryable(e, 0))
			warnx("connect %s: %s", path, strerror(e));
		if (again == 0)
			return r;
	} while (again == 1);
	if (o->co.verbose)
		report_connected_name(path);
	r = session(o, fd, NULL, path, 0, NULL);
	dial_unix_done(&o->co);
	return r;
}

/*
 * Through the proxies: each try a new chain; --retry and --wait try
 * again when the first proxy or the target cannot be reached.
 */
static int
run_proxied(struct connect_opts *o, const struct endpoint *ep)
{
	struct stream s;
	struct tries t;
	char name[RELAY_NAME_MAX];
	long long saved = o->co.connect_ms;
	int r, again;

	if (o->scan) {
		tries_start(o, &t);
		return scan(o, ep, NULL, &t, 0);
	}
	tries_start(o, &t);
	for (;;) {
		try_begin(o, &t, saved);
		r = proxy_dial(&o->co, ep->host, ep->port, 0, &s);
		o->co.connect_ms = saved;
		if (r == PROXY_DIAL_OK)
			break;
		if (r == PROXY_DIAL_SIGNAL)
			return relay_signal_status();
		if (r != PROXY_DIAL_TARGET && r != PROXY_DIAL_UNREACHABLE)
			return EXIT_FAILURE;
		if ((again = try_again(o, &t)) == -1)
			return relay_signal_status();
		if (again == 0)
			return EXIT_FAILURE;
	}
	snprintf(name, sizeof(name), "%s port %s", ep->host, ep->port);
	if (tls_stream_is(&s))
		return session(o, s.fd, &s, name, 0, ep);
	return session(o, stream_release(&s), NULL, name, 0, ep);
}

static int
run(struct connect_opts *o, const struct endpoint *ep)
{
	struct addrinfo hints, *res, *which;
	struct dial_first first = { NULL, 0 };
	struct tries t;
	char name[RELAY_NAME_MAX], firstbuf[FASTOPEN_FIRST], hint[96];
	long long saved = o->co.connect_ms;
	int type, fd, r, e, several, again;

	if (sig_init() == -1)
		err(EXIT_FAILURE, "connect: signals");
	type = o->co.type != 0 ? o->co.type : SOCK_STREAM;
	if (type == SOCK_DGRAM && o->co.quit_ms == OPTS_NO_TIME)
		o->co.quit_ms = RELAY_DGRAM_QUIT_MS;
	if (ep->path != NULL)
		return connect_unix(o, ep->path, type);
	if (o->co.proxy.n > 0)
		return run_proxied(o, ep);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->co.family;
	hints.ai_socktype = type;
	hints.ai_protocol = o->co.protocol;
	if (o->co.numeric)
		hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (o->exec == NULL)
		dial_first_read(&o->co, firstbuf, sizeof(firstbuf), &first);
	tries_start(o, &t);
	for (;;) {
		r = addr_resolve(ep->host, o->scan ? "0" : ep->port, &hints,
		    &res);
		if (r != 0) {
			e = errno;
			if (retryable(0, r) && (again = try_again(o, &t)) != 0) {
				if (again == -1)
					return relay_signal_status();
				continue;
			}
			warnx("connect %s port %s: %s%s", ep->host, ep->port,
			    r == EAI_SYSTEM ? strerror(e) : gai_strerror(r),
			    opts_family_hint(&o->co, hint, sizeof(hint)));
			/* -z --json: an object for each port all the same. */
			if (o->scan && o->co.json)
				(void)scan(o, ep, NULL, &t, 1);
			return EXIT_FAILURE;
		}
		if (o->scan) {
			r = scan(o, ep, res, &t, 0);
			freeaddrinfo(res);
			return r;
		}
		try_begin(o, &t, saved);
		if ((fd = dial_any(&o->co, res, 0, &first, &which)) >= 0)
			break;
		e = errno;
		several = res->ai_next != NULL;
		freeaddrinfo(res);
		if (fd == DIAL_REPORTED)
			return EXIT_FAILURE;
		if (e != EINTR && retryable(e, 0) &&
		    (again = try_again(o, &t)) != 0) {
			if (again == -1)
				return relay_signal_status();
			continue;
		}
		if (e == EINTR)
			return relay_signal_status();
		/* With -v a lone address was named already (but JSON's
		 * readers look for the error event). */
		if (!o->co.verbose || several || o->co.json)
			warnx("connect %s port %s: %s", ep->host, ep->port,
			    strerror(e));
		return EXIT_FAILURE;
	}
	o->co.connect_ms = saved;
	relay_name(which->ai_addr, which->ai_addrlen, name, sizeof(name));
	freeaddrinfo(res);
	if (o->co.verbose)
		report_connected(fd);
	return session(o, fd, NULL, name, first.len, NULL);
}

static int
connect_main(int argc, char **argv, int check_only)
{
	struct connect_opts o;
	struct endpoint ep;
	char group[64];
	int first, r;

	memset(&o, 0, sizeof(o));
	o.retry_delay_ms = OPTS_NO_TIME;
	o.wait_ms = OPTS_NO_TIME;
	if ((r = opts_parse(&connect_spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if (!check_only && (r = opts_start_json(&o.co)) != 0)
		return r;
	if ((r = opts_check_relay(&o.co)) != 0)
		return r;
	if (o.retry_delay_ms != OPTS_NO_TIME && o.retries == 0 &&
	    o.wait_ms == OPTS_NO_TIME)
		return usage_error("connect", "--retry-delay needs --retry or "
		    "--wait");
	if (o.retry_delay_ms == OPTS_NO_TIME)
		o.retry_delay_ms = RETRY_DELAY_MS;
	if (o.co.sequential && o.co.attempt_delay_ms != OPTS_NO_TIME)
		return usage_error("connect", "--attempt-delay conflicts with "
		    "--sequential");
	if (o.exec != NULL && o.scan)
		return usage_error("connect", "--exec conflicts with --scan");
	if (o.exec != NULL && o.co.type == SOCK_DGRAM)
		return usage_error("connect", "--exec conflicts with %s",
		    o.co.type_by);
	if (o.exec != NULL && (r = opts_check_exec(&o.co)) != 0)
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
	    o.co.type_by : NULL)) != 0 || (r = proxy_check(&o.co)) != 0)
		return r;
	if ((r = opts_endpoint(&o.co, OPERANDS_HOST_PORT, o.scan,
	    argc - first, argv + first, &ep)) != 0)
		return r;
	if ((r = opts_check_sock(&o.co, 0, SOCK_STREAM, &ep, group,
	    sizeof(group))) != 0) {
		free(ep.alloc);
		return r;
	}
	if (!check_only && ((r = tls_setup(&o.co.tls, "connect", 0,
	    ep.path != NULL ? NULL : ep.host)) != 0 ||
	    (r = proxy_setup(&o.co)) != 0)) {
		proxy_teardown(&o.co);
		tls_teardown(&o.co.tls);
		free(ep.alloc);
		return r;
	}
	if ((r = opts_setup_shape(&o.co, o.exec != NULL ? "--exec" : NULL,
	    check_only)) != 0) {
		proxy_teardown(&o.co);
		tls_teardown(&o.co.tls);
		free(ep.alloc);
		return r;
	}
	r = check_only ? 0 : run(&o, &ep);
	r = opts_shape_done(&o.co, r);
	proxy_teardown(&o.co);
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
