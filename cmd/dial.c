/*
 * dial: connecting to a resolved HOST, for connect and udp-send (see
 * dial.h).
 */
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dial.h"
#include "relay.h"
#include "sock.h"

/*
 * Resolve the local address to bind for family (-s and --source-port).
 * Returns 0 with *res set (NULL when neither was given), or 1 after a
 * message.
 */
static int
source_for(const struct common_opts *co, int family, int type,
    struct addrinfo **res)
{
	struct addrinfo hints;
	int r;

	*res = NULL;
	if (co->source == NULL && co->source_port == NULL)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = type;
	hints.ai_flags = AI_PASSIVE | (co->numeric ?
	    AI_NUMERICHOST | AI_NUMERICSERV : 0);
	r = addr_resolve(co->source != NULL ? co->source : "",
	    co->source_port != NULL ? co->source_port : "0", &hints, res);
	if (r != 0) {
		warnx("source %s%s%s: %s", co->source != NULL ?
		    co->source : "port", co->source != NULL ? "" : " ",
		    co->source != NULL ? "" : co->source_port,
		    gai_strerror(r));
		return 1;
	}
	return 0;
}

/*
 * Connect to one address, binding the source first if asked.  Returns the
 * socket, or -1 with errno set.
 */
static int
connect_one(const struct common_opts *co, const struct addrinfo *ai,
    int broadcast)
{
	struct sock_spec spec;
	struct addrinfo *src;
	int fd, saved;

	if (source_for(co, ai->ai_family, ai->ai_socktype, &src) != 0) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	memset(&spec, 0, sizeof(spec));
	spec.type = ai->ai_socktype;
	spec.protocol = ai->ai_protocol;
	spec.timeout_ms = co->connect_ms;
	spec.broadcast = broadcast;
	if (src != NULL) {
		spec.local = src->ai_addr;
		spec.local_len = src->ai_addrlen;
	}
	fd = sock_connect(ai->ai_addr, ai->ai_addrlen, &spec);
	saved = errno;
	if (src != NULL)
		freeaddrinfo(src);
	errno = saved;
	return fd;
}

static void
report_failure(const struct addrinfo *ai, int e)
{
	char name[RELAY_NAME_MAX];

	warnx("connect %s: %s", relay_name(ai->ai_addr, ai->ai_addrlen, name,
	    sizeof(name)), strerror(e));
}

int
dial_any(const struct common_opts *co, struct addrinfo *res, int broadcast,
    struct addrinfo **which)
{
	struct addrinfo *ai;
	int fd, e = EHOSTUNREACH;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = connect_one(co, ai, broadcast)) >= 0) {
			*which = ai;
			return fd;
		}
		e = errno;
		if (e == EINTR)
			break;
		if (co->verbose)
			report_failure(ai, e);
	}
	errno = e;
	return -1;
}

