/*
 * sig: SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGALRM, SIGUSR1 and SIGUSR2
 * (and SIGCHLD when asked) turned into a
 * readable descriptor, so that poll loops see a signal as an event and
 * end cleanly instead of dying mid-write.
 */
#ifndef SOCKCAT_SIG_H
#define SOCKCAT_SIG_H

/*
 * Catch SIGINT and SIGTERM from now on (no SA_RESTART: blocking calls
 * return EINTR).  Returns a non-blocking descriptor that turns readable
 * when one arrives, or -1 with errno set.  Idempotent.
 */
int	sig_init(void);

/*
 * Make SIGCHLD turn the descriptor readable too (without counting as a
 * terminating signal), so that a poll loop can reap its children.
 * Returns 0, or -1 with errno set.
 */
int	sig_watch_children(void);

/* The descriptor sig_init() returned, or -1 before it. */
int	sig_fd(void);

/* The terminating signal caught so far (SIGINT or SIGTERM), or 0. */
int	sig_caught(void);

/* Empty the descriptor after it polled readable. */
void	sig_drain(void);

/*
 * Give the signals back their default actions and close the descriptor:
 * the end of a command's run.  A no-op before sig_init().
 */
void	sig_fini(void);

#endif
