/*
 * tls: TLS streams with OpenSSL 3, loaded at the first use (see tls.h).
 *
 * Every OpenSSL function is called through one table filled by dlsym(3)
 * (the binary links no TLS library: a direct call would not even
 * link).  Macros of OpenSSL's that hide a call are spelled out as the
 * call they hide (SSL_CTX_ctrl, SSL_ctrl).
 *
 * The stream does its own I/O on the non-blocking socket through
 * OpenSSL's socket BIO, reading ahead into a large buffer so that one
 * recv(2) brings many records; a write hands OpenSSL a whole chunk,
 * which it cuts into records.
 */
#include <sys/socket.h>

#include <arpa/inet.h>

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* What a read of OpenSSL's may bring at once (read-ahead), for one
 * session and for each of many. */
#define TLS_READ_BUF		(256 * 1024)
#define TLS_READ_BUF_MANY	(64 * 1024)

/* The throwaway certificate's life. */
#define SELF_DAYS		30

#define TLS_FUNCS(X) \
	X(OPENSSL_init_ssl) X(TLS_client_method) X(TLS_server_method) \
	X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_set_options) \
	X(SSL_CTX_set_verify) X(SSL_CTX_load_verify_locations) \
	X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_use_certificate_chain_file) X(SSL_CTX_use_PrivateKey_file) \
	X(SSL_CTX_use_certificate) X(SSL_CTX_use_PrivateKey) \
	X(SSL_CTX_check_private_key) X(SSL_CTX_set_cipher_list) \
	X(SSL_CTX_set_ciphersuites) X(SSL_CTX_set_alpn_protos) \
	X(SSL_CTX_set_alpn_select_cb) X(SSL_CTX_set_default_read_buffer_len) \
	X(SSL_new) X(SSL_free) X(SSL_set_fd) X(SSL_set_connect_state) \
	X(SSL_set_accept_state) X(SSL_ctrl) X(SSL_set1_host) X(SSL_get0_param) \
	X(SSL_do_handshake) X(SSL_read_ex) X(SSL_write_ex) X(SSL_shutdown) \
	X(SSL_get_error) X(SSL_pending) X(SSL_has_pending) \
	X(SSL_get_verify_result) X(SSL_get1_peer_certificate) \
	X(SSL_get_version) X(SSL_get_current_cipher) X(SSL_CIPHER_get_name) \
	X(SSL_get0_alpn_selected) X(SSL_get_ex_data_X509_STORE_CTX_idx) \
	X(SSL_set_ex_data) X(SSL_get_ex_data) X(SSL_select_next_proto) X(SSL_CTX_set_msg_callback) \
	X(ERR_get_error) X(ERR_clear_error) X(ERR_reason_error_string) \
	X(X509_verify_cert_error_string) X(X509_free) X(X509_new) \
	X(X509_set_version) X(X509_get_serialNumber) X(ASN1_INTEGER_set) \
	X(X509_gmtime_adj) X(X509_getm_notBefore) X(X509_getm_notAfter) \
	X(X509_get0_notAfter) X(X509_set_pubkey) X(X509_get_subject_name) \
	X(X509_get_issuer_name) X(X509_set_issuer_name) \
	X(X509_NAME_add_entry_by_txt) X(X509_NAME_print_ex) X(X509_sign) \
	X(X509_get_X509_PUBKEY) X(i2d_X509_PUBKEY) \
	X(X509_STORE_CTX_get_current_cert) X(X509_STORE_CTX_get_error_depth) \
	X(X509_STORE_CTX_get_ex_data) X(X509_STORE_CTX_set_error) \
	X(X509_VERIFY_PARAM_set1_ip_asc) X(EVP_PKEY_Q_keygen) \
	X(EVP_PKEY_free) X(EVP_sha256) X(EVP_Digest) X(EVP_EncodeBlock) \
	X(RAND_bytes) X(BIO_new) X(BIO_s_mem) X(BIO_read) X(BIO_free) \
	X(ASN1_TIME_to_tm)

#define TLS_DECL(f)	__typeof__(f) *f;
#define TLS_NAME(f)	#f,

static struct {
	TLS_FUNCS(TLS_DECL)
} F;

static const char *const fnames[] = { TLS_FUNCS(TLS_NAME) };

static int loaded;

