/*
 * opts: shared options, operands and usage errors (see opts.h).
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "acl.h"
#include "diag.h"
#include "opts.h"

int
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("sockcat: ", stderr);
	if (cmd != NULL)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'sockcat %s%s--help')\n",
	    cmd != NULL ? cmd : "", cmd != NULL ? " " : "");
	return EXIT_USAGE;
}

/*
 * Other netcats' flags that sockcat spells otherwise, and what to type
 * instead: said when the flag is not one of the command's own.
 */
static const struct habit {
	const char	*cmd;		/* the command's own, or NULL: all */
	const char	*flag;		/* "-l", "--ssl" */
	const char	*hint;
} habits[] = {
	{ "forward", "-N", "not needed: forward passes each side's "
	    "half-close on to the other" },
	{ "forward", "-X", "nc -X 5 -x HOST:PORT is 'sockcat forward -x "
	    "socks5://HOST:PORT' (-X 4: socks4://, -X connect: http://)" },
	{ NULL, "-l", "to listen, use 'sockcat serve [HOST] PORT'" },
	{ NULL, "-N", "not needed: sockcat half-closes the connection at "
	    "stdin's EOF (-q 0 ends the session then)" },
	{ NULL, "-c", "to run a command, use -e CMD (--exec)" },
	{ NULL, "--sh-exec", "use -e CMD (--exec)" },
	{ NULL, "--ssl", "use --tls" },
	{ NULL, "-X", "nc -X 5 -x HOST:PORT is 'sockcat connect -x "
	    "socks5://HOST:PORT' (-X 4: socks4://, -X connect: http://)" },
	{ NULL, "-x", "a proxy is connect's -x URL; for ncat -x's hex dump "
	    "use --hex-dump=FILE" },
	{ NULL, "-o", "for ncat -o's hex dump use --hex-dump=FILE" },
	{ NULL, "-T", "use --tos=VAL (a number or a DSCP name such as ef)" },
	{ NULL, "-I", "use --rcvbuf=BYTES" },
	{ NULL, "-O", "use --sndbuf=BYTES" },
};

/* The hint for an unknown option of cmd as typed (culprit) or short
 * letter c, or NULL. */
static const char *
habit_hint(const char *cmd, const char *culprit, int c)
{
	size_t i, n;

	if (c == 'l' && culprit[1] != '-' && (strcmp(cmd, "serve") == 0 ||
	    strcmp(cmd, "udp-listen") == 0))
		return "not needed: this command listens already";

	for (i = 0; i < sizeof(habits) / sizeof(habits[0]); i++) {
		if (habits[i].cmd != NULL && strcmp(habits[i].cmd, cmd) != 0)
			continue;
		n = strlen(habits[i].flag);
		if (habits[i].flag[1] != '-' && c == habits[i].flag[1] &&
		    culprit[1] != '-')
			return habits[i].hint;
		if (habits[i].flag[1] == '-' &&
		    strncmp(culprit, habits[i].flag, n) == 0 &&
		    (culprit[n] == '\0' || culprit[n] == '='))
			return habits[i].hint;
	}
	return NULL;
}

/* How option c was spelled on the command line, for messages. */
static void
spelling(const struct option *lo, int c, char *buf, size_t len)
{
	if (lo != NULL)
		snprintf(buf, len, "--%s", lo->name);
	else
		snprintf(buf, len, "-%c", c);
}

/*
 * Set a family or type field once; a second, different value is a
 * conflict named by both spellings.
 */
static int
set_once(const char *cmd, int *field, char *by, size_t bylen, int value,
    const char *spelled)
{
	if (by[0] != '\0' && *field != value)
		return usage_error(cmd, "%s conflicts with %s", spelled, by);
	*field = value;
	strlcpy(by, spelled, bylen);
	return 0;
}

static int
bad_seconds(const char *cmd, const char *opt, const char *arg)
{
	return usage_error(cmd, "%s '%s': %s", opt, arg, errno == ERANGE ?
	    "too large (at most 1000000 seconds)" :
	    "not a number of seconds (like 5 or 0.25)");
}

