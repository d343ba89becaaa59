/*
 * sockcat hostname: this machine's name, its canonical name, or its
 * addresses.
 */
#include <sys/socket.h>
#include <net/if.h>

#include <err.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "cmd.h"
#include "opts.h"

enum {
	OPT_LOOPBACK = OPT_COMMAND
};

struct hostname_opts {
	struct common_opts	co;
	int			fqdn;
	int			shortname;
	int			addresses;
	int			interfaces;
	int			loopback;
	char			mode_by[16];
};

static const char usage[] =
"usage: sockcat hostname [-f | -s | -a | -I] [options]\n"
"\n"
"Print this machine's host name, from gethostname(3).\n"
"\n"
"  -f, --fqdn             the canonical name, when the name resolves\n"
"  -s, --short            the name up to its first dot\n"
"  -a, --addresses        the addresses the name resolves to, one a line\n"
"  -I, --interfaces       the addresses of the interfaces that are up,\n"
"                         but loopback and IPv6 link-local ones\n"
"      --loopback         with -I, loopback addresses too\n"
"  -4, --ipv4             with -a or -I, IPv4 addresses only\n"
"  -6, --ipv6             with -a or -I, IPv6 addresses only\n"
"  -v, --verbose          more diagnostics on stderr\n"
"  -h, --help             show this help\n";

static const struct option longopts[] = {
	{ "fqdn",	no_argument,	NULL, 'f' },
	{ "short",	no_argument,	NULL, 's' },
	{ "addresses",	no_argument,	NULL, 'a' },
	{ "interfaces",	no_argument,	NULL, 'I' },
	{ "loopback",	no_argument,	NULL, OPT_LOOPBACK },
	{ "ipv4",	no_argument,	NULL, '4' },
	{ "ipv6",	no_argument,	NULL, '6' },
	OPTL_BASE,
	OPTL_END
};

static int
hostname_option(void *self, int c, const char *arg)
{
	struct hostname_opts *o = self;
	int *mode;

	(void)arg;
	switch (c) {
	case 'f':
		mode = &o->fqdn;
		break;
	case 's':
		mode = &o->shortname;
		break;
	case 'a':
		mode = &o->addresses;
		break;
	case 'I':
		mode = &o->interfaces;
		break;
	case OPT_LOOPBACK:
		o->loopback = 1;
		return 0;
	default:
		return -1;
	}
	if (o->mode_by[0] != '\0' && o->mode_by[1] != c)
		return usage_error("hostname", "-%c conflicts with %s", c,
		    o->mode_by);
	snprintf(o->mode_by, sizeof(o->mode_by), "-%c", c);
	*mode = 1;
	return 0;
}

const struct opts_spec hostname_spec = {
	"hostname", usage, "fsaI46vh", longopts, hostname_option
};

/* Print each address of res once, in getaddrinfo's order. */
static int
print_resolved(const struct addrinfo *res)
{
	const struct addrinfo *ai, *prev;
	char host[NI_MAXHOST];
	int port, n = 0;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		for (prev = res; prev != ai; prev = prev->ai_next)
			if (prev->ai_addrlen == ai->ai_addrlen &&
			    memcmp(prev->ai_addr, ai->ai_addr,
			    ai->ai_addrlen) == 0)
				break;
		if (prev != ai)
			continue;
		if (addr_format(ai->ai_addr, ai->ai_addrlen, host,
		    sizeof(host), &port) == 0) {
			puts(host);
			n++;
		}
	}
	return n;
}

/*
 * The addresses of the interfaces that are up, as hostname -I lists
 * them: no loopback (unless asked) and no IPv6 link-local address.
 */
