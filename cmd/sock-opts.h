/*
 * sock-opts: the socket options of connect, serve, udp-send and
 * udp-listen: their table rows, parsing, the checks against the command
 * and socket type, and the message when the kernel refuses one.
 */
#ifndef SOCKCAT_SOCK_OPTS_H
#define SOCKCAT_SOCK_OPTS_H

#include <getopt.h>

#include "sockopt.h"

/* Their getopt_long values: shared, after the TLS ones and below
 * OPT_COMMAND (opts.h). */
enum {
	OPT_KEEPALIVE = 285,
	OPT_NODELAY,
	OPT_SNDBUF,
	OPT_RCVBUF,
	OPT_TTL,
	OPT_TOS,
	OPT_BIND_DEVICE,
	OPT_MARK,
	OPT_REUSEPORT,
	OPT_MPTCP,
	OPT_FASTOPEN,
	OPT_JOIN,
	OPT_MULTICAST_IF,
	OPT_MULTICAST_LOOP
};

/* The options as set, and as typed (for messages). */
struct sockopt_args {
	struct sock_opts	 opts;
	const char		*given[SOCKOPT_COUNT];	/* NULL: not given */
	const char		*join_given[SOCKOPT_JOIN_MAX];
};

/* Every command that makes sockets lists them all, so that one that
 * does not apply is named as such rather than unknown. */
#define OPTL_SOCK \
	{ "keepalive",		optional_argument,	NULL, OPT_KEEPALIVE }, \
	{ "nodelay",		no_argument,		NULL, OPT_NODELAY }, \
	{ "sndbuf",		required_argument,	NULL, OPT_SNDBUF }, \
	{ "rcvbuf",		required_argument,	NULL, OPT_RCVBUF }, \
	{ "ttl",		required_argument,	NULL, OPT_TTL }, \
	{ "tos",		required_argument,	NULL, OPT_TOS }, \
	{ "bind-device",	required_argument,	NULL, OPT_BIND_DEVICE }, \
	{ "mark",		required_argument,	NULL, OPT_MARK }, \
	{ "reuseport",		no_argument,		NULL, OPT_REUSEPORT }, \
	{ "mptcp",		no_argument,		NULL, OPT_MPTCP }, \
	{ "fastopen",		no_argument,		NULL, OPT_FASTOPEN }, \
	{ "join",		required_argument,	NULL, OPT_JOIN }, \
	{ "multicast-if",	required_argument,	NULL, OPT_MULTICAST_IF }, \
	{ "multicast-loop",	required_argument,	NULL, OPT_MULTICAST_LOOP }

/* Their lines in the commands' usage texts. */
#define USAGE_SOCK_TCP \
"      --keepalive[=IDLE[:INTVL[:CNT]]]  TCP keepalive (seconds, probes)\n" \
"      --nodelay          TCP_NODELAY: small writes go out at once\n"
#define USAGE_SOCK_BUFFERS \
"      --sndbuf=BYTES, --rcvbuf=BYTES  socket buffers (k, M suffixes)\n"
#define USAGE_SOCK_IP \
"      --ttl=N            IP TTL / IPv6 hop limit (multicast: its own)\n" \
"      --tos=VAL          IP TOS / IPv6 class: 0-255 or ef, af11-af43, cs0-cs7\n" \
"      --bind-device=IFACE, --mark=N  SO_BINDTODEVICE, SO_MARK\n"
#define USAGE_SOCK_MPTCP \
"      --mptcp            Multipath TCP\n" \
"      --fastopen         TCP Fast Open\n"
#define USAGE_SOCK_REUSEPORT \
"      --reuseport        SO_REUSEPORT: several servers on one port\n"

/* What a command's sockets do, for the checks. */
struct sockopt_use {
	const char	*cmd;
	int		 listening;	/* serve, udp-listen */
	int		 type;		/* SOCK_STREAM, SOCK_DGRAM, ... */
	const char	*type_by;	/* the option that set it, or NULL */
	int		 family;	/* AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX */
	const char	*family_by;
	int		 protocol_given; /* --protocol */
};

void	sockopt_args_init(struct sockopt_args *a);

/*
 * Take the socket option c (spelled as by) into a.  Returns 0,
 * EXIT_USAGE after the message, or -1 when c is no socket option.
 */
int	sockopt_option(struct sockopt_args *a, const char *cmd, int c,
	    const char *arg, const char *by);

/*
 * Check the options given against what the command's sockets are.
 * Returns 0 or EXIT_USAGE after the message, which names both sides.
 */
int	sockopt_check(const struct sockopt_args *a, const struct sockopt_use *u);

/*
 * Say which option the kernel refused, as "sockcat: --tos ef: setsockopt
 * IP_TOS: REASON" (errno is the reason).
 */
void	sockopt_report(const struct sockopt_args *a,
	    const struct sockopt_fail *fail);

/*
 * With --join, HOST's address sa (as resolved) must be the wildcard or
 * a joined group: a socket bound to any other never gets the group's
 * datagrams.  Returns 0, or EXIT_USAGE after the message.
 */
int	sockopt_join_check_addr(const struct sockopt_args *a,
	    const char *cmd, const char *host, const struct sockaddr *sa);

/*
 * A multicast group address to bind when udp-listen (or serve -u) is
 * given no HOST: the group of every --join when they all name one
 * (a link-local one with its interface), written into buf; NULL
 * otherwise.
 */
const char *sockopt_join_host(const struct sockopt_args *a, char *buf,
	    size_t len);

#endif
