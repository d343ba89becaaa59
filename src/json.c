/*
 * json: JSON strings that are valid whatever bytes they are given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/*
 * The length of the well-formed UTF-8 sequence at p (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0.
 */
static size_t
utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	/* The first continuation byte has the narrower range; a NUL ends
	 * the check before reading past the string. */
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void
json_string(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	putc('"', fp);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			putc('\\', fp);
			putc(*p++, fp);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(fp, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) == 0) {
			fputs("\\ufffd", fp);
			p++;
		} else {
			fwrite(p, 1, n, fp);
			p += n;
		}
	}
	putc('"', fp);
}

void
json_obj_begin(struct json_obj *o, char *buf, size_t len)
{
	o->buf = buf;
	/* Room for "{", "}" and the NUL. */
	o->len = len >= 3 ? len - 2 : 0;
	o->n = 0;
	o->members = 0;
	o->trunc = 0;
	if (o->len > 0)
		buf[o->n++] = '{';
}

/* Append s[0..n) if it fits; returns 0, or -1 (nothing appended). */
static int
put(struct json_obj *o, const char *s, size_t n)
{
	if (o->len - o->n < n)
		return -1;
	memcpy(o->buf + o->n, s, n);
	o->n += n;
	return 0;
}

/* The start of a member: the comma and the key; returns where the
 * member began (to take it back), or (size_t)-1. */
static size_t
key(struct json_obj *o, const char *k)
{
	size_t start = o->n;

	if (o->len == 0 || (o->members > 0 && put(o, ",", 1) == -1) ||
	    put(o, "\"", 1) == -1 || put(o, k, strlen(k)) == -1 ||
	    put(o, "\":", 2) == -1) {
		o->n = start;
		o->trunc = 1;
		return (size_t)-1;
	}
	return start;
}

static void
done(struct json_obj *o, size_t start, int ok)
{
	if (ok) {
		o->members++;
		return;
	}
	o->n = start;
	o->trunc = 1;
}

void
json_obj_str(struct json_obj *o, const char *k, const char *val)
{
	const unsigned char *p = (const unsigned char *)val;
	char esc[8];
	size_t start, n;
	int ok = 1;

	if ((start = key(o, k)) == (size_t)-1)
		return;
	ok = put(o, "\"", 1) == 0;
	while (ok && *p != '\0') {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p++;
			ok = put(o, esc, 2) == 0;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p++);
			ok = put(o, esc, 6) == 0;
		} else if ((n = utf8_len(p)) == 0) {
			ok = put(o, "\\ufffd", 6) == 0;
			p++;
		} else {
			ok = put(o, (const char *)p, n) == 0;
			p += n;
		}
	}
	done(o, start, ok && put(o, "\"", 1) == 0);
}

static void
number(struct json_obj *o, const char *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
number(struct json_obj *o, const char *k, const char *fmt, ...)
{
	char num[48];
	va_list ap;
	size_t start;
	int n;

	if ((start = key(o, k)) == (size_t)-1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(num, sizeof(num), fmt, ap);
	va_end(ap);
	done(o, start, n > 0 && put(o, num, (size_t)n) == 0);
}

void
json_obj_int(struct json_obj *o, const char *k, long long val)
{
	number(o, k, "%lld", val);
}

void
json_obj_bool(struct json_obj *o, const char *k, int val)
{
	number(o, k, "%s", val ? "true" : "false");
}

void
json_obj_secs(struct json_obj *o, const char *k, long long ms)
{
	number(o, k, "%lld.%03lld", ms / 1000, ms % 1000);
}

size_t
json_obj_end(struct json_obj *o)
{
	if (o->len == 0)
		return 0;
	o->buf[o->n++] = '}';
	o->buf[o->n] = '\0';
	return o->n;
}
