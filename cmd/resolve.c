/*
 * sockcat resolve: show what getaddrinfo(3) returns, or with -r what
 * getnameinfo(3) says of an address.
 */
#include <sys/socket.h>

#include <err.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "json.h"
#include "opts.h"

enum {
	OPT_CANONICAL = OPT_COMMAND,
	OPT_JSON
};

struct resolve_opts {
	struct common_opts	co;
	int			canonical;
	int			json;
	int			reverse;
};

static const char usage[] =
"usage: sockcat resolve [options] HOST [PORT]\n"
"       sockcat resolve -r [options] ADDRESS [PORT]\n"
"\n"
"Print what getaddrinfo(3) returns for HOST and PORT, one result a line:\n"
"FAMILY TYPE PROTOCOL ADDRESS PORT.  The empty HOST is the wildcard.\n"
"\n"
"  -4, --ipv4             IPv4 results only\n"
"  -6, --ipv6             IPv6 results only\n"
"      --family=F         inet, inet6 or any\n"
"  -t, --type=T           stream, dgram, seqpacket or raw\n"
"  -u, --udp              same as --type=dgram\n"
"      --protocol=P       protocol number or protocols(5) name\n"
"  -p, --port=PORT        the port, instead of the operand\n"
"  -n, --numeric          HOST must be numeric; no service names\n"
"      --canonical        add the canonical name as a sixth field\n"
"      --json             print one JSON array of objects\n"
"  -r, --reverse          look ADDRESS up with getnameinfo(3)\n"
"  -v, --verbose          more diagnostics on stderr\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	OPTL_FAMILY,
	OPTL_TYPE,
	OPTL_PORT,
	{ "canonical",	no_argument,	NULL, OPT_CANONICAL },
	{ "json",	no_argument,	NULL, OPT_JSON },
	{ "reverse",	no_argument,	NULL, 'r' },
	OPTL_BASE,
	OPTL_END
};

static int
resolve_option(void *self, int c, const char *arg)
{
	struct resolve_opts *o = self;

	(void)arg;
	switch (c) {
	case OPT_CANONICAL:
		o->canonical = 1;
		return 0;
	case OPT_JSON:
		o->json = 1;
		return 0;
	case 'r':
		o->reverse = 1;
		return 0;
	}
	return -1;
}

const struct opts_spec resolve_spec = {
	"resolve", usage, "46t:up:nrvh", longopts, resolve_option
};

/* One result's fields, as resolve prints them. */
static int
print_one(FILE *fp, const struct addrinfo *ai, const char *canon, int json,
    int first)
{
	const char *fam, *type, *proto;
	char host[NI_MAXHOST], tbuf[16], pbuf[16];
	int r, port;

	if ((r = addr_format(ai->ai_addr, ai->ai_addrlen, host, sizeof(host),
	    &port)) != 0)
		return r;
	if ((fam = addr_family_name(ai->ai_family)) == NULL)
		fam = "unknown";
	if ((type = addr_type_name(ai->ai_socktype)) == NULL) {
		snprintf(tbuf, sizeof(tbuf), "%d", ai->ai_socktype);
		type = tbuf;
	}
	if ((proto = addr_protocol_name(ai->ai_protocol)) == NULL) {
		snprintf(pbuf, sizeof(pbuf), "%d", ai->ai_protocol);
		proto = pbuf;
	}
	if (!json) {
		fprintf(fp, "%s %s %s %s %d", fam, type, proto, host, port);
		if (canon != NULL)
			fprintf(fp, " %s", canon);
		putc('\n', fp);
		return 0;
	}
	fprintf(fp, "%s\n  {\"family\": ", first ? "" : ",");
	json_string(fp, fam);
	fputs(", \"type\": ", fp);
	json_string(fp, type);
	fputs(", \"protocol\": ", fp);
	json_string(fp, proto);
	fputs(", \"address\": ", fp);
	json_string(fp, host);
	fprintf(fp, ", \"port\": %d", port);
	if (canon == RESOLVE_NO_CANON)
		fputs(", \"canonical\": null", fp);
	else if (canon != NULL) {
		fputs(", \"canonical\": ", fp);
		json_string(fp, canon);
	}
	putc('}', fp);
	return 0;
}

