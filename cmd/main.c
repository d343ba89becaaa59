/*
 * sockcat: the command table, dispatch, help, --version and the hint for
 * a mistyped command.
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "opts.h"
#include "tls.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP	262
#endif

#ifndef SOCKCAT_VERSION
#define SOCKCAT_VERSION	"0.0.0"
#endif

/* The one table: dispatch, help, completion and the hint read it. */
static const struct command commands[] = {
	{ "serve",	cmd_serve,	"listen; relay one client (or many, -k) "
					"<-> stdin/stdout", &serve_spec },
	{ "connect",	cmd_connect,	"connect; relay the connection <-> "
					"stdin/stdout", &connect_spec },
	{ "forward",	cmd_forward,	"relay each client to a connection of "
					"its own to a target", &forward_spec },
	{ "udp-send",	cmd_udp_send,	"send stdin as datagrams",
					&udp_send_spec },
	{ "udp-listen",	cmd_udp_listen,	"receive datagrams, payloads to stdout",
					&udp_listen_spec },
	{ "resolve",	cmd_resolve,	"show what getaddrinfo(3) returns",
					&resolve_spec },
	{ "hostname",	cmd_hostname,	"print this machine's host name",
					&hostname_spec },
	{ "completion",	cmd_completion,	"print a shell's completion script "
					"(bash, zsh, fish)", NULL },
	{ "help",	cmd_help,	"show the commands, or one command's "
					"options", NULL },
	{ NULL,		NULL,		NULL,	NULL }
};

const struct command *
command_table(void)
{
	return commands;
}

static const struct command *
find(const char *name)
{
	const struct command *c;

	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Levenshtein distance, for the nearest-command hint. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, diag, up, best;
	size_t row[64];

	if (lb >= sizeof(row) / sizeof(row[0]) || la >= 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int
unknown_command(const char *name)
{
	const struct command *c, *near = NULL;
	size_t d, bestd = (size_t)-1;

	for (c = commands; c->name != NULL; c++) {
		if ((d = distance(name, c->name)) < bestd) {
			bestd = d;
			near = c;
		}
	}
	/* Another tool's word for a command. */
	if (strcmp(name, "listen") == 0)
		return usage_error(NULL, "'listen' is not a sockcat command; "
		    "to listen, use 'sockcat serve [HOST] PORT'");
	/* A hint only when it is plausibly a typo of that command. */
	if (near != NULL && bestd <= 1 + strlen(near->name) / 3)
		return usage_error(NULL, "'%.64s' is not a sockcat command; "
		    "did you mean '%s'?", name, near->name);
	return usage_error(NULL, "'%.64s' is not a sockcat command", name);
}

static void
list_commands(FILE *fp)
{
	const struct command *c;

	fputs("usage: sockcat COMMAND [options] [operands]\n"
	    "       sockcat help [COMMAND] | --help | --version\n\n"
	    "commands:\n", fp);
	for (c = commands; c->name != NULL; c++)
		fprintf(fp, "  %-12s%s\n", c->name, c->summary);
	fputs("\nRun 'sockcat COMMAND --help' for a command's options; "
	    "the manual is sockcat(1).\n", fp);
}

int
cmd_help(int argc, char **argv)
{
	static char help_flag[] = "--help";
	const struct command *c;
	char *av[3];

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		argc = 1;
	if (argc == 1) {
		list_commands(stdout);
		return 0;
	}
	if (argc > 2)
		return usage_error("help", "extra operand '%.64s'", argv[2]);
	if ((c = find(argv[1])) == NULL)
		return unknown_command(argv[1]);
	av[0] = argv[1];
	av[1] = help_flag;
	av[2] = NULL;
	return c->fn(2, av);
}

/*
 * Keep descriptors 0-2 taken, so that no socket lands on them and is
 * mistaken for stdin or stdout.  A closed one gets /dev/null opened the
 * "wrong" way round, so that using it fails with EBADF just as the
 * closed descriptor would have.
 */
static void
hold_std_fds(void)
{
	int fd, nfd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (nfd != -1 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

/*
 * Flush stdout and report a write error the command could not see (a
 * full disk, a closed descriptor); a reader that went away is no error.
 */
static int
close_stdout(int status)
{
	int failed;

	errno = 0;
	failed = fflush(stdout) != 0;
	if (!failed && !ferror(stdout))
		return status;
	/* errno is fflush's, or (an earlier write failed) unknown now. */
	if (failed && errno == EPIPE)
		return status;
	if (failed && errno != 0)
		warn("write to stdout");
	else
		warnx("write to stdout: an earlier write failed");
	return status == 0 ? EXIT_FAILURE : status;
}

/*
 * The version, then what this build and machine can do: TLS (the
 * library is loaded to say which), splice(2), Multipath TCP.
 */
static void
print_version(void)
{
	char tls[256];
	int fd;

	printf("sockcat %s\n", SOCKCAT_VERSION);
	if (tls_library(tls, sizeof(tls)) == 0)
		printf("tls: %s (loaded when used)", tls);
	else
		printf("tls: not available (%s)", tls);
	printf("; splice");
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    IPPROTO_MPTCP)) >= 0) {
		close(fd);
		printf("; mptcp");
	}
	printf("\n");
}

int
main(int argc, char **argv)
{
	static char progname[] = "sockcat";
	const struct command *c;

	/* err(3) and warn(3) say "sockcat: " whatever argv[0] is. */
	program_invocation_short_name = progname;
	hold_std_fds();
	/* A reader that goes away is EPIPE, handled where it is written. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		list_commands(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		print_version();
		return close_stdout(0);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return close_stdout(cmd_help(1, argv + 1));
	if (argv[1][0] == '-')
		return usage_error(NULL, "unknown option '%.64s' before the "
		    "command", argv[1]);
	if ((c = find(argv[1])) == NULL)
		return unknown_command(argv[1]);
	return close_stdout(c->fn(argc - 1, argv + 1));
}
