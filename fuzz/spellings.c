/*
 * Fuzz target: the family, type and protocol spellings, and the
 * --seconds values.  Whatever the text, a parser either refuses it or
 * gives a value whose name maps back to the same value.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "opts.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name;
	char *s;
	long long ms;
	int v, again;

	if ((s = strndup((const char *)data, size)) == NULL)
		return 0;
	if (addr_family_parse(s, &v) == 0) {
		if ((name = addr_family_name(v)) == NULL ||
		    addr_family_parse(name, &again) != 0 || again != v)
			abort();
	} else if (errno != EINVAL)
		abort();
	if (addr_type_parse(s, &v) == 0) {
		if ((name = addr_type_name(v)) == NULL ||
		    addr_type_parse(name, &again) != 0 || again != v)
			abort();
	} else if (errno != EINVAL)
		abort();
	if (addr_protocol_parse(s, &v) == 0) {
		if (v < 0 || v > 255)
			abort();
		if ((name = addr_protocol_name(v)) != NULL &&
		    (addr_protocol_parse(name, &again) != 0 || again != v))
			abort();
	} else if (errno != ERANGE && errno != ENOENT)
		abort();
	if (parse_seconds(s, &ms) == 0) {
		if (ms < 0 || ms > 1000000LL * 1000 + 999)
			abort();
	} else if (errno != EINVAL && errno != ERANGE)
		abort();
	free(s);
	return 0;
}
