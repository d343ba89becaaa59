/*
 * proxy: the proxy handshakes (see proxy.h).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "proxy.h"
#include "stream.h"

enum {
	ST_S5_METHOD,		/* the chosen method: 2 bytes */
	ST_S5_AUTH,		/* RFC 1929's status: 2 bytes */
	ST_S5_REPLY,		/* VER REP RSV ATYP */
	ST_S5_NAMELEN,		/* a bound name's length byte */
	ST_S5_ADDR,		/* the bound address and port */
	ST_S4_REPLY,		/* 8 bytes */
	ST_HTTP,		/* the status line and headers */
	ST_DONE
};

/* Append len bytes to what is to be sent. */
static int
put(struct proxy_talk *t, const void *p, size_t len)
{
	if (len > sizeof(t->out) - t->outlen)
		return -1;
	memcpy(t->out + t->outlen, p, len);
	t->outlen += len;
	return 0;
}

static int
put_byte(struct proxy_talk *t, int c)
{
	unsigned char b = (unsigned char)c;

	return put(t, &b, 1);
}

static int
fail(struct proxy_talk *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct proxy_talk *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	va_end(ap);
	t->want = 0;
	return -1;
}

/* Base64 of src into dst (of room 4 * ((n + 2) / 3) + 1). */
static void
base64(const unsigned char *src, size_t n, char *dst)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 |
		    src[i + 2];
		*dst++ = abc[v >> 18];
		*dst++ = abc[v >> 12 & 63];
		*dst++ = abc[v >> 6 & 63];
		*dst++ = abc[v & 63];
	}
	if (i < n) {
		v = (uint32_t)src[i] << 16 | (i + 1 < n ?
		    (uint32_t)src[i + 1] << 8 : 0);
		*dst++ = abc[v >> 18];
		*dst++ = abc[v >> 12 & 63];
		*dst++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
		*dst++ = '=';
	}
	*dst = '\0';
}

/* SOCKS5's CONNECT request, for host or its address sa. */
static int
socks5_request(struct proxy_talk *t, const char *host, int port,
    const struct sockaddr *sa)
{
	size_t n = strlen(host);
	unsigned char a[16];

	if (put(t, "\5\1\0", 3) == -1)
		return -1;
	if (sa != NULL && sa->sa_family == AF_INET) {
		if (put_byte(t, 1) == -1 || put(t,
		    &((const struct sockaddr_in *)sa)->sin_addr, 4) == -1)
			return -1;
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		if (put_byte(t, 4) == -1 || put(t,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, 16) == -1)
			return -1;
	} else if (inet_pton(AF_INET, host, a) == 1) {
		/* socks5h with an address: sent as one, not as a name
		 * (RFC 1928), as curl does. */
		if (put_byte(t, 1) == -1 || put(t, a, 4) == -1)
			return -1;
	} else if (inet_pton(AF_INET6, host, a) == 1) {
		if (put_byte(t, 4) == -1 || put(t, a, 16) == -1)
			return -1;
	} else if (put_byte(t, 3) == -1 || put_byte(t, (int)n) == -1 ||
	    put(t, host, n) == -1)
		return -1;
	if (put_byte(t, port >> 8) == -1 || put_byte(t, port & 255) == -1)
		return -1;
	t->state = ST_S5_REPLY;
	t->want = 4;
	t->inlen = 0;
	return 0;
}

