/*
 * spawn: fork and exec a shell for a client (see spawn.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "spawn.h"

pid_t
spawn_shell(const char *cmd, int fd, char *const env[])
{
	sigset_t none;
	pid_t pid;
	size_t i;
	int fl;

	if ((pid = fork()) != 0) {
		/* Its own group, so that ending it ends all it started (both
		 * sides set it: neither may run first). */
		if (pid > 0)
			(void)setpgid(pid, pid);
		return pid;
	}
	/* The child: only async-signal-safe calls until exec, mostly. */
	(void)setpgid(0, 0);
	/* Our sockets are non-blocking (connect's, accept4's); the command
	 * gets a blocking one, or its first read before the peer's bytes
	 * fails with EAGAIN ("read l" in sh takes that for EOF).  The flag
	 * is the socket's, but the parent only closes its copy. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    ((fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1))
		_exit(126);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1)
		_exit(126);
	if (fd > STDOUT_FILENO)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 0; env != NULL && env[i] != NULL; i++)
		putenv(env[i]);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}