/* The shared options; returns 0, EXIT_USAGE, or -1 when c is unknown. */
static int
common_option(struct common_opts *co, int c, const char *arg,
    const char *spelled)
{
	const char *cmd = co->cmd;
	char by[64];
	long long *ms;
	int v;

	strlcpy(by, spelled, sizeof(by));
	switch (c) {
	case '4':
		return set_once(cmd, &co->family, co->family_by,
		    sizeof(co->family_by), AF_INET, by);
	case '6':
		return set_once(cmd, &co->family, co->family_by,
		    sizeof(co->family_by), AF_INET6, by);
	case 'U':
		return set_once(cmd, &co->family, co->family_by,
		    sizeof(co->family_by), AF_UNIX, by);
	case OPT_FAMILY:
		if (addr_family_parse(arg, &v) == -1)
			return usage_error(cmd, "--family '%s': unknown family "
			    "(inet, inet6, unix or any)", arg);
		if (v == AF_UNSPEC && co->family_by[0] == '\0')
			return 0;
		snprintf(by, sizeof(by), "--family=%s", arg);
		return set_once(cmd, &co->family, co->family_by,
		    sizeof(co->family_by), v, by);
	case 't':
		if (addr_type_parse(arg, &v) == -1)
			return usage_error(cmd, "--type '%s': unknown socket "
			    "type (stream, dgram, seqpacket or raw)", arg);
		snprintf(by, sizeof(by), "--type=%s", arg);
		return set_once(cmd, &co->type, co->type_by,
		    sizeof(co->type_by), v, by);
	case 'u':
		return set_once(cmd, &co->type, co->type_by,
		    sizeof(co->type_by), SOCK_DGRAM, by);
	case OPT_PROTOCOL:
		if (addr_protocol_parse(arg, &co->protocol) == -1)
			return usage_error(cmd, "--protocol '%s': %s", arg,
			    errno == ERANGE ? "out of range 0-255" :
			    "no such protocol in protocols(5)");
		return 0;
	case 'p':
		co->port = arg;
		return 0;
	case 'n':
		co->numeric = 1;
		return 0;
	case 'v':
		co->verbose++;
		return 0;
	case 's':
		if (addr_host_check(arg) == -1)
			return usage_error(cmd, "--source '%.300s': bad address",
			    arg);
		co->source = arg;
		return 0;
	case OPT_SOURCE_PORT:
		co->source_port = arg;
		return 0;
	case 'd':
		co->no_stdin = 1;
		return 0;
	case OPT_SEND_ONLY:
		co->send_only = 1;
		return 0;
	case OPT_NO_SHUTDOWN:
		co->no_shutdown = 1;
		return 0;
	case OPT_SEQUENTIAL:
		co->sequential = 1;
		return 0;
	case OPT_JSON_EVENTS:
		co->json = 1;
		return 0;
	case OPT_LABEL:
		co->label = 1;
		return 0;
	case OPT_ROUTE:
		co->route = 1;
		return 0;
	case OPT_BROKER:
		co->broker = 1;
		return 0;
	case OPT_ALLOW:
	case OPT_DENY:
	case OPT_ALLOW_FILE:
	case OPT_DENY_FILE:
		if (co->nacl_args == OPTS_ACL_MAX)
			return usage_error(cmd, "at most %d --allow, --deny, "
			    "--allow-file and --deny-file", OPTS_ACL_MAX);
		co->acl_args[co->nacl_args].opt = c;
		co->acl_args[co->nacl_args++].arg = arg;
		return 0;
	case OPT_ATTEMPT_DELAY:
		ms = &co->attempt_delay_ms;
		break;
	case OPT_RECV_ONLY:
		co->recv_only = 1;
		return 0;
	case 'C':
		co->shape.crlf = 1;
		return 0;
	case OPT_TELNET:
		co->shape.telnet = 1;
		return 0;
	case OPT_HEX_DUMP:
		if (arg != NULL && *arg == '\0')
			return usage_error(cmd, "--hex-dump=: empty FILE "
			    "(--hex-dump alone writes to stderr)");
		co->hex_dump = arg != NULL ? arg : "";
		return 0;
	case 'w':
		ms = &co->connect_ms;
		break;
	case 'i':
		ms = &co->idle_ms;
		break;
	case 'q':
		ms = &co->quit_ms;
		break;
	case OPT_LINE_DELAY:
		ms = &co->line_delay_ms;
		break;
	case OPT_GRACE:
		if (strcmp(arg, "inf") == 0) {
			co->grace_ms = OPTS_FOREVER;
			return 0;
		}
		ms = &co->grace_ms;
		break;
	default:
		if ((v = tls_option(&co->tls, cmd, c, arg, by)) != -1)
			return v;
		if ((v = proxy_option(&co->proxy, cmd, c, arg)) != -1)
			return v;
		return sockopt_option(&co->sock, cmd, c, arg, by);
	}
	if (parse_seconds(arg, ms) == -1)
		return bad_seconds(cmd, by, arg);
	return 0;
}

