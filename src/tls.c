/*
 * tls: TLS streams with OpenSSL 3, loaded at the first use (see tls.h;
 * the contexts are tls-ctx.c's, what both share tls-int.h's).
 *
 * OpenSSL does the stream's I/O on the non-blocking socket through
 * tls-sock.c's buffers, so that one recv(2) brings many records and
 * one send(2) takes many; a write hands OpenSSL a whole chunk, which
 * it cuts into records.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tls-int.h"

#define TLS_NAME(f)	#f,

struct tls_fns tls_f;

static const char *const fnames[] = { TLS_FUNCS(TLS_NAME) };

static int loaded;

int
tls_load(char *err, size_t errlen)
{
	void *ssl, *crypto, **fp = (void **)&tls_f;
	size_t i;

	if (loaded)
		return 0;
	if ((crypto = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL)) ==
	    NULL || (ssl = dlopen(TLS_LIBRARY, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	for (i = 0; i < sizeof(fnames) / sizeof(fnames[0]); i++)
		if ((fp[i] = dlsym(ssl, fnames[i])) == NULL &&
		    (fp[i] = dlsym(crypto, fnames[i])) == NULL) {
			snprintf(err, errlen, "no %s in it", fnames[i]);
			return -1;
		}
	if (F.OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT, NULL) != 1) {
		snprintf(err, errlen, "it would not start");
		return -1;
	}
	loaded = 1;
	return 0;
}

int
tls_library(char *buf, size_t len)
{
	if (tls_load(buf, len) == -1)
		return -1;
	snprintf(buf, len, "%s", F.OpenSSL_version(OPENSSL_VERSION));
	return 0;
}

/* The last error OpenSSL queued (the queue emptied), or 0. */
unsigned long
tls_last_error(void)
{
	unsigned long e, last = 0;

	while ((e = F.ERR_get_error()) != 0)
		last = e;
	return last;
}

/* OpenSSL's words for its last error, or dflt. */
const char *
tls_reason(const char *dflt)
{
	unsigned long last = tls_last_error();
	const char *s;

	if (last == 0 || (s = F.ERR_reason_error_string(last)) == NULL)
		return dflt;
	return s;
}

const char *
tls_first_reason(const char *dflt)
{
	unsigned long e, first = 0;
	const char *s;

	while ((e = F.ERR_get_error()) != 0)
		if (first == 0)
			first = e;
	if (first == 0 || (s = F.ERR_reason_error_string(first)) == NULL)
		return dflt;
	return s;
}

