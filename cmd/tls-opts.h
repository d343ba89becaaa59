/*
 * tls-opts: the TLS options of connect and serve (and forward): their
 * table rows, parsing, the checks between them, and the context they
 * make, with its messages.
 */
#ifndef SOCKCAT_TLS_OPTS_H
#define SOCKCAT_TLS_OPTS_H

#include <getopt.h>

struct stream;
struct tls_ctx;

/* Their getopt_long values: shared, below OPT_COMMAND (opts.h). */
enum {
	OPT_TLS = 270,
	OPT_CACERT,
	OPT_CAPATH,
	OPT_INSECURE,
	OPT_PINNED,
	OPT_CERT,
	OPT_KEY,
	OPT_ALPN,
	OPT_TLS_MIN,
	OPT_TLS_MAX,
	OPT_CIPHERS,
	OPT_TLS13_CIPHERS,
	OPT_SERVERNAME,
	OPT_SELF_SIGNED,
	OPT_REQUIRE_CERT
};

struct tls_opts {
	int		 on;		/* --tls */
	const char	*cacert;
	const char	*capath;
	int		 insecure;
	const char	*pins;
	const char	*cert;
	const char	*key;
	const char	*alpn;
	int		 min_version;	/* 12, 13, or 0 */
	int		 max_version;
	const char	*ciphers;
	const char	*ciphers13;
	const char	*servername;
	int		 self_signed;
	int		 require_client_cert;
	int		 many;		/* serve -k: many sessions at once */
	int		 no_tty;	/* an encrypted key, no terminal */
	char		 first[32];	/* the first TLS option given */
	/* For messages: what needs the library ("--tls" when NULL), and
	 * whose certificate --insecure leaves unchecked ("server"). */
	const char	*needed_by;
	const char	*whose;

	/* Once set up: the context, what a client sends as SNI and
	 * checks the certificate against. */
	struct tls_ctx	*ctx;
	const char	*sni;
	const char	*verify_name;
	char		 name_buf[256];
};

#define OPTL_TLS \
	{ "tls",		no_argument,		NULL, OPT_TLS }, \
	{ "cacert",		required_argument,	NULL, OPT_CACERT }, \
	{ "capath",		required_argument,	NULL, OPT_CAPATH }, \
	{ "pinnedpubkey",	required_argument,	NULL, OPT_PINNED }, \
	{ "cert",		required_argument,	NULL, OPT_CERT }, \
	{ "key",		required_argument,	NULL, OPT_KEY }, \
	{ "alpn",		required_argument,	NULL, OPT_ALPN }, \
	{ "tls-min",		required_argument,	NULL, OPT_TLS_MIN }, \
	{ "tls-max",		required_argument,	NULL, OPT_TLS_MAX }, \
	{ "ciphers",		required_argument,	NULL, OPT_CIPHERS }, \
	{ "tls13-ciphers",	required_argument,	NULL, OPT_TLS13_CIPHERS }
#define OPTL_TLS_CLIENT \
	{ "insecure",		no_argument,		NULL, OPT_INSECURE }, \
	{ "servername",		required_argument,	NULL, OPT_SERVERNAME }
#define OPTL_TLS_SERVER \
	{ "self-signed",	no_argument,		NULL, OPT_SELF_SIGNED }, \
	{ "require-client-cert", no_argument,		NULL, OPT_REQUIRE_CERT }

/*
 * Take the TLS option c (spelled as by) into t.  Returns 0, EXIT_USAGE
 * after the message, or -1 when c is no TLS option.
 */
int	tls_option(struct tls_opts *t, const char *cmd, int c, const char *arg,
	    const char *by);

/*
 * Check the TLS options against each other and the socket type (dgram
 * by: the option that made it datagrams, or NULL).  Returns 0 or
 * EXIT_USAGE after the message.
 */
int	tls_check(const struct tls_opts *t, const char *cmd, int server,
	    const char *dgram_by);

/*
 * Load the library and make the context (a server's throwaway
 * certificate: its pin printed); host is connect's HOST (NULL: a unix
 * socket).  Returns 0, or 1 or EXIT_USAGE after the message.
 */
int	tls_setup(struct tls_opts *t, const char *cmd, int server,
	    const char *host);

/*
 * A client's names for host, or --servername's (host NULL: a unix
 * socket, checked as localhost): the SNI to send (a name, none for an
 * address) and the name to verify (an address as its usual text).
 */
void	tls_names(struct tls_opts *t, const char *host);

/* The engine's wrap: make s a TLS stream of t's. */
int	tls_wrap(void *t, struct stream *s);

void	tls_teardown(struct tls_opts *t);

#endif
