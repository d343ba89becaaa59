/*
 * sig: signals as poll events (see sig.h), by the self-pipe trick.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "sig.h"

static int pipefd[2] = { -1, -1 };

/* The signals that end a command cleanly (their default would kill it
 * with a socket file left behind): a closed terminal's SIGHUP, ^C, ^\,
 * kill(1)'s default, and the ones nobody sends sockcat on purpose. */
static const int ending[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1, SIGUSR2
};
#define NENDING	(sizeof(ending) / sizeof(ending[0]))
static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	int saved = errno;

	if (caught == 0 && sig != SIGCHLD)
		caught = sig;
	/* Full pipe: a wake-up is already pending, which is all we need. */
	(void)!write(pipefd[1], "", 1);
	errno = saved;
}

int
sig_init(void)
{
	struct sigaction sa;
	size_t i;

	if (pipefd[0] != -1)
		return pipefd[0];
	if (pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NENDING; i++)
		if (sigaction(ending[i], &sa, NULL) == -1)
			return -1;
	return pipefd[0];
}

int
sig_watch_children(void)
{
	struct sigaction sa;

	if (sig_init() == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGCHLD, &sa, NULL);
}

int
sig_fd(void)
{
	return pipefd[0];
}

int
sig_caught(void)
{
	return caught;
}

void
sig_drain(void)
{
	char buf[64];

	while (read(pipefd[0], buf, sizeof(buf)) > 0)
		continue;
}

void
sig_fini(void)
{
	struct sigaction sa;
	size_t i;

	if (pipefd[0] == -1)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NENDING; i++)
		(void)sigaction(ending[i], &sa, NULL);
	(void)sigaction(SIGCHLD, &sa, NULL);
	close(pipefd[0]);
	close(pipefd[1]);
	pipefd[0] = pipefd[1] = -1;
}
