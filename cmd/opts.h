/*
 * opts: the options every command shares, the getopt_long loop, the
 * operand shapes (HOST PORT, [HOST] PORT, HOST [PORT], PATH) and the one
 * usage-error helper.  Nothing here exits: a usage error is printed and
 * EXIT_USAGE returned, for the command to return in turn.
 */
#ifndef SOCKCAT_OPTS_H
#define SOCKCAT_OPTS_H

#include <getopt.h>
#include <stdint.h>

#include "proxy-opts.h"
#include "shape.h"
#include "sock-opts.h"
#include "tls-opts.h"

#define EXIT_USAGE	2

/* opts_parse() returns this after printing --help: exit 0. */
#define OPTS_HELP	(-1)

/* Long-only options shared by commands; commands number theirs from
 * OPT_COMMAND on. */
enum {
	OPT_FAMILY = 256,
	OPT_PROTOCOL,
	OPT_SOURCE_PORT,
	OPT_SEND_ONLY,
	OPT_RECV_ONLY,
	OPT_GRACE,
	OPT_TELNET,
	OPT_HEX_DUMP,
	OPT_LINE_DELAY,
	OPT_NO_SHUTDOWN,
	OPT_SEQUENTIAL,
	OPT_ATTEMPT_DELAY,
	OPT_JSON_EVENTS,
	OPT_COMMAND = 400
};

/* Who may come in (serve, udp-listen): their getopt_long values. */
enum {
	OPT_ALLOW = 320,
	OPT_DENY,
	OPT_ALLOW_FILE,
	OPT_DENY_FILE
};

/* Many peers' arrangements (serve -k, udp-listen): getopt_long values. */
enum {
	OPT_LABEL = 330,
	OPT_ROUTE,
	OPT_BROKER
};

/* The most --allow, --deny, --allow-file and --deny-file options. */
#define OPTS_ACL_MAX	64

/* A time option not given. */
#define OPTS_NO_TIME	(-1LL)
/* A time option given as "inf" (--grace). */
#define OPTS_FOREVER	(-2LL)

/* The options every command may share; which ones a command takes is
 * what its option table lists. */
struct common_opts {
	const char	*cmd;		/* command name, for messages */
	/* The first option of an optional value given none, and the word
	 * after it, which may have been meant as its value. */
	const char	*bare_opt;
	const char	*bare_next;
	int		 family;	/* AF_UNSPEC, AF_INET, AF_INET6, AF_UNIX */
	int		 type;		/* 0: the command's default */
	int		 protocol;
	const char	*port;		/* -p, or NULL */
	int		 numeric;	/* -n */
	int		 verbose;	/* -v, counted */
	int		 json;		/* --json: diagnostics as JSON */
	const char	*source;	/* -s */
	const char	*source_port;
	long long	 connect_ms;	/* -w, or OPTS_NO_TIME */
	/* Happy Eyeballs (connect): off, and the time between attempts
	 * (OPTS_NO_TIME: DIAL_ATTEMPT_DELAY_MS). */
	int		 sequential;
	long long	 attempt_delay_ms;
	long long	 idle_ms;	/* -i */
	long long	 quit_ms;	/* -q */
	long long	 grace_ms;	/* --grace, or OPTS_FOREVER */
	/* The relay's directions (connect, serve). */
	int		 no_stdin;	/* -d */
	int		 send_only;
	int		 recv_only;
	int		 no_shutdown;	/* --no-shutdown */
	int		 proxy_protocol;	/* serve: read a PROXY header */
	/* --allow, --deny and their files, as given (opt: OPT_ALLOW...),
	 * and the lists they make at the start. */
	struct {
		int		 opt;
		const char	*arg;
	}		 acl_args[OPTS_ACL_MAX];
	size_t		 nacl_args;
	struct acl	*acl;
	/* --label, --route, --broker (serve, udp-listen). */
	int		 label;
	int		 route;
	int		 broker;
	struct tls_opts	 tls;		/* connect, serve */
	struct sockopt_args sock;	/* connect, serve, udp-* */
	struct proxy_opts proxy;	/* connect */
	/* Shaping the relay's bytes (-C, --telnet, --hex-dump). */
	struct shape_cfg shape;
	const char	*hex_dump;	/* FILE, "" for stderr, or NULL */
	long long	 line_delay_ms;	/* --line-delay, or OPTS_NO_TIME */
	/* For conflict messages: the spelling that set family and type. */
	char		 family_by[64];
	char		 type_by[64];
};

/* Option-table rows for the shared options; a command lists those it
 * takes, and their short letters in its short-option string. */
