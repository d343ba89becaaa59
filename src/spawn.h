/*
 * spawn: a shell command per client, with the connection as its stdin
 * and stdout (serve -e).
 */
#ifndef SOCKCAT_SPAWN_H
#define SOCKCAT_SPAWN_H

#include <sys/types.h>

/*
 * Start /bin/sh -c cmd with fd as its stdin and stdout (stderr stays
 * ours) and each "NAME=value" of env added to its environment; signals
 * are as the command would get them from a shell (SIGPIPE, SIGINT,
 * SIGTERM and SIGCHLD at their defaults).  Returns the child's pid, or
 * -1 with errno set.
 */
pid_t	spawn_shell(const char *cmd, int fd, char *const env[]);

#endif