/*
 * A long option getopt_long() took for none: unknown, or the start of
 * several (getopt says nothing of which).  Returns EXIT_USAGE after the
 * message.
 */
static int
long_unknown(const struct opts_spec *spec, const char *culprit)
{
	const struct option *lo;
	size_t n = strcspn(culprit + 2, "="), matches = 0;
	char names[256];
	size_t used = 0;

	names[0] = '\0';
	for (lo = spec->longopts; lo->name != NULL; lo++) {
		if (strncmp(lo->name, culprit + 2, n) != 0)
			continue;
		matches++;
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) -
			    used, "%s--%s", used > 0 ? ", " : "", lo->name);
	}
	if (n > 0 && matches > 1)
		return usage_error(spec->cmd, "option '--%.*s' is ambiguous: "
		    "%s", (int)n, culprit + 2, names);
	return usage_error(spec->cmd, "unknown option '%s'", culprit);
}

int
opts_parse(const struct opts_spec *spec, struct common_opts *co, void *self,
    int argc, char **argv, int *first)
{
	char shortopts[128], by[64];
	const struct option *lo;
	const char *culprit, *hint;
	int c, r, longindex;

	memset(co, 0, sizeof(*co));
	co->cmd = spec->cmd;
	co->connect_ms = co->idle_ms = co->quit_ms = OPTS_NO_TIME;
	co->grace_ms = OPTS_NO_TIME;
	co->shape.dump_fd = -1;
	co->line_delay_ms = OPTS_NO_TIME;
	co->attempt_delay_ms = OPTS_NO_TIME;
	sockopt_args_init(&co->sock);
	/* ':' first: report a missing argument as ':' rather than '?'. */
	snprintf(shortopts, sizeof(shortopts), ":%s", spec->shortopts);
	opterr = 0;
	optind = 0;	/* GNU: a full reset, so parsing can run again */
	for (;;) {
		longindex = -1;
		c = getopt_long(argc, argv, shortopts, spec->longopts,
		    &longindex);
		if (c == -1)
			break;
		culprit = argv[optind - 1];
		lo = longindex >= 0 ? &spec->longopts[longindex] : NULL;
		switch (c) {
		case 'h':
			fputs(spec->usage, stdout);
			return OPTS_HELP;
		case '?':
			if ((hint = habit_hint(spec->cmd, culprit, optopt)) != NULL)
				return usage_error(spec->cmd, "unknown option "
				    "'%s': %s", culprit[1] == '-' ? culprit :
				    (snprintf(by, sizeof(by), "-%c", optopt),
				    by), hint);
			/* A long option given a value it does not take:
			 * getopt says so by its short name, which the user
			 * never typed. */
			if (culprit[0] == '-' && culprit[1] == '-' &&
			    optopt != 0 && strchr(culprit, '=') != NULL)
				return usage_error(spec->cmd, "option '%.*s' "
				    "takes no value", (int)strcspn(culprit,
				    "="), culprit);
			if (culprit[0] == '-' && culprit[1] == '-')
				return long_unknown(spec, culprit);
			if (isdigit(optopt))
				return usage_error(spec->cmd, "unknown option "
				    "'-%c': no negative number is a valid "
				    "operand", optopt);
			if (optopt != 0)
				return usage_error(spec->cmd,
				    "unknown option '-%c'", optopt);
			return usage_error(spec->cmd, "unknown option '%s'",
			    culprit);
		case ':':
			if (culprit[0] == '-' && culprit[1] == '-')
				return usage_error(spec->cmd,
				    "option '%s' needs a value", culprit);
			return usage_error(spec->cmd,
			    "option '-%c' needs a value", optopt);
		}
		spelling(lo, c, by, sizeof(by));
		if (lo != NULL && lo->has_arg == optional_argument &&
		    optarg == NULL && co->bare_opt == NULL && optind < argc &&
		    argv[optind][0] != '-') {
			co->bare_opt = lo->name;
			co->bare_next = argv[optind];
		}
		if ((r = spec->option(self, c, optarg)) == -1)
			r = common_option(co, c, optarg, by);
		if (r == -1)
			return usage_error(spec->cmd, "unknown option '%s'",
			    culprit);
		if (r != 0)
			return r;
	}
	*first = optind;
	return 0;
}