#define OPTL_FAMILY \
	{ "ipv4",	no_argument,		NULL, '4' }, \
	{ "ipv6",	no_argument,		NULL, '6' }, \
	{ "family",	required_argument,	NULL, OPT_FAMILY }
#define OPTL_UNIX \
	{ "unix",	no_argument,		NULL, 'U' }
#define OPTL_TYPE \
	{ "type",	required_argument,	NULL, 't' }, \
	{ "udp",	no_argument,		NULL, 'u' }, \
	{ "protocol",	required_argument,	NULL, OPT_PROTOCOL }
#define OPTL_PORT \
	{ "port",	required_argument,	NULL, 'p' }, \
	{ "numeric",	no_argument,		NULL, 'n' }
#define OPTL_SOURCE \
	{ "source",	required_argument,	NULL, 's' }, \
	{ "source-port", required_argument,	NULL, OPT_SOURCE_PORT }
#define OPTL_CONNECT_TIMEOUT \
	{ "connect-timeout", required_argument,	NULL, 'w' }
#define OPTL_HAPPY \
	{ "sequential",	no_argument,		NULL, OPT_SEQUENTIAL }, \
	{ "attempt-delay", required_argument,	NULL, OPT_ATTEMPT_DELAY }
#define OPTL_IDLE_TIMEOUT \
	{ "idle-timeout", required_argument,	NULL, 'i' }
#define OPTL_RELAY \
	{ "quit-after-eof", required_argument,	NULL, 'q' }, \
	{ "idle-timeout", required_argument,	NULL, 'i' }, \
	{ "no-stdin",	no_argument,		NULL, 'd' }, \
	{ "send-only",	no_argument,		NULL, OPT_SEND_ONLY }, \
	{ "recv-only",	no_argument,		NULL, OPT_RECV_ONLY }, \
	{ "grace",	required_argument,	NULL, OPT_GRACE }, \
	{ "no-shutdown", no_argument,		NULL, OPT_NO_SHUTDOWN }
#define OPTL_SHAPE \
	{ "crlf",	no_argument,		NULL, 'C' }, \
	{ "telnet",	no_argument,		NULL, OPT_TELNET }, \
	{ "hex-dump",	optional_argument,	NULL, OPT_HEX_DUMP }, \
	{ "line-delay",	required_argument,	NULL, OPT_LINE_DELAY }
#define OPTL_ACL \
	{ "allow",	required_argument,	NULL, OPT_ALLOW }, \
	{ "deny",	required_argument,	NULL, OPT_DENY }, \
	{ "allow-file",	required_argument,	NULL, OPT_ALLOW_FILE }, \
	{ "deny-file",	required_argument,	NULL, OPT_DENY_FILE }
#define USAGE_ACL \
"      --allow=LIST, --deny=LIST  take only these clients, or not these:\n" \
"                         addresses, CIDR blocks, host names, comma-separated\n" \
"      --allow-file=FILE, --deny-file=FILE  the same, one a line (# comments)\n"
#define OPTL_LABEL \
	{ "label",	no_argument,		NULL, OPT_LABEL }, \
	{ "route",	no_argument,		NULL, OPT_ROUTE }
#define USAGE_LABEL \
"      --label            stdout as lines, each after its sender's label\n" \
"                         (ADDR PORT, or unix N) and a tab\n" \
"      --route            each stdin line starts with a label and a tab:\n" \
"                         the rest goes to that peer only (* : to all)\n"
#define OPTL_JSON \
	{ "json",	no_argument,		NULL, OPT_JSON_EVENTS }
#define OPTL_BASE \
	{ "verbose",	no_argument,		NULL, 'v' }, \
	{ "help",	no_argument,		NULL, 'h' }
#define OPTL_END \
	{ NULL,		0,			NULL, 0 }

/* One command's options: what opts_parse() needs to drive getopt_long. */
struct opts_spec {
	const char		*cmd;		/* "connect" */
	const char		*usage;		/* the whole --help text */
	const char		*shortopts;	/* without the leading ':' */
	const struct option	*longopts;
	/*
	 * The command's own options: returns 0 when it took c, -1 when c is
	 * not its own (the shared handler gets it), EXIT_USAGE after a
	 * usage_error().
	 */
	int			(*option)(void *self, int c, const char *arg);
};

/* The operand shapes. */
enum operands {
	OPERANDS_HOST_PORT,	/* HOST PORT (or HOST:PORT, or HOST -p PORT) */
	OPERANDS_OPT_HOST,	/* [HOST] PORT */
	OPERANDS_OPT_PORT	/* HOST [PORT] */
};

/* Where the operands say to go. */
struct endpoint {
	const char	*host;	/* NULL: none given (the wildcard) */
	const char	*port;	/* NULL: none given */
	const char	*path;	/* with -U: the unix socket path */
	char		*alloc;	/* what a HOST:PORT split allocated */
};