/* No canonical name: "-" in a line. */
const char RESOLVE_NO_CANON[] = "-";

int
resolve_print(FILE *fp, const struct addrinfo *res, const char *canon,
    int json)
{
	const struct addrinfo *ai;
	int r = 0, first = 1;

	if (json)
		putc('[', fp);
	for (ai = res; ai != NULL && r == 0; ai = ai->ai_next) {
		r = print_one(fp, ai, canon, json, first);
		first = 0;
	}
	/* Even after a failure the array is closed: valid JSON. */
	if (json)
		fputs(res == NULL ? "]\n" : "\n]\n", fp);
	return r;
}

static int
forward(struct resolve_opts *o, const struct endpoint *ep)
{
	struct addrinfo hints, *res;
	const char *canon = NULL;
	int r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->co.family;
	hints.ai_socktype = o->co.type;
	hints.ai_protocol = o->co.protocol;
	if (o->co.numeric)
		hints.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	/* getaddrinfo refuses AI_CANONNAME for the wildcard: it has none. */
	if (o->canonical && ep->host != NULL && *ep->host != '\0')
		hints.ai_flags |= AI_CANONNAME;
	if ((r = addr_resolve(ep->host, ep->port, &hints, &res)) != 0) {
		warnx("resolve '%s'%s%s: %s", ep->host, ep->port ?
		    " port " : "", ep->port ? ep->port : "", gai_strerror(r));
		return EXIT_FAILURE;
	}
	/* glibc gives the canonical name on the first result only; every
	 * result shares it. */
	if (o->canonical)
		canon = res->ai_canonname != NULL ? res->ai_canonname :
		    RESOLVE_NO_CANON;
	r = resolve_print(stdout, res, canon, o->json);
	freeaddrinfo(res);
	if (r != 0) {
		warnx("resolve '%s': %s", ep->host, gai_strerror(r));
		return EXIT_FAILURE;
	}
	return 0;
}

static int
reverse(struct resolve_opts *o, const struct endpoint *ep)
{
	struct addrinfo hints, *res;
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	int r, flags = NI_NAMEREQD;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o->co.family;
	hints.ai_socktype = o->co.type;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (ep->host == NULL || *ep->host == '\0')
		return usage_error("resolve", "-r needs an ADDRESS");
	if (addr_resolve(ep->host, ep->port, &hints, &res) != 0)
		return usage_error("resolve", "-r '%s'%s%s: not a numeric "
		    "address and port", ep->host, ep->port ? " " : "",
		    ep->port ? ep->port : "");
	if (o->co.type == SOCK_DGRAM)
		flags |= NI_DGRAM;
	r = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host),
	    ep->port != NULL ? serv : NULL, ep->port != NULL ? sizeof(serv) : 0,
	    flags);
	freeaddrinfo(res);
	if (r != 0) {
		warnx("resolve -r %s: %s", ep->host, gai_strerror(r));
		return EXIT_FAILURE;
	}
	if (ep->port != NULL)
		printf("%s %s\n", host, serv);
	else
		printf("%s\n", host);
	return 0;
}

static int
resolve_main(int argc, char **argv, int check_only)
{
	struct resolve_opts o;
	struct endpoint ep;
	int first, r;

	memset(&o, 0, sizeof(o));
	if ((r = opts_parse(&resolve_spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if (o.co.family == AF_UNIX)
		return usage_error("resolve", "%s: getaddrinfo(3) knows no "
		    "unix addresses", o.co.family_by);
	if (o.reverse && (o.json || o.canonical))
		return usage_error("resolve", "--reverse conflicts with %s",
		    o.json ? "--json" : "--canonical");
	if ((r = opts_endpoint(&o.co, OPERANDS_OPT_PORT, 0, argc - first,
	    argv + first, &ep)) != 0)
		return r;
	if (check_only)
		r = 0;
	else
		r = o.reverse ? reverse(&o, &ep) : forward(&o, &ep);
	free(ep.alloc);
	return r;
}

int
cmd_resolve(int argc, char **argv)
{
	return resolve_main(argc, argv, 0);
}

int
cmd_resolve_check(int argc, char **argv)
{
	return resolve_main(argc, argv, 1);
}