const char *
opts_bare_hint(const struct common_opts *co, char *buf, size_t len)
{
	buf[0] = '\0';
	if (co->bare_opt != NULL)
		snprintf(buf, len, " (--%s takes its value after '=' only: "
		    "--%s=%.64s)", co->bare_opt, co->bare_opt, co->bare_next);
	return buf;
}

int
opts_extra_operand(const struct common_opts *co, const char *word)
{
	char hint[192];

	return usage_error(co->cmd, "extra operand '%.64s'%s", word,
	    opts_bare_hint(co, hint, sizeof(hint)));
}

const char *
opts_list_item(const char *p, int split, char *item, size_t len)
{
	const char *comma = split ? strchr(p, ',') : NULL;
	size_t n = comma != NULL ? (size_t)(comma - p) : strlen(p);

	if (n >= len)
		n = len - 1;
	memcpy(item, p, n);
	item[n] = '\0';
	return comma;
}

static int
check_port(struct common_opts *co, const char *what, const char *port,
    int port_list, int dial)
{
	char item[64];
	const char *p, *comma;
	int lo, hi;

	for (p = port;; p = comma + 1) {
		comma = opts_list_item(p, port_list, item, sizeof(item));
		if ((port_list ? addr_port_range(item, co->numeric, &lo, &hi) :
		    addr_port_parse(item, co->numeric, &lo)) == -1) {
			if (item[0] == '\0' && port[0] == '\0')
				return usage_error(co->cmd, "empty port");
			if (item[0] == '\0')
				return usage_error(co->cmd, "empty port in '%.64s'",
				    port);
			switch (errno) {
			case ERANGE:
				return usage_error(co->cmd, "%s '%s' out of "
				    "range 0-65535", what, item);
			case EDOM:
				return usage_error(co->cmd, "port range '%s' "
				    "runs backwards", item);
			case EINVAL:
				return usage_error(co->cmd, "%s '%s' is not a "
				    "number (-n looks up no service names)",
				    what, item);
			default:
				return usage_error(co->cmd, "%s '%s': no such "
				    "service in services(5)", what, item);
			}
		}
		/* Port 0 asks a listener for any free port; nothing is
		 * ever reached at it. */
		if (dial && lo == 0)
			return usage_error(co->cmd, "%s '%s': port 0 cannot be "
			    "connected or sent to", what, item);
		if (comma == NULL)
			return 0;
	}
}

static int
check_host(const char *cmd, const char *host)
{
	if (addr_host_check(host) == 0)
		return 0;
	switch (errno) {
	case ENAMETOOLONG:
		return usage_error(cmd, "host '%.40s...' too long "
		    "(%zu characters, at most %d)", host, strlen(host),
		    ADDR_HOST_MAX);
	case ERANGE:
		return usage_error(cmd, "host '%s': integer address above "
		    "0xffffffff", host);
	default:
		return usage_error(cmd, "bad host '%s'", host);
	}
}

/* The family of a literal address (brackets and a scope id allowed),
 * or AF_UNSPEC for a name. */
static int
literal_family(const char *host)
{
	char buf[INET6_ADDRSTRLEN + 2];
	unsigned char a[16];
	size_t n;

	n = strlen(host);
	if (host[0] == '[' && n > 2)
		snprintf(buf, sizeof(buf), "%.*s", (int)(n - 2), host + 1);
	else
		snprintf(buf, sizeof(buf), "%s", host);
	buf[strcspn(buf, "%")] = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, a) == 1)
		return AF_INET6;
	return AF_UNSPEC;
}

