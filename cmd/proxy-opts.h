/*
 * proxy-opts: the proxy options of connect (and forward): their table
 * rows, parsing, the checks against the other options, asking for a
 * password, and reaching HOST PORT through the chain with its messages.
 */
#ifndef SOCKCAT_PROXY_OPTS_H
#define SOCKCAT_PROXY_OPTS_H

#include <getopt.h>

#include "proxy.h"
#include "tls-opts.h"

/* Their getopt_long values: shared, after the socket options' and
 * below OPT_COMMAND (opts.h); --proxy is also -x. */
enum {
	OPT_PROXY_USER = 310,
	OPT_PROXY_CACERT,
	OPT_PROXY_INSECURE
};

/* The most proxies in a chain. */
#define PROXY_HOPS_MAX	8

/* Without -w, how long a proxy has to answer. */
#define PROXY_REPLY_MS	60000

struct proxy_opts {
	struct proxy_url hops[PROXY_HOPS_MAX];
	size_t		 n;
	const char	*user;		/* --proxy-user, or NULL */
	const char	*cacert;	/* --proxy-cacert */
	int		 insecure;	/* --proxy-insecure */
	/* An https:// proxy's TLS, once set up. */
	struct tls_opts	 tls;
};

#define OPTL_PROXY \
	{ "proxy",		required_argument,	NULL, 'x' }, \
	{ "proxy-user",		required_argument,	NULL, OPT_PROXY_USER }, \
	{ "proxy-cacert",	required_argument,	NULL, OPT_PROXY_CACERT }, \
	{ "proxy-insecure",	no_argument,		NULL, OPT_PROXY_INSECURE }

#define USAGE_PROXY \
"  -x, --proxy=URL        through this proxy (repeat: a chain): socks4://,\n" \
"                         socks4a://, socks5://, socks5h://, http://,\n" \
"                         https://, as [SCHEME://][USER[:PASS]@]HOST[:PORT]\n" \
"      --proxy-user=USER[:PASS]  the proxy's credentials (asked for\n" \
"                         on the terminal when PASS is not given)\n" \
"      --proxy-cacert=FILE, --proxy-insecure  an https:// proxy's\n" \
"                         --cacert and --insecure\n"

/*
 * Take the proxy option c into p.  Returns 0, EXIT_USAGE after the
 * message, or -1 when c is no proxy option.
 */
int	proxy_option(struct proxy_opts *p, const char *cmd, int c,
	    const char *arg);

struct common_opts;

/*
 * Check the proxy options against each other and the rest (unix
 * sockets, datagrams, --fastopen).  Returns 0 or EXIT_USAGE after the
 * message.
 */
int	proxy_check(const struct common_opts *co);

/*
 * Ask for the passwords not given (on the terminal, without echo) and
 * make an https:// proxy's TLS context.  Returns 0, or 1 after the
 * message.
 */
int	proxy_setup(struct common_opts *co);

void	proxy_teardown(struct common_opts *co);

/*
 * What each hop of co's chain asks for: the next hop's HOST and PORT,
 * the last one host and port.  nport[i] gets that port as a number,
 * ss[i] its address where hop i's scheme sends one (SOCKS4, socks5://;
 * AF_UNSPEC otherwise).  Returns 0, or -1 after the message.
 */
int	proxy_asks(const struct common_opts *co, const char *host,
	    const char *port, int *nport, struct sockaddr_storage *ss);

/* How proxy_dial() failed. */
enum {
	PROXY_DIAL_OK = 0,
	PROXY_DIAL_FAILED,	/* said: exit 1 */
	PROXY_DIAL_UNREACHABLE,	/* the first proxy could not be reached,
				   or a proxy did not answer in time
				   (said) */
	PROXY_DIAL_TARGET,	/* the last proxy could not reach HOST PORT
				   (said with -v, or unless quiet) */
	PROXY_DIAL_SIGNAL	/* a signal came */
};

struct stream;

/*
 * Reach host port through co's proxies: a connection to the first (its
 * addresses in turn, -w each), then each one's handshake (-w each)
 * asking for the next, the last for host port; with -v a line per hop.
 * On PROXY_DIAL_OK *s is the stream to relay (a socket, or TLS to an
 * https:// proxy); quiet leaves a PROXY_DIAL_TARGET unsaid without -v
 * (-z's closed port).
 */
int	proxy_dial(const struct common_opts *co, const char *host,
	    const char *port, int quiet, struct stream *s);

#endif