/* An X509 name as RFC 2253 text, UTF-8 kept. */
void
tls_name_text(const X509_NAME *name, char *buf, size_t len)
{
	BIO *b;
	int n;

	buf[0] = '\0';
	if ((b = F.BIO_new(F.BIO_s_mem())) == NULL)
		return;
	if (F.X509_NAME_print_ex(b, name, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (n = F.BIO_read(b, buf, (int)len - 1)) > 0)
		buf[n] = '\0';
	F.BIO_free(b);
}

/*
 * TLS over another stream (TLS to a host through an https:// proxy):
 * OpenSSL reads and writes the inner stream through a BIO of ours.
 * Its EAGAIN says which readiness of the socket both wait for.
 */
static int
inner_write(BIO *b, const char *buf, size_t len, size_t *done)
{
	struct tls_conn *c = F.BIO_get_data(b);
	ssize_t n;

	F.BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
	if ((n = stream_write(c->inner, buf, len)) >= 0) {
		*done = (size_t)n;
		return 1;
	}
	if (errno == EAGAIN) {
		c->inner_wants_out = !c->inner->wr_wants_in;
		F.BIO_set_flags(b, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
	}
	return 0;
}

static int
inner_read(BIO *b, char *buf, size_t len, size_t *done)
{
	struct tls_conn *c = F.BIO_get_data(b);
	ssize_t n;

	F.BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
	if ((n = stream_read(c->inner, buf, len)) > 0) {
		*done = (size_t)n;
		return 1;
	}
	if (n == -1 && errno == EAGAIN) {
		c->inner_wants_out = c->inner->rd_wants_out;
		F.BIO_set_flags(b, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
	}
	*done = 0;
	return 0;
}

static long
inner_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static BIO_METHOD *inner_method;

/* Give c's SSL a BIO over inner (taken over).  Returns 0, or -1. */
static int
over_inner(struct tls_conn *c, struct stream *inner)
{
	BIO *b;

	if (inner_method == NULL && (inner_method = tls_bio_method(
	    "sockcat stream", inner_write, inner_read, inner_ctrl)) == NULL)
		return -1;
	if ((b = F.BIO_new(inner_method)) == NULL ||
	    (c->inner = malloc(sizeof(*c->inner))) == NULL) {
		if (b != NULL)
			F.BIO_free(b);
		return -1;
	}
	*c->inner = *inner;
	c->inner->pp = NULL;	/* the outer stream keeps it */
	F.BIO_set_data(b, c);
	F.BIO_set_init(b, 1);
	F.SSL_set_bio(c->ssl, b, b);
	return 0;
}

/* After an SSL call's WANT_READ or WANT_WRITE (want_write): whether the
 * socket's writability is what to wait for. */
static int
wants_out(const struct tls_conn *c, int want_write)
{
	return c->inner != NULL ? c->inner_wants_out : want_write;
}

/*
 * What a certificate alert from the peer means, said before OpenSSL's
 * words for it: it is about this side's certificate (the peer checks
 * it), which under TLS 1.3 a client learns only after its handshake
 * seemed done.  "" for any other reason.
 */
static const char *
alert_words(const struct tls_conn *c, int reason)
{
	static const char wanted[] = "the server wants a client "
	    "certificate (--cert): ";
	const struct tls_ctx *ctx = c->ctx;

	switch (reason) {
	case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
		/* TLS 1.2's refusal of a missing certificate; other
		 * causes give it too, hence only when one was asked for. */
		return c->cert_asked ? wanted : "";
	case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
	case SSL_R_SSLV3_ALERT_NO_CERTIFICATE:
		return ctx->own_cert ? "" : wanted;
	case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
	case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
	case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
		if (!ctx->own_cert)
			return c->cert_asked ? wanted : "";
		return ctx->server ? "the client refused this server's "
		    "certificate: " : "the server refused the client "
		    "certificate: ";
	default:
		return "";
	}
}

/* A failure of s's (e from SSL_get_error), kept in words (eof_words
 * for a connection that just ended); returns -1 with errno. */
static int
conn_fail(struct stream *s, int e, const char *eof_words)
{
	struct tls_conn *c = s->ctx;
	int saved = errno;
	unsigned long last;
	const char *words;
	long v;

	/* The first failure is the one to tell; a later call (a write
	 * after the read failed) fails the same way. */
	if (c->failed) {
		(void)tls_last_error();
		errno = saved != 0 && saved != EAGAIN ? saved : EPROTO;
		return -1;
	}
	c->failed = 1;
	/* Inside TLS, the inner stream's failure is the one to tell. */
	if (c->inner != NULL && stream_why(c->inner) != NULL &&
	    saved != 0 && saved != EAGAIN) {
		(void)tls_reason(NULL);
		snprintf(c->why, sizeof(c->why), "%s", stream_why(c->inner));
		errno = saved;
		return -1;
	}
	if (e == SSL_ERROR_SYSCALL && saved != 0 && saved != EAGAIN) {
		(void)tls_reason(NULL);
		snprintf(c->why, sizeof(c->why), "%s", strerror(saved));
		errno = saved;
		return -1;
	}
	/* The verify result tells only of a failure that was one: with
	 * --insecure or pins alone a chain error is kept there though the
	 * handshake went on, and the session may fail later for another
	 * reason (the server wanting a client certificate). */
	last = tls_last_error();
	v = F.SSL_get_verify_result(c->ssl);
	/* Inside another TLS session (an https:// proxy's), whose calls
	 * clear the error queue as they go, the reason may be gone; a
	 * session that verifies stops at a failed verification, so a bad
	 * result with nothing queued is why it stopped. */
	if ((ERR_GET_LIB(last) != ERR_LIB_SSL ||
	    ERR_GET_REASON(last) != SSL_R_CERTIFICATE_VERIFY_FAILED) &&
	    !(last == 0 && c->inner != NULL && c->ctx->verify &&
	    !c->ctx->pin_only))
		v = X509_V_OK;
	if (c->pin_failed)
		snprintf(c->why, sizeof(c->why), "certificate verify failed: "
		    "its public key matches no pin");
	else if (v != X509_V_OK)
		snprintf(c->why, sizeof(c->why), "certificate verify failed: "
		    "%s", F.X509_verify_cert_error_string(v));
	else {
		/* A TCP end with no close_notify is OpenSSL 3's "unexpected
		 * eof", older ones' SSL_ERROR_SYSCALL with errno 0. */
		words = last != 0 ? F.ERR_reason_error_string(last) : NULL;
		if (e == SSL_ERROR_SYSCALL || words == NULL ||
		    ERR_GET_REASON(last) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			words = eof_words;
		snprintf(c->why, sizeof(c->why), "%s%s",
		    words != eof_words && ERR_GET_LIB(last) == ERR_LIB_SSL ?
		    alert_words(c, ERR_GET_REASON(last)) : "", words);
	}
	if ((c->pin_failed || v != X509_V_OK) && c->subject[0] != '\0') {
		size_t n = strlen(c->why);

		snprintf(c->why + n, sizeof(c->why) - n, " (subject %s)",
		    c->subject);
	}
	(void)tls_reason(NULL);
	errno = EPROTO;
	return -1;
}

static int
tls_open(struct stream *s)
{
	struct tls_conn *c = s->ctx;
	int r, e;

	s->rd_wants_out = 0;
	F.ERR_clear_error();
	errno = 0;
	if ((r = F.SSL_do_handshake(c->ssl)) == 1) {
		/* The last flight (a server's tickets) may wait for room. */
		if (c->inner == NULL && tls_sock_flush(c) == -1) {
			if (errno != EAGAIN)
				return conn_fail(s, SSL_ERROR_SYSCALL, NULL);
			s->rd_wants_out = 1;
			return 0;
		}
		s->opening = 0;
		return 1;
	}
	e = F.SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		s->rd_wants_out = wants_out(c, e == SSL_ERROR_WANT_WRITE) ? 1 :
		    0;
		errno = EAGAIN;
		return 0;
	}
	return conn_fail(s, e, "the connection closed during the TLS "
	    "handshake");
}

static ssize_t
tls_read(struct stream *s, void *buf, size_t len)
{
	struct tls_conn *c = s->ctx;
	size_t n, got = 0;
	int r, e;

	s->rd_wants_out = 0;
	/* Once a call: a failure is looked into only when it is the first
	 * (after records, the bytes go and the next call asks again). */
	F.ERR_clear_error();
	while (got < len) {
		errno = 0;
		r = F.SSL_read_ex(c->ssl, (char *)buf + got, len - got, &n);
		if (r == 1) {
			got += n;
			continue;
		}
		e = F.SSL_get_error(c->ssl, r);
		if (got > 0) {
			/* The rest comes with the next call; a drained
			 * socket need not be asked again till its edge. */
			if (e == SSL_ERROR_WANT_READ)
				s->rd_ready = 0;
			return (ssize_t)got;
		}
		switch (e) {
		case SSL_ERROR_ZERO_RETURN:
			/* The end, after close_notify, or cut short: the
			 * session's end says so (eof_err). */
			if (!c->got_notify && s->eof_err == 0) {
				snprintf(c->why, sizeof(c->why), "connection "
				    "closed without TLS close_notify");
				s->eof_err = EPROTO;
			}
			return 0;
		case SSL_ERROR_WANT_WRITE:
		case SSL_ERROR_WANT_READ:
			s->rd_wants_out = wants_out(c, e ==
			    SSL_ERROR_WANT_WRITE) ? 1 : 0;
			errno = EAGAIN;
			return -1;
		}
		return conn_fail(s, e, "connection closed without TLS "
		    "close_notify");
	}
	return (ssize_t)got;
}

/*
 * OpenSSL writes a record a call (partial writes are on): the records
 * of one chunk go into the out-buffer, which sends them together.
 * Over the socket, a write's bytes count once their records have left
 * the out-buffer: when the socket is full, OpenSSL has taken them but
 * the call says EAGAIN, and the next one (which offers them again
 * first) says they went once they did.
 */
static ssize_t
tls_write(struct stream *s, const void *buf, size_t len)
{
	struct tls_conn *c = s->ctx;
	size_t n, done = 0;
	int r, e = SSL_ERROR_NONE;

	s->wr_wants_in = 0;
	if (c->inner == NULL && tls_sock_flush(c) == -1)
		return errno == EAGAIN ? -1 :
		    conn_fail(s, SSL_ERROR_SYSCALL, NULL);
	if (c->owed > 0) {
		n = c->owed < len ? c->owed : len;
		c->owed -= n;
		return (ssize_t)n;
	}
	F.ERR_clear_error();	/* once, as in tls_read() */
	while (done < len) {
		errno = 0;
		if ((r = F.SSL_write_ex(c->ssl, (const char *)buf + done,
		    len - done, &n)) != 1) {
			e = F.SSL_get_error(c->ssl, r);
			break;
		}
		done += n;
	}
	if (done == 0 && len > 0 && e != SSL_ERROR_WANT_READ &&
	    e != SSL_ERROR_WANT_WRITE)
		return conn_fail(s, e, "the connection closed");
	if (done > 0 || len == 0) {
		if (c->inner == NULL && tls_sock_flush(c) == -1) {
			if (errno != EAGAIN)
				return conn_fail(s, SSL_ERROR_SYSCALL, NULL);
			c->owed = done;
			return -1;
		}
		return (ssize_t)done;
	}
	s->wr_wants_in = wants_out(c, e == SSL_ERROR_WANT_WRITE) ? 0 : 1;
	errno = EAGAIN;
	return -1;
}

/* close_notify, then the TCP half-close; reading goes on. */
static int
tls_shutdown_wr(struct stream *s)
{
	struct tls_conn *c = s->ctx;
	int r, e;

	if (c->shut)
		return 0;
	F.ERR_clear_error();
	errno = 0;
	if (c->sent_notify || (r = F.SSL_shutdown(c->ssl)) >= 0) {
		c->sent_notify = 1;
		if (c->inner != NULL)
			r = c->inner->ops->shutdown_wr(c->inner);
		else if ((r = tls_sock_flush(c)) == 0)
			r = shutdown(s->fd, SHUT_WR);
		if (r == 0)
			c->shut = 1;
		return r;
	}
	e = F.SSL_get_error(c->ssl, r);
	(void)tls_reason(NULL);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
		errno = EAGAIN;
		return -1;
	}
	if (errno == 0)
		errno = EPIPE;
	return -1;
}

static void
tls_close(struct stream *s)
{
	struct tls_conn *c = s->ctx;

	if (c != NULL) {
		/* A clean end says so, once, without waiting. */
		if (!c->sent_notify && !c->failed && !s->opening) {
			F.ERR_clear_error();
			(void)F.SSL_shutdown(c->ssl);
			(void)tls_reason(NULL);
		}
		if (c->inner == NULL && !c->failed)
			(void)tls_sock_flush(c);
		F.SSL_free(c->ssl);
		tls_sock_free(c);
		if (c->inner != NULL) {
			stream_close(c->inner);
			free(c->inner);
		}
		free(c);
		s->ctx = NULL;
	}
	if (s->own && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static size_t
tls_pending(const struct stream *s)
{
	const struct tls_conn *c = s->ctx;
	int n;

	if (c == NULL || s->opening)
		return 0;
	n = F.SSL_pending(c->ssl);
	if (n > 0)
		return (size_t)n;
	if (c->inner != NULL && c->inner->ops->pending(c->inner) > 0)
		return 1;
	if (c->in.len > 0)
		return 1;
	return F.SSL_has_pending(c->ssl) ? 1 : 0;
}

static const char *
tls_why(const struct stream *s)
{
	const struct tls_conn *c = s->ctx;

	return c != NULL && c->why[0] != '\0' ? c->why : NULL;
}

static const struct stream_ops tls_ops = {
	tls_read, tls_write, tls_shutdown_wr, tls_close, tls_pending,
	tls_open, tls_why
};

/* Whether name is an IP address (a scope id cut off into buf). */
static int
is_address(const char *name, char *buf, size_t len)
{
	unsigned char a[16];

	snprintf(buf, len, "%s", name);
	buf[strcspn(buf, "%")] = '\0';
	return inet_pton(AF_INET, buf, a) == 1 ||
	    inet_pton(AF_INET6, buf, a) == 1;
}

int
tls_stream(struct stream *s, struct tls_ctx *ctx, const char *sni,
    const char *verify_name)
{
	struct tls_conn *c;
	char ip[64];
	int ok = 1, fl;

	/* OpenSSL reads and writes the socket itself: never blocking
	 * (an accepted socket may come blocking). */
	if (!tls_stream_is(s) && (fl = fcntl(s->fd, F_GETFL)) != -1 &&
	    !(fl & O_NONBLOCK) && fcntl(s->fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->ctx = ctx;
	if ((c->ssl = F.SSL_new(ctx->ssl)) == NULL ||
	    (tls_stream_is(s) ? over_inner(c, s) == -1 :
	    tls_sock_attach(c, s->fd) == -1) ||
	    F.SSL_set_ex_data(c->ssl, 0, c) != 1)
		ok = 0;
	else if (ctx->server)
		F.SSL_set_accept_state(c->ssl);
	else {
		F.SSL_set_connect_state(c->ssl);
		if (sni != NULL && F.SSL_ctrl(c->ssl,
		    SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
		    (void *)(uintptr_t)sni) != 1)
			ok = 0;
		if (ok && verify_name != NULL && ctx->verify &&
		    !ctx->pin_only) {
			if (is_address(verify_name, ip, sizeof(ip)))
				ok = F.X509_VERIFY_PARAM_set1_ip_asc(
				    F.SSL_get0_param(c->ssl), ip) == 1;
			else
				ok = F.SSL_set1_host(c->ssl, verify_name) == 1;
		}
	}
	(void)tls_reason(NULL);
	if (!ok) {
		if (c->ssl != NULL)
			F.SSL_free(c->ssl);
		free(c->inner);
		free(c);
		errno = ENOMEM;
		return -1;
	}
	s->ctx = c;
	s->ops = &tls_ops;
	s->opening = 1;
	s->splice_ok = 0;
	if (c->inner != NULL) {
		/* The inner stream owns the socket now. */
		s->own = 0;
		s->rd_wants_out = s->wr_wants_in = 0;
		s->eof_err = 0;
	}
	return 0;
}

int
tls_stream_is(const struct stream *s)
{
	return s->ops == &tls_ops;
}

int
tls_stream_info(const struct stream *s, struct tls_info *info)
{
	const struct tls_conn *c = s->ctx;
	const unsigned char *alpn;
	unsigned int alen;
	struct tm tm;
	X509 *peer;

	memset(info, 0, sizeof(*info));
	if (!tls_stream_is(s) || c == NULL || s->opening)
		return -1;
	snprintf(info->version, sizeof(info->version), "%s",
	    F.SSL_get_version(c->ssl));
	snprintf(info->cipher, sizeof(info->cipher), "%s",
	    F.SSL_CIPHER_get_name(F.SSL_get_current_cipher(c->ssl)));
	F.SSL_get0_alpn_selected(c->ssl, &alpn, &alen);
	if (alpn != NULL && alen > 0)
		snprintf(info->alpn, sizeof(info->alpn), "%.*s", (int)alen,
		    (const char *)alpn);
	if ((peer = F.SSL_get1_peer_certificate(c->ssl)) != NULL) {
		info->has_peer = 1;
		tls_name_text(F.X509_get_subject_name(peer), info->subject,
		    sizeof(info->subject));
		tls_name_text(F.X509_get_issuer_name(peer), info->issuer,
		    sizeof(info->issuer));
		if (F.ASN1_TIME_to_tm(F.X509_get0_notAfter(peer), &tm) == 1)
			strftime(info->expires, sizeof(info->expires),
			    "%Y-%m-%dT%H:%M:%SZ", &tm);
		F.X509_free(peer);
	}
	return 0;
}
