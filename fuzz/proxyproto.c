/*
 * Fuzz target: PROXY protocol headers (src/proxyproto.c).  The input is
 * what a client sends first.  The length pp_header_len() gives must not
 * change as more bytes come (it never needs more than the header), and
 * parsing exactly that many bytes must not crash, leak or read past
 * them; a parse that fails says why, one that succeeds names a client
 * of a known family or none (LOCAL, UNKNOWN).
 */
#include <sys/socket.h>

#include <stddef.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxyproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * What pp_build() makes of two addresses taken from data (IPv4 or IPv6,
 * as its first byte says) is read back by pp_parse() as the same two.
 */
static void
round_trip(const uint8_t *data, size_t size)
{
	struct sockaddr_storage a, b;
	struct sockaddr_in *a4 = (void *)&a, *b4 = (void *)&b;
	struct sockaddr_in6 *a6 = (void *)&a, *b6 = (void *)&b;
	unsigned char buf[PP_BUILD_MAX];
	struct pp_header h;
	const char *why;
	socklen_t len;
	size_t n;
	int v6;

	if (size < 1 + 2 * 18)
		return;
	v6 = data[0] & 1;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (v6) {
		a6->sin6_family = b6->sin6_family = AF_INET6;
		memcpy(&a6->sin6_addr, data + 1, 16);
		memcpy(&a6->sin6_port, data + 17, 2);
		memcpy(&b6->sin6_addr, data + 19, 16);
		memcpy(&b6->sin6_port, data + 35, 2);
		len = sizeof(*a6);
	} else {
		a4->sin_family = b4->sin_family = AF_INET;
		memcpy(&a4->sin_addr, data + 1, 4);
		memcpy(&a4->sin_port, data + 5, 2);
		memcpy(&b4->sin_addr, data + 7, 4);
		memcpy(&b4->sin_port, data + 11, 2);
		len = sizeof(*a4);
	}
	n = pp_build(1 + (data[0] >> 1 & 1), (struct sockaddr *)&a, len,
	    (struct sockaddr *)&b, len, buf);
	why = NULL;
	if (pp_header_len(buf, n, &why) != (long)n ||
	    pp_parse(buf, n, &h, &why) == -1)
		abort();
	/* A mapped IPv4 address comes back as IPv4: compared as made. */
	if (v6 && (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) ||
	    IN6_IS_ADDR_V4MAPPED(&b6->sin6_addr)))
		return;
	if (h.local || h.src.ss_family != a.ss_family ||
	    (v6 ? memcmp(&((struct sockaddr_in6 *)&h.src)->sin6_addr,
	    &a6->sin6_addr, 16) != 0 || ((struct sockaddr_in6 *)&h.dst)->
	    sin6_port != b6->sin6_port : memcmp(&((struct sockaddr_in *)
	    &h.src)->sin_addr, &a4->sin_addr, 4) != 0 ||
	    ((struct sockaddr_in *)&h.dst)->sin_port != b4->sin_port))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_header h;
	const char *why;
	unsigned char *copy;
	long want = 0, w;
	size_t i;

	round_trip(data, size);
	for (i = 1; i <= size; i++) {
		why = NULL;
		w = pp_header_len(data, i, &why);
		if (w == -1) {
			if (why == NULL)
				abort();
			return 0;
		}
		if (want > 0 && w != want)
			abort();
		want = w;
		if (want > 0 && (size_t)want <= i)
			break;
	}
	if (want <= 0 || (size_t)want > size)
		return 0;
	/* Exactly the header, in a buffer of its own size. */
	if ((copy = malloc((size_t)want)) == NULL)
		abort();
	memcpy(copy, data, (size_t)want);
	why = NULL;
	if (pp_parse(copy, (size_t)want, &h, &why) == -1) {
		if (why == NULL)
			abort();
	} else if (!h.local && h.src.ss_family != AF_INET &&
	    h.src.ss_family != AF_INET6 && h.src.ss_family != AF_UNIX)
		abort();
	free(copy);
	return 0;
}