/* HTTP CONNECT for host and port, with Basic credentials when given. */
static int
http_request(struct proxy_talk *t, const char *host, int port,
    const char *user, const char *pass)
{
	char hostport[PROXY_FIELD_MAX + 16], cred[2 * PROXY_FIELD_MAX + 2];
	char b64[4 * ((sizeof(cred) + 2) / 3) + 1], line[sizeof(b64) + 64];
	int v6 = strchr(host, ':') != NULL, n;

	snprintf(hostport, sizeof(hostport), "%s%s%s:%d", v6 ? "[" : "",
	    host, v6 ? "]" : "", port);
	n = snprintf(line, sizeof(line), "CONNECT %s HTTP/1.1\r\nHost: %s\r\n",
	    hostport, hostport);
	if (put(t, line, (size_t)n) == -1)
		return -1;
	if (user != NULL) {
		n = snprintf(cred, sizeof(cred), "%s:%s", user,
		    pass != NULL ? pass : "");
		base64((const unsigned char *)cred, (size_t)n, b64);
		n = snprintf(line, sizeof(line), "Proxy-Authorization: Basic "
		    "%s\r\n", b64);
		explicit_bzero(cred, sizeof(cred));
		explicit_bzero(b64, sizeof(b64));
		if (put(t, line, (size_t)n) == -1) {
			explicit_bzero(line, sizeof(line));
			return -1;
		}
		explicit_bzero(line, sizeof(line));
	}
	if (put(t, "\r\n", 2) == -1)
		return -1;
	t->state = ST_HTTP;
	t->want = 4;
	t->inlen = 0;
	return 0;
}

int
proxy_talk_start(struct proxy_talk *t, enum proxy_scheme scheme,
    const char *host, int port, const struct sockaddr *sa, const char *user,
    const char *pass)
{
	char bare[PROXY_FIELD_MAX];
	size_t n = strlen(host);

	/* An address in brackets ([::1], as TARGET spells it) is asked
	 * for as the address itself. */
	if (n > 2 && host[0] == '[' && host[n - 1] == ']' &&
	    n - 2 < sizeof(bare)) {
		memcpy(bare, host + 1, n - 2);
		bare[n - 2] = '\0';
		host = bare;
		n -= 2;
	}
	memset(t, 0, sizeof(*t));
	t->scheme = scheme;
	/* What it asks for (SOCKS5 sends it once a method is agreed). */
	strlcpy(t->host, host, sizeof(t->host));
	t->port = port;
	if (user != NULL && strlen(user) > 255)
		return fail(t, "a user name longer than 255 bytes");
	if (pass != NULL && strlen(pass) > 255)
		return fail(t, "a password longer than 255 bytes");
	switch (scheme) {
	case PROXY_SOCKS4:
	case PROXY_SOCKS4A:
		if (scheme == PROXY_SOCKS4 && (sa == NULL ||
		    sa->sa_family != AF_INET))
			return fail(t, "SOCKS4 reaches IPv4 addresses only "
			    "(socks4a:// or socks5:// send the name)");
		if (put(t, "\4\1", 2) == -1 || put_byte(t, port >> 8) == -1 ||
		    put_byte(t, port & 255) == -1)
			return fail(t, "a request too long");
		if (sa != NULL && sa->sa_family == AF_INET) {
			if (put(t, &((const struct sockaddr_in *)sa)->sin_addr,
			    4) == -1)
				return fail(t, "a request too long");
		} else if (put(t, "\0\0\0\1", 4) == -1)
			return fail(t, "a request too long");
		if ((user != NULL && put(t, user, strlen(user)) == -1) ||
		    put_byte(t, 0) == -1)
			return fail(t, "a request too long");
		if ((sa == NULL || sa->sa_family != AF_INET) &&
		    (put(t, host, n + 1) == -1))
			return fail(t, "a host name too long");
		t->state = ST_S4_REPLY;
		t->want = 8;
		return 0;
	case PROXY_SOCKS5:
	case PROXY_SOCKS5H:
		if (sa == NULL && n > 255)
			return fail(t, "SOCKS5 takes names up to 255 bytes");
		t->auth = user != NULL;
		if (t->auth) {
			strlcpy(t->user, user, sizeof(t->user));
			strlcpy(t->pass, pass != NULL ? pass : "",
			    sizeof(t->pass));
		}
		/* No authentication, and username/password when given. */
		if (put(t, t->auth ? "\5\2\0\2" : "\5\1\0", t->auth ? 4 : 3)
		    == -1)
			return fail(t, "a request too long");
		t->state = ST_S5_METHOD;
		t->want = 2;
		/* The request itself waits for the method. */
		if (sa != NULL)
			memcpy(&t->sa, sa, sa->sa_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) :
			    sizeof(struct sockaddr_in));
		return 0;
	case PROXY_HTTP:
	case PROXY_HTTPS:
		if (http_request(t, host, port, user, pass) == -1)
			return fail(t, "a request too long");
		return 0;
	}
	return fail(t, "no such scheme");
}