int
opts_endpoint(struct common_opts *co, enum operands shape, int port_list,
    int argc, char **argv, struct endpoint *ep)
{
	char *host, *port;
	int r;

	memset(ep, 0, sizeof(*ep));
	if (co->source_port != NULL &&
	    (r = check_port(co, "--source-port", co->source_port, 0, 0)) != 0)
		return r;
	if (co->family == AF_UNIX) {
		if (co->port != NULL)
			return usage_error(co->cmd, "--port does not go with "
			    "--unix");
		if (co->source_port != NULL)
			return usage_error(co->cmd, "--source-port does not go "
			    "with --unix (--source takes a path)");
		if (argc < 1)
			return usage_error(co->cmd, "missing PATH");
		if (argc > 1)
			return opts_extra_operand(co, argv[1]);
		if (argv[0][0] == '\0')
			return usage_error(co->cmd, "empty PATH");
		ep->path = argv[0];
		return 0;
	}
	if (argc > 2)
		return opts_extra_operand(co, argv[2]);
	if (argc == 2 && co->port != NULL)
		return usage_error(co->cmd, "extra operand '%s' (the port is "
		    "given by --port)", argv[1]);
	if (argc == 2) {
		ep->host = argv[0];
		ep->port = argv[1];
	} else if (argc == 1 && co->port != NULL) {
		ep->host = argv[0];
		ep->port = co->port;
	} else if (argc == 1 && addr_split(argv[0], &host, &port) == 0) {
		ep->alloc = host;
		ep->host = host;
		ep->port = port;
	} else if (argc == 1) {
		switch (shape) {
		case OPERANDS_HOST_PORT:
			return usage_error(co->cmd, "missing PORT after '%s'",
			    argv[0]);
		case OPERANDS_OPT_HOST:
			ep->port = argv[0];
			break;
		case OPERANDS_OPT_PORT:
			ep->host = argv[0];
			break;
		}
	} else if (shape == OPERANDS_OPT_HOST && co->port != NULL) {
		ep->port = co->port;
	} else {
		return usage_error(co->cmd, "missing %s",
		    shape == OPERANDS_OPT_HOST ? "PORT" : "HOST");
	}
	if ((ep->host != NULL && (r = check_host(co->cmd, ep->host)) != 0) ||
	    (ep->port != NULL && (r = check_port(co, "port", ep->port, port_list,
	    shape == OPERANDS_HOST_PORT)) != 0)) {
		free(ep->alloc);
		ep->alloc = NULL;
		return r;
	}
	/* Two literal addresses of two families can never meet. */
	if (co->source != NULL && ep->host != NULL &&
	    literal_family(co->source) != AF_UNSPEC &&
	    literal_family(ep->host) != AF_UNSPEC &&
	    literal_family(co->source) != literal_family(ep->host)) {
		r = usage_error(co->cmd, "--source %s is an %s address and %s "
		    "an %s one: they must be of one family", co->source,
		    literal_family(co->source) == AF_INET ? "IPv4" : "IPv6",
		    ep->host, literal_family(ep->host) == AF_INET ? "IPv4" :
		    "IPv6");
		free(ep->alloc);
		ep->alloc = NULL;
		return r;
	}
	/* A HOST of both families is tried in --source's only: an address
	 * of the other could not be reached from it. */
	if (co->source != NULL && co->family == AF_UNSPEC &&
	    (co->family = literal_family(co->source)) != AF_UNSPEC)
		snprintf(co->family_by, sizeof(co->family_by), "--source %s",
		    co->source);
	return 0;
}

const char *
opts_family_hint(const struct common_opts *co, char *buf, size_t len)
{
	buf[0] = '\0';
	if ((co->family == AF_INET || co->family == AF_INET6) &&
	    co->family_by[0] != '\0')
		snprintf(buf, len, " (%s addresses only: %s)",
		    co->family == AF_INET ? "IPv4" : "IPv6", co->family_by);
	return buf;
}

int
opts_check_relay(const struct common_opts *co)
{
	if (co->send_only && co->recv_only)
		return usage_error(co->cmd, "--send-only conflicts with "
		    "--recv-only");
	if (co->no_stdin && co->send_only)
		return usage_error(co->cmd, "--no-stdin conflicts with "
		    "--send-only");
	if (co->quit_ms != OPTS_NO_TIME && (co->no_stdin || co->recv_only))
		return usage_error(co->cmd, "--quit-after-eof conflicts with "
		    "%s: stdin is not read", co->no_stdin ? "--no-stdin" :
		    "--recv-only");
	if (co->no_shutdown && (co->no_stdin || co->recv_only))
		return usage_error(co->cmd, "--no-shutdown conflicts with %s: "
		    "stdin is not read", co->no_stdin ? "--no-stdin" :
		    "--recv-only");
	if (co->grace_ms != OPTS_NO_TIME && (co->no_stdin || co->recv_only))
		return usage_error(co->cmd, "--grace conflicts with %s: stdin "
		    "is not read", co->no_stdin ? "--no-stdin" :
		    "--recv-only");
	return 0;
}