struct tls_ctx {
	SSL_CTX		*ssl;
	int		 server;
	int		 verify;	/* the peer's certificate is checked */
	int		 pin_only;	/* a pin stands in for a CA */
	char		*pins;
	X509		*own;		/* the throwaway certificate */
	unsigned char	 alpn[256];	/* wire format: length, name, ... */
	size_t		 alpnlen;
};

struct tls_conn {
	SSL		*ssl;
	struct tls_ctx	*ctx;
	int		 sent_notify;
	int		 got_notify;	/* the peer's close_notify came */
	int		 failed;
	int		 pin_failed;
	char		 subject[256];	/* a rejected certificate's */
	char		 why[TLS_ERR_MAX];
};

int
tls_load(char *err, size_t errlen)
{
	void *ssl, *crypto, **fp = (void **)&F;
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

/* The last error OpenSSL queued (the queue emptied), or 0. */
static unsigned long
last_error(void)
{
	unsigned long e, last = 0;

	while ((e = F.ERR_get_error()) != 0)
		last = e;
	return last;
}

/* OpenSSL's words for its last error, or dflt. */
static const char *
reason(const char *dflt)
{
	unsigned long last = last_error();
	const char *s;

	if (last == 0 || (s = F.ERR_reason_error_string(last)) == NULL)
		return dflt;
	return s;
}

/* An X509 name as RFC 2253 text, UTF-8 kept. */
static void
name_text(const X509_NAME *name, char *buf, size_t len)
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

/* The pin of cert's public key, "sha256//B64", in buf. */
static int
cert_pin(X509 *cert, char *buf, size_t len)
{
	unsigned char der[1024], *p = der, md[EVP_MAX_MD_SIZE];
	unsigned char b64[EVP_MAX_MD_SIZE * 2];
	unsigned int mdlen;
	X509_PUBKEY *pk = F.X509_get_X509_PUBKEY(cert);
	int n;

	if (pk == NULL || (n = F.i2d_X509_PUBKEY(pk, NULL)) <= 0 ||
	    (size_t)n > sizeof(der) || F.i2d_X509_PUBKEY(pk, &p) != n ||
	    F.EVP_Digest(der, (size_t)n, md, &mdlen, F.EVP_sha256(),
	    NULL) != 1)
		return -1;
	F.EVP_EncodeBlock(b64, md, (int)mdlen);
	snprintf(buf, len, "sha256//%s", (char *)b64);
	return 0;
}

int
tls_pins_valid(const char *pins)
{
	const char *p = pins, *end;
	size_t n;

	for (;;) {
		if (strncmp(p, "sha256//", 8) != 0)
			return 0;
		p += 8;
		end = strchr(p, ';');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n != 44 || p[43] != '=' ||
		    strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/") != 43)
			return 0;
		if (end == NULL)
			return 1;
		p = end + 1;
	}
}

/* Whether cert's key is one of pins. */
static int
pin_matches(X509 *cert, const char *pins)
{
	char pin[TLS_PIN_MAX];
	const char *p;
	size_t n;

	if (cert_pin(cert, pin, sizeof(pin)) == -1)
		return 0;
	n = strlen(pin);
	for (p = pins;; p++) {
		if (strncmp(p, pin, n) == 0 && (p[n] == '\0' || p[n] == ';'))
			return 1;
		if ((p = strchr(p, ';')) == NULL)
			return 0;
	}
}

/*
 * OpenSSL's verdict on each certificate of the chain, and ours: a pin
 * is checked on the leaf (depth 0), and where it stands in for a CA,
 * the chain's own errors do not count.  A rejected leaf's subject is
 * kept for the message.
 */
static int
verify_cb(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = F.X509_STORE_CTX_get_ex_data(sctx,
	    F.SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_conn *c = ssl != NULL ? F.SSL_get_ex_data(ssl, 0) : NULL;
	X509 *cert = F.X509_STORE_CTX_get_current_cert(sctx);
	int depth = F.X509_STORE_CTX_get_error_depth(sctx);

	if (c == NULL)
		return ok;
	if (c->ctx->pins != NULL) {
		if (depth > 0)
			return c->ctx->pin_only ? 1 : ok;
		if (ok || c->ctx->pin_only) {
			if (cert != NULL && pin_matches(cert, c->ctx->pins))
				return 1;
			c->pin_failed = 1;
			F.X509_STORE_CTX_set_error(sctx,
			    X509_V_ERR_APPLICATION_VERIFICATION);
			ok = 0;
		}
	}
	if (!ok && cert != NULL && c->subject[0] == '\0')
		name_text(F.X509_get_subject_name(cert), c->subject,
		    sizeof(c->subject));
	return ok;
}

/* Each protocol message: a close_notify received is noted, so that an
 * EOF without one is told apart (SSL_OP_IGNORE_UNEXPECTED_EOF makes
 * both the same EOF). */
static void
msg_cb(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	const unsigned char *p = buf;
	struct tls_conn *c;

	(void)version;
	(void)arg;
	if (write_p || content_type != SSL3_RT_ALERT || len < 2 ||
	    p[1] != SSL_AD_CLOSE_NOTIFY ||
	    (c = F.SSL_get_ex_data(ssl, 0)) == NULL)
		return;
	c->got_notify = 1;
}

/* A server's choice among the client's ALPN offers: the first of its
 * own list the client offers; none is a fatal alert (RFC 7301). */
static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	struct tls_ctx *ctx = arg;
	unsigned char *sel;

	(void)ssl;
	if (F.SSL_select_next_proto(&sel, outlen, ctx->alpn,
	    (unsigned int)ctx->alpnlen, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* "h2,http/1.1" in ALPN's wire format.  0, or -1 when malformed. */
static int
alpn_wire(const char *list, unsigned char *out, size_t cap, size_t *len)
{
	const char *p = list, *comma;
	size_t n;

	*len = 0;
	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (n == 0 || n > 255 || *len + 1 + n > cap)
			return -1;
		out[(*len)++] = (unsigned char)n;
		memcpy(out + *len, p, n);
		*len += n;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

/* A throwaway EC P-256 certificate for ctx, made in memory. */
static int
self_signed(struct tls_ctx *ctx)
{
	EVP_PKEY *pk;
	X509 *x;
	X509_NAME *name;
	unsigned char rnd[4];
	long serial;
	int ok;

	if ((pk = F.EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return -1;
	if ((x = F.X509_new()) == NULL) {
		F.EVP_PKEY_free(pk);
		return -1;
	}
	if (F.RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 1, sizeof(rnd));
	serial = (long)(((unsigned long)rnd[0] << 23 | (unsigned long)rnd[1] << 15 |
	    (unsigned long)rnd[2] << 7 | rnd[3]) & 0x7fffffffUL) | 1;
	name = F.X509_get_subject_name(x);
	ok = F.X509_set_version(x, X509_VERSION_3) == 1 &&
	    F.ASN1_INTEGER_set(F.X509_get_serialNumber(x), serial) == 1 &&
	    F.X509_gmtime_adj(F.X509_getm_notBefore(x), -3600) != NULL &&
	    F.X509_gmtime_adj(F.X509_getm_notAfter(x),
	    SELF_DAYS * 86400L) != NULL &&
	    F.X509_set_pubkey(x, pk) == 1 &&
	    F.X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"sockcat", -1, -1, 0) == 1 &&
	    F.X509_set_issuer_name(x, name) == 1 &&
	    F.X509_sign(x, pk, F.EVP_sha256()) > 0 &&
	    F.SSL_CTX_use_certificate(ctx->ssl, x) == 1 &&
	    F.SSL_CTX_use_PrivateKey(ctx->ssl, pk) == 1;
	F.EVP_PKEY_free(pk);
	if (!ok) {
		F.X509_free(x);
		return -1;
	}
	ctx->own = x;
	return 0;
}

static int
proto_version(int v)
{
	return v == 13 ? TLS1_3_VERSION : v == 12 ? TLS1_2_VERSION : 0;
}

/* The certificates and keys of cfg.  0, or -1 with *which set. */
static int
ctx_certs(struct tls_ctx *ctx, const struct tls_config *cfg,
    const char **which)
{
	SSL_CTX *x = ctx->ssl;
	int mode = SSL_VERIFY_NONE;

	if (cfg->cert != NULL) {
		*which = "cert";
		if (F.SSL_CTX_use_certificate_chain_file(x, cfg->cert) != 1)
			return -1;
		*which = "key";
		if (F.SSL_CTX_use_PrivateKey_file(x, cfg->key != NULL ?
		    cfg->key : cfg->cert, SSL_FILETYPE_PEM) != 1 ||
		    F.SSL_CTX_check_private_key(x) != 1)
			return -1;
	} else if (cfg->server) {
		*which = NULL;
		if (self_signed(ctx) == -1)
			return -1;
	}
	if (cfg->server)
		ctx->verify = cfg->require_client_cert || cfg->pins != NULL;
	else
		ctx->verify = !cfg->insecure || cfg->pins != NULL;
	ctx->pin_only = cfg->pins != NULL && (cfg->insecure ||
	    (cfg->cafile == NULL && cfg->capath == NULL));
	if (ctx->verify) {
		*which = cfg->cafile != NULL ? "cacert" : "capath";
		if (cfg->cafile != NULL || cfg->capath != NULL) {
			if (F.SSL_CTX_load_verify_locations(x, cfg->cafile,
			    cfg->capath) != 1)
				return -1;
		} else if (!ctx->pin_only &&
		    F.SSL_CTX_set_default_verify_paths(x) != 1)
			return -1;
		mode = SSL_VERIFY_PEER;
		if (cfg->server)
			mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	}
	F.SSL_CTX_set_verify(x, mode, ctx->verify ? verify_cb : NULL);
	return 0;
}

/* The protocol settings of cfg.  0, or -1 with *which set. */
static int
ctx_protocol(struct tls_ctx *ctx, const struct tls_config *cfg,
    const char **which)
{
	SSL_CTX *x = ctx->ssl;
	int min = proto_version(cfg->min_version);

	*which = NULL;
	if (F.SSL_CTX_ctrl(x, SSL_CTRL_SET_MIN_PROTO_VERSION,
	    min != 0 ? min : TLS1_2_VERSION, NULL) != 1 ||
	    F.SSL_CTX_ctrl(x, SSL_CTRL_SET_MAX_PROTO_VERSION,
	    proto_version(cfg->max_version), NULL) != 1)
		return -1;
	/* A TCP end without close_notify is an EOF to the reader, so that
	 * what is still to be sent goes on being sent (the peer may only
	 * have half-closed); whether it was clean, msg_cb tells. */
	F.SSL_CTX_set_options(x, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	F.SSL_CTX_set_msg_callback(x, msg_cb);
	F.SSL_CTX_ctrl(x, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    (cfg->many ? SSL_MODE_RELEASE_BUFFERS : 0), NULL);
	F.SSL_CTX_ctrl(x, SSL_CTRL_SET_READ_AHEAD, 1, NULL);
	F.SSL_CTX_set_default_read_buffer_len(x, cfg->many ?
	    TLS_READ_BUF_MANY : TLS_READ_BUF);
	*which = "ciphers";
	if (cfg->ciphers != NULL &&
	    F.SSL_CTX_set_cipher_list(x, cfg->ciphers) != 1)
		return -1;
	*which = "tls13-ciphers";
	if (cfg->ciphers13 != NULL &&
	    F.SSL_CTX_set_ciphersuites(x, cfg->ciphers13) != 1)
		return -1;
	*which = "alpn";
	if (cfg->alpn != NULL) {
		if (alpn_wire(cfg->alpn, ctx->alpn, sizeof(ctx->alpn),
		    &ctx->alpnlen) == -1)
			return -1;
		if (cfg->server)
			F.SSL_CTX_set_alpn_select_cb(x, alpn_cb, ctx);
		else if (F.SSL_CTX_set_alpn_protos(x, ctx->alpn,
		    (unsigned int)ctx->alpnlen) != 0)
			return -1;
	}
	return 0;
}

struct tls_ctx *
tls_ctx_new(const struct tls_config *cfg, char *err, size_t errlen,
    const char **which)
{
	struct tls_ctx *ctx;

	*which = NULL;
	if (tls_load(err, errlen) == -1)
		return NULL;
	F.ERR_clear_error();
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL ||
	    (cfg->pins != NULL && (ctx->pins = strdup(cfg->pins)) == NULL)) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(ctx);
		return NULL;
	}
	ctx->server = cfg->server;
	ctx->ssl = F.SSL_CTX_new(cfg->server ? F.TLS_server_method() :
	    F.TLS_client_method());
	if (ctx->ssl == NULL || ctx_protocol(ctx, cfg, which) == -1 ||
	    ctx_certs(ctx, cfg, which) == -1) {
		snprintf(err, errlen, "%s", *which != NULL &&
		    strcmp(*which, "alpn") == 0 ? "not a list of 1 to 255 "
		    "byte names" : reason("it could not be set up"));
		tls_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->ssl != NULL)
		F.SSL_CTX_free(ctx->ssl);
	if (ctx->own != NULL)
		F.X509_free(ctx->own);
	free(ctx->pins);
	free(ctx);
}

int
tls_ctx_pin(const struct tls_ctx *ctx, char *buf, size_t len)
{
	if (ctx->own == NULL)
		return -1;
	return cert_pin(ctx->own, buf, len);
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
		(void)last_error();
		errno = saved != 0 && saved != EAGAIN ? saved : EPROTO;
		return -1;
	}
	c->failed = 1;
	if (e == SSL_ERROR_SYSCALL && saved != 0 && saved != EAGAIN) {
		(void)reason(NULL);
		snprintf(c->why, sizeof(c->why), "%s", strerror(saved));
		errno = saved;
		return -1;
	}
	v = F.SSL_get_verify_result(c->ssl);
	if (c->pin_failed)
		snprintf(c->why, sizeof(c->why), "certificate verify failed: "
		    "its public key matches no pin");
	else if (v != X509_V_OK)
		snprintf(c->why, sizeof(c->why), "certificate verify failed: "
		    "%s", F.X509_verify_cert_error_string(v));
	else {
		/* A TCP end with no close_notify is OpenSSL 3's "unexpected
		 * eof", older ones' SSL_ERROR_SYSCALL with errno 0. */
		last = last_error();
		words = last != 0 ? F.ERR_reason_error_string(last) : NULL;
		if (e == SSL_ERROR_SYSCALL || words == NULL ||
		    ERR_GET_REASON(last) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
			words = eof_words;
		snprintf(c->why, sizeof(c->why), "%s", words);
	}
	if ((c->pin_failed || v != X509_V_OK) && c->subject[0] != '\0') {
		size_t n = strlen(c->why);

		snprintf(c->why + n, sizeof(c->why) - n, " (subject %s)",
		    c->subject);
	}
	(void)reason(NULL);
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
		s->opening = 0;
		return 1;
	}
	e = F.SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		s->rd_wants_out = e == SSL_ERROR_WANT_WRITE;
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
	while (got < len) {
		F.ERR_clear_error();
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
			s->rd_wants_out = 1;
			/* FALLTHROUGH */
		case SSL_ERROR_WANT_READ:
			errno = EAGAIN;
			return -1;
		}
		return conn_fail(s, e, "connection closed without TLS "
		    "close_notify");
	}
	return (ssize_t)got;
}

static ssize_t
tls_write(struct stream *s, const void *buf, size_t len)
{
	struct tls_conn *c = s->ctx;
	size_t n;
	int r, e;

	s->wr_wants_in = 0;
	F.ERR_clear_error();
	errno = 0;
	if ((r = F.SSL_write_ex(c->ssl, buf, len, &n)) == 1)
		return (ssize_t)n;
	e = F.SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		s->wr_wants_in = e == SSL_ERROR_WANT_READ;
		errno = EAGAIN;
		return -1;
	}
	return conn_fail(s, e, "the connection closed");
}

/* close_notify, then the TCP half-close; reading goes on. */
static int
tls_shutdown_wr(struct stream *s)
{
	struct tls_conn *c = s->ctx;
	int r, e;

	if (c->sent_notify)
		return 0;
	F.ERR_clear_error();
	errno = 0;
	if ((r = F.SSL_shutdown(c->ssl)) >= 0) {
		c->sent_notify = 1;
		return shutdown(s->fd, SHUT_WR);
	}
	e = F.SSL_get_error(c->ssl, r);
	(void)reason(NULL);
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
			(void)reason(NULL);
		}
		F.SSL_free(c->ssl);
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
	int ok = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	c->ctx = ctx;
	if ((c->ssl = F.SSL_new(ctx->ssl)) == NULL ||
	    F.SSL_set_fd(c->ssl, s->fd) != 1 ||
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
	(void)reason(NULL);
	if (!ok) {
		if (c->ssl != NULL)
			F.SSL_free(c->ssl);
		free(c);
		errno = ENOMEM;
		return -1;
	}
	s->ctx = c;
	s->ops = &tls_ops;
	s->opening = 1;
	s->splice_ok = 0;
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
		name_text(F.X509_get_subject_name(peer), info->subject,
		    sizeof(info->subject));
		name_text(F.X509_get_issuer_name(peer), info->issuer,
		    sizeof(info->issuer));
		if (F.ASN1_TIME_to_tm(F.X509_get0_notAfter(peer), &tm) == 1)
			strftime(info->expires, sizeof(info->expires),
			    "%Y-%m-%dT%H:%M:%SZ", &tm);
		F.X509_free(peer);
	}
	return 0;
}
