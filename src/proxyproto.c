/*
 * proxyproto: PROXY protocol headers (see proxyproto.h).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxyproto.h"
#include "stream.h"

static const unsigned char v2sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

long
pp_header_len(const unsigned char *buf, size_t len, const char **why)
{
	const unsigned char *nl;
	size_t n;

	n = len < sizeof(v2sig) ? len : sizeof(v2sig);
	if (memcmp(buf, v2sig, n) == 0) {
		if (len < PP_V2_HEAD)
			return 0;
		if ((buf[12] & 0xf0) != 0x20) {
			*why = "a PROXY v2 header of another version";
			return -1;
		}
		return PP_V2_HEAD + (long)(buf[14] << 8 | buf[15]);
	}
	n = len < 6 ? len : 6;
	if (memcmp(buf, "PROXY ", n) != 0) {
		*why = "no PROXY protocol header";
		return -1;
	}
	n = len < PP_V1_MAX ? len : PP_V1_MAX;
	if ((nl = memchr(buf, '\n', n)) != NULL) {
		if (nl == buf || nl[-1] != '\r') {
			*why = "a PROXY v1 line not ended by CRLF";
			return -1;
		}
		return (long)(nl - buf + 1);
	}
	if (len >= PP_V1_MAX) {
		*why = "a PROXY v1 line longer than 107 bytes";
		return -1;
	}
	return 0;
}

/* A decimal port, 0-65535, with no sign or leading zero. */
static int
v1_port(const char *s, int *port)
{
	size_t n = strlen(s);
	long v;

	if (n == 0 || n > 5 || strspn(s, "0123456789") != n ||
	    (n > 1 && s[0] == '0'))
		return -1;
	v = strtol(s, NULL, 10);
	if (v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static int
v1_addr(int family, const char *text, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return inet_pton(AF_INET, text, &sin->sin_addr) == 1 ? 0 : -1;
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	*len = sizeof(*sin6);
	return inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1 ? 0 : -1;
}

static int
parse_v1(const unsigned char *buf, size_t len, struct pp_header *h,
    const char **why)
{
	char line[PP_V1_MAX + 1], *f[7], *p;
	size_t n = 0;
	int family, sport, dport;

	h->version = 1;
	if (len < 8 || len > PP_V1_MAX) {
		*why = "a PROXY v1 line of a wrong length";
		return -1;
	}
	memcpy(line, buf, len - 2);
	line[len - 2] = '\0';
	if (memchr(line, '\0', len - 2) != NULL) {
		*why = "a NUL in a PROXY v1 line";
		return -1;
	}
	/* Fields are separated by single spaces. */
	for (p = line; n < 7; n++) {
		f[n] = p;
		if ((p = strchr(p, ' ')) == NULL) {
			n++;
			break;
		}
		*p++ = '\0';
	}
	if (n >= 2 && strcmp(f[1], "UNKNOWN") == 0) {
		/* Whatever follows is to be ignored. */
		h->local = 1;
		return 0;
	}
	if (n != 6 || p != NULL) {
		*why = "a PROXY v1 line without its six fields";
		return -1;
	}
	if (strcmp(f[1], "TCP4") == 0)
		family = AF_INET;
	else if (strcmp(f[1], "TCP6") == 0)
		family = AF_INET6;
	else {
		*why = "a PROXY v1 protocol other than TCP4, TCP6 or UNKNOWN";
		return -1;
	}
	if (v1_port(f[4], &sport) == -1 || v1_port(f[5], &dport) == -1) {
		*why = "a PROXY v1 port that is not a number from 0 to 65535";
		return -1;
	}
	if (v1_addr(family, f[2], sport, &h->src, &h->srclen) == -1 ||
	    v1_addr(family, f[3], dport, &h->dst, &h->dstlen) == -1) {
		*why = "a PROXY v1 address not of its protocol";
		return -1;
	}
	return 0;
}

/* v2's TLVs: each type, length, value, filling the rest exactly; none
 * is needed, so each is skipped (as proxy-protocol.txt lets a receiver
 * do). */
static int
v2_tlvs(const unsigned char *p, size_t n, const char **why)
{
	size_t l;

	while (n > 0) {
		if (n < 3) {
			*why = "a PROXY v2 TLV cut short";
			return -1;
		}
		l = (size_t)(p[1] << 8 | p[2]);
		if (l > n - 3) {
			*why = "a PROXY v2 TLV longer than the header";
			return -1;
		}
		p += 3 + l;
		n -= 3 + l;
	}
	return 0;
}

static int
parse_v2(const unsigned char *buf, size_t len, struct pp_header *h,
    const char **why)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&h->src;
	struct sockaddr_in *d4 = (struct sockaddr_in *)&h->dst;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&h->src;
	struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&h->dst;
	struct sockaddr_un *su = (struct sockaddr_un *)&h->src;
	struct sockaddr_un *du = (struct sockaddr_un *)&h->dst;
	const unsigned char *a = buf + PP_V2_HEAD;
	size_t n = len - PP_V2_HEAD, need;
	int cmd = buf[12] & 0x0f, fam = buf[13] >> 4, proto = buf[13] & 0x0f;

	h->version = 2;
	if (cmd > 1) {
		*why = "a PROXY v2 command other than LOCAL or PROXY";
		return -1;
	}
	if (fam > 3 || proto > 2) {
		*why = "a PROXY v2 address family or protocol unknown";
		return -1;
	}
	need = fam == 1 ? 12 : fam == 2 ? 36 : fam == 3 ? 216 : 0;
	if (n < need) {
		*why = "a PROXY v2 header too short for its addresses";
		return -1;
	}
	/* LOCAL (a health check of the proxy's own) and UNSPEC name no
	 * client: the connection's addresses stand; the block is
	 * skipped. */
	if (cmd == 0 || fam == 0 || proto == 0) {
		h->local = 1;
		return 0;
	}
	if (v2_tlvs(a + need, n - need, why) == -1)
		return -1;
	if (fam == 1) {
		s4->sin_family = d4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a, 4);
		memcpy(&d4->sin_addr, a + 4, 4);
		memcpy(&s4->sin_port, a + 8, 2);
		memcpy(&d4->sin_port, a + 10, 2);
		h->srclen = h->dstlen = sizeof(*s4);
	} else if (fam == 2) {
		s6->sin6_family = d6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a, 16);
		memcpy(&d6->sin6_addr, a + 16, 16);
		memcpy(&s6->sin6_port, a + 32, 2);
		memcpy(&d6->sin6_port, a + 34, 2);
		h->srclen = h->dstlen = sizeof(*s6);
	} else {
		su->sun_family = du->sun_family = AF_UNIX;
		memcpy(su->sun_path, a, 108);
		memcpy(du->sun_path, a + 108, 108);
		su->sun_path[sizeof(su->sun_path) - 1] = '\0';
		du->sun_path[sizeof(du->sun_path) - 1] = '\0';
		h->srclen = h->dstlen = sizeof(*su);
	}
	return 0;
}

