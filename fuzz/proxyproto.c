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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proxyproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_header h;
	const char *why;
	unsigned char *copy;
	long want = 0, w;
	size_t i;

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