static const char *
socks5_words(int rep)
{
	static const char *const words[] = {
		"succeeded",
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"network unreachable",
		"host unreachable",
		"connection refused",
		"TTL expired",
		"command not supported",
		"address type not supported"
	};

	return rep >= 0 && rep < (int)(sizeof(words) / sizeof(words[0])) ?
	    words[rep] : "unassigned";
}

static const char *
socks4_words(int cd)
{
	switch (cd) {
	case 91:
		return "request rejected or failed";
	case 92:
		return "request rejected: the proxy cannot reach identd on "
		    "this host";
	case 93:
		return "request rejected: identd reports a different user id";
	}
	return "unassigned";
}

/* Send SOCKS5's request now that the method is agreed. */
static int
socks5_request_kept(struct proxy_talk *t)
{
	t->outlen = t->outoff = 0;
	if (socks5_request(t, t->host, t->port, t->sa.ss_family == AF_INET ||
	    t->sa.ss_family == AF_INET6 ? (struct sockaddr *)&t->sa : NULL)
	    == -1)
		return fail(t, "a request too long");
	return 0;
}

/* The bytes that could still complete a terminator, at the least. */
static size_t
http_want(const struct proxy_talk *t)
{
	static const char *const ends[] = { "\r\n\r\n", "\n\n" };
	size_t best = 4, i, k, len, need;

	for (i = 0; i < 2; i++) {
		len = strlen(ends[i]);
		/* The longest tail of the reply that begins this end. */
		for (k = len - 1; k > 0; k--)
			if (t->inlen >= k && memcmp(t->in + t->inlen - k,
			    ends[i], k) == 0)
				break;
		need = len - k;
		if (need < best)
			best = need;
	}
	return best;
}

/* Whether the reply so far ends its headers. */
static int
http_ended(const struct proxy_talk *t)
{
	return (t->inlen >= 4 && memcmp(t->in + t->inlen - 4, "\r\n\r\n", 4)
	    == 0) || (t->inlen >= 2 && memcmp(t->in + t->inlen - 2, "\n\n", 2)
	    == 0);
}

/* The status line, printable, in t->why. */
static int
http_status(struct proxy_talk *t)
{
	char line[201];
	size_t n, i;
	int code;

	n = strcspn((const char *)t->in, "\r\n");
	if (n > sizeof(line) - 1)
		n = sizeof(line) - 1;
	for (i = 0; i < n; i++)
		line[i] = t->in[i] >= 0x20 && t->in[i] < 0x7f ?
		    (char)t->in[i] : '?';
	line[n] = '\0';
	/* HTTP/1.x, a space, three digits, then a space or the end. */
	if (n < 12 || memcmp(t->in, "HTTP/1.", 7) != 0 || t->in[8] != ' ' ||
	    strspn(line + 9, "0123456789") != 3 ||
	    (n > 12 && line[12] != ' '))
		return fail(t, "not an HTTP reply: '%s'", line);
	strlcpy(t->why, line, sizeof(t->why));
	code = (t->in[9] - '0') * 100 + (t->in[10] - '0') * 10 +
	    (t->in[11] - '0');
	if (code >= 100 && code <= 199 && code != 101) {
		/* An interim reply (RFC 9110, 15.2): the final one follows. */
		t->why[0] = '\0';
		t->inlen = 0;
		t->in[0] = '\0';
		t->want = http_want(t);
		return 0;
	}
	if (code < 200 || code > 299) {
		t->refused = code != 407;
		t->want = 0;
		return -1;
	}
	t->why[0] = '\0';
	t->state = ST_DONE;
	t->want = 0;
	return 1;
}

