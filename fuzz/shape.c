/*
 * Fuzz target: the shapes of src/shape.c on bytes from the peer
 * (--telnet, with the hex dump) and from stdin (-C).  The first byte
 * picks the shape and how the rest is cut into reads; the bytes shaped
 * in one read must come out the same as shaped across the cuts (the
 * state carried from read to read), with no crash, leak or undefined
 * behaviour on the way.  Telnet never adds a byte; -C leaves no LF
 * without its CR.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow.h"
#include "shape.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Shape data in reads of the sizes step gives (0: one read); the
 * result, malloc'd, in *out. */
static size_t
shape_all(const struct shape_cfg *cfg, int sending, const uint8_t *data,
    size_t size, unsigned step, unsigned char **out)
{
	struct stream st;
	struct flow f;
	struct chunk *c;
	size_t off = 0, n, len = 0;
	unsigned char *buf;

	memset(&st, 0, sizeof(st));
	memset(&f, 0, sizeof(f));
	f.src = &st;
	f.sending = sending;
	if ((buf = malloc(2 * size + 1)) == NULL)
		abort();
	while (off < size) {
		n = step == 0 ? size - off : 1 + (data[off] + step) % (step + 3);
		if (n > size - off)
			n = size - off;
		if ((c = chunk_new(n)) == NULL)
			abort();
		memcpy(c->data, data + off, n);
		c->len = n;
		f.bytes += n;
		if (shape_run((void *)(uintptr_t)cfg, &f, &c) == -1)
			abort();
		memcpy(buf + len, c->data, c->len);
		len += c->len;
		chunk_free(c);
		off += n;
	}
	*out = buf;
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -2;
	struct shape_cfg cfg;
	unsigned char *one, *cut;
	size_t n1, n2, i;
	int sending;

	if (size < 2)
		return 0;
	if (devnull == -2)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	memset(&cfg, 0, sizeof(cfg));
	sending = data[0] & 1;
	cfg.crlf = sending;
	cfg.telnet = !sending;
	cfg.dump_fd = data[0] & 2 ? devnull : -1;
	n1 = shape_all(&cfg, sending, data + 1, size - 1, 0, &one);
	n2 = shape_all(&cfg, sending, data + 1, size - 1, 1 + data[0] % 13,
	    &cut);
	if (n1 != n2 || memcmp(one, cut, n1) != 0) {
		fprintf(stderr, "shape: %zu bytes in one read, %zu cut\n", n1,
		    n2);
		abort();
	}
	if (!sending && n1 > size - 1)
		abort();
	for (i = 0; sending && i < n1; i++)
		if (one[i] == '\n' && (i == 0 || one[i - 1] != '\r'))
			abort();
	free(one);
	free(cut);
	return 0;
}
