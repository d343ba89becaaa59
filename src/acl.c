/*
 * acl: client allow and deny lists (see acl.h).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

/* One block: 16 address bytes (IPv4 as IPv4-mapped IPv6) and the
 * number of leading bits that count. */
struct rule {
	unsigned char	addr[16];
	int		bits;
};

struct acl {
	struct rule	*r[2];		/* allow, deny */
	size_t		 n[2];
	size_t		 cap[2];
};

struct acl *
acl_new(void)
{
	return calloc(1, sizeof(struct acl));
}

void
acl_free(struct acl *a)
{
	if (a == NULL)
		return;
	free(a->r[0]);
	free(a->r[1]);
	free(a);
}

/* The first 12 bytes of an IPv4-mapped IPv6 address. */
static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
    0xff };

/* sa's address as 16 bytes, IPv4 mapped.  Returns 0, or -1 for a
 * family without one. */
static int
to16(const struct sockaddr *sa, unsigned char out[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, mapped, 12);
		memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr,
		    4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

static int
push(struct acl *a, int deny, const unsigned char addr[16], int bits)
{
	struct rule *nr;
	size_t cap;

	if (a->n[deny] == a->cap[deny]) {
		cap = a->cap[deny] ? a->cap[deny] * 2 : 8;
		if ((nr = reallocarray(a->r[deny], cap, sizeof(*nr))) == NULL)
			return -1;
		a->r[deny] = nr;
		a->cap[deny] = cap;
	}
	memcpy(a->r[deny][a->n[deny]].addr, addr, 16);
	a->r[deny][a->n[deny]].bits = bits;
	a->n[deny]++;
	return 0;
}

int
acl_add(struct acl *a, int deny, const char *entry, int numeric,
    const char **why)
{
	struct addrinfo hints, *res, *ai;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	unsigned char addr[16];
	char host[256], *slash, *end;
	long bits = -1;
	int r;

	if (strlen(entry) >= sizeof(host) || entry[0] == '\0') {
		*why = "not an address, block or host name";
		return -1;
	}
	strlcpy(host, entry, sizeof(host));
	if ((slash = strchr(host, '/')) != NULL) {
		*slash++ = '\0';
		errno = 0;
		bits = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits < 0 || errno != 0) {
			*why = "a prefix length that is not a number";
			return -1;
		}
	}
	memset(&sin, 0, sizeof(sin));
	memset(&sin6, 0, sizeof(sin6));
	if (inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
		if (bits > 32) {
			*why = "an IPv4 prefix longer than 32";
			return -1;
		}
		sin.sin_family = AF_INET;
		(void)to16((struct sockaddr *)&sin, addr);
		return push(a, deny, addr, bits < 0 ? 128 : 96 + (int)bits) ==
		    0 ? 0 : (*why = strerror(errno), -1);
	}
	if (inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
		if (bits > 128) {
			*why = "an IPv6 prefix longer than 128";
			return -1;
		}
		memcpy(addr, &sin6.sin6_addr, 16);
		return push(a, deny, addr, bits < 0 ? 128 : (int)bits) == 0 ?
		    0 : (*why = strerror(errno), -1);
	}
	if (slash != NULL) {
		*why = "a block needs an address, not a name";
		return -1;
	}
	if (numeric) {
		*why = "a host name, with -n";
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		*why = r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (to16(ai->ai_addr, addr) == 0 &&
		    push(a, deny, addr, 128) == -1) {
			*why = strerror(errno);
			freeaddrinfo(res);
			return -1;
		}
	freeaddrinfo(res);
	return 0;
}

/* Whether the first bits of x and y agree. */
static int
prefix_match(const unsigned char *x, const unsigned char *y, int bits)
{
	int whole = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(x, y, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (x[whole] & mask) == (y[whole] & mask);
}

/*
 * Whether a rule of a's list (deny or allow) covers addr.  An IPv4
 * client (addr IPv4-mapped) is covered by IPv4 rules and by IPv6 ones
 * that spell the mapped form out (::ffff:0:0/96 and longer), never by a
 * wider IPv6 block (::/0 means the IPv6 clients).
 */
static int
any(const struct acl *a, int deny, const unsigned char addr[16])
{
	int v4 = memcmp(addr, mapped, 12) == 0;
	size_t i;

	for (i = 0; i < a->n[deny]; i++)
		if ((!v4 || a->r[deny][i].bits >= 96) &&
		    prefix_match(a->r[deny][i].addr, addr,
		    a->r[deny][i].bits))
			return 1;
	return 0;
}

int
acl_admit(const struct acl *a, const struct sockaddr *sa, socklen_t len)
{
	unsigned char addr[16];

	if (a == NULL)
		return 1;
	if (len < sizeof(sa_family_t) || to16(sa, addr) == -1)
		return a->n[0] == 0;
	if (any(a, 1, addr))
		return 0;
	return a->n[0] == 0 || any(a, 0, addr);
}