/*
 * Print "sockcat: CMD: MESSAGE (try 'sockcat CMD --help')" on stderr
 * (without "CMD: " when cmd is NULL) and return EXIT_USAGE.
 */
int	usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Reset *co, then run getopt_long over argv with spec: the command's own
 * handler first, the shared options next.  Stores the index of the first
 * operand in *first.  Returns 0, OPTS_HELP after printing the usage on
 * stdout, or EXIT_USAGE after printing the error.
 */
int	opts_parse(const struct opts_spec *spec, struct common_opts *co,
	    void *self, int argc, char **argv, int *first);

/*
 * After opts_parse(), for a run (not a check): with --json, make
 * stderr JSON from now on (diag.h).  Returns 0, or 1 after the
 * message.
 */
int	opts_start_json(const struct common_opts *co);

/*
 * Fill ep from the operands (argc counts only them) in the given shape,
 * taking -p and -U from co, and check the HOST and PORT syntax; a PORT
 * may be a list of ports and ranges when port_list is set.  Returns 0 or
 * EXIT_USAGE after printing the error.  Free ep->alloc when done.
 */
/* For a lookup that found nothing: " (IPv6 addresses only: -6)" when
 * an option kept one family (-4, -6, --family, --source ADDR), else
 * ""; in buf. */
const char *opts_family_hint(const struct common_opts *co, char *buf,
	    size_t len);

/* " (--OPT takes its value after '=' only: --OPT=WORD)" for the first
 * option of optional value given bare and the word after it, else "";
 * in buf. */
const char *opts_bare_hint(const struct common_opts *co, char *buf,
	    size_t len);

/* The usage error for an extra operand word, with a hint when the
 * word before it may have been meant as an option's value. */
int	opts_extra_operand(const struct common_opts *co, const char *word);

int	opts_endpoint(struct common_opts *co, enum operands shape,
	    int port_list, int argc, char **argv, struct endpoint *ep);

/*
 * Copy the item of a comma list that starts at p into item (cut to
 * len - 1 bytes); without split the whole of p is one item.  Returns
 * the comma that ends it, or NULL for the last.
 */
const char *opts_list_item(const char *p, int split, char *item,
	    size_t len);

/*
 * Check the relay options of connect and serve against each other.
 * Returns 0 or EXIT_USAGE after printing the conflict.
 */
int	opts_check_relay(const struct common_opts *co);

/*
 * Make co's allow and deny lists (names resolved now, files read).
 * Returns 0, or 1 or EXIT_USAGE after the message.
 */
int	opts_setup_acl(struct common_opts *co);

void	opts_acl_done(struct common_opts *co);

/*
 * The checks of --label and --route: --route needs --label, and, where
 * many is not NULL, the option it names (given: want_many).  Returns 0,
 * or a usage error's status.
 */
int	opts_check_label(const struct common_opts *co, const char *many,
	    int want_many);

/*
 * -e gives the connection to a command: the relay's options do not
 * apply.  Returns 0 or EXIT_USAGE after the message.
 */
int	opts_check_exec(const struct common_opts *co);

/* The receive buffer a datagram receiver asks for by default. */
#define OPTS_DGRAM_RCVBUF	(4 * 1024 * 1024)

/*
 * Check the socket options against the command's sockets (listening or
 * not, of type unless -t says otherwise), and settle what follows from
 * them: a datagram receiver's default buffer; ep->host, when none was
 * given, becomes the one group of --join (written in group).  Returns
 * 0 or EXIT_USAGE after the message.
 */
int	opts_check_sock(struct common_opts *co, int listening, int type,
	    struct endpoint *ep, char *group, size_t grouplen);

/*
 * Check the shaping options (-C, --telnet, --hex-dump, --line-delay)
 * against the others and, unless check_only, open the dump's FILE
 * (0600, appended to).  Returns 0, 1 after a run-time message, or
 * EXIT_USAGE.
 */
int	opts_setup_shape(struct common_opts *co, const char *exec_by,
	    int check_only);

/* Close the dump's FILE.  A dump that could not be written all is told;
 * returns status, or 1 for a 0 then. */
int	opts_shape_done(struct common_opts *co, int status);

/*
 * Parse SECS, a non-negative decimal with an optional fraction, into
 * milliseconds.  Returns 0, or -1 with errno EINVAL or ERANGE.
 */
int	parse_seconds(const char *s, long long *ms);

/*
 * Parse a count for option name (in messages) from min to max.  Returns
 * 0, or EXIT_USAGE after printing the error.
 */
int	parse_count(const char *cmd, const char *name, const char *s,
	    long long min, long long max, long long *out);

#endif
