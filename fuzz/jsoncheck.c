/*
 * jsoncheck: a recursive-descent JSON validator (RFC 8259), strict about
 * UTF-8, escapes and numbers.  Test code: it answers yes or no.
 */
#include <stddef.h>
#include <string.h>

#include "jsoncheck.h"

#define DEPTH_MAX	64

struct in {
	const unsigned char	*p, *end;
};

static int	value(struct in *, int);

static void
ws(struct in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' ||
	    *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

static int
lit(struct in *in, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(in->end - in->p) < n || memcmp(in->p, word, n) != 0)
		return 0;
	in->p += n;
	return 1;
}

static int
hex4(struct in *in, unsigned *u)
{
	int i;
	unsigned c;

	if (in->end - in->p < 4)
		return 0;
	for (*u = 0, i = 0; i < 4; i++) {
		c = *in->p++;
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return 0;
		*u = *u << 4 | c;
	}
	return 1;
}

/* One well-formed UTF-8 sequence of two or more bytes. */
static int
utf8(struct in *in)
{
	unsigned char c = *in->p, lo = 0x80, hi = 0xbf;
	int n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (in->end - in->p < n || in->p[1] < lo || in->p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (in->p[i] < 0x80 || in->p[i] > 0xbf)
			return 0;
	in->p += n;
	return 1;
}

static int
string(struct in *in)
{
	unsigned u;

	if (in->p >= in->end || *in->p++ != '"')
		return 0;
	while (in->p < in->end) {
		if (*in->p == '"') {
			in->p++;
			return 1;
		}
		if (*in->p < 0x20)
			return 0;
		if (*in->p == '\\') {
			if (++in->p >= in->end)
				return 0;
			if (strchr("\"\\/bfnrt", *in->p) != NULL && *in->p) {
				in->p++;
			} else if (*in->p == 'u') {
				in->p++;
				if (!hex4(in, &u))
					return 0;
			} else
				return 0;
		} else if (*in->p < 0x80) {
			in->p++;
		} else if (!utf8(in))
			return 0;
	}
	return 0;
}

static int
digits(struct in *in)
{
	const unsigned char *start = in->p;

	while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
		in->p++;
	return in->p > start;
}

static int
number(struct in *in)
{
	if (in->p < in->end && *in->p == '-')
		in->p++;
	if (in->p < in->end && *in->p == '0')
		in->p++;
	else if (!digits(in))
		return 0;
	if (in->p < in->end && *in->p == '.') {
		in->p++;
		if (!digits(in))
			return 0;
	}
	if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
		in->p++;
		if (in->p < in->end && (*in->p == '+' || *in->p == '-'))
			in->p++;
		if (!digits(in))
			return 0;
	}
	return 1;
}

static int
members(struct in *in, int depth, int object)
{
	char close = object ? '}' : ']';

	in->p++;
	ws(in);
	if (in->p < in->end && *in->p == close) {
		in->p++;
		return 1;
	}
	for (;;) {
		if (object) {
			if (!string(in))
				return 0;
			ws(in);
			if (in->p >= in->end || *in->p++ != ':')
				return 0;
		}
		if (!value(in, depth + 1))
			return 0;
		if (in->p >= in->end)
			return 0;
		if (*in->p == close) {
			in->p++;
			return 1;
		}
		if (*in->p++ != ',')
			return 0;
		ws(in);
	}
}

static int
value(struct in *in, int depth)
{
	int ok;

	if (depth > DEPTH_MAX)
		return 0;
	ws(in);
	if (in->p >= in->end)
		return 0;
	switch (*in->p) {
	case '{':
		ok = members(in, depth, 1);
		break;
	case '[':
		ok = members(in, depth, 0);
		break;
	case '"':
		ok = string(in);
		break;
	case 't':
		ok = lit(in, "true");
		break;
	case 'f':
		ok = lit(in, "false");
		break;
	case 'n':
		ok = lit(in, "null");
		break;
	default:
		ok = number(in);
	}
	ws(in);
	return ok;
}

int
json_valid(const char *buf, size_t len)
{
	struct in in = { (const unsigned char *)buf,
	    (const unsigned char *)buf + len };

	return value(&in, 0) && in.p == in.end;
}
