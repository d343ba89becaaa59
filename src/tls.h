/*
 * tls: TLS 1.2 and 1.3 over a stream socket, as one more kind of
 * stream (see stream.h), with OpenSSL 3 loaded by dlopen(3) at the
 * first use so that nothing else ever pays for it.  Verification is
 * OpenSSL's own; a pin (the SHA-256 of a certificate's public key) may
 * stand in for a CA.
 *
 * Nothing of OpenSSL's is seen outside tls.c: the rest of sockcat
 * holds a struct tls_ctx (one per command) and streams.
 */
#ifndef SOCKCAT_TLS_H
#define SOCKCAT_TLS_H

#include <stddef.h>

#include "stream.h"

/* The library's name, for messages. */
#define TLS_LIBRARY	"libssl.so.3"

/* Room for a message from this file. */
#define TLS_ERR_MAX	512

/* Room for "sha256//" and a base64 SHA-256. */
#define TLS_PIN_MAX	64

/* What a context is to do; NULL and 0 mean the defaults. */
struct tls_config {
	int		 server;
	const char	*cafile;	/* trust these instead of the system's */
	const char	*capath;
	int		 insecure;	/* verify nothing */
	const char	*pins;		/* "sha256//B64[;sha256//B64...]" */
	const char	*cert;		/* PEM; the key may be in it */
	const char	*key;
	const char	*alpn;		/* "h2,http/1.1" */
	int		 min_version;	/* 12 or 13; 0: 1.2 */
	int		 max_version;	/* 12 or 13; 0: the newest */
	const char	*ciphers;	/* TLS 1.2 */
	const char	*ciphers13;
	int		 require_client_cert;
	int		 many;		/* many sessions at once: buffers
					   small, and given back when idle */
	/* An encrypted key's passphrase into buf (of size bytes): its
	 * length, or -1 for none.  NULL: none is ever asked for (OpenSSL
	 * would ask on standard input). */
	int		(*passphrase)(char *buf, int size, void *arg);
	void		*passphrase_arg;
};

/* What a finished handshake agreed on, as text. */
struct tls_info {
	char	version[16];	/* "TLSv1.3" */
	char	cipher[64];
	char	alpn[64];	/* "" when none */
	int	has_peer;	/* the peer sent a certificate */
	char	subject[256];	/* RFC 2253 */
	char	issuer[256];
	char	expires[32];	/* "2027-11-30T12:00:00Z" */
};

struct tls_ctx;

/*
 * Load the library (once).  Returns 0, or -1 with why in err (dlerror's
 * words).
 */
int	tls_load(char *err, size_t errlen);

/*
 * Load the library (as tls_load()) and write its name and version
 * ("OpenSSL 3.0.19 27 Jan 2026") in buf.  Returns 0, or -1 with why
 * not in buf.
 */
int	tls_library(char *buf, size_t len);

/*
 * A context as cfg says; without a certificate, a server makes a
 * throwaway EC P-256 one in memory.  NULL with why in err: *which then
 * names the setting at fault ("cert", "key", "ciphers", "tls13-ciphers",
 * "alpn", "cacert", "capath"), or is NULL.
 */
struct tls_ctx *tls_ctx_new(const struct tls_config *cfg, char *err,
	    size_t errlen, const char **which);

void	tls_ctx_free(struct tls_ctx *ctx);

/*
 * The pin of the context's own certificate ("sha256//B64") in buf.
 * Returns 0, or -1 when it has none.
 */
int	tls_ctx_pin(const struct tls_ctx *ctx, char *buf, size_t len);

/* Whether a pin string is well formed: "sha256//" and 44 base64
 * characters, several joined by ';'. */
int	tls_pins_valid(const char *pins);

/*
 * Make s, a stream over a connected stream socket (stream_socket()),
 * a TLS stream of ctx's, to be opened (s->opening: the handshake runs
 * in its open operation).  A client sends sni (NULL: none) and checks
 * the certificate against verify_name (a DNS name or an IP address;
 * NULL: no name check).  Returns 0, or -1 with errno.
 */
int	tls_stream(struct stream *s, struct tls_ctx *ctx, const char *sni,
	    const char *verify_name);

/* What the handshake of the opened TLS stream s agreed on.  Returns 0,
 * or -1 when s is no opened TLS stream. */
int	tls_stream_info(const struct stream *s, struct tls_info *info);

/* Whether s is a TLS stream. */
int	tls_stream_is(const struct stream *s);

#endif
