/*
 * Fuzz target: the HOST/PORT vocabulary.  The input is one operand, as a
 * user types it (HOST:PORT, [V6]:PORT, a bare HOST or PORT).  Every
 * parser in src/addr.c takes it; when a host and port pass the checks,
 * they are resolved numerically only (AI_NUMERICHOST, AI_NUMERICSERV: no
 * name service is asked, nothing is sent), and each result formatted by
 * addr_format() must resolve again to the same address.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A formatted result must parse back to the same socket address. */
static void
round_trip(const struct addrinfo *ai)
{
	struct addrinfo hints, *again;
	char host[NI_MAXHOST], port[16];
	int p, r;

	if (addr_format(ai->ai_addr, ai->ai_addrlen, host, sizeof(host),
	    &p) != 0) {
		fprintf(stderr, "addr_format failed on a getaddrinfo result\n");
		abort();
	}
	if (p < 0 || p > 65535)
		abort();
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = ai->ai_family;
	hints.ai_socktype = ai->ai_socktype;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((r = addr_resolve(host, port, &hints, &again)) != 0) {
		fprintf(stderr, "'%s' port %s does not resolve again: %s\n",
		    host, port, gai_strerror(r));
		abort();
	}
	if (again->ai_addrlen != ai->ai_addrlen ||
	    memcmp(again->ai_addr, ai->ai_addr, ai->ai_addrlen) != 0) {
		fprintf(stderr, "'%s' port %s resolves to another address\n",
		    host, port);
		abort();
	}
	freeaddrinfo(again);
}

static void
resolve_numeric(const char *host, const char *port)
{
	struct addrinfo hints, *res, *ai;

	if (addr_host_check(host) != 0)
		return;
	if (port != NULL && addr_port_parse(port, 1, NULL) != 0)
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (addr_resolve(host, port, &hints, &res) != 0)
		return;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		round_trip(ai);
	freeaddrinfo(res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *op, *host, *port;
	int lo, hi, p;

	if ((op = strndup((const char *)data, size)) == NULL)
		return 0;
	(void)addr_is_broadcast(op);
	if (addr_port_parse(op, 1, &p) == 0 && (p < 0 || p > 65535))
		abort();
	if (addr_port_range(op, 1, &lo, &hi) == 0 &&
	    (lo < 0 || hi > 65535 || lo > hi))
		abort();
	/* Service names: services(5) is a local file. */
	(void)addr_port_parse(op, 0, NULL);
	resolve_numeric(op, NULL);
	if (addr_split(op, &host, &port) == 0) {
		if (strlen(host) + strlen(port) + 1 > size)
			abort();
		resolve_numeric(host, port);
		free(host);
	} else if (errno != EINVAL && errno != ENOMEM)
		abort();
	free(op);
	return 0;
}