static int
print_interfaces(int family, int loopback)
{
	struct ifaddrs *ifa, *i;
	const struct sockaddr_in6 *sin6;
	char host[NI_MAXHOST];
	int port, n = 0;
	socklen_t len;

	if (getifaddrs(&ifa) == -1) {
		warn("hostname: getifaddrs");
		return -1;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || !(i->ifa_flags & IFF_UP) ||
		    ((i->ifa_flags & IFF_LOOPBACK) && !loopback))
			continue;
		sin6 = (const struct sockaddr_in6 *)(const void *)i->ifa_addr;
		if (i->ifa_addr->sa_family == AF_INET)
			len = sizeof(struct sockaddr_in);
		else if (i->ifa_addr->sa_family == AF_INET6 &&
		    !IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
			len = sizeof(struct sockaddr_in6);
		else
			continue;
		if (family != AF_UNSPEC && i->ifa_addr->sa_family != family)
			continue;
		if (addr_format(i->ifa_addr, len, host, sizeof(host),
		    &port) == 0) {
			puts(host);
			n++;
		}
	}
	freeifaddrs(ifa);
	return n;
}

static int
hostname_main(int argc, char **argv, int check_only)
{
	struct hostname_opts o;
	struct addrinfo hints, *res;
	char name[HOST_NAME_MAX + 1], *dot;
	int first, r;

	memset(&o, 0, sizeof(o));
	if ((r = opts_parse(&hostname_spec, &o.co, &o, argc, argv, &first)) != 0)
		return r == OPTS_HELP ? 0 : r;
	if (first < argc)
		return usage_error("hostname", "extra operand '%.64s'",
		    argv[first]);
	if (o.co.family != AF_UNSPEC && !o.addresses && !o.interfaces)
		return usage_error("hostname", "%s goes only with -a or -I",
		    o.co.family_by);
	if (o.loopback && !o.interfaces)
		return usage_error("hostname", "--loopback goes only with -I");
	if (check_only)
		return 0;
	if (gethostname(name, sizeof(name)) == -1) {
		warn("hostname: gethostname");
		return EXIT_FAILURE;
	}
	name[sizeof(name) - 1] = '\0';
	if (o.shortname) {
		if ((dot = strchr(name, '.')) != NULL)
			*dot = '\0';
		puts(name);
		return 0;
	}
	if (o.interfaces) {
		if ((r = print_interfaces(o.co.family, o.loopback)) > 0)
			return 0;
		if (r == 0)
			warnx("hostname: no %saddress on the interfaces that are "
			    "up%s", o.co.family == AF_INET ? "IPv4 " :
			    o.co.family == AF_INET6 ? "IPv6 " : "", o.loopback ?
			    "" : " (but loopback: --loopback lists it)");
		return EXIT_FAILURE;
	}
	if (!o.fqdn && !o.addresses) {
		puts(name);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = o.co.family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = o.fqdn ? AI_CANONNAME : 0;
	r = getaddrinfo(name, NULL, &hints, &res);
	if (o.fqdn) {
		if (r != 0 && o.co.verbose)
			warnx("hostname: resolve '%s': %s; printing it as it "
			    "is", name, gai_strerror(r));
		puts(r == 0 && res->ai_canonname != NULL ?
		    res->ai_canonname : name);
		if (r == 0)
			freeaddrinfo(res);
		return 0;
	}
	if (r == 0) {
		r = print_resolved(res);
		freeaddrinfo(res);
		if (r > 0)
			return 0;
	}
	/* One rule for both families: what the name resolves to, or an
	 * error that points to -I. */
	warnx("hostname: '%s' has no %saddress: %s (-I lists the "
	    "interfaces' addresses)", name, o.co.family == AF_INET ? "IPv4 " :
	    o.co.family == AF_INET6 ? "IPv6 " : "", r != 0 ? gai_strerror(r) :
	    "none it could print");
	return EXIT_FAILURE;
}

int
cmd_hostname(int argc, char **argv)
{
	return hostname_main(argc, argv, 0);
}

int
cmd_hostname_check(int argc, char **argv)
{
	return hostname_main(argc, argv, 1);
}
