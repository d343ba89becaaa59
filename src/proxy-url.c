/*
 * proxy-url: the proxy schemes and their URLs (see proxy.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy.h"

static const struct {
	const char		*name;
	enum proxy_scheme	 scheme;
	const char		*port;
} schemes[] = {
	{ "socks4",	PROXY_SOCKS4,	"1080" },
	{ "socks4a",	PROXY_SOCKS4A,	"1080" },
	{ "socks5",	PROXY_SOCKS5,	"1080" },
	{ "socks5h",	PROXY_SOCKS5H,	"1080" },
	{ "http",	PROXY_HTTP,	"80" },
	{ "https",	PROXY_HTTPS,	"443" }
};

#define NSCHEMES	(sizeof(schemes) / sizeof(schemes[0]))

const char *
proxy_scheme_name(enum proxy_scheme scheme)
{
	size_t i;

	for (i = 0; i < NSCHEMES; i++)
		if (schemes[i].scheme == scheme)
			return schemes[i].name;
	return "?";
}

const char *
proxy_protocol_name(enum proxy_scheme scheme)
{
	return scheme == PROXY_HTTP || scheme == PROXY_HTTPS ? "HTTP" :
	    scheme == PROXY_SOCKS4 || scheme == PROXY_SOCKS4A ? "SOCKS4" :
	    "SOCKS5";
}

int
proxy_scheme_sends_name(enum proxy_scheme scheme)
{
	return scheme != PROXY_SOCKS4 && scheme != PROXY_SOCKS5;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode p[0..n) into out (of len).  Returns 0, or -1 when it
 * is too long or a %XX is broken or decodes to NUL. */
static int
pct_decode(const char *p, size_t n, char *out, size_t len)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o + 1 >= len)
			return -1;
		if (p[i] != '%') {
			out[o++] = p[i];
			continue;
		}
		if (i + 2 >= n)
			return -1;
		if ((hi = hexval((unsigned char)p[i + 1])) < 0 ||
		    (lo = hexval((unsigned char)p[i + 2])) < 0 ||
		    (hi == 0 && lo == 0))
			return -1;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return 0;
}

int
proxy_url_parse(const char *url, struct proxy_url *u, const char **why)
{
	const char *p, *end, *at, *colon, *hp, *hend;
	size_t i, n;
	const char *dport = "80";

	memset(u, 0, sizeof(*u));
	u->scheme = PROXY_HTTP;
	p = url;
	if ((end = strstr(url, "://")) != NULL) {
		n = (size_t)(end - url);
		for (i = 0; i < NSCHEMES; i++)
			if (strlen(schemes[i].name) == n &&
			    strncasecmp(url, schemes[i].name, n) == 0)
				break;
		if (i == NSCHEMES) {
			*why = "unknown scheme (socks4, socks4a, socks5, "
			    "socks5h, http or https)";
			return -1;
		}
		u->scheme = schemes[i].scheme;
		dport = schemes[i].port;
		p = end + 3;
	}
	/* The authority ends at a '/', which may only end the URL. */
	end = p + strcspn(p, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		*why = "a proxy URL has no path";
		return -1;
	}
	if ((at = memrchr(p, '@', (size_t)(end - p))) != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		hend = colon != NULL ? colon : at;
		if (hend == p) {
			*why = "an empty user name";
			return -1;
		}
		if (pct_decode(p, (size_t)(hend - p), u->user,
		    sizeof(u->user)) == -1 || (colon != NULL &&
		    pct_decode(colon + 1, (size_t)(at - colon - 1), u->pass,
		    sizeof(u->pass)) == -1)) {
			*why = "a user or password too long or with a bad "
			    "%XX";
			return -1;
		}
		u->has_user = 1;
		u->has_pass = colon != NULL;
		p = at + 1;
	}
	hp = p;
	if (*hp == '[') {
		if ((hend = memchr(hp, ']', (size_t)(end - hp))) == NULL) {
			*why = "no ']' after an IPv6 address";
			return -1;
		}
		n = (size_t)(hend - hp - 1);
		hp++;
		p = hend + 1;
		if (p < end && *p != ':') {
			*why = "text after ']'";
			return -1;
		}
	} else {
		colon = memchr(hp, ':', (size_t)(end - hp));
		if (colon != NULL && memchr(colon + 1, ':',
		    (size_t)(end - colon - 1)) != NULL) {
			*why = "an IPv6 address needs brackets: [ADDR]:PORT";
			return -1;
		}
		p = colon != NULL ? colon : end;
		n = (size_t)(p - hp);
	}
	if (n == 0) {
		*why = "no host";
		return -1;
	}
	if (n >= sizeof(u->host)) {
		*why = "a host name too long";
		return -1;
	}
	memcpy(u->host, hp, n);
	u->host[n] = '\0';
	if (p < end && *p == ':') {
		p++;
		n = (size_t)(end - p);
		if (n == 0 || n >= sizeof(u->port) || strspn(p, "0123456789")
		    < n || strtol(p, NULL, 10) < 1 ||
		    strtol(p, NULL, 10) > 65535) {
			*why = "the port is not a number from 1 to 65535";
			return -1;
		}
		memcpy(u->port, p, n);
		u->port[n] = '\0';
	} else
		strlcpy(u->port, dport, sizeof(u->port));
	return 0;
}
