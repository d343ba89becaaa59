/*
 * Fuzz target: resolve's JSON output.  The input is a canonical name and
 * a list of getaddrinfo(3)-shaped results (family, type, protocol,
 * address bytes, port); whatever they hold, resolve_print() must write
 * one valid JSON array, and json_string() one valid JSON string.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "event.h"
#include "json.h"
#include "jsoncheck.h"

#define RESULTS_MAX	16

/* Bytes of the input, taken in turn; zeros once it runs out. */
struct take {
	const uint8_t	*p;
	size_t		 n;
};

static uint8_t
byte(struct take *t)
{
	if (t->n == 0)
		return 0;
	t->n--;
	return *t->p++;
}

static void
bytes(struct take *t, void *dst, size_t n)
{
	uint8_t *d = dst;

	while (n-- > 0)
		*d++ = byte(t);
}

union sa {
	struct sockaddr		sa;
	struct sockaddr_in	in;
	struct sockaddr_in6	in6;
	struct sockaddr_un	un;
};

static void
check(char *out, size_t len, const char *what)
{
	if (!json_valid(out, len)) {
		fprintf(stderr, "invalid JSON from %s: %.*s\n", what,
		    (int)len, out);
		abort();
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int families[] = { AF_INET, AF_INET6, AF_UNIX, AF_UNSPEC };
	struct addrinfo ai[RESULTS_MAX];
	union sa sa[RESULTS_MAX];
	struct take t;
	const uint8_t *nul;
	char *canon, *out = NULL;
	size_t len = 0, i, n, clen;
	FILE *fp;
	uint8_t f;

	/* The canonical name runs to the first NUL; the results follow. */
	nul = memchr(data, '\0', size);
	clen = nul != NULL ? (size_t)(nul - data) : size;
	if ((canon = malloc(clen + 1)) == NULL)
		return 0;
	memcpy(canon, data, clen);
	canon[clen] = '\0';
	t.p = data + clen;
	t.n = size - clen;
	if (t.n > 0)
		byte(&t);

	if ((fp = open_memstream(&out, &len)) == NULL)
		abort();
	json_string(fp, canon);
	fclose(fp);
	check(out, len, "json_string");
	free(out);

	/* The events' JSON (--json): the canonical name as an event's
	 * name and text, in a buffer of a size the input picks, so that
	 * members that do not fit are left out whole. */
	{
		struct event ev;
		char buf[EVENT_LINE_MAX];
		size_t room = 3 + (clen * 7 + (size_t)(t.n > 0 ? t.p[0] : 0))
		    % (sizeof(buf) - 3);
		unsigned k;

		for (k = 0; k <= EVENT_UNROUTED; k++) {
			memset(&ev, 0, sizeof(ev));
			ev.kind = (enum event_kind)k;
			ev.name = canon;
			ev.text = canon;
			ev.err = (int)(clen % 140);
			ev.ms = (long long)clen * 37;
			ev.elapsed_ms = (long long)clen;
			ev.sent = clen;
			ev.count = (long long)clen;
			ev.all = (int)(clen & 1);
			n = event_json(&ev, buf, room);
			if (n != strlen(buf) || n >= room)
				abort();
			check(buf, n, "event_json");
		}
	}

	memset(ai, 0, sizeof(ai));
	memset(sa, 0, sizeof(sa));
	n = byte(&t) % (RESULTS_MAX + 1);
	for (i = 0; i < n; i++) {
		f = byte(&t);
		sa[i].sa.sa_family = (sa_family_t)families[f % 4];
		ai[i].ai_family = sa[i].sa.sa_family;
		ai[i].ai_socktype = byte(&t) % 8;
		ai[i].ai_protocol = byte(&t);
		switch (ai[i].ai_family) {
		case AF_INET:
			bytes(&t, &sa[i].in.sin_addr, 4);
			bytes(&t, &sa[i].in.sin_port, 2);
			ai[i].ai_addrlen = sizeof(sa[i].in);
			break;
		case AF_INET6:
			bytes(&t, &sa[i].in6.sin6_addr, 16);
			bytes(&t, &sa[i].in6.sin6_port, 2);
			/* A scope on link-local addresses, as getaddrinfo
			 * gives for fe80::1%1. */
			sa[i].in6.sin6_scope_id = byte(&t) % 3;
			ai[i].ai_addrlen = sizeof(sa[i].in6);
			break;
		case AF_UNIX:
			/* The path's bytes, as many as the input says. */
			clen = byte(&t) % sizeof(sa[i].un.sun_path);
			bytes(&t, sa[i].un.sun_path, clen);
			ai[i].ai_addrlen = (socklen_t)
			    (offsetof(struct sockaddr_un, sun_path) + clen);
			break;
		default:
			ai[i].ai_addrlen = sizeof(sa[i].sa);
		}
		ai[i].ai_addr = &sa[i].sa;
		ai[i].ai_next = i + 1 < n ? &ai[i + 1] : NULL;
	}

	if ((fp = open_memstream(&out, &len)) == NULL)
		abort();
	resolve_print(fp, n > 0 ? ai : NULL, (f = byte(&t)) % 2 ?
	    canon : NULL, 1);
	fclose(fp);
	check(out, len, "resolve_print");
	free(out);
	free(canon);
	return 0;
}