int
pp_parse(const unsigned char *buf, size_t len, struct pp_header *h,
    const char **why)
{
	long want;

	memset(h, 0, sizeof(*h));
	if ((want = pp_header_len(buf, len, why)) == -1)
		return -1;
	if (want == 0 || (size_t)want != len) {
		*why = "a PROXY header of another length than it says";
		return -1;
	}
	return len >= sizeof(v2sig) && memcmp(buf, v2sig, sizeof(v2sig)) == 0 ?
	    parse_v2(buf, len, h, why) : parse_v1(buf, len, h, why);
}

/* The stream kind: a socket whose opening takes the header. */
struct pp_ctx {
	struct stream_next	 next;		/* the socket's own, and then */
	const char		*why;
};

static int
pp_no_shutdown(struct stream *s)
{
	return shutdown(s->fd, SHUT_WR);
}

static void
pp_close(struct stream *s)
{
	struct pp_ctx *c = s->ctx;

	stream_next_close(s, &c->next, c);
}

static const char *
pp_why(const struct stream *s)
{
	const struct pp_ctx *c = s->ctx;

	return c->why;
}

static int	pp_open(struct stream *);

static const struct stream_ops pp_ops = {
	stream_step_read, stream_step_write, pp_no_shutdown, pp_close,
	stream_step_pending, pp_open, pp_why
};

static int
pp_open(struct stream *s)
{
	struct pp_ctx *c = s->ctx;
	struct pp_header h;
	unsigned char small[PP_V1_MAX + PP_V2_HEAD], *buf = small;
	ssize_t n;
	long want;
	struct stream_next next;

	s->rd_wants_out = 0;
	n = recv(s->fd, buf, sizeof(small), MSG_PEEK | MSG_DONTWAIT);
	if (n == 0) {
		c->why = "the connection closed before its PROXY header";
		errno = EPROTO;
		return -1;
	}
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? (errno = EAGAIN, 0) :
		    -1;
	if ((want = pp_header_len(buf, (size_t)n, &c->why)) == -1) {
		errno = EPROTO;
		return -1;
	}
	if (want > n) {
		/* Not all here: the rest, once it comes (its bytes bring
		 * an edge), or a v2 header longer than the look. */
		if (want <= (long)sizeof(small) || n < (ssize_t)sizeof(small)) {
			errno = EAGAIN;
			return 0;
		}
		if ((buf = malloc((size_t)want)) == NULL)
			return -1;
		n = recv(s->fd, buf, (size_t)want, MSG_PEEK | MSG_DONTWAIT);
		if (n < want) {
			free(buf);
			errno = EAGAIN;
			return n == -1 && errno != EAGAIN ? -1 : 0;
		}
	}
	if (want == 0) {
		errno = EAGAIN;
		return 0;
	}
	/* Exactly the header, now that all of it is here. */
	n = recv(s->fd, buf, (size_t)want, MSG_DONTWAIT);
	if (n != want || pp_parse(buf, (size_t)want, &h, &c->why) == -1) {
		if (buf != small)
			free(buf);
		if (n == want)
			errno = EPROTO;
		return -1;
	}
	if (buf != small)
		free(buf);
	if ((s->pp = malloc(sizeof(*s->pp))) == NULL)
		return -1;
	*s->pp = h;
	next = c->next;
	free(c);
	return stream_next_open(s, next);
}