int
proxy_talk_feed(struct proxy_talk *t, const void *buf, size_t n)
{
	const unsigned char *r;
	size_t ulen, plen;

	if (n > t->want || n > PROXY_HTTP_MAX - t->inlen)
		return fail(t, "more of a reply than asked for");
	memcpy(t->in + t->inlen, buf, n);
	t->inlen += n;
	t->in[t->inlen] = '\0';
	t->want -= n;
	if (t->want > 0)
		return 0;
	if (t->state == ST_HTTP)
		goto http;
	r = t->in;
	switch (t->state) {
	case ST_S5_METHOD:
		if (r[0] != 5)
			return fail(t, "not a SOCKS5 proxy (it answered "
			    "version %d)", r[0]);
		if (r[1] == 0xff)
			return fail(t, "SOCKS5: the proxy accepts none of "
			    "the offered authentication methods%s", t->auth ?
			    "" : " (it may want a user and password)");
		if (r[1] == 2 && t->auth) {
			/* RFC 1929: version 1, the user, the password. */
			ulen = strlen(t->user);
			plen = strlen(t->pass);
			t->outlen = t->outoff = 0;
			if (put_byte(t, 1) == -1 || put_byte(t, (int)ulen) ==
			    -1 || put(t, t->user, ulen) == -1 ||
			    put_byte(t, (int)plen) == -1 ||
			    put(t, t->pass, plen) == -1)
				return fail(t, "credentials too long");
			explicit_bzero(t->pass, sizeof(t->pass));
			t->state = ST_S5_AUTH;
			t->want = 2;
			t->inlen = 0;
			return 0;
		}
		if (r[1] != 0)
			return fail(t, "SOCKS5: the proxy chose method %d, "
			    "which was not offered", r[1]);
		return socks5_request_kept(t);
	case ST_S5_AUTH:
		if (r[1] != 0)
			return fail(t, "SOCKS5 authentication failed (status "
			    "%d): wrong user or password", r[1]);
		return socks5_request_kept(t);
	case ST_S5_REPLY:
		if (r[0] != 5)
			return fail(t, "not a SOCKS5 reply (version %d)", r[0]);
		t->refused = r[1] != 0;
		if (r[1] != 0)
			return fail(t, "SOCKS5 reply %d: %s", r[1],
			    socks5_words(r[1]));
		switch (r[3]) {
		case 1:
			t->want = 4 + 2;
			break;
		case 4:
			t->want = 16 + 2;
			break;
		case 3:
			t->state = ST_S5_NAMELEN;
			t->want = 1;
			t->inlen = 0;
			return 0;
		default:
			return fail(t, "a SOCKS5 reply with address type %d",
			    r[3]);
		}
		t->state = ST_S5_ADDR;
		t->inlen = 0;
		return 0;
	case ST_S5_NAMELEN:
		t->state = ST_S5_ADDR;
		t->want = (size_t)r[0] + 2;
		t->inlen = 0;
		return 0;
	case ST_S5_ADDR:
		t->state = ST_DONE;
		return 1;
	case ST_S4_REPLY:
		if (r[0] != 0 && r[0] != 4)
			return fail(t, "not a SOCKS4 reply (version %d)", r[0]);
		t->refused = r[1] != 90;
		if (r[1] != 90)
			return fail(t, "SOCKS4 reply %d: %s", r[1],
			    socks4_words(r[1]));
		t->state = ST_DONE;
		return 1;
	default:
		return fail(t, "the handshake is over");
	}
http:
	/* HTTP: the headers end, or more is due. */
	if (http_ended(t))
		return http_status(t);
	if (t->inlen >= 5 && memcmp(t->in, "HTTP/", 5) != 0)
		return http_status(t);
	if (t->inlen > PROXY_HTTP_MAX - 4)
		return fail(t, "an HTTP reply with headers longer than %d "
		    "bytes", PROXY_HTTP_MAX - 4);
	t->want = http_want(t);
	return 0;
}

