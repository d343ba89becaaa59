/*
 * proxyproto: the PROXY protocol's headers (haproxy's
 * proxy-protocol.txt, versions 1 and 2), read by serve from a client
 * before anything else: a load balancer in front names the real client.
 * The parser works on bytes; a stream kind reads a header off a socket
 * without ever taking a byte past it (MSG_PEEK, then exactly its
 * length), so what follows is the session's.
 */
#ifndef SOCKCAT_PROXYPROTO_H
#define SOCKCAT_PROXYPROTO_H

#include <sys/socket.h>
#include <stddef.h>

struct stream;

/* The longest version 1 header, "\r\n" included. */
#define PP_V1_MAX	107
/* Version 2: the fixed part. */
#define PP_V2_HEAD	16

/* What a header says. */
struct pp_header {
	int			 version;	/* 1 or 2 */
	/* LOCAL (v2) or UNKNOWN (v1, and v2's UNSPEC): no address given;
	 * the connection's own stand. */
	int			 local;
	struct sockaddr_storage	 src;		/* the real client */
	socklen_t		 srclen;
	struct sockaddr_storage	 dst;		/* the address it reached */
	socklen_t		 dstlen;
};

/*
 * How long the header at the start of buf (len bytes so far) is: its
 * length, 0 when more bytes are needed to tell, or -1 when buf cannot
 * begin a header (*why says why).
 */
long	pp_header_len(const unsigned char *buf, size_t len, const char **why);

/*
 * Parse the whole header buf of len bytes (pp_header_len()'s).
 * Returns 0, or -1 with *why.
 */
int	pp_parse(const unsigned char *buf, size_t len, struct pp_header *h,
	    const char **why);

/* Room for any header pp_build() makes. */
#define PP_BUILD_MAX	(PP_V1_MAX + 1)

/*
 * The header of version (1 or 2) naming a connection from src to dst
 * in buf (PP_BUILD_MAX bytes): TCP4 or TCP6 (an IPv4-mapped address as
 * IPv4) when both are of one inet family, else v1's UNKNOWN or v2's
 * LOCAL.  Returns its length.
 */
size_t	pp_build(int version, const struct sockaddr *src, socklen_t srclen,
	    const struct sockaddr *dst, socklen_t dstlen, unsigned char *buf);

/*
 * Make s, a stream over an accepted socket (stream_socket()), read a
 * header when opened (s->opening): its open operation takes the header
 * and then hands s to then (a TLS wrap; NULL: none) with then_arg,
 * opening on.  Returns 0, or -1 with errno.
 */
int	pp_stream(struct stream *s, int (*then)(void *, struct stream *),
	    void *then_arg);

/* Whether s is still to read its header. */
int	pp_stream_reading(const struct stream *s);

/* The header s read (once its header is in: pp_stream_header() before
 * that, or for another kind of stream, returns -1). */
int	pp_stream_header(const struct stream *s, struct pp_header *h);

#endif