int
pp_stream(struct stream *s, int (*then)(void *, struct stream *),
    void *then_arg)
{
	struct pp_ctx *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	stream_next_init(&c->next, s, then, then_arg);
	s->ops = &pp_ops;
	s->ctx = c;
	s->opening = 1;
	return 0;
}

int
pp_stream_reading(const struct stream *s)
{
	return s->ops == &pp_ops;
}

int
pp_stream_header(const struct stream *s, struct pp_header *h)
{
	if (s->pp == NULL)
		return -1;
	*h = *s->pp;
	return 0;
}

/* sa as a plain IPv4 or IPv6 address in *out (mapped IPv4 made IPv4);
 * its family, or AF_UNSPEC for another kind. */
static int
plain_inet(const struct sockaddr *sa, socklen_t len,
    struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	struct sockaddr_in *s4 = (void *)out;

	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(out, sa, sizeof(struct sockaddr_in));
		return AF_INET;
	}
	if (sa->sa_family != AF_INET6 || len < sizeof(*s6))
		return AF_UNSPEC;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		s4->sin_family = AF_INET;
		s4->sin_port = s6->sin6_port;
		memcpy(&s4->sin_addr, s6->sin6_addr.s6_addr + 12, 4);
		return AF_INET;
	}
	memcpy(out, sa, sizeof(*s6));
	return AF_INET6;
}

size_t
pp_build(int version, const struct sockaddr *src, socklen_t srclen,
    const struct sockaddr *dst, socklen_t dstlen, unsigned char *buf)
{
	static const unsigned char sig[12] = "\r\n\r\n\0\r\nQUIT\n";
	struct sockaddr_storage s, d;
	const struct sockaddr_in *s4 = (void *)&s, *d4 = (void *)&d;
	const struct sockaddr_in6 *s6 = (void *)&s, *d6 = (void *)&d;
	char sa[INET6_ADDRSTRLEN], da[INET6_ADDRSTRLEN];
	int fam = plain_inet(src, srclen, &s);
	size_t n;

	if (fam != plain_inet(dst, dstlen, &d))
		fam = AF_UNSPEC;
	if (version == 1) {
		if (fam == AF_UNSPEC)
			return (size_t)snprintf((char *)buf, PP_BUILD_MAX,
			    "PROXY UNKNOWN\r\n");
		inet_ntop(fam, fam == AF_INET ? (const void *)&s4->sin_addr :
		    (const void *)&s6->sin6_addr, sa, sizeof(sa));
		inet_ntop(fam, fam == AF_INET ? (const void *)&d4->sin_addr :
		    (const void *)&d6->sin6_addr, da, sizeof(da));
		return (size_t)snprintf((char *)buf, PP_BUILD_MAX,
		    "PROXY TCP%c %s %s %u %u\r\n", fam == AF_INET ? '4' : '6',
		    sa, da, ntohs(fam == AF_INET ? s4->sin_port :
		    s6->sin6_port), ntohs(fam == AF_INET ? d4->sin_port :
		    d6->sin6_port));
	}
	memcpy(buf, sig, sizeof(sig));
	n = PP_V2_HEAD;
	if (fam == AF_INET) {
		buf[12] = 0x21;		/* version 2, PROXY */
		buf[13] = 0x11;		/* TCP over IPv4 */
		memcpy(buf + n, &s4->sin_addr, 4);
		memcpy(buf + n + 4, &d4->sin_addr, 4);
		memcpy(buf + n + 8, &s4->sin_port, 2);
		memcpy(buf + n + 10, &d4->sin_port, 2);
		n += 12;
	} else if (fam == AF_INET6) {
		buf[12] = 0x21;
		buf[13] = 0x21;		/* TCP over IPv6 */
		memcpy(buf + n, &s6->sin6_addr, 16);
		memcpy(buf + n + 16, &d6->sin6_addr, 16);
		memcpy(buf + n + 32, &s6->sin6_port, 2);
		memcpy(buf + n + 34, &d6->sin6_port, 2);
		n += 36;
	} else {
		buf[12] = 0x20;		/* version 2, LOCAL */
		buf[13] = 0x00;
	}
	buf[14] = (unsigned char)((n - PP_V2_HEAD) >> 8);
	buf[15] = (unsigned char)((n - PP_V2_HEAD) & 0xff);
	return n;
}