int
proxy_talk_step(struct proxy_talk *t, struct stream *s)
{
	unsigned char buf[PROXY_HTTP_MAX];
	ssize_t n;
	int r;

	s->rd_wants_out = 0;
	for (;;) {
		if (t->outoff < t->outlen) {
			n = stream_write(s, t->out + t->outoff,
			    t->outlen - t->outoff);
			if (n > 0) {
				t->outoff += (size_t)n;
				continue;
			}
			if (n == -1 && errno != EAGAIN)
				return -1;
			s->rd_wants_out = !s->wr_wants_in;
			return 0;
		}
		if (t->want == 0)
			return 1;
		n = stream_read(s, buf, t->want);
		if (n > 0) {
			if ((r = proxy_talk_feed(t, buf, (size_t)n)) == 1)
				return 1;
			if (r == -1) {
				errno = EPROTO;
				return -1;
			}
			continue;
		}
		if (n == 0) {
			snprintf(t->why, sizeof(t->why), "the proxy closed the "
			    "connection before its reply");
			errno = ECONNRESET;
			return -1;
		}
		if (errno != EAGAIN)
			return -1;
		/* rd_wants_out: a TLS read that must write first. */
		return 0;
	}
}

int
proxy_talk_run(struct proxy_talk *t, struct stream *s, long long deadline_ms,
    int intr_fd)
{
	struct pollfd pfd[2];
	long long now;
	int r;

	while ((r = proxy_talk_step(t, s)) == 0) {
		if ((now = clock_ms()) >= deadline_ms) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd[0].fd = s->fd;
		pfd[0].events = s->rd_wants_out ? POLLOUT : POLLIN;
		pfd[1].fd = intr_fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		if (poll(pfd, intr_fd >= 0 ? 2 : 1, (int)(deadline_ms - now))
		    == -1 && errno != EINTR)
			return -1;
		if (pfd[1].revents != 0) {
			errno = EINTR;
			return -1;
		}
	}
	return r == 1 ? 0 : -1;
}

/* proxy_stream(): the handshake, then what comes next. */
struct proxy_ctx {
	struct stream_next	 next;
	struct proxy_talk	 talk;
};

static void
proxy_close(struct stream *s)
{
	struct proxy_ctx *c = s->ctx;

	proxy_talk_end(&c->talk);
	stream_next_close(s, &c->next, c);
}

static const char *
proxy_why(const struct stream *s)
{
	const struct proxy_ctx *c = s->ctx;
	struct stream own = *s;

	if (c->talk.why[0] != '\0')
		return c->talk.why;
	/* The stream under the handshake, an https:// proxy's TLS. */
	own.ops = c->next.ops;
	own.ctx = c->next.ctx;
	return own.ops->why != NULL ? own.ops->why(&own) : NULL;
}

static int	proxy_open(struct stream *);

static const struct stream_ops proxy_ops = {
	stream_step_read, stream_step_write, stream_step_shutdown, proxy_close,
	stream_step_pending, proxy_open, proxy_why
};

static int
proxy_open(struct stream *s)
{
	struct proxy_ctx *c = s->ctx;
	struct stream_next next;
	int r;

	/* The handshake talks over the stream's own operations (a
	 * socket's, or a TLS session's to an https:// proxy). */
	s->ops = c->next.ops;
	s->ctx = c->next.ctx;
	r = proxy_talk_step(&c->talk, s);
	c->next.ctx = s->ctx;
	s->ops = &proxy_ops;
	s->ctx = c;
	if (r <= 0)
		return r;
	next = c->next;
	proxy_talk_end(&c->talk);
	free(c);
	return stream_next_open(s, next);
}

const char *
proxy_stream_waiting(const struct stream *s)
{
	const struct proxy_ctx *c = s->ctx;

	return s->ops == &proxy_ops ? proxy_protocol_name(c->talk.scheme) :
	    NULL;
}

int
proxy_stream(struct stream *s, const struct proxy_talk *t,
    int (*then)(void *, struct stream *), void *then_arg)
{
	struct proxy_ctx *c;

	if ((c = malloc(sizeof(*c))) == NULL)
		return -1;
	stream_next_init(&c->next, s, then, then_arg);
	c->talk = *t;
	s->ops = &proxy_ops;
	s->ctx = c;
	s->opening = 1;
	return 0;
}

void
proxy_talk_end(struct proxy_talk *t)
{
	explicit_bzero(t->out, sizeof(t->out));
	explicit_bzero(t->user, sizeof(t->user));
	explicit_bzero(t->pass, sizeof(t->pass));
}
