/*
 * Fuzz target: each command's option parsing.  The input is a command
 * line, one argument a line; the first line names the command (or, when
 * it names none, its first byte picks one).  The command parses and
 * checks it without running: the answer must be 0 or the usage status,
 * with no crash, leak or undefined behaviour on the way.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"

#define ARGS_MAX	64

static const struct {
	const char	*name;
	int		(*check)(int, char **);
} commands[] = {
	{ "serve",	cmd_serve_check },
	{ "connect",	cmd_connect_check },
	{ "forward",	cmd_forward_check },
	{ "udp-send",	cmd_udp_send_check },
	{ "udp-listen",	cmd_udp_listen_check },
	{ "resolve",	cmd_resolve_check },
	{ "hostname",	cmd_hostname_check }
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *argv[ARGS_MAX + 1], *line, *next;
	size_t c;
	int argc = 0, r;

	if (size == 0)
		return 0;
	/* A C string: argv cannot hold a NUL, so one ends the input. */
	if ((copy = strndup((const char *)data, size)) == NULL)
		return 0;
	for (line = copy; line != NULL && argc < ARGS_MAX; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		argv[argc++] = line;
	}
	argv[argc] = NULL;
	for (c = 0; c < NCOMMANDS; c++)
		if (strcmp(argv[0], commands[c].name) == 0)
			break;
	if (c == NCOMMANDS)
		c = (unsigned char)data[0] % NCOMMANDS;
	r = commands[c].check(argc, argv);
	if (r != 0 && r != EXIT_USAGE) {
		fprintf(stderr, "%s: parse returned %d\n", commands[c].name, r);
		abort();
	}
	free(copy);
	return 0;
}
