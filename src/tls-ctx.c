/*
 * tls-ctx: TLS contexts (see tls.h): the protocol settings, the
 * certificates (a server's throwaway one made in memory), and the
 * checks of the peer's: OpenSSL's verification, a pin standing in for a
 * CA, ALPN.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls-int.h"

/* The throwaway certificate's life. */
#define SELF_DAYS		30

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
		tls_name_text(F.X509_get_subject_name(cert), c->subject,
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

/* The server asks for a client certificate and this side has none:
 * none is sent, and a refusal that follows is told as wanting one. */
static int
client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct tls_conn *c = F.SSL_get_ex_data(ssl, 0);

	(void)x509;
	(void)pkey;
	if (c != NULL)
		c->cert_asked = 1;
	return 0;
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

/* OpenSSL asks for an encrypted key's passphrase. */
static int
passphrase_cb(char *buf, int size, int rwflag, void *arg)
{
	const struct tls_config *cfg = arg;

	(void)rwflag;
	if (cfg == NULL || cfg->passphrase == NULL)
		return -1;
	return cfg->passphrase(buf, size, cfg->passphrase_arg);
}

/* The certificates and keys of cfg.  0, or -1 with *which set. */
static int
ctx_certs(struct tls_ctx *ctx, const struct tls_config *cfg,
    const char **which)
{
	SSL_CTX *x = ctx->ssl;
	int mode = SSL_VERIFY_NONE;

	/* Never OpenSSL's own prompt, which reads standard input, the
	 * data to be sent. */
	F.SSL_CTX_set_default_passwd_cb(x, passphrase_cb);
	F.SSL_CTX_set_default_passwd_cb_userdata(x, (void *)(uintptr_t)cfg);
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
	ctx->own_cert = cfg->cert != NULL || cfg->server;
	if (!ctx->own_cert)
		F.SSL_CTX_set_client_cert_cb(x, client_cert_cb);
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
	/* No read-ahead: tls-sock.c's in-buffer is one (OpenSSL 3.0's own
	 * moves all it has read ahead to the front of its buffer at each
	 * record: a 256 KiB one copied each byte about eight times). */
	F.SSL_CTX_ctrl(x, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	    (cfg->many ? SSL_MODE_RELEASE_BUFFERS : 0), NULL);
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
	int r;

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
	ctx->many = cfg->many;
	ctx->ssl = F.SSL_CTX_new(cfg->server ? F.TLS_server_method() :
	    F.TLS_client_method());
	r = ctx->ssl == NULL || ctx_protocol(ctx, cfg, which) == -1 ||
	    ctx_certs(ctx, cfg, which) == -1;
	/* cfg lives no longer than this call. */
	if (ctx->ssl != NULL)
		F.SSL_CTX_set_default_passwd_cb_userdata(ctx->ssl, NULL);
	if (r) {
		snprintf(err, errlen, "%s", *which != NULL &&
		    strcmp(*which, "alpn") == 0 ? "not a list of 1 to 255 "
		    "byte names" : tls_first_reason("it could not be set "
		    "up"));
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
