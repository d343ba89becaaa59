/*
 * addr: the HOST/PORT vocabulary (see addr.h).
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"

struct name_value {
	const char	*name;
	int		 value;
};

static const struct name_value families[] = {
	{ "inet",	AF_INET },
	{ "ipv4",	AF_INET },
	{ "inet4",	AF_INET },
	{ "inet6",	AF_INET6 },
	{ "ipv6",	AF_INET6 },
	{ "unix",	AF_UNIX },
	{ "local",	AF_UNIX },
	{ "any",	AF_UNSPEC },
	{ "unspec",	AF_UNSPEC },
	{ NULL,		0 }
};

static const struct name_value types[] = {
	{ "stream",	SOCK_STREAM },
	{ "dgram",	SOCK_DGRAM },
	{ "seqpacket",	SOCK_SEQPACKET },
	{ "raw",	SOCK_RAW },
	{ NULL,		0 }
};

/*
 * Look s up in a table, case-insensitively, after dropping one of the
 * optional prefixes (each ending in '_').
 */
static int
lookup(const struct name_value *t, const char *const *prefixes,
    const char *s, int *value)
{
	const char *const *p;
	size_t n;

	for (p = prefixes; *p != NULL; p++) {
		n = strlen(*p);
		if (strncasecmp(s, *p, n) == 0) {
			s += n;
			break;
		}
	}
	for (; t->name != NULL; t++) {
		if (strcasecmp(s, t->name) == 0) {
			*value = t->value;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

int
addr_family_parse(const char *s, int *family)
{
	static const char *const prefixes[] = { "AF_", "PF_", NULL };

	return lookup(families, prefixes, s, family);
}

int
addr_type_parse(const char *s, int *type)
{
	static const char *const prefixes[] = { "SOCK_", NULL };

	return lookup(types, prefixes, s, type);
}

static const char *
name_of(const struct name_value *t, int value)
{
	for (; t->name != NULL; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

const char *
addr_family_name(int family)
{
	return name_of(families, family);
}

const char *
addr_type_name(int type)
{
	return name_of(types, type);
}

const char *
addr_protocol_name(int protocol)
{
	struct protoent *pe;

	if ((pe = getprotobynumber(protocol)) == NULL)
		return NULL;
	return pe->p_name;
}

/* Whether s is one or more decimal digits and nothing else. */
static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

int
addr_protocol_parse(const char *s, int *protocol)
{
	struct protoent *pe;
	const char *errstr;
	long long n;

	if (all_digits(s) || (s[0] == '-' && all_digits(s + 1))) {
		/* A sign is never part of one: -0 is as wrong as -1. */
		n = strtonum(s, 0, 255, &errstr);
		if (errstr != NULL || s[0] == '-') {
			errno = ERANGE;
			return -1;
		}
		*protocol = (int)n;
		return 0;
	}
	if ((pe = getprotobyname(s)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	*protocol = pe->p_proto;
	return 0;
}

int
addr_port_parse(const char *s, int numeric_only, int *port)
{
	struct servent *se;
	const char *errstr;
	long long n;

	if (*s == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (all_digits(s) || (s[0] == '-' && all_digits(s + 1))) {
		n = strtonum(s, 0, 65535, &errstr);
		if (errstr != NULL || s[0] == '-') {
			errno = ERANGE;
			return -1;
		}
		if (port != NULL)
			*port = (int)n;
		return 0;
	}
	if (numeric_only) {
		errno = EINVAL;
		return -1;
	}
	if ((se = getservbyname(s, NULL)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (port != NULL)
		*port = ntohs((uint16_t)se->s_port);
	return 0;
}

int
addr_port_range(const char *s, int numeric_only, int *lo, int *hi)
{
	char buf[16];
	const char *dash;
	size_t n;

	if (addr_port_parse(s, numeric_only, lo) == 0) {
		*hi = *lo;
		return 0;
	}
	/* Service names may hold a dash too ("http-alt"): a range is only
	 * digits on both sides. */
	if ((dash = strchr(s, '-')) == NULL || dash == s ||
	    (n = (size_t)(dash - s)) >= sizeof(buf))
		return -1;	/* errno from addr_port_parse() */
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!all_digits(buf) || !all_digits(dash + 1)) {
		errno = ENOENT;
		return -1;
	}
	if (addr_port_parse(buf, 1, lo) == -1 ||
	    addr_port_parse(dash + 1, 1, hi) == -1)
		return -1;
	if (*lo > *hi) {
		errno = EDOM;
		return -1;
	}
	return 0;
}

/*
 * If host is an integer (decimal, or hex after 0x), store it as a
 * dotted quad in buf and return 1; 0 if it is no integer; -1 with errno
 * ERANGE if it is one above 0xffffffff.
 */
static int
integer_host(const char *host, char *buf, size_t len)
{
	unsigned long long v;
	const char *p;
	struct in_addr in;
	int base = 10;

	p = host;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		p += 2;
		base = 16;
		if (*p == '\0')
			return 0;
		for (const char *q = p; *q != '\0'; q++)
			if (!isxdigit((unsigned char)*q))
				return 0;
	} else if (!all_digits(p))
		return 0;
	/* Leading zeros aside, more than 10 digits is beyond 32 bits. */
	while (*p == '0' && p[1] != '\0')
		p++;
	errno = 0;
	if (strlen(p) > 10 || (v = strtoull(p, NULL, base)) > 0xffffffffULL ||
	    errno == ERANGE) {
		errno = ERANGE;
		return -1;
	}
	in.s_addr = htonl((uint32_t)v);
	if (inet_ntop(AF_INET, &in, buf, (socklen_t)len) == NULL)
		return -1;
	return 1;
}

int
addr_host_check(const char *host)
{
	char buf[INET_ADDRSTRLEN];
	const char *pct, *p;
	size_t len;

	if ((len = strlen(host)) > ADDR_HOST_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = host; *p != '\0'; p++) {
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p)) {
			errno = EINVAL;
			return -1;
		}
	}
	/* Brackets go in pairs, and around something. */
	if ((host[0] == '[') != (len > 0 && host[len - 1] == ']') ||
	    (len <= 2 && host[0] == '[')) {
		errno = EINVAL;
		return -1;
	}
	if ((pct = strchr(host, '%')) != NULL &&
	    (pct[1] == '\0' || pct[1] == ']')) {
		errno = EINVAL;
		return -1;
	}
	if (integer_host(host, buf, sizeof(buf)) == -1)
		return -1;
	return 0;
}

int
addr_is_broadcast(const char *host)
{
	return strcmp(host, ADDR_BROADCAST) == 0;
}

int
addr_split(const char *op, char **host, char **port)
{
	char *copy, *colon;

	if ((copy = strdup(op)) == NULL)
		return -1;
	if (copy[0] == '[') {
		colon = strstr(copy, "]:");
		if (colon == NULL)
			goto bad;
		colon++;
	} else {
		colon = strchr(copy, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			goto bad;
	}
	*colon = '\0';
	*host = copy;
	*port = colon + 1;
	return 0;
bad:
	free(copy);
	errno = EINVAL;
	return -1;
}

int
addr_resolve(const char *host, const char *port,
    const struct addrinfo *hints, struct addrinfo **res)
{
	char buf[ADDR_HOST_MAX + 1], quad[INET_ADDRSTRLEN];
	struct addrinfo h = *hints;
	const char *name = host;
	size_t len;
	int r;

	if (host == NULL || *host == '\0') {
		name = NULL;
		h.ai_flags |= AI_PASSIVE;
	} else if (addr_is_broadcast(host)) {
		name = "255.255.255.255";
		h.ai_flags |= AI_NUMERICHOST;
	} else if ((r = integer_host(host, quad, sizeof(quad))) == 1) {
		name = quad;
		h.ai_flags |= AI_NUMERICHOST;
	} else if (r == -1) {
		return EAI_NONAME;
	} else if (host[0] == '[') {
		len = strlen(host);
		if (len < 2 || host[len - 1] != ']' || len - 2 >= sizeof(buf))
			return EAI_NONAME;
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		name = buf;
	}
	if (name == NULL && port == NULL)
		port = "0";
	return getaddrinfo(name, port, &h, res);
}

int
addr_numeric(const char *host, char *buf, size_t len)
{
	struct addrinfo hints, *res;
	int ok;

	if (host == NULL || *host == '\0' || addr_is_broadcast(host))
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	if (addr_resolve(host, NULL, &hints, &res) != 0)
		return 0;
	ok = getnameinfo(res->ai_addr, res->ai_addrlen, buf, (socklen_t)len,
	    NULL, 0, NI_NUMERICHOST) == 0;
	freeaddrinfo(res);
	return ok;
}

int
addr_format(const struct sockaddr *sa, socklen_t len, char *host,
    size_t hostlen, int *port)
{
	const struct sockaddr_un *sun;
	char serv[NI_MAXSERV];
	size_t n;
	int r;

	if (len < sizeof(sa_family_t) || sa->sa_family == AF_UNIX) {
		sun = (const struct sockaddr_un *)(const void *)sa;
		n = len > offsetof(struct sockaddr_un, sun_path) ?
		    len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (n > 0 && sun->sun_path[0] == '\0') {
			/* Abstract: "@" and the name, NULs and all. */
			snprintf(host, hostlen, "@%.*s", (int)(n - 1),
			    sun->sun_path + 1);
		} else if (n > 0)
			snprintf(host, hostlen, "%.*s",
			    (int)strnlen(sun->sun_path, n), sun->sun_path);
		else
			strlcpy(host, "(unnamed)", hostlen);
		*port = -1;
		return 0;
	}
	r = getnameinfo(sa, len, host, (socklen_t)hostlen, serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV);
	if (r == 0)
		*port = atoi(serv);
	return r;
}

int
addr_format_peer(const struct sockaddr *sa, socklen_t len, char *host,
    size_t hostlen, int *port)
{
	const struct sockaddr_in6 *sin6 = (const void *)sa;
	struct sockaddr_in sin;

	if (len >= sizeof(*sin6) && sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = sin6->sin6_port;
		memcpy(&sin.sin_addr, sin6->sin6_addr.s6_addr + 12, 4);
		return addr_format((const struct sockaddr *)&sin, sizeof(sin),
		    host, hostlen, port);
	}
	return addr_format(sa, len, host, hostlen, port);
}

void
addr_set_port(struct sockaddr *sa, int port)
{
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)(void *)sa)->sin_port =
		    htons((uint16_t)port);
	else if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)sa)->sin6_port =
		    htons((uint16_t)port);
}