/* One entry of a list or file into co's lists.  Returns 0, or 1 or
 * EXIT_USAGE after the message. */
static int
acl_entry(struct common_opts *co, int deny, const char *opt,
    const char *entry)
{
	const char *why;

	if (acl_add(co->acl, deny, entry, co->numeric, &why) == 0)
		return 0;
	/* A name that will not resolve is the run's failure; a malformed
	 * entry, the user's. */
	if (strpbrk(entry, "/:") != NULL || strspn(entry, "0123456789.") ==
	    strlen(entry) || co->numeric)
		return usage_error(co->cmd, "%s '%s': %s", opt, entry, why);
	warnx("%s %s: %s", opt, entry, why);
	return 1;
}

/* A file's entries, one a line, '#' starting a comment. */
static int
acl_file(struct common_opts *co, int deny, const char *opt, const char *path)
{
	char *line = NULL, *p, *end;
	size_t cap = 0;
	FILE *fp;
	int r = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		warn("%s %s", opt, path);
		return 1;
	}
	while (r == 0 && getline(&line, &cap, fp) != -1) {
		line[strcspn(line, "#\n")] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			continue;
		for (end = p + strlen(p); end > p && (end[-1] == ' ' ||
		    end[-1] == '\t' || end[-1] == '\r'); end--)
			continue;
		*end = '\0';
		if (*p != '\0')
			r = acl_entry(co, deny, opt, p);
	}
	free(line);
	fclose(fp);
	return r;
}

int
opts_setup_acl(struct common_opts *co)
{
	char item[300];
	const char *p, *comma, *opt;
	size_t i;
	int deny, r = 0;

	if (co->nacl_args == 0)
		return 0;
	if (co->family == AF_UNIX)
		return usage_error(co->cmd, "--allow and --deny conflict with "
		    "%s: they take IP addresses", co->family_by);
	if ((co->acl = acl_new()) == NULL) {
		warn("%s", co->cmd);
		return 1;
	}
	for (i = 0; i < co->nacl_args && r == 0; i++) {
		deny = co->acl_args[i].opt == OPT_DENY ||
		    co->acl_args[i].opt == OPT_DENY_FILE;
		opt = co->acl_args[i].opt == OPT_ALLOW ? "--allow" :
		    co->acl_args[i].opt == OPT_DENY ? "--deny" :
		    co->acl_args[i].opt == OPT_ALLOW_FILE ? "--allow-file" :
		    "--deny-file";
		if (co->acl_args[i].opt == OPT_ALLOW_FILE ||
		    co->acl_args[i].opt == OPT_DENY_FILE) {
			r = acl_file(co, deny, opt, co->acl_args[i].arg);
			continue;
		}
		for (p = co->acl_args[i].arg; r == 0; p = comma + 1) {
			comma = opts_list_item(p, 1, item, sizeof(item));
			r = acl_entry(co, deny, opt, item);
			if (comma == NULL)
				break;
		}
	}
	return r;
}

void
opts_acl_done(struct common_opts *co)
{
	acl_free(co->acl);
	co->acl = NULL;
}

int
opts_start_json(const struct common_opts *co)
{
	if (co->json && diag_json_start() == -1) {
		warn("%s: --json", co->cmd);
		return 1;
	}
	return 0;
}

int
opts_check_exec(const struct common_opts *co)
{
	if (co->send_only || co->recv_only || co->no_stdin ||
	    co->no_shutdown || co->quit_ms != OPTS_NO_TIME ||
	    co->idle_ms != OPTS_NO_TIME || co->grace_ms != OPTS_NO_TIME)
		return usage_error(co->cmd, "--exec conflicts with the relay "
		    "options (-d, -q, -i, --grace, --no-shutdown, --send-only, "
		    "--recv-only)");
	return 0;
}

int
opts_check_label(const struct common_opts *co, const char *many,
    int want_many)
{
	if (co->route && !co->label)
		return usage_error(co->cmd, "--route needs --label");
	if (co->route && many != NULL && !want_many)
		return usage_error(co->cmd, "--route needs %s", many);
	return 0;
}

int
opts_check_sock(struct common_opts *co, int listening, int type,
    struct endpoint *ep, char *group, size_t grouplen)
{
	struct sockopt_use u;
	int r;

