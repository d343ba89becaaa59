/*
 * The commands.  Each is int cmd_NAME(int argc, char **argv), argv[0]
 * being the command's name; it returns the exit status: 0 success,
 * 1 (EXIT_FAILURE) a run-time failure, 2 (EXIT_USAGE) a usage error.
 *
 * Adding a command:
 *   1. cmd/NAME.c with cmd_NAME(), its option table, its usage text and
 *      the struct its options fill (shared ones through opts.h);
 *   2. a prototype below and a row in the table in cmd/main.c;
 *   3. the file in the Makefile's CMD_SRCS;
 *   4. a .Ss in man/sockcat.1 naming every option, and the SYNOPSIS;
 *   5. tests/NN-NAME.bats (tests/01-cli.bats walks the table for --help).
 */
#ifndef SOCKCAT_CMD_H
#define SOCKCAT_CMD_H

#include <stdio.h>

int	cmd_serve(int argc, char **argv);
int	cmd_connect(int argc, char **argv);
int	cmd_forward(int argc, char **argv);
int	cmd_udp_send(int argc, char **argv);
int	cmd_udp_listen(int argc, char **argv);
int	cmd_resolve(int argc, char **argv);
int	cmd_hostname(int argc, char **argv);
int	cmd_help(int argc, char **argv);

/* Their option tables, for shell completion. */
struct opts_spec;
extern const struct opts_spec serve_spec, connect_spec, forward_spec,
    udp_send_spec, udp_listen_spec, resolve_spec, hostname_spec;

/* A row of the command table (cmd/main.c). */
struct command {
	const char		*name;
	int			(*fn)(int, char **);
	const char		*summary;
	const struct opts_spec	*spec;		/* its options, or NULL */
};

/* The command table, ended by a row whose name is NULL. */
const struct command *command_table(void);

/*
 * sockcat completion SHELL: print a completion script for bash, zsh or
 * fish, made from the command table and the option tables.
 */
int	cmd_completion(int argc, char **argv);

/*
 * The same command lines parsed and checked but not run: 0 when the
 * command would start (or printed --help), EXIT_USAGE after the usage
 * error.  Nothing is resolved, opened or sent.  The fuzz targets drive
 * these.
 */
int	cmd_serve_check(int argc, char **argv);
int	cmd_connect_check(int argc, char **argv);
int	cmd_forward_check(int argc, char **argv);
int	cmd_udp_send_check(int argc, char **argv);
int	cmd_udp_listen_check(int argc, char **argv);
int	cmd_resolve_check(int argc, char **argv);
int	cmd_hostname_check(int argc, char **argv);

/*
 * Print the getaddrinfo(3) results res as resolve does: one line each,
 * or with json one JSON array (closed even after a failure).  canon, when
 * not NULL, is every result's canonical name (RESOLVE_NO_CANON: there is
 * none, "-" in text, null in JSON).  Returns 0 or the EAI_* code of an
 * address that would not format.
 */
struct addrinfo;
extern const char RESOLVE_NO_CANON[];
int	resolve_print(FILE *fp, const struct addrinfo *res, const char *canon,
	    int json);

#endif
