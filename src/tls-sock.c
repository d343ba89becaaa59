/*
 * tls-sock: how a TLS stream's records reach its socket.  OpenSSL
 * reads and writes through a BIO of ours holding two buffers: one
 * recv(2) brings many records, which OpenSSL then takes a header and
 * a body at a time from memory, and the records of one SSL_write go
 * out together in one send(2), not one system call a record.
 *
 * A record OpenSSL has written may wait in the out-buffer for room in
 * the socket; tls.c counts the bytes of a write only once their
 * records are out (tls_sock_flush()), so that nothing the engine
 * thinks sent is still here when it shuts the stream down.
 *
 * With many sessions at once, a buffer is given back whenever it runs
 * empty, so that idle sessions hold none.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls-int.h"

/* One recv(2)'s most; the out-buffer holds the records of a 256 KiB
 * write (a record: 16 KiB of data and its framing).  With
 * many sessions, a quarter of each (measured: the same speed down to
 * 64 KiB, slower below). */
#define SOCK_RECORD	(16 * 1024 + 256)
#define SOCK_IN_CAP	(256 * 1024)
#define SOCK_OUT_CAP	(16 * SOCK_RECORD)
#define in_cap(c)	((c)->ctx->many ? SOCK_IN_CAP / 4 : SOCK_IN_CAP)
#define out_cap(c)	((c)->ctx->many ? SOCK_OUT_CAP / 4 : SOCK_OUT_CAP)

static BIO_METHOD *sock_method;

/* Make room for b's cap bytes.  Returns 0, or -1 (ENOMEM). */
static int
buf_ready(struct tls_buf *b, size_t cap)
{
	if (b->p == NULL && (b->p = malloc(cap)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* b ran empty. */
static void
buf_empty(struct tls_conn *c, struct tls_buf *b)
{
	b->off = b->len = 0;
	if (c->ctx->many) {
		free(b->p);
		b->p = NULL;
	}
}

int
tls_sock_flush(struct tls_conn *c)
{
	struct tls_buf *b = &c->out;
	ssize_t n;

	while (b->len > 0) {
		n = send(c->fd, b->p + b->off, b->len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b->off += (size_t)n;
		b->len -= (size_t)n;
	}
	buf_empty(c, b);
	return 0;
}

static int
sock_write(BIO *bio, const char *buf, size_t len, size_t *done)
{
	struct tls_conn *c = F.BIO_get_data(bio);
	struct tls_buf *b = &c->out;
	size_t cap = out_cap(c);

	F.BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
	*done = 0;
	if (len > cap - b->off - b->len && b->len > 0 &&
	    tls_sock_flush(c) == -1 && errno != EAGAIN)
		return 0;
	if (len > cap - b->off - b->len && b->off > 0) {
		memmove(b->p, b->p + b->off, b->len);
		b->off = 0;
	}
	if (len > cap - b->len) {
		/* No room till the socket takes some. */
		F.BIO_set_flags(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
		errno = EAGAIN;
		return 0;
	}
	if (buf_ready(b, cap) == -1)
		return 0;
	memcpy(b->p + b->off + b->len, buf, len);
	b->len += len;
	*done = len;
	return 1;
}

static int
sock_read(BIO *bio, char *buf, size_t len, size_t *done)
{
	struct tls_conn *c = F.BIO_get_data(bio);
	struct tls_buf *b = &c->in;
	ssize_t n;

	F.BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
	*done = 0;
	if (b->len == 0) {
		if (c->in_eof || buf_ready(b, in_cap(c)) == -1)
			return 0;
		while ((n = recv(c->fd, b->p, in_cap(c), 0)) == -1 &&
		    errno == EINTR)
			;
		if (n <= 0) {
			if (n == 0)
				c->in_eof = 1;
			else if (errno == EAGAIN)
				F.BIO_set_flags(bio, BIO_FLAGS_READ |
				    BIO_FLAGS_SHOULD_RETRY);
			buf_empty(c, b);
			return 0;
		}
		b->off = 0;
		b->len = (size_t)n;
	}
	*done = len < b->len ? len : b->len;
	memcpy(buf, b->p + b->off, *done);
	b->off += *done;
	if ((b->len -= *done) == 0)
		buf_empty(c, b);
	return 1;
}

static long
sock_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	struct tls_conn *c = F.BIO_get_data(bio);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		F.BIO_clear_flags(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
		if (tls_sock_flush(c) == 0)
			return 1;
		if (errno == EAGAIN)
			F.BIO_set_flags(bio, BIO_FLAGS_WRITE |
			    BIO_FLAGS_SHOULD_RETRY);
		return 0;
	case BIO_CTRL_EOF:
		/* OpenSSL asks after a read of nothing: a TCP end. */
		return c->in_eof && c->in.len == 0;
	case BIO_CTRL_PENDING:
		return (long)c->in.len;
	case BIO_CTRL_WPENDING:
		return (long)c->out.len;
	}
	return 0;
}

BIO_METHOD *
tls_bio_method(const char *name,
    int (*wr)(BIO *, const char *, size_t, size_t *),
    int (*rd)(BIO *, char *, size_t, size_t *),
    long (*ctrl)(BIO *, int, long, void *))
{
	BIO_METHOD *m;

	if ((m = F.BIO_meth_new(F.BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    name)) == NULL)
		return NULL;
	if (F.BIO_meth_set_write_ex(m, wr) != 1 ||
	    F.BIO_meth_set_read_ex(m, rd) != 1 ||
	    F.BIO_meth_set_ctrl(m, ctrl) != 1) {
		F.BIO_meth_free(m);
		return NULL;
	}
	return m;
}

int
tls_sock_attach(struct tls_conn *c, int fd)
{
	BIO *b;

	if (sock_method == NULL && (sock_method = tls_bio_method(
	    "sockcat socket", sock_write, sock_read, sock_ctrl)) == NULL)
		return -1;
	if ((b = F.BIO_new(sock_method)) == NULL)
		return -1;
	c->fd = fd;
	F.BIO_set_data(b, c);
	F.BIO_set_init(b, 1);
	F.SSL_set_bio(c->ssl, b, b);
	return 0;
}

void
tls_sock_free(struct tls_conn *c)
{
	free(c->in.p);
	free(c->out.p);
	c->in.p = c->out.p = NULL;
	c->in.len = c->out.len = 0;
}