	memset(&u, 0, sizeof(u));
	u.cmd = co->cmd;
	u.listening = listening;
	u.type = co->type != 0 ? co->type : type;
	u.type_by = co->type_by[0] != '\0' ? co->type_by : NULL;
	u.family = co->family;
	u.family_by = co->family_by;
	u.protocol_given = co->protocol != 0;
	if ((r = sockopt_check(&co->sock, &u)) != 0)
		return r;
	/* Datagrams come in bursts: a receiver asks for room (as much
	 * as the kernel grants) unless told. */
	if (listening && u.type == SOCK_DGRAM &&
	    co->sock.opts.recv_buffer == 0) {
		co->sock.opts.recv_buffer = OPTS_DGRAM_RCVBUF;
		co->sock.opts.recv_buffer_wish = 1;
	}
	/* A joined group and no HOST: bind the group, so that other
	 * traffic to the port stays out. */
	if (ep != NULL && ep->host == NULL && ep->path == NULL)
		ep->host = sockopt_join_host(&co->sock, group, grouplen);
	return 0;
}

int
opts_setup_shape(struct common_opts *co, const char *exec_by, int check_only)
{
	const char *what = co->shape.crlf ? "--crlf" : co->shape.telnet ?
	    "--telnet" : co->hex_dump != NULL ? "--hex-dump" : "--line-delay";
	int fd;

	if (co->line_delay_ms != OPTS_NO_TIME && (co->no_stdin ||
	    co->recv_only))
		return usage_error(co->cmd, "--line-delay conflicts with %s: "
		    "stdin is not read", co->no_stdin ? "--no-stdin" :
		    "--recv-only");
	if (!co->shape.crlf && !co->shape.telnet && co->hex_dump == NULL &&
	    co->line_delay_ms == OPTS_NO_TIME)
		return 0;
	if (exec_by != NULL)
		return usage_error(co->cmd, "%s conflicts with %s: the command "
		    "holds the connection itself", what, exec_by);
	if (co->json && co->hex_dump != NULL && *co->hex_dump == '\0')
		return usage_error(co->cmd, "--hex-dump to stderr conflicts "
		    "with --json (every line there is JSON): give "
		    "--hex-dump=FILE");
	if (co->shape.telnet && (co->type == SOCK_DGRAM ||
	    co->type == SOCK_SEQPACKET))
		return usage_error(co->cmd, "--telnet conflicts with %s: "
		    "telnet is a stream", co->type_by);
	if (co->hex_dump == NULL || check_only)
		return 0;
	if (*co->hex_dump == '\0') {
		co->shape.dump_fd = STDERR_FILENO;
		return 0;
	}
	fd = open(co->hex_dump, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
	    O_NOCTTY, 0600);
	if (fd == -1) {
		warn("--hex-dump %s", co->hex_dump);
		return EXIT_FAILURE;
	}
	co->shape.dump_fd = fd;
	return 0;
}

int
opts_shape_done(struct common_opts *co, int status)
{
	if (co->shape.dump_err != 0) {
		warnx("--hex-dump%s%s: %s: the dump stopped there",
		    co->hex_dump != NULL && *co->hex_dump != '\0' ? " " : "",
		    co->hex_dump != NULL ? co->hex_dump : "",
		    strerror(co->shape.dump_err));
		if (status == 0)
			status = EXIT_FAILURE;
	}
	co->shape.dump_err = 0;
	if (co->shape.dump_fd > STDERR_FILENO)
		close(co->shape.dump_fd);
	co->shape.dump_fd = -1;
	co->line_delay_ms = OPTS_NO_TIME;
	return status;
}

int
parse_seconds(const char *s, long long *ms)
{
	long long whole = 0, frac = 0, scale = 100;
	const char *p = s;

	if (!isdigit((unsigned char)*p) &&
	    !(*p == '.' && isdigit((unsigned char)p[1]))) {
		errno = EINVAL;
		return -1;
	}
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (*p - '0');
		if (whole > 1000000) {
			errno = ERANGE;
			return -1;
		}
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p != '\0') {
		errno = EINVAL;
		return -1;
	}
	*ms = whole * 1000 + frac;
	return 0;
}

int
parse_count(const char *cmd, const char *name, const char *s,
    long long min, long long max, long long *out)
{
	const char *errstr;

	*out = strtonum(s, min, max, &errstr);
	if (errstr != NULL)
		return usage_error(cmd, "%s '%.64s': %s (%lld-%lld)", name, s,
		    errno == EINVAL ? "not a number" : errstr, min, max);
	return 0;
}
