/*
 * Fuzz target: the proxy handshakes of src/proxy.c fed a proxy's reply
 * from the input, and the proxy URL parser.  The first byte picks the
 * scheme, whether credentials and an address are given, and how the
 * reply is cut into reads (never more than the handshake asks for);
 * the rest is the reply, and also a URL to parse.  Nothing may crash,
 * leak or read past what it was given; a finished handshake must have
 * asked for nothing more, and a failure must say why.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proxy_talk t;
	struct proxy_url u;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa = NULL;
	const char *why;
	char *url;
	size_t off = 1, n;
	int r = 0, sel;

	if (size < 1)
		return 0;
	sel = data[0];
	if ((url = malloc(size)) == NULL)
		abort();
	memcpy(url, data + 1, size - 1);
	url[size - 1] = '\0';
	if (proxy_url_parse(url, &u, &why) == 0) {
		if (u.host[0] == '\0' || u.port[0] == '\0')
			abort();
	} else if (why == NULL || why[0] == '\0')
		abort();
	free(url);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	if (sel & 8)
		sa = (sel & 16) ? (const struct sockaddr *)&sin6 :
		    (const struct sockaddr *)&sin;
	if (proxy_talk_start(&t, (enum proxy_scheme)(sel % 6), "example.org",
	    443, sa, (sel & 32) ? "user" : NULL, (sel & 64) ? "pass" : NULL)
	    == -1) {
		if (t.why[0] == '\0')
			abort();
		return 0;
	}
	while (off < size && t.want > 0) {
		n = (sel & 128) ? 1 : t.want;
		if (n > size - off)
			n = size - off;
		if (n > t.want)
			abort();
		r = proxy_talk_feed(&t, data + off, n);
		off += n;
		if (r == 1 && t.want != 0)
			abort();
		if (r == -1 && t.why[0] == '\0')
			abort();
		if (r != 0)
			break;
		if (t.outoff > t.outlen || t.outlen > sizeof(t.out))
			abort();
		/* What there is to send counts as sent. */
		t.outoff = t.outlen;
	}
	proxy_talk_end(&t);
	return 0;
}
