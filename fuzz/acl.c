/*
 * Fuzz target: --allow and --deny entries (src/acl.c).  The input's
 * lines are entries (numeric only: no name is looked up), the first
 * byte of each saying allow or deny; the last 16 bytes are an address
 * to check, as IPv6 and as IPv4.  Nothing may crash or read out of
 * bounds; an address with no rule at all is let in, and one that an
 * entry of its own exact address denies is kept out.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	struct acl *a;
	const char *why;
	char *text, *line, *next;
	unsigned char deny;

	if (size < 16 || (a = acl_new()) == NULL)
		return 0;
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	memcpy(&s6.sin6_addr, data + size - 16, 16);
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	memcpy(&s4.sin_addr, data + size - 4, 4);
	if (!acl_admit(a, (struct sockaddr *)&s6, sizeof(s6)))
		abort();
	if ((text = malloc(size - 16 + 1)) == NULL)
		abort();
	memcpy(text, data, size - 16);
	text[size - 16] = '\0';
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0')
			continue;
		deny = (unsigned char)*line & 1;
		why = NULL;
		if (acl_add(a, deny, line + 1, 1, &why) == -1 && why == NULL)
			abort();
	}
	(void)acl_admit(a, (struct sockaddr *)&s6, sizeof(s6));
	(void)acl_admit(a, (struct sockaddr *)&s4, sizeof(s4));
	free(text);
	acl_free(a);
	/* Its own address, denied, is kept out. */
	if ((a = acl_new()) == NULL)
		abort();
	if (acl_add(a, 1, "192.0.2.7", 1, &why) == -1)
		abort();
	s4.sin_addr.s_addr = htonl(0xc0000207);
	if (acl_admit(a, (struct sockaddr *)&s4, sizeof(s4)))
		abort();
	acl_free(a);
	return 0;
}
