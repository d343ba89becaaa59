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

int	cmd_serve(int argc, char **argv);
int	cmd_connect(int argc, char **argv);
int	cmd_udp_send(int argc, char **argv);
int	cmd_udp_listen(int argc, char **argv);
int	cmd_resolve(int argc, char **argv);
int	cmd_hostname(int argc, char **argv);
int	cmd_help(int argc, char **argv);

#endif
