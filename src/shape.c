/*
 * shape: CRLF, telnet and the hex dump on a flow's bytes (see shape.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "flow.h"
#include "shape.h"

/* Telnet's bytes (RFC 854). */
#define T_SE	240
#define T_SB	250
#define T_WILL	251
#define T_WONT	252
#define T_DO	253
#define T_DONT	254
#define T_IAC	255

/* Where a telnet stream stands between reads (f->shape_state). */
enum telnet_state {
	TS_DATA,
	TS_IAC,		/* after IAC */
	TS_OPT_WILL,	/* after IAC WILL: the option comes */
	TS_OPT_WONT,
	TS_OPT_DO,
	TS_OPT_DONT,
	TS_SB,		/* in a subnegotiation */
	TS_SB_IAC	/* IAC within it */
};

/* The CRLF state: the last byte sent was a CR. */
#define CRLF_AFTER_CR	1u

/* One dump line: offset, 16 bytes in hex, their text. */
#define DUMP_LINE	80

/* Write all of buf to fd, waiting where it is full.  -1 on a failure. */
static int
write_all(int fd, const char *buf, size_t len)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) >= 0) {
			buf += n;
			len -= (size_t)n;
		} else if (errno == EAGAIN)
			(void)poll(&pfd, 1, -1);
		else if (errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * The block of len bytes at offset in direction dir ('>' or '<'): a
 * heading, then lines of offset, hex and printable text.
 */
static int
dump(int fd, char dir, const struct flow *f, uint64_t offset,
    const unsigned char *p, size_t len)
{
	char line[DUMP_LINE], buf[64 * DUMP_LINE];
	const char *tag = f->shape_tag != NULL ? *f->shape_tag : NULL;
	size_t i, j, k, n, used;

	if (tag != NULL)
		used = (size_t)snprintf(buf, sizeof(buf), "%c %zu bytes at "
		    "%llu (%.*s)\n", dir, len, (unsigned long long)offset,
		    DUMP_LINE, tag);
	else
		used = (size_t)snprintf(buf, sizeof(buf), "%c %zu bytes at "
		    "%llu\n", dir, len, (unsigned long long)offset);
	for (i = 0; i < len; i += 16) {
		n = len - i < 16 ? len - i : 16;
		j = (size_t)snprintf(line, sizeof(line), "%08llx ",
		    (unsigned long long)(offset + i));
		for (k = 0; k < 16; k++)
			j += (size_t)snprintf(line + j, sizeof(line) - j,
			    k < n ? "%s%02x" : "%s  ", k == 8 ? "  " : " ",
			    k < n ? p[i + k] : 0);
		j += (size_t)snprintf(line + j, sizeof(line) - j, "  |");
		for (k = 0; k < n; k++)
			line[j++] = p[i + k] >= 0x20 && p[i + k] < 0x7f ?
			    (char)p[i + k] : '.';
		line[j++] = '|';
		line[j++] = '\n';
		if (used + j > sizeof(buf)) {
			if (write_all(fd, buf, used) == -1)
				return -1;
			used = 0;
		}
		memcpy(buf + used, line, j);
		used += j;
	}
	return write_all(fd, buf, used);
}

/* A bare LF becomes CRLF; one after a CR (here or at the end of the
 * last read) stays as it is. */
static int
crlf(struct flow *f, struct chunk **cp)
{
	struct chunk *c = *cp, *nc;
	size_t i, add = 0, j;
	int cr = (f->shape_state & CRLF_AFTER_CR) != 0;

	for (i = 0; i < c->len; i++) {
		if (c->data[i] == '\n' && !cr)
			add++;
		cr = c->data[i] == '\r';
	}
	if (add > 0) {
		if ((nc = chunk_new(c->len + add)) == NULL)
			return -1;
		cr = (f->shape_state & CRLF_AFTER_CR) != 0;
		for (i = j = 0; i < c->len; i++) {
			if (c->data[i] == '\n' && !cr)
				nc->data[j++] = '\r';
			nc->data[j++] = c->data[i];
			cr = c->data[i] == '\r';
		}
		nc->len = j;
		chunk_free(c);
		*cp = c = nc;
	}
	f->shape_state = c->data[c->len - 1] == '\r' ? CRLF_AFTER_CR : 0;
	return 0;
}

/*
 * Take telnet's negotiation out of the bytes, in place, and answer
 * each offer by refusing it (DO: WONT, WILL: DONT) on the peer's queue;
 * IAC IAC is one 0xff byte of data.
 */
static int
telnet(struct flow *f, struct chunk *c)
{
	unsigned char answer[3 * 64];
	size_t i, j = 0, na = 0;
	unsigned st = f->shape_state;
	unsigned char b;

	for (i = 0; i < c->len; i++) {
		b = c->data[i];
		switch (st) {
		case TS_DATA:
			if (b == T_IAC)
				st = TS_IAC;
			else
				c->data[j++] = b;
			break;
		case TS_IAC:
			st = TS_DATA;
			if (b == T_IAC)
				c->data[j++] = b;
			else if (b >= T_WILL)
				st = TS_OPT_WILL + (b - T_WILL);
			else if (b == T_SB)
				st = TS_SB;
			break;		/* any other command: dropped */
		case TS_OPT_WILL:
		case TS_OPT_DO:
			if (na + 3 <= sizeof(answer)) {
				answer[na++] = T_IAC;
				answer[na++] = st == TS_OPT_DO ? T_WONT :
				    T_DONT;
				answer[na++] = b;
			}
			st = TS_DATA;
			break;
		case TS_OPT_WONT:
		case TS_OPT_DONT:
			st = TS_DATA;	/* refused already */
			break;
		case TS_SB:
			if (b == T_IAC)
				st = TS_SB_IAC;
			break;
		case TS_SB_IAC:
			st = b == T_SE ? TS_DATA : TS_SB;
			break;
		}
	}
	c->len = j;
	f->shape_state = st;
	if (na > 0 && f->src->sinkq != NULL &&
	    sinkq_put(f->src->sinkq, answer, na) == -1)
		return -1;
	return 0;
}

int
shape_run(void *arg, struct flow *f, struct chunk **cp)
{
	struct shape_cfg *cfg = arg;
	uint64_t offset = f->bytes - (*cp)->len;
	int dumping = cfg->dump_fd >= 0 && cfg->dump_err == 0;

	if (f->sending) {
		if (cfg->crlf && crlf(f, cp) == -1)
			return -1;
		/* What goes out, counted as it goes out. */
		offset = f->shape_out;
		f->shape_out += (*cp)->len;
		if (dumping && dump(cfg->dump_fd, '>', f, offset,
		    (*cp)->data, (*cp)->len) == -1)
			cfg->dump_err = errno;
		return 0;
	}
	if (dumping && dump(cfg->dump_fd, '<', f, offset, (*cp)->data,
	    (*cp)->len) == -1)
		cfg->dump_err = errno;
	if (cfg->telnet)
		return telnet(f, *cp);
	return 0;
}
